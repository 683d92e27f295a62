//! The deployment examples of issue 17 are tested, not only documented:
//! - `deploy/kubernetes/` validates against the Kubernetes schemas (kubernetes-validate, which
//!   `.ci/run` installs from PyPI), meets the "restricted" Pod Security Standard, runs as the
//!   Containerfile's numeric user, and mounts the login Secret with a mode mqc's permission rule
//!   accepts;
//! - every mqc command line in the manifests and in `deploy/ci/` parses (`mqc ARGS --help`);
//! - the Containerfile caches the dependency layer for every workspace member;
//! - the login file as a Secret mounts it (owner root, group the pod's fsGroup, mode 0440) is
//!   read by uid 65532 without a warning, in a working directory it cannot write to.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use mqc::config::{login_file_access, LoginFileAccess};
use serde_yaml::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Containerfile's runtime user and group, which must be numeric.
fn image_user() -> (u32, u32) {
    let containerfile = read(&repo().join("Containerfile"));
    let user = containerfile
        .lines()
        .filter_map(|l| l.trim().strip_prefix("USER "))
        .next_back()
        .expect("the Containerfile sets a USER");
    let (uid, gid) = user.trim().split_once(':').expect("USER uid:gid");
    let number = |s: &str| {
        s.parse::<u32>()
            .unwrap_or_else(|_| panic!("USER {user}: `{s}` is not numeric"))
    };
    (number(uid), number(gid))
}

/// Every YAML file of a folder, in name order.
fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .expect("deploy folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// Every document of every manifest, with its file.
fn manifests() -> Vec<(PathBuf, Value)> {
    let mut docs = Vec::new();
    for file in yaml_files("deploy/kubernetes") {
        let text = read(&file);
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value = <Value as serde::Deserialize>::deserialize(doc)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            if !value.is_null() {
                docs.push((file.clone(), value));
            }
        }
    }
    docs
}

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or_default()
}

/// The pod spec of a Job or CronJob.
fn pod_spec(doc: &Value) -> Option<&Value> {
    match kind(doc) {
        "Job" => Some(&doc["spec"]["template"]["spec"]),
        "CronJob" => Some(&doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        _ => None,
    }
}

fn pods() -> Vec<(String, Value)> {
    let pods: Vec<(String, Value)> = manifests()
        .iter()
        .filter_map(|(file, doc)| {
            pod_spec(doc).map(|spec| {
                (
                    format!("{} ({} {})", file.display(), kind(doc), name(doc)),
                    spec.clone(),
                )
            })
        })
        .collect();
    pods
}

fn seq(value: &Value) -> &[Value] {
    value.as_sequence().map(Vec::as_slice).unwrap_or_default()
}

fn env_value<'a>(container: &'a Value, var: &str) -> Option<&'a str> {
    seq(&container["env"])
        .iter()
        .find(|e| e["name"].as_str() == Some(var))
        .and_then(|e| e["value"].as_str())
}

#[test]
fn the_image_runs_as_a_numeric_non_root_user() {
    let (uid, gid) = image_user();
    assert_ne!(uid, 0, "the image must not run as root");
    assert_ne!(gid, 0, "the image must not run with group root");
    // distroless' nonroot user, which the docs and manifests name.
    assert_eq!((uid, gid), (65532, 65532));
}

#[test]
fn the_examples_hold_a_job_a_drift_cronjob_an_argo_cd_hook_and_the_login_secret() {
    let docs = manifests();
    let find = |k: &str, n: &str| {
        docs.iter()
            .map(|(_, d)| d)
            .find(|d| kind(d) == k && name(d) == n)
            .unwrap_or_else(|| panic!("no {k} {n} in deploy/kubernetes"))
    };
    let args = |doc: &Value| -> Vec<String> {
        let spec = pod_spec(doc).expect("pod spec");
        seq(&spec["containers"][0]["args"])
            .iter()
            .map(|a| a.as_str().expect("string arg").to_string())
            .collect()
    };
    assert_eq!(args(find("Job", "mqc-create"))[0], "create");
    let cron = find("CronJob", "mqc-drift-check");
    assert_eq!(args(cron), ["plan", "--detailed-exitcode"]);
    assert_eq!(cron["spec"]["concurrencyPolicy"].as_str(), Some("Forbid"));
    let hook = find("Job", "mqc-create-hook");
    assert_eq!(args(hook)[0], "create");
    let annotations = &hook["metadata"]["annotations"];
    assert!(
        matches!(
            annotations["argocd.argoproj.io/hook"].as_str(),
            Some("PreSync" | "Sync" | "PostSync")
        ),
        "{annotations:?}"
    );
    assert_eq!(
        annotations["argocd.argoproj.io/hook-delete-policy"].as_str(),
        Some("BeforeHookCreation")
    );
    let secret = find("Secret", "mqc-login");
    assert!(secret["stringData"]["login.yaml"].is_string());
    assert!(find("ConfigMap", "mqc-yaml-files")["data"].is_mapping());
}

