//! Every command's report, in every output format, written to any `io::Write`.
//!
//! A command builds one data structure and hands it to [`print`]; it never prints a report
//! itself. [`RunReport`] (`plan`, `create`) feeds three renderers: the human one groups the
//! changes by endpoint → organization, with `+` create, `~` update, `-` remove, `!` for what
//! mqc cannot change and `?` for what it leaves alone; the markdown one is the same for a
//! merge-request comment ([`markdown`]); the JSON one is the same data for CI, inside the
//! envelope every command shares ([`json`], documented in docs/json-report.md). `check`,
//! `login`, `delete` and `export` have their report types in their own modules.

pub mod check;
pub mod delete;
pub mod export;
mod human;
pub mod json;
pub mod login;
pub mod markdown;
mod progress;
mod read_progress;

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::apply::ChangeOutcome;
use crate::cli::OutputFormat;
use crate::error::{Failure, FailureDetail};
use crate::model::Endpoint;
use crate::plan::{
    Change, ChangeKind, Problem, SafetyViolation, Target, TargetPlan, OVERRIDE_FLAG,
};
use crate::quay::PaceReport;

pub use human::{describe_notice, describe_op, describe_problem};
pub use progress::{BarProgress, LineProgress};
pub use read_progress::ExportProgress;

/// Requests sent to Quay on behalf of one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RequestCount {
    pub reads: u64,
    pub writes: u64,
}

/// Everything known about one target at the end of a command.
#[derive(Debug, Clone)]
pub struct TargetReport {
    pub target: Target,
    /// The organization file it comes from.
    pub source: PathBuf,
    /// Why the target could not be planned or applied at all (unreadable, bad token).
    pub error: Option<Failure>,
    /// The plan passes the safety threshold: it is shown but not applied, and none of its
    /// changes counts as created, updated or removed.
    pub refused: Option<SafetyViolation>,
    pub plan: Option<TargetPlan>,
    /// After `apply`: one outcome per planned change, in plan order.
    pub results: Option<Vec<ChangeOutcome>>,
    pub requests: RequestCount,
}

/// Counts over one or many targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub create: usize,
    pub update: usize,
    pub remove: usize,
    pub unchanged: usize,
    pub unmanaged: usize,
    pub failed: usize,
    pub skipped: usize,
    pub not_started: usize,
    /// Targets that could not be planned or applied at all.
    pub target_errors: usize,
    /// Targets whose plan the safety threshold refused (not counted in `target_errors`).
    pub refused: usize,
    /// Plan-time errors: declarations a target cannot apply (`plan::Problem`).
    pub problems: usize,
    pub reads: u64,
    pub writes: u64,
}

impl TargetReport {
    pub fn totals(&self) -> Totals {
        let mut totals = Totals {
            reads: self.requests.reads,
            writes: self.requests.writes,
            target_errors: usize::from(self.error.is_some()),
            refused: usize::from(self.refused.is_some()),
            ..Totals::default()
        };
        let Some(plan) = &self.plan else {
            return totals;
        };
        totals.unchanged = plan.unchanged;
        totals.unmanaged = plan.unmanaged();
        totals.problems = plan.problems.len();
        if self.refused.is_some() {
            return totals;
        }
        let count = |totals: &mut Totals, kind: ChangeKind| match kind {
            ChangeKind::Create => totals.create += 1,
            ChangeKind::Update => totals.update += 1,
            ChangeKind::Remove => totals.remove += 1,
        };
        match &self.results {
            None => {
                for change in &plan.changes {
                    count(&mut totals, change.op.kind());
                }
            }
            Some(outcomes) => {
                for (change, outcome) in plan.changes.iter().zip(outcomes) {
                    match outcome {
                        ChangeOutcome::Applied => count(&mut totals, change.op.kind()),
                        ChangeOutcome::Failed(_) => totals.failed += 1,
                        ChangeOutcome::Skipped { .. } => totals.skipped += 1,
                        ChangeOutcome::NotStarted => totals.not_started += 1,
                    }
                }
            }
        }
        totals
    }

