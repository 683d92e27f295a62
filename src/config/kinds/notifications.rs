//! `notification`: the notifications of a repository, every event and method Quay has
//! (quay-api-breadth.md §2).
//!
//! ```yaml
//! repositories:
//!   - name: api
//!     notification:                 # absent = not managed; a declared list is exact
//!       - event: build_failure
//!         method: webhook
//!         title: "api build failed"
//!         config: {url: https://ci.example.com/hook, template: '{"text": "${repository}"}'}
//!         event_config: {ref-regex: "^refs/heads/main$"}
//! ```

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::decode::{Decoder, Fields};
use super::super::file::{OrganizationFile, RepositoryEntry};
use super::super::validate::{http_url_host, Checker};
use crate::config::yaml::Node;
use crate::model::{
    url_for_display, EventConfigKey, Mention, Notification, NotificationEvent, NotificationMethod,
    OrOther, OWNERS_TEAM, SEVERITY_LEVELS,
};

/// The keys of the section's maps.
pub mod keys {
    pub const NOTIFICATION: &[&str] = &["event", "method", "title", "config", "event_config"];
    /// Every method's keys, and the seed's `title`.
    pub const CONFIG: &[&str] = &[
        "url",
        "template",
        "email",
        "target",
        "flow_api_token",
        "notification_token",
        "room_id",
        "title",
    ];
    pub const EVENT_CONFIG: &[&str] = &["ref-regex", "level", "days"];
    pub const TARGET: &[&str] = &["kind", "name"];
}

pub(in crate::config) const SECTION: &str = "notification";

/// Quay's limit on a title (its database column).
const MAX_TITLE: usize = 255;

/// One notification of a repository. Quay has no update: a changed one is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields, transform = per_method_and_event)]
pub struct NotificationEntry {
    /// The repository event (`repo_push`, `repo_mirror_sync_failed`, `build_failure`,
    /// `vulnerability_found`, `repo_image_expiry`, …).
    pub event: NotificationEvent,
    /// `webhook`, `slack`, `email`, `quay_notification`, `flowdock` or `hipchat`.
    pub method: NotificationMethod,
    /// The notification's title (at most 255 characters); absent or `""` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The method's settings; which keys each method takes is in docs/configuration.md.
    pub config: NotificationConfig,
    /// What the event reads: `ref-regex` (build events), `level` (`vulnerability_found`),
    /// `days` (`repo_image_expiry`, required there); absent = `{}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_config: Option<EventConfigEntry>,
}

/// A method's settings: `webhook` `url` (+ `template`), `slack` `url`, `email` `email`,
/// `quay_notification` `target`, `flowdock` `flow_api_token`, `hipchat` `notification_token`
/// and `room_id`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NotificationConfig {
    /// `webhook`, `slack`: where Quay posts (`http://` or `https://`; `https://` for Slack).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `webhook`: a JSON template for the body, with `${…}` placeholders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// `email`: the address; it must be confirmed for the repository (mqc requests it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `quay_notification`: who gets it in Quay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<NotificationTarget>,
    /// `flowdock`: the flow's API token (a secret: never shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_api_token: Option<String>,
    /// `hipchat`: the room notification token (a secret: never shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_token: Option<String>,
    /// `hipchat`: the room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room_id: Option<String>,
    /// The seed's place for the title; the same as the notification's `title`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A `quay_notification` recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NotificationTarget {
    /// `user`, `team` (declared under `teams`, or `owners`) or `org` (this organization).
    pub kind: TargetKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    User,
    Team,
    Org,
}

impl TargetKind {
    fn as_str(self) -> &'static str {
        match self {
            TargetKind::User => "user",
            TargetKind::Team => "team",
            TargetKind::Org => "org",
        }
    }
}

/// What the event reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EventConfigEntry {
    /// Build events: only builds whose ref matches (Python `re.match`, anchored at the start).
    #[serde(rename = "ref-regex", skip_serializing_if = "Option::is_none")]
    pub ref_regex: Option<String>,
    /// `vulnerability_found`: the least severe index notified: 0 Critical, 1 High, 2 Medium,
    /// 3 Low, 4 Negligible, 5 Unknown; absent = every severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 5))]
    pub level: Option<u8>,
    /// `repo_image_expiry`: notify of tags expiring within this many days (> 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub days: Option<u64>,
}

