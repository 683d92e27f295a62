//! `mqc schema`: the JSON Schema of organization files, on stdout.

use std::io::Write;

use super::Outcome;
use crate::config::schema::organization_schema_text;
use crate::error::Error;

pub fn run() -> Result<Outcome, Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(organization_schema_text().as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(Outcome::Success),
        // A closed pipe (`mqc schema | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Success),
        Err(e) => Err(Error::other(format!(
            "cannot write the schema to stdout: {e}"
        ))),
    }
}
