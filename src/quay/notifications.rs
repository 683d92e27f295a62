//! Repository notifications: `/api/v1/repository/{org}/{repo}/notification/…` and the e-mail
//! authorizations they need (`…/authorizedemail/{email}`). Quay has no update and no
//! duplicate check: a create that is repeated makes a second notification.
//!
//! The wire types stay in this module: callers see [`Notification`]. Quay's event and method
//! are read as text, so a notification of an event or method this mqc does not know (or that a
//! later Quay adds) stays readable, with its raw config, and can be removed.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{
    EmailAuthorization, Notification, NotificationEvent, NotificationMethod, OrOther,
};

/// A notification as Quay returns it (the request's `eventConfig` comes back as `event_config`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct NotificationView {
    uuid: String,
    #[serde(default)]
    title: Option<String>,
    event: String,
    method: String,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    event_config: Value,
    #[serde(default)]
    number_of_failures: Option<i64>,
}

#[derive(Deserialize)]
struct NotificationList {
    #[serde(default)]
    notifications: Vec<NotificationView>,
}

/// `POST …/notification/` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct NotificationRequest<'a> {
    event: &'a str,
    method: &'a str,
    config: &'a Map<String, Value>,
    #[serde(rename = "eventConfig")]
    event_config: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
}

impl NotificationRequest<'_> {
    fn new(notification: &Notification) -> NotificationRequest<'_> {
        NotificationRequest {
            event: notification.event.as_str(),
            method: notification.method.as_str(),
            config: &notification.config,
            event_config: &notification.event_config,
            title: Some(notification.title()).filter(|t| !t.is_empty()),
        }
    }
}

/// The credentials a create body carries (so that no error can quote them).
fn secrets_of(notification: &Notification) -> Vec<SecretString> {
    let mut secrets = Vec::new();
    for key in ["flow_api_token", "notification_token"] {
        if let Some(value) = notification.config.get(key).and_then(Value::as_str) {
            secrets.push(SecretString::from(value.to_string()));
        }
    }
    if notification.method == OrOther::Known(NotificationMethod::Slack) {
        if let Some(url) = notification.url() {
            secrets.push(SecretString::from(url.to_string()));
            // The path alone, as a message may quote it without the host.
            if let Some((_, rest)) = url.split_once("://") {
                if let Some(slash) = rest.find('/') {
                    secrets.push(SecretString::from(rest[slash..].to_string()));
                }
            }
        }
    }
    secrets
}

fn object(value: &Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    }
}

/// The model's view of one notification. Never fails: an event or method this mqc does not
/// know is kept by name.
fn from_view(view: &NotificationView) -> Notification {
    Notification {
        event: NotificationEvent::parse(&view.event),
        method: NotificationMethod::parse(&view.method),
        config: object(&view.config),
        event_config: object(&view.event_config),
        title: view.title.clone().filter(|title| !title.is_empty()),
        uuid: Some(view.uuid.clone()),
        failures: view
            .number_of_failures
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
    }
}

/// Every notification of a list, sorted.
fn notifications_from_list(list: &[NotificationView]) -> Vec<Notification> {
    let mut notifications: Vec<Notification> = list.iter().map(from_view).collect();
    notifications.sort();
    notifications
}

/// `GET/POST …/authorizedemail/{email}`.
#[derive(Deserialize)]
struct AuthorizedEmail {
    #[serde(default)]
    confirmed: bool,
}

pub struct Notifications<'c> {
    client: &'c QuayClient,
    org: &'c str,
    repo: &'c str,
}

impl QuayClient {
    pub fn notifications<'c>(&'c self, org: &'c str, repo: &'c str) -> Notifications<'c> {
        Notifications {
            client: self,
            org,
            repo,
        }
    }
}

