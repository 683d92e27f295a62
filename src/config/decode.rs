//! Turns the positioned YAML tree of an organization file into [`OrganizationFile`], reporting
//! every shape problem (missing, mistyped, unknown and duplicate keys) with its position, and
//! remembering where each value stands so that later checks can point at it.
//!
//! Decoding never stops at a problem: a bad value is reported and replaced by a placeholder,
//! so one run shows every problem. A file with any error yields no organization, so the
//! placeholders never reach Quay.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use super::file::{
    keys, MembersEntry, MirrorArchitecture, MirrorParams, OrganizationFile, PermissionEntry,
    PermissionsEntry, RepositoryEntry, RobotEntry, TeamEntry,
};
use super::finding::{Finding, Pos};
use super::yaml::{Kind, Node};
use crate::model::{Role, SyncStart, TeamRole, Visibility};

/// Nodes visited at most while decoding one file. Aliases share nodes, so a small file can
/// describe a huge document ("billion laughs"); the budget bounds the work.
const NODE_BUDGET: usize = 200_000;

/// Findings reported at most per file.
const MAX_FINDINGS: usize = 500;

/// Quay stores `sync_interval` in a 32-bit integer column.
const MAX_SYNC_INTERVAL: i128 = i32::MAX as i128;

/// Where each value of a file starts, by path (`repositories[2].permissions.robots[0].name`).
#[derive(Debug, Default, Clone)]
pub struct PosIndex(HashMap<String, Pos>);

impl PosIndex {
    /// The position of `path`, or of its closest recorded parent.
    pub fn at(&self, path: &str) -> Option<Pos> {
        let mut path = path;
        loop {
            if let Some(pos) = self.0.get(path) {
                return Some(*pos);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    fn insert(&mut self, path: String, pos: Pos) {
        self.0.entry(path).or_insert(pos);
    }
}

pub struct Decoded {
    pub file: OrganizationFile,
    pub index: PosIndex,
    pub findings: Vec<Finding>,
}

pub fn decode(path: &Path, root: &Node) -> Decoded {
    let mut d = Decoder {
        file: path,
        findings: Vec::new(),
        index: PosIndex::default(),
        budget: NODE_BUDGET,
    };
    let file = d.organization(root);
    Decoded {
        file,
        index: d.index,
        findings: d.findings,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The closest valid key to a misspelt one, if any is close enough to be a likely typo.
pub(crate) fn suggest(unknown: &str, valid: &[&'static str]) -> Option<&'static str> {
    let unknown_lc = unknown.to_ascii_lowercase();
    valid
        .iter()
        .map(|v| (strsim::levenshtein(&unknown_lc, v), *v))
        .filter(|(dist, v)| {
            *dist <= 2.max(v.len() / 3)
                || (unknown_lc.len() >= 3
                    && (v.starts_with(&unknown_lc) || unknown_lc.starts_with(v)))
        })
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, v)| v)
}

/// The known keys of one map, with their value nodes.
pub(super) struct Fields<'n> {
    path: String,
    pos: Pos,
    entries: Vec<(&'static str, Pos, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// The value of `key`; `None` when absent or null (both mean "not given").
    pub(super) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, n)| *n)
            .filter(|n| !n.is_null())
    }

    pub(super) fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Where the map starts.
    pub(super) fn pos(&self) -> Pos {
        self.pos
    }
}

/// What a number of seconds must be, and what the messages say when it is not.
struct SecondsRule {
    min: i128,
    /// "must be …", for a value below `min`.
    too_small: &'static str,
    too_small_hint: &'static str,
    /// The hint for a value that is not a whole number.
    example: &'static str,
}

pub(super) struct Decoder<'a> {
    file: &'a Path,
    findings: Vec<Finding>,
    index: PosIndex,
    budget: usize,
}

impl Decoder<'_> {
    pub(super) fn error(&mut self, pos: Pos, message: String, hint: Option<&str>) {
        let mut f = Finding::error(self.file, Some(pos), message);
        f.hint = hint.map(str::to_string);
        self.push(f);
    }

