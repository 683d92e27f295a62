//! Organization files and the login file: loading, validation and the findings `check` reports.
//! The only module that knows YAML.

/// A failure to read configuration at all (not a finding inside a file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Io {
        path: std::path::PathBuf,
        message: String,
    },
}
