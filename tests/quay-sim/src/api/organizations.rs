//! Organizations (`endpoints/api/organization.py`, `data/model/organization.py`,
//! `data/model/user.py`) and the superuser organization endpoints (`endpoints/api/superuser.py`).

use serde_json::{json, Map, Value};

use super::{avatar, Cx};
use crate::config::{QuayVersion, Scope};
use crate::model::{Organization, State};
use crate::names::{is_valid_email, namespace_name_problem};
use crate::reply::Reply;
use crate::schema::Schema;

pub(super) fn new_org_schema(version: QuayVersion) -> Schema {
    let mut properties = vec![
        ("name", Schema::string()),
        ("email", Schema::string()),
        ("recaptcha_response", Schema::string()),
    ];
    if version >= QuayVersion::V3_18 {
        properties.push(("contact_email", Schema::nullable_string()));
    }
    Schema::object(
        "Description of a new organization.",
        properties,
        vec!["name"],
    )
}

pub(super) fn update_org_schema(version: QuayVersion) -> Schema {
    let mut properties = vec![
        ("email", Schema::string()),
        ("invoice_email", Schema::Boolean),
        ("invoice_email_address", Schema::nullable_string()),
        ("tag_expiration_s", Schema::Integer { minimum: Some(0) }),
    ];
    if version >= QuayVersion::V3_18 {
        properties.push(("contact_email", Schema::nullable_string()));
    }
    Schema::object(
        "Description of updates for an existing organization",
        properties,
        vec![],
    )
}

/// `POST /api/v1/organization/`: permission (`user:admin`) first, then the body.
pub fn create(state: &mut State, cx: &Cx) -> Reply {
    let Some(caller) = cx.caller.as_ref() else {
        return cx.deny();
    };
    if !caller.has(Scope::UserAdmin) {
        return cx.deny();
    }
    let body = match cx.body(&new_org_schema(state.version)) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let name = body["name"].as_str().unwrap_or_default().to_string();
    let email = requested_email(&body, state.version);

    if state.namespace_taken(&name) {
        return cx.invalid("A user or organization with this name already exists");
    }
    let legacy_mailing = state.version <= QuayVersion::V3_17 && state.mailing;
    if legacy_mailing {
        match &email {
            None => return cx.invalid("Email address is required"),
            Some(e) if !is_valid_email(e) => {
                return cx.invalid(&format!("Invalid email address: {e}"))
            }
            Some(_) => {}
        }
    }
    if let Some(problem) = namespace_name_problem(&name, "Namespace") {
        return cx.invalid(&format!("Invalid namespace {name}: {problem}"));
    }
    if state.reserved_names.contains(&name) {
        return cx.invalid("Username is not available");
    }
    if let Some(e) = &email {
        if state.version >= QuayVersion::V3_18 {
            if !is_valid_email(e) {
                return cx.invalid("Invalid email address");
            }
            if state.email_used_by_user(e) {
                return cx.invalid(&format!("Email has already been used: {e}"));
            }
        } else if state.email_used_by_anyone(e) {
            return cx.invalid(&format!("Email has already been used: {e}"));
        }
    }
    state.insert_organization(&name, email, &caller.user);
    Reply::json(201, &json!("Created"))
}

/// The email a create/update body asks for: `contact_email` wins on 3.18+; `""` means none.
fn requested_email(body: &Value, version: QuayVersion) -> Option<String> {
    let contact = (version >= QuayVersion::V3_18)
        .then(|| body.get("contact_email"))
        .flatten();
    contact
        .or_else(|| body.get("email"))
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
}

/// Quay's default `TAG_EXPIRATION_OPTIONS` (`0s, 1d, 1w, 2w, 4w`, `config.py`) in seconds, as
/// `GET /config` shows them.
pub const TAG_EXPIRATION_OPTIONS_S: [i64; 5] = [0, 86_400, 604_800, 1_209_600, 2_419_200];

/// `GET /api/v1/organization/{org}`: no permission; the view depends on the caller.
pub fn get(state: &mut State, cx: &Cx, org: &str) -> Reply {
    match state.organizations.get(org) {
        Some(organization) => Reply::json(200, &org_view(state, cx, org, organization)),
        None => cx.not_found(),
    }
}

fn org_view(state: &State, cx: &Cx, name: &str, org: &Organization) -> Value {
    let is_admin = cx.is_org_admin(state, name);
    let is_member = cx
        .caller
        .as_ref()
        .is_some_and(|c| c.is_org_member(state, name));
    let email = if !is_admin {
        String::new()
    } else if state.version >= QuayVersion::V3_18 {
        org.email.clone().unwrap_or_default()
    } else {
        org.stored_email().to_string()
    };
    let mut view = Map::new();
    view.insert("name".into(), json!(name));
    view.insert("email".into(), json!(email));
    view.insert("avatar".into(), avatar(name, "user"));
    view.insert("is_admin".into(), json!(is_admin));
    view.insert("is_member".into(), json!(is_member));
    if is_member {
        let user = cx.user().unwrap_or_default();
        let mut ordered: Vec<(&String, u64)> = org.teams.iter().map(|(n, t)| (n, t.seq)).collect();
        ordered.sort_by_key(|(_, seq)| *seq);
        let teams: Map<String, Value> = org
            .teams
            .iter()
            .map(|(team_name, team)| {
                let repo_count = org
                    .repositories
                    .values()
                    .filter(|r| r.team_permissions.contains_key(team_name))
                    .count();
                (
                    team_name.clone(),
                    json!({
                        "name": team_name,
                        "description": team.description,
                        "role": team.role.as_str(),
                        "avatar": avatar(team_name, "team"),
                        "can_view": is_admin || team.members.contains(user),
                        "repo_count": repo_count,
                        "member_count": team.members.len(),
                        "is_synced": team.sync.is_some(),
                    }),
                )
            })
            .collect();
        view.insert("teams".into(), Value::Object(teams));
        view.insert(
            "ordered_teams".into(),
            json!(ordered.iter().map(|(n, _)| n).collect::<Vec<_>>()),
        );
    }
    if is_admin {
        view.insert("invoice_email".into(), json!(org.invoice_email));
        view.insert(
            "invoice_email_address".into(),
            json!(org.invoice_email_address),
        );
        view.insert("tag_expiration_s".into(), json!(org.tag_expiration_s));
        view.insert("is_free_account".into(), json!(true));
    }
    Value::Object(view)
}

