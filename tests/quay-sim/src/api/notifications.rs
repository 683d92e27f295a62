//! Repository notifications (`endpoints/api/repositorynotification.py`,
//! `notifications/notificationmethod.py`, `notifications/notificationevent.py`). No dedupe,
//! no update; webhooks to `localhost`/`127.0.0.1` refused; unknown event or method crash (500).

use serde_json::{json, Value};

use super::Cx;
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

/// What each notification method's `validate` refuses, or `None` for an unknown method.
fn method_problem(state: &State, method: &str, config: &Value) -> Option<Option<String>> {
    let field = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let problem = match method {
        "webhook" => match field("url") {
            None => Some("Missing webhook URL".to_string()),
            Some(url) => match http_url_host(url) {
                Some(host) if host != "localhost" && host != "127.0.0.1" => None,
                _ => Some("Invalid webhook URL".to_string()),
            },
        },
        "email" => Some(match field("email") {
            None => "Missing e-mail address".to_string(),
            // The sim has no e-mail authorization flow, so no address is ever confirmed.
            Some(_) => "The specified e-mail address is not authorized to receive \
                        notifications for this repository"
                .to_string(),
        }),
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
        "quay_notification" => quay_target_problem(state, config.get("target")),
        _ => return None,
    };
    Some(problem)
}

fn quay_target_problem(state: &State, target: Option<&Value>) -> Option<String> {
    let Some(target) = target.filter(|t| t.is_object()) else {
        return Some("Missing target".to_string());
    };
    let name = target["name"].as_str().unwrap_or_default();
    match target["kind"].as_str() {
        Some("user") if !state.users.contains_key(name) => Some(format!("Unknown user {name}")),
        Some("org") if !state.organizations.contains_key(name) => {
            Some(format!("Unknown organization {name}"))
        }
        Some("team") => {
            let found = state
                .organizations
                .values()
                .any(|o| o.teams.contains_key(name));
            (!found).then(|| format!("Unknown team {name}"))
        }
        _ => None,
    }
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
    match method_problem(state, method, &body["config"]) {
        None => return Reply::internal_error(),
        Some(Some(problem)) => return cx.invalid(&problem),
        Some(None) => {}
    }
    let event = body["event"].as_str().unwrap_or_default();
    if state.repository(&path.namespace, &path.name).is_none() || !EVENTS.contains(&event) {
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
