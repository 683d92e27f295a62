use super::builders::*;
use crate::model::{Organization, RepoState, Role, TeamRole};
use crate::plan::{Phase, PlanOptions};

/// A plan touching every phase, with several objects per phase.
fn busy() -> (Organization, Organization) {
    let desired = org()
        .email("new@example.com")
        .robot("b-bot", "")
        .robot("a-bot", "")
        .team(
            "zeta",
            team(TeamRole::Admin).members(&["u2", "u1"], &["a-bot"]),
        )
        .team(
            "alpha",
            team(TeamRole::Member)
                .group("cn=alpha")
                .members(&[], &["b-bot"]),
        )
        .repo(
            "zz",
            repo()
                .users(&[("u2", Role::Read), ("u1", Role::Write)])
                .teams(&[("zeta", Role::Admin), ("alpha", Role::Read)])
                .mirror(mirror("a-bot"))
                .notification(webhook("https://hooks.example.com/2"))
                .notification(webhook("https://hooks.example.com/1")),
        )
        .repo(
            "aa",
            repo()
                .description("changed")
                .users(&[])
                .notifications(vec![]),
        );
    let actual = quay_org()
        .robot("stray", "")
        .team("zeta", team(TeamRole::Member).members(&["u9"], &[]))
        .repo(
            "aa",
            quay_repo()
                .users(&[("x", Role::Read), ("y", Role::Admin)])
                .mirror(mirror("stray"))
                .state(RepoState::Mirror)
                .notification(stored(webhook("https://hooks.example.com/x"), "u9"))
                .notification(stored(webhook("https://hooks.example.com/x"), "u1")),
        );
    (desired, actual)
}

#[test]
fn changes_are_ordered_by_phase_then_object_then_op() {
    let (desired, actual) = busy();
    let options = PlanOptions {
        prune_robots: true,
        ..options()
    };
    let plan = diff_with(&desired, Some(&actual), &options);
    let phases: Vec<Phase> = plan.changes.iter().map(|c| c.phase).collect();
    let mut sorted = phases.clone();
    sorted.sort();
    assert_eq!(phases, sorted);
    for phase in Phase::ALL {
        let objects: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.phase == phase)
            .map(|c| c.op.object())
            .collect();
        let mut sorted = objects.clone();
        sorted.sort();
        assert_eq!(objects, sorted, "{phase}");
    }
    let rendered: Vec<String> = plan
        .changes
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    assert_exact_order(&rendered);
}

