use std::collections::BTreeSet;
use std::sync::Mutex;

use super::*;
use crate::model::{Endpoint, Mirror, Proxy, Role, TeamRole, Visibility};
use crate::plan::tests::builders::{grant, revoke, user};
use crate::plan::{Grantee, Member};
use crate::plan::{
    MemberOp, MirrorOp, OrganizationOp, PermissionOp, RepositoryOp, RobotOp, TeamOp, TeamSyncOp,
};

/// Records every op it runs and fails those whose description contains a marker.
struct FakeRunner {
    fail_when: Vec<&'static str>,
    ran: Mutex<Vec<String>>,
}

impl FakeRunner {
    fn new(fail_when: &[&'static str]) -> FakeRunner {
        FakeRunner {
            fail_when: fail_when.to_vec(),
            ran: Mutex::new(Vec::new()),
        }
    }

    fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().clone()
    }
}

impl ChangeRunner for FakeRunner {
    async fn run(&self, target: &Target, op: &Op) -> Result<(), Failure> {
        let text = format!("{}:{op:?}", target.organization);
        self.ran.lock().unwrap().push(text.clone());
        if self.fail_when.iter().any(|marker| text.contains(marker)) {
            Err(Failure::new(crate::error::FailureKind::Quay, "400 boom"))
        } else {
            Ok(())
        }
    }
}

fn target(org: &str) -> Target {
    Target {
        endpoint: Endpoint::parse("quay.example.com").unwrap(),
        organization: org.into(),
    }
}

fn plan(org: &str, ops: Vec<Op>) -> TargetPlan {
    TargetPlan {
        target: target(org),
        changes: ops.into_iter().map(Change::new).collect(),
        notices: vec![],
        unchanged: 0,
        problems: vec![],
    }
}

/// Moves a change into a later phase the way the planner does (`Planner::push_in`): it then
/// runs in one sequence with every change of its object there.
fn move_to(change: &mut Change, phase: Phase) {
    change.with_whole_object = change.phase != phase;
    change.phase = phase;
}

fn mirror() -> Mirror {
    Mirror {
        external_reference: "quay.io/libpod/alpine".into(),
        tags: vec!["latest".into()],
        username: None,
        verify_tls: true,
        unsigned_images: false,
        robot: "writer".into(),
        sync_interval: 60,
        is_enabled: true,
        proxy: Proxy::default(),
        options: crate::model::MirrorOptions::default(),
    }
}

fn run(plans: &[TargetPlan], runner: &FakeRunner) -> Vec<Vec<ChangeOutcome>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(apply(plans, runner, 8, &StopFlag::default(), &NoProgress))
}

fn statuses(results: &[ChangeOutcome]) -> Vec<&'static str> {
    results
        .iter()
        .map(|r| match r {
            ChangeOutcome::Applied => "applied",
            ChangeOutcome::Failed(_) => "failed",
            ChangeOutcome::Skipped { .. } => "skipped",
            ChangeOutcome::NotStarted => "not_started",
        })
        .collect()
}

#[test]
fn phases_run_in_order_whatever_the_plan_order() {
    let plans = [plan(
        "a",
        vec![
            Op::Repository(RepositoryOp::CreateRepository {
                repository: "r".into(),
                description: String::new(),
                visibility: Visibility::Public,
            }),
            Op::Robot(RobotOp::CreateRobot {
                robot: "bot".into(),
                description: String::new(),
            }),
            Op::Organization(OrganizationOp::CreateOrganization { email: None }),
        ],
    )];
    let runner = FakeRunner::new(&[]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["applied"; 3]);
    let ran = runner.ran();
    assert!(ran[0].contains("CreateOrganization"), "{ran:?}");
    assert!(ran[1].contains("CreateRobot"), "{ran:?}");
    assert!(ran[2].contains("CreateRepository"), "{ran:?}");
}

