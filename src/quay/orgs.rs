//! Organizations: `/api/v1/organization/…`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::TeamRole;

/// `GET /api/v1/organization/{org}`. `teams` is present only for members whose token has
/// `org:admin` or `repo:create` (quay-api.md §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgView {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub teams: Option<BTreeMap<String, OrgTeamView>>,
    /// The time machine in seconds (admins only).
    #[serde(default)]
    pub tag_expiration_s: Option<u64>,
}

/// A team as listed in the organization view.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgTeamView {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub role: TeamRole,
    #[serde(default)]
    pub is_synced: bool,
    /// How many repository permissions the team holds (Quay counts the rows, stale ones of
    /// deleted repositories included). `None` when Quay does not say.
    #[serde(default)]
    pub repo_count: Option<u64>,
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
    pub async fn get(&self) -> Result<Option<OrgView>, QuayError> {
        match self.client.send(Call::get(paths::org(self.org))).await {
            Ok(answer) => answer.json().map(Some),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
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
