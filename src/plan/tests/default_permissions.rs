//! Default permissions: the exact-list diff, duplicates, cascades with pruned robots and teams,
//! and the permissions a repository created in the same run gets from them.

use super::builders::*;
use crate::model::{DefaultPermission, Delegate, Role, TeamRole};
use crate::plan::{DefaultPermissionOp, Op, PermissionOp, PlanOptions};

fn default(role: Role, delegate: Delegate, activating_user: Option<&str>) -> DefaultPermission {
    DefaultPermission {
        role,
        delegate,
        activating_user: activating_user.map(str::to_string),
        id: None,
    }
}

fn read(mut d: DefaultPermission, id: &str) -> DefaultPermission {
    d.id = Some(id.to_string());
    d
}

fn defaults_ops(plan: &crate::plan::TargetPlan) -> Vec<DefaultPermissionOp> {
    ops(plan)
        .into_iter()
        .filter_map(|op| match op {
            Op::DefaultPermission(op) => Some(op),
            _ => None,
        })
        .collect()
}

#[test]
fn absent_means_not_managed_and_nothing_is_read_or_planned() {
    let mut actual = quay_org();
    actual.default_permissions = Some(vec![read(
        default(Role::Read, Delegate::User("bob".into()), None),
        "p1",
    )]);
    let plan = diff(&org(), Some(&actual));
    assert!(defaults_ops(&plan).is_empty());
}

#[test]
fn the_declared_list_is_exact_and_a_role_changes_in_place() {
    let devs = default(Role::Write, Delegate::Team("devs".into()), None);
    let mut desired = org().team("devs", team(TeamRole::Member));
    desired.default_permissions = Some(vec![
        devs.clone(),
        default(Role::Read, Delegate::Robot("ci".into()), Some("alice")),
    ]);
    let mut actual = quay_org().team("devs", team(TeamRole::Member));
    actual.default_permissions = Some(vec![
        read(
            default(Role::Read, Delegate::Team("devs".into()), None),
            "p1",
        ),
        read(
            default(Role::Admin, Delegate::User("carol".into()), None),
            "p2",
        ),
    ]);
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        defaults_ops(&plan),
        vec![
            DefaultPermissionOp::DeleteDefaultPermission {
                permission: read(
                    default(Role::Admin, Delegate::User("carol".into()), None),
                    "p2"
                ),
            },
            DefaultPermissionOp::SetDefaultPermissionRole {
                permission: read(
                    default(Role::Read, Delegate::Team("devs".into()), None),
                    "p1"
                ),
                role: Role::Write,
            },
            DefaultPermissionOp::CreateDefaultPermission {
                permission: default(Role::Read, Delegate::Robot("ci".into()), Some("alice")),
            },
        ]
    );
}

#[test]
fn of_duplicates_the_one_with_the_declared_role_is_kept() {
    let devs = default(Role::Write, Delegate::Team("devs".into()), None);
    let mut desired = org().team("devs", team(TeamRole::Member));
    desired.default_permissions = Some(vec![devs.clone()]);
    let mut actual = quay_org().team("devs", team(TeamRole::Member));
    actual.default_permissions = Some(vec![
        read(
            default(Role::Read, Delegate::Team("devs".into()), None),
            "p1",
        ),
        read(devs.clone(), "p2"),
    ]);
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        defaults_ops(&plan),
        vec![DefaultPermissionOp::DeleteDefaultPermission {
            permission: read(
                default(Role::Read, Delegate::Team("devs".into()), None),
                "p1"
            ),
        }]
    );
    assert_eq!(
        plan.unchanged, 3,
        "email, owners and the kept default permission"
    );
}

#[test]
fn a_pruned_robot_takes_its_default_permissions_with_it() {
    let mut desired = org();
    desired.default_permissions = Some(Vec::new());
    let mut actual = quay_org().robot("old", "");
    actual.default_permissions = Some(vec![read(
        default(Role::Read, Delegate::Robot("old".into()), None),
        "p1",
    )]);
    let options = PlanOptions {
        prune_robots: true,
        ..options()
    };
    let plan = diff_with(&desired, Some(&actual), &options);
    assert!(defaults_ops(&plan).is_empty(), "{:?}", ops(&plan));
    assert_eq!(plan.changes.len(), 1, "only the robot's deletion");
}

#[test]
fn a_repository_created_in_the_same_run_gets_the_default_permissions_without_a_grant() {
    let mut desired = org()
        .robot("ci", "")
        .team("devs", team(TeamRole::Member))
        .repo(
            "app",
            repo()
                .teams(&[("devs", Role::Write)])
                .robots(&[])
                .users(&[("bob", Role::Read)]),
        );
    desired.default_permissions = Some(vec![
        default(Role::Write, Delegate::Team("devs".into()), None),
        default(Role::Read, Delegate::Robot("ci".into()), None),
        // Only for repositories alice creates: not this one (mqc's token creates it).
        default(Role::Admin, Delegate::Team("devs".into()), Some("alice")),
    ]);
    let plan = diff(&desired, Some(&quay_org()));
    let permissions: Vec<Op> = ops(&plan)
        .into_iter()
        .filter(|op| matches!(op, Op::Permission(_)))
        .collect();
    assert_eq!(
        permissions,
        vec![
            Op::Permission(PermissionOp::SetPermission {
                repository: "app".into(),
                grantee: crate::plan::Grantee::User("bob".into()),
                role: Role::Read,
                from: None,
            }),
            // Declared `robots: []`: the default's grant is revoked in the same run.
            Op::Permission(PermissionOp::RevokePermission {
                repository: "app".into(),
                grantee: crate::plan::Grantee::Robot("ci".into()),
                role: Role::Read,
            }),
        ]
    );
}
