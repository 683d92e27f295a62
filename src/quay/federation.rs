//! Robot federation (keyless robot auth, Quay 3.13+):
//! `GET|POST|DELETE /api/v1/organization/{org}/robots/{robot}/federation`
//! (`endpoints/api/robot.py`, quay-api-breadth.md §6). The POST takes the whole list and
//! replaces what Quay holds; DELETE empties it. No feature flag; Quay 3.12 has no such route
//! (the discovery document lists the path from 3.13, see `Capabilities::robot_federation`).
//! The wire types stay in this module: callers see [`Federation`].

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::Federation;

/// One entry, as Quay reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FederationWire {
    issuer: String,
    subject: String,
}

pub struct RobotFederation<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn robot_federation<'c>(&'c self, org: &'c str) -> RobotFederation<'c> {
        RobotFederation { client: self, org }
    }
}

impl RobotFederation<'_> {
    fn path(&self, robot: &str) -> String {
        format!(
            "{}/robots/{}/federation",
            paths::org(self.org),
            paths::seg(robot)
        )
    }

    /// The robot's entries in Quay's order (`[]` when none).
    pub async fn get(&self, robot: &str) -> Result<Vec<Federation>, QuayError> {
        let list: Vec<FederationWire> = self
            .client
            .send(Call::get(self.path(robot)))
            .await?
            .json()?;
        Ok(list
            .into_iter()
            .map(|w| Federation {
                issuer: w.issuer,
                subject: w.subject,
            })
            .collect())
    }

    /// Replaces the robot's entries with `entries` (repeatable: the same list gives the same
    /// state).
    pub async fn set(&self, robot: &str, entries: &[Federation]) -> Result<(), QuayError> {
        let body: Vec<FederationWire> = entries
            .iter()
            .map(|f| FederationWire {
                issuer: f.issuer.clone(),
                subject: f.subject.clone(),
            })
            .collect();
        self.client
            .send(Call::post(self.path(robot)).json(&body))
            .await
            .map(drop)
    }

    /// Removes every entry (repeatable).
    pub async fn clear(&self, robot: &str) -> Result<(), QuayError> {
        self.client
            .send(Call::delete(self.path(robot)))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_from_quays_answer() {
        let list: Vec<FederationWire> = serde_json::from_str(
            r#"[{"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:a"}]"#,
        )
        .unwrap();
        assert_eq!(
            list[0].issuer,
            "https://token.actions.githubusercontent.com"
        );
        assert_eq!(list[0].subject, "repo:a");
    }
}
