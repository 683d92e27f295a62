//! Mirror configuration: quay-api.md §8, §15; quay-observed.md (incl. 3.12.21).

use quay_sim::{QuaySim, QuayVersion};
use serde_json::{json, Value};

use crate::util::*;

const MIRROR: &str = "/api/v1/repository/exampleorg/nested/demorepo/mirror";

fn body(version: QuayVersion) -> Value {
    let mut body = json!({
        "is_enabled": true, "external_reference": "registry.example.com/upstream/demo",
        "external_registry_username": "puller", "external_registry_password": "s3cret",
        "sync_interval": 86400, "sync_start_date": "2024-08-21T00:00:00Z",
        "robot_username": "exampleorg+writer",
        "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]}
    });
    if version >= QuayVersion::V3_15 {
        body["skopeo_timeout_interval"] = json!(300);
    }
    body
}

async fn setup(version: QuayVersion) -> (QuaySim, Api) {
    let sim = QuaySim::start(config(version));
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    (sim, api)
}

#[tokio::test]
async fn create_sets_mirror_state_and_grants_the_robot_write() {
    let (sim, api) = setup(QuayVersion::Head).await;
    api.get(MIRROR)
        .await
        .assert_api(404, "not_found", "Not Found");
    // The repository is NORMAL: allowed.
    let created = api.post(MIRROR, body(QuayVersion::Head)).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.text, "\"\"");
    let state = sim.state();
    let repo = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(repo["state"], "MIRROR");
    assert_eq!(repo["user_permissions"]["exampleorg+writer"], "write");
    assert_eq!(repo["mirror"]["external_registry_password"], "s3cret");
    let got = api.get(MIRROR).await.json();
    assert!(got.get("external_registry_password").is_none());
    assert_eq!(got["mirror_type"], "PULL");
    assert_eq!(got["sync_status"], "NEVER_RUN");
    assert_eq!(got["sync_retries_remaining"], 3);
    assert_eq!(got["external_registry_config"], json!({}));
    assert_eq!(
        got["root_rule"],
        json!({"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]})
    );
    assert_eq!(got["skopeo_timeout_interval"], 300);
    assert_eq!(got["architecture_filter"], json!([]));
    assert_eq!(got["robot_username"], "exampleorg+writer");

    api.post(MIRROR, body(QuayVersion::Head))
        .await
        .assert_detail(
            409,
            "Mirror configuration already exits for repository exampleorg/nested/demorepo",
        );
    // Quay has no mirror DELETE: the method falls to the repository route, which takes
    // `nested/demorepo/mirror` as a (missing) repository and answers 204. The mirror stays.
    assert_eq!(api.delete(MIRROR).await.status, 204);
    let state = sim.state();
    let repo = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(repo["mirror"]["robot_username"], "exampleorg+writer");
}

#[tokio::test]
async fn an_admin_robot_keeps_admin_and_a_reader_is_upgraded() {
    let (sim, api) = setup(QuayVersion::Head).await;
    api.put(
        "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/exampleorg+writer",
        json!({"role": "read"}),
    )
    .await;
    api.post(MIRROR, body(QuayVersion::Head)).await;
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]
            ["user_permissions"]["exampleorg+writer"],
        "write"
    );
}

/// quay-observed.md (HEAD, December 2026): the mirror robot gets `write` only when its
/// permission on the repository, teams included, is none or `read`.
#[tokio::test]
async fn no_write_for_a_robot_a_team_gives_write_or_admin() {
    const PERMISSION: &str =
        "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/exampleorg+writer";
    for (team_role, granted) in [
        (None, true),
        (Some("read"), true),
        (Some("write"), false),
        (Some("admin"), false),
    ] {
        for version in [QuayVersion::V3_12, QuayVersion::Head] {
            let (sim, api) = setup(version).await;
            let team = api
                .put(
                    "/api/v1/organization/exampleorg/team/maintainers",
                    json!({"role": "member"}),
                )
                .await;
            assert_eq!(team.status, 200);
            let member = api
                .put(
                    "/api/v1/organization/exampleorg/team/maintainers/members/exampleorg+writer",
                    json!({}),
                )
                .await;
            assert_eq!(member.status, 200);
            if let Some(role) = team_role {
                let put = api
                    .put(
                        "/api/v1/repository/exampleorg/nested/demorepo/permissions/team/maintainers",
                        json!({"role": role}),
                    )
                    .await;
                assert_eq!(put.status, 200);
            }
            assert_eq!(api.post(MIRROR, body(version)).await.status, 201);
            let state = sim.state();
            let direct = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]
                ["user_permissions"]["exampleorg+writer"];
            if granted {
                assert_eq!(direct, "write", "{team_role:?} {version:?}");
            } else {
                assert!(direct.is_null(), "{team_role:?} {version:?}: {direct}");
                assert_eq!(api.get(PERMISSION).await.status, 400);
            }
        }
    }
    // The team's organization role does not count: an org-admin team without a permission on
    // the repository still leaves the grant.
    let (sim, api) = setup(QuayVersion::Head).await;
    api.put(
        "/api/v1/organization/exampleorg/team/admins",
        json!({"role": "admin"}),
    )
    .await;
    api.put(
        "/api/v1/organization/exampleorg/team/admins/members/exampleorg+writer",
        json!({}),
    )
    .await;
    assert_eq!(api.post(MIRROR, body(QuayVersion::Head)).await.status, 201);
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]
            ["user_permissions"]["exampleorg+writer"],
        "write"
    );
}

