//! Auto-prune policies: `/api/v1/organization/{org}/autoprunepolicy/[{uuid}]` and
//! `/api/v1/repository/{org}/{repo}/autoprunepolicy/[{uuid}]` (`FEATURE_AUTO_PRUNE`;
//! quay-api-breadth.md §4). POST answers 201 `{"uuid"}`, PUT replaces the whole policy (204),
//! DELETE answers 200. `tagPattern` and `tagPatternMatches` exist from Quay 3.13 on; 3.12
//! ignores them (the planner never sends a pattern there).
//!
//! The wire types stay in this module: callers see [`AutoPrunePolicy`].

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{AutoPrunePolicy, PruneMethod};

/// One policy as Quay lists it. `value` keeps the JSON type that was sent.
#[derive(Deserialize)]
struct PolicyView {
    uuid: String,
    method: String,
    value: serde_json::Value,
    #[serde(default, rename = "tagPattern")]
    tag_pattern: Option<String>,
    /// `null` for policies written by Quay ≤3.12: true.
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
    method: &'static str,
    value: serde_json::Value,
    #[serde(rename = "tagPattern", skip_serializing_if = "Option::is_none")]
    tag_pattern: Option<&'a str>,
    #[serde(rename = "tagPatternMatches", skip_serializing_if = "Option::is_none")]
    tag_pattern_matches: Option<bool>,
}

impl<'a> PolicyBody<'a> {
    fn new(policy: &'a AutoPrunePolicy) -> PolicyBody<'a> {
        let (method, value) = match &policy.method {
            PruneMethod::NumberOfTags(n) => ("number_of_tags", serde_json::json!(n)),
            PruneMethod::CreationDate(age) => ("creation_date", serde_json::json!(age)),
        };
        PolicyBody {
            method,
            value,
            tag_pattern: policy.tag_pattern.as_deref(),
            tag_pattern_matches: policy
                .tag_pattern
                .as_ref()
                .map(|_| policy.tag_pattern_matches),
        }
    }
}

#[derive(Deserialize)]
struct Created {
    uuid: String,
}

/// The auto-prune policies of one organization, or of one of its repositories.
pub struct AutoPrune<'c> {
    client: &'c QuayClient,
    org: &'c str,
    repository: Option<&'c str>,
}

impl QuayClient {
    /// The policies of `org` (`repository: None`) or of `org/repository`.
    pub fn auto_prune<'c>(&'c self, org: &'c str, repository: Option<&'c str>) -> AutoPrune<'c> {
        AutoPrune {
            client: self,
            org,
            repository,
        }
    }
}

