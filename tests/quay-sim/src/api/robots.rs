//! Organization robots (`endpoints/api/robot.py`, `data/model/user.py`).

use serde_json::{json, Map, Value};

use super::{avatar, Cx};
use crate::config::Scope;
use crate::model::{Robot, State};
use crate::names::namespace_name_problem;
use crate::reply::Reply;
use crate::schema::Schema;

pub(crate) const ROBOT_NOT_FOUND: &str = "Could not find robot with specified username";

pub(super) fn create_robot_schema() -> Schema {
    Schema::object(
        "Optional data for creating a robot",
        vec![
            (
                "description",
                Schema::String {
                    enum_values: None,
                    max_length: Some(255),
                    nullable: false,
                },
            ),
            ("unstructured_metadata", Schema::AnyObject),
        ],
        vec![],
    )
}

/// `GET …/robots`: org members; tokens only for admins, and by default.
pub fn list(state: &mut State, cx: &Cx, org: &str) -> Reply {
    let Some(caller) = cx.caller.as_ref().filter(|c| c.is_org_member(state, org)) else {
        return cx.deny();
    };
    let limit = match cx
        .req
        .query_int("limit", "If specified, the number of robots to return.")
    {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    let is_admin = caller.is_org_admin(state, org);
    let with_token = cx.req.query_bool("token", true) && is_admin;
    let with_permissions = cx.req.query_bool("permissions", false) && is_admin;
    let Some(organization) = state.organizations.get(org) else {
        return cx.not_found();
    };
    let mut robots: Vec<(&String, &Robot)> = organization.robots.iter().collect();
    // Nobody uses the sim's robots, so `last_accessed` is null for all: creation order.
    robots.sort_by_key(|(_, r)| r.seq);
    let take = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(0));
    let entries: Vec<Value> = robots
        .into_iter()
        .take(take)
        .map(|(short, robot)| {
            let full = format!("{org}+{short}");
            let mut entry = Map::new();
            entry.insert("name".into(), json!(full));
            entry.insert("created".into(), json!(robot.created));
            entry.insert("last_accessed".into(), Value::Null);
            entry.insert("description".into(), json!(robot.description));
            if with_token {
                entry.insert("token".into(), json!(robot.token));
            }
            if with_permissions {
                let teams: Vec<Value> = organization
                    .teams_of(&full)
                    .map(|(name, _)| json!({"name": name, "avatar": avatar(name, "team")}))
                    .collect();
                let repositories: Vec<&String> = organization
                    .repositories
                    .iter()
                    .filter(|(_, r)| r.user_permissions.contains_key(&full))
                    .map(|(name, _)| name)
                    .collect();
                entry.insert("teams".into(), json!(teams));
                entry.insert("repositories".into(), json!(repositories));
            }
            Value::Object(entry)
        })
        .collect();
    Reply::json(200, &json!({ "robots": entries }))
}

/// `GET …/robots/{robot}`: org admin; a missing robot is 400 [M], not 404.
pub fn get(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(robot) = state
        .organizations
        .get(org)
        .and_then(|o| o.robots.get(short))
    else {
        return Reply::message(400, ROBOT_NOT_FOUND);
    };
    Reply::json(
        200,
        &json!({
            "name": format!("{org}+{short}"),
            "created": robot.created,
            "last_accessed": null,
            "description": robot.description,
            "unstructured_metadata": robot.unstructured_metadata.clone().unwrap_or_else(|| json!({})),
            "token": robot.token,
        }),
    )
}

