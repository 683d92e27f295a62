//! The plan's order: by phase, inside a phase by object, then by a fixed op order, then by
//! the member, grantee or notification the op concerns. A total order, so plans are
//! deterministic whatever order the rules pushed their changes in.

use crate::model::Notification;
use crate::plan::{Change, Grantee, Member, ObjectRef, Op, Phase};

pub(super) fn sort(changes: &mut [Change]) {
    changes.sort_by(|a, b| key(a).cmp(&key(b)));
}

fn key(change: &Change) -> (Phase, ObjectRef, u8, Detail<'_>) {
    (
        change.phase,
        change.op.object(),
        rank(&change.op),
        detail(&change.op),
    )
}

/// The fixed op order on one object. What matters:
/// - `DisableTeamSync` before user membership changes (Quay refuses them on a synced team)
///   before `EnableTeamSync`, so changing a team's group is disable-then-enable;
/// - members are added before others are removed, so a team never passes through "empty";
/// - a mirror is configured (or disabled) before the repository state changes, and the sync
///   is triggered last, on the final configuration;
/// - a changed notification is deleted before its replacement is created.
fn rank(op: &Op) -> u8 {
    match op {
        Op::CreateOrganization { .. } => 0,
        Op::UpdateOrganizationEmail { .. } => 1,
        Op::CreateRobot { .. } => 0,
        Op::DeleteRobot { .. } => 1,
        Op::CreateTeam { .. } => 0,
        Op::UpdateTeam { .. } => 1,
        Op::DeleteTeam { .. } => 2,
        Op::DisableTeamSync { .. } => 0,
        Op::AddTeamMember { .. } => 1,
        Op::RemoveTeamMember { .. } => 2,
        Op::EnableTeamSync { .. } => 3,
        Op::CreateRepository { .. } => 0,
        Op::UpdateRepositoryDescription { .. } => 1,
        Op::ChangeVisibility { .. } => 2,
        Op::SetPermission { .. } => 0,
        Op::RevokePermission { .. } => 1,
        Op::CreateMirror { .. } => 0,
        Op::UpdateMirror { .. } => 1,
        // Never on the same repository as a CreateMirror or UpdateMirror.
        Op::ResendMirrorCredentials { .. } => 1,
        Op::SetRepositoryState { .. } => 2,
        Op::SyncMirrorNow { .. } => 3,
        Op::DeleteNotification { .. } => 0,
        Op::CreateNotification { .. } => 1,
    }
}

/// What tells apart two ops of one kind on one object.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Detail<'a> {
    None,
    Member(&'a Member),
    Grantee(&'a Grantee),
    Notification(&'a Notification),
}

fn detail(op: &Op) -> Detail<'_> {
    match op {
        Op::AddTeamMember { member, .. } | Op::RemoveTeamMember { member, .. } => {
            Detail::Member(member)
        }
        Op::SetPermission { grantee, .. } | Op::RevokePermission { grantee, .. } => {
            Detail::Grantee(grantee)
        }
        Op::CreateNotification { notification, .. }
        | Op::DeleteNotification { notification, .. } => Detail::Notification(notification),
        _ => Detail::None,
    }
}
