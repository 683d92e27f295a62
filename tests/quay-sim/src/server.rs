//! The HTTP(S) server: one background thread with its own tokio runtime, an accept loop that
//! counts connections, injected latency/faults/throttling in front of the API, and the
//! `/_sim/` control endpoints.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{self, ApiRequest};
use crate::capacity::{RateLimit, Workers};
use crate::config::Config;
use crate::model::State;
use crate::reply::Reply;
use crate::rng::Rng;
use crate::routes::{match_path, percent_decode, CatchAll, Matched, Registered};
use crate::stats::Counters;
use crate::{snapshot, tls};

/// Everything the request handlers share.
pub struct Shared {
    pub config: Config,
    /// `--workers`/`--cost-ms`: the worker pool every API request goes through.
    workers: Option<Workers>,
    /// `--rate-limit`/`--burst`: the emulated nginx limit on `/api/`.
    rate_limit: Option<RateLimit>,
    state: Mutex<State>,
    pub counters: Counters,
    fault_rng: Mutex<Rng>,
    /// Requests (method, decoded path) answered with Quay's 500 page (`POST /_sim/fail`).
    failing: Mutex<BTreeSet<(String, String)>>,
    /// Requests held back before processing (`POST /_sim/hold`).
    holds: Mutex<Vec<Hold>>,
    pub scheme: &'static str,
    pub addr: SocketAddr,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        // A handler never panics while holding the lock, but a test closure given to
        // `with_state` might; the state stays usable for the next test step.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the start configuration: state, counters and random sequence.
    pub fn reset(&self) {
        *self.state() = State::new(&self.config);
        *self
            .fault_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Rng::new(self.config.seed);
        self.counters.reset();
        self.failing().clear();
        self.holds().clear();
    }

    /// The requests held back on purpose (see `QuaySim::hold_requests`).
    pub fn holds(&self) -> MutexGuard<'_, Vec<Hold>> {
        self.holds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The requests that fail on purpose (see `QuaySim::fail_requests`).
    pub fn failing(&self) -> MutexGuard<'_, BTreeSet<(String, String)>> {
        self.failing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn draw(&self) -> (f64, u64) {
        let mut rng = self
            .fault_rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        (rng.next_f64(), rng.below(4))
    }
}

/// `POST /_sim/hold`: the first request with this method and path is processed only after
/// `delay`, as when a busy Quay keeps it queued past the client's timeout; every later one
/// waits for it in the same lane (as behind the first's database lock), then runs.
pub struct Hold {
    pub method: String,
    pub path: String,
    pub delay: std::time::Duration,
    lane: Arc<tokio::sync::Mutex<bool>>,
}

impl Hold {
    pub fn new(method: &str, path: &str, delay: std::time::Duration) -> Hold {
        Hold {
            method: method.to_uppercase(),
            path: path.to_string(),
            delay,
            lane: Arc::new(tokio::sync::Mutex::new(false)),
        }
    }
}

/// A running server; dropping it does not stop it (see `QuaySim`).
pub struct Server {
    pub shared: Arc<Shared>,
    pub ca_path: Option<PathBuf>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    _tls_dir: Option<tempfile::TempDir>,
}

impl Server {
    pub fn start(config: Config) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        // The CA file lives in a fresh temporary directory, removed when the server is dropped.
        let (tls, tls_dir) = if config.tls {
            let dir = tempfile::Builder::new().prefix("quay-sim-").tempdir()?;
            (Some(tls::setup(dir.path())?), Some(dir))
        } else {
            (None, None)
        };
        let shared = Arc::new(Shared {
            workers: config.capacity.map(|c| Workers::new(c.workers, c.cost)),
            rate_limit: config.rate_limit.map(|r| RateLimit::new(r.rate, r.burst)),
            state: Mutex::new(State::new(&config)),
            counters: Counters::default(),
            fault_rng: Mutex::new(Rng::new(config.seed)),
            failing: Mutex::new(BTreeSet::new()),
            holds: Mutex::new(Vec::new()),
            scheme: if tls.is_some() { "https" } else { "http" },
            addr,
            config,
        });
        let ca_path = tls.as_ref().map(|t| t.ca_path.clone());
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.server_config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("quay-sim")
            .enable_all()
            .build()?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("quay-sim-server".into())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, thread_shared, acceptor, shutdown_rx));
                // Dropping the runtime cancels every connection task: sockets close.
                runtime.shutdown_background();
            })?;
        Ok(Server {
            shared,
            ca_path,
            shutdown,
            thread: Some(thread),
            _tls_dir: tls_dir,
        })
    }

    pub fn base_url(&self) -> String {
        format!("{}://{}", self.shared.scheme, self.shared.addr)
    }

    /// Closes the listener and every open connection, and waits for the server thread.
    pub fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Blocks until the server stops (the binary serves until killed).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        eprintln!("quay-sim: cannot register the listener with the runtime");
        return;
    };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, peer)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let connection = Arc::new(Connection {
                shared: Arc::clone(&shared),
                peer: peer.ip(),
                counted: AtomicBool::new(false),
            });
            let service_connection = Arc::clone(&connection);
            let service = service_fn(move |req| {
                let connection = Arc::clone(&service_connection);
                async move { connection.handle(req).await }
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls_stream) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(tls_stream), service)
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
}

