//! Notifications: quay-api.md §9; quay-observed.md.

use serde_json::json;

use quay_sim::QuayVersion;

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
                "config": {"url": "http://127.0.0.2:9/"}, "event_config": {}, "title": "Mirror failed",
                "number_of_failures": 0})
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

fn notification(event: &str, method: &str, config: serde_json::Value) -> serde_json::Value {
    json!({"event": event, "method": method, "config": config, "eventConfig": {}})
}

#[tokio::test]
async fn every_method_validates_as_quay_does() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let cases = [
        ("slack", json!({}), "Missing Slack Callback URL"),
        ("email", json!({}), "Missing e-mail address"),
        (
            "email",
            json!({"email": "ops@example.com"}),
            "The specified e-mail address is not authorized to receive notifications for this repository",
        ),
        ("flowdock", json!({}), "Missing Flowdock API Token"),
        ("hipchat", json!({"room_id": "1"}), "Missing Hipchat Room Notification Token"),
        ("hipchat", json!({"notification_token": "t"}), "Missing Hipchat Room ID"),
        ("quay_notification", json!({}), "Missing target"),
        (
            "quay_notification",
            json!({"target": {"kind": "user", "name": "nosuch"}}),
            "Unknown user nosuch",
        ),
        (
            "quay_notification",
            json!({"target": {"kind": "user", "name": "exampleorg+bot"}}),
            "Unknown user exampleorg+bot",
        ),
        (
            "quay_notification",
            json!({"target": {"kind": "team", "name": "nosuch"}}),
            "Unknown team nosuch",
        ),
    ];
    for (method, config, text) in cases {
        api.post(LIST, notification("repo_push", method, config))
            .await
            .assert_invalid(text);
    }
    // Another organization, a kind Quay does not know, a URL without host: Quay crashes.
    let other = api
        .post("/api/v1/organization/", json!({"name": "otherorg"}))
        .await;
    assert_eq!(other.status, 201);
    for (method, config) in [
        (
            "quay_notification",
            json!({"target": {"kind": "org", "name": "otherorg"}}),
        ),
        (
            "quay_notification",
            json!({"target": {"kind": "robot", "name": "x"}}),
        ),
        ("webhook", json!({"url": "http://"})),
    ] {
        api.post(LIST, notification("repo_push", method, config))
            .await
            .assert_html(500, "Internal Server Error");
    }
    for (method, config) in [
        (
            "slack",
            json!({"url": "https://hooks.slack.com/services/T/B/X"}),
        ),
        ("flowdock", json!({"flow_api_token": "t"})),
        (
            "hipchat",
            json!({"notification_token": "t", "room_id": "1"}),
        ),
        (
            "quay_notification",
            json!({"target": {"kind": "org", "name": "exampleorg"}}),
        ),
        (
            "quay_notification",
            json!({"target": {"kind": "user", "name": "alice"}}),
        ),
    ] {
        assert_eq!(
            api.post(LIST, notification("vulnerability_found", method, config))
                .await
                .status,
            201
        );
    }
}

#[tokio::test]
async fn quota_events_exist_from_3_18() {
    for (version, status) in [(QuayVersion::V3_17, 500), (QuayVersion::V3_18, 201)] {
        let sim = sim_with(|c| c.version = version);
        let api = Api::new(&sim, ADMIN);
        seed_example(&api).await;
        let answer = api
            .post(
                LIST,
                notification(
                    "quota_warning",
                    "webhook",
                    json!({"url": "https://h.example.com"}),
                ),
            )
            .await;
        assert_eq!(answer.status, status, "{version}");
    }
}

#[tokio::test]
async fn reset_and_test_endpoints() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let created = api
        .post(LIST, webhook("https://hooks.example.com/a"))
        .await
        .json();
    let uuid = created["uuid"].as_str().unwrap().to_string();
    sim.set_notification_failures(
        "exampleorg",
        "nested/demorepo",
        "url",
        "https://hooks.example.com/a",
        5,
    )
    .unwrap();
    assert_eq!(
        api.get(LIST).await.json()["notifications"][0]["number_of_failures"],
        5
    );
    assert_eq!(
        api.post(&format!("{LIST}{uuid}"), json!(null)).await.status,
        204
    );
    assert_eq!(
        api.get(LIST).await.json()["notifications"][0]["number_of_failures"],
        0
    );
    let test = api.post(&format!("{LIST}{uuid}/test"), json!(null)).await;
    assert_eq!((test.status, test.json()), (200, json!({})));
    api.post(&format!("{LIST}nosuch/test"), json!(null))
        .await
        .assert_invalid(
            "No repository notification found for: exampleorg, nested/demorepo, nosuch",
        );
}

#[tokio::test]
async fn email_authorization_flow() {
    const EMAIL: &str =
        "/api/v1/repository/exampleorg/nested/demorepo/authorizedemail/ops@example.com";
    let off = sim();
    let api = Api::new(&off, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(EMAIL).await.status, 404, "no route without mailing");

    let sim = sim_with(|c| c.mailing = true);
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(EMAIL).await.status, 404);
    for _ in 0..2 {
        let asked = api.post(EMAIL, json!(null)).await;
        assert_eq!(asked.status, 200);
        assert_eq!(asked.json()["confirmed"], false);
    }
    let repo = |sim: &quay_sim::QuaySim| {
        sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"].clone()
    };
    assert_eq!(repo(&sim)["confirmation_mails"], 2, "one mail per request");
    let mail = notification("repo_push", "email", json!({"email": "ops@example.com"}));
    api.post(LIST, mail.clone()).await.assert_invalid(
        "The specified e-mail address is not authorized to receive notifications for this repository",
    );
    sim.confirm_email("exampleorg", "nested/demorepo", "ops@example.com")
        .unwrap();
    let got = api.get(EMAIL).await.json();
    assert_eq!(
        got,
        json!({"email": "ops@example.com", "repository": "nested/demorepo",
               "namespace": "exampleorg", "confirmed": true})
    );
    assert_eq!(api.post(EMAIL, json!(null)).await.status, 200);
    assert_eq!(
        repo(&sim)["confirmation_mails"],
        2,
        "no mail once confirmed"
    );
    assert_eq!(api.post(LIST, mail).await.status, 201);
}
