//! OIDC team sync (`group_name`, issue 15), against quay-sim with OIDC authentication: setting
//! it up is planned with a `!` line that says how many users Quay removes, converges on every
//! version, a second run writes nothing, a changed group is fixed by DELETE then POST, export
//! round-trips; a `group_name` on a Quay without OIDC (and a `group_dn` on one with OIDC) is a
//! plan-time error that leaves the rest to converge; the file's contradictions are check errors.

mod common;

use common::*;
use quay_sim::{Authentication, Config, QuayVersion};
use serde_json::json;

const ORG: &str = "oidcorg";

fn oidc_sim(version: QuayVersion) -> quay_sim::QuaySim {
    sim_with(Config {
        version,
        ldap: false,
        authentication: Authentication::Oidc,
        ..base_config()
    })
}

fn head() -> String {
    format!("quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: ci\n")
}

/// `developers` with two users and the robot, not synced.
fn by_hand() -> String {
    format!(
        "{}teams:\n  - name: developers\n    members: {{users: [alice, bob], robots: [ci]}}\n",
        head()
    )
}

/// `developers` synced from an OIDC group, the robot still managed.
fn synced(group: &str) -> String {
    format!(
        "{}teams:\n  - name: developers\n    group_name: {group}\n    members: {{robots: [ci]}}\n  \
         - name: readers\n",
        head()
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn team(quay: &quay_sim::QuaySim, name: &str) -> serde_json::Value {
    quay.state()["organizations"][ORG]["teams"][name].clone()
}

#[test]
fn oidc_sync_says_it_removes_the_users_converges_and_a_second_run_writes_nothing() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let quay = oidc_sim(version);
        let fixture = fixture(&quay, &by_hand());
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            team(&quay, "developers")["members"],
            json!(["alice", "bob", format!("{ORG}+ci")])
        );

        fixture.write_org("org.yaml", &synced("acme-developers"));
        let plan = fixture.mqc(&["plan"]);
        plan.expect_code(0);
        assert!(
            plan.stdout.contains(
                "+! sync team developers from OIDC group acme-developers: Quay removes its 2 \
                 users now (robots stay); each comes back on logging in with that group"
            ),
            "{version:?}: {}",
            plan.stdout
        );
        let json = fixture.mqc(&["plan", "--output", "json"]).json();
        let changes = json["targets"][0]["plan"]["changes"].as_array().unwrap();
        let enable: Vec<_> = changes
            .iter()
            .filter(|c| c["op"] == "enable_team_sync")
            .collect();
        assert_eq!(enable.len(), 1, "{json:#}");
        assert_eq!(enable[0]["group_name"], "acme-developers", "{json:#}");
        assert_eq!(enable[0]["removes_users"], 2, "{json:#}");
        assert!(
            !changes.iter().any(|c| c["op"] == "remove_team_member"),
            "the sync owns the users: {json:#}"
        );

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        let stats = quay.stats();
        assert_eq!(
            stats
                .by_route
                .get("POST /api/v1/organization/{org}/team/{team}/syncing"),
            Some(&1),
            "{version:?}: {:#?}",
            stats.by_route
        );
        let developers = team(&quay, "developers");
        assert_eq!(developers["sync"], json!({"group_name": "acme-developers"}));
        assert_eq!(developers["members"], json!([format!("{ORG}+ci")]));
        let state = quay.state();
        assert_converged(
            &state,
            &fixture.desired().iter().collect::<Vec<_>>(),
            "admin",
        );

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}: a second run");
    }
}

