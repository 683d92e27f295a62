//! Who the token is (`GET /api/v1/user/`), what the server supports (`GET /config`,
//! `GET /api/v1/discovery`) and whether a user exists (`GET /api/v1/users/{name}`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::client::{Call, QuayClient};
use super::error::QuayError;

/// The token's user as Quay sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Whoami {
    pub username: String,
    /// A superuser *and* the token carries `super:user` (Quay omits the key otherwise).
    pub super_user: bool,
    /// The token carries `user:admin` (needed to create organizations). Inferred from fields
    /// Quay shows only with that scope (`is_me`).
    pub user_admin_scope: bool,
    pub organizations: Vec<WhoamiOrganization>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WhoamiOrganization {
    pub name: String,
    /// Present only with `user:admin`; scope-capped.
    #[serde(default)]
    pub is_org_admin: Option<bool>,
}

#[derive(Deserialize)]
struct UserWire {
    username: String,
    #[serde(default)]
    super_user: Option<bool>,
    #[serde(default)]
    is_me: Option<bool>,
    #[serde(default)]
    organizations: Vec<WhoamiOrganization>,
}

pub(crate) async fn fetch_whoami(client: &QuayClient) -> Result<Whoami, QuayError> {
    let wire: UserWire = client
        .send(Call::get("/api/v1/user/".into()))
        .await?
        .json()?;
    Ok(Whoami {
        username: wire.username,
        super_user: wire.super_user == Some(true),
        user_admin_scope: wire.is_me.is_some(),
        organizations: wire.organizations,
    })
}

/// Version- and feature-dependent facts about one Quay, read from its discovery document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `FEATURE_REPO_MIRROR` is on (the mirror routes are registered).
    pub repo_mirror: bool,
    /// `FEATURE_TEAM_SYNCING` is on (the team `syncing` route is registered).
    pub team_syncing: bool,
    /// `FEATURE_AUTO_PRUNE` is on (the `autoprunepolicy` routes are registered).
    pub auto_prune: bool,
    /// The `immutabilitypolicy` routes are registered (Quay 3.17+ with
    /// `FEATURE_IMMUTABLE_TAGS`).
    pub immutability_policies: bool,
    /// The mirror create schema (`CreateMirrorConfig`) knows `skopeo_timeout_interval`
    /// (Quay 3.15+). Quay ≤3.14 answers 500 when it is sent.
    pub mirror_skopeo_timeout: bool,
    /// … and requires it (Quay 3.15+ answers 400 when it is missing).
    pub mirror_skopeo_timeout_required: bool,
    /// The mirror schema knows `architecture_filter` (3.17+; ≤3.16 answers 500 when it is
    /// sent).
    pub mirror_architecture_filter: bool,
    /// The organization quota routes are registered (quota management on).
    pub quota: bool,
    /// The auto-prune schema (`AutoPrunePolicyConfig`) knows `tagPattern` (Quay 3.13+, which
    /// also allows several policies per organization or repository). Quay 3.12 ignores a
    /// pattern and would prune every tag.
    pub auto_prune_tag_pattern: bool,
    /// The robot `federation` route is listed (Quay 3.13+, no flag).
    pub robot_federation: bool,
    /// `/user/robots/{robot_shortname}/federation` is listed: Quay 3.18+ (no flag). The
    /// surest sign of 3.18, since `GET /config` shows no version with billing on, and a build
    /// from source may show a stale one.
    pub quay_3_18: bool,
}

/// Quay's name for the mirror POST schema (`endpoints/api/mirror.py`).
const MIRROR_CREATE_SCHEMA: &str = "CreateMirrorConfig";
/// Quay's name for the auto-prune policy schema (`endpoints/api/policy.py`).
const AUTO_PRUNE_SCHEMA: &str = "AutoPrunePolicyConfig";

impl Capabilities {
    /// Whether mirror writes must carry `skopeo_timeout_interval`.
    pub fn send_skopeo_timeout(&self) -> bool {
        self.mirror_skopeo_timeout || self.mirror_skopeo_timeout_required
    }

