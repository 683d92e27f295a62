//! The organization file format, as serde structs.
//!
//! Reading goes through [`super::decode`] (which reports every problem with its position);
//! these structs are what it produces, and what `mqc export` serializes. Field order is the
//! order written to files. `None` means "absent from the file" and is never written.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::{Role, TeamRole, Visibility};

/// One organization file: an organization, declared on `quay_endpoint` and on every
/// `replicate_to` endpoint.
//
// The `schemars` attributes describe the format to editors (`mqc schema`); they change nothing
// in reading or writing. What the derive cannot say is added in `super::schema::post_process`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OrganizationFile {
    /// The Quay instance: `host[:port]` (meaning https) or an `http(s)://` base URL. Its token
    /// comes from the login file.
    pub quay_endpoint: String,
    /// Further Quay instances that get the same organization (same forms as `quay_endpoint`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(default)]
    pub replicate_to: Vec<String>,
    /// The organization's name: lowercase letters and digits, single `.` `_` `-` between them.
    pub quay_organization: String,
    /// The organization's email; `""` = none (mqc never touches the organization's email then).
    #[schemars(default)]
    pub quay_organization_email: String,
    /// The repositories of the organization (names unique in the file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(default)]
    pub repositories: Vec<RepositoryEntry>,
    /// The robot accounts of the organization (names unique in the file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(default)]
    pub robots: Vec<RobotEntry>,
    /// The teams of the organization (names unique in the file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(default)]
    pub teams: Vec<TeamEntry>,
    /// The organization's default permissions (Quay's prototypes), applied to every repository
    /// created afterwards. Absent = not managed; `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_permissions: Option<Vec<super::kinds::default_permissions::DefaultPermissionEntry>>,
    /// The organization's storage quota. Absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<super::kinds::quota::QuotaEntry>,
    /// How long deleted tags stay restorable (`2w`): one of the server's
    /// `TAG_EXPIRATION_OPTIONS`. Absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_expiration: Option<String>,
    /// The organization's auto-prune policies. Absent = not managed; `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_prune: Option<Vec<super::kinds::auto_prune::AutoPruneEntry>>,
    /// The organization's immutability policies (Quay 3.17+). Absent = not managed; `[]` =
    /// none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutability: Option<Vec<super::kinds::immutability::ImmutabilityEntry>>,
}

/// A repository of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RepositoryEntry {
    /// The repository name; nested names (`nested/demorepo`) are allowed.
    pub name: String,
    /// The repository description (default `""`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `public` (the default) or `private`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// `true` makes the repository a mirror of `mirror_params` (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<bool>,
    /// `normal` or `read_only`; absent = not managed. Not with `mirror: true` (state MIRROR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<super::kinds::repository_state::RepositoryStateEntry>,
    /// The mirror configuration; used only with `mirror: true` (ignored with a warning otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_params: Option<MirrorParams>,
    /// User, robot and team permissions on the repository; absent = none managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionsEntry>,
    /// The repository's notifications (every event and method). Absent = not managed; a
    /// declared list is exact (undeclared ones are removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<Vec<super::kinds::notifications::NotificationEntry>>,
    /// The repository's auto-prune policies. Absent = not managed; `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_prune: Option<Vec<super::kinds::auto_prune::AutoPruneEntry>>,
    /// The repository's immutability policies (Quay 3.17+). Absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutability: Option<Vec<super::kinds::immutability::ImmutabilityEntry>>,
}

/// The mirror configuration of a repository with `mirror: true`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MirrorParams {
    /// Registry `host[:port]`, no scheme.
    pub src_registry: String,
    /// Image path in that registry, e.g. `libpod/alpine`.
    #[schemars(regex(pattern = r"\S"))]
    pub src_image: String,
    /// The tags to mirror, at least one; globs are allowed (`v1.*`).
    #[schemars(length(min = 1))]
    pub src_image_tags: Vec<String>,
    /// The source registry's user; `mqc login` asks for its password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_username: Option<String>,
    /// Verify the source registry's TLS certificate (default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_verify_tls: Option<bool>,
    /// Accept unsigned images (default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_unsigned_image: Option<bool>,
    /// Robot short name (an `org+` prefix is accepted and stripped); a robot declared under
    /// `robots`.
    pub robot_username: String,
    /// Seconds between two syncs.
    #[schemars(range(min = 1, max = 2147483647))]
    pub sync_interval: u64,
    /// Scheduled syncs on (default `false`: no scheduled sync).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    /// `http(s)://[user:password@]host[:port]` proxy for https.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_proxy: Option<String>,
    /// `http(s)://[user:password@]host[:port]` proxy for http.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_proxy: Option<String>,
    /// Comma-separated hosts and domains reached without proxy, no spaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<String>,
    /// When syncs run: at this instant (RFC 3339, e.g. `2026-12-01T02:00:00Z`) and every
    /// `sync_interval` after it. Absent = a new mirror starts now and an existing one keeps
    /// its schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_start_date: Option<String>,
    /// Seconds a sync may run before Quay stops it, at least 300 (Quay 3.15+; not sent to an
    /// older Quay). Absent = 300 for a new mirror, unchanged for an existing one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 300, max = 2147483647))]
    pub skopeo_timeout_interval: Option<u64>,
    /// The architectures to mirror from multi-architecture images (`amd64`, `arm64`,
    /// `ppc64le`, `s390x`); `[]` = all. A non-empty list needs Quay 3.17+ with
    /// `FEATURE_SPARSE_INDEX`. Absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_filter: Option<Vec<MirrorArchitecture>>,
}

