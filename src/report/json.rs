//! The JSON report: one document on stdout for every command, success or fatal error, in one
//! envelope (`schema_version`, `command`, `error`, `error_detail`) around the command's own
//! fields. docs/json-report.md documents every field; a change to a field's name, type or
//! meaning raises [`SCHEMA_VERSION`].

use std::io::{self, Write};

use serde::Serialize;

use super::Render;
use crate::config::Finding;
use crate::error::{Failure, FailureDetail};

/// The version of the JSON report's shape (docs/json-report.md).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    schema_version: u32,
    command: &'a str,
    /// Why the command could not do its job at all; `null` when it ran to its end.
    error: Option<&'a str>,
    error_detail: Option<&'a FailureDetail>,
    /// A fatal error's findings (the files or the login file have errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<&'a [Finding]>,
    #[serde(flatten)]
    body: Option<&'a T>,
}

fn write_document(out: &mut dyn Write, document: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, document).map_err(io::Error::other)?;
    writeln!(out)
}

/// A command's report that ran to its end.
pub fn write_report(out: &mut dyn Write, report: &impl Render) -> io::Result<()> {
    write_document(
        out,
        &Envelope {
            schema_version: SCHEMA_VERSION,
            command: report.command(),
            error: None,
            error_detail: None,
            findings: None,
            body: Some(report),
        },
    )
}

/// The report of a command that a fatal error ended: only the envelope, with the error.
pub fn write_fatal(
    out: &mut dyn Write,
    command: &str,
    failure: &Failure,
    findings: &[Finding],
) -> io::Result<()> {
    write_document(
        out,
        &Envelope::<()> {
            schema_version: SCHEMA_VERSION,
            command,
            error: Some(&failure.text),
            error_detail: Some(&failure.detail),
            findings: (!findings.is_empty()).then_some(findings),
            body: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, FailureKind};

    #[test]
    fn a_fatal_error_is_one_document_with_the_envelope_only() {
        let failure = Failure::from_error(&Error::Usage("no organization file".into()));
        let mut out = Vec::new();
        write_fatal(&mut out, "plan", &failure, &[]).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "schema_version": 1,
                "command": "plan",
                "error": "no organization file",
                "error_detail": {"kind": "usage", "endpoint": null, "method": null,
                                 "path": null, "status": null, "message": null},
            })
        );
        assert_eq!(failure.detail.kind, FailureKind::Usage);
    }
}
