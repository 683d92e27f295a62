//! The report of `mqc delete`: one line per organization and endpoint.

use std::io::{self, Write};

use serde::Serialize;

use super::Render;
use crate::error::Failure;
use crate::plan::Target;

/// What happened to one target.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeleteResult {
    Deleted,
    AlreadyAbsent,
    /// Serialized as `error` and `error_detail`.
    Failed(Failure),
    WouldDelete,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeleteEntry {
    #[serde(flatten)]
    pub target: Target,
    #[serde(flatten)]
    pub result: DeleteResult,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeleteTotals {
    pub deleted: usize,
    pub already_absent: usize,
    pub failed: usize,
    pub would_delete: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeleteReport {
    pub dry_run: bool,
    pub targets: Vec<DeleteEntry>,
    pub totals: DeleteTotals,
}

impl DeleteReport {
    pub fn new(dry_run: bool, targets: Vec<DeleteEntry>) -> DeleteReport {
        let mut totals = DeleteTotals::default();
        for entry in &targets {
            match entry.result {
                DeleteResult::Deleted => totals.deleted += 1,
                DeleteResult::AlreadyAbsent => totals.already_absent += 1,
                DeleteResult::Failed(_) => totals.failed += 1,
                DeleteResult::WouldDelete => totals.would_delete += 1,
            }
        }
        DeleteReport {
            dry_run,
            targets,
            totals,
        }
    }
}

/// What `delete` shows (on stderr) before it deletes or asks.
pub fn write_warning(out: &mut dyn Write, targets: &[Target]) -> io::Result<()> {
    writeln!(out, "mqc delete removes these organizations with all their repositories, images, robots and teams:")?;
    for target in targets {
        writeln!(out, "  - {target}")?;
    }
    Ok(())
}

impl Render for DeleteReport {
    fn command(&self) -> &'static str {
        "delete"
    }

    fn human(&self, out: &mut dyn Write) -> io::Result<()> {
        for DeleteEntry { target, result } in &self.targets {
            match result {
                DeleteResult::Deleted => writeln!(out, "- deleted {target}")?,
                DeleteResult::AlreadyAbsent => writeln!(out, "  {target}: already absent")?,
                DeleteResult::Failed(failure) => writeln!(out, "✗ {target}: {failure}")?,
                DeleteResult::WouldDelete => writeln!(out, "- would delete {target}")?,
            }
        }
        Ok(())
    }
}
