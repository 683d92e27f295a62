//! The error a command can end with, and how each maps to an exit status.

use std::process::ExitCode;

/// Exit status when a command completed and everything it had to do succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit status when the command ran but something failed: `check` found errors, an action
/// failed, an organization could not be read.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for usage errors (clap's own) and, with `--detailed-exitcode`, only for pending
/// changes: there a usage error exits [`EXIT_FAILED`], so that 2 means one thing.
pub const EXIT_USAGE_OR_PENDING: u8 = 2;
/// Exit status after SIGINT/SIGTERM stopped a run (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failure that ends a command before it could do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Quay(#[from] crate::quay::QuayError),
    #[error("{0}")]
    Usage(String),
    #[error("{message}")]
    Other { message: String },
    /// A failure already known in detail (an endpoint that cannot be reached, a bad token).
    #[error("{0}")]
    Failed(Failure),
    /// The organization files or the login file have errors: each one is a finding (printed on
    /// stderr, carried by the JSON report).
    #[error("{message}")]
    Findings {
        message: String,
        findings: Vec<crate::config::Finding>,
    },
    /// A second SIGINT/SIGTERM aborted the run without waiting for the requests in flight.
    #[error("aborted by a second interrupt: the outcome of the requests in flight is unknown; run again to converge")]
    Interrupted,
}

impl Error {
    pub fn other(message: impl Into<String>) -> Error {
        Error::Other {
            message: message.into(),
        }
    }

    /// The findings behind the error, for the JSON report.
    pub fn findings(&self) -> &[crate::config::Finding] {
        match self {
            Error::Findings { findings, .. } => findings,
            Error::Config(crate::config::ConfigError::Login { findings, .. }) => findings,
            _ => &[],
        }
    }

    /// `detailed_exitcode`: the command ran with `--detailed-exitcode`, where 2 is reserved
    /// for pending changes.
    pub fn exit_code(&self, detailed_exitcode: bool) -> ExitCode {
        match self {
            Error::Usage(_) => usage_exit_code(detailed_exitcode),
            Error::Interrupted => ExitCode::from(EXIT_INTERRUPTED),
            _ => ExitCode::from(EXIT_FAILED),
        }
    }
}

/// The exit status of a usage error: 2, or 1 under `--detailed-exitcode`.
pub fn usage_exit_code(detailed_exitcode: bool) -> ExitCode {
    ExitCode::from(if detailed_exitcode {
        EXIT_FAILED
    } else {
        EXIT_USAGE_OR_PENDING
    })
}

/// The error and its causes on one line: `outer: cause: root cause`.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Which layer a failure comes from, for the JSON report (`error_detail.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The command line asked for something that cannot be done (after clap accepted it).
    Usage,
    /// An organization file or the login file.
    Config,
    /// A request to Quay, or the client for an endpoint.
    Quay,
    /// The run was stopped by a signal.
    Interrupted,
    /// Anything else (stdout unwritable, the runtime, a local file).
    Other,
}

/// What is known about a failure beyond its text: the request and Quay's answer. Every field
/// is `None` where it does not apply (a transport error has no status).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FailureDetail {
    pub kind: FailureKind,
    /// The endpoint as the organization files write it.
    pub endpoint: Option<String>,
    pub method: Option<String>,
    /// The request path without its query string.
    pub path: Option<String>,
    /// The HTTP status Quay answered with; `None` when it did not answer.
    pub status: Option<u16>,
    /// Quay's own message, when it sent one.
    pub message: Option<String>,
}

/// A failure carried to the report: the readable one-line text the human report shows, and
/// the detail the JSON report adds (`error` and `error_detail`). The detail is boxed: a run
/// holds one outcome per change (~100,000 at N = 1000), and few of them fail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    #[serde(rename = "error")]
    pub text: String,
    #[serde(rename = "error_detail")]
    pub detail: Box<FailureDetail>,
}

impl Failure {
    /// A failure of kind `kind` known only by its text.
    pub fn new(kind: FailureKind, text: impl Into<String>) -> Failure {
        Failure {
            text: text.into(),
            detail: Box::new(FailureDetail {
                kind,
                endpoint: None,
                method: None,
                path: None,
                status: None,
                message: None,
            }),
        }
    }

