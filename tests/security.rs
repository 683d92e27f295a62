//! Secrets stay secret (issue 6, point 2): every command at the chattiest log settings, against
//! success and failure answers, never prints a token or a mirror password; the in-memory types
//! redact; the login file's permissions are checked.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use quay_sim::{Config, QuaySim, TokenSpec};

/// Distinctive values: a leak of either (or of its middle part) is found by a plain search.
const SECRET_TOKEN: &str = "tok-7f3a9c51-LEAKCHECK";
const WRONG_TOKEN: &str = "tok-d40e6b22-WRONGLEAK";
const SECRET_PASSWORD: &str = "pw-e81b2d77-LEAKCHECK";
const FRAGMENTS: [&str; 6] = [
    SECRET_TOKEN,
    "7f3a9c51",
    WRONG_TOKEN,
    "d40e6b22",
    SECRET_PASSWORD,
    "e81b2d77",
];
const CHATTY: [&str; 4] = ["--log-level", "debug", "--verbosity", "10"];

fn config(token: &str) -> Config {
    Config {
        tokens: vec![TokenSpec::superuser(token)],
        ..base_config()
    }
}

/// The examples plus an organization whose mirror Quay refuses with an error body (an
/// unresolvable source registry), both mirrors logging in with the secret password.
fn leak_fixture(quay1: &QuaySim, quay2: &QuaySim, token: &str) -> Fixture {
    let fixture = Fixture::examples(quay1, quay2);
    fixture.write_org(
        "refused-mirror.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: refused-mirror\nrobots:\n  - {{name: \
             writer, desc: \"w\"}}\nrepositories:\n  - name: app\n    mirror: true\n    \
             mirror_params:\n      src_registry: registry.invalid\n      src_image: up/app\n      \
             src_image_tags: [latest]\n      ext_registry_username: puller\n      \
             robot_username: writer\n      sync_interval: 3600\n      is_enabled: true\n"
        ),
    );
    write_login(&fixture, token);
    fixture
}

fn write_login(fixture: &Fixture, token: &str) {
    fixture.login_with_mirror_password(&[(QUAY1, token), (QUAY2, token)], SECRET_PASSWORD);
    let path = fixture.login_path();
    let mut text = std::fs::read_to_string(&path).expect("login file");
    text.push_str(&format!(
        "  - organization: refused-mirror\n    repository: app\n    ext_registry_username: \
         puller\n    ext_registry_password: {SECRET_PASSWORD}\n"
    ));
    std::fs::write(&path, text).expect("login file");
}

/// Runs one command at debug level and verbosity 10 and checks its outputs for secrets.
#[track_caller]
fn run_clean(fixture: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = fixture.command(&CHATTY);
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let run = Run::from(command.output().expect("run mqc"));
    for fragment in FRAGMENTS {
        assert!(
            !run.stdout.contains(fragment),
            "`mqc {}` printed a secret on stdout:\n{}",
            args.join(" "),
            run.stdout
        );
        assert!(
            !run.stderr.contains(fragment),
            "`mqc {}` printed a secret on stderr:\n{}",
            args.join(" "),
            run.stderr
        );
    }
    // The chatty settings were in effect: the HTTP log lines are there (for network commands).
    run
}

#[track_caller]
fn logged_http(run: &Run) {
    assert!(
        run.stderr.contains("mqc::http"),
        "no HTTP log line at verbosity 10:\n{}",
        run.stderr
    );
}

