//! The default-permission (prototype) handler of the Quay client against quay-sim (and, for
//! answers quay-sim cannot give, against wiremock): what it sends, what it reads back, and the
//! emulator's state afterwards.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use mqc::model::{DefaultPermission, Delegate, Endpoint, Role};
use mqc::quay::{ClientOptions, Limiter, QuayClient, RetryPolicy};
use mqc::settings::TlsVerify;
use quay_sim::{Config, QuaySim, TeamRole, TokenSpec};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "proto-token-7c1e";

fn client(base_url: &str) -> QuayClient {
    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(10_000).unwrap()),
    ));
    QuayClient::new(
        Endpoint::parse(base_url).unwrap(),
        SecretString::from(TOKEN),
        &ClientOptions {
            timeout: Duration::from_secs(5),
            max_connections: 4,
            ceiling: 10_000.0,
            tls: TlsVerify::Verify {
                extra_ca_files: Vec::new(),
            },
            retry: RetryPolicy {
                max_retries: 2,
                max_refused_retries: 2,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                retry_after_cap: Duration::from_secs(1),
            },
        },
        limiter,
    )
    .unwrap()
}

/// `acme` (owned by the token's superuser `admin`) with robot `ci` and team `devs`; `otherorg`
/// with robot `bot`.
fn sim() -> QuaySim {
    let sim = QuaySim::start(Config {
        tokens: vec![TokenSpec::superuser(TOKEN)],
        users: vec!["alice".into(), "carol".into()],
        ..Config::default()
    });
    sim.create_org("acme", "admin").unwrap();
    sim.create_robot("acme", "ci", "").unwrap();
    sim.create_team("acme", "devs", TeamRole::Member).unwrap();
    sim.create_org("otherorg", "admin").unwrap();
    sim.create_robot("otherorg", "bot", "").unwrap();
    sim
}

fn permission(role: Role, delegate: Delegate, activating_user: Option<&str>) -> DefaultPermission {
    DefaultPermission {
        role,
        delegate,
        activating_user: activating_user.map(str::to_string),
        id: None,
    }
}

