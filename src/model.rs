//! The organization model shared by every stage of a run.
//!
//! `config` turns organization files into this model (the *desired* state), `state` reads a Quay
//! organization into the same model (the *actual* state), `plan` diffs the two and `export`
//! writes the actual state back out as a file. Nothing here knows YAML or Quay's wire JSON.
//!
//! Where the desired and the actual side need different information, the field says which
//! side uses it. `Option` on a desired collection means "not declared, so not managed": mqc
//! leaves whatever Quay has there alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

mod notification;
pub use notification::{
    slack_url_for_display, EmailAuthorization, EventConfigKey, Notification, NotificationEvent,
    NotificationMethod, OrOther, DISABLED_AFTER_FAILURES, REDACTED, SEVERITY_LEVELS,
};

/// A Quay instance, as the base URL mqc sends API requests to (`https://host[:port]`, no
/// trailing slash). Organization files may name it as a bare `host[:port]` (meaning https) or
/// as a full `http(s)://` URL; both spellings of the same instance compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Endpoint(String);

impl Endpoint {
    /// Normalises what a user wrote: adds `https://` to a bare host, lower-cases the scheme and
    /// host, drops a trailing slash. Returns `None` for an empty value or an unsupported scheme.
    pub fn parse(raw: &str) -> Option<Endpoint> {
        let raw = raw.trim().trim_end_matches('/');
        if raw.is_empty() || raw.chars().any(char::is_whitespace) {
            return None;
        }
        let (scheme, rest) = match raw.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("https".to_string(), raw),
        };
        if scheme != "https" && scheme != "http" {
            return None;
        }
        let (host, path) = match rest.split_once('/') {
            Some((host, path)) => (host, Some(path)),
            None => (rest, None),
        };
        if !is_host_and_port(host) {
            return None;
        }
        let mut url = format!("{scheme}://{}", host.to_ascii_lowercase());
        if let Some(path) = path.filter(|p| !p.is_empty()) {
            url.push('/');
            url.push_str(path);
        }
        Some(Endpoint(url))
    }

    /// The base URL, e.g. `https://quay.example.com`.
    pub fn base_url(&self) -> &str {
        &self.0
    }

    /// True when requests (and the token) travel unencrypted.
    pub fn is_plain_http(&self) -> bool {
        self.0.starts_with("http://")
    }

    /// The `host[:port]` part, used in messages and to match login-file entries.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }
}

