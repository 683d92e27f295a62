//! Sends the writes of one planned [`Op`] to Quay.
//!
//! Creates are never sent twice blindly: when a create fails ambiguously (timeout, 502/504,
//! connection reset after sending; see [`QuayError::is_ambiguous`]) one GET checks whether the
//! object now exists, and the create is sent once more only if it does not. Removals treat
//! Quay's "already gone" answers as success, since a retried DELETE may meet its own effect.

mod auto_prune;
mod default_permissions;
mod federation;
mod immutability;
mod members;
mod mirrors;
mod notifications;
mod organization;
mod permissions;
mod quota;
mod repositories;
mod robots;
mod tag_expiration;
mod team_sync;
mod teams;

use std::future::Future;

use crate::model::Secrets;
use crate::plan::Op;
use crate::quay::{QuayClient, QuayError};

/// What every kind's executor works with.
pub(crate) struct Context<'a> {
    pub client: &'a QuayClient,
    pub org: &'a str,
    pub secrets: &'a Secrets,
}

/// Sends the writes for `op` on `organization` through `client`: one line per kind, each
/// kind's module knows its writes.
pub async fn execute(
    client: &QuayClient,
    organization: &str,
    op: &Op,
    secrets: &Secrets,
) -> Result<(), QuayError> {
    let cx = Context {
        client,
        org: organization,
        secrets,
    };
    match op {
        Op::Organization(op) => organization::execute(&cx, op).await,
        Op::Robot(op) => robots::execute(&cx, op).await,
        Op::Team(op) => teams::execute(&cx, op).await,
        Op::Member(op) => members::execute(&cx, op).await,
        Op::TeamSync(op) => team_sync::execute(&cx, op).await,
        Op::DefaultPermission(op) => default_permissions::execute(&cx, op).await,
        Op::Quota(op) => quota::execute(&cx, op).await,
        Op::TagExpiration(op) => tag_expiration::execute(&cx, op).await,
        Op::AutoPrune(op) => auto_prune::execute(&cx, op).await,
        Op::Immutability(op) => immutability::execute(&cx, op).await,
        Op::Federation(op) => federation::execute(&cx, op).await,
        Op::Repository(op) => repositories::execute(&cx, op).await,
        Op::Permission(op) => permissions::execute(&cx, op).await,
        Op::Mirror(op) => mirrors::execute(&cx, op).await,
        Op::Notification(op) => notifications::execute(&cx, op).await,
    }
}

/// What `delete_organization` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    /// The organization did not exist: nothing to do.
    Absent,
}

/// Deletes an organization. A GET first tells whether it exists; an owner's token deletes it
/// with `DELETE /organization/{org}`, and when that is refused (403) a superuser token falls
/// back to `DELETE /superuser/organizations/{org}`.
pub async fn delete_organization(
    client: &QuayClient,
    organization: &str,
) -> Result<DeleteOutcome, QuayError> {
    let orgs = client.orgs(organization);
    if orgs.get().await?.is_none() {
        return Ok(DeleteOutcome::Absent);
    }
    match orgs.delete().await {
        Ok(()) => Ok(DeleteOutcome::Deleted),
        // It existed a moment ago: a retried DELETE met its own effect.
        Err(err) if err.is_not_found() => Ok(DeleteOutcome::Deleted),
        Err(err @ QuayError::Forbidden { .. }) => {
            let superuser = client.whoami().await.is_ok_and(|me| me.super_user);
            if !superuser {
                return Err(err);
            }
            match client.superuser().delete_organization(organization).await {
                Ok(()) => Ok(DeleteOutcome::Deleted),
                Err(err) if err.is_not_found() => Ok(DeleteOutcome::Deleted),
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// How many times a create is sent again after ambiguous failures, each after a check.
const CREATE_RESENDS: usize = 3;

/// Sends a create; after an ambiguous failure (a timeout, a dropped connection: the server
/// may have acted), checks with `exists` and sends it again only if the object is still
/// missing. A re-sent create that Quay answers with its "already exists" (`duplicate`) is
/// settled as done: the plan saw the object absent, so it is the first attempt's, which the
/// server finished after the check (a busy Quay queues requests for seconds).
async fn create_once<S, SF, E, EF>(
    send: S,
    exists: E,
    duplicate: fn(&QuayError) -> bool,
) -> Result<(), QuayError>
where
    S: Fn() -> SF,
    SF: Future<Output = Result<(), QuayError>>,
    E: Fn() -> EF,
    EF: Future<Output = Result<bool, QuayError>>,
{
    let mut result = send().await;
    for _ in 0..CREATE_RESENDS {
        let err = match result {
            Err(err) if err.is_ambiguous() => err,
            other => return other,
        };
        tracing::debug!(target: "mqc::apply", error = %err, "ambiguous create; checking whether it happened");
        match exists().await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            // The create's own error says what was attempted and that it may have
            // happened; the failed check would only say that a GET failed.
            Err(check) => {
                tracing::debug!(target: "mqc::apply", error = %check, "the check failed too");
                return Err(err);
            }
        }
        result = match send().await {
            Err(again) if duplicate(&again) => {
                tracing::debug!(target: "mqc::apply", "the first attempt finished after the check");
                return Ok(());
            }
            other => other,
        };
    }
    result
}
