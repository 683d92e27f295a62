//! Repositories (`endpoints/api/repository.py`, `data/model/repository.py`).

use serde_json::{json, Map, Value};

use super::Cx;
use crate::auth::uncapped_repo_role;
use crate::model::{RepoState, State};
use crate::names::is_valid_repository_name;
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

const PAGE_SIZE: usize = 100;

pub(super) fn update_repo_schema() -> Schema {
    Schema::object(
        "Fields which can be updated in a repository.",
        vec![("description", Schema::string())],
        vec!["description"],
    )
}

pub(super) fn visibility_schema() -> Schema {
    Schema::object(
        "Change the visibility for the repository.",
        vec![("visibility", Schema::one_of(&["public", "private"]))],
        vec!["visibility"],
    )
}

pub(super) fn state_schema() -> Schema {
    Schema::object(
        "Change the state of the repository.",
        vec![("state", Schema::one_of(&["NORMAL", "READ_ONLY", "MIRROR"]))],
        vec!["state"],
    )
}

pub(super) fn new_repo_schema() -> Schema {
    Schema::object(
        "Description of a new repository",
        vec![
            ("repository", Schema::string()),
            ("visibility", Schema::one_of(&["public", "private"])),
            ("namespace", Schema::string()),
            ("description", Schema::string()),
            (
                "repo_kind",
                Schema::String {
                    enum_values: Some(&["image", "application"]),
                    max_length: None,
                    nullable: true,
                },
            ),
        ],
        vec!["repository", "visibility", "description"],
    )
}

