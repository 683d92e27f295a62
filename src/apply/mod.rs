//! Runs plans phase by phase.
//!
//! Inside a phase, the changes of every target run concurrently (bounded), all through the
//! client's limiter. Changes that must not overlap run one after another in plan order, in every
//! phase: the changes of one subject (the planner says which: [`crate::plan::Op::subject`],
//! `Change::with_whole_object`), e.g. the mirror steps of one repository, the sync steps of one
//! team, the role change and removal of one grantee. A failure only skips what depends on
//! it: when a change that creates an object fails, later changes of that target that need the
//! object are skipped; everything else carries on. Within one declared list (a repository's
//! user, robot or team permissions, a team's users or robots), removals run only after that
//! list's grants, and only when every one of them applied ([`ListRef`]): a failed grant
//! cancels them. Deciding what a failure means ([`after_failure`]) is kept apart from doing the
//! work (the [`ChangeRunner`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::StreamExt;
use serde::Serialize;

use crate::error::Failure;
use crate::plan::{
    Change, ChangeKind, Detail, ListEntry, ListRef, ObjectRef, Op, Phase, Target, TargetPlan,
};

pub mod execute;

/// Sends the writes of one change. The real runner talks to Quay; tests use a fake. A failure
/// is typed ([`Failure`]): the report carries its request and Quay's answer.
pub trait ChangeRunner: Sync {
    fn run(&self, target: &Target, op: &Op) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// Set by SIGINT/SIGTERM: no change starts after it is raised; those in flight finish.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<(AtomicBool, tokio::sync::Notify)>);

impl StopFlag {
    pub fn raise(&self) {
        self.0 .0.store(true, Ordering::SeqCst);
        self.0 .1.notify_waiters();
    }

    pub fn is_raised(&self) -> bool {
        self.0 .0.load(Ordering::SeqCst)
    }

    /// Resolves once the flag is raised.
    pub async fn raised(&self) {
        loop {
            let notified = self.0 .1.notified();
            if self.is_raised() {
                return;
            }
            notified.await;
        }
    }
}

/// What happened to one planned change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChangeOutcome {
    Applied,
    /// Serialized as `error` (the text) and `error_detail` (request, status, Quay's message).
    Failed(Failure),
    /// Not attempted because something it needs failed.
    Skipped {
        reason: String,
    },
    /// Not attempted because the run was interrupted.
    NotStarted,
}

/// Observes progress; the report module draws it.
pub trait Progress: Sync {
    fn phase_started(&self, phase: Phase, changes: usize);
    fn change_finished(&self, target: &Target, change: &Change, outcome: &ChangeOutcome);
    fn phase_finished(&self, phase: Phase);
}

/// A progress observer that shows nothing (JSON output, tests).
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase_started(&self, _: Phase, _: usize) {}
    fn change_finished(&self, _: &Target, _: &Change, _: &ChangeOutcome) {}
    fn phase_finished(&self, _: Phase) {}
}

/// What a failed change means for the rest of its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consequence {
    /// The object was not created: skip every later change that needs it.
    ObjectMissing(ObjectRef),
    /// Skip the rest of this change's sequence (e.g. no sync-now after a failed mirror update).
    StopSequence,
    /// Nothing else depends on it.
    RecordAndContinue,
}

/// The failure policy, as a pure function of the change (each kind says which of its ops stop
/// their sequence, `KindOp::stops_sequence_on_failure`).
pub fn after_failure(op: &Op) -> Consequence {
    if let Some(object) = op.creates() {
        return Consequence::ObjectMissing(object);
    }
    if op.stops_sequence_on_failure() {
        Consequence::StopSequence
    } else {
        Consequence::RecordAndContinue
    }
}

/// What makes changes of one phase run one after another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SequenceKey<'a> {
    /// The changes of one subject of one object (a repository's mirror steps, one grantee's
    /// permission, a team's sync steps): two changes to one thing never overlap. With
    /// `Detail::None`, the object as a whole: the planner puts a change there with
    /// `Change::with_whole_object`.
    Subject(ObjectRef, Detail<'a>),
    /// A list whose removals wait for its grants (see [`gates`]).
    List(ListRef),
}

