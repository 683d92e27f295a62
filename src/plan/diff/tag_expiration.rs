//! The organization's time machine (`tag_expiration_s`), by value.

use super::Planner;
use crate::model::{duration_seconds, duration_text, Organization};
use crate::plan::problems::{self, Feature};
use crate::plan::{ObjectRef, PlanOptions, TagExpirationOp};

/// Plans the time machine, only when the file declares `tag_expiration`.
///
/// Rules:
/// - the endpoint cannot change it (`FEATURE_CHANGE_TAG_EXPIRATION` off: Quay would ignore
///   the write), or the value is not one of its `TAG_EXPIRATION_OPTIONS` (Quay would refuse
///   it) → a problem, nothing planned;
/// - another value (or an organization this plan creates) → `SetTagExpiration`.
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    options: &PlanOptions,
) {
    let Some(want) = desired.tag_expiration_s else {
        return;
    };
    let lack = problems::lacking(
        &options.limits,
        Feature::ChangeTagExpiration,
        ObjectRef::Organization,
        "tag_expiration",
    );
    if let Some(problem) = lack {
        planner.problem(problem);
        return;
    }
    if let Some(offered) = &options.limits.tag_expiration_options {
        if !offered.iter().any(|o| duration_seconds(o) == Some(want)) {
            planner.problem(problems::not_offered(
                ObjectRef::Organization,
                "tag_expiration",
                duration_text(want),
                offered,
            ));
            return;
        }
    }
    if actual.tag_expiration_s == Some(want) {
        planner.unchanged(1);
    } else {
        planner.push(TagExpirationOp::SetTagExpiration {
            from: actual.tag_expiration_s,
            to: want,
        });
    }
}
