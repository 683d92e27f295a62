//! Repository permissions: `/api/v1/repository/{org}/{repo}/permissions/{user,team}/…`. The
//! wire types stay in this module: callers see [`Role`]s by name. A permission whose role this
//! mqc does not know is left out with a warning (mqc neither reads nor changes it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::lenient::{warn_left_out, Lenient};
use super::paths;
use crate::model::Role;

/// Quay's 400 text for revoking a permission that is not there.
const NO_PERMISSION: &str = "does not have permission";

/// A user or robot permission (`name` is the full `org+short` name for robots).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct UserPermissionView {
    role: Lenient<Role>,
    #[serde(default)]
    is_robot: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct TeamPermissionView {
    role: Lenient<Role>,
}

/// The user and robot permissions of a repository: users by name (a robot of another
/// namespace stays a user by its full name), robots of `org` by short name.
pub type UserGrants = (BTreeMap<String, Role>, BTreeMap<String, Role>);

fn user_permissions_from_map(
    org: &str,
    map: BTreeMap<String, UserPermissionView>,
    mut unknown: impl FnMut(&str, String),
) -> UserGrants {
    let mut users = BTreeMap::new();
    let mut robots = BTreeMap::new();
    for (name, view) in map {
        let role = match view.role.known() {
            Ok(role) => role,
            Err(odd) => {
                unknown(&name, odd);
                continue;
            }
        };
        match paths::robot_short_name(org, &name).filter(|_| view.is_robot) {
            Some(short) => robots.insert(short.to_string(), role),
            None => users.insert(name, role),
        };
    }
    (users, robots)
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

    /// User and robot permissions (trailing slash required).
    pub async fn users(&self) -> Result<UserGrants, QuayError> {
        let path = self.base("user");
        let map: PermissionMap<UserPermissionView> =
            self.client.send(Call::get(path.clone())).await?.json()?;
        Ok(user_permissions_from_map(
            self.org,
            map.permissions,
            |name, odd| self.left_out(&path, &format!("permission of {name}"), &odd),
        ))
    }

    /// Team permissions, keyed by team name.
    pub async fn teams(&self) -> Result<BTreeMap<String, Role>, QuayError> {
        let path = self.base("team");
        let map: PermissionMap<TeamPermissionView> =
            self.client.send(Call::get(path.clone())).await?.json()?;
        let mut teams = BTreeMap::new();
        for (name, view) in map.permissions {
            match view.role.known() {
                Ok(role) => {
                    teams.insert(name, role);
                }
                Err(odd) => self.left_out(&path, &format!("permission of team {name}"), &odd),
            }
        }
        Ok(teams)
    }

    fn left_out(&self, path: &str, object: &str, odd: &str) {
        warn_left_out(
            self.client,
            path,
            self.org,
            &format!("repository {}: {object}", self.repo),
            &format!("role `{odd}`"),
        );
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

    #[test]
    fn user_permissions_split_users_and_robots() {
        let map: BTreeMap<String, UserPermissionView> = serde_json::from_str(
            r#"{"mqc-admin": {"role": "admin", "name": "mqc-admin", "is_robot": false, "avatar": {}, "is_org_member": true},
                "exampleorg+ci": {"role": "write", "name": "exampleorg+ci", "is_robot": true, "avatar": {}, "is_org_member": true}}"#,
        )
        .unwrap();
        let (users, robots) = user_permissions_from_map("exampleorg", map, |_, _| {});
        assert_eq!(
            users,
            BTreeMap::from([("mqc-admin".to_string(), Role::Admin)])
        );
        assert_eq!(robots, BTreeMap::from([("ci".to_string(), Role::Write)]));
    }
}