/// `name[:port]` or `[v6-address][:port]`, with a numeric port.
fn is_host_and_port(raw: &str) -> bool {
    let (host, port) = if let Some(rest) = raw.strip_prefix('[') {
        match rest.split_once(']') {
            Some((addr, tail)) => (addr, tail.strip_prefix(':')),
            None => return false,
        }
    } else {
        match raw.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (raw, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    host_ok && port_ok
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One organization as declared in one file, with every endpoint it must exist on.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredOrganization {
    /// The file it was read from (for messages).
    pub source: PathBuf,
    /// `quay_endpoint` first, then each `replicate_to` entry, without duplicates.
    pub endpoints: Vec<Endpoint>,
    pub organization: Organization,
    /// Where the file states what only a Quay can refuse (for plan-time errors).
    pub mentions: Mentions,
}

/// A place in an organization file: 1-based line and column, and the key path there
/// (`repositories[0].permissions.users[0].name`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Mention {
    pub line: usize,
    pub column: usize,
    pub key: String,
}

/// Where a file first names each thing a Quay may not have: known only to `config`, carried
/// beside the model so that errors found at plan time can point into the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    /// First mention of each user name (team `members.users`, repository `permissions.users`).
    pub users: BTreeMap<String, Mention>,
    /// The sync key of each team (`group_dn` or `group_name`), by team name.
    pub group_dns: BTreeMap<String, Mention>,
    /// `federation` of each robot, by robot short name.
    pub federations: BTreeMap<String, Mention>,
    /// `mirror` of each repository, by repository name.
    pub mirrors: BTreeMap<String, Mention>,
    /// Declarations that need a feature, by repository (`None`: the top level) and key:
    /// `quota`, `tag_expiration`, `auto_prune`, `immutability`, a repository's `state`.
    pub sections: BTreeMap<(Option<String>, String), Mention>,
}

/// One Quay organization: what a file declares, or what a Quay holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Organization {
    pub name: String,
    /// Desired: `None` when the file leaves the email empty (mqc then never touches it).
    /// Actual: `None` when Quay shows none (or a placeholder).
    pub email: Option<String>,
    /// Keyed by the robot's short name (`writer`, not `org+writer`).
    pub robots: BTreeMap<String, Robot>,
    pub teams: BTreeMap<String, Team>,
    /// Keyed by repository name inside the organization (may contain `/`).
    pub repositories: BTreeMap<String, Repository>,
    /// The organization's default permissions (Quay's "prototypes"). Desired: `None` when the
    /// file does not declare `default_permissions` (not managed). Actual: `Some` when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_permissions: Option<Vec<DefaultPermission>>,
    /// The organization's storage quota. Desired: `None` when the file does not declare
    /// `quota` (not managed). Actual: `None` when Quay has none (or it was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// How long deleted tags stay restorable, in seconds (Quay's `tag_expiration_s`, the "time
    /// machine"). Desired: `None` when the file does not declare `tag_expiration`. Actual:
    /// `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_expiration_s: Option<u64>,
    /// Auto-prune policies of the organization and of its repositories (issue 16).
    #[serde(default, skip_serializing_if = "ScopedPolicies::is_empty")]
    pub auto_prune: ScopedPolicies<AutoPrunePolicy>,
    /// Immutability policies of the organization and of its repositories (Quay 3.17+).
    #[serde(default, skip_serializing_if = "ScopedPolicies::is_empty")]
    pub immutability: ScopedPolicies<ImmutabilityPolicy>,
    /// Keyless-auth federation of robots (Quay 3.13+), by robot short name. Desired: only the
    /// robots whose entry declares `federation` (absent = not managed, `[]` = none). Actual:
    /// the robots whose federation was read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub robot_federation: BTreeMap<String, Vec<Federation>>,
}

/// One trusted identity of a robot's keyless auth: tokens that `issuer` signs for `subject`
/// may be exchanged for a short-lived robot token.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Federation {
    /// The OIDC issuer URL (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// The token's `sub` claim (`repo:acme/api:ref:refs/heads/main`).
    pub subject: String,
}

/// An immutability policy: Quay makes the tags it selects immutable, the existing ones when
/// the policy is created or changed (one-way: removing the policy leaves them immutable).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ImmutabilityPolicy {
    /// A regular expression that must match the whole tag name.
    pub tag_pattern: String,
    /// `true`: tags that match become immutable; `false`: tags that do not.
    pub tag_pattern_matches: bool,
    /// Actual only: Quay's uuid of the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

impl ImmutabilityPolicy {
    /// What identifies a policy: its pattern and flag (Quay keeps patterns unique per scope).
    pub fn key(&self) -> (&str, bool) {
        (&self.tag_pattern, self.tag_pattern_matches)
    }
}

/// Policies Quay keeps per organization and per repository (auto-prune, immutability).
/// Desired: `organization` is `None` when the file does not declare the organization's list,
/// and `repositories` holds only the repositories that declare one (absent = not managed).
/// Actual: the lists that were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopedPolicies<T> {
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub organization: Option<Vec<T>>,
    #[serde(default = "BTreeMap::new", skip_serializing_if = "BTreeMap::is_empty")]
    pub repositories: BTreeMap<String, Vec<T>>,
}

impl<T> Default for ScopedPolicies<T> {
    fn default() -> Self {
        ScopedPolicies {
            organization: None,
            repositories: BTreeMap::new(),
        }
    }
}

impl<T> ScopedPolicies<T> {
    /// Nothing declared (or read).
    pub fn is_empty(&self) -> bool {
        self.organization.is_none() && self.repositories.is_empty()
    }

    /// The list of one scope (`None`: the organization's), when it holds policies.
    pub fn non_empty(&self, repository: Option<&str>) -> Option<&[T]> {
        match repository {
            None => self.organization.as_deref(),
            Some(name) => self.repositories.get(name).map(Vec::as_slice),
        }
        .filter(|list| !list.is_empty())
    }
}

