//! Repository notifications: every event and method (quay-api-breadth.md §2).

use serde::Serialize;

use super::{Detail, KindOp};
use crate::model::Notification;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum NotificationOp {
    /// Boxed: a notification is the next largest payload after a mirror.
    CreateNotification {
        repository: String,
        notification: Box<Notification>,
    },
    DeleteNotification {
        repository: String,
        notification: Box<Notification>,
    },
    /// Quay has no update: `old` (as Quay holds it, with its uuid) is deleted, then `new` is
    /// created. One change (`-/+`, counted as an update), never an unrelated delete and create.
    ReplaceNotification {
        repository: String,
        old: Box<Notification>,
        new: Box<Notification>,
    },
    /// Quay stopped delivering it after too many failed deliveries: reset its failure count
    /// (`POST …/notification/{uuid}`), not re-create it.
    ReenableNotification {
        repository: String,
        notification: Box<Notification>,
    },
    /// Ask Quay to mail `email` the confirmation link an `email` notification needs (once:
    /// Quay mails on every request). The notification is created on a run after the
    /// recipient confirmed.
    AuthorizeNotificationEmail { repository: String, email: String },
}

impl NotificationOp {
    fn repository(&self) -> &str {
        match self {
            NotificationOp::CreateNotification { repository, .. }
            | NotificationOp::DeleteNotification { repository, .. }
            | NotificationOp::ReplaceNotification { repository, .. }
            | NotificationOp::ReenableNotification { repository, .. }
            | NotificationOp::AuthorizeNotificationEmail { repository, .. } => repository,
        }
    }
}

impl KindOp for NotificationOp {
    fn phase(&self) -> Phase {
        Phase::Notifications
    }

    fn kind(&self) -> ChangeKind {
        match self {
            NotificationOp::CreateNotification { .. }
            | NotificationOp::AuthorizeNotificationEmail { .. } => ChangeKind::Create,
            NotificationOp::DeleteNotification { .. } => ChangeKind::Remove,
            NotificationOp::ReplaceNotification { .. }
            | NotificationOp::ReenableNotification { .. } => ChangeKind::Update,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self {
            NotificationOp::ReplaceNotification { .. } => Some("-/+"),
            NotificationOp::ReenableNotification { .. } => Some("!"),
            _ => None,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Repository(self.repository().to_string())
    }

    /// Removals first, then replacements, re-enables, e-mail requests and creations; the
    /// notifications of one repository run one after another.
    fn rank(&self) -> u8 {
        match self {
            NotificationOp::DeleteNotification { .. } => 0,
            NotificationOp::ReplaceNotification { .. } => 1,
            NotificationOp::ReenableNotification { .. } => 2,
            NotificationOp::AuthorizeNotificationEmail { .. } => 3,
            NotificationOp::CreateNotification { .. } => 4,
        }
    }

    fn detail(&self) -> Detail<'_> {
        match self {
            NotificationOp::CreateNotification { notification, .. }
            | NotificationOp::DeleteNotification { notification, .. }
            | NotificationOp::ReenableNotification { notification, .. } => {
                Detail::Notification(notification)
            }
            NotificationOp::ReplaceNotification { new, .. } => Detail::Notification(new),
            NotificationOp::AuthorizeNotificationEmail { .. } => Detail::None,
        }
    }

    fn describe(&self, org: &str) -> String {
        let repository = self.repository();
        match self {
            NotificationOp::CreateNotification { notification, .. } => {
                format!("add {} on {org}/{repository}", notification.describe())
            }
            NotificationOp::DeleteNotification { notification, .. } => {
                format!("remove {} from {org}/{repository}", notification.describe())
            }
            NotificationOp::ReplaceNotification { old, new, .. } => format!(
                "replace {} on {org}/{repository} by {} (Quay has no update: delete, then create)",
                old.describe(),
                new.describe()
            ),
            NotificationOp::ReenableNotification { notification, .. } => format!(
                "re-enable {} on {org}/{repository} (Quay disabled it after {} failed deliveries)",
                notification.describe(),
                notification.failures
            ),
            NotificationOp::AuthorizeNotificationEmail { email, .. } => format!(
                "ask {email} to confirm e-mail notifications of {org}/{repository} (Quay mails a \
                 confirmation link; the e-mail notification is created on a run after it is \
                 confirmed)"
            ),
        }
    }
}
