//! `mqc check` end to end: the real binary on broken and valid directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const MQC: &str = env!("CARGO_BIN_EXE_mqc");

fn run(args: &[&str]) -> Output {
    Command::new(MQC)
        .args(args)
        .env_remove("MQC_DIR")
        .env_remove("MQC_LOGIN_FILE")
        .env_remove("MQC_OUTPUT")
        .output()
        .expect("run mqc")
}

fn write_login(path: &Path, endpoints: &[&str], mirrors: &[(&str, &str, &str)]) {
    let mut text = String::from("quay_endpoint_login:\n");
    for e in endpoints {
        text.push_str(&format!(
            "  - quay_endpoint: {e}\n    quay_token: tok-SECRET-123\n"
        ));
    }
    text.push_str("mirror_repository:\n");
    for (org, repo, user) in mirrors {
        text.push_str(&format!(
            "  - organization: {org}\n    repository: {repo}\n    ext_registry_username: {user}\n    ext_registry_password: pw-SECRET-456\n"
        ));
    }
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// One expected finding.
struct Expect {
    file: &'static str,
    severity: &'static str,
    line: Option<u64>,
    message: &'static str,
}

fn err(file: &'static str, line: Option<u64>, message: &'static str) -> Expect {
    Expect {
        file,
        severity: "error",
        line,
        message,
    }
}

fn warn(file: &'static str, line: Option<u64>, message: &'static str) -> Expect {
    Expect {
        file,
        severity: "warning",
        line,
        message,
    }
}

struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    exit: i32,
    errors: u64,
    expect: Vec<Expect>,
}

fn case(name: &'static str, text: &str, exit: i32, errors: u64, expect: Vec<Expect>) -> Case {
    Case {
        name,
        files: vec![("org.yaml", text.as_bytes().to_vec())],
        exit,
        errors,
        expect,
    }
}

/// A valid file with one robot, one team and one repository; cases append to it.
const BASE: &str = "quay_endpoint: q.example.com
quay_organization: org1
robots:
  - name: writer
teams:
  - name: devs
repositories:
  - name: app
";

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

const MIRROR: &str = "  - name: mirrored
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      robot_username: writer
      sync_interval: 86400
";

