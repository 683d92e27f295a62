//! Repository notifications: every event and method Quay has (quay-api-breadth.md §2).
//!
//! A notification's `config` and `event_config` are kept as the JSON Quay stores (compared as
//! JSON values, §2.2). Some `config` values are credentials (a Flowdock or HipChat token, the
//! path of a Slack URL): they stay in the model because mqc must send them, but every way a
//! notification is shown ([`Notification::redacted_config`], `Debug`, `Serialize`, the plan's
//! lines) shows `[redacted]` instead.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::url_for_display;

/// What replaces a credential wherever a notification is shown.
pub const REDACTED: &str = "[redacted]";

/// Failed deliveries after which Quay stops delivering a notification (`number_of_failures`).
pub const DISABLED_AFTER_FAILURES: u32 = 3;

/// A value of one of the notification enums as Quay holds it: known to this mqc, or not (kept
/// as Quay spells it, so that the notification stays readable and can be removed).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrOther<T> {
    Known(T),
    Other(String),
}

macro_rules! names {
    ($(#[$doc:meta])* $ty:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[derive(schemars::JsonSchema)] // for `mqc schema`
        pub enum $ty {
            $($variant),+
        }

        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The spelling used in organization files and in Quay's API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            /// The value Quay spells `name`, known or not.
            pub fn parse(name: &str) -> OrOther<$ty> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == name)
                    .map_or_else(|| OrOther::Other(name.to_string()), OrOther::Known)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl OrOther<$ty> {
            pub fn as_str(&self) -> &str {
                match self {
                    OrOther::Known(value) => value.as_str(),
                    OrOther::Other(name) => name,
                }
            }
        }

        impl fmt::Display for OrOther<$ty> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for OrOther<$ty> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for OrOther<$ty> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok($ty::parse(&name))
            }
        }

        impl From<$ty> for OrOther<$ty> {
            fn from(value: $ty) -> Self {
                OrOther::Known(value)
            }
        }
    };
}

names! {
    /// A repository event (Quay's `externalnotificationevent` rows, `initdb.py`).
    NotificationEvent {
        RepoPush = "repo_push",
        RepoMirrorSyncStarted = "repo_mirror_sync_started",
        RepoMirrorSyncSuccess = "repo_mirror_sync_success",
        RepoMirrorSyncFailed = "repo_mirror_sync_failed",
        BuildQueued = "build_queued",
        BuildStart = "build_start",
        BuildSuccess = "build_success",
        BuildFailure = "build_failure",
        BuildCancelled = "build_cancelled",
        VulnerabilityFound = "vulnerability_found",
        RepoImageExpiry = "repo_image_expiry",
        QuotaWarning = "quota_warning",
        QuotaError = "quota_error",
    }
}

names! {
    /// How a notification is delivered (Quay's `externalnotificationmethod` rows).
    NotificationMethod {
        Webhook = "webhook",
        Slack = "slack",
        Email = "email",
        QuayNotification = "quay_notification",
        Flowdock = "flowdock",
        Hipchat = "hipchat",
    }
}

/// What each event reads from `event_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventConfigKey {
    /// Builds: `ref-regex` (a string, optional).
    RefRegex,
    /// `vulnerability_found`: `level` (severity index 0–5, optional).
    Level,
    /// `repo_image_expiry`: `days` (an integer > 0, required).
    Days,
}

impl EventConfigKey {
    pub fn as_str(self) -> &'static str {
        match self {
            EventConfigKey::RefRegex => "ref-regex",
            EventConfigKey::Level => "level",
            EventConfigKey::Days => "days",
        }
    }
}

impl NotificationEvent {
    /// The `event_config` key the event reads, if any.
    pub fn config_key(self) -> Option<EventConfigKey> {
        use NotificationEvent::*;
        match self {
            BuildQueued | BuildStart | BuildSuccess | BuildFailure | BuildCancelled => {
                Some(EventConfigKey::RefRegex)
            }
            VulnerabilityFound => Some(EventConfigKey::Level),
            RepoImageExpiry => Some(EventConfigKey::Days),
            _ => None,
        }
    }
}

impl NotificationMethod {
    /// The `config` keys of the method: the required ones, then the optional ones.
    pub fn config_keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            NotificationMethod::Webhook => (&["url"], &["template"]),
            NotificationMethod::Slack => (&["url"], &[]),
            NotificationMethod::Email => (&["email"], &[]),
            NotificationMethod::QuayNotification => (&["target"], &[]),
            NotificationMethod::Flowdock => (&["flow_api_token"], &[]),
            NotificationMethod::Hipchat => (&["notification_token", "room_id"], &[]),
        }
    }
}

