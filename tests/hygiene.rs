//! `cargo test` leaves no temporary folders behind (issue 17, item 8): the harness's fixtures and
//! emulators remove what they create, and mqc itself leaves no temporary file next to what it
//! writes nor in `$TMPDIR`. `.ci/run` checks the whole suite the same way, with a `TMPDIR` of
//! its own that must be empty afterwards.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use quay_sim::QuayVersion;

/// Every file and directory under `root`, relative to it.
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path.clone());
            }
            found.push(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    found.sort();
    found
}

/// Runs mqc in `fixture` with `TMPDIR` set to `tmp`.
fn run_in(fixture: &Fixture, tmp: &Path, args: &[&str], code: i32) {
    let output = fixture
        .command(args)
        .env("TMPDIR", tmp)
        .output()
        .expect("run mqc");
    Run::from(output).expect_code(code);
}

/// What is left under `root` that looks like a temporary file.
fn stray_temporary_files(root: &Path) -> Vec<PathBuf> {
    tree(root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".tmp") || n.ends_with(".tmp"))
        })
        .collect()
}

#[test]
fn mqc_and_the_harness_leave_no_temporary_file_behind() {
    let quay1 = sim(QuayVersion::Head, false);
    let quay2 = sim(QuayVersion::Head, false);
    let examples = Fixture::examples(&quay1, &quay2);
    let tmp = examples.root.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp dir");
    // `login` rewrites the login file through a temporary file next to it.
    let login = examples
        .command(&["login", "--recreate", "--from-env"])
        .env("TMPDIR", &tmp)
        .env(
            "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB",
            TOKEN,
        )
        .env(
            "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY2_APPS_OCPHUB_LAB_SEEWEB",
            TOKEN,
        )
        .env(
            "MQC_MIRROR_PASSWORD_MIRROR_WITH_NOTIFICATION_ALPINE_PULLER",
            MIRROR_PASSWORD,
        )
        .output()
        .expect("run mqc login");
    Run::from(login).expect_code(0);
    run_in(&examples, &tmp, &["create"], 0);
    run_in(&examples, &tmp, &["plan", "--detailed-exitcode"], 0);

    // export writes files: into a fixture of its own, which names only the endpoint read.
    let mut export = Fixture::new();
    export.map(QUAY1, &quay1);
    export.login(&[(QUAY1, TOKEN)]);
    let out = export.dir();
    let out = out.to_str().expect("utf-8 path");
    run_in(
        &export,
        &tmp,
        &[
            "export",
            "--endpoint",
            QUAY1,
            "--all",
            "--out",
            out,
            "--force",
        ],
        0,
    );
    assert!(tree(&export.dir()).len() > 1, "nothing exported");

    assert_eq!(tree(&tmp), Vec::<PathBuf>::new(), "left in TMPDIR");
    for fixture in [&examples, &export] {
        let root = fixture.root.path();
        assert_eq!(
            stray_temporary_files(root),
            Vec::<PathBuf>::new(),
            "in {}",
            root.display()
        );
    }
    for fixture in [examples, export] {
        let root = fixture.root.path().to_path_buf();
        drop(fixture);
        assert!(!root.exists(), "{} left behind", root.display());
    }
}

#[test]
fn a_tls_emulator_takes_its_certificate_files_with_it() {
    let tls = sim_with(quay_sim::Config {
        tls: true,
        ..base_config()
    });
    let dir = tls
        .ca_cert_path()
        .and_then(|ca| ca.parent().map(Path::to_path_buf))
        .expect("a CA file");
    assert!(dir.is_dir());
    drop(tls);
    assert!(!dir.exists(), "{} left behind", dir.display());
}
