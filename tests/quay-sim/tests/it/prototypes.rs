//! Default permissions (prototypes): quay-api-breadth.md §1; `endpoints/api/prototype.py`,
//! `data/model/permission.py`.

use quay_sim::{Delegate, QuaySim, QuayVersion, RepoRole, TeamRole};
use serde_json::{json, Value};

use crate::util::*;

const PROTOS: &str = "/api/v1/organization/exampleorg/prototypes";

fn proto(id: &str) -> String {
    format!("{PROTOS}/{id}")
}

/// `exampleorg` (owned by admin) with robot `writer`, teams `devs` and `ops`, and alice in a
/// `creators` team (role creator) so she can create repositories without being an admin.
async fn setup(sim: &QuaySim, api: &Api) {
    seed_example(api).await;
    for team in ["devs", "ops"] {
        sim.create_team("exampleorg", team, TeamRole::Member)
            .unwrap();
    }
    sim.create_team("exampleorg", "creators", TeamRole::Creator)
        .unwrap();
    sim.add_team_member("exampleorg", "creators", "alice")
        .unwrap();
}

fn user_delegate(name: &str) -> Value {
    json!({"kind": "user", "name": name})
}

fn team_delegate(name: &str) -> Value {
    json!({"kind": "team", "name": name})
}

