//! Who am I and does a user exist (`endpoints/api/user.py`).

use serde_json::{json, Value};

use super::{avatar, Cx};
use crate::config::Scope;
use crate::model::{State, TeamRole};
use crate::reply::{api_body, ApiErrorKind, Reply};

/// `GET /api/v1/user/`: needs `user:read` or `user:admin`, else 401 even with a valid token.
pub fn current_user(state: &mut State, cx: &Cx) -> Reply {
    let Some(caller) = cx
        .caller
        .as_ref()
        .filter(|c| c.has(Scope::UserRead) || c.has(Scope::UserAdmin))
    else {
        let mut body = api_body(
            401,
            ApiErrorKind::InvalidToken,
            "Requires authentication",
            cx.base(),
        );
        body["session_required"] = json!(false);
        return Reply::json(401, &body);
    };
    let user_admin = caller.has(Scope::UserAdmin);
    let organizations: Vec<Value> = state
        .organizations
        .iter()
        .filter(|(_, o)| o.role_of(&caller.user).is_some())
        .map(|(name, _)| {
            let mut entry = json!({
                "name": name,
                "avatar": avatar(name, "org"),
                "can_create_repo": caller.can_create_repo(state, name),
                "public": false,
            });
            if user_admin {
                entry["is_org_admin"] =
                    json!(caller.org_role(state, name) == Some(TeamRole::Admin));
                entry["preferred_namespace"] = json!(false);
            }
            entry
        })
        .collect();
    let mut body = json!({
        "anonymous": false,
        "username": caller.user,
        "avatar": avatar(&caller.user, "user"),
        "organizations": organizations,
    });
    if user_admin {
        let email = state
            .users
            .get(&caller.user)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        for (key, value) in [
            ("can_create_repo", json!(true)),
            ("is_me", json!(true)),
            ("verified", json!(true)),
            ("email", json!(email)),
            ("logins", json!([])),
            ("invoice_email", json!(false)),
            ("invoice_email_address", Value::Null),
            ("preferred_namespace", json!(false)),
            ("tag_expiration_s", json!(1_209_600)),
            ("prompts", json!([])),
            ("company", Value::Null),
            ("family_name", Value::Null),
            ("given_name", Value::Null),
            ("location", Value::Null),
            ("is_free_account", json!(true)),
            ("has_password_set", json!(true)),
        ] {
            body[key] = value;
        }
    }
    if caller.is_super() {
        body["super_user"] = json!(true);
    }
    Reply::json(200, &body)
}

/// `GET /api/v1/users/{name}`: 404 [M] for anything that is not a user (orgs, robots).
pub fn user(state: &mut State, cx: &Cx, name: &str) -> Reply {
    if !state.users.contains_key(name) {
        return Reply::message(
            404,
            "The requested URL was not found on the server. If you entered the URL manually \
             please check your spelling and try again.",
        );
    }
    let mut body = json!({"anonymous": false, "username": name, "avatar": avatar(name, "user")});
    if cx.caller.as_ref().is_some_and(|c| c.is_super()) {
        body["super_user"] = json!(state.is_superuser(name));
    }
    Reply::json(200, &body)
}
