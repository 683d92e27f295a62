//! Robot accounts: `/api/v1/organization/{org}/robots…`. The wire types stay in this module:
//! callers see [`Robot`]s keyed by short name.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::Robot;

/// Quay's 400 text for a robot that does not exist.
const ROBOT_NOT_FOUND: &str = "Could not find robot";

/// A robot as Quay lists it (`name` is the full `org+short` name). Tokens are never asked for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct RobotView {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

impl RobotView {
    fn robot(&self) -> Robot {
        Robot {
            description: self.description.clone().unwrap_or_default(),
        }
    }
}

/// The robots of `org`, by short name (`org+short` → `short`).
fn robots_from_list(org: &str, robots: &[RobotView]) -> BTreeMap<String, Robot> {
    robots
        .iter()
        .filter_map(|robot| {
            let short = paths::robot_short_name(org, &robot.name)?;
            Some((short.to_string(), robot.robot()))
        })
        .collect()
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
    /// Keyed by short name.
    pub async fn list(&self) -> Result<BTreeMap<String, Robot>, QuayError> {
        let call = Call::get(format!("{}/robots", paths::org(self.org))).query("token", "false");
        let list: RobotList = self.client.send(call).await?.json()?;
        Ok(robots_from_list(self.org, &list.robots))
    }

    /// `None` when the robot does not exist (Quay says so with a 400, not a 404).
    pub async fn get(&self, short: &str) -> Result<Option<Robot>, QuayError> {
        match self.client.send(Call::get(self.path(short))).await {
            Ok(answer) => answer.json::<RobotView>().map(|view| Some(view.robot())),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_keep_short_names_of_this_org_only() {
        let robots: Vec<RobotView> = serde_json::from_str(
            r#"[{"name": "exampleorg+ci", "created": "x", "last_accessed": null, "description": "CI pusher"},
                {"name": "exampleorg+bare", "description": null}]"#,
        )
        .unwrap();
        let model = robots_from_list("exampleorg", &robots);
        assert_eq!(model["ci"].description, "CI pusher");
        assert_eq!(model["bare"].description, "");
        assert_eq!(model.len(), 2);
    }
}
