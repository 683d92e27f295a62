//! The report of `mqc export`: one line per organization, the mirror passwords `mqc login`
//! will ask for.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::Render;
use crate::error::FailureDetail;

/// The report: `--output json` prints it inside the shared envelope.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    /// The endpoint as the files name it.
    pub endpoint: String,
    pub organizations: Vec<OrgResult>,
    /// The mirror passwords `mqc login` will ask for (never a value).
    pub mirror_passwords_needed: Vec<MirrorUser>,
    pub totals: ExportTotals,
    /// Where the files went, for the hint to run `mqc login --dir`.
    #[serde(skip)]
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExportTotals {
    pub written: usize,
    pub unchanged: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize)]
pub struct OrgResult {
    pub name: String,
    pub file: PathBuf,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the failure came from Quay: the request and its answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_detail: Option<FailureDetail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The file was written (new, or different and `--force`).
    Written,
    /// The file already described the organization; left untouched.
    Unchanged,
    Failed,
}

#[derive(Debug, Clone, Serialize)]
pub struct MirrorUser {
    pub organization: String,
    pub repository: String,
    pub username: String,
}

impl ExportReport {
    /// Counts the organizations by status.
    pub fn count(&mut self) {
        let mut totals = ExportTotals::default();
        for org in &self.organizations {
            match org.status {
                Status::Written => totals.written += 1,
                Status::Unchanged => totals.unchanged += 1,
                Status::Failed => totals.failed += 1,
            }
        }
        self.totals = totals;
    }
}

impl Render for ExportReport {
    fn command(&self) -> &'static str {
        "export"
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for org in &self.organizations {
            let file = org.file.display();
            match org.status {
                Status::Written => writeln!(out, "✓ {}: written to {file}", org.name)?,
                Status::Unchanged => writeln!(out, "= {}: unchanged ({file})", org.name)?,
                Status::Failed => {
                    let reason = org.error.as_deref().unwrap_or("failed");
                    writeln!(out, "✗ {}: failed: {reason}", org.name)?;
                }
            }
            for warning in &org.warnings {
                writeln!(out, "  ! {warning}")?;
            }
        }
        let t = self.totals;
        writeln!(
            out,
            "\nExported from {}: {} written, {} unchanged, {} failed",
            self.endpoint, t.written, t.unchanged, t.failed
        )?;
        if !self.mirror_passwords_needed.is_empty() {
            writeln!(
                out,
                "\nThe files name mirror registry users but never their passwords; `mqc login` \
                 will ask for:"
            )?;
            for need in &self.mirror_passwords_needed {
                writeln!(
                    out,
                    "  - the password of {} for the mirror of {}/{}",
                    need.username, need.organization, need.repository
                )?;
            }
            writeln!(
                out,
                "Run `mqc login --dir {}` to store them in the login file.",
                self.out_dir.display()
            )?;
        }
        Ok(())
    }
}
