//! Writes of immutability policies.

use super::{create_once, Context};
use crate::model::ImmutabilityPolicy;
use crate::plan::{ImmutabilityOp, KindOp};
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &ImmutabilityOp) -> Result<(), QuayError> {
    let policies = cx.client.immutability(cx.org, op.repository());
    match op {
        ImmutabilityOp::CreateImmutabilityPolicy { policy, .. } => {
            create_once(
                || async { policies.create(policy).await.map(drop) },
                // After an ambiguous failure, a policy with this pattern and flag means it
                // happened.
                || async {
                    let held = policies.list().await?.unwrap_or_default();
                    Ok(held.iter().any(|p| p.key() == policy.key()))
                },
                crate::quay::Immutability::is_duplicate,
            )
            .await
        }
        ImmutabilityOp::ReplaceImmutabilityPolicy { from, to, .. } => {
            policies.replace(uuid(cx, op, from)?, to).await
        }
        ImmutabilityOp::DeleteImmutabilityPolicy { policy, .. } => {
            policies.delete(uuid(cx, op, policy)?).await
        }
    }
}

/// Quay's uuid of a policy read from it (the planner only changes those).
fn uuid<'p>(
    cx: &Context<'_>,
    op: &ImmutabilityOp,
    policy: &'p ImmutabilityPolicy,
) -> Result<&'p str, QuayError> {
    policy.uuid.as_deref().ok_or_else(|| {
        cx.client.error(format!(
            "cannot change an immutability policy without its Quay uuid ({})",
            op.describe(cx.org)
        ))
    })
}
