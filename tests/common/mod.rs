//! Shared harness for the integration tests that drive the `mqc` binary against quay-sim:
//! a fixture directory per test, a scrubbed environment, and a checker that compares the
//! emulator's state with what the organization files declare.
//!
//! Temporary files: a test writes only under a [`Fixture`] root or another
//! `tempfile::tempdir()`, never under a fixed `/tmp` path or in the repository. Both are removed
//! when dropped, also when the test panics; quay-sim removes its TLS files when dropped too.
//! `tests/hygiene.rs` checks it for mqc's commands, `.ci/run` for the whole suite.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mqc::model::{DesiredOrganization, Endpoint, Role};
use quay_sim::{Config, QuaySim, QuayVersion};
use serde_json::Value;
use tempfile::TempDir;

/// The endpoints the shipped examples name.
pub const QUAY1: &str = "example-registry-quay-quay1.apps.ocphub.lab.seeweb";
pub const QUAY2: &str = "example-registry-quay-quay2.apps.ocphub.lab.seeweb";
/// The token every emulator of these tests accepts (superuser `admin`, every scope).
pub const TOKEN: &str = "test-token-0123";
/// The mirror password of the `mirror-with-notification` example.
pub const MIRROR_PASSWORD: &str = "mirror-pass-4567";

/// An emulator for one example endpoint, with the users the examples name.
pub fn sim(version: QuayVersion, mailing: bool) -> QuaySim {
    sim_with(Config {
        version,
        mailing,
        ..base_config()
    })
}

pub fn base_config() -> Config {
    Config {
        tokens: vec![quay_sim::TokenSpec::superuser(TOKEN)],
        users: vec!["alice".into(), "bob".into(), "carol".into()],
        ldap: true,
        seed: 7,
        ..Config::default()
    }
}

pub fn sim_with(config: Config) -> QuaySim {
    QuaySim::start(config)
}

/// A temporary working directory with `yaml-files/` and `.mqc/login.yaml`.
pub struct Fixture {
    pub root: TempDir,
    /// `--endpoint-map` entries, as `FROM=TO`.
    pub endpoint_map: Vec<String>,
}

impl Fixture {
    pub fn new() -> Fixture {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("yaml-files")).expect("yaml dir");
        Fixture {
            root,
            endpoint_map: Vec::new(),
        }
    }

    /// A fixture holding the shipped examples, their endpoints mapped to the two emulators.
    pub fn examples(quay1: &QuaySim, quay2: &QuaySim) -> Fixture {
        let mut fixture = Fixture::new();
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("yaml-files");
        for entry in std::fs::read_dir(examples).expect("examples") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                std::fs::copy(&path, fixture.dir().join(path.file_name().expect("name")))
                    .expect("copy example");
            }
        }
        fixture.map(QUAY1, quay1);
        fixture.map(QUAY2, quay2);
        fixture.login(&[(QUAY1, TOKEN), (QUAY2, TOKEN)]);
        fixture
    }

    pub fn dir(&self) -> PathBuf {
        self.root.path().join("yaml-files")
    }

    pub fn login_path(&self) -> PathBuf {
        self.root.path().join(".mqc/login.yaml")
    }

    pub fn map(&mut self, from: &str, sim: &QuaySim) {
        self.endpoint_map.push(format!("{from}={}", sim.base_url()));
    }

    pub fn write_org(&self, file: &str, yaml: &str) {
        std::fs::write(self.dir().join(file), yaml).expect("write org file");
    }

    /// Removes `file` and writes the exported file of `org` (from `QUAY1`) into the files'
    /// folder instead; returns its text. For export round trips: a plan on it must be empty.
    pub fn export_instead_of(&self, file: &str, org: &str) -> String {
        self.remove_org(file);
        let out = self.dir().display().to_string();
        self.mqc(&[
            "export",
            "--endpoint",
            QUAY1,
            "--out",
            &out,
            "--organization",
            org,
        ])
        .expect_code(0);
        std::fs::read_to_string(self.dir().join(format!("{org}.yaml"))).expect("the exported file")
    }

    pub fn remove_org(&self, file: &str) {
        std::fs::remove_file(self.dir().join(file)).expect("remove org file");
    }

    /// Writes the login file: tokens per endpoint, and the examples' mirror password.
    pub fn login(&self, tokens: &[(&str, &str)]) {
        self.login_with_mirror_password(tokens, MIRROR_PASSWORD);
    }

    /// Writes the login file with these tokens (endpoint, token) and mirror passwords
    /// (organization, repository, registry user, password), mode 0600.
    pub fn login_with(&self, tokens: &[(&str, &str)], mirrors: &[(&str, &str, &str, &str)]) {
        let mut yaml = String::from("quay_endpoint_login:\n");
        for (endpoint, token) in tokens {
            yaml.push_str(&format!(
                "  - quay_endpoint: {endpoint}\n    quay_token: {token}\n"
            ));
        }
        if !mirrors.is_empty() {
            yaml.push_str("mirror_repository:\n");
        }
        for (organization, repository, user, password) in mirrors {
            yaml.push_str(&format!(
                "  - organization: {organization}\n    repository: {repository}\n    \
                 ext_registry_username: {user}\n    ext_registry_password: {password}\n"
            ));
        }
        let path = self.login_path();
        std::fs::create_dir_all(path.parent().expect("parent")).expect("login dir");
        std::fs::write(&path, yaml).expect("write login");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    }

    /// The `mqc` binary with this fixture's directory, login file and endpoint map, and no
    /// `MQC_*` variable from the environment of the test run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mqc"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("MQC_") {
                command.env_remove(key);
            }
        }
        command
            .current_dir(self.root.path())
            .arg("--dir")
            .arg(self.dir())
            .arg("--login-file")
            .arg(self.login_path())
            .args(
                self.endpoint_map
                    .iter()
                    .flat_map(|m| ["--endpoint-map", m.as_str()]),
            )
            .args(args)
            .stdin(Stdio::null());
        command
    }

    pub fn mqc(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run mqc");
        Run::from(output)
    }

    /// The organization files as mqc's own loader reads them.
    pub fn desired(&self) -> Vec<DesiredOrganization> {
        let loaded = mqc::config::load_dir(&self.dir()).expect("load dir");
        assert!(
            !loaded.has_errors(),
            "fixture files have errors: {:?}",
            loaded.findings
        );
        loaded.organizations
    }
}