#[tokio::test]
async fn create_errors() {
    let (sim, api) = setup(QuayVersion::Head).await;
    let mut no_skopeo = body(QuayVersion::Head);
    no_skopeo
        .as_object_mut()
        .unwrap()
        .remove("skopeo_timeout_interval");
    assert_eq!(
        api.post(MIRROR, no_skopeo).await.schema_error(),
        "'skopeo_timeout_interval' is a required property"
    );
    let mut short = body(QuayVersion::Head);
    short["skopeo_timeout_interval"] = json!(299);
    assert_eq!(
        api.post(MIRROR, short).await.schema_error(),
        "299 is less than the minimum of 300"
    );
    let mut date = body(QuayVersion::Head);
    date["sync_start_date"] = json!("2024-08-21T00:00:00.00Z");
    api.post(MIRROR, date)
        .await
        .assert_detail(400, "Incorrect DateTime format for sync_start_date.");
    let mut empty_rule = body(QuayVersion::Head);
    empty_rule["root_rule"]["rule_value"] = json!([]);
    api.post(MIRROR, empty_rule).await.assert_invalid(
        "validation failed: rule_value for TAG_GLOB_CSV must be a list with at least one rule",
    );
    let mut unknown = body(QuayVersion::Head);
    unknown["mirror_type"] = json!("PULL");
    api.post(MIRROR, unknown)
        .await
        .assert_html(500, "Internal Server Error");
    let mut no_robot = body(QuayVersion::Head);
    no_robot.as_object_mut().unwrap().remove("robot_username");
    api.post(MIRROR, no_robot)
        .await
        .assert_html(500, "Internal Server Error");
    let mut local = body(QuayVersion::Head);
    local["external_reference"] = json!("localhost:5000/a/b");
    api.post(MIRROR, local)
        .await
        .assert_invalid("The provided registry location is not allowed");
    api.post("/api/v1/organization/", json!({"name": "otherorg"}))
        .await;
    api.put("/api/v1/organization/otherorg/robots/bot", json!({}))
        .await;
    let mut foreign = body(QuayVersion::Head);
    foreign["robot_username"] = json!("otherorg+bot");
    api.post(MIRROR, foreign)
        .await
        .assert_message(400, "Invalid robot");
    let mut missing = body(QuayVersion::Head);
    missing["robot_username"] = json!("exampleorg+nosuch");
    api.post(MIRROR, missing)
        .await
        .assert_message(400, "Could not find robot with specified username");
    api.post(
        "/api/v1/repository/exampleorg/nosuch/mirror",
        body(QuayVersion::Head),
    )
    .await
    .assert_api(404, "not_found", "Not Found");
    Api::new(&sim, BOB)
        .post(MIRROR, body(QuayVersion::Head))
        .await
        .assert_forbidden();
    // Nothing was created by the failures above.
    assert_eq!(api.get(MIRROR).await.status, 404);
}

#[tokio::test]
async fn version_differences_of_the_post() {
    // 3.12: skopeo_timeout_interval is an unknown key (500); without it: 201.
    let (_old, api) = setup(QuayVersion::V3_12).await;
    api.post(MIRROR, body(QuayVersion::Head))
        .await
        .assert_html(500, "Internal Server Error");
    let mut bad_date = body(QuayVersion::V3_12);
    bad_date["sync_start_date"] = json!("2024-08-21");
    api.post(MIRROR, bad_date)
        .await
        .assert_html(500, "Internal Server Error");
    assert_eq!(api.post(MIRROR, body(QuayVersion::V3_12)).await.status, 201);
    let got = api.get(MIRROR).await.json();
    assert!(got.get("skopeo_timeout_interval").is_none());
    assert!(got.get("architecture_filter").is_none());
    // 3.12 PUT: below 300 is refused, 300+ accepted and not stored.
    assert_eq!(
        api.put(MIRROR, json!({"skopeo_timeout_interval": 10}))
            .await
            .schema_error(),
        "10 is less than the minimum of 300"
    );
    assert_eq!(
        api.put(MIRROR, json!({"skopeo_timeout_interval": 600, "foo": 1}))
            .await
            .status,
        201
    );

    // 3.15: architecture_filter is unknown (500); 3.17 knows it.
    let (_sim, api) = setup(QuayVersion::V3_15).await;
    let mut with_arch = body(QuayVersion::V3_15);
    with_arch["architecture_filter"] = json!([]);
    api.post(MIRROR, with_arch.clone())
        .await
        .assert_html(500, "Internal Server Error");
    let (_sim, api) = setup(QuayVersion::V3_17).await;
    with_arch["architecture_filter"] = json!(["amd64"]);
    api.post(MIRROR, with_arch.clone()).await.assert_detail(
        400,
        "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled.",
    );
    with_arch["architecture_filter"] = json!([]);
    assert_eq!(api.post(MIRROR, with_arch).await.status, 201);
}

