//! The lists a file declares inside one object, and which changes grant or remove their entries.
//!
//! Rule (issue 11, item 2 b): within one list, removals run only after every grant of that list
//! succeeded. A misspelled name (`alcie` for `alice`) plans a grant of the new name and a removal
//! of the old one; when the grant fails, applying the removal anyway leaves nobody with access.
//! The planner orders each list's grants before its removals (`diff::order`: `SetPermission`
//! before `RevokePermission`, `AddTeamMember` before `RemoveTeamMember`) and never puts a list's
//! grants in a later phase than its removals; the executor runs a list's removals after its
//! grants and skips them when one of those did not apply.

use serde::Serialize;

use super::{Grantee, Member, ObjectRef, Op};

/// Which list of its object an entry belongs to. Each is declared separately in the file:
/// `permissions.users`, `.robots`, `.teams` of a repository; `members.users`, `.robots` of a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    UserPermissions,
    RobotPermissions,
    TeamPermissions,
    UserMembers,
    RobotMembers,
}

/// One declared list of one object of a target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ListRef {
    pub object: ObjectRef,
    pub list: ListKind,
}

/// What a change does to its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEntry {
    /// Adds an entry or changes its role (a role change counts as a grant: when it fails, the
    /// list is not what the file says, and removing the others could leave nobody in charge).
    Grant,
    Removal,
}

impl Op {
    /// The declared list this change adds to or removes from, if any.
    pub fn list_entry(&self) -> Option<(ListRef, ListEntry)> {
        let (object, list, entry) = match self {
            Op::SetPermission {
                repository,
                grantee,
                ..
            } => (repository, permission_list(grantee), ListEntry::Grant),
            Op::RevokePermission {
                repository,
                grantee,
                ..
            } => (repository, permission_list(grantee), ListEntry::Removal),
            Op::AddTeamMember { team, member } => (team, member_list(member), ListEntry::Grant),
            Op::RemoveTeamMember { team, member } => {
                (team, member_list(member), ListEntry::Removal)
            }
            _ => return None,
        };
        let object = match list {
            ListKind::UserMembers | ListKind::RobotMembers => ObjectRef::Team(object.clone()),
            _ => ObjectRef::Repository(object.clone()),
        };
        Some((ListRef { object, list }, entry))
    }

    /// How a grant is named in the reason its list's removals were skipped, e.g. `granting user
    /// alcie admin on acme/app`. `None` for changes that are not grants.
    pub fn describe_grant(&self, organization: &str) -> Option<String> {
        let org = organization;
        match self {
            Op::SetPermission {
                repository,
                grantee,
                role,
                from: None,
            } => Some(format!(
                "granting {} {role} on {org}/{repository}",
                grantee.describe(org)
            )),
            Op::SetPermission {
                repository,
                grantee,
                role,
                from: Some(from),
            } => Some(format!(
                "changing {} on {org}/{repository} from {from} to {role}",
                grantee.describe(org)
            )),
            Op::AddTeamMember { team, member } => {
                Some(format!("adding {} to team {team}", member.describe(org)))
            }
            _ => None,
        }
    }
}

fn permission_list(grantee: &Grantee) -> ListKind {
    match grantee {
        Grantee::User(_) => ListKind::UserPermissions,
        Grantee::Robot(_) => ListKind::RobotPermissions,
        Grantee::Team(_) => ListKind::TeamPermissions,
    }
}

fn member_list(member: &Member) -> ListKind {
    match member {
        Member::User(_) => ListKind::UserMembers,
        Member::Robot(_) => ListKind::RobotMembers,
    }
}
