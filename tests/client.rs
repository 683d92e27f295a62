//! Wire-level tests of the Quay client, the state reader and the executor against wiremock
//! (loopback only; one mock server per test).

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use mqc::apply::execute::{delete_organization, execute, DeleteOutcome};
use mqc::model::{
    Endpoint, Mirror, MirrorCredentialKey, Notification, NotificationEvent, Organization,
    Permissions, Proxy, RepoState, Repository, Role, Secrets, Team, TeamMembers, TeamRole,
    Visibility,
};
use mqc::plan::{Member, Op};
use mqc::plan::{MemberOp, MirrorOp, NotificationOp, PermissionOp, RepositoryOp};
use mqc::quay::{ClientOptions, Limiter, QuayClient, QuayError, RetryPolicy};
use mqc::settings::TlsVerify;
use mqc::state::{read_organization, ReadScope};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "tok-3f9a-SECRET-never-shown";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        max_refused_retries: 4,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(2),
        retry_after_cap: Duration::from_secs(30),
    }
}

fn client_with(uri: &str, retry: RetryPolicy, timeout: Duration) -> QuayClient {
    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(10_000).unwrap()),
    ));
    QuayClient::new(
        Endpoint::parse(uri).unwrap(),
        SecretString::from(TOKEN),
        &ClientOptions {
            timeout,
            max_connections: 4,
            ceiling: 10_000.0,
            tls: TlsVerify::Verify {
                extra_ca_files: Vec::new(),
            },
            retry,
        },
        limiter,
    )
    .unwrap()
}

fn client(server: &MockServer) -> QuayClient {
    client_with(&server.uri(), fast_retries(), Duration::from_secs(5))
}

fn user_json() -> Value {
    json!({"anonymous": false, "username": "mqc-admin", "avatar": {}, "can_create_repo": true,
           "is_me": true, "verified": true, "email": "mqc@example.com", "logins": [],
           "organizations": [{"name": "acme", "avatar": {}, "can_create_repo": true, "public": false,
                              "is_org_admin": true, "preferred_namespace": false}],
           "super_user": true})
}

/// A response sequence: the n-th request gets the n-th template (the last one repeats).
fn sequence(templates: Vec<ResponseTemplate>) -> impl Fn(&Request) -> ResponseTemplate {
    let count = std::sync::atomic::AtomicUsize::new(0);
    move |_: &Request| {
        let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        templates[n.min(templates.len() - 1)].clone()
    }
}

fn no_secret_in(err: &QuayError) {
    assert!(!err.to_string().contains(TOKEN), "{err}");
    assert!(!format!("{err:?}").contains(TOKEN), "{err:?}");
}

#[tokio::test]
async fn retry_then_success_and_bearer_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user/"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(sequence(vec![
            ResponseTemplate::new(503).set_body_string("<html>busy</html>"),
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_json(user_json()),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    let client = client(&server);
    let me = client.whoami().await.unwrap();
    assert_eq!(me.username, "mqc-admin");
    assert!(me.super_user);
    assert!(me.user_admin_scope);
    assert_eq!(me.organizations[0].name, "acme");
    // Cached: a second call sends nothing.
    client.whoami().await.unwrap();
    let stats = client.stats();
    assert_eq!((stats.reads, stats.writes, stats.retries), (3, 0, 2));
}

#[tokio::test]
async fn retries_stop_after_four() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user/"))
        .respond_with(ResponseTemplate::new(504))
        .expect(5)
        .mount(&server)
        .await;
    let err = client(&server).whoami().await.unwrap_err();
    assert_eq!(err.status(), Some(504));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: GET /api/v1/user/: 504 Gateway Timeout (empty answer)",
            server.uri()
        )
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user/"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_string("<html>429 Too Many Requests</html>"),
            ResponseTemplate::new(429)
                .insert_header("retry-after", "Thu, 01 Jan 2015 00:00:00 GMT")
                .set_body_string("<html>429 Too Many Requests</html>"),
            ResponseTemplate::new(200).set_body_json(user_json()),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    // Backoff alone would wait hours; only honouring `Retry-After` (0 s, a past date) lets the
    // test finish, and the timeout turns "not honoured" into a failure instead of a hang.
    let slow_backoff = RetryPolicy {
        base: Duration::from_secs(36_000),
        cap: Duration::from_secs(36_000),
        ..fast_retries()
    };
    let client = client_with(&server.uri(), slow_backoff, Duration::from_secs(5));
    let me = tokio::time::timeout(Duration::from_secs(60), client.whoami())
        .await
        .expect("Retry-After was not honoured")
        .unwrap();
    assert_eq!(me.username, "mqc-admin");
    assert_eq!(client.stats().retries, 2);
}