/// Changes that share a sequence key run one after another in plan order, in every phase: the
/// planner's order on one subject is kept. The planner may widen a change's sequence to its
/// whole object (a team's user-member changes behind the disabling of its LDAP sync: there,
/// the list's changes are already in their team's sequence); elsewhere a gated list is a
/// sequence of its own, so only the lists that both grant and remove lose their concurrency.
fn sequence_key<'a>(change: &'a Change, gates: &Gates) -> SequenceKey<'a> {
    if change.with_whole_object {
        return SequenceKey::Subject(change.op.object(), Detail::None);
    }
    if !gates.is_empty() {
        if let Some((list, _)) = change.op.list_entry() {
            if gates.contains_key(&list) {
                return SequenceKey::List(list);
            }
        }
    }
    SequenceKey::Subject(change.op.object(), change.op.subject())
}

/// Per target: each list whose removals must wait for grants, with the phase and plan index of
/// the last grant of that list. Lists that only grant or only remove need no gate.
type Gates = BTreeMap<ListRef, (Phase, usize)>;

fn gates(plan: &TargetPlan) -> Gates {
    let removing: BTreeSet<ListRef> = plan
        .changes
        .iter()
        .filter(|change| change.op.kind() == ChangeKind::Remove)
        .filter_map(|change| match change.op.list_entry() {
            Some((list, ListEntry::Removal)) => Some(list),
            _ => None,
        })
        .collect();
    let mut gates = Gates::new();
    if removing.is_empty() {
        return gates;
    }
    for (c, change) in plan.changes.iter().enumerate() {
        if let Some((list, ListEntry::Grant)) = change.op.list_entry() {
            if removing.contains(&list) {
                let last = gates.entry(list).or_insert((change.phase, c));
                *last = (*last).max((change.phase, c));
            }
        }
    }
    gates
}

/// Why the removal `change` (index `c` in its plan) must not run: a grant of its list did not
/// apply (`cancelled`: found in earlier phases or earlier in this sequence), or, which the
/// planner never does, would run after it (a later phase, or later in an object's sequence); a
/// removal never goes before its list's grants.
fn removal_blocked(
    change: &Change,
    c: usize,
    gates: &Gates,
    cancelled: &BTreeMap<ListRef, String>,
    cancelled_here: &[(ListRef, String)],
) -> Option<String> {
    if gates.is_empty() {
        return None;
    }
    let Some((list, ListEntry::Removal)) = change.op.list_entry() else {
        return None;
    };
    let &(grant_phase, grant_index) = gates.get(&list)?;
    // A list's own sequence puts its removals last; a whole object's keeps plan order.
    let later_in_sequence =
        grant_phase == change.phase && change.with_whole_object && grant_index > c;
    if grant_phase > change.phase || later_in_sequence {
        return Some(format!(
            "not removed: a grant of the same list is planned after it (phase {grant_phase}), \
             and removals wait for their list's grants"
        ));
    }
    cancelled_here
        .iter()
        .find(|(cancelled, _)| *cancelled == list)
        .map(|(_, reason)| reason.clone())
        .or_else(|| cancelled.get(&list).cloned())
}

/// When a grant of a gated list did not apply: the list it cancels the removals of, and why.
fn cancels(
    organization: &str,
    change: &Change,
    outcome: &ChangeOutcome,
    gates: &Gates,
) -> Option<(ListRef, String)> {
    if gates.is_empty() {
        return None;
    }
    let what = match outcome {
        ChangeOutcome::Applied => return None,
        ChangeOutcome::Failed(_) => "failed",
        ChangeOutcome::Skipped { .. } => "was skipped",
        ChangeOutcome::NotStarted => "was not started",
    };
    let Some((list, ListEntry::Grant)) = change.op.list_entry() else {
        return None;
    };
    if !gates.contains_key(&list) {
        return None;
    }
    let grant = change.op.describe_grant(organization)?;
    Some((list, format!("not removed because {grant} {what}")))
}

impl fmt::Display for ChangeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeOutcome::Applied => f.write_str("applied"),
            ChangeOutcome::Failed(failure) => write!(f, "failed: {failure}"),
            ChangeOutcome::Skipped { reason } => write!(f, "skipped: {reason}"),
            ChangeOutcome::NotStarted => f.write_str("not started (interrupted)"),
        }
    }
}

