//! Repository mirroring (`endpoints/api/mirror.py`, `data/model/repo_mirror.py`), with the
//! version differences of quay-api.md §15 and the quirks of quay-observed.md: 201 with `""`,
//! unknown POST keys crash (500), the first proxy key of a PUT is dropped when no proxy object
//! exists yet, a failed POST leaves an orphan rule that later PUTs update, and releases up to
//! 3.18 apply a PUT field by field (a later error keeps the earlier changes).

use serde_json::{json, Map, Value};

use super::Cx;
use crate::config::QuayVersion;
use crate::model::{Mirror, RepoRole, RepoState, Repository, State, SyncStatus};
use crate::names::is_valid_mirror_date;
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

const ARCHITECTURES: [&str; 4] = ["amd64", "arm64", "ppc64le", "s390x"];

/// `CreateMirrorConfig` (`create`) or `UpdateMirrorConfig` as the emulated version validates
/// them. `for_discovery` leaves out `skopeo_timeout_interval` before 3.15 (a 3.12.21 server
/// still range-checks it on PUT, quay-observed.md, but it is not part of its API).
pub fn mirror_schema(version: QuayVersion, create: bool, for_discovery: bool) -> Schema {
    let proxy = Schema::object(
        "Proxy configuration for use during synchronization.",
        vec![
            ("https_proxy", Schema::nullable_string()),
            ("http_proxy", Schema::nullable_string()),
            ("no_proxy", Schema::nullable_string()),
        ],
        vec![],
    );
    let mut properties = vec![
        ("is_enabled", Schema::Boolean),
        ("external_reference", Schema::string()),
        ("external_registry_username", Schema::nullable_string()),
        ("external_registry_password", Schema::nullable_string()),
        ("sync_start_date", Schema::string()),
        ("sync_interval", Schema::Integer { minimum: Some(0) }),
        ("robot_username", Schema::string()),
        (
            "root_rule",
            Schema::object(
                "A list of glob-patterns used to determine which tags should be synchronized.",
                vec![
                    ("rule_kind", Schema::one_of(&["tag_glob_csv"])),
                    (
                        "rule_value",
                        Schema::Array {
                            items: Box::new(Schema::string()),
                            nullable: false,
                        },
                    ),
                ],
                vec!["rule_kind", "rule_value"],
            ),
        ),
        (
            "external_registry_config",
            Schema::object(
                "",
                vec![
                    ("verify_tls", Schema::Boolean),
                    ("unsigned_images", Schema::Boolean),
                    ("proxy", proxy),
                ],
                vec![],
            ),
        ),
    ];
    if version >= QuayVersion::V3_15 || !for_discovery {
        properties.push((
            "skopeo_timeout_interval",
            Schema::Integer { minimum: Some(300) },
        ));
    }
    if version >= QuayVersion::V3_17 {
        properties.push((
            "architecture_filter",
            Schema::Array {
                items: Box::new(Schema::string()),
                nullable: true,
            },
        ));
    }
    let mut required = Vec::new();
    if create {
        required = vec![
            "external_reference",
            "sync_interval",
            "sync_start_date",
            "root_rule",
        ];
        if version >= QuayVersion::V3_15 {
            required.push("skopeo_timeout_interval");
        }
    }
    let description = if create {
        "Create the repository mirroring configuration."
    } else {
        "Update the repository mirroring configuration."
    };
    Schema::object(description, properties, required)
}

/// The keys a POST body may carry: everything else reaches the model as an unexpected
/// keyword argument and crashes the handler (500).
fn known_create_keys(version: QuayVersion) -> Vec<&'static str> {
    let mut keys = vec![
        "is_enabled",
        "external_reference",
        "external_registry_username",
        "external_registry_password",
        "external_registry_config",
        "sync_interval",
        "sync_start_date",
        "robot_username",
        "root_rule",
    ];
    if version >= QuayVersion::V3_15 {
        keys.push("skopeo_timeout_interval");
    }
    if version >= QuayVersion::V3_17 {
        keys.push("architecture_filter");
    }
    keys
}

