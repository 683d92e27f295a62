use super::builders::*;
use crate::model::{Role, TeamRole};
use crate::plan::{Grantee, Notice, ObjectRef, Op, Phase, PlanOptions};
use crate::plan::{MemberOp, PermissionOp, TeamOp};

fn prune_teams() -> PlanOptions {
    PlanOptions {
        prune_teams: true,
        ..options()
    }
}

#[test]
fn a_declared_missing_team_is_created() {
    let desired = org().team("devs", team(TeamRole::Creator).description("Developers"));
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![Op::Team(TeamOp::CreateTeam {
            team: "devs".into(),
            role: TeamRole::Creator,
            description: "Developers".into()
        })]
    );
}

#[test]
fn role_and_description_changes_are_one_update() {
    let actual = quay_org().team("devs", team(TeamRole::Member).description("old"));
    let update = |role, description: &str| {
        Op::Team(TeamOp::UpdateTeam {
            team: "devs".into(),
            role,
            description: description.into(),
            from_role: TeamRole::Member,
            from_description: "old".into(),
        })
    };
    for (want, expected) in [
        (
            team(TeamRole::Admin).description("old"),
            update(TeamRole::Admin, "old"),
        ),
        (
            team(TeamRole::Member).description("new"),
            update(TeamRole::Member, "new"),
        ),
        (
            team(TeamRole::Admin).description("new"),
            update(TeamRole::Admin, "new"),
        ),
    ] {
        let plan = diff(&org().team("devs", want), Some(&actual));
        assert_eq!(ops(&plan), vec![expected]);
    }
    let plan = diff(
        &org().team("devs", team(TeamRole::Member).description("old")),
        Some(&actual),
    );
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 2);
}

#[test]
fn an_undeclared_team_is_unmanaged_or_pruned() {
    let actual = quay_org().team("stray", team(TeamRole::Member));
    let plan = diff(&org(), Some(&actual));
    assert!(plan.is_empty());
    assert_eq!(
        plan.notices,
        vec![Notice::Unmanaged {
            object: ObjectRef::Team("stray".into())
        }]
    );
    let plan = diff_with(&org(), Some(&actual), &prune_teams());
    assert_eq!(
        ops(&plan),
        vec![Op::Team(TeamOp::DeleteTeam {
            team: "stray".into()
        })]
    );
    assert!(plan.notices.is_empty());
}

#[test]
fn prune_keeps_a_team_the_file_grants_permissions_to() {
    let desired = org().repo("alpine", repo().teams(&[("readers", Role::Read)]));
    let actual = quay_org()
        .team("readers", team(TeamRole::Member))
        .repo("alpine", quay_repo().teams(&[("readers", Role::Read)]));
    let plan = diff_with(&desired, Some(&actual), &prune_teams());
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(plan.unmanaged(), 1);
}

#[test]
fn a_pruned_team_takes_its_permissions_with_it() {
    let desired = org().repo("alpine", repo().teams(&[]));
    let actual = quay_org()
        .team("stray", team(TeamRole::Member))
        .repo("alpine", quay_repo().teams(&[("stray", Role::Write)]));
    let plan = diff_with(&desired, Some(&actual), &prune_teams());
    assert_eq!(
        ops(&plan),
        vec![Op::Team(TeamOp::DeleteTeam {
            team: "stray".into()
        })]
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![Op::Permission(PermissionOp::RevokePermission {
            repository: "alpine".into(),
            grantee: Grantee::Team("stray".into()),
            role: Role::Write
        })]
    );
}

#[test]
fn the_owners_team_is_left_alone_unless_declared() {
    let mut actual = quay_org();
    actual.teams.get_mut("owners").unwrap().description = "whatever".into();
    let both = PlanOptions {
        prune_teams: true,
        prune_robots: true,
        ..options()
    };
    let plan = diff_with(&org(), Some(&actual), &both);
    assert!(plan.is_empty());
    assert!(plan.notices.is_empty(), "owners is never reported");
}

#[test]
fn a_declared_owners_team_is_managed_but_never_deleted() {
    let actual = quay_org();
    let desired = org().team(
        "owners",
        team(TeamRole::Admin)
            .description("Owners")
            .members(&["alice"], &[]),
    );
    let plan = diff_with(
        &desired,
        Some(&actual),
        &PlanOptions {
            prune_teams: true,
            ..options()
        },
    );
    assert_eq!(
        phased(&plan),
        vec![
            (
                Phase::Teams,
                Op::Team(TeamOp::UpdateTeam {
                    team: "owners".into(),
                    role: TeamRole::Admin,
                    description: "Owners".into(),
                    from_role: TeamRole::Admin,
                    from_description: String::new()
                })
            ),
            (
                Phase::TeamMembers,
                Op::Member(MemberOp::AddTeamMember {
                    team: "owners".into(),
                    member: crate::plan::Member::User("alice".into())
                })
            ),
        ]
    );
    assert!(!ops(&plan)
        .iter()
        .any(|op| matches!(op, Op::Team(TeamOp::DeleteTeam { .. }))));
}
