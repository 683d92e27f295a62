//! A team's synchronisation from a directory group: LDAP (`group_dn`) or OIDC (`group_name`).

use serde::Serialize;

use super::KindOp;
use crate::model::TeamSync;
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TeamSyncOp {
    /// Start synchronising the team from a group (`group_dn` or `group_name` in the report).
    /// When the team is already synced to another group, a `DisableTeamSync` for it comes
    /// first in the same phase.
    EnableTeamSync {
        team: String,
        #[serde(flatten)]
        sync: TeamSync,
        /// OIDC only: Quay removes every user of the team at once (robots stay) and adds them
        /// back only as they log in; this many users are in the team now. One-way when > 0.
        #[serde(skip_serializing_if = "Option::is_none")]
        removes_users: Option<usize>,
    },
    DisableTeamSync {
        team: String,
        /// What the team is synced from now.
        from: TeamSync,
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
            TeamSyncOp::EnableTeamSync { team, .. } | TeamSyncOp::DisableTeamSync { team, .. } => {
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

    /// Setting up an OIDC sync removes the team's users; disabling it later does not bring
    /// them back (only their next login does).
    fn one_way(&self) -> bool {
        matches!(self, TeamSyncOp::EnableTeamSync { removes_users: Some(n), .. } if *n > 0)
    }

    fn describe(&self, _org: &str) -> String {
        match self {
            TeamSyncOp::EnableTeamSync {
                team,
                sync,
                removes_users,
            } => match (sync, removes_users) {
                (TeamSync::Oidc { .. }, Some(n)) if *n > 0 => format!(
                    "sync team {team} from {sync}: Quay removes its {n} user{} now (robots stay); \
                     each comes back on logging in with that group",
                    if *n == 1 { "" } else { "s" }
                ),
                (TeamSync::Oidc { .. }, _) => format!(
                    "sync team {team} from {sync}: users join on logging in with that group"
                ),
                _ => format!("sync team {team} from {sync}"),
            },
            TeamSyncOp::DisableTeamSync { team, from } => match from {
                TeamSync::Ldap { .. } => format!("stop syncing team {team} from LDAP"),
                TeamSync::Oidc { .. } => {
                    format!("stop syncing team {team} from OIDC (users it removed stay removed)")
                }
                TeamSync::Other { .. } => format!("stop syncing team {team} from {from}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc(n: Option<usize>) -> TeamSyncOp {
        TeamSyncOp::EnableTeamSync {
            team: "devs".into(),
            sync: TeamSync::Oidc {
                group_name: "acme-devs".into(),
            },
            removes_users: n,
        }
    }

    #[test]
    fn oidc_sync_says_it_removes_the_users() {
        let op = crate::plan::Op::TeamSync(oidc(Some(3)));
        assert_eq!(
            op.describe("acme"),
            "+! sync team devs from OIDC group acme-devs: Quay removes its 3 users now (robots \
             stay); each comes back on logging in with that group"
        );
        let none = crate::plan::Op::TeamSync(oidc(Some(0)));
        assert_eq!(
            none.describe("acme"),
            "+ sync team devs from OIDC group acme-devs: users join on logging in with that group"
        );
        assert_eq!(
            serde_json::to_value(oidc(Some(3))).unwrap(),
            serde_json::json!({"op": "enable_team_sync", "team": "devs",
                               "group_name": "acme-devs", "removes_users": 3})
        );
        let ldap = TeamSyncOp::EnableTeamSync {
            team: "devs".into(),
            sync: TeamSync::Ldap {
                group_dn: "cn=devs".into(),
            },
            removes_users: None,
        };
        assert_eq!(
            serde_json::to_value(&ldap).unwrap(),
            serde_json::json!({"op": "enable_team_sync", "team": "devs", "group_dn": "cn=devs"}),
            "the LDAP op keeps its report shape"
        );
        assert!(!ldap.one_way());
    }
}
