//! Immutability policies of organizations and repositories (issue 16, Quay 3.17+), against
//! quay-sim: converge on 3.17 and head, a second run writes nothing, drift is fixed with one
//! write each, export round-trips; creating or changing a policy is one-way, marked `!` and
//! counted by the safety threshold; Quay before 3.17 and a Quay without
//! `FEATURE_IMMUTABLE_TAGS` are plan-time problems that leave the rest to converge.

mod common;

use common::*;
use quay_sim::{Config, Feature, QuayVersion};
use serde_json::{json, Value};

const ORG: &str = "frozen";
const SEMVER: &str = "^v[0-9]+\\.[0-9]+\\.[0-9]+$";

fn org_file() -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\n\
         immutability:\n  - {{tag_pattern: \"^v[0-9]+\\\\.[0-9]+\\\\.[0-9]+$\", tag_pattern_matches: true}}\n\
         repositories:\n  - name: api\n    immutability: [{{tag_pattern: \"^release-\"}}]\n  - name: web\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

/// (tagPattern, tagPatternMatches) of a list in the sim's state.
fn policies(list: &Value) -> Vec<(Value, Value)> {
    list.as_array()
        .expect("a policy list in the sim's state")
        .iter()
        .map(|p| (p["tagPattern"].clone(), p["tagPatternMatches"].clone()))
        .collect()
}

fn org_policies(quay: &quay_sim::QuaySim) -> Vec<(Value, Value)> {
    policies(&quay.state()["organizations"][ORG]["immutability"])
}

fn repo_policies(quay: &quay_sim::QuaySim, repo: &str) -> Vec<(Value, Value)> {
    policies(&quay.state()["organizations"][ORG]["repositories"][repo]["immutability"])
}

fn immutability_requests(quay: &quay_sim::QuaySim) -> u64 {
    quay.stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("immutabilitypolicy"))
        .map(|(_, count)| *count)
        .sum()
}

#[test]
fn policies_converge_one_way_changes_are_marked_and_a_second_run_writes_nothing() {
    for version in [QuayVersion::V3_17, QuayVersion::Head] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file());
        let plan = fixture.mqc(&["plan"]);
        plan.expect_code(0);
        assert!(
            plan.stdout.contains(&format!(
                "+! immutability policy of {ORG}: tags matching {SEMVER:?} become immutable, \
                 existing ones now (one-way: removing the policy does not undo it)"
            )),
            "{}",
            plan.stdout
        );
        assert!(
            plan.stdout.contains(&format!(
                "+! immutability policy of {ORG}/api: tags matching \"^release-\""
            )),
            "{}",
            plan.stdout
        );
        let json = fixture.mqc(&["plan", "--output", "json"]).json();
        let changes = json["targets"][0]["plan"]["changes"]
            .as_array()
            .unwrap()
            .clone();
        let creates: Vec<&Value> = changes
            .iter()
            .filter(|c| c["op"] == "create_immutability_policy")
            .collect();
        assert_eq!(creates.len(), 2, "{json:#}");
        assert!(creates.iter().all(|c| c["one_way"] == true), "{json:#}");

        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            org_policies(&quay),
            vec![(json!(SEMVER), json!(true))],
            "{version:?}"
        );
        assert_eq!(
            repo_policies(&quay, "api"),
            vec![(json!("^release-"), json!(true))],
            "{version:?}"
        );
        assert_eq!(repo_policies(&quay, "web"), Vec::new());
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(0);
        assert_eq!(
            quay.stats().writes,
            0,
            "{version:?}: a second run has nothing to do"
        );
    }
}

