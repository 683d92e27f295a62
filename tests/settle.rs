//! An ambiguous create is settled, never failed (issue 14, item 3): a busy Quay may finish a
//! create after the client's timeout and after mqc's check found nothing, so the re-sent create
//! meets the first one's effect.

mod common;

use std::time::Duration;

use common::*;
use quay_sim::QuayVersion;

const ORG: &str = "settle";

#[test]
fn a_create_quay_finishes_after_the_timeout_and_the_check_is_settled() {
    let quay = sim(QuayVersion::Head, false);
    quay.create_org(ORG, "admin").unwrap();
    quay.create_team(ORG, "devs", quay_sim::TeamRole::Member)
        .unwrap();
    // Answered only after the client's 1 s timeout; the re-sent request waits behind it.
    quay.hold_requests("POST", "/api/v1/repository", Duration::from_millis(1500));
    quay.hold_requests(
        "PUT",
        &format!("/api/v1/organization/{ORG}/team/devs/members/alice"),
        Duration::from_millis(1500),
    );
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "org.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrepositories:\n  - name: app\n    \
             description: slow\nteams:\n  - name: devs\n    members:\n      users: [alice]\n"
        ),
    );
    let run = fixture.mqc(&["--timeout", "1", "create", "--output", "json"]);
    run.expect_code(0);
    let report = run.json();
    let results = report["targets"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["status"] == "applied"),
        "{results:#?}"
    );
    let state = quay.state();
    assert_eq!(
        state["organizations"][ORG]["repositories"]["app"]["description"],
        "slow"
    );
    let members = &state["organizations"][ORG]["teams"]["devs"]["members"];
    assert_eq!(members, &serde_json::json!(["alice"]));
    let routes = quay.stats().by_route;
    // The first attempt (abandoned at the timeout) and the re-sent one, each after a check.
    assert_eq!(routes["POST /api/v1/repository"], 2);
    assert_eq!(
        routes["PUT /api/v1/organization/{org}/team/{team}/members/{member}"],
        2
    );
    // A second run has nothing to do.
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}
