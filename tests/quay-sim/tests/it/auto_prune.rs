//! Auto-prune policies: quay-api-breadth.md §4; `endpoints/api/policy.py`,
//! `data/model/autoprune.py`.

use quay_sim::{Feature, QuaySim, QuayVersion};
use serde_json::json;

use crate::util::*;

const ORG: &str = "/api/v1/organization/exampleorg/autoprunepolicy/";
const REPO: &str = "/api/v1/repository/exampleorg/nested/demorepo/autoprunepolicy/";

#[tokio::test]
async fn policies_are_created_replaced_and_deleted() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    for (base, noun) in [(ORG, "namespace"), (REPO, "repository")] {
        let created = api
            .post(
                base,
                json!({"method": "creation_date", "value": "30d", "tagPattern": " ^pr- "}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let uuid = created.json()["uuid"].as_str().unwrap().to_string();
        let again = api
            .post(
                base,
                json!({"method": "creation_date", "value": "30d", "tagPattern": "^pr-"}),
            )
            .await;
        again.assert_invalid(&format!(
            "Existing policy with same values for this {noun}, duplicate policies are not permitted"
        ));
        let listed = api.get(base).await.json();
        assert_eq!(
            listed["policies"],
            json!([{"uuid": uuid, "method": "creation_date", "value": "30d",
                    "tagPattern": "^pr-", "tagPatternMatches": true}])
        );
        let item = format!("{base}{uuid}");
        let put = api
            .put(&item, json!({"method": "number_of_tags", "value": 5}))
            .await;
        assert_eq!(put.status, 204, "{}", put.text);
        let policy = api.get(&item).await.json();
        assert_eq!(policy["value"], 5);
        assert_eq!(
            policy["tagPattern"],
            json!(null),
            "PUT replaces the whole policy"
        );
        api.put(&item, json!({"method": "number_of_tags", "value": "5"}))
            .await
            .assert_invalid("Invalid value given for method type");
        api.post(base, json!({"method": "size", "value": 5}))
            .await
            .assert_invalid("Invalid method provided");
        let deleted = api.delete(&item).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(deleted.json(), json!({"uuid": uuid}));
        assert_eq!(api.delete(&item).await.status, 404);
    }
}

#[tokio::test]
async fn quay_3_12_keeps_one_policy_per_scope_and_drops_patterns() {
    let sim = QuaySim::start(config(QuayVersion::V3_12));
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let created = api
        .post(
            ORG,
            json!({"method": "number_of_tags", "value": 3, "tagPattern": "^pr-"}),
        )
        .await;
    assert_eq!(created.status, 201);
    let listed = api.get(ORG).await.json();
    assert_eq!(
        listed["policies"][0]["tagPattern"],
        json!(null),
        "silently dropped"
    );
    assert_eq!(listed["policies"][0]["tagPatternMatches"], json!(null));
    api.post(ORG, json!({"method": "creation_date", "value": "1d"}))
        .await
        .assert_invalid(
            "Policy for this namespace already exists, delete existing to create new policy",
        );
    let discovery = api.get("/api/v1/discovery").await.json();
    let schema = &discovery["definitions"]["AutoPrunePolicyConfig"];
    assert!(
        schema["properties"].get("tagPattern").is_none(),
        "{schema:#}"
    );
    let head = sim_with(|_| {});
    let discovery = Api::new(&head, ADMIN).get("/api/v1/discovery").await.json();
    assert!(
        discovery["definitions"]["AutoPrunePolicyConfig"]["properties"]["tagPattern"].is_object()
    );
}

#[tokio::test]
async fn without_the_feature_the_routes_are_not_registered() {
    let sim = sim_with(|c| {
        c.disabled_features.insert(Feature::AutoPrune);
    });
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    assert_eq!(api.get(ORG).await.status, 404);
    assert_eq!(api.get(REPO).await.status, 404);
    let discovery = api.get("/api/v1/discovery").await.json();
    assert!(!discovery["paths"]
        .as_object()
        .unwrap()
        .keys()
        .any(|path| path.contains("autoprunepolicy")));
}
