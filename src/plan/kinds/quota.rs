//! The organization's storage quota: created once, resized in place (Quay's PUT), its limits
//! identified by type and percent (added and removed, never changed in place: Quay's limit
//! PUT can half-apply).

use serde::Serialize;

use super::KindOp;
use crate::model::{size_text, QuotaLimit};
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum QuotaOp {
    CreateQuota {
        limit_bytes: u64,
    },
    /// `id`: Quay's id of the quota.
    ResizeQuota {
        id: u64,
        from: u64,
        to: u64,
    },
    /// `quota_id`: `None` when the quota is created by this plan (looked up when it runs).
    CreateQuotaLimit {
        quota_id: Option<u64>,
        limit: QuotaLimit,
    },
    /// `limit` as Quay holds it (with its id).
    DeleteQuotaLimit {
        quota_id: u64,
        limit: QuotaLimit,
    },
}

fn size(bytes: u64) -> String {
    let text = size_text(bytes);
    if text.ends_with(" B") {
        text
    } else {
        format!("{text} ({bytes} bytes)")
    }
}

fn limit_text(limit: &QuotaLimit) -> String {
    format!("{} at {}%", limit.kind, limit.threshold_percent)
}

impl KindOp for QuotaOp {
    fn phase(&self) -> Phase {
        Phase::Quotas
    }

    fn kind(&self) -> ChangeKind {
        match self {
            QuotaOp::CreateQuota { .. } | QuotaOp::CreateQuotaLimit { .. } => ChangeKind::Create,
            QuotaOp::ResizeQuota { .. } => ChangeKind::Update,
            QuotaOp::DeleteQuotaLimit { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Organization
    }

    /// The quota first (its limits need it), then removals before additions.
    fn rank(&self) -> u8 {
        match self {
            QuotaOp::CreateQuota { .. } => 0,
            QuotaOp::ResizeQuota { .. } => 1,
            QuotaOp::DeleteQuotaLimit { .. } => 2,
            QuotaOp::CreateQuotaLimit { .. } => 3,
        }
    }

    /// Without the quota its limits cannot be added.
    fn stops_sequence_on_failure(&self) -> bool {
        matches!(self, QuotaOp::CreateQuota { .. })
    }

    fn describe(&self, org: &str) -> String {
        match self {
            QuotaOp::CreateQuota { limit_bytes } => {
                format!("quota of {org}: {}", size(*limit_bytes))
            }
            QuotaOp::ResizeQuota { from, to, .. } => {
                format!("quota of {org}: {} → {}", size_text(*from), size(*to))
            }
            QuotaOp::CreateQuotaLimit { limit, .. } => {
                format!("quota limit of {org}: {}", limit_text(limit))
            }
            QuotaOp::DeleteQuotaLimit { limit, .. } => {
                format!("remove quota limit of {org}: {}", limit_text(limit))
            }
        }
    }
}