fn cases() -> Vec<Case> {
    let mut big = b"quay_endpoint: q.example.com\nquay_organization: org1\n# ".to_vec();
    big.resize(9 * 1024 * 1024, b'x');
    vec![
        // Files that cannot be read as an organization at all.
        case("empty file", "", 1, 1, vec![err("org.yaml", None, "the file is empty")]),
        case("only comments", "# nothing here\n", 1, 1, vec![err("org.yaml", None, "the file is empty")]),
        case("list instead of map", "- quay_endpoint: q\n- quay_organization: o\n", 1, 1,
            vec![err("org.yaml", Some(1), "the top level must be a map (`quay_endpoint: …` lines), found a list")]),
        case("tabs", "quay_endpoint: q.example.com\n\tquay_organization: org1\n", 1, 1,
            vec![err("org.yaml", Some(2), "tab character in the indentation")]),
        Case { name: "9 MB file", files: vec![("org.yaml", big)], exit: 1, errors: 1,
            expect: vec![err("org.yaml", None, "the file is 9.0 MiB; files larger than 8 MiB are refused")] },
        Case { name: "invalid UTF-8", files: vec![("org.yaml", b"quay_endpoint: q.example.com\nquay_organization: org\xff1\n".to_vec())],
            exit: 1, errors: 1, expect: vec![err("org.yaml", Some(2), "the file is not valid UTF-8 (byte 0xff)")] },
        case("syntax error", "quay_endpoint: [q.example.com\nquay_organization: org1\n", 1, 1,
            vec![err("org.yaml", Some(2), "YAML syntax error")]),
        case("two documents", &format!("{BASE}---\nquay_endpoint: x\n"), 1, 1,
            vec![err("org.yaml", Some(9), "a second YAML document")]),
        // Missing and mistyped fields.
        case("missing endpoint", "quay_organization: org1\n", 1, 1,
            vec![err("org.yaml", Some(1), "the file lacks the required key `quay_endpoint`")]),
        case("missing repository name", &with("  - description: no name\n"), 1, 1,
            vec![err("org.yaml", Some(9), "`repositories[1]` lacks the required key `name`")]),
        case("mistyped bool", &with("    mirror: yes\n"), 1, 1,
            vec![err("org.yaml", Some(9), "`repositories[0].mirror` must be true or false, found `yes`")]),
        case("list expected", "quay_endpoint: q.example.com\nquay_organization: org1\nrepositories:\n  name: app\n", 1, 1,
            vec![err("org.yaml", Some(4), "`repositories` must be a list (`- …` lines), found a map")]),
        case("mistyped interval", &with(&MIRROR.replace("86400", "daily")), 1, 1,
            vec![err("org.yaml", Some(16), "`repositories[1].mirror_params.sync_interval` must be a whole number of seconds, found text")]),
        case("duplicate key", &with("    name: app2\n"), 1, 1,
            vec![err("org.yaml", Some(9), "duplicate key `name` (first given on line 8)")]),
        // Unknown keys.
        // An unknown key is an error: its default would otherwise apply (issue 11).
        case("unknown key", &with("    visiblity: private\n"), 1, 1,
            vec![err("org.yaml", Some(9), "unknown key `visiblity` in `repositories[0]`; did you mean `visibility`?")]),
        case("unknown mirror key", &with(&format!("{MIRROR}      is_enable: true\n")), 1, 1,
            vec![err("org.yaml", Some(17), "unknown key `is_enable` in `repositories[1].mirror_params`; did you mean `is_enabled`?")]),
        case("unknown repository key", &with("    notifications: []\n"), 1, 1,
            vec![err("org.yaml", Some(9), "unknown key `notifications` in `repositories[0]`; did you mean `notification`?")]),
        case("unknown top-level key", &format!("{BASE}team:\n  - name: devs\n"), 1, 1,
            vec![err("org.yaml", Some(9), "unknown key `team` at the top level; did you mean `teams`?")]),
        case("old email key", &format!("{BASE}quay_organization_role_email: ops@example.com\n"), 0, 0,
            vec![warn("org.yaml", Some(9), "`quay_organization_role_email` is the old name of `quay_organization_email`")]),
        // Names.
        case("organization name case", &BASE.replace("org1", "Org1"), 1, 1,
            vec![err("org.yaml", Some(2), "organization name `Org1` must be lowercase")]),
        case("organization name length", &BASE.replace("org1", "o"), 1, 1,
            vec![err("org.yaml", Some(2), "organization name `o` must be 2 to 255 characters long (it has 1)")]),
        case("repository name", &BASE.replace("name: app", "name: my app"), 1, 1,
            vec![err("org.yaml", Some(8), "repository name `my app` may only contain")]),
        case("repository sub-resource", &with("  - name: app/mirror\n"), 0, 0,
            vec![warn("org.yaml", Some(9), "repository `app/mirror` ends in `/mirror`")]),
        case("robot name", &BASE.replace("name: writer", "name: -writer"), 1, 1,
            vec![err("org.yaml", Some(4), "robot name `-writer` must start with a letter or digit")]),
        case("robot full name length", &BASE.replace("org1", &"o".repeat(200)).replace("name: writer", &format!("name: {}", "w".repeat(60))), 1, 1,
            vec![err("org.yaml", Some(4), "is longer than 255 characters")]),
        case("foreign robot", &BASE.replace("name: writer", "name: other+writer"), 1, 1,
            vec![err("org.yaml", Some(4), "robot `other+writer` belongs to `other`, not to organization `org1`")]),
        case("prefixed robot", &BASE.replace("name: writer", "name: org1+writer"), 0, 0,
            vec![warn("org.yaml", Some(4), "robot `org1+writer`: write the short name `writer`")]),
        case("team name", &BASE.replace("name: devs", "name: dev team"), 1, 1,
            vec![err("org.yaml", Some(6), "team name `dev team` may only contain")]),
        case("user name", &with("    permissions:\n      users:\n        - name: Alice\n          role: read\n"), 1, 1,
            vec![err("org.yaml", Some(11), "user name `Alice` must be lowercase")]),
        // Enumerations.
        case("permission role", &with("    permissions:\n      users:\n        - name: alice\n          role: owner\n"), 1, 1,
            vec![err("org.yaml", Some(12), "`repositories[0].permissions.users[0].role` must be one of read, write, admin; found `owner`")]),
        case("visibility", &with("    visibility: secret\n"), 1, 1,
            vec![err("org.yaml", Some(9), "must be one of public, private; found `secret`")]),
        case("team role", &BASE.replace("  - name: devs\n", "  - name: devs\n    role: boss\n"), 1, 1,
            vec![err("org.yaml", Some(7), "`teams[0].role` must be one of member, creator, admin; found `boss`")]),
        case("notification event", &with(&format!("{MIRROR}    notification:\n      - event: repo_teleported\n        method: webhook\n        config: {{url: https://hooks.example.com/x}}\n")), 1, 1,
            vec![err("org.yaml", Some(18), "`repositories[1].notification[0].event` must be one of repo_push, repo_mirror_sync_started, repo_mirror_sync_success, repo_mirror_sync_failed, build_queued, build_start, build_success, build_failure, build_cancelled, vulnerability_found, repo_image_expiry, quota_warning, quota_error; found `repo_teleported`")]),
        case("notification method", &with(&format!("{MIRROR}    notification:\n      - event: repo_mirror_sync_failed\n        method: pigeon\n        config: {{url: https://hooks.example.com/x}}\n")), 1, 1,
            vec![err("org.yaml", Some(19), "must be one of webhook, slack, email, quay_notification, flowdock, hipchat; found `pigeon`")]),
        case("notification config of another method", &with(&format!("{MIRROR}    notification:\n      - event: repo_mirror_sync_failed\n        method: email\n        config: {{email: ops@example.com, url: https://hooks.example.com/x}}\n")), 1, 1,
            vec![err("org.yaml", Some(20), "`repositories[1].notification[0].config.url` is not a setting of method `email`")]),
        // References.
        case("undeclared robot in permissions", &with("    permissions:\n      robots:\n        - name: ghost\n          role: read\n"), 1, 1,
            vec![err("org.yaml", Some(11), "permission for robot `ghost` is not declared in `robots`")]),
        case("undeclared team member robot", &BASE.replace("  - name: devs\n", "  - name: devs\n    members:\n      robots: [ghost]\n"), 1, 1,
            vec![err("org.yaml", Some(8), "team `devs` member robot `ghost` is not declared in `robots`")]),
        case("undeclared mirror robot", &with(&MIRROR.replace("robot_username: writer", "robot_username: ghost")), 1, 1,
            vec![err("org.yaml", Some(15), "mirror robot `ghost` is not declared in `robots`")]),
        case("undeclared team in permissions", &with("    permissions:\n      teams:\n        - name: ghosts\n          role: read\n"), 1, 1,
            vec![err("org.yaml", Some(11), "permission for team `ghosts`, which is not declared in `teams`")]),
        case("owners team needs no declaration", &with("    permissions:\n      teams:\n        - name: owners\n          role: admin\n"), 0, 0, vec![]),
        // Duplicates inside a file.
        case("duplicate repository", &with("  - name: app\n"), 1, 1,
            vec![err("org.yaml", Some(9), "repository `app` is declared twice (first on line 8)")]),
        case("duplicate robot", &BASE.replace("  - name: writer\n", "  - name: writer\n  - name: writer\n"), 1, 1,
            vec![err("org.yaml", Some(5), "robot `writer` is declared twice (first on line 4)")]),
        case("duplicate team", &BASE.replace("  - name: devs\n", "  - name: devs\n  - name: devs\n"), 1, 1,
            vec![err("org.yaml", Some(7), "team `devs` is declared twice (first on line 6)")]),
        case("duplicate user permission", &with("    permissions:\n      users:\n        - {name: alice, role: read}\n        - {name: alice, role: write}\n"), 1, 1,
            vec![err("org.yaml", Some(12), "permission for user `alice` is declared twice (first on line 11)")]),
        // Duplicates across files.
        Case { name: "same organization in two files", files: vec![("a.yaml", BASE.into()), ("b.yaml", BASE.replace("q.example.com", "https://Q.example.com/").into())],
            exit: 1, errors: 1, expect: vec![err("b.yaml", Some(2), "organization `org1` on https://q.example.com is also declared in")] },
        Case { name: "shared email", files: vec![
                ("a.yaml", format!("{BASE}quay_organization_email: ops@example.com\n").into()),
                ("b.yaml", format!("{}quay_organization_email: ops@example.com\n", BASE.replace("org1", "org2")).into())],
            exit: 0, errors: 0, expect: vec![warn("b.yaml", Some(9), "organizations `org1`")] },
        case("invalid email", &format!("{BASE}quay_organization_email: ops\n"), 1, 1,
            vec![err("org.yaml", Some(9), "organization email `ops` has no `@`")]),
        // Mirror rules.
        case("mirror without params", &with("    mirror: true\n"), 1, 1,
            vec![err("org.yaml", Some(9), "repository `app` has `mirror: true` but no `mirror_params`")]),
        case("empty tag list", &with(&MIRROR.replace("[latest]", "[]")), 1, 1,
            vec![err("org.yaml", Some(14), "`repositories[1].mirror_params.src_image_tags` is empty")]),
        case("zero interval", &with(&MIRROR.replace("86400", "0")), 1, 1,
            vec![err("org.yaml", Some(16), "`repositories[1].mirror_params.sync_interval` must be greater than 0, found 0")]),
        case("proxy not a URL", &with(&format!("{MIRROR}      https_proxy: proxy.example.com:3128\n")), 1, 1,
            vec![err("org.yaml", Some(17), "`https_proxy` `proxy.example.com:3128` is not a proxy URL")]),
        case("registry with scheme", &with(&MIRROR.replace("src_registry: quay.io", "src_registry: https://quay.io")), 1, 1,
            vec![err("org.yaml", Some(12), "`src_registry` `https://quay.io` must not have a scheme")]),
        case("empty image", &with(&MIRROR.replace("src_image: libpod/alpine", "src_image: \"\"")), 1, 1,
            vec![err("org.yaml", Some(13), "`repositories[1].mirror_params.src_image` is empty")]),
        case("params without mirror", &with("    mirror_params: {src_registry: quay.io}\n"), 0, 0,
            vec![warn("org.yaml", Some(9), "`repositories[0].mirror_params` is ignored because `mirror` is not true")]),
        case("mirror robot below write", &with(&format!("{MIRROR}    permissions:\n      robots: [{{name: writer, role: read}}]\n")), 0, 0,
            vec![warn("org.yaml", Some(18), "mirror robot `writer` is given `read` on `mirrored`, but mirroring needs `write`")]),
        // Notifications.
        case("webhook on localhost", &with(&format!("{MIRROR}    notification:\n      - event: repo_mirror_sync_failed\n        method: webhook\n        config:\n          url: http://localhost:8080/hook\n")), 1, 1,
            vec![err("org.yaml", Some(21), "points at `localhost`, which Quay refuses for webhooks")]),
        case("webhook scheme", &with(&format!("{MIRROR}    notification:\n      - event: repo_mirror_sync_failed\n        method: webhook\n        config:\n          url: ftp://hooks.example.com\n")), 1, 1,
            vec![err("org.yaml", Some(21), "webhook URL `ftp://hooks.example.com` must start with http:// or https://")]),
        // Endpoints.
        case("replicate_to repeats the endpoint", &format!("{BASE}replicate_to: [q.example.com]\n"), 0, 0,
            vec![warn("org.yaml", Some(9), "`replicate_to` entry `q.example.com` is the `quay_endpoint` itself")]),
        case("invalid endpoint", &BASE.replace("quay_endpoint: q.example.com", "quay_endpoint: ftp://q.example.com"), 1, 1,
            vec![err("org.yaml", Some(1), "`quay_endpoint` `ftp://q.example.com` is not a host[:port] or an http(s):// URL")]),
        // Teams.
        case("synced team with users", &BASE.replace("  - name: devs\n", "  - name: devs\n    group_dn: cn=devs\n    members:\n      users: [alice]\n"), 0, 0,
            vec![warn("org.yaml", Some(9), "team `devs` is synced from `group_dn`")]),
        // Many problems of one file in one run.
        case("every problem at once", "quay_endpoint: q.example.com\nquay_organization: Org\nrepositories:\n  - name: A\n    visibility: x\n  - name: b\n    mirror: true\n", 1, 4,
            vec![err("org.yaml", Some(2), "organization name `Org` must be lowercase"),
                 err("org.yaml", Some(4), "repository name `A` must be lowercase"),
                 err("org.yaml", Some(5), "found `x`"),
                 err("org.yaml", Some(7), "has `mirror: true` but no `mirror_params`")]),
    ]
}

