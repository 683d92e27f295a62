//! The planner's sequencing is honoured in every phase (issue 13, item 4): a runner holds the
//! first change of every sequence until all sequences of its phase have started, so a change
//! that the executor wrongly ran beside another change to the same subject starts while that
//! one is still running, and is seen.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use tokio::sync::Notify;

use super::*;
use crate::model::{
    DefaultPermission, Delegate, Mirror, Notification, NotificationEvent, Proxy, Role, Visibility,
};
use crate::plan::{
    DefaultPermissionOp, Grantee, Member, MemberOp, MirrorOp, NotificationOp, PermissionOp,
    RepositoryOp,
};

#[derive(Default)]
struct Seen {
    in_flight: BTreeSet<(ObjectRef, String)>,
    overlaps: Vec<String>,
    started: BTreeMap<Phase, usize>,
    released: BTreeSet<Phase>,
}

/// Holds the first change of each sequence until `sequences[phase]` changes of that phase
/// have started at once; records any change that starts while another change to its subject
/// is running.
struct HoldingRunner {
    sequences: BTreeMap<Phase, usize>,
    seen: Mutex<Seen>,
    wake: Notify,
}

impl ChangeRunner for HoldingRunner {
    async fn run(&self, _target: &Target, op: &Op) -> Result<(), crate::error::Failure> {
        let phase = op.phase();
        let key = (op.object(), format!("{:?}", op.subject()));
        {
            let mut seen = self.seen.lock().unwrap();
            if !seen.in_flight.insert(key.clone()) {
                seen.overlaps.push(format!("{op:?}"));
            }
            let started = seen.started.entry(phase).or_default();
            *started += 1;
            if *started >= self.sequences[&phase] {
                seen.released.insert(phase);
                self.wake.notify_waiters();
            }
        }
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.seen.lock().unwrap().released.contains(&phase) {
                break;
            }
            woken.await;
        }
        self.seen.lock().unwrap().in_flight.remove(&key);
        Ok(())
    }
}

fn mirror() -> Box<Mirror> {
    Box::new(Mirror {
        external_reference: "registry.example.com/a/b".into(),
        tags: vec!["latest".into()],
        username: None,
        verify_tls: true,
        unsigned_images: false,
        robot: "m".into(),
        sync_interval: 60,
        is_enabled: true,
        proxy: Proxy::default(),
        options: crate::model::MirrorOptions::default(),
    })
}

fn webhook(url: &str) -> Box<Notification> {
    Box::new(Notification {
        uuid: Some(url.into()),
        ..Notification::webhook(NotificationEvent::RepoMirrorSyncFailed, url)
    })
}

fn default_permission(role: Role, id: &str) -> DefaultPermission {
    DefaultPermission {
        role,
        delegate: Delegate::Team("devs".into()),
        activating_user: None,
        id: Some(id.into()),
    }
}

#[test]
fn two_changes_to_one_subject_never_overlap_in_any_phase() {
    // Per phase: two changes to one subject (one sequence) and one to another subject.
    let ops: Vec<Op> = vec![
        RepositoryOp::UpdateRepositoryDescription {
            repository: "r".into(),
            from: "a".into(),
            to: "b".into(),
        }
        .into(),
        RepositoryOp::ChangeVisibility {
            repository: "r".into(),
            from: Visibility::Private,
            to: Visibility::Public,
        }
        .into(),
        RepositoryOp::ChangeVisibility {
            repository: "other".into(),
            from: Visibility::Private,
            to: Visibility::Public,
        }
        .into(),
        PermissionOp::SetPermission {
            repository: "r".into(),
            grantee: Grantee::User("alice".into()),
            role: Role::Write,
            from: Some(Role::Read),
        }
        .into(),
        PermissionOp::SetPermission {
            repository: "r".into(),
            grantee: Grantee::User("alice".into()),
            role: Role::Admin,
            from: Some(Role::Write),
        }
        .into(),
        PermissionOp::SetPermission {
            repository: "r".into(),
            grantee: Grantee::User("bob".into()),
            role: Role::Read,
            from: None,
        }
        .into(),
        MemberOp::AddTeamMember {
            team: "t".into(),
            member: Member::Robot("a".into()),
        }
        .into(),
        MemberOp::AddTeamMember {
            team: "t".into(),
            member: Member::Robot("a".into()),
        }
        .into(),
        MemberOp::AddTeamMember {
            team: "t".into(),
            member: Member::Robot("b".into()),
        }
        .into(),
        MirrorOp::UpdateMirror {
            repository: "r".into(),
            from: mirror(),
            to: mirror(),
        }
        .into(),
        MirrorOp::SyncMirrorNow {
            repository: "r".into(),
        }
        .into(),
        MirrorOp::SyncMirrorNow {
            repository: "other".into(),
        }
        .into(),
        NotificationOp::DeleteNotification {
            repository: "r".into(),
            notification: webhook("https://old.example.com"),
        }
        .into(),
        NotificationOp::CreateNotification {
            repository: "r".into(),
            notification: webhook("https://new.example.com"),
        }
        .into(),
        NotificationOp::CreateNotification {
            repository: "other".into(),
            notification: webhook("https://new.example.com"),
        }
        .into(),
        DefaultPermissionOp::DeleteDefaultPermission {
            permission: default_permission(Role::Read, "dup"),
        }
        .into(),
        DefaultPermissionOp::SetDefaultPermissionRole {
            permission: default_permission(Role::Read, "kept"),
            role: Role::Write,
        }
        .into(),
        DefaultPermissionOp::CreateDefaultPermission {
            permission: DefaultPermission {
                delegate: Delegate::User("carol".into()),
                ..default_permission(Role::Read, "new")
            },
        }
        .into(),
    ];
    let phases: BTreeSet<Phase> = ops.iter().map(Op::phase).collect();
    assert_eq!(phases.len(), 6, "every phase with changes to one subject");
    let plan = TargetPlan {
        target: Target {
            endpoint: crate::model::Endpoint::parse("quay.example.com").unwrap(),
            organization: "acme".into(),
        },
        changes: ops.into_iter().map(Change::new).collect(),
        notices: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
    };
    let runner = HoldingRunner {
        sequences: phases.iter().map(|&phase| (phase, 2)).collect(),
        seen: Mutex::default(),
        wake: Notify::new(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let results = rt.block_on(apply(
        std::slice::from_ref(&plan),
        &runner,
        64,
        &StopFlag::default(),
        &NoProgress,
    ));
    assert!(results[0].iter().all(|r| *r == ChangeOutcome::Applied));
    let seen = runner.seen.lock().unwrap();
    assert_eq!(seen.overlaps, Vec::<String>::new());
    // Each phase had its two sequences running at once: the hold was released, not bypassed.
    assert_eq!(seen.released, phases);
}
