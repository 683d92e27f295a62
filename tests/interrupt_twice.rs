//! A second SIGINT/SIGTERM aborts a run without waiting for the requests in flight: the
//! command returns to `main` (the only place that exits), which reports the abort and exits
//! 130; with `--output json` stdout is still one JSON document.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn a_second_interrupt_aborts_with_130_and_a_json_document() {
    let quay1 = sim_with(base_config());
    // The organization's create is held far longer than the test: the run is in flight when
    // both signals come.
    quay1.hold_requests("POST", "/api/v1/organization/", Duration::from_secs(600));
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &quay1);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "acme.yaml",
        &format!("quay_endpoint: {QUAY1}\nquay_organization: acme\n"),
    );
    let mut child = fixture
        .command(&["create", "--output", "json", "--timeout", "3600"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mqc");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
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
    // The held create has arrived.
    let deadline = Instant::now() + Duration::from_secs(120);
    while quay1.stats().writes < 1 {
        assert!(child.try_wait().expect("wait").is_none(), "mqc ended early");
        assert!(Instant::now() < deadline, "the create never arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
    let interrupt = || {
        // SAFETY: `kill` with a child's pid and a valid signal number has no memory effects.
        let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(sent, 0, "kill failed");
    };
    interrupt();
    loop {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(120))
            .expect("mqc did not say it was interrupted");
        if line.starts_with("mqc: interrupted") {
            break;
        }
    }
    interrupt();
    let status = child.wait().expect("wait");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    };
    run.expect_code(130);
    assert!(
        run.stderr
            .contains("mqc: error: aborted by a second interrupt"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["command"], "create");
    assert_eq!(report["error_detail"]["kind"], "interrupted", "{report:#}");
}
