//! Immutability policies (`endpoints/api/immutability_policy.py`, `data/model/immutability.py`),
//! Quay 3.17+, registered only with `FEATURE_IMMUTABLE_TAGS` (quay-api-breadth.md §7.2).
//! Organization routes: body first, then org admin; repository routes: repo admin first.
//! Patterns are unique per scope (on create and update). The effect on existing tags (they
//! become immutable) is not modelled: the sim's tags are a count.

use serde_json::{json, Value};

use super::Cx;
use crate::model::{ImmutabilityPolicy, State};
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

pub(super) fn policy_schema() -> Schema {
    Schema::object(
        "The immutability policy configuration",
        vec![
            ("tagPattern", Schema::string()),
            ("tagPatternMatches", Schema::Boolean),
        ],
        vec!["tagPattern"],
    )
}

pub(crate) fn policy_view(policy: &ImmutabilityPolicy) -> Value {
    json!({
        "uuid": policy.uuid,
        "tagPattern": policy.tag_pattern,
        "tagPatternMatches": policy.tag_pattern_matches,
    })
}

/// `model/immutability.py` `_validate_policy`: the pattern and flag of a valid body.
fn config(cx: &Cx, body: &Value) -> Result<(String, bool), Reply> {
    let pattern = body["tagPattern"].as_str().unwrap_or_default().trim();
    if pattern.is_empty() {
        return Err(cx.invalid("tag_pattern is required and must be a non-empty string"));
    }
    if pattern.chars().count() > 256 {
        return Err(cx.invalid("tag_pattern must be 256 characters or less"));
    }
    if let Err(err) = fancy_regex::Regex::new(pattern) {
        return Err(cx.invalid(&format!("Invalid regex pattern: {err}")));
    }
    Ok((
        pattern.to_string(),
        body["tagPatternMatches"].as_bool().unwrap_or(true),
    ))
}

/// The organization and, for a repository route, the repository's id.
struct Scope {
    org: String,
    repository: Option<u64>,
}

fn org_scope(state: &State, cx: &Cx, org: &str) -> Result<Scope, Reply> {
    if !cx.is_org_admin(state, org) {
        return Err(cx.deny());
    }
    if !state.organizations.contains_key(org) {
        return Err(Reply::message(
            400,
            format!("Username does not exist: {org}"),
        ));
    }
    Ok(Scope {
        org: org.to_string(),
        repository: None,
    })
}

fn repo_scope(state: &State, cx: &Cx, repo: &RepoPath) -> Result<Scope, Reply> {
    if !cx.is_repo_admin(state, repo) {
        return Err(cx.deny());
    }
    match state.repository(&repo.namespace, &repo.name) {
        Some(r) => Ok(Scope {
            org: repo.namespace.clone(),
            repository: Some(r.id),
        }),
        None => Err(cx.not_found()),
    }
}

fn policies<'s>(state: &'s mut State, scope: &Scope) -> Option<&'s mut Vec<ImmutabilityPolicy>> {
    state
        .organizations
        .get_mut(&scope.org)
        .map(|o| &mut o.immutability)
}

fn duplicate(all: &[ImmutabilityPolicy], scope: &Scope, pattern: &str, except: &str) -> bool {
    all.iter()
        .any(|p| p.repository == scope.repository && p.tag_pattern == pattern && p.uuid != except)
}

fn list_or_create(state: &mut State, cx: &Cx, scope: &Scope) -> Reply {
    if cx.req.method != http::Method::POST {
        let views: Vec<Value> = policies(state, scope)
            .map(|all| {
                all.iter()
                    .filter(|p| p.repository == scope.repository)
                    .map(policy_view)
                    .collect()
            })
            .unwrap_or_default();
        return Reply::json(200, &json!({ "policies": views }));
    }
    let body = match cx.body(&policy_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let (pattern, matches) = match config(cx, &body) {
        Ok(config) => config,
        Err(reply) => return reply,
    };
    let uuid = state.rng.uuid4();
    let Some(all) = policies(state, scope) else {
        return cx.not_found();
    };
    if duplicate(all, scope, &pattern, "") {
        return cx.invalid("A policy with the same tag_pattern already exists");
    }
    all.push(ImmutabilityPolicy {
        uuid: uuid.clone(),
        repository: scope.repository,
        tag_pattern: pattern,
        tag_pattern_matches: matches,
    });
    Reply::json(201, &json!({ "uuid": uuid }))
}

fn item(state: &mut State, cx: &Cx, scope: &Scope, uuid: &str) -> Reply {
    let method = cx.req.method.clone();
    let config = if method == http::Method::PUT {
        let body = match cx.body(&policy_schema()) {
            Ok(body) => body,
            Err(reply) => return reply,
        };
        match config(cx, &body) {
            Ok(config) => Some(config),
            Err(reply) => return reply,
        }
    } else {
        None
    };
    let Some(all) = policies(state, scope) else {
        return cx.not_found();
    };
    let Some(index) = all
        .iter()
        .position(|p| p.uuid == uuid && p.repository == scope.repository)
    else {
        return cx.not_found();
    };
    match (method.as_str(), config) {
        ("GET", _) => Reply::json(200, &policy_view(&all[index])),
        (_, Some((pattern, matches))) => {
            if duplicate(all, scope, &pattern, uuid) {
                return cx.invalid("A policy with the same tag_pattern already exists");
            }
            all[index].tag_pattern = pattern;
            all[index].tag_pattern_matches = matches;
            Reply::no_content()
        }
        _ => {
            all.remove(index);
            Reply::json(200, &json!({ "uuid": uuid }))
        }
    }
}

/// `GET/POST /organization/{org}/immutabilitypolicy/`: body first for POST.
pub fn org_list(state: &mut State, cx: &Cx, org: &str) -> Reply {
    if cx.req.method == http::Method::POST {
        if let Err(reply) = cx.body(&policy_schema()) {
            return reply;
        }
    }
    match org_scope(state, cx, org) {
        Ok(scope) => list_or_create(state, cx, &scope),
        Err(reply) => reply,
    }
}

/// `GET/PUT/DELETE /organization/{org}/immutabilitypolicy/{uuid}`.
pub fn org_item(state: &mut State, cx: &Cx, org: &str, uuid: &str) -> Reply {
    if cx.req.method == http::Method::PUT {
        if let Err(reply) = cx.body(&policy_schema()) {
            return reply;
        }
    }
    match org_scope(state, cx, org) {
        Ok(scope) => item(state, cx, &scope, uuid),
        Err(reply) => reply,
    }
}

/// `GET/POST /repository/{r}/immutabilitypolicy/`: permission first.
pub fn repo_list(state: &mut State, cx: &Cx, repo: &RepoPath) -> Reply {
    match repo_scope(state, cx, repo) {
        Ok(scope) => list_or_create(state, cx, &scope),
        Err(reply) => reply,
    }
}

/// `GET/PUT/DELETE /repository/{r}/immutabilitypolicy/{uuid}`: permission first.
pub fn repo_item(state: &mut State, cx: &Cx, repo: &RepoPath, uuid: &str) -> Reply {
    match repo_scope(state, cx, repo) {
        Ok(scope) => item(state, cx, &scope, uuid),
        Err(reply) => reply,
    }
}
