//! Live acceptance suite (issue 12): drives the real `mqc` binary against a REAL Quay.
//!
//! Needs `MQC_LIVE_QUAY_URL` (e.g. `https://127.0.0.1:8443`), `MQC_LIVE_QUAY_TOKEN_FILE` (a file
//! holding a superuser OAuth token with every scope) and, for a private CA, `MQC_LIVE_QUAY_CA`
//! (PEM). Without the first two every test here passes at once and says on stderr that it was
//! skipped, so `cargo test --workspace --locked` stays green without a Quay. Run it with
//! `scripts/live-acceptance.sh URL TOKEN_FILE [CA]` (one test at a time, output shown).
//!
//! Each scenario (one per shipped example, rewritten to one endpoint and to organization names
//! unique to the run, plus a richer organization of its own) runs: `check`, a cold `create`,
//! verification of every declared object through the Quay API, a second `create` that must send
//! no write, `plan --detailed-exitcode` (0), drift made through the API then fixed by `create`
//! and verified, an `export` round trip (`plan --detailed-exitcode` on the exported files: 0),
//! `delete --yes`, and — whatever failed — deletion of the run's organizations through the API.
//! Every step prints mqc's own request counts (its JSON report where it has them, and its
//! `--verbosity 5` request log) on stderr.
//!
//! Each object kind mqc learns later (default permissions, notifications, policies) joins
//! `rich_yaml` and `read_state`, so that it is checked on a real server too.
//!
//! Optional: `MQC_LIVE_MAX_RPS` (default 5, Quay's stock nginx limit), `MQC_LIVE_MAX_CONNECTIONS`
//! (default 4), `MQC_LIVE_TIMEOUT` (seconds, default 30; a real Quay spends ~0.3 s of CPU per
//! authenticated request).

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Fixture, Run, MIRROR_PASSWORD, QUAY1};
use mqc::model::DesiredOrganization;
use serde_json::{json, Map, Value};

/// The user the setup's token belongs to; Quay makes it admin of what it creates.
const TOKEN_USER_FALLBACK: &str = "admin";

// ---------------------------------------------------------------------------------------------
// The scenarios: one test each, so that cargo's own list says which passed.

#[test]
fn live_example_basic_example_mirror() {
    example("basic-example-mirror");
}

#[test]
fn live_example_basic_example_replicate_to() {
    example("basic-example-replicate-to");
}

#[test]
fn live_example_basic_example_with_team_sync() {
    example("basic-example-with-team-sync");
}

#[test]
fn live_example_empty_repositories() {
    example("empty-repositories");
}

#[test]
fn live_example_mirror_with_notification() {
    example("mirror-with-notification");
}

#[test]
fn live_rich_organization() {
    let Some(live) = Live::from_env("live_rich_organization") else {
        return;
    };
    let org = unique("mqc-live-rich");
    run_scenario(
        &live,
        "rich",
        vec![(format!("{org}.yaml"), rich_yaml(&org))],
        &[org],
    );
}

/// A guard for CI logs: the skip is also visible in the list of test names.
#[test]
fn live_acceptance_skipped_without_mqc_live_quay_url() {
    if Live::from_env("live_acceptance_skipped_without_mqc_live_quay_url").is_some() {
        say("live acceptance: MQC_LIVE_QUAY_URL is set, the live_* scenarios run against it");
    }
}

fn example(name: &str) {
    let test = format!("live_example_{}", name.replace('-', "_"));
    let Some(live) = Live::from_env(&test) else {
        return;
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("yaml-files")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).expect("read shipped example");
    if text.contains("group_dn:") && !Api::new(&live).has_feature("TEAM_SYNCING") {
        // Most Quays have team syncing off (the default): the group is a plan-time error and
        // everything else converges; then the rest of the scenario runs without the group.
        let org = unique(&format!("{name}-nosync"));
        without_team_syncing(&live, name, &rewrite_example(&text, &org), &org);
        let org = unique(name);
        let yaml = rewrite_example(&text, &org);
        let yaml: String = yaml
            .lines()
            .filter(|l| !l.trim_start().starts_with("group_dn:"))
            .map(|l| format!("{l}\n"))
            .collect();
        run_scenario(&live, name, vec![(format!("{name}.yaml"), yaml)], &[org]);
        return;
    }
    let org = unique(name);
    let yaml = rewrite_example(&text, &org);
    run_scenario(&live, name, vec![(format!("{name}.yaml"), yaml)], &[org]);
}

