//! Superuser endpoints (`super:user` scope and a superuser).

use serde::Deserialize;

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::pages::Page;
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

impl Page for OrgPage {
    type Item = OrgEntry;
    fn into_parts(self) -> (Vec<OrgEntry>, Option<String>) {
        (self.organizations, self.next_page)
    }
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
        let first = || Call::get("/api/v1/superuser/organizations/".into()).query("limit", "100");
        let orgs = self
            .client
            .all_pages::<OrgPage>(first, |org| &org.name)
            .await?;
        Ok(orgs.into_iter().map(|org| org.name).collect())
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
