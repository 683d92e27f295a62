//! Plan-time errors: unknown users block the target, missing features leave their part out.

use std::collections::{BTreeMap, BTreeSet};

use super::builders::*;
use crate::model::{Mention, Mentions, RepoState, Role, TeamRole};
use crate::plan::{
    users_to_check, Feature, Grantee, Lack, ObjectRef, Op, PlanOptions, Problem, ProblemKind,
    ServerLimits,
};
use crate::plan::{MemberOp, NotificationOp, PermissionOp, TeamOp, TeamSyncOp};

fn lacking(features: &[(Feature, Lack)]) -> PlanOptions {
    PlanOptions {
        limits: ServerLimits {
            lacks: features.iter().cloned().collect(),
            ..ServerLimits::default()
        },
        ..options()
    }
}

fn unknown(users: &[&str]) -> PlanOptions {
    PlanOptions {
        limits: ServerLimits {
            unknown_users: users.iter().map(|u| u.to_string()).collect(),
            ..ServerLimits::default()
        },
        ..options()
    }
}

fn kinds(problems: &[Problem]) -> Vec<ProblemKind> {
    problems.iter().map(|p| p.kind.clone()).collect()
}

/// The case of issue 11: `alice` → `alcie` on a repository where alice has `write`.
fn typo() -> (crate::model::Organization, crate::model::Organization) {
    let desired = org().repo("app", repo().users(&[("alcie", Role::Write)]));
    let actual = quay_org().repo("app", quay_repo().users(&[("alice", Role::Write)]));
    (desired, actual)
}

#[test]
fn only_users_the_state_does_not_show_are_checked() {
    let (desired, actual) = typo();
    let desired = desired
        .repo(
            "web",
            repo().users(&[("alice", Role::Read), (ME, Role::Admin)]),
        )
        .team(
            "devs",
            team(TeamRole::Member).members(&["bob", "alice"], &[]),
        )
        .team(
            "synced",
            team(TeamRole::Member)
                .members(&["carol"], &[])
                .group("cn=x"),
        );
    let actual = actual.team("devs", team(TeamRole::Member).invited(&["bob"]));
    assert_eq!(
        users_to_check(&desired, Some(&actual), Some(ME)),
        BTreeSet::from(["alcie".to_string()]),
        "alice and bob are shown by Quay, the token user exists, a synced team's users are \
         not written"
    );
    assert_eq!(
        users_to_check(&desired, None, Some(ME)),
        BTreeSet::from(["alcie".to_string(), "alice".to_string(), "bob".to_string()]),
        "a new organization shows nobody"
    );
}

#[test]
fn an_unknown_user_blocks_every_change_of_the_target() {
    let (desired, actual) = typo();
    let desired = desired.email("new@example.com");
    let plan = diff_with(&desired, Some(&actual), &unknown(&["alcie"]));
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    assert!(plan.is_blocked());
    assert_eq!(
        kinds(&plan.problems),
        vec![ProblemKind::UnknownUser {
            user: "alcie".into(),
            did_you_mean: Some("alice".into()),
        }]
    );
    // Without the check, the planner would revoke alice: the reason the target is blocked.
    let unchecked = diff(&desired, Some(&actual));
    assert!(
        ops(&unchecked).contains(&Op::Permission(PermissionOp::RevokePermission {
            repository: "app".into(),
            grantee: Grantee::User("alice".into()),
            role: Role::Write,
        }))
    );
    assert!(!unchecked.is_blocked());
}

#[test]
fn problems_point_at_the_file() {
    let (desired, actual) = typo();
    let mut plan = diff_with(&desired, Some(&actual), &unknown(&["alcie"]));
    let at = Mention {
        line: 9,
        column: 17,
        key: "repositories[0].permissions.users[0].name".into(),
    };
    let mentions = Mentions {
        users: BTreeMap::from([("alcie".to_string(), at.clone())]),
        ..Mentions::default()
    };
    plan.problems[0].locate(&mentions);
    assert_eq!(plan.problems[0].at, Some(at));
}

