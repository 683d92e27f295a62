//! `mqc create` (and `mqc plan` = `create --dry-run`): read every target, plan, check the plan's
//! safety, show it, and apply it phase by phase.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use super::session::{self, counting};
use super::{limits, Outcome};
use crate::apply::{self, ChangeRunner, NoProgress, Progress, StopFlag};
use crate::cli::{CreateArgs, OutputFormat, PlanArgs, PruneKind};
use crate::config::SecretsUsed;
use crate::error::{Error, Failure, FailureKind};
use crate::model::{DesiredOrganization, Endpoint, Organization, Secrets};
use crate::plan::{self, Op, PlanOptions, ServerLimits, Target};
use crate::quay::{QuayClient, RequestCounter, Whoami};
use crate::report::{self, BarProgress, LineProgress, RunReport, TargetReport};
use crate::settings::Settings;
use crate::state::{self, ReadScope};

/// How many targets are read at once. Reads of one target are concurrent too; the client's
/// limiter and connection bound keep the load on each Quay in check.
const READ_CONCURRENCY: usize = 64;

pub fn run(settings: &Settings, args: &CreateArgs) -> Result<Outcome, Error> {
    let mut approver = TtyApprover;
    let approver: Option<&mut dyn Approver> = if needs_approval(
        args,
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
    ) {
        Some(&mut approver)
    } else {
        None
    };
    session::runtime()?.block_on(run_async(settings, &args.plan, args.dry_run, approver))
}

pub fn run_plan(settings: &Settings, args: &PlanArgs) -> Result<Outcome, Error> {
    session::runtime()?.block_on(run_async(settings, args, true, None))
}

/// Whether `create` asks before it applies: on a terminal (stdin and stdout), unless `--yes`
/// or `--dry-run`. Off a terminal (CI, a Job) it never asks.
pub fn needs_approval(args: &CreateArgs, stdin_terminal: bool, stdout_terminal: bool) -> bool {
    !args.yes && !args.dry_run && stdin_terminal && stdout_terminal
}

/// Asks whether to apply the plan just shown; a trait so that a test can answer.
pub trait Approver {
    /// Asks `question`; true only when the answer accepts.
    fn approve(&mut self, question: &str) -> std::io::Result<bool>;
}

/// The question `create` asks on a terminal.
pub const APPROVAL_QUESTION: &str = "Apply these changes? Only 'yes' is accepted: ";

/// Only `yes` applies, as Terraform's apply has it.
pub fn accepts(answer: &str) -> bool {
    answer.trim() == "yes"
}

/// The terminal: the question on stderr, one line from stdin.
struct TtyApprover;

impl Approver for TtyApprover {
    fn approve(&mut self, question: &str) -> std::io::Result<bool> {
        eprint!("{question}");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(accepts(&answer))
    }
}

/// Asks `approver`, when there is one: anything but approval ends the command before any
/// write.
pub fn approve(approver: Option<&mut dyn Approver>) -> Result<(), Error> {
    let Some(approver) = approver else {
        return Ok(());
    };
    let approved = approver
        .approve(APPROVAL_QUESTION)
        .map_err(|e| Error::other(format!("cannot read the answer: {e}")))?;
    if approved {
        Ok(())
    } else {
        Err(Error::other(
            "apply cancelled: nothing was changed (only `yes` applies the plan; `--yes` skips \
             the question)",
        ))
    }
}

