//! Plan-time errors (issue 11, items 2a and 6): what a target cannot apply is found before any
//! write, reported in the plan with its place in the file, and fails the run (exit 1).
//! - a misspelt user (`alice` → `alcie`): that target gets no write at all, others converge;
//! - a `group_dn` on a Quay without team syncing, a mirror on a Quay without mirroring: that
//!   part is not sent (no `…/syncing`, no `…/mirror` request), everything else converges, and
//!   a second run writes nothing.

mod common;

use std::collections::BTreeMap;

use common::*;
use quay_sim::{Config, Feature, QuaySim, RepoRole, TeamRole, Visibility};

/// The file of `typo-org`: `alice` has `write` on `app` (line 9 names her).
fn typo_org(endpoint: &str, user: &str) -> String {
    format!(
        "quay_endpoint: {endpoint}\n\
         quay_organization: typo-org\n\
         quay_organization_email: \"\"\n\
         repositories:\n\
         \x20 - name: app\n\
         \x20   visibility: private\n\
         \x20   permissions:\n\
         \x20     users:\n\
         \x20       - name: {user}\n\
         \x20         role: write\n"
    )
}

/// Another organization in the same run, with one robot to create.
fn other_org(endpoint: &str) -> String {
    format!(
        "quay_endpoint: {endpoint}\nquay_organization: other-org\nquay_organization_email: \"\"\n\
         robots:\n  - name: ci\n    desc: CI\n"
    )
}

fn writes_by_route(sim: &QuaySim) -> BTreeMap<String, u64> {
    sim.stats()
        .by_route
        .into_iter()
        .filter(|(route, _)| !route.starts_with("GET "))
        .collect()
}

#[test]
fn a_misspelt_user_stops_its_target_before_any_write_and_the_rest_converges() {
    let sim = sim_with(base_config());
    let url = sim.base_url();
    sim.create_org("typo-org", "admin").unwrap();
    sim.create_repo("typo-org", "app", Visibility::Private)
        .unwrap();
    sim.set_user_permission("typo-org", "app", "alice", Some(RepoRole::Write))
        .unwrap();
    let fixture = Fixture::new();
    fixture.write_org("typo-org.yaml", &typo_org(&url, "alcie"));
    fixture.write_org("other-org.yaml", &other_org(&url));
    fixture.login(&[(&url, TOKEN)]);

    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(1);
    let file = fixture.dir().join("typo-org.yaml");
    let place = format!("{}:9:17:", file.display());
    assert!(plan.stdout.contains(&place), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("user `alcie`")
            && plan.stdout.contains(&format!("does not exist on {url}"))
            && plan.stdout.contains("did you mean `alice`?"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("revoke user alice"),
        "a blocked target plans no change: {}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ create robot other-org+ci"),
        "{}",
        plan.stdout
    );
    assert_eq!(sim.stats().writes, 0);

    let json = fixture.mqc(&["--output", "json", "plan"]);
    json.expect_code(1);
    let report = json.json();
    let typo = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"]["organization"] == "typo-org")
        .unwrap();
    let problem = &typo["problems"][0];
    assert_eq!(problem["problem"], "unknown_user");
    assert_eq!(problem["user"], "alcie");
    assert_eq!(problem["did_you_mean"], "alice");
    assert_eq!(problem["at"]["line"], 9);
    assert_eq!(problem["at"]["column"], 17);
    assert_eq!(
        problem["at"]["key"],
        "repositories[0].permissions.users[0].name"
    );
    assert_eq!(typo["plan"]["changes"], serde_json::json!([]));

    sim.reset_stats();
    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    assert!(
        create.stdout.contains("did you mean `alice`?"),
        "{}",
        create.stdout
    );
    // The only writes of the run create the other organization and its robot.
    assert_eq!(
        writes_by_route(&sim),
        BTreeMap::from([
            ("POST /api/v1/organization/".to_string(), 1),
            (
                "PUT /api/v1/organization/{org}/robots/{robot}".to_string(),
                1
            )
        ]),
        "{}",
        create.stdout
    );
    // One existence check: alice is shown by Quay already, only alcie is asked about.
    assert_eq!(sim.stats().by_route["GET /api/v1/users/{user}"], 1);
    let state = sim.state();
    let app = &state["organizations"]["typo-org"]["repositories"]["app"];
    assert_eq!(
        app["user_permissions"]["alice"], "write",
        "alice keeps her access"
    );
    assert!(app["user_permissions"].get("alcie").is_none());
    assert!(state["organizations"]["other-org"]["robots"]["ci"].is_object());

    // Fixed, the target converges.
    fixture.write_org("typo-org.yaml", &typo_org(&url, "alice"));
    fixture.mqc(&["create"]).expect_code(0);
    sim.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(sim.stats().writes, 0);
}