#[test]
fn every_pod_meets_the_restricted_pod_security_standard_as_the_image_user() {
    let (uid, gid) = image_user();
    let pods = pods();
    assert_eq!(pods.len(), 3, "Job, CronJob and Argo CD hook");
    for (what, spec) in &pods {
        let pod = &spec["securityContext"];
        assert_eq!(pod["runAsNonRoot"].as_bool(), Some(true), "{what}");
        assert_eq!(pod["runAsUser"].as_u64(), Some(u64::from(uid)), "{what}");
        assert_eq!(pod["runAsGroup"].as_u64(), Some(u64::from(gid)), "{what}");
        assert_eq!(pod["fsGroup"].as_u64(), Some(u64::from(gid)), "{what}");
        assert_eq!(
            pod["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault"),
            "{what}"
        );
        assert_eq!(
            spec["automountServiceAccountToken"].as_bool(),
            Some(false),
            "{what}"
        );
        // The restricted profile allows only these volume types.
        for volume in seq(&spec["volumes"]) {
            assert!(
                ["secret", "configMap", "emptyDir", "projected"]
                    .iter()
                    .any(|t| !volume[*t].is_null()),
                "{what}: volume {volume:?}"
            );
        }
        let containers = seq(&spec["containers"]);
        assert!(!containers.is_empty(), "{what}");
        for container in containers.iter().chain(seq(&spec["initContainers"])) {
            let c = &container["securityContext"];
            assert_eq!(
                c["allowPrivilegeEscalation"].as_bool(),
                Some(false),
                "{what}"
            );
            assert_eq!(c["readOnlyRootFilesystem"].as_bool(), Some(true), "{what}");
            assert_eq!(
                c["capabilities"]["drop"],
                serde_yaml::from_str::<Value>("[ALL]").unwrap(),
                "{what}"
            );
            assert!(c["capabilities"]["add"].is_null(), "{what}");
            assert!(c["privileged"].as_bool() != Some(true), "{what}");
            // Nothing overrides the pod's user with another one.
            for key in ["runAsUser", "runAsGroup"] {
                assert!(
                    c[key].is_null() || c[key] == pod[key],
                    "{what}: container {key}"
                );
            }
            // readOnlyRootFilesystem: mqc writes only in `login` and `export`, which no
            // example runs; every other path it is given is a read-only mount.
            let args = seq(&container["args"]);
            let command = args.first().and_then(Value::as_str).unwrap_or_default();
            assert!(
                ["create", "plan", "check", "delete"].contains(&command),
                "{what}: `{command}` would need a writable volume"
            );
            for mount in seq(&container["volumeMounts"]) {
                assert_eq!(mount["readOnly"].as_bool(), Some(true), "{what}: {mount:?}");
            }
        }
    }
}

#[test]
fn the_login_secret_is_mounted_with_a_mode_the_permission_rule_accepts() {
    let docs = manifests();
    for (what, spec) in pods() {
        let container = &spec["containers"][0];
        let login_file = env_value(container, "MQC_LOGIN_FILE").unwrap_or("/work/.mqc/login.yaml");
        let (dir, file) = login_file.rsplit_once('/').expect("absolute path");
        let mount = seq(&container["volumeMounts"])
            .iter()
            .find(|m| m["mountPath"].as_str() == Some(dir))
            .unwrap_or_else(|| panic!("{what}: nothing mounted at {dir}"));
        assert_eq!(mount["readOnly"].as_bool(), Some(true), "{what}");
        let volume = seq(&spec["volumes"])
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("{what}: no volume {:?}", mount["name"]));
        let secret = &volume["secret"];
        let secret_name = secret["secretName"].as_str().expect("a Secret volume");
        let shipped = docs
            .iter()
            .map(|(_, d)| d)
            .find(|d| kind(d) == "Secret" && name(d) == secret_name)
            .unwrap_or_else(|| panic!("{what}: no Secret {secret_name} in deploy/kubernetes"));
        assert!(
            shipped["stringData"][file].is_string() || shipped["data"][file].is_string(),
            "{what}: the Secret has no key {file}"
        );
        assert!(
            secret["items"].is_null(),
            "{what}: the key is the file name"
        );
        // Kubernetes' default mode is 0644; the kubelet adds group read (0440) for fsGroup and
        // makes the file root-owned, group fsGroup.
        let default_mode = secret["defaultMode"].as_u64().map_or(0o644, |m| m as u32);
        let fs_group = spec["securityContext"]["fsGroup"].as_u64();
        let mounted = if fs_group.is_some() {
            default_mode | 0o440
        } else {
            default_mode
        };
        let uid = spec["securityContext"]["runAsUser"]
            .as_u64()
            .expect("runAsUser") as u32;
        assert_eq!(mounted, 0o440, "{what}: mounted mode {mounted:o}");
        assert_eq!(
            login_file_access(mounted, 0, Some(uid)),
            LoginFileAccess::ProvisionedForGroup,
            "{what}: mode {mounted:o} as mounted"
        );
        // Without fsGroup the same Secret would be unreadable by a non-root user, and 0644
        // would be warned about: the test can tell.
        assert!(matches!(
            login_file_access(0o644, 0, Some(uid)),
            LoginFileAccess::TooOpen(_)
        ));
    }
}