    pub(crate) fn from_discovery(doc: &Discovery) -> Capabilities {
        let has_path = |suffix: &str| doc.paths.keys().any(|path| path.ends_with(suffix));
        let schema = doc.definitions.get(MIRROR_CREATE_SCHEMA);
        let property = |name: &str| {
            schema
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.get(name))
                .is_some()
        };
        let required = |name: &str| {
            schema
                .and_then(|s| s.get("required"))
                .and_then(serde_json::Value::as_array)
                .is_some_and(|list| list.iter().any(|item| item.as_str() == Some(name)))
        };
        Capabilities {
            repo_mirror: has_path("/repository/{repository}/mirror"),
            team_syncing: has_path("/team/{teamname}/syncing"),
            auto_prune: has_path("/{orgname}/autoprunepolicy/"),
            immutability_policies: has_path("/{orgname}/immutabilitypolicy/"),
            mirror_skopeo_timeout: property("skopeo_timeout_interval"),
            mirror_skopeo_timeout_required: required("skopeo_timeout_interval"),
            mirror_architecture_filter: property("architecture_filter"),
            quota: has_path("/organization/{orgname}/quota"),
            auto_prune_tag_pattern: doc
                .definitions
                .get(AUTO_PRUNE_SCHEMA)
                .and_then(|s| s.get("properties"))
                .and_then(|p| p.get("tagPattern"))
                .is_some(),
            robot_federation: has_path("/robots/{robot_shortname}/federation"),
            quay_3_18: has_path("/user/robots/{robot_shortname}/federation"),
        }
    }
}

/// The parts of the Swagger document mqc looks at.
#[derive(Deserialize)]
pub(crate) struct Discovery {
    #[serde(default)]
    paths: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    definitions: BTreeMap<String, serde_json::Value>,
}

pub(crate) async fn fetch_capabilities(client: &QuayClient) -> Result<Capabilities, QuayError> {
    let doc: Discovery = client
        .send(Call::get("/api/v1/discovery".into()))
        .await?
        .json()?;
    Ok(Capabilities::from_discovery(&doc))
}

/// The features of one Quay that decide whether a declaration can be applied there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Features {
    /// `FEATURE_REPO_MIRROR`: repository mirroring (and the `MIRROR` state).
    pub repo_mirror: bool,
    /// `FEATURE_TEAM_SYNCING`: teams can be synced from a directory group.
    pub team_syncing: bool,
    /// `AUTHENTICATION_TYPE` (`Database`, `LDAP`, `OIDC`, …), when the server shows it (only
    /// `GET /config` does). A team syncs from an LDAP group (`group_dn`) only with `LDAP`.
    pub authentication: Option<String>,
    /// `FEATURE_QUOTA_MANAGEMENT` and `FEATURE_EDIT_QUOTA`: the quota routes are registered.
    pub quota_management: bool,
    /// `FEATURE_SUPERUSERS_FULL_ACCESS`: superusers may write in any organization (quota
    /// writes need it from Quay 3.16).
    pub superusers_full_access: bool,
    /// `FEATURE_CHANGE_TAG_EXPIRATION`: an organization's time machine can be changed.
    pub change_tag_expiration: bool,
    /// `TAG_EXPIRATION_OPTIONS`, as Quay writes them (`2w`); `None` when not shown.
    pub tag_expiration_options: Option<Vec<String>>,
    /// `(major, minor)` of `version_number` (`Quay v3.17.0`, Quay 3.16+ only).
    pub version: Option<(u32, u32)>,
    /// `FEATURE_AUTO_PRUNE`: auto-prune policies.
    pub auto_prune: bool,
    /// `FEATURE_IMMUTABLE_TAGS`: immutability policies. `None` when the server does not know
    /// the flag (Quay before 3.17 has none).
    pub immutable_tags: Option<bool>,
    /// `FEATURE_SPARSE_INDEX`: a mirror may be limited to some architectures (Quay 3.17+).
    pub sparse_index: bool,
    /// `FEATURE_MAILING`: e-mail notifications (and their address confirmations).
    pub mailing: bool,
    /// `FEATURE_IMAGE_EXPIRY_TRIGGER`: Quay looks for expiring tags (`repo_image_expiry`).
    /// `None` when the server does not know the flag (Quay 3.12 always looks).
    pub image_expiry_trigger: Option<bool>,
}

/// `(3, 17)` of `Quay v3.17.0` (or `Quay 3.17.0-nightly`).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let number = text
        .trim()
        .trim_start_matches("Quay")
        .trim()
        .trim_start_matches('v');
    let mut parts = number.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The parts of `GET /config` mqc looks at (`endpoints/web.py`).
#[derive(Deserialize)]
struct FrontendConfig {
    /// Every `FEATURE_*` flag without the prefix.
    features: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    config: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    version_number: Option<String>,
}

