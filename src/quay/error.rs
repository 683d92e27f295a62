//! `QuayError`: every way a request to Quay can fail, as one-line messages that name the
//! endpoint, the request (which names the organization and the object) and what to do.
//! Nothing here ever holds a token or a password: errors keep the method, the path and Quay's
//! own message, never headers or request bodies.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;

use super::retry::Failure;
use crate::model::Endpoint;

/// The request a failure belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The endpoint as the organization files name it.
    pub endpoint: Endpoint,
    /// Where `--endpoint-map` sent the request instead, if it did (shared: errors stay small).
    pub via: Option<Arc<Endpoint>>,
    pub method: Method,
    /// Path without the query string, e.g. `/api/v1/organization/acme/robots/ci`.
    pub path: String,
    /// Whether repeating the request is harmless; a create is not.
    pub idempotent: bool,
}

impl RequestContext {
    /// The endpoint as the files name it, and the mapped URL after it in parentheses.
    pub fn endpoint_name(&self) -> String {
        endpoint_name(&self.endpoint, self.via.as_deref())
    }
}

/// `endpoint`, or `endpoint (via)` when `--endpoint-map` sends its requests elsewhere.
pub fn endpoint_name(endpoint: &Endpoint, via: Option<&Endpoint>) -> String {
    match via {
        Some(via) => format!("{endpoint} ({via})"),
        None => endpoint.to_string(),
    }
}

impl fmt::Display for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.endpoint_name(), self.method, self.path)
    }
}

/// A request to Quay that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum QuayError {
    /// 401, or a write refused by Quay's CSRF check: Quay treats a bad token as anonymous.
    #[error(
        "the token for {} is invalid or expired: run `mqc login` ({} {} was refused)",
        ctx.endpoint_name(), ctx.method, ctx.path
    )]
    InvalidToken { ctx: RequestContext },
    /// 403 for an authenticated token: the user lacks the right or the token the scope.
    #[error("{ctx}: 403 forbidden: {hint}")]
    Forbidden { ctx: RequestContext, hint: String },
    #[error("{ctx}: 404 not found: {message}")]
    NotFound {
        ctx: RequestContext,
        message: String,
    },
    /// Any other non-2xx answer, with Quay's message.
    #[error("{ctx}: {status} {message}")]
    Api {
        ctx: RequestContext,
        status: u16,
        message: String,
    },
    #[error("{ctx}: no answer within {}s (after {attempts} attempt(s)); is the endpoint up? raise `--timeout` if it is slow", after.as_secs_f64())]
    Timeout {
        ctx: RequestContext,
        after: Duration,
        attempts: u32,
    },
    #[error("{ctx}: {message} (after {attempts} attempt(s))")]
    Transport {
        ctx: RequestContext,
        /// The connection could not be opened (nothing was sent).
        connect: bool,
        message: String,
        attempts: u32,
    },
    #[error("{ctx}: TLS certificate check failed ({message}): give the CA with `--ca-cert FILE` or, for a lab, `--tls-verify false`")]
    Tls {
        ctx: RequestContext,
        message: String,
    },
    /// A 2xx answer whose JSON is not what Quay documents.
    #[error("{ctx}: unexpected answer from Quay: {message}")]
    Decode {
        ctx: RequestContext,
        message: String,
    },
    /// The run was interrupted before this request was sent: Quay never saw it.
    #[error("{ctx}: not sent: the run was interrupted")]
    Interrupted { ctx: RequestContext },
    /// The client for an endpoint could not be built (CA file, TLS setup).
    #[error("{endpoint}: {message}")]
    Setup { endpoint: Endpoint, message: String },
    /// A mirror declares a registry user but the login file has no password for it.
    #[error("{}: organization {organization}, repository {repository}: no mirror password for registry user {username} in the login file: run `mqc login`", endpoint_name(endpoint, via.as_deref()))]
    MissingMirrorPassword {
        endpoint: Endpoint,
        via: Option<Arc<Endpoint>>,
        organization: String,
        repository: String,
        username: String,
    },
    /// Anything else that stops an operation, with a message that says what and where.
    #[error("{}: {message}", endpoint_name(endpoint, via.as_deref()))]
    Other {
        endpoint: Endpoint,
        /// Where `--endpoint-map` sent the endpoint's requests, if it did.
        via: Option<Arc<Endpoint>>,
        message: String,
    },
}

