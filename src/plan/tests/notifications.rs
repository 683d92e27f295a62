use super::builders::*;
use crate::model::Notification;
use crate::plan::NotificationOp;
use crate::plan::{ChangeKind, Op};

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

fn run(want: Vec<Notification>, have: Vec<Notification>) -> crate::plan::TargetPlan {
    let mut desired_repo = repo();
    desired_repo.notifications = want;
    let mut actual_repo = quay_repo();
    actual_repo.notifications = have;
    diff(
        &org().repo("alpine", desired_repo),
        Some(&quay_org().repo("alpine", actual_repo)),
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
    let plan = run(vec![a], vec![stored_a]);
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 3); // organization, repository, notification
}

#[test]
fn a_changed_notification_is_deleted_and_created_again() {
    let old = stored(webhook("https://hooks.example.com/a"), "u1");
    let mut new = webhook("https://hooks.example.com/a");
    new.title = Some("Mirror failed".into());
    let plan = run(vec![new.clone()], vec![old.clone()]);
    assert_eq!(ops(&plan), vec![delete(old), create(new)]);
    assert_eq!(plan.count(ChangeKind::Remove), 1);
    assert_eq!(plan.count(ChangeKind::Create), 1);
}

#[test]
fn an_undeclared_notification_is_deleted() {
    let old = stored(webhook("https://hooks.example.com/old"), "u1");
    let plan = run(vec![], vec![old.clone()]);
    assert_eq!(ops(&plan), vec![delete(old)]);
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
