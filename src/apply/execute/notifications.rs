//! Writes of repository notifications.

use super::{create_once, Context};
use crate::model::url_for_display;
use crate::plan::NotificationOp;
use crate::quay::{NotificationRequest, QuayError, WebhookConfig};
use crate::state;

pub(super) async fn execute(cx: &Context<'_>, op: &NotificationOp) -> Result<(), QuayError> {
    let org = cx.org;
    match op {
        NotificationOp::CreateNotification {
            repository,
            notification,
        } => {
            let request = NotificationRequest {
                event: notification.event.as_str().to_string(),
                method: notification.method.as_str().to_string(),
                config: WebhookConfig {
                    url: notification.url.clone(),
                },
                event_config: serde_json::Map::new(),
                title: notification.title.clone().filter(|t| !t.is_empty()),
            };
            let handler = cx.client.notifications(org, repository);
            create_once(
                || async { handler.create(&request).await.map(drop) },
                || async {
                    let existing = state::notifications_from_list(&handler.list().await?);
                    Ok(existing.iter().any(|n| n.same_as(notification)))
                },
                // Quay creates a duplicate rather than refusing one: nothing to settle.
                |_| false,
            )
            .await
        }
        NotificationOp::DeleteNotification {
            repository,
            notification,
        } => {
            let Some(uuid) = &notification.uuid else {
                return Err(cx.client.error(format!(
                    "organization {org}, repository {repository}: cannot delete notification for \
                     {} without its Quay id",
                    url_for_display(&notification.url)
                )));
            };
            cx.client.notifications(org, repository).delete(uuid).await
        }
    }
}
