//! Progress of `export`'s reads on stderr (stdout carries the report): a bar on a terminal,
//! plain lines otherwise. An organization of 3,000 repositories is some 12,000 GETs; without
//! this the run is minutes of silence.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use crate::state::ReadProgress;

/// Organizations with fewer reads than this get no intermediate line, only the final one.
const LINES_FROM: usize = 100;
/// An intermediate line each time an organization's answered reads pass another tenth.
const STEPS: usize = 10;

#[derive(Default)]
struct OrgCounts {
    total: usize,
    done: usize,
    /// Tenths already reported.
    step: usize,
}

#[derive(Default)]
struct Counts {
    orgs: BTreeMap<String, OrgCounts>,
    finished: usize,
}

enum Display {
    Bar(indicatif::ProgressBar),
    Lines(Box<dyn Write + Send>),
}

/// The progress of reading `organizations` organizations.
pub struct ExportProgress {
    organizations: usize,
    is_bar: bool,
    display: Mutex<Display>,
    counts: Mutex<Counts>,
}

impl ExportProgress {
    /// A bar drawn on stderr.
    pub fn bar(organizations: usize) -> ExportProgress {
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template(
            "{prefix:>14} [{bar:30}] {pos}/{len} reads, {msg} {elapsed}",
        )
        .map(|s| s.progress_chars("=> "));
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar.set_prefix("export");
        bar.set_message(format!("0/{organizations} organizations"));
        ExportProgress::new(organizations, Display::Bar(bar))
    }

    /// Plain lines written to `out`.
    pub fn lines(organizations: usize, out: impl Write + Send + 'static) -> ExportProgress {
        ExportProgress::new(organizations, Display::Lines(Box::new(out)))
    }

    fn new(organizations: usize, display: Display) -> ExportProgress {
        ExportProgress {
            organizations,
            is_bar: matches!(display, Display::Bar(_)),
            display: Mutex::new(display),
            counts: Mutex::new(Counts::default()),
        }
    }

    fn line(&self, text: &str) {
        if let Ok(mut display) = self.display.lock() {
            match &mut *display {
                Display::Bar(bar) => bar.println(text),
                Display::Lines(out) => {
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
            }
        }
    }

    fn with_bar(&self, f: impl FnOnce(&indicatif::ProgressBar)) {
        if let Ok(display) = self.display.lock() {
            if let Display::Bar(bar) = &*display {
                f(bar);
            }
        }
    }

    /// `org` is read (`ok`) or failed; the line (or the bar's message) says how many are left.
    pub fn finished(&self, org: &str, ok: bool) {
        let (finished, reads) = match self.counts.lock() {
            Ok(mut counts) => {
                counts.finished += 1;
                let reads = counts.orgs.get(org).map_or(0, |c| c.done);
                (counts.finished, reads)
            }
            Err(_) => return,
        };
        let of = self.organizations;
        let text = if ok {
            format!("✓ {org}: read ({} requests) [{finished}/{of}]", reads + 3)
        } else {
            format!("✗ {org}: not read, see the report [{finished}/{of}]")
        };
        let bar = self.is_bar;
        if bar {
            self.with_bar(|bar| bar.set_message(format!("{finished}/{of} organizations")));
        } else {
            self.line(&text);
        }
    }

    /// Removes the bar (before the report is printed).
    pub fn clear(&self) {
        self.with_bar(indicatif::ProgressBar::finish_and_clear);
    }
}

impl ReadProgress for ExportProgress {
    fn more(&self, org: &str, requests: usize) {
        let first = match self.counts.lock() {
            Ok(mut counts) => {
                let entry = counts.orgs.entry(org.to_string()).or_default();
                let first = entry.total == 0;
                entry.total += requests;
                first
            }
            Err(_) => return,
        };
        self.with_bar(|bar| bar.inc_length(requests as u64));
        let bar = self.is_bar;
        if first && !bar && requests >= LINES_FROM {
            self.line(&format!("{org}: {requests} reads to go…"));
        }
    }

    fn done(&self, org: &str, requests: usize) {
        let report = match self.counts.lock() {
            Ok(mut counts) => {
                let Some(entry) = counts.orgs.get_mut(org) else {
                    return;
                };
                entry.done += requests;
                let step = (entry.done * STEPS).checked_div(entry.total).unwrap_or(0);
                let report = entry.total >= LINES_FROM && step > entry.step && step < STEPS;
                entry.step = entry.step.max(step);
                report.then_some((entry.done, entry.total))
            }
            Err(_) => return,
        };
        self.with_bar(|bar| bar.inc(requests as u64));
        let bar = self.is_bar;
        if let (Some((done, total)), false) = (report, bar) {
            self.line(&format!("{org}: {done}/{total} reads"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_at_each_tenth_of_a_large_organization_and_one_per_organization() {
        let out = Shared::default();
        let progress = ExportProgress::lines(2, out.clone());
        progress.more("big", 200);
        for _ in 0..200 {
            progress.done("big", 1);
        }
        progress.finished("big", true);
        progress.more("small", 4);
        progress.done("small", 4);
        progress.finished("small", false);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "big: 200 reads to go…");
        assert_eq!(lines[1], "big: 20/200 reads");
        assert_eq!(lines[9], "big: 180/200 reads");
        assert_eq!(lines[10], "✓ big: read (203 requests) [1/2]");
        assert_eq!(lines[11], "✗ small: not read, see the report [2/2]");
        assert_eq!(lines.len(), 12, "{text}");
    }
}
