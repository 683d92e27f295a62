//! Robots: quay-api.md §3; quay-observed.md.

use quay_sim::{QuaySim, QuayVersion};
use serde_json::json;

use crate::util::*;

const ROBOT: &str = "/api/v1/organization/exampleorg/robots/writer";

#[tokio::test]
async fn create_only_once() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    let created = api
        .put(
            ROBOT,
            json!({"description": "CI pusher", "unstructured_metadata": {"owner": "x"}}),
        )
        .await;
    assert_eq!(created.status, 201);
    let body = created.json();
    assert_eq!(body["name"], "exampleorg+writer");
    assert_eq!(body["description"], "CI pusher");
    assert_eq!(body["last_accessed"], json!(null));
    assert_eq!(body["unstructured_metadata"], json!({"owner": "x"}));
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    assert!(body["created"].as_str().unwrap().ends_with("-0000"));
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["robots"]["writer"]["token"],
        token
    );
    // Same or different description: 400 [A], nothing changes.
    api.put(ROBOT, json!({"description": "other"}))
        .await
        .assert_invalid("Existing robot with name: exampleorg+writer");
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["robots"]["writer"]["description"],
        "CI pusher"
    );
    // No body at all is fine.
    let bare = api
        .bare(
            reqwest::Method::PUT,
            "/api/v1/organization/exampleorg/robots/bare",
        )
        .await;
    assert_eq!(bare.status, 201);
    assert_eq!(bare.json()["description"], "");
    assert_eq!(bare.json()["unstructured_metadata"], json!(null));
    let get = api
        .get("/api/v1/organization/exampleorg/robots/bare")
        .await
        .json();
    assert_eq!(get["unstructured_metadata"], json!({}));
}

#[tokio::test]
async fn create_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    api.put("/api/v1/organization/exampleorg/robots/w", json!({}))
        .await
        .assert_invalid("The name for the robot 'w' is invalid: Namespace must be between 2 and 255 characters in length");
    api.put("/api/v1/organization/exampleorg/robots/Bad", json!({}))
        .await
        .assert_invalid("The name for the robot 'Bad' is invalid: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$");
    let long = api
        .put(ROBOT, json!({"description": "x".repeat(256)}))
        .await;
    assert!(long.schema_error().ends_with("is too long"));
    Api::new(&sim, BOB)
        .put(ROBOT, json!({}))
        .await
        .assert_forbidden();
    Api::new(&sim, ADMIN)
        .put("/api/v1/organization/nosuchorg/robots/writer", json!({}))
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn read_list_and_delete() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(
        "/api/v1/organization/exampleorg/team/devs",
        json!({"role": "member"}),
    )
    .await;
    api.put(
        "/api/v1/organization/exampleorg/team/devs/members/exampleorg+writer",
        json!({}),
    )
    .await;

    let listed = api
        .get("/api/v1/organization/exampleorg/robots")
        .await
        .json();
    assert_eq!(listed["robots"][0]["name"], "exampleorg+writer");
    assert_eq!(listed["robots"][0]["token"].as_str().unwrap().len(), 64);
    assert!(listed["robots"][0].get("teams").is_none());
    let with_permissions = api
        .get("/api/v1/organization/exampleorg/robots?permissions=true&token=false")
        .await
        .json();
    let robot = &with_permissions["robots"][0];
    assert!(robot.get("token").is_none());
    assert_eq!(robot["teams"][0]["name"], "devs");
    assert_eq!(robot["repositories"], json!([]));
    assert!(robot.get("unstructured_metadata").is_none());
    // `?token=no` is truthy.
    let truthy = api
        .get("/api/v1/organization/exampleorg/robots?token=no")
        .await
        .json();
    assert!(truthy["robots"][0].get("token").is_some());
    Api::new(&sim, BOB)
        .get("/api/v1/organization/exampleorg/robots")
        .await
        .assert_forbidden();
    Api::anonymous(&sim)
        .get("/api/v1/organization/exampleorg/robots")
        .await
        .assert_api(401, "invalid_token", "Requires authentication");
    let bad_limit = api
        .get("/api/v1/organization/exampleorg/robots?limit=abc")
        .await;
    assert_eq!(bad_limit.status, 400);
    assert_eq!(
        bad_limit.json(),
        json!({"message": {"limit": "If specified, the number of robots to return."}})
    );
}

