//! Robot federation (keyless robot auth, Quay 3.13+, issue 15), against quay-sim: converges
//! on every version that has it (a robot created in the same run gets its list after it
//! exists), a second run writes nothing, drift is fixed with one POST, export round-trips;
//! Quay 3.12 is a plan-time error naming 3.13 for that robot while the rest converges; bad
//! entries are check errors.

mod common;

use common::*;
use quay_sim::QuayVersion;
use serde_json::{json, Value};

const ORG: &str = "keyless";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\n\
         robots:\n\
         \x20 - name: deployer\n\
         \x20   desc: pushes from CI\n\
         \x20   federation:\n\
         \x20     - {{issuer: \"{GITHUB}\", subject: \"repo:acme/api:ref:refs/heads/main\"}}\n\
         \x20     - {{issuer: \"https://gitlab.example.com\", subject: \"project_path:acme/api\"}}\n\
         \x20 - name: plain\n\
         repositories:\n  - name: api\n    permissions:\n      robots: [{{name: deployer, role: write}}]\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn federation(quay: &quay_sim::QuaySim, robot: &str) -> Value {
    quay.state()["organizations"][ORG]["robots"][robot]["federation"].clone()
}

fn federation_requests(quay: &quay_sim::QuaySim) -> u64 {
    quay.stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("/federation"))
        .map(|(_, count)| *count)
        .sum()
}

fn declared() -> Value {
    json!([
        {"issuer": GITHUB, "subject": "repo:acme/api:ref:refs/heads/main"},
        {"issuer": "https://gitlab.example.com", "subject": "project_path:acme/api"}
    ])
}

#[test]
fn federation_converges_with_the_robot_and_a_second_run_writes_nothing() {
    for version in [QuayVersion::V3_15, QuayVersion::V3_17, QuayVersion::Head] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file());
        let plan = fixture.mqc(&["plan"]);
        plan.expect_code(0);
        assert!(
            plan.stdout.contains(&format!(
                "+ federation of robot {ORG}+deployer: trust {GITHUB} → \
                 \"repo:acme/api:ref:refs/heads/main\", https://gitlab.example.com → \
                 \"project_path:acme/api\""
            )),
            "{version:?}: {}",
            plan.stdout
        );
        let json = fixture.mqc(&["plan", "--output", "json"]).json();
        let set: Vec<&Value> = json["targets"][0]["plan"]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["op"] == "set_robot_federation")
            .collect();
        assert_eq!(set.len(), 1, "{json:#}");
        assert_eq!(set[0]["robot"], "deployer");
        assert_eq!(set[0]["to"], declared());
        assert_eq!(set[0]["from"], json!([]));
        assert_eq!(set[0]["phase"], "robots", "{json:#}");

        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(federation(&quay, "deployer"), declared(), "{version:?}");
        assert_eq!(federation(&quay, "plain"), json!([]), "not managed");
        let state = quay.state();
        assert_converged(
            &state,
            &fixture.desired().iter().collect::<Vec<_>>(),
            "admin",
        );

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        let stats = quay.stats();
        assert_eq!(stats.writes, 0, "{version:?}: {:#?}", stats.by_route);
        assert_eq!(
            stats
                .by_route
                .get("GET /api/v1/organization/{org}/robots/{robot}/federation"),
            Some(&1),
            "{version:?}: only the robot that declares a list is read: {:#?}",
            stats.by_route
        );
    }
}

