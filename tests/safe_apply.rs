//! Issue 11: what `create` must never do to a live organization although the plan says so.
//! Item 2 b: a list's removals wait for its grants and are cancelled when one fails. Item 4: a
//! plan refused by the safety threshold is reported as refused, with nothing removed.

mod common;

use common::*;
use quay_sim::{QuaySim, QuayVersion, RepoRole, TeamRole, Visibility};
use serde_json::Value;

/// The JSON result entry of the change whose op and JSON fields match.
fn result<'a>(report: &'a Value, op: &str, field: &str, name: &str) -> &'a Value {
    report["targets"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["op"] == op && (r[field]["name"] == name || r[field] == name))
        .unwrap_or_else(|| panic!("no {op} {name} in {report:#}"))
}

/// `acme` with repository `app` where `alice` is admin, and team `devs` whose only member is
/// `alice`: the access an edit of the file must not take away by accident.
fn acme_with_alice(quay: &QuaySim) {
    quay.create_org("acme", "admin").expect("org");
    quay.create_repo("acme", "app", Visibility::Private)
        .expect("repo");
    quay.set_user_permission("acme", "app", "alice", Some(RepoRole::Admin))
        .expect("permission");
    quay.create_team("acme", "devs", TeamRole::Member)
        .expect("team");
    quay.add_team_member("acme", "devs", "alice")
        .expect("member");
}

/// Replacing `alice` by `bob` in a permission list and in a team's members, when Quay fails
/// both grants. Not a misspelled name: a check before any write (issue 11, item 2 a) stops
/// those. Here `bob` exists and every plan-time check passes, but Quay answers 500 to the two
/// writes that grant him access (its database refusing the write, say): nothing mqc can know
/// before sending them. Then `alice` must keep her access, and the report must say that her
/// removals were not sent, and why.
#[test]
fn a_failed_grant_keeps_the_access_it_was_to_replace() {
    let quay1 = sim(QuayVersion::Head, false);
    acme_with_alice(&quay1);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "acme.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: acme\nrepositories:\n  - name: app\n    \
             visibility: private\n    permissions:\n      users:\n        - name: bob\n          \
             role: admin\nteams:\n  - name: devs\n    role: member\n    members:\n      users: \
             [bob]\n"
        ),
    );
    quay1.fail_requests("PUT", "/api/v1/repository/acme/app/permissions/user/bob");
    quay1.fail_requests("PUT", "/api/v1/organization/acme/team/devs/members/bob");
    quay1.reset_stats();

    let run = fixture.mqc(&["create", "--output", "json"]);
    run.expect_code(1);

    let state = quay1.state();
    let acme = &state["organizations"]["acme"];
    assert_eq!(
        acme["repositories"]["app"]["user_permissions"],
        serde_json::json!({"alice": "admin"})
    );
    assert_eq!(
        acme["teams"]["devs"]["members"],
        serde_json::json!(["alice"])
    );
    let stats = quay1.stats();
    assert_eq!(stats.by_method.get("DELETE"), None, "{stats:?}");
    assert_eq!(stats.writes, 2, "only the two failed grants: {stats:?}");

    let report = run.json();
    let grant = result(&report, "set_permission", "grantee", "bob");
    assert_eq!(grant["status"], "failed");
    let revoke = result(&report, "revoke_permission", "grantee", "alice");
    assert_eq!(revoke["status"], "skipped");
    assert_eq!(
        revoke["reason"],
        "not removed because granting user bob admin on acme/app failed"
    );
    let add = result(&report, "add_team_member", "member", "bob");
    assert_eq!(add["status"], "failed");
    let remove = result(&report, "remove_team_member", "member", "alice");
    assert_eq!(remove["status"], "skipped");
    assert_eq!(
        remove["reason"],
        "not removed because adding user bob to team devs failed"
    );
    assert_eq!(report["totals"]["failed"], 2);
    assert_eq!(report["totals"]["skipped"], 2);
    assert_eq!(report["totals"]["remove"], 0);

    // The human summary says the same.
    let human = fixture.mqc(&["create"]);
    human.expect_code(1);
    assert!(
        human.stdout.contains(
            ": - revoke user alice on acme/app (was admin): skipped, not removed because \
             granting user bob admin on acme/app failed\n"
        ),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(
            ": - remove user alice from team devs: skipped, not removed because adding user \
             bob to team devs failed\n"
        ),
        "{}",
        human.stdout
    );
    assert_eq!(quay1.stats().by_method.get("DELETE"), None);
}
