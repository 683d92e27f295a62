//! Faults (issue 6, points 3, 4 and 5): a Quay that fails, throttles, is too slow, dies in the
//! middle of a run or is interrupted; answers that are not what the reference says; and the
//! bound on connections per endpoint.
//!
//! Each run against a misbehaving quay-sim must end with the state it reports: every change it
//! says was applied is in the emulator (a plan made afterwards does not contain it), every
//! change that did not happen is listed with its reason, no object is created twice, and a
//! rerun against a healthy emulator converges.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use quay_sim::{Config, QuaySim};
use serde_json::Value;

/// The base configuration with faults: one seed, so that a failure can be replayed.
fn faulty(fault_rate: f64, throttle_rate: f64) -> Config {
    Config {
        fault_rate,
        throttle_rate,
        seed: 11,
        ..base_config()
    }
}

/// Examples on QUAY1/QUAY2 plus `extra` generated organizations on QUAY1.
fn fixture_on(quay1: &QuaySim, quay2: &QuaySim, extra: usize) -> Fixture {
    let fixture = Fixture::examples(quay1, quay2);
    fixture.many_orgs(QUAY1, extra);
    fixture
}

/// The report of a run tells the truth about `sim`: what it says was applied is in the
/// emulator (a plan made against the emulator now does not contain it), and every change that
/// did not happen, and every target that could not be handled, carries its reason.
/// `ran` are the emulators the run talked to, `now` healthy ones holding their state now, and
/// `judge` a fixture mapped to `now`.
#[track_caller]
fn assert_report_is_truthful(
    report: &Value,
    ran: (&QuaySim, &QuaySim),
    judge: &Fixture,
    now: (&QuaySim, &QuaySim),
) {
    let plan = judge.mqc(&["plan", "--output", "json"]);
    let plan = plan.json();
    let pending = planned_changes(&plan, &names(now.0, now.1));
    let applied = changes_with_status(report, "applied", &names(ran.0, ran.1));
    for change in &applied {
        // Triggering a mirror sync is an action, not a state a later plan could see.
        if change.1["op"] == "sync_mirror_now" {
            continue;
        }
        assert!(
            !pending.contains(change),
            "reported applied but not in Quay: {change:?}"
        );
    }
    for target in report["targets"].as_array().expect("targets") {
        if let Some(error) = target["error"].as_str() {
            assert!(!error.trim().is_empty(), "target error without text");
        }
        for result in target["results"].as_array().into_iter().flatten() {
            match result["status"].as_str() {
                Some("applied") | Some("not_started") => {}
                Some("failed") => assert!(
                    result["error"]
                        .as_str()
                        .is_some_and(|e| !e.trim().is_empty()),
                    "failure without a reason: {result}"
                ),
                Some("skipped") => assert!(
                    result["reason"]
                        .as_str()
                        .is_some_and(|e| !e.trim().is_empty()),
                    "skip without a reason: {result}"
                ),
                other => panic!("unknown status {other:?} in {result}"),
            }
        }
    }
}

/// Emulator URL → the endpoint name the files use.
fn names(quay1: &QuaySim, quay2: &QuaySim) -> Vec<(String, &'static str)> {
    vec![(quay1.base_url(), QUAY1), (quay2.base_url(), QUAY2)]
}

/// Runs `create` again against healthy emulators holding the same state, and checks that
/// everything converges with no duplicate and that a third run has nothing to do.
#[track_caller]
fn rerun_converges(fixture: &mut Fixture, quay1: &QuaySim, quay2: Option<&QuaySim>) {
    let healthy1 = heal(quay1, base_config());
    fixture.remap(QUAY1, &healthy1);
    let healthy2 = quay2.map(|q| heal(q, base_config()));
    if let Some(h) = &healthy2 {
        fixture.remap(QUAY2, h);
    }
    fixture.mqc(&["create"]).expect_code(0);
    let desired = fixture.desired();
    let state1 = healthy1.state();
    assert_converged(&state1, &orgs_on(&desired, QUAY1), "admin");
    assert_no_duplicate_notifications(&state1, &orgs_on(&desired, QUAY1));
    if let Some(h) = &healthy2 {
        assert_converged(&h.state(), &orgs_on(&desired, QUAY2), "admin");
    }
    fixture.mqc(&["plan", "--detailed-exitcode"]).expect_code(0);
}

fn exit_code_is_0_or_1(run: &Run) {
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}\n{}\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
    // Exit 0 exactly when nothing failed.
    let report = run.json();
    assert_eq!(
        run.code == 0,
        report["totals"]["failed"] == 0
            && report["totals"]["skipped"] == 0
            && report["totals"]["target_errors"] == 0,
        "{}",
        report["totals"]
    );
}

