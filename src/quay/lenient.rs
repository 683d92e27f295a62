//! Reading the model's enums from Quay's answers without letting one value this mqc does not
//! know make a whole answer unreadable.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::client::QuayClient;

/// A value of one of the model's enums as Quay sent it: known, or (as Quay wrote it) not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Lenient<T> {
    Known(T),
    Unknown(String),
}

impl<T> Lenient<T> {
    /// The known value, or the unknown one as text for a message.
    pub(super) fn known(self) -> Result<T, String> {
        match self {
            Lenient::Known(value) => Ok(value),
            Lenient::Unknown(raw) => Err(raw),
        }
    }
}

impl<T: PartialEq> PartialEq<T> for Lenient<T> {
    fn eq(&self, other: &T) -> bool {
        matches!(self, Lenient::Known(value) if value == other)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lenient<T>, D::Error> {
        let raw = serde_json::Value::deserialize(deserializer)?;
        match T::deserialize(&raw) {
            Ok(value) => Ok(Lenient::Known(value)),
            Err(_) => Ok(Lenient::Unknown(match raw {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            })),
        }
    }
}

/// Warns that one entry of an answer is left out of the model (so mqc neither reads nor
/// changes it) because it carries a value this mqc does not know: names the endpoint, the
/// request, the organization and the object.
pub(super) fn warn_left_out(client: &QuayClient, path: &str, org: &str, object: &str, odd: &str) {
    tracing::warn!(
        target: "mqc::quay",
        "{}: GET {path}: organization {org}: {object} left alone: {odd} unknown to this mqc",
        client.endpoint_name(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn known_and_unknown_values() {
        let known: Lenient<Role> = serde_json::from_str(r#""write""#).unwrap();
        assert_eq!(known, Role::Write);
        let odd: Lenient<Role> = serde_json::from_str(r#""triage""#).unwrap();
        assert_eq!(odd.known(), Err("triage".to_string()));
        let number: Lenient<Role> = serde_json::from_str("3").unwrap();
        assert_eq!(number.known(), Err("3".to_string()));
    }
}
