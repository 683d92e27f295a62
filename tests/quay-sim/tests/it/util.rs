//! A small HTTP client for the tests and sim setups shared by them.

use quay_sim::{Config, QuaySim, QuayVersion, Scope, TokenSpec};
use reqwest::Method;
use serde_json::Value;

/// Superuser `admin`, every scope.
pub const ADMIN: &str = "admin-token";
/// User `alice`, every scope but `super:user`.
pub const ALICE: &str = "alice-token";
/// User `bob`, every scope but `super:user`.
pub const BOB: &str = "bob-token";

pub fn config(version: QuayVersion) -> Config {
    let user_scopes = Scope::ALL.into_iter().filter(|s| *s != Scope::SuperUser);
    Config {
        tokens: vec![
            TokenSpec::superuser(ADMIN),
            TokenSpec::new(ALICE, "alice", user_scopes.clone()),
            TokenSpec::new(BOB, "bob", user_scopes),
        ],
        users: vec!["alice".into(), "bob".into(), "carol".into()],
        version,
        ..Config::default()
    }
}

pub fn sim() -> QuaySim {
    QuaySim::start(config(QuayVersion::Head))
}

pub fn sim_with(f: impl FnOnce(&mut Config)) -> QuaySim {
    let mut config = config(QuayVersion::Head);
    f(&mut config);
    QuaySim::start(config)
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// Asserts an [A] ApiException body with this status, error type and text.
    pub fn assert_api(&self, status: u16, error_type: &str, text: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.content_type, "application/json");
        let body = self.json();
        assert_eq!(body["detail"], text, "{body}");
        assert_eq!(body["error_message"], text);
        assert_eq!(body["error_type"], error_type);
        assert_eq!(body["title"], error_type);
        assert_eq!(body["status"], status);
        assert!(body["type"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v1/error/{error_type}")));
    }

    /// 400 [A] `invalid_request`.
    pub fn assert_invalid(&self, text: &str) {
        self.assert_api(400, "invalid_request", text);
    }

    /// [M] `{"message": text}` and nothing else.
    pub fn assert_message(&self, status: u16, text: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.content_type, "application/json");
        assert_eq!(self.json(), serde_json::json!({ "message": text }));
    }

    /// [D] `{"detail": text}` and nothing else.
    pub fn assert_detail(&self, status: u16, text: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json(), serde_json::json!({ "detail": text }));
    }

    /// An HTML (non-JSON) answer.
    pub fn assert_html(&self, status: u16, contains: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.content_type.starts_with("text/html"),
            "{}",
            self.content_type
        );
        assert!(self.text.contains(contains), "{}", self.text);
    }

    pub fn assert_forbidden(&self) {
        self.assert_api(403, "insufficient_scope", "Unauthorized");
    }

    /// First line of a jsonschema [A] message.
    pub fn schema_error(&self) -> String {
        assert_eq!(self.status, 400, "{}", self.text);
        self.json()["detail"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }
}

pub struct Api {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    pub fn new(sim: &QuaySim, token: &str) -> Api {
        Api::for_url(&sim.base_url(), Some(token))
    }

    pub fn anonymous(sim: &QuaySim) -> Api {
        Api::for_url(&sim.base_url(), None)
    }

    pub fn for_url(base: &str, token: Option<&str>) -> Api {
        Api {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            token: token.map(str::to_string),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        content_type: Option<&str>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(ct) = content_type {
            request = request.header("Content-Type", ct);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.expect("request failed");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let content_type = header("content-type").unwrap_or_default();
        let location = header("location");
        let retry_after = header("retry-after");
        Answer {
            status: response.status().as_u16(),
            content_type,
            location,
            retry_after,
            text: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None, None).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(
            Method::PUT,
            path,
            Some(&body.to_string()),
            Some("application/json"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(
            Method::POST,
            path,
            Some(&body.to_string()),
            Some("application/json"),
        )
        .await
    }

    /// A write without a body.
    pub async fn bare(&self, method: Method, path: &str) -> Answer {
        self.send(method, path, None, None).await
    }
}

/// Creates `exampleorg` (owned by admin) with robot `writer` and repo `nested/demorepo`
/// through the API, as a client would.
pub async fn seed_example(api: &Api) {
    assert_eq!(
        api.post(
            "/api/v1/organization/",
            serde_json::json!({"name": "exampleorg"})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        api.put(
            "/api/v1/organization/exampleorg/robots/writer",
            serde_json::json!({"description": "w"})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        api.post(
            "/api/v1/repository",
            serde_json::json!({"namespace": "exampleorg", "repository": "nested/demorepo",
                               "visibility": "private", "description": ""})
        )
        .await
        .status,
        201
    );
}
