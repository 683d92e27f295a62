//! The organization's "time machine": `tag_expiration_s` of `GET`/`PUT
//! /api/v1/organization/{org}` (`endpoints/api/organization.py`), shown to org admins only.
//! Quay accepts only a value of its `TAG_EXPIRATION_OPTIONS` (else 400 `Invalid tag expiration
//! option`) and ignores it silently without `FEATURE_CHANGE_TAG_EXPIRATION`.
//!
//! It is read with the organization (`OrgView::tag_expiration_s`); this handler writes it.
//! The wire types stay in this module: callers give seconds.

use serde::Serialize;

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;

#[derive(Serialize)]
struct TagExpirationBody {
    tag_expiration_s: u64,
}

pub struct TagExpiration<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn tag_expiration<'c>(&'c self, org: &'c str) -> TagExpiration<'c> {
        TagExpiration { client: self, org }
    }
}

impl TagExpiration<'_> {
    /// Sets it (repeatable).
    pub async fn set(&self, seconds: u64) -> Result<(), QuayError> {
        let body = TagExpirationBody {
            tag_expiration_s: seconds,
        };
        self.client
            .send(Call::put(paths::org(self.org)).json(&body))
            .await
            .map(drop)
    }
}
