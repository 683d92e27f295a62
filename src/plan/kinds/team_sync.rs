//! A team's synchronisation from an LDAP group.

use serde::Serialize;

use super::KindOp;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TeamSyncOp {
    /// Start synchronising the team from an LDAP group. When the team is already synced to
    /// another group, a `DisableTeamSync` for it comes first in the same phase.
    EnableTeamSync {
        team: String,
        group_dn: String,
    },
    DisableTeamSync {
        team: String,
    },
}

impl KindOp for TeamSyncOp {
    fn phase(&self) -> Phase {
        Phase::TeamSync
    }

    fn kind(&self) -> ChangeKind {
        match self {
            TeamSyncOp::EnableTeamSync { .. } => ChangeKind::Create,
            TeamSyncOp::DisableTeamSync { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        match self {
            TeamSyncOp::EnableTeamSync { team, .. } | TeamSyncOp::DisableTeamSync { team } => {
                ObjectRef::Team(team.clone())
            }
        }
    }

    /// Quay refuses user membership changes on a synced team: a sync is disabled first (0),
    /// then the members the planner moved into this phase change (1, 2), then a sync starts (3),
    /// so changing a team's group is disable-then-enable.
    fn rank(&self) -> u8 {
        match self {
            TeamSyncOp::DisableTeamSync { .. } => 0,
            TeamSyncOp::EnableTeamSync { .. } => 3,
        }
    }

    /// The member changes after a failed disable would be refused.
    fn stops_sequence_on_failure(&self) -> bool {
        matches!(self, TeamSyncOp::DisableTeamSync { .. })
    }

    fn describe(&self, _org: &str) -> String {
        match self {
            TeamSyncOp::EnableTeamSync { team, group_dn } => {
                format!("sync team {team} from LDAP group {group_dn}")
            }
            TeamSyncOp::DisableTeamSync { team } => format!("stop syncing team {team} from LDAP"),
        }
    }
}
