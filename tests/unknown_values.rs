//! Values a later Quay may send that this mqc does not know (a repository state, a role, a
//! notification event or method) never make an organization unreadable: a repository state is
//! kept as it is (the planner sees it), an entry mqc cannot manage is left out of the model.
//! Against wiremock, which answers what quay-sim never would.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use mqc::model::{Endpoint, RepoState, Role};
use mqc::quay::{ClientOptions, Limiter, QuayClient, RetryPolicy, TlsVerify};
use mqc::state::{read_organization, ReadScope};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base_url: &str) -> QuayClient {
    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(10_000).unwrap()),
    ));
    QuayClient::new(
        Endpoint::parse(base_url).unwrap(),
        SecretString::from("unknown-values-token"),
        &ClientOptions {
            timeout: Duration::from_secs(5),
            max_connections: 4,
            ceiling: 10_000.0,
            tls: TlsVerify::Verify {
                extra_ca_files: Vec::new(),
            },
            retry: RetryPolicy {
                max_retries: 0,
                max_refused_retries: 0,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                retry_after_cap: Duration::from_secs(1),
            },
        },
        limiter,
    )
    .unwrap()
}

async fn answer(server: &MockServer, at: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// `acme` as a later Quay might show it. Every read not answered here is a 404 (no mirror, no
/// default permissions).
async fn later_quay() -> MockServer {
    let server = MockServer::start().await;
    // Every Quay answers `GET /config`; this one shows no feature mqc reads policies for.
    answer(&server, "/config", json!({"features": {}, "config": {}})).await;
    answer(
        &server,
        "/api/v1/organization/acme",
        json!({"name": "acme", "email": "ops@example.com", "is_admin": true, "teams": {
            "owners": {"name": "owners", "description": "", "role": "admin", "repo_count": 0, "is_synced": false},
            "devs": {"name": "devs", "description": "Developers", "role": "member", "repo_count": 2, "is_synced": false},
            "odd": {"name": "odd", "description": "", "role": "overlord", "repo_count": 0, "is_synced": false}}}),
    )
    .await;
    answer(
        &server,
        "/api/v1/organization/acme/robots",
        json!({"robots": [{"name": "acme+ci", "description": "CI"}]}),
    )
    .await;
    // Robot federation (3.13+), with a key a later Quay may add to an entry.
    answer(
        &server,
        "/api/v1/discovery",
        json!({"paths": {"/api/v1/organization/{orgname}/robots/{robot_shortname}/federation": {}}}),
    )
    .await;
    answer(
        &server,
        "/api/v1/organization/acme/robots/ci/federation",
        json!([{"issuer": "https://token.example.com", "subject": "repo:a", "audiences": ["quay"]}]),
    )
    .await;
    answer(
        &server,
        "/api/v1/repository",
        json!({"repositories": [
            {"namespace": "acme", "name": "app", "description": null, "is_public": false, "state": "QUARANTINED"},
            {"namespace": "acme", "name": "web", "description": "Web", "is_public": true, "state": "NORMAL"}]}),
    )
    .await;
    answer(
        &server,
        "/api/v1/repository/acme/app/permissions/user/",
        json!({"permissions": {
            "alice": {"role": "admin", "name": "alice", "is_robot": false},
            "bob": {"role": "triage", "name": "bob", "is_robot": false},
            "acme+ci": {"role": "write", "name": "acme+ci", "is_robot": true}}}),
    )
    .await;
    answer(
        &server,
        "/api/v1/repository/acme/web/permissions/user/",
        json!({"permissions": {}}),
    )
    .await;
    // One team holds grants, two repositories need their team map: read per team.
    answer(
        &server,
        "/api/v1/organization/acme/team/devs/permissions",
        json!({"permissions": [
            {"repository": {"name": "app", "is_public": false}, "role": "write"},
            {"repository": {"name": "web", "is_public": true}, "role": "superpower"}]}),
    )
    .await;
    answer(
        &server,
        "/api/v1/organization/acme/team/devs/members",
        json!({"name": "devs", "members": [{"name": "alice", "kind": "user", "is_robot": false, "invited": false}]}),
    )
    .await;
    answer(
        &server,
        "/api/v1/organization/acme/team/owners/members",
        json!({"name": "owners", "members": []}),
    )
    .await;
    answer(
        &server,
        "/api/v1/repository/acme/app/notification/",
        json!({"notifications": [
            {"uuid": "u1", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook",
             "config": {"url": "https://hooks.example.com/quay"}, "event_config": {}},
            {"uuid": "u2", "title": "x", "event": "repo_image_teleported", "method": "webhook",
             "config": {"url": "https://hooks.example.com/x"}, "event_config": {}},
            {"uuid": "u3", "title": "y", "event": "repo_mirror_sync_failed", "method": "carrier_pigeon",
             "config": {}, "event_config": {}}]}),
    )
    .await;
    answer(
        &server,
        "/api/v1/repository/acme/web/notification/",
        json!({"notifications": []}),
    )
    .await;
    server
}

#[tokio::test]
async fn an_organization_with_values_this_mqc_does_not_know_stays_readable() {
    let server = later_quay().await;
    let client = client(&server.uri());
    let org = read_organization(&client, "acme", &ReadScope::everything())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        org.robot_federation["ci"],
        vec![mqc::model::Federation {
            issuer: "https://token.example.com".into(),
            subject: "repo:a".into()
        }],
        "an entry's keys this mqc does not know are ignored"
    );

    // A repository state Quay adds later is kept, with its name, for the planner and report.
    assert_eq!(
        org.repositories["app"].state,
        RepoState::Other("QUARANTINED".into())
    );
    assert_eq!(org.repositories["web"].state, RepoState::Normal);

    // A team of an unknown role is left out; the others are read.
    assert_eq!(
        org.teams.keys().map(String::as_str).collect::<Vec<_>>(),
        ["devs", "owners"]
    );

    // Permissions of an unknown role are left out; the others are read.
    let app = &org.repositories["app"].permissions;
    assert_eq!(
        app.users,
        Some(BTreeMap::from([("alice".to_string(), Role::Admin)]))
    );
    assert_eq!(
        app.robots,
        Some(BTreeMap::from([("ci".to_string(), Role::Write)]))
    );
    assert_eq!(
        app.teams,
        Some(BTreeMap::from([("devs".to_string(), Role::Write)]))
    );
    assert_eq!(
        org.repositories["web"].permissions.teams,
        Some(BTreeMap::new())
    );

    // Every notification enters the model; an unknown event or method is kept by name (so a
    // declared list can remove it).
    let notifications = org.repositories["app"].notifications.as_deref().unwrap();
    let read: Vec<(&str, &str, &str)> = notifications
        .iter()
        .map(|n| {
            (
                n.uuid.as_deref().unwrap_or(""),
                n.event.as_str(),
                n.method.as_str(),
            )
        })
        .collect();
    assert_eq!(
        read,
        [
            ("u2", "repo_image_teleported", "webhook"),
            ("u3", "repo_mirror_sync_failed", "carrier_pigeon"),
            ("u1", "repo_mirror_sync_failed", "webhook"),
        ]
    );
    assert_eq!(
        notifications[0].event,
        mqc::model::OrOther::Other("repo_image_teleported".into())
    );
}

