//! The mirror options besides the seed's (issue 15): `sync_start_date`,
//! `skopeo_timeout_interval` and `architecture_filter`, against quay-sim on every version:
//! each is sent only where the server knows it, a second run writes nothing, drift is fixed
//! with one write, a sync moving Quay's start date along the schedule is no drift, export
//! round-trips; an architecture filter a server cannot take is a plan-time problem that
//! leaves the rest to converge.

mod common;

use common::*;
use quay_sim::{Config, QuaySim, QuayVersion};
use serde_json::{json, Value};

const ORG: &str = "mirrored";
const START: &str = "2026-12-01T02:00:00Z";

fn org_file(extra: &str) -> String {
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrobots:\n  - name: puller\n\
         repositories:\n  - name: api\n    mirror: true\n    mirror_params:\n      \
         src_registry: quay.io\n      src_image: libpod/alpine\n      src_image_tags: [latest]\n      \
         robot_username: puller\n      sync_interval: 86400\n      \
         sync_start_date: \"{START}\"\n      skopeo_timeout_interval: 600\n{extra}\
         \x20 - name: plain\n    description: converges anyway\n"
    )
}

const FILTER: &str = "      architecture_filter: [arm64, amd64]\n";

fn quay(version: QuayVersion, sparse_index: bool) -> QuaySim {
    sim_with(Config {
        version,
        sparse_index,
        ..base_config()
    })
}

fn fixture(quay: &QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn mirror(quay: &QuaySim) -> Value {
    quay.state()["organizations"][ORG]["repositories"]["api"]["mirror"].clone()
}

fn mirror_writes(quay: &QuaySim) -> u64 {
    quay.stats()
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("/mirror") && !route.starts_with("GET"))
        .map(|(_, count)| *count)
        .sum()
}

#[test]
fn every_option_converges_where_the_server_knows_it_and_a_second_run_writes_nothing() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::Head,
    ] {
        let filtered = version >= QuayVersion::V3_17;
        let quay = quay(version, true);
        let file = org_file(if filtered { FILTER } else { "" });
        let fixture = fixture(&quay, &file);
        let plan = fixture.mqc(&["plan"]);
        plan.expect_code(0);
        assert!(
            plan.stdout.contains(&format!(
                "every 86400 s from {START}; robot puller; disabled; timeout 600 s"
            )),
            "{version:?}: {}",
            plan.stdout
        );
        fixture.mqc(&["create"]).expect_code(0);
        let stored = mirror(&quay);
        assert_eq!(stored["sync_start_date"], START, "{version:?}: {stored:#}");
        // Quay before 3.15 has no timeout: mqc does not send it there (3.12 answers 500).
        let timeout = if version >= QuayVersion::V3_15 {
            json!(600)
        } else {
            Value::Null
        };
        assert_eq!(stored["skopeo_timeout_interval"], timeout, "{version:?}");
        let architectures = if filtered {
            json!(["amd64", "arm64"])
        } else {
            json!([])
        };
        assert_eq!(stored["architecture_filter"], architectures, "{version:?}");

        quay.reset_stats();
        fixture
            .mqc(&["create", "--detailed-exitcode"])
            .expect_code(0);
        assert_eq!(quay.stats().writes, 0, "{version:?}: {:#?}", quay.stats());
    }
}

