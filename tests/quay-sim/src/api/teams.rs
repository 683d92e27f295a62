//! Teams, members, invites and team syncing (LDAP, OIDC) (`endpoints/api/team.py`,
//! `data/model/team.py`).

use serde_json::{json, Value};

use super::{avatar, Cx};
use crate::config::Authentication;
use crate::model::{State, Team, TeamRole};
use crate::names::namespace_name_problem;
use crate::reply::Reply;
use crate::schema::Schema;

/// The LDAP base DN the sim pretends to be configured with.
const LDAP_BASE_DN: &str = "dc=example,dc=org";
/// The OIDC provider's issuer host the sim pretends to be configured with.
const OIDC_ISSUER_DOMAIN: &str = "oidc.example.org";

pub(super) fn team_schema() -> Schema {
    Schema::object(
        "Description of a team",
        vec![
            ("role", Schema::one_of(&["member", "creator", "admin"])),
            ("description", Schema::string()),
        ],
        vec!["role"],
    )
}

fn team_view(name: &str, team: &Team) -> Value {
    json!({
        "name": name,
        "description": team.description,
        "can_view": true,
        "role": team.role.as_str(),
        "avatar": avatar(name, "team"),
    })
}

fn member_entry(name: &str, invited: bool) -> Value {
    let is_robot = name.contains('+');
    json!({
        "name": name,
        "kind": "user",
        "is_robot": is_robot,
        "avatar": avatar(name, if is_robot { "robot" } else { "user" }),
        "invited": invited,
    })
}

/// Whether `user` is in an admin team of `org` other than `except`.
fn has_other_admin_team(state: &State, org: &str, except: &str, user: &str) -> bool {
    state.organizations.get(org).is_some_and(|o| {
        o.teams_of(user)
            .any(|(name, team)| name != except && team.role == TeamRole::Admin)
    })
}

/// `PUT …/team/{team}`: body first, then org admin; 200 for create and update alike.
pub fn upsert(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    let body = match cx.body(&team_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let role =
        TeamRole::parse(body["role"].as_str().unwrap_or_default()).unwrap_or(TeamRole::Member);
    let description = body.get("description").and_then(Value::as_str);
    let user = cx.user().unwrap_or_default().to_string();
    let existing = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name))
        .map(|t| (t.role, t.members.contains(&user)));
    let new_team = match existing {
        Some((current, caller_is_member)) => {
            if current == TeamRole::Admin
                && role != TeamRole::Admin
                && caller_is_member
                && !has_other_admin_team(state, org, team_name, &user)
            {
                return Reply::message(
                    400,
                    format!(
                        "Cannot remove admin from team '{team_name}' because calling user would \
                         no longer have admin on org '{org}'"
                    ),
                );
            }
            if let Some(team) = state
                .organizations
                .get_mut(org)
                .and_then(|o| o.teams.get_mut(team_name))
            {
                team.role = role;
                if let Some(description) = description {
                    team.description = description.to_string();
                }
            }
            false
        }
        None => {
            if let Some(problem) = namespace_name_problem(team_name, "Team") {
                return Reply::message(400, format!("Invalid team name {team_name}: {problem}"));
            }
            state.insert_team(org, team_name, role, description.unwrap_or_default());
            true
        }
    };
    let Some(team) = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name))
    else {
        return Reply::message(400, format!("Organization does not exist: {org}"));
    };
    let mut view = team_view(team_name, team);
    view["new_team"] = json!(new_team);
    Reply::json(200, &view)
}

/// `DELETE …/team/{team}`.
pub fn delete(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let user = cx.user().unwrap_or_default().to_string();
    let Some(team) = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name))
    else {
        return Reply::message(
            400,
            format!("Team '{team_name}' is not a team in org '{org}'"),
        );
    };
    if team.role == TeamRole::Admin
        && team.members.contains(&user)
        && !has_other_admin_team(state, org, team_name, &user)
    {
        return Reply::message(
            400,
            format!(
                "Deleting team '{team_name}' would remove admin ability for user '{user}' in \
                 organization '{org}'"
            ),
        );
    }
    state.remove_team(org, team_name);
    Reply::no_content()
}

/// `GET …/team/{team}/members`: team members or org admins; invites only for admins.
pub fn members(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    let is_admin = cx.is_org_admin(state, org);
    let Some(caller) = cx.caller.as_ref() else {
        return cx.deny();
    };
    let team = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name));
    let may_view = is_admin
        || (caller.is_org_member(state, org)
            && team.is_some_and(|t| t.members.contains(&caller.user)));
    if !may_view {
        return cx.deny();
    }
    let Some(team) = team else {
        return cx.not_found();
    };
    let mut members: Vec<Value> = team
        .members
        .iter()
        .map(|m| member_entry(m, false))
        .collect();
    if is_admin && cx.req.query_bool("includePending", false) {
        members.extend(team.invites.iter().map(|m| member_entry(m, true)));
    }
    let mut body = json!({"name": team_name, "members": members, "can_edit": is_admin});
    if let Some(service) = state
        .authentication
        .service()
        .filter(|_| state.team_syncing)
    {
        let superuser = caller.is_super();
        if superuser && is_admin {
            body["can_sync"] = match state.authentication {
                Authentication::Oidc => {
                    json!({"service": service, "issuer_domain": OIDC_ISSUER_DOMAIN})
                }
                _ => json!({"service": service, "base_dn": LDAP_BASE_DN}),
            };
        }
        if let Some(config) = &team.sync {
            body["synced"] = if superuser {
                json!({"service": service, "last_updated": null, "config": config})
            } else {
                json!({"service": service})
            };
        }
    }
    Reply::json(200, &body)
}

