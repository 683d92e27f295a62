//! Writes of a team's LDAP sync.

use super::{create_once, Context};
use crate::plan::TeamSyncOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &TeamSyncOp) -> Result<(), QuayError> {
    let teams = cx.client.teams(cx.org);
    match op {
        TeamSyncOp::EnableTeamSync { team, group_dn } => {
            create_once(
                || teams.enable_sync(team, group_dn),
                || async {
                    let members = teams.members(team).await?;
                    Ok(members.is_some_and(|membership| {
                        membership.group_dn.as_deref() == Some(group_dn.as_str())
                    }))
                },
                |_| false,
            )
            .await
        }
        TeamSyncOp::DisableTeamSync { team } => teams.disable_sync(team).await,
    }
}
