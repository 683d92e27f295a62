//! What mqc asks a Quay before planning (issue 11): its features (`GET /config`, without the
//! token, else discovery) and whether the users the files name exist
//! (`GET /api/v1/users/{name}`), each asked once per client. Wire-level, against wiremock.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use mqc::model::Endpoint;
use mqc::quay::{ClientOptions, Features, Limiter, QuayClient, RetryPolicy};
use mqc::settings::TlsVerify;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> QuayClient {
    let limiter: Arc<Limiter> = Arc::new(governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::new(10_000).unwrap()),
    ));
    QuayClient::new(
        Endpoint::parse(&server.uri()).unwrap(),
        SecretString::from("tok-secret"),
        &ClientOptions {
            timeout: Duration::from_secs(5),
            max_connections: 4,
            ceiling: 10_000.0,
            tls: TlsVerify::Verify {
                extra_ca_files: Vec::new(),
            },
            retry: RetryPolicy {
                max_retries: 1,
                max_refused_retries: 1,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                retry_after_cap: Duration::from_secs(1),
            },
        },
        limiter,
    )
    .unwrap()
}

#[tokio::test]
async fn features_come_from_config_once_and_without_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/config"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "config": {"AUTHENTICATION_TYPE": "Database", "SERVER_HOSTNAME": "q"},
            "features": {"REPO_MIRROR": true, "TEAM_SYNCING": false, "MAILING": true},
            "oauth": {}, "external_login": [], "registry_state": "normal"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let want = Features {
        repo_mirror: true,
        team_syncing: false,
        authentication: Some("Database".into()),
        quota_management: false,
        superusers_full_access: false,
        change_tag_expiration: true,
        tag_expiration_options: None,
        version: None,
        auto_prune: false,
        immutable_tags: None,
        sparse_index: false,
        mailing: true,
        image_expiry_trigger: None,
    };
    assert_eq!(client.features().await.unwrap(), want);
    assert_eq!(client.features().await.unwrap(), want, "asked once");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].headers.get("authorization").is_none(),
        "/config needs no token, and a token costs Quay a bcrypt"
    );
}

#[tokio::test]
async fn features_fall_back_to_discovery_without_config() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/config"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/discovery"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "paths": {"/api/v1/organization/{orgname}/team/{teamname}/syncing": {}},
            "definitions": {}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let features = client.features().await.unwrap();
    assert_eq!(
        features,
        Features {
            repo_mirror: false,
            team_syncing: true,
            authentication: None,
            quota_management: false,
            superusers_full_access: false,
            change_tag_expiration: true,
            tag_expiration_options: None,
            version: None,
            auto_prune: false,
            immutable_tags: None,
            sparse_index: false,
            mailing: true,
            image_expiry_trigger: None,
        }
    );
    // The discovery document is kept: a mirror write later asks for it again, not Quay.
    assert!(!client.capabilities().await.unwrap().repo_mirror);
}

#[tokio::test]
async fn a_user_is_looked_up_once_and_404_means_absent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/alice"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"anonymous": false, "username": "alice", "avatar": {}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/alcie"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "message": "The requested URL was not found on the server. If you entered the URL \
                        manually please check your spelling and try again."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let (a, b, c, d) = tokio::join!(
        client.user_exists("alice"),
        client.user_exists("alice"),
        client.user_exists("alcie"),
        client.user_exists("alcie"),
    );
    assert!(a.unwrap() && b.unwrap());
    assert!(!c.unwrap() && !d.unwrap());
    assert!(client.user_exists("alice").await.unwrap());
}

#[tokio::test]
async fn a_failed_user_lookup_is_an_error_not_an_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/alice"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": "no"})))
        .mount(&server)
        .await;
    let err = client(&server).user_exists("alice").await.unwrap_err();
    assert_eq!(err.status(), Some(403));
}
