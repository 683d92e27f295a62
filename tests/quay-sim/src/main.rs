//! `quay-sim`: serve the emulator until killed. Prints exactly one line on start:
//! `quay-sim listening on http://127.0.0.1:PORT` (with `--tls`: `https://… ca=/path/ca.pem`).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use quay_sim::{
    Authentication, Capacity, Config, Feature, QuayVersion, RateLimitSpec, Server, TokenSpec,
};

/// A stateful emulator of the Quay REST API v1 subset mqc uses.
#[derive(Debug, Parser)]
#[command(name = "quay-sim", version)]
struct Args {
    /// Address to listen on (port 0 = a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// A token of the superuser `admin`: `TOKEN` (every scope) or `TOKEN:scope1,scope2`.
    /// Repeatable. Without any, the token `admin-token` is accepted.
    #[arg(long = "token", value_name = "TOKEN[:SCOPES]", value_parser = TokenSpec::parse_cli)]
    tokens: Vec<TokenSpec>,
    /// A user that exists besides `admin`. Repeatable.
    #[arg(long = "user", value_name = "NAME")]
    users: Vec<String>,
    /// Delay every API answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share (0..1) of API requests answered with 502/503/504 or a dropped connection.
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    fault_rate: f64,
    /// Share (0..1) of API requests answered with nginx's 429 page (no Retry-After).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    throttle_rate: f64,
    /// Serve at most N API requests at once (a real Quay's gunicorn workers); others queue.
    /// With --cost-ms.
    #[arg(long, value_name = "N", requires = "cost_ms", value_parser = clap::value_parser!(u32).range(1..))]
    workers: Option<u32>,
    /// With --workers: how long an authenticated request holds a worker (a real 2-core Quay:
    /// ≈280 ms of bcrypt per request); an anonymous one holds it for a fifteenth of that.
    #[arg(long, value_name = "MS", requires = "workers")]
    cost_ms: Option<u64>,
    /// nginx's `limit_req … nodelay` on /api/ per client address, in requests per second
    /// (Quay's stock config: 5). Beyond the burst: nginx's 429 page, no Retry-After.
    #[arg(long, value_name = "R", requires = "burst")]
    rate_limit: Option<f64>,
    /// With --rate-limit: requests allowed beyond the rate at once (Quay's stock config: 25).
    #[arg(long, value_name = "B", requires = "rate_limit")]
    burst: Option<u32>,
    /// Seed for faults, tokens and uuids (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Serve HTTPS with a fresh self-signed CA (its PEM path is printed after `ca=`).
    #[arg(long)]
    tls: bool,
    /// Quay with LDAP authentication: team syncing available.
    #[arg(long)]
    ldap: bool,
    /// Quay's AUTHENTICATION_TYPE: Database (default), LDAP (as --ldap) or OIDC; LDAP and
    /// OIDC make team syncing available.
    #[arg(long, value_name = "TYPE", default_value = "Database", value_parser = |s: &str| s.parse::<Authentication>())]
    authentication_type: Authentication,
    /// FEATURE_MAILING with required team invites.
    #[arg(long)]
    mailing: bool,
    /// FEATURE_SPARSE_INDEX: mirror architecture filters accepted (3.17+).
    #[arg(long)]
    sparse_index: bool,
    /// FEATURE_IMAGE_EXPIRY_TRIGGER: the GC worker looks for expiring tags (3.13+; 3.12
    /// always does and has no flag).
    #[arg(long)]
    image_expiry_trigger: bool,
    /// FEATURE_BILLING: `GET /config` shows no version_number.
    #[arg(long)]
    billing: bool,
    /// Turn a Quay feature off (Quay's flag name without `FEATURE_`: REPO_MIRROR,
    /// TEAM_SYNCING). Repeatable.
    #[arg(long = "disable-feature", value_name = "NAME", value_parser = |s: &str| s.parse::<Feature>())]
    disabled_features: Vec<Feature>,
    /// Emulated Quay version: 3.12, 3.15, 3.17, 3.18 or head (the newest behaviour).
    #[arg(long, default_value = "head", value_parser = |s: &str| s.parse::<QuayVersion>())]
    quay_version: QuayVersion,
}

fn parse_rate(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("'{raw}' is not a rate between 0 and 1")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let defaults = Config::default();
    let config = Config {
        listen: args.listen,
        tokens: if args.tokens.is_empty() {
            defaults.tokens
        } else {
            args.tokens
        },
        users: args.users,
        latency: Duration::from_millis(args.latency_ms),
        fault_rate: args.fault_rate,
        throttle_rate: args.throttle_rate,
        capacity: args
            .workers
            .zip(args.cost_ms)
            .map(|(workers, cost)| Capacity {
                workers: workers as usize,
                cost: Duration::from_millis(cost),
            }),
        rate_limit: args
            .rate_limit
            .zip(args.burst)
            .map(|(rate, burst)| RateLimitSpec { rate, burst }),
        seed,
        tls: args.tls,
        ldap: args.ldap,
        authentication: args.authentication_type,
        mailing: args.mailing,
        sparse_index: args.sparse_index,
        image_expiry_trigger: args.image_expiry_trigger,
        billing: args.billing,
        disabled_features: args.disabled_features.into_iter().collect(),
        version: args.quay_version,
    };
    let server = match Server::start(config) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("quay-sim: cannot start on {}: {err}", args.listen);
            return ExitCode::from(2);
        }
    };
    let signals = catch_stop_signals();
    let line = match &server.ca_path {
        Some(ca) => format!(
            "quay-sim listening on {} ca={}",
            server.base_url(),
            ca.display()
        ),
        None => format!("quay-sim listening on {}", server.base_url()),
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("quay-sim: cannot write to stdout");
    }
    drop(stdout);
    serve_until_stopped(server, signals);
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, caught from the moment this returns (before the first line is printed:
/// whoever reads it may stop the emulator at once).
#[cfg(unix)]
struct StopSignals {
    runtime: tokio::runtime::Runtime,
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
fn catch_stop_signals() -> Option<StopSignals> {
    use tokio::signal::unix::{signal, SignalKind};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let context = runtime.enter();
    let interrupt = signal(SignalKind::interrupt()).ok()?;
    let terminate = signal(SignalKind::terminate()).ok()?;
    drop(context);
    Some(StopSignals {
        runtime,
        interrupt,
        terminate,
    })
}

/// Serves until SIGINT or SIGTERM, then stops the server: dropping it removes the TLS files.
#[cfg(unix)]
fn serve_until_stopped(mut server: Server, signals: Option<StopSignals>) {
    let Some(mut signals) = signals else {
        return server.wait();
    };
    signals.runtime.block_on(async {
        tokio::select! {
            _ = signals.interrupt.recv() => {}
            _ = signals.terminate.recv() => {}
        }
    });
    server.stop();
}

#[cfg(not(unix))]
struct StopSignals;

#[cfg(not(unix))]
fn catch_stop_signals() -> Option<StopSignals> {
    None
}

#[cfg(not(unix))]
fn serve_until_stopped(server: Server, _signals: Option<StopSignals>) {
    server.wait();
}