/// What one run of `mqc` printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The organizations a desired set declares for one endpoint.
pub fn orgs_on<'a>(
    desired: &'a [DesiredOrganization],
    endpoint: &str,
) -> Vec<&'a DesiredOrganization> {
    let endpoint = Endpoint::parse(endpoint).expect("endpoint");
    desired
        .iter()
        .filter(|o| o.endpoints.contains(&endpoint))
        .collect()
}

fn role(role: Role) -> &'static str {
    role.as_str()
}

/// The default permissions of an organization in the state (`/_sim/state` or the live reader's
/// copy of it), as sorted `(delegate kind, delegate name, role, activating user)`.
pub fn prototypes_of(actual: &Value) -> Vec<(String, String, String, Option<String>)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut list: Vec<_> = actual["prototypes"]
        .as_array()
        .expect("prototypes in the state")
        .iter()
        .map(|p| {
            (
                text(&p["delegate"]["kind"]),
                text(&p["delegate"]["name"]),
                text(&p["role"]),
                p["activating_user"].as_str().map(str::to_string),
            )
        })
        .collect();
    list.sort();
    list
}

/// What [`prototypes_of`] shows for declared default permissions (Quay names a robot as a user).
pub fn expected_prototypes(
    org: &str,
    defaults: &[mqc::model::DefaultPermission],
) -> Vec<(String, String, String, Option<String>)> {
    use mqc::model::Delegate;
    let mut list: Vec<_> = defaults
        .iter()
        .map(|d| {
            let (kind, name) = match &d.delegate {
                Delegate::User(name) => ("user", name.clone()),
                Delegate::Robot(short) => ("user", format!("{org}+{short}")),
                Delegate::Team(name) => ("team", name.clone()),
            };
            (
                kind.to_string(),
                name,
                d.role.as_str().to_string(),
                d.activating_user.clone(),
            )
        })
        .collect();
    list.sort();
    list
}

/// Asserts, object by object, that the emulator's state holds what the files declare for the
/// organizations on this endpoint (undeclared extras are allowed only where mqc leaves them).
#[track_caller]
pub fn assert_converged(state: &Value, desired: &[&DesiredOrganization], token_user: &str) {
    assert_converged_with(state, desired, token_user, true);
}

