//! What `create`, `plan`, `delete` and `export` share: the loaded files, the secrets, one client
//! per endpoint behind one global rate limiter, the token check, and the signal handling.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use governor::{Quota, RateLimiter};
use tracing::warn;

use crate::apply::StopFlag;
use crate::config::{self, Finding, SecretsUsed, Severity};
use crate::error::{Error, Failure};
use crate::model::{DesiredOrganization, Endpoint, Secrets};
use crate::plan::Target;
use crate::quay::{endpoint_name, Limiter, QuayClient, Whoami};
use crate::report::{EndpointPace, RequestCount};
use crate::settings::{Settings, TlsVerify};

/// The organization files, filtered to the organizations asked for. Prints the findings;
/// refuses to go on when a file has errors or `--endpoint-map` names an endpoint no file has.
/// Endpoints stay as the files name them: [`clients`] sends their requests where the map says.
pub fn load_organizations(
    settings: &Settings,
    only: &[String],
) -> Result<Vec<DesiredOrganization>, Error> {
    let loaded = config::load_dir(&settings.dir)?;
    print_findings(&loaded.findings);
    if loaded.has_errors() {
        return Err(Error::Findings {
            message: format!(
                "the organization files in {} have errors (listed above); fix them, `mqc check` \
                 shows them all",
                settings.dir.display()
            ),
            findings: loaded
                .findings
                .into_iter()
                .filter(Finding::is_error)
                .collect(),
        });
    }
    let mut organizations = loaded.organizations;
    settings
        .check_endpoint_map(organizations.iter().flat_map(|o| &o.endpoints))
        .map_err(Error::Usage)?;
    if !only.is_empty() {
        for name in only {
            if !organizations.iter().any(|o| &o.organization.name == name) {
                return Err(Error::Usage(format!(
                    "no organization file in {} declares organization {name}",
                    settings.dir.display()
                )));
            }
        }
        organizations.retain(|o| only.contains(&o.organization.name));
    }
    Ok(organizations)
}

fn print_findings(findings: &[Finding]) {
    for finding in findings {
        if finding.severity != Severity::Note {
            eprintln!("{finding}");
        }
    }
}

/// The login file's secrets, checked against what the organizations need for the secrets the
/// command sends (`used`).
pub fn load_secrets(
    settings: &Settings,
    organizations: &[DesiredOrganization],
    used: SecretsUsed,
) -> Result<Secrets, Error> {
    let mut secrets = config::load_login(&settings.login_file)?.unwrap_or_default();
    tokens_from_env(
        &mut secrets,
        organizations.iter().flat_map(|o| &o.endpoints),
    );
    let findings = config::check_secrets(organizations, &secrets, &settings.login_file, used);
    print_findings(&findings);
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(Error::Findings {
            message: format!(
                "the login file {} lacks secrets (listed above); run `mqc login`",
                settings.login_file.display()
            ),
            findings: findings.into_iter().filter(Finding::is_error).collect(),
        });
    }
    Ok(secrets)
}

/// Fills in, from `MQC_TOKEN_<HOST>`, the token of every endpoint the login file has none for:
/// a CI job can hold its tokens in the environment alone. The login file wins where both
/// have one, as with `mqc export`.
pub fn tokens_from_env<'a>(
    secrets: &mut Secrets,
    endpoints: impl IntoIterator<Item = &'a Endpoint>,
) {
    for endpoint in endpoints {
        if secrets.token(endpoint).is_some() {
            continue;
        }
        if let Some(token) = config::token_from_env(endpoint) {
            secrets.insert_token(endpoint.clone(), token);
        }
    }
}

/// Every target: each organization on each of its endpoints, with the file it comes from,
/// sorted. `O` is how the caller holds an organization: a reference, or an `Arc` when each
/// target's work should own its organization and release it when done (`create` frees the
/// desired model while it plans, see `shared`).
pub fn targets<O>(organizations: impl IntoIterator<Item = O>) -> Vec<(Target, O)>
where
    O: std::ops::Deref<Target = DesiredOrganization> + Clone,
{
    let mut targets: Vec<_> = organizations
        .into_iter()
        .flat_map(|org| {
            let name = org.organization.name.clone();
            let endpoints = org.endpoints.clone();
            endpoints.into_iter().map(move |endpoint| {
                let target = Target {
                    endpoint,
                    organization: name.clone(),
                };
                (target, org.clone())
            })
        })
        .collect();
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    targets
}

/// The organizations behind `Arc`s, so that `targets` can hand each target its own handle:
/// an organization is freed as soon as the work of its last target drops it.
pub fn shared(organizations: Vec<DesiredOrganization>) -> Vec<Arc<DesiredOrganization>> {
    organizations.into_iter().map(Arc::new).collect()
}

