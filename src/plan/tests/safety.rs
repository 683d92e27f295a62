use super::builders::*;
use crate::model::{Organization, Role, TeamRole};
use crate::plan::{
    allowed_removals, check_safety, Change, Grantee, GuardedKind, Member, Op, TargetPlan,
};
use crate::plan::{MemberOp, NotificationOp, PermissionOp, RobotOp, TeamOp, TeamSyncOp};

fn plan_of(ops: Vec<Op>) -> TargetPlan {
    TargetPlan {
        target: target(),
        changes: ops.into_iter().map(Change::new).collect(),
        notices: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
    }
}

/// An organization with `n` robots.
fn with_robots(n: usize) -> Organization {
    (0..n).fold(quay_org(), |org, i| org.robot(&format!("r{i:02}"), ""))
}

fn delete_robots(n: usize) -> Vec<Op> {
    (0..n)
        .map(|i| {
            Op::Robot(RobotOp::DeleteRobot {
                robot: format!("r{i:02}"),
            })
        })
        .collect()
}

#[test]
fn the_threshold_is_five_or_thirty_percent_rounded_up() {
    assert_eq!(allowed_removals(0), 5);
    assert_eq!(allowed_removals(5), 5);
    assert_eq!(allowed_removals(16), 5);
    assert_eq!(allowed_removals(17), 6); // 5.1 → 6
    assert_eq!(allowed_removals(20), 6);
    assert_eq!(allowed_removals(21), 7); // 6.3 → 7
    assert_eq!(allowed_removals(100), 30);
}

#[test]
fn exactly_at_the_threshold_passes_and_one_more_fails() {
    let actual = with_robots(20);
    assert_eq!(
        check_safety(&plan_of(delete_robots(6)), Some(&actual)),
        Ok(())
    );
    let violation = check_safety(&plan_of(delete_robots(7)), Some(&actual)).unwrap_err();
    assert_eq!(violation.excess.len(), 1);
    assert_eq!(violation.excess[0].kind, GuardedKind::Robots);
    assert_eq!(violation.excess[0].removals, 7);
    assert_eq!(violation.excess[0].existing, 20);
    assert_eq!(violation.excess[0].allowed, 6);
    assert_eq!(
        violation.message,
        "refusing to change exampleorg on https://quay.example.com: the plan removes too much \
         of what exists\n  - 7 of 20 robots (at most 6 without --force): robot exampleorg+r00, \
         robot exampleorg+r01, robot exampleorg+r02, robot exampleorg+r03, robot exampleorg+r04, \
         robot exampleorg+r05, robot exampleorg+r06\nCheck the organization file; if these \
         removals are intended, re-run with --force."
    );
}

#[test]
fn five_of_five_passes_six_fails() {
    let actual = with_robots(5);
    assert_eq!(
        check_safety(&plan_of(delete_robots(5)), Some(&actual)),
        Ok(())
    );
    let actual = with_robots(6);
    assert!(check_safety(&plan_of(delete_robots(6)), Some(&actual)).is_err());
}

#[test]
fn a_long_list_is_cut_after_ten() {
    let actual = with_robots(30);
    let violation = check_safety(&plan_of(delete_robots(25)), Some(&actual)).unwrap_err();
    assert!(violation
        .message
        .contains("25 of 30 robots (at most 9 without --force)"));
    assert!(violation
        .message
        .contains("robot exampleorg+r09, and 15 more\n"));
    assert!(!violation.message.contains("r10"));
    assert_eq!(violation.excess[0].removed.len(), 25);
}

