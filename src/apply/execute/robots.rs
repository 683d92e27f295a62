//! Writes of robot accounts.

use super::{create_once, Context};
use crate::plan::RobotOp;
use crate::quay::{QuayError, Robots};

pub(super) async fn execute(cx: &Context<'_>, op: &RobotOp) -> Result<(), QuayError> {
    let robots = cx.client.robots(cx.org);
    match op {
        RobotOp::CreateRobot { robot, description } => {
            create_once(
                || robots.create(robot, description),
                || async { Ok(robots.get(robot).await?.is_some()) },
                Robots::is_duplicate,
            )
            .await
        }
        RobotOp::DeleteRobot { robot } => robots.delete(robot).await,
    }
}