#[test]
fn users_are_checked_once_per_endpoint_and_run() {
    let sim = sim_with(base_config());
    let url = sim.base_url();
    let fixture = Fixture::new();
    // Two new organizations naming the same users: each name is asked about once.
    for org in ["one-org", "two-org"] {
        fixture.write_org(
            &format!("{org}.yaml"),
            &format!(
                "quay_endpoint: {url}\nquay_organization: {org}\nquay_organization_email: \"\"\n\
                 repositories:\n  - name: app\n    permissions:\n      users:\n        \
                 - {{name: alice, role: read}}\n        - {{name: bob, role: write}}\n\
                 teams:\n  - name: devs\n    members:\n      users: [alice, carol]\n"
            ),
        );
    }
    fixture.login(&[(&url, TOKEN)]);
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(sim.stats().by_route["GET /api/v1/users/{user}"], 3);
    // Warm: every name is shown by Quay, nothing is asked.
    sim.reset_stats();
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(sim.stats().writes, 0);
    assert!(!sim
        .stats()
        .by_route
        .contains_key("GET /api/v1/users/{user}"));
}

fn synced_team_org(endpoint: &str) -> String {
    format!(
        "quay_endpoint: {endpoint}\n\
         quay_organization: sync-org\n\
         quay_organization_email: \"\"\n\
         robots:\n\
         \x20 - name: builder\n\
         teams:\n\
         \x20 - name: maintainers\n\
         \x20   role: admin\n\
         \x20   group_dn: cn=maintainers,ou=groups\n\
         \x20   members:\n\
         \x20     robots: [builder]\n\
         \x20 - name: readers\n\
         \x20   members:\n\
         \x20     users: [bob]\n"
    )
}

#[test]
fn a_group_on_a_quay_without_team_syncing_is_an_error_and_the_rest_converges() {
    let sim = sim_with(Config {
        ldap: false,
        ..base_config()
    });
    let url = sim.base_url();
    let fixture = Fixture::new();
    fixture.write_org("sync-org.yaml", &synced_team_org(&url));
    fixture.login(&[(&url, TOKEN)]);

    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    let place = format!("{}:9:15:", fixture.dir().join("sync-org.yaml").display());
    let message = format!(
        "team syncing is not enabled on {url}: `group_dn` of team `maintainers` cannot be applied"
    );
    assert!(
        create.stdout.contains(&place) && create.stdout.contains(&message),
        "{}",
        create.stdout
    );
    let stats = sim.stats();
    assert!(
        !stats
            .by_route
            .keys()
            .any(|route| route.contains("/syncing")),
        "{:?}",
        stats.by_route
    );
    assert_eq!(stats.by_route["GET /config"], 1);
    let state = sim.state();
    let teams = &state["organizations"]["sync-org"]["teams"];
    assert_eq!(teams["maintainers"]["role"], "admin");
    assert_eq!(
        teams["maintainers"]["members"],
        serde_json::json!(["sync-org+builder"])
    );
    assert_eq!(teams["maintainers"]["group_dn"], serde_json::Value::Null);
    assert_eq!(teams["readers"]["members"], serde_json::json!(["bob"]));

    // No retry: the next run writes nothing and reports the same error.
    sim.reset_stats();
    let again = fixture.mqc(&["create"]);
    again.expect_code(1);
    assert!(again.stdout.contains(&message), "{}", again.stdout);
    assert_eq!(sim.stats().writes, 0, "{}", again.stdout);
    let plan = fixture.mqc(&["plan"]);
    plan.expect_code(1);
    assert!(!plan.stdout.contains("sync team"), "{}", plan.stdout);

    // The same file on a Quay that can sync converges with exit 0.
    let ldap = sim_with(base_config());
    let ldap_url = ldap.base_url();
    let fixture = Fixture::new();
    fixture.write_org("sync-org.yaml", &synced_team_org(&ldap_url));
    fixture.login(&[(&ldap_url, TOKEN)]);
    fixture.mqc(&["create"]).expect_code(0);
    assert_eq!(
        ldap.stats().by_route["POST /api/v1/organization/{org}/team/{team}/syncing"],
        1
    );
}

fn mirrored_org(endpoint: &str) -> String {
    format!(
        "quay_endpoint: {endpoint}\n\
         quay_organization: mirror-org\n\
         quay_organization_email: \"\"\n\
         repositories:\n\
         \x20 - name: alpine\n\
         \x20   visibility: public\n\
         \x20   mirror: true\n\
         \x20   mirror_params:\n\
         \x20     src_registry: quay.io\n\
         \x20     src_image: libpod/alpine\n\
         \x20     src_image_tags: [latest]\n\
         \x20     robot_username: writer\n\
         \x20     sync_interval: 86400\n\
         \x20     is_enabled: true\n\
         \x20   permissions:\n\
         \x20     robots:\n\
         \x20       - {{name: writer, role: write}}\n\
         \x20 - name: plain\n\
         robots:\n\
         \x20 - name: writer\n"
    )
}

