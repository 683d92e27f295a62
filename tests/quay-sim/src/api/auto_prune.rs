//! Auto-prune policies (`endpoints/api/policy.py`, `data/model/autoprune.py`), registered only
//! with `FEATURE_AUTO_PRUNE` (quay-api-breadth.md §4). Organization routes: body first, then
//! org admin; repository routes: repo admin first. 3.12 keeps one policy per scope and
//! ignores `tagPattern`/`tagPatternMatches` (not in its schema: a pattern is silently
//! dropped); 3.13+ allows several and refuses an identical second one.

use serde_json::{json, Value};

use super::Cx;
use crate::config::QuayVersion;
use crate::model::{AutoPrunePolicy, State};
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

/// `AutoPrunePolicyConfig`: `value` is `["integer", "string"]`, which the sim's schema subset
/// cannot say; it is checked by hand (`valid_value`).
pub(super) fn policy_schema(version: QuayVersion) -> Schema {
    let mut properties = vec![("method", Schema::string())];
    if version > QuayVersion::V3_12 {
        properties.push(("tagPattern", Schema::string()));
        properties.push(("tagPatternMatches", Schema::Boolean));
    }
    Schema::object(
        "The policy configuration that is to be applied to the organization",
        properties,
        vec!["method", "value"],
    )
}

/// `model/autoprune.py` `valid_value`: a JSON integer > 0, or `<int><s|m|h|d|w|y>`.
fn valid_value(method: &str, value: &Value) -> bool {
    match method {
        "number_of_tags" => value.as_i64().is_some_and(|n| n > 0) && !value.is_f64(),
        "creation_date" => value.as_str().is_some_and(|text| {
            let digits = text.trim_end_matches(['s', 'm', 'h', 'd', 'w', 'y']);
            text.len() == digits.len() + 1
                && digits
                    .trim_start_matches('-')
                    .chars()
                    .all(|c| c.is_ascii_digit())
                && !digits.trim_start_matches('-').is_empty()
        }),
        _ => false,
    }
}

pub(crate) fn policy_view(policy: &AutoPrunePolicy) -> Value {
    json!({
        "uuid": policy.uuid,
        "method": policy.method,
        "value": policy.value,
        "tagPattern": policy.tag_pattern,
        "tagPatternMatches": policy.tag_pattern_matches,
    })
}

/// The stored config of a valid body, or Quay's 400.
fn config(state: &State, cx: &Cx, body: &Value) -> Result<AutoPrunePolicy, Reply> {
    let method = body["method"].as_str().unwrap_or_default();
    if method != "number_of_tags" && method != "creation_date" {
        return Err(cx.invalid("Invalid method provided"));
    }
    if !valid_value(method, &body["value"]) {
        return Err(cx.invalid("Invalid value given for method type"));
    }
    let (tag_pattern, tag_pattern_matches) = if state.version > QuayVersion::V3_12 {
        let pattern = body["tagPattern"].as_str().map(str::trim);
        if pattern == Some("") {
            return Err(cx.invalid("tag_pattern cannot be empty"));
        }
        (
            pattern.map(str::to_string),
            Some(body["tagPatternMatches"].as_bool().unwrap_or(true)),
        )
    } else {
        (None, None)
    };
    Ok(AutoPrunePolicy {
        uuid: String::new(),
        repository: None,
        method: method.to_string(),
        value: body["value"].clone(),
        tag_pattern,
        tag_pattern_matches,
    })
}

/// Which scope a route names: the organization's own (`None`) or a repository's id.
enum Scope {
    Organization(String),
    Repository(RepoPath, u64),
}

impl Scope {
    fn org(&self) -> &str {
        match self {
            Scope::Organization(org) => org,
            Scope::Repository(path, _) => &path.namespace,
        }
    }

    fn repository(&self) -> Option<u64> {
        match self {
            Scope::Organization(_) => None,
            Scope::Repository(_, id) => Some(*id),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Scope::Organization(_) => "namespace",
            Scope::Repository(..) => "repository",
        }
    }
}

fn org_scope(state: &State, cx: &Cx, org: &str) -> Result<Scope, Reply> {
    if !cx.is_org_admin(state, org) {
        return Err(cx.deny());
    }
    if !state.organizations.contains_key(org) {
        return Err(cx.not_found());
    }
    Ok(Scope::Organization(org.to_string()))
}

fn repo_scope(state: &State, cx: &Cx, repo: &RepoPath) -> Result<Scope, Reply> {
    if !cx.is_repo_admin(state, repo) {
        return Err(cx.deny());
    }
    match state.repository(&repo.namespace, &repo.name) {
        Some(r) => Ok(Scope::Repository(repo.clone(), r.id)),
        None => Err(cx.not_found()),
    }
}

fn policies<'s>(state: &'s mut State, scope: &Scope) -> Option<&'s mut Vec<AutoPrunePolicy>> {
    state
        .organizations
        .get_mut(scope.org())
        .map(|o| &mut o.auto_prune)
}

