//! Immutability policies: an exact list per scope (the organization, each repository) when the
//! file declares one.

use super::Planner;
use crate::model::{ImmutabilityPolicy, Organization};
use crate::plan::problems::{feature_missing, Feature, ServerLimits};
use crate::plan::{ImmutabilityOp, ObjectRef};

/// Plans every declared scope.
///
/// Rules (identity is pattern and flag, `ImmutabilityPolicy::key`):
/// - a policy Quay holds as declared is unchanged;
/// - a held policy with a declared pattern but the other flag is replaced (one PUT); the
///   other declared ones take the place of the other held ones in order (one PUT each);
///   declared ones left over are created, held ones left over removed;
/// - creations and replacements are one-way (Quay makes the matching existing tags immutable
///   at once and never undoes it): marked so in the op;
/// - without immutability policies on the endpoint (Quay before 3.17, or
///   `FEATURE_IMMUTABLE_TAGS` off) a declared scope is a problem and left alone.
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    limits: &ServerLimits,
) {
    let lack = limits.lacks.get(&Feature::ImmutableTags);
    let mut scopes: Vec<(
        Option<&String>,
        &Vec<ImmutabilityPolicy>,
        &[ImmutabilityPolicy],
    )> = Vec::new();
    if let Some(want) = &desired.immutability.organization {
        let have = actual
            .immutability
            .organization
            .as_deref()
            .unwrap_or_default();
        scopes.push((None, want, have));
    }
    for (repository, want) in &desired.immutability.repositories {
        let have = actual
            .immutability
            .repositories
            .get(repository)
            .map_or(&[][..], Vec::as_slice);
        scopes.push((Some(repository), want, have));
    }
    for (repository, want, have) in scopes {
        if let Some(lack) = lack {
            let object = match repository {
                None => ObjectRef::Organization,
                Some(repo) => ObjectRef::Repository(repo.clone()),
            };
            planner.problem(feature_missing(
                Feature::ImmutableTags,
                lack,
                object,
                "immutability",
            ));
            continue;
        }
        scope(planner, repository.cloned(), want, have);
    }
}

fn scope(
    planner: &mut Planner,
    repository: Option<String>,
    want: &[ImmutabilityPolicy],
    have: &[ImmutabilityPolicy],
) {
    let mut held: Vec<&ImmutabilityPolicy> = have.iter().collect();
    let mut missing = Vec::new();
    for wanted in want {
        match held.iter().position(|h| h.key() == wanted.key()) {
            Some(i) => {
                held.remove(i);
                planner.unchanged(1);
            }
            None => missing.push(wanted),
        }
    }
    // Same pattern, other flag: that policy is the one to change.
    let mut pairs = Vec::new();
    missing.retain(|wanted| {
        match held
            .iter()
            .position(|h| h.tag_pattern == wanted.tag_pattern)
        {
            Some(i) => {
                pairs.push((held.remove(i), *wanted));
                false
            }
            None => true,
        }
    });
    let mut held = held.into_iter();
    let mut creates = Vec::new();
    for wanted in missing {
        match held.next() {
            Some(from) => pairs.push((from, wanted)),
            None => creates.push(wanted),
        }
    }
    let clean = |p: &ImmutabilityPolicy| ImmutabilityPolicy {
        uuid: None,
        ..p.clone()
    };
    for (from, to) in pairs {
        planner.push(ImmutabilityOp::ReplaceImmutabilityPolicy {
            repository: repository.clone(),
            from: from.clone(),
            to: clean(to),
            one_way: true,
        });
    }
    for wanted in creates {
        planner.push(ImmutabilityOp::CreateImmutabilityPolicy {
            repository: repository.clone(),
            policy: clean(wanted),
            one_way: true,
        });
    }
    for extra in held {
        planner.push(ImmutabilityOp::DeleteImmutabilityPolicy {
            repository: repository.clone(),
            policy: extra.clone(),
        });
    }
}
