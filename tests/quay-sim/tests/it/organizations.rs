//! Organizations: quay-api.md §2, §12; quay-observed.md.

use quay_sim::{QuaySim, QuayVersion};
use serde_json::json;

use crate::util::*;

#[tokio::test]
async fn create_answers_created_and_makes_the_creator_owner() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    let created = api
        .post(
            "/api/v1/organization/",
            json!({"name": "exampleorg", "email": "ops@example.com"}),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json(), json!("Created"));
    let state = sim.state();
    let org = &state["organizations"]["exampleorg"];
    assert_eq!(org["email"], "ops@example.com");
    assert_eq!(
        org["teams"]["owners"],
        json!({"role": "admin", "description": "", "members": ["admin"], "invites": [], "group_dn": null, "sync": null})
    );
    let view = api.get("/api/v1/organization/exampleorg").await.json();
    assert_eq!(view["is_admin"], true);
    assert_eq!(view["email"], "ops@example.com");
    assert_eq!(view["ordered_teams"], json!(["owners"]));
    assert_eq!(view["teams"]["owners"]["member_count"], 1);
    assert_eq!(view["tag_expiration_s"], 1_209_600);
}

#[tokio::test]
async fn create_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await
        .assert_invalid("A user or organization with this name already exists");
    // A user's name is taken too.
    api.post("/api/v1/organization/", json!({"name": "alice"}))
        .await
        .assert_invalid("A user or organization with this name already exists");
    api.post("/api/v1/organization/", json!({"name": "Bad_Name!"}))
        .await
        .assert_invalid(
            "Invalid namespace Bad_Name!: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$",
        );
    api.post("/api/v1/organization/", json!({"name": "x"}))
        .await
        .assert_invalid(
            "Invalid namespace x: Namespace must be between 2 and 255 characters in length",
        );
    let missing = api
        .post("/api/v1/organization/", json!({"email": "a@b.c"}))
        .await;
    assert_eq!(missing.schema_error(), "'name' is a required property");
    api.post(
        "/api/v1/organization/",
        json!({"name": "neworg", "email": "nope"}),
    )
    .await
    .assert_invalid("Invalid email address");
    let no_json = api
        .send(
            reqwest::Method::POST,
            "/api/v1/organization/",
            Some("{}"),
            Some("text/plain"),
        )
        .await;
    no_json.assert_message(
        415,
        "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
    );
    let malformed = api
        .send(
            reqwest::Method::POST,
            "/api/v1/organization/",
            Some("{"),
            Some("application/json"),
        )
        .await;
    malformed.assert_message(
        400,
        "The browser (or proxy) sent a request that this server could not understand.",
    );
    let null = api
        .send(
            reqwest::Method::POST,
            "/api/v1/organization/",
            Some("null"),
            Some("application/json"),
        )
        .await;
    null.assert_invalid("Missing JSON body");
}

