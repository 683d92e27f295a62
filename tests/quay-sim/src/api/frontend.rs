//! `GET /config` (`endpoints/web.py`, 3.12+): the frontend configuration, open to anyone. Its
//! `features` map holds every `FEATURE_*` flag without the prefix, so a client learns what
//! the server has (mirroring, team syncing, …) in one anonymous request (quay-api-breadth.md
//! §0). The flags the sim models follow its switches; the others carry Quay's defaults
//! (`config.py` at HEAD).

use serde_json::{json, Map, Value};

use super::Cx;
use crate::config::QuayVersion;
use crate::model::State;
use crate::reply::Reply;

/// Every `FEATURE_*` flag of Quay's `config.py` (HEAD) with its default.
const QUAY_DEFAULT_FEATURES: [(&str, bool); 91] = [
    ("PERMANENT_SESSIONS", true),
    ("SUPER_USERS", true),
    ("ANONYMOUS_ACCESS", true),
    ("BILLING", false),
    ("USER_LOG_ACCESS", false),
    ("GITHUB_LOGIN", false),
    ("GOOGLE_LOGIN", false),
    ("GITHUB_BUILD", false),
    ("BITBUCKET_BUILD", false),
    ("GITLAB_BUILD", false),
    ("BUILD_SUPPORT", true),
    ("MAILING", true),
    ("ORG_SHARED_EMAIL", false),
    ("USER_CREATION", true),
    ("INVITE_ONLY_USER_CREATION", false),
    ("USER_RENAME", false),
    ("REQUIRE_ENCRYPTED_BASIC_AUTH", false),
    ("STORAGE_REPLICATION", false),
    ("DIRECT_LOGIN", true),
    ("ADVERTISE_V2", true),
    ("USER_EVENTS", true),
    ("IMAGE_PULL_STATS", false),
    ("RESTRICTED_V1_PUSH", false),
    ("ACTION_LOG_ROTATION", false),
    ("LIBRARY_SUPPORT", true),
    ("REQUIRE_TEAM_INVITE", true),
    ("PROXY_STORAGE", false),
    ("USER_METADATA", false),
    ("SIGNING", false),
    ("PUBLIC_CATALOG", false),
    ("READER_BUILD_LOGS", false),
    ("PARTIAL_USER_AUTOCOMPLETE", true),
    ("USERNAME_CONFIRMATION", true),
    ("FIPS", false),
    ("SECURITY_SCANNER", false),
    ("SECURITY_NOTIFICATIONS", false),
    ("SECURITY_SCANNER_V2", false),
    ("REPO_MIRROR", false),
    ("ORG_MIRROR", false),
    ("RECAPTCHA", false),
    ("TEAM_SYNCING", false),
    ("NONSUPERUSER_TEAM_SYNCING_SETUP", false),
    ("CHANGE_TAG_EXPIRATION", true),
    ("IMMUTABLE_TAGS", false),
    ("IMMUTABLE_TAGS_CAN_EXPIRE", false),
    ("APP_SPECIFIC_TOKENS", true),
    ("USER_LAST_ACCESSED", true),
    ("AGGREGATED_LOG_COUNT_RETRIEVAL", true),
    ("RATE_LIMITS", false),
    ("LOG_EXPORT", true),
    ("DISABLE_PULL_LOGS_FOR_FREE_NAMESPACES", false),
    ("BLACKLISTED_EMAILS", false),
    ("GARBAGE_COLLECTION", true),
    ("NAMESPACE_GARBAGE_COLLECTION", true),
    ("REPOSITORY_GARBAGE_COLLECTION", true),
    ("CLEAR_EXPIRED_RAC_ENTRIES", false),
    ("GENERAL_OCI_SUPPORT", true),
    ("HELM_OCI_SUPPORT", true),
    ("REFERRERS_API", true),
    ("REPOSITORY_ACTION_COUNTER", true),
    ("MANIFEST_SIZE_BACKFILL", true),
    ("MANIFEST_SUBJECT_BACKFILL", true),
    ("USER_INITIALIZE", false),
    ("PROGRAMMATIC_BOOTSTRAP", false),
    ("EXTENDED_REPOSITORY_NAMES", true),
    ("QUOTA_MANAGEMENT", false),
    ("EDIT_QUOTA", true),
    ("VERIFY_QUOTA", true),
    ("QUOTA_SUPPRESS_FAILURES", false),
    ("QUOTA_NOTIFICATIONS", false),
    ("PROXY_CACHE", false),
    ("EXTENDED_ACTION_LOGGING", false),
    ("PROXY_CACHE_BLOB_DOWNLOAD", true),
    ("EXPORT_COMPLIANCE", false),
    ("UI_V2", true),
    ("UI_MODELCARD", true),
    ("SECURITY_SCANNER_NOTIFY_ON_NEW_INDEX", true),
    ("SUPERUSERS_FULL_ACCESS", false),
    ("SUPERUSERS_ORG_CREATION_ONLY", false),
    ("RESTRICTED_USERS", false),
    ("ENTITLEMENT_RECONCILIATION", false),
    ("RH_MARKETPLACE", false),
    ("AUTO_PRUNE", false),
    ("UI_DELAY_AFTER_WRITE", false),
    ("ASSIGN_OAUTH_TOKEN", true),
    ("IMAGE_EXPIRY_TRIGGER", false),
    ("SPAM_DETECTION", false),
    ("SUPERUSER_CONFIGDUMP", false),
    ("OTEL_TRACING", false),
    ("SPARSE_INDEX", false),
    ("ENABLE_STALE_MPU_CLEANUP", true),
];

