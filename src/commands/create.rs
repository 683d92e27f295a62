//! `mqc create` (and `mqc plan` = `create --dry-run`): read every target, plan, check the plan's
//! safety, show it, and apply it phase by phase.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use futures::StreamExt;

use super::session::{self, counting};
use super::{limits, Outcome};
use crate::apply::{self, ChangeRunner, NoProgress, Progress, StopFlag};
use crate::cli::{CreateArgs, OutputFormat, PlanArgs, PruneKind};
use crate::config::SecretsUsed;
use crate::error::Error;
use crate::model::{Endpoint, Secrets};
use crate::plan::{self, Op, PlanOptions, ServerLimits, Target};
use crate::quay::{QuayClient, RequestCounter};
use crate::report::{self, BarProgress, LineProgress, RunReport, TargetReport};
use crate::settings::Settings;
use crate::state::{self, ReadScope};

/// How many targets are read at once. Reads of one target are concurrent too; the client's
/// limiter and connection bound keep the load on each Quay in check.
const READ_CONCURRENCY: usize = 64;

pub fn run(settings: &Settings, args: &CreateArgs) -> Result<Outcome, Error> {
    session::runtime()?.block_on(run_async(settings, &args.plan, args.dry_run))
}

pub fn run_plan(settings: &Settings, args: &PlanArgs) -> Result<Outcome, Error> {
    session::runtime()?.block_on(run_async(settings, args, true))
}

