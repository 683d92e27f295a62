//! Writes of auto-prune policies.

use super::{create_once, Context};
use crate::model::AutoPrunePolicy;
use crate::plan::{AutoPruneOp, KindOp};
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &AutoPruneOp) -> Result<(), QuayError> {
    let policies = cx.client.auto_prune(cx.org, op.repository());
    match op {
        AutoPruneOp::CreateAutoPrunePolicy { policy, .. } => {
            create_once(
                || async { policies.create(policy).await.map(drop) },
                // After an ambiguous failure, a policy with this tuple means it happened.
                || async {
                    let held = policies.list().await?.unwrap_or_default();
                    Ok(held.iter().any(|p| p.key() == policy.key()))
                },
                // Quay 3.13+ refuses an identical policy: the first attempt happened.
                crate::quay::AutoPrune::is_duplicate,
            )
            .await
        }
        AutoPruneOp::ReplaceAutoPrunePolicy { from, to, .. } => {
            policies.replace(uuid(cx, op, from)?, to).await
        }
        AutoPruneOp::DeleteAutoPrunePolicy { policy, .. } => {
            policies.delete(uuid(cx, op, policy)?).await
        }
    }
}

/// Quay's uuid of a policy read from it (the planner only changes those).
fn uuid<'p>(
    cx: &Context<'_>,
    op: &AutoPruneOp,
    policy: &'p AutoPrunePolicy,
) -> Result<&'p str, QuayError> {
    policy.uuid.as_deref().ok_or_else(|| {
        cx.client.error(format!(
            "cannot change an auto-prune policy without its Quay uuid ({})",
            op.describe(cx.org)
        ))
    })
}
