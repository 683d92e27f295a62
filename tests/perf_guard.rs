//! CI regression guard for mqc's request counts (issue 5). The benchmark workload with N = 10
//! against three in-process emulators: a cold `create` sends exactly one write per object plus
//! one sync-now per new mirror, a warm run no write and exactly the reads the formula in
//! `benches/workload` gives, and a run after drift exactly the writes that undo it. Counts
//! only: no time is asserted.

#[path = "../benches/workload/mod.rs"]
mod workload;

use std::process::{Command, Stdio};

use quay_sim::{Config, QuaySim, Stats, TokenSpec};
use workload::Expected;

const N: usize = 10;

struct Bench {
    _root: tempfile::TempDir,
    dir: std::path::PathBuf,
    login: std::path::PathBuf,
    sims: Vec<QuaySim>,
}

impl Bench {
    fn new() -> Bench {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("yaml-files");
        let login = root.path().join(".mqc/login.yaml");
        workload::write(&dir, &login, N).unwrap();
        let sims = (0..3)
            .map(|k| {
                QuaySim::start(Config {
                    tokens: vec![TokenSpec::superuser(workload::TOKEN)],
                    users: workload::users(),
                    ldap: true,
                    seed: 11 + k,
                    ..Config::default()
                })
            })
            .collect();
        Bench {
            _root: root,
            dir,
            login,
            sims,
        }
    }

    /// Runs `mqc create` and returns the emulators' counters for that run alone.
    fn create(&self) -> Vec<Stats> {
        for sim in &self.sims {
            sim.reset_stats();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_mqc"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("MQC_") {
                command.env_remove(key);
            }
        }
        command
            .arg("--dir")
            .arg(&self.dir)
            .arg("--login-file")
            .arg(&self.login)
            .args(["--max-requests-per-second", "100000", "--output", "json"]);
        for (endpoint, sim) in workload::ENDPOINTS.iter().zip(&self.sims) {
            command
                .arg("--endpoint-map")
                .arg(format!("{endpoint}={}", sim.base_url()));
        }
        let output = command.arg("create").stdin(Stdio::null()).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "mqc create failed\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        self.sims.iter().map(QuaySim::stats).collect()
    }
}

fn total(stats: &[Stats]) -> Expected {
    let requests: u64 = stats.iter().map(|s| s.requests).sum();
    let writes: u64 = stats.iter().map(|s| s.writes).sum();
    Expected {
        reads: requests - writes,
        writes,
    }
}

fn routes(stats: &[Stats]) -> String {
    let mut merged = std::collections::BTreeMap::<&str, u64>::new();
    for s in stats {
        for (route, count) in &s.by_route {
            *merged.entry(route.as_str()).or_default() += count;
        }
    }
    merged
        .iter()
        .map(|(route, count)| format!("{count:6} {route}\n"))
        .collect()
}

