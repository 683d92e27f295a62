use super::builders::*;
use crate::model::{Role, TeamRole};
use crate::plan::{Member, Notice, ObjectRef, Op, PlanOptions};
use crate::plan::{MemberOp, PermissionOp, RobotOp};

fn prune_robots() -> PlanOptions {
    PlanOptions {
        prune_robots: true,
        ..options()
    }
}

#[test]
fn a_declared_missing_robot_is_created() {
    let plan = diff(&org().robot("ci", "CI robot"), Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![Op::Robot(RobotOp::CreateRobot {
            robot: "ci".into(),
            description: "CI robot".into()
        })]
    );
}

#[test]
fn a_present_robot_with_the_same_description_is_unchanged() {
    let desired = org().robot("ci", "CI robot");
    let actual = quay_org().robot("ci", "CI robot");
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty());
    assert!(plan.notices.is_empty());
    assert_eq!(plan.unchanged, 2); // organization + robot
}

#[test]
fn a_differing_robot_description_is_reported_never_recreated() {
    let desired = org().robot("ci", "new text");
    let actual = quay_org().robot("ci", "old text");
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(
        plan.notices,
        vec![Notice::RobotDescriptionDiffers {
            robot: "ci".into(),
            desired: "new text".into(),
            actual: "old text".into()
        }]
    );
    assert_eq!(plan.unchanged, 1); // only the organization
}

#[test]
fn an_undeclared_robot_is_reported_as_unmanaged() {
    let actual = quay_org().robot("stray", "");
    let plan = diff(&org(), Some(&actual));
    assert!(plan.is_empty());
    assert_eq!(
        plan.notices,
        vec![Notice::Unmanaged {
            object: ObjectRef::Robot("stray".into())
        }]
    );
    assert_eq!(plan.unmanaged(), 1);
}

#[test]
fn prune_deletes_an_undeclared_robot_instead_of_reporting_it() {
    let actual = quay_org().robot("stray", "").robot("kept", "");
    let desired = org().robot("kept", "");
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert_eq!(
        ops(&plan),
        vec![Op::Robot(RobotOp::DeleteRobot {
            robot: "stray".into()
        })]
    );
    assert!(plan.notices.is_empty());
}

#[test]
fn prune_never_deletes_the_robot_of_a_declared_mirror() {
    // The mirror's robot is not declared under `robots` but exists in Quay.
    let desired = org().repo("alpine", repo().mirror(mirror("puller")));
    let actual = quay_org().robot("puller", "").repo(
        "alpine",
        quay_repo()
            .mirror(mirror("puller"))
            .state(crate::model::RepoState::Mirror),
    );
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(
        plan.notices,
        vec![Notice::Unmanaged {
            object: ObjectRef::Robot("puller".into())
        }]
    );
}

#[test]
fn prune_never_deletes_a_robot_a_mirror_in_quay_still_uses() {
    // The declared mirror moves to `new`; `old` is still configured in Quay until the mirror
    // phase, which runs after robots are deleted.
    let desired = org()
        .robot("new", "")
        .repo("alpine", repo().mirror(mirror("new")));
    let actual = quay_org().robot("new", "").robot("old", "").repo(
        "alpine",
        quay_repo()
            .mirror(mirror("old"))
            .state(crate::model::RepoState::Mirror),
    );
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert!(!ops(&plan).contains(&Op::Robot(RobotOp::DeleteRobot {
        robot: "old".into()
    })));
    // An undeclared repository's mirror protects its robot too.
    let actual = quay_org()
        .robot("other", "")
        .repo("undeclared", quay_repo().mirror(mirror("other")));
    let plan = diff_with(&org(), Some(&actual), &prune_robots());
    assert!(plan.is_empty(), "{:?}", plan.changes);
}

#[test]
fn prune_never_deletes_a_robot_the_file_uses_elsewhere() {
    let desired = org()
        .team("devs", team(TeamRole::Member).members(&[], &["member"]))
        .repo("alpine", repo().robots(&[("granted", Role::Read)]));
    let actual = quay_org()
        .robot("member", "")
        .robot("granted", "")
        .team("devs", team(TeamRole::Member).members(&[], &["member"]))
        .repo("alpine", quay_repo().robots(&[("granted", Role::Read)]));
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(plan.unmanaged(), 2);
}

#[test]
fn a_pruned_robot_takes_its_memberships_and_permissions_with_it() {
    // Quay drops them with the robot: removing them one by one would fail afterwards.
    let desired = org()
        .team("devs", team(TeamRole::Member).members(&["alice"], &[]))
        .repo("alpine", repo().robots(&[]));
    let actual = quay_org()
        .robot("stray", "")
        .team(
            "devs",
            team(TeamRole::Member).members(&["alice"], &["stray"]),
        )
        .repo("alpine", quay_repo().robots(&[("stray", Role::Write)]));
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert_eq!(
        ops(&plan),
        vec![Op::Robot(RobotOp::DeleteRobot {
            robot: "stray".into()
        })]
    );
    // Without prune the robot stays, so its membership and permission are removed.
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            Op::Member(MemberOp::RemoveTeamMember {
                team: "devs".into(),
                member: Member::Robot("stray".into())
            }),
            Op::Permission(PermissionOp::RevokePermission {
                repository: "alpine".into(),
                grantee: crate::plan::Grantee::Robot("stray".into()),
                role: Role::Write
            }),
        ]
    );
}

