//! Repository permissions: quay-api.md §7; quay-observed.md.

use serde_json::json;

use crate::util::*;

const USERS: &str = "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/";
const TEAMS: &str = "/api/v1/repository/exampleorg/nested/demorepo/permissions/team/";

#[tokio::test]
async fn user_and_robot_permissions() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let put = api
        .put(&format!("{USERS}alice"), json!({"role": "write"}))
        .await;
    assert_eq!(put.status, 200);
    let body = put.json();
    assert_eq!(body["role"], "write");
    assert_eq!(body["name"], "alice");
    assert_eq!(body["is_robot"], false);
    assert_eq!(body["is_org_member"], false);
    // Idempotent.
    assert_eq!(
        api.put(&format!("{USERS}alice"), json!({"role": "write"}))
            .await
            .status,
        200
    );
    let robot = api
        .put(
            &format!("{USERS}exampleorg+writer"),
            json!({"role": "read"}),
        )
        .await
        .json();
    assert_eq!(robot["is_robot"], true);
    assert_eq!(robot["is_org_member"], true);
    let listed = api.get(USERS).await.json();
    let names: Vec<_> = listed["permissions"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, vec!["admin", "alice", "exampleorg+writer"]);
    assert_eq!(
        api.get(&format!("{USERS}alice")).await.json()["role"],
        "write"
    );

    api.put(&format!("{USERS}nosuchuser"), json!({"role": "read"}))
        .await
        .assert_invalid("Invalid username: nosuchuser");
    assert_eq!(
        api.put(&format!("{USERS}alice"), json!({"role": "owner"}))
            .await
            .schema_error(),
        "'owner' is not one of ['read', 'write', 'admin']"
    );
    api.post("/api/v1/organization/", json!({"name": "otherorg"}))
        .await;
    api.put("/api/v1/organization/otherorg/robots/bot", json!({}))
        .await;
    api.put(&format!("{USERS}otherorg+bot"), json!({"role": "read"}))
        .await
        .assert_invalid("Cannot add robot otherorg+bot under namespace exampleorg");
    api.put(&format!("{USERS}exampleorg"), json!({"role": "read"}))
        .await
        .assert_invalid("Namespace owner must always be admin.");

    assert_eq!(api.delete(&format!("{USERS}alice")).await.status, 204);
    api.delete(&format!("{USERS}alice"))
        .await
        .assert_invalid("User does not have permission for repo.");
    api.get(&format!("{USERS}alice"))
        .await
        .assert_message(400, "User does not have permission for repo.");
    // A missing repository: empty list, 500 on PUT.
    let missing = api
        .get("/api/v1/repository/exampleorg/nosuch/permissions/user/")
        .await;
    assert_eq!(missing.json(), json!({"permissions": {}}));
    api.put(
        "/api/v1/repository/exampleorg/nosuch/permissions/user/alice",
        json!({"role": "read"}),
    )
    .await
    .assert_html(500, "Internal Server Error");
}

#[tokio::test]
async fn team_permissions() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(
        "/api/v1/organization/exampleorg/team/devs",
        json!({"role": "member"}),
    )
    .await;
    let put = api
        .put(&format!("{TEAMS}devs"), json!({"role": "read"}))
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.json()["role"], "read");
    assert_eq!(put.json()["name"], "devs");
    assert_eq!(
        api.get(&format!("{TEAMS}devs")).await.json(),
        json!({"role": "read"})
    );
    assert_eq!(
        api.get(TEAMS).await.json()["permissions"]["devs"]["role"],
        "read"
    );
    let team_view = api
        .get("/api/v1/organization/exampleorg/team/devs/permissions")
        .await
        .json();
    assert_eq!(team_view["permissions"][0]["role"], "read");
    assert_eq!(
        api.get("/api/v1/organization/exampleorg").await.json()["teams"]["devs"]["repo_count"],
        1
    );
    api.put(&format!("{TEAMS}noteam"), json!({"role": "read"}))
        .await
        .assert_invalid("No team noteam in organization exampleorg");
    assert_eq!(api.delete(&format!("{TEAMS}devs")).await.status, 204);
    api.delete(&format!("{TEAMS}devs"))
        .await
        .assert_invalid("Team does not have permission for repo.");
    api.get(&format!("{TEAMS}devs"))
        .await
        .assert_message(400, "Team does not have permission for repo.");
}
