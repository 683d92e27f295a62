//! The diff itself: desired × actual → changes, for one target.
//!
//! One submodule per kind of object; each pushes its changes, notices and unchanged counts into
//! a [`Planner`], which orders them at the end ([`order`]). Nothing here does I/O, and every
//! input is a `BTreeMap`/`BTreeSet` or gets sorted, so the same inputs always give the same plan.

mod auto_prune;
mod default_permissions;
mod federation;
mod immutability;
mod notifications;
mod order;
mod quota;
mod repositories;
mod robots;
mod tag_expiration;
mod teams;

use std::borrow::Cow;

use super::problems::{self, Problem};
use super::quay_effects;
pub use robots::robots_the_file_keeps;

use super::{Actual, Change, Notice, Op, Phase, PlanOptions, Target, TargetPlan};
use crate::model::Organization;
use crate::plan::OrganizationOp;

/// Plans one target. Pure: the same inputs always give the same plan.
///
/// Changes come out ordered by phase, inside a phase by object, then by a fixed op order
/// (see the `order` module); notices come out sorted and without duplicates.
pub fn plan_target(
    target: Target,
    desired: &Organization,
    actual: Actual<'_>,
    options: &PlanOptions,
) -> TargetPlan {
    let mut planner = Planner::default();
    // Rule: a user the file names that the endpoint does not have leaves the whole target
    // alone: applying the rest could revoke the real user while the misspelt one is refused.
    if !options.limits.unknown_users.is_empty() {
        planner.problems = problems::unknown_users(&options.limits, actual);
        return planner.finish(target);
    }
    // Rule: what needs a feature the endpoint lacks is left out (a problem each); the rest of
    // the target is planned as usual.
    let desired = problems::without_mirrors(desired, &options.limits, &mut planner.problems);
    let desired = desired.as_ref();
    let actual: Cow<'_, Organization> = match actual {
        Some(actual) => {
            organization(&mut planner, desired, actual);
            Cow::Borrowed(actual)
        }
        // Rule: an organization that does not exist is created with its email, and everything
        // below is planned against the empty organization Quay makes (no reads happened).
        None => {
            planner.push(Op::Organization(OrganizationOp::CreateOrganization {
                email: desired.email.clone(),
            }));
            Cow::Owned(organization_as_created(desired, options))
        }
    };
    let robots = robots::plan(&mut planner, desired, &actual, options);
    federation::plan(&mut planner, desired, &actual, &options.limits);
    let teams = teams::plan(&mut planner, desired, &actual, options, &robots);
    // Rule: what follows is planned against the organization as Quay holds it after these
    // deletions, which take memberships, permissions and default permissions with them.
    let actual = if robots.is_empty() && teams.is_empty() {
        actual
    } else {
        Cow::Owned(quay_effects::after_deletes(&actual, &robots, &teams))
    };
    default_permissions::plan(&mut planner, desired, &actual);
    quota::plan(&mut planner, desired, &actual, options);
    tag_expiration::plan(&mut planner, desired, &actual, options);
    auto_prune::plan(&mut planner, desired, &actual, &options.limits);
    immutability::plan(&mut planner, desired, &actual, &options.limits);
    repositories::plan(&mut planner, desired, &actual, options);
    problems::drop_mirror_changes(&options.limits, &mut planner.changes, &mut planner.problems);
    problems::drop_filtered_mirror_changes(
        desired,
        &options.limits,
        &mut planner.changes,
        &mut planner.problems,
    );
    planner.finish(target)
}

/// Rule: a declared email that differs from Quay's is updated; an email the file leaves empty
/// (`None`) is never touched.
fn organization(planner: &mut Planner, desired: &Organization, actual: &Organization) {
    match &desired.email {
        Some(email) if actual.email.as_ref() != Some(email) => {
            planner.push(Op::Organization(OrganizationOp::UpdateOrganizationEmail {
                from: actual.email.clone(),
                to: email.clone(),
            }));
        }
        _ => planner.unchanged(1),
    }
}

/// What Quay holds right after `CreateOrganization` ([`quay_effects::organization_as_created`]).
/// Planning against this instead of "nothing" keeps a declared `owners` team from being
/// created a second time and the token user from being added to it twice.
fn organization_as_created(desired: &Organization, options: &PlanOptions) -> Organization {
    quay_effects::organization_as_created(
        &desired.name,
        desired.email.clone(),
        options.token_user.as_deref(),
    )
}

/// Collects one target's changes, notices and unchanged count.
#[derive(Debug, Default)]
struct Planner {
    changes: Vec<Change>,
    notices: Vec<Notice>,
    unchanged: usize,
    problems: Vec<Problem>,
}

impl Planner {
    /// Adds a change in its op's own phase.
    fn push(&mut self, op: impl Into<Op>) {
        self.changes.push(Change::new(op));
    }

    /// Adds a change in `phase`; in another phase than its op's own (see the team-sync rule in
    /// `teams`), it runs in one sequence with every change of its object there.
    fn push_in(&mut self, phase: Phase, op: impl Into<Op>) {
        let mut change = Change::new(op);
        change.with_whole_object = change.phase != phase;
        change.phase = phase;
        self.changes.push(change);
    }

    fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    fn unchanged(&mut self, count: usize) {
        self.unchanged += count;
    }

    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    fn finish(mut self, target: Target) -> TargetPlan {
        order::sort(&mut self.changes);
        self.notices.sort();
        self.notices.dedup();
        self.problems.sort();
        self.problems.dedup();
        TargetPlan {
            target,
            changes: self.changes,
            notices: self.notices,
            unchanged: self.unchanged,
            problems: self.problems,
        }
    }
}
