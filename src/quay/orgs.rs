//! Organizations: `/api/v1/organization/…`. The wire types stay in this module: callers see
//! [`OrgSummary`], made of model types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::lenient::{warn_left_out, Lenient};
use super::paths;
use crate::model::{Team, TeamRole};

/// `GET /api/v1/organization/{org}`. `teams` is present only for members whose token has
/// `org:admin` or `repo:create` (quay-api.md §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct OrgView {
    /// Not used, but required: an answer without it is not an organization.
    #[serde(rename = "name")]
    _name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    teams: Option<BTreeMap<String, OrgTeamView>>,
    /// The time machine in seconds (shown to admins only).
    #[serde(default)]
    tag_expiration_s: Option<u64>,
}

/// A team as listed in the organization view.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct OrgTeamView {
    #[serde(default)]
    description: Option<String>,
    role: Lenient<TeamRole>,
    #[serde(default)]
    is_synced: bool,
    #[serde(default)]
    repo_count: Option<u64>,
}

/// What `GET /organization/{org}` tells mqc (not a wire type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummary {
    /// `None` when Quay shows none, or the placeholder it stores instead.
    pub email: Option<String>,
    /// `None` when Quay does not show the teams to this token (it must be an owner's, with
    /// `org:admin`). A team whose role this mqc does not know is left out with a warning.
    pub teams: Option<BTreeMap<String, OrgTeam>>,
    /// The time machine in seconds (`tag_expiration_s`); shown to admins only.
    pub tag_expiration_s: Option<u64>,
}

/// A team as the organization lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgTeam {
    /// Role and description; members and group are not in this answer (`None`).
    pub team: Team,
    /// Synchronised from a directory group (its members are then always read).
    pub synced: bool,
    /// How many repository permissions the team holds (Quay counts the rows, stale ones of
    /// deleted repositories included). `None` when Quay does not say.
    pub repo_count: Option<u64>,
}

/// Quay shows `""` for no email, and Quay ≤3.17 the raw UUID placeholder it stores instead.
fn real_email(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty() && !is_uuid(raw)).then(|| raw.to_string())
}

fn is_uuid(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[derive(Serialize)]
struct CreateOrg<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

#[derive(Serialize)]
struct UpdateOrg<'a> {
    email: &'a str,
}

/// One organization's endpoints.
pub struct Orgs<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn orgs<'c>(&'c self, org: &'c str) -> Orgs<'c> {
        Orgs { client: self, org }
    }
}

impl Orgs<'_> {
    /// Whether a create failed because the organization exists: Quay's answer, or the raw
    /// database error it sometimes returns when two creates race (quay-observed.md).
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("A user or organization with this name already exists")
            || err.is_400_saying("duplicate key value violates unique constraint")
    }

    /// `None` when the organization does not exist (404).
    pub async fn get(&self) -> Result<Option<OrgSummary>, QuayError> {
        let path = paths::org(self.org);
        let view: OrgView = match self.client.send(Call::get(path.clone())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            Err(err) => return Err(err),
        };
        let teams = view.teams.map(|teams| {
            let mut known = BTreeMap::new();
            for (name, team) in teams {
                match team.role.known() {
                    Ok(role) => {
                        let team = OrgTeam {
                            team: Team {
                                role,
                                description: team.description.unwrap_or_default(),
                                members: None,
                                sync: None,
                            },
                            synced: team.is_synced,
                            repo_count: team.repo_count,
                        };
                        known.insert(name, team);
                    }
                    Err(odd) => warn_left_out(
                        self.client,
                        &path,
                        self.org,
                        &format!("team {name}"),
                        &format!("role `{odd}`"),
                    ),
                }
            }
            known
        });
        Ok(Some(OrgSummary {
            email: view.email.as_deref().and_then(real_email),
            teams,
            tag_expiration_s: view.tag_expiration_s,
        }))
    }

    /// `POST /api/v1/organization/` (needs `user:admin`). Not repeatable: see
    /// [`QuayError::is_ambiguous`].
    pub async fn create(&self, email: Option<&str>) -> Result<(), QuayError> {
        let body = CreateOrg {
            name: self.org,
            email,
        };
        self.client
            .send(Call::post("/api/v1/organization/".into()).json(&body))
            .await
            .map(drop)
    }

    pub async fn update_email(&self, email: &str) -> Result<(), QuayError> {
        self.client
            .send(Call::put(paths::org(self.org)).json(&UpdateOrg { email }))
            .await
            .map(drop)
    }

    pub async fn delete(&self) -> Result<(), QuayError> {
        self.client
            .send(Call::delete(paths::org(self.org)))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_view_from_quay_example() {
        let json = r##"{
          "name": "exampleorg", "email": "ops@example.com",
          "avatar": {"name": "exampleorg", "hash": "9f", "color": "#969696", "kind": "user"},
          "is_admin": true, "is_member": true,
          "teams": {
            "owners": {"name": "owners", "description": "", "role": "admin", "avatar": {}, "can_view": true, "repo_count": 0, "member_count": 1, "is_synced": false},
            "devs":   {"name": "devs", "description": "Developers", "role": "member", "avatar": {}, "can_view": true, "repo_count": 3, "member_count": 2, "is_synced": false}
          },
          "ordered_teams": ["owners", "devs"],
          "invoice_email": false, "invoice_email_address": null, "tag_expiration_s": 1209600, "is_free_account": true
        }"##;
        let view: OrgView = serde_json::from_str(json).unwrap();
        let teams = view.teams.unwrap();
        assert_eq!(teams["devs"].role, TeamRole::Member);
        assert_eq!(teams["devs"].description.as_deref(), Some("Developers"));
        assert_eq!(teams["owners"].role, TeamRole::Admin);
        assert_eq!(teams["owners"].repo_count, Some(0));
        assert_eq!(teams["devs"].repo_count, Some(3));
    }

    #[test]
    fn emails_placeholders_and_blanks() {
        assert_eq!(
            real_email("ops@example.com").as_deref(),
            Some("ops@example.com")
        );
        assert_eq!(real_email(""), None);
        assert_eq!(real_email("5c3e9a1b-0d2f-4e6a-8b7c-9d0e1f2a3b4c"), None);
        assert!(!is_uuid("not-a-uuid"));
    }

    #[test]
    fn create_body_omits_missing_email() {
        let body = serde_json::to_value(CreateOrg {
            name: "acme",
            email: None,
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"name": "acme"}));
        let body = serde_json::to_value(CreateOrg {
            name: "acme",
            email: Some("a@b.c"),
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"name": "acme", "email": "a@b.c"}));
    }
}
