//! The `mqc` binary: parse arguments, run one command, turn its outcome into an exit status.
//! This is the only place that exits or prints a fatal error.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = mqc::cli::Args::parse();
    match mqc::commands::run(args) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            eprintln!("mqc: error: {}", mqc::error::chain(&err));
            err.exit_code()
        }
    }
}
