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
    /// With `--rate-limit`: requests refused with 429 by the emulated nginx, and how many of
    /// them were writes (counted in `writes`, never applied).
    #[serde(default)]
    pub rate_limited: u64,
    #[serde(default)]
    pub rate_limited_writes: u64,
    /// With `--workers`: how long requests waited for a worker.
    #[serde(default)]
    pub queue_wait_ms: QueueWait,
    /// With `--workers`: worker time spent, summed over requests.
    #[serde(default)]
    pub busy_ms: u64,
}

/// Percentiles of the time requests waited for a worker, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueWait {
    pub p50: u64,
    pub p95: u64,
    pub max: u64,
}

#[derive(Debug, Default)]
struct Inner {
    stats: Stats,
    /// Every request's queue wait (ms) since the last reset, for the percentiles.
    queue_waits: Vec<u64>,
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

    pub fn rate_limited(&self, method: &str) {
        self.with(|inner| {
            inner.stats.rate_limited += 1;
            if method != "GET" {
                inner.stats.rate_limited_writes += 1;
            }
        });
    }

    /// Records what serving one request took from the worker pool.
    pub fn served(&self, served: crate::capacity::Served) {
        self.with(|inner| {
            let wait = u64::try_from(served.queue_wait.as_millis()).unwrap_or(u64::MAX);
            inner.queue_waits.push(wait);
            inner.stats.busy_ms += u64::try_from(served.busy.as_millis()).unwrap_or(u64::MAX);
        });
    }

    pub fn snapshot(&self) -> Stats {
        self.with(|inner| {
            let mut stats = inner.stats.clone();
            stats.queue_wait_ms = percentiles(&inner.queue_waits);
            stats
        })
    }

    /// Zeroes the counters; the peaks restart from what is open/in flight right now.
    pub fn reset(&self) {
        self.with(|inner| {
            inner.stats = Stats {
                max_in_flight: inner.in_flight,
                max_connections: inner.open_connections,
                ..Stats::default()
            };
            inner.queue_waits.clear();
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

/// Nearest-rank percentiles (p50, p95) and the maximum.
fn percentiles(values: &[u64]) -> QueueWait {
    if values.is_empty() {
        return QueueWait::default();
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = |p: usize| sorted[(sorted.len() * p).div_ceil(100).max(1) - 1];
    QueueWait {
        p50: rank(50),
        p95: rank(95),
        max: sorted[sorted.len() - 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(
            percentiles(&values),
            QueueWait {
                p50: 50,
                p95: 95,
                max: 100
            }
        );
        assert_eq!(
            percentiles(&[7]),
            QueueWait {
                p50: 7,
                p95: 7,
                max: 7
            }
        );
        assert_eq!(percentiles(&[]), QueueWait::default());
    }
}
