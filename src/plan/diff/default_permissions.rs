//! Default permissions (Quay's prototypes): an exact list when the file declares one.

use std::collections::BTreeMap;

use super::Planner;
use crate::model::{DefaultPermission, Organization};
use crate::plan::DefaultPermissionOp;

/// Plans the default permissions, only when the file declares `default_permissions`.
///
/// Rules (identity is the delegate and the activating user, `DefaultPermission::key`):
/// - declared and absent → `CreateDefaultPermission`;
/// - present with another role → `SetDefaultPermissionRole` (Quay's PUT changes only the
///   role; a changed delegate or activating user is another identity: a removal and a
///   creation);
/// - Quay holds duplicates (it never refuses one): one is kept — one with the declared role if
///   any, else the first — and the others are removed;
/// - present but undeclared → `DeleteDefaultPermission` (those naming a robot or team this
///   plan deletes are gone from `actual` already: Quay drops them with it).
pub(super) fn plan(planner: &mut Planner, desired: &Organization, actual: &Organization) {
    let Some(want) = &desired.default_permissions else {
        return;
    };
    let mut have: BTreeMap<_, Vec<&DefaultPermission>> = BTreeMap::new();
    for existing in actual.default_permissions.iter().flatten() {
        have.entry(existing.key()).or_default().push(existing);
    }
    for wanted in want {
        let Some(mut found) = have.remove(&wanted.key()) else {
            planner.push(DefaultPermissionOp::CreateDefaultPermission {
                permission: DefaultPermission {
                    id: None,
                    ..wanted.clone()
                },
            });
            continue;
        };
        let kept = found
            .iter()
            .position(|p| p.role == wanted.role)
            .unwrap_or(0);
        let keep = found.remove(kept);
        if keep.role == wanted.role {
            planner.unchanged(1);
        } else {
            planner.push(DefaultPermissionOp::SetDefaultPermissionRole {
                permission: keep.clone(),
                role: wanted.role,
            });
        }
        for duplicate in found {
            planner.push(DefaultPermissionOp::DeleteDefaultPermission {
                permission: duplicate.clone(),
            });
        }
    }
    for undeclared in have.into_values().flatten() {
        planner.push(DefaultPermissionOp::DeleteDefaultPermission {
            permission: undeclared.clone(),
        });
    }
}
