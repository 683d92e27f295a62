//! Progress of a run, one plain line per phase on stderr (stdout carries the report).

use std::io::Write;
use std::sync::Mutex;

use crate::apply::{ChangeOutcome, Progress};
use crate::plan::{Change, Phase, Target};

#[derive(Default)]
struct PhaseCounts {
    total: usize,
    applied: usize,
    failed: usize,
    skipped: usize,
}

/// Writes `phase: N changes…` when a phase starts and its counts when it ends.
pub struct LineProgress<W: Write + Send> {
    out: Mutex<W>,
    counts: Mutex<PhaseCounts>,
}

impl<W: Write + Send> LineProgress<W> {
    pub fn new(out: W) -> LineProgress<W> {
        LineProgress {
            out: Mutex::new(out),
            counts: Mutex::new(PhaseCounts::default()),
        }
    }
}

impl<W: Write + Send> Progress for LineProgress<W> {
    fn phase_started(&self, phase: Phase, changes: usize) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts = PhaseCounts {
                total: changes,
                ..PhaseCounts::default()
            };
        }
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{phase}: {changes} change(s)…");
        }
    }

    fn change_finished(&self, _target: &Target, _change: &Change, outcome: &ChangeOutcome) {
        if let Ok(mut counts) = self.counts.lock() {
            match outcome {
                ChangeOutcome::Applied => counts.applied += 1,
                ChangeOutcome::Failed(_) => counts.failed += 1,
                ChangeOutcome::Skipped { .. } | ChangeOutcome::NotStarted => counts.skipped += 1,
            }
        }
    }

    fn phase_finished(&self, phase: Phase) {
        let (Ok(counts), Ok(mut out)) = (self.counts.lock(), self.out.lock()) else {
            return;
        };
        let mark = if counts.failed + counts.skipped == 0 {
            "✓"
        } else {
            "✗"
        };
        let _ = writeln!(
            out,
            "{mark} {phase}: {} of {} applied, {} failed, {} skipped",
            counts.applied, counts.total, counts.failed, counts.skipped
        );
    }
}

/// A progress bar per phase, for a terminal.
pub struct BarProgress {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl BarProgress {
    pub fn new() -> BarProgress {
        BarProgress {
            bar: Mutex::new(None),
        }
    }
}

impl Default for BarProgress {
    fn default() -> Self {
        BarProgress::new()
    }
}

impl Progress for BarProgress {
    fn phase_started(&self, phase: Phase, changes: usize) {
        let bar = indicatif::ProgressBar::new(changes as u64);
        let style =
            indicatif::ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {msg}")
                .map(|s| s.progress_chars("=> "));
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar.set_prefix(phase.as_str());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn change_finished(&self, _target: &Target, _change: &Change, outcome: &ChangeOutcome) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                if matches!(outcome, ChangeOutcome::Failed(_)) {
                    bar.set_message("(failures: see the summary)");
                }
                bar.inc(1);
            }
        }
    }

    fn phase_finished(&self, _phase: Phase) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish();
            }
        }
    }
}