#[tokio::test]
async fn missing_robots_are_400_messages() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let text = "Could not find robot with specified username";
    api.get("/api/v1/organization/exampleorg/robots/nosuch")
        .await
        .assert_message(400, text);
    api.delete("/api/v1/organization/exampleorg/robots/nosuch")
        .await
        .assert_message(400, text);
    let get = api.get(ROBOT).await.json();
    assert_eq!(get["name"], "exampleorg+writer");
    assert_eq!(api.delete(ROBOT).await.status, 204);
    api.get(ROBOT).await.assert_message(400, text);
}

#[tokio::test]
async fn delete_removes_memberships_and_permissions() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(
        "/api/v1/organization/exampleorg/team/devs",
        json!({"role": "member"}),
    )
    .await;
    api.put(
        "/api/v1/organization/exampleorg/team/devs/members/exampleorg+writer",
        json!({}),
    )
    .await;
    api.put(
        "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/exampleorg+writer",
        json!({"role": "write"}),
    )
    .await;
    let permissions = api
        .get("/api/v1/organization/exampleorg/robots/writer/permissions")
        .await;
    assert_eq!(
        permissions.json()["permissions"],
        json!([{"repository": {"name": "nested/demorepo", "is_public": false}, "role": "write"}])
    );
    assert_eq!(api.delete(ROBOT).await.status, 204);
    let state = sim.state();
    let org = &state["organizations"]["exampleorg"];
    assert_eq!(org["teams"]["devs"]["members"], json!([]));
    assert!(org["repositories"]["nested/demorepo"]["user_permissions"]
        .get("exampleorg+writer")
        .is_none());
}

