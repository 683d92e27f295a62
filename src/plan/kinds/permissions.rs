//! Repository permissions of users, robots and teams.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Detail, KindOp};
use crate::model::Role;
use crate::plan::{
    ChangeKind, Grantee, GuardedKind, ListEntry, ListKind, ListRef, ObjectRef, Phase,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PermissionOp {
    /// Grant a role, or change it (`from` is the current role, if any).
    SetPermission {
        repository: String,
        grantee: Grantee,
        role: Role,
        from: Option<Role>,
    },
    RevokePermission {
        repository: String,
        grantee: Grantee,
        role: Role,
    },
}

impl PermissionOp {
    fn parts(&self) -> (&str, &Grantee) {
        match self {
            PermissionOp::SetPermission {
                repository,
                grantee,
                ..
            }
            | PermissionOp::RevokePermission {
                repository,
                grantee,
                ..
            } => (repository, grantee),
        }
    }
}

impl KindOp for PermissionOp {
    fn phase(&self) -> Phase {
        Phase::Permissions
    }

    fn kind(&self) -> ChangeKind {
        match self {
            PermissionOp::SetPermission { from: None, .. } => ChangeKind::Create,
            PermissionOp::SetPermission { from: Some(_), .. } => ChangeKind::Update,
            PermissionOp::RevokePermission { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Repository(self.parts().0.to_string())
    }

    fn subject(&self) -> Detail<'_> {
        self.detail()
    }

    fn needs(&self, needs: &mut BTreeSet<ObjectRef>) {
        match self.parts().1 {
            Grantee::Robot(robot) => {
                needs.insert(ObjectRef::Robot(robot.clone()));
            }
            Grantee::Team(team) => {
                needs.insert(ObjectRef::Team(team.clone()));
            }
            Grantee::User(_) => {}
        }
    }

    fn rank(&self) -> u8 {
        match self {
            PermissionOp::SetPermission { .. } => 0,
            PermissionOp::RevokePermission { .. } => 1,
        }
    }

    fn detail(&self) -> Detail<'_> {
        Detail::Grantee(self.parts().1)
    }

    fn list_entry(&self) -> Option<(ListRef, ListEntry)> {
        let (repository, grantee) = self.parts();
        let list = match grantee {
            Grantee::User(_) => ListKind::UserPermissions,
            Grantee::Robot(_) => ListKind::RobotPermissions,
            Grantee::Team(_) => ListKind::TeamPermissions,
        };
        let entry = match self {
            PermissionOp::SetPermission { .. } => ListEntry::Grant,
            PermissionOp::RevokePermission { .. } => ListEntry::Removal,
        };
        let object = ObjectRef::Repository(repository.to_string());
        Some((ListRef { object, list }, entry))
    }

    fn describe_grant(&self, org: &str) -> Option<String> {
        match self {
            PermissionOp::SetPermission {
                repository,
                grantee,
                role,
                from: None,
            } => Some(format!(
                "granting {} {role} on {org}/{repository}",
                grantee.describe(org)
            )),
            PermissionOp::SetPermission {
                repository,
                grantee,
                role,
                from: Some(from),
            } => Some(format!(
                "changing {} on {org}/{repository} from {from} to {role}",
                grantee.describe(org)
            )),
            PermissionOp::RevokePermission { .. } => None,
        }
    }

    fn guarded_removal(&self, org: &str) -> Option<(GuardedKind, String)> {
        match self {
            PermissionOp::RevokePermission {
                repository,
                grantee,
                ..
            } => Some((
                GuardedKind::Permissions,
                format!("{} on {org}/{repository}", grantee.describe(org)),
            )),
            PermissionOp::SetPermission { .. } => None,
        }
    }

    fn describe(&self, org: &str) -> String {
        match self {
            PermissionOp::SetPermission {
                repository,
                grantee,
                role,
                from: None,
            } => format!(
                "grant {} {role} on {org}/{repository}",
                grantee.describe(org)
            ),
            PermissionOp::SetPermission {
                repository,
                grantee,
                role,
                from: Some(from),
            } => format!(
                "{} on {org}/{repository} {from} → {role}",
                grantee.describe(org)
            ),
            PermissionOp::RevokePermission {
                repository,
                grantee,
                role,
            } => format!(
                "revoke {} on {org}/{repository} (was {role})",
                grantee.describe(org)
            ),
        }
    }
}