    /// True when something this target needed did not happen.
    pub fn has_failures(&self) -> bool {
        let t = self.totals();
        t.target_errors + t.refused + t.problems + t.failed + t.skipped + t.not_started > 0
    }

    pub fn has_pending_changes(&self) -> bool {
        self.plan.as_ref().is_some_and(|p| !p.is_empty())
    }

    /// Each applied change with its outcome, in plan order (empty before `apply`).
    pub fn outcomes(&self) -> impl Iterator<Item = (&Change, &ChangeOutcome)> {
        let changes = self.plan.iter().flat_map(|p| p.changes.iter());
        changes.zip(self.results.iter().flatten())
    }
}

/// The JSON form of a target: `results` pairs each change with its outcome, so that CI can read
/// one list without joining two.
impl Serialize for TargetReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            #[serde(flatten)]
            change: &'a Change,
            #[serde(flatten)]
            outcome: &'a ChangeOutcome,
        }
        /// Why the plan was not applied: the figures per kind over the threshold, and the flag
        /// that overrides it.
        #[derive(Serialize)]
        struct Refusal<'a> {
            by: &'static str,
            #[serde(rename = "override")]
            override_flag: &'static str,
            kinds: &'a [crate::plan::Excess],
            message: &'a str,
        }
        #[derive(Serialize)]
        struct ProblemEntry<'a> {
            #[serde(flatten)]
            problem: &'a Problem,
            message: String,
        }
        #[derive(Serialize)]
        struct View<'a> {
            target: &'a Target,
            source: &'a PathBuf,
            error: Option<&'a str>,
            /// The request and Quay's answer behind `error`.
            error_detail: Option<&'a FailureDetail>,
            refused: Option<Refusal<'a>>,
            /// Plan-time errors, each with the message the human report shows.
            problems: Vec<ProblemEntry<'a>>,
            plan: &'a Option<TargetPlan>,
            results: Option<Vec<Entry<'a>>>,
            requests: RequestCount,
        }
        View {
            target: &self.target,
            source: &self.source,
            error: self.error.as_ref().map(|f| f.text.as_str()),
            error_detail: self.error.as_ref().map(|f| &*f.detail),
            refused: self.refused.as_ref().map(|violation| Refusal {
                by: "safety_threshold",
                override_flag: OVERRIDE_FLAG,
                kinds: &violation.excess,
                message: &violation.message,
            }),
            problems: self
                .plan
                .iter()
                .flat_map(|plan| &plan.problems)
                .map(|problem| ProblemEntry {
                    problem,
                    message: describe_problem(&self.target, &self.source, problem),
                })
                .collect(),
            plan: &self.plan,
            results: self.results.as_ref().map(|_| {
                self.outcomes()
                    .map(|(change, outcome)| Entry { change, outcome })
                    .collect()
            }),
            requests: self.requests,
        }
        .serialize(serializer)
    }
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, o: Totals) {
        self.create += o.create;
        self.update += o.update;
        self.remove += o.remove;
        self.unchanged += o.unchanged;
        self.unmanaged += o.unmanaged;
        self.failed += o.failed;
        self.skipped += o.skipped;
        self.not_started += o.not_started;
        self.target_errors += o.target_errors;
        self.refused += o.refused;
        self.problems += o.problems;
        self.reads += o.reads;
        self.writes += o.writes;
    }
}

/// What a command ends with: every target, and whether it only planned.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The JSON envelope carries it ([`json`]).
    #[serde(skip)]
    pub command: &'static str,
    pub dry_run: bool,
    pub interrupted: bool,
    pub targets: Vec<TargetReport>,
    pub totals: Totals,
    /// How each endpoint was paced: where its answers (429, 503, timeouts) slowed mqc down.
    pub endpoints: Vec<EndpointPace>,
}

