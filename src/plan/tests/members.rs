use super::builders::*;
use crate::model::TeamRole;
use crate::plan::{Member, Notice, Op, Phase, PlanOptions};
use crate::plan::{MemberOp, TeamOp, TeamSyncOp};

fn add(team: &str, member: Member) -> Op {
    Op::Member(MemberOp::AddTeamMember {
        team: team.into(),
        member,
    })
}

fn remove(team: &str, member: Member) -> Op {
    Op::Member(MemberOp::RemoveTeamMember {
        team: team.into(),
        member,
    })
}

fn user(name: &str) -> Member {
    Member::User(name.into())
}

fn robot(name: &str) -> Member {
    Member::Robot(name.into())
}

#[test]
fn undeclared_members_are_not_managed() {
    let desired = org().team("devs", team(TeamRole::Member));
    let actual = quay_org().team("devs", team(TeamRole::Member).members(&["alice"], &["ci"]));
    let plan = diff(&desired, Some(&actual));
    assert!(plan.is_empty());
}

#[test]
fn missing_members_are_added_and_undeclared_ones_removed() {
    let desired = org().team(
        "devs",
        team(TeamRole::Member).members(&["alice", "bob"], &["ci"]),
    );
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member).members(&["bob", "carol", ME], &["old"]),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        phased(&plan),
        vec![
            (Phase::TeamMembers, add("devs", user("alice"))),
            (Phase::TeamMembers, add("devs", robot("ci"))),
            (Phase::TeamMembers, remove("devs", user("carol"))),
            // The token user is only protected in `owners`.
            (Phase::TeamMembers, remove("devs", user(ME))),
            (Phase::TeamMembers, remove("devs", robot("old"))),
        ]
    );
    assert_eq!(plan.unchanged, 3); // organization, team, bob
}

#[test]
fn a_pending_invitation_counts_as_present() {
    let desired = org().team("devs", team(TeamRole::Member).members(&["alice"], &[]));
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member)
            .members(&[], &[])
            .invited(&["alice", "zed"]),
    );
    let plan = diff(&desired, Some(&actual));
    // Never invite twice; an undeclared invitation is withdrawn.
    assert_eq!(ops(&plan), vec![remove("devs", user("zed"))]);
    assert_eq!(
        plan.notices,
        vec![Notice::InvitationPending {
            team: "devs".into(),
            user: "alice".into()
        }]
    );
}

#[test]
fn an_ldap_synced_team_has_only_its_robots_managed() {
    let desired = org().team(
        "ldap",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&["alice"], &["ci"]),
    );
    let actual = quay_org().team(
        "ldap",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&["carol"], &["old"])
            .invited(&["dave"]),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![add("ldap", robot("ci")), remove("ldap", robot("old"))]
    );
    assert!(plan.notices.is_empty());
}

#[test]
fn a_team_about_to_be_synced_has_only_its_robots_managed() {
    let desired = org().team(
        "ldap",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&["alice"], &["ci"]),
    );
    let actual = quay_org().team("ldap", team(TeamRole::Member).members(&["carol"], &[]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        phased(&plan),
        vec![
            (Phase::TeamMembers, add("ldap", robot("ci"))),
            (
                Phase::TeamSync,
                Op::TeamSync(TeamSyncOp::EnableTeamSync {
                    team: "ldap".into(),
                    sync: ldap("cn=devs"),
                    removes_users: None,
                })
            ),
        ]
    );
}

#[test]
fn a_new_team_gets_all_its_members_as_adds() {
    let desired = org().team("devs", team(TeamRole::Member).members(&["alice"], &["ci"]));
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan)[1..],
        [add("devs", user("alice")), add("devs", robot("ci"))]
    );
    // A new synced team: robots only, then the sync.
    let desired = org().team(
        "devs",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&["alice"], &["ci"]),
    );
    let plan = diff(&desired, Some(&quay_org()));
    assert_eq!(
        ops(&plan)[1..],
        [
            add("devs", robot("ci")),
            Op::TeamSync(TeamSyncOp::EnableTeamSync {
                team: "devs".into(),
                sync: ldap("cn=devs"),
                removes_users: None,
            })
        ]
    );
}