#[test]
fn permissions_count_across_all_repositories() {
    // 3 repositories × 4 permissions = 12 existing; 5 allowed.
    let mut actual = quay_org();
    for repository in ["a", "b", "c"] {
        actual = actual.repo(
            repository,
            quay_repo()
                .users(&[("u1", Role::Read), ("u2", Role::Read)])
                .robots(&[("r1", Role::Read)])
                .teams(&[("t1", Role::Read)]),
        );
    }
    let revoke = |repository: &str, grantee: Grantee| {
        Op::Permission(PermissionOp::RevokePermission {
            repository: repository.into(),
            grantee,
            role: Role::Read,
        })
    };
    let mut ops = vec![
        revoke("a", Grantee::User("u1".into())),
        revoke("a", Grantee::Robot("r1".into())),
        revoke("b", Grantee::Team("t1".into())),
        revoke("b", Grantee::User("u2".into())),
        revoke("c", Grantee::User("u2".into())),
    ];
    assert_eq!(check_safety(&plan_of(ops.clone()), Some(&actual)), Ok(()));
    ops.push(revoke("c", Grantee::Team("t1".into())));
    let violation = check_safety(&plan_of(ops), Some(&actual)).unwrap_err();
    assert_eq!(violation.excess[0].kind, GuardedKind::Permissions);
    assert!(
        violation.message.contains(
            "6 of 12 repository permissions (at most 5 without --force): user u1 on \
             exampleorg/a, robot exampleorg+r1 on exampleorg/a, team t1 on exampleorg/b"
        ),
        "{}",
        violation.message
    );
}

#[test]
fn members_count_across_all_teams_and_every_kind_is_reported() {
    let actual = quay_org()
        .team(
            "t1",
            team(TeamRole::Member)
                .members(&["a", "b", "c"], &["r"])
                .invited(&["i"]),
        )
        .team("t2", team(TeamRole::Member).members(&["d"], &[]));
    // owners: 1, t1: 5, t2: 1 → 7 members; 3 teams.
    let remove = |team: &str, member: Member| {
        Op::Member(MemberOp::RemoveTeamMember {
            team: team.into(),
            member,
        })
    };
    let mut ops: Vec<Op> = ["a", "b", "c", "i"]
        .iter()
        .map(|u| remove("t1", Member::User(u.to_string())))
        .collect();
    ops.push(remove("t1", Member::Robot("r".into())));
    ops.push(remove("t2", Member::User("d".into())));
    let violation = check_safety(&plan_of(ops.clone()), Some(&actual)).unwrap_err();
    assert_eq!(violation.excess.len(), 1);
    assert!(violation
        .message
        .contains("6 of 7 team members (at most 5 without --force): user a from team t1"));
    assert!(violation
        .message
        .contains("robot exampleorg+r from team t1"));

    // Teams too: 11 exist (owners, t1, t2, x0..x7), 5 allowed; each kind is reported.
    let actual = (0..8).fold(actual, |org, i| {
        org.team(&format!("x{i}"), team(TeamRole::Member))
    });
    ops.extend((0..6).map(|i| {
        Op::Team(TeamOp::DeleteTeam {
            team: format!("x{i}"),
        })
    }));
    let violation = check_safety(&plan_of(ops), Some(&actual)).unwrap_err();
    let kinds: Vec<GuardedKind> = violation.excess.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [GuardedKind::TeamMembers, GuardedKind::Teams]);
    assert!(violation
        .message
        .contains("\n  - 6 of 11 teams (at most 5 without --force): team x0, team x1"));
    assert_eq!(violation.to_string(), violation.message);
}

#[test]
fn a_new_organization_has_nothing_to_lose() {
    let plan = diff(&org().robot("ci", ""), None);
    assert_eq!(check_safety(&plan, None), Ok(()));
}

#[test]
fn changes_that_remove_nothing_guarded_pass() {
    let actual = with_robots(1);
    let ops = vec![
        Op::TeamSync(TeamSyncOp::DisableTeamSync {
            team: "t".into(),
            from: crate::model::TeamSync::Ldap {
                group_dn: "cn=x".into(),
            },
        }),
        Op::Notification(NotificationOp::DeleteNotification {
            repository: "a".into(),
            notification: Box::new(webhook("https://hooks.example.com/a")),
        }),
        Op::Robot(RobotOp::DeleteRobot {
            robot: "r00".into(),
        }),
    ];
    assert_eq!(check_safety(&plan_of(ops), Some(&actual)), Ok(()));
}