#[test]
fn no_command_prints_a_secret_on_success_or_failure() {
    let quay1 = sim_with(config(SECRET_TOKEN));
    let quay2 = sim_with(config(SECRET_TOKEN));
    let mut fixture = leak_fixture(&quay1, &quay2, SECRET_TOKEN);

    // check (offline), and login --from-env rewriting the file from the environment.
    run_clean(&fixture, &["check"], &[]).expect_code(0);
    let env_token1 = "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB";
    let env_token2 = "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY2_APPS_OCPHUB_LAB_SEEWEB";
    run_clean(
        &fixture,
        &["login", "--from-env", "--recreate"],
        &[
            (env_token1, SECRET_TOKEN),
            (env_token2, SECRET_TOKEN),
            (
                "MQC_MIRROR_PASSWORD_MIRROR_WITH_NOTIFICATION_ALPINE_PULLER",
                SECRET_PASSWORD,
            ),
            (
                "MQC_MIRROR_PASSWORD_REFUSED_MIRROR_APP_PULLER",
                SECRET_PASSWORD,
            ),
        ],
    )
    .expect_code(0);
    let written = std::fs::read_to_string(fixture.login_path()).expect("login file");
    assert!(written.contains(SECRET_TOKEN) && written.contains(SECRET_PASSWORD));

    // plan, human and JSON (the JSON plan is checked by run_clean as stdout).
    let plan = run_clean(&fixture, &["plan"], &[]);
    plan.expect_code(0);
    logged_http(&plan);
    run_clean(&fixture, &["plan", "--output", "json"], &[]).expect_code(0);

    // create: the refused mirror fails with Quay's error body; everything else is applied.
    let create = run_clean(&fixture, &["create", "--output", "json"], &[]);
    create.expect_code(1);
    logged_http(&create);
    assert!(
        create.stdout.contains("Cannot resolve hostname"),
        "the mirror was not refused with Quay's message:\n{}",
        create.stdout
    );
    // The secrets were really used: the token was accepted, the password stored.
    let state = quay1.state();
    assert_eq!(
        state["organizations"]["mirror-with-notification"]["repositories"]["alpine"]["mirror"]
            ["external_registry_password"],
        SECRET_PASSWORD
    );
    // Human output of a failing run, then delete (human and JSON).
    let again = run_clean(&fixture, &["create"], &[]);
    again.expect_code(1);
    logged_http(&again);
    // export, human and JSON: the files name the mirror user, never its password. Export
    // reads one endpoint, so only its mapping may be given.
    let all_maps = fixture.endpoint_map.clone();
    fixture
        .endpoint_map
        .retain(|m| m.starts_with(&format!("{QUAY1}=")));
    let exported = fixture.root.path().join("exported");
    let out = exported.to_str().expect("utf-8 path");
    let export = run_clean(
        &fixture,
        &["export", "--endpoint", QUAY1, "--all", "--out", out],
        &[],
    );
    export.expect_code(0);
    logged_http(&export);
    let args = [
        "export",
        "--endpoint",
        QUAY1,
        "--all",
        "--out",
        out,
        "--output",
        "json",
    ];
    run_clean(&fixture, &args, &[]).expect_code(0);
    for entry in std::fs::read_dir(&exported).expect("exported files") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("file");
        for fragment in FRAGMENTS {
            assert!(
                !text.contains(fragment),
                "an exported file holds a secret:\n{text}"
            );
        }
    }
    fixture.endpoint_map = all_maps;
    run_clean(&fixture, &["delete", "--yes", "--dry-run"], &[]).expect_code(0);
    run_clean(&fixture, &["delete", "--yes", "--output", "json"], &[]).expect_code(0);
    run_clean(&fixture, &["delete", "--yes"], &[]).expect_code(0);
}