#[test]
fn ending_a_sync_moves_user_changes_after_the_disable() {
    // Quay refuses user changes on a synced team, and the team-sync phase runs after the
    // team-members phase: the user changes wait for the disable.
    let desired = org().team("devs", team(TeamRole::Member).members(&["alice"], &["ci"]));
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&["carol"], &[]),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        phased(&plan),
        vec![
            (Phase::TeamMembers, add("devs", robot("ci"))),
            (
                Phase::TeamSync,
                Op::TeamSync(TeamSyncOp::DisableTeamSync {
                    team: "devs".into(),
                    from: ldap("cn=devs"),
                })
            ),
            (Phase::TeamSync, add("devs", user("alice"))),
            (Phase::TeamSync, remove("devs", user("carol"))),
        ]
    );
}

#[test]
fn the_token_user_stays_in_owners_unless_named() {
    let desired = org().team("owners", team(TeamRole::Admin).members(&["alice"], &[]));
    let actual = quay_org(); // owners: ME
    let plan = diff(&desired, Some(&actual));
    assert_eq!(ops(&plan), vec![add("owners", user("alice"))]);

    // Another user in owners is removed as usual.
    let actual = quay_org().team("owners", team(TeamRole::Admin).members(&[ME, "bob"], &[]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![add("owners", user("alice")), remove("owners", user("bob"))]
    );

    // Without a known token user nothing is protected.
    let mut options = options();
    options.token_user = None;
    let plan = diff_with(&desired, Some(&quay_org()), &options);
    assert_eq!(
        ops(&plan),
        vec![add("owners", user("alice")), remove("owners", user(ME))]
    );
}

#[test]
fn unread_actual_members_count_as_none() {
    let desired = org().team("devs", team(TeamRole::Member).members(&["alice"], &[]));
    let actual = quay_org().team("devs", team(TeamRole::Member));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(ops(&plan), vec![add("devs", user("alice"))]);
}

#[test]
fn team_sync_is_enabled_changed_and_disabled() {
    let enable = Op::TeamSync(TeamSyncOp::EnableTeamSync {
        team: "devs".into(),
        sync: ldap("cn=new"),
        removes_users: None,
    });
    let disable = Op::TeamSync(TeamSyncOp::DisableTeamSync {
        team: "devs".into(),
        from: ldap("cn=old"),
    });
    let cases = [
        (None, Some("cn=new"), vec![enable.clone()]),
        (
            Some("cn=old"),
            Some("cn=new"),
            vec![disable.clone(), enable.clone()],
        ),
        (Some("cn=old"), None, vec![disable.clone()]),
        (Some("cn=new"), Some("cn=new"), vec![]),
        (None, None, vec![]),
    ];
    for (have, want, expected) in cases {
        let mut have_team = team(TeamRole::Member);
        have_team.sync = have.map(ldap);
        let mut want_team = team(TeamRole::Member);
        want_team.sync = want.map(ldap);
        let plan = diff(
            &org().team("devs", want_team),
            Some(&quay_org().team("devs", have_team)),
        );
        assert_eq!(ops(&plan), expected, "{have:?} -> {want:?}");
        assert!(plan.changes.iter().all(|c| c.phase == Phase::TeamSync));
        // The team counts as unchanged only when its sync needs nothing either.
        assert_eq!(plan.unchanged, if expected.is_empty() { 2 } else { 1 });
    }
}

#[test]
fn the_token_user_stays_in_a_declared_admin_team_unless_named() {
    // Quay refuses to remove users from their only admin team, and mqc must keep its access.
    let actual = quay_org().team("admins", team(TeamRole::Member).members(&[ME, "bob"], &[]));
    let desired = org().team("admins", team(TeamRole::Admin).members(&[], &[]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            Op::Team(TeamOp::UpdateTeam {
                team: "admins".into(),
                role: TeamRole::Admin,
                description: String::new(),
                from_role: TeamRole::Member,
                from_description: String::new()
            }),
            remove("admins", user("bob")),
        ]
    );
    // In a team declared with another role, the token user is managed like anyone.
    let desired = org().team("admins", team(TeamRole::Creator).members(&["bob"], &[]));
    let plan = diff(&desired, Some(&actual));
    assert_eq!(ops(&plan)[1..], [remove("admins", user(ME))]);
}

fn ldap(group_dn: &str) -> crate::model::TeamSync {
    crate::model::TeamSync::Ldap {
        group_dn: group_dn.to_string(),
    }
}

#[test]
fn an_oidc_sync_counts_the_users_it_removes_and_owns_the_users() {
    let desired = org().team(
        "devs",
        team(TeamRole::Member)
            .oidc_group("acme-devs")
            .members(&[], &["ci"]),
    );
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member).members(&["alice", "bob"], &["ci"]),
    );
    let plan = diff(&desired, Some(&actual));
    let enable = Op::TeamSync(TeamSyncOp::EnableTeamSync {
        team: "devs".into(),
        sync: crate::model::TeamSync::Oidc {
            group_name: "acme-devs".into(),
        },
        removes_users: Some(2),
    });
    assert_eq!(
        ops(&plan),
        vec![enable.clone()],
        "no user removals: the sync owns them"
    );
    assert!(enable.as_kind().one_way());

    // Synced already (Quay removed the users): nothing to do.
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member)
            .oidc_group("acme-devs")
            .members(&[], &["ci"]),
    );
    assert!(diff(&desired, Some(&actual)).is_empty());

    // Synced from LDAP before: disable, then the OIDC sync.
    let actual = quay_org().team(
        "devs",
        team(TeamRole::Member)
            .group("cn=devs")
            .members(&[], &["ci"]),
    );
    let plan = diff(&desired, Some(&actual));
    assert_eq!(
        ops(&plan),
        vec![
            Op::TeamSync(TeamSyncOp::DisableTeamSync {
                team: "devs".into(),
                from: ldap("cn=devs"),
            }),
            Op::TeamSync(TeamSyncOp::EnableTeamSync {
                team: "devs".into(),
                sync: crate::model::TeamSync::Oidc {
                    group_name: "acme-devs".into(),
                },
                removes_users: Some(0),
            }),
        ]
    );
}