fn check_json(dir: &Path, login: &Path) -> (i32, Value, String) {
    let out = run(&[
        "--output",
        "json",
        "check",
        "--dir",
        dir.to_str().unwrap(),
        "--login-file",
        login.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn broken_files_are_reported_with_file_line_and_message() {
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for c in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("orgs");
        std::fs::create_dir(&dir).unwrap();
        for (name, content) in &c.files {
            std::fs::write(dir.join(name), content).unwrap();
        }
        let login = tmp.path().join("login.yaml");
        write_login(&login, &["q.example.com"], &[]);
        let (code, json, stderr) = check_json(&dir, &login);
        let findings = json["findings"].as_array().cloned().unwrap_or_default();
        let mut problems = Vec::new();
        if code != c.exit {
            problems.push(format!("exit {code}, expected {}", c.exit));
        }
        if json["errors"].as_u64() != Some(c.errors) {
            problems.push(format!("{} errors, expected {}", json["errors"], c.errors));
        }
        for e in &c.expect {
            let found = findings.iter().any(|f| {
                f["file"].as_str() == Some(dir.join(e.file).to_str().unwrap())
                    && f["severity"] == e.severity
                    && f["line"].as_u64() == e.line
                    && f["message"].as_str().is_some_and(|m| m.contains(e.message))
            });
            if !found {
                problems.push(format!(
                    "no {} at {}:{:?} containing {:?}",
                    e.severity, e.file, e.line, e.message
                ));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  findings: {:#}\n  stderr: {stderr}",
                c.name,
                problems.join("; "),
                Value::Array(findings)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn human_output_shows_file_line_column_and_a_summary_last() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("org.yaml"),
        with("    mirror: yes\n    visiblity: x\n"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("README.md"), "not an organization").unwrap();
    let login = tmp.path().join("none.yaml");
    let out = run(&[
        "check",
        "--dir",
        tmp.path().to_str().unwrap(),
        "--login-file",
        login.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let org = tmp.path().join("org.yaml");
    let expected_error = format!("{}:9:13: error: `repositories[0].mirror` must be true or false, found `yes`\n  hint: write true or false, without quotes\n", org.display());
    assert!(stdout.contains(&expected_error), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{}:10:5: error: unknown key `visiblity`",
            org.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{}: note: skipped: not a .yaml or .yml file",
            tmp.path().join("README.md").display()
        )),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().last(),
        Some("2 errors, 0 warnings in 1 file"),
        "{stdout}"
    );
}

#[test]
fn a_missing_directory_is_an_error_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("does-not-exist");
    let out = run(&["check", "--dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "mqc: error: {}: the organization directory does not exist",
            dir.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--dir"), "{stderr}");
}

#[test]
fn an_empty_directory_is_an_error_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, json, _) = check_json(tmp.path(), &tmp.path().join("login.yaml"));
    assert_eq!(code, 1);
    assert_eq!(json["files"], 0);
    assert_eq!(json["errors"], 1);
    assert_eq!(json["findings"][0]["file"], tmp.path().to_str().unwrap());
    assert_eq!(
        json["findings"][0]["message"],
        "no organization files (*.yaml, *.yml) in this directory"
    );
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["check", "--no-such-option"]);
    assert_eq!(out.status.code(), Some(2));
}

fn shipped_examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("yaml-files")
}

const QUAY1: &str = "example-registry-quay-quay1.apps.ocphub.lab.seeweb";
const QUAY2: &str = "example-registry-quay-quay2.apps.ocphub.lab.seeweb";

#[test]
fn shipped_examples_pass_with_their_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    write_login(
        &login,
        &[QUAY1, QUAY2],
        &[("mirror-with-notification", "alpine", "puller")],
    );
    let (code, json, stderr) = check_json(&shipped_examples(), &login);
    assert_eq!(code, 0, "{json:#}\n{stderr}");
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 0, "{json:#}");
    assert_eq!(json["files"], 5);
    let orgs: Vec<&str> = json["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        orgs,
        [
            "basic-example-mirror",
            "basic-example-replicate-to",
            "basic-example-with-team-sync",
            "empty-repositories",
            "mirror-with-notification"
        ]
    );
    assert!(!stderr.contains("SECRET") && !json.to_string().contains("SECRET"));
}

#[test]
fn shipped_examples_without_login_file_name_every_endpoint_lacking_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join(".mqc/login.yaml");
    let out = run(&[
        "check",
        "--dir",
        shipped_examples().to_str().unwrap(),
        "--login-file",
        login.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for endpoint in [QUAY1, QUAY2] {
        assert!(stdout.contains(&format!("error: no token for endpoint https://{endpoint} (the login file {} does not exist)", login.display())), "{stdout}");
    }
    assert!(
        stdout.contains(
            "error: no password for mirror user `puller` of mirror-with-notification/alpine"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("hint: run `mqc login`"), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("3 errors, 0 warnings in 5 files")
    );
}

#[test]
fn a_token_missing_from_an_existing_login_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    write_login(
        &login,
        &[QUAY1],
        &[("mirror-with-notification", "alpine", "puller")],
    );
    let (code, json, _) = check_json(&shipped_examples(), &login);
    assert_eq!(code, 1);
    assert_eq!(json["errors"], 1);
    let f = &json["findings"][0];
    assert_eq!(
        f["file"],
        shipped_examples()
            .join("basic-example-replicate-to.yaml")
            .to_str()
            .unwrap()
    );
    assert!(f["message"].as_str().unwrap().starts_with(&format!(
        "no token for endpoint https://{QUAY2} in the login file"
    )));
}

#[test]
fn a_broken_login_file_is_reported_without_its_values() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    std::fs::write(&login, "quay_endpoint_login:\n  - quay_endpoint: q.example.com\n    quay_token: [tok-SECRET-123]\n").unwrap();
    std::fs::write(tmp.path().join("org.yaml"), BASE).unwrap();
    let out = run(&[
        "check",
        "--dir",
        tmp.path().to_str().unwrap(),
        "--login-file",
        login.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("{}:3:17: error: `quay_token` in `quay_endpoint_login[0]` must be a non-empty text value", login.display())), "{stdout}");
    assert!(!stdout.contains("SECRET") && !String::from_utf8_lossy(&out.stderr).contains("SECRET"));
}