async fn run_async(
    settings: &Settings,
    args: &PlanArgs,
    dry_run: bool,
    approver: Option<&mut dyn Approver>,
) -> Result<Outcome, Error> {
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
    let reports = plan_all(targets, &clients, &whoami, args).await;

    if dry_run {
        let mut report = RunReport::new("plan", true, reports);
        report.endpoints = session::paces(&clients);
        report::print(settings.output, &report)?;
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
    let report = apply_all(settings, reports, &clients, &secrets, approver).await?;
    report::print(settings.output, &report)?;
    Ok(if report.interrupted {
        Outcome::Interrupted
    } else if report.has_failures() {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}

type Clients = BTreeMap<Endpoint, Result<QuayClient, Failure>>;

/// Reads and plans every target, sorted.
async fn plan_all(
    targets: Vec<(Target, Arc<DesiredOrganization>)>,
    clients: &Clients,
    whoami: &BTreeMap<Endpoint, Result<Whoami, Failure>>,
    args: &PlanArgs,
) -> Vec<TargetReport> {
    // Interleaved by endpoint so that the bounded window keeps every endpoint busy.
    let order = apply::interleave(targets, |(target, _)| target.endpoint.clone());
    let mut reports = session::fan_out(order, READ_CONCURRENCY, |(target, desired)| {
        let client = clients.get(&target.endpoint);
        let who = whoami.get(&target.endpoint);
        plan_one(target, desired, client, who, args)
    })
    .await;
    reports.sort_by(|a, b| a.target.cmp(&b.target));
    reports
}

/// One target: its state read, its plan, the safety check.
async fn plan_one(
    target: Target,
    desired: Arc<DesiredOrganization>,
    client: Option<&Result<QuayClient, Failure>>,
    who: Option<&Result<Whoami, Failure>>,
    args: &PlanArgs,
) -> TargetReport {
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
            report.error = Some(Failure::at_endpoint(
                &target.endpoint,
                format!("no client for {}", target.endpoint),
            ));
            return report;
        }
    };
    let prune_robots = args.prune.contains(&PruneKind::Robots);
    let (read, requests) = counting(read_target(
        client,
        &target,
        &desired.organization,
        &who.username,
        prune_robots,
    ))
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
    let mut plan = plan::plan_target(
        target.clone(),
        &desired.organization,
        actual.as_ref(),
        &options,
    );
    for problem in &mut plan.problems {
        problem.locate(&desired.mentions);
    }
    if !args.force {
        report.refused = plan::check_safety(&plan, actual.as_ref()).err();
    }
    report.plan = Some(plan);
    report
}

/// What the endpoint lacks, then the state (without what it cannot have), then the users the
/// file names that the state does not show.
async fn read_target(
    client: &QuayClient,
    target: &Target,
    desired: &Organization,
    token_user: &str,
    prune_robots: bool,
) -> Result<(Option<Organization>, ServerLimits), Failure> {
    let lacks = limits::lacking_features(client, desired).await?;
    let limits = ServerLimits {
        lacks,
        tag_expiration_options: limits::tag_expiration_options(client, desired).await?,
        authentication: limits::authentication(client, desired).await?,
        ..ServerLimits::default()
    };
    let readable = plan::without_unavailable_mirrors(desired, &limits);
    let mut scope = ReadScope::for_desired(&readable);
    if prune_robots {
        scope = scope.pruning_robots(plan::robots_the_file_keeps(desired));
    }
    let actual = state::read_organization(client, &target.organization, &scope)
        .await
        .map_err(|err| Failure::from_quay(&err).context("cannot read the organization"))?;
    let unknown_users = limits::unknown_users(client, desired, actual.as_ref(), token_user).await?;
    let notification_lacks = limits::notification_lacks(client, desired).await?;
    let email_authorizations =
        limits::email_authorizations(client, desired, actual.as_ref(), &notification_lacks).await?;
    Ok((
        actual,
        ServerLimits {
            unknown_users,
            notification_lacks,
            email_authorizations,
            ..limits
        },
    ))
}

/// Shows the plan, asks when there is someone to ask, and applies the targets that were
/// planned and passed the safety check.
async fn apply_all(
    settings: &Settings,
    mut reports: Vec<TargetReport>,
    clients: &Clients,
    secrets: &Secrets,
    approver: Option<&mut dyn Approver>,
) -> Result<RunReport, Error> {
    let format = settings.output;
    let runnable: Vec<usize> = (0..reports.len())
        .filter(|&i| {
            reports[i].error.is_none()
                && reports[i].refused.is_none()
                && reports[i].plan.as_ref().is_some_and(|p| !p.is_empty())
        })
        .collect();
    // Moved in and out rather than cloned: at N = 1000 a copy of every plan costs ~30 MB.
    let preview = RunReport::new("create", false, std::mem::take(&mut reports));
    report::write_preview(&mut std::io::stdout().lock(), format, &preview)
        .map_err(report::stdout_error)?;
    if !runnable.is_empty() {
        if let Some(approver) = approver {
            if format != OutputFormat::Human {
                // The question concerns a plan the person must see first.
                let _ = report::write_plan(&mut std::io::stderr().lock(), &preview);
            }
            approve(Some(approver))?;
        }
    }
    reports = preview.targets;

    let stop = StopFlag::default();
    let abort = session::stop_on_signal_and_halt(stop.clone(), clients);
    // The plans are lent to the executor and given back to their reports afterwards.
    let plans: Vec<plan::TargetPlan> = runnable
        .iter()
        .filter_map(|&i| reports[i].plan.take())
        .collect();
    let runner = QuayRunner {
        clients,
        secrets,
        stop: &stop,
        grace: settings.timeout,
    };
    let human = format == OutputFormat::Human;
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
        session::unless_aborted(&abort, async {
            Ok(apply_counting(&plans, &runner, &stop, progress.as_ref()).await)
        })
        .await?
    };
    for (((&i, results), requests), plan) in runnable.iter().zip(results).zip(requests).zip(plans) {
        reports[i].plan = Some(plan);
        reports[i].results = Some(results);
        reports[i].requests.reads += requests.reads;
        reports[i].requests.writes += requests.writes;
    }
    let mut report = RunReport::new("create", false, reports);
    report.endpoints = session::paces(clients);
    report.interrupted = stop.is_raised();
    Ok(report)
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
    async fn run(&self, target: &Target, op: &Op) -> Result<(), Failure> {
        match self.counters.get(target) {
            Some(counter) => counter.count(self.inner.run(target, op)).await,
            None => self.inner.run(target, op).await,
        }
    }
}