/// Quay's severity index of `level` (`util/secscan/__init__.py`).
pub const SEVERITY_LEVELS: [&str; 6] =
    ["Critical", "High", "Medium", "Low", "Negligible", "Unknown"];

/// `config` keys whose value is a credential.
const SECRET_KEYS: [&str; 2] = ["flow_api_token", "notification_token"];

/// A repository notification as mqc compares it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct Notification {
    pub event: OrOther<NotificationEvent>,
    pub method: OrOther<NotificationMethod>,
    /// The method's settings, as Quay stores them.
    pub config: Map<String, Value>,
    /// What the event reads (`ref-regex`, `level`, `days`); `{}` for most events.
    pub event_config: Map<String, Value>,
    /// `None` and an empty title are the same.
    pub title: Option<String>,
    /// Actual only: Quay's id, needed to delete or re-enable it.
    pub uuid: Option<String>,
    /// Actual only: Quay's `number_of_failures`; from [`DISABLED_AFTER_FAILURES`] on, Quay
    /// no longer delivers it.
    #[serde(default)]
    pub failures: u32,
}

impl Notification {
    /// A notification of `event` and `method` with this `config`, no event config, no title.
    pub fn new(
        event: impl Into<OrOther<NotificationEvent>>,
        method: impl Into<OrOther<NotificationMethod>>,
        config: Map<String, Value>,
    ) -> Notification {
        Notification {
            event: event.into(),
            method: method.into(),
            config,
            event_config: Map::new(),
            title: None,
            uuid: None,
            failures: 0,
        }
    }

    /// A webhook notification of `event` to `url`.
    pub fn webhook(event: NotificationEvent, url: &str) -> Notification {
        let mut config = Map::new();
        config.insert("url".into(), Value::String(url.to_string()));
        Notification::new(event, NotificationMethod::Webhook, config)
    }

    /// Two notifications are the same when event, method, config, event config and title
    /// match (Quay's id and failure count aside).
    pub fn same_as(&self, other: &Notification) -> bool {
        self.event == other.event
            && self.method == other.method
            && self.config == other.config
            && self.event_config == other.event_config
            && self.title() == other.title()
    }

    /// The title, `""` when none.
    pub fn title(&self) -> &str {
        self.title.as_deref().unwrap_or("")
    }

    /// `config.url`, when there is one.
    pub fn url(&self) -> Option<&str> {
        self.config.get("url")?.as_str()
    }

    /// `config.email` of an `email` notification.
    pub fn email(&self) -> Option<&str> {
        if self.method != OrOther::Known(NotificationMethod::Email) {
            return None;
        }
        self.config.get("email")?.as_str()
    }

    /// Quay stopped delivering it after too many failures.
    pub fn disabled_by_failures(&self) -> bool {
        self.failures >= DISABLED_AFTER_FAILURES
    }

    /// `config` as it may be shown: tokens are `[redacted]`, a Slack URL keeps only its
    /// scheme and host, other URLs lose a `user:password@` password.
    pub fn redacted_config(&self) -> Map<String, Value> {
        let slack = self.method == OrOther::Known(NotificationMethod::Slack);
        self.config
            .iter()
            .map(|(key, value)| {
                let shown = if SECRET_KEYS.contains(&key.as_str()) {
                    Value::String(REDACTED.into())
                } else if key == "url" {
                    match value.as_str() {
                        Some(url) if slack => Value::String(slack_url_for_display(url)),
                        Some(url) => Value::String(url_for_display(url).into_owned()),
                        None => value.clone(),
                    }
                } else {
                    value.clone()
                };
                (key.clone(), shown)
            })
            .collect()
    }

    /// Where it is delivered, for a plan line: the URL (redacted as in
    /// [`Notification::redacted_config`]), the address, the target, or the method alone.
    pub fn destination(&self) -> String {
        let config = self.redacted_config();
        let text = |key: &str| config.get(key).and_then(Value::as_str).map(str::to_string);
        if let Some(url) = text("url") {
            return url;
        }
        if let Some(email) = text("email") {
            return email;
        }
        if let Some(target) = config.get("target") {
            let kind = target.get("kind").and_then(Value::as_str).unwrap_or("?");
            let name = target.get("name").and_then(Value::as_str).unwrap_or("?");
            return format!("{kind} {name}");
        }
        if let Some(room) = text("room_id") {
            return format!("room {room}");
        }
        String::new()
    }