fn mirror_body() -> serde_json::Value {
    json!({"external_reference": "registry.example.com/a/b", "sync_interval": 60,
           "sync_start_date": "2024-01-01T00:00:00Z", "robot_username": "exampleorg+writer",
           "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]}})
}

#[tokio::test]
async fn a_robot_used_by_a_mirror_cannot_be_deleted_on_any_version() {
    // quay-observed.md: 3.12.21 refuses it too, also when the mirror is disabled (Quay has no
    // mirror delete, so the configuration keeps naming its robot).
    for version in [QuayVersion::V3_12, QuayVersion::V3_18, QuayVersion::Head] {
        let sim = QuaySim::start(config(version));
        let api = Api::new(&sim, ADMIN);
        seed_example(&api).await;
        let mut body = mirror_body();
        if version >= QuayVersion::V3_15 {
            body["skopeo_timeout_interval"] = json!(300);
        }
        body["is_enabled"] = json!(false);
        assert_eq!(
            api.post("/api/v1/repository/exampleorg/nested/demorepo/mirror", body)
                .await
                .status,
            201,
            "{version:?}"
        );
        api.delete(ROBOT)
            .await
            .assert_invalid("Robot is being used by a mirror");
        let state = sim.state();
        assert!(
            state["organizations"]["exampleorg"]["robots"]["writer"].is_object(),
            "{version:?}"
        );
        let mirror = api
            .get("/api/v1/repository/exampleorg/nested/demorepo/mirror")
            .await
            .json();
        assert_eq!(mirror["robot_username"], json!("exampleorg+writer"));
    }
}

const FEDERATION: &str = "/api/v1/organization/exampleorg/robots/writer/federation";

#[tokio::test]
async fn federation_replaces_the_whole_list() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(FEDERATION).await.json(), json!([]));
    let one = json!([{"issuer": "https://token.example.com", "subject": "repo:a", "extra": 1}]);
    let posted = api.post(FEDERATION, one).await;
    assert_eq!(posted.status, 200);
    let stored = json!([{"issuer": "https://token.example.com", "subject": "repo:a"}]);
    assert_eq!(posted.json(), stored, "only issuer and subject are kept");
    assert_eq!(api.get(FEDERATION).await.json(), stored);
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["robots"]["writer"]["federation"],
        stored
    );
    let two = json!([
        {"issuer": "http://b.example.com", "subject": "x"},
        {"issuer": "https://token.example.com", "subject": "repo:b"}
    ]);
    assert_eq!(api.post(FEDERATION, two.clone()).await.json(), two);
    api.post(
        FEDERATION,
        json!([{"issuer": "token.example.com", "subject": "x"}]),
    )
    .await
    .assert_invalid("Issuer must be a URL (http:// or https://)");
    api.post(
        FEDERATION,
        json!([{"issuer": "https://a", "subject": "x"}, {"issuer": "https://a", "subject": "x"}]),
    )
    .await
    .assert_invalid("Duplicate federation config entry");
    api.post(FEDERATION, json!([{"issuer": "https://a", "subject": ""}]))
        .await
        .assert_invalid("Missing one or more required fields (issuer, subject)");
    let schema = api.post(FEDERATION, json!([{"issuer": "https://a"}])).await;
    assert_eq!(schema.status, 400);
    assert!(schema
        .schema_error()
        .contains("'subject' is a required property"));
    assert_eq!(
        api.get(FEDERATION).await.json(),
        two,
        "refusals change nothing"
    );
    let missing = "/api/v1/organization/exampleorg/robots/nosuch/federation";
    api.get(missing)
        .await
        .assert_message(400, "Could not find robot with specified username");
    api.post(missing, json!([]))
        .await
        .assert_message(400, "Could not find robot with specified username");
    Api::new(&sim, ALICE)
        .get(FEDERATION)
        .await
        .assert_forbidden();
    assert_eq!(api.post(FEDERATION, json!([])).await.json(), json!([]));
    api.post(FEDERATION, two).await;
    assert_eq!(api.delete(FEDERATION).await.status, 204);
    assert_eq!(api.get(FEDERATION).await.json(), json!([]));
    let discovery = api.get("/api/v1/discovery").await.json();
    assert!(discovery["paths"]
        .get("/api/v1/organization/{orgname}/robots/{robot_shortname}/federation")
        .is_some());
}

#[tokio::test]
async fn federation_is_absent_before_3_13() {
    let sim = QuaySim::start(config(QuayVersion::V3_12));
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    // No API rule: the web app's catch-all, as for any unknown path on a real 3.12.21.
    assert_eq!(api.get(FEDERATION).await.status, 308);
    assert_eq!(api.post(FEDERATION, json!([])).await.status, 500);
    let discovery = api.get("/api/v1/discovery").await.json();
    assert!(discovery["paths"]
        .get("/api/v1/organization/{orgname}/robots/{robot_shortname}/federation")
        .is_none());
}

#[tokio::test]
async fn user_robot_federation_exists_from_3_18() {
    const USER_FEDERATION: &str = "/api/v1/user/robots/ci/federation";
    const LISTED: &str = "/api/v1/user/robots/{robot_shortname}/federation";
    let head = QuaySim::start(config(QuayVersion::Head));
    let api = Api::new(&head, ADMIN);
    // The sim has no user robots: Quay's answer for one it cannot find (real HEAD ffba0c70).
    let answer = api.get(USER_FEDERATION).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json()["message"],
        "Could not find robot with specified username"
    );
    let discovery = api.get("/api/v1/discovery").await.json();
    assert!(discovery["paths"].get(LISTED).is_some());

    let older = QuaySim::start(config(QuayVersion::V3_17));
    let api = Api::new(&older, ADMIN);
    assert_eq!(api.get(USER_FEDERATION).await.status, 308);
    let discovery = api.get("/api/v1/discovery").await.json();
    assert!(discovery["paths"].get(LISTED).is_none());
}
