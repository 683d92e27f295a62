//! Command-line arguments: what the user typed, validated by clap and nothing more.
//! `settings` turns them into what the commands use.

use std::num::NonZeroU32;
use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::model::Endpoint;

/// Mass Quay Configurator: keep many Quay registries configured from organization files.
#[derive(Debug, Parser)]
#[command(
    name = "mqc",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Args {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the command name.
#[derive(Debug, Clone, ClapArgs)]
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

    /// Login file with the Quay tokens and mirror passwords (written by `mqc login`).
    ///
    /// [default: .mqc/login.yaml]
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
        value_name = "N"
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
        value_parser = clap::builder::BoolishValueParser::new()
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
    /// One JSON document, for CI.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask for every Quay token and mirror password the organization files need and store
    /// them in the login file (mode 0600).
    Login(LoginArgs),
    /// Check the organization files and the login file, offline.
    Check,
    /// Make every Quay endpoint match the organization files.
    Create(CreateArgs),
    /// Show what `create` would change, without changing anything (`create --dry-run`).
    Plan(PlanArgs),
    /// Delete the declared organizations on every endpoint they are declared for.
    Delete(DeleteArgs),
    /// Write organization files describing organizations that exist in a Quay.
    Export(ExportArgs),
    /// Print the JSON Schema of organization files, for editors and linters.
    ///
    /// Example: `mqc schema > yaml-files/mqc-organization.schema.json`
    Schema,
    /// Print a shell completion script.
    Completion {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
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
    #[arg(long, env = "MQC_EXPORT_ENDPOINT")]
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
    use clap::CommandFactory;

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
    fn a_rate_of_zero_is_a_usage_error() {
        let err = Args::try_parse_from(["mqc", "--max-requests-per-second", "0", "check"]);
        assert!(err.is_err());
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