/// An architecture a mirror can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MirrorArchitecture {
    Amd64,
    Arm64,
    Ppc64le,
    S390x,
}

impl MirrorArchitecture {
    pub const ALL: [(&'static str, MirrorArchitecture); 4] = [
        ("amd64", MirrorArchitecture::Amd64),
        ("arm64", MirrorArchitecture::Arm64),
        ("ppc64le", MirrorArchitecture::Ppc64le),
        ("s390x", MirrorArchitecture::S390x),
    ];

    /// Quay's spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, arch)| *arch == self)
            .map_or("", |(name, _)| name)
    }
}

/// Each list absent = not managed; present (even empty) = exactly these.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PermissionsEntry {
    /// Robot permissions (robots declared under `robots`, short names); absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robots: Option<Vec<PermissionEntry>>,
    /// User permissions; absent = not managed, `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<PermissionEntry>>,
    /// Team permissions (teams declared under `teams`, or `owners`); absent = not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<PermissionEntry>>,
}

/// One permission on a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PermissionEntry {
    /// The robot (short name), user or team.
    pub name: String,
    /// `read`, `write` or `admin`.
    pub role: Role,
}

/// A robot account of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RobotEntry {
    /// Short name (`writer` for `org+writer`; the `org+` prefix of this organization is accepted
    /// with a warning).
    pub name: String,
    /// The robot's description (default `""`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// Keyless auth (Quay 3.13+): the external identities that may use the robot without its
    /// token. Absent = not managed; `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federation: Option<Vec<super::kinds::federation::FederationEntry>>,
}

/// A team of the organization.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TeamEntry {
    /// The team name.
    pub name: String,
    /// The team description (default `""`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent = membership not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<MembersEntry>,
    /// The team's organization role (default `member`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<TeamRole>,
    /// Sync the team's users from this LDAP group (DN relative to Quay's base DN). Needs
    /// Quay with LDAP authentication; not with `group_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_dn: Option<String>,
    /// Sync the team's users from this OIDC group (as the provider's groups claim names it).
    /// Needs Quay with OIDC authentication; not with `group_dn` nor `members.users`. Setting
    /// it up removes every user from the team until they log in again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
}

/// The team's members, exactly; a missing list is an empty one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MembersEntry {
    /// User names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
    /// Robots declared under `robots` (short names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robots: Option<Vec<String>>,
}

/// The keys each map of the format accepts, for unknown-key warnings and suggestions.
pub(crate) mod keys {
    pub const TOP: &[&str] = &[
        "quay_endpoint",
        "replicate_to",
        "quay_organization",
        "quay_organization_email",
        "repositories",
        "robots",
        "teams",
        "default_permissions",
        "quota",
        "tag_expiration",
        "auto_prune",
        "immutability",
    ];
    pub const REPOSITORY: &[&str] = &[
        "name",
        "description",
        "visibility",
        "mirror",
        "mirror_params",
        "permissions",
        "notification",
        "state",
        "auto_prune",
        "immutability",
    ];
    pub const MIRROR: &[&str] = &[
        "src_registry",
        "src_image",
        "src_image_tags",
        "ext_registry_username",
        "ext_registry_verify_tls",
        "ext_registry_unsigned_image",
        "robot_username",
        "sync_interval",
        "is_enabled",
        "https_proxy",
        "http_proxy",
        "no_proxy",
        "sync_start_date",
        "skopeo_timeout_interval",
        "architecture_filter",
    ];
    pub const PERMISSIONS: &[&str] = &["robots", "users", "teams"];
    pub const PERMISSION: &[&str] = &["name", "role"];
    pub const ROBOT: &[&str] = &["name", "desc", "federation"];
    pub const TEAM: &[&str] = &[
        "name",
        "description",
        "members",
        "role",
        "group_dn",
        "group_name",
    ];
    pub const MEMBERS: &[&str] = &["users", "robots"];
}
