//! Repository notifications: `/api/v1/repository/{org}/{repo}/notification/…`. Quay has no
//! update and no duplicate check: a create that is repeated makes a second notification.
//!
//! The wire types stay in this module: callers see [`Notification`]. Quay's event and method
//! are read as text, so a notification of an event or method mqc does not manage (or that a
//! later Quay adds) stays out of the model instead of making the repository unreadable.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{Notification, NotificationEvent, NotificationMethod};

/// A notification as Quay returns it (the request's `eventConfig` comes back as `event_config`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct NotificationView {
    uuid: String,
    #[serde(default)]
    title: Option<String>,
    event: String,
    method: String,
    #[serde(default)]
    config: serde_json::Value,
}

impl NotificationView {
    /// The webhook URL (`config.url`), when there is one.
    fn url(&self) -> Option<&str> {
        self.config.get("url")?.as_str()
    }
}

#[derive(Deserialize)]
struct NotificationList {
    #[serde(default)]
    notifications: Vec<NotificationView>,
}

/// `POST …/notification/` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct NotificationRequest {
    event: String,
    method: String,
    config: WebhookConfig,
    #[serde(rename = "eventConfig")]
    event_config: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct WebhookConfig {
    url: String,
}

impl NotificationRequest {
    fn new(notification: &Notification) -> NotificationRequest {
        let config = match notification.method {
            NotificationMethod::Webhook => WebhookConfig {
                url: notification.url.clone(),
            },
        };
        NotificationRequest {
            event: notification.event.as_str().to_string(),
            method: notification.method.as_str().to_string(),
            config,
            event_config: serde_json::Map::new(),
            title: notification.title.clone().filter(|t| !t.is_empty()),
        }
    }
}

/// The model's view of one notification; `None` for an event or method mqc does not manage
/// (only mirror-failure webhooks are).
fn from_view(view: &NotificationView) -> Option<Notification> {
    let event = [NotificationEvent::RepoMirrorSyncFailed]
        .into_iter()
        .find(|event| event.as_str() == view.event)?;
    let method = [NotificationMethod::Webhook]
        .into_iter()
        .find(|method| method.as_str() == view.method)?;
    Some(Notification {
        event,
        method,
        url: view.url().unwrap_or_default().to_string(),
        title: view.title.clone().filter(|title| !title.is_empty()),
        uuid: Some(view.uuid.clone()),
    })
}

/// The managed notifications of a list, sorted; the others stay out of the model.
fn notifications_from_list(list: &[NotificationView]) -> Vec<Notification> {
    let mut notifications: Vec<Notification> = list.iter().filter_map(from_view).collect();
    notifications.sort();
    notifications
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

    /// The notifications mqc manages (mirror-failure webhooks), sorted. Others, of any event
    /// or method, are left out: mqc neither reads nor changes them.
    pub async fn list(&self) -> Result<Vec<Notification>, QuayError> {
        let list: NotificationList = self.client.send(Call::get(self.base())).await?.json()?;
        Ok(notifications_from_list(&list.notifications))
    }

    /// Creates the notification (its `uuid` is ignored). Not repeatable (Quay would create a
    /// duplicate).
    pub async fn create(&self, notification: &Notification) -> Result<(), QuayError> {
        let request = NotificationRequest::new(notification);
        self.client
            .send(Call::post(self.base()).json(&request))
            .await
            .map(drop)
    }

    /// Deletes the notification; one that is already gone is not an error.
    pub async fn delete(&self, uuid: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!("{}{}", self.base(), paths::seg(uuid)));
        let result = self.client.send(call).await.map(drop);
        QuayError::gone_is_done(result, "No repository notification found")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_body_uses_event_config_in_camel_case() {
        let body = serde_json::to_value(NotificationRequest {
            event: "repo_mirror_sync_failed".into(),
            method: "webhook".into(),
            config: WebhookConfig {
                url: "https://hooks.example.com/quay".into(),
            },
            event_config: serde_json::Map::new(),
            title: Some("Mirror failed".into()),
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"event": "repo_mirror_sync_failed", "method": "webhook",
                   "config": {"url": "https://hooks.example.com/quay"}, "eventConfig": {}, "title": "Mirror failed"})
        );
    }

    #[test]
    fn view_from_quay_example() {
        let view: NotificationView = serde_json::from_str(
            r#"{"uuid": "0c4b", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook",
                "config": {"url": "https://hooks.example.com/quay"}, "event_config": {}, "number_of_failures": 0}"#,
        )
        .unwrap();
        assert_eq!(view.url(), Some("https://hooks.example.com/quay"));
    }

    #[test]
    fn only_mirror_failure_webhooks_enter_the_model() {
        let list: Vec<NotificationView> = serde_json::from_str(
            r#"[{"uuid": "u1", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": "https://hooks.example.com/quay"}, "event_config": {}},
                {"uuid": "u2", "title": "", "event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": "https://b.example.com"}, "event_config": {}},
                {"uuid": "u3", "title": "push", "event": "repo_push", "method": "webhook", "config": {"url": "https://c.example.com"}, "event_config": {}},
                {"uuid": "u4", "title": "mail", "event": "repo_mirror_sync_failed", "method": "email", "config": {"email": "a@b.c"}, "event_config": {}}]"#,
        )
        .unwrap();
        let model = notifications_from_list(&list);
        assert_eq!(model.len(), 2);
        assert_eq!(model[0].url, "https://b.example.com");
        assert_eq!(model[0].title, None);
        assert_eq!(model[1].title.as_deref(), Some("Mirror failed"));
        assert_eq!(model[1].uuid.as_deref(), Some("u1"));
    }

    #[test]
    fn the_create_body_is_built_from_the_model() {
        let request = NotificationRequest::new(&Notification {
            event: NotificationEvent::RepoMirrorSyncFailed,
            method: NotificationMethod::Webhook,
            url: "https://hooks.example.com/quay".into(),
            title: Some(String::new()),
            uuid: Some("ignored".into()),
        });
        assert_eq!(
            serde_json::to_value(request).unwrap(),
            json!({"event": "repo_mirror_sync_failed", "method": "webhook",
                   "config": {"url": "https://hooks.example.com/quay"}, "eventConfig": {}})
        );
    }
}
