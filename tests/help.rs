//! `--help` a person can read, and usage errors that name what the user set (issue 17, item 7):
//! a command's own options before the global ones, an example per command, a bad `MQC_*` value
//! reported by the variable's name, `--tls-verify` exactly `true`/`false`, a plain message for a
//! rate of 0.

use std::collections::BTreeSet;
use std::process::Command;

use clap::CommandFactory;

/// Runs `mqc` with no `MQC_*` variable but these.
fn mqc(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mqc"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MQC_") {
            command.env_remove(key);
        }
    }
    let output = command
        .envs(env.iter().copied())
        .args(args)
        // Not the repository: nothing here may read or write its files.
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .expect("run mqc");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_command_shows_its_own_options_first_then_the_global_ones_then_examples() {
    let (code, out, err) = mqc(&[], &["plan", "--help"]);
    assert_eq!(code, 0, "{err}");
    let at = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing from plan --help:\n{out}"))
    };
    let own = at("\nOptions:\n");
    let detailed = at("--detailed-exitcode");
    let organization = at("--organization <NAME>");
    let global = at("\nGlobal options:\n");
    let dir = at("--dir <DIR>");
    let timeout = at("--timeout <SECONDS>");
    let examples = at("\nExamples:\n");
    assert!(own < detailed && detailed < global, "{out}");
    assert!(organization < global, "{out}");
    assert!(global < dir && global < timeout, "{out}");
    assert!(timeout < examples && dir < examples, "{out}");
    assert!(
        out[examples..].contains("mqc plan --detailed-exitcode"),
        "{out}"
    );
}

#[test]
fn every_command_help_ends_with_an_example_of_that_command() {
    for command in [
        "login",
        "check",
        "create",
        "plan",
        "delete",
        "export",
        "completion",
    ] {
        for flag in ["-h", "--help"] {
            let (code, out, err) = mqc(&[], &[command, flag]);
            assert_eq!(code, 0, "{command} {flag}: {err}");
            let examples = out
                .find("\nExamples:\n")
                .unwrap_or_else(|| panic!("{command} {flag} has no examples:\n{out}"));
            assert!(
                out[examples..].contains(&format!("\n  mqc {command}")),
                "{command} {flag}: no `mqc {command}` example:\n{out}"
            );
            assert!(
                out.find("\nGlobal options:\n")
                    .is_some_and(|g| g < examples),
                "{command} {flag}: global options not under their own heading:\n{out}"
            );
        }
    }
    let (code, out, _) = mqc(&[], &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("\nExamples:\n  mqc check"), "{out}");
}

/// A value each `MQC_*` variable refuses, with what the message must say about it.
const INVALID_ENV: &[(&str, &str, &str)] = &[
    ("MQC_MAX_REQUESTS_PER_SECOND", "0", "give 1 or more"),
    ("MQC_MAX_REQUESTS_PER_SECOND", "fast", "whole number"),
    ("MQC_TIMEOUT", "soon", "invalid digit"),
    ("MQC_TIMEOUT", "0", "1..=3600"),
    ("MQC_MAX_CONNECTIONS", "many", "invalid digit"),
    (
        "MQC_LOG_LEVEL",
        "loud",
        "[possible values: error, warn, info, debug, trace]",
    ),
    ("MQC_VERBOSITY", "-1", "0..=255"),
    ("MQC_TLS_VERIFY", "no", "[possible values: true, false]"),
    ("MQC_ENDPOINT_MAP", "quay.example.com", "is not FROM=TO"),
    ("MQC_OUTPUT", "xml", "[possible values:"),
    ("MQC_EXPORT_ENDPOINT", "not a host", "is not a host[:port]"),
];

/// Variables every value of which parses (a path, a list of paths): they fail later, naming the
/// file.
const ANY_VALUE_ENV: &[&str] = &["MQC_DIR", "MQC_LOGIN_FILE", "MQC_CA_CERT"];