impl QuayError {
    /// The request the error belongs to, when it came from one.
    pub fn context(&self) -> Option<&RequestContext> {
        match self {
            QuayError::InvalidToken { ctx }
            | QuayError::Forbidden { ctx, .. }
            | QuayError::NotFound { ctx, .. }
            | QuayError::Api { ctx, .. }
            | QuayError::Timeout { ctx, .. }
            | QuayError::Transport { ctx, .. }
            | QuayError::Tls { ctx, .. }
            | QuayError::Decode { ctx, .. }
            | QuayError::Interrupted { ctx } => Some(ctx),
            QuayError::Setup { .. }
            | QuayError::MissingMirrorPassword { .. }
            | QuayError::Other { .. } => None,
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        match self {
            QuayError::InvalidToken { ctx }
            | QuayError::Forbidden { ctx, .. }
            | QuayError::NotFound { ctx, .. }
            | QuayError::Api { ctx, .. }
            | QuayError::Timeout { ctx, .. }
            | QuayError::Transport { ctx, .. }
            | QuayError::Tls { ctx, .. }
            | QuayError::Decode { ctx, .. }
            | QuayError::Interrupted { ctx } => &ctx.endpoint,
            QuayError::Setup { endpoint, .. }
            | QuayError::MissingMirrorPassword { endpoint, .. }
            | QuayError::Other { endpoint, .. } => endpoint,
        }
    }

    /// The HTTP status Quay answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            QuayError::InvalidToken { .. } => Some(401),
            QuayError::Forbidden { .. } => Some(403),
            QuayError::NotFound { .. } => Some(404),
            QuayError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Quay's own message for an HTTP error.
    pub fn quay_message(&self) -> Option<&str> {
        match self {
            QuayError::NotFound { message, .. } | QuayError::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, QuayError::NotFound { .. })
    }

    /// True when a status-400 answer carries a message containing `needle` (Quay reports many
    /// "does not exist" cases as 400 with a fixed text).
    pub(crate) fn is_400_saying(&self, needle: &str) -> bool {
        matches!(self, QuayError::Api { status: 400, message, .. } if message.contains(needle))
    }

    /// A removal whose object is already gone has done its job: Quay reports many such cases
    /// as a 400 with a fixed text (`gone_text`), which this turns into success.
    pub(crate) fn gone_is_done(
        result: Result<(), QuayError>,
        gone_text: &str,
    ) -> Result<(), QuayError> {
        match result {
            Err(err) if err.is_400_saying(gone_text) => Ok(()),
            other => other,
        }
    }

    /// True when a request that is not safe to repeat (a create) failed in a way that leaves
    /// open whether Quay acted on it: a timeout, a 502/504, a connection broken after sending.
    /// The caller checks whether the object exists before sending it again.
    pub fn is_ambiguous(&self) -> bool {
        let Some(ctx) = self.context() else {
            return false;
        };
        let failure = match self {
            QuayError::Timeout { .. } => Failure::Timeout,
            QuayError::Transport { connect: true, .. } => Failure::Connect,
            QuayError::Transport { connect: false, .. } => Failure::Transport,
            QuayError::Api { status, .. } => Failure::Status(*status),
            _ => return false,
        };
        // The same rule the retry policy gives up by (`Decision::Ambiguous`).
        !ctx.idempotent && failure.leaves_outcome_open()
    }
}

impl QuayError {
    /// Cuts every non-empty `secret` out of the texts this error carries from Quay or from the
    /// transport, where a misbehaving server or proxy could have quoted a request back.
    pub(crate) fn redact(mut self, secrets: &[&str]) -> QuayError {
        let secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
        if secrets.is_empty() {
            return self;
        }
        let text = match &mut self {
            QuayError::NotFound { message, .. }
            | QuayError::Api { message, .. }
            | QuayError::Transport { message, .. }
            | QuayError::Tls { message, .. }
            | QuayError::Decode { message, .. }
            | QuayError::Other { message, .. } => message,
            QuayError::Forbidden { hint, .. } => hint,
            QuayError::InvalidToken { .. }
            | QuayError::Timeout { .. }
            | QuayError::Interrupted { .. }
            | QuayError::Setup { .. }
            | QuayError::MissingMirrorPassword { .. } => return self,
        };
        *text = cut_out(std::mem::take(text), &secrets);
        self
    }
}

/// `text` with every non-empty secret replaced by `[redacted]`.
fn cut_out(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "[redacted]");
        }
    }
    text
}

