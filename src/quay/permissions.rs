//! Repository permissions: `/api/v1/repository/{org}/{repo}/permissions/{user,team}/…`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::Role;

/// Quay's 400 text for revoking a permission that is not there.
const NO_PERMISSION: &str = "does not have permission";

/// A user or robot permission (`name` is the full `org+short` name for robots).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserPermissionView {
    pub role: Role,
    pub name: String,
    #[serde(default)]
    pub is_robot: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamPermissionView {
    pub role: Role,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct PermissionMap<T> {
    #[serde(default = "BTreeMap::new")]
    permissions: BTreeMap<String, T>,
}

#[derive(Serialize)]
struct SetRole {
    role: Role,
}

pub struct Permissions<'c> {
    client: &'c QuayClient,
    org: &'c str,
    repo: &'c str,
}

impl QuayClient {
    pub fn permissions<'c>(&'c self, org: &'c str, repo: &'c str) -> Permissions<'c> {
        Permissions {
            client: self,
            org,
            repo,
        }
    }
}

impl Permissions<'_> {
    fn base(&self, kind: &str) -> String {
        format!("{}/permissions/{kind}/", paths::repo(self.org, self.repo))
    }

    /// User and robot permissions, keyed by name (trailing slash required).
    pub async fn users(&self) -> Result<BTreeMap<String, UserPermissionView>, QuayError> {
        let map: PermissionMap<UserPermissionView> = self
            .client
            .send(Call::get(self.base("user")))
            .await?
            .json()?;
        Ok(map.permissions)
    }

    /// Team permissions, keyed by team name.
    pub async fn teams(&self) -> Result<BTreeMap<String, TeamPermissionView>, QuayError> {
        let map: PermissionMap<TeamPermissionView> = self
            .client
            .send(Call::get(self.base("team")))
            .await?
            .json()?;
        Ok(map.permissions)
    }

    /// Grants or changes a user's or robot's role (`name` is a user or a full robot name).
    pub async fn set_user(&self, name: &str, role: Role) -> Result<(), QuayError> {
        let call =
            Call::put(format!("{}{}", self.base("user"), paths::seg(name))).json(&SetRole { role });
        self.client.send(call).await.map(drop)
    }

    /// Revokes a user's or robot's permission; one that is already gone is not an error.
    pub async fn revoke_user(&self, name: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!("{}{}", self.base("user"), paths::seg(name)));
        QuayError::gone_is_done(self.client.send(call).await.map(drop), NO_PERMISSION)
    }

    pub async fn set_team(&self, team: &str, role: Role) -> Result<(), QuayError> {
        let call =
            Call::put(format!("{}{}", self.base("team"), paths::seg(team))).json(&SetRole { role });
        self.client.send(call).await.map(drop)
    }

    /// Revokes a team's permission; one that is already gone is not an error.
    pub async fn revoke_team(&self, team: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!("{}{}", self.base("team"), paths::seg(team)));
        QuayError::gone_is_done(self.client.send(call).await.map(drop), NO_PERMISSION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_permission_map_from_quay_example() {
        let json = r#"{"permissions": {
          "mqc-admin":      {"role": "admin", "name": "mqc-admin", "is_robot": false, "avatar": {}, "is_org_member": true},
          "exampleorg+ci":  {"role": "write", "name": "exampleorg+ci", "is_robot": true, "avatar": {"kind": "robot"}, "is_org_member": true}}}"#;
        let map: PermissionMap<UserPermissionView> = serde_json::from_str(json).unwrap();
        assert_eq!(map.permissions["exampleorg+ci"].role, Role::Write);
        assert!(map.permissions["exampleorg+ci"].is_robot);
    }
}
