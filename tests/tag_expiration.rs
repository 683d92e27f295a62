//! The organization's time machine, `tag_expiration` (issue 16): set by value on every
//! emulated version, a second run writes nothing, drift is one PUT, export round-trips; a
//! value the server does not offer, or a server that cannot change it, is a plan-time error
//! for it alone.

mod common;

use common::*;
use quay_sim::{Feature, QuayVersion};

const ORG: &str = "timemachine";

fn org_file(value: &str) -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: ci\ntag_expiration: {value}\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn seconds(quay: &quay_sim::QuaySim) -> Option<i64> {
    quay.state()["organizations"][ORG]["tag_expiration_s"].as_i64()
}

#[test]
fn the_time_machine_converges_and_drift_is_one_write() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file("1w"));
        let create = fixture.mqc(&["create"]);
        create.expect_code(0);
        assert!(
            create
                .stdout
                .contains("~ time machine of timemachine (deleted tags kept): 1w"),
            "{version:?}: {}",
            create.stdout
        );
        assert_eq!(seconds(&quay), Some(604_800), "{version:?}");
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}");

        quay.with_state(|state| {
            if let Some(org) = state.organizations.get_mut(ORG) {
                org.tag_expiration_s = 86_400;
            }
        });
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(2);
        assert!(
            plan.stdout
                .contains("~ time machine of timemachine (deleted tags kept): 1d → 1w"),
            "{}",
            plan.stdout
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        let stats = quay.stats();
        assert_eq!(stats.writes, 1, "{:#?}", stats.by_route);
        assert_eq!(
            stats.by_route.get("PUT /api/v1/organization/{org}"),
            Some(&1)
        );
        assert_eq!(seconds(&quay), Some(604_800));
    }
}

#[test]
fn an_exported_time_machine_round_trips_to_an_empty_plan() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file("4w"));
    fixture.mqc(&["create"]).expect_code(0);
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("\ntag_expiration: 4w\n"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn a_value_the_server_does_not_offer_is_an_error_and_the_rest_converges() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file("3d"));
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(
        create.stdout.contains(
            "org.yaml:5:17: `tag_expiration: 3d` of organization `timemachine` is not offered by \
             https://example-registry-quay-quay1.apps.ocphub.lab.seeweb, which offers 0s, 1d, 1w, 2w, 4w"
        ),
        "{}",
        create.stdout
    );
    let state = quay.state();
    assert!(state["organizations"][ORG]["robots"]["ci"].is_object());
    assert_eq!(
        quay.stats().by_route.get("PUT /api/v1/organization/{org}"),
        None
    );
    let report = fixture.mqc(&["plan", "--output", "json"]);
    report.expect_code(1);
    let problem = &report.json()["targets"][0]["problems"][0];
    assert_eq!(problem["problem"], "value_not_offered", "{problem:#}");
    assert_eq!(problem["value"], "3d", "{problem:#}");
}

#[test]
fn a_server_that_cannot_change_it_is_an_error_and_the_rest_converges() {
    let mut config = base_config();
    config
        .disabled_features
        .insert(Feature::ChangeTagExpiration);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file("1w"));
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(
        create.stdout.contains(
            "changing the time machine is not enabled on \
             https://example-registry-quay-quay1.apps.ocphub.lab.seeweb: `tag_expiration` of \
             organization `timemachine` cannot be applied; enable FEATURE_CHANGE_TAG_EXPIRATION"
        ),
        "{}",
        create.stdout
    );
    assert!(quay.state()["organizations"][ORG]["robots"]["ci"].is_object());
    assert_eq!(
        quay.stats().by_route.get("PUT /api/v1/organization/{org}"),
        None
    );
}

#[test]
fn check_refuses_a_malformed_duration() {
    let fixture = Fixture::new();
    fixture.write_org("org.yaml", &org_file("2 weeks"));
    let check = fixture.mqc(&["check"]);
    check.expect_code(1);
    assert!(
        check.stdout.contains(
            "org.yaml:5:17: error: `tag_expiration` must be a number and a unit, found `2 weeks`"
        ),
        "{}",
        check.stdout
    );
}
