//! One module per subcommand; each takes resolved settings and returns an [`Outcome`].

pub mod check;
mod completion;
pub mod create;
mod delete;
mod export;
mod limits;
pub mod login;
mod schema;
pub(crate) mod session;

use std::process::ExitCode;

use crate::cli::{Args, Command};
use crate::error::{Error, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE_OR_PENDING};
use crate::settings::Settings;

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything done (or nothing to do).
    Success,
    /// The command ran, but something failed; the report says what.
    Failed,
    /// `--detailed-exitcode`: changes are pending.
    ChangesPending,
    /// Stopped by SIGINT/SIGTERM.
    Interrupted,
}

impl Outcome {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => EXIT_OK,
            Outcome::Failed => EXIT_FAILED,
            Outcome::ChangesPending => EXIT_USAGE_OR_PENDING,
            Outcome::Interrupted => EXIT_INTERRUPTED,
        })
    }
}

/// The command's name, as the JSON report's `command` says it.
pub fn name(command: &Command) -> &'static str {
    match command {
        Command::Completion { .. } => "completion",
        Command::Check => "check",
        Command::Login(_) => "login",
        Command::Create(args) if args.dry_run => "plan",
        Command::Create(_) => "create",
        Command::Plan(_) => "plan",
        Command::Delete(_) => "delete",
        Command::Export(_) => "export",
        Command::Schema => "schema",
    }
}

pub fn run(args: Args) -> Result<Outcome, Error> {
    crate::logging::init(args.global.log_level, args.global.verbosity);
    let settings = Settings::from_args(&args.global);
    match args.command {
        Command::Completion { shell } => completion::run(shell),
        Command::Check => check::run(&settings),
        Command::Schema => schema::run(),
        Command::Login(login_args) => login::run(&login_args, &settings),
        Command::Create(create_args) => create::run(&settings, &create_args),
        Command::Plan(plan_args) => create::run_plan(&settings, &plan_args),
        Command::Delete(delete_args) => delete::run(&settings, &delete_args),
        Command::Export(export_args) => export::run(&settings, &export_args),
    }
}