/// One TCP connection. It counts toward `max_connections` from its first API request on.
struct Connection {
    shared: Arc<Shared>,
    /// The client's address: nginx's rate limit is per address.
    peer: IpAddr,
    counted: AtomicBool,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.counted.load(Ordering::SeqCst) {
            self.shared.counters.connection_closed();
        }
    }
}

/// Returned by the service to make hyper drop the connection without answering.
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("quay-sim injected a dropped connection")
    }
}

impl std::error::Error for DroppedConnection {}

type HttpResponse = Response<Full<Bytes>>;

impl Connection {
    async fn handle(&self, req: Request<Incoming>) -> Result<HttpResponse, DroppedConnection> {
        let shared = &self.shared;
        let raw_path = req.uri().path().to_string();
        if raw_path == "/_sim" || raw_path.starts_with("/_sim/") {
            return Ok(control(shared, req).await);
        }
        if !self.counted.swap(true, Ordering::SeqCst) {
            shared.counters.connection_opened();
        }
        let path = percent_decode(&raw_path);
        let registered = Registered {
            team_syncing: shared.config.team_syncing(),
            repo_mirror: shared.config.repo_mirror(),
            quota: shared
                .config
                .enabled(crate::config::Feature::QuotaManagement),
            auto_prune: shared.config.auto_prune(),
            immutable_tags: shared.config.immutable_tags(),
            robot_federation: shared.config.robot_federation(),
            user_robot_federation: shared.config.user_robot_federation(),
        };
        let matched = match_path(&path, registered);
        let method = req.method().clone();
        let route_key = match &matched {
            Matched::Route(route) => format!("{method} {}", route.info().template),
            _ => format!("{method} {path}"),
        };
        let _in_flight = shared.counters.begin_request(method.as_str(), route_key);
        // nginx decides on arrival, before the application sees the request.
        let admitted = !raw_path.starts_with("/api/")
            || shared
                .rate_limit
                .as_ref()
                .is_none_or(|limit| limit.admit(self.peer, Instant::now()));

        if !shared.config.latency.is_zero() {
            tokio::time::sleep(shared.config.latency).await;
        }
        if !admitted {
            shared.counters.rate_limited(method.as_str());
            return Ok(to_response(Reply::nginx(429)));
        }
        let (draw, kind) = shared.draw();
        if draw < shared.config.fault_rate {
            return match kind {
                0 => Err(DroppedConnection),
                1 => Ok(to_response(Reply::nginx(502))),
                2 => Ok(to_response(Reply::nginx(503))),
                _ => Ok(to_response(Reply::nginx(504))),
            };
        }
        if draw < shared.config.fault_rate + shared.config.throttle_rate {
            return Ok(to_response(Reply::nginx(429)));
        }
        // After the random draw, so that a targeted failure leaves the fault sequence alone.
        if shared
            .failing()
            .contains(&(method.to_string(), path.clone()))
        {
            return Ok(to_response(Reply::internal_error()));
        }
        let hold = shared
            .holds()
            .iter()
            .find(|h| h.method == method.as_str() && h.path == path)
            .map(|h| (Arc::clone(&h.lane), h.delay));
        // Held until this request's reply is built, so the next one in the lane sees its effect.
        let _lane = match hold {
            Some((lane, delay)) => {
                let mut held_once = lane.lock_owned().await;
                if !*held_once {
                    *held_once = true;
                    tokio::time::sleep(delay).await;
                }
                Some(held_once)
            }
            None => None,
        };

        let base_url = base_url(shared, &req);
        let query = parse_query(req.uri().query().unwrap_or_default());
        let raw_query = req.uri().query().map(str::to_string);
        let raw_path = req.uri().path().to_string();
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_string());
        let body = match req.into_body().collect().await {
            Ok(collected) => collected.to_bytes().to_vec(),
            Err(_) => return Err(DroppedConnection),
        };
        let catch_all = crate::routes::catch_all(&matched, &method, &path, shared.config.version);
        let reply = match (catch_all, matched) {
            (Some(CatchAll::AddSlash), _) | (None, Matched::AddSlash(_)) => {
                // The Location is the path as it was sent, still percent-encoded, plus the
                // slash: the router's decoded path could hold a line break (not a header) or a `?`.
                let query = raw_query.map(|q| format!("?{q}")).unwrap_or_default();
                Reply::permanent_redirect(format!("{base_url}{raw_path}/{query}"))
            }
            (Some(CatchAll::HtmlMethodNotAllowed), _) => Reply::html_method_not_allowed(),
            (Some(CatchAll::MethodNotAllowed), _) => Reply::method_not_allowed(),
            (Some(CatchAll::InternalError), _) => Reply::internal_error(),
            (None, Matched::Route(route)) => {
                let request = ApiRequest {
                    method,
                    query,
                    content_type,
                    body,
                    token,
                    base_url,
                };
                let handle = || api::handle(&mut shared.state(), &route, &request);
                match &shared.workers {
                    None => handle(),
                    Some(workers) => {
                        let authenticated = request.token.is_some();
                        let (reply, served) = workers.serve(authenticated, handle).await;
                        shared.counters.served(served);
                        reply
                    }
                }
            }
            (None, Matched::NotFound) => Reply::html_not_found(),
        };
        Ok(to_response(reply))
    }
}

