//! Repository notifications (quay-api-breadth.md §2).
//!
//! Rules:
//! - `notification` absent → not managed: nothing is planned (and nothing was read);
//! - a declared list is exact. Identity is (event, method, config, event config, title)
//!   (`Notification::same_as`; uuid and failure count aside);
//! - a declared one Quay has → unchanged, or `ReenableNotification` when Quay disabled it
//!   after failed deliveries (`number_of_failures ≥ 3`): one reset, not a re-create;
//! - a declared one Quay lacks, while Quay has an undeclared one of the same event and method
//!   → `ReplaceNotification` (one change: delete, then create); else `CreateNotification`;
//! - an undeclared one (any event or method, also unknown ones) → `DeleteNotification`.
//!   Quay does not deduplicate: of identical copies one is kept (the first in sort order) and
//!   the others are deleted;
//! - what the endpoint lacks (mailing, the image-expiry scanner, quota events before 3.18) is
//!   a problem for that notification, which is left out (not created, not used as a
//!   replacement); the rest converges;
//! - `email`: an address Quay has no authorization for → `AuthorizeNotificationEmail` once
//!   (the notification waits); a pending one → nothing is sent again, and the plan says it
//!   waits (a notice); a confirmed one → created as any other.

use super::Planner;
use crate::model::{
    EmailAuthorization, Notification, NotificationEvent, NotificationMethod, OrOther,
};
use crate::plan::problems::{self, NotificationNeed, ServerLimits};
use crate::plan::{Notice, NotificationOp, Op};

/// What `notification` needs that the endpoint lacks, if anything.
fn lacking(limits: &ServerLimits, notification: &Notification) -> Option<NotificationNeed> {
    let needs = match (&notification.event, &notification.method) {
        (_, OrOther::Known(NotificationMethod::Email)) => NotificationNeed::Mailing,
        (OrOther::Known(NotificationEvent::RepoImageExpiry), _) => {
            NotificationNeed::ImageExpiryTrigger
        }
        (OrOther::Known(NotificationEvent::QuotaWarning | NotificationEvent::QuotaError), _) => {
            NotificationNeed::Quay318
        }
        _ => return None,
    };
    limits.notification_lacks.contains(&needs).then_some(needs)
}

pub(super) fn plan(
    planner: &mut Planner,
    repository: &str,
    want: Option<&[Notification]>,
    have: Option<&[Notification]>,
    limits: &ServerLimits,
) {
    let Some(want) = want else {
        return;
    };
    let mut have: Vec<&Notification> = have.unwrap_or_default().iter().collect();
    have.sort();
    let mut kept = vec![false; have.len()];
    let mut missing: Vec<&Notification> = Vec::new();
    let mut wanted: Vec<&Notification> = Vec::new();
    for notification in want {
        // Identical declarations are a check error; here the second one is ignored.
        if wanted.iter().any(|w| w.same_as(notification)) {
            continue;
        }
        wanted.push(notification);
        let found = (0..have.len()).find(|&i| !kept[i] && have[i].same_as(notification));
        match found {
            Some(i) => {
                kept[i] = true;
                if have[i].disabled_by_failures() {
                    planner.push(Op::Notification(NotificationOp::ReenableNotification {
                        repository: repository.to_string(),
                        notification: Box::new(have[i].clone()),
                    }));
                } else {
                    planner.unchanged(1);
                }
            }
            None => match lacking(limits, notification) {
                Some(needs) => planner.problem(problems::notification_unsupported(
                    repository,
                    notification,
                    needs,
                )),
                None => missing.push(notification),
            },
        }
    }
    let mut replaced = vec![false; have.len()];
    let mut asked: Vec<&str> = Vec::new();
    for notification in missing {
        let fresh = Box::new(Notification {
            uuid: None,
            failures: 0,
            ..notification.clone()
        });
        if let Some(email) = notification.email() {
            let key = (repository.to_string(), email.to_string());
            match limits.email_authorizations.get(&key) {
                Some(EmailAuthorization::None) => {
                    if asked.contains(&email) {
                        continue;
                    }
                    asked.push(email);
                    planner.push(Op::Notification(
                        NotificationOp::AuthorizeNotificationEmail {
                            repository: repository.to_string(),
                            email: email.to_string(),
                        },
                    ));
                    continue;
                }
                Some(EmailAuthorization::Pending) => {
                    planner.notice(Notice::EmailConfirmationPending {
                        repository: repository.to_string(),
                        email: email.to_string(),
                    });
                    continue;
                }
                Some(EmailAuthorization::Confirmed) | None => {}
            }
        }
        let old = (0..have.len()).find(|&i| {
            !kept[i]
                && !replaced[i]
                && have[i].event == notification.event
                && have[i].method == notification.method
        });
        match old {
            Some(i) => {
                replaced[i] = true;
                planner.push(Op::Notification(NotificationOp::ReplaceNotification {
                    repository: repository.to_string(),
                    old: Box::new(have[i].clone()),
                    new: fresh,
                }));
            }
            None => planner.push(Op::Notification(NotificationOp::CreateNotification {
                repository: repository.to_string(),
                notification: fresh,
            })),
        }
    }
    for (i, notification) in have.iter().enumerate() {
        if !kept[i] && !replaced[i] {
            planner.push(Op::Notification(NotificationOp::DeleteNotification {
                repository: repository.to_string(),
                notification: Box::new((*notification).clone()),
            }));
        }
    }
}