    /// A failure that concerns `endpoint` but no single request (no token, no client).
    pub fn at_endpoint(endpoint: &crate::model::Endpoint, text: impl Into<String>) -> Failure {
        let mut failure = Failure::new(FailureKind::Quay, text);
        failure.detail.endpoint = Some(crate::config::mapping::endpoint_to_file(endpoint));
        failure
    }

    /// Everything a Quay error knows: its endpoint, its request and Quay's answer.
    pub fn from_quay(err: &crate::quay::QuayError) -> Failure {
        let mut failure = Failure::at_endpoint(err.endpoint(), err.to_string());
        if let Some(ctx) = err.context() {
            failure.detail.method = Some(ctx.method.to_string());
            failure.detail.path = Some(ctx.path.clone());
        }
        failure.detail.status = err.status();
        failure.detail.message = err.quay_message().map(str::to_string);
        if matches!(err, crate::quay::QuayError::Interrupted { .. }) {
            failure.detail.kind = FailureKind::Interrupted;
        }
        failure
    }

    /// The same failure, its text prefixed with what was being done (`cannot read …: `).
    pub fn context(mut self, doing: impl std::fmt::Display) -> Failure {
        self.text = format!("{doing}: {}", self.text);
        self
    }

    /// The failure that ends a command (`main` prints it, the JSON report carries it).
    pub fn from_error(err: &Error) -> Failure {
        match err {
            Error::Quay(quay) => {
                let mut failure = Failure::from_quay(quay);
                failure.text = chain(err);
                failure
            }
            Error::Failed(failure) => failure.clone(),
            Error::Config(_) | Error::Findings { .. } => {
                Failure::new(FailureKind::Config, chain(err))
            }
            Error::Usage(_) => Failure::new(FailureKind::Usage, chain(err)),
            Error::Interrupted => Failure::new(FailureKind::Interrupted, chain(err)),
            Error::Other { .. } => Failure::new(FailureKind::Other, chain(err)),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<crate::quay::QuayError> for Failure {
    fn from(err: crate::quay::QuayError) -> Failure {
        Failure::from_quay(&err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Endpoint;
    use crate::quay::{QuayError, RequestContext};

    fn ctx(endpoint: &str) -> RequestContext {
        RequestContext {
            endpoint: Endpoint::parse(endpoint).unwrap(),
            via: None,
            method: reqwest::Method::PUT,
            path: "/api/v1/repository/acme/app/permissions/user/bob".into(),
            idempotent: true,
        }
    }

    #[test]
    fn a_quay_answer_keeps_request_status_and_message() {
        let err = QuayError::Api {
            ctx: ctx("quay.example.com"),
            status: 400,
            message: "Invalid role".into(),
        };
        let failure = Failure::from_quay(&err);
        assert_eq!(failure.text, err.to_string());
        assert_eq!(
            *failure.detail,
            FailureDetail {
                kind: FailureKind::Quay,
                endpoint: Some("quay.example.com".into()),
                method: Some("PUT".into()),
                path: Some("/api/v1/repository/acme/app/permissions/user/bob".into()),
                status: Some(400),
                message: Some("Invalid role".into()),
            }
        );
    }

    #[test]
    fn a_transport_error_has_no_status_and_the_endpoint_as_files_write_it() {
        let err = QuayError::Transport {
            ctx: ctx("http://127.0.0.1:8080"),
            connect: true,
            message: "connection refused".into(),
            attempts: 3,
        };
        let failure = Failure::from_quay(&err);
        assert_eq!(
            failure.detail.endpoint.as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(failure.detail.status, None);
        assert_eq!(failure.detail.message, None);
        assert_eq!(failure.detail.method.as_deref(), Some("PUT"));
        let wrapped = Failure::from_error(&Error::Quay(err));
        assert_eq!(wrapped.detail, failure.detail);
        let interrupted = Failure::from_error(&Error::Interrupted);
        assert_eq!(interrupted.detail.kind, FailureKind::Interrupted);
        assert_eq!(
            Error::Interrupted.exit_code(true),
            ExitCode::from(EXIT_INTERRUPTED)
        );
    }
}
