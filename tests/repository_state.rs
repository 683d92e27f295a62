//! `repositories[].state` (issue 16): `normal` or `read_only`, set with Quay's `changestate`
//! (registered only with `FEATURE_REPO_MIRROR`). Converges on every emulated version, a
//! second run writes nothing, a flipped state is one write back, export round-trips; without
//! mirroring the plan names the repository and the reason, exits 1 and applies the rest.

mod common;

use common::*;
use quay_sim::model::RepoState;
use quay_sim::{Feature, QuayVersion};

const ORG: &str = "states";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrepositories:\n\
         \x20 - name: api\n    state: read_only\n\
         \x20 - name: web\n    state: normal\n\
         \x20 - name: plain\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn state_of(quay: &quay_sim::QuaySim, repo: &str) -> String {
    quay.state()["organizations"][ORG]["repositories"][repo]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn set_state(quay: &quay_sim::QuaySim, repo: &str, to: RepoState) {
    quay.with_state(|state| {
        if let Some(r) = state.repository_mut(ORG, repo) {
            r.state = to;
        }
    });
}

#[test]
fn declared_states_converge_and_a_flipped_state_is_one_write_back() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file());
        let create = fixture.mqc(&["create"]);
        create.expect_code(0);
        assert!(
            create
                .stdout
                .contains("~ repository states/api state NORMAL → READ_ONLY"),
            "{version:?}: {}",
            create.stdout
        );
        assert_eq!(state_of(&quay, "api"), "READ_ONLY", "{version:?}");
        assert_eq!(state_of(&quay, "web"), "NORMAL");
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}");

        // Flipped: both declared ones go back; the undeclared one is left alone.
        set_state(&quay, "api", RepoState::Normal);
        set_state(&quay, "web", RepoState::ReadOnly);
        set_state(&quay, "plain", RepoState::ReadOnly);
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(2);
        assert!(
            plan.stdout
                .contains("~ repository states/web state READ_ONLY → NORMAL"),
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
                .get("PUT /api/v1/repository/{repository}/changestate"),
            Some(&2)
        );
        assert_eq!(state_of(&quay, "api"), "READ_ONLY");
        assert_eq!(state_of(&quay, "web"), "NORMAL");
        assert_eq!(state_of(&quay, "plain"), "READ_ONLY", "not managed");
    }
}

#[test]
fn a_repository_left_in_mirror_state_goes_to_the_declared_state_in_one_write() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);
    set_state(&quay, "api", RepoState::Mirror);
    quay.reset_stats();
    let create = fixture.mqc(&["create"]);
    create.expect_code(0);
    assert!(
        create
            .stdout
            .contains("~ repository states/api state MIRROR → READ_ONLY"),
        "{}",
        create.stdout
    );
    assert_eq!(quay.stats().writes, 1);
    assert_eq!(state_of(&quay, "api"), "READ_ONLY");
}

#[test]
fn an_exported_state_round_trips_to_an_empty_plan() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("- name: api\n"), "{text}");
    assert_eq!(text.matches("state: read_only").count(), 1, "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn without_mirroring_a_declared_state_is_an_error_and_the_rest_converges() {
    let mut config = base_config();
    config.disabled_features.insert(Feature::RepoMirror);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file());
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(
        create.stdout.contains(
            "org.yaml:5:12: repository mirroring (Quay changes a repository's state only with it) \
             is not enabled on https://example-registry-quay-quay1.apps.ocphub.lab.seeweb: \
             `state: read_only` of repository `states/api` cannot be applied; enable \
             FEATURE_REPO_MIRROR on that Quay or remove `state` from the file"
        ),
        "{}",
        create.stdout
    );
    assert_eq!(state_of(&quay, "api"), "NORMAL");
    assert_eq!(state_of(&quay, "plain"), "NORMAL", "the rest converges");
    assert!(!quay
        .stats()
        .by_route
        .keys()
        .any(|r| r.contains("changestate")));
    let report = fixture.mqc(&["plan", "--output", "json"]);
    report.expect_code(1);
    let problem = &report.json()["targets"][0]["problems"][0];
    assert_eq!(problem["feature"], "REPO_MIRROR", "{problem:#}");
    assert_eq!(problem["field"], "state: read_only", "{problem:#}");
    assert_eq!(problem["object"]["name"], "api", "{problem:#}");
}

#[test]
fn state_beside_a_mirror_is_a_check_error() {
    let fixture = Fixture::new();
    fixture.write_org(
        "org.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: m\nrepositories:\n\
             \x20 - name: alpine\n    state: read_only\n    mirror: true\n    mirror_params:\n\
             \x20     src_registry: quay.io\n      src_image: libpod/alpine\n      src_image_tags: [latest]\n\
             \x20     robot_username: m\n      sync_interval: 86400\n\
             \x20 - name: bad\n    state: frozen\n"
        ),
    );
    let check = fixture.mqc(&["check"]);
    check.expect_code(1);
    for message in [
        "org.yaml:7:12: error: `repositories[0].state` cannot be given with `mirror: true`",
        "`repositories[1].state` must be one of normal, read_only; found `frozen`",
    ] {
        assert!(
            check.stdout.contains(message),
            "{message}\n{}",
            check.stdout
        );
    }
}