/// `POST /api/v1/repository`: body first, then the create right in the namespace.
pub fn create(state: &mut State, cx: &Cx) -> Reply {
    let body = match cx.body(&new_repo_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(caller) = cx.caller.as_ref() else {
        return cx.deny();
    };
    let namespace = body
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or(&caller.user)
        .to_string();
    if !state.organizations.contains_key(&namespace) {
        // A namespace that does not exist crashed the real server (unhandled
        // UserDoesNotExist) for a superuser token; others fail the permission check.
        // Repositories in user namespaces are not modelled: refused as forbidden.
        if caller.is_super() && !state.users.contains_key(&namespace) {
            return Reply::internal_error();
        }
        return cx.deny();
    }
    if !caller.can_create_repo(state, &namespace) {
        return cx.deny();
    }
    let name = body["repository"].as_str().unwrap_or_default().to_string();
    if state.repository(&namespace, &name).is_some() {
        return cx.invalid("Repository already exists");
    }
    if !is_valid_repository_name(&name) {
        return cx.invalid("Invalid repository name");
    }
    let public = body["visibility"] == "public";
    let description = body["description"].as_str().map(str::to_string);
    let creator = caller.user.clone();
    state.insert_repository(&namespace, &name, public, description, Some(&creator));
    state.apply_prototypes(&namespace, &name, &creator);
    Reply::json(
        201,
        &json!({"namespace": namespace, "name": name, "kind": "image"}),
    )
}

/// `GET /api/v1/repository?namespace=…`: what the user can see (not capped by scopes), 100
/// per page in id order with an opaque `next_page`.
pub fn list(state: &mut State, cx: &Cx) -> Reply {
    let namespace = cx.req.query("namespace");
    let public = cx.req.query_bool("public", false);
    let starred = cx.req.query_bool("starred", false);
    if namespace.is_none() && !public && !starred {
        return cx.invalid("namespace, starred or public are required for this API call");
    }
    if starred && cx.caller.is_none() {
        return Reply::message(400, "Cannot list starred repositories when not signed in");
    }
    let user = cx.user();
    let mut visible: Vec<(u64, Value)> = Vec::new();
    for (org_name, org) in &state.organizations {
        if namespace.is_some_and(|ns| ns != org_name) {
            continue;
        }
        for (repo_name, repo) in &org.repositories {
            // Nobody stars repositories in the sim, so `starred` alone lists nothing.
            let has_role =
                user.is_some_and(|u| uncapped_repo_role(state, org_name, repo_name, u).is_some());
            let shown = (public && repo.public) || (has_role && (namespace.is_some() || public));
            if !shown {
                continue;
            }
            let mut entry = json!({
                "namespace": org_name,
                "name": repo_name,
                "description": repo.description,
                "is_public": repo.public,
                "kind": "image",
                "state": repo.state.as_str(),
            });
            if user.is_some() {
                entry["is_starred"] = json!(false);
            }
            visible.push((repo.id, entry));
        }
    }
    super::paginate(cx, "repositories", visible, PAGE_SIZE)
}

/// `GET /api/v1/repository/{ns}/{repo}`: a missing repository is 404 only for callers with
/// read right on the name; others cannot tell it from a private one.
pub fn get(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    let (ns, name) = (path.namespace.as_str(), path.name.as_str());
    let role = cx
        .caller
        .as_ref()
        .and_then(|c| c.repo_role(state, ns, name));
    let Some(repo) = state.repository(ns, name) else {
        return if role.is_some() {
            cx.not_found()
        } else {
            cx.deny()
        };
    };
    if role.is_none() && !repo.public {
        return cx.deny();
    }
    let can_write = role.is_some_and(|r| r >= crate::model::RepoRole::Write);
    let can_admin = role == Some(crate::model::RepoRole::Admin);
    let tag_expiration_s = state
        .organizations
        .get(ns)
        .map_or(1_209_600, |o| o.tag_expiration_s);
    let mut body = json!({
        "namespace": ns,
        "name": name,
        "kind": "image",
        "description": repo.description,
        "is_public": repo.public,
        "is_organization": true,
        "is_starred": false,
        "status_token": if repo.public { String::new() } else { format!("{:032x}", repo.id) },
        "trust_enabled": false,
        "tag_expiration_s": tag_expiration_s,
        "is_free_account": true,
        "state": repo.state.as_str(),
        "can_write": can_write && repo.state == RepoState::Normal,
        "can_admin": can_admin,
    });
    if cx.req.query_bool("includeTags", true) {
        let tags: Map<String, Value> = (1..=repo.tags.min(500))
            .map(|i| {
                let tag = format!("tag{i}");
                let digest = format!("sha256:{:064x}", repo.id * 1_000_003 + i);
                (
                    tag.clone(),
                    json!({"name": tag, "size": 1024, "last_modified": "Thu, 01 Jan 2026 00:00:00 -0000",
                           "manifest_digest": digest}),
                )
            })
            .collect();
        body["tags"] = Value::Object(tags);
    }
    Reply::json(200, &body)
}

/// `PUT /api/v1/repository/{ns}/{repo}`: write right, then the body.
pub fn update(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    let (ns, name) = (path.namespace.as_str(), path.name.as_str());
    if !cx
        .caller
        .as_ref()
        .is_some_and(|c| c.can_write_repo(state, ns, name))
    {
        return cx.deny();
    }
    let body = match cx.body(&update_repo_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(repo) = state.repository_mut(ns, name) else {
        return cx.not_found();
    };
    repo.description = body["description"].as_str().map(str::to_string);
    Reply::json(200, &json!({"success": true}))
}

/// `DELETE /api/v1/repository/{ns}/{repo}`: 204 even when it does not exist; the name is
/// free again at once.
pub fn delete(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    if let Some(org) = state.organizations.get_mut(&path.namespace) {
        org.repositories.remove(&path.name);
    }
    Reply::no_content()
}

/// `POST …/changevisibility`: a missing repository answers 200 with `null`.
pub fn change_visibility(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let body = match cx.body(&visibility_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(repo) = state.repository_mut(&path.namespace, &path.name) else {
        return Reply::json(200, &Value::Null);
    };
    repo.public = body["visibility"] == "public";
    Reply::json(200, &json!({"success": true}))
}

/// `PUT …/changestate`.
pub fn change_state(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let body = match cx.body(&state_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(repo) = state.repository_mut(&path.namespace, &path.name) else {
        return cx.not_found();
    };
    if let Some(new_state) = body["state"].as_str().and_then(RepoState::parse) {
        repo.state = new_state;
    }
    Reply::json(200, &json!({"success": true}))
}