pub fn get(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let Some(repo) = state.repository(&path.namespace, &path.name) else {
        return cx.not_found();
    };
    let Some(mirror) = repo.mirror.as_ref() else {
        return cx.not_found();
    };
    Reply::json(200, &mirror_view(state.version, repo, mirror))
}

/// The GET body: every field except the password.
pub fn mirror_view(version: QuayVersion, repo: &Repository, mirror: &Mirror) -> Value {
    let rules = repo
        .mirror_rules
        .get(mirror.rule_index)
        .cloned()
        .unwrap_or_default();
    let mut view = json!({
        "is_enabled": mirror.is_enabled,
        "mirror_type": "PULL",
        "external_reference": mirror.external_reference,
        "external_registry_username": mirror.username,
        "external_registry_config": mirror.registry_config,
        "sync_interval": mirror.sync_interval,
        "sync_start_date": mirror.sync_start_date,
        "sync_expiration_date": mirror.sync_expiration_date,
        "sync_retries_remaining": mirror.sync_retries_remaining,
        "sync_status": mirror.sync_status.as_str(),
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": rules},
        "robot_username": mirror.robot,
    });
    if version >= QuayVersion::V3_15 {
        view["skopeo_timeout_interval"] = json!(mirror.skopeo_timeout_interval);
    }
    if version >= QuayVersion::V3_17 {
        view["architecture_filter"] = json!(mirror.architecture_filter);
    }
    view
}

/// HEAD validates the external reference and refuses registries on internal addresses. The
/// sim has no DNS: loopback/private literals and `localhost` are "not allowed", and hosts under
/// the reserved `.invalid` TLD do not resolve.
fn check_external_reference(version: QuayVersion, reference: &str) -> Result<(), String> {
    if version < QuayVersion::Head {
        return Ok(());
    }
    let host_port = reference.split('/').next().unwrap_or_default();
    let host = host_port
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || is_internal_ipv4(&host) {
        return Err("The provided registry location is not allowed".to_string());
    }
    if host.ends_with(".invalid") {
        return Err(format!("Cannot resolve hostname '{host}'"));
    }
    Ok(())
}

