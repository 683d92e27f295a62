//! Team members: users and robots of a team.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Detail, KindOp};
use crate::plan::{
    ChangeKind, GuardedKind, ListEntry, ListKind, ListRef, Member, ObjectRef, Phase,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MemberOp {
    AddTeamMember { team: String, member: Member },
    RemoveTeamMember { team: String, member: Member },
}

impl MemberOp {
    fn parts(&self) -> (&str, &Member) {
        match self {
            MemberOp::AddTeamMember { team, member }
            | MemberOp::RemoveTeamMember { team, member } => (team, member),
        }
    }
}

impl KindOp for MemberOp {
    fn phase(&self) -> Phase {
        Phase::TeamMembers
    }

    fn kind(&self) -> ChangeKind {
        match self {
            MemberOp::AddTeamMember { .. } => ChangeKind::Create,
            MemberOp::RemoveTeamMember { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Team(self.parts().0.to_string())
    }

    fn subject(&self) -> Detail<'_> {
        self.detail()
    }

    fn needs(&self, needs: &mut BTreeSet<ObjectRef>) {
        if let (_, Member::Robot(robot)) = self.parts() {
            needs.insert(ObjectRef::Robot(robot.clone()));
        }
    }

    /// After a team's sync is disabled (0), before it is enabled (3): see `TeamSyncOp`.
    fn rank(&self) -> u8 {
        match self {
            MemberOp::AddTeamMember { .. } => 1,
            MemberOp::RemoveTeamMember { .. } => 2,
        }
    }

    fn detail(&self) -> Detail<'_> {
        Detail::Member(self.parts().1)
    }

    fn list_entry(&self) -> Option<(ListRef, ListEntry)> {
        let (team, member) = self.parts();
        let list = match member {
            Member::User(_) => ListKind::UserMembers,
            Member::Robot(_) => ListKind::RobotMembers,
        };
        let entry = match self {
            MemberOp::AddTeamMember { .. } => ListEntry::Grant,
            MemberOp::RemoveTeamMember { .. } => ListEntry::Removal,
        };
        let object = ObjectRef::Team(team.to_string());
        Some((ListRef { object, list }, entry))
    }

    fn describe_grant(&self, org: &str) -> Option<String> {
        match self {
            MemberOp::AddTeamMember { team, member } => {
                Some(format!("adding {} to team {team}", member.describe(org)))
            }
            MemberOp::RemoveTeamMember { .. } => None,
        }
    }

    fn guarded_removal(&self, org: &str) -> Option<(GuardedKind, String)> {
        match self {
            MemberOp::RemoveTeamMember { team, member } => Some((
                GuardedKind::TeamMembers,
                format!("{} from team {team}", member.describe(org)),
            )),
            MemberOp::AddTeamMember { .. } => None,
        }
    }

    fn describe(&self, org: &str) -> String {
        match self {
            MemberOp::AddTeamMember { team, member } => {
                format!("add {} to team {team}", member.describe(org))
            }
            MemberOp::RemoveTeamMember { team, member } => {
                format!("remove {} from team {team}", member.describe(org))
            }
        }
    }
}
