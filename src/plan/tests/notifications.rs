use serde_json::json;

use super::builders::*;
use crate::model::{
    EmailAuthorization, Notification, NotificationEvent, NotificationMethod, OrOther,
};
use crate::plan::{ChangeKind, Notice, NotificationNeed, NotificationOp, Op, ProblemKind};

fn create(notification: Notification) -> Op {
    Op::Notification(NotificationOp::CreateNotification {
        repository: "alpine".into(),
        notification: Box::new(notification),
    })
}

fn delete(notification: Notification) -> Op {
    Op::Notification(NotificationOp::DeleteNotification {
        repository: "alpine".into(),
        notification: Box::new(notification),
    })
}

fn run_with(
    want: Option<Vec<Notification>>,
    have: Vec<Notification>,
    options: &crate::plan::PlanOptions,
) -> crate::plan::TargetPlan {
    let mut desired_repo = repo();
    desired_repo.notifications = want;
    let mut actual_repo = quay_repo();
    actual_repo.notifications = Some(have);
    diff_with(
        &org().repo("alpine", desired_repo),
        Some(&quay_org().repo("alpine", actual_repo)),
        options,
    )
}

fn run(want: Vec<Notification>, have: Vec<Notification>) -> crate::plan::TargetPlan {
    run_with(Some(want), have, &options())
}

fn email(address: &str) -> Notification {
    let config = json!({"email": address}).as_object().cloned().unwrap();
    Notification::new(
        NotificationEvent::RepoPush,
        NotificationMethod::Email,
        config,
    )
}

#[test]
fn a_missing_notification_is_created() {
    let a = webhook("https://hooks.example.com/a");
    let plan = run(vec![a.clone()], vec![]);
    assert_eq!(ops(&plan), vec![create(a)]);
}

#[test]
fn an_identical_notification_is_left_alone() {
    let a = webhook("https://hooks.example.com/a");
    let mut stored_a = stored(a.clone(), "u1");
    stored_a.title = Some(String::new()); // an empty title is no title
    stored_a.failures = 2; // still delivered
    let plan = run(vec![a], vec![stored_a]);
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 3); // organization, repository, notification
}

#[test]
fn a_changed_notification_is_one_replacement() {
    let old = stored(webhook("https://hooks.example.com/a"), "u1");
    let new = webhook("https://hooks.example.com/b");
    let plan = run(vec![new.clone()], vec![old.clone()]);
    assert_eq!(
        ops(&plan),
        vec![Op::Notification(NotificationOp::ReplaceNotification {
            repository: "alpine".into(),
            old: Box::new(old),
            new: Box::new(new),
        })]
    );
    assert_eq!(plan.count(ChangeKind::Update), 1);
    assert_eq!(plan.count(ChangeKind::Remove), 0);
    let line = plan.changes[0].op.describe("org");
    assert!(
        line.starts_with("-/+ replace webhook notification"),
        "{line}"
    );
}

#[test]
fn another_event_is_a_removal_and_a_creation() {
    let old = stored(webhook("https://hooks.example.com/a"), "u1");
    let new = Notification::webhook(NotificationEvent::RepoPush, "https://hooks.example.com/a");
    let plan = run(vec![new.clone()], vec![old.clone()]);
    assert_eq!(ops(&plan), vec![delete(old), create(new)]);
}

#[test]
fn a_notification_disabled_by_failures_is_re_enabled() {
    let a = webhook("https://hooks.example.com/a");
    let mut disabled = stored(a.clone(), "u1");
    disabled.failures = 3;
    let plan = run(vec![a], vec![disabled.clone()]);
    assert_eq!(
        ops(&plan),
        vec![Op::Notification(NotificationOp::ReenableNotification {
            repository: "alpine".into(),
            notification: Box::new(disabled),
        })]
    );
    let line = plan.changes[0].op.describe("org");
    assert!(
        line.starts_with("! re-enable webhook notification on repo_mirror_sync_failed")
            && line.ends_with("(Quay disabled it after 3 failed deliveries)"),
        "{line}"
    );
}

#[test]
fn an_undeclared_notification_is_deleted_also_of_an_unknown_kind() {
    let old = stored(webhook("https://hooks.example.com/old"), "u1");
    let mut odd = stored(webhook("https://hooks.example.com/odd"), "u2");
    odd.method = OrOther::Other("teams_webhook".into());
    let plan = run(vec![], vec![old.clone(), odd.clone()]);
    assert_eq!(ops(&plan), vec![delete(odd), delete(old)]);
}