/// A file with a `group_dn` on a Quay without team syncing (issue 11, item 6): `create` names
/// the group as a plan-time error and exits 1, sends no `…/syncing` request, applies
/// everything else; a second `create` writes nothing.
fn without_team_syncing(live: &Live, name: &str, yaml: &str, org: &str) {
    let api = Api::new(live);
    let _cleanup = Cleanup {
        api: &api,
        orgs: vec![org.to_string()],
    };
    let token_user = api.token_user();
    let fixture = live.fixture();
    fixture.write_org(&format!("{name}.yaml"), yaml);
    live.login(&fixture, &[]);
    let step = Steps::new(&format!("{name} (team syncing off)"));
    for label in ["create (cold)", "create (second)"] {
        let run = step.mqc(live, &fixture, label, &["create", "--output", "json"]);
        expect_code(&run, 1, label);
        let report = run.json();
        let problems = &report["targets"][0]["problems"];
        assert_eq!(
            problems[0]["feature"], "TEAM_SYNCING",
            "{label}: {problems}"
        );
        assert_eq!(problems[0]["field"], "group_dn", "{label}: {problems}");
        assert!(
            failures_of(&run).is_empty(),
            "{label}: {:?}",
            failures_of(&run)
        );
        assert!(
            !run.stderr.contains("/syncing"),
            "{label}: a team syncing request was sent"
        );
        if label == "create (second)" {
            assert_eq!(json_totals(&run).1, 0, "{label}: {}", changes_of(&run));
        }
    }
    let mut desired_all = fixture.desired();
    for d in &mut desired_all {
        for team in d.organization.teams.values_mut() {
            team.sync = None;
        }
    }
    let desired: Vec<&DesiredOrganization> = desired_all.iter().collect();
    step.verify(
        &api,
        &desired,
        &token_user,
        "verify: everything but the group",
    );
}