/// The state's prototypes of exampleorg, without ids: (role, activating user, kind, name).
fn state_prototypes(sim: &QuaySim) -> Vec<(String, Value, String, String)> {
    sim.state()["organizations"]["exampleorg"]["prototypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["role"].as_str().unwrap().to_string(),
                p["activating_user"].clone(),
                p["delegate"]["kind"].as_str().unwrap().to_string(),
                p["delegate"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn create_list_update_delete() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    setup(&sim, &api).await;
    assert_eq!(api.get(PROTOS).await.json(), json!({"prototypes": []}));

    let team = api
        .post(
            PROTOS,
            json!({"role": "read", "delegate": team_delegate("devs")}),
        )
        .await;
    assert_eq!(team.status, 200, "{}", team.text);
    let team = team.json();
    let team_id = team["id"].as_str().unwrap().to_string();
    assert_eq!(team_id.len(), 36, "a UUID: {team_id}");
    assert_eq!(team["role"], "read");
    assert_eq!(team["activating_user"], Value::Null);
    assert_eq!(team["delegate"]["name"], "devs");
    assert_eq!(team["delegate"]["kind"], "team");
    assert_eq!(team["delegate"]["avatar"]["kind"], "team");
    assert_eq!(team["delegate"].as_object().unwrap().len(), 3);

    let robot = api
        .post(
            PROTOS,
            json!({"role": "write", "delegate": user_delegate("exampleorg+writer"),
                   "activating_user": {"name": "alice"}}),
        )
        .await;
    assert_eq!(robot.status, 200, "{}", robot.text);
    let robot = robot.json();
    assert_eq!(
        robot["delegate"]["name"], "exampleorg+writer",
        "no robot kind: a robot is a user"
    );
    assert_eq!(robot["delegate"]["kind"], "user");
    assert_eq!(robot["delegate"]["is_robot"], true);
    assert_eq!(robot["delegate"]["is_org_member"], true);
    assert_eq!(robot["activating_user"]["name"], "alice");
    assert_eq!(robot["activating_user"]["is_robot"], false);
    assert_eq!(robot["activating_user"]["is_org_member"], true);
    for key in ["name", "is_robot", "kind", "is_org_member", "avatar"] {
        assert!(robot["delegate"].get(key).is_some(), "{key}");
    }

    // carol is in no team of the org; duplicates are accepted.
    for _ in 0..2 {
        let user = api
            .post(
                PROTOS,
                json!({"role": "admin", "delegate": user_delegate("carol")}),
            )
            .await;
        assert_eq!(user.status, 200);
        assert_eq!(user.json()["delegate"]["is_org_member"], false);
        assert_eq!(user.json()["delegate"]["is_robot"], false);
    }

    let listed = api.get(PROTOS).await.json();
    let listed = listed["prototypes"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 4);
    assert_eq!(listed[0], team, "the list shows what the POST answered");
    assert_eq!(listed[1], robot);
    assert_ne!(listed[2]["id"], listed[3]["id"]);

    let updated = api.put(&proto(&team_id), json!({"role": "admin"})).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["role"], "admin");
    assert_eq!(updated.json()["id"], team_id.as_str());
    // Idempotent.
    assert_eq!(
        api.put(&proto(&team_id), json!({"role": "admin"}))
            .await
            .status,
        200
    );

    let deleted = api.delete(&proto(&team_id)).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");
    api.delete(&proto(&team_id))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.put(&proto(&team_id), json!({"role": "read"}))
        .await
        .assert_api(404, "not_found", "Not Found");
    assert_eq!(
        state_prototypes(&sim),
        vec![
            (
                "write".into(),
                json!("alice"),
                "user".into(),
                "exampleorg+writer".into()
            ),
            ("admin".into(), Value::Null, "user".into(), "carol".into()),
            ("admin".into(), Value::Null, "user".into(), "carol".into()),
        ]
    );
    let stats = sim.stats();
    assert_eq!(
        stats.by_route["POST /api/v1/organization/{org}/prototypes"],
        4
    );
    assert_eq!(
        stats.by_route["GET /api/v1/organization/{org}/prototypes"],
        2
    );
    assert_eq!(
        stats.by_route["PUT /api/v1/organization/{org}/prototypes/{id}"],
        3
    );
    assert_eq!(
        stats.by_route["DELETE /api/v1/organization/{org}/prototypes/{id}"],
        2
    );
}

#[tokio::test]
async fn request_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    setup(&sim, &api).await;
    let devs = team_delegate("devs");
    assert_eq!(
        api.post(PROTOS, json!({"delegate": devs}))
            .await
            .schema_error(),
        "'role' is a required property"
    );
    assert_eq!(
        api.post(PROTOS, json!({"role": "read"}))
            .await
            .schema_error(),
        "'delegate' is a required property"
    );
    assert_eq!(
        api.post(PROTOS, json!({"role": "owner", "delegate": devs}))
            .await
            .schema_error(),
        "'owner' is not one of ['read', 'write', 'admin']"
    );
    assert_eq!(
        api.post(
            PROTOS,
            json!({"role": "read", "delegate": {"kind": "robot", "name": "exampleorg+writer"}})
        )
        .await
        .schema_error(),
        "'robot' is not one of ['user', 'team']"
    );
    assert_eq!(
        api.post(
            PROTOS,
            json!({"role": "read", "delegate": {"name": "devs"}})
        )
        .await
        .schema_error(),
        "'kind' is a required property"
    );
    assert_eq!(
        api.post(
            PROTOS,
            json!({"role": "read", "delegate": devs, "activating_user": null})
        )
        .await
        .schema_error(),
        "None is not of type 'object'"
    );
    assert_eq!(
        api.post(
            PROTOS,
            json!({"role": "read", "delegate": devs, "activating_user": {}})
        )
        .await
        .schema_error(),
        "'name' is a required property"
    );
    api.post(
        PROTOS,
        json!({"role": "read", "delegate": devs, "activating_user": {"name": "nobody"}}),
    )
    .await
    .assert_invalid("Unknown activating user");
    // An organization is not a user.
    api.post(
        PROTOS,
        json!({"role": "read", "delegate": devs, "activating_user": {"name": "exampleorg"}}),
    )
    .await
    .assert_invalid("Unknown activating user");
    for delegate in [
        user_delegate("nobody"),
        user_delegate("devs"),
        user_delegate("exampleorg+nobot"),
        user_delegate(""),
        team_delegate(""),
    ] {
        api.post(PROTOS, json!({"role": "read", "delegate": delegate}))
            .await
            .assert_invalid("Missing delegate user or team");
    }
    let missing_team = "('Team does not exist: %s/%s', 'exampleorg', 'alice')";
    api.post(
        PROTOS,
        json!({"role": "read", "delegate": team_delegate("alice")}),
    )
    .await
    .assert_message(400, missing_team);
    // The team lookup fails before the activating user is checked.
    api.post(
        PROTOS,
        json!({"role": "read", "delegate": team_delegate("alice"),
               "activating_user": {"name": "nobody"}}),
    )
    .await
    .assert_message(400, missing_team);

    // Body first, then the permission: alice can create repositories, not administer.
    let alice = Api::new(&sim, ALICE);
    assert_eq!(
        alice.post(PROTOS, json!({})).await.schema_error(),
        "'role' is a required property"
    );
    alice
        .post(PROTOS, json!({"role": "read", "delegate": devs}))
        .await
        .assert_forbidden();
    alice.get(PROTOS).await.assert_forbidden();
    assert_eq!(
        alice
            .put(&proto("x"), json!({"role": "bad"}))
            .await
            .schema_error(),
        "'bad' is not one of ['read', 'write', 'admin']"
    );
    alice
        .put(&proto("x"), json!({"role": "read"}))
        .await
        .assert_forbidden();
    alice.delete(&proto("x")).await.assert_forbidden();
    Api::new(&sim, BOB)
        .get("/api/v1/organization/nothere/prototypes")
        .await
        .assert_forbidden();
    let anonymous = Api::anonymous(&sim);
    anonymous
        .get(PROTOS)
        .await
        .assert_api(401, "invalid_token", "Requires authentication");
    let csrf = anonymous
        .post(PROTOS, json!({"role": "read", "delegate": devs}))
        .await;
    assert_eq!(csrf.status, 403);
    assert!(csrf.content_type.starts_with("text/html"));
    // The item route has no GET: the web catch-all redirects.
    assert_eq!(api.get(&proto("x")).await.status, 308);
    assert!(state_prototypes(&sim).is_empty(), "nothing was created");
}

