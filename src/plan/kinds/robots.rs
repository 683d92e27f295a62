//! Robot accounts of the organization.

use serde::Serialize;

use super::KindOp;
use crate::plan::{ChangeKind, GuardedKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RobotOp {
    CreateRobot { robot: String, description: String },
    DeleteRobot { robot: String },
}

impl RobotOp {
    fn robot(&self) -> &str {
        match self {
            RobotOp::CreateRobot { robot, .. } | RobotOp::DeleteRobot { robot } => robot,
        }
    }
}

impl KindOp for RobotOp {
    fn phase(&self) -> Phase {
        Phase::Robots
    }

    fn kind(&self) -> ChangeKind {
        match self {
            RobotOp::CreateRobot { .. } => ChangeKind::Create,
            RobotOp::DeleteRobot { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Robot(self.robot().to_string())
    }

    fn creates(&self) -> Option<ObjectRef> {
        matches!(self, RobotOp::CreateRobot { .. }).then(|| self.object())
    }

    fn rank(&self) -> u8 {
        match self {
            RobotOp::CreateRobot { .. } => 0,
            RobotOp::DeleteRobot { .. } => 1,
        }
    }

    fn guarded_removal(&self, org: &str) -> Option<(GuardedKind, String)> {
        match self {
            RobotOp::DeleteRobot { robot } => {
                Some((GuardedKind::Robots, format!("robot {org}+{robot}")))
            }
            RobotOp::CreateRobot { .. } => None,
        }
    }

    fn describe(&self, org: &str) -> String {
        match self {
            RobotOp::CreateRobot { robot, .. } => format!("create robot {org}+{robot}"),
            RobotOp::DeleteRobot { robot } => format!("delete robot {org}+{robot}"),
        }
    }
}
