//! Repository notifications (mirror-failure webhooks).

use serde::Serialize;

use super::{Detail, KindOp};
use crate::model::{url_for_display, Notification};
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
}

impl NotificationOp {
    fn parts(&self) -> (&str, &Notification) {
        match self {
            NotificationOp::CreateNotification {
                repository,
                notification,
            }
            | NotificationOp::DeleteNotification {
                repository,
                notification,
            } => (repository, notification),
        }
    }
}

impl KindOp for NotificationOp {
    fn phase(&self) -> Phase {
        Phase::Notifications
    }

    fn kind(&self) -> ChangeKind {
        match self {
            NotificationOp::CreateNotification { .. } => ChangeKind::Create,
            NotificationOp::DeleteNotification { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Repository(self.parts().0.to_string())
    }

    /// A changed notification is deleted before its replacement is created (Quay has no
    /// update); the notifications of one repository run one after another.
    fn rank(&self) -> u8 {
        match self {
            NotificationOp::DeleteNotification { .. } => 0,
            NotificationOp::CreateNotification { .. } => 1,
        }
    }

    fn detail(&self) -> Detail<'_> {
        Detail::Notification(self.parts().1)
    }

    fn describe(&self, org: &str) -> String {
        let (repository, notification) = self.parts();
        let url = url_for_display(&notification.url);
        match self {
            NotificationOp::CreateNotification { .. } => {
                format!("add mirror-failure webhook {url} on {org}/{repository}")
            }
            NotificationOp::DeleteNotification { .. } => {
                format!("remove mirror-failure webhook {url} from {org}/{repository}")
            }
        }
    }
}