/// [`assert_converged`] for a state read from a real Quay, which never returns a mirror
/// password (`password_visible: false` leaves that field unchecked).
#[track_caller]
pub fn assert_converged_with(
    state: &Value,
    desired: &[&DesiredOrganization],
    token_user: &str,
    password_visible: bool,
) {
    for desired in desired {
        let org = &desired.organization;
        let actual = &state["organizations"][&org.name];
        assert!(actual.is_object(), "organization {} missing", org.name);
        if let Some(email) = &org.email {
            assert_eq!(actual["email"], email.as_str(), "{} email", org.name);
        }
        for (name, robot) in &org.robots {
            assert_eq!(
                actual["robots"][name]["description"],
                robot.description.as_str(),
                "{}+{name} description",
                org.name
            );
        }
        for (name, declared) in &org.robot_federation {
            let held: std::collections::BTreeSet<(String, String)> = actual["robots"][name]
                ["federation"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    let text = |key: &str| e[key].as_str().unwrap_or_default().to_string();
                    (text("issuer"), text("subject"))
                })
                .collect();
            let want: std::collections::BTreeSet<(String, String)> = declared
                .iter()
                .map(|f| (f.issuer.clone(), f.subject.clone()))
                .collect();
            assert_eq!(held, want, "{}+{name} federation", org.name);
        }
        for (name, team) in &org.teams {
            let t = &actual["teams"][name];
            assert_eq!(t["role"], team.role.as_str(), "team {name} role");
            assert_eq!(
                t["description"],
                team.description.as_str(),
                "team {name} description"
            );
            match &team.sync {
                Some(mqc::model::TeamSync::Oidc { group_name }) => assert_eq!(
                    t["sync"]["group_name"].as_str(),
                    Some(group_name.as_str()),
                    "team {name} group_name"
                ),
                Some(mqc::model::TeamSync::Ldap { group_dn }) => assert_eq!(
                    t["group_dn"].as_str(),
                    Some(group_dn.as_str()),
                    "team {name} group_dn"
                ),
                _ => assert_eq!(t["group_dn"].as_str(), None, "team {name} group_dn"),
            }
            if let Some(members) = &team.members {
                let mut actual_members: Vec<String> = t["members"]
                    .as_array()
                    .expect("members")
                    .iter()
                    .chain(t["invites"].as_array().into_iter().flatten())
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect();
                actual_members.sort();
                actual_members.dedup();
                let mut expected: Vec<String> = members
                    .robots
                    .iter()
                    .map(|r| format!("{}+{r}", org.name))
                    .collect();
                if team.sync.is_none() {
                    expected.extend(members.users.iter().cloned());
                } else {
                    actual_members.retain(|m| m.contains('+'));
                }
                if name == "owners" || team.role == mqc::model::TeamRole::Admin {
                    actual_members.retain(|m| m != token_user);
                }
                expected.sort();
                assert_eq!(
                    actual_members, expected,
                    "team {name} members of {}",
                    org.name
                );
            }
        }
        if let Some(defaults) = &org.default_permissions {
            assert_eq!(
                prototypes_of(actual),
                expected_prototypes(&org.name, defaults),
                "default permissions of {}",
                org.name
            );
        }
        for (name, repo) in &org.repositories {
            let r = &actual["repositories"][name];
            assert!(r.is_object(), "repository {}/{name} missing", org.name);
            assert_eq!(
                r["description"],
                repo.description.as_str(),
                "{name} description"
            );
            assert_eq!(
                r["visibility"],
                repo.visibility.as_str(),
                "{name} visibility"
            );
            let users = r["user_permissions"].as_object().expect("user permissions");
            let mirror_robot = repo
                .mirror
                .as_ref()
                .map(|m| format!("{}+{}", org.name, m.robot));
            if let Some(declared) = &repo.permissions.users {
                let actual_users: BTreeMap<String, String> = users
                    .iter()
                    .filter(|(k, _)| !k.contains('+'))
                    .filter(|(k, _)| k.as_str() != token_user || declared.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                let expected: BTreeMap<String, String> = declared
                    .iter()
                    .map(|(k, v)| (k.clone(), role(*v).to_string()))
                    .collect();
                assert_eq!(
                    actual_users, expected,
                    "{}/{name} user permissions",
                    org.name
                );
            }
            if let Some(declared) = &repo.permissions.robots {
                let actual_robots: BTreeMap<String, String> = users
                    .iter()
                    .filter(|(k, _)| k.contains('+'))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                let mut expected: BTreeMap<String, String> = declared
                    .iter()
                    .map(|(k, v)| (format!("{}+{k}", org.name), role(*v).to_string()))
                    .collect();
                if let Some(robot) = &mirror_robot {
                    let entry = expected
                        .entry(robot.clone())
                        .or_insert_with(|| "write".into());
                    if entry == "read" {
                        *entry = "write".into();
                    }
                }
                assert_eq!(
                    actual_robots, expected,
                    "{}/{name} robot permissions",
                    org.name
                );
            }
            if let Some(declared) = &repo.permissions.teams {
                let actual_teams: BTreeMap<String, String> = r["team_permissions"]
                    .as_object()
                    .expect("team permissions")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect();
                let expected: BTreeMap<String, String> = declared
                    .iter()
                    .map(|(k, v)| (k.clone(), role(*v).to_string()))
                    .collect();
                assert_eq!(
                    actual_teams, expected,
                    "{}/{name} team permissions",
                    org.name
                );
            }
            match &repo.mirror {
                None => assert!(
                    r["mirror"].is_null() || r["mirror"]["is_enabled"] == false,
                    "{name} mirror should be off"
                ),
                Some(mirror) => {
                    let m = &r["mirror"];
                    assert_eq!(r["state"], "MIRROR", "{name} state");
                    assert_eq!(m["external_reference"], mirror.external_reference.as_str());
                    let tags: Vec<&str> = m["root_rule"]["rule_value"]
                        .as_array()
                        .expect("tags")
                        .iter()
                        .filter_map(Value::as_str)
                        .collect();
                    assert_eq!(tags, mirror.tags, "{name} mirror tags");
                    assert_eq!(m["sync_interval"], mirror.sync_interval, "{name} interval");
                    assert_eq!(m["is_enabled"], mirror.is_enabled, "{name} is_enabled");
                    assert_eq!(
                        m["robot_username"],
                        mirror_robot.clone().unwrap_or_default()
                    );
                    assert_eq!(
                        m["external_registry_username"].as_str(),
                        mirror.username.as_deref(),
                        "{name} mirror username"
                    );
                    if password_visible && mirror.username.is_some() {
                        assert_eq!(m["external_registry_password"], MIRROR_PASSWORD);
                    }
                    let config = &m["external_registry_config"];
                    assert_eq!(config["verify_tls"], mirror.verify_tls, "{name} verify_tls");
                    let proxy = &config["proxy"];
                    assert_eq!(
                        proxy["https_proxy"].as_str(),
                        mirror.proxy.https_proxy.as_deref()
                    );
                    assert_eq!(
                        proxy["http_proxy"].as_str(),
                        mirror.proxy.http_proxy.as_deref()
                    );
                    assert_eq!(proxy["no_proxy"].as_str(), mirror.proxy.no_proxy.as_deref());
                }
            }
            if let Some(declared) = &repo.notifications {
                let mut hooks: Vec<String> = r["notifications"]
                    .as_array()
                    .expect("notifications")
                    .iter()
                    .map(|n| {
                        serde_json::json!([
                            n["event"],
                            n["method"],
                            n["config"],
                            n["event_config"],
                            n["title"].as_str().unwrap_or("")
                        ])
                        .to_string()
                    })
                    .collect();
                hooks.sort();
                let mut expected: Vec<String> = declared
                    .iter()
                    .map(|n| {
                        serde_json::json!([
                            n.event.as_str(),
                            n.method.as_str(),
                            n.config,
                            n.event_config,
                            n.title()
                        ])
                        .to_string()
                    })
                    .collect();
                expected.sort();
                assert_eq!(hooks, expected, "{}/{name} notifications", org.name);
            }
        }
    }
}