impl AutoPrune<'_> {
    fn base(&self) -> String {
        match self.repository {
            None => format!("{}/autoprunepolicy/", paths::org(self.org)),
            Some(repo) => format!("{}/autoprunepolicy/", paths::repo(self.org, repo)),
        }
    }

    fn item(&self, uuid: &str) -> String {
        format!("{}{}", self.base(), paths::seg(uuid))
    }

    fn scope(&self) -> String {
        match self.repository {
            None => format!("organization {}", self.org),
            Some(repo) => format!("repository {}/{repo}", self.org),
        }
    }

    /// Every policy of the scope in Quay's order, each with its uuid; `None` when Quay has no
    /// such list (404: the repository or the feature is missing). A policy this mqc cannot
    /// read (an unknown method) is left out with a warning: mqc neither reads nor changes it.
    pub async fn list(&self) -> Result<Option<Vec<AutoPrunePolicy>>, QuayError> {
        let list: PolicyList = match self.client.send(Call::get(self.base())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut policies = Vec::with_capacity(list.policies.len());
        for view in list.policies {
            match from_view(&view) {
                Ok(policy) => policies.push(policy),
                Err(odd) => tracing::warn!(
                    target: "mqc::quay",
                    "{}: GET {}: {}: auto-prune policy {} left alone: {odd}",
                    self.client.endpoint_name(),
                    self.base(),
                    self.scope(),
                    view.uuid,
                ),
            }
        }
        Ok(Some(policies))
    }

    /// Creates the policy (its uuid is ignored) and returns Quay's uuid. Quay 3.13+ refuses an
    /// identical second policy; 3.12 refuses any second one.
    pub async fn create(&self, policy: &AutoPrunePolicy) -> Result<String, QuayError> {
        let created: Created = self
            .client
            .send(Call::post(self.base()).json(&PolicyBody::new(policy)))
            .await?
            .json()?;
        Ok(created.uuid)
    }

    /// Quay 3.13+'s answer to a second identical policy (`model/autoprune.py`).
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("duplicate policies are not permitted")
    }

    /// Replaces the policy `uuid` with `policy` (repeatable).
    pub async fn replace(&self, uuid: &str, policy: &AutoPrunePolicy) -> Result<(), QuayError> {
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

fn from_view(view: &PolicyView) -> Result<AutoPrunePolicy, String> {
    let method = match (view.method.as_str(), &view.value) {
        ("number_of_tags", serde_json::Value::Number(n)) => {
            PruneMethod::NumberOfTags(n.as_u64().ok_or_else(|| format!("value {n}"))?)
        }
        ("creation_date", serde_json::Value::String(age)) => PruneMethod::CreationDate(age.clone()),
        (method @ ("number_of_tags" | "creation_date"), value) => {
            return Err(format!("value {value} for method `{method}`"))
        }
        (other, _) => return Err(format!("method `{other}` unknown to this mqc")),
    };
    let tag_pattern = view.tag_pattern.clone().filter(|p| !p.is_empty());
    Ok(AutoPrunePolicy {
        tag_pattern_matches: view.tag_pattern_matches.unwrap_or(true) || tag_pattern.is_none(),
        tag_pattern,
        method,
        uuid: Some(view.uuid.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(value: serde_json::Value) -> PolicyView {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn reads_quay_examples() {
        let policy = from_view(&view(json!({"uuid": "u1", "method": "creation_date",
            "value": "30d", "tagPattern": "^pr-", "tagPatternMatches": false})))
        .unwrap();
        assert_eq!(policy.method, PruneMethod::CreationDate("30d".into()));
        assert_eq!(policy.tag_pattern.as_deref(), Some("^pr-"));
        assert!(!policy.tag_pattern_matches);
        // Written by Quay 3.12: no pattern, `tagPatternMatches` null.
        let old = from_view(&view(json!({"uuid": "u2", "method": "number_of_tags",
            "value": 10, "tagPattern": null, "tagPatternMatches": null})))
        .unwrap();
        assert_eq!(old.method, PruneMethod::NumberOfTags(10));
        assert!(old.tag_pattern_matches && old.tag_pattern.is_none());
        assert!(from_view(&view(json!({"uuid": "u3", "method": "size", "value": 1}))).is_err());
        assert!(from_view(&view(
            json!({"uuid": "u4", "method": "number_of_tags", "value": "10"})
        ))
        .is_err());
    }

    #[test]
    fn bodies_carry_the_pattern_only_when_there_is_one() {
        let plain = AutoPrunePolicy {
            method: PruneMethod::NumberOfTags(50),
            tag_pattern: None,
            tag_pattern_matches: true,
            uuid: None,
        };
        assert_eq!(
            serde_json::to_value(PolicyBody::new(&plain)).unwrap(),
            json!({"method": "number_of_tags", "value": 50})
        );
        let pattern = AutoPrunePolicy {
            method: PruneMethod::CreationDate("2w".into()),
            tag_pattern: Some("^pr-".into()),
            tag_pattern_matches: false,
            uuid: None,
        };
        assert_eq!(
            serde_json::to_value(PolicyBody::new(&pattern)).unwrap(),
            json!({"method": "creation_date", "value": "2w", "tagPattern": "^pr-",
                   "tagPatternMatches": false})
        );
    }
}