#[test]
fn without_a_list_nothing_is_managed() {
    let old = stored(webhook("https://hooks.example.com/old"), "u1");
    let plan = run_with(None, vec![old], &options());
    assert!(plan.is_empty());
}

#[test]
fn duplicates_in_quay_are_reduced_to_one() {
    let a = webhook("https://hooks.example.com/a");
    let copies = [
        stored(a.clone(), "u3"),
        stored(a.clone(), "u1"),
        stored(a.clone(), "u2"),
    ];
    let plan = run(vec![a.clone()], copies.to_vec());
    // The lowest uuid is kept, whatever order Quay listed them in.
    assert_eq!(
        ops(&plan),
        vec![
            delete(stored(a.clone(), "u2")),
            delete(stored(a.clone(), "u3"))
        ]
    );
    let mut reversed = copies.clone();
    reversed.reverse();
    assert_eq!(run(vec![a.clone()], reversed.to_vec()), plan);

    // Undeclared duplicates all go.
    let plan = run(vec![], copies.to_vec());
    assert_eq!(plan.count(ChangeKind::Remove), 3);
}

#[test]
fn a_notification_declared_twice_is_created_once() {
    let a = webhook("https://hooks.example.com/a");
    let plan = run(vec![a.clone(), a.clone()], vec![]);
    assert_eq!(ops(&plan), vec![create(a.clone())]);
    let plan = run(vec![a.clone(), a.clone()], vec![stored(a, "u1")]);
    assert!(plan.is_empty());
}

#[test]
fn an_unauthorized_address_is_asked_once_and_a_pending_one_waits() {
    let mail = email("ops@example.com");
    let mut mail_push = email("ops@example.com");
    mail_push.event = OrOther::Known(NotificationEvent::BuildFailure);
    let mut opts = options();
    opts.limits.email_authorizations.insert(
        ("alpine".into(), "ops@example.com".into()),
        EmailAuthorization::None,
    );
    let plan = run_with(Some(vec![mail.clone(), mail_push]), vec![], &opts);
    assert_eq!(
        ops(&plan),
        vec![Op::Notification(
            NotificationOp::AuthorizeNotificationEmail {
                repository: "alpine".into(),
                email: "ops@example.com".into(),
            }
        )],
        "one request for both notifications"
    );

    opts.limits.email_authorizations.insert(
        ("alpine".into(), "ops@example.com".into()),
        EmailAuthorization::Pending,
    );
    let plan = run_with(Some(vec![mail.clone()]), vec![], &opts);
    assert!(plan.changes.is_empty());
    assert_eq!(
        plan.notices,
        vec![Notice::EmailConfirmationPending {
            repository: "alpine".into(),
            email: "ops@example.com".into(),
        }]
    );

    opts.limits.email_authorizations.insert(
        ("alpine".into(), "ops@example.com".into()),
        EmailAuthorization::Confirmed,
    );
    let plan = run_with(Some(vec![mail.clone()]), vec![], &opts);
    assert_eq!(ops(&plan), vec![create(mail)]);
}

#[test]
fn what_the_endpoint_lacks_is_a_problem_and_the_rest_converges() {
    let mail = email("ops@example.com");
    let hook = webhook("https://hooks.example.com/a");
    let quota = Notification::webhook(NotificationEvent::QuotaWarning, "https://q.example.com");
    let mut opts = options();
    opts.limits.notification_lacks = [NotificationNeed::Mailing, NotificationNeed::Quay318].into();
    let plan = run_with(Some(vec![mail, hook.clone(), quota]), vec![], &opts);
    assert_eq!(ops(&plan), vec![create(hook)]);
    let needs: Vec<_> = plan
        .problems
        .iter()
        .map(|p| match &p.kind {
            ProblemKind::NotificationUnsupported { needs, .. } => *needs,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        needs,
        [NotificationNeed::Mailing, NotificationNeed::Quay318]
    );
}

#[test]
fn a_user_a_notification_targets_is_checked_on_the_endpoint() {
    let target = |kind: &str, name: &str| {
        let config = json!({"target": {"kind": kind, "name": name}})
            .as_object()
            .cloned()
            .unwrap();
        Notification::new(
            NotificationEvent::RepoPush,
            NotificationMethod::QuayNotification,
            config,
        )
    };
    let desired = org().repo(
        "alpine",
        repo().notifications(vec![target("user", "dave"), target("team", "devs")]),
    );
    assert_eq!(
        crate::plan::users_to_check(&desired, None, Some("me")),
        ["dave".to_string()].into()
    );
}