#[test]
fn drift_is_one_post_an_empty_list_one_delete_and_export_round_trips() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);

    // A subject changed in Quay, in another order: one POST of the whole declared list.
    quay.set_robot_federation(
        ORG,
        "deployer",
        &[
            ("https://gitlab.example.com", "project_path:acme/api"),
            (GITHUB, "repo:acme/api:ref:refs/heads/dev"),
        ],
    )
    .unwrap();
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "~ federation of robot {ORG}+deployer: trust {GITHUB} → \
             \"repo:acme/api:ref:refs/heads/main\"; stop trusting {GITHUB} → \
             \"repo:acme/api:ref:refs/heads/dev\" (the whole list is replaced)"
        )),
        "{}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    let stats = quay.stats();
    assert_eq!(stats.writes, 1, "{:#?}", stats.by_route);
    assert_eq!(
        stats
            .by_route
            .get("POST /api/v1/organization/{org}/robots/{robot}/federation"),
        Some(&1),
        "{:#?}",
        stats.by_route
    );
    assert_eq!(federation(&quay, "deployer"), declared());

    // Only the order differs: nothing to do.
    quay.set_robot_federation(
        ORG,
        "deployer",
        &[
            ("https://gitlab.example.com", "project_path:acme/api"),
            (GITHUB, "repo:acme/api:ref:refs/heads/main"),
        ],
    )
    .unwrap();
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0, "the list is a set");

    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("federation:"), "{text}");
    assert!(text.contains("project_path:acme/api"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);

    // `federation: []` empties it with one DELETE.
    fixture.write_org(
        &format!("{ORG}.yaml"),
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: deployer\n    \
             desc: pushes from CI\n    federation: []\n  - name: plain\n"
        ),
    );
    let plan = fixture.mqc(&["plan"]);
    assert!(
        plan.stdout.contains(&format!(
            "- remove federation of robot {ORG}+deployer: stop trusting"
        )),
        "{}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    let stats = quay.stats();
    assert_eq!(
        stats
            .by_route
            .get("DELETE /api/v1/organization/{org}/robots/{robot}/federation"),
        Some(&1),
        "{:#?}",
        stats.by_route
    );
    assert_eq!(stats.writes, 1, "{:#?}", stats.by_route);
    assert_eq!(federation(&quay, "deployer"), json!([]));
}

#[test]
fn quay_3_12_is_a_plan_time_error_naming_3_13_and_the_rest_converges() {
    let quay = sim(QuayVersion::V3_12, false);
    let fixture = fixture(&quay, &org_file());
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(&format!(
            "robot federation (keyless robot auth) needs Quay 3.13 or newer, and https://{QUAY1} is \
             older: `federation` of robot `{ORG}+deployer` cannot be applied; upgrade that \
             Quay to 3.13 or remove `federation` from the file (the rest of organization {ORG} \
             is applied)"
        )),
        "{all}"
    );
    assert_eq!(
        federation_requests(&quay),
        0,
        "no federation request on 3.12"
    );
    let org = &quay.state()["organizations"][ORG];
    assert!(org["robots"]["deployer"].is_object() && org["robots"]["plain"].is_object());
    assert_eq!(
        org["repositories"]["api"]["user_permissions"][format!("{ORG}+deployer")],
        "write"
    );
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    let problems = &json["targets"][0]["problems"];
    assert_eq!(problems[0]["feature"], "ROBOT_FEDERATION", "{json:#}");
    assert_eq!(
        problems[0]["lack"],
        json!({"older_than": "3.13"}),
        "{json:#}"
    );
    assert_eq!(problems[0]["at"]["key"], "robots[0].federation", "{json:#}");
    assert_eq!(problems[0]["at"]["line"], 7, "{json:#}");
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(1);
    assert_eq!(
        quay.stats().writes,
        0,
        "the rest converged on the first run"
    );

    // An empty list holds on 3.12 already: no error, no request.
    fixture.write_org(
        "org.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: deployer\n    \
             desc: pushes from CI\n    federation: []\n  - name: plain\n"
        ),
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(federation_requests(&quay), 0);
}

#[test]
fn bad_entries_are_check_errors_with_their_place() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: deployer\n    \
             federation:\n      - {{issuer: token.example.com, subject: a}}\n      \
             - {{issuer: \"https://a.example.com\", subject: \"\"}}\n      \
             - {{issuer: \"https://a.example.com\", subject: b}}\n      \
             - {{issuer: \"https://a.example.com\", subject: b}}\n      \
             - {{issuer: \"https://a.example.com\", subject: c, audience: x}}\n"
        ),
    );
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        ":6:",
        "federation issuer `token.example.com` is not a URL: Quay takes only `http://` or `https://` issuers",
        ":7:",
        "federation `subject` is empty",
        ":9:",
        "federation entry (issuer and subject) `https://a.example.com b` is declared twice (first on line 8)",
        ":10:",
        "audience",
    ] {
        assert!(all.contains(expected), "{expected}: {all}");
    }
    assert_eq!(quay.stats().requests, 0, "check sends nothing");
}
