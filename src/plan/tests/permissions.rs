use super::builders::*;
use crate::model::{RepoState, Role, TeamRole};
use crate::plan::{Grantee, ObjectRef, Op, Phase, PlanOptions};
use crate::plan::{MirrorOp, PermissionOp, RepositoryOp, TeamOp};

fn robot(name: &str) -> Grantee {
    Grantee::Robot(name.into())
}

fn team_(name: &str) -> Grantee {
    Grantee::Team(name.into())
}

#[test]
fn permissions_are_granted_changed_and_revoked_per_kind() {
    let actual = quay_org()
        .robot("ci", "")
        .robot("old", "")
        .team("devs", team(TeamRole::Member))
        .team("ops", team(TeamRole::Member))
        .repo(
            "alpine",
            quay_repo()
                .users(&[("bob", Role::Read), ("carol", Role::Write)])
                .robots(&[("ci", Role::Read), ("old", Role::Write)])
                .teams(&[("ops", Role::Admin)]),
        );
    let desired = org()
        .robot("ci", "")
        .team("devs", team(TeamRole::Member))
        .repo(
            "alpine",
            repo()
                .users(&[("alice", Role::Admin), ("bob", Role::Read)])
                .robots(&[("ci", Role::Write)])
                .teams(&[("devs", Role::Write)]),
        );
    let plan = diff(&desired, Some(&actual));
    let permission_ops: Vec<Op> = plan
        .changes
        .iter()
        .filter(|c| c.phase == Phase::Permissions)
        .map(|c| c.op.clone())
        .collect();
    assert_eq!(
        permission_ops,
        vec![
            grant("alpine", user("alice"), Role::Admin, None),
            grant("alpine", robot("ci"), Role::Write, Some(Role::Read)),
            grant("alpine", team_("devs"), Role::Write, None),
            revoke("alpine", user("carol"), Role::Write),
            revoke("alpine", robot("old"), Role::Write),
            revoke("alpine", team_("ops"), Role::Admin),
        ]
    );
}

#[test]
fn an_undeclared_kind_is_not_managed() {
    let actual = quay_org().repo(
        "alpine",
        quay_repo()
            .users(&[("bob", Role::Read)])
            .robots(&[("ci", Role::Read)])
            .teams(&[("ops", Role::Admin)]),
    );
    let desired = org().repo("alpine", repo().users(&[("bob", Role::Read)]));
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
}

#[test]
fn an_unread_actual_kind_counts_as_empty() {
    let actual = quay_org().repo("alpine", repo());
    let desired = org().repo("alpine", repo().teams(&[("devs", Role::Read)]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![grant("alpine", team_("devs"), Role::Read, None)]
    );
}

#[test]
fn the_token_users_admin_is_ignored_unless_named() {
    let actual = quay_org().repo(
        "alpine",
        quay_repo().users(&[(ME, Role::Admin), ("bob", Role::Read)]),
    );
    let desired = org().repo("alpine", repo().users(&[("bob", Role::Read)]));
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);

    // Named: managed like anyone.
    let desired = org().repo(
        "alpine",
        repo().users(&[("bob", Role::Read), (ME, Role::Read)]),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![grant("alpine", user(ME), Role::Read, Some(Role::Admin))]
    );

    // Without a known token user, every undeclared user is revoked.
    let options = PlanOptions {
        token_user: None,
        ..options()
    };
    let desired = org().repo("alpine", repo().users(&[("bob", Role::Read)]));
    let plan = diff_with(&desired, Some(&actual), &options);
    assert_eq!(ops(&plan), vec![revoke("alpine", user(ME), Role::Admin)]);
}

#[test]
fn a_new_repository_does_not_repeat_what_quay_grants_by_itself() {
    let create = Op::Repository(RepositoryOp::CreateRepository {
        repository: "alpine".into(),
        description: String::new(),
        visibility: crate::model::Visibility::Public,
    });
    // Declared admin for the token user: Quay already grants it.
    let desired = org().repo(
        "alpine",
        repo().users(&[(ME, Role::Admin), ("bob", Role::Read)]),
    );
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![
            create.clone(),
            grant("alpine", user("bob"), Role::Read, None)
        ]
    );
    assert_eq!(
        plan.unchanged, 1,
        "nothing of a new repository is found as declared"
    );

    // Another declared role is a change from Quay's admin.
    let desired = org().repo("alpine", repo().users(&[(ME, Role::Write)]));
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![
            create.clone(),
            grant("alpine", user(ME), Role::Write, Some(Role::Admin))
        ]
    );

    // Not named: left alone.
    let desired = org().repo("alpine", repo().users(&[]));
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(ops(&plan), vec![create]);
}

type Roles = &'static [(&'static str, Role)];