/// `PUT …/robots/{robot}`: body first (optional), then org admin; creates only.
pub fn create(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    let body = match cx.optional_body(&create_robot_schema()) {
        Ok(body) => body.unwrap_or_else(|| json!({})),
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    if let Some(problem) = namespace_name_problem(short, "Namespace") {
        return cx.invalid(&format!(
            "The name for the robot '{short}' is invalid: {problem}"
        ));
    }
    let full = format!("{org}+{short}");
    if full.len() > 255 {
        return Reply::message(400, "value too long for type character varying(255)\n");
    }
    if state.robot_exists(&full) {
        // [A] since 3.11; every emulated version is newer.
        return cx.invalid(&format!("Existing robot with name: {full}"));
    }
    let description = body["description"].as_str().unwrap_or_default();
    let metadata = body.get("unstructured_metadata").cloned();
    let Some(robot) = state.insert_robot(org, short, description, metadata) else {
        return cx.not_found();
    };
    Reply::json(
        201,
        &json!({
            "name": full,
            "created": robot.created,
            "last_accessed": null,
            "description": robot.description,
            "token": robot.token,
            "unstructured_metadata": robot.unstructured_metadata,
        }),
    )
}

/// `DELETE …/robots/{robot}`: refused while a mirror configuration names the robot, enabled
/// or not, on every version (quay-observed.md: 3.12.21 refuses it too).
pub fn delete(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get(org) else {
        return Reply::message(400, ROBOT_NOT_FOUND);
    };
    if !organization.robots.contains_key(short) {
        return Reply::message(400, ROBOT_NOT_FOUND);
    }
    if organization.robot_used_by_mirror(&format!("{org}+{short}")) {
        return cx.invalid("Robot is being used by a mirror");
    }
    state.remove_robot(org, short);
    Reply::no_content()
}

/// `GET …/robots/{robot}/permissions`: org admin and the `user:admin` scope.
pub fn permissions(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    let Some(caller) = cx.caller.as_ref() else {
        return cx.deny();
    };
    if !caller.has(Scope::UserAdmin) {
        return cx.deny();
    }
    if !caller.is_org_admin(state, org) {
        return Reply::message(
            403,
            "You don't have the permission to access the requested resource. It is either \
             read-protected or not readable by the server.",
        );
    }
    let Some(organization) = state.organizations.get(org) else {
        return Reply::message(400, format!("Organization does not exist: {org}"));
    };
    if !organization.robots.contains_key(short) {
        return Reply::message(400, ROBOT_NOT_FOUND);
    }
    let full = format!("{org}+{short}");
    let permissions: Vec<Value> = organization
        .repositories
        .iter()
        .filter_map(|(name, repo)| {
            repo.user_permissions.get(&full).map(|role| {
                json!({
                    "repository": {"name": name, "is_public": repo.public},
                    "role": role.as_str(),
                })
            })
        })
        .collect();
    Reply::json(200, &json!({ "permissions": permissions }))
}

/// `POST …/robots/{robot}/federation`'s body (`api/robot.py` `CREATE_ROBOT_FEDERATION_SCHEMA`).
pub(super) fn federation_schema() -> Schema {
    Schema::Array {
        items: Box::new(Schema::object(
            "One trusted issuer and subject",
            vec![("issuer", Schema::string()), ("subject", Schema::string())],
            vec!["issuer", "subject"],
        )),
        nullable: false,
    }
}

/// The stored entries as Quay shows them: `[{"issuer", "subject"}]`.
pub(crate) fn federation_view(entries: &[(String, String)]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|(issuer, subject)| json!({"issuer": issuer, "subject": subject}))
            .collect(),
    )
}

/// `GET …/robots/{robot}/federation` (3.13+): org admin; `[]` when unset; a missing robot is
/// 400 [M].
pub fn federation(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    match state
        .organizations
        .get(org)
        .and_then(|o| o.robots.get(short))
    {
        Some(robot) => Reply::json(200, &federation_view(&robot.federation)),
        None => Reply::message(400, ROBOT_NOT_FOUND),
    }
}

/// `POST …/robots/{robot}/federation`: body first, then org admin; replaces the whole list
/// with the posted one (only `issuer` and `subject` kept) and answers it (200).
pub fn set_federation(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    let body = match cx.body(&federation_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let mut entries: Vec<(String, String)> = Vec::new();
    for item in body.as_array().into_iter().flatten() {
        let field = |name: &str| item.get(name).and_then(Value::as_str).unwrap_or_default();
        let (issuer, subject) = (field("issuer"), field("subject"));
        if issuer.is_empty() || subject.is_empty() {
            return cx.invalid("Missing one or more required fields (issuer, subject)");
        }
        if !issuer.starts_with("http://") && !issuer.starts_with("https://") {
            return cx.invalid("Issuer must be a URL (http:// or https://)");
        }
        let entry = (issuer.to_string(), subject.to_string());
        if entries.contains(&entry) {
            return cx.invalid("Duplicate federation config entry");
        }
        entries.push(entry);
    }
    let Some(robot) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.robots.get_mut(short))
    else {
        return Reply::message(400, ROBOT_NOT_FOUND);
    };
    robot.federation = entries;
    Reply::json(200, &federation_view(&robot.federation))
}

/// `DELETE …/robots/{robot}/federation`: org admin; 204, the list is empty afterwards.
pub fn delete_federation(state: &mut State, cx: &Cx, org: &str, short: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(robot) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.robots.get_mut(short))
    else {
        return Reply::message(400, ROBOT_NOT_FOUND);
    };
    robot.federation.clear();
    Reply::no_content()
}

/// `/user/robots/{robot}/federation` (3.18+), any method: the sim has no user robots, so Quay's
/// answer for a robot it cannot find (400 [M], seen on quay/quay HEAD ffba0c70).
pub fn user_robot_federation(cx: &Cx) -> Reply {
    if cx.caller.is_none() {
        return cx.deny();
    }
    Reply::message(400, "Could not find robot with specified username")
}
