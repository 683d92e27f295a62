//! Teams, members, invites, syncing: quay-api.md §5; quay-observed.md.

use serde_json::json;

use crate::util::*;

const DEVS: &str = "/api/v1/organization/exampleorg/team/devs";

#[tokio::test]
async fn put_is_an_upsert_answering_200() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let created = api
        .put(DEVS, json!({"role": "member", "description": "Developers"}))
        .await;
    assert_eq!(created.status, 200);
    let body = created.json();
    assert_eq!(body["new_team"], true);
    assert_eq!(body["role"], "member");
    assert_eq!(body["description"], "Developers");
    let updated = api.put(DEVS, json!({"role": "admin"})).await.json();
    assert_eq!(updated["new_team"], false);
    assert_eq!(updated["role"], "admin");
    assert_eq!(updated["description"], "Developers");
    let view = api.get("/api/v1/organization/exampleorg").await.json();
    assert_eq!(view["ordered_teams"], json!(["owners", "devs"]));
    assert_eq!(view["teams"]["devs"]["role"], "admin");
}

#[tokio::test]
async fn put_errors() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    assert_eq!(
        api.put(DEVS, json!({"role": "owner"})).await.schema_error(),
        "'owner' is not one of ['member', 'creator', 'admin']"
    );
    assert_eq!(
        api.put(DEVS, json!({})).await.schema_error(),
        "'role' is a required property"
    );
    // Body errors come before the permission check.
    assert_eq!(
        Api::new(&sim, BOB)
            .put(DEVS, json!({}))
            .await
            .schema_error(),
        "'role' is a required property"
    );
    Api::new(&sim, BOB)
        .put(DEVS, json!({"role": "member"}))
        .await
        .assert_forbidden();
    api.put(
        "/api/v1/organization/exampleorg/team/Bad",
        json!({"role": "member"}),
    )
    .await
    .assert_message(
        400,
        "Invalid team name Bad: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$",
    );
    api.put("/api/v1/organization/exampleorg/team/owners", json!({"role": "member"}))
        .await
        .assert_message(
            400,
            "Cannot remove admin from team 'owners' because calling user would no longer have admin on org 'exampleorg'",
        );
    // The team route has no GET: Quay's web catch-all redirects to the slashed URL.
    assert_eq!(api.get(DEVS).await.status, 308);
}

#[tokio::test]
async fn delete_team() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    api.put(
        "/api/v1/repository/exampleorg/nested/demorepo/permissions/team/devs",
        json!({"role": "read"}),
    )
    .await;
    assert_eq!(api.delete(DEVS).await.status, 204);
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["repositories"]["nested/demorepo"]
            ["team_permissions"],
        json!({})
    );
    api.delete(DEVS)
        .await
        .assert_message(400, "Team 'devs' is not a team in org 'exampleorg'");
    api.delete("/api/v1/organization/exampleorg/team/owners")
        .await
        .assert_message(
            400,
            "Deleting team 'owners' would remove admin ability for user 'admin' in organization 'exampleorg'",
        );
}

#[tokio::test]
async fn members_add_list_remove() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    let added = api.put(&format!("{DEVS}/members/alice"), json!({})).await;
    assert_eq!(added.status, 200);
    let body = added.json();
    assert_eq!(body["name"], "alice");
    assert_eq!(body["is_robot"], false);
    assert_eq!(body["invited"], false);
    assert_eq!(body["kind"], "user");
    let robot = api
        .put(&format!("{DEVS}/members/exampleorg+writer"), json!({}))
        .await
        .json();
    assert_eq!(robot["is_robot"], true);
    api.put(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_message(400, "User alice is already a member of team devs");
    api.put(&format!("{DEVS}/members/nosuchuser"), json!({}))
        .await
        .assert_invalid("Unknown user");
    api.put(&format!("{DEVS}/members/exampleorg"), json!({}))
        .await
        .assert_invalid("Unknown user");
    api.put(
        "/api/v1/organization/exampleorg/team/nosuch/members/alice",
        json!({}),
    )
    .await
    .assert_api(404, "not_found", "Not Found");
    let members = api
        .get(&format!("{DEVS}/members?includePending=true"))
        .await
        .json();
    assert_eq!(members["name"], "devs");
    assert_eq!(members["can_edit"], true);
    let names: Vec<_> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("alice"), json!("exampleorg+writer")]);
    // Alice is a team member: she may read the team, but is no admin.
    let as_alice = Api::new(&sim, ALICE)
        .get(&format!("{DEVS}/members"))
        .await
        .json();
    assert_eq!(as_alice["can_edit"], false);
    Api::new(&sim, BOB)
        .get(&format!("{DEVS}/members"))
        .await
        .assert_forbidden();
    api.get("/api/v1/organization/exampleorg/team/nosuch/members")
        .await
        .assert_api(404, "not_found", "Not Found");

    assert_eq!(
        api.delete(&format!("{DEVS}/members/alice")).await.status,
        204
    );
    api.delete(&format!("{DEVS}/members/alice"))
        .await
        .assert_message(400, "User alice does not belong to team devs");
    api.delete(&format!("{DEVS}/members/nosuchuser"))
        .await
        .assert_api(404, "not_found", "Not Found");
    api.delete("/api/v1/organization/exampleorg/team/owners/members/admin")
        .await
        .assert_message(
            400,
            "User cannot remove themselves from their only admin team.",
        );
    // Wrong method on the member route: a GET goes to Quay's web catch-all (308), another
    // method gets Flask-RESTful's 405 [M].
    assert_eq!(api.get(&format!("{DEVS}/members/alice")).await.status, 308);
    api.post(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_message(405, "The method is not allowed for the requested URL.");
}

