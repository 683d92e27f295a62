//! Teams: `/api/v1/organization/{org}/team/{team}…`. Teams are listed by the organization view.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{Role, TeamRole};

/// The answer to a team PUT.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamView {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub role: TeamRole,
    #[serde(default)]
    pub new_team: Option<bool>,
}

/// `GET …/team/{team}/members?includePending=true`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamMembersView {
    pub name: String,
    #[serde(default)]
    pub members: Vec<MemberEntry>,
    /// Present when team syncing is on and the team is synced.
    #[serde(default)]
    pub synced: Option<SyncedView>,
}

/// A member, a robot (`is_robot`) or a pending invite (`invited`; e-mail invites have `email`
/// and no `name`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MemberEntry {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub is_robot: bool,
    #[serde(default)]
    pub invited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SyncedView {
    #[serde(default)]
    pub service: Option<String>,
    /// Visible to superusers (or with non-superuser sync setup).
    #[serde(default)]
    pub config: Option<SyncConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SyncConfig {
    #[serde(default)]
    pub group_dn: Option<String>,
}

impl SyncedView {
    pub fn group_dn(&self) -> Option<&str> {
        self.config.as_ref()?.group_dn.as_deref()
    }
}

/// The answer to a member PUT: `invited: true` means Quay sent an invitation instead.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MemberView {
    pub name: String,
    #[serde(default)]
    pub is_robot: bool,
    #[serde(default)]
    pub invited: bool,
}

/// One entry of `GET …/team/{team}/permissions`: a repository of the organization (its name
/// without the namespace) and the team's role on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamRepoPermission {
    pub repository: TeamRepoName,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamRepoName {
    pub name: String,
}

#[derive(Deserialize)]
struct TeamPermissionList {
    #[serde(default)]
    permissions: Vec<TeamRepoPermission>,
}

#[derive(Serialize)]
struct PutTeam<'a> {
    role: TeamRole,
    description: &'a str,
}

#[derive(Serialize)]
struct EnableSync<'a> {
    group_dn: &'a str,
}

pub struct Teams<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn teams<'c>(&'c self, org: &'c str) -> Teams<'c> {
        Teams { client: self, org }
    }
}

impl Teams<'_> {
    /// Whether a member add failed because the member is in the team already.
    pub fn is_already_member(err: &QuayError) -> bool {
        err.is_400_saying("is already a member of team")
    }

    fn path(&self, team: &str) -> String {
        format!("{}/team/{}", paths::org(self.org), paths::seg(team))
    }

    /// Creates the team or sets its role and description (Quay's PUT is an upsert).
    pub async fn put(
        &self,
        team: &str,
        role: TeamRole,
        description: &str,
    ) -> Result<TeamView, QuayError> {
        let call = Call::put(self.path(team)).json(&PutTeam { role, description });
        self.client.send(call).await?.json()
    }

    /// Deletes the team; one that is already gone is not an error.
    pub async fn delete(&self, team: &str) -> Result<(), QuayError> {
        let result = self.client.send(Call::delete(self.path(team))).await;
        QuayError::gone_is_done(result.map(drop), "is not a team")
    }

    /// Members with pending invitations; `None` when the team does not exist.
    pub async fn members(&self, team: &str) -> Result<Option<TeamMembersView>, QuayError> {
        let call =
            Call::get(format!("{}/members", self.path(team))).query("includePending", "true");
        match self.client.send(call).await {
            Ok(answer) => answer.json().map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every repository permission of the team, in one request (`team.py` `TeamPermissions`:
    /// org admins and superusers; Quay's stale rows of deleted repositories included, so the
    /// caller keeps only names of its repository list). `None` when the team does not exist.
    pub async fn permissions(
        &self,
        team: &str,
    ) -> Result<Option<Vec<TeamRepoPermission>>, QuayError> {
        let call = Call::get(format!("{}/permissions", self.path(team)));
        match self.client.send(call).await {
            Ok(answer) => answer
                .json::<TeamPermissionList>()
                .map(|list| Some(list.permissions)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Adds a user or robot (`member` is a user name or a full `org+short` robot name). A
    /// repeated PUT answers 400 or invites again, so it is treated as not repeatable.
    pub async fn add_member(&self, team: &str, member: &str) -> Result<MemberView, QuayError> {
        let call = Call::put(format!(
            "{}/members/{}",
            self.path(team),
            paths::seg(member)
        ))
        .idempotent(false);
        self.client.send(call).await?.json()
    }

    /// Removes a member; one that is no longer in the team is not an error.
    pub async fn remove_member(&self, team: &str, member: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!(
            "{}/members/{}",
            self.path(team),
            paths::seg(member)
        ));
        let result = self.client.send(call).await.map(drop);
        QuayError::gone_is_done(result, "does not belong to team")
    }

    /// Starts synchronising the team from an LDAP group.
    pub async fn enable_sync(&self, team: &str, group_dn: &str) -> Result<(), QuayError> {
        let call =
            Call::post(format!("{}/syncing", self.path(team))).json(&EnableSync { group_dn });
        self.client.send(call).await.map(drop)
    }

    pub async fn disable_sync(&self, team: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!("{}/syncing", self.path(team)));
        self.client.send(call).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_with_robots_invites_and_sync() {
        let json = r#"{"name": "devs", "can_edit": true, "members": [
            {"name": "alice", "kind": "user", "is_robot": false, "avatar": {}, "invited": false},
            {"name": "acme+ci", "kind": "user", "is_robot": true, "avatar": {}, "invited": false},
            {"name": "bob", "kind": "user", "is_robot": false, "avatar": {}, "invited": true},
            {"email": "carol@example.com", "kind": "invite", "avatar": {}, "invited": true}],
          "synced": {"service": "ldap", "last_updated": null, "config": {"group_dn": "cn=devs"}}}"#;
        let view: TeamMembersView = serde_json::from_str(json).unwrap();
        assert_eq!(view.members.len(), 4);
        assert!(view.members[1].is_robot);
        assert!(view.members[2].invited);
        assert_eq!(view.members[3].name, None);
        assert_eq!(view.synced.unwrap().group_dn(), Some("cn=devs"));
    }

    #[test]
    fn team_permissions_from_quay_example() {
        let json = r#"{"permissions": [
            {"repository": {"name": "nested/demorepo", "is_public": false}, "role": "write"},
            {"repository": {"name": "app", "is_public": true}, "role": "admin"}]}"#;
        let list: TeamPermissionList = serde_json::from_str(json).unwrap();
        assert_eq!(list.permissions.len(), 2);
        assert_eq!(list.permissions[0].repository.name, "nested/demorepo");
        assert_eq!(list.permissions[0].role, Role::Write);
        assert_eq!(list.permissions[1].role, Role::Admin);
    }
}
