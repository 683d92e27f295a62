//! Immutability policies: quay-api-breadth.md §7.2; `endpoints/api/immutability_policy.py`,
//! `data/model/immutability.py`.

use quay_sim::{Feature, QuaySim, QuayVersion};
use serde_json::json;

use crate::util::*;

const ORG: &str = "/api/v1/organization/exampleorg/immutabilitypolicy/";
const REPO: &str = "/api/v1/repository/exampleorg/nested/demorepo/immutabilitypolicy/";

#[tokio::test]
async fn policies_are_created_replaced_and_deleted_with_unique_patterns() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    for base in [ORG, REPO] {
        let created = api.post(base, json!({"tagPattern": "^v1"})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let uuid = created.json()["uuid"].as_str().unwrap().to_string();
        api.post(
            base,
            json!({"tagPattern": "^v1", "tagPatternMatches": false}),
        )
        .await
        .assert_invalid("A policy with the same tag_pattern already exists");
        let bad = api.post(base, json!({"tagPattern": "^(v"})).await;
        assert_eq!(bad.status, 400);
        assert!(bad.json()["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Invalid regex pattern: ")));
        api.post(base, json!({"tagPattern": "  "}))
            .await
            .assert_invalid("tag_pattern is required and must be a non-empty string");
        let listed = api.get(base).await.json();
        assert_eq!(
            listed["policies"],
            json!([{"uuid": uuid, "tagPattern": "^v1", "tagPatternMatches": true}])
        );
        let item = format!("{base}{uuid}");
        let put = api
            .put(
                &item,
                json!({"tagPattern": "^v2", "tagPatternMatches": false}),
            )
            .await;
        assert_eq!(put.status, 204, "{}", put.text);
        assert_eq!(api.get(&item).await.json()["tagPatternMatches"], false);
        let deleted = api.delete(&item).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(api.delete(&item).await.status, 404);
    }
}

#[tokio::test]
async fn before_3_17_or_without_the_flag_there_are_no_routes() {
    let old = QuaySim::start(config(QuayVersion::V3_15));
    let api = Api::new(&old, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(ORG).await.status, 404);
    let body = Api::anonymous(&old).get("/config").await.json();
    assert!(
        body["features"].get("IMMUTABLE_TAGS").is_none(),
        "no such flag before 3.17"
    );

    let off = sim_with(|c| {
        c.disabled_features.insert(Feature::ImmutableTags);
    });
    let api = Api::new(&off, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(ORG).await.status, 404);
    assert_eq!(api.get(REPO).await.status, 404);
    let body = Api::anonymous(&off).get("/config").await.json();
    assert_eq!(body["features"]["IMMUTABLE_TAGS"], false);
}
