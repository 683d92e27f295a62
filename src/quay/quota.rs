//! Organization quotas: `/api/v1/organization/{org}/quota[/{id}[/limit[/{lid}]]]`
//! (`endpoints/api/namespacequota.py`). Registered only with `FEATURE_QUOTA_MANAGEMENT` (and
//! `FEATURE_EDIT_QUOTA`): without it every path is a 404. One quota per organization, any
//! number of limits; sizes travel as `limit_bytes`. Writes need a superuser (from Quay 3.16 one
//! with `FEATURE_SUPERUSERS_FULL_ACCESS`).
//!
//! The wire types stay in this module: callers see [`Quota`] and [`QuotaLimit`]. Quay's request
//! key `threshold_percent` comes back as `limit_percent`, and types as `Warning`/`Reject`.

use serde::{Deserialize, Serialize};

use super::client::{Call, QuayClient};
use super::error::QuayError;
use super::paths;
use crate::model::{Quota, QuotaLimit, QuotaLimitKind};

#[derive(Deserialize)]
struct QuotaView {
    /// `null` for the system default shown to organizations without a quota of their own.
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    limit_bytes: Option<u64>,
    #[serde(default)]
    limits: Vec<LimitView>,
}

#[derive(Deserialize)]
struct LimitView {
    id: u64,
    #[serde(rename = "type")]
    kind: String,
    limit_percent: i64,
}

#[derive(Serialize)]
struct SizeBody {
    limit_bytes: u64,
}

#[derive(Serialize)]
struct LimitBody {
    #[serde(rename = "type")]
    kind: &'static str,
    threshold_percent: u8,
}

pub struct OrgQuota<'c> {
    client: &'c QuayClient,
    org: &'c str,
}

impl QuayClient {
    pub fn quota<'c>(&'c self, org: &'c str) -> OrgQuota<'c> {
        OrgQuota { client: self, org }
    }
}

fn wire_kind(kind: QuotaLimitKind) -> &'static str {
    match kind {
        QuotaLimitKind::Warning => "Warning",
        QuotaLimitKind::Reject => "Reject",
    }
}

impl OrgQuota<'_> {
    fn base(&self) -> String {
        format!("{}/quota", paths::org(self.org))
    }

    fn item(&self, id: u64) -> String {
        format!("{}/{id}", self.base())
    }

    /// Whether a create failed because the quota is there already.
    pub fn is_duplicate(err: &QuayError) -> bool {
        err.is_400_saying("already exists")
    }

    /// The organization's own quota with its limits; `None` when it has none (the system
    /// default Quay may show has no id), when the organization does not exist or when quota
    /// management is off (404, or the catch-all's 308). A limit of a type this mqc does not know is left out
    /// with a warning.
    pub async fn get(&self) -> Result<Option<Quota>, QuayError> {
        let list: Vec<QuotaView> = match self.client.send(Call::get(self.base())).await {
            Ok(answer) => answer.json()?,
            Err(err) if err.is_not_found() => return Ok(None),
            // Quota management off: the route is not registered, and Quay's web catch-all
            // redirects the GET (308) or answers 404.
            Err(QuayError::Api { status: 308, .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
        let Some((id, view)) = list.iter().find_map(|v| v.id.map(|id| (id, v))) else {
            return Ok(None);
        };
        let mut limits = Vec::with_capacity(view.limits.len());
        for limit in &view.limits {
            let kind = match limit.kind.to_ascii_lowercase().as_str() {
                "warning" => Some(QuotaLimitKind::Warning),
                "reject" => Some(QuotaLimitKind::Reject),
                _ => None,
            };
            match (kind, u8::try_from(limit.limit_percent)) {
                (Some(kind), Ok(threshold_percent)) => limits.push(QuotaLimit {
                    kind,
                    threshold_percent,
                    id: Some(limit.id),
                }),
                _ => tracing::warn!(
                    target: "mqc::quay",
                    "{}: GET {}: organization {}: quota limit {} ({} at {}%) left alone: unknown to this mqc",
                    self.client.endpoint_name(),
                    self.base(),
                    self.org,
                    limit.id,
                    limit.kind,
                    limit.limit_percent,
                ),
            }
        }
        Ok(Some(Quota {
            limit_bytes: view.limit_bytes.unwrap_or(0),
            limits,
            id: Some(id),
        }))
    }

    /// Creates the quota (not repeatable: a second create is refused).
    pub async fn create(&self, limit_bytes: u64) -> Result<(), QuayError> {
        self.client
            .send(Call::post(self.base()).json(&SizeBody { limit_bytes }))
            .await
            .map(drop)
    }

    /// Resizes the quota `id` (repeatable).
    pub async fn resize(&self, id: u64, limit_bytes: u64) -> Result<(), QuayError> {
        self.client
            .send(Call::put(self.item(id)).json(&SizeBody { limit_bytes }))
            .await
            .map(drop)
    }

    /// Adds a limit to the quota `id` (not repeatable: Quay refuses the same type and percent
    /// twice).
    pub async fn create_limit(&self, id: u64, limit: &QuotaLimit) -> Result<(), QuayError> {
        let body = LimitBody {
            kind: wire_kind(limit.kind),
            threshold_percent: limit.threshold_percent,
        };
        self.client
            .send(Call::post(format!("{}/limit", self.item(id))).json(&body))
            .await
            .map(drop)
    }

    /// Whether a limit create failed because the same type and percent exist.
    pub fn is_duplicate_limit(err: &QuayError) -> bool {
        err.is_400_saying("Quota limit already exists")
    }

    /// Deletes the limit `limit_id` of the quota `id`; one already gone is not an error.
    pub async fn delete_limit(&self, id: u64, limit_id: u64) -> Result<(), QuayError> {
        let path = format!("{}/limit/{limit_id}", self.item(id));
        self.client.delete_by_id(path).await
    }
}
