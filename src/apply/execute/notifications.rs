//! Writes of repository notifications.

use super::{create_once, Context};
use crate::model::url_for_display;
use crate::plan::NotificationOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &NotificationOp) -> Result<(), QuayError> {
    let org = cx.org;
    match op {
        NotificationOp::CreateNotification {
            repository,
            notification,
        } => {
            let handler = cx.client.notifications(org, repository);
            create_once(
                || handler.create(notification),
                || async {
                    let existing = handler.list().await?;
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
