//! `mqc login` end to end, non-interactive (stdin and environment).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mqc::model::{Endpoint, MirrorCredentialKey, Secrets};
use secrecy::ExposeSecret;

const MQC: &str = env!("CARGO_BIN_EXE_mqc");
const QUAY1: &str = "example-registry-quay-quay1.apps.ocphub.lab.seeweb";
const QUAY2: &str = "example-registry-quay-quay2.apps.ocphub.lab.seeweb";
const ENV1: &str = "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB";
const ENV2: &str = "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY2_APPS_OCPHUB_LAB_SEEWEB";
const ENV_PW: &str = "MQC_MIRROR_PASSWORD_MIRROR_WITH_NOTIFICATION_ALPINE_PULLER";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("yaml-files")
}

fn mqc(args: &[&str], login: &Path, stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(MQC);
    cmd.arg("login")
        .args([
            "--dir",
            examples().to_str().unwrap(),
            "--login-file",
            login.to_str().unwrap(),
        ])
        .args(args)
        .env_remove("MQC_DIR")
        .env_remove("MQC_LOGIN_FILE")
        .env_remove(ENV1)
        .env_remove(ENV2)
        .env_remove(ENV_PW)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn token(s: &Secrets, host: &str) -> Option<String> {
    s.token(&Endpoint::parse(host).unwrap())
        .map(|t| t.expose_secret().to_string())
}

fn password(s: &Secrets) -> Option<String> {
    let key = MirrorCredentialKey {
        organization: "mirror-with-notification".into(),
        repository: "alpine".into(),
        username: "puller".into(),
    };
    s.mirror_password(&key)
        .map(|p| p.expose_secret().to_string())
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn from_stdin_writes_a_private_file_that_check_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join(".mqc/login.yaml");
    let out = mqc(
        &["--from-stdin"],
        &login,
        Some("tok-SECRET-123\ntok-SECRET-456\npw-SECRET-789\n"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("SECRET"), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "wrote {}: 2 token(s) and 1 mirror password(s); 3 asked, 0 kept",
            login.display()
        )
    );
    let secrets = mqc::config::load_login(&login).unwrap().unwrap();
    assert_eq!(token(&secrets, QUAY1).as_deref(), Some("tok-SECRET-123"));
    assert_eq!(token(&secrets, QUAY2).as_deref(), Some("tok-SECRET-456"));
    assert_eq!(password(&secrets).as_deref(), Some("pw-SECRET-789"));
    #[cfg(unix)]
    {
        assert_eq!(mode(&login), 0o600);
        assert_eq!(mode(login.parent().unwrap()), 0o700);
    }
    let check = Command::new(MQC)
        .args([
            "check",
            "--dir",
            examples().to_str().unwrap(),
            "--login-file",
            login.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(!text(&check).contains("SECRET"));
}

#[test]
fn existing_values_are_kept_unless_recreate() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    std::fs::write(
        &login,
        format!("quay_endpoint_login:\n  - quay_endpoint: {QUAY1}\n    quay_token: tok-OLD-1\n  - quay_endpoint: gone.example.com\n    quay_token: tok-OLD-GONE\n"),
    )
    .unwrap();
    // Only the two missing values are read.
    let out = mqc(
        &["--from-stdin"],
        &login,
        Some("tok-SECRET-2\npw-SECRET-3\n"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 asked, 1 kept"));
    let s = mqc::config::load_login(&login).unwrap().unwrap();
    assert_eq!(token(&s, QUAY1).as_deref(), Some("tok-OLD-1"));
    assert_eq!(token(&s, QUAY2).as_deref(), Some("tok-SECRET-2"));
    assert_eq!(password(&s).as_deref(), Some("pw-SECRET-3"));
    assert_eq!(
        token(&s, "gone.example.com").as_deref(),
        Some("tok-OLD-GONE"),
        "kept by default"
    );
    #[cfg(unix)]
    assert_eq!(mode(&login), 0o600, "rewritten private");

    // --list marks what is stored.
    let out = mqc(&["--list"], &login, None, &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("token https://{QUAY1} env={ENV1} stored\ntoken https://{QUAY2} env={ENV2} stored\nmirror-password mirror-with-notification/alpine user=puller env={ENV_PW} stored\n")
    );

    // --recreate asks for everything and drops what no file needs.
    let out = mqc(
        &["--from-stdin", "--recreate"],
        &login,
        Some("tok-SECRET-A\ntok-SECRET-B\npw-SECRET-C\n"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = mqc::config::load_login(&login).unwrap().unwrap();
    assert_eq!(token(&s, QUAY1).as_deref(), Some("tok-SECRET-A"));
    assert_eq!(token(&s, "gone.example.com"), None);
    assert!(!text(&out).contains("SECRET"));
}

#[test]
fn from_env_reads_variables_and_lists_the_missing_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    let out = mqc(&["--from-env"], &login, None, &[(ENV1, "tok-SECRET-123")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Tokens are required; a missing mirror password only warns (plan and delete need none).
    assert!(
        stderr.contains(&format!("missing or empty: {ENV2} (see")),
        "{stderr}"
    );
    assert!(!text(&out).contains("SECRET"));
    assert!(!login.exists(), "nothing written on failure");

    let out = mqc(
        &["--from-env"],
        &login,
        None,
        &[
            (ENV1, "tok-SECRET-123"),
            (ENV2, "tok-SECRET-456"),
            (ENV_PW, "pw-SECRET-789"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("SECRET"));
    let s = mqc::config::load_login(&login).unwrap().unwrap();
    assert_eq!(token(&s, QUAY2).as_deref(), Some("tok-SECRET-456"));
    assert_eq!(password(&s).as_deref(), Some("pw-SECRET-789"));
    #[cfg(unix)]
    assert_eq!(mode(&login), 0o600);
}

#[test]
fn without_a_terminal_or_flags_it_says_what_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    let out = mqc(&[], &tmp.path().join("login.yaml"), None, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("use `--from-env`") && stderr.contains("`--from-stdin`"),
        "{stderr}"
    );
}

#[test]
fn short_stdin_fails_without_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let login = tmp.path().join("login.yaml");
    let out = mqc(&["--from-stdin"], &login, Some("tok-SECRET-123\n"), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("standard input ended after 1 of 3 values; the next one is the Quay token for https://{QUAY2}")), "{stderr}");
    assert!(!login.exists());
}

#[test]
fn refuses_to_run_on_broken_organization_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.yaml"), "quay_organization: org1\n").unwrap();
    let login = tmp.path().join("login.yaml");
    let out = Command::new(MQC)
        .args([
            "login",
            "--from-stdin",
            "--dir",
            tmp.path().to_str().unwrap(),
            "--login-file",
            login.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml:1:1: error: the file lacks the required key `quay_endpoint`"),
        "{stderr}"
    );
    assert!(stderr.contains("fix them before `mqc login`"), "{stderr}");
    assert!(!login.exists());
}
