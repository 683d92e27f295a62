//! Command-line arguments: what the user typed, validated by clap and nothing more.
//! `settings` turns them into what the commands use.

use std::ffi::OsString;
use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::model::Endpoint;

/// Mass Quay Configurator: keep many Quay registries configured from organization files.
#[derive(Debug, Parser)]
#[command(
    name = "mqc",
    version,
    about,
    propagate_version = true,
    max_term_width = 100,
    after_help = examples::MQC
)]
pub struct Args {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Args {
    /// Parses the command line and the `MQC_*` environment, as [`Parser::try_parse`] does, but
    /// reports a value refused in an environment variable by the variable's name: the user did
    /// not type the flag clap would name.
    pub fn parse_env_aware() -> Result<Args, clap::Error> {
        Args::parse_env_aware_from(std::env::args_os())
    }

    /// [`Args::parse_env_aware`] for this command line (program name first).
    pub fn parse_env_aware_from<I, T>(argv: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        Args::try_parse_from(&argv).or_else(|err| blame_the_variable(err, &argv))
    }
}

/// Clap's "invalid value '…' for '--flag <V>'" may be about the value of an `MQC_…` variable.
/// To tell, the command line is parsed again with that variable ignored. If the command line
/// gives the option itself, its value wins (clap checks a global option's variable even then):
/// that parse, or its complaint about the command line's value, is the answer. Otherwise the
/// error names the variable, which the user set, instead of the flag, which they never typed.
fn blame_the_variable(mut err: clap::Error, argv: &[OsString]) -> Result<Args, clap::Error> {
    if !matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return Err(err);
    }
    let Some(ContextValue::String(shown)) = err.get(ContextKind::InvalidArg) else {
        return Err(err);
    };
    // Built, so that every argument knows how it is shown (and global ones are everywhere).
    let mut command = Args::command();
    command.build();
    let Some((path, arg)) = find_arg(&command, shown) else {
        return Err(err);
    };
    let Some(variable) = arg.get_env().map(|v| v.to_string_lossy().into_owned()) else {
        return Err(err);
    };
    if std::env::var_os(&variable).is_none() {
        return Err(err);
    }
    let id = arg.get_id().as_str();
    match ignore_env(Args::command(), &path, id).try_get_matches_from(argv) {
        Ok(matches) => {
            let mut level = Some(&matches);
            for name in &path {
                level = level.and_then(|m| m.subcommand_matches(name));
            }
            if level.and_then(|m| m.value_source(id)) == Some(ValueSource::CommandLine) {
                return Args::from_arg_matches(&matches);
            }
        }
        // The command line's own value of this option is bad too: that is the one to fix.
        Err(again) if again.get(ContextKind::InvalidArg) == err.get(ContextKind::InvalidArg) => {
            return Err(again);
        }
        Err(_) => {}
    }
    let flag = arg
        .get_long()
        .map(|long| format!("--{long}"))
        .unwrap_or_else(|| shown.clone());
    let mut tips = match err.remove(ContextKind::Suggested) {
        Some(ContextValue::StyledStrs(tips)) => tips,
        _ => Vec::new(),
    };
    tips.push(
        format!(
            "{variable} is an environment variable (it stands for {flag}): correct it or unset it"
        )
        .into(),
    );
    err.insert(ContextKind::InvalidArg, ContextValue::String(variable));
    err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
    Err(err)
}

/// The argument clap shows as `shown` (`--timeout <SECONDS>`), with the names of the
/// subcommands leading to it.
fn find_arg<'a>(command: &'a clap::Command, shown: &str) -> Option<(Vec<String>, &'a clap::Arg)> {
    if let Some(arg) = command.get_arguments().find(|a| a.to_string() == shown) {
        return Some((Vec::new(), arg));
    }
    command.get_subcommands().find_map(|sub| {
        let (mut path, arg) = find_arg(sub, shown)?;
        path.insert(0, sub.get_name().to_string());
        Some((path, arg))
    })
}