/// One endpoint's pace over the run (`quay::PaceReport`), as the files name the endpoint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointPace {
    pub endpoint: Endpoint,
    /// Whether its answers made mqc slow down at all.
    pub slowed: bool,
    /// Requests per second at the end of the run, and the lowest reached.
    pub rate: f64,
    pub lowest_rate: f64,
    /// The lowest number of requests in flight it was allowed.
    pub lowest_concurrency: usize,
    pub throttled: u64,
    pub unavailable: u64,
    pub timed_out: u64,
}

impl EndpointPace {
    pub fn new(endpoint: Endpoint, pace: PaceReport) -> EndpointPace {
        EndpointPace {
            endpoint,
            slowed: pace.slowed(),
            rate: round1(pace.rate),
            lowest_rate: round1(pace.lowest_rate),
            lowest_concurrency: pace.lowest_concurrency,
            throttled: pace.throttled,
            unavailable: pace.unavailable,
            timed_out: pace.timed_out,
        }
    }
}

/// One decimal: a pace is an estimate, not a measurement to the microsecond.
fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl RunReport {
    pub fn new(command: &'static str, dry_run: bool, targets: Vec<TargetReport>) -> RunReport {
        let mut totals = Totals::default();
        for target in &targets {
            totals += target.totals();
        }
        RunReport {
            command,
            dry_run,
            interrupted: false,
            targets,
            totals,
            endpoints: Vec::new(),
        }
    }

    pub fn has_failures(&self) -> bool {
        self.interrupted || self.targets.iter().any(TargetReport::has_failures)
    }

    pub fn has_pending_changes(&self) -> bool {
        self.targets.iter().any(TargetReport::has_pending_changes)
    }
}

/// A command's report, in every output format.
pub trait Render: Serialize {
    /// The command's name, the JSON report's `command`.
    fn command(&self) -> &'static str;
    /// The readable text.
    fn human(&self, out: &mut dyn Write) -> io::Result<()>;
    /// Markdown for a merge-request comment; a report without its own prints its human text.
    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        self.human(out)
    }
}

/// `report` in `format`.
pub fn write(out: &mut dyn Write, format: OutputFormat, report: &impl Render) -> io::Result<()> {
    match format {
        OutputFormat::Human => report.human(out),
        OutputFormat::Markdown => report.markdown(out),
        OutputFormat::Json => json::write_report(out, report),
    }
}

/// `report` in `format` on stdout.
pub fn print(format: OutputFormat, report: &impl Render) -> Result<(), crate::error::Error> {
    let mut stdout = io::stdout().lock();
    write(&mut stdout, format, report)
        .and_then(|()| stdout.flush())
        .map_err(stdout_error)
}

/// What a command ends with when stdout cannot be written.
pub fn stdout_error(err: io::Error) -> crate::error::Error {
    crate::error::Error::other(format!("cannot write to stdout: {err}"))
}

impl Render for RunReport {
    fn command(&self) -> &'static str {
        self.command
    }

    /// `plan`: the plan. `create`: the summary after the run (its plan was shown before, see
    /// [`write_preview`]).
    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.dry_run {
            human::write_plan(out, self)
        } else {
            writeln!(out)?;
            human::write_summary(out, self)
        }
    }

    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        markdown::write_run(out, self)
    }
}

/// What `create` shows before it applies: the plan, in the human format only (JSON and
/// markdown report once, at the end).
pub fn write_preview(
    out: &mut dyn Write,
    format: OutputFormat,
    report: &RunReport,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => {
            human::write_plan(out, report)?;
            out.flush()
        }
        OutputFormat::Json | OutputFormat::Markdown => Ok(()),
    }
}

/// The plan as a readable diff (before a run, or for `--dry-run`).
pub fn write_plan(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    human::write_plan(out, report)
}

/// Failures, and a summary per target and in total (after a run).
pub fn write_summary(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    human::write_summary(out, report)
}

/// The whole report as one JSON document, in the envelope every command shares.
pub fn write_json(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    json::write_report(out, report)
}

#[cfg(test)]
mod tests;