    /// Records a finding; past [`MAX_FINDINGS`] only counts them, so a broken generated file
    /// cannot flood the report.
    fn push(&mut self, finding: Finding) {
        match self.findings.len().cmp(&MAX_FINDINGS) {
            std::cmp::Ordering::Less => self.findings.push(finding),
            std::cmp::Ordering::Equal => self.findings.push(
                Finding::error(
                    self.file,
                    None,
                    format!(
                        "more than {MAX_FINDINGS} problems in this file; the rest are not shown"
                    ),
                )
                .with_hint("fix these first and run `mqc check` again"),
            ),
            std::cmp::Ordering::Greater => {}
        }
    }

    /// Counts a node against the budget; false once it is spent (reported once).
    fn visit(&mut self, node: &Node) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        if self.budget == 0 {
            // Past the findings cap too: this one explains why the check stopped.
            self.findings.push(
                Finding::error(
                    self.file,
                    Some(node.pos),
                    format!("the document expands to more than {NODE_BUDGET} values (through aliases); the rest of the file is not checked"),
                )
                .with_hint("write the values out instead of repeating large anchors"),
            );
            return false;
        }
        true
    }

    /// Checks that `node` is a map, reports unknown and duplicate keys as errors, and records
    /// the position of every known value.
    pub(super) fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
        valid: &'static [&'static str],
    ) -> Option<Fields<'n>> {
        if !self.visit(node) {
            return None;
        }
        let Kind::Map(entries) = &node.kind else {
            let place = if path.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{path}`")
            };
            let example = valid.first().copied().unwrap_or("name");
            self.error(
                node.pos,
                format!(
                    "{place} must be {what} (`{example}: …` lines), found {}",
                    node.describe()
                ),
                None,
            );
            return None;
        };
        self.index.insert(path.to_string(), node.pos);
        let mut fields = Fields {
            path: path.to_string(),
            pos: node.pos,
            entries: Vec::new(),
        };
        for (key_node, value) in entries {
            let Some(key) = key_node.scalar().map(|s| s.value.as_str()) else {
                self.error(
                    key_node.pos,
                    format!("keys must be plain names, found {}", key_node.describe()),
                    None,
                );
                continue;
            };
            let known = match valid.iter().find(|v| **v == key) {
                Some(k) => *k,
                None if key == "quay_organization_role_email" && path.is_empty() => {
                    self.push(
                        Finding::warning(
                            self.file,
                            Some(key_node.pos),
                            "`quay_organization_role_email` is the old name of `quay_organization_email`",
                        )
                        .with_hint("rename the key to `quay_organization_email`"),
                    );
                    "quay_organization_email"
                }
                None => {
                    let where_ = if path.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{path}`")
                    };
                    // An error, not a warning: a misspelled key would otherwise leave its
                    // default in force (`visibilty: private` making a repository public).
                    let message = match suggest(key, valid) {
                        Some(s) => format!("unknown key `{key}` {where_}; did you mean `{s}`?"),
                        None => format!("unknown key `{key}` {where_}"),
                    };
                    self.push(
                        Finding::error(self.file, Some(key_node.pos), message)
                            .with_hint(format!("keys allowed here: {}", valid.join(", "))),
                    );
                    continue;
                }
            };
            if let Some((_, first, _)) = fields.entries.iter().find(|(k, _, _)| *k == known) {
                let first_line = first.line;
                self.error(
                    key_node.pos,
                    format!("duplicate key `{key}` (first given on line {first_line})"),
                    Some("remove one of them"),
                );
                continue;
            }
            let value_pos = if value.is_null() {
                key_node.pos
            } else {
                value.pos
            };
            self.index.insert(join(path, known), value_pos);
            fields.entries.push((known, key_node.pos, value));
        }
        Some(fields)
    }

    pub(super) fn missing(&mut self, f: &Fields, key: &str, what: &str) {
        let place = if f.path.is_empty() {
            "the file".to_string()
        } else {
            format!("`{}`", f.path)
        };
        self.error(
            f.pos,
            format!("{place} lacks the required key `{key}`"),
            Some(&format!("add `{key}: {what}`")),
        );
    }

    pub(super) fn text(&mut self, f: &Fields, key: &str, required: Option<&str>) -> Option<String> {
        let Some(node) = f.get(key) else {
            if let Some(what) = required {
                self.missing(f, key, what);
            }
            return None;
        };
        match node.scalar() {
            Some(s) => Some(s.value.clone()),
            None => {
                self.error(
                    node.pos,
                    format!(
                        "`{}` must be a single value, found {}",
                        f.path(key),
                        node.describe()
                    ),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, f: &Fields, key: &str) -> Option<bool> {
        let node = f.get(key)?;
        match node.scalar().and_then(|s| s.as_bool()) {
            Some(b) => Some(b),
            None => {
                let found = match node.scalar() {
                    Some(s) if s.plain => format!("`{}`", s.value),
                    Some(s) => format!("the quoted text \"{}\"", s.value),
                    None => node.describe().to_string(),
                };
                self.error(
                    node.pos,
                    format!("`{}` must be true or false, found {found}", f.path(key)),
                    Some("write true or false, without quotes"),
                );
                None
            }
        }
    }

    fn seconds(&mut self, f: &Fields, key: &str) -> Option<u64> {
        let Some(node) = f.get(key) else {
            self.missing(f, key, "<seconds>");
            return None;
        };
        let rule = SecondsRule {
            min: 1,
            too_small: "must be greater than 0",
            too_small_hint: "give the interval between two syncs in seconds, e.g. 86400 for a day",
            example: "e.g. 86400 for a day",
        };
        self.bounded_seconds(node, &f.path(key), &rule)
    }

    /// A whole number of seconds from `rule.min` to Quay's largest (a 32-bit integer).
    fn bounded_seconds(&mut self, node: &Node, path: &str, rule: &SecondsRule) -> Option<u64> {
        match node.scalar().and_then(|s| s.as_int()) {
            Some(n) if (rule.min..=MAX_SYNC_INTERVAL).contains(&n) => u64::try_from(n).ok(),
            Some(n) if n < rule.min => {
                self.error(
                    node.pos,
                    format!("`{path}` {}, found {n}", rule.too_small),
                    Some(rule.too_small_hint),
                );
                None
            }
            Some(_) => {
                self.error(
                    node.pos,
                    format!(
                        "`{path}` is too large: Quay accepts at most {MAX_SYNC_INTERVAL} seconds"
                    ),
                    None,
                );
                None
            }
            None => {
                self.error(
                    node.pos,
                    format!(
                        "`{path}` must be a whole number of seconds, found {}",
                        node.describe()
                    ),
                    Some(rule.example),
                );
                None
            }
        }
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        f: &Fields,
        key: &str,
        choices: &[(&str, T)],
        required: bool,
    ) -> Option<T> {
        let names = choices
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ");
        let Some(node) = f.get(key) else {
            if required {
                self.missing(f, key, &names.replace(", ", "|"));
            }
            return None;
        };
        let found = node.scalar().map(|s| s.value.as_str());
        match found.and_then(|v| choices.iter().find(|(n, _)| *n == v)) {
            Some((_, t)) => Some(*t),
            None => {
                let found = found.map_or_else(|| node.describe().to_string(), |v| format!("`{v}`"));
                self.error(
                    node.pos,
                    format!("`{}` must be one of {names}; found {found}", f.path(key)),
                    None,
                );
                None
            }
        }
    }

    /// The items of a list value; `None` when absent/null or not a list (reported).
    pub(super) fn list<'n>(
        &mut self,
        f: &Fields<'n>,
        key: &str,
    ) -> Option<Vec<(String, &'n Node)>> {
        let node = f.get(key)?;
        let path = f.path(key);
        let Kind::Seq(items) = &node.kind else {
            self.error(
                node.pos,
                format!(
                    "`{path}` must be a list (`- …` lines), found {}",
                    node.describe()
                ),
                None,
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            self.index.insert(item_path.clone(), item.pos);
            out.push((item_path, Rc::as_ref(item)));
        }
        Some(out)
    }

    /// A list of plain values; a bad item is reported and kept as `""` so indexes still match
    /// positions.
    fn text_list(&mut self, f: &Fields, key: &str) -> Option<Vec<String>> {
        let items = self.list(f, key)?;
        let mut out = Vec::with_capacity(items.len());
        for (path, item) in items {
            if !self.visit(item) {
                break;
            }
            match item.scalar().filter(|s| !s.is_null()) {
                Some(s) => out.push(s.value.clone()),
                None => {
                    self.error(
                        item.pos,
                        format!("`{path}` must be a single value, found {}", item.describe()),
                        None,
                    );
                    out.push(String::new());
                }
            }
        }
        Some(out)
    }

    fn organization(&mut self, root: &Node) -> OrganizationFile {
        let mut org = OrganizationFile::default();
        let Some(f) = self.fields(root, "", "a map", keys::TOP) else {
            return org;
        };
        org.quay_endpoint = self
            .text(&f, "quay_endpoint", Some("<host[:port] or https://… URL>"))
            .unwrap_or_default();
        org.replicate_to = self.text_list(&f, "replicate_to").unwrap_or_default();
        org.quay_organization = self
            .text(&f, "quay_organization", Some("<name>"))
            .unwrap_or_default();
        org.quay_organization_email = self
            .text(&f, "quay_organization_email", None)
            .unwrap_or_default();
        for (path, item) in self.list(&f, "repositories").unwrap_or_default() {
            let repo = self.repository(item, &path);
            org.repositories.push(repo);
        }
        for (path, item) in self.list(&f, "robots").unwrap_or_default() {
            let robot = self.robot(item, &path);
            org.robots.push(robot);
        }
        for (path, item) in self.list(&f, "teams").unwrap_or_default() {
            let team = self.team(item, &path);
            org.teams.push(team);
        }
        org.default_permissions = self.default_permissions(&f);
        org.quota = self.quota(&f);
        org.tag_expiration = self.tag_expiration(&f);
        org.auto_prune = self.auto_prune(&f);
        org.immutability = self.immutability(&f);
        org
    }

    fn repository(&mut self, node: &Node, path: &str) -> RepositoryEntry {
        let mut repo = RepositoryEntry::default();
        let Some(f) = self.fields(node, path, "a repository map", keys::REPOSITORY) else {
            return repo;
        };
        repo.name = self
            .text(&f, "name", Some("<repository name>"))
            .unwrap_or_default();
        repo.description = self.text(&f, "description", None);
        repo.visibility = self.choice(
            &f,
            "visibility",
            &[
                ("public", Visibility::Public),
                ("private", Visibility::Private),
            ],
            false,
        );
        repo.mirror = self.boolean(&f, "mirror");
        repo.state = self.repository_state(&f);
        if let Some(params) = f.get("mirror_params") {
            let mirror_given_but_invalid = f.get("mirror").is_some() && repo.mirror.is_none();
            if repo.mirror == Some(true) || mirror_given_but_invalid {
                repo.mirror_params = self.mirror(params, &f.path("mirror_params"));
            } else {
                // Ignored, but a misspelt key in it is still an error: it would be silently
                // lost the day `mirror` is switched to true.
                let _ = self.fields(
                    params,
                    &f.path("mirror_params"),
                    "a map of mirror settings",
                    keys::MIRROR,
                );
                self.push(
                    Finding::warning(
                        self.file,
                        Some(params.pos),
                        format!(
                            "`{}` is ignored because `mirror` is not true",
                            f.path("mirror_params")
                        ),
                    )
                    .with_hint(
                        "set `mirror: true` to mirror this repository, or remove `mirror_params`",
                    ),
                );
            }
        }
        if let Some(node) = f.get("permissions") {
            repo.permissions = self.permissions(node, &f.path("permissions"));
        }
        repo.notification = self.notifications(&f);
        repo.auto_prune = self.auto_prune(&f);
        repo.immutability = self.immutability(&f);
        repo
    }

    fn mirror(&mut self, node: &Node, path: &str) -> Option<MirrorParams> {
        let f = self.fields(node, path, "a map of mirror settings", keys::MIRROR)?;
        let src_registry = self.text(&f, "src_registry", Some("<registry host, e.g. quay.io>"));
        let src_image = self.text(&f, "src_image", Some("<image path, e.g. libpod/alpine>"));
        if src_image.as_deref().is_some_and(|i| i.trim().is_empty()) {
            if let Some(node) = f.get("src_image") {
                self.error(
                    node.pos,
                    format!("`{}` is empty", f.path("src_image")),
                    Some("e.g. `libpod/alpine`"),
                );
            }
        }
        let tags = self.text_list(&f, "src_image_tags");
        match &tags {
            None if f.get("src_image_tags").is_none() => {
                self.missing(&f, "src_image_tags", "[latest]")
            }
            Some(list) if list.is_empty() => {
                let pos = f.get("src_image_tags").map_or(f.pos, |n| n.pos);
                self.error(
                    pos,
                    format!(
                        "`{}` is empty: Quay needs at least one tag to mirror",
                        f.path("src_image_tags")
                    ),
                    Some("e.g. `src_image_tags: [latest]` (globs such as `v1.*` are allowed)"),
                );
            }
            _ => {}
        }
        let robot = self.text(&f, "robot_username", Some("<robot short name>"));
        let sync_interval = self.seconds(&f, "sync_interval");
        Some(MirrorParams {
            src_registry: src_registry.unwrap_or_default(),
            src_image: src_image.unwrap_or_default(),
            src_image_tags: tags.unwrap_or_default(),
            ext_registry_username: self.text(&f, "ext_registry_username", None),
            ext_registry_verify_tls: self.boolean(&f, "ext_registry_verify_tls"),
            ext_registry_unsigned_image: self.boolean(&f, "ext_registry_unsigned_image"),
            robot_username: robot.unwrap_or_default(),
            // 0 never survives decoding (reported above); the placeholder keeps the shape.
            sync_interval: sync_interval.unwrap_or(0),
            is_enabled: self.boolean(&f, "is_enabled"),
            https_proxy: self.text(&f, "https_proxy", None),
            http_proxy: self.text(&f, "http_proxy", None),
            no_proxy: self.text(&f, "no_proxy", None),
            sync_start_date: self.sync_start_date(&f),
            skopeo_timeout_interval: self.skopeo_timeout(&f),
            architecture_filter: self.architectures(&f),
        })
    }

    /// `sync_start_date`: an RFC 3339 date-time to the second.
    fn sync_start_date(&mut self, f: &Fields) -> Option<String> {
        let node = f.get("sync_start_date")?;
        let text = node.scalar().map(|s| s.value.clone());
        match text {
            Some(text)
                if SyncStart::parse(&text).is_some() && SyncStart::is_whole_second(&text) =>
            {
                Some(text)
            }
            Some(text) if SyncStart::parse(&text).is_some() => {
                self.error(
                    node.pos,
                    format!(
                        "`{}` has a fraction of a second: Quay schedules to the second",
                        f.path("sync_start_date")
                    ),
                    Some("e.g. `2026-12-01T02:00:00Z`"),
                );
                None
            }
            found => {
                let found = found.map_or_else(|| node.describe().to_string(), |v| format!("`{v}`"));
                self.error(
                    node.pos,
                    format!(
                        "`{}` must be a date and time with its offset, found {found}",
                        f.path("sync_start_date")
                    ),
                    Some("write it as RFC 3339, e.g. `\"2026-12-01T02:00:00Z\"` (UTC) or `\"2026-12-01T03:00:00+01:00\"`"),
                );
                None
            }
        }
    }

    /// `skopeo_timeout_interval`: whole seconds, at least Quay's minimum of 300.
    fn skopeo_timeout(&mut self, f: &Fields) -> Option<u64> {
        let node = f.get("skopeo_timeout_interval")?;
        let rule = SecondsRule {
            min: 300,
            too_small: "must be at least 300 seconds",
            too_small_hint: "Quay refuses a shorter timeout; leave the key out for 300",
            example: "e.g. 600",
        };
        self.bounded_seconds(node, &f.path("skopeo_timeout_interval"), &rule)
    }

    /// `architecture_filter`: known architectures, each once.
    fn architectures(&mut self, f: &Fields) -> Option<Vec<MirrorArchitecture>> {
        let items = self.list(f, "architecture_filter")?;
        let names = MirrorArchitecture::ALL
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ");
        let mut out: Vec<MirrorArchitecture> = Vec::with_capacity(items.len());
        for (path, item) in items {
            let found = item.scalar().map(|s| s.value.as_str());
            match found.and_then(|v| MirrorArchitecture::ALL.iter().find(|(n, _)| *n == v)) {
                Some((_, arch)) if out.contains(arch) => self.error(
                    item.pos,
                    format!("`{path}`: `{}` is listed twice", arch.as_str()),
                    Some("list each architecture once"),
                ),
                Some((_, arch)) => out.push(*arch),
                None => {
                    let found =
                        found.map_or_else(|| item.describe().to_string(), |v| format!("`{v}`"));
                    self.error(
                        item.pos,
                        format!("`{path}` must be one of {names}; found {found}"),
                        Some("`[]` mirrors every architecture"),
                    );
                }
            }
        }
        Some(out)
    }

    fn permissions(&mut self, node: &Node, path: &str) -> Option<PermissionsEntry> {
        let f = self.fields(
            node,
            path,
            "a map of `robots`, `users` and `teams` lists",
            keys::PERMISSIONS,
        )?;
        let list = |d: &mut Self, key: &str| -> Option<Vec<PermissionEntry>> {
            let items = d.list(&f, key)?;
            let mut out = Vec::with_capacity(items.len());
            for (path, item) in items {
                out.push(d.permission(item, &path));
            }
            Some(out)
        };
        Some(PermissionsEntry {
            robots: list(self, "robots"),
            users: list(self, "users"),
            teams: list(self, "teams"),
        })
    }

    fn permission(&mut self, node: &Node, path: &str) -> PermissionEntry {
        // Placeholder role admin: it can never trigger the "mirror robot below write" check.
        let mut entry = PermissionEntry {
            name: String::new(),
            role: Role::Admin,
        };
        let Some(f) = self.fields(node, path, "a map with `name` and `role`", keys::PERMISSION)
        else {
            return entry;
        };
        entry.name = self.text(&f, "name", Some("<name>")).unwrap_or_default();
        if let Some(role) = self.choice(
            &f,
            "role",
            &[
                ("read", Role::Read),
                ("write", Role::Write),
                ("admin", Role::Admin),
            ],
            true,
        ) {
            entry.role = role;
        }
        entry
    }

    fn robot(&mut self, node: &Node, path: &str) -> RobotEntry {
        let mut robot = RobotEntry::default();
        if let Some(f) = self.fields(node, path, "a robot map", keys::ROBOT) {
            robot.name = self
                .text(&f, "name", Some("<robot short name>"))
                .unwrap_or_default();
            robot.desc = self.text(&f, "desc", None);
            robot.federation = self.federation(&f);
        }
        robot
    }

    fn team(&mut self, node: &Node, path: &str) -> TeamEntry {
        let mut team = TeamEntry::default();
        let Some(f) = self.fields(node, path, "a team map", keys::TEAM) else {
            return team;
        };
        team.name = self
            .text(&f, "name", Some("<team name>"))
            .unwrap_or_default();
        team.description = self.text(&f, "description", None);
        team.role = self.choice(
            &f,
            "role",
            &[
                ("member", TeamRole::Member),
                ("creator", TeamRole::Creator),
                ("admin", TeamRole::Admin),
            ],
            false,
        );
        if let Some(node) = f.get("members") {
            if let Some(m) = self.fields(
                node,
                &f.path("members"),
                "a map of `users` and `robots` lists",
                keys::MEMBERS,
            ) {
                team.members = Some(MembersEntry {
                    users: self.text_list(&m, "users"),
                    robots: self.text_list(&m, "robots"),
                });
            }
        }
        team.group_dn = self.text(&f, "group_dn", None);
        team.group_name = self.text(&f, "group_name", None);
        team
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::yaml::parse;

    fn run(text: &str) -> Decoded {
        let root = parse(text).unwrap().unwrap();
        decode(Path::new("t.yaml"), &root)
    }

    #[test]
    fn suggestions_catch_typos_and_short_forms() {
        assert_eq!(suggest("robot", keys::PERMISSIONS), Some("robots"));
        assert_eq!(suggest("desc", keys::TEAM), Some("description"));
        assert_eq!(suggest("visiblity", keys::REPOSITORY), Some("visibility"));
        assert_eq!(suggest("zzz", keys::REPOSITORY), None);
    }

    #[test]
    fn index_falls_back_to_the_closest_parent() {
        let d = run("quay_endpoint: q\nquay_organization: o\nrepositories:\n  - name: a\n    permissions:\n      users:\n        - name: u\n          role: read\n");
        assert_eq!(
            d.index.at("repositories[0].permissions.users[0].name"),
            Some(Pos {
                line: 7,
                column: 17
            })
        );
        assert_eq!(
            d.index.at("repositories[0].permissions.users[0].nothing"),
            Some(Pos {
                line: 7,
                column: 11
            })
        );
        assert!(d.findings.is_empty(), "{:?}", d.findings);
    }

    #[test]
    fn every_shape_problem_is_reported_in_one_pass() {
        let d = run("quay_endpoint: [a]\nrepositories:\n  - name: a\n    mirror: yes\n    visibility: secret\n  - description: x\nrobotz: []\n");
        let messages: Vec<_> = d
            .findings
            .iter()
            .map(|f| (f.line, f.message.clone()))
            .collect();
        assert_eq!(messages.len(), 6, "{messages:#?}");
        assert!(messages
            .iter()
            .any(|(l, m)| *l == Some(1) && m.contains("`quay_endpoint` must be a single value")));
        assert!(messages.iter().any(
            |(l, m)| *l == Some(1) && m.contains("lacks the required key `quay_organization`")
        ));
        assert!(messages
            .iter()
            .any(|(l, m)| *l == Some(4) && m.contains("must be true or false, found `yes`")));
        assert!(messages
            .iter()
            .any(|(l, m)| *l == Some(5) && m.contains("one of public, private; found `secret`")));
        assert!(messages
            .iter()
            .any(|(l, m)| *l == Some(6)
                && m.contains("`repositories[1]` lacks the required key `name`")));
        assert!(messages
            .iter()
            .any(|(l, m)| *l == Some(7) && m.contains("did you mean `robots`?")));
    }

    #[test]
    fn null_lists_are_absent_and_empty_lists_are_present() {
        let d = run("quay_endpoint: q\nquay_organization: o\nrepositories:\n  - name: a\n    permissions:\n      users:\n      robots: []\n");
        let p = d.file.repositories[0].permissions.clone().unwrap();
        assert_eq!(p.users, None);
        assert_eq!(p.robots, Some(vec![]));
        assert_eq!(p.teams, None);
    }

    #[test]
    fn alias_bombs_are_bounded() {
        // Each of 1000 repositories shares one 1000-user list: small text, a million values.
        let users = vec!["u"; 1000].join(", ");
        let repos = vec!["*r"; 1000].join(", ");
        let text = format!(
            "quay_endpoint: q\nquay_organization: o\nx: &r {{name: a, permissions: {{users: [{users}]}}}}\nrepositories: [{repos}]\n"
        );
        let root = parse(&text).unwrap().unwrap();
        let d = decode(Path::new("t.yaml"), &root);
        assert!(d
            .findings
            .iter()
            .any(|f| f.message.contains("expands to more than")));
    }
}