/// Maps a non-2xx answer to the error a caller can act on.
#[cfg(test)]
pub(crate) fn from_status(ctx: RequestContext, status: u16, body: &[u8]) -> QuayError {
    from_answer(ctx, status, body, &[])
}

/// The error for a non-2xx answer. `secrets` (the values the request carried) are cut out of
/// Quay's message before it is shortened, so that no part of one survives the cut.
pub(crate) fn from_answer(
    ctx: RequestContext,
    status: u16,
    body: &[u8],
    secrets: &[&str],
) -> QuayError {
    let message = message_without(status, body, secrets);
    match status {
        401 => QuayError::InvalidToken { ctx },
        403 if is_csrf_refusal(body) => QuayError::InvalidToken { ctx },
        403 => {
            let hint = forbidden_hint(&ctx.method, &ctx.path);
            QuayError::Forbidden { ctx, hint }
        }
        404 => QuayError::NotFound { ctx, message },
        _ => QuayError::Api {
            ctx,
            status,
            message,
        },
    }
}

/// Quay's `{"error": "CSRF token was invalid or missing."}`: what every write gets when the
/// token was not accepted (quay-api.md §1.5).
fn is_csrf_refusal(body: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(map)) => map
            .get("error")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|text| text.contains("CSRF")),
        _ => false,
    }
}

/// Which scope the request needs, since Quay's 403 never says (quay-api.md §1.6).
fn forbidden_hint(method: &Method, path: &str) -> String {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    let need = if rest.starts_with("/superuser/") {
        "the `super:user` scope (and a superuser) for superuser endpoints"
    } else if *method == Method::POST && rest == "/organization/" {
        "the `user:admin` scope for creating organizations"
    } else if rest.ends_with("/syncing") {
        "the `org:admin` and `super:user` scopes (and a superuser) for team synchronisation"
    } else if rest.starts_with("/organization/") {
        "the `org:admin` scope (and an owner of the organization) for organization, robot and team work"
    } else if *method == Method::POST && rest == "/repository" {
        "the `repo:create` scope (and a creator or owner in the organization) for creating repositories"
    } else if rest.starts_with("/repository/") {
        "the `repo:admin` scope (and an admin of the repository) for repository admin work"
    } else {
        "the scopes mqc needs"
    };
    format!("the token's user may not do this, or the token lacks {need}; Quay does not say which")
}

/// Quay's human message from any of its five error-body shapes (quay-api.md §1.4): `detail`,
/// `error_message`, `message` (a string or an object of messages), `error`, in that order.
/// HTML, plain text and empty bodies give a short status-based text, never the raw body.
#[cfg(test)]
pub(crate) fn error_message(status: u16, body: &[u8]) -> String {
    message_without(status, body, &[])
}

fn message_without(status: u16, body: &[u8], secrets: &[&str]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(text) = message_from_json(&value) {
            let text = first_line(&cut_out(text, secrets));
            if !text.is_empty() {
                return text;
            }
        }
    }
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("unexpected status");
    if body.iter().all(u8::is_ascii_whitespace) {
        format!("{reason} (empty answer)")
    } else {
        format!("{reason} (answer is not JSON)")
    }
}

