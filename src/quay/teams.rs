//! Teams: `/api/v1/organization/{org}/team/{team}…`. Teams are listed by the organization view.
//! The wire types stay in this module: callers see model types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::lenient::{warn_left_out, Lenient};
use super::paths;
use crate::model::{Role, TeamMembers, TeamRole, TeamSync};

/// `GET …/team/{team}/members?includePending=true`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct TeamMembersView {
    #[serde(default)]
    members: Vec<MemberEntry>,
    /// Present when team syncing is on and the team is synced.
    #[serde(default)]
    synced: Option<SyncedView>,
}

/// A member, a robot (`is_robot`) or a pending invite (`invited`; e-mail invites have `email`
/// and no `name`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct MemberEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_robot: bool,
    #[serde(default)]
    invited: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct SyncedView {
    /// `ldap`, `oidc`, `keystone`, … (`synced.service`).
    #[serde(default)]
    service: Option<String>,
    /// The sync POST body as Quay stored it. Visible to superusers (or with non-superuser
    /// sync setup).
    #[serde(default)]
    config: Option<serde_json::Value>,
}

impl SyncedView {
    /// The config in the model: LDAP's `group_dn`, OIDC's `group_name` (the key decides, as
    /// the body is stored verbatim), else the config as it is. `None` when Quay hides it.
    fn sync(&self) -> Option<TeamSync> {
        let config = self.config.as_ref().filter(|c| !c.is_null())?;
        let text = |key: &str| config.get(key)?.as_str().map(str::to_string);
        let is_only =
            |key: &str| config.as_object().is_some_and(|o| o.len() == 1) && text(key).is_some();
        Some(if is_only("group_dn") {
            TeamSync::Ldap {
                group_dn: text("group_dn")?,
            }
        } else if is_only("group_name") {
            TeamSync::Oidc {
                group_name: text("group_name")?,
            }
        } else {
            TeamSync::Other {
                service: self.service.clone(),
                config: config.to_string(),
            }
        })
    }
}

/// A team's membership as mqc reads it (not a wire type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamMembership {
    pub members: TeamMembers,
    /// What the team is synchronised from, when Quay shows it.
    pub sync: Option<TeamSync>,
}

/// Members, robots and pending invites of a team, and the LDAP group it is synced from.
/// A robot of another namespace is kept under `users` by its full name.
fn membership_from_view(org: &str, view: &TeamMembersView) -> TeamMembership {
    let mut members = TeamMembers::default();
    for entry in &view.members {
        let Some(name) = &entry.name else {
            continue; // an invitation sent to an e-mail address: not a user mqc can name
        };
        if entry.invited {
            members.invited_users.insert(name.clone());
        } else if entry.is_robot {
            match paths::robot_short_name(org, name) {
                Some(short) => members.robots.insert(short.to_string()),
                None => members.users.insert(name.clone()),
            };
        } else {
            members.users.insert(name.clone());
        }
    }
    let sync = view.synced.as_ref().and_then(SyncedView::sync);
    TeamMembership { members, sync }
}