#[test]
fn a_sync_key_the_authentication_does_not_take_is_a_problem() {
    use crate::plan::{Feature, Lack, ProblemKind, ServerLimits};
    let desired = org()
        .team("oidc", team(TeamRole::Member).oidc_group("g"))
        .team("ldap", team(TeamRole::Member).group("cn=g"));
    for (auth, refused, field) in [("LDAP", "oidc", "group_name"), ("OIDC", "ldap", "group_dn")] {
        let options = PlanOptions {
            limits: ServerLimits {
                authentication: Some(auth.into()),
                ..ServerLimits::default()
            },
            ..options()
        };
        let plan = diff_with(&desired, Some(&quay_org()), &options);
        assert_eq!(plan.problems.len(), 1, "{auth}: {:?}", plan.problems);
        assert_eq!(
            plan.problems[0].kind,
            ProblemKind::FeatureMissing {
                feature: Feature::TeamSyncing,
                lack: Lack::Authentication(auth.into()),
                object: crate::plan::ObjectRef::Team(refused.into()),
                field,
            }
        );
        let syncs = ops(&plan)
            .into_iter()
            .filter(|op| matches!(op, Op::TeamSync(_)))
            .count();
        assert_eq!(syncs, 1, "{auth}: the other team is synced");
    }
}
