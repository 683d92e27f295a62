//! TLS against quay-sim with `tls: true` (issue 6, point 1): verification is on by default and
//! fails clearly, `--ca-cert` / `MQC_CA_CERT` trust a private CA, `--tls-verify false` works
//! and warns, and a plain-http endpoint warns that its token travels in clear text.

mod common;

use common::*;
use quay_sim::{Config, QuaySim};

fn tls_sim() -> QuaySim {
    sim_with(Config {
        tls: true,
        ..base_config()
    })
}

/// One small organization on QUAY1, mapped to `sim`.
fn fixture(sim: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, sim);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "tls.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: tlsorg\nrobots:\n  - {{name: ci, desc: \
             \"CI\"}}\nrepositories:\n  - name: app\n    visibility: private\n"
        ),
    );
    fixture
}

fn ca(sim: &QuaySim) -> String {
    sim.ca_cert_path()
        .expect("a TLS sim has a CA file")
        .to_str()
        .expect("utf-8 path")
        .to_string()
}

#[test]
fn an_unknown_ca_fails_clearly_naming_the_endpoint_and_suggesting_ca_cert() {
    let sim = tls_sim();
    assert!(sim.base_url().starts_with("https://"));
    let fixture = fixture(&sim);

    let run = fixture.mqc(&["create"]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains(&sim.base_url()), "endpoint not named:\n{all}");
    assert!(
        all.contains("TLS certificate check failed"),
        "no certificate error:\n{all}"
    );
    assert!(all.contains("--ca-cert FILE"), "no --ca-cert hint:\n{all}");
    // Nothing reached the application: the handshake failed before any request.
    assert_eq!(sim.stats().requests, 0);
    assert!(sim.state()["organizations"]["tlsorg"].is_null());
}

#[test]
fn ca_cert_option_trusts_the_private_ca_and_create_converges() {
    let sim = tls_sim();
    let fixture = fixture(&sim);
    let ca = ca(&sim);

    let run = fixture.mqc(&["create", "--ca-cert", &ca]);
    run.expect_code(0);
    assert!(
        !run.stderr.contains("TLS verification is off"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("clear text"), "{}", run.stderr);
    let desired = fixture.desired();
    assert_converged(&sim.state(), &orgs_on(&desired, QUAY1), "admin");
    fixture
        .mqc(&["plan", "--detailed-exitcode", "--ca-cert", &ca])
        .expect_code(0);
}

#[test]
fn mqc_ca_cert_environment_variable_works_too() {
    let sim = tls_sim();
    let fixture = fixture(&sim);
    let run = fixture
        .command(&["plan", "--detailed-exitcode"])
        .env("MQC_CA_CERT", ca(&sim))
        .output()
        .expect("run mqc");
    let run = Run::from(run);
    // 2: changes are pending, so the plan was read over verified TLS.
    run.expect_code(2);
    assert!(
        run.stdout.contains("+ create organization tlsorg"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_ca_that_did_not_sign_the_certificate_is_still_refused() {
    let sim = tls_sim();
    let other = tls_sim();
    let fixture = fixture(&sim);
    let run = fixture.mqc(&["plan", "--ca-cert", &ca(&other)]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("TLS certificate check failed")
            || run.stderr.contains("TLS certificate check failed"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn tls_verify_false_succeeds_and_warns_naming_the_endpoints() {
    let sim = tls_sim();
    let fixture = fixture(&sim);
    let run = fixture.mqc(&["create", "--tls-verify", "false"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("TLS verification is off"),
        "{}",
        run.stderr
    );
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("TLS verification is off"))
        .unwrap_or_default();
    assert!(warning.contains(&sim.base_url()), "{warning}");
    let desired = fixture.desired();
    assert_converged(&sim.state(), &orgs_on(&desired, QUAY1), "admin");
}

#[test]
fn a_plain_http_endpoint_warns_that_the_token_travels_in_clear_text() {
    let sim = sim_with(base_config());
    assert!(sim.base_url().starts_with("http://"));
    let fixture = fixture(&sim);
    let run = fixture.mqc(&["plan"]);
    run.expect_code(0);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("clear text"))
        .unwrap_or_else(|| panic!("no clear-text warning:\n{}", run.stderr));
    assert!(warning.contains(&sim.base_url()), "{warning}");
    assert!(warning.contains("token"), "{warning}");

    // A TLS endpoint gets no such warning.
    let tls = tls_sim();
    let fixture = self::fixture(&tls);
    let run = fixture.mqc(&["plan", "--ca-cert", &ca(&tls)]);
    run.expect_code(0);
    assert!(!run.stderr.contains("clear text"), "{}", run.stderr);
}

/// The system store (issue 17): a CA given only through `SSL_CERT_FILE` — as a cluster injects
/// its CA bundle — is trusted without `--ca-cert`.
#[test]
fn a_ca_given_only_by_ssl_cert_file_is_trusted_without_ca_cert() {
    let sim = tls_sim();
    let fixture = fixture(&sim);
    let run = Run::from(
        fixture
            .command(&["create"])
            .env("SSL_CERT_FILE", ca(&sim))
            .env_remove("SSL_CERT_DIR")
            .output()
            .expect("run mqc"),
    );
    run.expect_code(0);
    let desired = fixture.desired();
    assert_converged(&sim.state(), &orgs_on(&desired, QUAY1), "admin");
}

/// `SSL_CERT_DIR` is honoured as OpenSSL and rustls-native-certs read it: every certificate
/// file in the directory.
#[test]
fn a_ca_in_ssl_cert_dir_is_trusted_without_ca_cert() {
    let sim = tls_sim();
    let fixture = fixture(&sim);
    let certs = fixture.dir().with_file_name("certs");
    std::fs::create_dir(&certs).expect("certs dir");
    std::fs::copy(ca(&sim), certs.join("quay-ca.pem")).expect("copy CA");
    let run = Run::from(
        fixture
            .command(&["plan", "--detailed-exitcode"])
            .env("SSL_CERT_DIR", &certs)
            .env_remove("SSL_CERT_FILE")
            .output()
            .expect("run mqc"),
    );
    // 2: changes are pending, so the plan was read over verified TLS.
    run.expect_code(2);
    assert!(
        run.stdout.contains("+ create organization tlsorg"),
        "{}",
        run.stdout
    );
}

/// The system store adds to `--ca-cert`, it does not replace it: with `SSL_CERT_FILE` naming
/// an unrelated CA, `--ca-cert` still trusts the endpoint's, and without it the check fails.
#[test]
fn ca_cert_still_works_beside_an_unrelated_ssl_cert_file() {
    let sim = tls_sim();
    let other = tls_sim();
    let fixture = fixture(&sim);
    let run_with = |args: &[&str]| {
        Run::from(
            fixture
                .command(args)
                .env("SSL_CERT_FILE", ca(&other))
                .env_remove("SSL_CERT_DIR")
                .output()
                .expect("run mqc"),
        )
    };
    let refused = run_with(&["plan"]);
    refused.expect_code(1);
    assert!(
        format!("{}{}", refused.stdout, refused.stderr).contains("TLS certificate check failed"),
        "{}\n{}",
        refused.stdout,
        refused.stderr
    );
    run_with(&["plan", "--detailed-exitcode", "--ca-cert", &ca(&sim)]).expect_code(2);
}
