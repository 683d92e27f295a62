//! Writes of teams (the team itself).

use super::Context;
use crate::plan::TeamOp;
use crate::quay::QuayError;

pub(super) async fn execute(cx: &Context<'_>, op: &TeamOp) -> Result<(), QuayError> {
    let teams = cx.client.teams(cx.org);
    match op {
        // Quay's team PUT creates or updates; it is idempotent, so nothing to settle.
        TeamOp::CreateTeam {
            team,
            role,
            description,
        }
        | TeamOp::UpdateTeam {
            team,
            role,
            description,
            ..
        } => teams.put(team, *role, description).await.map(drop),
        TeamOp::DeleteTeam { team } => teams.delete(team).await,
    }
}
