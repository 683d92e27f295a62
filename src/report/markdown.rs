//! The markdown rendering of `plan` and `create` (`--output markdown`), for a merge-request
//! comment: the summary line first, then one collapsible `<details>` section per organization
//! and endpoint, its changes in a `diff` block with the `+ ~ -` symbols of the human plan and
//! its notices with `!` and `?`.

use std::io::{self, Write};

use super::human::{plan_headline, refusal, totals_line};
use super::{describe_notice, describe_op, describe_problem, RunReport, TargetReport};
use crate::apply::ChangeOutcome;

/// `text` safe inside HTML (`<summary>`) and markdown text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A `plan` or a `create` run as markdown.
pub fn write_run(out: &mut dyn Write, report: &RunReport) -> io::Result<()> {
    let applied = !report.dry_run;
    writeln!(
        out,
        "### mqc {}{}\n",
        report.command,
        if report.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    )?;
    if applied {
        writeln!(out, "**Total: {}**\n", escape(&totals_line(&report.totals)))?;
    } else {
        writeln!(out, "**{}**\n", escape(&plan_headline(report)))?;
    }
    for target in &report.targets {
        write_target(out, target, applied)?;
    }
    for pace in report.endpoints.iter().filter(|p| p.slowed) {
        writeln!(out, "- {}", escape(&super::human::pace_line(pace)))?;
    }
    if report.interrupted {
        writeln!(
            out,
            "Interrupted: changes not started are listed as such; run again to finish."
        )?;
    }
    Ok(())
}

/// The section's one-line summary: a mark, the target and its counts.
fn summary(target: &TargetReport, applied: bool) -> String {
    let t = target.totals();
    let mark = if target.has_failures() { "✗" } else { "✓" };
    let counts = if applied {
        totals_line(&t)
    } else if target.error.is_some() {
        "could not be planned".to_string()
    } else if target.has_pending_changes() {
        format!(
            "{} to create, {} to update, {} to remove",
            t.create, t.update, t.remove
        )
    } else {
        "in sync".to_string()
    };
    let refused = if target.refused.is_some() {
        "refused, "
    } else {
        ""
    };
    escape(&format!(
        "{mark} {} on {}: {refused}{counts}",
        target.target.organization, target.target.endpoint
    ))
}

fn write_target(out: &mut dyn Write, target: &TargetReport, applied: bool) -> io::Result<()> {
    let org = &target.target.organization;
    writeln!(
        out,
        "<details><summary>{}</summary>\n",
        summary(target, applied)
    )?;
    writeln!(
        out,
        "File: `{}`\n",
        target.source.display().to_string().replace('`', "'")
    )?;
    let mut errors = Vec::new();
    if let Some(error) = &target.error {
        errors.push(error.text.clone());
    }
    if let Some(violation) = &target.refused {
        let consequence = if applied {
            "nothing was changed"
        } else {
            "nothing will be changed"
        };
        errors.push(refusal(violation, consequence));
    }
    for problem in target.plan.iter().flat_map(|p| &p.problems) {
        errors.push(format!(
            "error: {}",
            describe_problem(&target.target, &target.source, problem)
        ));
    }
    for error in &errors {
        writeln!(out, "- ✗ {}", escape(error))?;
    }
    if !errors.is_empty() {
        writeln!(out)?;
    }
    if let Some(plan) = &target.plan {
        let mut lines = Vec::new();
        let mut outcomes = target.results.iter().flatten();
        let mut phase = None;
        for change in &plan.changes {
            if phase != Some(change.phase) {
                phase = Some(change.phase);
                lines.push(format!("# {}", change.phase));
            }
            let mut line = describe_op(org, &change.op);
            match outcomes.next() {
                Some(ChangeOutcome::Applied) | None => {}
                Some(outcome) => line.push_str(&format!("  ({outcome})")),
            }
            lines.push(line);
        }
        if !plan.notices.is_empty() {
            lines.push("# notices".to_string());
            lines.extend(plan.notices.iter().map(|n| describe_notice(org, n)));
        }
        if !lines.is_empty() {
            // A fence longer than any run of backticks a description could hold.
            writeln!(out, "````diff")?;
            for line in lines {
                writeln!(out, "{line}")?;
            }
            writeln!(out, "````\n")?;
        }
    }
    writeln!(out, "</details>\n")
}
