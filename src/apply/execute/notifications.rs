//! Writes of repository notifications.

use super::{create_once, Context};
use crate::model::Notification;
use crate::plan::NotificationOp;
use crate::quay::{Notifications, QuayError};

/// Creates `notification` once: a create whose answer was lost is settled by reading the list
/// (Quay would make a duplicate).
async fn create(handler: &Notifications<'_>, notification: &Notification) -> Result<(), QuayError> {
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

/// Quay's id of a notification read from it, or an error naming it.
fn uuid<'n>(
    cx: &Context<'_>,
    repository: &str,
    notification: &'n Notification,
) -> Result<&'n str, QuayError> {
    notification.uuid.as_deref().ok_or_else(|| {
        cx.client.error(format!(
            "organization {}, repository {repository}: cannot change the {} without its Quay id",
            cx.org,
            notification.describe()
        ))
    })
}

pub(super) async fn execute(cx: &Context<'_>, op: &NotificationOp) -> Result<(), QuayError> {
    let org = cx.org;
    match op {
        NotificationOp::CreateNotification {
            repository,
            notification,
        } => create(&cx.client.notifications(org, repository), notification).await,
        NotificationOp::DeleteNotification {
            repository,
            notification,
        } => {
            let uuid = uuid(cx, repository, notification)?;
            cx.client.notifications(org, repository).delete(uuid).await
        }
        NotificationOp::ReplaceNotification {
            repository,
            old,
            new,
        } => {
            let uuid = uuid(cx, repository, old)?;
            let handler = cx.client.notifications(org, repository);
            handler.delete(uuid).await?;
            create(&handler, new).await
        }
        NotificationOp::ReenableNotification {
            repository,
            notification,
        } => {
            let uuid = uuid(cx, repository, notification)?;
            cx.client
                .notifications(org, repository)
                .reset_failures(uuid)
                .await
        }
        NotificationOp::AuthorizeNotificationEmail { repository, email } => {
            cx.client
                .notifications(org, repository)
                .authorize_email(email)
                .await
        }
    }
}