/// How much may run at once across all targets of a phase. The per-endpoint connection bound
/// and the global rate limit are enforced by the client; this only caps the futures in memory.
pub const DEFAULT_CONCURRENCY: usize = 256;

/// Per-target bookkeeping while a run progresses.
#[derive(Default)]
struct TargetState {
    missing: BTreeMap<ObjectRef, String>,
    /// Lists whose removals are cancelled, with the reason (see [`cancels`]).
    cancelled: BTreeMap<ListRef, String>,
    outcomes: Vec<Option<ChangeOutcome>>,
}

/// Applies every target's plan. Returns, per target (in the order given), one outcome per
/// planned change, in plan order (outcomes only: the plans already hold the changes, and a run
/// over a thousand organizations plans about a hundred thousand of them).
pub async fn apply<R: ChangeRunner>(
    plans: &[TargetPlan],
    runner: &R,
    concurrency: usize,
    stop: &StopFlag,
    progress: &dyn Progress,
) -> Vec<Vec<ChangeOutcome>> {
    let mut states: Vec<TargetState> = plans
        .iter()
        .map(|p| TargetState {
            missing: BTreeMap::new(),
            cancelled: BTreeMap::new(),
            outcomes: vec![None; p.changes.len()],
        })
        .collect();
    let gates: Vec<Gates> = plans.iter().map(gates).collect();

    for phase in Phase::ALL {
        let (order, sequences) = phase_sequences(plans, &gates, phase);
        if sequences.is_empty() {
            continue;
        }
        // Plans come sorted by endpoint; without interleaving, the bounded window below would
        // hold only the first endpoint's changes while the others sit idle (measured: N = 100
        // cold at 2.4 × the connection bound, docs/performance.md).
        let sequences = interleave(sequences, |sequence| {
            order
                .get(sequence.start)
                .map(|&(t, _)| &plans[t].target.endpoint)
        });
        progress.phase_started(phase, order.len());

        // Dependencies are settled at the start of a phase: within one phase no change needs an
        // object created by another change of the same phase.
        // Likewise the lists cancelled by grants of earlier phases; a grant of this phase
        // cancels the removals of its list within its own sequence.
        let missing: Vec<BTreeMap<ObjectRef, String>> =
            states.iter().map(|s| s.missing.clone()).collect();
        let cancelled: Vec<BTreeMap<ListRef, String>> =
            states.iter().map(|s| s.cancelled.clone()).collect();
        let mut finished = futures::stream::iter(sequences.into_iter().map(|sequence| {
            let missing = &missing;
            let cancelled = &cancelled;
            let gates = &gates;
            let sequence = &order[sequence];
            async move {
                let mut out = Vec::with_capacity(sequence.len());
                let mut stop_sequence: Option<String> = None;
                let mut cancelled_here: Vec<(ListRef, String)> = Vec::new();
                for &(t, c) in sequence {
                    let plan = &plans[t];
                    let change = &plan.changes[c];
                    let outcome = if let Some(reason) = &stop_sequence {
                        ChangeOutcome::Skipped {
                            reason: reason.clone(),
                        }
                    } else if let Some(reason) = blocked_by(&change.op, &missing[t]) {
                        ChangeOutcome::Skipped { reason }
                    } else if stop.is_raised() {
                        ChangeOutcome::NotStarted
                    } else if let Some(reason) =
                        removal_blocked(change, c, &gates[t], &cancelled[t], &cancelled_here)
                    {
                        ChangeOutcome::Skipped { reason }
                    } else {
                        match runner.run(&plan.target, &change.op).await {
                            Ok(()) => ChangeOutcome::Applied,
                            Err(error) => {
                                if after_failure(&change.op) == Consequence::StopSequence {
                                    stop_sequence =
                                        Some(format!("an earlier step failed: {error}"));
                                }
                                ChangeOutcome::Failed(error)
                            }
                        }
                    };
                    if let Some(cancel) =
                        cancels(&plan.target.organization, change, &outcome, &gates[t])
                    {
                        cancelled_here.push(cancel);
                    }
                    progress.change_finished(&plan.target, change, &outcome);
                    out.push((t, c, outcome));
                }
                out
            }
        }))
        .buffer_unordered(concurrency.max(1));

        // Outcomes are filed as their sequence finishes, not collected per phase first: the
        // permissions phase alone has ~45,000 changes at N = 1000.
        while let Some(done) = finished.next().await {
            for (t, c, outcome) in done {
                let change = &plans[t].changes[c];
                if let Some((list, reason)) =
                    cancels(&plans[t].target.organization, change, &outcome, &gates[t])
                {
                    states[t].cancelled.entry(list).or_insert(reason);
                }
                if let ChangeOutcome::Failed(error) = &outcome {
                    if let Consequence::ObjectMissing(object) = after_failure(&change.op) {
                        states[t].missing.insert(
                            object.clone(),
                            format!("{} could not be created: {error}", describe(&object)),
                        );
                    }
                }
                states[t].outcomes[c] = Some(outcome);
            }
        }
        progress.phase_finished(phase);
    }

    states
        .into_iter()
        .map(|state| {
            state
                .outcomes
                .into_iter()
                .map(|outcome| outcome.unwrap_or(ChangeOutcome::NotStarted))
                .collect()
        })
        .collect()
}