#[test]
fn drift_is_fixed_with_one_write_and_a_sync_moving_the_date_along_the_schedule_is_none() {
    let quay = quay(QuayVersion::Head, true);
    let fixture = fixture(&quay, &org_file(FILTER));
    fixture.mqc(&["create"]).expect_code(0);

    // A sync ran: Quay moved its date to the next slot of the same daily schedule.
    quay.with_state(|state| {
        let repo = state
            .organizations
            .get_mut(ORG)
            .and_then(|org| org.repositories.get_mut("api"))
            .unwrap();
        repo.mirror.as_mut().unwrap().sync_start_date = "2026-12-04T02:00:00Z".into();
    });
    quay.reset_stats();
    fixture
        .mqc(&["create", "--detailed-exitcode"])
        .expect_code(0);
    assert_eq!(quay.stats().writes, 0, "{:#?}", quay.stats());

    // Someone moved the schedule, shortened the timeout and dropped the filter in the UI.
    quay.with_state(|state| {
        let repo = state
            .organizations
            .get_mut(ORG)
            .and_then(|org| org.repositories.get_mut("api"))
            .unwrap();
        let mirror = repo.mirror.as_mut().unwrap();
        mirror.sync_start_date = "2026-12-04T05:30:00Z".into();
        mirror.skopeo_timeout_interval = Some(300);
        mirror.architecture_filter.clear();
    });
    let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "mirror of {ORG}/api: sync_start_date 2026-12-04T05:30:00Z → {START}; \
             skopeo_timeout_interval 300 → 600; architecture_filter (all) → [amd64, arm64]"
        )),
        "{}",
        plan.stdout
    );
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(mirror_writes(&quay), 1, "{:#?}", quay.stats().by_route);
    let stored = mirror(&quay);
    assert_eq!(stored["sync_start_date"], START);
    assert_eq!(stored["skopeo_timeout_interval"], 600);
    assert_eq!(stored["architecture_filter"], json!(["amd64", "arm64"]));

    // Export writes every option, and planning from it changes nothing.
    let text = fixture.export_instead_of("org.yaml", ORG);
    assert!(
        text.contains(&format!("sync_start_date: '{START}'"))
            || text.contains(&format!("sync_start_date: {START}"))
            || text.contains(&format!("sync_start_date: \"{START}\"")),
        "{text}"
    );
    assert!(text.contains("skopeo_timeout_interval: 600"), "{text}");
    assert!(text.contains("architecture_filter:"), "{text}");
    quay.reset_stats();
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn an_architecture_filter_the_server_cannot_take_is_a_plan_time_problem() {
    for (version, sparse_index, missing) in [
        (
            QuayVersion::V3_15,
            true,
            "mirroring only some architectures needs Quay 3.17 or newer",
        ),
        (
            QuayVersion::Head,
            false,
            "mirroring only some architectures is not enabled on",
        ),
    ] {
        let quay = quay(version, sparse_index);
        let fixture = fixture(&quay, &org_file(FILTER));
        let run = fixture.mqc(&["create"]);
        run.expect_code(1);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            all.contains(missing)
                && all.contains(&format!(
                    "the mirror of repository `{ORG}/api` is neither set up nor changed"
                ))
                && all.contains("remove `architecture_filter` from the mirror"),
            "{version:?}: {all}"
        );
        if !sparse_index {
            assert!(all.contains("enable FEATURE_SPARSE_INDEX"), "{all}");
        }
        // The mirror is not configured; the rest converges.
        let state = quay.state();
        let repositories = &state["organizations"][ORG]["repositories"];
        assert!(repositories["api"]["mirror"].is_null(), "{version:?}");
        assert_eq!(repositories["plain"]["description"], "converges anyway");
        let json = fixture.mqc(&["plan", "--output", "json"]).json();
        let problem = &json["targets"][0]["problems"][0];
        assert_eq!(problem["feature"], "SPARSE_INDEX", "{json:#}");
        assert_eq!(
            problem["at"]["key"], "repositories[0].mirror_params.architecture_filter",
            "{json:#}"
        );
        quay.reset_stats();
        fixture.mqc(&["create"]).expect_code(1);
        assert_eq!(quay.stats().writes, 0, "{version:?}");
    }
}

#[test]
fn an_existing_mirror_is_left_alone_when_its_new_filter_cannot_be_applied() {
    let quay = quay(QuayVersion::Head, false);
    let fixture = fixture(&quay, &org_file(""));
    fixture.mqc(&["create"]).expect_code(0);
    fixture.write_org("org.yaml", &org_file(FILTER));
    quay.reset_stats();
    fixture.mqc(&["create"]).expect_code(1);
    assert_eq!(quay.stats().writes, 0, "{:#?}", quay.stats());
    let stored = mirror(&quay);
    assert_eq!(stored["architecture_filter"], json!([]));
    assert_eq!(
        quay.state()["organizations"][ORG]["repositories"]["api"]["state"],
        "MIRROR"
    );
}

#[test]
fn bad_option_values_are_check_errors_with_their_position() {
    let quay = quay(QuayVersion::Head, true);
    let file = org_file("      architecture_filter: [amd64, riscv64, amd64]\n")
        .replace(START, "2026-12-01 02:00")
        .replace(
            "skopeo_timeout_interval: 600",
            "skopeo_timeout_interval: 120",
        );
    let fixture = fixture(&quay, &file);
    let run = fixture.mqc(&["check"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    for expected in [
        "org.yaml:14:24: error: `repositories[0].mirror_params.sync_start_date` must be a date and time with its offset, found `2026-12-01 02:00`",
        "org.yaml:15:32: error: `repositories[0].mirror_params.skopeo_timeout_interval` must be at least 300 seconds, found 120",
        "org.yaml:16:36: error: `repositories[0].mirror_params.architecture_filter[1]` must be one of amd64, arm64, ppc64le, s390x; found `riscv64`",
        "org.yaml:16:45: error: `repositories[0].mirror_params.architecture_filter[2]`: `amd64` is listed twice",
    ] {
        assert!(all.contains(expected), "{expected}\n{all}");
    }
    assert_eq!(quay.stats().writes, 0);
}
