//! Answers a real Quay gave that the emulator did not have, found by mqc's live acceptance
//! suite (issue 12) against quay/quay HEAD ffba0c70 and v3.12.21, both with team syncing off.

use quay_sim::QuayVersion;
use reqwest::Method;
use serde_json::json;

use crate::util::*;

const DEVS: &str = "/api/v1/organization/exampleorg/team/devs";
const MSG_405: &str = "The method is not allowed for the requested URL.";

async fn with_team(version: QuayVersion) -> (quay_sim::QuaySim, Api) {
    let sim = sim_with(|c| c.version = version);
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.put(DEVS, json!({"role": "member"})).await.status, 200);
    (sim, api)
}

/// GETs that no API rule takes go to Quay's web catch-all: 308 to the slashed URL (both
/// versions), which then answers 404.
#[tokio::test]
async fn gets_without_an_api_rule_redirect_to_the_slashed_url() {
    for version in [QuayVersion::Head, QuayVersion::V3_12] {
        let (sim, api) = with_team(version).await;
        for path in [
            DEVS.to_string(),
            format!("{DEVS}/syncing"),
            format!("{DEVS}/members/alice"),
            "/api/v1/nosuchthing".to_string(),
        ] {
            let answer = api.get(&format!("{path}?x=1")).await;
            assert_eq!(answer.status, 308, "{version:?} GET {path}");
            assert_eq!(
                answer.location.as_deref(),
                Some(format!("{}{path}/?x=1", sim.base_url()).as_str())
            );
            api.get(&format!("{path}/"))
                .await
                .assert_html(404, "Not Found");
        }
    }
}

/// HEAD: a method that a route lacks is Flask-RESTful's 405 [M] (team and team-member routes
/// included); a path no API rule has (team syncing off, or unknown) is werkzeug's HTML 405.
#[tokio::test]
async fn head_answers_405_for_methods_a_route_lacks() {
    let (sim, api) = with_team(QuayVersion::Head).await;
    api.bare(Method::PATCH, DEVS)
        .await
        .assert_message(405, MSG_405);
    api.post(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_message(405, MSG_405);
    for path in [format!("{DEVS}/syncing"), format!("{DEVS}/whatever")] {
        api.post(&path, json!({"group_dn": "cn=devs"}))
            .await
            .assert_html(405, "Method Not Allowed");
        api.delete(&path)
            .await
            .assert_html(405, "Method Not Allowed");
    }
    // Routes with a GET keep the [M] answer.
    api.post("/api/v1/organization/exampleorg/robots", json!({}))
        .await
        .assert_message(405, MSG_405);
    assert!(sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["group_dn"].is_null());
}

/// v3.12.21 (Werkzeug 3.0.3): the same requests crash Flask-RESTful's error router: 500 HTML.
/// mqc's team-sync example hits this: `POST …/team/{t}/syncing` with team syncing off.
#[tokio::test]
async fn v3_12_answers_500_where_head_answers_405() {
    let (sim, api) = with_team(QuayVersion::V3_12).await;
    api.post(&format!("{DEVS}/syncing"), json!({"group_dn": "cn=devs"}))
        .await
        .assert_html(500, "Internal Server Error");
    api.delete(&format!("{DEVS}/syncing"))
        .await
        .assert_html(500, "Internal Server Error");
    api.bare(Method::PATCH, DEVS)
        .await
        .assert_html(500, "Internal Server Error");
    api.post(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_html(500, "Internal Server Error");
    api.post(&format!("{DEVS}/whatever"), json!({}))
        .await
        .assert_html(500, "Internal Server Error");
    // Routes with a GET keep the [M] answer on 3.12 too.
    api.post("/api/v1/organization/exampleorg/robots", json!({}))
        .await
        .assert_message(405, MSG_405);
    assert!(sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["group_dn"].is_null());
}

/// A method that a repository suffix route (`…/mirror`, `…/changevisibility`) lacks falls to the
/// repository route with the suffix as part of a nested name: `DELETE …/a/mirror` deletes the
/// repository `a/mirror` (seen on HEAD), and leaves `a` alone.
#[tokio::test]
async fn a_method_a_suffix_route_lacks_reaches_the_nested_repository() {
    for version in [QuayVersion::Head, QuayVersion::V3_12] {
        let (sim, api) = with_team(version).await;
        for name in ["a", "a/mirror"] {
            let created = api
                .post(
                    "/api/v1/repository",
                    json!({"namespace": "exampleorg", "repository": name,
                           "visibility": "private", "description": ""}),
                )
                .await;
            assert_eq!(created.status, 201, "{}", created.text);
        }
        assert_eq!(
            api.delete("/api/v1/repository/exampleorg/a/mirror")
                .await
                .status,
            204
        );
        let repos = &sim.state()["organizations"]["exampleorg"]["repositories"];
        assert!(
            repos["a/mirror"].is_null(),
            "{version:?}: a/mirror still there"
        );
        assert!(repos["a"].is_object(), "{version:?}: a was deleted");
        api.get("/api/v1/repository/exampleorg/a/changevisibility")
            .await
            .assert_api(404, "not_found", "Not Found");
    }
}
