//! Superuser endpoints (`super:user` scope and a superuser).

use std::collections::BTreeSet;

use serde::Deserialize;

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;

#[derive(Deserialize)]
struct OrgPage {
    #[serde(default)]
    organizations: Vec<OrgEntry>,
    #[serde(default)]
    next_page: Option<String>,
}

#[derive(Deserialize)]
struct OrgEntry {
    name: String,
}

pub struct Superuser<'c> {
    client: &'c QuayClient,
}

impl QuayClient {
    pub fn superuser(&self) -> Superuser<'_> {
        Superuser { client: self }
    }
}

impl Superuser<'_> {
    /// Every organization of the instance, 100 per page; stops when there is no `next_page`
    /// or a page repeats (an undecryptable token restarts at page 1).
    pub async fn list_organizations(&self) -> Result<Vec<String>, QuayError> {
        let mut names = Vec::new();
        let mut seen = BTreeSet::new();
        let mut tokens = BTreeSet::new();
        let mut next: Option<String> = None;
        loop {
            let mut call =
                Call::get("/api/v1/superuser/organizations/".into()).query("limit", "100");
            if let Some(token) = &next {
                call = call.query("next_page", token.clone());
            }
            let page: OrgPage = self.client.send(call).await?.json()?;
            let mut fresh = false;
            for org in page.organizations {
                if seen.insert(org.name.clone()) {
                    fresh = true;
                    names.push(org.name);
                }
            }
            match page.next_page {
                Some(token) if fresh && tokens.insert(token.clone()) => next = Some(token),
                _ => return Ok(names),
            }
        }
    }

    /// Deletes an organization as a superuser (works without full access).
    pub async fn delete_organization(&self, name: &str) -> Result<(), QuayError> {
        let call = Call::delete(format!(
            "/api/v1/superuser/organizations/{}",
            paths::seg(name)
        ));
        self.client.send(call).await.map(drop)
    }
}