/// `PUT /api/v1/organization/{org}`: body first, then org admin.
pub fn update(state: &mut State, cx: &Cx, org: &str) -> Reply {
    let body = match cx.body(&update_org_schema(state.version)) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    let version = state.version;
    let wants_email = body.get("email").is_some()
        || (version >= QuayVersion::V3_18 && body.get("contact_email").is_some());
    if wants_email {
        let email = requested_email(&body, version);
        if version >= QuayVersion::V3_18 {
            if email.as_deref().is_some_and(|e| !is_valid_email(e)) {
                return cx.invalid("Invalid email address");
            }
            if let Some(o) = state.organizations.get_mut(org) {
                o.email = email;
            }
        } else if let Some(e) = email {
            let stored = state
                .organizations
                .get(org)
                .map(|o| o.stored_email().to_string())
                .unwrap_or_default();
            if e != stored {
                if state.email_used_by_anyone(&e) {
                    return cx.invalid("E-mail address already used");
                }
                if let Some(o) = state.organizations.get_mut(org) {
                    o.email = Some(e);
                }
            }
        }
    }
    // `TAG_EXPIRATION_OPTIONS` in seconds (`data/model/user.py`); ignored silently without
    // `FEATURE_CHANGE_TAG_EXPIRATION`.
    let tag_expiration = body
        .get("tag_expiration_s")
        .and_then(Value::as_i64)
        .filter(|_| state.change_tag_expiration);
    if tag_expiration.is_some_and(|s| !TAG_EXPIRATION_OPTIONS_S.contains(&s)) {
        return Reply::message(400, "Invalid tag expiration option");
    }
    let Some(organization) = state.organizations.get_mut(org) else {
        return cx.not_found();
    };
    if let Some(flag) = body.get("invoice_email").and_then(Value::as_bool) {
        organization.invoice_email = flag;
    }
    if let Some(address) = body.get("invoice_email_address") {
        organization.invoice_email_address = address.as_str().map(str::to_string);
    }
    if let Some(seconds) = tag_expiration {
        organization.tag_expiration_s = seconds;
    }
    match state.organizations.get(org) {
        Some(organization) => Reply::json(200, &org_view(state, cx, org, organization)),
        None => cx.not_found(),
    }
}

/// `DELETE /api/v1/organization/{org}`: org admin. A missing org is "not admin" (403), except
/// that the real server answered 404 to a superuser token (quay-observed.md).
pub fn delete(state: &mut State, cx: &Cx, org: &str) -> Reply {
    if !state.organizations.contains_key(org) && cx.caller.as_ref().is_some_and(|c| c.is_super()) {
        return cx.not_found();
    }
    if !cx.is_org_admin(state, org) {
        return cx.deny();
    }
    state.remove_organization(org);
    Reply::no_content()
}

/// `GET /api/v1/superuser/organizations/`: `limit` ≤ 100 pages by id; no `limit` = all.
pub fn superuser_list(state: &mut State, cx: &Cx) -> Reply {
    if !cx.caller.as_ref().is_some_and(|c| c.is_super()) {
        return cx.deny();
    }
    let limit = match cx.req.query_int(
        "limit",
        "Limit to the number of results to return per page. Max 100.",
    ) {
        Ok(limit) => limit,
        Err(reply) => return reply,
    };
    if limit.is_some_and(|l| l > 100) {
        return cx.invalid("Page limit cannot be above 100");
    }
    let orgs: Vec<(u64, Value)> = state
        .organizations
        .iter()
        .map(|(name, o)| {
            let entry = json!({
                "name": name,
                "email": o.stored_email(),
                "avatar": avatar(name, "org"),
            });
            (o.id, entry)
        })
        .collect();
    let page_size = limit.map_or(usize::MAX, |l| usize::try_from(l.max(1)).unwrap_or(1));
    super::paginate(cx, "organizations", orgs, page_size)
}

/// `DELETE /api/v1/superuser/organizations/{name}`: works without org membership.
pub fn superuser_delete(state: &mut State, cx: &Cx, name: &str) -> Reply {
    if !cx.caller.as_ref().is_some_and(|c| c.is_super()) {
        return cx.deny();
    }
    if state.remove_organization(name) {
        Reply::no_content()
    } else {
        cx.not_found()
    }
}