#[test]
fn the_manifests_validate_against_the_kubernetes_schemas() {
    let files = yaml_files("deploy/kubernetes");
    assert!(files.len() >= 5, "{files:?}");
    // kubernetes-validate from PyPI bundles the schemas, so this runs offline; `.ci/run`
    // installs it with `python3 -m pip`, so it is run through the same python3.
    let installed = Command::new("python3")
        .args(["-c", "import kubernetes_validate"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubernetes-validate is not installed: CI must validate the manifests"
        );
        eprintln!(
            "skipped: `python3 -m pip install kubernetes-validate` (.ci/run does, and CI fails \
             without it)"
        );
        return;
    }
    // The oldest Kubernetes release still widely run, and the newest the validator knows.
    for version in ["1.30.0", "1.37.0"] {
        let output = Command::new("python3")
            .args([
                "-m",
                "kubernetes_validate",
                "--strict",
                "--kubernetes-version",
                version,
            ])
            .args(&files)
            .output()
            .expect("run python3");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "Kubernetes {version}:\n{out}");
        assert_eq!(out.matches(" passed ").count(), files.len(), "{out}");
    }
}

#[test]
fn the_containerfile_caches_dependencies_for_every_workspace_member() {
    let containerfile = read(&repo().join("Containerfile"));
    let manifest = read(&repo().join("Cargo.toml"));
    assert!(
        !containerfile.contains("COPY . ."),
        "copies everything first"
    );
    assert!(containerfile.contains("COPY Cargo.toml Cargo.lock ./"));
    let members = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("members = ["))
        .expect("workspace members");
    for member in members.trim_end_matches(']').split(',') {
        let member = member.trim().trim_matches('"');
        if member.is_empty() || member == "." {
            continue;
        }
        let copy = format!("COPY {member}/Cargo.toml {member}/Cargo.toml");
        assert!(containerfile.contains(&copy), "missing `{copy}`");
    }
    let mut lines = manifest.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "[[bench]]" {
            let bench = lines
                .find_map(|l| l.trim().strip_prefix("name = "))
                .expect("bench name")
                .trim_matches('"');
            let stub = format!("benches/{bench}.rs");
            assert!(containerfile.contains(&stub), "no stand-in for {stub}");
        }
    }
    // The dependencies are built before the sources are copied.
    let first_build = containerfile.find("cargo build").expect("a build");
    let sources = containerfile.find("COPY src src").expect("sources copied");
    assert!(first_build < sources);
}

/// The mqc command lines of the CI examples: every `mqc …` line of a GitLab `script` or a
/// GitHub `run`, up to the first shell operator.
fn ci_command_lines(file: &Path) -> Vec<Vec<String>> {
    let doc: Value =
        serde_yaml::from_str(&read(file)).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut scripts = Vec::new();
    collect_scripts(&doc, &mut scripts);
    let mut lines = Vec::new();
    for script in scripts {
        for line in script.lines() {
            let line = line.trim();
            let Some(rest) = line.strip_prefix("mqc ") else {
                continue;
            };
            assert!(
                !line.ends_with('\\'),
                "{}: keep `{line}` on one line",
                file.display()
            );
            let args: Vec<String> = rest
                .split_whitespace()
                .take_while(|w| !["|", ">", ">>", "2>", "&&", "||", ";"].contains(w))
                .map(|w| w.trim_matches('"').to_string())
                .collect();
            lines.push(args);
        }
    }
    lines
}

