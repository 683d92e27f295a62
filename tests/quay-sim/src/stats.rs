//! Request counters served at `/_sim/stats`. Only API requests count (control requests under
//! `/_sim/` do not), including those answered with an injected fault or throttle.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The `/_sim/stats` document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub requests: u64,
    /// Non-GET API requests.
    pub writes: u64,
    pub by_method: BTreeMap<String, u64>,
    /// Keyed `"METHOD /api/v1/route/{param}"`; unmatched paths are keyed by the raw path.
    pub by_route: BTreeMap<String, u64>,
    /// Peak number of API requests being handled at once.
    pub max_in_flight: u64,
    /// Peak number of open TCP connections that carried at least one API request.
    pub max_connections: u64,
}

#[derive(Debug, Default)]
struct Inner {
    stats: Stats,
    in_flight: u64,
    open_connections: u64,
}

#[derive(Debug, Default)]
pub struct Counters {
    inner: Mutex<Inner>,
}

impl Counters {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Counts one API request and marks it in flight until the guard drops.
    pub fn begin_request(&self, method: &str, route_key: String) -> InFlight<'_> {
        self.with(|inner| {
            let stats = &mut inner.stats;
            stats.requests += 1;
            if method != "GET" {
                stats.writes += 1;
            }
            *stats.by_method.entry(method.to_string()).or_default() += 1;
            *stats.by_route.entry(route_key).or_default() += 1;
            inner.in_flight += 1;
            inner.stats.max_in_flight = inner.stats.max_in_flight.max(inner.in_flight);
        });
        InFlight { counters: self }
    }

    pub fn connection_opened(&self) {
        self.with(|inner| {
            inner.open_connections += 1;
            inner.stats.max_connections = inner.stats.max_connections.max(inner.open_connections);
        });
    }

    pub fn connection_closed(&self) {
        self.with(|inner| inner.open_connections = inner.open_connections.saturating_sub(1));
    }

    pub fn snapshot(&self) -> Stats {
        self.with(|inner| inner.stats.clone())
    }

    /// Zeroes the counters; the peaks restart from what is open/in flight right now.
    pub fn reset(&self) {
        self.with(|inner| {
            inner.stats = Stats {
                max_in_flight: inner.in_flight,
                max_connections: inner.open_connections,
                ..Stats::default()
            };
        });
    }
}

pub struct InFlight<'a> {
    counters: &'a Counters,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.counters
            .with(|inner| inner.in_flight = inner.in_flight.saturating_sub(1));
    }
}