#[tokio::test]
async fn internal_server_error_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/acme"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_string("<!DOCTYPE html><title>500 Internal Server Error</title>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).orgs("acme").get().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: GET /api/v1/organization/acme: 500 Internal Server Error (answer is not JSON)",
            server.uri()
        )
    );
}

#[tokio::test]
async fn post_is_not_retried_on_502_but_is_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organization/"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"name": "acme"})))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let err = client.orgs("acme").create(None).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(err.status(), Some(502));

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organization/"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(503)
                .set_body_json(json!({"message": "read only", "is_readonly": true})),
            ResponseTemplate::new(201).set_body_json(json!("Created")),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let client = self::client(&server);
    client.orgs("acme").create(None).await.unwrap();
    assert_eq!(client.stats().writes, 2);
}

#[tokio::test]
async fn unauthorized_get_is_an_invalid_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user/"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "detail": "Requires authentication", "error_message": "Requires authentication",
            "error_type": "invalid_token", "title": "invalid_token", "status": 401,
            "session_required": false})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).whoami().await.unwrap_err();
    assert!(matches!(err, QuayError::InvalidToken { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the token for {} is invalid or expired: run `mqc login` (GET /api/v1/user/ was refused)",
            server.uri()
        )
    );
    no_secret_in(&err);
}

#[tokio::test]
async fn csrf_refusal_of_a_write_is_an_invalid_token() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/organization/acme/robots/ci"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            r#"{"error": "CSRF token was invalid or missing."}"#,
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .robots("acme")
        .create("ci", "CI pusher")
        .await
        .unwrap_err();
    assert!(matches!(err, QuayError::InvalidToken { .. }), "{err:?}");
    no_secret_in(&err);
}

#[tokio::test]
async fn forbidden_write_names_the_scope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organization/"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "detail": "Unauthorized", "error_message": "Unauthorized", "error_type": "insufficient_scope",
            "title": "insufficient_scope", "status": 403})))
        .mount(&server)
        .await;
    let err = client(&server).orgs("acme").create(None).await.unwrap_err();
    assert!(matches!(err, QuayError::Forbidden { .. }));
    assert!(err.to_string().contains("`user:admin`"), "{err}");
}

#[tokio::test]
async fn no_error_ever_shows_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/boom"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"message": {"limit": "bad"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/garbled"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": 5})))
        .mount(&server)
        .await;
    let client = client_with(
        &server.uri(),
        RetryPolicy {
            max_retries: 1,
            ..fast_retries()
        },
        Duration::from_millis(200),
    );
    let bad = client.orgs("boom").get().await.unwrap_err();
    assert_eq!(bad.quay_message(), Some("limit: bad"));
    let slow = client.orgs("slow").get().await.unwrap_err();
    assert!(
        matches!(slow, QuayError::Timeout { attempts: 2, .. }),
        "{slow:?}"
    );
    let garbled = client.orgs("garbled").get().await.unwrap_err();
    assert!(matches!(garbled, QuayError::Decode { .. }), "{garbled:?}");
    assert!(garbled.to_string().contains("field `name`"), "{garbled}");

    // Nothing listens on a port that was just released: connection refused, retried.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused_client = client_with(
        &format!("http://127.0.0.1:{port}"),
        fast_retries(),
        Duration::from_secs(2),
    );
    let refused = refused_client.whoami().await.unwrap_err();
    assert!(
        matches!(
            refused,
            QuayError::Transport {
                connect: true,
                attempts: 5,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(refused_client.stats().reads, 5);

    for err in [&bad, &slow, &garbled, &refused] {
        no_secret_in(err);
    }
}

#[tokio::test]
async fn ambiguous_create_checks_before_sending_again() {
    // The POST got a 502, but the repository exists: nothing is sent again.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository"))
        .and(body_json(
            json!({"namespace": "acme", "repository": "nested/app",
                              "visibility": "private", "description": "App", "repo_kind": "image"}),
        ))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repository/acme/nested/app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "namespace": "acme", "name": "nested/app", "description": "App", "is_public": false,
            "state": "NORMAL", "kind": "image"})))
        .expect(1)
        .mount(&server)
        .await;
    let op = Op::Repository(RepositoryOp::CreateRepository {
        repository: "nested/app".into(),
        description: "App".into(),
        visibility: Visibility::Private,
    });
    execute(&client(&server), "acme", &op, &Secrets::default())
        .await
        .unwrap();

    // The POST got a 504 and the repository is absent: it is sent once more.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository"))
        .respond_with(sequence(vec![
            ResponseTemplate::new(504),
            ResponseTemplate::new(201)
                .set_body_json(json!({"namespace": "acme", "name": "nested/app", "kind": "image"})),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repository/acme/nested/app"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})))
        .expect(1)
        .mount(&server)
        .await;
    execute(&client(&server), "acme", &op, &Secrets::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn ambiguous_notification_is_not_created_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository/acme/app/notification/"))
        .and(body_json(
            json!({"event": "repo_mirror_sync_failed", "method": "webhook",
                              "config": {"url": "https://hooks.example.com/q"}, "eventConfig": {},
                              "title": "Mirror failed"}),
        ))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repository/acme/app/notification/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": [
            {"uuid": "u1", "title": "Mirror failed", "event": "repo_mirror_sync_failed", "method": "webhook",
             "config": {"url": "https://hooks.example.com/q"}, "event_config": {}, "number_of_failures": 0}]})))
        .expect(1)
        .mount(&server)
        .await;
    let op = Op::Notification(NotificationOp::CreateNotification {
        repository: "app".into(),
        notification: Box::new(Notification {
            title: Some("Mirror failed".into()),
            ..Notification::webhook(
                NotificationEvent::RepoMirrorSyncFailed,
                "https://hooks.example.com/q",
            )
        }),
    });
    execute(&client(&server), "acme", &op, &Secrets::default())
        .await
        .unwrap();
}

