//! Log setup: human logs on stderr (stdout carries reports), filtered by `--log-level`;
//! `--verbosity 5` or more adds one line per HTTP request (target `mqc::http`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogLevel;

/// Verbosity from which every HTTP request is logged.
pub const HTTP_LOG_VERBOSITY: u8 = 5;

pub fn init(level: LogLevel, verbosity: u8) {
    let level = match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    // Our crate at the chosen level; dependencies (hyper, rustls, …) only from debug on and
    // never chattier than warn at info, so a debug log stays about mqc's own work.
    let mut directives = format!("warn,mqc={level}");
    if verbosity >= HTTP_LOG_VERBOSITY {
        directives.push_str(",mqc::http=debug");
    } else {
        directives.push_str(",mqc::http=off");
    }
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let detailed = matches!(level, "debug" | "trace") || verbosity >= HTTP_LOG_VERBOSITY;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(detailed);
    // Timestamps help when debugging a run; for warnings at the default level they are noise.
    let _ = if detailed {
        builder.try_init()
    } else {
        builder.without_time().try_init()
    };
}