/// Sends each change to its endpoint's Quay.
struct QuayRunner<'a> {
    clients: &'a Clients,
    secrets: &'a Secrets,
    stop: &'a StopFlag,
    /// How long a change in flight may still take after an interrupt.
    grace: Duration,
}

impl ChangeRunner for QuayRunner<'_> {
    async fn run(&self, target: &Target, op: &Op) -> Result<(), Failure> {
        let client = match self.clients.get(&target.endpoint) {
            Some(Ok(client)) => client,
            Some(Err(reason)) => return Err(reason.clone()),
            None => {
                return Err(Failure::at_endpoint(
                    &target.endpoint,
                    format!("no client for {}", target.endpoint),
                ))
            }
        };
        let work = apply::execute::execute(client, &target.organization, op, self.secrets);
        let deadline = async {
            self.stop.raised().await;
            tokio::time::sleep(self.grace).await;
        };
        tokio::select! {
            result = work => result.map_err(Failure::from),
            () = deadline => {
                let mut failure = Failure::at_endpoint(
                    &target.endpoint,
                    "interrupted while in flight: the outcome is unknown; run again to converge",
                );
                failure.detail.kind = FailureKind::Interrupted;
                Err(failure)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Answers from a script and records each question.
    struct Scripted {
        answer: bool,
        asked: Vec<String>,
    }

    impl Approver for Scripted {
        fn approve(&mut self, question: &str) -> std::io::Result<bool> {
            self.asked.push(question.to_string());
            Ok(self.answer)
        }
    }

    fn create_args(extra: &[&str]) -> CreateArgs {
        let args = crate::cli::Args::try_parse_from([&["mqc", "create"], extra].concat())
            .expect("arguments");
        match args.command {
            crate::cli::Command::Create(create) => create,
            other => panic!("not create: {other:?}"),
        }
    }

    #[test]
    fn only_a_terminal_without_yes_is_asked() {
        let plain = create_args(&[]);
        assert!(needs_approval(&plain, true, true));
        // Off a terminal (either side) nothing asks: CI and Jobs behave as before.
        assert!(!needs_approval(&plain, false, true));
        assert!(!needs_approval(&plain, true, false));
        assert!(!needs_approval(&create_args(&["--yes"]), true, true));
        assert!(!needs_approval(&create_args(&["-y"]), true, true));
        assert!(!needs_approval(&create_args(&["--dry-run"]), true, true));
    }

    #[test]
    fn only_yes_applies() {
        for (answer, accepted) in [
            ("yes\n", true),
            ("  yes \r\n", true),
            ("y\n", false),
            ("YES\n", false),
            ("yes please\n", false),
            ("\n", false),
            ("", false),
        ] {
            assert_eq!(accepts(answer), accepted, "{answer:?}");
        }
    }

    #[test]
    fn a_refusal_ends_the_command_before_any_write() {
        let mut no = Scripted {
            answer: false,
            asked: Vec::new(),
        };
        let err = approve(Some(&mut no)).unwrap_err();
        assert_eq!(no.asked, [APPROVAL_QUESTION]);
        assert_eq!(
            APPROVAL_QUESTION,
            "Apply these changes? Only 'yes' is accepted: "
        );
        assert!(
            err.to_string()
                .starts_with("apply cancelled: nothing was changed"),
            "{err}"
        );
        assert_eq!(err.exit_code(false), std::process::ExitCode::from(1));
        let mut yes = Scripted {
            answer: true,
            asked: Vec::new(),
        };
        assert!(approve(Some(&mut yes)).is_ok());
        assert!(approve(None).is_ok(), "nobody to ask: no question");
    }

    /// `create` against an emulator, with `approver` answering: the settings and flags as
    /// the command line gives them.
    fn create_with(answer: bool) -> (Result<Outcome, Error>, Vec<String>, u64) {
        let quay = quay_sim::QuaySim::start(quay_sim::Config {
            tokens: vec![quay_sim::TokenSpec::superuser("t0k3n")],
            ..quay_sim::Config::default()
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let files = dir.path().join("files");
        std::fs::create_dir(&files).expect("dir");
        std::fs::write(
            files.join("acme.yaml"),
            "quay_endpoint: quay.example.com\nquay_organization: acme\n",
        )
        .expect("file");
        let login = dir.path().join("login.yaml");
        let secrets = {
            let mut secrets = Secrets::default();
            secrets.insert_token(
                Endpoint::parse("quay.example.com").expect("endpoint"),
                secrecy::SecretString::from("t0k3n"),
            );
            secrets
        };
        crate::config::save_login(&login, &crate::config::LoginFile::from_secrets(&secrets))
            .expect("login file");
        let map = format!("quay.example.com={}", quay.base_url());
        let args = crate::cli::Args::try_parse_from([
            "mqc",
            "--dir",
            files.to_str().expect("path"),
            "--login-file",
            login.to_str().expect("path"),
            "--endpoint-map",
            &map,
            "--output",
            "json",
            "create",
        ])
        .expect("arguments");
        let settings = Settings::from_args(&args.global);
        let crate::cli::Command::Create(create) = args.command else {
            panic!("not create")
        };
        let mut approver = Scripted {
            answer,
            asked: Vec::new(),
        };
        let outcome = session::runtime().expect("runtime").block_on(run_async(
            &settings,
            &create.plan,
            false,
            Some(&mut approver),
        ));
        (outcome, approver.asked, quay.stats().writes)
    }

    #[test]
    fn create_asks_and_a_refusal_writes_nothing() {
        let (outcome, asked, writes) = create_with(false);
        assert!(outcome.is_err(), "{outcome:?}");
        assert_eq!(asked, [APPROVAL_QUESTION]);
        assert_eq!(writes, 0);
        let (outcome, asked, writes) = create_with(true);
        assert_eq!(outcome.expect("create"), Outcome::Success);
        assert_eq!(asked.len(), 1);
        assert!(writes > 0);
    }
}