#[test]
fn a_new_synced_team_is_not_one_way_and_a_changed_group_is_delete_then_post() {
    let quay = oidc_sim(QuayVersion::Head);
    let fixture = fixture(&quay, &synced("acme-developers"));
    let plan = fixture.mqc(&["plan"]);
    assert!(
        plan.stdout.contains(
            "+ sync team developers from OIDC group acme-developers: users join on logging in \
             with that group"
        ),
        "{}",
        plan.stdout
    );
    fixture.mqc(&["create"]).expect_code(0);

    quay.set_team_sync(ORG, "developers", Some(json!({"group_name": "other"})))
        .unwrap();
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("- stop syncing team developers from OIDC (users it removed stay removed)")
            && plan
                .stdout
                .contains("+ sync team developers from OIDC group acme-developers"),
        "{}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    let stats = quay.stats();
    assert_eq!(stats.writes, 2, "{:#?}", stats.by_route);
    assert_eq!(
        stats
            .by_route
            .get("DELETE /api/v1/organization/{org}/team/{team}/syncing"),
        Some(&1)
    );
    assert_eq!(
        stats
            .by_route
            .get("POST /api/v1/organization/{org}/team/{team}/syncing"),
        Some(&1)
    );
    assert_eq!(
        team(&quay, "developers")["sync"],
        json!({"group_name": "acme-developers"})
    );

    // A config mqc does not write (a misspelt key Quay stored as it came) is replaced too.
    quay.set_team_sync(ORG, "developers", Some(json!({"group": "acme-developers"})))
        .unwrap();
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 2);

    let text = fixture.export_instead_of("org.yaml", ORG);
    let developers = text
        .split("- name: developers")
        .nth(1)
        .and_then(|rest| rest.split("\n- name:").next())
        .unwrap_or_default();
    assert!(
        developers.contains("group_name: acme-developers") && !developers.contains("users:"),
        "a synced team's users are not written: {text}"
    );
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn group_name_without_oidc_and_group_dn_with_oidc_are_plan_time_errors() {
    // LDAP authentication (the tests' default sim).
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &synced("acme-developers"));
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&format!(
            "team syncing from an OIDC group needs OIDC authentication, and https://{QUAY1} uses \
             LDAP: `group_name` of team `developers` cannot be applied; remove `group_name` from \
             the file (the rest of organization {ORG} is applied)"
        )),
        "{all}"
    );
    assert!(
        !quay
            .stats()
            .by_route
            .keys()
            .any(|route| route.ends_with("/syncing")),
        "no sync request"
    );
    assert!(team(&quay, "developers").is_object() && team(&quay, "readers").is_object());
    assert_eq!(
        team(&quay, "developers")["members"],
        json!([format!("{ORG}+ci")])
    );
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    let problems = &json["targets"][0]["problems"];
    assert_eq!(problems[0]["feature"], "TEAM_SYNCING", "{json:#}");
    assert_eq!(
        problems[0]["lack"],
        json!({"authentication": "LDAP"}),
        "{json:#}"
    );
    assert_eq!(problems[0]["field"], "group_name", "{json:#}");
    assert_eq!(problems[0]["at"]["key"], "teams[0].group_name", "{json:#}");

    // OIDC authentication and an LDAP group.
    let quay = oidc_sim(QuayVersion::Head);
    let fixture = self::fixture(
        &quay,
        &format!(
            "{}teams:\n  - name: developers\n    group_dn: cn=devs\n",
            head()
        ),
    );
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&format!(
            "team syncing from an LDAP group needs LDAP authentication, and https://{QUAY1} uses \
             OIDC: `group_dn` of team `developers` cannot be applied; remove `group_dn` from the \
             file"
        )),
        "{all}"
    );
    assert!(team(&quay, "developers").is_object());
}

#[test]
fn group_name_with_group_dn_or_users_is_a_check_error() {
    let quay = oidc_sim(QuayVersion::Head);
    let fixture = fixture(
        &quay,
        &format!(
            "{}teams:\n  - name: developers\n    group_name: acme\n    group_dn: cn=x\n  \
             - name: ops\n    group_name: acme-ops\n    members: {{users: [alice], robots: [ci]}}\n  \
             - name: empty\n    group_name: \"\"\n",
            head()
        ),
    );
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "org.yaml:7:17: error: team `developers` declares both `group_dn` and `group_name`: a team syncs from one group",
        "keep `group_dn` for a Quay with LDAP authentication or `group_name` for one with OIDC",
        "team `ops` is synced from `group_name`: its users come from the OIDC group when they log in, and Quay refuses to add users by hand",
        "remove `members.users` (robots may stay)",
        "`group_name` is empty",
    ] {
        assert!(all.contains(expected), "{expected}: {all}");
    }
    assert_eq!(quay.stats().requests, 0);
}