/// An auto-prune policy: Quay's worker deletes the tags it selects (`tag_pattern` narrows them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AutoPrunePolicy {
    #[serde(flatten)]
    pub method: PruneMethod,
    /// A regular expression searched in tag names (unanchored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_pattern: Option<String>,
    /// `true`: prune the tags that match `tag_pattern`; `false`: those that do not. Always
    /// `true` without a pattern.
    pub tag_pattern_matches: bool,
    /// Actual only: Quay's uuid of the policy (needed to change or delete it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
}

impl AutoPrunePolicy {
    /// What identifies a policy: everything but its uuid (Quay's duplicate check uses the same
    /// tuple, with an unset `tagPatternMatches` meaning true).
    pub fn key(&self) -> (&PruneMethod, Option<&str>, bool) {
        (
            &self.method,
            self.tag_pattern.as_deref(),
            self.tag_pattern_matches || self.tag_pattern.is_none(),
        )
    }
}

/// How an auto-prune policy selects the tags it deletes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "method", content = "value", rename_all = "snake_case")]
pub enum PruneMethod {
    /// Keep this many of the newest tags.
    NumberOfTags(u64),
    /// Delete tags older than this: a whole number and a unit, `s m h d w y` (`30d`).
    CreationDate(String),
}

impl fmt::Display for PruneMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PruneMethod::NumberOfTags(n) => write!(f, "keep the newest {n} tags"),
            PruneMethod::CreationDate(age) => write!(f, "delete tags older than {age}"),
        }
    }
}

/// An organization's storage quota: its size and the limits that act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub limit_bytes: u64,
    /// Desired: the exact list. Actual: in Quay's order.
    pub limits: Vec<QuotaLimit>,
    /// Actual only: Quay's id of the quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
}

/// What happens when the organization's usage reaches `threshold_percent` of its quota.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QuotaLimit {
    #[serde(rename = "type")]
    pub kind: QuotaLimitKind,
    pub threshold_percent: u8,
    /// Actual only: Quay's id of the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
}

impl QuotaLimit {
    /// What identifies a limit: its type and percent (Quay refuses a second one).
    pub fn key(&self) -> (QuotaLimitKind, u8) {
        (self.kind, self.threshold_percent)
    }
}

/// `warning` only notifies; `reject` refuses pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(schemars::JsonSchema)] // for `mqc schema`
pub enum QuotaLimitKind {
    Warning,
    Reject,
}

/// Seconds from a duration as Quay writes `TAG_EXPIRATION_OPTIONS` (`convert_to_timedelta`):
/// digits and one unit of `s`, `m`, `h`, `d` or `w` (`2w`, `0s`).
pub fn duration_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(factor)
}

/// The shortest duration text for `seconds` in the largest unit that divides it (`2w`).
pub fn duration_text(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let units = [(604_800, 'w'), (86_400, 'd'), (3600, 'h'), (60, 'm')];
    units
        .iter()
        .find(|(factor, _)| seconds.is_multiple_of(*factor))
        .map_or_else(
            || format!("{seconds}s"),
            |(factor, unit)| format!("{}{unit}", seconds / factor),
        )
}

/// Bytes from a size: a whole number and one unit, binary (`KiB`…`TiB`) or decimal
/// (`KB`…`TB`), or `B`, with or without a space (`500 GiB`); a bare number is bytes.
pub fn size_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return None;
    }
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(factor)
}

/// The text for `bytes` in the unit that divides it into the smallest number, binary units
/// first on a tie (`500 GiB`, `10 GB`).
pub fn size_text(bytes: u64) -> String {
    let units: [(u64, &str); 8] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
        (1_000_000_000_000, "TB"),
        (1_000_000_000, "GB"),
        (1_000_000, "MB"),
        (1_000, "KB"),
    ];
    units
        .iter()
        .filter(|(factor, _)| bytes > 0 && bytes.is_multiple_of(*factor))
        .min_by_key(|(factor, _)| bytes / factor)
        .map_or_else(
            || format!("{bytes} B"),
            |(factor, unit)| format!("{} {unit}", bytes / factor),
        )
}

