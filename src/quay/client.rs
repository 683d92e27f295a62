//! `QuayClient` and the one funnel every request goes through.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::OnceCell;

use super::error::{from_answer, QuayError, RequestContext};
use super::identity::{Capabilities, Features, Whoami};
use super::pace::{Pace, PaceReport, Signal};
use super::retry::{self, Decision, Failure, RetryPolicy};
use crate::model::Endpoint;

/// The request-rate limiter. One instance is shared (through an `Arc`) by the clients of every
/// endpoint, so `--max-requests-per-second` bounds the whole run.
pub type Limiter = governor::DefaultDirectRateLimiter;

/// The longest wait for a TCP (and TLS) connection to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How mqc checks the TLS certificates of Quay endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsVerify {
    /// The system's web roots plus any extra CA files given with `--ca-cert`.
    Verify {
        extra_ca_files: Vec<std::path::PathBuf>,
    },
    /// Accept any certificate (`--tls-verify false`): for labs only.
    Insecure,
}

/// How the clients talk to Quay.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time allowed for one attempt, from sending to the end of the answer.
    pub timeout: Duration,
    /// Requests in flight (and so connections) per endpoint at most.
    pub max_connections: usize,
    /// `--max-requests-per-second`: the most an endpoint's own pace ever rises to.
    pub ceiling: f64,
    pub tls: TlsVerify,
    pub retry: RetryPolicy,
}

/// Requests sent to one endpoint so far, retries included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// GET requests sent (every attempt counts).
    pub reads: u64,
    /// POST, PUT and DELETE requests sent (every attempt counts).
    pub writes: u64,
    /// Attempts after the first one, among the above.
    pub retries: u64,
}

/// A client for one Quay endpoint. Cloning is cheap and shares the connection pool, the
/// connection bound, the counters and the cached discovery answers.
#[derive(Clone)]
pub struct QuayClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The endpoint as the organization files name it: messages use it.
    endpoint: Endpoint,
    /// Where `--endpoint-map` sends this endpoint's requests, when it does.
    via: Option<Arc<Endpoint>>,
    /// The URL requests go to (`via`, or the endpoint), parsed: the base of every request's URL.
    base_url: reqwest::Url,
    token: SecretString,
    /// `Bearer <token>`, built once and marked sensitive (never shown by `Debug`).
    authorization: HeaderValue,
    http: reqwest::Client,
    timeout: Duration,
    retry: RetryPolicy,
    /// This endpoint's own pace and concurrency, found from its answers (`pace.rs`), below
    /// `--max-connections` and the global limiter.
    pace: Pace,
    limiter: Arc<Limiter>,
    /// Only one request of this client waits on the limiter at a time (FIFO). Without it every
    /// waiter wakes at each free slot and all but one go back to sleep: measured 0.6 ms of CPU
    /// per request at 50 req/s with 48 waiters (docs/performance.md).
    limiter_turn: tokio::sync::Mutex<()>,
    reads: AtomicU64,
    writes: AtomicU64,
    retries: AtomicU64,
    capabilities: OnceCell<Capabilities>,
    features: OnceCell<Features>,
    whoami: OnceCell<Whoami>,
    /// Whether each user name asked about exists (`GET /api/v1/users/{name}`), asked once.
    users: std::sync::Mutex<std::collections::HashMap<String, Arc<OnceCell<bool>>>>,
    /// Set by [`QuayClient::halt`]: no request leaves after it.
    halted: AtomicBool,
}

impl fmt::Debug for QuayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QuayClient")
            .field("endpoint", &self.inner.endpoint)
            .finish_non_exhaustive()
    }
}

/// Waits until the shared limiter grants a request, sleeping on tokio's timer. governor's own
/// `until_ready` sleeps on the helper thread of `futures-timer`, which cost a cross-thread
/// wake-up per request: `perf record` of a 300-organization run put a quarter of mqc's CPU in
/// that thread's futex waits and wake-ups.
async fn wait_for_rate_limit(limiter: &Limiter) {
    use governor::clock::Clock;
    while let Err(not_until) = limiter.check() {
        tokio::time::sleep(not_until.wait_time_from(limiter.clock().now())).await;
    }
}

