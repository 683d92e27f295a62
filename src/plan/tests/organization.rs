use super::builders::*;
use crate::model::{RepoState, Role, TeamRole, Visibility};
use crate::plan::{ChangeKind, Grantee, Member, Op, Phase};
use crate::plan::{
    MemberOp, MirrorOp, NotificationOp, OrganizationOp, PermissionOp, RepositoryOp, RobotOp, TeamOp,
};

#[test]
fn a_missing_organization_is_created_with_everything_in_it() {
    let desired = org()
        .email("team@example.com")
        .robot("writer", "Writer")
        .team(
            "devs",
            team(TeamRole::Member).members(&["alice"], &["writer"]),
        )
        .repo(
            "alpine",
            repo()
                .description("Alpine")
                .visibility(Visibility::Private)
                .users(&[("alice", Role::Read)])
                .teams(&[("devs", Role::Write)])
                .mirror(mirror("writer"))
                .notification(webhook("https://hooks.example.com/a")),
        );
    let plan = diff(&desired, None);
    assert_eq!(
        phased(&plan),
        vec![
            (
                Phase::Organizations,
                Op::Organization(OrganizationOp::CreateOrganization {
                    email: Some("team@example.com".into())
                })
            ),
            (
                Phase::Robots,
                Op::Robot(RobotOp::CreateRobot {
                    robot: "writer".into(),
                    description: "Writer".into()
                })
            ),
            (
                Phase::Teams,
                Op::Team(TeamOp::CreateTeam {
                    team: "devs".into(),
                    role: TeamRole::Member,
                    description: String::new()
                })
            ),
            (
                Phase::TeamMembers,
                Op::Member(MemberOp::AddTeamMember {
                    team: "devs".into(),
                    member: Member::User("alice".into())
                })
            ),
            (
                Phase::TeamMembers,
                Op::Member(MemberOp::AddTeamMember {
                    team: "devs".into(),
                    member: Member::Robot("writer".into())
                })
            ),
            (
                Phase::Repositories,
                Op::Repository(RepositoryOp::CreateRepository {
                    repository: "alpine".into(),
                    description: "Alpine".into(),
                    visibility: Visibility::Private
                })
            ),
            (
                Phase::Permissions,
                Op::Permission(PermissionOp::SetPermission {
                    repository: "alpine".into(),
                    grantee: Grantee::User("alice".into()),
                    role: Role::Read,
                    from: None
                })
            ),
            (
                Phase::Permissions,
                Op::Permission(PermissionOp::SetPermission {
                    repository: "alpine".into(),
                    grantee: Grantee::Team("devs".into()),
                    role: Role::Write,
                    from: None
                })
            ),
            (
                Phase::Mirrors,
                Op::Mirror(MirrorOp::CreateMirror {
                    repository: "alpine".into(),
                    mirror: Box::new(mirror("writer"))
                })
            ),
            (
                Phase::Mirrors,
                Op::Mirror(MirrorOp::SyncMirrorNow {
                    repository: "alpine".into()
                })
            ),
            (
                Phase::Notifications,
                Op::Notification(NotificationOp::CreateNotification {
                    repository: "alpine".into(),
                    notification: Box::new(webhook("https://hooks.example.com/a"))
                })
            ),
        ]
    );
    assert_eq!(plan.unchanged, 0);
    assert!(plan.notices.is_empty());
}

#[test]
fn a_missing_organization_without_email_is_created_without_one() {
    let plan = diff(&org(), None);
    assert_eq!(
        ops(&plan),
        vec![Op::Organization(OrganizationOp::CreateOrganization {
            email: None
        })]
    );
}

#[test]
fn a_declared_owners_team_of_a_new_organization_is_not_created_again() {
    // Quay creates `owners` (admin, creator as member) with the organization.
    let desired = org().team("owners", team(TeamRole::Admin).members(&["alice"], &["ci"]));
    let desired = desired.robot("ci", "");
    let plan = diff(&desired, None);
    assert_eq!(
        ops(&plan),
        vec![
            Op::Organization(OrganizationOp::CreateOrganization { email: None }),
            Op::Robot(RobotOp::CreateRobot {
                robot: "ci".into(),
                description: String::new()
            }),
            Op::Member(MemberOp::AddTeamMember {
                team: "owners".into(),
                member: Member::User("alice".into())
            }),
            Op::Member(MemberOp::AddTeamMember {
                team: "owners".into(),
                member: Member::Robot("ci".into())
            }),
        ]
    );
}

#[test]
fn a_differing_email_is_updated() {
    let actual = quay_org().email("old@example.com");
    let plan = diff(&org().email("new@example.com"), Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![Op::Organization(OrganizationOp::UpdateOrganizationEmail {
            from: Some("old@example.com".into()),
            to: "new@example.com".into()
        })]
    );
    assert_eq!(plan.changes[0].op.kind(), ChangeKind::Update);
    assert_eq!(plan.unchanged, 0);

    let no_email = quay_org();
    let plan = diff(&org().email("new@example.com"), Some(&no_email));
    assert_eq!(
        ops(&plan),
        vec![Op::Organization(OrganizationOp::UpdateOrganizationEmail {
            from: None,
            to: "new@example.com".into()
        })]
    );
}

#[test]
fn an_undeclared_email_is_never_touched() {
    let actual = quay_org().email("old@example.com");
    let plan = diff(&org(), Some(&actual));
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, 1);
}

#[test]
fn an_organization_in_sync_yields_no_changes() {
    let desired = org()
        .email("team@example.com")
        .robot("writer", "Writer")
        .robot("reader", "Reader")
        .team(
            "devs",
            team(TeamRole::Creator)
                .description("Developers")
                .members(&["alice", "bob"], &["reader"]),
        )
        .team(
            "ldap",
            team(TeamRole::Member)
                .group("cn=ldap")
                .members(&[], &["reader"]),
        )
        .repo(
            "alpine",
            repo()
                .description("Alpine")
                .users(&[("alice", Role::Admin)])
                .robots(&[("reader", Role::Read), ("writer", Role::Write)])
                .teams(&[("devs", Role::Write)])
                .mirror(mirror("writer"))
                .notification(webhook("https://hooks.example.com/a")),
        )
        .repo("nested/plain", repo().visibility(Visibility::Private));
    let mut actual = desired.clone();
    // What Quay adds and shows that the file does not say.
    actual
        .teams
        .insert("owners".into(), team(TeamRole::Admin).members(&[ME], &[]));
    actual.teams.get_mut("ldap").unwrap().members = Some(crate::model::TeamMembers {
        users: ["carol".to_string()].into(),
        robots: ["reader".to_string()].into(),
        invited_users: Default::default(),
    });
    let alpine = actual.repositories.get_mut("alpine").unwrap();
    alpine.state = RepoState::Mirror;
    alpine
        .permissions
        .users
        .as_mut()
        .unwrap()
        .insert(ME.into(), Role::Admin);
    alpine.notifications = Some(vec![stored(webhook("https://hooks.example.com/a"), "u1")]);
    let plain = actual.repositories.get_mut("nested/plain").unwrap();
    *plain = quay_repo().visibility(Visibility::Private);

    let plan = diff(&desired, Some(&actual));
    assert_eq!(ops(&plan), vec![]);
    assert!(plan.notices.is_empty(), "{:?}", plan.notices);
    // organization 1, robots 2, teams 2, members 3 + 1, repositories 2, permissions 4,
    // mirror 1, notification 1
    assert_eq!(plan.unchanged, 17);
}
