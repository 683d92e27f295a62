//! Writes of default permissions (Quay's prototypes).

use super::{create_once, Context};
use crate::plan::DefaultPermissionOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &DefaultPermissionOp) -> Result<(), QuayError> {
    let prototypes = cx.client.prototypes(cx.org);
    match op {
        DefaultPermissionOp::CreateDefaultPermission { permission } => {
            create_once(
                || async { prototypes.create(permission).await.map(drop) },
                // Quay makes a duplicate rather than refusing one: after an ambiguous failure,
                // one with this key and role means the first attempt happened.
                || async {
                    let existing = prototypes.list().await?.unwrap_or_default();
                    Ok(existing
                        .iter()
                        .any(|p| p.key() == permission.key() && p.role == permission.role))
                },
                |_| false,
            )
            .await
        }
        DefaultPermissionOp::SetDefaultPermissionRole { permission, role } => {
            prototypes.set_role(id(cx, op, permission)?, *role).await
        }
        DefaultPermissionOp::DeleteDefaultPermission { permission } => {
            prototypes.delete(id(cx, op, permission)?).await
        }
    }
}

/// Quay's id of a default permission read from it (the planner only changes those).
fn id<'p>(
    cx: &Context<'_>,
    op: &DefaultPermissionOp,
    permission: &'p crate::model::DefaultPermission,
) -> Result<&'p str, QuayError> {
    use crate::plan::KindOp;
    permission.id.as_deref().ok_or_else(|| {
        cx.client.error(format!(
            "organization {}: cannot change a default permission without its Quay id ({})",
            cx.org,
            op.describe(cx.org)
        ))
    })
}