async fn create(api: &Api, body: Value) {
    let answer = api.post(PROTOS, body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn applied_when_a_repository_is_created() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    setup(&sim, &api).await;
    // Teams: catch-all devs read; ops only for bob.
    create(
        &api,
        json!({"role": "read", "delegate": team_delegate("devs")}),
    )
    .await;
    create(
        &api,
        json!({"role": "admin", "delegate": team_delegate("ops"), "activating_user": {"name": "bob"}}),
    )
    .await;
    // carol: catch-all write, then alice-specific admin (beats it), then catch-all read (never
    // replaces an entry).
    create(
        &api,
        json!({"role": "write", "delegate": user_delegate("carol")}),
    )
    .await;
    create(
        &api,
        json!({"role": "admin", "delegate": user_delegate("carol"), "activating_user": {"name": "alice"}}),
    )
    .await;
    create(
        &api,
        json!({"role": "read", "delegate": user_delegate("carol")}),
    )
    .await;
    // The robot, for anyone; the creator herself (skipped: she is admin anyway).
    create(
        &api,
        json!({"role": "write", "delegate": user_delegate("exampleorg+writer")}),
    )
    .await;
    create(
        &api,
        json!({"role": "read", "delegate": user_delegate("alice")}),
    )
    .await;

    let alice = Api::new(&sim, ALICE);
    let created = alice
        .post(
            "/api/v1/repository",
            json!({"namespace": "exampleorg", "repository": "app", "visibility": "private",
                   "description": ""}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let state = sim.state();
    let repos = &state["organizations"]["exampleorg"]["repositories"];
    assert_eq!(
        repos["app"]["user_permissions"],
        json!({"alice": "admin", "carol": "admin", "exampleorg+writer": "write"})
    );
    assert_eq!(repos["app"]["team_permissions"], json!({"devs": "read"}));
    // Never retroactive: the repository created before the prototypes is untouched.
    assert_eq!(
        repos["nested/demorepo"]["user_permissions"],
        json!({"admin": "admin"})
    );
    assert_eq!(repos["nested/demorepo"]["team_permissions"], json!({}));

    // Created by admin: the alice-specific ones do not apply, the catch-alls do (the first
    // catch-all for carol wins), and a prototype for alice is not skipped for someone else.
    let by_admin = api
        .post(
            "/api/v1/repository",
            json!({"namespace": "exampleorg", "repository": "tool", "visibility": "public",
                   "description": ""}),
        )
        .await;
    assert_eq!(by_admin.status, 201);
    let state = sim.state();
    let tool = &state["organizations"]["exampleorg"]["repositories"]["tool"];
    assert_eq!(
        tool["user_permissions"],
        json!({"admin": "admin", "alice": "read", "carol": "write", "exampleorg+writer": "write"})
    );
    assert_eq!(tool["team_permissions"], json!({"devs": "read"}));
    // The API shows the same.
    let listed = api
        .get("/api/v1/repository/exampleorg/tool/permissions/team/")
        .await
        .json();
    assert_eq!(listed["permissions"]["devs"]["role"], "read");
}

#[tokio::test]
async fn deleting_a_robot_or_team_deletes_the_prototypes_naming_it() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    setup(&sim, &api).await;
    api.put(
        "/api/v1/organization/exampleorg/robots/builder",
        json!({"description": ""}),
    )
    .await;
    for body in [
        json!({"role": "read", "delegate": team_delegate("devs")}),
        json!({"role": "read", "delegate": team_delegate("ops")}),
        json!({"role": "write", "delegate": user_delegate("exampleorg+writer")}),
        json!({"role": "write", "delegate": team_delegate("ops"),
               "activating_user": {"name": "exampleorg+builder"}}),
        json!({"role": "admin", "delegate": user_delegate("carol")}),
    ] {
        assert_eq!(api.post(PROTOS, body).await.status, 200);
    }
    let robot = api
        .delete("/api/v1/organization/exampleorg/robots/writer")
        .await;
    assert_eq!(robot.status, 204);
    // As activating user too.
    assert_eq!(
        api.delete("/api/v1/organization/exampleorg/robots/builder")
            .await
            .status,
        204
    );
    assert_eq!(
        state_prototypes(&sim),
        vec![
            ("read".into(), Value::Null, "team".into(), "devs".into()),
            ("read".into(), Value::Null, "team".into(), "ops".into()),
            ("admin".into(), Value::Null, "user".into(), "carol".into()),
        ]
    );
    let team = api.delete("/api/v1/organization/exampleorg/team/ops").await;
    assert_eq!(team.status, 204);
    assert_eq!(
        state_prototypes(&sim),
        vec![
            ("read".into(), Value::Null, "team".into(), "devs".into()),
            ("admin".into(), Value::Null, "user".into(), "carol".into()),
        ]
    );
    // A team created again under the same name has no prototype.
    sim.create_team("exampleorg", "ops", TeamRole::Member)
        .unwrap();
    assert_eq!(
        api.get(PROTOS).await.json()["prototypes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_robot_of_another_org_is_accepted_and_cascades_from_there() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    setup(&sim, &api).await;
    sim.create_org("otherorg", "admin").unwrap();
    sim.create_robot("otherorg", "bot", "").unwrap();
    let answer = api
        .post(
            PROTOS,
            json!({"role": "read", "delegate": user_delegate("otherorg+bot")}),
        )
        .await;
    assert_eq!(answer.status, 200, "Quay does not check the robot's org");
    assert_eq!(answer.json()["delegate"]["is_org_member"], true);
    assert_eq!(
        api.delete("/api/v1/organization/otherorg/robots/bot")
            .await
            .status,
        204
    );
    assert!(state_prototypes(&sim).is_empty());
}

#[tokio::test]
async fn every_version_has_them_and_seeding_adds_them() {
    for version in [
        QuayVersion::V3_12,
        QuayVersion::V3_15,
        QuayVersion::V3_17,
        QuayVersion::V3_18,
        QuayVersion::Head,
    ] {
        let sim = QuaySim::start(config(version));
        let api = Api::new(&sim, ADMIN);
        setup(&sim, &api).await;
        let id = sim
            .add_prototype(
                "exampleorg",
                RepoRole::Write,
                Delegate::Team("devs".into()),
                Some("alice"),
            )
            .unwrap();
        let listed = api.get(PROTOS).await.json();
        assert_eq!(listed["prototypes"][0]["id"], id.as_str(), "{version:?}");
        assert_eq!(listed["prototypes"][0]["role"], "write");
        assert_eq!(listed["prototypes"][0]["activating_user"]["name"], "alice");
        assert_eq!(api.delete(&proto(&id)).await.status, 204, "{version:?}");
        let discovery = api.get("/api/v1/discovery").await.json();
        let path = &discovery["paths"]["/api/v1/organization/{orgname}/prototypes"];
        assert_eq!(
            path["post"]["operationId"],
            "createOrganizationPrototypePermission"
        );
        assert_eq!(
            discovery["definitions"]["NewPrototype"]["required"],
            json!(["role", "delegate"])
        );
    }
    let sim = sim();
    assert!(sim
        .add_prototype("nothere", RepoRole::Read, Delegate::Team("x".into()), None)
        .is_err());
}
