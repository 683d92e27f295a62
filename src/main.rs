//! The `mqc` binary: parse arguments, run one command, turn its outcome into an exit status.
//! This is the only place that exits or prints a fatal error.

use std::io::Write;
use std::process::ExitCode;

use mqc::cli::OutputFormat;

fn main() -> ExitCode {
    let args = match mqc::cli::Args::parse_env_aware() {
        Ok(args) => args,
        Err(err) => return usage_error(&err),
    };
    let detailed_exitcode = args.command.detailed_exitcode();
    let command = mqc::commands::name(&args.command);
    let output = args.global.output;
    match mqc::commands::run(args) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            eprintln!("mqc: error: {}", mqc::error::chain(&err));
            if output == OutputFormat::Json {
                // CI parses stdout whatever happened: the error goes there too.
                let failure = mqc::error::Failure::from_error(&err);
                let mut stdout = std::io::stdout().lock();
                let _ =
                    mqc::report::json::write_fatal(&mut stdout, command, &failure, err.findings())
                        .and_then(|()| stdout.flush());
            }
            err.exit_code(detailed_exitcode)
        }
    }
}

/// Prints clap's message (help and version included) and maps it to an exit status. With
/// `--detailed-exitcode` on the command line, 2 must mean "changes pending" and nothing else,
/// so a usage error exits 1 there.
fn usage_error(err: &clap::Error) -> ExitCode {
    // Nothing more can be reported if stderr itself is gone.
    let _ = err.print();
    if !err.use_stderr() {
        return ExitCode::SUCCESS;
    }
    let detailed_exitcode = std::env::args_os().any(|a| a == "--detailed-exitcode");
    mqc::error::usage_exit_code(detailed_exitcode)
}