/// One request as the handlers describe it.
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Result<Vec<u8>, String>>,
    idempotent: bool,
    /// Sent without the token (`GET /config`): Quay then skips the token check, which costs
    /// it a bcrypt per request.
    anonymous: bool,
    /// Secrets the body carries: Quay may quote them back in an error message (jsonschema
    /// errors quote the offending value), so they are cut out of every error of this call.
    secrets: Vec<SecretString>,
}

impl Call {
    fn new(method: Method, path: String) -> Call {
        // POST creates things in Quay; PUT and DELETE repeat harmlessly. Handlers override
        // this where Quay differs (a robot PUT only creates; `changevisibility` is a POST
        // that can be repeated).
        let idempotent = method != Method::POST;
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotent,
            anonymous: false,
            secrets: Vec::new(),
        }
    }

    /// Sends the request without the token.
    pub(crate) fn anonymous(mut self) -> Call {
        self.anonymous = true;
        self
    }

    pub(crate) fn get(path: String) -> Call {
        Call::new(Method::GET, path)
    }

    pub(crate) fn post(path: String) -> Call {
        Call::new(Method::POST, path)
    }

    pub(crate) fn put(path: String) -> Call {
        Call::new(Method::PUT, path)
    }

    pub(crate) fn delete(path: String) -> Call {
        Call::new(Method::DELETE, path)
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Call {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn json(mut self, body: &impl Serialize) -> Call {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    pub(crate) fn idempotent(mut self, idempotent: bool) -> Call {
        self.idempotent = idempotent;
        self
    }

    /// Marks a secret the body carries, so that no error of this call can quote it.
    pub(crate) fn secret(mut self, secret: Option<&SecretString>) -> Call {
        if let Some(secret) = secret {
            self.secrets.push(secret.clone());
        }
        self
    }
}

/// A 2xx answer.
pub(crate) struct Answer {
    pub(crate) ctx: RequestContext,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Decodes the body, naming the JSON path of the first field that does not fit.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, QuayError> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut de).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            QuayError::Decode {
                ctx: self.ctx.clone(),
                message: if path == "." || path.is_empty() {
                    inner.to_string()
                } else {
                    format!("field `{path}`: {inner}")
                },
            }
        })
    }
}

/// How one attempt failed before an HTTP status arrived.
enum Broken {
    /// Not sent: the client was halted.
    Halted,
    Tls(String),
    Timeout,
    Connect(String),
    Transport(String),
}

impl QuayClient {
    /// Builds the client for one endpoint. Fails only on TLS setup: an unreadable or invalid
    /// `--ca-cert` file is named in the error.
    pub fn new(
        endpoint: Endpoint,
        token: SecretString,
        options: &ClientOptions,
        limiter: Arc<Limiter>,
    ) -> Result<QuayClient, QuayError> {
        Self::routed(endpoint, None, token, options, limiter)
    }