/// One faulty run, judged: its report matches the state it left, no webhook was created twice,
/// and a rerun against healthy emulators holding that state converges.
fn faulty_run_ends_with_the_state_it_reports(fault_rate: f64, throttle_rate: f64) {
    let quay1 = sim_with(faulty(fault_rate, throttle_rate));
    let quay2 = sim_with(faulty(fault_rate, throttle_rate));
    let mut fixture = fixture_on(&quay1, &quay2, 10);

    let run = fixture.mqc(&["create", "--output", "json"]);
    exit_code_is_0_or_1(&run);
    let report = run.json();
    eprintln!("exit {}: totals {}", run.code, report["totals"]);
    assert!(quay1.stats().by_method.values().sum::<u64>() > 0);
    let desired = fixture.desired();
    assert_no_duplicate_notifications(&quay1.state(), &orgs_on(&desired, QUAY1));

    // Judge the report against the same state, seen without faults.
    let healthy = heal(&quay1, base_config());
    let healthy2 = heal(&quay2, base_config());
    let judge = fixture_on(&healthy, &healthy2, 10);
    assert_report_is_truthful(&report, (&quay1, &quay2), &judge, (&healthy, &healthy2));

    rerun_converges(&mut fixture, &quay1, Some(&quay2));
}

#[test]
fn fault_rate_runs_end_with_the_state_they_report_and_a_rerun_converges() {
    faulty_run_ends_with_the_state_it_reports(0.3, 0.0);
}

#[test]
fn throttled_runs_end_with_the_state_they_report_and_a_rerun_converges() {
    faulty_run_ends_with_the_state_it_reports(0.0, 0.5);
}

#[test]
fn a_quay_slower_than_the_timeout_fails_every_target_clearly_and_writes_nothing() {
    let slow = Config {
        latency: Duration::from_millis(1500),
        ..base_config()
    };
    let quay1 = sim_with(slow);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.many_orgs(QUAY1, 3);

    let run = fixture.mqc(&["create", "--timeout", "1"]);
    run.expect_code(1);
    // Every organization is listed with the reason, naming the endpoint and what to do.
    for i in 0..3 {
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(&format!("org-{i:03}")) && l.contains("no answer within 1s"))
            .unwrap_or_else(|| panic!("org-{i:03} not reported:\n{}", run.stdout));
        assert!(line.contains(&quay1.base_url()), "{line}");
    }
    assert!(run.stdout.contains("raise `--timeout`"), "{}", run.stdout);
    assert_eq!(quay1.stats().writes, 0);
    assert!(quay1.state()["organizations"]
        .as_object()
        .unwrap()
        .is_empty());

    rerun_converges(&mut fixture, &quay1, None);
}

