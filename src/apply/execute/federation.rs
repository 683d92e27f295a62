//! Writes of a robot's federation: one POST of the whole list, or one DELETE. Both are
//! repeatable (the same list gives the same state).

use super::Context;
use crate::plan::FederationOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &FederationOp) -> Result<(), QuayError> {
    let federation = cx.client.robot_federation(cx.org);
    match op {
        FederationOp::SetRobotFederation { robot, to, .. } => federation.set(robot, to).await,
        FederationOp::ClearRobotFederation { robot, .. } => federation.clear(robot).await,
    }
}
