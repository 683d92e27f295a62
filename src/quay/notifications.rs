//! Repository notifications: `/api/v1/repository/{org}/{repo}/notification/…`. Quay has no
//! update and no duplicate check: a create that is repeated makes a second notification.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;

/// A notification as Quay returns it (the request's `eventConfig` comes back as `event_config`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NotificationView {
    pub uuid: String,
    #[serde(default)]
    pub title: Option<String>,
    pub event: String,
    pub method: String,
    #[serde(default)]
    pub config: serde_json::Value,
}

impl NotificationView {
    /// The webhook URL (`config.url`), when there is one.
    pub fn url(&self) -> Option<&str> {
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
pub struct NotificationRequest {
    pub event: String,
    pub method: String,
    pub config: WebhookConfig,
    #[serde(rename = "eventConfig")]
    pub event_config: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookConfig {
    pub url: String,
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

    pub async fn list(&self) -> Result<Vec<NotificationView>, QuayError> {
        let list: NotificationList = self.client.send(Call::get(self.base())).await?.json()?;
        Ok(list.notifications)
    }

    /// Not repeatable (Quay would create a duplicate).
    pub async fn create(
        &self,
        request: &NotificationRequest,
    ) -> Result<NotificationView, QuayError> {
        self.client
            .send(Call::post(self.base()).json(request))
            .await?
            .json()
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
}
