//! Issue 17 item 4 (the JSON report is a contract, docs/json-report.md) and item 5 (plan as
//! markdown), issue 13 items 5 and 6 (typed failures in the report, `--output json` for every
//! command), issue 17 item 6 (off a terminal `create` never asks): stdout of each command,
//! parsed with serde_json, for success and for fatal errors.

mod common;

use common::*;
use quay_sim::{QuaySim, QuayVersion};
use serde_json::{json, Value};

/// The envelope every command's JSON report has.
#[track_caller]
fn assert_envelope(report: &Value, command: &str, error: bool) {
    assert_eq!(report["schema_version"], 1, "{report:#}");
    assert_eq!(report["command"], command, "{report:#}");
    assert_eq!(report["error"].is_string(), error, "{report:#}");
    assert_eq!(report["error_detail"].is_object(), error, "{report:#}");
    if !error {
        assert!(report["error"].is_null(), "{report:#}");
        assert!(report["error_detail"].is_null(), "{report:#}");
    }
}

/// `acme` on QUAY1 with one repository.
fn acme(quay: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "acme.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: acme\nrepositories:\n  - name: app\n    \
             visibility: private\n    permissions:\n      users:\n        - name: bob\n          \
             role: write\n"
        ),
    );
    fixture
}

#[test]
fn plan_and_create_share_the_envelope() {
    let quay1 = sim(QuayVersion::Head, false);
    let fixture = acme(&quay1);
    let plan = fixture.mqc(&["plan", "--output", "json"]);
    plan.expect_code(0);
    let report = plan.json();
    assert_envelope(&report, "plan", false);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["targets"][0]["target"]["organization"], "acme");
    assert_eq!(report["totals"]["create"], 3, "{report:#}");

    let create = fixture.mqc(&["create", "--output", "json"]);
    create.expect_code(0);
    let report = create.json();
    assert_envelope(&report, "create", false);
    assert_eq!(report["dry_run"], false);
    assert_eq!(report["totals"]["failed"], 0);
    assert_eq!(report["targets"][0]["results"][0]["status"], "applied");
    // `create` asks nothing off a terminal (stdin is /dev/null here).
    assert!(
        !create.stderr.contains("Apply these changes"),
        "{}",
        create.stderr
    );
}

