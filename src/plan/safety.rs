//! The safety threshold: a plan that removes a large share of what exists needs `--force`.

use super::TargetPlan;
use crate::model::Organization;

/// Why a target's plan was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyViolation {
    pub message: String,
}

/// Checks one target's plan against what exists on it.
pub fn check_safety(
    plan: &TargetPlan,
    actual: Option<&Organization>,
) -> Result<(), SafetyViolation> {
    let _ = (plan, actual);
    Ok(())
}