/// A default permission: Quay grants `role` to `delegate` on every repository created in the
/// organization (by `activating_user` only, when set). Applied at creation, never afterwards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DefaultPermission {
    pub role: Role,
    pub delegate: Delegate,
    /// `None`: whoever creates the repository. A user name (or a robot's full name).
    pub activating_user: Option<String>,
    /// Actual only: Quay's id of the prototype (needed to change or delete it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl DefaultPermission {
    /// What identifies a default permission: everything but its role (which Quay can change in
    /// place) and its id.
    pub fn key(&self) -> (&Delegate, Option<&str>) {
        (&self.delegate, self.activating_user.as_deref())
    }
}

/// Who a default permission grants its role to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Delegate {
    User(String),
    /// A robot of this organization, by short name (Quay names it as a user, `org+name`).
    Robot(String),
    Team(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Robot {
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub role: TeamRole,
    pub description: String,
    /// Desired: `None` when the file does not declare `members` (membership is not managed).
    /// Actual: always `Some` when the members were read.
    pub members: Option<TeamMembers>,
    /// Where the team's users are synchronised from; `None` = not synced.
    pub sync: Option<TeamSync>,
}

/// A team's sync config, as Quay stores it (the sync POST body, verbatim).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TeamSync {
    /// LDAP: the group's DN relative to Quay's base DN (`{"group_dn": …}`).
    Ldap { group_dn: String },
    /// OIDC: a group as the provider's groups claim names it (`{"group_name": …}`).
    Oidc { group_name: String },
    /// Actual only: a config that is neither (another authentication's, or a key Quay stored
    /// as it came): the service Quay names and the config's JSON text. Never planned to.
    Other {
        service: Option<String>,
        config: String,
    },
}

impl TeamSync {
    /// The file's key for it (`group_dn`, `group_name`), `None` for another config.
    pub fn key(&self) -> Option<&'static str> {
        match self {
            TeamSync::Ldap { .. } => Some("group_dn"),
            TeamSync::Oidc { .. } => Some("group_name"),
            TeamSync::Other { .. } => None,
        }
    }
}

impl fmt::Display for TeamSync {
    /// `LDAP group cn=devs`, `OIDC group acme-devs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TeamSync::Ldap { group_dn } => write!(f, "LDAP group {group_dn}"),
            TeamSync::Oidc { group_name } => write!(f, "OIDC group {group_name}"),
            TeamSync::Other { service, config } => match service {
                Some(service) => write!(f, "{service} config {config}"),
                None => write!(f, "config {config}"),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TeamMembers {
    /// User names.
    pub users: BTreeSet<String>,
    /// Robot short names of this organization.
    pub robots: BTreeSet<String>,
    /// Actual only: users with a pending invitation to the team (Quay with mailing on invites
    /// users who are in no team of the organization instead of adding them).
    pub invited_users: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repository {
    pub description: String,
    pub visibility: Visibility,
    pub permissions: Permissions,
    pub mirror: Option<Mirror>,
    /// Repository notifications. Desired: `None` when the file does not declare
    /// `notification` (not managed; a declared list is exact). Actual: `Some` when read.
    pub notifications: Option<Vec<Notification>>,
    /// Actual only: the repository's state. For the desired side this is `Mirror` when a
    /// mirror is declared and `Normal` otherwise.
    pub state: RepoState,
    /// Desired only: the `state` the file declares (`Normal` or `ReadOnly`, never with a
    /// mirror); `None` = not managed. Always `None` on the actual side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_state: Option<RepoState>,
}

/// Repository permissions. On the desired side each `None` list is not managed; on the actual
/// side all three are `Some`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Permissions {
    pub users: Option<BTreeMap<String, Role>>,
    /// Keyed by robot short name.
    pub robots: Option<BTreeMap<String, Role>>,
    pub teams: Option<BTreeMap<String, Role>>,
}

/// A repository mirror configuration, as mqc compares it. The password is not here: Quay never
/// returns it, and keeping it out of the model keeps it out of plans and reports. The executor
/// takes it from the login file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mirror {
    /// `src_registry/src_image`, what Quay calls `external_reference`.
    pub external_reference: String,
    /// Tag globs (`root_rule.rule_value`), in the declared order.
    pub tags: Vec<String>,
    pub username: Option<String>,
    pub verify_tls: bool,
    pub unsigned_images: bool,
    /// Short name of the robot that pushes mirrored images.
    pub robot: String,
    pub sync_interval: u64,
    pub is_enabled: bool,
    pub proxy: Proxy,
    /// The options not every Quay has, managed only where declared.
    pub options: MirrorOptions,
}

impl Mirror {
    /// Whether a mirror Quay has (`self`) must be updated to become `want`: every field of
    /// `want` is compared, and its options as [`MirrorOptions::changes`] says.
    pub fn needs_update_to(&self, want: &Mirror) -> bool {
        let options = self.options.changes(&want.options, want.sync_interval);
        let mut same = self.clone();
        same.options = want.options.clone();
        same != *want || options.any()
    }
}

/// Mirror options a file may leave out (desired `None`: left as Quay has them; a create
/// then starts now, with Quay's minimum timeout and every architecture) and that older Quays
/// do not report (actual `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MirrorOptions {
    /// When syncs run: at this instant and every `sync_interval` after it.
    pub sync_start: Option<SyncStart>,
    /// Seconds a sync may run before Quay stops it (`skopeo_timeout_interval`, Quay 3.15+,
    /// at least 300).
    pub skopeo_timeout_s: Option<u64>,
    /// The architectures mirrored from multi-architecture images; empty = all of them
    /// (`architecture_filter`, Quay 3.17+; a non-empty one needs `FEATURE_SPARSE_INDEX`).
    pub architectures: Option<BTreeSet<String>>,
}