#[test]
fn a_failed_change_carries_its_request_and_quays_answer() {
    let quay1 = sim(QuayVersion::Head, false);
    quay1.create_org("acme", "admin").expect("org");
    quay1
        .create_repo("acme", "app", quay_sim::Visibility::Private)
        .expect("repo");
    let fixture = acme(&quay1);
    let path = "/api/v1/repository/acme/app/permissions/user/bob";
    quay1.fail_requests("PUT", path);

    let run = fixture.mqc(&["create", "--output", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_envelope(&report, "create", false);
    let failed: Vec<&Value> = report["targets"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{report:#}");
    let detail = &failed[0]["error_detail"];
    assert_eq!(detail["kind"], "quay");
    assert_eq!(detail["endpoint"], QUAY1);
    assert_eq!(detail["method"], "PUT");
    assert_eq!(detail["path"], path);
    assert_eq!(detail["status"], 500);
    assert!(detail["message"].is_string(), "{detail:#}");
    let text = failed[0]["error"].as_str().expect("error text");
    assert!(text.contains(&format!("PUT {path}")), "{text}");

    // The human summary keeps the readable text.
    let human = fixture.mqc(&["create"]);
    human.expect_code(1);
    assert!(
        human.stdout.contains(&format!("PUT {path}: 500")),
        "{}",
        human.stdout
    );
}

#[test]
fn an_unreachable_endpoint_is_a_target_error_with_no_status() {
    let quay1 = sim(QuayVersion::Head, false);
    let fixture = acme(&quay1);
    let mut unreachable = fixture;
    // A port nothing listens on: the emulator stopped.
    let mut stopped = sim(QuayVersion::Head, false);
    unreachable.remap(QUAY1, &stopped);
    stopped.kill();
    let run = unreachable.mqc(&["plan", "--output", "json", "--timeout", "2"]);
    run.expect_code(1);
    let report = run.json();
    assert_envelope(&report, "plan", false);
    let target = &report["targets"][0];
    assert!(target["error"].is_string(), "{target:#}");
    assert_eq!(target["error_detail"]["endpoint"], QUAY1);
    assert_eq!(target["error_detail"]["method"], "GET");
    assert_eq!(target["error_detail"]["path"], "/api/v1/user/");
    assert_eq!(target["error_detail"]["status"], Value::Null);
}

#[test]
fn fatal_errors_are_one_json_document_with_the_exit_code_unchanged() {
    let quay1 = sim(QuayVersion::Head, false);
    let fixture = acme(&quay1);

    // A configuration error: the directory does not exist.
    let missing = fixture.root.path().join("nowhere");
    for command in ["plan", "create", "check", "login", "delete"] {
        let run = fixture.mqc(&[
            command,
            "--output",
            "json",
            "--dir",
            missing.to_str().unwrap(),
        ]);
        run.expect_code(1);
        let report = run.json();
        assert_envelope(&report, command, true);
        assert_eq!(report["error_detail"]["kind"], "config", "{report:#}");
        assert!(
            report["error"]
                .as_str()
                .unwrap()
                .contains("the organization directory does not exist"),
            "{report:#}"
        );
    }

    // A usage error after parsing: an organization no file declares (exit 2, as before).
    let run = fixture.mqc(&["plan", "--output", "json", "--organization", "nosuch"]);
    run.expect_code(2);
    let report = run.json();
    assert_envelope(&report, "plan", true);
    assert_eq!(report["error_detail"]["kind"], "usage");
    // Under --detailed-exitcode a usage error exits 1.
    let run = fixture.mqc(&[
        "plan",
        "--output",
        "json",
        "--organization",
        "nosuch",
        "--detailed-exitcode",
    ]);
    run.expect_code(1);
    assert_envelope(&run.json(), "plan", true);

    // An unreadable login file.
    std::fs::write(fixture.login_path(), "tokens: [not, a, map\n").expect("write");
    let run = fixture.mqc(&["create", "--output", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_envelope(&report, "create", true);
    assert_eq!(report["error_detail"]["kind"], "config");
    let run = fixture.mqc(&["login", "--output", "json", "--from-env"]);
    run.expect_code(1);
    assert_envelope(&run.json(), "login", true);

    // Organization files with errors: the findings are in the document, not only on stderr.
    fixture.write_org("broken.yaml", "quay_endpoint: [\n");
    let run = fixture.mqc(&["plan", "--output", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_envelope(&report, "plan", true);
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["file"]
            .as_str()
            .is_some_and(|file| file.ends_with("broken.yaml"))
            && f["severity"] == "error"),
        "{report:#}"
    );
    fixture.remove_org("broken.yaml");

    // `delete` off a terminal without --yes.
    fixture.login(&[(QUAY1, TOKEN)]);
    let run = fixture.mqc(&["delete", "--output", "json"]);
    run.expect_code(2);
    assert_envelope(&run.json(), "delete", true);
}

#[test]
fn export_of_an_unreachable_endpoint_names_it() {
    let mut stopped = sim(QuayVersion::Head, false);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &stopped);
    fixture.login(&[(QUAY1, TOKEN)]);
    stopped.kill();
    let out = fixture.root.path().join("exported");
    let run = fixture.mqc(&[
        "export",
        "--output",
        "json",
        "--timeout",
        "2",
        "--endpoint",
        QUAY1,
        "--organization",
        "acme",
        "--out",
        out.to_str().unwrap(),
    ]);
    run.expect_code(1);
    let report = run.json();
    assert_envelope(&report, "export", true);
    assert_eq!(report["error_detail"]["kind"], "quay");
    assert_eq!(report["error_detail"]["endpoint"], QUAY1);
    assert_eq!(report["error_detail"]["path"], "/api/v1/user/");
    assert_eq!(report["error_detail"]["status"], Value::Null);
}

#[test]
fn every_command_reports_in_the_envelope() {
    let quay1 = sim(QuayVersion::Head, false);
    let fixture = acme(&quay1);

    let check = fixture.mqc(&["check", "--output", "json"]);
    check.expect_code(0);
    let report = check.json();
    assert_envelope(&report, "check", false);
    assert_eq!(
        report["totals"],
        json!({"files": 1, "organizations": 1, "errors": 0, "warnings": 0})
    );

    let list = fixture.mqc(&["login", "--list", "--output", "json"]);
    list.expect_code(0);
    let report = list.json();
    assert_envelope(&report, "login", false);
    assert_eq!(report["action"], "listed");
    assert_eq!(
        report["needs"],
        json!([{"kind": "token", "endpoint": QUAY1,
                "env": "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB",
                "stored": true}])
    );
    assert!(!list.stdout.contains(TOKEN));

    let login = fixture
        .command(&["login", "--from-env", "--recreate", "--output", "json"])
        .env(
            "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB",
            TOKEN,
        )
        .output()
        .expect("run mqc");
    let login = Run::from(login);
    login.expect_code(0);
    let report = login.json();
    assert_envelope(&report, "login", false);
    assert_eq!(report["action"], "written");
    assert_eq!(
        report["totals"],
        json!({"tokens": 1, "mirror_passwords": 0, "asked": 1, "kept": 0})
    );
    assert!(!login.stdout.contains(TOKEN));

    fixture.mqc(&["create", "--output", "json"]).expect_code(0);
    let out = fixture.root.path().join("exported");
    let export = fixture.mqc(&[
        "export",
        "--output",
        "json",
        "--endpoint",
        QUAY1,
        "--organization",
        "acme",
        "--out",
        out.to_str().unwrap(),
    ]);
    export.expect_code(0);
    let report = export.json();
    assert_envelope(&report, "export", false);
    assert_eq!(
        report["totals"],
        json!({"written": 1, "unchanged": 0, "failed": 0})
    );

    let dry = fixture.mqc(&["delete", "--dry-run", "--output", "json"]);
    dry.expect_code(0);
    let report = dry.json();
    assert_envelope(&report, "delete", false);
    assert_eq!(report["targets"][0]["status"], "would_delete");
    let delete = fixture.mqc(&["delete", "--yes", "--output", "json"]);
    delete.expect_code(0);
    let report = delete.json();
    assert_envelope(&report, "delete", false);
    assert_eq!(
        report["totals"],
        json!({"deleted": 1, "already_absent": 0, "failed": 0, "would_delete": 0})
    );
}

#[test]
fn plan_as_markdown_has_one_collapsible_section_per_target() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let fixture = Fixture::examples(&quay1, &quay2);
    fixture.login_with_mirror_password(&[(QUAY1, TOKEN), (QUAY2, TOKEN)], MIRROR_PASSWORD);
    let run = fixture.mqc(&["plan", "--output", "markdown"]);
    run.expect_code(0);
    let text = &run.stdout;
    let targets = fixture
        .desired()
        .iter()
        .map(|o| o.endpoints.len())
        .sum::<usize>();
    assert_eq!(
        text.matches("<details><summary>").count(),
        targets,
        "{text}"
    );
    assert_eq!(text.matches("</details>").count(), targets, "{text}");
    assert!(text.starts_with("### mqc plan\n\n**Plan: "), "{text}");
    assert!(text.contains(" to create, "), "{text}");
    assert!(
        text.contains("<details><summary>✓ empty-repositories on https://"),
        "{text}"
    );
    assert!(
        text.contains("\n+ create organization empty-repositories"),
        "{text}"
    );
    assert!(text.contains("````diff\n"), "{text}");

    fixture.mqc(&["create", "--yes"]).expect_code(0);
    let synced = fixture.mqc(&["plan", "--output", "markdown"]);
    synced.expect_code(0);
    assert!(
        synced
            .stdout
            .contains("**No changes: everything is in sync"),
        "{}",
        synced.stdout
    );
    assert!(
        synced.stdout.contains(": in sync</summary>"),
        "{}",
        synced.stdout
    );
}
