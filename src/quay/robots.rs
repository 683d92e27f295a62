//! Robot accounts: `/api/v1/organization/{org}/robots…`.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;

/// Quay's 400 text for a robot that does not exist.
const ROBOT_NOT_FOUND: &str = "Could not find robot";

/// A robot as Quay lists it (`name` is the full `org+short` name). Tokens are never asked for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RobotView {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct RobotList {
    robots: Vec<RobotView>,
}

#[derive(Serialize)]
struct CreateRobot<'a> {
    description: &'a str,
}

pub struct Robots<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn robots<'c>(&'c self, org: &'c str) -> Robots<'c> {
        Robots { client: self, org }
    }
}

impl Robots<'_> {
    /// Whether a create failed because the robot exists.
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("Existing robot with name")
    }

    fn path(&self, short: &str) -> String {
        format!("{}/robots/{}", paths::org(self.org), paths::seg(short))
    }

    /// Every robot of the organization, without tokens (`?token=false`: the default answer
    /// carries every robot's secret).
    pub async fn list(&self) -> Result<Vec<RobotView>, QuayError> {
        let call = Call::get(format!("{}/robots", paths::org(self.org))).query("token", "false");
        let list: RobotList = self.client.send(call).await?.json()?;
        Ok(list.robots)
    }

    /// `None` when the robot does not exist (Quay says so with a 400, not a 404).
    pub async fn get(&self, short: &str) -> Result<Option<RobotView>, QuayError> {
        match self.client.send(Call::get(self.path(short))).await {
            Ok(answer) => answer.json().map(Some),
            Err(err) if err.is_400_saying(ROBOT_NOT_FOUND) || err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Creates a robot. Quay's PUT only creates (a second one answers 400), so it is treated as
    /// not repeatable.
    pub async fn create(&self, short: &str, description: &str) -> Result<(), QuayError> {
        let call = Call::put(self.path(short))
            .json(&CreateRobot { description })
            .idempotent(false);
        self.client.send(call).await.map(drop)
    }

    /// Deletes the robot; one that is already gone is not an error.
    pub async fn delete(&self, short: &str) -> Result<(), QuayError> {
        let result = self.client.send(Call::delete(self.path(short))).await;
        QuayError::gone_is_done(result.map(drop), ROBOT_NOT_FOUND)
    }
}