/// The schema's part of what `check` refuses: each method's `config` keys (required, and no
/// other method's), each event's `event_config` keys (`days` required for
/// `repo_image_expiry`).
fn per_method_and_event(schema: &mut schemars::Schema) {
    let mut rules = Vec::new();
    for method in NotificationMethod::ALL {
        let (required, optional) = method.config_keys();
        let mut allowed: Vec<&str> = required.iter().chain(optional).copied().collect();
        allowed.push("title");
        rules.push(serde_json::json!({
            "if": {"properties": {"method": {"const": method.as_str()}}, "required": ["method"]},
            "then": {"properties": {"config": {
                "required": required,
                "propertyNames": {"enum": allowed},
            }}},
        }));
    }
    for event in NotificationEvent::ALL {
        let allowed: Vec<&str> = event
            .config_key()
            .map(EventConfigKey::as_str)
            .into_iter()
            .collect();
        let mut then = serde_json::json!({"properties": {"event_config": {
            "propertyNames": {"enum": allowed},
        }}});
        if *event == NotificationEvent::RepoImageExpiry {
            then["required"] = serde_json::json!(["event_config"]);
            then["properties"]["event_config"]["required"] = serde_json::json!(["days"]);
        }
        rules.push(serde_json::json!({
            "if": {"properties": {"event": {"const": event.as_str()}}, "required": ["event"]},
            "then": then,
        }));
    }
    schema.insert("allOf".into(), Value::Array(rules));
}

fn severity_table() -> String {
    let levels: Vec<String> = SEVERITY_LEVELS
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{i} {name}"))
        .collect();
    format!("write the severity index: {}", levels.join(", "))
}