#[tokio::test]
async fn the_handlers_return_model_types_for_a_later_quay() {
    let server = later_quay().await;
    let client = client(&server.uri());
    let repos = client.repos("acme").list().await.unwrap();
    assert_eq!(repos["app"].state.to_string(), "QUARANTINED");
    let teams = client.teams("acme").permissions("devs").await.unwrap();
    assert_eq!(
        teams,
        Some(BTreeMap::from([("app".to_string(), Role::Write)]))
    );
    let summary = client.orgs("acme").get().await.unwrap().unwrap();
    assert_eq!(summary.email.as_deref(), Some("ops@example.com"));
    assert!(!summary.teams.unwrap().contains_key("odd"));
}

/// Collects what the fmt subscriber writes, for the warning test.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_entry_left_out_is_named_in_a_warning() {
    let server = later_quay().await;
    let client = client(&server.uri());
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    // Global, not scoped: the other tests of this binary hit the same callsites on other
    // threads, and a scoped subscriber can then miss them. Their warnings name other ports.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    read_organization(&client, "acme", &ReadScope::everything())
        .await
        .unwrap()
        .unwrap();
    let endpoint = server.uri();
    let all = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let text: String = all
        .lines()
        .filter(|line| line.contains(&format!("{endpoint}: ")))
        .map(|line| format!("{line}\n"))
        .collect();
    for expected in [
        format!(
            "{endpoint}: GET /api/v1/organization/acme: organization acme: team odd left alone: \
             role `overlord` unknown to this mqc"
        ),
        format!(
            "{endpoint}: GET /api/v1/repository/acme/app/permissions/user/: organization acme: \
             repository app: permission of bob left alone: role `triage` unknown to this mqc"
        ),
        format!(
            "{endpoint}: GET /api/v1/organization/acme/team/devs/permissions: organization acme: \
             repository web: permission of team devs left alone: role `superpower` unknown to \
             this mqc"
        ),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(text.matches("left alone").count(), 3, "{text}");
}
