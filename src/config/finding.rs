//! What `check` reports: one problem of one file, with its position and a fix.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used: `check` fails and no organization is loaded from it.
    Error,
    /// Works, but probably not as meant.
    Warning,
    /// For information (e.g. a skipped file).
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl Finding {
    pub fn new(
        severity: Severity,
        file: &Path,
        pos: Option<Pos>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            file: file.to_path_buf(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message: message.into(),
            hint: None,
        }
    }

    pub fn error(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Finding::new(Severity::Error, file, pos, message)
    }

    pub fn warning(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Finding::new(Severity::Warning, file, pos, message)
    }

    pub fn note(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Finding::new(Severity::Note, file, pos, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:column: error: message` and, when there is one, `  hint: …` on the next line.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}: {}", self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_position_severity_message_and_hint() {
        let f = Finding::error(
            Path::new("dir/org.yaml"),
            Some(Pos { line: 3, column: 7 }),
            "bad",
        )
        .with_hint("fix it");
        assert_eq!(
            f.to_string(),
            "dir/org.yaml:3:7: error: bad\n  hint: fix it"
        );
        let f = Finding::note(Path::new("x.txt"), None, "skipped");
        assert_eq!(f.to_string(), "x.txt: note: skipped");
    }
}
