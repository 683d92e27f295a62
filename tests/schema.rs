//! The JSON Schema of organization files (issue 17, item 3), checked with an independent
//! validator (the `jsonschema` crate): `mqc schema` prints the file docs/ ships; every shipped
//! example and every exported file passes it; what `mqc check` refuses for its shape fails it,
//! and what `check` accepts in its lenient forms passes it.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const SHIPPED: &str = "docs/mqc-organization.schema.json";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The schema as `mqc schema` prints it.
fn printed_schema() -> String {
    let run = Fixture::new().mqc(&["schema"]);
    run.expect_code(0);
    assert_eq!(run.stderr, "", "mqc schema writes nothing on stderr");
    run.stdout
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&printed_schema()).expect("mqc schema prints JSON");
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is not a valid JSON Schema"
    );
    jsonschema::draft7::new(&schema).expect("a draft-07 schema")
}

/// The organization file as the validator sees it: YAML read into JSON.
fn as_json(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("not YAML ({e}):\n{yaml}"))
}

/// The schema's complaints about `yaml` (empty when it passes).
fn schema_errors(validator: &jsonschema::Validator, yaml: &str) -> Vec<String> {
    let instance = as_json(yaml);
    validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn mqc_schema_prints_the_schema_docs_ships() {
    let printed = printed_schema();
    let shipped = std::fs::read_to_string(repo_path(SHIPPED)).expect("docs ships the schema");
    assert!(
        printed == shipped,
        "{SHIPPED} differs from what `mqc schema` prints: regenerate it with \
         `mqc schema > docs/mqc-organization.schema.json` (cargo run -- schema > {SHIPPED})"
    );
}

/// The complete organization files in the Markdown documents (```yaml blocks with a
/// `quay_endpoint` key and no elision).
fn documented_examples() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for doc in ["README.md", "docs/configuration.md"] {
        let text = std::fs::read_to_string(repo_path(doc)).expect("doc");
        let mut rest = text.as_str();
        while let Some(start) = rest.find("```yaml\n") {
            let block = &rest[start + 8..];
            let Some(end) = block.find("\n```") else {
                break;
            };
            let body = &block[..end + 1];
            if body.lines().any(|l| l.starts_with("quay_endpoint:"))
                && !body.lines().any(|l| l.trim() == "…")
            {
                let line = text[..text.len() - rest.len() + start].lines().count() + 1;
                out.push((format!("{doc}:{line}"), body.to_string()));
            }
            rest = &block[end..];
        }
    }
    out
}