/// `command` with argument `id` (under the subcommands `path`) no longer read from the
/// environment.
fn ignore_env(command: clap::Command, path: &[String], id: &str) -> clap::Command {
    match path.split_first() {
        None => command.mut_arg(id, |arg| arg.env(None::<&str>)),
        Some((sub, rest)) => command.mut_subcommand(sub, |sub| ignore_env(sub, rest, id)),
    }
}

/// Options every command accepts, before or after the command name. `--help` lists them under
/// their own heading, after the options of the command itself.
#[derive(Debug, Clone, ClapArgs)]
#[command(next_help_heading = GLOBAL_OPTIONS)]
pub struct GlobalArgs {
    /// Directory holding one organization file (*.yaml, *.yml) per organization.
    #[arg(
        long,
        global = true,
        env = "MQC_DIR",
        default_value = "yaml-files",
        value_name = "DIR"
    )]
    pub dir: PathBuf,

    /// Login file holding the Quay tokens and mirror passwords [default: .mqc/login.yaml]
    ///
    /// `mqc login` writes it.
    // No clap default: `check` must tell a login file the user named (which then has to
    // exist) from the default one (which a merge-request lint job without secrets lacks).
    #[arg(long, global = true, env = "MQC_LOGIN_FILE", value_name = "FILE")]
    pub login_file: Option<PathBuf>,

    /// Most requests per second sent to all Quay endpoints together.
    #[arg(
        long,
        global = true,
        env = "MQC_MAX_REQUESTS_PER_SECOND",
        default_value = "50",
        value_name = "N",
        value_parser = parse_rate
    )]
    pub max_requests_per_second: NonZeroU32,

    /// Seconds to wait for one Quay answer before the request counts as failed (and is retried).
    // 20 s: a real 2-core Quay answers in ≈0.3 s alone and ≈3.7 s (p90) with 16 requests
    // queued (quay-observed.md); a request abandoned at the timeout still runs on the server,
    // so the timeout sits far above any queueing the adaptive concurrency allows, and below
    // Kubernetes' default 30 s grace period, which an interrupted run spends on requests in
    // flight.
    #[arg(long, global = true, env = "MQC_TIMEOUT", default_value = "20", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Most connections open at once to one Quay endpoint.
    #[arg(
        long,
        global = true,
        env = "MQC_MAX_CONNECTIONS",
        default_value = "16",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..=1024)
    )]
    pub max_connections: u32,

    /// Log level.
    #[arg(
        long,
        global = true,
        env = "MQC_LOG_LEVEL",
        default_value = "info",
        value_enum
    )]
    pub log_level: LogLevel,

    /// Log detail: 5 or more also logs every HTTP request (method, path, status, duration).
    #[arg(
        long,
        global = true,
        env = "MQC_VERBOSITY",
        default_value = "0",
        value_name = "N"
    )]
    pub verbosity: u8,

    /// Verify the TLS certificates of Quay endpoints. `false` is for labs only.
    #[arg(
        long,
        global = true,
        env = "MQC_TLS_VERIFY",
        default_value = "true",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        // Exactly `true` or `false`: a switch that turns certificate checks off is not guessed
        // from `no`, `0` or `off`.
        value_parser = clap::value_parser!(bool)
    )]
    pub tls_verify: bool,

    /// Also trust this CA certificate (PEM) for Quay endpoints; repeatable. For a Quay behind
    /// an internal or OpenShift CA.
    #[arg(
        long,
        global = true,
        env = "MQC_CA_CERT",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub ca_cert: Vec<PathBuf>,

    /// Send the requests meant for one endpoint to another, as `FROM=TO` (repeatable): rehearse
    /// a run against a lab or emulator, or a moved registry, without editing the files. The
    /// token is the one the login file holds for FROM.
    #[arg(long, global = true, env = "MQC_ENDPOINT_MAP", value_name = "FROM=TO", value_delimiter = ',',
          value_parser = parse_endpoint_mapping)]
    pub endpoint_map: Vec<(Endpoint, Endpoint)>,

    /// Output format for reports on stdout.
    #[arg(
        long,
        global = true,
        env = "MQC_OUTPUT",
        default_value = "human",
        value_enum
    )]
    pub output: OutputFormat,
}

