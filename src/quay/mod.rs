//! The Quay API client: the only module that knows Quay's URLs and wire JSON.

/// A request to Quay that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum QuayError {
    #[error("{endpoint}: {message}")]
    Other { endpoint: String, message: String },
}