#[tokio::test]
async fn without_invites_robots_of_other_orgs_are_accepted() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.post("/api/v1/organization/", json!({"name": "otherorg"}))
        .await;
    api.put("/api/v1/organization/otherorg/robots/bot", json!({}))
        .await;
    api.put(DEVS, json!({"role": "member"})).await;
    assert_eq!(
        api.put(&format!("{DEVS}/members/otherorg+bot"), json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn mailing_turns_additions_into_invites() {
    let sim = sim_with(|c| c.mailing = true);
    let api = Api::new(&sim, ADMIN);
    api.post(
        "/api/v1/organization/",
        json!({"name": "exampleorg", "email": "a@example.com"}),
    )
    .await;
    api.post(
        "/api/v1/organization/",
        json!({"name": "otherorg", "email": "b@example.com"}),
    )
    .await;
    api.put("/api/v1/organization/otherorg/robots/bot", json!({}))
        .await;
    api.put(DEVS, json!({"role": "member"})).await;
    api.put(
        "/api/v1/organization/exampleorg/team/ops",
        json!({"role": "member"}),
    )
    .await;
    let invited = api
        .put(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .json();
    assert_eq!(invited["invited"], true);
    // Repeating creates another invite.
    assert_eq!(
        api.put(&format!("{DEVS}/members/alice"), json!({}))
            .await
            .json()["invited"],
        true
    );
    let team = sim.state()["organizations"]["exampleorg"]["teams"]["devs"].clone();
    assert_eq!(team["members"], json!([]));
    assert_eq!(team["invites"], json!(["alice", "alice"]));
    let pending = api
        .get(&format!("{DEVS}/members?includePending=true"))
        .await
        .json();
    assert_eq!(pending["members"][0]["invited"], true);
    let plain = api.get(&format!("{DEVS}/members")).await.json();
    assert_eq!(plain["members"], json!([]));
    // Admin is in a team of the org already: added directly.
    assert_eq!(
        api.put(
            "/api/v1/organization/exampleorg/team/ops/members/admin",
            json!({})
        )
        .await
        .json()["invited"],
        false
    );
    api.put(&format!("{DEVS}/members/otherorg+bot"), json!({}))
        .await
        .assert_message(
            400,
            "Cannot add the specified robot to this team, as it is not a member of the organization",
        );
    // Deleting a pending invite.
    assert_eq!(
        api.delete(&format!("{DEVS}/members/alice")).await.status,
        204
    );
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["invites"],
        json!([])
    );
}

#[tokio::test]
async fn syncing_without_ldap_is_a_405_page() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    api.post(&format!("{DEVS}/syncing"), json!({"group_dn": "cn=devs"}))
        .await
        .assert_html(405, "Method Not Allowed");
}

#[tokio::test]
async fn syncing_with_ldap() {
    let sim = sim_with(|c| c.ldap = true);
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    let synced = api
        .post(
            &format!("{DEVS}/syncing"),
            json!({"group_dn": "cn=devs,ou=groups"}),
        )
        .await;
    assert_eq!(synced.status, 200);
    assert_eq!(synced.json()["name"], "devs");
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["group_dn"],
        "cn=devs,ou=groups"
    );
    let members = api.get(&format!("{DEVS}/members")).await.json();
    assert_eq!(members["synced"]["config"]["group_dn"], "cn=devs,ou=groups");
    assert_eq!(members["synced"]["service"], "ldap");
    assert_eq!(members["can_sync"]["service"], "ldap");
    let view = api.get("/api/v1/organization/exampleorg").await.json();
    assert_eq!(view["teams"]["devs"]["is_synced"], true);
    api.post(&format!("{DEVS}/syncing"), json!({"group_dn": "cn=other"}))
        .await
        .assert_html(500, "Internal Server Error");
    api.put(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_invalid("Cannot call this method on an auth-synced team");
    assert_eq!(
        api.put(&format!("{DEVS}/members/exampleorg+writer"), json!({}))
            .await
            .status,
        200
    );
    api.post(
        "/api/v1/organization/exampleorg/team/nosuch/syncing",
        json!({"group_dn": "x"}),
    )
    .await
    .assert_api(404, "not_found", "Not Found");
    api.post(
        "/api/v1/organization/exampleorg/team/owners/syncing",
        json!({}),
    )
    .await
    .assert_invalid("Could not sync to group: Missing group_dn");
    // Superuser permission is needed (alice owns nothing here anyway).
    Api::new(&sim, ALICE)
        .post(&format!("{DEVS}/syncing"), json!({"group_dn": "x"}))
        .await
        .assert_forbidden();
    assert_eq!(api.delete(&format!("{DEVS}/syncing")).await.status, 200);
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["group_dn"],
        json!(null)
    );
}

