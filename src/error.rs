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
}

impl Error {
    pub fn other(message: impl Into<String>) -> Error {
        Error::Other {
            message: message.into(),
        }
    }

    /// `detailed_exitcode`: the command ran with `--detailed-exitcode`, where 2 is reserved
    /// for pending changes.
    pub fn exit_code(&self, detailed_exitcode: bool) -> ExitCode {
        match self {
            Error::Usage(_) => usage_exit_code(detailed_exitcode),
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
