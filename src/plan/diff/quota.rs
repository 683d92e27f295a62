//! The organization's quota: its size by `limit_bytes`, its limits an exact list by (type,
//! percent). Never deleted: a file without `quota` leaves it alone.

use std::collections::BTreeMap;

use super::Planner;
use crate::model::{Organization, QuotaLimit};
use crate::plan::problems::{self, Feature};
use crate::plan::{ObjectRef, PlanOptions, QuotaOp};

/// Plans the quota, only when the file declares `quota`.
///
/// Rules:
/// - the endpoint lacks quota management, or the token may not write quotas → a problem, and
///   nothing is planned for the quota;
/// - no quota → `CreateQuota`, then `CreateQuotaLimit` for each declared limit;
/// - another size → `ResizeQuota` (Quay's PUT);
/// - a declared limit that is missing → `CreateQuotaLimit`; a limit Quay holds that is not
///   declared (or a second one with the same type and percent) → `DeleteQuotaLimit`.
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
) {
    let Some(want) = &desired.quota else {
        return;
    };
    let lack = problems::lacking(
        &options.limits,
        Feature::QuotaManagement,
        ObjectRef::Organization,
        "quota",
    );
    if let Some(problem) = lack {
        planner.problem(problem);
        return;
    }
    let Some(have) = actual.quota.as_ref().filter(|q| q.id.is_some()) else {
        planner.push(QuotaOp::CreateQuota {
            limit_bytes: want.limit_bytes,
        });
        for limit in sorted(&want.limits) {
            planner.push(QuotaOp::CreateQuotaLimit {
                quota_id: None,
                limit: QuotaLimit {
                    id: None,
                    ..limit.clone()
                },
            });
        }
        return;
    };
    let id = have.id.unwrap_or_default();
    if have.limit_bytes == want.limit_bytes {
        planner.unchanged(1);
    } else {
        planner.push(QuotaOp::ResizeQuota {
            id,
            from: have.limit_bytes,
            to: want.limit_bytes,
        });
    }
    let mut held: BTreeMap<_, Vec<&QuotaLimit>> = BTreeMap::new();
    for limit in &have.limits {
        held.entry(limit.key()).or_default().push(limit);
    }
    for limit in sorted(&want.limits) {
        match held.get_mut(&limit.key()).filter(|found| !found.is_empty()) {
            Some(found) => {
                found.remove(0);
                planner.unchanged(1);
            }
            None => planner.push(QuotaOp::CreateQuotaLimit {
                quota_id: Some(id),
                limit: QuotaLimit {
                    id: None,
                    ..limit.clone()
                },
            }),
        }
    }
    for extra in held.into_values().flatten() {
        planner.push(QuotaOp::DeleteQuotaLimit {
            quota_id: id,
            limit: extra.clone(),
        });
    }
}

fn sorted(limits: &[QuotaLimit]) -> Vec<&QuotaLimit> {
    let mut limits: Vec<&QuotaLimit> = limits.iter().collect();
    limits.sort_by_key(|l| l.key());
    limits.dedup_by_key(|l| l.key());
    limits
}
