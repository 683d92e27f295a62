//! Default permissions (Quay's prototypes), the first kind built one module per layer
//! (issue 13, item 7): create converges, a second run writes nothing, drift is fixed with one
//! write each, export round-trips, and a repository created in the same run gets its
//! permissions from Quay, not from a second grant.

mod common;

use common::*;
use quay_sim::{Delegate, QuayVersion, RepoRole};
use serde_json::Value;

const ORG: &str = "protos";

fn org_file(builders_role: &str) -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: ci\nteams:\n  - name: builders\n\
         default_permissions:\n  - role: {builders_role}\n    delegate: {{team: builders}}\n\
         \x20 - role: read\n    delegate: {{robot: ci}}\n\
         \x20 - role: admin\n    delegate: {{user: bob}}\n    activating_user: alice\n\
         repositories:\n  - name: app\n    permissions:\n      teams:\n        - {{name: builders, role: {builders_role}}}\n\
         \x20     robots:\n        - {{name: ci, role: read}}\n"
    )
}

fn prototypes(state: &Value) -> Vec<(String, String, String, Option<String>)> {
    prototypes_of(&state["organizations"][ORG])
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

#[test]
fn default_permissions_converge_and_a_new_repository_gets_them_from_quay() {
    for version in [QuayVersion::V3_12, QuayVersion::Head] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file("write"));
        fixture.mqc(&["create"]).expect_code(0);

        let state = quay.state();
        assert_eq!(
            prototypes(&state),
            vec![
                ("team".into(), "builders".into(), "write".into(), None),
                (
                    "user".into(),
                    "bob".into(),
                    "admin".into(),
                    Some("alice".into())
                ),
                ("user".into(), format!("{ORG}+ci"), "read".into(), None),
            ],
            "{version:?}"
        );
        let app = &state["organizations"][ORG]["repositories"]["app"];
        assert_eq!(app["team_permissions"]["builders"], "write", "{app:#}");
        assert_eq!(
            app["user_permissions"][format!("{ORG}+ci")],
            "read",
            "{app:#}"
        );
        // Quay applied them when the repository was created: no grant was sent for them, and
        // bob's (only for repositories alice creates) did not apply.
        let routes = quay.stats().by_route;
        assert!(
            !routes.keys().any(|r| r.contains("/permissions/")),
            "{routes:#?}"
        );
        assert!(app["user_permissions"].get("bob").is_none(), "{app:#}");

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "a second run has nothing to do");
    }
}

#[test]
fn drift_is_fixed_with_one_write_each() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file("write"));
    fixture.mqc(&["create"]).expect_code(0);

    // A copy Quay accepted, and one nobody declared.
    quay.add_prototype(ORG, RepoRole::Read, Delegate::Team("builders".into()), None)
        .unwrap();
    quay.add_prototype(ORG, RepoRole::Write, Delegate::User("carol".into()), None)
        .unwrap();
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(
            "- remove default permission: team builders read on new repositories of protos"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(
            "- remove default permission: user carol write on new repositories of protos"
        ),
        "{}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 2);
    assert_eq!(prototypes(&quay.state()).len(), 3);

    // A changed role is one PUT, the permission keeps its id.
    fixture.write_org("org.yaml", &org_file("admin"));
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    let stats = quay.stats();
    assert_eq!(
        stats
            .by_route
            .get("PUT /api/v1/organization/{org}/prototypes/{id}"),
        Some(&1),
        "{:#?}",
        stats.by_route
    );
    // The role of the existing repository's team permission is the other write.
    assert_eq!(stats.writes, 2, "{:#?}", stats.by_route);
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn an_exported_organization_round_trips_to_an_empty_plan() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file("write"));
    fixture.mqc(&["create"]).expect_code(0);
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("default_permissions:"), "{text}");
    assert!(text.contains("activating_user: alice"), "{text}");
    quay.reset_stats();
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn undeclared_teams_and_robots_are_errors_before_any_request() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\ndefault_permissions:\n  - role: write\n    \
             delegate: {{team: buidlers}}\n  - role: read\n    delegate: {{robot: cj}}\n  - role: read\n    \
             delegate: {{team: owners, user: bob}}\n"
        ),
    );
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("default permission for team `buidlers`, which is not declared in `teams`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("default permission for robot `cj` is not declared in `robots`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("must name exactly one of `team`, `user` or `robot`; found 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("org.yaml:5:22: error"),
        "{}",
        run.stderr
    );
    assert_eq!(quay.stats().requests, 0);
}

#[test]
fn a_misspelt_user_in_a_default_permission_stops_the_target() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\ndefault_permissions:\n  - role: write\n    \
             delegate: {{user: bbo}}\n"
        ),
    );
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("bbo") || run.stdout.contains("bbo"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(quay.stats().writes, 0);
}