/// The flags Quay also copies into `config` (its `CLIENT_WHITELIST`).
const WHITELISTED_FEATURES: [&str; 10] = [
    "REPO_MIRROR",
    "ORG_MIRROR",
    "QUOTA_MANAGEMENT",
    "QUOTA_NOTIFICATIONS",
    "EDIT_QUOTA",
    "PROXY_CACHE",
    "ASSIGN_OAUTH_TOKEN",
    "IMAGE_EXPIRY_TRIGGER",
    "AUTO_PRUNE",
    "IMMUTABLE_TAGS_CAN_EXPIRE",
];

/// The flags as this instance has them (Quay before 3.17 has no `IMMUTABLE_TAGS`, 3.12 no
/// `IMAGE_EXPIRY_TRIGGER`: its GC worker always looks for expiring tags).
fn features(state: &State) -> Map<String, Value> {
    QUAY_DEFAULT_FEATURES
        .iter()
        .filter(|(name, _)| *name != "IMMUTABLE_TAGS" || state.version >= QuayVersion::V3_17)
        .filter(|(name, _)| *name != "IMAGE_EXPIRY_TRIGGER" || state.version > QuayVersion::V3_12)
        .map(|&(name, default)| {
            let value = match name {
                "REPO_MIRROR" => state.repo_mirror,
                "AUTO_PRUNE" => state.auto_prune,
                "IMMUTABLE_TAGS" => state.immutable_tags,
                "TEAM_SYNCING" => state.team_syncing,
                "MAILING" => state.mailing,
                "SPARSE_INDEX" => state.sparse_index,
                "IMAGE_EXPIRY_TRIGGER" => state.image_expiry_trigger,
                "QUOTA_MANAGEMENT" => state.quota_management,
                "SUPERUSERS_FULL_ACCESS" => state.superusers_full_access,
                "CHANGE_TAG_EXPIRATION" => state.change_tag_expiration,
                _ => default,
            };
            (name.to_string(), json!(value))
        })
        .collect()
}

pub fn config(state: &mut State, cx: &Cx) -> Reply {
    let features = features(state);
    let (scheme, host) = cx.base().split_once("://").unwrap_or(("http", cx.base()));
    let mut config = json!({
        "SERVER_HOSTNAME": host,
        "PREFERRED_URL_SCHEME": scheme,
        "AUTHENTICATION_TYPE": state.authentication.as_str(),
        "REGISTRY_TITLE": "Project Quay",
        "REGISTRY_TITLE_SHORT": "Project Quay",
        "AVATAR_KIND": "local",
        "TAG_EXPIRATION_OPTIONS": ["0s", "1d", "1w", "2w", "4w"],
        "SEARCH_RESULTS_PER_PAGE": 10,
        "SEARCH_MAX_RESULT_PAGE_COUNT": 10,
    });
    for name in WHITELISTED_FEATURES {
        config[format!("FEATURE_{name}")] = features.get(name).cloned().unwrap_or(json!(false));
    }
    let mut body = json!({
        "config": config,
        "features": features,
        "oauth": {},
        "external_login": [],
        "registry_state": "normal",
        "account_recovery_mode": false,
    });
    // Added in 3.16 ("Quay " + the version), only with billing off.
    let version = match state.version {
        _ if state.billing => None,
        QuayVersion::V3_12 | QuayVersion::V3_15 => None,
        QuayVersion::V3_17 => Some("v3.17.0"),
        QuayVersion::V3_18 => Some("v3.18.0"),
        QuayVersion::Head => Some("v3.18.0-nightly"),
    };
    if let Some(version) = version {
        body["version_number"] = json!(format!("Quay {version}"));
    }
    Reply::json(200, &body)
}