impl FrontendConfig {
    /// `None` when the answer has no `features` map (not Quay's `/config`).
    fn features(&self) -> Option<Features> {
        let flags = self.features.as_ref()?;
        // Quay's flags are Python values: a string is true only when it says "true"
        // (`features/__init__.py`); a flag missing from the map keeps Quay's default, off.
        let on = |name: &str| match flags.get(name) {
            Some(serde_json::Value::Bool(value)) => *value,
            Some(serde_json::Value::String(value)) => value.eq_ignore_ascii_case("true"),
            Some(serde_json::Value::Number(value)) => value.as_f64().is_some_and(|v| v != 0.0),
            _ => false,
        };
        // Flags Quay defaults to on stay on when the map does not list them.
        let on_by_default = |name: &str| flags.get(name).is_none() || on(name);
        Some(Features {
            repo_mirror: on("REPO_MIRROR"),
            team_syncing: on("TEAM_SYNCING"),
            authentication: self
                .config
                .get("AUTHENTICATION_TYPE")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
            quota_management: on("QUOTA_MANAGEMENT") && on_by_default("EDIT_QUOTA"),
            superusers_full_access: on("SUPERUSERS_FULL_ACCESS"),
            change_tag_expiration: on_by_default("CHANGE_TAG_EXPIRATION"),
            tag_expiration_options: self
                .config
                .get("TAG_EXPIRATION_OPTIONS")
                .and_then(serde_json::Value::as_array)
                .map(|options| {
                    options
                        .iter()
                        .filter_map(serde_json::Value::as_str)
                        .map(str::to_string)
                        .collect()
                }),
            version: self.version_number.as_deref().and_then(parse_version),
            auto_prune: on("AUTO_PRUNE"),
            immutable_tags: flags
                .contains_key("IMMUTABLE_TAGS")
                .then(|| on("IMMUTABLE_TAGS")),
            sparse_index: on("SPARSE_INDEX"),
            mailing: on_by_default("MAILING"),
            image_expiry_trigger: flags
                .contains_key("IMAGE_EXPIRY_TRIGGER")
                .then(|| on("IMAGE_EXPIRY_TRIGGER")),
        })
    }
}

/// `GET /config` without the token (Quay 3.12+); when the server has no such answer (older
/// Quay, a proxy in front), the routes of the discovery document tell the same two features.
pub(crate) async fn fetch_features(client: &QuayClient) -> Result<Features, QuayError> {
    let answer = client.send(Call::get("/config".into()).anonymous()).await;
    let config = match answer {
        Err(err @ QuayError::Interrupted { .. }) => return Err(err),
        Err(_) => None,
        Ok(answer) => answer.json::<FrontendConfig>().ok(),
    };
    if let Some(features) = config.as_ref().and_then(FrontendConfig::features) {
        return Ok(features);
    }
    let capabilities = client.capabilities().await?;
    Ok(Features {
        repo_mirror: capabilities.repo_mirror,
        team_syncing: capabilities.team_syncing,
        authentication: None,
        quota_management: capabilities.quota,
        superusers_full_access: false,
        change_tag_expiration: true,
        tag_expiration_options: None,
        version: None,
        auto_prune: capabilities.auto_prune,
        immutable_tags: capabilities.immutability_policies.then_some(true),
        // Quay without `/config` is older than 3.12, long before architecture filters.
        sparse_index: false,
        mailing: true,
        image_expiry_trigger: None,
    })
}

