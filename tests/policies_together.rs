//! Issue 16's "done when", on one organization declaring every policy at once: quota and its
//! limits, the time machine, auto-prune and immutability policies of the organization and of a
//! repository, and a read-only repository. On quay-sim 3.17 and head it converges, a second
//! run writes nothing, drift of each kind is fixed with one write each, and export round-trips;
//! on 3.12 and 3.15 (no immutability policies before 3.17) the plan names them, exits 1, sends
//! nothing for them, and everything else converges.

mod common;

use common::*;
use quay_sim::QuayVersion;

const ORG: &str = "policies";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\ntag_expiration: 2w\n\
         quota:\n  limit: 500 GiB\n  limits:\n    - {{type: warning, threshold_percent: 80}}\n    \
         - {{type: reject, threshold_percent: 100}}\n\
         auto_prune:\n  - {{method: number_of_tags, value: 50}}\n\
         immutability:\n  - {{tag_pattern: \"^v[0-9]+$\", tag_pattern_matches: true}}\n\
         repositories:\n  - name: api\n    state: read_only\n    \
         auto_prune: [{{method: number_of_tags, value: 10}}]\n    \
         immutability: [{{tag_pattern: \"^release-\"}}]\n  - name: web\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", &org_file());
    fixture
}

#[test]
fn every_policy_together_converges_drift_is_one_write_each_and_export_round_trips() {
    for version in [QuayVersion::V3_17, QuayVersion::Head] {
        let quay = sim(version, false);
        let fixture = fixture(&quay);
        fixture.mqc(&["create"]).expect_code(0);
        let state = quay.state();
        let org = &state["organizations"][ORG];
        assert_eq!(org["tag_expiration_s"], 1_209_600, "{version:?}");
        assert_eq!(org["quota"]["limit_bytes"], 500u64 << 30, "{version:?}");
        assert_eq!(org["quota"]["limits"].as_array().map(Vec::len), Some(2));
        assert_eq!(org["auto_prune"].as_array().map(Vec::len), Some(1));
        assert_eq!(org["immutability"].as_array().map(Vec::len), Some(1));
        let api = &org["repositories"]["api"];
        assert_eq!(api["state"], "READ_ONLY", "{version:?}: {api:#}");
        assert_eq!(api["auto_prune"].as_array().map(Vec::len), Some(1));
        assert_eq!(api["immutability"].as_array().map(Vec::len), Some(1));

        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: a second run writes nothing"
        );

        // Drift of every kind at once: quota resized, a limit removed, the time machine
        // changed, the repository's state flipped, a policy's value changed.
        quay.with_state(|state| {
            let org = state.organizations.get_mut(ORG).expect("the organization");
            org.tag_expiration_s = 86_400;
            let quota = org.quota.as_mut().expect("the quota");
            quota.limit_bytes = 400 << 30;
            quota.limits.retain(|l| l.kind != "Warning");
            let policy = org
                .auto_prune
                .iter_mut()
                .find(|p| p.repository.is_none())
                .expect("the organization's auto-prune policy");
            policy.value = serde_json::json!(40);
            if let Some(api) = state.repository_mut(ORG, "api") {
                api.state = quay_sim::model::RepoState::Normal;
            }
        });
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(2);
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            quay.stats().writes,
            5,
            "{version:?}: one write each: {:#?}",
            quay.stats().by_route
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}");

        // Export round trip.
        let text = fixture.export_instead_of("org.yaml", ORG);
        for key in [
            "quota:",
            "tag_expiration:",
            "auto_prune:",
            "immutability:",
            "state: read_only",
        ] {
            assert!(
                text.contains(key),
                "{version:?}: {key} not exported:\n{text}"
            );
        }
        quay.reset_stats();
        fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
        assert_eq!(quay.stats().writes, 0);
    }
}

#[test]
fn before_3_17_the_immutability_policies_are_named_and_the_rest_converges() {
    for version in [QuayVersion::V3_12, QuayVersion::V3_15] {
        let quay = sim(version, false);
        let fixture = fixture(&quay);
        let run = fixture.mqc(&["create"]);
        run.expect_code(1);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains("immutability"), "{version:?}: {said}");
        let state = quay.state();
        let org = &state["organizations"][ORG];
        assert_eq!(org["tag_expiration_s"], 1_209_600, "{version:?}");
        assert_eq!(org["quota"]["limits"].as_array().map(Vec::len), Some(2));
        assert_eq!(org["auto_prune"].as_array().map(Vec::len), Some(1));
        assert_eq!(org["repositories"]["api"]["state"], "READ_ONLY");
        assert!(
            !quay
                .stats()
                .by_route
                .keys()
                .any(|route| route.contains("immutabilitypolicy")),
            "{version:?}: no immutability request"
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(1);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: the rest has converged"
        );
    }
}