#[test]
fn the_mirror_robot_keeps_at_least_write() {
    let mirrored = |robots: &[(&str, Role)]| {
        quay_repo()
            .robots(robots)
            .mirror(mirror("puller"))
            .state(RepoState::Mirror)
    };
    let base = quay_org().robot("puller", "");
    let cases: [(Roles, Roles, Vec<Op>); 6] = [
        // Not declared: write, never revoked.
        (&[], &[("puller", Role::Write)], vec![]),
        (
            &[],
            &[],
            vec![grant("alpine", robot("puller"), Role::Write, None)],
        ),
        // Declared read: raised to write.
        (
            &[("puller", Role::Read)],
            &[("puller", Role::Read)],
            vec![grant(
                "alpine",
                robot("puller"),
                Role::Write,
                Some(Role::Read),
            )],
        ),
        (
            &[("puller", Role::Read)],
            &[("puller", Role::Write)],
            vec![],
        ),
        // Declared admin: admin.
        (
            &[("puller", Role::Admin)],
            &[("puller", Role::Admin)],
            vec![],
        ),
        (
            &[("puller", Role::Admin)],
            &[("puller", Role::Write)],
            vec![grant(
                "alpine",
                robot("puller"),
                Role::Admin,
                Some(Role::Write),
            )],
        ),
    ];
    for (declared, have, expected) in cases {
        let desired = org().repo("alpine", repo().robots(declared).mirror(mirror("puller")));
        let actual = base.clone().repo("alpine", mirrored(have));
        let plan = diff(&desired, Some(&actual));
        assert_eq!(ops(&plan), expected, "declared {declared:?}, have {have:?}");
    }
}

#[test]
fn the_mirror_robot_is_left_alone_when_robot_permissions_are_not_declared() {
    let desired = org().repo("alpine", repo().users(&[]).mirror(mirror("puller")));
    let actual = quay_org().robot("puller", "").repo(
        "alpine",
        quay_repo()
            .mirror(mirror("puller"))
            .state(RepoState::Mirror),
    );
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
}

#[test]
fn a_new_mirror_brings_its_robots_write_by_itself() {
    // New repository, robot declared read or write: Quay's grant is enough.
    for declared in [Role::Read, Role::Write] {
        let desired = org().robot("puller", "").repo(
            "alpine",
            repo()
                .robots(&[("puller", declared)])
                .mirror(mirror("puller")),
        );
        let plan = diff(&desired, None);
        assert!(
            !ops(&plan)
                .iter()
                .any(|op| matches!(op, Op::Permission(PermissionOp::SetPermission { .. }))),
            "{declared:?}: {:?}",
            plan.changes
        );
    }
    // Declared admin: granted before the mirror exists (Quay keeps an admin as it is).
    let desired = org().robot("puller", "").repo(
        "alpine",
        repo()
            .robots(&[("puller", Role::Admin)])
            .mirror(mirror("puller")),
    );
    let plan = diff(&desired, Some(&quay_org().robot("puller", "")));
    assert!(ops(&plan).contains(&grant("alpine", robot("puller"), Role::Admin, None)));

    // Existing repository without a mirror: the same.
    let desired = org().repo("alpine", repo().robots(&[]).mirror(mirror("puller")));
    let actual = quay_org()
        .robot("puller", "")
        .repo("alpine", quay_repo().robots(&[("puller", Role::Read)]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            Op::Mirror(MirrorOp::CreateMirror {
                repository: "alpine".into(),
                mirror: Box::new(mirror("puller"))
            }),
            Op::Mirror(MirrorOp::SyncMirrorNow {
                repository: "alpine".into()
            }),
        ]
    );
}

#[test]
fn a_mirror_switching_robot_brings_the_new_robots_write() {
    let desired = org().repo("alpine", repo().robots(&[]).mirror(mirror("new")));
    let actual = quay_org().robot("new", "").robot("old", "").repo(
        "alpine",
        quay_repo()
            .robots(&[("old", Role::Write)])
            .mirror(mirror("old"))
            .state(RepoState::Mirror),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            revoke("alpine", robot("old"), Role::Write),
            Op::Mirror(MirrorOp::UpdateMirror {
                repository: "alpine".into(),
                from: Box::new(mirror("old")),
                to: Box::new(mirror("new"))
            }),
            Op::Mirror(MirrorOp::SyncMirrorNow {
                repository: "alpine".into()
            }),
        ]
    );
}

#[test]
fn team_permissions_follow_their_team_and_terminate() {
    // The original tool looped forever on a repository with team permissions.
    let desired = org().team("devs", team(TeamRole::Member)).repo(
        "alpine",
        repo().teams(&[("devs", Role::Write), ("owners", Role::Admin)]),
    );
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        phased(&plan),
        vec![
            (
                Phase::Teams,
                Op::Team(TeamOp::CreateTeam {
                    team: "devs".into(),
                    role: TeamRole::Member,
                    description: String::new()
                })
            ),
            (
                Phase::Repositories,
                Op::Repository(RepositoryOp::CreateRepository {
                    repository: "alpine".into(),
                    description: String::new(),
                    visibility: crate::model::Visibility::Public
                })
            ),
            (
                Phase::Permissions,
                grant("alpine", team_("devs"), Role::Write, None)
            ),
            (
                Phase::Permissions,
                grant("alpine", team_("owners"), Role::Admin, None)
            ),
        ]
    );
    let deps = plan.changes[2].op.depends_on();
    assert!(deps.contains(&ObjectRef::Team("devs".into())));
    assert!(deps.contains(&ObjectRef::Repository("alpine".into())));
    assert_eq!(
        plan.changes[2].op.object(),
        ObjectRef::Repository("alpine".into())
    );

    // Applied: nothing left to do.
    let actual = quay_org().team("devs", team(TeamRole::Member)).repo(
        "alpine",
        quay_repo()
            .users(&[(ME, Role::Admin)])
            .teams(&[("devs", Role::Write), ("owners", Role::Admin)]),
    );
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
}