#[test]
fn cold_warm_and_drift_runs_send_exactly_the_requests_needed() {
    let bench = Bench::new();

    // Cold: one write per object, one sync-now per new mirror; reads: the token check, the
    // features (`/config`) and the discovery document per endpoint, one 404 per target, and
    // one user check per distinct user name per endpoint.
    let cold = bench.create();
    let targets = workload::targets(N).len() as u64;
    assert_eq!(targets, 15, "10 organizations, the 5 on A replicated to C");
    assert_eq!(workload::objects_per_target(), 59);
    assert_eq!(
        total(&cold),
        workload::expected_cold(N),
        "{}",
        routes(&cold)
    );
    // Every object kind is written exactly as often as the workload has it.
    let route = |stats: &[Stats], key: &str| -> u64 {
        stats.iter().filter_map(|s| s.by_route.get(key)).sum()
    };
    let per_target = |k: u64| k * targets;
    assert_eq!(route(&cold, "POST /api/v1/organization/"), N as u64 + 5);
    assert_eq!(
        route(&cold, "PUT /api/v1/organization/{org}/robots/{robot}"),
        per_target(workload::ROBOTS.len() as u64)
    );
    assert_eq!(
        route(&cold, "PUT /api/v1/organization/{org}/team/{team}"),
        per_target(workload::TEAMS.len() as u64)
    );
    assert_eq!(
        route(
            &cold,
            "PUT /api/v1/organization/{org}/team/{team}/members/{member}"
        ),
        per_target(workload::members_per_org())
    );
    assert_eq!(
        route(&cold, "POST /api/v1/repository"),
        per_target(workload::REPOSITORIES as u64)
    );
    // A user and a robot permission per repository, but the mirror robot's `write` comes with
    // the mirror POST; a team permission per repository.
    assert_eq!(
        route(
            &cold,
            "PUT /api/v1/repository/{repository}/permissions/user/{user}"
        ),
        per_target(2 * workload::REPOSITORIES as u64 - workload::MIRRORED as u64)
    );
    assert_eq!(
        route(
            &cold,
            "PUT /api/v1/repository/{repository}/permissions/team/{team}"
        ),
        per_target(workload::REPOSITORIES as u64)
    );
    assert_eq!(
        route(&cold, "POST /api/v1/repository/{repository}/mirror")
            + route(
                &cold,
                "POST /api/v1/repository/{repository}/mirror/sync-now"
            ),
        per_target(2 * workload::MIRRORED as u64)
    );

    // Warm: nothing to write; reads linear in the repositories.
    let warm = bench.create();
    assert_eq!(
        total(&warm),
        workload::expected_warm(N),
        "{}",
        routes(&warm)
    );
    // Per target: org + robots + one repository page = 3; the members of the 3 teams = 3;
    // `permissions/user/` of the 10 repositories = 10; the team permissions of the 2 teams that
    // hold any (developers on the even repositories, operators on the odd ones; ldap-readers
    // and owners hold none: `repo_count` 0) = 2 instead of 10 per-repository reads; mirror and
    // notifications of the 2 mirrored repositories = 4. 3 + 3 + 10 + 2 + 4 = 22 (was 30).
    assert_eq!(workload::teams_holding_grants(), 2);
    assert_eq!(workload::warm_reads_per_target(), 22);
    assert_eq!(
        route(
            &warm,
            "GET /api/v1/organization/{org}/team/{team}/permissions"
        ),
        2 * targets
    );
    assert_eq!(
        route(
            &warm,
            "GET /api/v1/repository/{repository}/permissions/team/"
        ),
        0
    );

    // Drift in 3 of the 59 objects of every target: exactly the writes that undo it.
    let drifts = workload::drifts(N);
    assert_eq!(drifts.len() as u64, 3 * targets);
    let urls: Vec<String> = bench.sims.iter().map(QuaySim::base_url).collect();
    workload::inject_all(&drifts, &|e| urls[e].clone(), 4).unwrap();
    let drift = bench.create();
    assert_eq!(
        total(&drift),
        workload::expected_drift(N, &drifts),
        "{}",
        routes(&drift)
    );

    // And the run after that is warm again.
    let after = bench.create();
    assert_eq!(
        total(&after),
        workload::expected_warm(N),
        "{}",
        routes(&after)
    );
}

#[test]
fn the_generated_files_pass_mqc_check() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("yaml-files");
    let login = root.path().join(".mqc/login.yaml");
    workload::write(&dir, &login, 4).unwrap();
    let loaded = mqc::config::load_dir(&dir).unwrap();
    assert!(!loaded.has_errors(), "{:?}", loaded.findings);
    assert_eq!(loaded.organizations.len(), 4);
    let org = &loaded.organizations[0].organization;
    assert_eq!(org.repositories.len(), workload::REPOSITORIES);
    assert_eq!(
        org.repositories
            .values()
            .filter(|r| r.mirror.is_some())
            .count(),
        workload::MIRRORED
    );
    assert_eq!(org.robots.len(), 4);
    assert_eq!(org.teams.len(), 3);
    assert_eq!(org.teams.values().filter(|t| t.sync.is_some()).count(), 1);
    assert_eq!(
        loaded.organizations[0].endpoints.len(),
        2,
        "A and its replica C"
    );
    assert_eq!(loaded.organizations[1].endpoints.len(), 1);
}