/// `GET …/team/{t}/permissions` (`team.py` `TeamPermissions`): every repository role of the
/// team in one answer, repository names without the namespace; org admins only (403 for a
/// plain member, as `raise Unauthorized()`), 404 for a team that does not exist. The org view's
/// `repo_count` counts the same grants.
#[tokio::test]
async fn team_permissions_list_every_repository_role_of_the_team() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    let app = api
        .post(
            "/api/v1/repository",
            json!({"namespace": "exampleorg", "repository": "app", "visibility": "public",
                   "description": ""}),
        )
        .await;
    assert_eq!(app.status, 201);
    let grant = |repo: &'static str, role: &'static str| {
        let api = &api;
        async move {
            let path = format!("/api/v1/repository/exampleorg/{repo}/permissions/team/devs");
            assert_eq!(api.put(&path, json!({ "role": role })).await.status, 200);
        }
    };
    grant("nested/demorepo", "write").await;
    grant("app", "admin").await;

    let list = api.get(&format!("{DEVS}/permissions")).await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.json(),
        json!({"permissions": [
            {"repository": {"name": "app", "is_public": true}, "role": "admin"},
            {"repository": {"name": "nested/demorepo", "is_public": false}, "role": "write"},
        ]})
    );
    let view = api.get("/api/v1/organization/exampleorg").await.json();
    assert_eq!(view["teams"]["devs"]["repo_count"], 2);
    assert_eq!(view["teams"]["owners"]["repo_count"], 0);
    assert_eq!(
        api.get("/api/v1/organization/exampleorg/team/owners/permissions")
            .await
            .json(),
        json!({"permissions": []})
    );
    assert_eq!(
        api.get("/api/v1/organization/exampleorg/team/nosuch/permissions")
            .await
            .status,
        404
    );
    // alice is a member of the organization (in devs), not an admin.
    assert_eq!(
        api.put(&format!("{DEVS}/members/alice"), json!({}))
            .await
            .status,
        200
    );
    let alice = Api::new(&sim, ALICE);
    assert_eq!(alice.get(&format!("{DEVS}/permissions")).await.status, 403);
}

#[tokio::test]
async fn syncing_with_oidc_stores_the_body_and_removes_humans() {
    let sim = sim_with(|c| c.authentication = quay_sim::Authentication::Oidc);
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    api.put(DEVS, json!({"role": "member"})).await;
    for member in ["alice", "exampleorg+writer"] {
        assert_eq!(
            api.put(&format!("{DEVS}/members/{member}"), json!({}))
                .await
                .status,
            200
        );
    }
    let config = api.get("/config").await.json();
    assert_eq!(config["config"]["AUTHENTICATION_TYPE"], "OIDC");
    assert_eq!(config["features"]["TEAM_SYNCING"], true);
    // Any body is accepted, even without `group_name` (Quay does not validate it).
    let synced = api
        .post(
            &format!("{DEVS}/syncing"),
            json!({"group_name": "acme-devs"}),
        )
        .await;
    assert_eq!(synced.status, 200);
    let team = &sim.state()["organizations"]["exampleorg"]["teams"]["devs"];
    assert_eq!(team["sync"], json!({"group_name": "acme-devs"}));
    assert_eq!(team["group_dn"], json!(null));
    assert_eq!(team["members"], json!(["exampleorg+writer"]), "robots stay");
    let members = api.get(&format!("{DEVS}/members")).await.json();
    assert_eq!(members["synced"]["service"], "oidc");
    assert_eq!(
        members["synced"]["config"],
        json!({"group_name": "acme-devs"})
    );
    assert_eq!(members["can_sync"]["service"], "oidc");
    assert_eq!(members["can_sync"]["issuer_domain"], "oidc.example.org");
    api.post(&format!("{DEVS}/syncing"), json!({"group_name": "other"}))
        .await
        .assert_html(500, "Internal Server Error");
    api.put(&format!("{DEVS}/members/alice"), json!({}))
        .await
        .assert_invalid("Cannot call this method on an auth-synced team");
    assert_eq!(api.delete(&format!("{DEVS}/syncing")).await.status, 200);
    let team = &sim.state()["organizations"]["exampleorg"]["teams"]["devs"];
    assert_eq!(team["sync"], json!(null));
    assert_eq!(
        team["members"],
        json!(["exampleorg+writer"]),
        "a DELETE brings nobody back"
    );
    api.post(&format!("{DEVS}/syncing"), json!({"anything": 1}))
        .await;
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["teams"]["devs"]["sync"],
        json!({"anything": 1})
    );
}
