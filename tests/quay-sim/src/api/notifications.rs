//! Repository notifications (`endpoints/api/repositorynotification.py`,
//! `notifications/notificationmethod.py`, `notifications/notificationevent.py`). No dedupe,
//! no update; webhooks to `localhost`/`127.0.0.1` refused; unknown event or method crash (500);
//! `quota_warning`/`quota_error` exist from 3.18 only. E-mail notifications need an address
//! confirmed for the repository (`api/repoemail.py`, with `FEATURE_MAILING`).

use serde_json::{json, Value};

use super::Cx;
use crate::config::QuayVersion;
use crate::model::{Notification, State};
use crate::names::http_url_host;
use crate::reply::Reply;
use crate::routes::RepoPath;
use crate::schema::Schema;

/// Event names seeded in Quay's database (`initdb.py`).
const EVENTS: [&str; 13] = [
    "repo_push",
    "repo_mirror_sync_started",
    "repo_mirror_sync_success",
    "repo_mirror_sync_failed",
    "build_queued",
    "build_start",
    "build_success",
    "build_failure",
    "build_cancelled",
    "vulnerability_found",
    "repo_image_expiry",
    "quota_warning",
    "quota_error",
];

pub(super) fn create_schema() -> Schema {
    Schema::object(
        "Information for creating a notification on a repository",
        vec![
            ("event", Schema::string()),
            ("method", Schema::string()),
            ("config", Schema::AnyObject),
            ("eventConfig", Schema::AnyObject),
            ("title", Schema::string()),
        ],
        vec!["event", "method", "config", "eventConfig"],
    )
}

pub fn view(n: &Notification) -> Value {
    json!({
        "uuid": n.uuid,
        "title": n.title,
        "event": n.event,
        "method": n.method,
        "config": n.config,
        "event_config": n.event_config,
        "number_of_failures": n.number_of_failures,
    })
}

pub fn list(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let notifications: Vec<Value> = state
        .repository(&path.namespace, &path.name)
        .map(|r| r.notifications.iter().map(view).collect())
        .unwrap_or_default();
    Reply::json(200, &json!({ "notifications": notifications }))
}

/// Events added by a later release: (event, first version).
fn event_exists(state: &State, event: &str) -> bool {
    let quota = matches!(event, "quota_warning" | "quota_error");
    EVENTS.contains(&event) && (!quota || state.version >= QuayVersion::V3_18)
}

/// What each notification method's `validate` refuses, `Some(None)` when it accepts, `None`
/// when Quay crashes (unknown method, a target it cannot look up).
fn method_problem(
    state: &State,
    path: &RepoPath,
    method: &str,
    config: &Value,
) -> Option<Option<String>> {
    let field = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let problem = match method {
        "webhook" => match field("url") {
            None => Some("Missing webhook URL".to_string()),
            Some(url) => {
                let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
                match http_url_host(url) {
                    // `http://` alone: Quay's blacklist check crashes on the missing host.
                    None if scheme_ok => return None,
                    Some(host) if scheme_ok && host != "localhost" && host != "127.0.0.1" => None,
                    _ => Some("Invalid webhook URL".to_string()),
                }
            }
        },
        "email" => match field("email") {
            None => Some("Missing e-mail address".to_string()),
            Some(email) => {
                let confirmed = state
                    .repository(&path.namespace, &path.name)
                    .and_then(|r| r.authorized_emails.get(email))
                    .copied()
                    .unwrap_or(false);
                (!confirmed).then(|| {
                    "The specified e-mail address is not authorized to receive \
                     notifications for this repository"
                        .to_string()
                })
            }
        },
        "slack" => field("url")
            .is_none()
            .then(|| "Missing Slack Callback URL".to_string()),
        "flowdock" => field("flow_api_token")
            .is_none()
            .then(|| "Missing Flowdock API Token".to_string()),
        "hipchat" => {
            if field("room_id").is_none() {
                Some("Missing Hipchat Room ID".to_string())
            } else if field("notification_token").is_none() {
                Some("Missing Hipchat Room Notification Token".to_string())
            } else {
                None
            }
        }
        "quay_notification" => quay_target_problem(state, path, config.get("target"))?,
        _ => return None,
    };
    Some(problem)
}

/// `quay_notification`'s target check (`notificationmethod.py:88-131`); `None` where Quay
/// crashes (a kind it does not know, no name, another organization).
fn quay_target_problem(
    state: &State,
    path: &RepoPath,
    target: Option<&Value>,
) -> Option<Option<String>> {
    let Some(target) = target.filter(|t| t.get("kind").is_some()) else {
        return Some(Some("Missing target".to_string()));
    };
    let name = target.get("name").and_then(Value::as_str)?;
    let problem = match target["kind"].as_str()? {
        // Robots are users in Quay's table, but its lookup skips them.
        "user" if name.contains('+') || !state.users.contains_key(name) => {
            Some(format!("Unknown user {name}"))
        }
        "user" => None,
        "org" if !state.organizations.contains_key(name) => {
            Some(format!("Unknown organization {name}"))
        }
        "org" if name != path.namespace => return None,
        "org" => None,
        "team" => {
            let found = state
                .organizations
                .get(&path.namespace)
                .is_some_and(|o| o.teams.contains_key(name));
            (!found).then(|| format!("Unknown team {name}"))
        }
        _ => return None,
    };
    Some(problem)
}

