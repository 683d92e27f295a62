//! Repositories: quay-api.md §6; quay-observed.md.

use quay_sim::{QuaySim, RepoRole, Visibility};
use serde_json::json;

use crate::util::*;

const REPO: &str = "/api/v1/repository/exampleorg/nested/demorepo";

fn new_repo(name: &str) -> serde_json::Value {
    json!({"namespace": "exampleorg", "repository": name, "visibility": "private", "description": "Demo"})
}

#[tokio::test]
async fn create_gives_the_creator_admin() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    let created = api
        .post("/api/v1/repository", new_repo("nested/demorepo"))
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(
        created.json(),
        json!({"namespace": "exampleorg", "name": "nested/demorepo", "kind": "image"})
    );
    let repo = &sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(repo["user_permissions"], json!({"admin": "admin"}));
    assert_eq!(repo["state"], "NORMAL");
    assert_eq!(repo["visibility"], "private");
    assert_eq!(repo["description"], "Demo");
    assert_eq!(repo["mirror"], json!(null));
    let permissions = api.get(&format!("{REPO}/permissions/user/")).await.json();
    assert_eq!(permissions["permissions"]["admin"]["role"], "admin");
    assert_eq!(permissions["permissions"]["admin"]["is_org_member"], true);
}

#[tokio::test]
async fn create_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.post("/api/v1/repository", new_repo("nested/demorepo"))
        .await
        .assert_invalid("Repository already exists");
    api.post("/api/v1/repository", new_repo("Upper"))
        .await
        .assert_invalid("Invalid repository name");
    assert_eq!(
        api.post("/api/v1/repository", json!({"namespace": "exampleorg", "repository": "x", "visibility": "hidden", "description": ""}))
            .await
            .schema_error(),
        "'hidden' is not one of ['public', 'private']"
    );
    assert_eq!(
        api.post(
            "/api/v1/repository",
            json!({"namespace": "exampleorg", "repository": "x", "visibility": "public"})
        )
        .await
        .schema_error(),
        "'description' is a required property"
    );
    Api::new(&sim, BOB)
        .post("/api/v1/repository", new_repo("bobs"))
        .await
        .assert_forbidden();
    let missing_namespace = api
        .post("/api/v1/repository", json!({"namespace": "nosuchorg", "repository": "x", "visibility": "public", "description": ""}))
        .await;
    missing_namespace.assert_html(500, "Internal Server Error");
}

#[tokio::test]
async fn get_update_visibility_state_delete() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    sim.add_tags("exampleorg", "nested/demorepo", 2).unwrap();
    let repo = api.get(REPO).await.json();
    assert_eq!(repo["name"], "nested/demorepo");
    assert_eq!(repo["namespace"], "exampleorg");
    assert_eq!(repo["is_public"], false);
    assert_eq!(repo["can_admin"], true);
    assert_eq!(repo["tags"].as_object().unwrap().len(), 2);

    let updated = api.put(REPO, json!({"description": "new"})).await;
    assert_eq!(updated.json(), json!({"success": true}));
    assert_eq!(
        api.post(
            &format!("{REPO}/changevisibility"),
            json!({"visibility": "public"})
        )
        .await
        .json(),
        json!({"success": true})
    );
    assert_eq!(
        api.put(&format!("{REPO}/changestate"), json!({"state": "MIRROR"}))
            .await
            .json(),
        json!({"success": true})
    );
    assert_eq!(
        api.put(&format!("{REPO}/changestate"), json!({"state": "BROKEN"}))
            .await
            .schema_error(),
        "'BROKEN' is not one of ['NORMAL', 'READ_ONLY', 'MIRROR']"
    );
    let state = &sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(state["description"], "new");
    assert_eq!(state["visibility"], "public");
    assert_eq!(state["state"], "MIRROR");
    assert_eq!(state["tags"], 2);
    // The repo is public now: anonymous may read it.
    assert_eq!(Api::anonymous(&sim).get(REPO).await.status, 200);

    assert_eq!(api.delete(REPO).await.status, 204);
    assert_eq!(api.delete(REPO).await.status, 204);
    api.get(REPO)
        .await
        .assert_api(404, "not_found", "Not Found");
    api.put(REPO, json!({"description": "x"}))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.put(&format!("{REPO}/changestate"), json!({"state": "NORMAL"}))
        .await
        .assert_api(404, "not_found", "Not Found");
    let visibility = api
        .post(
            &format!("{REPO}/changevisibility"),
            json!({"visibility": "public"}),
        )
        .await;
    assert_eq!((visibility.status, visibility.json()), (200, json!(null)));
    // The name is free again at once, with a new id.
    assert_eq!(
        api.post("/api/v1/repository", new_repo("nested/demorepo"))
            .await
            .status,
        201
    );
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]["tags"],
        0
    );
}

