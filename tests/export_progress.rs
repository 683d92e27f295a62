//! `mqc export` on long runs (issue 14, item 5): plain progress lines on stderr when it is not
//! a terminal (stdout keeps the report, valid JSON), and never a file that `mqc check` would
//! refuse: an organization whose file would pass the size bound is refused, exit 1, nothing
//! written, the others still exported.

mod common;

use common::*;
use quay_sim::{QuayVersion, Visibility};

fn export(fixture: &Fixture, orgs: &[&str]) -> Run {
    let out = fixture.dir().display().to_string();
    let mut args = vec![
        "--output",
        "json",
        "export",
        "--endpoint",
        QUAY1,
        "--out",
        &out,
    ];
    for org in orgs {
        args.extend(["--organization", org]);
    }
    fixture.mqc(&args)
}

fn fixture(quay: &quay_sim::QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture
}

#[test]
fn export_prints_progress_lines_on_stderr_and_json_on_stdout() {
    let quay = sim(QuayVersion::Head, false);
    quay.create_org("wide", "admin").unwrap();
    quay.create_robot("wide", "builder", "").unwrap();
    // 40 repositories × (user permissions, mirror, webhooks; no team holds a grant, so no
    // team permission read) = 120 reads, the members of `owners` and the robot's federation:
    // 122 after the first three.
    for r in 0..40 {
        quay.create_repo("wide", &format!("r{r:02}"), Visibility::Private)
            .unwrap();
    }
    quay.create_org("tiny", "admin").unwrap();
    let fixture = fixture(&quay);
    let run = export(&fixture, &["wide", "tiny"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["organizations"].as_array().unwrap().len(), 2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines.contains(&"wide: 122 reads to go…"), "{}", run.stderr);
    // A line at every tenth of the reads, in order.
    let steps: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("wide: ") && l.ends_with("/122 reads"))
        .collect();
    assert_eq!(steps.len(), 9, "{}", run.stderr);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✓ wide: read (125 requests) [")),
        "{}",
        run.stderr
    );
    // A small organization: its final line only.
    assert!(
        lines.iter().any(|l| l.starts_with("✓ tiny: read (")),
        "{}",
        run.stderr
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("tiny: ")),
        "{}",
        run.stderr
    );
}

#[test]
fn an_export_that_check_would_refuse_for_its_size_is_not_written() {
    let quay = sim(QuayVersion::Head, false);
    quay.create_org("huge", "admin").unwrap();
    // Quay stores repository descriptions of any length: 3 × 3 MiB is over the 8 MiB bound.
    for r in 0..3 {
        let name = format!("r{r}");
        quay.create_repo("huge", &name, Visibility::Private)
            .unwrap();
        quay.set_repo_description("huge", &name, &"x".repeat(3 * 1024 * 1024))
            .unwrap();
    }
    quay.create_org("fine", "admin").unwrap();
    let fixture = fixture(&quay);
    let run = export(&fixture, &["huge", "fine"]);
    run.expect_code(1);
    let report = run.json();
    let orgs = report["organizations"].as_array().unwrap();
    let huge = orgs.iter().find(|o| o["name"] == "huge").unwrap();
    assert_eq!(huge["status"], "failed");
    let error = huge["error"].as_str().unwrap();
    assert!(
        error.starts_with(
            "organization huge: its file would be 9.0 MiB, over the 8 MiB that `mqc check` accepts"
        ),
        "{error}"
    );
    assert!(error.contains("huge.yaml was not written"), "{error}");
    assert!(!fixture.dir().join("huge.yaml").exists());
    // The other organization is exported, and check accepts what was written.
    let fine = orgs.iter().find(|o| o["name"] == "fine").unwrap();
    assert_eq!(fine["status"], "written");
    assert!(fixture.dir().join("fine.yaml").exists());
    fixture.mqc(&["check"]).expect_code(0);
}

#[test]
fn check_accepts_what_export_writes_up_to_the_bound() {
    // 1.3 MiB, the size of a 3,000-repository export, is under the bound now.
    let quay = sim(QuayVersion::Head, false);
    quay.create_org("large", "admin").unwrap();
    quay.create_repo("large", "r", Visibility::Private).unwrap();
    quay.set_repo_description("large", "r", &"y".repeat(1_300_000))
        .unwrap();
    let fixture = fixture(&quay);
    export(&fixture, &["large"]).expect_code(0);
    let size = std::fs::metadata(fixture.dir().join("large.yaml"))
        .unwrap()
        .len();
    assert!(size > 1_300_000, "{size}");
    fixture.mqc(&["check"]).expect_code(0);
}
