//! Organization quotas: quay-api-breadth.md §3; `endpoints/api/namespacequota.py`,
//! `data/model/namespacequota.py`.

use quay_sim::{Feature, QuayVersion};
use serde_json::json;

use crate::util::*;

const QUOTA: &str = "/api/v1/organization/exampleorg/quota";

#[tokio::test]
async fn create_resize_limits_and_delete() {
    let sim = sim();
    let admin = Api::new(&sim, ADMIN);
    seed_example(&admin).await;
    assert_eq!(admin.get(QUOTA).await.json(), json!([]));

    let created = admin
        .post(QUOTA, json!({"limit_bytes": 10_737_418_240u64}))
        .await;
    assert_eq!((created.status, created.json()), (201, json!("Created")));
    admin
        .post(QUOTA, json!({"limit": "5 GiB"}))
        .await
        .assert_invalid("Organization quota for 'exampleorg' already exists");
    let list = admin.get(QUOTA).await.json();
    let id = list[0]["id"].as_u64().unwrap();
    assert_eq!(list[0]["limit_bytes"], 10_737_418_240u64);
    assert_eq!(list[0]["limit"], "10.0 GiB");
    assert_eq!(list[0]["limits"], json!([]));

    let item = format!("{QUOTA}/{id}");
    let resized = admin
        .put(&item, json!({"limit_bytes": 2_000_000_000u64}))
        .await;
    assert_eq!(resized.status, 200, "{}", resized.text);
    assert_eq!(resized.json()["limit_bytes"], 2_000_000_000u64);
    assert_eq!(resized.json()["limit"], "1.9 GiB");
    let unchanged = admin.put(&item, json!({"limit_bytes": 0})).await;
    assert_eq!(
        unchanged.json()["limit_bytes"],
        2_000_000_000u64,
        "0 is a no-op"
    );

    let limits = format!("{item}/limit");
    let added = admin
        .post(&limits, json!({"type": "reject", "threshold_percent": 100}))
        .await;
    assert_eq!((added.status, added.json()), (201, json!("Created")));
    admin
        .post(&limits, json!({"type": "Reject", "threshold_percent": 100}))
        .await
        .assert_invalid("Quota limit already exists");
    admin
        .post(&limits, json!({"type": "Hard", "threshold_percent": 100}))
        .await
        .assert_message(400, "Quota type must be one of [Warning, Reject]");
    admin
        .post(
            &limits,
            json!({"type": "Warning", "threshold_percent": 101}),
        )
        .await
        .assert_message(400, "Quota limit threshold must be between 1 and 100");
    let listed = admin.get(&limits).await.json();
    assert_eq!(listed[0]["type"], "Reject");
    assert_eq!(listed[0]["limit_percent"], 100);
    let lid = listed[0]["id"].as_u64().unwrap();
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["quota"]["limits"][0]["threshold_percent"],
        100
    );
    assert_eq!(admin.delete(&format!("{limits}/{lid}")).await.status, 204);
    admin
        .delete(&format!("{limits}/{lid}"))
        .await
        .assert_api(404, "not_found", "Not Found");
    assert_eq!(admin.delete(&item).await.status, 204);
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["quota"],
        json!(null)
    );
}

#[tokio::test]
async fn writes_need_a_superuser_and_from_3_16_full_access() {
    let sim = sim();
    let admin = Api::new(&sim, ADMIN);
    seed_example(&admin).await;
    Api::new(&sim, BOB)
        .post(QUOTA, json!({"limit_bytes": 1024}))
        .await
        .assert_forbidden();
    for (version, allowed) in [(QuayVersion::V3_15, true), (QuayVersion::Head, false)] {
        let sim = quay_sim::QuaySim::start({
            let mut c = config(version);
            c.disabled_features.insert(Feature::SuperusersFullAccess);
            c
        });
        let admin = Api::new(&sim, ADMIN);
        seed_example(&admin).await;
        let answer = admin.post(QUOTA, json!({"limit_bytes": 1024})).await;
        if allowed {
            assert_eq!(answer.status, 201, "{version:?}: {}", answer.text);
        } else {
            answer.assert_forbidden();
        }
        assert_eq!(
            Api::anonymous(&sim).get("/config").await.json()["features"]["SUPERUSERS_FULL_ACCESS"],
            false
        );
    }
}

#[tokio::test]
async fn without_quota_management_the_routes_are_not_registered() {
    let sim = sim_with(|c| {
        c.disabled_features.insert(Feature::QuotaManagement);
    });
    let admin = Api::new(&sim, ADMIN);
    seed_example(&admin).await;
    assert_eq!(admin.get(QUOTA).await.status, 308, "the web catch-all");
    let config = Api::anonymous(&sim).get("/config").await.json();
    assert_eq!(config["features"]["QUOTA_MANAGEMENT"], false);
    let on = sim_with(|_| {});
    let config = Api::anonymous(&on).get("/config").await.json();
    assert_eq!(config["features"]["QUOTA_MANAGEMENT"], true);
    assert_eq!(
        config["config"]["TAG_EXPIRATION_OPTIONS"],
        json!(["0s", "1d", "1w", "2w", "4w"])
    );
}
