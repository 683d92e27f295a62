//! The safety threshold: a plan that removes a large share of what exists needs `--force`.
//!
//! Like octoDNS's `TooMuchChange`: a mistake in a file (a list emptied by a bad merge, a
//! renamed key) must not silently strip an organization of its permissions, members, robots or
//! teams. The caller skips this check when the user passes `--force`.

use std::fmt;

use serde::Serialize;

use super::{Op, TargetPlan};
use crate::model::Organization;

/// Removals allowed whatever the size: small organizations can always lose a few objects.
const MIN_ALLOWED: usize = 5;
/// Share of the existing objects of one kind a plan may remove, in percent (rounded up).
const MAX_SHARE_PERCENT: usize = 30;
/// How many names a violation lists per kind before "and N more".
const LISTED: usize = 10;
/// The flag that lets a refused plan through.
pub const OVERRIDE_FLAG: &str = "--force";

/// A kind of object the threshold guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardedKind {
    /// Repository permissions of every repository of the organization together.
    Permissions,
    /// Team members (users, robots and pending invitations) of every team together.
    TeamMembers,
    Robots,
    Teams,
    /// One-way changes: immutability policies created or changed (Quay makes the matching
    /// existing tags immutable and never undoes it), counted against the policies that exist.
    ImmutableTags,
}

impl GuardedKind {
    const ALL: [GuardedKind; 5] = [
        GuardedKind::Permissions,
        GuardedKind::TeamMembers,
        GuardedKind::Robots,
        GuardedKind::Teams,
        GuardedKind::ImmutableTags,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GuardedKind::Permissions => "repository permissions",
            GuardedKind::TeamMembers => "team members",
            GuardedKind::Robots => "robots",
            GuardedKind::Teams => "teams",
            GuardedKind::ImmutableTags => "immutability policies",
        }
    }

    /// What the plan does to them: removals, or the one-way changes of immutability policies.
    pub fn action(self) -> &'static str {
        match self {
            GuardedKind::ImmutableTags => "to create or change (one-way)",
            _ => "to remove",
        }
    }

    /// How many objects of this kind the organization has now.
    fn existing(self, actual: &Organization) -> usize {
        match self {
            GuardedKind::Permissions => actual
                .repositories
                .values()
                .map(|repository| {
                    let p = &repository.permissions;
                    p.users.as_ref().map_or(0, |m| m.len())
                        + p.robots.as_ref().map_or(0, |m| m.len())
                        + p.teams.as_ref().map_or(0, |m| m.len())
                })
                .sum(),
            GuardedKind::TeamMembers => actual
                .teams
                .values()
                .filter_map(|team| team.members.as_ref())
                .map(|m| m.users.len() + m.robots.len() + m.invited_users.len())
                .sum(),
            GuardedKind::Robots => actual.robots.len(),
            GuardedKind::Teams => actual.teams.len(),
            GuardedKind::ImmutableTags => {
                let p = &actual.immutability;
                p.organization.as_ref().map_or(0, Vec::len)
                    + p.repositories.values().map(Vec::len).sum::<usize>()
            }
        }
    }
}

impl fmt::Display for GuardedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One kind whose removals pass the threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excess {
    pub kind: GuardedKind,
    /// How many the plan removes.
    pub removals: usize,
    /// How many exist now.
    pub existing: usize,
    /// The most the plan may remove without `--force`.
    pub allowed: usize,
    /// What would be removed, in plan order (e.g. `user bob on exampleorg/alpine`).
    pub removed: Vec<String>,
}

/// Why a target's plan was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetyViolation {
    /// The whole explanation, ready to print.
    pub message: String,
    /// Every kind over the threshold, in [`GuardedKind`] order.
    pub excess: Vec<Excess>,
}

impl fmt::Display for SafetyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SafetyViolation {}

/// The most removals of a kind allowed without `--force`: max(5, ⌈30 % × existing⌉).
pub fn allowed_removals(existing: usize) -> usize {
    MIN_ALLOWED.max((existing * MAX_SHARE_PERCENT).div_ceil(100))
}

/// Checks one target's plan against what exists on it.
///
/// Rule: a plan that removes more than max(5, ⌈30 %⌉) of the existing objects of one kind
/// (repository permissions of all repositories together, team members of all teams together,
/// robots, teams) is refused. "Existing" is the count in `actual` (none when the organization
/// does not exist yet). Objects Quay drops along with a deleted robot or team are not counted:
/// the deletion itself is.
pub fn check_safety(
    plan: &TargetPlan,
    actual: Option<&Organization>,
) -> Result<(), SafetyViolation> {
    let organization = plan.target.organization.as_str();
    let mut excess = Vec::new();
    for kind in GuardedKind::ALL {
        let removed: Vec<String> = plan
            .changes
            .iter()
            .filter_map(|change| removal(kind, &change.op, organization))
            .collect();
        let existing = actual.map_or(0, |actual| kind.existing(actual));
        let allowed = allowed_removals(existing);
        if removed.len() > allowed {
            excess.push(Excess {
                kind,
                removals: removed.len(),
                existing,
                allowed,
                removed,
            });
        }
    }
    if excess.is_empty() {
        return Ok(());
    }
    Err(SafetyViolation {
        message: message(plan, &excess),
        excess,
    })
}

/// Names what `op` removes when it removes an object of `kind`.
fn removal(kind: GuardedKind, op: &Op, organization: &str) -> Option<String> {
    op.guarded_removal(organization)
        .filter(|(guarded, _)| *guarded == kind)
        .map(|(_, name)| name)
}

fn message(plan: &TargetPlan, excess: &[Excess]) -> String {
    let mut text = format!(
        "refusing to change {}: the plan removes too much of what exists",
        plan.target
    );
    for excess in excess {
        text.push_str(&format!(
            "\n  - {} of {} {} (at most {} without {OVERRIDE_FLAG}): {}",
            excess.removals,
            excess.existing,
            excess.kind,
            excess.allowed,
            excess
                .removed
                .iter()
                .take(LISTED)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if excess.removed.len() > LISTED {
            text.push_str(&format!(", and {} more", excess.removed.len() - LISTED));
        }
    }
    text.push_str(&format!(
        "\nCheck the organization file; if these removals are intended, re-run with {OVERRIDE_FLAG}."
    ));
    text
}
