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

/// `guarded`: robots `bot1`…`bot7`, and team `crew` with alice, bob, carol and the seven robots.
/// The file keeps only `bot1` in the team: 6 of the 10 members go, above max(5, 30 %) = 5.
fn guarded(quay: &QuaySim, fixture: &Fixture) {
    quay.create_org("guarded", "admin").expect("org");
    quay.create_team("guarded", "crew", TeamRole::Member)
        .expect("team");
    for user in ["alice", "bob", "carol"] {
        quay.add_team_member("guarded", "crew", user)
            .expect("member");
    }
    let mut robots = String::new();
    for i in 1..=7 {
        quay.create_robot("guarded", &format!("bot{i}"), "")
            .expect("robot");
        quay.add_team_member("guarded", "crew", &format!("guarded+bot{i}"))
            .expect("robot member");
        robots.push_str(&format!("  - name: bot{i}\n"));
    }
    fixture.write_org(
        "guarded.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: guarded\nrobots:\n{robots}teams:\n  - \
             name: crew\n    members:\n      users: [alice, bob, carol]\n      robots: [bot1]\n"
        ),
    );
}

/// The line of `text` that starts with `prefix`, without the prefix.
fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

/// The target's line in a summary, after `✗ guarded on <endpoint>: `.
fn target_line<'a>(text: &'a str, section: &str) -> &'a str {
    let rest = &text[text
        .find(section)
        .unwrap_or_else(|| panic!("no {section}:\n{text}"))..];
    let line = line_after(rest, "  ✗ guarded on ");
    &line[line.find(": ").expect("target separator") + 2..]
}

#[track_caller]
fn assert_refusal_json(report: &Value) {
    let target = &report["targets"][0];
    assert_eq!(target["error"], Value::Null);
    let refused = &target["refused"];
    assert_eq!(refused["by"], "safety_threshold");
    assert_eq!(refused["override"], "--force");
    let removed: Vec<String> = (2..=7)
        .map(|i| format!("robot guarded+bot{i} from team crew"))
        .collect();
    assert_eq!(
        refused["kinds"],
        serde_json::json!([{
            "kind": "team_members",
            "removals": 6,
            "existing": 10,
            "allowed": 5,
            "removed": removed,
        }])
    );
    let totals = &report["totals"];
    for count in [
        "create",
        "update",
        "remove",
        "failed",
        "skipped",
        "target_errors",
    ] {
        assert_eq!(totals[count], 0, "{count}: {totals}");
    }
    assert_eq!(totals["refused"], 1);
    assert_eq!(totals["writes"], 0);
    assert_eq!(target["results"], Value::Null);
}

/// Issue 11, item 4: a plan over the safety threshold was reported as applied ("6 removed",
/// `"remove": 6`) while nothing was removed. `plan` and `create` must say refused, with 0
/// removed, the figures of the threshold and the flag that overrides it, and exit 1.
#[test]
fn a_refused_plan_is_reported_as_refused_with_nothing_removed() {
    let quay1 = sim(QuayVersion::Head, false);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    guarded(&quay1, &fixture);
    quay1.reset_stats();

    let refusal = "refused by the safety threshold: 6 of 10 team members to remove (at most 5 \
                   allowed)";
    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(1);
    assert_eq!(
        line_after(&plan.stdout, "    ✗ "),
        format!(
            "{refusal}; nothing will be changed; if these removals are intended, re-run with \
             --force"
        )
    );
    assert!(
        plan.stdout.ends_with(
            "\nPlan: 0 to create, 0 to update, 0 to remove, 13 unchanged, 0 unmanaged.\n1 \
             target(s) refused by the safety threshold: their changes are not counted above and \
             are not applied without --force; see above.\n"
        ),
        "{}",
        plan.stdout
    );
    let plan_json = fixture.mqc(&["plan", "--output", "json"]);
    plan_json.expect_code(1);
    assert_refusal_json(&plan_json.json());

    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert_eq!(
        target_line(&create.stdout, "Failures:"),
        format!(
            "{refusal}; nothing was changed; if these removals are intended, re-run with --force"
        )
    );
    let summary = target_line(&create.stdout, "Summary:");
    let (counts, requests) = summary.split_once("; ").expect("requests");
    assert_eq!(
        counts,
        "refused, 0 created, 0 updated, 0 removed, 0 failed, 13 unchanged"
    );
    assert!(requests.ends_with(" reads, 0 writes)"), "{summary}");
    let total = line_after(&create.stdout, "Total: ");
    assert!(
        total.starts_with(
            "0 created, 0 updated, 0 removed, 0 failed, 13 unchanged, 1 target(s) refused; "
        ),
        "{total}"
    );
    let create_json = fixture.mqc(&["create", "--output", "json"]);
    create_json.expect_code(1);
    assert_refusal_json(&create_json.json());

    assert_eq!(quay1.stats().writes, 0, "a refused plan writes nothing");
    let members = &quay1.state()["organizations"]["guarded"]["teams"]["crew"]["members"];
    assert_eq!(members.as_array().map(Vec::len), Some(10));
}
