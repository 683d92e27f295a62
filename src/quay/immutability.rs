//! Immutability policies (Quay 3.17+, `FEATURE_IMMUTABLE_TAGS`):
//! `/api/v1/organization/{org}/immutabilitypolicy/[{uuid}]` and
//! `/api/v1/repository/{org}/{repo}/immutabilitypolicy/[{uuid}]` (quay-api-breadth.md §7.2).
//! POST 201 `{"uuid"}`, PUT 204 (replaces pattern and flag), DELETE 200. Creating or changing
//! a policy makes every matching existing tag immutable; deleting it does not undo that.
//!
//! The wire types stay in this module: callers see [`ImmutabilityPolicy`].

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::ImmutabilityPolicy;

#[derive(Deserialize)]
struct PolicyView {
    uuid: String,
    #[serde(rename = "tagPattern")]
    tag_pattern: String,
    #[serde(default, rename = "tagPatternMatches")]
    tag_pattern_matches: Option<bool>,
}

#[derive(Deserialize)]
struct PolicyList {
    #[serde(default)]
    policies: Vec<PolicyView>,
}

#[derive(Serialize)]
struct PolicyBody<'a> {
    #[serde(rename = "tagPattern")]
    tag_pattern: &'a str,
    #[serde(rename = "tagPatternMatches")]
    tag_pattern_matches: bool,
}

impl<'a> PolicyBody<'a> {
    fn new(policy: &'a ImmutabilityPolicy) -> PolicyBody<'a> {
        PolicyBody {
            tag_pattern: &policy.tag_pattern,
            tag_pattern_matches: policy.tag_pattern_matches,
        }
    }
}

#[derive(Deserialize)]
struct Created {
    uuid: String,
}

/// The immutability policies of one organization, or of one of its repositories.
pub struct Immutability<'c> {
    client: &'c QuayClient,
    org: &'c str,
    repository: Option<&'c str>,
}

impl QuayClient {
    /// The policies of `org` (`repository: None`) or of `org/repository`.
    pub fn immutability<'c>(
        &'c self,
        org: &'c str,
        repository: Option<&'c str>,
    ) -> Immutability<'c> {
        Immutability {
            client: self,
            org,
            repository,
        }
    }
}

impl Immutability<'_> {
    fn base(&self) -> String {
        match self.repository {
            None => format!("{}/immutabilitypolicy/", paths::org(self.org)),
            Some(repo) => format!("{}/immutabilitypolicy/", paths::repo(self.org, repo)),
        }
    }

    fn item(&self, uuid: &str) -> String {
        format!("{}{}", self.base(), paths::seg(uuid))
    }

    /// Every policy of the scope in Quay's order, with its uuid; `None` when Quay has no such
    /// list (404: the repository or the feature is missing).
    pub async fn list(&self) -> Result<Option<Vec<ImmutabilityPolicy>>, QuayError> {
        let list: PolicyList = match self.client.send(Call::get(self.base())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(Some(list.policies.into_iter().map(from_view).collect()))
    }

    /// Creates the policy and returns Quay's uuid.
    pub async fn create(&self, policy: &ImmutabilityPolicy) -> Result<String, QuayError> {
        let created: Created = self
            .client
            .send(Call::post(self.base()).json(&PolicyBody::new(policy)))
            .await?
            .json()?;
        Ok(created.uuid)
    }

    /// Quay's answer to a second policy with a pattern the scope has.
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("same tag_pattern already exists")
    }

    /// Replaces the policy `uuid` with `policy` (repeatable).
    pub async fn replace(&self, uuid: &str, policy: &ImmutabilityPolicy) -> Result<(), QuayError> {
        self.client
            .send(Call::put(self.item(uuid)).json(&PolicyBody::new(policy)))
            .await
            .map(drop)
    }

    /// Deletes the policy `uuid`; one already gone (404) is not an error.
    pub async fn delete(&self, uuid: &str) -> Result<(), QuayError> {
        self.client.delete_by_id(self.item(uuid)).await
    }
}

fn from_view(view: PolicyView) -> ImmutabilityPolicy {
    ImmutabilityPolicy {
        tag_pattern: view.tag_pattern,
        tag_pattern_matches: view.tag_pattern_matches.unwrap_or(true),
        uuid: Some(view.uuid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_quay_shapes() {
        let view: PolicyView = serde_json::from_value(
            json!({"uuid": "u", "tagPattern": "^v1", "tagPatternMatches": false}),
        )
        .unwrap();
        let policy = from_view(view);
        assert_eq!(policy.key(), ("^v1", false));
        assert_eq!(
            serde_json::to_value(PolicyBody::new(&policy)).unwrap(),
            json!({"tagPattern": "^v1", "tagPatternMatches": false})
        );
    }
}