/// A version list for tests that must pass against every emulated Quay.
pub fn versions() -> [QuayVersion; 5] {
    [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::V3_18,
        QuayVersion::Head,
    ]
}

// ---- Helpers for the security and fault tests (issue 6) ----

impl Fixture {
    /// Writes the login file with these tokens and this password for the
    /// `mirror-with-notification` example's mirror user.
    pub fn login_with_mirror_password(&self, tokens: &[(&str, &str)], mirror_password: &str) {
        self.login_with(
            tokens,
            &[(
                "mirror-with-notification",
                "alpine",
                "puller",
                mirror_password,
            )],
        );
    }

    /// Points `from` at another emulator (replaces an earlier mapping of `from`).
    pub fn remap(&mut self, from: &str, sim: &QuaySim) {
        self.endpoint_map
            .retain(|m| !m.starts_with(&format!("{from}=")));
        self.map(from, sim);
    }

    /// Writes `count` organization files `org-NNN.yaml` on `endpoint`, each with two robots,
    /// a team with a robot member, and two repositories with permissions and one
    /// mirror-failure webhook: about a dozen writes per organization, across every phase
    /// but mirrors.
    pub fn many_orgs(&self, endpoint: &str, count: usize) {
        for i in 0..count {
            let name = format!("org-{i:03}");
            self.write_org(
                &format!("{name}.yaml"),
                &format!(
                    "quay_endpoint: {endpoint}\nquay_organization: {name}\n\
                     robots:\n  - {{name: ci, desc: \"CI robot\"}}\n  - {{name: reader, desc: \"Reader\"}}\n\
                     teams:\n  - name: devs\n    role: member\n    members: {{robots: [ci]}}\n\
                     repositories:\n  - name: app\n    visibility: private\n    description: \"app of {name}\"\n\
                     \x20   permissions:\n      robots: [{{name: reader, role: read}}]\n      teams: [{{name: devs, role: write}}]\n\
                     \x20   notification:\n      - event: repo_mirror_sync_failed\n        method: webhook\n        config: {{url: https://hooks.example.com/{name}}}\n\
                     \x20 - name: lib\n    description: \"lib of {name}\"\n    permissions:\n      users: [{{name: alice, role: read}}]\n"
                ),
            );
        }
    }
}