    /// `webhook notification on repo_push to https://… (title "x", event config {…})`.
    pub fn describe(&self) -> String {
        let mut text = format!("{} notification on {}", self.method, self.event);
        let destination = self.destination();
        if !destination.is_empty() {
            text.push_str(&format!(" to {destination}"));
        }
        let mut extras = Vec::new();
        if !self.title().is_empty() {
            extras.push(format!("title {:?}", self.title()));
        }
        if !self.event_config.is_empty() {
            extras.push(format!(
                "event config {}",
                Value::Object(self.event_config.clone())
            ));
        }
        if let Some(template) = self.config.get("template").and_then(Value::as_str) {
            extras.push(format!("template {template:?}"));
        }
        if !extras.is_empty() {
            text.push_str(&format!(" ({})", extras.join(", ")));
        }
        text
    }

    /// What orders notifications: event, method, config, event config, title, id.
    fn sort_key(&self) -> (&str, &str, String, String, &str, Option<&str>) {
        (
            self.event.as_str(),
            self.method.as_str(),
            Value::Object(self.config.clone()).to_string(),
            Value::Object(self.event_config.clone()).to_string(),
            self.title(),
            self.uuid.as_deref(),
        )
    }
}

/// `https://hooks.slack.com/[redacted]`: a Slack incoming-webhook URL is its own credential.
pub fn slack_url_for_display(url: &str) -> String {
    let shown = url_for_display(url);
    let Some((scheme, rest)) = shown.split_once("://") else {
        return REDACTED.into();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..authority_end];
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    format!("{scheme}://{host}/{REDACTED}")
}

impl PartialOrd for Notification {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Notification {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key()
            .cmp(&other.sort_key())
            .then(self.failures.cmp(&other.failures))
    }
}

/// Shown (reports, plans in JSON) with its credentials redacted.
impl Serialize for Notification {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            event: &'a OrOther<NotificationEvent>,
            method: &'a OrOther<NotificationMethod>,
            config: Map<String, Value>,
            event_config: &'a Map<String, Value>,
            title: Option<&'a str>,
            uuid: Option<&'a str>,
            failures: u32,
        }
        View {
            event: &self.event,
            method: &self.method,
            config: self.redacted_config(),
            event_config: &self.event_config,
            title: self.title.as_deref(),
            uuid: self.uuid.as_deref(),
            failures: self.failures,
        }
        .serialize(serializer)
    }
}

/// Redacted, as everywhere it is shown (logs may print it).
impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("event", &self.event.as_str())
            .field("method", &self.method.as_str())
            .field("config", &self.redacted_config())
            .field("event_config", &self.event_config)
            .field("title", &self.title)
            .field("uuid", &self.uuid)
            .field("failures", &self.failures)
            .finish()
    }
}

/// Whether an address may receive the e-mail notifications of one repository (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailAuthorization {
    /// No authorization was requested.
    None,
    /// Requested; the recipient has not confirmed yet.
    Pending,
    Confirmed,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn identity_ignores_uuid_failures_and_empty_title() {
        let a = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Webhook,
            map(json!({"url": "https://a.example.com"})),
        );
        let mut b = a.clone();
        b.uuid = Some("u".into());
        b.failures = 5;
        b.title = Some(String::new());
        assert!(a.same_as(&b));
        b.event_config = map(json!({"level": 1}));
        assert!(!a.same_as(&b));
    }

    #[test]
    fn unknown_names_are_kept() {
        assert_eq!(
            NotificationEvent::parse("repo_push"),
            OrOther::Known(NotificationEvent::RepoPush)
        );
        assert_eq!(
            NotificationMethod::parse("teams_webhook"),
            OrOther::Other("teams_webhook".into())
        );
    }

    #[test]
    fn credentials_are_never_shown() {
        let slack = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Slack,
            map(json!({"url": "https://hooks.slack.com/services/T0/B0/SECRETPATH"})),
        );
        let hipchat = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Hipchat,
            map(json!({"notification_token": "SECRETTOKEN", "room_id": "42"})),
        );
        let flowdock = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Flowdock,
            map(json!({"flow_api_token": "SECRETFLOW"})),
        );
        for n in [&slack, &hipchat, &flowdock] {
            let shown = format!(
                "{} {:?} {}",
                n.describe(),
                n,
                serde_json::to_string(n).unwrap()
            );
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains(REDACTED), "{shown}");
        }
        assert_eq!(slack.destination(), "https://hooks.slack.com/[redacted]");
        assert_eq!(hipchat.destination(), "room 42");
    }
}
