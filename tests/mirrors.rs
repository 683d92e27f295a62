//! Mirrors and Quay's own side effects (issue 11, items 5, 7 and 8), against quay-sim: the
//! mirror robot's conditional `write`, robots a mirror configuration keeps, and re-sending
//! rotated mirror credentials.

mod common;

use common::*;
use quay_sim::{QuaySim, QuayVersion};
use serde_json::Value;

const ENDPOINT: &str = "quay.example.com";
const ORG: &str = "mirrors";

fn fixture(sim: &QuaySim) -> Fixture {
    let mut fixture = Fixture::new();
    fixture.map(ENDPOINT, sim);
    fixture.login_with(&[(ENDPOINT, TOKEN)], &[]);
    fixture
}

fn repo<'a>(state: &'a Value, name: &str) -> &'a Value {
    &state["organizations"][ORG]["repositories"][name]
}

fn route(sim: &QuaySim, key: &str) -> u64 {
    sim.stats().by_route.get(key).copied().unwrap_or(0)
}

const MIRROR_ROUTE: &str = "/api/v1/repository/{repository}/mirror";
const ROBOT_DELETE: &str = "DELETE /api/v1/organization/{org}/robots/{robot}";

/// The mirror robot `writer` is a member of `admins` (admin on `alpine`) and of `writers`
/// (write on `busybox`): Quay grants it nothing when the mirrors are created, so mqc must grant
/// the declared direct `write` itself. `plain` gets the ordinary grant from Quay.
const TEAM_MIRRORS: &str = r#"
quay_endpoint: quay.example.com
quay_organization: mirrors
robots:
  - {name: writer, desc: "Mirror robot"}
teams:
  - name: admins
    role: member
    members: {robots: [writer]}
  - name: writers
    role: member
    members: {robots: [writer]}
repositories:
  - name: alpine
    mirror: true
    mirror_params: &mirror
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      robot_username: writer
      sync_interval: 86400
      is_enabled: true
    permissions:
      robots: [{name: writer, role: write}]
      teams: [{name: admins, role: admin}]
  - name: busybox
    mirror: true
    mirror_params: *mirror
    permissions:
      robots: [{name: writer, role: write}]
      teams: [{name: writers, role: write}]
  - name: plain
    mirror: true
    mirror_params: *mirror
    permissions:
      robots: [{name: writer, role: write}]
"#;

#[test]
fn a_mirror_robot_with_write_or_admin_through_a_team_converges_in_one_run() {
    for version in [QuayVersion::V3_12, QuayVersion::Head] {
        let sim = sim(version, false);
        let fixture = fixture(&sim);
        fixture.write_org("mirrors.yaml", TEAM_MIRRORS);

        let first = fixture.mqc(&["create"]);
        first.expect_code(0);
        let state = sim.state();
        for name in ["alpine", "busybox", "plain"] {
            let r = repo(&state, name);
            assert_eq!(r["state"], "MIRROR", "{version:?} {name}");
            assert_eq!(
                r["user_permissions"]["mirrors+writer"], "write",
                "{version:?} {name}: {}\n{}",
                r["user_permissions"], first.stdout
            );
        }
        assert_eq!(
            repo(&state, "alpine")["team_permissions"]["admins"],
            "admin"
        );
        assert_eq!(
            repo(&state, "busybox")["team_permissions"]["writers"],
            "write"
        );
        assert_converged(&state, &orgs_on(&fixture.desired(), ENDPOINT), "admin");
        // mqc granted the two Quay skips, and not the one Quay adds by itself.
        for (name, granted) in [("alpine", true), ("busybox", true), ("plain", false)] {
            let line = format!("+ grant robot mirrors+writer write on mirrors/{name}");
            assert_eq!(
                first.stdout.contains(&line),
                granted,
                "{version:?} `{line}`\n{}",
                first.stdout
            );
        }

        sim.reset_stats();
        let second = fixture.mqc(&["create"]);
        second.expect_code(0);
        assert_eq!(sim.stats().writes, 0, "{version:?}\n{}", second.stdout);
    }
}

