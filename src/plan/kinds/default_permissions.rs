//! Default permissions (Quay's "prototypes"): the permissions Quay gives every repository
//! created in the organization afterwards. Identified by delegate and activating user; only the
//! role changes in place (Quay's PUT), anything else is a removal and a creation.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Detail, KindOp};
use crate::model::{DefaultPermission, Delegate, Role};
use crate::plan::{ChangeKind, ObjectRef, Phase};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum DefaultPermissionOp {
    CreateDefaultPermission {
        permission: DefaultPermission,
    },
    /// `permission` as Quay holds it (with its id), `role` the new one.
    SetDefaultPermissionRole {
        permission: DefaultPermission,
        role: Role,
    },
    /// `permission` as Quay holds it (with its id): undeclared, or a duplicate of a declared one.
    DeleteDefaultPermission {
        permission: DefaultPermission,
    },
}

impl DefaultPermissionOp {
    pub fn permission(&self) -> &DefaultPermission {
        match self {
            DefaultPermissionOp::CreateDefaultPermission { permission }
            | DefaultPermissionOp::SetDefaultPermissionRole { permission, .. }
            | DefaultPermissionOp::DeleteDefaultPermission { permission } => permission,
        }
    }
}

/// `team builders`, `robot org+ci` or `user alice`.
pub fn describe_delegate(org: &str, delegate: &Delegate) -> String {
    match delegate {
        Delegate::User(name) => format!("user {name}"),
        Delegate::Robot(name) => format!("robot {org}+{name}"),
        Delegate::Team(name) => format!("team {name}"),
    }
}

fn whose(permission: &DefaultPermission) -> String {
    match &permission.activating_user {
        Some(user) => format!("repositories {user} creates"),
        None => "new repositories".to_string(),
    }
}

impl KindOp for DefaultPermissionOp {
    fn phase(&self) -> Phase {
        Phase::DefaultPermissions
    }

    fn kind(&self) -> ChangeKind {
        match self {
            DefaultPermissionOp::CreateDefaultPermission { .. } => ChangeKind::Create,
            DefaultPermissionOp::SetDefaultPermissionRole { .. } => ChangeKind::Update,
            DefaultPermissionOp::DeleteDefaultPermission { .. } => ChangeKind::Remove,
        }
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::Organization
    }

    /// Prototypes with one key (delegate, activating user) run one after another: a duplicate's
    /// removal and the role change of the one kept.
    fn subject(&self) -> Detail<'_> {
        self.detail()
    }

    fn needs(&self, needs: &mut BTreeSet<ObjectRef>) {
        match &self.permission().delegate {
            Delegate::Robot(robot) => {
                needs.insert(ObjectRef::Robot(robot.clone()));
            }
            Delegate::Team(team) => {
                needs.insert(ObjectRef::Team(team.clone()));
            }
            Delegate::User(_) => {}
        }
    }

    fn rank(&self) -> u8 {
        match self {
            DefaultPermissionOp::DeleteDefaultPermission { .. } => 0,
            DefaultPermissionOp::SetDefaultPermissionRole { .. } => 1,
            DefaultPermissionOp::CreateDefaultPermission { .. } => 2,
        }
    }

    fn detail(&self) -> Detail<'_> {
        let (delegate, activating_user) = self.permission().key();
        Detail::DefaultPermission(delegate, activating_user)
    }

    fn describe(&self, org: &str) -> String {
        let permission = self.permission();
        let delegate = describe_delegate(org, &permission.delegate);
        let whose = whose(permission);
        match self {
            DefaultPermissionOp::CreateDefaultPermission { .. } => format!(
                "default permission: {delegate} gets {} on {whose} of {org}",
                permission.role
            ),
            DefaultPermissionOp::SetDefaultPermissionRole { role, .. } => format!(
                "default permission of {delegate} on {whose} of {org}: {} → {role}",
                permission.role
            ),
            DefaultPermissionOp::DeleteDefaultPermission { .. } => format!(
                "remove default permission: {delegate} {} on {whose} of {org}",
                permission.role
            ),
        }
    }
}
