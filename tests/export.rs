//! `mqc export` against quay-sim (issue 7): an organization built by hand through Quay's API
//! exports to a file that `check` accepts and that `create --dry-run` finds in sync; the file
//! recreates the same organization on a second Quay; re-exports leave files alone; failures
//! stay per organization; `--all` needs a superuser.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;
use quay_sim::{Config, QuaySim, Scope, TokenSpec};
use serde_json::{json, Value};

const ORG: &str = "handmade";
const MIRROR_USER: &str = "puller";
const ALICE_TOKEN: &str = "alice-token-0123";

/// Quay's API, called as a user would by hand (curl), with the superuser token.
struct Api {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(sim: &QuaySim) -> Api {
        Api {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::new(),
            base: sim.base_url(),
        }
    }

    /// Sends one request and asserts that Quay accepted it.
    #[track_caller]
    fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let request = self
            .client
            .request(method.clone(), format!("{}/api/v1{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body);
        let (status, text) = self.runtime.block_on(async {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        });
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    #[track_caller]
    fn put(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::PUT, path, body)
    }

    #[track_caller]
    fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, body)
    }
}

/// A Quay with LDAP team syncing and mailing (additions of users in no team become invites),
/// the superuser token and a token of the plain user alice.
fn quay() -> QuaySim {
    sim_with(Config {
        mailing: true,
        tokens: vec![
            TokenSpec::superuser(TOKEN),
            TokenSpec::new(ALICE_TOKEN, "alice", Scope::ALL),
        ],
        ..base_config()
    })
}

/// The organization of the issue, made by hand: nested repositories, a mirror with proxy
/// settings and a username, a mirror-failure webhook, an LDAP-synced team, pending invites,
/// user/robot/team permissions, robots with descriptions, a team with role and description.
fn build_by_hand(sim: &QuaySim) {
    let api = Api::new(sim);
    let org = format!("/organization/{ORG}");
    api.post(
        "/organization/",
        json!({"name": ORG, "email": "ops@example.com"}),
    );
    api.put(
        &format!("{org}/robots/writer"),
        json!({"description": "Pushes mirrored images"}),
    );
    api.put(
        &format!("{org}/robots/reader"),
        json!({"description": "CI reader"}),
    );
    api.put(&format!("{org}/robots/bare"), json!({}));

    api.put(
        &format!("{org}/team/devs"),
        json!({"role": "creator", "description": "Developers"}),
    );
    api.put(&format!("{org}/team/readers"), json!({"role": "member"}));
    api.put(&format!("{org}/team/directory"), json!({"role": "member"}));
    // bob joins readers first, so adding him to devs is direct; alice is in no team: with
    // mailing on she gets an invitation (twice: Quay does not deduplicate).
    api.put(&format!("{org}/team/readers/members/bob"), json!({}));
    let invited = api.put(&format!("{org}/team/devs/members/alice"), json!({}));
    assert_eq!(invited["invited"], true, "alice should be invited");
    api.put(&format!("{org}/team/devs/members/alice"), json!({}));
    api.put(&format!("{org}/team/devs/members/bob"), json!({}));
    api.put(&format!("{org}/team/devs/members/{ORG}+writer"), json!({}));
    // An LDAP-synced team: carol came in before the sync, the robot after it.
    api.put(&format!("{org}/team/directory/members/bob"), json!({}));
    api.post(
        &format!("{org}/team/directory/syncing"),
        json!({"group_dn": "cn=directory,ou=groups"}),
    );
    api.put(
        &format!("{org}/team/directory/members/{ORG}+reader"),
        json!({}),
    );

    for (name, visibility, description) in [
        ("app", "public", "The application"),
        ("nested/demorepo", "private", ""),
        ("team-a/tools/alpine", "private", "Mirror of alpine"),
    ] {
        api.post(
            "/repository",
            json!({"namespace": ORG, "repository": name, "visibility": visibility,
                   "description": description, "repo_kind": "image"}),
        );
    }
    let perms = |repo: &str| format!("/repository/{ORG}/{repo}/permissions");
    api.put(
        &format!("{}/user/alice", perms("app")),
        json!({"role": "write"}),
    );
    api.put(
        &format!("{}/user/{ORG}+reader", perms("app")),
        json!({"role": "read"}),
    );
    api.put(
        &format!("{}/team/devs", perms("app")),
        json!({"role": "admin"}),
    );
    api.put(
        &format!("{}/team/owners", perms("app")),
        json!({"role": "read"}),
    );
    // The token user's own permission, lowered: not implicit any more.
    api.put(
        &format!("{}/user/admin", perms("nested/demorepo")),
        json!({"role": "write"}),
    );
    api.put(
        &format!("{}/team/readers", perms("nested/demorepo")),
        json!({"role": "read"}),
    );
    api.put(
        &format!("{}/user/bob", perms("team-a/tools/alpine")),
        json!({"role": "read"}),
    );

    let alpine = format!("/repository/{ORG}/team-a/tools/alpine");
    api.post(
        &format!("{alpine}/mirror"),
        json!({
            "is_enabled": true,
            "external_reference": "quay.io/libpod/alpine",
            "external_registry_username": MIRROR_USER,
            "external_registry_password": MIRROR_PASSWORD,
            "external_registry_config": {
                "verify_tls": false,
                "unsigned_images": true,
                "proxy": {"https_proxy": "http://proxy.example.com:3128", "no_proxy": ".example.com"}
            },
            "sync_interval": 86400,
            "sync_start_date": "2024-08-21T00:00:00Z",
            "robot_username": format!("{ORG}+writer"),
            "skopeo_timeout_interval": 300,
            "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["v1.*", "latest"]}
        }),
    );
    api.post(
        &format!("{alpine}/notification/"),
        json!({"event": "repo_mirror_sync_failed", "method": "webhook",
               "config": {"url": "https://hooks.example.com/quay"}, "eventConfig": {},
               "title": "Mirror failed"}),
    );
}