/// The mirror robot `writer` declared `write` on a new mirror of `alpine`, where team `devs`
/// has `team_role`; `in_team` says whether `writer` is one of its declared members.
fn mirror_robot_in_team(team_role: Role, in_team: bool) -> crate::model::Organization {
    let robots: &[&str] = if in_team { &["writer"] } else { &[] };
    org()
        .robot("writer", "")
        .team("devs", team(TeamRole::Member).members(&[], robots))
        .repo(
            "alpine",
            repo()
                .robots(&[("writer", Role::Write)])
                .teams(&[("devs", team_role)])
                .mirror(mirror("writer")),
        )
}

fn grants_writer(plan: &crate::plan::TargetPlan) -> bool {
    ops(plan).contains(&grant("alpine", robot("writer"), Role::Write, None))
}

#[test]
fn quay_skips_the_mirror_grant_when_a_team_gives_the_robot_write_or_admin() {
    // `_setup_robot_for_mirroring`: no grant when the robot's permission, teams included, is
    // already write or admin. mqc then grants the declared write itself, before the mirror.
    for role in [Role::Write, Role::Admin] {
        let desired = mirror_robot_in_team(role, true);
        for actual in [None, Some(quay_org())] {
            let plan = diff(&desired, actual.as_ref());
            assert!(grants_writer(&plan), "{role:?}: {:?}", plan.changes);
            let change = plan
                .changes
                .iter()
                .find(|c| c.op == grant("alpine", robot("writer"), Role::Write, None));
            assert_eq!(change.map(|c| c.phase), Some(Phase::Permissions));
        }
    }
    // A team with read, or a team the robot is not in: Quay grants it, mqc sends nothing.
    for (role, in_team) in [(Role::Read, true), (Role::Admin, false)] {
        let plan = diff(&mirror_robot_in_team(role, in_team), None);
        assert!(
            !grants_writer(&plan),
            "{role:?} {in_team}: {:?}",
            plan.changes
        );
    }
}

#[test]
fn the_mirror_grant_follows_the_teams_as_read_when_the_file_does_not_declare_them() {
    // Membership read from Quay (team declared without members).
    let desired = org()
        .robot("writer", "")
        .team("devs", team(TeamRole::Member))
        .repo(
            "alpine",
            repo()
                .robots(&[("writer", Role::Write)])
                .teams(&[("devs", Role::Admin)])
                .mirror(mirror("writer")),
        );
    let actual = |members: &[&str]| {
        quay_org()
            .robot("writer", "")
            .team("devs", team(TeamRole::Member).members(&[], members))
            .repo("alpine", quay_repo())
    };
    assert!(grants_writer(&diff(&desired, Some(&actual(&["writer"])))));
    assert!(!grants_writer(&diff(&desired, Some(&actual(&[])))));

    // Team permissions not declared, and not read: only a robot known to be in no team is
    // sure to get Quay's grant; otherwise mqc grants the write itself (one write, and Quay
    // then sees it and adds nothing).
    let desired = org().repo(
        "alpine",
        repo()
            .robots(&[("writer", Role::Write)])
            .mirror(mirror("writer")),
    );
    let mut unread = quay_repo();
    unread.permissions.teams = None;
    let with_team = |members: Option<&[&str]>| {
        let mut devs = team(TeamRole::Member);
        if let Some(members) = members {
            devs = devs.members(&[], members);
        }
        quay_org()
            .robot("writer", "")
            .team("devs", devs)
            .repo("alpine", unread.clone())
    };
    assert!(!grants_writer(&diff(&desired, Some(&with_team(Some(&[]))))));
    assert!(grants_writer(&diff(
        &desired,
        Some(&with_team(Some(&["writer"])))
    )));
    assert!(grants_writer(&diff(&desired, Some(&with_team(None)))));
}

#[test]
fn a_mirror_switching_to_a_robot_with_admin_through_a_team_gets_its_write_from_mqc() {
    let desired = org()
        .team("devs", team(TeamRole::Member).members(&[], &["new"]))
        .repo(
            "alpine",
            repo()
                .robots(&[])
                .teams(&[("devs", Role::Admin)])
                .mirror(mirror("new")),
        );
    let actual = quay_org()
        .robot("new", "")
        .robot("old", "")
        .team("devs", team(TeamRole::Member).members(&[], &["new"]))
        .repo(
            "alpine",
            quay_repo()
                .robots(&[("old", Role::Write)])
                .teams(&[("devs", Role::Admin)])
                .mirror(mirror("old"))
                .state(RepoState::Mirror),
        );
    let plan = diff(&desired, Some(&actual));
    assert!(ops(&plan).contains(&grant("alpine", robot("new"), Role::Write, None)));
}
