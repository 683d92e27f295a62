//! Auto-prune policies: an exact list per scope (the organization, each repository) when the
//! file declares one.

use super::Planner;
use crate::model::{AutoPrunePolicy, Organization};
use crate::plan::problems::{feature_missing, Feature, Lack, ServerLimits};
use crate::plan::{AutoPruneOp, ObjectRef};

/// Plans every declared scope.
///
/// Rules (identity is the whole tuple, `AutoPrunePolicy::key`):
/// - a policy Quay holds as declared is unchanged (each declared one matches one held);
/// - the other declared ones take the place of the other held ones, in order: one
///   `ReplaceAutoPrunePolicy` (Quay's PUT) each; declared ones left over are created, held
///   ones left over removed;
/// - without `FEATURE_AUTO_PRUNE` a declared scope is a problem and left alone; below Quay
///   3.13 so is a scope that declares a `tag_pattern` or more than one policy (3.12 ignores the
///   pattern, and would prune every tag, and keeps one policy per scope).
pub(super) fn plan(
    planner: &mut Planner,
    desired: &Organization,
    actual: &Organization,
    limits: &ServerLimits,
) {
    let lack = limits.lacks.get(&Feature::AutoPrune);
    if let Some(want) = &desired.auto_prune.organization {
        let have = actual
            .auto_prune
            .organization
            .as_deref()
            .unwrap_or_default();
        scope(planner, None, want, have, lack);
    }
    for (repository, want) in &desired.auto_prune.repositories {
        let have = actual
            .auto_prune
            .repositories
            .get(repository)
            .map_or(&[][..], Vec::as_slice);
        scope(planner, Some(repository), want, have, lack);
    }
}

fn scope(
    planner: &mut Planner,
    repository: Option<&String>,
    want: &[AutoPrunePolicy],
    have: &[AutoPrunePolicy],
    lack: Option<&Lack>,
) {
    let object = || match repository {
        None => ObjectRef::Organization,
        Some(repo) => ObjectRef::Repository(repo.clone()),
    };
    let refused = match lack {
        None => false,
        Some(Lack::OlderThan(_)) => {
            want.len() > 1 || want.iter().any(|policy| policy.tag_pattern.is_some())
        }
        Some(_) => true,
    };
    if let (true, Some(lack)) = (refused, lack) {
        planner.problem(feature_missing(
            Feature::AutoPrune,
            lack,
            object(),
            "auto_prune",
        ));
        return;
    }
    let mut held: Vec<&AutoPrunePolicy> = have.iter().collect();
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
    let mut held = held.into_iter();
    let repository = repository.cloned();
    for wanted in missing {
        let to = AutoPrunePolicy {
            uuid: None,
            ..wanted.clone()
        };
        match held.next() {
            Some(from) => planner.push(AutoPruneOp::ReplaceAutoPrunePolicy {
                repository: repository.clone(),
                from: from.clone(),
                to,
            }),
            None => planner.push(AutoPruneOp::CreateAutoPrunePolicy {
                repository: repository.clone(),
                policy: to,
            }),
        }
    }
    for extra in held {
        planner.push(AutoPruneOp::DeleteAutoPrunePolicy {
            repository: repository.clone(),
            policy: extra.clone(),
        });
    }
}
