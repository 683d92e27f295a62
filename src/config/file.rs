//! The organization file format, as serde structs.
//!
//! Reading goes through [`super::decode`] (which reports every problem with its position);
//! these structs are what it produces, and what `mqc export` serializes. Field order is the
//! order written to files. `None` means "absent from the file" and is never written.

use serde::Serialize;

use crate::model::{NotificationEvent, NotificationMethod, Role, TeamRole, Visibility};

/// One organization file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct OrganizationFile {
    /// `host[:port]` (https) or an `http(s)://` base URL.
    pub quay_endpoint: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicate_to: Vec<String>,
    pub quay_organization: String,
    /// `""` = none (mqc never touches the organization's email then).
    pub quay_organization_email: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<RepositoryEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub robots: Vec<RobotEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamEntry>,
    /// Absent = not managed; `[]` = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_permissions: Option<Vec<super::kinds::default_permissions::DefaultPermissionEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RepositoryEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_params: Option<MirrorParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionsEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<Vec<NotificationEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MirrorParams {
    /// Registry `host[:port]`, no scheme.
    pub src_registry: String,
    /// Image path in that registry, e.g. `libpod/alpine`.
    pub src_image: String,
    pub src_image_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_verify_tls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_registry_unsigned_image: Option<bool>,
    /// Robot short name (an `org+` prefix is accepted and stripped).
    pub robot_username: String,
    pub sync_interval: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_proxy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_proxy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<String>,
}

/// Each list absent = not managed; present (even empty) = exactly these.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PermissionsEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub robots: Option<Vec<PermissionEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<PermissionEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<PermissionEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionEntry {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationEntry {
    pub event: NotificationEvent,
    pub method: NotificationMethod,
    pub config: NotificationConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NotificationConfig {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RobotEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TeamEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Absent = membership not managed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<MembersEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<TeamRole>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_dn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MembersEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<String>>,
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
    ];
    pub const REPOSITORY: &[&str] = &[
        "name",
        "description",
        "visibility",
        "mirror",
        "mirror_params",
        "permissions",
        "notification",
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
    ];
    pub const PERMISSIONS: &[&str] = &["robots", "users", "teams"];
    pub const PERMISSION: &[&str] = &["name", "role"];
    pub const NOTIFICATION: &[&str] = &["event", "method", "config", "title"];
    pub const NOTIFICATION_CONFIG: &[&str] = &["url"];
    pub const ROBOT: &[&str] = &["name", "desc"];
    pub const TEAM: &[&str] = &["name", "description", "members", "role", "group_dn"];
    pub const MEMBERS: &[&str] = &["users", "robots"];
}
