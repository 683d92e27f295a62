//! The diff itself: desired × actual → changes, for one target.

use super::{Actual, PlanOptions, Target, TargetPlan};
use crate::model::Organization;

/// Plans one target. Pure: the same inputs always give the same plan.
pub fn plan_target(
    target: Target,
    desired: &Organization,
    actual: Actual<'_>,
    options: &PlanOptions,
) -> TargetPlan {
    let _ = (desired, actual, options);
    TargetPlan {
        target,
        changes: Vec::new(),
        notices: Vec::new(),
        unchanged: 0,
    }
}