/// The changes of one phase, as (target index, change index) pairs in `order`, and the
/// sequences they form as ranges of `order`. Changes sharing a sequence key are one sequence,
/// in plan order (except that a list's own sequence puts its removals after its grants); every
/// other change is a sequence of its own. Flat vectors rather than a vector per sequence: most
/// sequences hold a single change.
fn phase_sequences(
    plans: &[TargetPlan],
    gates: &[Gates],
    phase: Phase,
) -> (Vec<(usize, usize)>, Vec<Range<usize>>) {
    let mut keyed: BTreeMap<(usize, SequenceKey), usize> = BTreeMap::new();
    // (sequence id, removal of a gated list, target, change); ids are given in order of first
    // appearance.
    let mut members: Vec<(usize, bool, usize, usize)> = Vec::new();
    let mut next_id = 0;
    for (t, plan) in plans.iter().enumerate() {
        for (c, change) in plan.changes.iter().enumerate() {
            if change.phase != phase {
                continue;
            }
            let fresh = next_id;
            let key = sequence_key(change, &gates[t]);
            let removal_last =
                matches!(key, SequenceKey::List(_)) && change.op.kind() == ChangeKind::Remove;
            let id = *keyed.entry((t, key)).or_insert(fresh);
            if id == fresh {
                next_id += 1;
            }
            members.push((id, removal_last, t, c));
        }
    }
    // Stable: plan order is kept inside each sequence.
    members.sort_by_key(|&(id, removal_last, _, _)| (id, removal_last));
    let mut sequences: Vec<Range<usize>> = Vec::with_capacity(next_id);
    for (i, &(id, _, _, _)) in members.iter().enumerate() {
        match sequences.last_mut() {
            Some(last) if i > 0 && members[i - 1].0 == id => last.end = i + 1,
            _ => sequences.push(i..i + 1),
        }
    }
    let order = members.into_iter().map(|(_, _, t, c)| (t, c)).collect();
    (order, sequences)
}

/// Reorders `items` so that consecutive items alternate between the groups `key` defines
/// (round robin, keeping the order inside each group). Work is started in this order through a
/// bounded window, so every endpoint gets its share of the window from the start.
pub fn interleave<T, K: Ord>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let total = items.len();
    let mut groups: BTreeMap<K, std::collections::VecDeque<T>> = BTreeMap::new();
    for item in items {
        groups.entry(key(&item)).or_default().push_back(item);
    }
    let mut queues: Vec<_> = groups.into_values().collect();
    let mut out = Vec::with_capacity(total);
    while out.len() < total {
        for queue in &mut queues {
            if let Some(item) = queue.pop_front() {
                out.push(item);
            }
        }
    }
    out
}

/// Why a change cannot run, if an object it needs failed to be created.
fn blocked_by(op: &Op, missing: &BTreeMap<ObjectRef, String>) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let needs: BTreeSet<ObjectRef> = op.depends_on();
    needs.iter().find_map(|object| missing.get(object).cloned())
}

fn describe(object: &ObjectRef) -> String {
    match object {
        ObjectRef::Organization => "the organization".to_string(),
        ObjectRef::Robot(name) => format!("robot {name}"),
        ObjectRef::Team(name) => format!("team {name}"),
        ObjectRef::Repository(name) => format!("repository {name}"),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sequencing;