/// The body the export of [`build_by_hand`] must have: minimal (no owners team, no token
/// user's admin, no mirror robot's write, no password), exact (every permission list),
/// sorted.
const EXPECTED_BODY: &str = r#"---
quay_endpoint: example-registry-quay-quay1.apps.ocphub.lab.seeweb
quay_organization: handmade
quay_organization_email: ops@example.com
repositories:
- name: app
  description: The application
  visibility: public
  permissions:
    robots:
    - name: reader
      role: read
    users:
    - name: alice
      role: write
    teams:
    - name: devs
      role: admin
    - name: owners
      role: read
- name: nested/demorepo
  visibility: private
  permissions:
    robots: []
    users:
    - name: admin
      role: write
    teams:
    - name: readers
      role: read
- name: team-a/tools/alpine
  description: Mirror of alpine
  visibility: private
  mirror: true
  mirror_params:
    src_registry: quay.io
    src_image: libpod/alpine
    src_image_tags:
    - v1.*
    - latest
    ext_registry_username: puller
    ext_registry_verify_tls: false
    ext_registry_unsigned_image: true
    robot_username: writer
    sync_interval: 86400
    is_enabled: true
    https_proxy: http://proxy.example.com:3128
    no_proxy: .example.com
    sync_start_date: 2024-08-21T00:00:00Z
  permissions:
    robots: []
    users:
    - name: bob
      role: read
    teams: []
  notification:
  - event: repo_mirror_sync_failed
    method: webhook
    title: Mirror failed
    config:
      url: https://hooks.example.com/quay
robots:
- name: bare
- name: reader
  desc: CI reader
- name: writer
  desc: Pushes mirrored images
teams:
- name: devs
  description: Developers
  members:
    users:
    - alice
    - bob
    robots:
    - writer
  role: creator
- name: directory
  members:
    robots:
    - reader
  role: member
  group_dn: cn=directory,ou=groups
- name: readers
  members:
    users:
    - bob
    robots: []
  role: member
tag_expiration: 2w
"#;

/// A fixture whose QUAY1 is `sim`, with the superuser token and the mirror password.
fn fixture_for(sim: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, sim);
    fixture.login_with(
        &[(QUAY1, TOKEN)],
        &[(ORG, "team-a/tools/alpine", MIRROR_USER, MIRROR_PASSWORD)],
    );
    fixture
}

