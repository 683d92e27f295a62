//! Nothing a user typed wrong may reach a live object (issue 11, items 1, 3, 9–12): a misspelt
//! key in an organization file or the login file, an `--endpoint-map` whose FROM no file
//! names, and the exit codes, secrets and endpoint names around them. Each test asserts what
//! the emulator received, not only what mqc printed.

mod common;

use common::*;
use quay_sim::{QuayVersion, RepoRole, Visibility};

const ORG: &str = "typo-org";

/// An organization with a private repository and alice as its admin, as it exists on `quay`
/// and as a correct file declares it.
fn existing_org(quay: &quay_sim::QuaySim) -> String {
    quay.create_org(ORG, "admin").unwrap();
    quay.create_repo(ORG, "app", Visibility::Private).unwrap();
    quay.set_repo_description(ORG, "app", "the app").unwrap();
    quay.set_user_permission(ORG, "app", "alice", Some(RepoRole::Admin))
        .unwrap();
    format!(
        "quay_endpoint: {QUAY1}\nquay_organization: {ORG}\nrepositories:\n  - name: app\n    \
         description: the app\n    visibility: private\n    permissions:\n      users:\n        \
         - {{name: alice, role: admin}}\n"
    )
}

fn fixture_for(quay: &quay_sim::QuaySim, yaml: &str) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, quay);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org("org.yaml", yaml);
    fixture
}

fn visibility(quay: &quay_sim::QuaySim) -> String {
    quay.state()["organizations"][ORG]["repositories"]["app"]["visibility"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_misspelt_key_stops_every_command_before_any_request() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    // `visibilty: private` used to be a warning: the default (public) then applied.
    let typo = good.replace("visibility: private", "visibilty: private");
    let fixture = fixture_for(&quay, &typo);
    quay.reset_stats();

    let check = fixture.mqc(&["check"]);
    check.expect_code(1);
    assert!(
        check.stdout.contains(
            "org.yaml:6:5: error: unknown key `visibilty` in `repositories[0]`; did you mean \
             `visibility`?"
        ),
        "{}",
        check.stdout
    );
    for args in [
        &["plan"][..],
        &["create"],
        &["create", "--dry-run"],
        &["delete", "--yes"],
    ] {
        let run = fixture.mqc(args);
        run.expect_code(1);
        assert!(
            run.stderr.contains("unknown key `visibilty`"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(quay.stats().requests, 0, "a request reached the Quay");
    assert_eq!(visibility(&quay), "private");
    assert!(quay.state()["organizations"][ORG].is_object());
}

#[test]
fn misspelt_mirror_and_notification_keys_are_errors_too() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    for (typo, message) in [
        (
            good.replace(
                "    permissions:",
                "    notifications:\n      - {event: repo_push}\n    permissions:",
            ),
            "unknown key `notifications` in `repositories[0]`; did you mean `notification`?",
        ),
        (
            good.replace(
                "    permissions:",
                "    mirror: false\n    mirror_params: {is_enable: true}\n    permissions:",
            ),
            "unknown key `is_enable` in `repositories[0].mirror_params`; did you mean \
             `is_enabled`?",
        ),
        (
            good.replace(
                "    permissions:",
                "    mirror: true\n    mirror_params: {src_registry: quay.io, src_image: a/b, \
                 src_image_tags: [latest], robot_username: writer, sync_interval: 60, \
                 is_enable: true}\n    permissions:",
            ) + "robots:\n  - {name: writer, desc: w}\n",
            "unknown key `is_enable` in `repositories[0].mirror_params`; did you mean \
             `is_enabled`?",
        ),
    ] {
        let fixture = fixture_for(&quay, &typo);
        quay.reset_stats();
        let run = fixture.mqc(&["create"]);
        run.expect_code(1);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(quay.stats().requests, 0);
    }
}

#[test]
fn the_original_tools_old_key_is_still_accepted_with_a_warning() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let old = good.replace(
        "quay_organization: typo-org\n",
        "quay_organization: typo-org\nquay_organization_role_email: \"\"\n",
    );
    let fixture = fixture_for(&quay, &old);
    let check = fixture.mqc(&["check"]);
    check.expect_code(0);
    assert!(
        check.stdout.contains(
            "warning: `quay_organization_role_email` is the old name of `quay_organization_email`"
        ),
        "{}",
        check.stdout
    );
    fixture.mqc(&["create"]).expect_code(0);
}

#[test]
fn a_misspelt_key_in_the_login_file_stops_the_run() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let fixture = fixture_for(&quay, &good);
    std::fs::write(
        fixture.login_path(),
        format!("quay_endpoint_login:\n  - quay_endpoint: {QUAY1}\n    quay_tokn: {TOKEN}\n"),
    )
    .unwrap();
    quay.reset_stats();
    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "login.yaml:3:5: error: unknown key `quay_tokn` in `quay_endpoint_login[0]`; did \
             you mean `quay_token`?"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(TOKEN), "the token was printed");
    assert_eq!(quay.stats().requests, 0);
}

#[test]
fn an_endpoint_map_naming_no_files_endpoint_is_a_usage_error() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let mut fixture = fixture_for(&quay, &good);
    // A one-letter slip in FROM: before, the mapping was silently ignored and the requests
    // went to the real host.
    let typo = QUAY1.replace("quay1", "qay1");
    fixture.endpoint_map = vec![format!("{typo}={}", quay.base_url())];
    quay.reset_stats();
    let run = fixture.mqc(&["plan"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!(
            "no organization file names the endpoint https://{typo}"
        )) && run.stderr.contains(&format!("did you mean {QUAY1}?")),
        "{}",
        run.stderr
    );
    // With --detailed-exitcode, 2 means only "changes pending".
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(1);
    let export = fixture.mqc(&["export", "--endpoint", QUAY1, "--organization", ORG]);
    export.expect_code(2);
    assert!(
        export.stderr.contains(&format!("did you mean {QUAY1}?")),
        "{}",
        export.stderr
    );
    assert_eq!(quay.stats().requests, 0);
}