/// Which of the declared [`MirrorOptions`] differ from Quay's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MirrorOptionChanges {
    pub sync_start: bool,
    pub skopeo_timeout: bool,
    pub architectures: bool,
}

impl MirrorOptionChanges {
    pub fn any(self) -> bool {
        self.sync_start || self.skopeo_timeout || self.architectures
    }
}

impl MirrorOptions {
    /// What must change for Quay's options (`self`) to become the declared `want`, for a mirror
    /// that syncs every `interval` seconds.
    ///
    /// - An option `want` leaves out never changes.
    /// - The start date: Quay moves its stored date to the next slot after every sync, so a
    ///   stored date on the declared grid (`declared + k × interval`) is the declared
    ///   schedule; no stored date (a cancelled sync) is not.
    /// - The timeout and the architectures: a Quay that does not report the option does not
    ///   have it (≤3.14, ≤3.16), and there is nothing to change (a non-empty architecture
    ///   filter is refused at plan time there).
    pub fn changes(&self, want: &MirrorOptions, interval: u64) -> MirrorOptionChanges {
        let sync_start = match (want.sync_start, self.sync_start) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(declared), Some(stored)) => !declared.same_schedule(stored, interval),
        };
        let skopeo_timeout = match (want.skopeo_timeout_s, self.skopeo_timeout_s) {
            (Some(declared), Some(stored)) => declared != stored,
            _ => false,
        };
        let architectures = match (&want.architectures, &self.architectures) {
            (Some(declared), Some(stored)) => declared != stored,
            (Some(declared), None) => !declared.is_empty(),
            (None, _) => false,
        };
        MirrorOptionChanges {
            sync_start,
            skopeo_timeout,
            architectures,
        }
    }
}

/// An instant a mirror's syncs are scheduled from, to the second, in UTC. Written as Quay
/// writes it: `YYYY-MM-DDTHH:MM:SSZ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SyncStart(time::OffsetDateTime);

impl SyncStart {
    /// Parses an RFC 3339 date-time (`2026-12-01T02:00:00Z`, `2026-12-01T03:00:00+01:00`).
    /// Quay's own answers may carry microseconds; they are dropped (Quay schedules to the
    /// second). `None` for anything else.
    pub fn parse(text: &str) -> Option<SyncStart> {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        let at = at
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()?;
        Some(SyncStart(at))
    }