/// The exact order, spelled out once: a change here is a deliberate change of the plan order.
fn assert_exact_order(rendered: &[String]) {
    let expected = [
        r#"{"phase":"organizations","op":"update_organization_email","from":null,"to":"new@example.com"}"#,
        r#"{"phase":"robots","op":"create_robot","robot":"a-bot","description":""}"#,
        r#"{"phase":"robots","op":"create_robot","robot":"b-bot","description":""}"#,
        r#"{"phase":"teams","op":"create_team","team":"alpha","role":"member","description":""}"#,
        r#"{"phase":"teams","op":"update_team","team":"zeta","role":"admin","description":"","from_role":"member","from_description":""}"#,
        r#"{"phase":"team_members","op":"add_team_member","team":"alpha","member":{"kind":"robot","name":"b-bot"}}"#,
        r#"{"phase":"team_members","op":"add_team_member","team":"zeta","member":{"kind":"user","name":"u1"}}"#,
        r#"{"phase":"team_members","op":"add_team_member","team":"zeta","member":{"kind":"user","name":"u2"}}"#,
        r#"{"phase":"team_members","op":"add_team_member","team":"zeta","member":{"kind":"robot","name":"a-bot"}}"#,
        r#"{"phase":"team_members","op":"remove_team_member","team":"zeta","member":{"kind":"user","name":"u9"}}"#,
        r#"{"phase":"team_sync","op":"enable_team_sync","team":"alpha","group_dn":"cn=alpha"}"#,
        r#"{"phase":"repositories","op":"update_repository_description","repository":"aa","from":"","to":"changed"}"#,
        r#"{"phase":"repositories","op":"create_repository","repository":"zz","description":"","visibility":"public"}"#,
        r#"{"phase":"permissions","op":"revoke_permission","repository":"aa","grantee":{"kind":"user","name":"x"},"role":"read"}"#,
        r#"{"phase":"permissions","op":"revoke_permission","repository":"aa","grantee":{"kind":"user","name":"y"},"role":"admin"}"#,
        r#"{"phase":"permissions","op":"set_permission","repository":"zz","grantee":{"kind":"user","name":"u1"},"role":"write","from":null}"#,
        r#"{"phase":"permissions","op":"set_permission","repository":"zz","grantee":{"kind":"user","name":"u2"},"role":"read","from":null}"#,
        r#"{"phase":"permissions","op":"set_permission","repository":"zz","grantee":{"kind":"team","name":"alpha"},"role":"read","from":null}"#,
        r#"{"phase":"permissions","op":"set_permission","repository":"zz","grantee":{"kind":"team","name":"zeta"},"role":"admin","from":null}"#,
    ];
    assert_eq!(&rendered[..expected.len()], &expected[..]);
    let tail: Vec<&str> = rendered[expected.len()..]
        .iter()
        .map(|r| {
            let op = r.split("\"op\":\"").nth(1).unwrap();
            &op[..op.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        tail,
        [
            "update_mirror",        // aa: disable
            "set_repository_state", // aa: back to NORMAL
            "create_mirror",        // zz
            "sync_mirror_now",      // zz
            "delete_notification",  // aa: u1
            "delete_notification",  // aa: u9
            "create_notification",  // zz: 1
            "create_notification",  // zz: 2
        ]
    );
    // `stray` is used by a mirror in Quay: not deleted despite prune.
    assert!(!rendered.iter().any(|r| r.contains("delete_robot")));
}

#[test]
fn the_same_inputs_give_the_same_plan() {
    let (desired, actual) = busy();
    let first = diff(&desired, Some(&actual));
    // Quay may list notifications in any order.
    let mut shuffled = actual.clone();
    shuffled
        .repositories
        .get_mut("aa")
        .unwrap()
        .notifications
        .as_mut()
        .unwrap()
        .reverse();
    assert_eq!(diff(&desired, Some(&shuffled)), first);
    assert_eq!(diff(&desired, Some(&actual)), first);
}

#[test]
fn notices_are_sorted_and_unique() {
    let actual = quay_org()
        .robot("r2", "")
        .robot("r1", "")
        .team("t1", team(TeamRole::Member))
        .repo("z", quay_repo())
        .repo("a", quay_repo());
    let plan = diff(&org(), Some(&actual));
    let mut sorted = plan.notices.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(plan.notices, sorted);
    assert_eq!(plan.unmanaged(), 5);
}

#[test]
fn every_change_acts_on_the_object_it_names() {
    let (desired, actual) = busy();
    let plan = diff(&desired, Some(&actual));
    for change in &plan.changes {
        let json = serde_json::to_value(&change.op).unwrap();
        let name = ["robot", "team", "repository"]
            .iter()
            .find_map(|key| json.get(*key).and_then(|v| v.as_str()).map(|n| (*key, n)));
        let expected = match name {
            Some(("robot", n)) => crate::plan::ObjectRef::Robot(n.into()),
            Some(("team", n)) => crate::plan::ObjectRef::Team(n.into()),
            Some((_, n)) => crate::plan::ObjectRef::Repository(n.into()),
            None => crate::plan::ObjectRef::Organization,
        };
        assert_eq!(change.op.object(), expected, "{json}");
        assert!(change
            .op
            .depends_on()
            .contains(&crate::plan::ObjectRef::Organization));
    }
}