#[test]
fn every_shipped_example_passes_the_schema_and_names_it_for_editors() {
    let validator = validator();
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_path("yaml-files")).expect("yaml-files") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("example");
        assert!(
            text.starts_with(
                "# yaml-language-server: $schema=../docs/mqc-organization.schema.json\n"
            ),
            "{} does not start with the editor line",
            path.display()
        );
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert_eq!(checked, 5, "the five shipped examples");

    let documented = documented_examples();
    assert_eq!(
        documented.len(),
        2,
        "README and docs/configuration.md each show a whole file"
    );
    for (place, text) in documented {
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{place}: {errors:#?}");
    }

    // The editor line is a comment: `check` still accepts the examples.
    let run = Run::from(
        std::process::Command::new(env!("CARGO_BIN_EXE_mqc"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("MQC_DIR")
            .env_remove("MQC_LOGIN_FILE")
            .args(["--dir", "yaml-files", "check"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run mqc"),
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains("0 errors, 1 warning in 5 files")
            && run.stdout.contains("the login file does not exist"),
        "{}",
        run.stdout
    );
}

#[test]
fn exported_files_name_the_schema_and_pass_it() {
    let quay1 = sim(quay_sim::QuayVersion::default(), false);
    let quay2 = sim(quay_sim::QuayVersion::default(), false);
    let examples = Fixture::examples(&quay1, &quay2);
    examples.mqc(&["create"]).expect_code(0);

    let mut exported = Fixture::new();
    exported.map(QUAY1, &quay1);
    exported.login(&[(QUAY1, TOKEN)]);
    let out = exported.dir().display().to_string();
    exported
        .mqc(&["export", "--endpoint", QUAY1, "--all", "--out", &out])
        .expect_code(0);

    let validator = validator();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(exported.dir()).expect("out dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("exported file");
        assert!(
            text.starts_with(
                "# yaml-language-server: $schema=mqc-organization.schema.json\n# (for editors; \
                 write it beside this file with `mqc schema > mqc-organization.schema.json`)\n# Exported by mqc "
            ),
            "{text}"
        );
        let errors = schema_errors(&validator, &text);
        assert!(errors.is_empty(), "{}: {errors:#?}\n{text}", path.display());
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    names.sort();
    // Every organization of the examples on quay1 (basic-example-replicate-to is there too).
    assert_eq!(
        names,
        [
            "basic-example-mirror.yaml",
            "basic-example-replicate-to.yaml",
            "basic-example-with-team-sync.yaml",
            "empty-repositories.yaml",
            "mirror-with-notification.yaml"
        ]
    );

    // The documented set-up: the schema written beside the files does not disturb `check`.
    std::fs::write(
        exported.dir().join("mqc-organization.schema.json"),
        printed_schema(),
    )
    .expect("write schema");
    let check = exported.mqc(&["check"]);
    check.expect_code(0);
    assert!(
        check.stdout.contains("0 errors, 0 warnings in 5 files")
            && !check.stdout.contains("mqc-organization.schema.json"),
        "{}",
        check.stdout
    );
}

/// A file `check` accepts without a finding, the base of the samples below.
const BASE: &str = "\
quay_endpoint: quay.example.com
quay_organization: org1
repositories:
  - name: app
    visibility: private
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      robot_username: writer
      sync_interval: 86400
    permissions:
      robots: [{name: writer, role: write}]
    notification:
      - event: repo_mirror_sync_failed
        method: webhook
        config: {url: https://hooks.example.com/q}
robots:
  - name: writer
teams:
  - name: devs
    role: member
    members: {users: [alice], robots: [writer]}
";

/// `BASE` with the line holding `from` replaced by `to` (which may be several lines).
fn with(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replacen(from, to, 1)
}

/// Runs `check` on `yaml` alone: its exit code and output.
fn check(yaml: &str) -> Run {
    let fixture = Fixture::new();
    fixture.login(&[("quay.example.com", TOKEN), ("q.example.com", TOKEN)]);
    fixture.write_org("org1.yaml", yaml);
    fixture.mqc(&["check"])
}

#[test]
fn the_base_sample_is_clean() {
    let run = check(BASE);
    run.expect_code(0);
    assert!(
        run.stdout.contains("0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
    assert_eq!(schema_errors(&validator(), BASE), Vec::<String>::new());
}

#[test]
fn files_check_refuses_for_their_shape_fail_the_schema_too() {
    let validator = validator();
    let samples: Vec<(&str, String, &str)> = vec![
        // Unknown keys, in every kind of map.
        ("unknown top key", with("robots:\n", "robotz: []\nrobots:\n"), "unknown key `robotz`"),
        ("unknown repository key", with("    visibility: private\n", "    visibilty: private\n"), "unknown key `visibilty`"),
        ("unknown mirror key", with("      sync_interval: 86400\n", "      sync_interval: 86400\n      sync_intervall: 5\n"), "unknown key `sync_intervall`"),
        ("unknown mirror key with mirror false", with("    mirror: true\n", "    mirror: false\n").replace("      src_registry: quay.io\n", "      src_registy: quay.io\n"), "unknown key `src_registy`"),
        ("unknown permission key", with("{name: writer, role: write}", "{name: writer, role: write, kind: robot}"), "unknown key `kind`"),
        ("unknown notification config key", with("config: {url: https://hooks.example.com/q}", "config: {url: https://hooks.example.com/q, secret: t}"), "unknown key `secret`"),
        ("unknown notification event_config key", with("config: {url: https://hooks.example.com/q}", "config: {url: https://hooks.example.com/q}\n        event_config: {severity: 1}"), "unknown key `severity`"),
        ("unknown members key", with("{users: [alice], robots: [writer]}", "{users: [alice], robot: [writer]}"), "unknown key `robot`"),
        ("unknown robot key", with("  - name: writer\nteams", "  - name: writer\n    description: x\nteams"), "unknown key `description`"),
        // Wrong types.
        ("endpoint a list", with("quay_endpoint: quay.example.com", "quay_endpoint: [quay.example.com]"), "must be a single value"),
        ("repositories a map", "quay_endpoint: q.example.com\nquay_organization: org1\nrepositories: {name: app}\n".into(), "must be a list"),
        ("mirror quoted", with("    mirror: true\n", "    mirror: \"true\"\n"), "must be true or false"),
        ("mirror yes", with("    mirror: true\n", "    mirror: yes\n"), "must be true or false"),
        ("sync_interval text", with("sync_interval: 86400", "sync_interval: daily"), "whole number of seconds"),
        ("sync_interval quoted", with("sync_interval: 86400", "sync_interval: \"86400\""), "whole number of seconds"),
        ("sync_interval zero", with("sync_interval: 86400", "sync_interval: 0"), "greater than 0"),
        ("sync_interval too large", with("sync_interval: 86400", "sync_interval: 2147483648"), "too large"),
        ("no tags", with("src_image_tags: [latest]", "src_image_tags: []"), "at least one tag"),
        ("empty image", with("src_image: libpod/alpine", "src_image: \"  \""), "is empty"),
        ("permission a list", with("{name: writer, role: write}", "[writer, write]"), "must be a map"),
        ("tag a map", with("src_image_tags: [latest]", "src_image_tags: [{tag: latest}]"), "must be a single value"),
        ("member null", with("users: [alice]", "users: [alice, ~]"), "must be a single value"),
        ("permissions a list", with("    permissions:\n      robots: [{name: writer, role: write}]\n", "    permissions: [robots]\n"), "must be a map"),
        // Missing required keys (absent or null).
        ("no organization", with("quay_organization: org1\n", ""), "lacks the required key `quay_organization`"),
        ("null endpoint", with("quay_endpoint: quay.example.com", "quay_endpoint:"), "lacks the required key `quay_endpoint`"),
        ("repository without name", with("  - name: app\n", "  - description: app\n"), "lacks the required key `name`"),
        ("permission without role", with("{name: writer, role: write}", "{name: writer}"), "lacks the required key `role`"),
        ("mirror without robot", with("      robot_username: writer\n", ""), "lacks the required key `robot_username`"),
        ("mirror without interval", with("      sync_interval: 86400\n", ""), "lacks the required key `sync_interval`"),
        ("mirror true without params", with("      src_registry: quay.io\n      src_image: libpod/alpine\n      src_image_tags: [latest]\n      robot_username: writer\n      sync_interval: 86400\n", "").replace("    mirror_params:\n", ""), "no `mirror_params`"),
        ("notification without url", with("config: {url: https://hooks.example.com/q}", "config: {}"), "lacks `url`, which method `webhook` needs"),
        ("notification with another method's key", with("config: {url: https://hooks.example.com/q}", "config: {url: https://hooks.example.com/q, email: a@example.com}"), "is not a setting of method `webhook`"),
        ("event_config the event does not read", with("config: {url: https://hooks.example.com/q}", "config: {url: https://hooks.example.com/q}\n        event_config: {days: 3}"), "is not read by event `repo_mirror_sync_failed`"),
        ("notification without config", with("        config: {url: https://hooks.example.com/q}\n", ""), "lacks the required key `config`"),
        ("team without name", with("  - name: devs\n", "  - description: devs\n"), "lacks the required key `name`"),
        // Values outside the enumerations.
        ("visibility secret", with("visibility: private", "visibility: secret"), "one of public, private"),
        ("role owner", with("role: write}", "role: owner}"), "one of read, write, admin"),
        ("team role boss", with("    role: member\n", "    role: boss\n"), "one of member, creator, admin"),
        ("event", with("event: repo_mirror_sync_failed", "event: repo_teleported"), "one of repo_push, repo_mirror_sync_started"),
        ("method", with("method: webhook", "method: pigeon"), "one of webhook, slack, email"),
        ("level a name", with("config: {url: https://hooks.example.com/q}", "config: {url: https://hooks.example.com/q}\n        event_config: {level: High}").replace("repo_mirror_sync_failed", "vulnerability_found"), "must be a severity index from 0 to 5"),
        // The old email key beside the new one.
        ("both email keys", with("quay_organization: org1\n", "quay_organization: org1\nquay_organization_email: a@example.com\nquay_organization_role_email: a@example.com\n"), "duplicate"),
    ];
    for (what, yaml, message) in &samples {
        let run = check(yaml);
        assert_eq!(
            run.code, 1,
            "{what}: check should refuse it\n{}\n{yaml}",
            run.stdout
        );
        assert!(
            run.stdout.contains(message),
            "{what}: check should say {message:?}\n{}",
            run.stdout
        );
        assert!(
            !schema_errors(&validator, yaml).is_empty(),
            "{what}: `check` refuses it but the schema accepts it:\n{yaml}"
        );
    }
}

#[test]
fn lenient_forms_check_accepts_pass_the_schema_too() {
    let validator = validator();
    let samples: Vec<(&str, String)> = vec![
        ("numeric tags", with("src_image_tags: [latest]", "src_image_tags: [3.18, 1, latest]")),
        ("a numeric description", with("  - name: app\n", "  - name: app\n    description: 2024\n")),
        ("absent lists given without value", with("      robots: [{name: writer, role: write}]\n", "      robots: [{name: writer, role: write}]\n      users:\n      teams: ~\n")),
        ("empty lists", with("teams:\n", "replicate_to: []\nteams:\n")),
        ("optional keys null", with("    visibility: private\n", "    visibility:\n    description: ~\n")),
        ("a null email", with("quay_organization: org1\n", "quay_organization: org1\nquay_organization_email:\n")),
        ("booleans in capitals", with("    mirror: true\n", "    mirror: True\n")),
        ("a hexadecimal interval", with("sync_interval: 86400", "sync_interval: 0x15180")),
        ("the notification title beside config", with("        config: {url: https://hooks.example.com/q}\n", "        config: {url: https://hooks.example.com/q}\n        title: \"sync failed\"\n")),
        ("quoted enumerations", with("visibility: private", "visibility: \"private\"")),
        ("no repositories at all", "quay_endpoint: q.example.com\nquay_organization: org1\n".into()),
    ];
    let warned: Vec<(&str, String, &str)> = vec![
        (
            "the old email key",
            with(
                "quay_organization: org1\n",
                "quay_organization: org1\nquay_organization_role_email: ops@example.com\n",
            ),
            "old name of `quay_organization_email`",
        ),
        (
            "a robot name with the org+ prefix",
            with(
                "      robot_username: writer\n",
                "      robot_username: org1+writer\n",
            ),
            "org1+writer",
        ),
        (
            "a robot declared with the org+ prefix",
            with(
                "robots:\n  - name: writer\n",
                "robots:\n  - name: org1+writer\n",
            ),
            "org1+writer",
        ),
        (
            "mirror_params without mirror: true, incomplete",
            with("    mirror: true\n", "    mirror: false\n").replace(
                "      robot_username: writer\n      sync_interval: 86400\n",
                "",
            ),
            "is ignored because `mirror` is not true",
        ),
    ];
    for (what, yaml) in &samples {
        let run = check(yaml);
        run.expect_code(0);
        assert!(
            run.stdout.contains("0 errors, 0 warnings in 1 file"),
            "{what}: check should accept it\n{}",
            run.stdout
        );
        let errors = schema_errors(&validator, yaml);
        assert!(errors.is_empty(), "{what}: {errors:#?}\n{yaml}");
    }
    for (what, yaml, warning) in &warned {
        let run = check(yaml);
        run.expect_code(0);
        assert!(
            run.stdout.contains(warning),
            "{what}: check should warn {warning:?}\n{}",
            run.stdout
        );
        let errors = schema_errors(&validator, yaml);
        assert!(errors.is_empty(), "{what}: {errors:#?}\n{yaml}");
    }
}

#[test]
fn help_lists_the_schema_command() {
    let run = Fixture::new().mqc(&["--help"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("schema ")
                && l.contains("Print the JSON Schema of organization files")),
        "{}",
        run.stdout
    );
}
