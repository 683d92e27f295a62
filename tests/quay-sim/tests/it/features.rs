//! Feature flags: `GET /config` (quay-api-breadth.md §0) and `--disable-feature`, whose routes
//! are then not registered (Quay's `@show_if`, quay-api.md §1.1).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use quay_sim::{Feature, QuaySim, QuayVersion};
use serde_json::json;

use crate::util::*;

const REPO: &str = "/api/v1/repository/exampleorg/nested/demorepo";

#[tokio::test]
async fn config_lists_every_feature_without_a_token() {
    let sim = sim();
    let answer = Api::anonymous(&sim).get("/config").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.content_type, "application/json");
    let body = answer.json();
    let features = &body["features"];
    assert_eq!(features["REPO_MIRROR"], true);
    assert_eq!(features["TEAM_SYNCING"], false);
    assert_eq!(features["MAILING"], false);
    assert_eq!(features["SUPER_USERS"], true);
    assert_eq!(features["AUTO_PRUNE"], true, "on unless disabled");
    assert!(features.as_object().unwrap().len() > 80);
    assert!(features.get("FEATURE_REPO_MIRROR").is_none(), "no prefix");
    assert_eq!(body["config"]["AUTHENTICATION_TYPE"], "Database");
    assert_eq!(body["config"]["FEATURE_REPO_MIRROR"], true);
    assert_eq!(body["registry_state"], "normal");
    assert_eq!(body["version_number"], "Quay v3.18.0-nightly");
    assert_eq!(sim.stats().by_route["GET /config"], 1);

    // The web route knows GET (and OPTIONS) only; Flask answers its HTML 405.
    Api::new(&sim, ADMIN)
        .post("/config", json!({}))
        .await
        .assert_html(405, "Method Not Allowed");

    let old = QuaySim::start(config(QuayVersion::V3_12));
    let body = Api::anonymous(&old).get("/config").await.json();
    assert!(body.get("version_number").is_none(), "3.16+ only");

    let no_prune = sim_with(|c| {
        c.disabled_features.insert(Feature::AutoPrune);
    });
    let body = Api::anonymous(&no_prune).get("/config").await.json();
    assert_eq!(body["features"]["AUTO_PRUNE"], false);
    assert_eq!(body["config"]["FEATURE_AUTO_PRUNE"], false);

    let ldap = sim_with(|c| c.ldap = true);
    let body = Api::anonymous(&ldap).get("/config").await.json();
    assert_eq!(body["features"]["TEAM_SYNCING"], true);
    assert_eq!(body["config"]["AUTHENTICATION_TYPE"], "LDAP");
}

#[tokio::test]
async fn without_mirroring_the_mirror_routes_name_a_repository() {
    let sim = sim_with(|c| {
        c.disabled_features.insert(Feature::RepoMirror);
    });
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let body = Api::anonymous(&sim).get("/config").await.json();
    assert_eq!(body["features"]["REPO_MIRROR"], false);
    assert_eq!(body["config"]["FEATURE_REPO_MIRROR"], false);

    // The paths fall through to the bare repository route: `…/demorepo/mirror` is a
    // repository that does not exist, which has no POST.
    api.get(&format!("{REPO}/mirror"))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.post(&format!("{REPO}/mirror"), json!({"is_enabled": true}))
        .await
        .assert_message(405, "The method is not allowed for the requested URL.");
    let put = api
        .put(&format!("{REPO}/mirror"), json!({"is_enabled": false}))
        .await;
    assert_eq!(put.schema_error(), "'description' is a required property");
    api.post(&format!("{REPO}/mirror/sync-now"), json!({}))
        .await
        .assert_message(405, "The method is not allowed for the requested URL.");
    let state_change = api
        .put(&format!("{REPO}/changestate"), json!({"state": "MIRROR"}))
        .await;
    assert_eq!(
        state_change.schema_error(),
        "'description' is a required property"
    );
    let stats = sim.stats();
    assert_eq!(
        stats.by_route["POST /api/v1/repository/{repository}"], 2,
        "{:?}",
        stats.by_route
    );
    assert!(!stats.by_route.keys().any(|route| route.contains("mirror")));

    let state = sim.state();
    let repo = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(repo["state"], "NORMAL");
    assert_eq!(repo["mirror"], json!(null));

    let doc = Api::anonymous(&sim).get("/api/v1/discovery").await.json();
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths
        .keys()
        .any(|p| p.contains("/mirror") || p.ends_with("/changestate")));
    assert!(paths.contains_key("/api/v1/repository/{repository}/permissions/user/"));
}

#[tokio::test]
async fn team_syncing_can_be_disabled_under_ldap() {
    let sim = sim_with(|c| {
        c.ldap = true;
        c.disabled_features.insert(Feature::TeamSyncing);
    });
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.post(
        "/api/v1/organization/exampleorg/team/owners/syncing",
        json!({"group_dn": "cn=devs"}),
    )
    .await
    .assert_html(405, "Method Not Allowed");
    let members = api
        .get("/api/v1/organization/exampleorg/team/owners/members")
        .await
        .json();
    assert!(members.get("can_sync").is_none(), "{members}");
    let body = Api::anonymous(&sim).get("/config").await.json();
    assert_eq!(body["features"]["TEAM_SYNCING"], false);
    assert_eq!(body["config"]["AUTHENTICATION_TYPE"], "LDAP");
}

#[tokio::test]
async fn the_binary_takes_disable_feature() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quay-sim"))
        .args(["--disable-feature", "REPO_MIRROR", "--seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("quay-sim listening on ")
        .unwrap()
        .to_string();
    let body = Api::for_url(&url, None).get("/config").await.json();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(body["features"]["REPO_MIRROR"], false);

    let output = Command::new(env!("CARGO_BIN_EXE_quay-sim"))
        .args(["--disable-feature", "MIRRORING"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown feature 'MIRRORING'"));
}