    /// [`QuayClient::new`] for an endpoint whose requests go to `via` instead
    /// (`--endpoint-map`). Messages name the endpoint, then `via` in parentheses.
    pub fn routed(
        endpoint: Endpoint,
        via: Option<Endpoint>,
        token: SecretString,
        options: &ClientOptions,
        limiter: Arc<Limiter>,
    ) -> Result<QuayClient, QuayError> {
        let via = via.filter(|v| *v != endpoint).map(Arc::new);
        let max_connections = options.max_connections.max(1);
        // Root certificates: rustls with the compiled-in webpki (Mozilla) roots, so mqc
        // works in a minimal container image without a system CA store, plus the system store
        // (reqwest's `rustls-tls-native-roots`: `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, else
        // the platform's bundle), so a CA a cluster injects is trusted too; internal CAs can
        // also be added explicitly with `--ca-cert`.
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .pool_max_idle_per_host(max_connections)
            // Opening a connection takes milliseconds on a healthy endpoint; a dead one should
            // not hold a request for the whole answer timeout.
            .connect_timeout(options.timeout.min(CONNECT_TIMEOUT))
            .user_agent(concat!("mqc/", env!("CARGO_PKG_VERSION")))
            // Quay answers a missing trailing slash with a 308; following it would hide a
            // wrong path (and double the requests), so a redirect is reported instead.
            .redirect(reqwest::redirect::Policy::none());
        match &options.tls {
            TlsVerify::Verify { extra_ca_files } => {
                for file in extra_ca_files {
                    for cert in read_ca_file(&endpoint, file)? {
                        builder = builder.add_root_certificate(cert);
                    }
                }
            }
            TlsVerify::Insecure => builder = builder.danger_accept_invalid_certs(true),
        }
        let http = builder.build().map_err(|err| QuayError::Setup {
            endpoint: endpoint.clone(),
            message: format!("cannot set up the HTTP client: {}", error_chain(&err)),
        })?;
        let target = via.as_deref().unwrap_or(&endpoint);
        let base_url = reqwest::Url::parse(target.base_url()).map_err(|err| QuayError::Setup {
            endpoint: endpoint.clone(),
            message: format!("the endpoint is not a valid URL: {err}"),
        })?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| QuayError::Setup {
                endpoint: endpoint.clone(),
                message: "the token contains characters that cannot be sent in an HTTP header \
                          (a line break?); run `mqc login --recreate`"
                    .to_string(),
            })?;
        authorization.set_sensitive(true);
        Ok(QuayClient {
            inner: Arc::new(Inner {
                endpoint,
                via,
                base_url,
                token,
                authorization,
                http,
                timeout: options.timeout,
                retry: options.retry,
                pace: Pace::new(options.ceiling, max_connections),
                limiter,
                limiter_turn: tokio::sync::Mutex::new(()),
                reads: AtomicU64::new(0),
                writes: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                capabilities: OnceCell::new(),
                features: OnceCell::new(),
                whoami: OnceCell::new(),
                users: Default::default(),
                halted: AtomicBool::new(false),
            }),
        })
    }

    /// Stops sending (on SIGINT/SIGTERM): requests already on the wire finish, but every
    /// request or retry that has not left yet — waiting for a connection slot, the rate limiter
    /// or a backoff — fails with [`QuayError::Interrupted`] instead of being sent.
    pub fn halt(&self) {
        self.inner.halted.store(true, Ordering::SeqCst);
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// An error of this endpoint that no single request explains.
    pub fn error(&self, message: String) -> QuayError {
        QuayError::Other {
            endpoint: self.inner.endpoint.clone(),
            via: self.inner.via.clone(),
            message,
        }
    }

    /// Where `--endpoint-map` sends this endpoint's requests, if it does.
    pub fn via(&self) -> Option<&Arc<Endpoint>> {
        self.inner.via.as_ref()
    }

    /// The endpoint for messages: as the files name it, the mapped URL after it if any.
    pub fn endpoint_name(&self) -> String {
        super::error::endpoint_name(&self.inner.endpoint, self.inner.via.as_deref())
    }

    pub fn stats(&self) -> RequestStats {
        RequestStats {
            reads: self.inner.reads.load(Ordering::Relaxed),
            writes: self.inner.writes.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
        }
    }

    /// Who the token belongs to (`GET /api/v1/user/`), asked once per client. A 401 here means
    /// the token is wrong, expired or lacks `user:read`.
    pub async fn whoami(&self) -> Result<Whoami, QuayError> {
        self.inner
            .whoami
            .get_or_try_init(|| super::identity::fetch_whoami(self))
            .await
            .cloned()
    }

    /// What this Quay supports (`GET /api/v1/discovery`), asked once per client.
    pub async fn capabilities(&self) -> Result<Capabilities, QuayError> {
        self.inner
            .capabilities
            .get_or_try_init(|| super::identity::fetch_capabilities(self))
            .await
            .cloned()
    }

    /// Which features mqc depends on this Quay has: `GET /config` (no token, Quay 3.12+),
    /// else the discovery document; asked once per client.
    pub async fn features(&self) -> Result<Features, QuayError> {
        self.inner
            .features
            .get_or_try_init(|| super::identity::fetch_features(self))
            .await
            .cloned()
    }

    /// Whether a user of this name exists (`GET /api/v1/users/{name}`), asked once per name
    /// and client. Robots and organizations are not users (Quay answers 404 for them too).
    pub async fn user_exists(&self, name: &str) -> Result<bool, QuayError> {
        let cell = {
            let mut users = self
                .inner
                .users
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(users.entry(name.to_string()).or_default())
        };
        cell.get_or_try_init(|| super::identity::fetch_user_exists(self, name))
            .await
            .copied()
    }

    /// `DELETE path` of an object addressed by its id: one already gone (404, e.g. a retried
    /// DELETE that met its own effect) counts as deleted.
    pub(crate) async fn delete_by_id(&self, path: String) -> Result<(), QuayError> {
        match self.send(Call::delete(path)).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_not_found() => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// The funnel: connection bound, rate limiter, bearer token, timeout, retries and error
    /// mapping. Returns only 2xx answers.
    pub(crate) async fn send(&self, call: Call) -> Result<Answer, QuayError> {
        let result = self.send_unredacted(&call).await;
        result.map_err(|err| err.redact(&self.secret_values(&call)))
    }

    /// What errors of `call` must never show: the secrets its body carries and the token.
    fn secret_values<'a>(&'a self, call: &'a Call) -> Vec<&'a str> {
        call.secrets
            .iter()
            .chain([&self.inner.token])
            .map(|s| s.expose_secret())
            .collect()
    }

    /// The request's URL, built from the endpoint's URL parsed once: parsing the whole URL
    /// (scheme, host with IDNA) for each of ~90,000 requests was 6 % of a run's CPU.
    fn url(&self, path: &str, query: &[(&'static str, String)]) -> reqwest::Url {
        let mut url = self.inner.base_url.clone();
        let prefix = self.inner.base_url.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    async fn send_unredacted(&self, call: &Call) -> Result<Answer, QuayError> {
        let ctx = RequestContext {
            endpoint: self.inner.endpoint.clone(),
            via: self.inner.via.clone(),
            method: call.method.clone(),
            path: call.path.clone(),
            idempotent: call.idempotent,
        };
        let body = match &call.body {
            None => None,
            Some(Ok(bytes)) => Some(bytes),
            Some(Err(message)) => {
                return Err(QuayError::Other {
                    endpoint: ctx.endpoint,
                    via: ctx.via,
                    message: format!(
                        "{} {}: cannot encode the request: {message}",
                        ctx.method, ctx.path
                    ),
                })
            }
        };
        let url = self.url(&call.path, &call.query);
        let policy = &self.inner.retry;
        let mut attempt: u32 = 0;
        loop {
            let (failure, retry_after, error) = match self
                .attempt(&ctx, &url, body.map(Vec::as_slice), call.anonymous, attempt)
                .await
            {
                Ok((status, retry_after, bytes)) => {
                    if (200..300).contains(&status) {
                        return Ok(Answer { ctx, body: bytes });
                    }
                    let error = from_answer(ctx.clone(), status, &bytes, &self.secret_values(call));
                    (Failure::Status(status), retry_after, error)
                }
                Err(broken) => {
                    let attempts = attempt + 1;
                    match broken {
                        Broken::Halted => return Err(QuayError::Interrupted { ctx }),
                        // A certificate problem does not go away by asking again.
                        Broken::Tls(message) => {
                            return Err(QuayError::Tls { ctx, message });
                        }
                        Broken::Timeout => (
                            Failure::Timeout,
                            None,
                            QuayError::Timeout {
                                ctx: ctx.clone(),
                                after: self.inner.timeout,
                                attempts,
                            },
                        ),
                        Broken::Connect(message) => (
                            Failure::Connect,
                            None,
                            QuayError::Transport {
                                ctx: ctx.clone(),
                                connect: true,
                                message: format!("cannot connect: {message}"),
                                attempts,
                            },
                        ),
                        Broken::Transport(message) => (
                            Failure::Transport,
                            None,
                            QuayError::Transport {
                                ctx: ctx.clone(),
                                connect: false,
                                message: format!("connection failed: {message}"),
                                attempts,
                            },
                        ),
                    }
                }
            };
            match retry::decide(policy, failure, ctx.idempotent, attempt) {
                Decision::Retry => {
                    let wait = retry::delay(policy, attempt, retry_after, rand::random::<f64>());
                    tracing::debug!(
                        target: "mqc::http",
                        method = %ctx.method,
                        path = %ctx.path,
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    self.inner.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Decision::Fail | Decision::Ambiguous => return Err(error),
            }
        }
    }

    /// One attempt: holds a place in the endpoint's pace (concurrency and rate) while it runs,
    /// and tells the pace what the answer said.
    async fn attempt(
        &self,
        ctx: &RequestContext,
        url: &reqwest::Url,
        body: Option<&[u8]>,
        anonymous: bool,
        attempt: u32,
    ) -> Result<(u16, Option<Duration>, Vec<u8>), Broken> {
        let place = self.inner.pace.acquire().await;
        let result = self
            .attempt_in_place(ctx, url, body, anonymous, attempt)
            .await;
        let signal = match &result {
            Ok((429, ..)) => Signal::Throttled,
            Ok((503, ..)) => Signal::Unavailable,
            Ok(..) if anonymous => Signal::AnsweredAnonymously,
            Ok((.., latency)) => Signal::Answered(*latency),
            Err(Broken::Timeout) => Signal::TimedOut,
            Err(_) => Signal::Nothing,
        };
        place.release(signal);
        result.map(|(status, retry_after, bytes, _)| (status, retry_after, bytes))
    }

    /// The endpoint's pace so far: how far its answers made mqc slow down.
    pub fn pace(&self) -> PaceReport {
        self.inner.pace.report()
    }

    /// [`QuayClient::attempt`] once it holds a place in the endpoint's pace.
    async fn attempt_in_place(
        &self,
        ctx: &RequestContext,
        url: &reqwest::Url,
        body: Option<&[u8]>,
        anonymous: bool,
        attempt: u32,
    ) -> Result<(u16, Option<Duration>, Vec<u8>, Duration), Broken> {
        {
            let _turn = self.inner.limiter_turn.lock().await;
            wait_for_rate_limit(&self.inner.limiter).await;
        }
        // Checked last, right before sending: a request that waited for its slot while the
        // run was interrupted must not go out.
        if self.inner.halted.load(Ordering::SeqCst) {
            return Err(Broken::Halted);
        }

        let mut request = self
            .inner
            .http
            .request(ctx.method.clone(), url.clone())
            .timeout(self.inner.timeout);
        if !anonymous {
            request = request.header(AUTHORIZATION, self.inner.authorization.clone());
        }
        if let Some(bytes) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.to_vec());
        }
        if ctx.method == Method::GET {
            self.inner.reads.fetch_add(1, Ordering::Relaxed);
        } else {
            self.inner.writes.fetch_add(1, Ordering::Relaxed);
        }
        super::counter::record(ctx.method != Method::GET);

        let started = Instant::now();
        let result = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| retry::parse_retry_after(value, SystemTime::now()));
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, retry_after, bytes.to_vec()))
        }
        .await;
        let latency = started.elapsed();
        let duration_ms = latency.as_millis() as u64;
        match &result {
            Ok((status, _, _)) => tracing::debug!(
                target: "mqc::http",
                method = %ctx.method,
                path = %ctx.path,
                status = *status,
                duration_ms,
                attempt = attempt + 1,
            ),
            Err(err) => tracing::debug!(
                target: "mqc::http",
                method = %ctx.method,
                path = %ctx.path,
                error = %error_chain(err),
                duration_ms,
                attempt = attempt + 1,
            ),
        }
        result
            .map(|(status, retry_after, bytes)| (status, retry_after, bytes, latency))
            .map_err(|err| classify(&err))
    }
}

