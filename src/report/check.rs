//! The report of `mqc check`: every finding, and the counts.

use std::io::{self, Write};

use serde::Serialize;

use super::Render;
use crate::config::Finding;

/// What `check` found. JSON: `files`, `organizations`, `errors`, `warnings`, `findings` and
/// `totals` (the same counts).
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub files: usize,
    pub organizations: Vec<&'a str>,
    pub errors: usize,
    pub warnings: usize,
    pub findings: &'a [Finding],
    pub totals: CheckTotals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckTotals {
    pub files: usize,
    pub organizations: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl<'a> CheckReport<'a> {
    pub fn new(
        files: usize,
        organizations: Vec<&'a str>,
        findings: &'a [Finding],
    ) -> CheckReport<'a> {
        let count =
            |s: crate::config::Severity| findings.iter().filter(|f| f.severity == s).count();
        let errors = count(crate::config::Severity::Error);
        let warnings = count(crate::config::Severity::Warning);
        CheckReport {
            files,
            totals: CheckTotals {
                files,
                organizations: organizations.len(),
                errors,
                warnings,
            },
            organizations,
            errors,
            warnings,
            findings,
        }
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Render for CheckReport<'_> {
    fn command(&self) -> &'static str {
        "check"
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for finding in self.findings {
            writeln!(out, "{finding}")?;
        }
        writeln!(
            out,
            "{}, {} in {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.files, "file")
        )
    }
}
