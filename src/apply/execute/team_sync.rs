//! Writes of a team's sync (LDAP or OIDC).

use super::{create_once, Context};
use crate::plan::TeamSyncOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &TeamSyncOp) -> Result<(), QuayError> {
    let teams = cx.client.teams(cx.org);
    match op {
        TeamSyncOp::EnableTeamSync { team, sync, .. } => {
            create_once(
                || teams.enable_sync(team, sync),
                || async {
                    let members = teams.members(team).await?;
                    Ok(members.is_some_and(|membership| membership.sync.as_ref() == Some(sync)))
                },
                |_| false,
            )
            .await
        }
        TeamSyncOp::DisableTeamSync { team, .. } => teams.disable_sync(team).await,
    }
}