#[tokio::test]
async fn create_needs_the_user_admin_scope_and_a_valid_token() {
    let sim = sim_with(|c| {
        c.tokens.push(quay_sim::TokenSpec::new(
            "orgadmin",
            "admin",
            [quay_sim::Scope::OrgAdmin, quay_sim::Scope::RepoRead],
        ))
    });
    let body = json!({"name": "exampleorg"});
    Api::new(&sim, "orgadmin")
        .post("/api/v1/organization/", body.clone())
        .await
        .assert_forbidden();
    let csrf = Api::new(&sim, "wrong-token")
        .post("/api/v1/organization/", body.clone())
        .await;
    assert_eq!(csrf.status, 403);
    assert!(csrf.content_type.starts_with("text/html"));
    assert_eq!(
        csrf.json(),
        json!({"error": "CSRF token was invalid or missing."})
    );
    let anonymous = Api::anonymous(&sim)
        .post("/api/v1/organization/", body)
        .await;
    assert_eq!(
        anonymous.json(),
        json!({"error": "CSRF token was invalid or missing."})
    );
    assert!(sim.state()["organizations"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_token_reads_the_anonymous_view() {
    let sim = sim();
    seed_example(&Api::new(&sim, ADMIN)).await;
    let view = Api::new(&sim, "wrong")
        .get("/api/v1/organization/exampleorg")
        .await;
    assert_eq!(view.status, 200);
    let body = view.json();
    assert_eq!(body["is_admin"], false);
    assert_eq!(body["is_member"], false);
    assert_eq!(body["email"], "");
    assert!(body.get("teams").is_none());
    // Bob is no member: no teams either.
    let bob = Api::new(&sim, BOB)
        .get("/api/v1/organization/exampleorg")
        .await
        .json();
    assert_eq!(bob["is_admin"], false);
    assert!(bob.get("teams").is_none());
    Api::new(&sim, ADMIN)
        .get("/api/v1/organization/nosuchorg")
        .await
        .assert_api(404, "not_found", "Not Found");
}

#[tokio::test]
async fn update_checks_the_body_before_the_permission() {
    let sim = sim();
    let admin = Api::new(&sim, ADMIN);
    seed_example(&admin).await;
    let bad = Api::new(&sim, BOB)
        .put(
            "/api/v1/organization/exampleorg",
            json!({"tag_expiration_s": -1}),
        )
        .await;
    assert_eq!(bad.schema_error(), "-1 is less than the minimum of 0");
    Api::new(&sim, BOB)
        .put(
            "/api/v1/organization/exampleorg",
            json!({"email": "x@example.com"}),
        )
        .await
        .assert_forbidden();
    let updated = admin
        .put(
            "/api/v1/organization/exampleorg",
            json!({"email": "new@example.com", "tag_expiration_s": 86_400}),
        )
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["email"], "new@example.com");
    assert_eq!(updated.json()["tag_expiration_s"], 86_400);
    // Only a value of TAG_EXPIRATION_OPTIONS (`data/model/user.py`), else 400 [M].
    admin
        .put(
            "/api/v1/organization/exampleorg",
            json!({"tag_expiration_s": 60}),
        )
        .await
        .assert_message(400, "Invalid tag expiration option");
    admin
        .put("/api/v1/organization/exampleorg", json!({"email": "bad"}))
        .await
        .assert_invalid("Invalid email address");
}

#[tokio::test]
async fn delete_and_recreate_by_version() {
    for (version, recreate_status) in [(QuayVersion::Head, 400), (QuayVersion::V3_18, 201)] {
        let sim = QuaySim::start(config(version));
        let api = Api::new(&sim, ADMIN);
        api.post("/api/v1/organization/", json!({"name": "gone"}))
            .await;
        let first_id = sim.state()["organizations"]["gone"]["id"].clone();
        assert_eq!(api.delete("/api/v1/organization/gone").await.status, 204);
        api.delete("/api/v1/organization/gone")
            .await
            .assert_api(404, "not_found", "Not Found");
        assert_eq!(api.get("/api/v1/organization/gone").await.status, 404);
        let again = api
            .post("/api/v1/organization/", json!({"name": "gone"}))
            .await;
        assert_eq!(again.status, recreate_status, "{version}");
        if version == QuayVersion::Head {
            again.assert_invalid("Username is not available");
            sim.run_namespace_gc();
            assert_eq!(
                api.post("/api/v1/organization/", json!({"name": "gone"}))
                    .await
                    .status,
                201
            );
        }
        assert_ne!(sim.state()["organizations"]["gone"]["id"], first_id);
    }
}

#[tokio::test]
async fn delete_needs_org_admin() {
    let sim = sim();
    seed_example(&Api::new(&sim, ADMIN)).await;
    Api::new(&sim, BOB)
        .delete("/api/v1/organization/exampleorg")
        .await
        .assert_forbidden();
    Api::new(&sim, BOB)
        .delete("/api/v1/organization/nosuchorg")
        .await
        .assert_forbidden();
}

#[tokio::test]
async fn shared_emails_and_placeholders_by_version() {
    for version in [QuayVersion::V3_17, QuayVersion::V3_18] {
        let sim = QuaySim::start(config(version));
        let api = Api::new(&sim, ADMIN);
        api.post(
            "/api/v1/organization/",
            json!({"name": "one", "email": "ops@example.com"}),
        )
        .await;
        let second = api
            .post(
                "/api/v1/organization/",
                json!({"name": "two", "email": "ops@example.com"}),
            )
            .await;
        api.post("/api/v1/organization/", json!({"name": "noemail"}))
            .await;
        let shown = api.get("/api/v1/organization/noemail").await.json()["email"].clone();
        if version == QuayVersion::V3_17 {
            second.assert_invalid("Email has already been used: ops@example.com");
            // The UUID placeholder is returned raw.
            assert_eq!(shown.as_str().unwrap().len(), 36);
        } else {
            assert_eq!(second.status, 201);
            assert_eq!(shown, "");
        }
        assert_eq!(
            sim.state()["organizations"]["noemail"]["email"],
            json!(null)
        );
    }
}

#[tokio::test]
async fn mailing_before_3_18_requires_an_email() {
    let sim = QuaySim::start(quay_sim::Config {
        mailing: true,
        ..config(QuayVersion::V3_17)
    });
    Api::new(&sim, ADMIN)
        .post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await
        .assert_invalid("Email address is required");
}

#[tokio::test]
async fn superuser_lists_and_deletes_organizations() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    for name in ["org1", "org2", "org3"] {
        api.post("/api/v1/organization/", json!({"name": name}))
            .await;
    }
    let all = api.get("/api/v1/superuser/organizations/").await.json();
    assert_eq!(all["organizations"].as_array().unwrap().len(), 3);
    assert!(all.get("next_page").is_none());
    let first = api
        .get("/api/v1/superuser/organizations/?limit=2")
        .await
        .json();
    let names: Vec<_> = first["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("org1"), json!("org2")]);
    let token = first["next_page"].as_str().unwrap();
    let second = api
        .get(&format!(
            "/api/v1/superuser/organizations/?limit=2&next_page={token}"
        ))
        .await
        .json();
    assert_eq!(second["organizations"][0]["name"], "org3");
    assert!(second.get("next_page").is_none());
    // An undecodable token restarts at the first page.
    let garbage = api
        .get("/api/v1/superuser/organizations/?limit=2&next_page=garbage")
        .await
        .json();
    assert_eq!(garbage["organizations"][0]["name"], "org1");
    api.get("/api/v1/superuser/organizations/?limit=101")
        .await
        .assert_invalid("Page limit cannot be above 100");
    let bad_limit = api.get("/api/v1/superuser/organizations/?limit=x").await;
    assert_eq!(bad_limit.status, 400);
    assert!(bad_limit.json()["message"]["limit"].is_string());
    Api::new(&sim, ALICE)
        .get("/api/v1/superuser/organizations/")
        .await
        .assert_forbidden();
    Api::anonymous(&sim)
        .get("/api/v1/superuser/organizations/")
        .await
        .assert_api(401, "invalid_token", "Requires authentication");
    assert_eq!(
        api.delete("/api/v1/superuser/organizations/org1")
            .await
            .status,
        204
    );
    api.delete("/api/v1/superuser/organizations/org1")
        .await
        .assert_api(404, "not_found", "Not Found");
}
