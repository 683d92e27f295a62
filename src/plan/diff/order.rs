//! The plan's order: by phase, inside a phase by object, then by each kind's fixed op order
//! (`KindOp::rank`), then by the member, grantee or notification the op concerns
//! (`KindOp::detail`). A total order, so plans are
//! deterministic whatever order the rules pushed their changes in.

use crate::plan::{Change, Detail, ObjectRef, Phase};

pub(super) fn sort(changes: &mut [Change]) {
    changes.sort_by(|a, b| key(a).cmp(&key(b)));
}

fn key(change: &Change) -> (Phase, ObjectRef, u8, Detail<'_>) {
    (
        change.phase,
        change.op.object(),
        change.op.rank(),
        change.op.detail(),
    )
}