async fn run_async(settings: &Settings, args: &PlanArgs, dry_run: bool) -> Result<Outcome, Error> {
    let organizations = session::load_organizations(settings, &args.organizations)?;
    // A dry run sends no mirror configuration, so it needs no mirror password.
    let used = if dry_run {
        SecretsUsed::Tokens
    } else {
        SecretsUsed::TokensAndMirrorPasswords
    };
    let secrets = session::load_secrets(settings, &organizations, used)?;
    // Each target's planning task below owns a handle on its organization, so the desired
    // model (~17 MB at N = 1000) is freed while the plans are built instead of being held
    // through the whole run beside them.
    let targets = session::targets(session::shared(organizations));
    let clients = session::clients(settings, &secrets, targets.iter().map(|(t, _)| &t.endpoint));
    let whoami = session::check_tokens(&clients).await;

    // Read and plan every target.
    // Interleaved by endpoint so that the bounded window keeps every endpoint busy.
    let order = apply::interleave(targets, |(target, _)| target.endpoint.clone());
    let reports: Vec<TargetReport> = futures::stream::iter(order)
        .map(|(target, desired)| {
            let client = clients.get(&target.endpoint);
            let who = whoami.get(&target.endpoint);
            async move {
                let mut report = TargetReport {
                    target: target.clone(),
                    source: desired.source.clone(),
                    error: None,
                    refused: None,
                    plan: None,
                    results: None,
                    requests: Default::default(),
                };
                let (client, who) = match (client, who) {
                    (Some(Ok(client)), Some(Ok(who))) => (client, who),
                    (Some(Err(reason)), _) | (_, Some(Err(reason))) => {
                        report.error = Some(reason.clone());
                        return report;
                    }
                    _ => {
                        report.error = Some(format!("no client for {}", target.endpoint));
                        return report;
                    }
                };
                let mentions = &desired.mentions;
                let desired = &desired.organization;
                let prune_robots = args.prune.contains(&PruneKind::Robots);
                // What the endpoint lacks, then the state (without what it cannot have),
                // then the users the file names that the state does not show.
                let (read, requests) = counting(async {
                    let lacks = limits::lacking_features(client, desired).await?;
                    let limits = ServerLimits {
                        lacks,
                        ..ServerLimits::default()
                    };
                    let readable = plan::without_unavailable_mirrors(desired, &limits);
                    let mut scope = ReadScope::for_desired(&readable);
                    if prune_robots {
                        scope = scope.pruning_robots(plan::robots_the_file_keeps(desired));
                    }
                    let actual = state::read_organization(client, &target.organization, &scope)
                        .await
                        .map_err(|err| format!("cannot read the organization: {err}"))?;
                    let unknown_users =
                        limits::unknown_users(client, desired, actual.as_ref(), &who.username)
                            .await?;
                    let limits = ServerLimits {
                        unknown_users,
                        ..limits
                    };
                    Ok::<_, String>((actual, limits))
                })
                .await;
                report.requests = requests;
                let (actual, limits) = match read {
                    Ok(read) => read,
                    Err(err) => {
                        report.error = Some(err);
                        return report;
                    }
                };
                let options = PlanOptions {
                    prune_robots,
                    prune_teams: args.prune.contains(&PruneKind::Teams),
                    sync_now: args.sync_now,
                    resend_mirror_credentials: args.resend_mirror_credentials,
                    token_user: Some(who.username.clone()),
                    limits,
                };
                let mut plan =
                    plan::plan_target(target.clone(), desired, actual.as_ref(), &options);
                for problem in &mut plan.problems {
                    problem.locate(mentions);
                }
                if !args.force {
                    report.refused = plan::check_safety(&plan, actual.as_ref()).err();
                }
                report.plan = Some(plan);
                report
            }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    let mut reports = reports;
    reports.sort_by(|a, b| a.target.cmp(&b.target));

    let human = settings.output == OutputFormat::Human;
    let mut stdout = std::io::stdout().lock();
    let write_err = |e: std::io::Error| Error::other(format!("cannot write to stdout: {e}"));

    if dry_run {
        let mut report = RunReport::new("plan", true, reports);
        report.endpoints = session::paces(&clients);
        if human {
            report::write_plan(&mut stdout, &report).map_err(write_err)?;
        } else {
            report::write_json(&mut stdout, &report).map_err(write_err)?;
        }
        return Ok(
            if report.totals.target_errors + report.totals.refused + report.totals.problems > 0 {
                Outcome::Failed
            } else if args.detailed_exitcode && report.has_pending_changes() {
                Outcome::ChangesPending
            } else {
                Outcome::Success
            },
        );
    }

    // Only targets that were planned and passed the safety check are applied.
    let runnable: Vec<usize> = (0..reports.len())
        .filter(|&i| {
            reports[i].error.is_none()
                && reports[i].refused.is_none()
                && reports[i].plan.as_ref().is_some_and(|p| !p.is_empty())
        })
        .collect();
    if human {
        // Moved in and out rather than cloned: at N = 1000 a copy of every plan costs ~30 MB.
        let preview = RunReport::new("create", false, std::mem::take(&mut reports));
        report::write_plan(&mut stdout, &preview).map_err(write_err)?;
        stdout.flush().map_err(write_err)?;
        reports = preview.targets;
    }

    let stop = StopFlag::default();
    session::stop_on_signal_and_halt(stop.clone(), &clients);
    // The plans are lent to the executor and given back to their reports afterwards.
    let plans: Vec<plan::TargetPlan> = runnable
        .iter()
        .filter_map(|&i| reports[i].plan.take())
        .collect();
    let runner = QuayRunner {
        clients: &clients,
        secrets: &secrets,
        stop: &stop,
        grace: settings.timeout,
    };
    let progress: Box<dyn Progress> = if human && std::io::stderr().is_terminal() {
        Box::new(BarProgress::new())
    } else if human {
        Box::new(LineProgress::new(std::io::stderr()))
    } else {
        Box::new(NoProgress)
    };
    let (results, requests) = if plans.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        apply_counting(&plans, &runner, &stop, progress.as_ref()).await
    };
    for (((&i, results), requests), plan) in runnable.iter().zip(results).zip(requests).zip(plans) {
        reports[i].plan = Some(plan);
        reports[i].results = Some(results);
        reports[i].requests.reads += requests.reads;
        reports[i].requests.writes += requests.writes;
    }

    let mut report = RunReport::new("create", false, reports);
    report.endpoints = session::paces(&clients);
    report.interrupted = stop.is_raised();
    if human {
        writeln!(stdout).map_err(write_err)?;
        report::write_summary(&mut stdout, &report).map_err(write_err)?;
    } else {
        report::write_json(&mut stdout, &report).map_err(write_err)?;
    }
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if report.has_failures() {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

/// Applies the plans, counting the requests each target's changes send.
async fn apply_counting(
    plans: &[plan::TargetPlan],
    runner: &QuayRunner<'_>,
    stop: &StopFlag,
    progress: &dyn Progress,
) -> (Vec<Vec<apply::ChangeOutcome>>, Vec<report::RequestCount>) {
    let counters: BTreeMap<Target, RequestCounter> = plans
        .iter()
        .map(|p| (p.target.clone(), Default::default()))
        .collect();
    let counting_runner = CountingRunner {
        inner: runner,
        counters: &counters,
    };
    let results = apply::apply(
        plans,
        &counting_runner,
        apply::DEFAULT_CONCURRENCY,
        stop,
        progress,
    )
    .await;
    let requests = plans
        .iter()
        .map(|p| {
            let c = counters
                .get(&p.target)
                .map(|c| c.snapshot())
                .unwrap_or_default();
            report::RequestCount {
                reads: c.reads,
                writes: c.writes,
            }
        })
        .collect();
    (results, requests)
}

struct CountingRunner<'a> {
    inner: &'a QuayRunner<'a>,
    counters: &'a BTreeMap<Target, RequestCounter>,
}

impl ChangeRunner for CountingRunner<'_> {
    async fn run(&self, target: &Target, op: &Op) -> Result<(), String> {
        match self.counters.get(target) {
            Some(counter) => counter.count(self.inner.run(target, op)).await,
            None => self.inner.run(target, op).await,
        }
    }
}

/// Sends each change to its endpoint's Quay.
struct QuayRunner<'a> {
    clients: &'a BTreeMap<Endpoint, Result<QuayClient, String>>,
    secrets: &'a Secrets,
    stop: &'a StopFlag,
    /// How long a change in flight may still take after an interrupt.
    grace: Duration,
}

impl ChangeRunner for QuayRunner<'_> {
    async fn run(&self, target: &Target, op: &Op) -> Result<(), String> {
        let client = match self.clients.get(&target.endpoint) {
            Some(Ok(client)) => client,
            Some(Err(reason)) => return Err(reason.clone()),
            None => return Err(format!("no client for {}", target.endpoint)),
        };
        let work = apply::execute::execute(client, &target.organization, op, self.secrets);
        let deadline = async {
            self.stop.raised().await;
            tokio::time::sleep(self.grace).await;
        };
        tokio::select! {
            result = work => result.map_err(|e| e.to_string()),
            () = deadline => Err("interrupted while in flight: the outcome is unknown; run again to \
                                  converge".to_string()),
        }
    }
}