/// `PUT …/team/{team}/members/{member}`: adds, or invites when mailing requires it.
pub fn add_member(state: &mut State, cx: &Cx, org: &str, team_name: &str, member: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get(org) else {
        return cx.not_found();
    };
    let Some(team) = organization.teams.get(team_name) else {
        return cx.not_found();
    };
    let is_robot = member.contains('+');
    if team.sync.is_some() && !is_robot {
        return cx.invalid("Cannot call this method on an auth-synced team");
    }
    let known = if is_robot {
        state.robot_exists(member)
    } else {
        state.users.contains_key(member)
    };
    if !known {
        return cx.invalid("Unknown user");
    }
    let mut invite = false;
    if state.mailing {
        if is_robot {
            if !member.starts_with(&format!("{org}+")) {
                return Reply::message(
                    400,
                    "Cannot add the specified robot to this team, as it is not a member of the \
                     organization",
                );
            }
        } else {
            invite = organization.teams_of(member).next().is_none();
        }
    }
    if !invite && team.members.contains(member) {
        return Reply::message(
            400,
            format!("User {member} is already a member of team {team_name}"),
        );
    }
    if let Some(team) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.teams.get_mut(team_name))
    {
        if invite {
            team.invites.push(member.to_string());
        } else {
            team.members.insert(member.to_string());
        }
    }
    Reply::json(200, &member_entry(member, invite))
}

/// `DELETE …/team/{team}/members/{member}`: removes a member or the member's pending invite.
pub fn remove_member(
    state: &mut State,
    cx: &Cx,
    org: &str,
    team_name: &str,
    member: &str,
) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(team) = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name))
    else {
        return cx.not_found();
    };
    let is_robot = member.contains('+');
    let known = if is_robot {
        state.robot_exists(member)
    } else {
        state.users.contains_key(member)
    };
    if !known {
        return cx.not_found();
    }
    if team.sync.is_some() && !is_robot {
        return cx.invalid("Cannot call this method on an auth-synced team");
    }
    let invited = team.invites.iter().any(|i| i == member);
    if !invited {
        if !team.members.contains(member) {
            return Reply::message(
                400,
                format!("User {member} does not belong to team {team_name}"),
            );
        }
        let user = cx.user().unwrap_or_default();
        if member == user
            && team.role == TeamRole::Admin
            && !has_other_admin_team(state, org, team_name, user)
        {
            return Reply::message(
                400,
                "User cannot remove themselves from their only admin team.",
            );
        }
    }
    if let Some(team) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.teams.get_mut(team_name))
    {
        if invited {
            team.invites.retain(|i| i != member);
        } else {
            team.members.remove(member);
        }
    }
    Reply::no_content()
}

fn may_sync(state: &State, cx: &Cx, org: &str) -> bool {
    cx.caller
        .as_ref()
        .is_some_and(|c| c.is_super() && c.is_org_admin(state, org))
}

/// `POST …/team/{team}/syncing`. LDAP: any non-empty `group_dn` is taken as an existing group.
/// OIDC: any body is stored as it is, and every human member leaves the team at once (robots
/// stay; `api/team.py` `delete_all_team_members`). Database: "Not supported".
pub fn enable_sync(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    if !may_sync(state, cx, org) {
        return cx.deny();
    }
    let Some(team) = state
        .organizations
        .get(org)
        .and_then(|o| o.teams.get(team_name))
    else {
        return cx.not_found();
    };
    let body = match cx.body(&Schema::AnyObject) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let oidc = match state.authentication {
        Authentication::Database => {
            return cx.invalid("Could not sync to group: Not supported");
        }
        Authentication::Ldap => {
            let group_dn = body
                .get("group_dn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if group_dn.is_empty() {
                return cx.invalid("Could not sync to group: Missing group_dn");
            }
            false
        }
        Authentication::Oidc => true,
    };
    if team.sync.is_some() {
        // A second TeamSync row violates a unique index: an unhandled error in Quay.
        return Reply::internal_error();
    }
    let Some(team) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.teams.get_mut(team_name))
    else {
        return cx.not_found();
    };
    team.sync = Some(body);
    if oidc {
        team.members.retain(|member| member.contains('+'));
    }
    Reply::json(200, &team_view(team_name, team))
}

/// `DELETE …/team/{team}/syncing`: a no-op when the team is not synced.
pub fn disable_sync(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    if !may_sync(state, cx, org) {
        return cx.deny();
    }
    let Some(team) = state
        .organizations
        .get_mut(org)
        .and_then(|o| o.teams.get_mut(team_name))
    else {
        return cx.not_found();
    };
    team.sync = None;
    Reply::json(200, &team_view(team_name, team))
}

/// `GET …/team/{team}/permissions`: every repository permission of the team.
pub fn permissions(state: &mut State, cx: &Cx, org: &str, team_name: &str) -> Reply {
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let Some(organization) = state.organizations.get(org) else {
        return cx.not_found();
    };
    if !organization.teams.contains_key(team_name) {
        return cx.not_found();
    }
    let permissions: Vec<Value> = organization
        .repositories
        .iter()
        .filter_map(|(name, repo)| {
            repo.team_permissions.get(team_name).map(|role| {
                json!({"repository": {"name": name, "is_public": repo.public}, "role": role.as_str()})
            })
        })
        .collect();
    Reply::json(200, &json!({ "permissions": permissions }))
}