#[test]
fn failed_organization_skips_its_target_only() {
    let ops = || {
        vec![
            Op::Organization(OrganizationOp::CreateOrganization { email: None }),
            Op::Team(TeamOp::CreateTeam {
                team: "t".into(),
                role: TeamRole::Member,
                description: String::new(),
            }),
        ]
    };
    let plans = [plan("broken", ops()), plan("fine", ops())];
    let runner = FakeRunner::new(&["broken:CreateOrganization"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped"]);
    assert_eq!(statuses(&results[1]), ["applied", "applied"]);
    let ChangeOutcome::Skipped { reason } = &results[0][1] else {
        unreachable!()
    };
    assert_eq!(reason, "the organization could not be created: 400 boom");
    assert!(!runner
        .ran()
        .iter()
        .any(|r| r.starts_with("broken:CreateTeam")));
}

#[test]
fn failed_robot_skips_only_what_needs_that_robot() {
    let plans = [plan(
        "a",
        vec![
            Op::Robot(RobotOp::CreateRobot {
                robot: "bad".into(),
                description: String::new(),
            }),
            Op::Robot(RobotOp::CreateRobot {
                robot: "good".into(),
                description: String::new(),
            }),
            Op::Permission(PermissionOp::SetPermission {
                repository: "r".into(),
                grantee: Grantee::Robot("bad".into()),
                role: Role::Read,
                from: None,
            }),
            Op::Permission(PermissionOp::SetPermission {
                repository: "r".into(),
                grantee: Grantee::Robot("good".into()),
                role: Role::Read,
                from: None,
            }),
            Op::Member(MemberOp::AddTeamMember {
                team: "t".into(),
                member: Member::Robot("bad".into()),
            }),
        ],
    )];
    let runner = FakeRunner::new(&["robot: \"bad\", description"]);
    let results = run(&plans, &runner);
    assert_eq!(
        statuses(&results[0]),
        ["failed", "applied", "skipped", "applied", "skipped"]
    );
}

#[test]
fn failed_mirror_update_skips_the_sync_now_that_follows() {
    let plans = [plan(
        "a",
        vec![
            Op::Mirror(MirrorOp::UpdateMirror {
                repository: "r".into(),
                from: Box::new(mirror()),
                to: Box::new(Mirror {
                    sync_interval: 120,
                    ..mirror()
                }),
            }),
            Op::Mirror(MirrorOp::SyncMirrorNow {
                repository: "r".into(),
            }),
            Op::Mirror(MirrorOp::SyncMirrorNow {
                repository: "other".into(),
            }),
        ],
    )];
    let runner = FakeRunner::new(&["UpdateMirror"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped", "applied"]);
}

#[test]
fn mirror_steps_of_one_repository_keep_plan_order() {
    let plans = [plan(
        "a",
        vec![
            Op::Mirror(MirrorOp::CreateMirror {
                repository: "r".into(),
                mirror: Box::new(mirror()),
            }),
            Op::Mirror(MirrorOp::SyncMirrorNow {
                repository: "r".into(),
            }),
        ],
    )];
    let runner = FakeRunner::new(&[]);
    run(&plans, &runner);
    let ran = runner.ran();
    assert!(
        ran[0].contains("CreateMirror") && ran[1].contains("SyncMirrorNow"),
        "{ran:?}"
    );
}

#[test]
fn a_raised_stop_flag_starts_nothing() {
    let plans = [plan(
        "a",
        vec![Op::Organization(OrganizationOp::CreateOrganization {
            email: None,
        })],
    )];
    let runner = FakeRunner::new(&[]);
    let stop = StopFlag::default();
    stop.raise();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let results = rt.block_on(apply(&plans, &runner, 8, &stop, &NoProgress));
    assert_eq!(statuses(&results[0]), ["not_started"]);
    assert!(runner.ran().is_empty());
}

#[test]
fn failure_policy_is_explicit_per_kind() {
    assert_eq!(
        after_failure(&Op::Team(TeamOp::CreateTeam {
            team: "t".into(),
            role: TeamRole::Admin,
            description: String::new()
        })),
        Consequence::ObjectMissing(ObjectRef::Team("t".into()))
    );
    assert_eq!(
        after_failure(&Op::TeamSync(TeamSyncOp::DisableTeamSync {
            team: "t".into(),
            from: crate::model::TeamSync::Ldap {
                group_dn: "cn=x".into()
            }
        })),
        Consequence::StopSequence
    );
    assert_eq!(
        after_failure(&Op::Permission(PermissionOp::RevokePermission {
            repository: "r".into(),
            grantee: Grantee::User("u".into()),
            role: Role::Read
        })),
        Consequence::RecordAndContinue
    );
    let deps: BTreeSet<_> =
        Op::Organization(OrganizationOp::CreateOrganization { email: None }).depends_on();
    assert_eq!(deps, BTreeSet::from([ObjectRef::Organization]));
}

#[test]
fn raising_the_stop_flag_wakes_a_waiter() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let stop = StopFlag::default();
    rt.block_on(async {
        let waiter = stop.clone();
        let handle = tokio::spawn(async move { waiter.raised().await });
        tokio::task::yield_now().await;
        stop.raise();
        handle.await.unwrap();
    });
    assert!(stop.is_raised());
}

#[test]
fn member_changes_moved_into_team_sync_follow_the_sync_removal() {
    let mut plan = plan(
        "a",
        vec![
            Op::TeamSync(TeamSyncOp::DisableTeamSync {
                team: "t".into(),
                from: crate::model::TeamSync::Ldap {
                    group_dn: "cn=x".into(),
                },
            }),
            Op::Member(MemberOp::AddTeamMember {
                team: "t".into(),
                member: Member::User("alice".into()),
            }),
        ],
    );
    move_to(&mut plan.changes[1], Phase::TeamSync);
    let runner = FakeRunner::new(&["DisableTeamSync"]);
    let results = run(&[plan], &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped"]);
}

#[test]
fn interleave_alternates_groups_and_keeps_their_order() {
    let items = vec![("a", 1), ("a", 2), ("a", 3), ("b", 1), ("c", 1), ("c", 2)];
    let out = interleave(items, |&(group, _)| group);
    assert_eq!(
        out,
        [("a", 1), ("b", 1), ("c", 1), ("a", 2), ("c", 2), ("a", 3)]
    );
    assert!(interleave(Vec::<u8>::new(), |&x| x).is_empty());
}

#[test]
fn phase_sequences_group_one_objects_steps_and_keep_plan_order() {
    let sync = |repository: &str| {
        Op::Mirror(MirrorOp::SyncMirrorNow {
            repository: repository.into(),
        })
    };
    let create = |repository: &str| {
        Op::Mirror(MirrorOp::CreateMirror {
            repository: repository.into(),
            mirror: Box::new(mirror()),
        })
    };
    let plans = vec![
        plan(
            "a",
            vec![
                Op::Robot(RobotOp::CreateRobot {
                    robot: "writer".into(),
                    description: String::new(),
                }),
                create("x"),
                create("y"),
                sync("x"),
                sync("y"),
            ],
        ),
        plan("b", vec![create("x"), sync("x")]),
    ];
    // Mirror steps of one repository of one target form one sequence, in plan order; the same
    // repository name in another target is another sequence.
    let gates: Vec<Gates> = plans.iter().map(gates).collect();
    let (order, sequences) = phase_sequences(&plans, &gates, Phase::Mirrors);
    let grouped: Vec<Vec<(usize, usize)>> = sequences
        .iter()
        .map(|r| order[r.clone()].to_vec())
        .collect();
    assert_eq!(
        grouped,
        vec![
            vec![(0, 1), (0, 3)],
            vec![(0, 2), (0, 4)],
            vec![(1, 0), (1, 1)]
        ]
    );
    // Outside the sequenced phases every change stands alone.
    let (order, sequences) = phase_sequences(&plans, &gates, Phase::Robots);
    assert_eq!(order, vec![(0, 0)]);
    assert_eq!(sequences, vec![0..1]);
    assert_eq!(
        phase_sequences(&plans, &gates, Phase::Teams),
        (vec![], vec![])
    );
}

fn skip_reason(outcome: &ChangeOutcome) -> &str {
    match outcome {
        ChangeOutcome::Skipped { reason } => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

/// Issue 11, item 2: `alice` misspelled `alcie` plans a grant of `alcie` and a revoke of
/// `alice`. Quay refuses the grant; the revoke must not be sent, or nobody keeps access.
#[test]
fn a_failed_grant_cancels_the_removals_of_its_list() {
    let plans = [plan(
        "acme",
        vec![
            grant("app", user("alcie"), Role::Admin, None),
            revoke("app", user("alice"), Role::Admin),
        ],
    )];
    let runner = FakeRunner::new(&["alcie"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped"]);
    assert_eq!(
        skip_reason(&results[0][1]),
        "not removed because granting user alcie admin on acme/app failed"
    );
    let ran = runner.ran();
    assert_eq!(ran.len(), 1, "{ran:?}");
    assert!(
        !ran.iter().any(|r| r.contains("RevokePermission")),
        "{ran:?}"
    );
}

#[test]
fn a_failed_member_add_cancels_the_member_removals_of_its_team() {
    let member =
        |op: fn(String, Member) -> Op, name: &str| op("devs".into(), Member::User(name.into()));
    let add = |team, member| Op::Member(MemberOp::AddTeamMember { team, member });
    let remove = |team, member| Op::Member(MemberOp::RemoveTeamMember { team, member });
    let plans = [plan(
        "acme",
        vec![
            member(add, "alcie"),
            member(add, "bob"),
            member(remove, "alice"),
            member(remove, "carol"),
        ],
    )];
    let runner = FakeRunner::new(&["alcie"]);
    let results = run(&plans, &runner);
    assert_eq!(
        statuses(&results[0]),
        ["failed", "applied", "skipped", "skipped"]
    );
    assert_eq!(
        skip_reason(&results[0][3]),
        "not removed because adding user alcie to team devs failed"
    );
    assert!(!runner.ran().iter().any(|r| r.contains("RemoveTeamMember")));
}

#[test]
fn removals_of_a_list_wait_for_its_grants_whatever_the_plan_order() {
    // Not the planner's order: the executor still sends the grant first, then the removal.
    let plans = [plan(
        "acme",
        vec![
            revoke("app", user("alice"), Role::Admin),
            grant("app", user("bob"), Role::Admin, None),
        ],
    )];
    let runner = FakeRunner::new(&[]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["applied", "applied"]);
    let ran = runner.ran();
    assert!(ran[0].contains("SetPermission"), "{ran:?}");
    assert!(ran[1].contains("RevokePermission"), "{ran:?}");

    let runner = FakeRunner::new(&["bob"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["skipped", "failed"]);
    assert_eq!(runner.ran().len(), 1);
}

#[test]
fn a_failed_grant_leaves_other_lists_and_other_objects_alone() {
    let plans = [
        plan(
            "acme",
            vec![
                grant("app", user("alcie"), Role::Read, None),
                grant("app", user("dave"), Role::Read, None),
                revoke("app", user("alice"), Role::Read),
                // Another list of the same repository.
                revoke("app", Grantee::Robot("old".into()), Role::Read),
                revoke("app", Grantee::Team("old".into()), Role::Read),
                // The same list of another repository.
                grant("web", user("erin"), Role::Read, None),
                revoke("web", user("alice"), Role::Read),
            ],
        ),
        // The same list in another organization.
        plan(
            "other",
            vec![
                grant("app", user("alcie"), Role::Read, None),
                revoke("app", user("alice"), Role::Read),
            ],
        ),
    ];
    let runner =
        FakeRunner::new(&["acme:SetPermission { repository: \"app\", grantee: User(\"alcie\")"]);
    let results = run(&plans, &runner);
    assert_eq!(
        statuses(&results[0]),
        ["failed", "applied", "skipped", "applied", "applied", "applied", "applied"]
    );
    assert_eq!(statuses(&results[1]), ["applied", "applied"]);
}

#[test]
fn a_failed_role_change_counts_as_a_failed_set() {
    let plans = [plan(
        "acme",
        vec![
            grant("app", user("bob"), Role::Admin, Some(Role::Read)),
            revoke("app", user("alice"), Role::Admin),
        ],
    )];
    let runner = FakeRunner::new(&["bob"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped"]);
    assert_eq!(
        skip_reason(&results[0][1]),
        "not removed because changing user bob on acme/app from read to admin failed"
    );
}

#[test]
fn a_grant_skipped_for_a_missing_team_cancels_the_removals_of_its_list() {
    let plans = [plan(
        "acme",
        vec![
            Op::Team(TeamOp::CreateTeam {
                team: "devs2".into(),
                role: TeamRole::Member,
                description: String::new(),
            }),
            grant("app", Grantee::Team("devs2".into()), Role::Write, None),
            revoke("app", Grantee::Team("devs".into()), Role::Write),
        ],
    )];
    let runner = FakeRunner::new(&["CreateTeam"]);
    let results = run(&plans, &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped", "skipped"]);
    assert_eq!(
        skip_reason(&results[0][2]),
        "not removed because granting team devs2 write on acme/app was skipped"
    );
    assert_eq!(runner.ran().len(), 1);
}

#[test]
fn a_list_split_over_phases_still_waits_for_its_grants() {
    let add = Op::Member(MemberOp::AddTeamMember {
        team: "devs".into(),
        member: Member::User("alcie".into()),
    });
    let remove = Op::Member(MemberOp::RemoveTeamMember {
        team: "devs".into(),
        member: Member::User("alice".into()),
    });
    // Grant in an earlier phase than the removal: its failure is remembered.
    let mut split = plan("acme", vec![add.clone(), remove.clone()]);
    move_to(&mut split.changes[1], Phase::TeamSync);
    let runner = FakeRunner::new(&["alcie"]);
    let results = run(&[split], &runner);
    assert_eq!(statuses(&results[0]), ["failed", "skipped"]);

    // A grant planned in a later phase than the removal: the removal is not sent first.
    let mut backwards = plan("acme", vec![remove, add]);
    move_to(&mut backwards.changes[1], Phase::TeamSync);
    let runner = FakeRunner::new(&[]);
    let results = run(&[backwards], &runner);
    assert_eq!(statuses(&results[0]), ["skipped", "applied"]);
    assert!(skip_reason(&results[0][0]).contains("planned after it"));
    assert!(!runner.ran().iter().any(|r| r.contains("RemoveTeamMember")));
}

#[test]
fn in_a_sequenced_phase_a_failed_add_cancels_the_removal_that_follows() {
    // Ending a team's LDAP sync: disable, then the user changes, in one sequence.
    let mut plan = plan(
        "acme",
        vec![
            Op::TeamSync(TeamSyncOp::DisableTeamSync {
                team: "devs".into(),
                from: crate::model::TeamSync::Ldap {
                    group_dn: "cn=x".into(),
                },
            }),
            Op::Member(MemberOp::AddTeamMember {
                team: "devs".into(),
                member: Member::User("alcie".into()),
            }),
            Op::Member(MemberOp::RemoveTeamMember {
                team: "devs".into(),
                member: Member::User("alice".into()),
            }),
        ],
    );
    for change in &mut plan.changes {
        move_to(change, Phase::TeamSync);
    }
    let runner = FakeRunner::new(&["alcie"]);
    let results = run(&[plan.clone()], &runner);
    assert_eq!(statuses(&results[0]), ["applied", "failed", "skipped"]);

    // Should a plan ever put the removal first in that sequence, it is not sent before the add.
    plan.changes.swap(1, 2);
    let runner = FakeRunner::new(&[]);
    let results = run(&[plan], &runner);
    assert_eq!(statuses(&results[0]), ["applied", "skipped", "applied"]);
    assert!(skip_reason(&results[0][1]).contains("planned after it"));
}

#[test]
fn only_lists_that_grant_and_remove_are_sequenced() {
    let plans = vec![plan(
        "acme",
        vec![
            grant("app", user("a"), Role::Read, None),
            grant("app", user("b"), Role::Read, None),
            revoke("app", user("c"), Role::Read),
            grant("web", user("a"), Role::Read, None),
            grant("web", user("b"), Role::Read, None),
            revoke("lib", user("c"), Role::Read),
        ],
    )];
    let gates: Vec<Gates> = plans.iter().map(gates).collect();
    let (order, sequences) = phase_sequences(&plans, &gates, Phase::Permissions);
    let grouped: Vec<Vec<usize>> = sequences
        .iter()
        .map(|r| order[r.clone()].iter().map(|&(_, c)| c).collect())
        .collect();
    assert_eq!(grouped, vec![vec![0, 1, 2], vec![3], vec![4], vec![5]]);
}
