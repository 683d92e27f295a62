//! Default permissions, Quay's "prototypes" (`endpoints/api/prototype.py`,
//! `data/model/permission.py`): org admins only (full-access superusers are not emulated, so
//! the 404 for a missing organization never shows: everyone else gets 403 first). Duplicates
//! are allowed; the list is in creation order. Applied when a repository is created
//! (`State::apply_prototypes`), deleted with the robot or team they name.

use serde_json::{json, Value};

use super::{avatar, Cx};
use crate::model::{Delegate, Organization, Prototype, RepoRole, State};
use crate::reply::Reply;
use crate::schema::{python_repr, Schema};

const ROLES: &[&str] = &["read", "write", "admin"];

pub(super) fn new_prototype_schema() -> Schema {
    Schema::object(
        "Description of a new prototype",
        vec![
            ("role", Schema::one_of(ROLES)),
            (
                "activating_user",
                Schema::object(
                    "Repository creating user to whom the rule should apply",
                    vec![("name", Schema::string())],
                    vec!["name"],
                ),
            ),
            (
                "delegate",
                Schema::object(
                    "Information about the user or team to which the rule grants access",
                    vec![
                        ("name", Schema::string()),
                        ("kind", Schema::one_of(&["user", "team"])),
                    ],
                    vec!["name", "kind"],
                ),
            ),
        ],
        vec!["role", "delegate"],
    )
}

pub(super) fn update_prototype_schema() -> Schema {
    Schema::object(
        "Description of a the new prototype role",
        vec![("role", Schema::one_of(ROLES))],
        vec!["role"],
    )
}

/// A user or robot as a prototype shows it; `is_org_member` is true for any robot, else
/// membership in a team of the organization.
fn user_view(organization: &Organization, name: &str) -> Value {
    let is_robot = name.contains('+');
    json!({
        "name": name,
        "is_robot": is_robot,
        "kind": "user",
        "is_org_member": is_robot || organization.role_of(name).is_some(),
        "avatar": avatar(name, if is_robot { "robot" } else { "user" }),
    })
}

fn prototype_view(organization: &Organization, proto: &Prototype) -> Value {
    let delegate = match &proto.delegate {
        Delegate::User(name) => user_view(organization, name),
        Delegate::Team(name) => json!({
            "name": name,
            "kind": "team",
            "avatar": avatar(name, "team"),
        }),
    };
    json!({
        "activating_user": proto
            .activating_user
            .as_deref()
            .map(|name| user_view(organization, name)),
        "delegate": delegate,
        "role": proto.role.as_str(),
        "id": proto.uuid,
    })
}

/// `model.user.get_user`: any account that is not an organization, robots included (of any
/// organization).
fn user_exists(state: &State, name: &str) -> bool {
    state.users.contains_key(name) || state.robot_exists(name)
}

/// A non-empty string at `body[outer][inner]` (Quay tests the value for truth: `""` is absent).
fn name_in<'a>(body: &'a Value, outer: &str, inner: &str) -> Option<&'a str> {
    body.get(outer)?
        .get(inner)?
        .as_str()
        .filter(|name| !name.is_empty())
}

/// `GET …/prototypes`.
pub fn list(state: &mut State, cx: &Cx, org: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get(org) else {
        return cx.not_found();
    };
    let prototypes: Vec<Value> = organization
        .prototypes
        .iter()
        .map(|p| prototype_view(organization, p))
        .collect();
    Reply::json(200, &json!({ "prototypes": prototypes }))
}

/// `POST …/prototypes`: body first, then org admin; the three lookups run before any check,
/// so a missing team (400 [M], a tuple repr) wins over an unknown activating user.
pub fn create(state: &mut State, cx: &Cx, org: &str) -> Reply {
    let body = match cx.body(&new_prototype_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    if !state.organizations.contains_key(org) {
        return cx.not_found();
    }
    let activating = name_in(&body, "activating_user", "name");
    let kind = body["delegate"]["kind"].as_str();
    let delegate_name = name_in(&body, "delegate", "name");
    let delegate = match (kind, delegate_name) {
        (Some("user"), Some(name)) if user_exists(state, name) => {
            Some(Delegate::User(name.to_string()))
        }
        (Some("team"), Some(name)) => {
            let found = state
                .organizations
                .get(org)
                .is_some_and(|o| o.teams.contains_key(name));
            if !found {
                return Reply::message(
                    400,
                    format!(
                        "('Team does not exist: %s/%s', {}, {})",
                        python_repr(&json!(org)),
                        python_repr(&json!(name))
                    ),
                );
            }
            Some(Delegate::Team(name.to_string()))
        }
        _ => None,
    };
    if activating.is_some_and(|name| !user_exists(state, name)) {
        return cx.invalid("Unknown activating user");
    }
    let Some(delegate) = delegate else {
        return cx.invalid("Missing delegate user or team");
    };
    let role = RepoRole::parse(body["role"].as_str().unwrap_or_default()).unwrap_or(RepoRole::Read);
    let proto = Prototype {
        uuid: state.rng.uuid4(),
        role,
        activating_user: activating.map(str::to_string),
        delegate,
    };
    let Some(organization) = state.organizations.get_mut(org) else {
        return cx.not_found();
    };
    let view = prototype_view(organization, &proto);
    organization.prototypes.push(proto);
    Reply::json(200, &view)
}

/// `PUT …/prototypes/{id}`: body first, then org admin; only the role changes.
pub fn update(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    let body = match cx.body(&update_prototype_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let role = RepoRole::parse(body["role"].as_str().unwrap_or_default()).unwrap_or(RepoRole::Read);
    let Some(organization) = state.organizations.get_mut(org) else {
        return cx.not_found();
    };
    let Some(proto) = organization.prototypes.iter_mut().find(|p| p.uuid == id) else {
        return cx.not_found();
    };
    proto.role = role;
    let proto = proto.clone();
    Reply::json(200, &prototype_view(organization, &proto))
}

/// `DELETE …/prototypes/{id}`: 204, or 404 [A] for an id this organization does not have.
pub fn delete(state: &mut State, cx: &Cx, org: &str, id: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get_mut(org) else {
        return cx.not_found();
    };
    let Some(index) = organization.prototypes.iter().position(|p| p.uuid == id) else {
        return cx.not_found();
    };
    organization.prototypes.remove(index);
    Reply::no_content()
}