#[test]
fn every_shipped_example_converges_in_one_run_on_3_12_and_head() {
    // basic-example-mirror: the mirror robot is in `maintainers`, which has admin on the
    // mirrored repository; on a real Quay it needed two runs.
    for version in [QuayVersion::V3_12, QuayVersion::Head] {
        let quay1 = sim(version, false);
        let quay2 = sim(version, false);
        let fixture = Fixture::examples(&quay1, &quay2);
        fixture.mqc(&["create"]).expect_code(0);
        let state = quay1.state();
        let alpine = &state["organizations"]["basic-example-mirror"]["repositories"]["alpine"];
        assert_eq!(
            alpine["user_permissions"]["basic-example-mirror+writer"],
            "write"
        );
        assert_eq!(alpine["team_permissions"]["maintainers"], "admin");
        let desired = fixture.desired();
        assert_converged(&state, &orgs_on(&desired, QUAY1), "admin");
        assert_converged(&quay2.state(), &orgs_on(&desired, QUAY2), "admin");
        quay1.reset_stats();
        quay2.reset_stats();
        let plan = fixture.mqc(&["plan", "--detailed-exitcode"]);
        plan.expect_code(0);
        assert_eq!(quay1.stats().writes + quay2.stats().writes, 0);
    }
}

const MIRRORED_BY_OLD: &str = r#"
quay_endpoint: quay.example.com
quay_organization: mirrors
robots:
  - {name: keep, desc: "kept"}
  - {name: oldmirror, desc: "mirror robot"}
repositories:
  - name: alpine
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      robot_username: oldmirror
      sync_interval: 86400
      is_enabled: true
  - name: other
"#;

/// The same organization once `alpine` stopped mirroring and `oldmirror` left the file.
const NO_MORE_MIRROR: &str = r#"
quay_endpoint: quay.example.com
quay_organization: mirrors
robots:
  - {name: keep, desc: "kept"}
repositories:
  - name: alpine
  - name: other
"#;

#[test]
fn prune_robots_keeps_a_robot_a_disabled_mirror_names_and_says_why() {
    let sim = sim(QuayVersion::Head, false);
    let fixture = fixture(&sim);
    fixture.write_org("mirrors.yaml", MIRRORED_BY_OLD);
    fixture.mqc(&["create"]).expect_code(0);
    fixture.write_org("mirrors.yaml", NO_MORE_MIRROR);
    fixture.mqc(&["create"]).expect_code(0);
    let state = sim.state();
    // Quay has no mirror delete: the configuration stays, disabled, on a NORMAL repository.
    assert_eq!(repo(&state, "alpine")["state"], "NORMAL");
    assert_eq!(repo(&state, "alpine")["mirror"]["is_enabled"], false);
    assert_eq!(
        repo(&state, "alpine")["mirror"]["robot_username"],
        "mirrors+oldmirror"
    );

    // Without a removal candidate, no mirror is read.
    sim.reset_stats();
    fixture.mqc(&["plan"]).expect_code(0);
    assert_eq!(route(&sim, &format!("GET {MIRROR_ROUTE}")), 0);

    sim.reset_stats();
    let pruned = fixture.mqc(&["create", "--prune", "robots"]);
    pruned.expect_code(0);
    assert!(
        pruned.stdout.contains(
            "! robot mirrors+oldmirror is not deleted: the mirror configuration of mirrors/alpine names it"
        ),
        "{}",
        pruned.stdout
    );
    assert_eq!(route(&sim, ROBOT_DELETE), 0, "{:?}", sim.stats());
    assert_eq!(sim.stats().writes, 0, "{:?}", sim.stats());
    // The candidate makes the reader look at every repository's mirror: both are NORMAL.
    assert_eq!(route(&sim, &format!("GET {MIRROR_ROUTE}")), 2);
    assert!(sim.state()["organizations"][ORG]["robots"]["oldmirror"].is_object());

    let json = fixture.mqc(&["plan", "--prune", "robots", "--output", "json"]);
    json.expect_code(0);
    let notices = &json.json()["targets"][0]["plan"]["notices"];
    assert!(
        notices.as_array().into_iter().flatten().any(|n| {
            n["notice"] == "robot_used_by_mirror"
                && n["robot"] == "oldmirror"
                && n["repositories"] == serde_json::json!(["alpine"])
        }),
        "{notices}"
    );

    // A robot no mirror names is still pruned.
    sim.create_robot(ORG, "stray", "").unwrap();
    sim.reset_stats();
    fixture.mqc(&["create", "--prune", "robots"]).expect_code(0);
    assert_eq!(route(&sim, ROBOT_DELETE), 1);
    let state = sim.state();
    assert!(state["organizations"][ORG]["robots"]["stray"].is_null());
    assert!(state["organizations"][ORG]["robots"]["oldmirror"].is_object());
}

