//! The human rendering: a plan as a diff, and the summary of a run.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use super::{RunReport, TargetReport, Totals};
use crate::apply::ChangeOutcome;
use crate::model::Endpoint;
use crate::plan::{
    Feature, Lack, Notice, ObjectRef, Op, Problem, ProblemKind, SafetyViolation, Target,
    OVERRIDE_FLAG,
};

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// One line for a planned change, with its `+ ~ -` symbol.
pub fn describe_op(org: &str, op: &Op) -> String {
    op.describe(org)
}

/// One line for a notice: `!` something mqc cannot change, `?` something it leaves alone.
pub fn describe_notice(org: &str, notice: &Notice) -> String {
    match notice {
        Notice::RobotDescriptionDiffers {
            robot,
            desired,
            actual,
        } => format!(
            "! robot {org}+{robot}: description differs ({} in Quay, {} in the file); Quay cannot \
             update it, and re-creating the robot would change its token",
            quoted(actual),
            quoted(desired)
        ),
        Notice::Unmanaged { object } => {
            match object {
                ObjectRef::Robot(name) => {
                    format!("? unmanaged robot {org}+{name} (kept; `--prune robots` deletes it)")
                }
                ObjectRef::Team(name) => {
                    format!("? unmanaged team {name} (kept; `--prune teams` deletes it)")
                }
                ObjectRef::Repository(name) => {
                    format!("? unmanaged repository {org}/{name} (kept; mqc never deletes repositories)")
                }
                ObjectRef::Organization => format!("? unmanaged organization {org}"),
            }
        }
        Notice::EmailConfirmationPending { repository, email } => format!(
            "! e-mail notification of {org}/{repository} is waiting for {email} to confirm \
             (Quay mailed a confirmation link; mqc does not ask again and creates the \
             notification on a run after it is confirmed)"
        ),
        Notice::InvitationPending { team, user } => {
            format!("? user {user} is invited to team {team} and has not accepted yet")
        }
        Notice::RobotUsedByMirror {
            robot,
            repositories,
        } => format!(
            "! robot {org}+{robot} is not deleted: the mirror configuration of {} names it \
             (Quay has no mirror delete and refuses to delete a robot a mirror uses, even a \
             disabled one)",
            repositories
                .iter()
                .map(|r| format!("{org}/{r}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The message of a plan-time error: where the file states it, what the endpoint lacks, and
/// what to do.
pub fn describe_problem(target: &Target, source: &Path, problem: &Problem) -> String {
    let (endpoint, org) = (&target.endpoint, &target.organization);
    let place = match &problem.at {
        Some(at) => format!("{}:{}:{}: ", source.display(), at.line, at.column),
        None => format!("{}: ", source.display()),
    };
    let text = match &problem.kind {
        ProblemKind::UnknownUser { user, did_you_mean } => {
            let key = problem
                .at
                .as_ref()
                .map(|at| format!(" (`{}`)", at.key))
                .unwrap_or_default();
            let hint = match did_you_mean {
                Some(name) => format!("; did you mean `{name}`?"),
                None => ".".to_string(),
            };
            format!(
                "user `{user}`{key} does not exist on {endpoint}{hint} Correct the name in the \
                 file (on a Quay with LDAP or OIDC login a user exists only after signing in \
                 once, or being added once in Quay's web UI); nothing is applied to organization {org} on {endpoint} until then"
            )
        }
        ProblemKind::FeatureMissing {
            feature,
            lack,
            object,
            field,
        } => {
            let what = match object {
                ObjectRef::Team(team) => format!("team `{team}`"),
                ObjectRef::Repository(repository) => format!("repository `{org}/{repository}`"),
                ObjectRef::Robot(robot) => format!("robot `{org}+{robot}`"),
                ObjectRef::Organization => format!("organization `{org}`"),
            };
            let (name, remedy) = match feature {
                Feature::RepoMirror if field.starts_with("state:") => (
                    "repository mirroring (Quay changes a repository's state only with it)",
                    "remove `state` from the file",
                ),
                Feature::TeamSyncing if *field == "group_name" => {
                    ("team syncing", "remove `group_name` from the file")
                }
                Feature::TeamSyncing => ("team syncing", "remove `group_dn` from the file"),
                Feature::RobotFederation => (
                    "robot federation (keyless robot auth)",
                    "remove `federation` from the file",
                ),
                Feature::RepoMirror => ("repository mirroring", "set `mirror: false` in the file"),
                Feature::QuotaManagement => ("quota management", "remove `quota` from the file"),
                Feature::ChangeTagExpiration => (
                    "changing the time machine",
                    "remove `tag_expiration` from the file",
                ),
                Feature::AutoPrune => match lack {
                    Lack::OlderThan(_) => (
                        "auto-prune with `tag_pattern` or several policies per organization or repository",
                        "keep at most one policy without `tag_pattern` there (Quay 3.12 would ignore the pattern and prune every tag)",
                    ),
                    _ => ("auto-prune", "remove `auto_prune` from the file"),
                },
                Feature::ImmutableTags => (
                    "immutability policies",
                    "remove `immutability` from the file",
                ),
                Feature::SparseIndex => (
                    "mirroring only some architectures",
                    "remove `architecture_filter` from the mirror, or make it `[]` (every architecture)",
                ),
            };
            let missing = match lack {
                Lack::Disabled => format!("{name} is not enabled on {endpoint}"),
                Lack::Authentication(kind) => {
                    let auth = if *field == "group_name" {
                        "OIDC"
                    } else {
                        "LDAP"
                    };
                    format!(
                        "{name} from an {auth} group needs {auth} authentication, and {endpoint} \
                         uses {kind}"
                    )
                }
                Lack::Superuser => format!(
                    "{name} on {endpoint} takes a superuser token with the `super:user` scope, \
                     and this token is not one"
                ),
                Lack::SuperuserFullAccess => format!(
                    "{name} on {endpoint} (Quay 3.16 or later) takes a superuser with full \
                     access, and FEATURE_SUPERUSERS_FULL_ACCESS is off"
                ),
                Lack::OlderThan(version) => {
                    format!("{name} needs Quay {version} or newer, and {endpoint} is older")
                }
            };
            let cannot = match *field {
                "state" => format!("the mirror state of {what} cannot be changed"),
                "architecture_filter" => format!(
                    "the mirror of {what} is neither set up nor changed (its `architecture_filter` cannot be applied)"
                ),
                field => format!("`{field}` of {what} cannot be applied"),
            };
            let enable = match lack {
                Lack::Disabled => format!("enable {} on that Quay or {remedy}", feature.flag()),
                Lack::Authentication(_) => remedy.to_string(),
                Lack::Superuser => format!("use a superuser's token for {endpoint} or {remedy}"),
                Lack::SuperuserFullAccess => {
                    format!("enable FEATURE_SUPERUSERS_FULL_ACCESS on that Quay or {remedy}")
                }
                Lack::OlderThan(version) => format!("upgrade that Quay to {version} or {remedy}"),
            };
            format!("{missing}: {cannot}; {enable} (the rest of organization {org} is applied)")
        }
        ProblemKind::NotificationUnsupported {
            repository,
            notification,
            needs,
        } => format!(
            "the {notification} of repository `{org}/{repository}` needs {}, which {endpoint} \
             lacks: it is not applied; {} (the rest of organization {org} is applied)",
            needs.describe(),
            needs.remedy()
        ),
        ProblemKind::ValueNotOffered {
            object: _,
            field,
            value,
            offered,
        } => format!(
            "`{field}: {value}` of organization `{org}` is not offered by {endpoint}, which \
             offers {}: it is not applied; use one of those (the rest of organization {org} is \
             applied)",
            offered.join(", ")
        ),
    };
    format!("{place}{text}")
}

fn by_endpoint(report: &RunReport) -> BTreeMap<&Endpoint, Vec<&TargetReport>> {
    let mut map: BTreeMap<&Endpoint, Vec<&TargetReport>> = BTreeMap::new();
    for target in &report.targets {
        map.entry(&target.target.endpoint).or_default().push(target);
    }
    map
}

pub fn write_plan(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    for (endpoint, targets) in by_endpoint(report) {
        writeln!(out, "{endpoint}")?;
        for target in targets {
            let org = &target.target.organization;
            let Some(plan) = &target.plan else {
                let error = target
                    .error
                    .as_ref()
                    .map_or("not planned", |f| f.text.as_str());
                writeln!(out, "  {org} ({}): ✗ {error}", target.source.display())?;
                continue;
            };
            if plan.changes.is_empty() && plan.notices.is_empty() && plan.problems.is_empty() {
                writeln!(out, "  {org}: in sync")?;
                continue;
            }
            writeln!(out, "  {org} ({}):", target.source.display())?;
            if let Some(error) = &target.error {
                writeln!(out, "    ✗ {error}")?;
            }
            if let Some(violation) = &target.refused {
                writeln!(
                    out,
                    "    ✗ {}",
                    refusal(violation, "nothing will be changed")
                )?;
            }
            for problem in &plan.problems {
                let message = describe_problem(&target.target, &target.source, problem);
                writeln!(out, "    ✗ error: {message}")?;
            }
            let mut phase = None;
            for change in &plan.changes {
                if phase != Some(change.phase) {
                    phase = Some(change.phase);
                    writeln!(out, "    {}:", change.phase)?;
                }
                writeln!(out, "      {}", describe_op(org, &change.op))?;
            }
            if !plan.notices.is_empty() {
                writeln!(out, "    notices:")?;
                for notice in &plan.notices {
                    writeln!(out, "      {}", describe_notice(org, notice))?;
                }
            }
        }
    }
    let t = report.totals;
    writeln!(out, "\n{}", plan_headline(report))?;
    if t.target_errors > 0 {
        writeln!(
            out,
            "{} target(s) could not be planned; see above.",
            t.target_errors
        )?;
    }
    if t.refused > 0 {
        writeln!(
            out,
            "{} target(s) refused by the safety threshold: their changes are not counted above \
             and are not applied without {OVERRIDE_FLAG}; see above.",
            t.refused
        )?;
    }
    if t.problems > 0 {
        writeln!(
            out,
            "{} error(s) in the plan: what they concern is not applied; see above.",
            t.problems
        )?;
    }
    // `create` prints its preview with this function too; its summary says it once at the end.
    if report.command == "plan" {
        for pace in report.endpoints.iter().filter(|p| p.slowed) {
            writeln!(out, "{}", pace_line(pace))?;
        }
    }
    Ok(())
}

/// The plan's summary line: what it changes, or that nothing needs to.
pub(super) fn plan_headline(report: &RunReport) -> String {
    let t = report.totals;
    if report.has_pending_changes() {
        format!(
            "Plan: {} to create, {} to update, {} to remove, {} unchanged, {} unmanaged.",
            t.create, t.update, t.remove, t.unchanged, t.unmanaged
        )
    } else if t.target_errors == 0 && t.problems == 0 {
        format!(
            "No changes: everything is in sync ({} unchanged, {} unmanaged).",
            t.unchanged, t.unmanaged
        )
    } else {
        format!(
            "No changes for the organizations that could be read ({} unchanged, {} unmanaged).",
            t.unchanged, t.unmanaged
        )
    }
}

/// `quay.example.com: slowed to 4.8 req/s after 12 × 429`: what an endpoint's answers made
/// mqc do, so that a slow run explains itself.
pub(super) fn pace_line(pace: &super::EndpointPace) -> String {
    let mut causes = Vec::new();
    for (count, what) in [
        (pace.throttled, "429"),
        (pace.unavailable, "503"),
        (pace.timed_out, "timeouts"),
    ] {
        if count > 0 {
            causes.push(if what == "timeouts" {
                format!("{count} timeout(s)")
            } else {
                format!("{count} × {what}")
            });
        }
    }
    let mut line = format!(
        "{}: slowed to {} req/s after {}",
        pace.endpoint,
        pace.lowest_rate,
        causes.join(", ")
    );
    if pace.rate > pace.lowest_rate {
        line.push_str(&format!(" (back to {} req/s at the end)", pace.rate));
    }
    if pace.timed_out + pace.unavailable > 0 {
        line.push_str(&format!(
            "; at most {} request(s) at once",
            pace.lowest_concurrency
        ));
    }
    line
}

/// One line for a plan the safety threshold refused: the figures of every kind over it, and
/// what overrides it.
pub(super) fn refusal(violation: &SafetyViolation, consequence: &str) -> String {
    let kinds: Vec<String> = violation
        .excess
        .iter()
        .map(|e| {
            format!(
                "{} of {} {} {} (at most {} allowed)",
                e.removals,
                e.existing,
                e.kind,
                e.kind.action(),
                e.allowed
            )
        })
        .collect();
    format!(
        "refused by the safety threshold: {}; {consequence}; if these removals are intended, \
         re-run with {OVERRIDE_FLAG}",
        kinds.join(", ")
    )
}

pub(super) fn totals_line(t: &Totals) -> String {
    let mut line = format!(
        "{} created, {} updated, {} removed, {} failed, {} unchanged",
        t.create, t.update, t.remove, t.failed, t.unchanged
    );
    if t.skipped > 0 {
        line.push_str(&format!(", {} skipped", t.skipped));
    }
    if t.refused > 0 {
        line.push_str(&format!(", {} target(s) refused", t.refused));
    }
    if t.not_started > 0 {
        line.push_str(&format!(", {} not started", t.not_started));
    }
    line.push_str(&format!(
        "; {} requests ({} reads, {} writes)",
        t.reads + t.writes,
        t.reads,
        t.writes
    ));
    line
}

pub fn write_summary(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    let mut failures = Vec::new();
    for target in &report.targets {
        let org = &target.target.organization;
        if let Some(error) = &target.error {
            failures.push(format!("{}: {error}", target.target));
        }
        if let Some(violation) = &target.refused {
            let line = refusal(violation, "nothing was changed");
            failures.push(format!("{}: {line}", target.target));
        }
        for problem in target.plan.iter().flat_map(|p| &p.problems) {
            let message = describe_problem(&target.target, &target.source, problem);
            failures.push(format!("{}: {message}", target.target));
        }
        for (change, outcome) in target.outcomes() {
            match outcome {
                ChangeOutcome::Failed(error) => failures.push(format!(
                    "{}: {}: {error}",
                    target.target,
                    describe_op(org, &change.op)
                )),
                ChangeOutcome::Skipped { reason } => failures.push(format!(
                    "{}: {}: skipped, {reason}",
                    target.target,
                    describe_op(org, &change.op)
                )),
                ChangeOutcome::Applied | ChangeOutcome::NotStarted => {}
            }
        }
    }
    if !failures.is_empty() {
        writeln!(out, "Failures:")?;
        for failure in &failures {
            writeln!(out, "  ✗ {failure}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "Summary:")?;
    for target in &report.targets {
        let status = if target.has_failures() { "✗" } else { "✓" };
        // The target's own line says "refused" in front instead of counting itself.
        let (refused, totals) = match target.refused {
            Some(_) => (
                "refused, ",
                Totals {
                    refused: 0,
                    ..target.totals()
                },
            ),
            None => ("", target.totals()),
        };
        writeln!(
            out,
            "  {status} {}: {refused}{}",
            target.target,
            totals_line(&totals)
        )?;
    }
    writeln!(out, "Total: {}", totals_line(&report.totals))?;
    for pace in report.endpoints.iter().filter(|p| p.slowed) {
        writeln!(out, "{}", pace_line(pace))?;
    }
    if report.interrupted {
        writeln!(
            out,
            "Interrupted: changes not started are listed as such; run again to finish."
        )?;
    }
    Ok(())
}