#[test]
fn drift_is_fixed_with_one_write_each_and_export_round_trips() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file());
    fixture.mqc(&["create"]).expect_code(0);

    // The organization's policy flipped in Quay, the repository's removed.
    quay.with_state(|state| {
        let org = state.organizations.get_mut(ORG).unwrap();
        org.immutability.retain(|p| p.repository.is_none());
        org.immutability[0].tag_pattern_matches = false;
    });
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "~! immutability policy of {ORG}: tags not matching {SEMVER:?} → tags matching {SEMVER:?}"
        )),
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
            .get("PUT /api/v1/organization/{org}/immutabilitypolicy/{uuid}"),
        Some(&1),
        "{:#?}",
        stats.by_route
    );
    assert_eq!(org_policies(&quay), vec![(json!(SEMVER), json!(true))]);

    // Removing a policy is not one-way, and says what stays.
    fixture.write_org(
        "org.yaml",
        &org_file().replace(" [{tag_pattern: \"^release-\"}]", " []"),
    );
    let plan = fixture.mqc(&["plan"]);
    assert!(
        plan.stdout.contains(&format!(
            "- remove immutability policy of {ORG}/api: tags matching \"^release-\" (tags it \
             made immutable stay immutable)"
        )),
        "{}",
        plan.stdout
    );

    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("immutability:"), "{text}");
    assert!(text.contains("^release-"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn quay_before_3_17_names_each_scope_and_the_rest_converges() {
    for version in [QuayVersion::V3_12, QuayVersion::V3_15] {
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file());
        let run = fixture.mqc(&["create"]);
        run.expect_code(1);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains("immutability policies needs Quay 3.17 or newer")
                && all.contains(&format!(
                    "`immutability` of organization `{ORG}` cannot be applied"
                ))
                && all.contains(&format!(
                    "`immutability` of repository `{ORG}/api` cannot be applied"
                )),
            "{version:?}: {all}"
        );
        assert_eq!(immutability_requests(&quay), 0, "{version:?}");
        let repositories = &quay.state()["organizations"][ORG]["repositories"];
        assert!(repositories["api"].is_object() && repositories["web"].is_object());
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(1);
        assert_eq!(quay.stats().writes, 0);
    }
}

#[test]
fn without_the_feature_the_plan_names_the_reason_and_the_rest_converges() {
    let mut config = Config {
        version: QuayVersion::Head,
        ..base_config()
    };
    config.disabled_features.insert(Feature::ImmutableTags);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file());
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("immutability policies is not enabled on")
            && all.contains("enable FEATURE_IMMUTABLE_TAGS"),
        "{all}"
    );
    assert_eq!(immutability_requests(&quay), 0);
    assert!(quay.state()["organizations"][ORG]["repositories"]["web"].is_object());
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    let problems = &json["targets"][0]["problems"];
    assert_eq!(problems[0]["feature"], "IMMUTABLE_TAGS", "{json:#}");
    assert_eq!(problems[0]["lack"], "disabled", "{json:#}");
    assert_eq!(
        problems[0]["at"]["line"], 4,
        "the organization's list: {json:#}"
    );
    assert_eq!(
        problems[1]["at"]["key"], "repositories[0].immutability",
        "{json:#}"
    );
}

#[test]
fn many_one_way_changes_need_force() {
    let quay = sim(QuayVersion::Head, false);
    let repos: String = (0..6)
        .map(|i| format!("  - name: r{i}\n    immutability: [{{tag_pattern: \"^v{i}\"}}]\n"))
        .collect();
    let fixture = fixture(
        &quay,
        &format!("quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrepositories:\n{repos}"),
    );
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains(
            "6 of 0 immutability policies to create or change (one-way) (at most 5 allowed)"
        ),
        "{all}"
    );
    assert_eq!(quay.stats().writes, 0);
    fixture.mqc(&["create", "--force"]).expect_code(0);
    assert_eq!(
        repo_policies(&quay, "r5"),
        vec![(json!("^v5"), json!(true))]
    );
}

#[test]
fn bad_and_repeated_patterns_are_check_errors() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nimmutability:\n  \
             - {{tag_pattern: \"^(v\"}}\n  - {{tag_pattern: \"^v1\"}}\n  \
             - {{tag_pattern: \"^v1\", tag_pattern_matches: false}}\n  - {{tag_pattern: \"\"}}\n"
        ),
    );
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "`immutability[0].tag_pattern` is not a valid regular expression",
        "immutability tag pattern `^v1` is declared twice",
        "`immutability[3].tag_pattern` is empty",
    ] {
        assert!(all.contains(expected), "{expected}\n{all}");
    }
    assert_eq!(quay.stats().requests, 0);
}