#[test]
fn a_mirror_on_a_quay_without_mirroring_is_an_error_and_the_rest_converges() {
    let mut config = base_config();
    config.disabled_features.insert(Feature::RepoMirror);
    let sim = sim_with(config);
    let url = sim.base_url();
    let fixture = Fixture::new();
    fixture.write_org("mirror-org.yaml", &mirrored_org(&url));
    fixture.login(&[(&url, TOKEN)]);

    let create = fixture.mqc(&["create"]);
    create.expect_code(1);
    let place = format!("{}:7:13:", fixture.dir().join("mirror-org.yaml").display());
    let message = format!(
        "repository mirroring is not enabled on {url}: `mirror` of repository \
         `mirror-org/alpine` cannot be applied; enable FEATURE_REPO_MIRROR"
    );
    assert!(
        create.stdout.contains(&place) && create.stdout.contains(&message),
        "{}",
        create.stdout
    );
    let stats = sim.stats();
    assert!(
        !stats
            .by_route
            .keys()
            .any(|route| route.contains("mirror") || route.contains("changestate")),
        "{:?}",
        stats.by_route
    );
    let state = sim.state();
    let repositories = &state["organizations"]["mirror-org"]["repositories"];
    assert_eq!(repositories["alpine"]["state"], "NORMAL");
    assert_eq!(repositories["alpine"]["mirror"], serde_json::Value::Null);
    assert_eq!(
        repositories["alpine"]["user_permissions"]["mirror-org+writer"], "write",
        "the declared robot permission is still granted"
    );
    assert!(repositories["plain"].is_object());

    sim.reset_stats();
    let again = fixture.mqc(&["create"]);
    again.expect_code(1);
    assert!(again.stdout.contains(&message), "{}", again.stdout);
    assert_eq!(sim.stats().writes, 0, "{}", again.stdout);
}

#[test]
fn team_roles_and_declared_users_without_problems_keep_exit_zero() {
    // A file without group_dn or mirror does not even read the features.
    let sim = sim_with(Config {
        ldap: false,
        ..base_config()
    });
    sim.create_org("plain-org", "admin").unwrap();
    sim.create_team("plain-org", "devs", TeamRole::Member)
        .unwrap();
    let url = sim.base_url();
    let fixture = Fixture::new();
    fixture.write_org(
        "plain-org.yaml",
        &format!(
            "quay_endpoint: {url}\nquay_organization: plain-org\nquay_organization_email: \"\"\n\
             teams:\n  - name: devs\n    members:\n      users: [carol]\n"
        ),
    );
    fixture.login(&[(&url, TOKEN)]);
    fixture.mqc(&["create"]).expect_code(0);
    assert!(!sim.stats().by_route.contains_key("GET /config"));
    assert_eq!(sim.stats().by_route["GET /api/v1/users/{user}"], 1);
}

#[test]
fn the_examples_on_quays_without_team_syncing_write_nothing_the_second_time() {
    for version in [quay_sim::QuayVersion::V3_12, quay_sim::QuayVersion::Head] {
        let config = || Config {
            version,
            ldap: false,
            ..base_config()
        };
        let (quay1, quay2) = (sim_with(config()), sim_with(config()));
        let fixture = Fixture::examples(&quay1, &quay2);
        let first = fixture.mqc(&["create"]);
        first.expect_code(1);
        for sim in [&quay1, &quay2] {
            assert!(
                !sim.stats().by_route.keys().any(|r| r.contains("/syncing")),
                "{version:?}: {}",
                first.stdout
            );
        }
        quay1.reset_stats();
        quay2.reset_stats();
        let second = fixture.mqc(&["--output", "json", "create"]);
        second.expect_code(1);
        assert_eq!(
            quay1.stats().writes + quay2.stats().writes,
            0,
            "{version:?}"
        );
        // The only errors: the example's LDAP group, which this Quay cannot sync.
        let report = second.json();
        let problems: Vec<&serde_json::Value> = report["targets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["problems"].as_array().unwrap())
            .collect();
        assert_eq!(problems.len(), 1, "{version:?}: {problems:?}");
        assert_eq!(problems[0]["field"], "group_dn");
        assert_eq!(problems[0]["object"]["name"], "maintainers");
        assert_eq!(report["totals"]["failed"], 0);
    }
}
