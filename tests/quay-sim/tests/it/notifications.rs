//! Notifications: quay-api.md §9; quay-observed.md.

use serde_json::json;

use crate::util::*;

const LIST: &str = "/api/v1/repository/exampleorg/nested/demorepo/notification/";

fn webhook(url: &str) -> serde_json::Value {
    json!({"event": "repo_mirror_sync_failed", "method": "webhook", "config": {"url": url},
           "eventConfig": {}, "title": "Mirror failed"})
}

#[tokio::test]
async fn create_list_get_delete() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let created = api.post(LIST, webhook("http://127.0.0.2:9/")).await;
    assert_eq!(created.status, 201);
    let body = created.json();
    assert_eq!(body["event"], "repo_mirror_sync_failed");
    assert_eq!(body["event_config"], json!({}));
    assert_eq!(body["number_of_failures"], 0);
    assert_eq!(body["title"], "Mirror failed");
    let uuid = body["uuid"].as_str().unwrap().to_string();
    assert_eq!(uuid.len(), 36);
    // No dedupe.
    assert_eq!(
        api.post(LIST, webhook("http://127.0.0.2:9/")).await.status,
        201
    );
    let listed = api.get(LIST).await.json();
    assert_eq!(listed["notifications"].as_array().unwrap().len(), 2);
    let state = sim.state();
    let stored = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]
        ["notifications"][0];
    assert_eq!(
        stored,
        &json!({"uuid": uuid, "event": "repo_mirror_sync_failed", "method": "webhook",
                "config": {"url": "http://127.0.0.2:9/"}, "event_config": {}, "title": "Mirror failed"})
    );
    // GET by uuid ignores the repository of the path.
    let other = api
        .get(&format!(
            "/api/v1/repository/exampleorg/other/notification/{uuid}"
        ))
        .await;
    assert_eq!(other.json()["uuid"], uuid);
    api.get(&format!("{LIST}nosuch"))
        .await
        .assert_api(404, "not_found", "Not Found");
    assert_eq!(api.delete(&format!("{LIST}{uuid}")).await.status, 204);
    api.delete(&format!("{LIST}{uuid}"))
        .await
        .assert_invalid(&format!(
            "No repository notification found for: exampleorg, nested/demorepo, {uuid}"
        ));
    let missing_repo = api
        .get("/api/v1/repository/exampleorg/nosuch/notification/")
        .await;
    assert_eq!(missing_repo.json(), json!({"notifications": []}));
}

#[tokio::test]
async fn create_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    for url in [
        "http://localhost:8080/hook",
        "http://127.0.0.1/hook",
        "ftp://hooks.example.com/",
    ] {
        api.post(LIST, webhook(url))
            .await
            .assert_invalid("Invalid webhook URL");
    }
    let mut missing_url = webhook("x");
    missing_url["config"] = json!({});
    api.post(LIST, missing_url)
        .await
        .assert_invalid("Missing webhook URL");
    let mut bad_event = webhook("https://hooks.example.com/");
    bad_event["event"] = json!("no_such_event");
    api.post(LIST, bad_event)
        .await
        .assert_html(500, "Internal Server Error");
    let mut bad_method = webhook("https://hooks.example.com/");
    bad_method["method"] = json!("pigeon");
    api.post(LIST, bad_method)
        .await
        .assert_html(500, "Internal Server Error");
    let mut no_event_config = webhook("https://hooks.example.com/");
    no_event_config
        .as_object_mut()
        .unwrap()
        .remove("eventConfig");
    assert_eq!(
        api.post(LIST, no_event_config).await.schema_error(),
        "'eventConfig' is a required property"
    );
    api.post(
        "/api/v1/repository/exampleorg/nosuch/notification/",
        webhook("https://hooks.example.com/"),
    )
    .await
    .assert_html(500, "Internal Server Error");
    Api::new(&sim, BOB).get(LIST).await.assert_forbidden();
    assert_eq!(api.get(LIST).await.json(), json!({"notifications": []}));
}