/// Waits (polling with a short yield) until `sim` has seen `writes` writes.
fn wait_for_writes(sim: &QuaySim, writes: u64, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while sim.stats().writes < writes {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("mqc ended ({status}) before the sim saw {writes} writes");
        }
        assert!(
            Instant::now() < deadline,
            "the sim never saw {writes} writes"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Collects a child's pipe on a thread (so that it never blocks on a full pipe).
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

#[test]
fn a_quay_killed_mid_run_leaves_a_truthful_report_and_a_rerun_converges() {
    let config = Config {
        latency: Duration::from_millis(20),
        ..base_config()
    };
    let mut quay1 = sim_with(config.clone());
    let quay2 = sim_with(config);
    let mut fixture = fixture_on(&quay1, &quay2, 30);

    let mut child = fixture
        .command(&["create", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mqc");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    // 30 organizations are created first; kill once the robots are under way.
    wait_for_writes(&quay1, 60, &mut child);
    quay1.kill();
    let status = child.wait().expect("wait");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    run.expect_code(1);
    let report = run.json();
    eprintln!("kill: totals {}", report["totals"]);
    // The failures name the endpoint that went away.
    let failed = changes_with_status(&report, "failed", &names(&quay1, &quay2));
    assert!(!failed.is_empty(), "nothing failed after the kill");
    for target in report["targets"].as_array().unwrap() {
        for result in target["results"].as_array().into_iter().flatten() {
            if result["status"] == "failed" {
                let error = result["error"].as_str().unwrap_or_default();
                assert!(error.contains(&quay1.base_url()), "{error}");
            }
        }
    }
    let desired = fixture.desired();
    assert_no_duplicate_notifications(&quay1.state(), &orgs_on(&desired, QUAY1));
    assert!(!changes_with_status(&report, "applied", &names(&quay1, &quay2)).is_empty());

    // The same Quay, back up (a new server holding the state the killed one had).
    let back = heal(&quay1, base_config());
    let judge_quay2 = heal(&quay2, base_config());
    let judge = fixture_on(&back, &judge_quay2, 30);
    assert_report_is_truthful(&report, (&quay1, &quay2), &judge, (&back, &judge_quay2));

    rerun_converges(&mut fixture, &quay1, Some(&quay2));
}

fn interrupt_with(signal: libc::c_int) {
    const MAX_CONNECTIONS: u64 = 4;
    let config = Config {
        latency: Duration::from_millis(200),
        ..base_config()
    };
    let quay1 = sim_with(config);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.many_orgs(QUAY1, 40);

    let mut child = fixture
        .command(&["create", "--max-connections", &MAX_CONNECTIONS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mqc");
    let stdout = drain(child.stdout.take().expect("stdout"));
    // Forward stderr line by line, to see the first phase start.
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let stderr_pipe = child.stderr.take().expect("stderr");
    let stderr = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            all.push_str(&line);
            all.push('\n');
            let _ = lines_tx.send(line);
        }
        all
    });
    loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(120))
            .expect("mqc printed no phase line");
        if line.ends_with("change(s)…") {
            break;
        }
    }
    wait_for_writes(&quay1, 2, &mut child);

    // SAFETY: `kill` with a child's pid and a valid signal number has no memory effects.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    assert_eq!(sent, 0, "kill failed");
    let writes_at_signal = quay1.stats().writes;
    let status = child.wait().expect("wait");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    run.expect_code(130);
    assert!(run.stderr.contains("mqc: interrupted"), "{}", run.stderr);
    assert!(
        run.stdout.contains("Interrupted: changes not started"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Summary:"), "{}", run.stdout);
    // Only the requests in flight when the signal came (at most one per connection) were
    // still answered; nothing new was sent.
    let writes_after = quay1.stats().writes;
    assert!(
        writes_after <= writes_at_signal + MAX_CONNECTIONS,
        "{writes_after} writes after the interrupt, {writes_at_signal} when it came"
    );
    eprintln!("interrupt: {writes_at_signal} writes at the signal, {writes_after} in all");
    // Interrupted early: most of the 40 organizations were never asked for.
    assert!(writes_after < 40, "{writes_after}");

    rerun_converges(&mut fixture, &quay1, None);
}

#[test]
fn sigint_stops_new_requests_prints_the_summary_and_exits_130() {
    interrupt_with(libc::SIGINT);
}

#[test]
fn sigterm_stops_new_requests_prints_the_summary_and_exits_130() {
    interrupt_with(libc::SIGTERM);
}

#[test]
fn connections_per_endpoint_stay_within_max_connections() {
    let quay1 = sim_with(Config {
        latency: Duration::from_millis(10),
        ..base_config()
    });
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.many_orgs(QUAY1, 30);

    fixture
        .mqc(&["create", "--max-connections", "4"])
        .expect_code(0);
    let stats = quay1.stats();
    assert!(stats.max_connections <= 4, "{stats:?}");
    assert!(stats.max_in_flight <= 4, "{stats:?}");
    // The bound was reached: the run really was concurrent.
    assert!(stats.max_in_flight >= 2, "{stats:?}");
    let desired = fixture.desired();
    assert_converged(&quay1.state(), &orgs_on(&desired, QUAY1), "admin");

    // From the environment.
    quay1.reset_stats();
    let run = fixture
        .command(&["plan"])
        .env("MQC_MAX_CONNECTIONS", "2")
        .output()
        .expect("run mqc");
    Run::from(run).expect_code(0);
    let stats = quay1.stats();
    assert!(stats.max_connections <= 2, "{stats:?}");
    assert!(stats.max_in_flight <= 2, "{stats:?}");

    // The default bound is 16, and it is what limits a large read.
    quay1.reset_stats();
    fixture.mqc(&["plan"]).expect_code(0);
    let stats = quay1.stats();
    assert!(stats.max_connections <= 16, "{stats:?}");
    assert!(stats.max_in_flight > 4, "{stats:?}");
}

/// Quay answers that are not what the reference says, fed to the client and the state reader
/// through a tiny fake server: never a panic, always an error that names the endpoint.
mod bad_answers {
    use std::num::NonZeroU32;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use mqc::model::Endpoint;
    use mqc::quay::{ClientOptions, Limiter, QuayClient, QuayError, RetryPolicy};
    use mqc::settings::TlsVerify;
    use mqc::state::{read_organization, ReadScope};
    use proptest::prelude::*;
    use secrecy::SecretString;
    use serde_json::Value;
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    #[derive(Debug, Clone)]
    struct Answer {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z_+/]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("name".to_string()),
                        Just("teams".to_string()),
                        Just("robots".to_string()),
                        Just("repositories".to_string()),
                        Just("permissions".to_string()),
                        Just("members".to_string()),
                        Just("notifications".to_string()),
                        Just("username".to_string()),
                        Just("paths".to_string()),
                        Just("next_page".to_string()),
                        Just("detail".to_string()),
                        Just("message".to_string()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Known answer shapes with one value of the wrong type.
    fn wrong_types() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(br#"{"name": 5, "teams": {}}"#.to_vec()),
            Just(br#"{"name": "acme", "teams": []}"#.to_vec()),
            Just(br#"{"name": "acme", "teams": {"owners": {"role": 7}}}"#.to_vec()),
            Just(br#"{"robots": "none"}"#.to_vec()),
            Just(br#"{"robots": [{"name": null}]}"#.to_vec()),
            Just(br#"{"repositories": [{"name": ["x"]}], "next_page": 3}"#.to_vec()),
            Just(br#"{"permissions": [1, 2, 3]}"#.to_vec()),
            Just(br#"{"members": {"a": 1}}"#.to_vec()),
            Just(br#"{"notifications": [{"uuid": 1}]}"#.to_vec()),
            Just(br#"{"username": null, "super_user": "yes"}"#.to_vec()),
            Just(br#"{"paths": 12}"#.to_vec()),
            Just(br#"{"name": "acme", "teams": {"#.to_vec()),
            Just(format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        ]
    }

    fn answer() -> impl Strategy<Value = Answer> {
        let status = prop_oneof![
            4 => Just(200u16),
            1 => Just(201u16),
            1 => Just(204u16),
            1 => Just(302u16),
            1 => Just(400u16),
            1 => Just(401u16),
            1 => Just(403u16),
            1 => Just(404u16),
            1 => Just(409u16),
            1 => Just(429u16),
            1 => Just(500u16),
            1 => Just(502u16),
            1 => Just(503u16),
        ];
        let body = prop_oneof![
            Just(Vec::new()),
            Just(b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>".to_vec()),
            Just(b"<!DOCTYPE html><html><body>Quay is down for maintenance</body></html>".to_vec()),
            Just(b"null".to_vec()),
            Just(b"\"just a string\"".to_vec()),
            json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
            wrong_types(),
            prop::collection::vec(any::<u8>(), 0..64),
        ];
        let content_type = prop_oneof![Just("application/json"), Just("text/html")];
        (status, content_type, body).prop_map(|(status, content_type, body)| Answer {
            status,
            content_type,
            body,
        })
    }

    fn client(uri: &str) -> QuayClient {
        let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
            governor::Quota::per_second(NonZeroU32::new(100_000).expect("non-zero")),
        ));
        QuayClient::new(
            Endpoint::parse(uri).expect("endpoint"),
            SecretString::from("tok-bad-answers-SECRET"),
            &ClientOptions {
                timeout: Duration::from_secs(5),
                max_connections: 4,
                ceiling: 10_000.0,
                tls: TlsVerify::Verify {
                    extra_ca_files: Vec::new(),
                },
                retry: RetryPolicy {
                    max_retries: 1,
                    max_refused_retries: 1,
                    base: Duration::from_millis(1),
                    cap: Duration::from_millis(1),
                    retry_after_cap: Duration::from_millis(1),
                },
            },
            limiter,
        )
        .expect("client")
    }

    #[track_caller]
    fn clear(err: &QuayError, uri: &str) {
        let text = err.to_string();
        assert!(
            text.contains(uri),
            "error does not name the endpoint: {text}"
        );
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("<html"), "raw HTML in the error: {text}");
        assert!(text.len() < 1200, "error too long: {text}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn unexpected_answers_give_clear_errors_never_panics(answer in answer()) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let server = MockServer::start().await;
                let shared = Arc::new(Mutex::new(answer));
                let current = Arc::clone(&shared);
                Mock::given(wiremock::matchers::any())
                    .respond_with(move |_: &Request| {
                        let a = current.lock().expect("answer").clone();
                        ResponseTemplate::new(a.status)
                            .insert_header("content-type", a.content_type)
                            .set_body_raw(a.body, a.content_type)
                    })
                    .mount(&server)
                    .await;
                let uri = server.uri();
                let client = client(&uri);

                if let Err(err) = client.whoami().await {
                    clear(&err, &uri);
                }
                if let Err(err) = client.capabilities().await {
                    clear(&err, &uri);
                }
                for scope in [ReadScope::everything(), ReadScope::for_desired(&Default::default())] {
                    if let Err(err) = read_organization(&client, "acme", &scope).await {
                        clear(&err, &uri);
                    }
                }
                if let Err(err) = client.mirror("acme", "app").get().await {
                    clear(&err, &uri);
                }
                if let Err(err) = client.notifications("acme", "app").list().await {
                    clear(&err, &uri);
                }
                if let Err(err) = mqc::state::list_organizations(&client).await {
                    clear(&err, &uri);
                }
            });
        }
    }
}