fn base_url(shared: &Shared, req: &Request<Incoming>) -> String {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| shared.addr.to_string());
    format!("{}://{host}", shared.scheme)
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode(&s.replace('+', " "));
            (decode(key), decode(value))
        })
        .collect()
}

fn to_response(reply: Reply) -> HttpResponse {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    if reply.status != 204 {
        builder = builder.header(header::CONTENT_TYPE, reply.content_type);
    }
    if let Some(location) = reply.location {
        builder = builder.header(header::LOCATION, location);
    }
    builder
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| {
            // A header the reply could not carry: say so rather than answer an empty 200.
            let mut response =
                Response::new(Full::new(Bytes::from_static(b"invalid reply header")));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}

fn control_json(status: u16, value: &Value) -> HttpResponse {
    to_response(Reply::json(status, value))
}

/// `/_sim/…`: state, stats, reset, tags, namespace GC. No token, not counted.
async fn control(shared: &Shared, req: Request<Incoming>) -> HttpResponse {
    let method = req.method().clone();
    let path = percent_decode(req.uri().path());
    let body = req
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    match (&method, path.as_str()) {
        (&Method::GET, "/_sim/state") => control_json(200, &snapshot::state_json(&shared.state())),
        (&Method::GET, "/_sim/stats") => control_json(200, &json!(shared.counters.snapshot())),
        (&Method::POST, "/_sim/reset") => {
            shared.reset();
            control_json(200, &json!({"reset": true}))
        }
        (&Method::POST, "/_sim/reset-stats") => {
            shared.counters.reset();
            control_json(200, &json!({"reset": true}))
        }
        (&Method::POST, "/_sim/hold") => {
            let rule = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
                Some((
                    v.get("method")?.as_str()?.to_string(),
                    v.get("path")?.as_str()?.to_string(),
                    v.get("ms")?.as_u64()?,
                ))
            });
            let Some((method, path, ms)) = rule else {
                return control_json(
                    400,
                    &json!({"error": "use POST /_sim/hold with {\"method\": \"POST\", \"path\": \"/api/v1/…\", \"ms\": N}"}),
                );
            };
            let mut holds = shared.holds();
            holds.push(Hold::new(
                &method,
                &path,
                std::time::Duration::from_millis(ms),
            ));
            control_json(200, &json!({"holds": holds.len()}))
        }
        (&Method::POST, "/_sim/fail") => {
            let request = serde_json::from_slice::<Value>(&body).ok();
            let field = |name: &str| {
                request
                    .as_ref()
                    .and_then(|r| r.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let (Some(method), Some(path)) = (field("method"), field("path")) else {
                return control_json(
                    400,
                    &json!({"error": "use POST /_sim/fail with {\"method\": \"PUT\", \"path\": \"/api/v1/…\"}"}),
                );
            };
            shared.failing().insert((method.to_uppercase(), path));
            control_json(200, &json!({"failing": shared.failing().len()}))
        }
        (&Method::POST, "/_sim/gc") => {
            shared.state().reserved_names.clear();
            control_json(200, &json!({"gc": true}))
        }
        (&Method::POST, tags) if tags.starts_with("/_sim/tags/") => {
            let repo_path = &tags["/_sim/tags/".len()..];
            let count = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("count").and_then(Value::as_u64));
            let (Some((namespace, name)), Some(count)) = (repo_path.split_once('/'), count) else {
                return control_json(
                    400,
                    &json!({"error": "use POST /_sim/tags/{namespace}/{repository} with {\"count\": N}"}),
                );
            };
            match snapshot::add_tags(&mut shared.state(), namespace, name, count) {
                Some(total) => control_json(200, &json!({"tags": total})),
                None => control_json(
                    404,
                    &json!({"error": format!("no repository {namespace}/{name}")}),
                ),
            }
        }
        _ => control_json(
            404,
            &json!({"error": format!("unknown control endpoint {method} {path}")}),
        ),
    }
}