/// `POST …/notification/`: 201 with the new notification; identical bodies create duplicates.
pub fn create(state: &mut State, cx: &Cx, path: &RepoPath) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let body = match cx.body(&create_schema()) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let method = body["method"].as_str().unwrap_or_default();
    match method_problem(state, path, method, &body["config"]) {
        None => return Reply::internal_error(),
        Some(Some(problem)) => return cx.invalid(&problem),
        Some(None) => {}
    }
    let event = body["event"].as_str().unwrap_or_default();
    if state.repository(&path.namespace, &path.name).is_none() || !event_exists(state, event) {
        return Reply::internal_error();
    }
    let notification = Notification {
        uuid: state.rng.uuid4(),
        event: event.to_string(),
        method: method.to_string(),
        config: body["config"].clone(),
        event_config: body["eventConfig"].clone(),
        title: body["title"].as_str().map(str::to_string),
        number_of_failures: 0,
    };
    let reply = Reply::json(201, &view(&notification));
    if let Some(repo) = state.repository_mut(&path.namespace, &path.name) {
        repo.notifications.push(notification);
    }
    reply
}

/// `GET …/notification/{uuid}`: looked up across every repository, as Quay does.
pub fn get(state: &mut State, cx: &Cx, path: &RepoPath, uuid: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    match state.find_notification(uuid) {
        Some(n) => Reply::json(200, &view(n)),
        None => cx.not_found(),
    }
}

pub fn delete(state: &mut State, cx: &Cx, path: &RepoPath, uuid: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let removed = state
        .repository_mut(&path.namespace, &path.name)
        .and_then(|repo| {
            let index = repo.notifications.iter().position(|n| n.uuid == uuid)?;
            Some(repo.notifications.remove(index))
        });
    match removed {
        Some(_) => Reply::no_content(),
        None => cx.invalid(&format!(
            "No repository notification found for: {}, {}, {uuid}",
            path.namespace, path.name
        )),
    }
}

/// `POST …/notification/{uuid}`: resets the failure count.
pub fn reset(state: &mut State, cx: &Cx, path: &RepoPath, uuid: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    if state.find_notification(uuid).is_none() {
        return cx.invalid(&format!(
            "No repository notification found for: {}, {}, {uuid}",
            path.namespace, path.name
        ));
    }
    let in_repo = state
        .repository_mut(&path.namespace, &path.name)
        .and_then(|repo| repo.notifications.iter_mut().find(|n| n.uuid == uuid));
    match in_repo {
        Some(n) => {
            n.number_of_failures = 0;
            Reply::no_content()
        }
        None => Reply::message(400, "No repository notification found for this repository"),
    }
}

/// `POST …/notification/{uuid}/test`: queues the event's sample (looked up across every
/// repository, as Quay does); 200 `{}`.
pub fn test(state: &mut State, cx: &Cx, path: &RepoPath, uuid: &str) -> Reply {
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    match state.find_notification(uuid) {
        Some(_) => Reply::json(200, &json!({})),
        None => cx.invalid(&format!(
            "No repository notification found for: {}, {}, {uuid}",
            path.namespace, path.name
        )),
    }
}

fn email_view(path: &RepoPath, email: &str, confirmed: bool) -> Value {
    json!({
        "email": email,
        "repository": path.name,
        "namespace": path.namespace,
        "confirmed": confirmed,
    })
}

/// `GET …/authorizedemail/{email}` (only with `FEATURE_MAILING`): 404 without a record.
pub fn get_authorized_email(state: &mut State, cx: &Cx, path: &RepoPath, email: &str) -> Reply {
    if !state.mailing {
        return cx.not_found();
    }
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let record = state
        .repository(&path.namespace, &path.name)
        .and_then(|r| r.authorized_emails.get(email).copied());
    match record {
        Some(confirmed) => Reply::json(200, &email_view(path, email, confirmed)),
        None => Reply::message(404, "Not Found"),
    }
}

/// `POST …/authorizedemail/{email}`: records the address unconfirmed and mails a confirmation
/// link, on every call, unless it is confirmed already.
pub fn authorize_email(state: &mut State, cx: &Cx, path: &RepoPath, email: &str) -> Reply {
    if !state.mailing {
        return cx.not_found();
    }
    if !cx.is_repo_admin(state, path) {
        return cx.deny();
    }
    let Some(repo) = state.repository_mut(&path.namespace, &path.name) else {
        return cx.not_found();
    };
    let confirmed = *repo
        .authorized_emails
        .entry(email.to_string())
        .or_insert(false);
    if !confirmed {
        repo.confirmation_mails += 1;
    }
    Reply::json(200, &email_view(path, email, confirmed))
}
