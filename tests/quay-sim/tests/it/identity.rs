//! `GET /user/`, `GET /users/{u}`, discovery: quay-api.md §4.

use quay_sim::{QuaySim, QuayVersion, Scope, TokenSpec};
use serde_json::json;

use crate::util::*;

#[tokio::test]
async fn current_user_needs_a_user_scope() {
    let sim = sim_with(|c| {
        c.tokens
            .push(TokenSpec::new("readonly", "admin", [Scope::RepoRead]))
    });
    let me = Api::new(&sim, ADMIN).get("/api/v1/user/").await;
    assert_eq!(me.status, 200);
    let body = me.json();
    assert_eq!(body["username"], "admin");
    assert_eq!(body["anonymous"], false);
    assert_eq!(body["super_user"], true);
    let alice = Api::new(&sim, ALICE).get("/api/v1/user/").await.json();
    assert!(alice.get("super_user").is_none());
    for token in ["readonly", "wrong"] {
        let denied = Api::new(&sim, token).get("/api/v1/user/").await;
        denied.assert_api(401, "invalid_token", "Requires authentication");
        assert_eq!(denied.json()["session_required"], false);
    }
}

#[tokio::test]
async fn users_lookup_is_for_users_only() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let alice = api.get("/api/v1/users/alice").await;
    assert_eq!(alice.status, 200);
    assert_eq!(alice.json()["username"], "alice");
    assert_eq!(alice.json()["super_user"], false);
    let text = "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.";
    for name in ["nobody", "exampleorg", "exampleorg+writer"] {
        api.get(&format!("/api/v1/users/{name}"))
            .await
            .assert_message(404, text);
    }
}

#[tokio::test]
async fn discovery_reflects_version_and_features() {
    async fn mirror_fields(sim: &QuaySim) -> (bool, bool, bool, bool) {
        let doc = Api::anonymous(sim).get("/api/v1/discovery").await.json();
        let schema = doc["definitions"]["CreateMirrorConfig"].clone();
        let has = |key: &str| schema["properties"].get(key).is_some();
        let required = |key: &str| schema["required"].as_array().unwrap().contains(&json!(key));
        (
            has("skopeo_timeout_interval"),
            required("skopeo_timeout_interval"),
            has("architecture_filter"),
            doc["paths"]
                .get("/api/v1/organization/{orgname}/team/{teamname}/syncing")
                .is_some(),
        )
    }
    let cases = [
        (QuayVersion::V3_12, (false, false, false)),
        (QuayVersion::V3_15, (true, true, false)),
        (QuayVersion::V3_17, (true, true, true)),
        (QuayVersion::V3_18, (true, true, true)),
    ];
    for (version, (skopeo, skopeo_required, arch)) in cases {
        let sim = QuaySim::start(config(version));
        assert_eq!(
            mirror_fields(&sim).await,
            (skopeo, skopeo_required, arch, false),
            "{version}"
        );
    }
    let ldap = sim_with(|c| c.ldap = true);
    assert!(mirror_fields(&ldap).await.3);
    let doc = Api::anonymous(&ldap).get("/api/v1/discovery").await.json();
    let mirror = &doc["paths"]["/api/v1/repository/{repository}/mirror"];
    assert_eq!(mirror["post"]["operationId"], "createRepoMirrorConfig");
    assert_eq!(
        mirror["post"]["security"],
        json!([{"oauth2_implicit": ["repo:admin"]}])
    );
    assert!(doc["paths"]
        .get("/api/v1/superuser/organizations/")
        .is_none());
    let internal = Api::anonymous(&ldap)
        .get("/api/v1/discovery?internal=true")
        .await
        .json();
    assert!(internal["paths"]
        .get("/api/v1/superuser/organizations/")
        .is_some());
}