#[test]
fn a_group_the_endpoint_cannot_sync_is_a_problem_and_the_team_is_still_created() {
    let desired = org().team(
        "readers",
        team(TeamRole::Member)
            .members(&[], &["bot"])
            .group("cn=readers"),
    );
    let desired = desired.robot("bot", "");
    for lack in [Lack::Disabled, Lack::Authentication("Database".into())] {
        let plan = diff_with(
            &desired,
            Some(&quay_org()),
            &lacking(&[(Feature::TeamSyncing, lack.clone())]),
        );
        let ops = ops(&plan);
        assert!(
            !ops.iter()
                .any(|op| matches!(op, Op::TeamSync(TeamSyncOp::EnableTeamSync { .. }))),
            "{ops:?}"
        );
        assert!(ops.iter().any(
            |op| matches!(op, Op::Team(TeamOp::CreateTeam { team, .. }) if team == "readers")
        ));
        assert!(ops
            .iter()
            .any(|op| matches!(op, Op::Member(MemberOp::AddTeamMember { .. }))));
        assert!(!plan.is_blocked());
        assert_eq!(
            kinds(&plan.problems),
            vec![ProblemKind::FeatureMissing {
                feature: Feature::TeamSyncing,
                lack,
                object: ObjectRef::Team("readers".into()),
                field: "group_dn",
            }]
        );
    }
    // Mirroring missing does not concern teams.
    let plan = diff_with(
        &desired,
        Some(&quay_org()),
        &lacking(&[(Feature::RepoMirror, Lack::Disabled)]),
    );
    assert!(plan.problems.is_empty());
    assert!(ops(&plan)
        .iter()
        .any(|op| matches!(op, Op::TeamSync(TeamSyncOp::EnableTeamSync { .. }))));
}

#[test]
fn a_mirror_the_endpoint_cannot_have_is_left_out_with_everything_it_implies() {
    let mirrored = repo()
        .mirror(mirror("puller"))
        .robots(&[("puller", Role::Read)])
        .notification(webhook("https://hooks.example.com/a"));
    let desired = org().robot("puller", "").repo("alpine", mirrored);
    let actual = quay_org().robot("puller", "").repo("alpine", quay_repo());
    let plan = diff_with(
        &desired,
        Some(&actual),
        &lacking(&[(Feature::RepoMirror, Lack::Disabled)]),
    );
    assert_eq!(
        ops(&plan),
        vec![
            Op::Permission(PermissionOp::SetPermission {
                repository: "alpine".into(),
                grantee: Grantee::Robot("puller".into()),
                role: Role::Read,
                from: None,
            }),
            Op::Notification(NotificationOp::CreateNotification {
                repository: "alpine".into(),
                notification: Box::new(webhook("https://hooks.example.com/a")),
            }),
        ],
        "the declared read, not the mirror's implicit write; no mirror, state or sync change"
    );
    assert_eq!(
        kinds(&plan.problems),
        vec![ProblemKind::FeatureMissing {
            feature: Feature::RepoMirror,
            lack: Lack::Disabled,
            object: ObjectRef::Repository("alpine".into()),
            field: "mirror",
        }]
    );
}

#[test]
fn a_repository_left_in_mirror_state_cannot_go_back_without_mirroring() {
    let desired = org().repo("alpine", repo());
    let actual = quay_org().repo("alpine", quay_repo().state(RepoState::Mirror));
    let plan = diff_with(
        &desired,
        Some(&actual),
        &lacking(&[(Feature::RepoMirror, Lack::Disabled)]),
    );
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    assert_eq!(
        kinds(&plan.problems),
        vec![ProblemKind::FeatureMissing {
            feature: Feature::RepoMirror,
            lack: Lack::Disabled,
            object: ObjectRef::Repository("alpine".into()),
            field: "state",
        }]
    );
}