/// The emulator's prototypes of `acme`.
fn stored(sim: &QuaySim) -> Vec<Value> {
    sim.state()["organizations"]["acme"]["prototypes"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn create_list_set_role_delete_round_trip() {
    let sim = sim();
    let client = client(&sim.base_url());
    let handler = client.prototypes("acme");
    assert_eq!(handler.list().await.unwrap(), Some(Vec::new()));

    let wanted = [
        permission(Role::Read, Delegate::Team("devs".into()), None),
        permission(Role::Write, Delegate::Robot("ci".into()), Some("alice")),
        permission(Role::Admin, Delegate::User("carol".into()), None),
        // A robot of another organization is a user by its full name; a robot may activate.
        permission(
            Role::Read,
            Delegate::User("otherorg+bot".into()),
            Some("acme+ci"),
        ),
    ];
    let mut created = Vec::new();
    for want in &wanted {
        let got = handler.create(want).await.unwrap();
        let id = got.id.clone().expect("Quay's id");
        assert_eq!(
            got,
            DefaultPermission {
                id: Some(id),
                ..want.clone()
            }
        );
        created.push(got);
    }
    assert_eq!(handler.list().await.unwrap(), Some(created.clone()));
    let state = stored(&sim);
    let ids: Vec<&str> = state.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let created_ids: Vec<&str> = created.iter().map(|p| p.id.as_deref().unwrap()).collect();
    assert_eq!(ids, created_ids);
    assert_eq!(
        state[0]["delegate"],
        json!({"kind": "team", "name": "devs"})
    );
    assert_eq!(state[0]["activating_user"], Value::Null);
    assert_eq!(
        state[1]["delegate"],
        json!({"kind": "user", "name": "acme+ci"})
    );
    assert_eq!(state[1]["activating_user"], "alice");
    assert_eq!(state[1]["role"], "write");
    assert_eq!(
        state[2]["delegate"],
        json!({"kind": "user", "name": "carol"})
    );
    assert_eq!(
        state[3]["delegate"],
        json!({"kind": "user", "name": "otherorg+bot"})
    );
    assert_eq!(state[3]["activating_user"], "acme+ci");

    // Quay has no duplicate check: a second create makes a second prototype.
    let again = handler.create(&wanted[0]).await.unwrap();
    assert_ne!(again.id, created[0].id);
    assert_eq!(stored(&sim).len(), 5);

    let robot_id = created[1].id.as_deref().unwrap();
    handler.set_role(robot_id, Role::Admin).await.unwrap();
    assert_eq!(stored(&sim)[1]["role"], "admin");
    assert_eq!(stored(&sim)[1]["delegate"]["name"], "acme+ci");

    handler.delete(robot_id).await.unwrap();
    assert_eq!(stored(&sim).len(), 4);
    assert!(stored(&sim).iter().all(|p| p["id"] != robot_id));
    // Gone already (404): a removal has nothing left to do.
    handler.delete(robot_id).await.unwrap();
    // A role change has: the 404 is an error.
    let err = handler.set_role(robot_id, Role::Read).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.status(), Some(404));

    let stats = sim.stats();
    assert_eq!(
        stats.by_route["DELETE /api/v1/organization/{org}/prototypes/{id}"],
        2
    );
    assert_eq!(
        stats.by_route["POST /api/v1/organization/{org}/prototypes"], 5,
        "creates are not repeated"
    );
}

#[tokio::test]
async fn refused_creates_name_quays_reason_and_change_nothing() {
    let sim = sim();
    let client = client(&sim.base_url());
    let handler = client.prototypes("acme");
    for (delegate, activating, status, text) in [
        (
            Delegate::User("nobody".into()),
            None,
            400,
            "Missing delegate user or team",
        ),
        (
            Delegate::Robot("gone".into()),
            None,
            400,
            "Missing delegate user or team",
        ),
        (
            Delegate::Team("devs".into()),
            Some("nobody"),
            400,
            "Unknown activating user",
        ),
        (
            Delegate::Team("nope".into()),
            None,
            400,
            "Team does not exist: %s/%s",
        ),
    ] {
        let err = handler
            .create(&permission(Role::Read, delegate.clone(), activating))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{delegate:?}: {err}");
        assert!(
            err.quay_message().is_some_and(|m| m.contains(text)),
            "{delegate:?}: {err}"
        );
        assert!(
            err.to_string().contains("acme/prototypes"),
            "names the request: {err}"
        );
    }
    assert!(stored(&sim).is_empty());
    // Not an admin of an organization that does not exist (the sim's superuser has no full
    // access): Quay answers 403 before it looks.
    let err = client.prototypes("nothere").list().await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[tokio::test]
async fn a_deleted_robot_takes_its_prototypes_with_it() {
    let sim = sim();
    let client = client(&sim.base_url());
    let handler = client.prototypes("acme");
    handler
        .create(&permission(Role::Write, Delegate::Robot("ci".into()), None))
        .await
        .unwrap();
    let kept = handler
        .create(&permission(Role::Read, Delegate::Team("devs".into()), None))
        .await
        .unwrap();
    client.robots("acme").delete("ci").await.unwrap();
    assert_eq!(handler.list().await.unwrap(), Some(vec![kept]));
}

#[tokio::test]
async fn a_missing_organization_reads_as_none() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/gone/prototypes"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "detail": "Not Found", "error_message": "Not Found", "error_type": "not_found",
            "status": 404, "title": "not_found", "type": "http://q/api/v1/error/not_found"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());
    assert_eq!(client.prototypes("gone").list().await.unwrap(), None);
}

#[tokio::test]
async fn entries_of_unknown_role_or_kind_are_left_out_not_fatal() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/acme/prototypes"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"prototypes": [
                {"id": "a1", "role": "owner", "activating_user": null,
                 "delegate": {"name": "devs", "kind": "team", "avatar": {}}},
                {"id": "a2", "role": "read", "activating_user": null,
                 "delegate": {"name": "x", "kind": "group", "avatar": {}}},
                {"id": "a3", "role": "read", "activating_user": null,
                 "delegate": {"name": "acme+ci", "is_robot": true, "kind": "user",
                              "is_org_member": true, "avatar": {}}}
            ]})),
        )
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let listed = client.prototypes("acme").list().await.unwrap().unwrap();
    assert_eq!(
        listed,
        vec![DefaultPermission {
            role: Role::Read,
            delegate: Delegate::Robot("ci".into()),
            activating_user: None,
            id: Some("a3".into()),
        }]
    );
}
