//! Auto-prune policies of organizations and repositories (issue 16), against quay-sim on
//! 3.12, 3.15, 3.17 and head: converge, a second run writes nothing, drift is fixed with one
//! write each, export round-trips; a pattern below 3.13 and a Quay without
//! `FEATURE_AUTO_PRUNE` are plan-time problems that leave the rest of the organization to
//! converge.

mod common;

use common::*;
use quay_sim::{Config, Feature, QuayVersion};
use serde_json::{json, Value};

const ORG: &str = "pruned";

/// Three policies at the organization (two with a pattern when `patterns`), one on `api`.
fn org_file(patterns: bool) -> String {
    let org_policies = if patterns {
        "auto_prune:\n  - {method: number_of_tags, value: 50}\n  \
         - {method: creation_date, value: 30d, tag_pattern: \"^pr-\", tag_pattern_matches: true}\n  \
         - {method: creation_date, value: 2w, tag_pattern: \"^keep\", tag_pattern_matches: false}\n"
    } else {
        "auto_prune:\n  - {method: number_of_tags, value: 50}\n"
    };
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\n{org_policies}\
         repositories:\n  - name: api\n    auto_prune: [{{method: number_of_tags, value: 10}}]\n  \
         - name: web\n"
    )
}

fn fixture(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

/// (method, value, tagPattern, tagPatternMatches) of a list in the sim's state.
fn policies(list: &Value) -> Vec<(String, Value, Value, Value)> {
    list.as_array()
        .expect("a policy list in the sim's state")
        .iter()
        .map(|p| {
            (
                p["method"].as_str().unwrap_or_default().to_string(),
                p["value"].clone(),
                p["tagPattern"].clone(),
                p["tagPatternMatches"].clone(),
            )
        })
        .collect()
}

fn org_policies(quay: &quay_sim::QuaySim) -> Vec<(String, Value, Value, Value)> {
    policies(&quay.state()["organizations"][ORG]["auto_prune"])
}

fn repo_policies(quay: &quay_sim::QuaySim, repo: &str) -> Vec<(String, Value, Value, Value)> {
    policies(&quay.state()["organizations"][ORG]["repositories"][repo]["auto_prune"])
}

fn auto_prune_writes(quay: &quay_sim::QuaySim) -> u64 {
    quay.stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("autoprunepolicy") && !route.starts_with("GET"))
        .map(|(_, count)| *count)
        .sum()
}