fn classify(err: &reqwest::Error) -> Broken {
    let text = error_chain(err);
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") {
        Broken::Tls(text)
    } else if err.is_connect() {
        Broken::Connect(text)
    } else if err.is_timeout() {
        Broken::Timeout
    } else {
        Broken::Transport(text)
    }
}

/// The causes of a reqwest error without its first line (which only repeats the URL).
fn error_chain(err: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

fn read_ca_file(endpoint: &Endpoint, file: &Path) -> Result<Vec<reqwest::Certificate>, QuayError> {
    let setup = |message: String| QuayError::Setup {
        endpoint: endpoint.clone(),
        message,
    };
    let pem = std::fs::read(file)
        .map_err(|err| setup(format!("cannot read CA file {}: {err}", file.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
        setup(format!(
            "CA file {} is not a PEM certificate bundle: {}",
            file.display(),
            error_chain(&err)
        ))
    })?;
    if certs.is_empty() {
        return Err(setup(format!(
            "CA file {} holds no PEM certificate",
            file.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn limiter() -> Arc<Limiter> {
        Arc::new(governor::RateLimiter::direct(governor::Quota::per_second(
            NonZeroU32::new(1000).unwrap(),
        )))
    }

    fn options(tls: TlsVerify) -> ClientOptions {
        ClientOptions {
            timeout: Duration::from_secs(5),
            max_connections: 4,
            ceiling: 10_000.0,
            tls,
            retry: RetryPolicy::default(),
        }
    }

    fn client(endpoint: &str, token: &str) -> Result<QuayClient, QuayError> {
        QuayClient::new(
            Endpoint::parse(endpoint).unwrap(),
            SecretString::from(token),
            &options(TlsVerify::Verify {
                extra_ca_files: vec![],
            }),
            limiter(),
        )
    }

    #[test]
    fn urls_keep_the_endpoint_path_and_encode_the_query() {
        let plain = client("http://127.0.0.1:8080", "tok").unwrap();
        assert_eq!(
            plain
                .url(
                    "/api/v1/organization/acme/robots",
                    &[("token", "false".into())]
                )
                .as_str(),
            "http://127.0.0.1:8080/api/v1/organization/acme/robots?token=false"
        );
        let prefixed = client("https://quay.example.com/quay/", "tok").unwrap();
        assert_eq!(
            prefixed
                .url("/api/v1/repository", &[("namespace", "a b&c".into())])
                .as_str(),
            "https://quay.example.com/quay/api/v1/repository?namespace=a+b%26c"
        );
        assert_eq!(
            prefixed
                .url("/api/v1/repository/acme/nested/app", &[])
                .as_str(),
            "https://quay.example.com/quay/api/v1/repository/acme/nested/app"
        );
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_showing_it() {
        let err = client("https://quay.example.com", "secret-tok\nen").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("cannot be sent in an HTTP header"), "{text}");
        assert!(!text.contains("secret-tok"), "{text}");
    }

    #[test]
    fn unreadable_or_invalid_ca_files_are_named() {
        let endpoint = Endpoint::parse("https://quay.example.com").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = QuayClient::new(
            endpoint.clone(),
            SecretString::from("tok"),
            &options(TlsVerify::Verify {
                extra_ca_files: vec![missing.clone()],
            }),
            limiter(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("https://quay.example.com: cannot read CA file "),
            "{text}"
        );
        assert!(text.contains("missing.pem"), "{text}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let err = QuayClient::new(
            endpoint,
            SecretString::from("tok"),
            &options(TlsVerify::Verify {
                extra_ca_files: vec![garbage],
            }),
            limiter(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("garbage.pem"), "{text}");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let client = QuayClient::new(
            Endpoint::parse("http://127.0.0.1:9").unwrap(),
            SecretString::from("s3cr3t-token"),
            &options(TlsVerify::Insecure),
            limiter(),
        )
        .unwrap();
        let text = format!("{client:?}");
        assert!(!text.contains("s3cr3t-token"));
        assert_eq!(client.stats(), RequestStats::default());
    }
}
