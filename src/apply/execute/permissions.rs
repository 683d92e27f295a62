//! Writes of repository permissions.

use super::Context;
use crate::plan::{Grantee, PermissionOp};
use crate::quay::{robot_full_name, QuayError};

pub(super) async fn execute(cx: &Context<'_>, op: &PermissionOp) -> Result<(), QuayError> {
    let org = cx.org;
    match op {
        PermissionOp::SetPermission {
            repository,
            grantee,
            role,
            ..
        } => {
            let permissions = cx.client.permissions(org, repository);
            match grantee {
                Grantee::User(user) => permissions.set_user(user, *role).await,
                Grantee::Robot(robot) => {
                    permissions
                        .set_user(&robot_full_name(org, robot), *role)
                        .await
                }
                Grantee::Team(team) => permissions.set_team(team, *role).await,
            }
        }
        PermissionOp::RevokePermission {
            repository,
            grantee,
            ..
        } => {
            let permissions = cx.client.permissions(org, repository);
            match grantee {
                Grantee::User(user) => permissions.revoke_user(user).await,
                Grantee::Robot(robot) => {
                    permissions.revoke_user(&robot_full_name(org, robot)).await
                }
                Grantee::Team(team) => permissions.revoke_team(team).await,
            }
        }
    }
}