#[test]
fn with_detailed_exitcode_two_means_only_pending_changes() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let fixture = fixture_for(&quay, &good);
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
    // Usage errors exit 2 without the flag and 1 with it.
    fixture
        .mqc(&["plan", "--organization", "nosuchorg"])
        .expect_code(2);
    fixture
        .mqc(&["plan", "--detailed-exitcode", "--organization", "nosuchorg"])
        .expect_code(1);
    fixture
        .mqc(&["plan", "--detailed-exitcode", "--no-such-flag"])
        .expect_code(1);
    fixture
        .mqc(&[
            "create",
            "--dry-run",
            "--detailed-exitcode",
            "--organization",
            "x",
        ])
        .expect_code(1);
    fixture.mqc(&["plan", "--no-such-flag"]).expect_code(2);
    // Pending changes: 2.
    fixture.write_org(
        "org.yaml",
        &good.replace("description: the app", "description: changed"),
    );
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(2);
}

#[test]
fn check_without_a_login_file_validates_the_files_and_warns_once() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let fixture = fixture_for(&quay, &good);
    std::fs::remove_file(fixture.login_path()).unwrap();
    // The default login file (as a merge-request lint job has it: absent).
    let mut command = fixture.command(&["check"]);
    let args: Vec<String> = command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let at = args.iter().position(|a| a == "--login-file").unwrap();
    let mut plain = std::process::Command::new(command.get_program());
    plain
        .args(args[..at].iter().chain(&args[at + 2..]))
        .current_dir(fixture.root.path())
        .env_remove("MQC_LOGIN_FILE");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MQC_") {
            plain.env_remove(key);
        }
    }
    command = plain;
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert_eq!(
        stdout
            .matches("the login file does not exist: tokens and mirror passwords were not checked")
            .count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.ends_with("0 errors, 1 warning in 1 file\n"),
        "{stdout}"
    );

    // A login file the user names must exist and hold every secret.
    let named = fixture.mqc(&["check"]);
    named.expect_code(1);
    assert!(
        named.stdout.contains("no token for endpoint"),
        "{}",
        named.stdout
    );
}

#[test]
fn tokens_from_the_environment_work_for_plan_create_and_check() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let fixture = fixture_for(&quay, &good.replace("the app", "from env"));
    std::fs::remove_file(fixture.login_path()).unwrap();
    let variable = format!(
        "MQC_TOKEN_{}",
        QUAY1.to_ascii_uppercase().replace(['.', '-'], "_")
    );
    let run = |args: &[&str]| {
        let mut command = fixture.command(args);
        command.env(&variable, TOKEN);
        let run = Run::from(command.output().unwrap());
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
        run
    };
    run(&["check"]).expect_code(0);
    run(&["plan", "--detailed-exitcode"]).expect_code(2);
    run(&["create"]).expect_code(0);
    assert_eq!(
        quay.state()["organizations"][ORG]["repositories"]["app"]["description"],
        "from env"
    );
    run(&["plan", "--detailed-exitcode"]).expect_code(0);
    // Without the variable, the missing token is named with the variable to set.
    let missing = fixture.mqc(&["plan"]);
    missing.expect_code(1);
    assert!(
        missing.stderr.contains("no token for endpoint"),
        "{}",
        missing.stderr
    );
}

#[test]
fn login_from_env_without_mirror_passwords_is_enough_for_plan() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let mirrored = format!(
        "{good}  - name: mirrored\n    mirror: true\n    mirror_params:\n      src_registry: \
         quay.io\n      src_image: libpod/alpine\n      src_image_tags: [latest]\n      \
         robot_username: writer\n      sync_interval: 86400\n      ext_registry_username: puller\nrobots:\n  - {{name: \
         writer, desc: w}}\n"
    );
    let fixture = fixture_for(&quay, &mirrored);
    std::fs::remove_file(fixture.login_path()).unwrap();
    let variable = format!(
        "MQC_TOKEN_{}",
        QUAY1.to_ascii_uppercase().replace(['.', '-'], "_")
    );
    let mut login = fixture.command(&["login", "--from-env"]);
    login.env(&variable, TOKEN);
    let login = Run::from(login.output().unwrap());
    login.expect_code(0);
    assert!(
        login
            .stderr
            .contains("MQC_MIRROR_PASSWORD_TYPO_ORG_MIRRORED_PULLER")
            && login.stderr.contains("`mqc create` does"),
        "{}",
        login.stderr
    );
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(2);
    // `create` sends the mirror password, so it refuses to start without it.
    quay.reset_stats();
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(create.stderr.contains("puller"), "{}", create.stderr);
    assert_eq!(quay.stats().writes, 0);
}

#[test]
fn messages_name_the_endpoint_as_the_files_do_and_the_mapped_url_after_it() {
    let quay = sim(QuayVersion::Head, false);
    let good = existing_org(&quay);
    let fixture = fixture_for(&quay, &good);
    fixture.login(&[(QUAY1, "wrong-token")]);
    let run = fixture.mqc(&["plan"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    let expected = format!("https://{QUAY1} ({})", quay.base_url());
    assert!(all.contains(&expected), "{expected} not in:\n{all}");
    let json = fixture.mqc(&["plan", "--output", "json"]);
    json.expect_code(1);
    assert_eq!(
        json.json()["targets"][0]["target"]["endpoint"],
        format!("https://{QUAY1}")
    );
}