#[test]
fn policies_converge_on_every_version_and_a_second_run_writes_nothing() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let patterns = version != QuayVersion::V3_12;
        let quay = sim(version, false);
        let fixture = fixture(&quay, &org_file(patterns));
        fixture.mqc(&["create"]).expect_code(0);
        let matches = if patterns { json!(true) } else { Value::Null };
        let mut want = vec![(
            "number_of_tags".to_string(),
            json!(50),
            Value::Null,
            matches.clone(),
        )];
        if patterns {
            want.push((
                "creation_date".into(),
                json!("30d"),
                json!("^pr-"),
                json!(true),
            ));
            want.push((
                "creation_date".into(),
                json!("2w"),
                json!("^keep"),
                json!(false),
            ));
        }
        assert_eq!(org_policies(&quay), want, "{version:?}");
        assert_eq!(
            repo_policies(&quay, "api"),
            vec![("number_of_tags".into(), json!(10), Value::Null, matches)],
            "{version:?}"
        );
        assert_eq!(repo_policies(&quay, "web"), Vec::new(), "{version:?}");

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
    let fixture = fixture(&quay, &org_file(true));
    fixture.mqc(&["create"]).expect_code(0);

    // A policy's value changed in Quay, and the repository's policy removed.
    quay.with_state(|state| {
        let org = state.organizations.get_mut(ORG).unwrap();
        let first = org
            .auto_prune
            .iter_mut()
            .find(|p| p.repository.is_none())
            .unwrap();
        first.value = json!(7);
        org.auto_prune.retain(|p| p.repository.is_none());
    });
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "~ auto-prune policy of {ORG}: keep the newest 7 tags → keep the newest 50 tags"
        )),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&format!(
            "+ auto-prune policy of {ORG}/api: keep the newest 10 tags"
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
            .get("PUT /api/v1/organization/{org}/autoprunepolicy/{uuid}"),
        Some(&1),
        "{:#?}",
        stats.by_route
    );
    assert_eq!(org_policies(&quay)[0].1, json!(50));

    // An undeclared policy is removed with one DELETE.
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    assert_eq!(json["targets"][0]["plan"]["changes"], json!([]), "{json:#}");
    fixture.write_org(
        "org.yaml",
        &org_file(true).replace("  - {method: number_of_tags, value: 50}\n", ""),
    );
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    let changes = &json["targets"][0]["plan"]["changes"];
    assert_eq!(changes.as_array().map(Vec::len), Some(1), "{json:#}");
    assert_eq!(changes[0]["op"], "delete_auto_prune_policy", "{json:#}");
    assert_eq!(changes[0]["policy"]["method"], "number_of_tags", "{json:#}");
    assert_eq!(changes[0]["policy"]["value"], 50, "{json:#}");

    // Export writes every list that has policies; the file plans to nothing.
    fixture.write_org("org.yaml", &org_file(true));
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(text.contains("auto_prune:"), "{text}");
    assert!(text.contains("tag_pattern: ^keep"), "{text}");
    assert!(text.contains("tag_pattern_matches: false"), "{text}");
    assert!(text.contains("value: 30d"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn a_pattern_below_3_13_is_refused_at_plan_time_and_the_rest_converges() {
    let quay = sim(QuayVersion::V3_12, false);
    let fixture = fixture(&quay, &org_file(true));
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("org.yaml:4:3: "),
        "the problem points at the list: {all}"
    );
    assert!(
        all.contains("needs Quay 3.13 or newer")
            && all.contains(&format!(
                "`auto_prune` of organization `{ORG}` cannot be applied"
            )),
        "{all}"
    );
    assert_eq!(org_policies(&quay), Vec::new(), "nothing written for it");
    // The repository and its single plain policy converge.
    assert_eq!(
        repo_policies(&quay, "api"),
        vec![("number_of_tags".into(), json!(10), Value::Null, Value::Null)]
    );
    assert!(quay.state()["organizations"][ORG]["repositories"]["web"].is_object());
    let json = fixture.mqc(&["plan", "--output", "json"]).json();
    let problems = &json["targets"][0]["problems"];
    assert_eq!(problems[0]["feature"], "AUTO_PRUNE", "{json:#}");
    assert_eq!(
        problems[0]["lack"],
        json!({"older_than": "3.13"}),
        "{json:#}"
    );
    assert_eq!(
        problems[0]["object"],
        json!({"kind": "organization"}),
        "{json:#}"
    );
}

#[test]
fn without_the_feature_the_plan_names_each_scope_and_the_rest_converges() {
    let mut config = Config {
        version: QuayVersion::Head,
        ..base_config()
    };
    config.disabled_features.insert(Feature::AutoPrune);
    let quay = sim_with(config);
    let fixture = fixture(&quay, &org_file(true));
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("auto-prune is not enabled on"), "{all}");
    assert!(
        all.contains(&format!(
            "`auto_prune` of repository `{ORG}/api` cannot be applied"
        )) && all.contains("enable FEATURE_AUTO_PRUNE"),
        "{all}"
    );
    assert_eq!(auto_prune_writes(&quay), 0);
    let repositories = &quay.state()["organizations"][ORG]["repositories"];
    assert!(repositories["api"].is_object() && repositories["web"].is_object());
    // The second run has the same problems and nothing else to do.
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(1);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn bad_methods_values_and_patterns_are_check_errors() {
    let quay = sim(QuayVersion::Head, false);
    let fixture = fixture(
        &quay,
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nauto_prune:\n  \
             - {{method: size, value: 5}}\n  - {{method: number_of_tags, value: 10d}}\n  \
             - {{method: creation_date, value: 30}}\n  \
             - {{method: creation_date, value: 1d, tag_pattern: \"^(pr\"}}\n  \
             - {{method: number_of_tags, value: 3, tag_pattern_matches: false}}\n"
        ),
    );
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "`auto_prune[0].method` must be one of number_of_tags, creation_date; found `size`",
        "`auto_prune[1].value` must be a whole number of tags greater than 0",
        "`auto_prune[2].value` must be a duration for `creation_date`",
        "`auto_prune[3].tag_pattern` is not a valid regular expression",
        "`auto_prune[4].tag_pattern_matches` is set without a `tag_pattern`",
    ] {
        assert!(all.contains(expected), "{expected}\n{all}");
    }
    assert_eq!(quay.stats().requests, 0);
}