impl Decoder<'_> {
    /// A repository's `notification` list, `None` when absent.
    pub(in crate::config) fn notifications(
        &mut self,
        f: &Fields,
    ) -> Option<Vec<NotificationEntry>> {
        let items = self.list(f, SECTION)?;
        let mut entries = Vec::with_capacity(items.len());
        for (path, item) in items {
            if let Some(entry) = self.notification_entry(item, &path) {
                entries.push(entry);
            }
        }
        Some(entries)
    }

    fn notification_entry(&mut self, node: &Node, path: &str) -> Option<NotificationEntry> {
        let f = self.fields(node, path, "a notification map", keys::NOTIFICATION)?;
        let events: Vec<(&str, NotificationEvent)> = NotificationEvent::ALL
            .iter()
            .map(|e| (e.as_str(), *e))
            .collect();
        let methods: Vec<(&str, NotificationMethod)> = NotificationMethod::ALL
            .iter()
            .map(|m| (m.as_str(), *m))
            .collect();
        let event = self.choice(&f, "event", &events, true);
        let method = self.choice(&f, "method", &methods, true);
        let title = self.text(&f, "title", None);
        let config = match f.get("config") {
            None => {
                self.missing(&f, "config", "{…}");
                None
            }
            Some(node) => self.notification_config(node, &f.path("config"), method),
        };
        let event_config = f
            .get("event_config")
            .and_then(|node| self.event_config(node, &f.path("event_config"), event));
        if event == Some(NotificationEvent::RepoImageExpiry)
            && event_config.as_ref().and_then(|e| e.days).is_none()
        {
            let pos = f.get("event_config").map_or(f_pos(&f), |n| n.pos);
            self.error(
                pos,
                format!(
                    "`{}` lacks `days`: Quay skips a `repo_image_expiry` notification without it",
                    f.path("event_config")
                ),
                Some("add `event_config: {days: 7}` (tags expiring within that many days)"),
            );
        }
        if let (Some(title), Some(config_title)) =
            (&title, config.as_ref().and_then(|c| c.title.as_ref()))
        {
            if title != config_title {
                if let Some(node) = f.get("title") {
                    self.error(
                        node.pos,
                        format!(
                            "`{}` and `{}.title` differ; they are the same title",
                            f.path("title"),
                            f.path("config")
                        ),
                        Some("keep one of them"),
                    );
                }
            }
        }
        let title_shown = title
            .as_ref()
            .or(config.as_ref().and_then(|c| c.title.as_ref()));
        if let Some(long) = title_shown.filter(|t| t.chars().count() > MAX_TITLE) {
            let node = f.get("title").unwrap_or(node);
            self.error(
                node.pos,
                format!(
                    "the title of `{path}` has {} characters; Quay stores at most {MAX_TITLE}",
                    long.chars().count()
                ),
                Some("shorten it"),
            );
        }
        Some(NotificationEntry {
            event: event?,
            method: method?,
            title,
            config: config?,
            event_config,
        })
    }

    fn notification_config(
        &mut self,
        node: &Node,
        path: &str,
        method: Option<NotificationMethod>,
    ) -> Option<NotificationConfig> {
        let c = self.fields(node, path, "a map of the method's settings", keys::CONFIG)?;
        let mut config = NotificationConfig {
            url: self.text(&c, "url", None),
            template: self.text(&c, "template", None),
            email: self.text(&c, "email", None),
            target: None,
            flow_api_token: self.text(&c, "flow_api_token", None),
            notification_token: self.text(&c, "notification_token", None),
            room_id: self.text(&c, "room_id", None),
            title: self.text(&c, "title", None),
        };
        if let Some(target) = c.get("target") {
            config.target = self.target(target, &c.path("target"));
        }
        let method = method?;
        let (required, optional) = method.config_keys();
        for key in keys::CONFIG {
            if *key == "title" || required.contains(key) || optional.contains(key) {
                continue;
            }
            if let Some(value) = c.get(key) {
                let allowed: Vec<&str> = required.iter().chain(optional).copied().collect();
                self.error(
                    value.pos,
                    format!("`{}` is not a setting of method `{method}`", c.path(key)),
                    Some(&format!(
                        "`{method}` takes {}",
                        allowed
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
        for key in required {
            let given = match *key {
                "target" => config.target.is_some() || c.get("target").is_some(),
                _ => c.get(key).is_some(),
            };
            if !given {
                let example = match *key {
                    "url" => "https://…",
                    "email" => "<address>",
                    "target" => "{kind: team, name: <team>}",
                    "room_id" => "<room>",
                    _ => "<token>",
                };
                self.error(
                    f_pos(&c),
                    format!("`{path}` lacks `{key}`, which method `{method}` needs"),
                    Some(&format!("add `{key}: {example}`")),
                );
            }
        }
        Some(config)
    }

    fn target(&mut self, node: &Node, path: &str) -> Option<NotificationTarget> {
        let t = self.fields(node, path, "a map `{kind: …, name: …}`", keys::TARGET)?;
        let kind = self.choice(
            &t,
            "kind",
            &[
                ("user", TargetKind::User),
                ("team", TargetKind::Team),
                ("org", TargetKind::Org),
            ],
            true,
        );
        let name = self.text(&t, "name", Some("<user, team or organization name>"));
        Some(NotificationTarget {
            kind: kind?,
            name: name?,
        })
    }

    fn event_config(
        &mut self,
        node: &Node,
        path: &str,
        event: Option<NotificationEvent>,
    ) -> Option<EventConfigEntry> {
        let e = self.fields(
            node,
            path,
            "a map of what the event reads",
            keys::EVENT_CONFIG,
        )?;
        let mut entry = EventConfigEntry::default();
        let reads = event.and_then(NotificationEvent::config_key);
        for key in [
            EventConfigKey::RefRegex,
            EventConfigKey::Level,
            EventConfigKey::Days,
        ] {
            let Some(value) = e.get(key.as_str()) else {
                continue;
            };
            if let Some(event) = event.filter(|_| reads != Some(key)) {
                let hint = match reads {
                    Some(read) => format!("`{event}` reads only `{}`", read.as_str()),
                    None => format!("`{event}` reads no event config: remove `event_config`"),
                };
                self.error(
                    value.pos,
                    format!("`{}` is not read by event `{event}`", e.path(key.as_str())),
                    Some(&hint),
                );
                continue;
            }
            match key {
                EventConfigKey::RefRegex => {
                    entry.ref_regex = self.text(&e, key.as_str(), None);
                    if let Some(regex) = &entry.ref_regex {
                        if let Err(err) = super::auto_prune::compile_pattern(regex) {
                            let first = err.lines().last().unwrap_or_default().to_string();
                            self.error(
                                value.pos,
                                format!(
                                    "`{}` is not a valid regular expression ({}); Quay would never fire the notification",
                                    e.path(key.as_str()),
                                    first.trim()
                                ),
                                Some("e.g. `^refs/heads/main$`"),
                            );
                        }
                    }
                }
                EventConfigKey::Level => {
                    let level = value.scalar().filter(|s| s.plain).and_then(|s| s.as_int());
                    match level {
                        Some(n @ 0..=5) => entry.level = u8::try_from(n).ok(),
                        _ => {
                            let found = value.scalar().map_or_else(
                                || value.describe().to_string(),
                                |s| format!("`{}`", s.value),
                            );
                            self.error(
                                value.pos,
                                format!(
                                    "`{}` must be a severity index from 0 to 5, found {found} (Quay accepts other values and then fails on every vulnerability)",
                                    e.path(key.as_str())
                                ),
                                Some(&severity_table()),
                            );
                        }
                    }
                }
                EventConfigKey::Days => {
                    let days = value.scalar().filter(|s| s.plain).and_then(|s| s.as_int());
                    match days.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0) {
                        Some(n) => entry.days = Some(n),
                        None => {
                            let found = value.scalar().map_or_else(
                                || value.describe().to_string(),
                                |s| format!("`{}`", s.value),
                            );
                            self.error(
                                value.pos,
                                format!(
                                    "`{}` must be a whole number of days greater than 0, found {found}",
                                    e.path(key.as_str())
                                ),
                                Some("e.g. `days: 7`"),
                            );
                        }
                    }
                }
            }
        }
        Some(entry)
    }
}

fn f_pos(f: &Fields) -> crate::config::finding::Pos {
    f.pos()
}

/// Checks a repository's list: URL rules, `quay_notification` targets, e-mail addresses,
/// events that never fire, duplicates.
pub(in crate::config) fn check(
    c: &mut Checker<'_>,
    rp: &str,
    repo: &RepositoryEntry,
    teams: &BTreeSet<String>,
    org: &str,
) {
    let Some(entries) = &repo.notification else {
        return;
    };
    let mut seen: Vec<(Notification, String)> = Vec::new();
    for (j, entry) in entries.iter().enumerate() {
        let np = format!("{rp}.{SECTION}[{j}]");
        let cp = format!("{np}.config");
        if let Some(url) = entry.config.url.as_deref().filter(|u| !u.is_empty()) {
            check_url(c, &format!("{cp}.url"), entry.method, url);
        }
        if let Some(email) = &entry.config.email {
            if let Some(problem) = super::super::validate::email_problem(email) {
                c.error(
                    &format!("{cp}.email"),
                    format!("e-mail address `{email}` {problem}"),
                    None,
                );
            }
        }
        if let Some(target) = &entry.config.target {
            check_target(c, &format!("{cp}.target"), target, teams, org);
        }
        match entry.event {
            NotificationEvent::QuotaWarning | NotificationEvent::QuotaError => c.warning(
                &format!("{np}.event"),
                format!(
                    "Quay never fires `{}` on a repository notification (only organization quota notifications are sent)",
                    entry.event
                ),
                Some("remove it, or keep it knowing it stays silent (Quay 3.18+ only)".into()),
            ),
            NotificationEvent::RepoMirrorSyncStarted
            | NotificationEvent::RepoMirrorSyncSuccess
            | NotificationEvent::RepoMirrorSyncFailed
                if repo.mirror != Some(true) =>
            {
                c.warning(
                    &np,
                    format!(
                        "repository `{}` is not mirrored, so a `{}` notification never fires",
                        repo.name, entry.event
                    ),
                    None,
                )
            }
            _ => {}
        }
        let model = notification(entry);
        if let Some((_, first)) = seen.iter().find(|(n, _)| n.same_as(&model)) {
            let line = c.line_of(first);
            c.error(
                &np,
                format!(
                    "{} is declared twice{line}: Quay would deliver it twice",
                    model.describe()
                ),
                Some("remove one of them".into()),
            );
        } else {
            seen.push((model, np));
        }
    }
}

fn check_url(c: &mut Checker<'_>, path: &str, method: NotificationMethod, url: &str) {
    let slack = method == NotificationMethod::Slack;
    let shown = if slack {
        crate::model::slack_url_for_display(url)
    } else {
        url_for_display(url).into_owned()
    };
    let what = if slack { "Slack URL" } else { "webhook URL" };
    match http_url_host(url) {
        Err(problem) => c.error(path, format!("{what} `{shown}` {problem}"), None),
        Ok(_) if slack && !url.to_ascii_lowercase().starts_with("https://") => c.error(
            path,
            format!("{what} `{shown}` must start with https://"),
            Some("use the https:// URL of the Slack incoming webhook".into()),
        ),
        Ok(host) if !slack && (host == "localhost" || host == "127.0.0.1") => c.error(
            path,
            format!("{what} `{shown}` points at `{host}`, which Quay refuses for webhooks"),
            Some("use an address the Quay server can reach under another name".into()),
        ),
        Ok(_) => {}
    }
}

fn check_target(
    c: &mut Checker<'_>,
    path: &str,
    target: &NotificationTarget,
    teams: &BTreeSet<String>,
    org: &str,
) {
    let name = target.name.as_str();
    let np = format!("{path}.name");
    match target.kind {
        TargetKind::Team if !teams.contains(name) && name != OWNERS_TEAM => c.error(
            &np,
            format!("notification target team `{name}` is not declared in `teams`"),
            Some(format!(
                "add `- name: {name}` under `teams`, or name a declared team"
            )),
        ),
        TargetKind::Org if name != org => c.error(
            &np,
            format!(
                "notification target organization `{name}` is not this organization `{org}` (Quay fails on any other)"
            ),
            Some(format!("write `name: {org}`")),
        ),
        TargetKind::User if name.contains('+') => c.error(
            &np,
            format!("notification target user `{name}` is a robot; Quay notifies only people"),
            Some("name a user, or a team the robot's owners are in".into()),
        ),
        _ => {}
    }
}

/// The model of one entry.
pub(in crate::config) fn notification(entry: &NotificationEntry) -> Notification {
    let c = &entry.config;
    let mut config = Map::new();
    let mut put = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            config.insert(key.to_string(), Value::String(value.clone()));
        }
    };
    put("url", &c.url);
    put("template", &c.template);
    put("email", &c.email);
    put("flow_api_token", &c.flow_api_token);
    put("notification_token", &c.notification_token);
    put("room_id", &c.room_id);
    if let Some(target) = &c.target {
        config.insert(
            "target".into(),
            serde_json::json!({"kind": target.kind.as_str(), "name": target.name}),
        );
    }
    let mut event_config = Map::new();
    if let Some(e) = &entry.event_config {
        if let Some(regex) = &e.ref_regex {
            event_config.insert("ref-regex".into(), Value::String(regex.clone()));
        }
        if let Some(level) = e.level {
            event_config.insert("level".into(), Value::from(level));
        }
        if let Some(days) = e.days {
            event_config.insert("days".into(), Value::from(days));
        }
    }
    Notification {
        event: OrOther::Known(entry.event),
        method: OrOther::Known(entry.method),
        config,
        event_config,
        title: entry
            .title
            .clone()
            .or_else(|| c.title.clone())
            .filter(|t| !t.is_empty()),
        uuid: None,
        failures: 0,
    }
}

/// The model of a repository's list (`None`: not managed).
pub(in crate::config) fn to_model(repo: &RepositoryEntry) -> Option<Vec<Notification>> {
    repo.notification
        .as_ref()
        .map(|entries| entries.iter().map(notification).collect())
}

/// The entry that declares `n`, or `None` when a file cannot (an event or method this mqc
/// does not know, a setting it does not take, a value of another type).
fn entry(n: &Notification) -> Option<NotificationEntry> {
    let (OrOther::Known(event), OrOther::Known(method)) = (&n.event, &n.method) else {
        return None;
    };
    let (required, optional) = method.config_keys();
    let mut config = NotificationConfig::default();
    for (key, value) in &n.config {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            return None;
        }
        if key == "target" {
            let target = value.as_object()?;
            if target.len() != 2 {
                return None;
            }
            let kind = match target.get("kind")?.as_str()? {
                "user" => TargetKind::User,
                "team" => TargetKind::Team,
                "org" => TargetKind::Org,
                _ => return None,
            };
            let name = target.get("name")?.as_str()?.to_string();
            config.target = Some(NotificationTarget { kind, name });
            continue;
        }
        let text = Some(value.as_str()?.to_string());
        match key.as_str() {
            "url" => config.url = text,
            "template" => config.template = text,
            "email" => config.email = text,
            "flow_api_token" => config.flow_api_token = text,
            "notification_token" => config.notification_token = text,
            "room_id" => config.room_id = text,
            _ => return None,
        }
    }
    if required.iter().any(|key| !n.config.contains_key(*key)) {
        return None;
    }
    let reads = event.config_key();
    let mut event_config = EventConfigEntry::default();
    for (key, value) in &n.event_config {
        if reads.map(EventConfigKey::as_str) != Some(key.as_str()) {
            return None;
        }
        match reads? {
            EventConfigKey::RefRegex => event_config.ref_regex = Some(value.as_str()?.into()),
            EventConfigKey::Level => {
                event_config.level = Some(u8::try_from(value.as_u64()?).ok().filter(|l| *l <= 5)?)
            }
            EventConfigKey::Days => event_config.days = Some(value.as_u64().filter(|d| *d > 0)?),
        }
    }
    if *event == NotificationEvent::RepoImageExpiry && event_config.days.is_none() {
        return None;
    }
    Some(NotificationEntry {
        event: *event,
        method: *method,
        title: n.title.clone().filter(|t| !t.is_empty()),
        config,
        event_config: (event_config != EventConfigEntry::default()).then_some(event_config),
    })
}