/// A healthy emulator holding `sick`'s current state (the same Quay after it came back, or
/// without its injected faults and latency), with `config`'s behaviour.
pub fn heal(sick: &QuaySim, config: Config) -> QuaySim {
    let state = sick.with_state(|s| s.clone());
    let healthy = sim_with(config);
    healthy.with_state(|s| *s = state);
    healthy
}

/// Every webhook in the emulator's state appears exactly as often as declared (once): a
/// retried or repeated create would show up here as a second entry.
#[track_caller]
pub fn assert_no_duplicate_notifications(state: &Value, desired: &[&DesiredOrganization]) {
    for desired in desired {
        let org = &desired.organization;
        for (name, repo) in &org.repositories {
            let actual = &state["organizations"][&org.name]["repositories"][name]["notifications"];
            let Some(actual) = actual.as_array() else {
                continue;
            };
            let declared = repo.notifications.as_deref().unwrap_or_default();
            for hook in declared {
                let n = actual
                    .iter()
                    .filter(|a| a["config"] == serde_json::json!(hook.config))
                    .count();
                assert!(
                    n <= 1,
                    "{}/{name}: {n} notifications {}",
                    org.name,
                    hook.describe()
                );
            }
            assert!(
                actual.len() <= declared.len() || repo.notifications.is_none(),
                "{}/{name}: {} notifications, {} declared",
                org.name,
                actual.len(),
                declared.len()
            );
        }
    }
}

/// The changes of a JSON report (`--output json`) with the given status, as
/// `(target, change)` descriptions that a later plan can be compared with.
pub fn changes_with_status(
    report: &Value,
    status: &str,
    names: &[(String, &str)],
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for target in report["targets"].as_array().into_iter().flatten() {
        let key = target_key(target, names);
        for result in target["results"].as_array().into_iter().flatten() {
            if result["status"] == status {
                out.push((key.clone(), change_only(result)));
            }
        }
    }
    out
}

/// The pending changes of a JSON plan, as `(endpoint name + organization, change)`.
pub fn planned_changes(report: &Value, names: &[(String, &str)]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for target in report["targets"].as_array().into_iter().flatten() {
        let key = target_key(target, names);
        for change in target["plan"]["changes"].as_array().into_iter().flatten() {
            out.push((key.clone(), change_only(change)));
        }
    }
    out
}

/// `ENDPOINT-NAME organization`, where `names` gives each emulator URL its endpoint name: a
/// rerun may reach the same Quay under another URL.
fn target_key(target: &Value, names: &[(String, &str)]) -> String {
    let url = target["target"]["endpoint"].as_str().unwrap_or_default();
    let endpoint = names
        .iter()
        .find(|(u, _)| u == url)
        .map_or(url, |(_, name)| *name);
    format!(
        "{endpoint} {}",
        target["target"]["organization"]
            .as_str()
            .unwrap_or_default()
    )
}

/// A change's JSON without its outcome (`status`, `error`, `reason`).
fn change_only(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        for key in ["status", "error", "reason"] {
            map.remove(key);
        }
    }
    value
}