/// One client per endpoint, all behind one rate limiter. An endpoint whose client cannot be
/// built (bad CA file, no token) maps to the reason.
pub fn clients<'a>(
    settings: &Settings,
    secrets: &Secrets,
    endpoints: impl IntoIterator<Item = &'a Endpoint>,
) -> BTreeMap<Endpoint, Result<QuayClient, Failure>> {
    let limiter: Arc<Limiter> = Arc::new(RateLimiter::direct(Quota::per_second(
        settings.max_requests_per_second,
    )));
    let options = settings.client_options();
    let mut clients = BTreeMap::new();
    for endpoint in endpoints {
        if clients.contains_key(endpoint) {
            continue;
        }
        let via = settings.route(endpoint);
        let name = endpoint_name(endpoint, Some(&via).filter(|v| *v != endpoint));
        if via.is_plain_http() {
            warn!("{name} is plain http: its token travels in clear text; use https outside labs");
        }
        let client = match secrets.token(endpoint) {
            None => Err(Failure::at_endpoint(
                endpoint,
                format!("no token for {name} in the login file: run `mqc login`"),
            )),
            Some(token) => QuayClient::routed(
                endpoint.clone(),
                Some(via),
                token.clone(),
                &options,
                limiter.clone(),
            )
            .map_err(Failure::from),
        };
        clients.insert(endpoint.clone(), client);
    }
    if settings.tls == TlsVerify::Insecure {
        let names: Vec<String> = clients
            .iter()
            .map(|(e, c)| {
                c.as_ref()
                    .map_or_else(|_| e.to_string(), QuayClient::endpoint_name)
            })
            .collect();
        warn!(
            "TLS verification is off (--tls-verify false) for {}: anyone on the path can read the \
             tokens; use --ca-cert instead outside labs",
            names.join(", ")
        );
    }
    clients
}

/// How each endpoint's answers paced it, for the report.
pub fn paces(clients: &BTreeMap<Endpoint, Result<QuayClient, Failure>>) -> Vec<EndpointPace> {
    clients
        .iter()
        .filter_map(|(endpoint, client)| {
            let client = client.as_ref().ok()?;
            Some(EndpointPace::new(endpoint.clone(), client.pace()))
        })
        .collect()
}

/// How many endpoints are talked to at once for one-per-endpoint work (token checks, deletes).
pub const ENDPOINT_CONCURRENCY: usize = 16;

/// Runs `work` on every item, at most `limit` at once, and returns the results in the order
/// they finish: the one fan-out loop of the commands (reads, token checks, deletes, exports).
pub async fn fan_out<T, R, F, Fut>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    work: F,
) -> Vec<R>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = R>,
{
    futures::stream::iter(items)
        .map(work)
        .buffer_unordered(limit.max(1))
        .collect()
        .await
}

/// Checks each endpoint's token once (`GET /api/v1/user/`), concurrently. Endpoints whose token
/// does not work map to the reason.
pub async fn check_tokens(
    clients: &BTreeMap<Endpoint, Result<QuayClient, Failure>>,
) -> BTreeMap<Endpoint, Result<Whoami, Failure>> {
    fan_out(
        clients.iter(),
        ENDPOINT_CONCURRENCY,
        |(endpoint, client)| async move {
            let whoami = match client {
                Ok(client) => client.whoami().await.map_err(Failure::from),
                Err(reason) => Err(reason.clone()),
            };
            (endpoint.clone(), whoami)
        },
    )
    .await
    .into_iter()
    .collect()
}

/// Counts the requests the client sends while `future` runs.
pub async fn counting<F: Future>(future: F) -> (F::Output, RequestCount) {
    let counter = crate::quay::RequestCounter::default();
    let output = counter.count(future).await;
    let counts = counter.snapshot();
    (
        output,
        RequestCount {
            reads: counts.reads,
            writes: counts.writes,
        },
    )
}

/// Raises `stop` on the first SIGINT or SIGTERM, and halts every client in the same step, so
/// that no request leaves after the signal: not only no new change, but also no request of a
/// change already started that is still waiting for a connection slot, the rate limiter or a
/// retry. A second signal raises the returned flag: the command stops waiting for the requests
/// in flight and ends with [`Error::Interrupted`] (exit 130; only `main` exits).
pub fn stop_on_signal_and_halt(
    stop: StopFlag,
    clients: &BTreeMap<Endpoint, Result<QuayClient, Failure>>,
) -> StopFlag {
    let clients: Vec<QuayClient> = clients
        .values()
        .filter_map(|c| c.as_ref().ok().cloned())
        .collect();
    let abort = StopFlag::default();
    // Registered here, not when the task first runs: on the one-thread runtime the task may
    // not be polled before requests go out, and a signal before registration kills mqc without
    // its summary (seen in tests/faults.rs).
    let mut signals = Signals::listen();
    let aborted = abort.clone();
    tokio::spawn(async move {
        signals.next().await;
        for client in &clients {
            client.halt();
        }
        eprintln!(
            "mqc: interrupted: no new requests are sent; waiting for those in flight (again to \
             abort)"
        );
        stop.raise();
        signals.next().await;
        aborted.raise();
    });
    abort
}

/// Runs `work` unless `abort` is raised first: then the work is dropped (its requests in
/// flight with it) and the command ends with [`Error::Interrupted`].
pub async fn unless_aborted<T>(
    abort: &StopFlag,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::select! {
        biased;
        () = abort.raised() => Err(Error::Interrupted),
        result = work => result,
    }
}

/// SIGINT and SIGTERM listeners, installed when created.
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    /// Resolves on the next SIGINT or SIGTERM.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) {
                let received = match signal {
                    Some(signal) => signal.recv().await.is_some(),
                    None => false,
                };
                if !received {
                    // Not installed, or the runtime is shutting down: never fires.
                    std::future::pending::<()>().await;
                }
            }
            tokio::select! {
                () = recv(&mut self.interrupt) => {}
                () = recv(&mut self.terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The runtime the network commands run on. One thread: mqc waits on Quay, not on the CPU.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::other(format!("cannot start the async runtime: {e}")))
}
