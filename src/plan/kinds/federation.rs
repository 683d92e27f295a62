//! Robot federation (keyless robot auth, Quay 3.13+): the issuer/subject pairs that may use a
//! robot without its token. Quay's POST replaces the whole list, so a change is one write.
//! Runs in the robots phase, after the robot's creation (same object: a failed creation skips
//! it).

use serde::Serialize;

use super::KindOp;
use crate::config::kinds::federation::describe as describe_entry;
use crate::model::Federation;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FederationOp {
    /// POSTs `to`, the whole declared list; `from` is what Quay holds (empty: a create).
    SetRobotFederation {
        robot: String,
        to: Vec<Federation>,
        from: Vec<Federation>,
    },
    /// DELETEs the robot's list (`from`, as Quay holds it).
    ClearRobotFederation {
        robot: String,
        from: Vec<Federation>,
    },
}

impl FederationOp {
    fn robot(&self) -> &str {
        match self {
            FederationOp::SetRobotFederation { robot, .. }
            | FederationOp::ClearRobotFederation { robot, .. } => robot,
        }
    }
}

fn listed(entries: &[&Federation]) -> String {
    entries
        .iter()
        .map(|entry| describe_entry(entry))
        .collect::<Vec<_>>()
        .join(", ")
}

impl KindOp for FederationOp {
    fn phase(&self) -> Phase {
        Phase::Robots
    }

    fn kind(&self) -> ChangeKind {
        match self {
            FederationOp::SetRobotFederation { from, .. } if from.is_empty() => ChangeKind::Create,
            FederationOp::SetRobotFederation { .. } => ChangeKind::Update,
            FederationOp::ClearRobotFederation { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Robot(self.robot().to_string())
    }

    /// After `CreateRobot` (0) and `DeleteRobot` (1) of the same robot.
    fn rank(&self) -> u8 {
        2
    }

    fn describe(&self, org: &str) -> String {
        let robot = self.robot();
        match self {
            FederationOp::SetRobotFederation { to, from, .. } if from.is_empty() => format!(
                "federation of robot {org}+{robot}: trust {}",
                listed(&to.iter().collect::<Vec<_>>())
            ),
            FederationOp::SetRobotFederation { to, from, .. } => {
                let added: Vec<&Federation> = to.iter().filter(|e| !from.contains(e)).collect();
                let removed: Vec<&Federation> = from.iter().filter(|e| !to.contains(e)).collect();
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("trust {}", listed(&added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("stop trusting {}", listed(&removed)));
                }
                format!(
                    "federation of robot {org}+{robot}: {} (the whole list is replaced)",
                    parts.join("; ")
                )
            }
            FederationOp::ClearRobotFederation { from, .. } => format!(
                "remove federation of robot {org}+{robot}: stop trusting {}",
                listed(&from.iter().collect::<Vec<_>>())
            ),
        }
    }
}
