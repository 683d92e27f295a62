//! Writes of the organization's quota and its limits.

use super::{create_once, Context};
use crate::plan::QuotaOp;
use crate::quay::{OrgQuota, QuayError};

pub(super) async fn execute(cx: &Context<'_>, op: &QuotaOp) -> Result<(), QuayError> {
    let quota = cx.client.quota(cx.org);
    match op {
        QuotaOp::CreateQuota { limit_bytes } => {
            create_once(
                || quota.create(*limit_bytes),
                || async { Ok(quota.get().await?.is_some()) },
                OrgQuota::is_duplicate,
            )
            .await
        }
        QuotaOp::ResizeQuota { id, to, .. } => quota.resize(*id, *to).await,
        QuotaOp::CreateQuotaLimit { quota_id, limit } => {
            let id = match quota_id {
                Some(id) => *id,
                // Created earlier in this run: Quay's answer to the create has no id.
                None => quota.get().await?.and_then(|q| q.id).ok_or_else(|| {
                    cx.client.error(format!(
                        "organization {}: the quota is not there to add the limit {} at {}% to",
                        cx.org, limit.kind, limit.threshold_percent
                    ))
                })?,
            };
            create_once(
                || quota.create_limit(id, limit),
                || async {
                    let held = quota.get().await?;
                    Ok(held.is_some_and(|q| q.limits.iter().any(|l| l.key() == limit.key())))
                },
                OrgQuota::is_duplicate_limit,
            )
            .await
        }
        QuotaOp::DeleteQuotaLimit { quota_id, limit } => {
            let limit_id = limit.id.ok_or_else(|| {
                cx.client.error(format!(
                    "organization {}: cannot remove the quota limit {} at {}% without its Quay id",
                    cx.org, limit.kind, limit.threshold_percent
                ))
            })?;
            quota.delete_limit(*quota_id, limit_id).await
        }
    }
}