/// One entry of `GET …/team/{team}/permissions`: a repository of the organization (its name
/// without the namespace) and the team's role on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct TeamRepoPermission {
    repository: TeamRepoName,
    role: Lenient<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct TeamRepoName {
    name: String,
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
    ) -> Result<(), QuayError> {
        let call = Call::put(self.path(team)).json(&PutTeam { role, description });
        self.client.send(call).await.map(drop)
    }

    /// Deletes the team; one that is already gone is not an error.
    pub async fn delete(&self, team: &str) -> Result<(), QuayError> {
        let result = self.client.send(Call::delete(self.path(team))).await;
        QuayError::gone_is_done(result.map(drop), "is not a team")
    }

    async fn members_view(&self, team: &str) -> Result<Option<TeamMembersView>, QuayError> {
        let call =
            Call::get(format!("{}/members", self.path(team))).query("includePending", "true");
        match self.client.send(call).await {
            Ok(answer) => answer.json().map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Members with pending invitations; `None` when the team does not exist.
    pub async fn members(&self, team: &str) -> Result<Option<TeamMembership>, QuayError> {
        let view = self.members_view(team).await?;
        Ok(view.map(|view| membership_from_view(self.org, &view)))
    }

    /// Whether `member` (a user name or a full `org+short` robot name) is in the team or has
    /// a pending invitation to it; `false` when the team does not exist.
    pub async fn has_member(&self, team: &str, member: &str) -> Result<bool, QuayError> {
        let view = self.members_view(team).await?;
        Ok(view.is_some_and(|view| {
            view.members
                .iter()
                .any(|entry| entry.name.as_deref() == Some(member))
        }))
    }

    /// Every repository permission of the team, in one request (`team.py` `TeamPermissions`:
    /// org admins and superusers; Quay's stale rows of deleted repositories included, so the
    /// caller keeps only names of its repository list). `None` when the team does not exist.
    /// Keyed by repository name; an entry whose role this mqc does not know is left out with a
    /// warning.
    pub async fn permissions(
        &self,
        team: &str,
    ) -> Result<Option<BTreeMap<String, Role>>, QuayError> {
        let path = format!("{}/permissions", self.path(team));
        let list: TeamPermissionList = match self.client.send(Call::get(path.clone())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut grants = BTreeMap::new();
        for entry in list.permissions {
            match entry.role.known() {
                Ok(role) => {
                    grants.insert(entry.repository.name, role);
                }
                Err(odd) => warn_left_out(
                    self.client,
                    &path,
                    self.org,
                    &format!(
                        "repository {}: permission of team {team}",
                        entry.repository.name
                    ),
                    &format!("role `{odd}`"),
                ),
            }
        }
        Ok(Some(grants))
    }

    /// Adds a user or robot (`member` is a user name or a full `org+short` robot name). A
    /// repeated PUT answers 400 or invites again, so it is treated as not repeatable.
    /// Quay's answer may say it invited the user instead: that is success too.
    pub async fn add_member(&self, team: &str, member: &str) -> Result<(), QuayError> {
        let call = Call::put(format!(
            "{}/members/{}",
            self.path(team),
            paths::seg(member)
        ))
        .idempotent(false);
        self.client.send(call).await.map(drop)
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

    /// Starts synchronising the team: from an LDAP group (`{"group_dn": …}`) or an OIDC group
    /// (`{"group_name": …}`; Quay then removes every user of the team at once).
    pub async fn enable_sync(&self, team: &str, sync: &TeamSync) -> Result<(), QuayError> {
        let body = match sync {
            TeamSync::Ldap { group_dn } => serde_json::json!({ "group_dn": group_dn }),
            TeamSync::Oidc { group_name } => serde_json::json!({ "group_name": group_name }),
            TeamSync::Other { config, .. } => {
                return Err(self.client.error(format!(
                    "team {}/{team}: mqc does not set up a team sync config like {config}",
                    self.org
                )))
            }
        };
        let call = Call::post(format!("{}/syncing", self.path(team))).json(&body);
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
    use std::collections::BTreeSet;

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
        assert_eq!(
            view.synced.unwrap().sync(),
            Some(TeamSync::Ldap {
                group_dn: "cn=devs".into()
            })
        );
    }

    #[test]
    fn sync_configs_by_their_key() {
        let synced = |json: &str| serde_json::from_str::<SyncedView>(json).unwrap().sync();
        assert_eq!(
            synced(r#"{"service": "oidc", "config": {"group_name": "acme-devs"}}"#),
            Some(TeamSync::Oidc {
                group_name: "acme-devs".into()
            })
        );
        assert_eq!(
            synced(r#"{"service": "keystone", "config": {"group_id": "42"}}"#),
            Some(TeamSync::Other {
                service: Some("keystone".into()),
                config: r#"{"group_id":"42"}"#.into()
            })
        );
        assert_eq!(
            synced(r#"{"service": "oidc", "config": {"group_name": "a", "x": 1}}"#),
            Some(TeamSync::Other {
                service: Some("oidc".into()),
                config: r#"{"group_name":"a","x":1}"#.into()
            }),
            "a body with more than the key is not what mqc sends"
        );
        assert_eq!(synced(r#"{"service": "oidc"}"#), None, "hidden config");
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

    #[test]
    fn team_members_split_users_robots_and_invites() {
        let view: TeamMembersView = serde_json::from_str(
            r#"{"name": "devs", "can_edit": true, "members": [
                {"name": "alice", "kind": "user", "is_robot": false, "invited": false},
                {"name": "o+ci", "kind": "user", "is_robot": true, "invited": false},
                {"name": "other+bot", "kind": "user", "is_robot": true, "invited": false},
                {"name": "bob", "kind": "user", "is_robot": false, "invited": true},
                {"email": "carol@example.com", "kind": "invite", "invited": true}],
              "synced": {"service": "ldap", "config": {"group_dn": "cn=devs,ou=groups"}}}"#,
        )
        .unwrap();
        let TeamMembership { members, sync } = membership_from_view("o", &view);
        assert_eq!(
            members.users,
            BTreeSet::from(["alice".to_string(), "other+bot".to_string()])
        );
        assert_eq!(members.robots, BTreeSet::from(["ci".to_string()]));
        assert_eq!(members.invited_users, BTreeSet::from(["bob".to_string()]));
        assert_eq!(
            sync,
            Some(TeamSync::Ldap {
                group_dn: "cn=devs,ou=groups".into()
            })
        );
    }
}