fn list(state: &mut State, scope: &Scope) -> Reply {
    let id = scope.repository();
    let views: Vec<Value> = policies(state, scope)
        .map(|all| {
            all.iter()
                .filter(|p| p.repository == id)
                .map(policy_view)
                .collect()
        })
        .unwrap_or_default();
    Reply::json(200, &json!({ "policies": views }))
}

fn create(state: &mut State, cx: &Cx, scope: &Scope, body: &Value) -> Reply {
    let mut policy = match config(state, cx, body) {
        Ok(policy) => policy,
        Err(reply) => return reply,
    };
    let version = state.version;
    policy.uuid = state.rng.uuid4();
    policy.repository = scope.repository();
    let noun = scope.noun();
    let Some(all) = policies(state, scope) else {
        return cx.not_found();
    };
    let mut same_scope = all.iter().filter(|p| p.repository == policy.repository);
    if version == QuayVersion::V3_12 {
        if same_scope.next().is_some() {
            return cx.invalid(&format!(
                "Policy for this {noun} already exists, delete existing to create new policy"
            ));
        }
    } else if same_scope.any(|p| p.same_values(&policy)) {
        return cx.invalid(&format!(
            "Existing policy with same values for this {noun}, duplicate policies are not permitted"
        ));
    }
    let uuid = policy.uuid.clone();
    all.push(policy);
    Reply::json(201, &json!({ "uuid": uuid }))
}

fn find<'s>(state: &'s mut State, scope: &Scope, uuid: &str) -> Option<&'s mut AutoPrunePolicy> {
    let id = scope.repository();
    policies(state, scope)?
        .iter_mut()
        .find(|p| p.uuid == uuid && p.repository == id)
}

fn item(state: &mut State, cx: &Cx, scope: &Scope, uuid: &str) -> Reply {
    match cx.req.method.as_str() {
        "GET" => match find(state, scope, uuid) {
            Some(policy) => Reply::json(200, &policy_view(policy)),
            None => cx.not_found(),
        },
        "PUT" => {
            let body = match cx.body(&policy_schema(state.version)) {
                Ok(body) => body,
                Err(reply) => return reply,
            };
            let new = match config(state, cx, &body) {
                Ok(policy) => policy,
                Err(reply) => return reply,
            };
            match find(state, scope, uuid) {
                Some(policy) => {
                    *policy = AutoPrunePolicy {
                        uuid: policy.uuid.clone(),
                        repository: policy.repository,
                        ..new
                    };
                    Reply::no_content()
                }
                None => cx.not_found(),
            }
        }
        _ => {
            let id = scope.repository();
            let Some(all) = policies(state, scope) else {
                return cx.not_found();
            };
            match all
                .iter()
                .position(|p| p.uuid == uuid && p.repository == id)
            {
                Some(index) => {
                    all.remove(index);
                    Reply::json(200, &json!({ "uuid": uuid }))
                }
                None => cx.not_found(),
            }
        }
    }
}

/// `GET/POST /organization/{org}/autoprunepolicy/`.
pub fn org_list(state: &mut State, cx: &Cx, org: &str) -> Reply {
    if cx.req.method == http::Method::POST {
        let body = match cx.body(&policy_schema(state.version)) {
            Ok(body) => body,
            Err(reply) => return reply,
        };
        return match org_scope(state, cx, org) {
            Ok(scope) => create(state, cx, &scope, &body),
            Err(reply) => reply,
        };
    }
    match org_scope(state, cx, org) {
        Ok(scope) => list(state, &scope),
        Err(reply) => reply,
    }
}

/// `GET/PUT/DELETE /organization/{org}/autoprunepolicy/{uuid}`.
pub fn org_item(state: &mut State, cx: &Cx, org: &str, uuid: &str) -> Reply {
    if cx.req.method == http::Method::PUT {
        if let Err(reply) = cx.body(&policy_schema(state.version)) {
            return reply;
        }
    }
    match org_scope(state, cx, org) {
        Ok(scope) => item(state, cx, &scope, uuid),
        Err(reply) => reply,
    }
}

/// `GET/POST /repository/{r}/autoprunepolicy/`: permission first.
pub fn repo_list(state: &mut State, cx: &Cx, repo: &RepoPath) -> Reply {
    let scope = match repo_scope(state, cx, repo) {
        Ok(scope) => scope,
        Err(reply) => return reply,
    };
    if cx.req.method == http::Method::POST {
        return match cx.body(&policy_schema(state.version)) {
            Ok(body) => create(state, cx, &scope, &body),
            Err(reply) => reply,
        };
    }
    list(state, &scope)
}

/// `GET/PUT/DELETE /repository/{r}/autoprunepolicy/{uuid}`: permission first.
pub fn repo_item(state: &mut State, cx: &Cx, repo: &RepoPath, uuid: &str) -> Reply {
    match repo_scope(state, cx, repo) {
        Ok(scope) => item(state, cx, &scope, uuid),
        Err(reply) => reply,
    }
}