#[test]
fn no_secret_leaks_with_a_wrong_token_or_retried_requests() {
    // A token the Quay does not know: refused (401 on the check), never shown.
    let quay1 = sim_with(config(SECRET_TOKEN));
    let quay2 = sim_with(config(SECRET_TOKEN));
    let fixture = leak_fixture(&quay1, &quay2, WRONG_TOKEN);
    // Nothing exists yet: delete must not call the organizations "already absent" on the word
    // of an anonymous caller.
    let run = run_clean(&fixture, &["delete", "--yes"], &[]);
    run.expect_code(1);
    assert!(run.stdout.contains("invalid or expired"), "{}", run.stdout);
    assert!(!run.stdout.contains("already absent"), "{}", run.stdout);
    // Now with organizations that exist.
    write_login(&fixture, SECRET_TOKEN);
    fixture.mqc(&["create"]).expect_code(1); // the refused mirror
    write_login(&fixture, WRONG_TOKEN);
    quay1.reset_stats();
    for args in [
        &["plan"][..],
        &["create"],
        &["create", "--output", "json"],
        &["delete", "--yes"],
    ] {
        let run = run_clean(&fixture, args, &[]);
        run.expect_code(1);
        assert!(
            run.stdout.contains("invalid or expired") || run.stderr.contains("invalid or expired"),
            "{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert_eq!(quay1.stats().writes, 0, "{:?}", quay1.stats());
    assert!(quay1.state()["organizations"]["mirror-with-notification"].is_object());

    // Faults and throttling: requests are retried, with their log lines.
    let faulty = |seed| Config {
        fault_rate: 0.25,
        throttle_rate: 0.25,
        seed,
        ..config(SECRET_TOKEN)
    };
    let quay1 = sim_with(faulty(3));
    let quay2 = sim_with(faulty(4));
    let fixture = leak_fixture(&quay1, &quay2, SECRET_TOKEN);
    for args in [
        &["plan", "--output", "json"][..],
        &["create"],
        &["create", "--output", "json"],
        &["delete", "--yes"],
    ] {
        let run = run_clean(&fixture, args, &[]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("retrying"),
            "no retry seen:\n{}",
            run.stderr
        );
    }
}

#[test]
fn the_login_file_readable_by_others_is_warned_about() {
    let quay1 = sim_with(config(SECRET_TOKEN));
    let quay2 = sim_with(config(SECRET_TOKEN));
    let fixture = leak_fixture(&quay1, &quay2, SECRET_TOKEN);
    let path = fixture.login_path();

    // 0600: no warning.
    let quiet = run_clean(&fixture, &["check"], &[]);
    quiet.expect_code(0);
    assert!(
        !quiet.stderr.contains("readable by group or others"),
        "{}",
        quiet.stderr
    );

    for mode in [0o644, 0o640, 0o604] {
        set_mode(&path, mode);
        for args in [&["check"][..], &["plan"]] {
            let run = run_clean(&fixture, args, &[]);
            run.expect_code(0);
            let warning = run
                .stderr
                .lines()
                .find(|l| l.contains("readable by group or others"))
                .unwrap_or_else(|| panic!("no warning for mode {mode:o}:\n{}", run.stderr));
            assert!(warning.contains(&path.display().to_string()), "{warning}");
            assert!(warning.contains(&format!("{mode:o}")), "{warning}");
            assert!(warning.contains("chmod 600"), "{warning}");
        }
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[test]
fn in_memory_secrets_redact_in_debug() {
    use mqc::config::LoginFile;
    use mqc::model::{Endpoint, MirrorCredentialKey, Secrets};
    use secrecy::SecretString;

    let mut secrets = Secrets::default();
    secrets.insert_token(
        Endpoint::parse(QUAY1).unwrap(),
        SecretString::from(SECRET_TOKEN),
    );
    secrets.insert_mirror_password(
        MirrorCredentialKey {
            organization: "o".into(),
            repository: "r".into(),
            username: "u".into(),
        },
        SecretString::from(SECRET_PASSWORD),
    );
    let login = LoginFile::from_secrets(&secrets);
    for text in [
        format!("{secrets:?}"),
        format!("{secrets:#?}"),
        format!("{login:?}"),
        format!("{login:#?}"),
    ] {
        assert!(!text.contains(SECRET_TOKEN), "{text}");
        assert!(!text.contains(SECRET_PASSWORD), "{text}");
        assert!(text.contains("REDACTED"), "{text}");
    }
}

/// Secrets leave their `SecretString` only where they are sent (the bearer header, the mirror
/// body, the login file). Any other `expose_secret()` in the code is a new way for a value to
/// reach a `String` and, one day, a log line: this test makes it a reviewed decision.
#[test]
fn secrets_are_exposed_only_where_they_are_sent() {
    let allowed: BTreeMap<&str, usize> = [
        ("src/quay/client.rs", 2),  // Authorization: Bearer; cut out of error texts
        ("src/quay/mirror.rs", 1),  // external_registry_password in the mirror body
        ("src/config/login.rs", 1), // the login-file serializer
        ("src/commands/login.rs", 1), // emptiness check of a typed value
    ]
    .into_iter()
    .collect();
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            // Unit tests (after `#[cfg(test)]`) may expose values to assert on them.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let count = code.matches(".expose_secret()").count();
            if count > 0 {
                let rel = path.strip_prefix(root).expect("relative");
                found.insert(rel.to_string_lossy().replace('\\', "/"), count);
            }
        }
    }
    let found: BTreeMap<&str, usize> = found.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(found, allowed, "expose_secret() call sites changed");

    // And no struct keeps a token or password as a plain String.
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let l = line.trim();
                let field =
                    l.starts_with("pub ") || l.split(':').next().is_some_and(|f| !f.contains(' '));
                if field && (l.contains("token: String") || l.contains("password: String")) {
                    panic!(
                        "{}:{}: a secret kept as a String: {l}",
                        path.display(),
                        n + 1
                    );
                }
            }
        }
    }
}