pub(crate) async fn fetch_user_exists(client: &QuayClient, name: &str) -> Result<bool, QuayError> {
    let path = format!("/api/v1/users/{}", super::paths::seg(name));
    match client.send(Call::get(path)).await {
        Ok(_) => Ok(true),
        Err(err) if err.is_not_found() => Ok(false),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frontend(json: &str) -> Option<Features> {
        serde_json::from_str::<FrontendConfig>(json)
            .unwrap()
            .features()
    }

    #[test]
    fn config_flags_are_python_values() {
        let features = frontend(
            r#"{"features": {"REPO_MIRROR": "True", "TEAM_SYNCING": false, "MAILING": true},
                "config": {"AUTHENTICATION_TYPE": "LDAP"}}"#,
        );
        assert_eq!(
            features,
            Some(Features {
                repo_mirror: true,
                team_syncing: false,
                authentication: Some("LDAP".into()),
                quota_management: false,
                superusers_full_access: false,
                change_tag_expiration: true,
                tag_expiration_options: None,
                version: None,
                auto_prune: false,
                immutable_tags: None,
                sparse_index: false,
                mailing: true,
                image_expiry_trigger: None,
            })
        );
        let off = frontend(r#"{"features": {"REPO_MIRROR": "false", "TEAM_SYNCING": 1}}"#).unwrap();
        assert!(!off.repo_mirror && off.team_syncing && off.authentication.is_none());
        assert_eq!(frontend(r#"{"config": {}}"#), None, "not Quay's /config");
    }

    #[test]
    fn config_shows_quota_and_time_machine() {
        let features = frontend(
            r#"{"features": {"QUOTA_MANAGEMENT": true, "EDIT_QUOTA": true, "SUPERUSERS_FULL_ACCESS": false, "CHANGE_TAG_EXPIRATION": true},
                "config": {"TAG_EXPIRATION_OPTIONS": ["0s", "1d", "2w"]},
                "version_number": "Quay v3.17.0"}"#,
        )
        .unwrap();
        assert!(features.quota_management && !features.superusers_full_access);
        assert!(features.change_tag_expiration);
        assert_eq!(
            features.tag_expiration_options,
            Some(vec!["0s".into(), "1d".into(), "2w".into()])
        );
        assert_eq!(features.version, Some((3, 17)));
        let no_edit =
            frontend(r#"{"features": {"QUOTA_MANAGEMENT": true, "EDIT_QUOTA": false}}"#).unwrap();
        assert!(!no_edit.quota_management && no_edit.version.is_none());
        assert_eq!(parse_version("Quay 3.18.0-nightly"), Some((3, 18)));
    }

    fn discovery(json: &str) -> Capabilities {
        let doc: Discovery = serde_json::from_str(json).unwrap();
        Capabilities::from_discovery(&doc)
    }

    #[test]
    fn quay_3_15_and_later_require_skopeo_timeout() {
        let caps = discovery(
            r#"{"paths": {"/api/v1/repository/{repository}/mirror": {}, "/api/v1/organization/{orgname}/team/{teamname}/syncing": {}},
                "definitions": {"CreateMirrorConfig": {"required": ["external_reference", "sync_interval", "sync_start_date", "root_rule", "skopeo_timeout_interval"],
                                 "properties": {"skopeo_timeout_interval": {"type": "integer"}, "architecture_filter": {}}}}}"#,
        );
        assert_eq!(
            caps,
            Capabilities {
                repo_mirror: true,
                team_syncing: true,
                mirror_skopeo_timeout: true,
                mirror_skopeo_timeout_required: true,
                mirror_architecture_filter: true,
                quota: false,
                auto_prune: false,
                immutability_policies: false,
                auto_prune_tag_pattern: false,
                robot_federation: false,
                quay_3_18: false,
            }
        );
        assert!(caps.send_skopeo_timeout());
    }

    #[test]
    fn quay_3_13_and_later_list_robot_federation() {
        let caps = discovery(
            r#"{"paths": {"/api/v1/organization/{orgname}/robots/{robot_shortname}/federation": {}}}"#,
        );
        assert!(caps.robot_federation);
        assert!(
            !discovery(
                r#"{"paths": {"/api/v1/organization/{orgname}/robots/{robot_shortname}": {}}}"#
            )
            .robot_federation
        );
    }

    #[test]
    fn quay_3_18_lists_the_federation_of_user_robots() {
        let head = discovery(
            r#"{"paths": {"/api/v1/organization/{orgname}/robots/{robot_shortname}/federation": {},
                          "/api/v1/user/robots/{robot_shortname}/federation": {}}}"#,
        );
        assert!(head.quay_3_18 && head.robot_federation);
        let older = discovery(
            r#"{"paths": {"/api/v1/organization/{orgname}/robots/{robot_shortname}/federation": {}}}"#,
        );
        assert!(!older.quay_3_18);
    }

    #[test]
    fn quay_3_14_and_older_must_not_get_skopeo_timeout() {
        let caps = discovery(
            r#"{"paths": {"/api/v1/repository/{repository}/mirror": {}},
                "definitions": {"CreateMirrorConfig": {"required": ["external_reference", "sync_interval", "sync_start_date", "root_rule"],
                                 "properties": {"is_enabled": {}}}}}"#,
        );
        assert!(caps.repo_mirror);
        assert!(!caps.team_syncing);
        assert!(!caps.send_skopeo_timeout());
        assert!(!caps.mirror_architecture_filter);
    }

    #[test]
    fn empty_document_means_nothing_optional() {
        assert_eq!(discovery("{}"), Capabilities::default());
    }
}