/// The heading `--help` gives the options of [`GlobalArgs`].
pub const GLOBAL_OPTIONS: &str = "Global options";

fn parse_rate(raw: &str) -> Result<NonZeroU32, String> {
    let rate: u32 = raw.parse().map_err(|_| {
        format!(
            "give a whole number of requests per second, 1 to {}",
            u32::MAX
        )
    })?;
    NonZeroU32::new(rate).ok_or_else(|| {
        "0 would never send a request; give 1 or more (1 is the gentlest rate)".to_string()
    })
}

/// An endpoint checked here, so that a bad `MQC_EXPORT_ENDPOINT` is reported by its name; kept
/// as the text the user wrote.
fn parse_endpoint_text(raw: &str) -> Result<String, String> {
    Endpoint::parse(raw)
        .map(|_| raw.to_string())
        .ok_or_else(|| format!("`{raw}` is not a host[:port] or an http(s):// URL"))
}

fn parse_endpoint_mapping(raw: &str) -> Result<(Endpoint, Endpoint), String> {
    let (from, to) = raw
        .split_once('=')
        .ok_or_else(|| format!("`{raw}` is not FROM=TO"))?;
    let parse = |e: &str| {
        Endpoint::parse(e).ok_or_else(|| format!("`{e}` is not a host[:port] or http(s) URL"))
    };
    Ok((parse(from)?, parse(to)?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    Human,
    /// One JSON document, for CI (docs/json-report.md).
    Json,
    /// Markdown for merge-request comments (`plan`, `create`; other commands print their text).
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask for every Quay token and mirror password the organization files need and store
    /// them in the login file (mode 0600).
    #[command(after_help = examples::LOGIN)]
    Login(LoginArgs),
    /// Check the organization files and the login file, offline.
    #[command(after_help = examples::CHECK)]
    Check,
    /// Make every Quay endpoint match the organization files.
    #[command(after_help = examples::CREATE)]
    Create(CreateArgs),
    /// Show what `create` would change, without changing anything (`create --dry-run`).
    #[command(after_help = examples::PLAN)]
    Plan(PlanArgs),
    /// Delete the declared organizations on every endpoint they are declared for.
    #[command(after_help = examples::DELETE)]
    Delete(DeleteArgs),
    /// Write organization files describing organizations that exist in a Quay.
    #[command(after_help = examples::EXPORT)]
    Export(ExportArgs),
    /// Print the JSON Schema of organization files, for editors and linters.
    #[command(after_help = examples::SCHEMA)]
    Schema,
    /// Print a shell completion script.
    #[command(after_help = examples::COMPLETION)]
    Completion {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// The "Examples:" block at the end of each command's `--help`: the commands as a person types
/// them, one comment each.
mod examples {
    pub const MQC: &str = "\
Examples:
  mqc check                       # validate yaml-files/ offline
  mqc login                       # store the tokens the files need in .mqc/login.yaml
  mqc plan                        # show what create would change
  mqc create                      # apply it
  mqc help create                 # the options of one command";

    pub const LOGIN: &str = "\
Examples:
  mqc login                       # ask (hidden) for every missing token and mirror password
  mqc login --recreate            # ask again for every value, e.g. after a token rotation
  mqc login --list                # print what the files need, one per line
  MQC_TOKEN_QUAY_EXAMPLE_COM=… mqc login --from-env     # CI: no prompt";

    pub const CHECK: &str = "\
Examples:
  mqc check                       # yaml-files/ and .mqc/login.yaml, if present
  mqc check --dir orgs --output json                    # for a merge-request lint job";

    pub const CREATE: &str = "\
Examples:
  mqc create                      # make every endpoint match the files
  mqc create --organization team-a                      # only this organization
  mqc create --prune robots       # also delete robots the files do not declare
  mqc create --dry-run            # the same as mqc plan";

    pub const PLAN: &str = "\
Examples:
  mqc plan                        # what create would change
  mqc plan --detailed-exitcode    # CI drift check: exit 0 in sync, 2 changes pending, 1 error
  mqc plan --endpoint-map quay.example.com=https://quay-lab.example.com:8443";

    pub const DELETE: &str = "\
Examples:
  mqc delete --dry-run            # list what would be deleted
  mqc delete --organization team-a                      # asks for `yes` on a terminal
  mqc delete --organization team-a --yes                # no question (scripts)";

    pub const EXPORT: &str = "\
Examples:
  mqc export --endpoint quay.example.com --organization team-a
  mqc export --endpoint quay.example.com --all --out yaml-files   # needs a superuser token";

    pub const SCHEMA: &str = "\
Examples:
  mqc schema > yaml-files/mqc-organization.schema.json   # beside the files, for editors";

    pub const COMPLETION: &str = "\
Examples:
  mqc completion bash > /etc/bash_completion.d/mqc
  mqc completion zsh > \"${fpath[1]}/_mqc\"";
}

impl Command {
    /// Whether `--detailed-exitcode` was given: exit status 2 then means only "changes pending".
    pub fn detailed_exitcode(&self) -> bool {
        match self {
            Command::Create(args) => args.plan.detailed_exitcode,
            Command::Plan(args) => args.detailed_exitcode,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, ClapArgs)]
pub struct LoginArgs {
    /// When the login file exists, ask again for every value instead of only the missing ones.
    #[arg(long)]
    pub recreate: bool,
    /// Do not prompt: take values from the environment (`MQC_TOKEN_<HOST>`,
    /// `MQC_MIRROR_PASSWORD_<ORG>_<REPO>_<USER>`; see the README) and fail if one is missing.
    #[arg(long, conflicts_with = "from_stdin")]
    pub from_env: bool,
    /// Do not prompt: read the values, one per line, from standard input, in the order
    /// `mqc login --list` prints.
    #[arg(long)]
    pub from_stdin: bool,
    /// Print the secrets the files need, one per line, and exit.
    #[arg(long)]
    pub list: bool,
}

/// Options shared by `create`, `plan` and `create --dry-run`.
#[derive(Debug, Clone, ClapArgs)]
pub struct PlanArgs {
    /// Exit 2 when changes are pending, 0 when everything is in sync and 1 on any error, usage
    /// errors included (drift detection in CI).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also delete undeclared robots and/or teams (comma separated: robots,teams). Organizations
    /// and repositories are never deleted by `create`.
    #[arg(long, value_enum, value_delimiter = ',', num_args = 0..=1, default_missing_value = "robots,teams")]
    pub prune: Vec<PruneKind>,
    /// Apply a plan even when it removes more than the safety threshold allows.
    #[arg(long)]
    pub force: bool,
    /// Trigger a mirror sync on every mirrored repository, not only those whose configuration
    /// changed.
    #[arg(long)]
    pub sync_now: bool,
    /// Send the registry username and password from the login file for every declared mirror
    /// with a username (one write each), to apply a rotated mirror password: Quay never shows
    /// the password, so no plan sees a change.
    #[arg(long)]
    pub resend_mirror_credentials: bool,
    /// Only these organizations (repeatable); default: every file in --dir.
    #[arg(long = "organization", value_name = "NAME")]
    pub organizations: Vec<String>,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct CreateArgs {
    /// Show the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking. On a terminal `create` shows the plan and asks first; off a
    /// terminal it never asks.
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub plan: PlanArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PruneKind {
    Robots,
    Teams,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct DeleteArgs {
    /// Show what would be deleted and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Only these organizations (repeatable); default: every file in --dir.
    #[arg(long = "organization", value_name = "NAME")]
    pub organizations: Vec<String>,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct ExportArgs {
    /// The Quay to read from (host[:port] or URL); its token comes from the login file.
    #[arg(long, env = "MQC_EXPORT_ENDPOINT", value_parser = parse_endpoint_text)]
    pub endpoint: String,
    /// Organization to export (repeatable).
    #[arg(
        long = "organization",
        value_name = "NAME",
        required_unless_present = "all"
    )]
    pub organizations: Vec<String>,
    /// Export every organization the token can see (needs a superuser token).
    #[arg(long, conflicts_with = "organizations")]
    pub all: bool,
    /// Directory to write the files into.
    #[arg(long, default_value = "exported", value_name = "DIR")]
    pub out: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let before = Args::try_parse_from(["mqc", "--dir", "x", "check"]).unwrap();
        let after = Args::try_parse_from(["mqc", "check", "--dir", "x"]).unwrap();
        assert_eq!(before.global.dir, PathBuf::from("x"));
        assert_eq!(after.global.dir, PathBuf::from("x"));
    }

    #[test]
    fn tls_verify_defaults_to_on_and_accepts_false() {
        let args = Args::try_parse_from(["mqc", "check"]).unwrap();
        assert!(args.global.tls_verify);
        let args = Args::try_parse_from(["mqc", "check", "--tls-verify", "false"]).unwrap();
        assert!(!args.global.tls_verify);
    }

    #[test]
    fn tls_verify_accepts_exactly_true_or_false() {
        for other in ["yes", "no", "1", "0", "on", "off", "TRUE", "False", ""] {
            let err = Args::try_parse_from(["mqc", "check", "--tls-verify", other])
                .expect_err(other)
                .to_string();
            assert!(
                err.contains("[possible values: true, false]"),
                "{other}: {err}"
            );
        }
    }

    #[test]
    fn a_rate_of_zero_is_a_usage_error_that_says_what_to_give() {
        let err = Args::try_parse_from(["mqc", "--max-requests-per-second", "0", "check"])
            .expect_err("0 refused")
            .to_string();
        assert!(err.contains("give 1 or more"), "{err}");
        assert!(!err.contains("non-zero"), "{err}");
        let args = Args::try_parse_from(["mqc", "--max-requests-per-second", "1", "check"]);
        assert_eq!(args.unwrap().global.max_requests_per_second.get(), 1);
    }

    #[test]
    fn every_global_option_is_under_its_own_heading() {
        let mut command = Args::command();
        command.build();
        for sub in command.get_subcommands() {
            for arg in sub.get_arguments() {
                let global = arg.is_global_set();
                let heading = arg.get_help_heading();
                assert_eq!(
                    heading == Some(GLOBAL_OPTIONS),
                    global,
                    "{} {}: heading {heading:?}",
                    sub.get_name(),
                    arg.get_id()
                );
            }
        }
    }

    #[test]
    fn every_command_has_an_example() {
        let command = Args::command();
        for sub in command.get_subcommands() {
            let after = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                after.starts_with("Examples:\n")
                    && after.contains(&format!("mqc {}", sub.get_name())),
                "{}: {after}",
                sub.get_name()
            );
        }
    }

    #[test]
    fn endpoint_map_takes_pairs() {
        let args = Args::try_parse_from([
            "mqc",
            "check",
            "--endpoint-map",
            "quay.a=http://127.0.0.1:9",
        ])
        .unwrap();
        let (from, to) = &args.global.endpoint_map[0];
        assert_eq!(from.base_url(), "https://quay.a");
        assert_eq!(to.base_url(), "http://127.0.0.1:9");
        assert!(Args::try_parse_from(["mqc", "check", "--endpoint-map", "nope"]).is_err());
    }

    #[test]
    fn prune_without_value_means_both() {
        let args = Args::try_parse_from(["mqc", "create", "--prune"]).unwrap();
        let Command::Create(create) = args.command else {
            panic!("not create")
        };
        assert_eq!(create.plan.prune, vec![PruneKind::Robots, PruneKind::Teams]);
    }
}