    /// Whether `text` names a whole second (Quay refuses fractions in a request).
    pub fn is_whole_second(text: &str) -> bool {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .is_ok_and(|at| at.nanosecond() == 0)
    }

    /// This second.
    pub fn now() -> SyncStart {
        let now = time::OffsetDateTime::now_utc();
        SyncStart(now.replace_nanosecond(0).unwrap_or(now))
    }

    pub fn from_unix(seconds: i64) -> Option<SyncStart> {
        time::OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(SyncStart)
    }

    pub fn unix(self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Whether syncs every `interval` seconds from `self` and from `other` fall on the same
    /// instants.
    pub fn same_schedule(self, other: SyncStart, interval: u64) -> bool {
        let apart = i128::from(self.unix()) - i128::from(other.unix());
        match interval {
            0 => apart == 0,
            n => apart.rem_euclid(i128::from(n)) == 0,
        }
    }
}

impl fmt::Display for SyncStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }
}

impl Serialize for SyncStart {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SyncStart {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SyncStart, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        SyncStart::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 date-time: {text}")))
    }
}

/// Proxy URLs may carry `user:password@`; the password is cut out wherever one is shown
/// ([`url_for_display`]), reports in JSON included.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Proxy {
    #[serde(serialize_with = "serialize_optional_url")]
    pub http_proxy: Option<String>,
    #[serde(serialize_with = "serialize_optional_url")]
    pub https_proxy: Option<String>,
    pub no_proxy: Option<String>,
}

/// `url` as it may be shown: a password in its `user:password@` part is replaced by
/// `[redacted]` (a proxy that needs credentials is written that way in organization files).
pub fn url_for_display(url: &str) -> std::borrow::Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.into();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some((userinfo, host)) = rest[..authority_end].rsplit_once('@') else {
        return url.into();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!(
            "{scheme}://{user}:[redacted]@{host}{}",
            &rest[authority_end..]
        )
        .into(),
        None => url.into(),
    }
}

fn serialize_optional_url<S: serde::Serializer>(
    url: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match url {
        Some(url) => serializer.serialize_some(&*url_for_display(url)),
        None => serializer.serialize_none(),
    }
}

/// A repository permission role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(schemars::JsonSchema)] // for `mqc schema`
pub enum Role {
    Read,
    Write,
    Admin,
}

/// The team Quay creates with every organization (role admin). It cannot be deleted, so mqc
/// leaves it alone unless a file declares it.
pub const OWNERS_TEAM: &str = "owners";

/// An organization-wide team role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(schemars::JsonSchema)] // for `mqc schema`
pub enum TeamRole {
    Member,
    Creator,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(schemars::JsonSchema)] // for `mqc schema`
pub enum Visibility {
    Public,
    Private,
}

/// A repository's state. Read from Quay as text: a state this mqc does not know is kept as
/// [`RepoState::Other`], so that the repository stays readable; the planner never plans a
/// change to such a state (only from it, when a mirror is declared) and the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RepoState {
    Normal,
    ReadOnly,
    Mirror,
    OrgMirror,
    /// A state Quay has and this mqc does not know, as Quay spells it.
    Other(String),
}

impl RepoState {
    const KNOWN: [RepoState; 4] = [
        RepoState::Normal,
        RepoState::ReadOnly,
        RepoState::Mirror,
        RepoState::OrgMirror,
    ];

    /// Quay's spelling (`NORMAL`, `READ_ONLY`, `MIRROR`, `ORG_MIRROR`, or the unknown one).
    pub fn as_str(&self) -> &str {
        match self {
            RepoState::Normal => "NORMAL",
            RepoState::ReadOnly => "READ_ONLY",
            RepoState::Mirror => "MIRROR",
            RepoState::OrgMirror => "ORG_MIRROR",
            RepoState::Other(name) => name,
        }
    }

    /// The state Quay spells `name`; never fails.
    pub fn parse(name: &str) -> RepoState {
        RepoState::KNOWN
            .into_iter()
            .find(|state| state.as_str() == name)
            .unwrap_or_else(|| RepoState::Other(name.to_string()))
    }
}