/// A Quay (or a proxy in front of it) that echoes the request body in its error message, as
/// jsonschema errors do with the offending value: the mirror password must not come back out
/// through mqc's error.
#[tokio::test]
async fn a_quay_error_that_echoes_the_request_does_not_leak_the_password() {
    use mqc::apply::execute::execute;
    use mqc::model::{Mirror, MirrorCredentialKey, Proxy, Secrets};
    use mqc::plan::{MirrorOp, Op};
    use secrecy::SecretString;
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/discovery"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"swagger": "2.0",
            "paths": {}, "definitions": {"CreateMirrorConfig": {"type": "object",
            "required": ["external_reference"], "properties": {}}}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository/acme/app/mirror"))
        .respond_with(|request: &Request| {
            let body = String::from_utf8_lossy(&request.body).into_owned();
            ResponseTemplate::new(400).set_body_json(json!({
                "detail": format!("{body} is not valid under any of the given schemas"),
                "error_message": body,
            }))
        })
        .mount(&server)
        .await;
    let mut secrets = Secrets::default();
    secrets.insert_mirror_password(
        MirrorCredentialKey {
            organization: "acme".into(),
            repository: "app".into(),
            username: "puller".into(),
        },
        SecretString::from(SECRET_PASSWORD),
    );
    let op = Op::Mirror(MirrorOp::CreateMirror {
        repository: "app".into(),
        mirror: Box::new(Mirror {
            external_reference: "registry.example.com/up/app".into(),
            tags: vec!["latest".into()],
            username: Some("puller".into()),
            verify_tls: true,
            unsigned_images: false,
            robot: "writer".into(),
            sync_interval: 3600,
            is_enabled: true,
            proxy: Proxy::default(),
            options: mqc::model::MirrorOptions::default(),
        }),
    });
    let client = bad_answer_client(&server.uri());
    let err = execute(&client, "acme", &op, &secrets).await.unwrap_err();
    let text = err.to_string();
    let debug = format!("{err:?}");
    // The password really went out (so the echo held it)…
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains(SECRET_PASSWORD)));
    // …and did not come back through the error.
    assert!(!text.contains(SECRET_PASSWORD), "{text}");
    assert!(!debug.contains(SECRET_PASSWORD), "{debug}");
    assert!(text.contains("400"), "{text}");
    assert!(text.contains(&server.uri()), "{text}");
}

fn bad_answer_client(uri: &str) -> mqc::quay::QuayClient {
    use std::num::NonZeroU32;
    use std::sync::Arc;
    use std::time::Duration;

    use mqc::model::Endpoint;
    use mqc::quay::{ClientOptions, Limiter, QuayClient, RetryPolicy};
    use mqc::settings::TlsVerify;
    use secrecy::SecretString;

    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(1000).unwrap()),
    ));
    QuayClient::new(
        Endpoint::parse(uri).unwrap(),
        SecretString::from(SECRET_TOKEN),
        &ClientOptions {
            timeout: Duration::from_secs(5),
            max_connections: 4,
            ceiling: 10_000.0,
            tls: TlsVerify::Verify {
                extra_ca_files: Vec::new(),
            },
            retry: RetryPolicy::default(),
        },
        limiter,
    )
    .unwrap()
}
