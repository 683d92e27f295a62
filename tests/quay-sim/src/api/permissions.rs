//! Repository permissions for users, robots and teams (`endpoints/api/permission.py`,
//! `data/model/permission.py`). All need repo admin; missing permissions answer 400.

use serde_json::{json, Map, Value};

use super::{avatar, Cx};
use crate::model::{RepoRole, State};
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

pub(super) fn role_schema(description: &'static str) -> Schema {
    Schema::object(
        description,
        vec![("role", Schema::one_of(&["read", "write", "admin"]))],
        vec!["role"],
    )
}

fn user_entry(state: &State, org: &str, name: &str, role: RepoRole) -> Value {
    let is_robot = name.contains('+');
    let is_org_member = is_robot
        || state
            .organizations
            .get(org)
            .is_some_and(|o| o.teams_of(name).next().is_some());
    json!({
        "role": role.as_str(),
        "name": name,
        "is_robot": is_robot,
        "avatar": avatar(name, if is_robot { "robot" } else { "user" }),
        "is_org_member": is_org_member,
    })
}

fn team_entry(name: &str, role: RepoRole) -> Value {
    json!({"role": role.as_str(), "name": name, "avatar": avatar(name, "team")})
}

/// `GET …/permissions/user/`: users and robots with a direct permission (empty for a
/// repository that does not exist).
pub fn list_users(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let entries: Map<String, Value> = state
        .repository(&path.namespace, &path.name)
        .map(|repo| {
            repo.user_permissions
                .iter()
                .map(|(name, role)| {
                    (
                        name.clone(),
                        user_entry(state, &path.namespace, name, *role),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Reply::json(200, &json!({ "permissions": entries }))
}

pub fn get_user(state: &mut State, cx: &Cx, path: &RepoPath, user: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    match state
        .repository(&path.namespace, &path.name)
        .and_then(|r| r.user_permissions.get(user))
    {
        Some(role) => Reply::json(200, &user_entry(state, &path.namespace, user, *role)),
        None => Reply::message(400, "User does not have permission for repo."),
    }
}

/// `PUT …/permissions/user/{user}`: upsert; any existing account name is accepted.
pub fn set_user(state: &mut State, cx: &Cx, path: &RepoPath, user: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let body = match cx.body(&role_schema("Description of a user permission.")) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if user == path.namespace {
        return cx.invalid("Namespace owner must always be admin.");
    }
    let exists = state.namespace_taken(user) || state.robot_exists(user);
    if !exists {
        return cx.invalid(&format!("Invalid username: {user}"));
    }
    if let Some((robot_ns, _)) = user.split_once('+') {
        if robot_ns != path.namespace {
            return cx.invalid(&format!(
                "Cannot add robot {user} under namespace {}",
                path.namespace
            ));
        }
    }
    let role = RepoRole::parse(body["role"].as_str().unwrap_or_default()).unwrap_or(RepoRole::Read);
    let Some(repo) = state.repository_mut(&path.namespace, &path.name) else {
        return Reply::internal_error();
    };
    repo.user_permissions.insert(user.to_string(), role);
    Reply::json(200, &user_entry(state, &path.namespace, user, role))
}

pub fn delete_user(state: &mut State, cx: &Cx, path: &RepoPath, user: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    if user == path.namespace {
        return cx.invalid("Namespace owner must always be admin.");
    }
    let removed = state
        .repository_mut(&path.namespace, &path.name)
        .and_then(|r| r.user_permissions.remove(user));
    match removed {
        Some(_) => Reply::no_content(),
        None => cx.invalid("User does not have permission for repo."),
    }
}

pub fn list_teams(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let entries: Map<String, Value> = state
        .repository(&path.namespace, &path.name)
        .map(|repo| {
            repo.team_permissions
                .iter()
                .map(|(name, role)| (name.clone(), team_entry(name, *role)))
                .collect()
        })
        .unwrap_or_default();
    Reply::json(200, &json!({ "permissions": entries }))
}

pub fn get_team(state: &mut State, cx: &Cx, path: &RepoPath, team: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    match state
        .repository(&path.namespace, &path.name)
        .and_then(|r| r.team_permissions.get(team))
    {
        Some(role) => Reply::json(200, &json!({"role": role.as_str()})),
        None => Reply::message(400, "Team does not have permission for repo."),
    }
}

pub fn set_team(state: &mut State, cx: &Cx, path: &RepoPath, team: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let body = match cx.body(&role_schema("Description of a team permission.")) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let team_exists = state
        .organizations
        .get(&path.namespace)
        .is_some_and(|o| o.teams.contains_key(team));
    if !team_exists {
        return cx.invalid(&format!(
            "No team {team} in organization {}",
            path.namespace
        ));
    }
    let role = RepoRole::parse(body["role"].as_str().unwrap_or_default()).unwrap_or(RepoRole::Read);
    let Some(repo) = state.repository_mut(&path.namespace, &path.name) else {
        return Reply::internal_error();
    };
    repo.team_permissions.insert(team.to_string(), role);
    Reply::json(200, &team_entry(team, role))
}

pub fn delete_team(state: &mut State, cx: &Cx, path: &RepoPath, team: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let removed = state
        .repository_mut(&path.namespace, &path.name)
        .and_then(|r| r.team_permissions.remove(team));
    match removed {
        Some(_) => Reply::no_content(),
        None => cx.invalid("Team does not have permission for repo."),
    }
}