const WITH_CREDENTIALS: &str = r#"
quay_endpoint: quay.example.com
quay_organization: mirrors
robots:
  - {name: writer, desc: "Mirror robot"}
repositories:
  - name: alpine
    mirror: true
    mirror_params: &mirror
      src_registry: quay.io
      src_image: libpod/alpine
      src_image_tags: [latest]
      ext_registry_username: puller
      robot_username: writer
      sync_interval: 86400
      is_enabled: true
  - name: busybox
    mirror: true
    mirror_params: *mirror
  - name: anonymous
    mirror: true
    mirror_params:
      src_registry: quay.io
      src_image: libpod/busybox
      src_image_tags: [latest]
      robot_username: writer
      sync_interval: 86400
      is_enabled: true
"#;

fn login(fixture: &Fixture, password: &str) {
    fixture.login_with(
        &[(ENDPOINT, TOKEN)],
        &[
            (ORG, "alpine", "puller", password),
            (ORG, "busybox", "puller", password),
        ],
    );
}

fn stored_passwords(sim: &QuaySim) -> Vec<Value> {
    let state = sim.state();
    ["alpine", "busybox"]
        .iter()
        .map(|name| repo(&state, name)["mirror"]["external_registry_password"].clone())
        .collect()
}

#[test]
fn resend_mirror_credentials_sends_a_rotated_password_once_per_mirror() {
    let sim = sim(QuayVersion::Head, false);
    let fixture = fixture(&sim);
    fixture.write_org("mirrors.yaml", WITH_CREDENTIALS);
    login(&fixture, "first-password");
    // Mirrors created in this run carry the credentials already: no extra PUT.
    fixture
        .mqc(&["create", "--resend-mirror-credentials"])
        .expect_code(0);
    assert_eq!(route(&sim, &format!("PUT {MIRROR_ROUTE}")), 0);
    assert_eq!(stored_passwords(&sim), ["first-password", "first-password"]);

    // The password is rotated in the login file: no diff can see it.
    login(&fixture, "rotated-password");
    sim.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(sim.stats().writes, 0);
    assert_eq!(stored_passwords(&sim), ["first-password", "first-password"]);

    let plan = fixture.mqc(&["plan", "--resend-mirror-credentials", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(
            "~ mirror of mirrors/alpine: credentials of registry user puller re-sent from the login file"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("anonymous: credentials"),
        "{}",
        plan.stdout
    );

    sim.reset_stats();
    let run = fixture.mqc(&["create", "--resend-mirror-credentials", "--output", "json"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("rotated-password"), "{}", run.stdout);
    assert!(!run.stderr.contains("rotated-password"), "{}", run.stderr);
    // One write per mirror with a username, nothing else (no sync, no robot re-grant).
    assert_eq!(sim.stats().writes, 2, "{:?}", sim.stats());
    assert_eq!(route(&sim, &format!("PUT {MIRROR_ROUTE}")), 2);
    assert_eq!(
        stored_passwords(&sim),
        ["rotated-password", "rotated-password"]
    );

    // Without the flag, all quiet again.
    sim.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(sim.stats().writes, 0);
}