fn is_internal_ipv4(host: &str) -> bool {
    match host.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// 3.17+: `architecture_filter` values must be known, and a non-empty filter needs
/// `FEATURE_SPARSE_INDEX`.
fn check_architectures(state: &State, value: Option<&Value>) -> Result<Vec<String>, Reply> {
    let values: Vec<String> = value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let unknown: Vec<&String> = values
        .iter()
        .filter(|v| !ARCHITECTURES.contains(&v.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(Reply::detail(
            400,
            &format!(
                "Invalid architectures: {}",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if !values.is_empty() && !state.sparse_index {
        return Err(Reply::detail(
            400,
            "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled.",
        ));
    }
    Ok(values)
}

fn rule_values(root_rule: &Value) -> Result<Vec<String>, String> {
    let values: Vec<String> = root_rule["rule_value"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        return Err(
            "validation failed: rule_value for TAG_GLOB_CSV must be a list with at least one rule"
                .to_string(),
        );
    }
    Ok(values)
}

/// Checks the mirror robot (`_setup_robot_for_mirroring`) and grants it `write` unless one of
/// its permissions on the repository is already write or admin: its own, or that of a team it
/// is a member of (`get_user_repository_permissions` unions both; a team's organization role
/// does not count). Quay tests the first row of that unordered union; with several rows the
/// sim takes the strongest, as quay-observed.md describes the rule.
fn setup_robot(
    state: &State,
    repo: &mut Repository,
    namespace: &str,
    robot: &str,
) -> Result<(), Reply> {
    if !state.robot_exists(robot) {
        return Err(Reply::message(400, super::robots::ROBOT_NOT_FOUND));
    }
    if robot.split_once('+').map(|(ns, _)| ns) != Some(namespace) {
        return Err(Reply::message(400, "Invalid robot"));
    }
    let via_team = state.organizations.get(namespace).and_then(|org| {
        org.teams_of(robot)
            .filter_map(|(team, _)| repo.team_permissions.get(team).copied())
            .max()
    });
    let current = repo.user_permissions.get(robot).copied().max(via_team);
    if current.is_none() || current == Some(RepoRole::Read) {
        repo.user_permissions
            .insert(robot.to_string(), RepoRole::Write);
    }
    Ok(())
}

/// `POST …/mirror`: 201 `""`; sets the repository state to MIRROR.
pub fn create(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let version = state.version;
    let body = match cx.body(&mirror_schema(version, true, false)) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(existing) = state.repository(&path.namespace, &path.name) else {
        return cx.not_found();
    };
    if existing.mirror.is_some() {
        return Reply::detail(
            409,
            &format!(
                "Mirror configuration already exits for repository {}/{}",
                path.namespace, path.name
            ),
        );
    }
    let reference = body["external_reference"].as_str().unwrap_or_default();
    if let Err(message) = check_external_reference(version, reference) {
        return cx.invalid(&message);
    }
    let start_date = body["sync_start_date"].as_str().unwrap_or_default();
    if !is_valid_mirror_date(start_date) {
        return if version >= QuayVersion::V3_15 {
            Reply::detail(400, "Incorrect DateTime format for sync_start_date.")
        } else {
            Reply::internal_error()
        };
    }
    let architectures = if version >= QuayVersion::V3_17 {
        match check_architectures(state, body.get("architecture_filter")) {
            Ok(values) => values,
            Err(reply) => return reply,
        }
    } else {
        Vec::new()
    };
    let rules = match rule_values(&body["root_rule"]) {
        Ok(rules) => rules,
        Err(message) => return cx.invalid(&message),
    };
    let mut repo = existing.clone();
    // The rule row is written before the robot is checked (and stays if that check fails).
    repo.mirror_rules.push(rules);
    let rule_index = repo.mirror_rules.len() - 1;
    let outcome = (|| {
        let Some(robot) = body.get("robot_username").and_then(Value::as_str) else {
            return Err(Reply::internal_error());
        };
        setup_robot(state, &mut repo, &path.namespace, robot)?;
        let known = known_create_keys(version);
        if body
            .as_object()
            .is_some_and(|o| o.keys().any(|k| !known.contains(&k.as_str())))
        {
            return Err(Reply::internal_error());
        }
        repo.mirror = Some(Mirror {
            is_enabled: body
                .get("is_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            external_reference: reference.to_string(),
            username: body["external_registry_username"]
                .as_str()
                .map(str::to_string),
            password: body["external_registry_password"]
                .as_str()
                .map(str::to_string),
            registry_config: body
                .get("external_registry_config")
                .cloned()
                .unwrap_or_else(|| json!({})),
            sync_interval: body["sync_interval"].as_i64().unwrap_or_default(),
            sync_start_date: start_date.to_string(),
            sync_expiration_date: None,
            sync_retries_remaining: 3,
            sync_status: SyncStatus::NeverRun,
            rule_index,
            robot: Some(robot.to_string()),
            skopeo_timeout_interval: body["skopeo_timeout_interval"].as_i64(),
            architecture_filter: architectures,
        });
        repo.state = RepoState::Mirror;
        Ok(())
    })();
    // Whatever was written before a failure stays written, as in Quay (no transaction).
    if let Some(slot) = state.repository_mut(&path.namespace, &path.name) {
        *slot = repo;
    }
    match outcome {
        Ok(()) => Reply::json(201, &json!("")),
        Err(reply) => reply,
    }
}

/// `PUT …/mirror`: partial update, 201 `""`.
pub fn update(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let version = state.version;
    let body = match cx.body(&mirror_schema(version, false, false)) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(existing) = state.repository(&path.namespace, &path.name) else {
        return cx.not_found();
    };
    if existing.mirror.is_none() {
        return cx.not_found();
    }
    let mut repo = existing.clone();
    let outcome = apply_update(state, cx, &mut repo, &path.namespace, &body);
    // HEAD validates everything before writing; releases write field by field.
    if outcome.is_ok() || version < QuayVersion::Head {
        if let Some(slot) = state.repository_mut(&path.namespace, &path.name) {
            *slot = repo;
        }
    }
    match outcome {
        Ok(()) => Reply::json(201, &json!("")),
        Err(reply) => reply,
    }
}

fn apply_update(
    state: &State,
    cx: &Cx,
    repo: &mut Repository,
    namespace: &str,
    body: &Value,
) -> Result<(), Reply> {
    let version = state.version;
    let values = body.as_object().cloned().unwrap_or_default();
    let has = |key: &str| values.contains_key(key);
    if let Some(enabled) = values.get("is_enabled").and_then(Value::as_bool) {
        mirror_mut(repo).is_enabled = enabled;
    }
    if let Some(reference) = values.get("external_reference").and_then(Value::as_str) {
        if reference.is_empty() {
            return Err(Reply::detail(
                400,
                "Empty string is an invalid repository location.",
            ));
        }
        check_external_reference(version, reference).map_err(|m| cx.invalid(&m))?;
        mirror_mut(repo).external_reference = reference.to_string();
    }
    if let Some(robot) = values.get("robot_username").and_then(Value::as_str) {
        setup_robot(state, repo, namespace, robot)?;
        mirror_mut(repo).robot = Some(robot.to_string());
    }
    if let Some(date) = values.get("sync_start_date") {
        let date = date.as_str().unwrap_or_default();
        if !is_valid_mirror_date(date) {
            return Err(Reply::detail(
                400,
                "Incorrect DateTime format for sync_start_date.",
            ));
        }
        mirror_mut(repo).sync_start_date = date.to_string();
    }
    if let Some(interval) = values.get("sync_interval").and_then(Value::as_i64) {
        mirror_mut(repo).sync_interval = interval;
    }
    if version >= QuayVersion::V3_15 {
        if let Some(timeout) = values
            .get("skopeo_timeout_interval")
            .and_then(Value::as_i64)
        {
            mirror_mut(repo).skopeo_timeout_interval = Some(timeout);
        }
    }
    if has("external_registry_username") {
        let username = values["external_registry_username"]
            .as_str()
            .map(str::to_string);
        if has("external_registry_password") {
            let password = values["external_registry_password"]
                .as_str()
                .map(str::to_string);
            if username.is_none() && password.is_some() {
                return Err(Reply::detail(
                    400,
                    "Unable to delete username while setting a password.",
                ));
            }
            let mirror = mirror_mut(repo);
            mirror.username = username;
            mirror.password = password;
        } else {
            mirror_mut(repo).username = username;
        }
    }
    if has("external_registry_password") && !has("external_registry_username") {
        return Err(Reply::detail(
            400,
            "Unable to set a new password without also specifying a username.",
        ));
    }
    if let Some(config) = values
        .get("external_registry_config")
        .and_then(Value::as_object)
    {
        merge_registry_config(&mut mirror_mut(repo).registry_config, config);
    }
    if let Some(root_rule) = values.get("root_rule") {
        let rules = rule_values(root_rule).map_err(|m| cx.invalid(&m))?;
        // Quay updates the repository's first rule row, which is an orphan left by an earlier
        // failed POST when there is one (quay-observed.md).
        match repo.mirror_rules.first_mut() {
            Some(first) => *first = rules,
            None => repo.mirror_rules.push(rules),
        }
    }
    if version >= QuayVersion::V3_17 && has("architecture_filter") {
        let architectures = check_architectures(state, values.get("architecture_filter"))?;
        mirror_mut(repo).architecture_filter = architectures;
    }
    Ok(())
}

fn mirror_mut(repo: &mut Repository) -> &mut Mirror {
    // Callers checked that the config exists; a fresh default keeps this total.
    repo.mirror.get_or_insert_with(|| Mirror {
        is_enabled: false,
        external_reference: String::new(),
        username: None,
        password: None,
        registry_config: json!({}),
        sync_interval: 0,
        sync_start_date: String::new(),
        sync_expiration_date: None,
        sync_retries_remaining: 0,
        sync_status: SyncStatus::NeverRun,
        rule_index: 0,
        robot: None,
        skopeo_timeout_interval: None,
        architecture_filter: Vec::new(),
    })
}

/// `change_external_registry_config`: only the known keys are merged, and the first proxy
/// key is lost when the stored config has no `proxy` object yet (Quay bug, all versions).
fn merge_registry_config(stored: &mut Value, update: &Map<String, Value>) {
    if !stored.is_object() {
        *stored = json!({});
    }
    let Some(stored) = stored.as_object_mut() else {
        return;
    };
    for key in ["verify_tls", "unsigned_images"] {
        if let Some(value) = update.get(key) {
            stored.insert(key.to_string(), value.clone());
        }
    }
    let Some(proxy_update) = update.get("proxy").and_then(Value::as_object) else {
        return;
    };
    for key in ["http_proxy", "https_proxy", "no_proxy"] {
        let Some(value) = proxy_update.get(key) else {
            continue;
        };
        match stored.get_mut("proxy").and_then(Value::as_object_mut) {
            Some(proxy) => {
                proxy.insert(key.to_string(), value.clone());
            }
            None => {
                stored.insert("proxy".to_string(), json!({}));
            }
        }
    }
}

fn mirror_of<'a>(state: &'a mut State, cx: &Cx, path: &RepoPath) -> Result<&'a mut Mirror, Reply> {
    state
        .repository_mut(&path.namespace, &path.name)
        .and_then(|r| r.mirror.as_mut())
        .ok_or_else(|| cx.not_found())
}

/// `POST …/mirror/sync-now`: 204; refused (404) while a sync runs.
pub fn sync_now(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let mirror = match mirror_of(state, cx, path) {
        Ok(mirror) => mirror,
        Err(reply) => return reply,
    };
    if mirror.sync_status == SyncStatus::Syncing {
        return cx.not_found();
    }
    mirror.sync_status = SyncStatus::SyncNow;
    mirror.sync_expiration_date = None;
    mirror.sync_retries_remaining = mirror.sync_retries_remaining.max(1);
    Reply::no_content()
}

/// `POST …/mirror/sync-cancel`: 204 from SYNCING or SYNC_NOW, else 404.
pub fn sync_cancel(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let mirror = match mirror_of(state, cx, path) {
        Ok(mirror) => mirror,
        Err(reply) => return reply,
    };
    if !matches!(
        mirror.sync_status,
        SyncStatus::Syncing | SyncStatus::SyncNow
    ) {
        return cx.not_found();
    }
    mirror.sync_status = SyncStatus::Cancel;
    mirror.sync_retries_remaining = 0;
    Reply::no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_proxy_key_is_dropped_without_a_proxy_object() {
        let mut stored = json!({"verify_tls": true});
        let update = json!({"proxy": {"http_proxy": "a", "https_proxy": "b"}});
        merge_registry_config(&mut stored, update.as_object().unwrap());
        assert_eq!(
            stored,
            json!({"verify_tls": true, "proxy": {"https_proxy": "b"}})
        );
        merge_registry_config(&mut stored, update.as_object().unwrap());
        assert_eq!(
            stored,
            json!({"verify_tls": true, "proxy": {"http_proxy": "a", "https_proxy": "b"}})
        );
    }
}
