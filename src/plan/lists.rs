//! The lists a file declares inside one object, and which changes grant or remove their entries.
//!
//! Rule (issue 11, item 2 b): within one list, removals run only after every grant of that list
//! succeeded. A misspelled name (`alcie` for `alice`) plans a grant of the new name and a removal
//! of the old one; when the grant fails, applying the removal anyway leaves nobody with access.
//! The planner orders each list's grants before its removals (`diff::order`: `SetPermission`
//! before `RevokePermission`, `AddTeamMember` before `RemoveTeamMember`) and never puts a list's
//! grants in a later phase than its removals; the executor runs a list's removals after its
//! grants and skips them when one of those did not apply. Each kind says which list its changes
//! belong to (`KindOp::list_entry`).

use serde::Serialize;

use super::ObjectRef;

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
