//! Robot federation: the exact list of each robot whose entry declares `federation`.

use std::collections::BTreeSet;

use super::Planner;
use crate::model::{Federation, Organization};
use crate::plan::problems::{feature_missing, Feature, ServerLimits};
use crate::plan::{FederationOp, ObjectRef};

/// Plans every robot that declares a list.
///
/// Rules (identity is the (issuer, subject) pair; order does not matter):
/// - the same set of pairs as Quay holds is unchanged;
/// - another set → one `SetRobotFederation` with the whole declared list (Quay's POST replaces
///   the list), also for a robot this plan creates (its list is empty);
/// - a declared `[]` where Quay holds some → one `ClearRobotFederation`;
/// - on a Quay without federation (before 3.13) a declared non-empty list is a problem for
///   that robot and left alone (an empty one holds already: such a Quay has none).
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    limits: &ServerLimits,
) {
    let lack = limits.lacks.get(&Feature::RobotFederation);
    for (robot, want) in &desired.robot_federation {
        if let Some(lack) = lack.filter(|_| !want.is_empty()) {
            planner.problem(feature_missing(
                Feature::RobotFederation,
                lack,
                ObjectRef::Robot(robot.clone()),
                "federation",
            ));
            continue;
        }
        let have = actual
            .robot_federation
            .get(robot)
            .map_or(&[][..], Vec::as_slice);
        let set = |list: &[Federation]| list.iter().cloned().collect::<BTreeSet<_>>();
        if set(want) == set(have) {
            planner.unchanged(1);
        } else if want.is_empty() {
            planner.push(FederationOp::ClearRobotFederation {
                robot: robot.clone(),
                from: have.to_vec(),
            });
        } else {
            planner.push(FederationOp::SetRobotFederation {
                robot: robot.clone(),
                to: want.clone(),
                from: have.to_vec(),
            });
        }
    }
}
