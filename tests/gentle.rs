//! Gentle and steady on a production Quay (issue 14): against quay-sim with a real Quay's
//! capacity (`--workers`, `--cost-ms`) or its stock nginx limit (`--rate-limit`, `--burst`),
//! mqc's default flags converge, write exactly what a healthy server gets, and say when and
//! why they slowed down. Speed is measured by `cargo bench`, not asserted here.

mod common;

use std::time::Duration;

use common::*;
use quay_sim::{Capacity, Config, QuaySim, RateLimitSpec};
use serde_json::Value;

const ORGS: usize = 4;

/// Writes a cold `create` of the workload sends to a healthy emulator.
fn healthy_writes() -> u64 {
    let quay = sim_with(base_config());
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.many_orgs(QUAY1, ORGS);
    fixture.mqc(&["create"]).expect_code(0);
    quay.stats().writes
}

/// Writes the emulated nginx refused (counted in `writes`, never applied).
fn write_refusals(quay: &QuaySim) -> u64 {
    quay.stats().rate_limited_writes
}

fn fixture_on(quay: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.many_orgs(QUAY1, ORGS);
    fixture
}

fn totals(report: &Value) -> &Value {
    &report["totals"]
}

#[test]
fn behind_the_stock_nginx_limit_create_plans_and_export_all_finish() {
    let quay = sim_with(Config {
        rate_limit: Some(RateLimitSpec {
            rate: 5.0,
            burst: 25,
        }),
        ..base_config()
    });
    let fixture = fixture_on(&quay);

    let create = fixture.mqc(&["create", "--output", "json"]);
    create.expect_code(0);
    let report = create.json();
    assert_eq!(totals(&report)["failed"], 0);
    assert_eq!(totals(&report)["skipped"], 0);
    let desired = fixture.desired();
    assert_converged(&quay.state(), &orgs_on(&desired, QUAY1), "admin");
    let stats = quay.stats();
    assert!(stats.rate_limited > 0, "the limit was never reached");
    // Refused requests never reach the application, so it got exactly the writes a healthy
    // server gets: none lost, none doubled.
    assert_eq!(stats.writes - write_refusals(&quay), healthy_writes());
    let pace = &report["endpoints"][0];
    assert_eq!(pace["slowed"], true, "{pace}");
    assert!(pace["throttled"].as_u64().unwrap() > 0, "{pace}");
    assert!(pace["lowest_rate"].as_f64().unwrap() < 50.0, "{pace}");

    // Three plans back to back: every organization read, nothing pending.
    for _ in 0..3 {
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(0);
    }
    // The human summary says why the run was slow.
    quay.reset_stats();
    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(0);
    if quay.stats().rate_limited > 0 {
        assert!(
            plan.stdout
                .contains(&format!("https://{QUAY1}: slowed to ")),
            "{}",
            plan.stdout
        );
    }

    let out = fixture.root.path().join("exported");
    let export = fixture.mqc(&[
        "export",
        "--endpoint",
        QUAY1,
        "--all",
        "--out",
        out.to_str().unwrap(),
    ]);
    export.expect_code(0);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), ORGS);
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn a_quay_at_capacity_gets_no_abandoned_request_and_exactly_the_writes() {
    let expected_writes = healthy_writes();
    // Two workers: the default 16 connections queue at the server first, then the
    // concurrency follows the latency down.
    let quay = sim_with(Config {
        capacity: Some(Capacity {
            workers: 2,
            cost: Duration::from_millis(40),
        }),
        ..base_config()
    });
    let fixture = fixture_on(&quay);
    let create = fixture.mqc(&["create", "--output", "json"]);
    create.expect_code(0);
    let report = create.json();
    assert_eq!(totals(&report)["failed"], 0);
    assert_eq!(totals(&report)["skipped"], 0);
    assert_eq!(quay.stats().writes, expected_writes);
    assert_eq!(report["endpoints"][0]["timed_out"], 0);
    let desired = fixture.desired();
    assert_converged(&quay.state(), &orgs_on(&desired, QUAY1), "admin");
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}
