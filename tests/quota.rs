//! Organization quotas (issue 16): create converges on every emulated version, a second run
//! writes nothing, drift is fixed with one write each, export round-trips; without quota
//! management, or with a token that may not write quotas, the plan names the quota and the
//! reason, exits 1, sends no quota write and applies the rest.

mod common;

use common::*;
use quay_sim::{Feature, QuayVersion};
use serde_json::{json, Value};

const ORG: &str = "quotas";
const GIB: u64 = 1 << 30;

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: ci\n\
         quota:\n  limit: 500 GiB\n  limits:\n    - {{type: warning, threshold_percent: 80}}\n\
         \x20   - {{type: reject, threshold_percent: 100}}\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

/// (limit_bytes, sorted (type, percent)) of the sim's quota.
fn quota(state: &Value) -> Option<(u64, Vec<(String, i64)>)> {
    let quota = &state["organizations"][ORG]["quota"];
    if quota.is_null() {
        return None;
    }
    let mut limits: Vec<(String, i64)> = quota["limits"]
        .as_array()?
        .iter()
        .map(|l| {
            (
                l["type"].as_str().unwrap_or_default().to_string(),
                l["threshold_percent"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    limits.sort();
    Some((quota["limit_bytes"].as_u64()?, limits))
}

fn declared() -> Option<(u64, Vec<(String, i64)>)> {
    Some((
        500 * GIB,
        vec![("Reject".into(), 100), ("Warning".into(), 80)],
    ))
}

#[test]
fn a_quota_converges_and_drift_is_fixed_with_one_write_each() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file());
        let plan = fixture.mqc(&["plan"]);
        plan.expect_code(0);
        assert!(
            plan.stdout
                .contains("+ quota of quotas: 500 GiB (536870912000 bytes)"),
            "{version:?}: {}",
            plan.stdout
        );
        assert!(
            plan.stdout
                .contains("+ quota limit of quotas: warning at 80%"),
            "{}",
            plan.stdout
        );
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quota(&quay.state()), declared(), "{version:?}");

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: a second run has nothing to do"
        );

        // Drift: resized, and a limit removed.
        quay.with_state(|state| {
            let quota = state
                .organizations
                .get_mut(ORG)
                .and_then(|o| o.quota.as_mut())
                .expect("the quota");
            quota.limit_bytes = 400 * GIB;
            quota.limits.retain(|l| l.kind != "Warning");
        });
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(2);
        assert!(
            plan.stdout
                .contains("~ quota of quotas: 400 GiB → 500 GiB (536870912000 bytes)"),
            "{}",
            plan.stdout
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        let stats = quay.stats();
        assert_eq!(stats.writes, 2, "{version:?}: {:#?}", stats.by_route);
        assert_eq!(
            stats
                .by_route
                .get("PUT /api/v1/organization/{org}/quota/{id}"),
            Some(&1),
            "{:#?}",
            stats.by_route
        );
        assert_eq!(quota(&quay.state()), declared(), "{version:?}");

        // An undeclared limit is removed.
        quay.with_state(|state| {
            let quota = state
                .organizations
                .get_mut(ORG)
                .and_then(|o| o.quota.as_mut())
                .expect("the quota");
            quota.limits.push(quay_sim::model::QuotaLimit {
                id: 999,
                kind: "Warning".into(),
                percent: 50,
            });
        });
        quay.reset_stats();
        let create = fixture.mqc(&["create"]);
        create.expect_code(0);
        assert!(
            create
                .stdout
                .contains("- remove quota limit of quotas: warning at 50%"),
            "{}",
            create.stdout
        );
        assert_eq!(quay.stats().writes, 1);
        assert_eq!(quota(&quay.state()), declared(), "{version:?}");
    }
}

#[test]
fn the_json_report_carries_quota_ops() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    let report = fixture.mqc(&["plan", "--output", "json"]).json();
    let changes = report["targets"][0]["plan"]["changes"]
        .as_array()
        .expect("changes")
        .clone();
    assert!(
        changes.iter().any(|c| c["op"] == "create_quota"
            && c["limit_bytes"] == json!(500 * GIB)
            && c["phase"] == "quotas"),
        "{changes:#?}"
    );
    assert!(
        changes.iter().any(|c| c["op"] == "create_quota_limit"
            && c["limit"] == json!({"type": "reject", "threshold_percent": 100})),
        "{changes:#?}"
    );
}