fn message_from_json(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Object(map) => ["detail", "error_message", "message", "error"]
            .iter()
            .find_map(|key| match map.get(*key)? {
                Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
                Value::Object(inner) => {
                    let parts: Vec<String> = inner
                        .iter()
                        .map(|(k, v)| match v {
                            Value::String(text) => format!("{k}: {text}"),
                            other => format!("{k}: {other}"),
                        })
                        .collect();
                    (!parts.is_empty()).then(|| parts.join("; "))
                }
                _ => None,
            }),
        _ => None,
    }
}

/// jsonschema messages run over many lines; the first one says what is wrong. Long texts are
/// cut so that a message stays one readable line.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    const MAX: usize = 300;
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(method: Method, path: &str) -> RequestContext {
        RequestContext {
            via: None,
            endpoint: Endpoint::parse("https://quay.example.com").unwrap(),
            method,
            path: path.to_string(),
            idempotent: true,
        }
    }

    #[test]
    fn redact_cuts_secrets_out_of_quay_messages() {
        let err = from_status(
            ctx(Method::POST, "/api/v1/repository/o/r/mirror"),
            400,
            br#"{"detail": "'pw-1' is not valid; token tok-2"}"#,
        )
        .redact(&["pw-1", "tok-2", ""]);
        assert_eq!(
            err.to_string(),
            "https://quay.example.com: POST /api/v1/repository/o/r/mirror: 400 '[redacted]' is \
             not valid; token [redacted]"
        );
    }

    #[test]
    fn api_exception_body_gives_detail() {
        let body = br#"{"detail": "Existing robot with name: exampleorg+ci", "error_message": "other", "error_type": "invalid_request", "title": "invalid_request", "type": "https://q/api/v1/error/invalid_request", "status": 400}"#;
        assert_eq!(
            error_message(400, body),
            "Existing robot with name: exampleorg+ci"
        );
    }

    #[test]
    fn error_message_key_is_second_choice() {
        assert_eq!(error_message(400, br#"{"error_message": "em"}"#), "em");
    }

    #[test]
    fn message_body_as_string_and_as_object() {
        assert_eq!(
            error_message(
                400,
                br#"{"message": "User bob is already a member of team devs"}"#
            ),
            "User bob is already a member of team devs"
        );
        assert_eq!(
            error_message(
                400,
                br#"{"message": {"limit": "If specified, the number of robots to return."}}"#
            ),
            "limit: If specified, the number of robots to return."
        );
    }

    #[test]
    fn error_key_body() {
        assert_eq!(
            error_message(403, br#"{"error": "CSRF token was invalid or missing."}"#),
            "CSRF token was invalid or missing."
        );
    }

    #[test]
    fn detail_only_body() {
        assert_eq!(
            error_message(
                409,
                br#"{"detail": "Mirror configuration already exits for repository o/r"}"#
            ),
            "Mirror configuration already exits for repository o/r"
        );
    }

    #[test]
    fn a_secret_is_cut_out_before_a_long_message_is_shortened() {
        let secret = "pw-0123456789";
        let detail = format!("{}{secret} is not valid", "x".repeat(295));
        let body = serde_json::json!({ "detail": detail }).to_string();
        let err = from_answer(
            ctx(Method::POST, "/api/v1/repository/o/r/mirror"),
            400,
            body.as_bytes(),
            &[secret],
        );
        let text = err.to_string();
        assert!(!text.contains("pw-0"), "{text}");
        assert!(text.ends_with("x[reda…"), "{text}");
    }

    #[test]
    fn jsonschema_detail_keeps_its_first_line() {
        let body = br#"{"detail": "'role' is a required property\n\nFailed validating 'required' in schema:\n    {...}"}"#;
        assert_eq!(error_message(400, body), "'role' is a required property");
    }

    #[test]
    fn html_and_empty_bodies_become_status_text() {
        let html =
            b"<!DOCTYPE html><html><title>500 Internal Server Error</title><p>boom</p></html>";
        assert_eq!(
            error_message(500, html),
            "Internal Server Error (answer is not JSON)"
        );
        assert_eq!(error_message(502, b""), "Bad Gateway (empty answer)");
        assert_eq!(
            error_message(429, b"<html>429 Too Many Requests</html>"),
            "Too Many Requests (answer is not JSON)"
        );
    }

    #[test]
    fn csrf_403_is_an_invalid_token() {
        let err = from_status(
            ctx(Method::PUT, "/api/v1/organization/acme/robots/ci"),
            403,
            br#"{"error": "CSRF token was invalid or missing."}"#,
        );
        assert!(matches!(err, QuayError::InvalidToken { .. }));
        assert_eq!(
            err.to_string(),
            "the token for https://quay.example.com is invalid or expired: run `mqc login` (PUT /api/v1/organization/acme/robots/ci was refused)"
        );
    }

    #[test]
    fn unauthorized_403_names_the_scope() {
        let body = br#"{"detail": "Unauthorized", "error_message": "Unauthorized", "error_type": "insufficient_scope", "title": "insufficient_scope", "status": 403}"#;
        let cases = [
            (Method::POST, "/api/v1/organization/", "`user:admin`"),
            (
                Method::PUT,
                "/api/v1/organization/acme/team/devs",
                "`org:admin`",
            ),
            (
                Method::PUT,
                "/api/v1/repository/acme/app/permissions/user/bob",
                "`repo:admin`",
            ),
            (
                Method::DELETE,
                "/api/v1/superuser/organizations/acme",
                "`super:user`",
            ),
            (Method::POST, "/api/v1/repository", "`repo:create`"),
        ];
        for (method, path, scope) in cases {
            let err = from_status(ctx(method, path), 403, body);
            let text = err.to_string();
            assert!(matches!(err, QuayError::Forbidden { .. }), "{text}");
            assert!(text.contains(scope), "{text}");
            assert!(text.starts_with("https://quay.example.com: "), "{text}");
        }
    }

    #[test]
    fn status_mapping() {
        let c = ctx(Method::GET, "/api/v1/user/");
        assert!(matches!(
            from_status(c.clone(), 401, br#"{"detail": "Requires authentication"}"#),
            QuayError::InvalidToken { .. }
        ));
        assert!(from_status(c.clone(), 404, br#"{"detail": "Not Found"}"#).is_not_found());
        let err = from_status(
            c,
            400,
            br#"{"message": "Could not find robot with specified username"}"#,
        );
        assert_eq!(err.status(), Some(400));
        assert!(err.is_400_saying("Could not find robot"));
        assert_eq!(
            err.to_string(),
            "https://quay.example.com: GET /api/v1/user/: 400 Could not find robot with specified username"
        );
    }

    #[test]
    fn ambiguity_needs_a_non_idempotent_request() {
        let mut c = ctx(Method::POST, "/api/v1/repository");
        c.idempotent = false;
        let gateway = from_status(c.clone(), 502, b"");
        assert!(gateway.is_ambiguous());
        assert!(from_status(c.clone(), 504, b"").is_ambiguous());
        assert!(!from_status(c.clone(), 503, b"").is_ambiguous());
        assert!(!from_status(c.clone(), 500, b"").is_ambiguous());
        let timeout = QuayError::Timeout {
            ctx: c.clone(),
            after: Duration::from_secs(5),
            attempts: 1,
        };
        assert!(timeout.is_ambiguous());
        let refused = QuayError::Transport {
            ctx: c.clone(),
            connect: true,
            message: "refused".into(),
            attempts: 5,
        };
        assert!(!refused.is_ambiguous());
        c.idempotent = true;
        assert!(!from_status(c, 502, b"").is_ambiguous());
    }
}
