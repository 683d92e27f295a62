//! The command line itself: help, version, completion, usage errors (issue 2).

use std::process::Command;

fn mqc(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mqc"))
        .args(args)
        .env_remove("MQC_DIR")
        .env_remove("MQC_TLS_VERIFY")
        .output()
        .expect("run mqc");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_global_option_with_its_default() {
    let (code, out, _) = mqc(&["--help"]);
    assert_eq!(code, 0);
    for expected in [
        "--dir <DIR>",
        "[default: yaml-files]",
        "--login-file <FILE>",
        "[default: .mqc/login.yaml]",
        "--max-requests-per-second <N>",
        "[default: 50]",
        "--timeout <SECONDS>",
        "[default: 20]",
        "--log-level <LOG_LEVEL>",
        "[default: info]",
        "--verbosity <N>",
        "[default: 0]",
        "--tls-verify <BOOL>",
        "[default: true]",
        "--ca-cert <FILE>",
        "--max-connections <N>",
        "[default: 16]",
        "--endpoint-map <FROM=TO>",
        "--output <OUTPUT>",
        "[env: MQC_DIR=]",
    ] {
        assert!(
            out.contains(expected),
            "`{expected}` missing from --help:\n{out}"
        );
    }
    for command in [
        "login",
        "check",
        "create",
        "plan",
        "delete",
        "export",
        "completion",
    ] {
        assert!(
            out.contains(&format!("  {command}")),
            "{command} missing:\n{out}"
        );
    }
}

#[test]
fn version_prints_the_package_version() {
    let (code, out, _) = mqc(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("mqc {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn completion_scripts_come_from_the_same_definition() {
    let (code, out, _) = mqc(&["completion", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_mqc()"), "{out}");
    assert!(out.contains("--max-requests-per-second"), "{out}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let (code, out, _) = mqc(&["completion", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(out.contains("mqc"), "{shell}: {out}");
    }
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    let (code, _, err) = mqc(&["--max-requests-per-second", "0", "check"]);
    assert_eq!(code, 2);
    assert!(err.contains("--max-requests-per-second"), "{err}");
    let (code, _, err) = mqc(&["create", "--prune", "repositories"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: robots, teams"), "{err}");
    let (code, _, err) = mqc(&["--tls-verify", "maybe", "check"]);
    assert_eq!(code, 2);
    assert!(err.contains("--tls-verify"), "{err}");
}

#[test]
fn global_options_are_read_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mqc"))
        .arg("check")
        .env("MQC_DIR", dir.path().join("missing"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("missing"), "{err}");
}
