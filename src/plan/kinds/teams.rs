//! Teams of the organization (the team itself; members and sync are kinds of their own).

use serde::Serialize;

use super::{quoted, KindOp};
use crate::model::TeamRole;
use crate::plan::{ChangeKind, GuardedKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TeamOp {
    CreateTeam {
        team: String,
        role: TeamRole,
        description: String,
    },
    /// Role and/or description; Quay's team PUT sets both at once.
    UpdateTeam {
        team: String,
        role: TeamRole,
        description: String,
        from_role: TeamRole,
        from_description: String,
    },
    DeleteTeam {
        team: String,
    },
}

impl TeamOp {
    fn team(&self) -> &str {
        match self {
            TeamOp::CreateTeam { team, .. }
            | TeamOp::UpdateTeam { team, .. }
            | TeamOp::DeleteTeam { team } => team,
        }
    }
}

impl KindOp for TeamOp {
    fn phase(&self) -> Phase {
        Phase::Teams
    }

    fn kind(&self) -> ChangeKind {
        match self {
            TeamOp::CreateTeam { .. } => ChangeKind::Create,
            TeamOp::UpdateTeam { .. } => ChangeKind::Update,
            TeamOp::DeleteTeam { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Team(self.team().to_string())
    }

    fn creates(&self) -> Option<ObjectRef> {
        matches!(self, TeamOp::CreateTeam { .. }).then(|| self.object())
    }

    fn rank(&self) -> u8 {
        match self {
            TeamOp::CreateTeam { .. } => 0,
            TeamOp::UpdateTeam { .. } => 1,
            TeamOp::DeleteTeam { .. } => 2,
        }
    }

    fn guarded_removal(&self, _org: &str) -> Option<(GuardedKind, String)> {
        match self {
            TeamOp::DeleteTeam { team } => Some((GuardedKind::Teams, format!("team {team}"))),
            _ => None,
        }
    }

    fn describe(&self, _org: &str) -> String {
        match self {
            TeamOp::CreateTeam { team, role, .. } => format!("create team {team} (role {role})"),
            TeamOp::UpdateTeam {
                team,
                role,
                description,
                from_role,
                from_description,
            } => {
                let mut parts = Vec::new();
                if role != from_role {
                    parts.push(format!("role {from_role} → {role}"));
                }
                if description != from_description {
                    parts.push(format!(
                        "description {} → {}",
                        quoted(from_description),
                        quoted(description)
                    ));
                }
                format!("team {team} {}", parts.join(", "))
            }
            TeamOp::DeleteTeam { team } => format!("delete team {team}"),
        }
    }
}
