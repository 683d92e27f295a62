//! quay-sim: a stateful emulator of the Quay API v1 subset mqc uses, for mqc's tests,
//! benchmarks and demo. See `README.md` beside this crate for what is modelled and the Quay
//! source file each behaviour follows.
//!
//! ```no_run
//! use quay_sim::{Config, QuaySim, TokenSpec};
//! let sim = QuaySim::start(Config {
//!     tokens: vec![TokenSpec::superuser("secret")],
//!     users: vec!["alice".into()],
//!     ..Config::default()
//! });
//! let url = sim.base_url(); // http://127.0.0.1:PORT
//! # let _ = url;
//! ```

mod api;
mod auth;
mod capacity;
pub mod config;
pub mod model;
mod names;
mod reply;
mod rng;
mod routes;
mod schema;
mod server;
mod sim;
mod snapshot;
mod stats;
mod tls;

pub use config::{
    Authentication, Capacity, Config, Feature, QuayVersion, RateLimitSpec, Scope, TokenSpec,
    DEFAULT_TOKEN, SUPERUSER,
};
pub use model::{Delegate, RepoRole, TeamRole};
pub use server::Server;
pub use sim::{QuaySim, SimError, Visibility};
pub use stats::{QueueWait, Stats};