impl Notifications<'_> {
    fn base(&self) -> String {
        format!("{}/notification/", paths::repo(self.org, self.repo))
    }

    fn email_path(&self, email: &str) -> String {
        format!(
            "{}/authorizedemail/{}",
            paths::repo(self.org, self.repo),
            paths::seg(email)
        )
    }

    /// Every notification of the repository, sorted.
    pub async fn list(&self) -> Result<Vec<Notification>, QuayError> {
        let list: NotificationList = self.client.send(Call::get(self.base())).await?.json()?;
        Ok(notifications_from_list(&list.notifications))
    }

    /// Creates the notification (its `uuid` is ignored). Not repeatable (Quay would create a
    /// duplicate).
    pub async fn create(&self, notification: &Notification) -> Result<(), QuayError> {
        let request = NotificationRequest::new(notification);
        let mut call = Call::post(self.base()).json(&request);
        for secret in secrets_of(notification) {
            call = call.secret(Some(&secret));
        }
        self.client.send(call).await.map(drop)
    }

    /// Deletes the notification; one that is already gone is not an error.
    pub async fn delete(&self, uuid: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!("{}{}", self.base(), paths::seg(uuid)));
        let result = self.client.send(call).await.map(drop);
        QuayError::gone_is_done(result, "No repository notification found")
    }

    /// Resets the failure count, so that Quay delivers it again (204). Repeatable.
    pub async fn reset_failures(&self, uuid: &str) -> Result<(), QuayError> {
        let call = Call::post(format!("{}{}", self.base(), paths::seg(uuid))).idempotent(true);
        self.client.send(call).await.map(drop)
    }

    /// Whether `email` may receive this repository's e-mail notifications.
    pub async fn email_authorization(&self, email: &str) -> Result<EmailAuthorization, QuayError> {
        match self.client.send(Call::get(self.email_path(email))).await {
            Ok(answer) => {
                let record: AuthorizedEmail = answer.json()?;
                Ok(if record.confirmed {
                    EmailAuthorization::Confirmed
                } else {
                    EmailAuthorization::Pending
                })
            }
            Err(err) if err.is_not_found() => Ok(EmailAuthorization::None),
            Err(err) => Err(err),
        }
    }

    /// Asks Quay to mail `email` a confirmation link. Quay mails one on every call: never
    /// repeated (not retried either).
    pub async fn authorize_email(&self, email: &str) -> Result<(), QuayError> {
        let call = Call::post(self.email_path(email)).idempotent(false);
        self.client.send(call).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        object(&value)
    }

    #[test]
    fn create_body_uses_event_config_in_camel_case() {
        let mut n = Notification::new(
            NotificationEvent::BuildFailure,
            NotificationMethod::Webhook,
            map(json!({"url": "https://hooks.example.com/quay", "template": "{}"})),
        );
        n.event_config = map(json!({"ref-regex": "^refs/heads/main$"}));
        n.title = Some("Build failed".into());
        n.uuid = Some("ignored".into());
        assert_eq!(
            serde_json::to_value(NotificationRequest::new(&n)).unwrap(),
            json!({"event": "build_failure", "method": "webhook",
                   "config": {"url": "https://hooks.example.com/quay", "template": "{}"},
                   "eventConfig": {"ref-regex": "^refs/heads/main$"}, "title": "Build failed"})
        );
        n.title = Some(String::new());
        let body = serde_json::to_value(NotificationRequest::new(&n)).unwrap();
        assert!(body.get("title").is_none());
    }

    #[test]
    fn every_notification_enters_the_model_unknown_ones_by_name() {
        let list: Vec<NotificationView> = serde_json::from_str(
            r#"[{"uuid": "u1", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": "https://hooks.example.com/quay"}, "event_config": {}, "number_of_failures": 4},
                {"uuid": "u2", "title": null, "event": "vulnerability_found", "method": "email", "config": {"email": "a@b.c"}, "event_config": {"level": 1}},
                {"uuid": "u3", "title": "", "event": "repo_tag_signed", "method": "teams_webhook", "config": {"x": 1}, "event_config": {}}]"#,
        )
        .unwrap();
        let model = notifications_from_list(&list);
        assert_eq!(model.len(), 3);
        let first = model
            .iter()
            .find(|n| n.uuid.as_deref() == Some("u1"))
            .unwrap();
        assert_eq!(first.failures, 4);
        assert!(first.disabled_by_failures());
        let mail = model
            .iter()
            .find(|n| n.uuid.as_deref() == Some("u2"))
            .unwrap();
        assert_eq!(mail.email(), Some("a@b.c"));
        assert_eq!(mail.event_config, map(json!({"level": 1})));
        let odd = model
            .iter()
            .find(|n| n.uuid.as_deref() == Some("u3"))
            .unwrap();
        assert_eq!(odd.event, OrOther::Other("repo_tag_signed".into()));
        assert_eq!(odd.method, OrOther::Other("teams_webhook".into()));
        assert_eq!(odd.title, None);
    }

    #[test]
    fn slack_urls_and_tokens_are_marked_secret() {
        let slack = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Slack,
            map(json!({"url": "https://hooks.slack.com/services/T/B/X"})),
        );
        assert_eq!(secrets_of(&slack).len(), 2);
        let hipchat = Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::Hipchat,
            map(json!({"notification_token": "t", "room_id": "1"})),
        );
        assert_eq!(secrets_of(&hipchat).len(), 1);
    }
}