impl fmt::Display for RepoState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RepoState {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RepoState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RepoState, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(RepoState::parse(&name))
    }
}

macro_rules! display_as_serde_name {
    ($($ty:ty => { $($variant:ident = $name:literal),+ $(,)? })+) => {$(
        impl $ty {
            /// The spelling used in organization files and in Quay's API.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

display_as_serde_name! {
    Role => { Read = "read", Write = "write", Admin = "admin" }
    TeamRole => { Member = "member", Creator = "creator", Admin = "admin" }
    Visibility => { Public = "public", Private = "private" }
    QuotaLimitKind => { Warning = "warning", Reject = "reject" }
}

/// The secrets a run needs, from the login file. `Debug` never shows a value.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    tokens: BTreeMap<Endpoint, SecretString>,
    mirror_passwords: BTreeMap<MirrorCredentialKey, SecretString>,
}

/// Which mirror password: organization, repository and registry user name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MirrorCredentialKey {
    pub organization: String,
    pub repository: String,
    pub username: String,
}

impl Secrets {
    pub fn insert_token(&mut self, endpoint: Endpoint, token: SecretString) {
        self.tokens.insert(endpoint, token);
    }

    pub fn insert_mirror_password(&mut self, key: MirrorCredentialKey, password: SecretString) {
        self.mirror_passwords.insert(key, password);
    }

    pub fn token(&self, endpoint: &Endpoint) -> Option<&SecretString> {
        self.tokens.get(endpoint)
    }

    pub fn mirror_password(&self, key: &MirrorCredentialKey) -> Option<&SecretString> {
        self.mirror_passwords.get(key)
    }

    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.tokens.keys()
    }

    pub fn mirror_keys(&self) -> impl Iterator<Item = &MirrorCredentialKey> {
        self.mirror_passwords.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_spellings_of_one_instance_compare_equal() {
        let bare = Endpoint::parse("Quay.Example.com").unwrap();
        let full = Endpoint::parse("https://quay.example.com/").unwrap();
        assert_eq!(bare, full);
        assert_eq!(bare.base_url(), "https://quay.example.com");
        assert_eq!(bare.host(), "quay.example.com");
        assert!(!bare.is_plain_http());
    }

    #[test]
    fn endpoint_keeps_port_and_plain_http() {
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(e.base_url(), "http://127.0.0.1:8080");
        assert_eq!(e.host(), "127.0.0.1:8080");
        assert!(e.is_plain_http());
    }

    #[test]
    fn endpoint_rejects_nonsense() {
        for raw in ["", "  ", "ftp://x", "https://", "a b", "https://user@host"] {
            assert_eq!(Endpoint::parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(
            url_for_display("http://user:s3cret@proxy.example.com:3128/x?y=1"),
            "http://user:[redacted]@proxy.example.com:3128/x?y=1"
        );
        assert_eq!(
            url_for_display("http://proxy.example.com:3128/a@b"),
            "http://proxy.example.com:3128/a@b"
        );
        assert_eq!(
            url_for_display("http://user@proxy:3128"),
            "http://user@proxy:3128"
        );
        assert_eq!(url_for_display("not a url"), "not a url");
        let proxy = Proxy {
            http_proxy: Some("http://u:s3cret@proxy:3128".into()),
            https_proxy: None,
            no_proxy: None,
        };
        let json = serde_json::to_string(&proxy).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        assert!(json.contains("http://u:[redacted]@proxy:3128"), "{json}");
    }

    #[test]
    fn an_unknown_repository_state_is_kept_with_its_name() {
        let state: RepoState = serde_json::from_str(r#""QUARANTINED""#).unwrap();
        assert_eq!(state, RepoState::Other("QUARANTINED".into()));
        assert_eq!(state.to_string(), "QUARANTINED");
        assert_eq!(serde_json::to_string(&state).unwrap(), r#""QUARANTINED""#);
        let known: RepoState = serde_json::from_str(r#""READ_ONLY""#).unwrap();
        assert_eq!(known, RepoState::ReadOnly);
        assert_eq!(serde_json::to_string(&known).unwrap(), r#""READ_ONLY""#);
    }
}