fn discovery(skopeo: bool) -> Value {
    let mut required = vec![
        "external_reference",
        "sync_interval",
        "sync_start_date",
        "root_rule",
    ];
    let mut properties = json!({"is_enabled": {"type": "boolean"}});
    if skopeo {
        required.push("skopeo_timeout_interval");
        properties["skopeo_timeout_interval"] = json!({"type": "integer", "minimum": 300});
        properties["architecture_filter"] = json!({"type": ["array", "null"]});
    }
    json!({"swagger": "2.0",
           "paths": {"/api/v1/repository/{repository}/mirror": {}},
           "definitions": {"CreateMirrorConfig": {"type": "object", "required": required, "properties": properties}}})
}

fn mirror_model(username: Option<&str>) -> Mirror {
    Mirror {
        external_reference: "registry.example.com/upstream/demo".into(),
        tags: vec!["latest".into(), "v1.*".into()],
        username: username.map(str::to_string),
        verify_tls: true,
        unsigned_images: false,
        robot: "mirror".into(),
        sync_interval: 86400,
        is_enabled: true,
        proxy: Proxy::default(),
        options: mqc::model::MirrorOptions::default(),
    }
}

async fn create_mirror_body(skopeo: bool) -> Value {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/discovery"))
        .respond_with(ResponseTemplate::new(200).set_body_json(discovery(skopeo)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository/acme/nested/app/mirror"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!("")))
        .expect(1)
        .mount(&server)
        .await;
    let mut secrets = Secrets::default();
    secrets.insert_mirror_password(
        MirrorCredentialKey {
            organization: "acme".into(),
            repository: "nested/app".into(),
            username: "puller".into(),
        },
        SecretString::from("pw-mirror"),
    );
    let op = Op::Mirror(MirrorOp::CreateMirror {
        repository: "nested/app".into(),
        mirror: Box::new(mirror_model(Some("puller"))),
    });
    execute(&client(&server), "acme", &op, &secrets)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let post = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    serde_json::from_slice(&post.body).unwrap()
}

#[tokio::test]
async fn mirror_post_follows_the_servers_schema() {
    let new = create_mirror_body(true).await;
    assert_eq!(new["skopeo_timeout_interval"], 300);
    assert!(new.get("architecture_filter").is_none());
    assert_eq!(new["external_registry_username"], "puller");
    assert_eq!(new["external_registry_password"], "pw-mirror");
    assert_eq!(new["robot_username"], "acme+mirror");
    assert_eq!(
        new["external_registry_config"]["proxy"],
        json!({"http_proxy": null, "https_proxy": null, "no_proxy": null})
    );
    assert_eq!(
        new["root_rule"],
        json!({"rule_kind": "tag_glob_csv", "rule_value": ["latest", "v1.*"]})
    );
    let date = new["sync_start_date"].as_str().unwrap();
    assert_eq!(date.len(), "2024-08-21T00:00:00Z".len(), "{date}");
    assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");

    let old = create_mirror_body(false).await;
    assert!(old.get("skopeo_timeout_interval").is_none());
    assert!(old.get("architecture_filter").is_none());
}

#[tokio::test]
async fn mirror_update_sends_proxy_first_when_one_appears() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/discovery"))
        .respond_with(ResponseTemplate::new(200).set_body_json(discovery(true)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/repository/acme/app/mirror"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!("")))
        .expect(2)
        .mount(&server)
        .await;
    let mut to = mirror_model(None);
    to.proxy.https_proxy = Some("http://proxy.example.com:3128".into());
    let op = Op::Mirror(MirrorOp::UpdateMirror {
        repository: "app".into(),
        from: Box::new(mirror_model(None)),
        to: Box::new(to),
    });
    execute(&client(&server), "acme", &op, &Secrets::default())
        .await
        .unwrap();
    let puts: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        puts[0],
        json!({"external_registry_config": {"proxy": {"http_proxy": null, "https_proxy": "http://proxy.example.com:3128", "no_proxy": null}}})
    );
    assert_eq!(
        puts[1]["external_registry_config"]["proxy"]["https_proxy"],
        "http://proxy.example.com:3128"
    );
    assert!(puts[1].get("sync_start_date").is_none());
    assert!(puts[1].get("external_registry_username").is_none());
    // The robot did not change: naming it would make Quay re-grant it `write`.
    assert!(puts[1].get("robot_username").is_none());
}

#[tokio::test]
async fn mirror_with_a_user_but_no_password_sends_nothing() {
    let server = MockServer::start().await;
    let op = Op::Mirror(MirrorOp::CreateMirror {
        repository: "app".into(),
        mirror: Box::new(mirror_model(Some("puller"))),
    });
    let err = execute(&client(&server), "acme", &op, &Secrets::default())
        .await
        .unwrap_err();
    assert!(matches!(err, QuayError::MissingMirrorPassword { .. }));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn executor_paths_robots_members_and_removals() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/organization/acme/team/devs/members/acme+ci"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "acme+ci", "kind": "user", "is_robot": true, "invited": false}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/organization/acme/team/devs/members/bob"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "bob", "kind": "user", "is_robot": false, "invited": true}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(
            "/api/v1/repository/acme/nested/app/permissions/user/acme+ci",
        ))
        .and(body_json(json!({"role": "write"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"role": "write", "name": "acme+ci", "is_robot": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/repository/acme/nested/app/permissions/team/devs"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"detail": "Team does not have permission for repo.", "error_message": "Team does not have permission for repo.", "status": 400})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/repository/acme/nested/app/changevisibility"))
        .and(body_json(json!({"visibility": "public"})))
        .respond_with(sequence(vec![
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_json(json!({"success": true})),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server);
    let secrets = Secrets::default();
    let ops = [
        Op::Member(MemberOp::AddTeamMember {
            team: "devs".into(),
            member: Member::Robot("ci".into()),
        }),
        Op::Member(MemberOp::AddTeamMember {
            team: "devs".into(),
            member: Member::User("bob".into()),
        }),
        Op::Permission(PermissionOp::SetPermission {
            repository: "nested/app".into(),
            grantee: mqc::plan::Grantee::Robot("ci".into()),
            role: Role::Write,
            from: None,
        }),
        Op::Permission(PermissionOp::RevokePermission {
            repository: "nested/app".into(),
            grantee: mqc::plan::Grantee::Team("devs".into()),
            role: Role::Read,
        }),
        Op::Repository(RepositoryOp::ChangeVisibility {
            repository: "nested/app".into(),
            from: Visibility::Private,
            to: Visibility::Public,
        }),
    ];
    for op in &ops {
        execute(&client, "acme", op, &secrets).await.unwrap();
    }
}

#[tokio::test]
async fn delete_organization_falls_back_to_superuser() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/acme"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "acme", "email": "", "is_admin": false})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/gone"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/organization/acme"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"detail": "Unauthorized", "status": 403})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/user/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/superuser/organizations/acme"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    assert_eq!(
        delete_organization(&client, "acme").await.unwrap(),
        DeleteOutcome::Deleted
    );
    assert_eq!(
        delete_organization(&client, "gone").await.unwrap(),
        DeleteOutcome::Absent
    );
}

/// Mounts a GET that must be sent exactly once.
async fn get_once(server: &MockServer, route: &str, body: Value) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn state_reader_reads_each_thing_once_and_only_what_is_declared() {
    let server = MockServer::start().await;
    get_once(&server, "/api/v1/organization/acme", json!({
        "name": "acme", "email": "ops@example.com", "is_admin": true, "is_member": true,
        "teams": {
            "owners": {"name": "owners", "description": "", "role": "admin", "can_view": true, "repo_count": 0, "member_count": 1, "is_synced": false},
            "devs": {"name": "devs", "description": "Developers", "role": "member", "can_view": true, "repo_count": 3, "member_count": 2, "is_synced": false},
            "ldap": {"name": "ldap", "description": null, "role": "creator", "is_synced": true}}})).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/acme/robots"))
        .and(query_param("token", "false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"robots": [
            {"name": "acme+ci", "created": "x", "last_accessed": null, "description": "CI"},
            {"name": "acme+mirror", "description": ""}]})))
        .expect(1)
        .mount(&server)
        .await;
    // Two pages; the second answers with the first page's token again (as Quay does with an
    // undecryptable token), which must stop the loop.
    Mock::given(method("GET"))
        .and(path("/api/v1/repository"))
        .and(query_param("namespace", "acme"))
        .respond_with(|req: &Request| {
            let second = req.url.query_pairs().any(|(k, _)| k == "next_page");
            let body = if second {
                json!({"repositories": [
                    {"namespace": "acme", "name": "nested/app", "description": null, "is_public": false, "state": "NORMAL"}],
                    "next_page": "page-2"})
            } else {
                json!({"repositories": [
                    {"namespace": "acme", "name": "mirrored", "description": "M", "is_public": true, "state": "MIRROR"},
                    {"namespace": "acme", "name": "other", "description": "O", "is_public": true, "state": "NORMAL"}],
                    "next_page": "page-2"})
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .expect(2)
        .mount(&server)
        .await;
    get_once(
        &server,
        "/api/v1/organization/acme/team/devs/members",
        json!({"name": "devs", "members": [
        {"name": "alice", "kind": "user", "is_robot": false, "invited": false},
        {"name": "acme+ci", "kind": "user", "is_robot": true, "invited": false},
        {"name": "bob", "kind": "user", "is_robot": false, "invited": true}], "can_edit": true}),
    )
    .await;
    get_once(
        &server,
        "/api/v1/organization/acme/team/ldap/members",
        json!({"name": "ldap", "members": [],
        "synced": {"service": "ldap", "last_updated": null, "config": {"group_dn": "cn=ldap"}}}),
    )
    .await;
    get_once(
        &server,
        "/api/v1/repository/acme/nested/app/permissions/user/",
        json!({"permissions": {
        "mqc-admin": {"role": "admin", "name": "mqc-admin", "is_robot": false},
        "acme+ci": {"role": "write", "name": "acme+ci", "is_robot": true}}}),
    )
    .await;
    get_once(
        &server,
        "/api/v1/repository/acme/nested/app/permissions/team/",
        json!({"permissions": {
        "devs": {"role": "read", "name": "devs"}}}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/repository/acme/nested/app/mirror"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})))
        .expect(1)
        .mount(&server)
        .await;
    get_once(
        &server,
        "/api/v1/repository/acme/nested/app/notification/",
        json!({"notifications": []}),
    )
    .await;
    get_once(&server, "/api/v1/repository/acme/mirrored/mirror", json!({
        "is_enabled": true, "external_reference": "r.example.com/x", "external_registry_username": null,
        "external_registry_config": {}, "sync_interval": 60, "root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]},
        "robot_username": "acme+mirror", "sync_status": "NEVER_RUN"})).await;
    // Notifications are read only where the file declares them (absent = not managed).
    Mock::given(method("GET"))
        .and(path("/api/v1/repository/acme/mirrored/notification/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"notifications": []})))
        .expect(0)
        .mount(&server)
        .await;

    // Desired: devs declares members; nested/app declares every permission kind and
    // notifications; `other` is undeclared; `mirrored` has its mirror read because Quay says MIRROR.
    let mut desired = Organization {
        name: "acme".into(),
        ..Organization::default()
    };
    desired.teams.insert(
        "devs".into(),
        Team {
            role: TeamRole::Member,
            description: "Developers".into(),
            members: Some(TeamMembers::default()),
            sync: None,
        },
    );
    desired.repositories.insert(
        "nested/app".into(),
        Repository {
            description: String::new(),
            visibility: Visibility::Private,
            permissions: Permissions {
                users: Some(BTreeMap::new()),
                robots: None,
                teams: Some(BTreeMap::new()),
            },
            mirror: Some(mirror_model(None)),
            notifications: Some(Vec::new()),
            state: RepoState::Mirror,
            declared_state: None,
        },
    );
    let client = client(&server);
    let org = read_organization(&client, "acme", &ReadScope::for_desired(&desired))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(org.email.as_deref(), Some("ops@example.com"));
    assert_eq!(org.robots.keys().collect::<Vec<_>>(), ["ci", "mirror"]);
    let devs = &org.teams["devs"];
    let members = devs.members.as_ref().unwrap();
    assert_eq!(members.users, BTreeSet::from(["alice".to_string()]));
    assert_eq!(members.robots, BTreeSet::from(["ci".to_string()]));
    assert_eq!(members.invited_users, BTreeSet::from(["bob".to_string()]));
    assert_eq!(
        org.teams["ldap"].sync,
        Some(mqc::model::TeamSync::Ldap {
            group_dn: "cn=ldap".into()
        })
    );
    assert_eq!(org.teams["ldap"].description, "");
    assert_eq!(
        org.teams["owners"].members, None,
        "undeclared team not read"
    );

    let app = &org.repositories["nested/app"];
    assert_eq!(
        app.permissions.users,
        Some(BTreeMap::from([("mqc-admin".to_string(), Role::Admin)]))
    );
    assert_eq!(
        app.permissions.robots,
        Some(BTreeMap::from([("ci".to_string(), Role::Write)]))
    );
    assert_eq!(
        app.permissions.teams,
        Some(BTreeMap::from([("devs".to_string(), Role::Read)]))
    );
    assert_eq!(app.mirror, None);
    assert_eq!(app.visibility, Visibility::Private);

    let mirrored = &org.repositories["mirrored"];
    assert_eq!(mirrored.mirror.as_ref().unwrap().robot, "mirror");
    assert_eq!(mirrored.notifications, None, "not declared, not read");
    assert_eq!(
        mirrored.permissions,
        Permissions::default(),
        "not declared, not read"
    );

    let other = &org.repositories["other"];
    assert_eq!(other.description, "O");
    assert_eq!(other.mirror, None);

    assert_eq!(client.stats().writes, 0);
    // 1 org + 1 robots + 2 repository pages + 2 teams + 4 nested/app + 1 mirrored (its
    // notifications are not declared, so not read)
    assert_eq!(client.stats().reads, 11);
}

#[tokio::test]
async fn state_reader_absent_org_and_hidden_teams() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "Not Found"})))
        .expect(1)
        .mount(&server)
        .await;
    // A token that is not accepted reads as anonymous: 200 without `teams`.
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/acme"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"name": "acme", "email": "", "is_admin": false, "is_member": false}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let scope = ReadScope::everything();
    assert_eq!(
        read_organization(&client, "missing", &scope).await.unwrap(),
        None
    );
    let err = read_organization(&client, "acme", &scope)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("organization acme"), "{text}");
    assert!(text.contains("`org:admin`"), "{text}");
    assert_eq!(client.stats().reads, 2);
}

#[tokio::test]
async fn superuser_organization_listing_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/superuser/organizations/"))
        .and(query_param("limit", "100"))
        .respond_with(|req: &Request| {
            let token = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "next_page")
                .map(|(_, v)| v.into_owned());
            let body = match token.as_deref() {
                None => {
                    json!({"organizations": [{"name": "a"}, {"name": "b"}], "next_page": "t+/="})
                }
                Some("t+/=") => json!({"organizations": [{"name": "c"}]}),
                Some(_) => json!({"organizations": [{"name": "wrong"}]}),
            };
            ResponseTemplate::new(200).set_body_json(body)
        })
        .expect(2)
        .mount(&server)
        .await;
    let names = mqc::state::list_organizations(&client(&server))
        .await
        .unwrap();
    assert_eq!(names, ["a", "b", "c"]);
}