#[tokio::test]
async fn put_answers_201_and_drops_the_first_proxy_key() {
    let (sim, api) = setup(QuayVersion::Head).await;
    api.put(MIRROR, json!({"is_enabled": false}))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.post(MIRROR, body(QuayVersion::Head)).await;
    let proxy = json!({"external_registry_config": {"verify_tls": false,
        "proxy": {"http_proxy": "http://p:1", "https_proxy": "http://p:2"}}});
    let put = api.put(MIRROR, proxy.clone()).await;
    assert_eq!((put.status, put.text.as_str()), (201, "\"\""));
    let config = api.get(MIRROR).await.json()["external_registry_config"].clone();
    assert_eq!(
        config,
        json!({"verify_tls": false, "proxy": {"https_proxy": "http://p:2"}})
    );
    api.put(MIRROR, proxy).await;
    assert_eq!(
        api.get(MIRROR).await.json()["external_registry_config"]["proxy"],
        json!({"http_proxy": "http://p:1", "https_proxy": "http://p:2"})
    );
    // Credentials rules.
    api.put(MIRROR, json!({"external_registry_password": "x"}))
        .await
        .assert_detail(
            400,
            "Unable to set a new password without also specifying a username.",
        );
    api.put(
        MIRROR,
        json!({"external_registry_username": null, "external_registry_password": "x"}),
    )
    .await
    .assert_detail(400, "Unable to delete username while setting a password.");
    api.put(
        MIRROR,
        json!({"external_registry_username": "u2", "external_registry_password": "p2"}),
    )
    .await;
    let mirror =
        &sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]["mirror"];
    assert_eq!(mirror["external_registry_username"], "u2");
    assert_eq!(mirror["external_registry_password"], "p2");
    api.put(MIRROR, json!({"external_reference": ""}))
        .await
        .assert_detail(400, "Empty string is an invalid repository location.");
    api.put(MIRROR, json!({"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["v2"]}, "sync_interval": 60}))
        .await;
    let got = api.get(MIRROR).await.json();
    assert_eq!(got["root_rule"]["rule_value"], json!(["v2"]));
    assert_eq!(got["sync_interval"], 60);
}

#[tokio::test]
async fn releases_apply_a_put_partially_head_does_not() {
    for (version, kept) in [(QuayVersion::V3_18, 42), (QuayVersion::Head, 86400)] {
        let (_sim, api) = setup(version).await;
        api.post(MIRROR, body(version)).await;
        // `sync_interval` is applied before the credentials are checked.
        api.put(
            MIRROR,
            json!({"sync_interval": 42, "external_registry_password": "x"}),
        )
        .await
        .assert_detail(
            400,
            "Unable to set a new password without also specifying a username.",
        );
        assert_eq!(
            api.get(MIRROR).await.json()["sync_interval"],
            kept,
            "{version}"
        );
    }
}

#[tokio::test]
async fn a_failed_post_leaves_an_orphan_rule_that_puts_update() {
    let (_sim, api) = setup(QuayVersion::Head).await;
    let mut bad_robot = body(QuayVersion::Head);
    bad_robot["robot_username"] = json!("exampleorg+nosuch");
    assert_eq!(api.post(MIRROR, bad_robot).await.status, 400);
    let mut first = body(QuayVersion::Head);
    first["root_rule"]["rule_value"] = json!(["latest"]);
    assert_eq!(api.post(MIRROR, first).await.status, 201);
    let put = api
        .put(
            MIRROR,
            json!({"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest", "3.*"]}}),
        )
        .await;
    assert_eq!(put.status, 201);
    assert_eq!(
        api.get(MIRROR).await.json()["root_rule"]["rule_value"],
        json!(["latest"])
    );
}

#[tokio::test]
async fn sync_now_and_cancel() {
    let (_sim, api) = setup(QuayVersion::Head).await;
    api.bare(reqwest::Method::POST, &format!("{MIRROR}/sync-now"))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.post(MIRROR, body(QuayVersion::Head)).await;
    api.bare(reqwest::Method::POST, &format!("{MIRROR}/sync-cancel"))
        .await
        .assert_api(404, "not_found", "Not Found");
    assert_eq!(
        api.bare(reqwest::Method::POST, &format!("{MIRROR}/sync-now"))
            .await
            .status,
        204
    );
    assert_eq!(
        api.bare(reqwest::Method::POST, &format!("{MIRROR}/sync-now"))
            .await
            .status,
        204
    );
    let got = api.get(MIRROR).await.json();
    assert_eq!(
        (
            got["sync_status"].clone(),
            got["sync_retries_remaining"].clone()
        ),
        (json!("SYNC_NOW"), json!(3))
    );
    assert_eq!(
        api.bare(reqwest::Method::POST, &format!("{MIRROR}/sync-cancel"))
            .await
            .status,
        204
    );
    let got = api.get(MIRROR).await.json();
    assert_eq!(
        (
            got["sync_status"].clone(),
            got["sync_retries_remaining"].clone()
        ),
        (json!("CANCEL"), json!(0))
    );
}