#[test]
fn an_invalid_environment_value_names_the_variable_not_the_flag() {
    for &(variable, value, reason) in INVALID_ENV {
        let args: &[&str] = if variable == "MQC_EXPORT_ENDPOINT" {
            &["export", "--all"]
        } else {
            &["check"]
        };
        let (code, out, err) = mqc(&[(variable, value)], args);
        assert_eq!(code, 2, "{variable}={value}: {err}");
        assert!(out.is_empty(), "{variable}={value}: {out}");
        assert!(
            err.starts_with(&format!("error: invalid value '{value}' for '{variable}'")),
            "{variable}={value}: {err}"
        );
        assert!(err.contains(reason), "{variable}={value}: {err}");
        assert!(
            err.contains(&format!("{variable} is an environment variable")),
            "{variable}={value}: {err}"
        );
        assert!(
            !err.contains("for '--"),
            "{variable}={value} names a flag: {err}"
        );
    }
}

#[test]
fn every_environment_variable_has_an_invalid_value_case() {
    let mut command = mqc::cli::Args::command();
    command.build();
    let mut variables = BTreeSet::new();
    let mut commands = vec![&command];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            if let Some(variable) = arg.get_env() {
                variables.insert(variable.to_string_lossy().into_owned());
            }
        }
        commands.extend(command.get_subcommands());
    }
    let covered: BTreeSet<String> = INVALID_ENV
        .iter()
        .map(|(v, _, _)| v.to_string())
        .chain(ANY_VALUE_ENV.iter().map(|v| v.to_string()))
        .collect();
    assert_eq!(variables, covered);
}

#[test]
fn the_flag_is_named_when_the_command_line_holds_the_bad_value() {
    let (code, _, err) = mqc(&[("MQC_TIMEOUT", "30")], &["check", "--timeout", "soon"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: invalid value 'soon' for '--timeout <SECONDS>'"),
        "{err}"
    );
    assert!(!err.contains("MQC_TIMEOUT"), "{err}");
    // The same bad value in both places: the command line is what the user just typed.
    let (code, _, err) = mqc(&[("MQC_OUTPUT", "xml")], &["--output", "xml", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: invalid value 'xml' for '--output <OUTPUT>'"),
        "{err}"
    );
}

#[test]
fn a_good_command_line_value_wins_over_a_bad_variable() {
    for args in [
        &["--timeout", "5", "check", "--dir", "no-such-dir"][..],
        &["check", "--dir", "no-such-dir", "--timeout", "5"][..],
    ] {
        let (code, _, err) = mqc(&[("MQC_TIMEOUT", "soon")], args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains("no-such-dir"), "{args:?}: {err}");
        assert!(!err.contains("MQC_TIMEOUT"), "{args:?}: {err}");
    }
    // Both bad: the command line's value is the one in force, so it is the one reported.
    let (code, _, err) = mqc(&[("MQC_TIMEOUT", "soon")], &["check", "--timeout", "later"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: invalid value 'later' for '--timeout <SECONDS>'"),
        "{err}"
    );
}

#[test]
fn a_bad_environment_value_with_detailed_exitcode_exits_1() {
    let (code, _, err) = mqc(&[("MQC_TIMEOUT", "soon")], &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("'MQC_TIMEOUT'"), "{err}");
}

#[test]
fn tls_verify_takes_exactly_true_or_false() {
    for value in ["yes", "no", "1", "0", "on", "off", "TRUE"] {
        let (code, _, err) = mqc(&[], &["check", "--tls-verify", value]);
        assert_eq!(code, 2, "--tls-verify {value}: {err}");
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{value}' for '--tls-verify <BOOL>'"
            )),
            "{value}: {err}"
        );
        assert!(err.contains("[possible values: true, false]"), "{err}");
    }
    // `false` and `true` are accepted: `check` then runs (and fails on the missing directory).
    for value in ["true", "false"] {
        let (code, _, err) = mqc(
            &[],
            &["check", "--tls-verify", value, "--dir", "no-such-dir"],
        );
        assert_eq!(code, 1, "--tls-verify {value}: {err}");
        assert!(err.contains("no-such-dir"), "{err}");
    }
}

#[test]
fn a_rate_of_zero_says_what_to_give_instead() {
    let (code, _, err) = mqc(&[], &["--max-requests-per-second", "0", "plan"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.lines().next().unwrap_or_default(),
        "error: invalid value '0' for '--max-requests-per-second <N>': 0 would never send a \
         request; give 1 or more (1 is the gentlest rate)"
    );
    assert!(!err.contains("non-zero"), "{err}");
}