/// A repository's list for `export`: written when there are some and a file can declare each
/// of them. `Err` names the first one it cannot (the list is then left out, so that the
/// exported file does not remove it).
pub(in crate::config) fn entries(
    notifications: Option<&[Notification]>,
) -> Result<Option<Vec<NotificationEntry>>, String> {
    let Some(list) = notifications.filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(list.len());
    for n in list {
        match entry(n) {
            Some(e) => out.push(e),
            None => return Err(n.describe()),
        }
    }
    Ok(Some(out))
}

/// Where the file names users as notification targets (checked on the endpoint at plan time).
pub(in crate::config) fn mentions(
    file: &OrganizationFile,
    at: &dyn Fn(String) -> Option<Mention>,
    users: &mut BTreeMap<String, Mention>,
) {
    for (r, repository) in file.repositories.iter().enumerate() {
        for (j, entry) in repository.notification.iter().flatten().enumerate() {
            let Some(target) = &entry.config.target else {
                continue;
            };
            if target.kind != TargetKind::User {
                continue;
            }
            let key = format!("repositories[{r}].{SECTION}[{j}].config.target.name");
            if let Some(mention) = at(key) {
                let first = users
                    .entry(target.name.clone())
                    .or_insert_with(|| mention.clone());
                if (mention.line, mention.column) < (first.line, first.column) {
                    *first = mention;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn what_quay_holds_becomes_entries_that_map_back_to_it() {
        let mut build = Notification::new(
            NotificationEvent::BuildFailure,
            NotificationMethod::Webhook,
            map(json!({"url": "https://ci.example.com/h", "template": "{}"})),
        );
        build.event_config = map(json!({"ref-regex": "^refs/heads/main$"}));
        build.title = Some("t".into());
        build.uuid = Some("u".into());
        let mut team = Notification::new(
            NotificationEvent::VulnerabilityFound,
            NotificationMethod::QuayNotification,
            map(json!({"target": {"kind": "team", "name": "security"}})),
        );
        team.event_config = map(json!({"level": 1}));
        let list = [build, team];
        let written = entries(Some(&list)).unwrap().unwrap();
        for (entry, original) in written.iter().zip(&list) {
            assert!(notification(entry).same_as(original), "{entry:?}");
        }
        assert_eq!(entries(Some(&[])), Ok(None));
    }

    #[test]
    fn a_notification_a_file_cannot_declare_leaves_the_list_out() {
        let mut odd = Notification::webhook(NotificationEvent::RepoPush, "https://a.example.com");
        odd.method = OrOther::Other("teams_webhook".into());
        assert!(entries(Some(&[odd])).is_err());
        // A UI-made target with extra keys, a level written as a name.
        let ui = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::QuayNotification,
            map(json!({"target": {"kind": "team", "name": "s", "is_robot": false}})),
        );
        assert!(entries(Some(&[ui])).is_err());
        let mut named = Notification::webhook(
            NotificationEvent::VulnerabilityFound,
            "https://a.example.com",
        );
        named.event_config = map(json!({"level": "High"}));
        assert!(entries(Some(&[named])).is_err());
    }

    #[test]
    fn the_seed_title_in_config_is_the_title() {
        let entry = NotificationEntry {
            event: NotificationEvent::RepoMirrorSyncFailed,
            method: NotificationMethod::Webhook,
            title: None,
            config: NotificationConfig {
                url: Some("https://a.example.com".into()),
                title: Some("Mirror failed".into()),
                ..NotificationConfig::default()
            },
            event_config: None,
        };
        let model = notification(&entry);
        assert_eq!(model.title.as_deref(), Some("Mirror failed"));
        assert_eq!(model.config, map(json!({"url": "https://a.example.com"})));
    }
}