/// The example for this run: its organization renamed, and on one endpoint only (the
/// `replicate_to` list goes: every endpoint is the same real Quay here).
fn rewrite_example(text: &str, org: &str) -> String {
    let mut out = String::new();
    let mut in_replicate = false;
    for line in text.lines() {
        if line.starts_with("replicate_to:") {
            in_replicate = true;
            continue;
        }
        if in_replicate {
            if line.starts_with(' ') || line.starts_with('-') {
                continue;
            }
            in_replicate = false;
        }
        if line.starts_with("quay_organization:") {
            out.push_str(&format!("quay_organization: {org}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(
        out.contains(&format!("quay_organization: {org}\n")),
        "the example names no organization"
    );
    out
}

/// Robots, teams with members and every role, default permissions (applied by Quay to the
/// repositories created in the same run), repositories nested and not, user/robot/team
/// permissions, both visibilities, a repository whose permissions are not managed, a mirror
/// and a mirror-failure webhook (127.0.0.2: Quay refuses 127.0.0.1 and localhost), and on
/// `app` a build webhook with a template and a `ref-regex`, a `quay_notification` to a team
/// with a vulnerability level and a Slack notification (the live Quay has mailing off, so no
/// e-mail one), and a
/// robot with keyless-auth federation (Quay 3.13+).
fn rich_yaml(org: &str) -> String {
    format!(
        r#"---
quay_endpoint: {QUAY1}
quay_organization: {org}
quay_organization_email: ""

robots:
  - name: ci
    desc: "CI pushes with this robot"
    federation:
      - {{issuer: "https://token.actions.githubusercontent.com", subject: "repo:acme/api:ref:refs/heads/main"}}
  - name: reader
    desc: "Read-only robot"
  - name: mirrorbot
    desc: "Pushes the mirrored images"

teams:
  - name: developers
    description: "Developers, managed by mqc"
    role: creator
    members:
      users: [alice, myuser]
      robots: [ci]
  - name: auditors
    description: "Read-only auditors"
    role: member
    members:
      users: [valeidm]
  - name: platform
    description: "Platform administrators"
    role: admin
    members:
      users: [mirroruser]
      robots: [reader]

# Quay applies these to every repository created afterwards, so to those below too: the plan
# predicts it (no grant sent twice; an undeclared one revoked in the same run).
default_permissions:
  - role: write
    delegate: {{team: developers}}
  - role: read
    delegate: {{robot: reader}}
  - role: admin
    delegate: {{user: bob}}
    activating_user: alice

repositories:
  - name: app
    description: "The **app**, public"
    visibility: public
    permissions:
      users:
        - name: alice
          role: admin
        - name: bob
          role: read
      robots:
        - name: ci
          role: write
        - name: reader
          role: read
      teams:
        - name: developers
          role: write
        - name: auditors
          role: read
    notification:
      - event: build_failure
        method: webhook
        title: "app build failed"
        config:
          url: http://127.0.0.2:9/mqc-live-{org}-builds
          template: '{{"text": "${{repository}} failed"}}'
        event_config: {{ref-regex: "^refs/heads/main$"}}
      - event: vulnerability_found
        method: quay_notification
        config: {{target: {{kind: team, name: developers}}}}
        event_config: {{level: 1}}
      - event: repo_push
        method: slack
        config: {{url: "https://hooks.slack.com/services/T0MQC/B0MQC/mqc-live-{org}"}}
  - name: team-a/service
    description: "nested and private"
    visibility: private
    permissions:
      users:
        - name: myuser
          role: write
      robots: []
      teams:
        - name: platform
          role: admin
  - name: team-a/docs
    # default visibility (public); permissions not managed
  - name: alpine
    description: "mirror of quay.io/libpod/alpine"
    visibility: private
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags:
        - latest
        - "3.*"
      ext_registry_verify_tls: true
      robot_username: mirrorbot
      sync_interval: 3600
      is_enabled: false
      sync_start_date: "2026-12-01T02:00:00Z"
      skopeo_timeout_interval: 600
      architecture_filter: []
    notification:
      - event: repo_mirror_sync_failed
        method: webhook
        config:
          url: http://127.0.0.2:9/mqc-live-{org}
        title: "alpine mirror failed"
    permissions:
      robots:
        - name: mirrorbot
          role: write
        - name: reader
          role: read
      teams:
        - name: auditors
          role: read
"#
    )
}

// ---------------------------------------------------------------------------------------------
// One scenario, step by step.

fn run_scenario(live: &Live, name: &str, files: Vec<(String, String)>, orgs: &[String]) {
    let api = Api::new(live);
    let _cleanup = Cleanup {
        api: &api,
        orgs: orgs.to_vec(),
    };
    let token_user = api.token_user();
    let fixture = live.fixture();
    for (file, yaml) in &files {
        fixture.write_org(file, yaml);
    }
    let desired_all = fixture.desired();
    let desired: Vec<&DesiredOrganization> = desired_all.iter().collect();
    let mirrors: Vec<(String, String, String)> = desired
        .iter()
        .flat_map(|d| {
            d.organization.repositories.iter().filter_map(|(repo, r)| {
                let user = r.mirror.as_ref()?.username.clone()?;
                Some((d.organization.name.clone(), repo.clone(), user))
            })
        })
        .collect();
    live.login(&fixture, &mirrors);
    let step = Steps::new(name);

    // check (offline)
    let run = step.mqc(live, &fixture, "check", &["check"]);
    run.expect_code(0);

    // cold create
    let run = step.mqc(
        live,
        &fixture,
        "create (cold)",
        &["create", "--output", "json"],
    );
    expect_applied(&run, "create (cold)");
    assert!(
        json_totals(&run).1 > 0,
        "cold create sent no write: {}",
        run.stdout
    );

    // every declared object, read back through the API
    step.verify(&api, &desired, &token_user, "verify after cold create");

    // second create: nothing to do
    let run = step.mqc(
        live,
        &fixture,
        "create (second)",
        &["create", "--output", "json"],
    );
    expect_applied(&run, "create (second)");
    let (_, writes) = json_totals(&run);
    assert_eq!(
        writes,
        0,
        "a second create sent {writes} write(s); planned changes: {}",
        changes_of(&run)
    );

    // plan: no drift
    let run = step.mqc(
        live,
        &fixture,
        "plan --detailed-exitcode",
        &["plan", "--detailed-exitcode", "--output", "json"],
    );
    expect_code(&run, 0, "plan after the second create");

    // drift through the API, seen by plan, fixed by create
    let drift = make_drift(&api, &desired);
    step.note(&format!(
        "drift made through the API: {}",
        if drift.is_empty() {
            "none possible".to_string()
        } else {
            drift.join("; ")
        }
    ));
    if !drift.is_empty() {
        let run = step.mqc(
            live,
            &fixture,
            "plan (after drift)",
            &["plan", "--detailed-exitcode", "--output", "json"],
        );
        expect_code(&run, 2, "plan after drift");
        let run = step.mqc(
            live,
            &fixture,
            "create (fix drift)",
            &["create", "--output", "json"],
        );
        expect_applied(&run, "create (fix drift)");
        let (_, writes) = json_totals(&run);
        assert!(
            writes as usize >= drift.len(),
            "fixing {} drifted object(s) took {writes} write(s)",
            drift.len()
        );
        step.verify(&api, &desired, &token_user, "verify after the drift fix");
    }

    // export round trip
    let exported = live.fixture();
    for org in orgs {
        let out = exported.dir();
        let out = out.to_str().expect("utf-8 temp path");
        let run = step.mqc(
            live,
            &fixture,
            &format!("export {org}"),
            &[
                "export",
                "--endpoint",
                QUAY1,
                "--organization",
                org,
                "--out",
                out,
                "--output",
                "json",
            ],
        );
        expect_code(&run, 0, "export");
    }
    live.login(&exported, &mirrors);
    let run = step.mqc(
        live,
        &exported,
        "plan on the exported files",
        &["plan", "--detailed-exitcode", "--output", "json"],
    );
    expect_code(&run, 0, "plan --detailed-exitcode on the exported files");

    // delete
    let run = step.mqc(
        live,
        &fixture,
        "delete --yes",
        &["delete", "--yes", "--output", "json"],
    );
    expect_code(&run, 0, "delete --yes");
    for org in orgs {
        let (status, _) = api.get(&format!("/api/v1/organization/{org}"));
        assert_eq!(status, 404, "organization {org} still there after delete");
    }
    step.note(&format!(
        "PASSED in {:.1} s",
        step.started.elapsed().as_secs_f64()
    ));
}

/// Prints each step with mqc's request counts.
struct Steps {
    name: String,
    started: Instant,
}

impl Steps {
    fn new(name: &str) -> Steps {
        let steps = Steps {
            name: name.to_string(),
            started: Instant::now(),
        };
        steps.note("scenario started");
        steps
    }

    fn note(&self, text: &str) {
        say(&format!("[live {}] {text}", self.name));
    }

    fn mqc(&self, live: &Live, fixture: &Fixture, label: &str, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let extra = live.mqc_args();
        all.extend(extra.iter().map(String::as_str));
        let started = Instant::now();
        let run = fixture.mqc(&all);
        let (log_reads, log_writes, statuses) = http_log(&run.stderr);
        let report = serde_json::from_str::<Value>(&run.stdout)
            .ok()
            .and_then(|v| {
                let t = v.get("totals")?;
                Some(format!(
                    "report: {} reads, {} writes",
                    t["reads"].as_u64()?,
                    t["writes"].as_u64()?
                ))
            })
            .unwrap_or_else(|| "report: no request counts".to_string());
        self.note(&format!(
            "{label}: exit {}, {report}; request log: {log_reads} GET, {log_writes} other \
             (status {statuses}), {:.1} s",
            run.code,
            started.elapsed().as_secs_f64()
        ));
        run
    }

    fn verify(&self, api: &Api, desired: &[&DesiredOrganization], token_user: &str, label: &str) {
        let started = Instant::now();
        let before = api.requests();
        let state = read_state(api, desired);
        common::assert_converged_with(&state, desired, token_user, false);
        self.note(&format!(
            "{label}: every declared object matches ({} API reads, {:.1} s)",
            api.requests() - before,
            started.elapsed().as_secs_f64()
        ));
    }
}

/// GETs and other requests in mqc's `--verbosity 5` log, and the statuses seen.
fn http_log(stderr: &str) -> (usize, usize, String) {
    let mut reads = 0;
    let mut writes = 0;
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for line in stderr.lines().filter(|l| l.contains("mqc::http")) {
        let field = |key: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .map(str::to_string)
        };
        let Some(status) = field("status=") else {
            continue; // "retrying" lines and connection errors
        };
        match field("method=").as_deref() {
            Some("GET") => reads += 1,
            _ => writes += 1,
        }
        *statuses.entry(status).or_default() += 1;
    }
    let statuses = statuses
        .iter()
        .map(|(s, n)| format!("{s}×{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    (reads, writes, statuses)
}

#[track_caller]
fn expect_code(run: &Run, code: i32, what: &str) {
    assert_eq!(
        run.code,
        code,
        "{what}: exit {} instead of {code}\n--- planned changes\n{}\n--- stdout (first 6000 bytes)\n{}\n--- stderr (last 4000 bytes)\n{}",
        run.code,
        changes_of(run),
        head(&run.stdout, 6000),
        tail(&run.stderr, 4000)
    );
}

/// A `create --output json` that exited 0 with nothing failed.
#[track_caller]
fn expect_applied(run: &Run, what: &str) {
    let failures = failures_of(run);
    assert!(
        run.code == 0 && failures.is_empty(),
        "{what}: exit {}; failed changes:\n{}\n--- stderr (last 4000 bytes)\n{}",
        run.code,
        if failures.is_empty() {
            head(&run.stdout, 6000).to_string()
        } else {
            failures.join("\n")
        },
        tail(&run.stderr, 4000)
    );
}

fn json_totals(run: &Run) -> (u64, u64) {
    let report = run.json();
    (
        report["totals"]["reads"].as_u64().unwrap_or(0),
        report["totals"]["writes"].as_u64().unwrap_or(0),
    )
}

/// Each failed or skipped change of a JSON report, and each target error.
fn failures_of(run: &Run) -> Vec<String> {
    let Ok(report) = serde_json::from_str::<Value>(&run.stdout) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for target in report["targets"].as_array().into_iter().flatten() {
        let org = target["target"]["organization"].as_str().unwrap_or("?");
        if let Some(error) = target["error"].as_str() {
            out.push(format!("{org}: target error: {error}"));
        }
        for result in target["results"].as_array().into_iter().flatten() {
            if result["status"] != "applied" {
                let mut change = result.clone();
                if let Some(map) = change.as_object_mut() {
                    map.remove("status");
                }
                out.push(format!("{org}: {} {}", result["status"], change));
            }
        }
    }
    out
}

/// The planned changes of a JSON report, one a line.
fn changes_of(run: &Run) -> String {
    let Ok(report) = serde_json::from_str::<Value>(&run.stdout) else {
        return "(stdout is not a JSON report)".into();
    };
    let mut out = Vec::new();
    for target in report["targets"].as_array().into_iter().flatten() {
        let org = target["target"]["organization"].as_str().unwrap_or("?");
        for change in target["plan"]["changes"].as_array().into_iter().flatten() {
            out.push(format!("{org}: {change}"));
        }
    }
    if out.is_empty() {
        "(none)".into()
    } else {
        out.join("\n")
    }
}

fn head(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

// ---------------------------------------------------------------------------------------------
// Reading a real Quay into the emulator's state shape, so that the integration tests' own
// checker (`common::assert_converged`) judges it.

fn read_state(api: &Api, desired: &[&DesiredOrganization]) -> Value {
    let mut orgs = Map::new();
    for d in desired {
        let org = &d.organization.name;
        let (status, o) = api.get(&format!("/api/v1/organization/{org}"));
        assert_eq!(status, 200, "GET organization {org}: {o}");

        let (status, r) = api.get(&format!("/api/v1/organization/{org}/robots?token=false"));
        assert_eq!(status, 200, "GET robots of {org}: {r}");
        let mut robots = Map::new();
        for robot in r["robots"].as_array().into_iter().flatten() {
            let full = robot["name"].as_str().unwrap_or_default();
            let short = full.strip_prefix(&format!("{org}+")).unwrap_or(full);
            let mut entry = json!({"description": robot["description"].as_str().unwrap_or("")});
            if d.organization.robot_federation.contains_key(short) {
                let (status, f) = api.get(&format!(
                    "/api/v1/organization/{org}/robots/{short}/federation"
                ));
                assert_eq!(status, 200, "GET federation of {org}+{short}: {f}");
                entry["federation"] = f;
            }
            robots.insert(short.to_string(), entry);
        }

        let mut teams = Map::new();
        for (name, team) in o["teams"].as_object().into_iter().flatten() {
            let mut entry = json!({
                "role": team["role"],
                "description": team["description"].as_str().unwrap_or(""),
                "group_dn": Value::Null,
                "members": [],
                "invites": [],
            });
            if d.organization.teams.contains_key(name) {
                let (status, m) = api.get(&format!(
                    "/api/v1/organization/{org}/team/{name}/members?includePending=true"
                ));
                assert_eq!(status, 200, "GET members of {org}/{name}: {m}");
                let mut members = Vec::new();
                let mut invites = Vec::new();
                for member in m["members"].as_array().into_iter().flatten() {
                    let Some(member_name) = member["name"].as_str() else {
                        continue; // an e-mail invite
                    };
                    if member["invited"] == true {
                        invites.push(member_name.to_string());
                    } else {
                        members.push(member_name.to_string());
                    }
                }
                members.sort();
                entry["members"] = json!(members);
                entry["invites"] = json!(invites);
                entry["group_dn"] = m["synced"]["config"]["group_dn"].clone();
                entry["sync"] = m["synced"]["config"].clone();
            }
            teams.insert(name.clone(), entry);
        }

        let mut repos = Map::new();
        for (name, declared) in &d.organization.repositories {
            let base = format!("/api/v1/repository/{org}/{name}");
            let (status, r) = api.get(&format!("{base}?includeTags=false&includeStats=false"));
            assert_eq!(status, 200, "GET repository {org}/{name}: {r}");
            let (status, users) = api.get(&format!("{base}/permissions/user/"));
            assert_eq!(status, 200, "GET user permissions of {org}/{name}: {users}");
            let (status, team_perms) = api.get(&format!("{base}/permissions/team/"));
            assert_eq!(
                status, 200,
                "GET team permissions of {org}/{name}: {team_perms}"
            );
            let (status, notifications) = api.get(&format!("{base}/notification/"));
            assert_eq!(
                status, 200,
                "GET notifications of {org}/{name}: {notifications}"
            );
            let state = r["state"].as_str().unwrap_or("").to_string();
            let mirror = if declared.mirror.is_some() || state == "MIRROR" {
                let (status, m) = api.get(&format!("{base}/mirror"));
                assert_eq!(status, 200, "GET mirror of {org}/{name}: {m}");
                m
            } else {
                Value::Null
            };
            let roles = |v: &Value| -> Map<String, Value> {
                v["permissions"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, p)| (k.clone(), p["role"].clone()))
                    .collect()
            };
            repos.insert(
                name.clone(),
                json!({
                    "description": r["description"].as_str().unwrap_or(""),
                    "visibility": if r["is_public"] == true { "public" } else { "private" },
                    "state": state,
                    "user_permissions": roles(&users),
                    "team_permissions": roles(&team_perms),
                    "mirror": mirror,
                    "notifications": notifications["notifications"].clone(),
                }),
            );
        }
        let (status, p) = api.get(&format!("/api/v1/organization/{org}/prototypes"));
        assert_eq!(status, 200, "GET default permissions of {org}: {p}");
        let prototypes: Vec<Value> = p["prototypes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                json!({
                    "id": p["id"],
                    "role": p["role"],
                    "activating_user": p["activating_user"]["name"],
                    "delegate": {"kind": p["delegate"]["kind"], "name": p["delegate"]["name"]},
                })
            })
            .collect();
        orgs.insert(
            org.clone(),
            json!({
                "email": o["email"],
                "robots": robots,
                "teams": teams,
                "repositories": repos,
                "prototypes": prototypes,
            }),
        );
    }
    json!({ "organizations": orgs })
}

/// Changes made behind mqc's back, one of each kind the organization allows: a repository
/// description, a team member removed, a user permission's role changed.
fn make_drift(api: &Api, desired: &[&DesiredOrganization]) -> Vec<String> {
    let mut drift = Vec::new();
    for d in desired {
        let org = &d.organization.name;
        if let Some(name) = d.organization.repositories.keys().next() {
            let (status, body) = api.send(
                reqwest::Method::PUT,
                &format!("/api/v1/repository/{org}/{name}"),
                Some(json!({"description": "drifted by the live acceptance suite"})),
            );
            assert_eq!(
                status, 200,
                "drift: PUT description of {org}/{name}: {body}"
            );
            drift.push(format!("{org}/{name} description"));
        }
        let member = d.organization.teams.iter().find_map(|(team, t)| {
            let user = t.members.as_ref()?.users.iter().next()?;
            t.sync.is_none().then(|| (team.clone(), user.clone()))
        });
        if let Some((team, user)) = member {
            let (status, body) = api.send(
                reqwest::Method::DELETE,
                &format!("/api/v1/organization/{org}/team/{team}/members/{user}"),
                None,
            );
            assert_eq!(
                status, 204,
                "drift: remove {user} from {org}/{team}: {body}"
            );
            drift.push(format!("{user} removed from team {team}"));
        }
        let permission = d.organization.repositories.iter().find_map(|(repo, r)| {
            let (user, role) = r.permissions.users.as_ref()?.iter().next()?;
            Some((repo.clone(), user.clone(), role.as_str()))
        });
        if let Some((repo, user, role)) = permission {
            let other = if role == "read" { "write" } else { "read" };
            let (status, body) = api.send(
                reqwest::Method::PUT,
                &format!("/api/v1/repository/{org}/{repo}/permissions/user/{user}"),
                Some(json!({"role": other})),
            );
            assert_eq!(status, 200, "drift: {user} {other} on {org}/{repo}: {body}");
            drift.push(format!("{user} {role} → {other} on {repo}"));
        }
        let scheduled = d.organization.repositories.iter().find(|(_, r)| {
            r.mirror
                .as_ref()
                .is_some_and(|m| m.options.sync_start.is_some())
        });
        if let Some((repo, _)) = scheduled {
            // Off the declared hourly schedule by 30 minutes.
            let (status, body) = api.send(
                reqwest::Method::PUT,
                &format!("/api/v1/repository/{org}/{repo}/mirror"),
                Some(json!({"sync_start_date": "2026-12-05T03:30:00Z"})),
            );
            assert_eq!(
                status, 201,
                "drift: mirror schedule of {org}/{repo}: {body}"
            );
            drift.push(format!("mirror schedule of {repo}"));
        }
        let notified = d
            .organization
            .repositories
            .iter()
            .find(|(_, r)| r.notifications.as_ref().is_some_and(|list| list.len() > 1));
        if let Some((repo, _)) = notified {
            let base = format!("/api/v1/repository/{org}/{repo}/notification/");
            let (status, list) = api.get(&base);
            assert_eq!(
                status, 200,
                "drift: GET notifications of {org}/{repo}: {list}"
            );
            if let Some(uuid) = list["notifications"][0]["uuid"].as_str() {
                let (status, body) =
                    api.send(reqwest::Method::DELETE, &format!("{base}{uuid}"), None);
                assert_eq!(status, 204, "drift: DELETE notification {uuid}: {body}");
                drift.push(format!("a notification of {repo} deleted"));
            }
        }
        if let Some((robot, list)) = d.organization.robot_federation.iter().next() {
            if let Some(first) = list.first() {
                let (status, body) = api.send(
                    reqwest::Method::POST,
                    &format!("/api/v1/organization/{org}/robots/{robot}/federation"),
                    Some(json!([{"issuer": first.issuer, "subject": "repo:drifted/by:the-live-suite"}])),
                );
                assert_eq!(status, 200, "drift: federation of {org}+{robot}: {body}");
                drift.push(format!("federation subject of {robot}"));
            }
        }
        if d.organization.default_permissions.is_some() {
            let (status, p) = api.get(&format!("/api/v1/organization/{org}/prototypes"));
            assert_eq!(status, 200, "drift: GET default permissions of {org}: {p}");
            if let Some(first) = p["prototypes"].as_array().and_then(|list| list.first()) {
                let (id, role) = (first["id"].as_str().unwrap_or(""), first["role"].as_str());
                let other = if role == Some("read") {
                    "write"
                } else {
                    "read"
                };
                let (status, body) = api.send(
                    reqwest::Method::PUT,
                    &format!("/api/v1/organization/{org}/prototypes/{id}"),
                    Some(json!({"role": other})),
                );
                assert_eq!(
                    status, 200,
                    "drift: default permission {id} → {other}: {body}"
                );
                drift.push(format!("default permission {id} → {other}"));
            }
        }
    }
    drift
}

// ---------------------------------------------------------------------------------------------
// Environment, the login file and the mqc options.

struct Live {
    url: String,
    token: String,
    ca: Option<PathBuf>,
    max_rps: String,
    max_connections: String,
    timeout: String,
}

impl Live {
    /// `None` (and a line on the real stderr, past the test harness's capture) when the
    /// variables are unset. A variable that is set but wrong fails the test.
    fn from_env(test: &str) -> Option<Live> {
        let url = std::env::var("MQC_LIVE_QUAY_URL")
            .ok()
            .filter(|v| !v.is_empty());
        let token_file = std::env::var("MQC_LIVE_QUAY_TOKEN_FILE")
            .ok()
            .filter(|v| !v.is_empty());
        let (url, token_file) = match (url, token_file) {
            (Some(url), Some(file)) => (url, file),
            (None, None) => {
                say(&format!(
                    "{test}: SKIPPED (live acceptance): MQC_LIVE_QUAY_URL and \
                     MQC_LIVE_QUAY_TOKEN_FILE are not set; run scripts/live-acceptance.sh \
                     URL TOKEN_FILE [CA] against a real Quay"
                ));
                return None;
            }
            _ => panic!("set both MQC_LIVE_QUAY_URL and MQC_LIVE_QUAY_TOKEN_FILE, or neither"),
        };
        let token = std::fs::read_to_string(&token_file)
            .unwrap_or_else(|e| panic!("cannot read MQC_LIVE_QUAY_TOKEN_FILE {token_file}: {e}"))
            .trim()
            .to_string();
        assert!(!token.is_empty(), "{token_file} holds no token");
        let ca = std::env::var_os("MQC_LIVE_QUAY_CA")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        if let Some(ca) = &ca {
            assert!(
                ca.is_file(),
                "MQC_LIVE_QUAY_CA {} is not a file",
                ca.display()
            );
        }
        let var = |key: &str, default: &str| {
            std::env::var(key)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        Some(Live {
            url: url.trim_end_matches('/').to_string(),
            token,
            ca,
            max_rps: var("MQC_LIVE_MAX_RPS", "5"),
            max_connections: var("MQC_LIVE_MAX_CONNECTIONS", "4"),
            timeout: var("MQC_LIVE_TIMEOUT", "30"),
        })
    }

    /// A fixture whose files' endpoint is sent to the live Quay.
    fn fixture(&self) -> Fixture {
        let mut fixture = Fixture::new();
        fixture.endpoint_map.push(format!("{QUAY1}={}", self.url));
        fixture
    }

    /// The login file (mode 0600): the token, and a password for each mirror user.
    fn login(&self, fixture: &Fixture, mirrors: &[(String, String, String)]) {
        let mirrors: Vec<(&str, &str, &str, &str)> = mirrors
            .iter()
            .map(|(o, r, u)| (o.as_str(), r.as_str(), u.as_str(), MIRROR_PASSWORD))
            .collect();
        fixture.login_with(&[(QUAY1, self.token.as_str())], &mirrors);
    }

    fn mqc_args(&self) -> Vec<String> {
        let mut args = vec![
            "--max-requests-per-second".to_string(),
            self.max_rps.clone(),
            "--max-connections".to_string(),
            self.max_connections.clone(),
            "--timeout".to_string(),
            self.timeout.clone(),
            "--verbosity".to_string(),
            "5".to_string(),
        ];
        if let Some(ca) = &self.ca {
            args.push("--ca-cert".to_string());
            args.push(ca.display().to_string());
        }
        args
    }
}

/// A name no earlier run used: Quay keeps a deleted organization's name reserved until its
/// namespace GC worker runs, so names are never reused.
fn unique(base: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut value = nanos ^ (u128::from(std::process::id()) << 64) ^ u128::from(n);
    let mut suffix = String::new();
    for _ in 0..8 {
        suffix.push(char::from(
            b"0123456789abcdefghijklmnopqrstuvwxyz"[(value % 36) as usize],
        ));
        value /= 36;
    }
    format!("{base}-{suffix}")
}

/// A line on the process's stderr, not through the test harness's capture: a skip and the
/// step counts show even for passing tests.
fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

// ---------------------------------------------------------------------------------------------
// The test's own API client (reqwest, not mqc's client: the suite checks mqc from outside).

struct Api {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    authorization: String,
    requests: std::cell::Cell<u64>,
}

impl Api {
    fn new(live: &Live) -> Api {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(60));
        if let Some(ca) = &live.ca {
            let pem = std::fs::read(ca).expect("read MQC_LIVE_QUAY_CA");
            let cert = reqwest::Certificate::from_pem(&pem).expect("MQC_LIVE_QUAY_CA is not PEM");
            builder = builder.add_root_certificate(cert);
        }
        Api {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime"),
            http: builder.build().expect("HTTP client"),
            base: live.url.clone(),
            authorization: format!("Bearer {}", live.token),
            requests: std::cell::Cell::new(0),
        }
    }

    fn requests(&self) -> u64 {
        self.requests.get()
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None)
    }

    /// One request; the body as JSON, or as a JSON string when it is not JSON (HTML errors).
    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.requests.set(self.requests.get() + 1);
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .header("Authorization", &self.authorization);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let result = self.rt.block_on(async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let text = response.text().await?;
            Ok::<_, reqwest::Error>((status, text))
        });
        match result {
            Ok((status, text)) => (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            ),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }

    /// Whether `GET /config` (no token) lists `FEATURE_<name>` as on.
    fn has_feature(&self, name: &str) -> bool {
        let (status, config) = self.get("/config");
        assert_eq!(status, 200, "GET /config: {config}");
        config["features"][name] == true
    }

    fn token_user(&self) -> String {
        let (status, user) = self.get("/api/v1/user/");
        assert_eq!(status, 200, "GET /api/v1/user/ with the token: {user}");
        assert_eq!(
            user["super_user"], true,
            "the token must be a superuser's with every scope: {user}"
        );
        user["username"]
            .as_str()
            .unwrap_or(TOKEN_USER_FALLBACK)
            .to_string()
    }
}

/// Deletes the run's organizations through the API when the scenario ends, passed or failed.
struct Cleanup<'a> {
    api: &'a Api,
    orgs: Vec<String>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for org in &self.orgs {
            let path = format!("/api/v1/organization/{org}");
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (status, body) = self.api.send(reqwest::Method::DELETE, &path, None);
                if status == 403 {
                    // Not an admin of it (a run that failed half-way): the superuser route.
                    self.api.send(
                        reqwest::Method::DELETE,
                        &format!("/api/v1/superuser/organizations/{org}"),
                        None,
                    )
                } else {
                    (status, body)
                }
            }));
            match outcome {
                Ok((204, _)) => say(&format!("[live cleanup] deleted organization {org}")),
                Ok((404, _)) => say(&format!("[live cleanup] {org}: already gone")),
                Ok((status, body)) => say(&format!(
                    "[live cleanup] WARNING: DELETE {org} answered {status}: {body}"
                )),
                Err(_) => say(&format!("[live cleanup] WARNING: could not delete {org}")),
            }
        }
    }
}