fn collect_scripts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    (Some("script" | "before_script" | "after_script"), Value::Sequence(items)) => {
                        out.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
                    }
                    (Some("script" | "run"), Value::String(s)) => out.push(s.clone()),
                    _ => collect_scripts(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| collect_scripts(v, out)),
        _ => {}
    }
}

/// `mqc ARGS --help` exits 0 only when every command and option in ARGS exists and takes the
/// value given.
fn assert_parses(what: &str, args: &[String]) {
    let output = Command::new(env!("CARGO_BIN_EXE_mqc"))
        .args(args)
        .arg("--help")
        .output()
        .expect("run mqc");
    assert!(
        output.status.success(),
        "{what}: `mqc {}` does not parse:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_mqc_command_line_in_the_ci_examples_and_manifests_parses() {
    let files = yaml_files("deploy/ci");
    assert_eq!(files.len(), 2, "GitLab CI and GitHub Actions: {files:?}");
    for file in &files {
        let lines = ci_command_lines(file);
        let commands: Vec<&str> = lines.iter().map(|l| l[0].as_str()).collect();
        for needed in ["check", "plan", "create"] {
            assert!(
                commands.contains(&needed),
                "{}: no `mqc {needed}` in {commands:?}",
                file.display()
            );
        }
        for args in &lines {
            assert_parses(&file.display().to_string(), args);
        }
    }
    for (what, spec) in pods() {
        let args: Vec<String> = seq(&spec["containers"][0]["args"])
            .iter()
            .map(|a| a.as_str().expect("string arg").to_string())
            .collect();
        assert_parses(&what, &args);
    }
}

/// The example organization file and login Secret pass `mqc check` together, and the GitHub
/// example sets every variable `mqc login --from-env` will ask for.
#[test]
fn the_example_configmap_and_secret_pass_check_and_the_ci_examples_name_their_variables() {
    let docs = manifests();
    let fixture = Fixture::new();
    let data = docs
        .iter()
        .find(|(_, d)| kind(d) == "ConfigMap" && name(d) == "mqc-yaml-files")
        .map(|(_, d)| d["data"].clone())
        .expect("ConfigMap");
    for (file, text) in data.as_mapping().expect("data") {
        fixture.write_org(file.as_str().expect("key"), text.as_str().expect("text"));
    }
    let login = docs
        .iter()
        .find(|(_, d)| kind(d) == "Secret")
        .and_then(|(_, d)| d["stringData"]["login.yaml"].as_str())
        .expect("login.yaml")
        .to_string();
    let path = fixture.login_path();
    std::fs::create_dir_all(path.parent().expect("dir")).expect("login dir");
    std::fs::write(&path, login).expect("login file");
    set_mode(&path, 0o400);
    let run = fixture.mqc(&["check"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("0 errors, 0 warnings"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("login file"), "{}", run.stderr);

    let list = fixture.mqc(&["login", "--list"]);
    list.expect_code(0);
    let github = read(&repo().join("deploy/ci/github-actions.yml"));
    let variables: Vec<&str> = list
        .stdout
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("env="))
        .collect();
    assert_eq!(variables.len(), 2, "{}", list.stdout);
    for variable in variables {
        assert!(
            github.contains(&format!("{variable}: ${{{{ secrets.{variable} }}}}")),
            "the GitHub example does not set {variable}"
        );
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// One small organization on QUAY1 with a 0600 login file.
fn sim_fixture(sim: &quay_sim::QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, sim);
    fixture.login(&[(QUAY1, TOKEN)]);
    fixture.write_org(
        "podorg.yaml",
        &format!(
            "quay_endpoint: {QUAY1}\nquay_organization: podorg\nrobots:\n  - {{name: ci, desc: \
             \"CI\"}}\nrepositories:\n  - name: app\n    visibility: private\n"
        ),
    );
    fixture
}

const WARNING: &str = "by group or others";

/// The permission rule as the binary applies it to files of the user running the tests:
/// private modes pass silently, open ones are warned about with the fix.
#[cfg(unix)]
#[test]
fn private_login_files_pass_and_open_ones_are_warned_about() {
    let sim = sim_with(base_config());
    let fixture = sim_fixture(&sim);
    let path = fixture.login_path();
    for mode in [0o600, 0o400] {
        set_mode(&path, mode);
        let run = fixture.mqc(&["plan", "--detailed-exitcode"]);
        run.expect_code(2);
        assert!(
            !run.stderr.contains(WARNING),
            "mode {mode:o}:\n{}",
            run.stderr
        );
    }
    for mode in [0o644, 0o666, 0o440, 0o620, 0o602] {
        set_mode(&path, mode);
        let run = fixture.mqc(&["plan", "--detailed-exitcode"]);
        run.expect_code(2);
        let warning = run
            .stderr
            .lines()
            .find(|l| l.contains(WARNING))
            .unwrap_or_else(|| panic!("no warning for mode {mode:o}:\n{}", run.stderr));
        assert!(warning.contains(&format!("(mode {mode:o})")), "{warning}");
        assert!(warning.contains("chmod 600"), "{warning}");
        assert!(warning.contains(&path.display().to_string()), "{warning}");
    }
}

/// The pod of deploy/kubernetes, reproduced without a container engine: mqc runs as uid and gid
/// 65532 (the image's USER), in a working directory it cannot write to, with the login file
/// as a Secret mount with fsGroup gives it: owner root, group 65532, mode 0440. It reads it
/// without a warning and applies the files; the same Secret without fsGroup (root:root 0400)
/// is refused with a message that says to set fsGroup. Needs root to hand files to root and
/// switch users; CI runs as root.
#[cfg(unix)]
#[test]
fn uid_65532_reads_the_login_file_as_a_secret_mount_gives_it() {
    use std::os::unix::fs::{chown, MetadataExt};
    use std::os::unix::process::CommandExt;

    if std::fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
        eprintln!("skipped: needs root to switch to uid 65532 (CI runs as root)");
        return;
    }
    let (uid, gid) = image_user();
    let sim = sim_with(base_config());
    let fixture = sim_fixture(&sim);
    let root = fixture.root.path();
    // The binary where uid 65532 may run it, whatever the checkout's parent folders allow.
    let bin = root.join("mqc");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_mqc"), &bin).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_mqc"), &bin).expect("copy mqc");
    }
    set_mode(root, 0o755); // root-owned: uid 65532 may read, not write, as on a read-only root
    let login = fixture.login_path();
    set_mode(login.parent().expect("dir"), 0o755);
    chown(&login, Some(0), Some(gid)).expect("chown");
    set_mode(&login, 0o440);
    let before = tree(root);

    let as_pod = |args: &[&str]| {
        let mut command = Command::new(&bin);
        command
            .uid(uid)
            .gid(gid)
            .current_dir(root)
            .env_clear()
            .env("HOME", "/nonexistent")
            .args(["--endpoint-map", &fixture.endpoint_map[0]])
            .args(args);
        Run::from(command.output().expect("run mqc as 65532"))
    };

    let plan = as_pod(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(!plan.stderr.contains(WARNING), "{}", plan.stderr);
    let create = as_pod(&["create"]);
    create.expect_code(0);
    assert!(!create.stderr.contains(WARNING), "{}", create.stderr);
    assert_converged(&sim.state(), &orgs_on(&fixture.desired(), QUAY1), "admin");
    as_pod(&["plan", "--detailed-exitcode"]).expect_code(0);
    // Nothing was written (nor could be) in the working directory.
    assert_eq!(tree(root), before);

    // The same Secret mounted without fsGroup: root:root 0400.
    chown(&login, Some(0), Some(0)).expect("chown");
    set_mode(&login, 0o400);
    let refused = as_pod(&["plan"]);
    refused.expect_code(1);
    let all = format!("{}{}", refused.stdout, refused.stderr);
    assert!(all.contains("cannot read the login file"), "{all}");
    assert!(all.contains("fsGroup"), "{all}");
    assert!(all.contains("user 65532"), "{all}");
}

/// Every path under `dir`, sorted.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(tree(&path));
        }
        out.push(path);
    }
    out.sort();
    out
}

/// docs/security.md shows the parts of the Job that matter for the login file: each of its
/// lines is a line of deploy/kubernetes/job-create.yaml, in the same order.
#[test]
fn the_job_excerpt_in_docs_security_md_matches_the_tested_manifest() {
    let docs = read(&repo().join("docs/security.md"));
    let section = docs
        .split("## Running with the login file as a Kubernetes Secret")
        .nth(1)
        .expect("the Kubernetes section");
    let excerpt = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a yaml block");
    let job = read(&repo().join("deploy/kubernetes/job-create.yaml"));
    let mut job_lines = job.lines();
    let mut matched = 0;
    for line in excerpt.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            job_lines.any(|j| j.trim_end() == line.trim_end()),
            "docs/security.md shows `{}`, which job-create.yaml lacks (or has earlier)",
            line.trim()
        );
        matched += 1;
    }
    assert!(matched > 20, "{matched} lines");
}