fn export_args<'a>(fixture: &'a Fixture, extra: &[&'a str]) -> Vec<String> {
    let mut args = vec![
        "export".to_string(),
        "--endpoint".into(),
        QUAY1.into(),
        "--out".into(),
        fixture.dir().display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn export(fixture: &Fixture, extra: &[&str]) -> Run {
    let args = export_args(fixture, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fixture.mqc(&args)
}

fn file(fixture: &Fixture, org: &str) -> PathBuf {
    fixture.dir().join(format!("{org}.yaml"))
}

fn read(fixture: &Fixture, org: &str) -> String {
    std::fs::read_to_string(file(fixture, org)).expect("exported file")
}

#[test]
fn a_hand_made_organization_exports_to_a_checked_file_that_round_trips() {
    let quay1 = quay();
    build_by_hand(&quay1);
    let fixture = fixture_for(&quay1);

    quay1.reset_stats();
    let run = export(&fixture, &["--organization", ORG]);
    run.expect_code(0);
    assert_eq!(quay1.stats().writes, 0, "export only reads");
    assert!(
        run.stdout.contains(&format!(
            "✓ handmade: written to {}",
            file(&fixture, ORG).display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  - the password of puller for the mirror of handmade/team-a/tools/alpine"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(MIRROR_PASSWORD) && !run.stderr.contains(MIRROR_PASSWORD));

    let text = read(&fixture, ORG);
    let mut lines = text.lines();
    // Editors validate the file against the schema `mqc schema` writes beside it.
    assert_eq!(
        lines.next(),
        Some("# yaml-language-server: $schema=mqc-organization.schema.json")
    );
    assert_eq!(
        lines.next(),
        Some("# (for editors; write it beside this file with `mqc schema > mqc-organization.schema.json`)")
    );
    let first = lines.next().unwrap();
    assert!(
        first.starts_with(&format!(
            "# Exported by mqc {} from {QUAY1} on ",
            env!("CARGO_PKG_VERSION")
        )) && first.ends_with('Z'),
        "{first}"
    );
    assert!(lines
        .next()
        .unwrap()
        .starts_with("# Review this file before `mqc create`"));
    let body = text.split_once("\n---\n").map(|(_, b)| format!("---\n{b}"));
    assert_eq!(body.as_deref(), Some(EXPECTED_BODY), "{text}");
    assert!(!text.contains(MIRROR_PASSWORD) && !text.contains(TOKEN));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file(&fixture, ORG))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    // `mqc login` finds the mirror password the file needs (stored already here).
    let needs = fixture.mqc(&["login", "--list"]);
    needs.expect_code(0);
    assert!(
        needs
            .stdout
            .contains("mirror-password handmade/team-a/tools/alpine user=puller"),
        "{}",
        needs.stdout
    );

    let check = fixture.mqc(&["check"]);
    check.expect_code(0);
    assert!(
        check.stdout.contains("0 errors, 0 warnings in 1 file"),
        "{}",
        check.stdout
    );

    quay1.reset_stats();
    let plan = fixture.mqc(&["create", "--dry-run", "--detailed-exitcode"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains("No changes: everything is in sync"),
        "{}",
        plan.stdout
    );
    assert_eq!(quay1.stats().writes, 0);
}

/// The state of one organization with what differs between two Quays by nature taken out:
/// ids, robot tokens, notification uuids, tags, mirror sync bookkeeping, invitations (counted
/// as members), users of synced teams (they come from LDAP), and the token user's implicit
/// entries (its `admin` on repositories it created, its seat in `owners`).
fn normalised(state: &Value, org: &str) -> Value {
    let mut org = state["organizations"][org].clone();
    org.as_object_mut().unwrap().remove("id");
    for robot in org["robots"].as_object_mut().unwrap().values_mut() {
        robot.as_object_mut().unwrap().remove("token");
    }
    for team in org["teams"].as_object_mut().unwrap().values_mut() {
        let synced = !team["group_dn"].is_null();
        let members: BTreeSet<String> = team["members"]
            .as_array()
            .unwrap()
            .iter()
            .chain(team["invites"].as_array().unwrap())
            .filter_map(Value::as_str)
            .filter(|m| !synced || m.contains('+'))
            .filter(|m| *m != "admin")
            .map(str::to_string)
            .collect();
        team["members"] = json!(members);
        team.as_object_mut().unwrap().remove("invites");
    }
    for repo in org["repositories"].as_object_mut().unwrap().values_mut() {
        let repo = repo.as_object_mut().unwrap();
        repo.remove("id");
        repo.remove("tags");
        let users = repo["user_permissions"].as_object_mut().unwrap();
        if users.get("admin") == Some(&json!("admin")) {
            users.remove("admin");
        }
        for notification in repo["notifications"].as_array_mut().unwrap() {
            let notification = notification.as_object_mut().unwrap();
            notification.remove("uuid");
            notification.remove("number_of_failures");
        }
        if let Some(mirror) = repo["mirror"].as_object_mut() {
            mirror.retain(|key, _| !key.starts_with("sync_") || key == "sync_interval");
            // An unset proxy setting and one set to null are the same.
            if let Some(proxy) = mirror["external_registry_config"]["proxy"].as_object_mut() {
                proxy.retain(|_, value| !value.is_null());
            }
        }
    }
    org
}

#[test]
fn export_from_one_quay_then_create_on_another_gives_the_same_organization() {
    let quay1 = quay();
    build_by_hand(&quay1);
    let mut fixture = fixture_for(&quay1);
    export(&fixture, &["--organization", ORG]).expect_code(0);

    // The same file, applied to a second, empty Quay.
    let quay2 = quay();
    fixture.endpoint_map.clear();
    fixture.map(QUAY1, &quay2);
    fixture.mqc(&["create"]).expect_code(0);

    let (source, copy) = (
        normalised(&quay1.state(), ORG),
        normalised(&quay2.state(), ORG),
    );
    assert_eq!(
        source,
        copy,
        "source:\n{}\ncopy:\n{}",
        serde_json::to_string_pretty(&source).unwrap(),
        serde_json::to_string_pretty(&copy).unwrap()
    );
    // The comparison is not vacuous.
    assert_eq!(
        source["repositories"]["team-a/tools/alpine"]["mirror"]["external_registry_password"],
        MIRROR_PASSWORD
    );
    assert_eq!(
        source["teams"]["devs"]["members"],
        json!(["alice", "bob", "handmade+writer"])
    );
    fixture
        .mqc(&["create", "--dry-run", "--detailed-exitcode"])
        .expect_code(0);
}

#[test]
fn re_export_leaves_files_alone_and_a_changed_organization_needs_force() {
    let quay1 = quay();
    build_by_hand(&quay1);
    quay1.create_org("other", "admin").unwrap();
    let fixture = fixture_for(&quay1);
    let both = ["--organization", ORG, "--organization", "other"];
    export(&fixture, &both).expect_code(0);
    let (first, other) = (read(&fixture, ORG), read(&fixture, "other"));
    assert!(other.ends_with("---\nquay_endpoint: example-registry-quay-quay1.apps.ocphub.lab.seeweb\nquay_organization: other\nquay_organization_email: ''\ntag_expiration: 2w\n"), "{other}");

    // Unchanged Quay: the files are not touched (the header keeps its first timestamp),
    // even with --force.
    for extra in [&[][..], &["--force"][..]] {
        let args: Vec<&str> = both.iter().chain(extra).copied().collect();
        let run = export(&fixture, &args);
        run.expect_code(0);
        assert!(
            run.stdout.contains("= handmade: unchanged"),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("= other: unchanged"), "{}", run.stdout);
        assert!(
            run.stdout.contains("0 written, 2 unchanged, 0 failed"),
            "{}",
            run.stdout
        );
        assert_eq!(read(&fixture, ORG), first);
        assert_eq!(read(&fixture, "other"), other);
    }

    // Quay changed: refused without --force (the other organization still goes through).
    quay1
        .set_repo_description(ORG, "app", "Changed by hand")
        .unwrap();
    let refused = export(&fixture, &[&both[..], &["--output", "json"]].concat());
    refused.expect_code(1);
    let report = refused.json();
    assert_eq!(report["endpoint"], QUAY1);
    let path = file(&fixture, ORG).display().to_string();
    assert_eq!(
        report["organizations"][0],
        json!({"name": ORG, "file": path, "status": "failed",
               "error": format!("{path} exists and differs from what Quay holds now; review it, \
                                 then pass --force to overwrite it")})
    );
    assert_eq!(report["organizations"][1]["status"], "unchanged");
    // Only the organizations exported (written or unchanged) need their mirror passwords.
    assert_eq!(report["mirror_passwords_needed"], json!([]));
    assert_eq!(read(&fixture, ORG), first);

    let forced = export(&fixture, &[&both[..], &["--force"]].concat());
    forced.expect_code(0);
    assert!(
        forced.stdout.contains("✓ handmade: written"),
        "{}",
        forced.stdout
    );
    let rewritten = read(&fixture, ORG);
    assert!(
        rewritten.contains("  description: Changed by hand\n"),
        "{rewritten}"
    );
    let body = |text: &str| text.split_once("\n---\n").unwrap().1.to_string();
    assert_eq!(
        body(&rewritten),
        body(&first).replace(
            "description: The application",
            "description: Changed by hand"
        ),
        "only the description changed"
    );
}

#[test]
fn an_organization_that_cannot_be_read_fails_alone() {
    let quay1 = quay();
    build_by_hand(&quay1);
    quay1.create_org("alices", "alice").unwrap();
    let fixture = fixture_for(&quay1);

    let run = export(
        &fixture,
        &["--organization", "nosuch", "--organization", ORG],
    );
    run.expect_code(1);
    assert!(
        run.stdout.contains(&format!(
            "✗ nosuch: failed: organization nosuch does not exist on https://{QUAY1} (or the \
             token's user cannot see it)"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✓ handmade: written"), "{}", run.stdout);
    assert!(
        run.stdout.contains("1 written, 0 unchanged, 1 failed"),
        "{}",
        run.stdout
    );
    assert!(!file(&fixture, "nosuch").exists());

    // A name that is no organization name never becomes a path.
    let run = export(&fixture, &["--organization", "../escape"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "✗ ../escape: failed: `../escape` is not an organization name: it must start with a \
             letter or digit"
        ),
        "{}",
        run.stdout
    );
    assert!(!fixture.root.path().join("escape.yaml").exists());

    // alice's token may read her own organization, not handmade.
    let alice = Fixture::new();
    let mut alice = alice;
    alice.map(QUAY1, &quay1);
    alice.login_with(&[(QUAY1, ALICE_TOKEN)], &[]);
    let run = export(&alice, &["--organization", ORG, "--organization", "alices"]);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("✗ handmade: failed: cannot read the organization: "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("✓ alices: written"), "{}", run.stdout);
    assert!(!run.stdout.contains(ALICE_TOKEN) && !run.stderr.contains(ALICE_TOKEN));
}

#[test]
fn all_exports_every_organization_with_a_superuser_token_only() {
    let quay1 = quay();
    build_by_hand(&quay1);
    for org in ["other", "third"] {
        quay1.create_org(org, "admin").unwrap();
    }
    let fixture = fixture_for(&quay1);

    let run = export(&fixture, &["--all", "--output", "json"]);
    run.expect_code(0);
    let report = run.json();
    let statuses: Vec<(&str, &str)> = report["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("handmade", "written"),
            ("other", "written"),
            ("third", "written")
        ]
    );
    let mut files: Vec<String> = std::fs::read_dir(fixture.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["handmade.yaml", "other.yaml", "third.yaml"]);
    fixture.mqc(&["check"]).expect_code(0);
    fixture
        .mqc(&["create", "--dry-run", "--detailed-exitcode"])
        .expect_code(0);

    // An organization the superuser does not own: Quay (without
    // FEATURE_SUPERUSERS_FULL_ACCESS) hides its teams, so it fails alone.
    quay1.create_org("alices", "alice").unwrap();
    let run = export(&fixture, &["--all"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(&format!(
            "✗ alices: failed: cannot read the organization: https://{QUAY1} (http://127.0.0.1:"
        )) && run
            .stdout
            .contains("organization alices: Quay does not show its teams to this token"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("0 written, 3 unchanged, 1 failed"),
        "{}",
        run.stdout
    );

    let mut alice = Fixture::new();
    alice.map(QUAY1, &quay1);
    alice.login_with(&[(QUAY1, ALICE_TOKEN)], &[]);
    let refused = export(&alice, &["--all"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains(
            "--all lists every organization of https://example-registry-quay-quay1.apps.ocphub.lab.seeweb, \
             which needs a superuser's token with the `super:user` scope; the token of alice is \
             not one. Name the organizations with --organization NAME instead"
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read_dir(alice.dir()).unwrap().count(), 0);
}

#[test]
fn without_a_login_file_the_token_comes_from_the_environment() {
    let sim = quay();
    build_by_hand(&sim);
    let mut fixture = Fixture::new();
    fixture.map(QUAY1, &sim);
    let args = export_args(&fixture, &["--organization", ORG]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // No login file, no variable, no terminal: a clear error naming the variable.
    let refused = Run::from(fixture.command(&args).output().expect("run"));
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains("MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB"),
        "{}",
        refused.stderr
    );

    let output = fixture
        .command(&args)
        .env(
            "MQC_TOKEN_EXAMPLE_REGISTRY_QUAY_QUAY1_APPS_OCPHUB_LAB_SEEWEB",
            TOKEN,
        )
        .output()
        .expect("run");
    let run = Run::from(output);
    run.expect_code(0);
    assert!(read(&fixture, ORG).contains(&format!("quay_organization: {ORG}")));
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
}