#[test]
fn prune_keeps_a_robot_a_disabled_mirror_names_and_says_why() {
    // Quay has no mirror delete: a repository that no longer mirrors keeps its (disabled)
    // configuration, even in state NORMAL, and Quay refuses to delete its robot.
    let mut disabled = mirror("puller");
    disabled.is_enabled = false;
    let desired = org().robot("keep", "").repo("alpine", repo());
    let actual = quay_org()
        .robot("keep", "")
        .robot("puller", "")
        .robot("stray", "")
        .repo("alpine", quay_repo().mirror(disabled.clone()))
        .repo("other", quay_repo().mirror(disabled));
    let plan = diff_with(&desired, Some(&actual), &prune_robots());
    assert_eq!(
        ops(&plan),
        vec![Op::Robot(RobotOp::DeleteRobot {
            robot: "stray".into()
        })]
    );
    assert_eq!(
        plan.notices,
        vec![
            Notice::Unmanaged {
                object: ObjectRef::Repository("other".into())
            },
            Notice::RobotUsedByMirror {
                robot: "puller".into(),
                repositories: vec!["alpine".into(), "other".into()]
            },
        ]
    );
    // Without prune it is only unmanaged.
    let plan = diff(&desired, Some(&actual));
    assert!(plan.notices.contains(&Notice::Unmanaged {
        object: ObjectRef::Robot("puller".into())
    }));
    assert!(!plan
        .notices
        .iter()
        .any(|n| matches!(n, Notice::RobotUsedByMirror { .. })));
}

#[test]
fn the_robots_the_file_keeps_are_declared_or_used_by_it() {
    let desired = org()
        .robot("declared", "")
        .team("devs", team(TeamRole::Member).members(&[], &["member"]))
        .repo(
            "alpine",
            repo()
                .robots(&[("granted", Role::Read)])
                .mirror(mirror("puller")),
        );
    let kept: Vec<String> = crate::plan::robots_the_file_keeps(&desired)
        .into_iter()
        .collect();
    assert_eq!(kept, ["declared", "granted", "member", "puller"]);
}

fn fed(pairs: &[(&str, &str)]) -> Vec<crate::model::Federation> {
    pairs
        .iter()
        .map(|(issuer, subject)| crate::model::Federation {
            issuer: issuer.to_string(),
            subject: subject.to_string(),
        })
        .collect()
}

#[test]
fn federation_is_one_write_of_the_whole_list_on_any_difference() {
    use crate::plan::{FederationOp, Phase};
    let a = ("https://a.example.com", "s1");
    let b = ("https://b.example.com", "s2");
    let mut desired = org().robot("ci", "");
    desired.robot_federation.insert("ci".into(), fed(&[a, b]));

    // A robot created in the same run: its list comes after it, in the robots phase.
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan),
        vec![
            Op::Robot(RobotOp::CreateRobot {
                robot: "ci".into(),
                description: String::new()
            }),
            Op::Federation(FederationOp::SetRobotFederation {
                robot: "ci".into(),
                to: fed(&[a, b]),
                from: vec![],
            }),
        ]
    );
    assert!(plan.changes.iter().all(|c| c.phase == Phase::Robots));

    // The same pairs in another order: nothing to do.
    let mut actual = quay_org().robot("ci", "");
    actual.robot_federation.insert("ci".into(), fed(&[b, a]));
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty(), "{:?}", plan.changes);
    assert_eq!(plan.unchanged, 3, "organization, robot, its federation");

    // One subject changed: one replacement of the whole list.
    actual
        .robot_federation
        .insert("ci".into(), fed(&[a, ("https://b.example.com", "other")]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![Op::Federation(FederationOp::SetRobotFederation {
            robot: "ci".into(),
            to: fed(&[a, b]),
            from: fed(&[a, ("https://b.example.com", "other")]),
        })]
    );
    assert_eq!(plan.changes[0].op.kind(), crate::plan::ChangeKind::Update);

    // `[]` clears; an undeclared list is left alone.
    desired.robot_federation.insert("ci".into(), vec![]);
    let plan = diff(&desired, Some(&actual));
    assert!(matches!(
        ops(&plan)[..],
        [Op::Federation(FederationOp::ClearRobotFederation { .. })]
    ));
    desired.robot_federation.clear();
    assert!(diff(&desired, Some(&actual)).is_empty());
}

#[test]
fn federation_below_3_13_is_a_problem_for_that_robot_only() {
    use crate::plan::{Feature, Lack, ServerLimits};
    let mut desired = org().robot("ci", "").robot("plain", "");
    desired
        .robot_federation
        .insert("ci".into(), fed(&[("https://a.example.com", "s")]));
    desired.robot_federation.insert("plain".into(), vec![]);
    let options = PlanOptions {
        limits: ServerLimits {
            lacks: [(Feature::RobotFederation, Lack::OlderThan("3.13".into()))].into(),
            ..ServerLimits::default()
        },
        ..options()
    };
    let plan = diff_with(&desired, Some(&quay_org()), &options);
    assert_eq!(
        ops(&plan).len(),
        2,
        "both robots are created: {:?}",
        ops(&plan)
    );
    assert_eq!(plan.problems.len(), 1, "{:?}", plan.problems);
    assert_eq!(
        plan.problems[0].kind,
        crate::plan::ProblemKind::FeatureMissing {
            feature: Feature::RobotFederation,
            lack: Lack::OlderThan("3.13".into()),
            object: ObjectRef::Robot("ci".into()),
            field: "federation",
        }
    );
}