#[test]
fn an_exported_quota_round_trips_to_an_empty_plan() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("quota:\n  limit: 500 GiB\n"), "{text}");
    assert!(text.contains("threshold_percent: 80"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

fn assert_left_out(quay: &quay_sim::QuaySim, fixture: &Fixture, reason: &str) {
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(create.stdout.contains(reason), "{}", create.stdout);
    assert!(
        create.stdout.contains("org.yaml:6:3: "),
        "points at `quota`: {}",
        create.stdout
    );
    assert!(
        create.stdout.contains("remove `quota` from the file"),
        "{}",
        create.stdout
    );
    let state = quay.state();
    assert_eq!(quota(&state), None);
    assert!(
        state["organizations"][ORG]["robots"]["ci"].is_object(),
        "the rest converges"
    );
    let routes = quay.stats().by_route;
    assert!(
        !routes
            .keys()
            .any(|r| r.contains("/quota") && !r.starts_with("GET")),
        "{routes:#?}"
    );
    let json = fixture.mqc(&["plan", "--output", "json"]);
    json.expect_code(1);
    let report = json.json();
    let problem = &report["targets"][0]["problems"][0];
    assert_eq!(problem["feature"], "QUOTA_MANAGEMENT", "{problem:#}");
    assert_eq!(problem["field"], "quota", "{problem:#}");
}

#[test]
fn without_quota_management_the_quota_is_an_error_and_the_rest_converges() {
    let mut config = base_config();
    config.disabled_features.insert(Feature::QuotaManagement);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file());
    assert_left_out(
        &quay,
        &fixture,
        "quota management is not enabled on https://example-registry-quay-quay1.apps.ocphub.lab.seeweb: \
         `quota` of organization `quotas` cannot be applied; enable FEATURE_QUOTA_MANAGEMENT",
    );
}

#[test]
fn from_quay_3_16_quota_writes_need_a_superuser_with_full_access() {
    for version in [QuayVersion::V3_17, QuayVersion::Head] {
        let mut config = base_config();
        config.version = version;
        config
            .disabled_features
            .insert(Feature::SuperusersFullAccess);
        let quay = sim_with(config);
        let fixture = fixture(&quay, &org_file());
        assert_left_out(
            &quay,
            &fixture,
            "takes a superuser with full access, and FEATURE_SUPERUSERS_FULL_ACCESS is off",
        );
    }
    // Before 3.16 any superuser may.
    let mut config = base_config();
    config.version = QuayVersion::V3_15;
    config
        .disabled_features
        .insert(Feature::SuperusersFullAccess);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(quota(&quay.state()), declared());
}

#[test]
fn quota_writes_need_a_superuser_token() {
    let mut config = base_config();
    config.tokens = vec![quay_sim::TokenSpec::new(
        TOKEN,
        "alice",
        quay_sim::Scope::ALL,
    )];
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file());
    assert_left_out(
        &quay,
        &fixture,
        "takes a superuser token with the `super:user` scope, and this token is not one",
    );
}

#[test]
fn check_refuses_bad_sizes_percents_and_types() {
    let fixture = Fixture::new();
    fixture.write_org(
        "org.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nquota:\n  limit: 5 gigabytes\n  limits:\n\
             \x20   - {{type: warning, threshold_percent: 0}}\n\
             \x20   - {{type: hard, threshold_percent: 100}}\n\
             \x20   - {{type: reject, threshold_percent: 101}}\n"
        ),
    );
    let check = fixture.mqc(&["check"]);
    check.expect_code(1);
    for message in [
        "org.yaml:4:10: error: `quota.limit` must be a whole number and a unit, found `5 gigabytes`",
        "`quota.limits[0].threshold_percent` must be between 1 and 100, found 0",
        "`quota.limits[1].type` must be one of warning, reject; found `hard`",
        "`quota.limits[2].threshold_percent` must be between 1 and 100, found 101",
    ] {
        assert!(check.stdout.contains(message), "{message}\n{}", check.stdout);
    }
}