#[tokio::test]
async fn missing_and_private_repositories_look_alike_to_outsiders() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let bob = Api::new(&sim, BOB);
    bob.get(REPO).await.assert_forbidden();
    bob.get("/api/v1/repository/exampleorg/nosuch")
        .await
        .assert_forbidden();
    Api::anonymous(&sim).get(REPO).await.assert_api(
        401,
        "invalid_token",
        "Requires authentication",
    );
    // Bob gets read: he may see it but not write.
    sim.set_user_permission("exampleorg", "nested/demorepo", "bob", Some(RepoRole::Read))
        .unwrap();
    assert_eq!(bob.get(REPO).await.json()["can_write"], false);
    bob.put(REPO, json!({"description": "x"}))
        .await
        .assert_forbidden();
    // Permission is checked before the body on repository endpoints.
    bob.put(REPO, json!({})).await.assert_forbidden();
    bob.delete(REPO).await.assert_forbidden();
}

#[tokio::test]
async fn list_pages_by_100_in_id_order() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    for i in 0..150 {
        sim.create_repo("exampleorg", &format!("repo{i:03}"), Visibility::Private)
            .unwrap();
    }
    sim.create_org("otherorg", "alice").unwrap();
    sim.create_repo("otherorg", "public", Visibility::Public)
        .unwrap();
    let first = api
        .get("/api/v1/repository?namespace=exampleorg")
        .await
        .json();
    let repos = first["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 100);
    assert_eq!(repos[0]["name"], "repo000");
    assert_eq!(repos[0]["state"], "NORMAL");
    assert_eq!(repos[0]["is_public"], false);
    let token = first["next_page"].as_str().unwrap();
    let second = api
        .get(&format!(
            "/api/v1/repository?namespace=exampleorg&next_page={token}"
        ))
        .await
        .json();
    assert_eq!(second["repositories"].as_array().unwrap().len(), 50);
    assert_eq!(second["repositories"][0]["name"], "repo100");
    assert!(second.get("next_page").is_none());
    api.get("/api/v1/repository")
        .await
        .assert_invalid("namespace, starred or public are required for this API call");
    // Bob sees nothing in exampleorg; public=true shows public repositories.
    let bob = Api::new(&sim, BOB)
        .get("/api/v1/repository?namespace=exampleorg")
        .await
        .json();
    assert_eq!(bob["repositories"], json!([]));
    let public = Api::anonymous(&sim)
        .get("/api/v1/repository?public=true")
        .await
        .json();
    assert_eq!(public["repositories"].as_array().unwrap().len(), 1);
    assert_eq!(public["repositories"][0]["name"], "public");
}

#[tokio::test]
async fn scopes_cap_the_owner() {
    let sim = QuaySim::start(quay_sim::Config {
        tokens: vec![
            quay_sim::TokenSpec::superuser(ADMIN),
            quay_sim::TokenSpec::new("orgonly", "admin", [quay_sim::Scope::OrgAdmin]),
        ],
        ..quay_sim::Config::default()
    });
    seed_example(&Api::new(&sim, ADMIN)).await;
    let capped = Api::new(&sim, "orgonly");
    capped
        .post(
            &format!("{REPO}/changevisibility"),
            json!({"visibility": "public"}),
        )
        .await
        .assert_forbidden();
    capped
        .get(&format!("{REPO}/permissions/user/"))
        .await
        .assert_forbidden();
    assert_eq!(
        capped
            .put(
                "/api/v1/organization/exampleorg/team/devs",
                json!({"role": "member"})
            )
            .await
            .status,
        200
    );
}
