//! What a real Quay can serve: a pool of workers that each authenticated request occupies for
//! its cost (Quay checks the token with bcrypt on every request, ≈ 0.28 s of CPU on a 2-core
//! server: shared/quay-observed.md), and the stock nginx `limit_req … nodelay` in front of
//! `/api/`, which answers 429 beyond the burst.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

/// `--workers N --cost-ms C`: N requests are served at once; an authenticated request holds a
/// worker for C ms, an anonymous one for C/15 ms (no bcrypt check). Beyond N, requests queue.
pub struct Workers {
    pool: Semaphore,
    cost: Duration,
}

/// How long a request waited for a worker and how long it held one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    pub queue_wait: Duration,
    pub busy: Duration,
}

impl Workers {
    pub fn new(workers: usize, cost: Duration) -> Workers {
        Workers {
            pool: Semaphore::new(workers.max(1)),
            cost,
        }
    }

    /// Waits for a worker, holds it for the request's cost, then runs `handle` (still holding
    /// it, as Quay's worker does the request's work after the token check).
    pub async fn serve<R>(&self, authenticated: bool, handle: impl FnOnce() -> R) -> (R, Served) {
        // tokio's clock, so that a test with paused time measures the queue too.
        let queued = tokio::time::Instant::now();
        // The pool is never closed, so `acquire` cannot fail; if it ever did, serving without
        // a worker is better than not answering.
        let permit = self.pool.acquire().await.ok();
        let queue_wait = queued.elapsed();
        let cost = if authenticated {
            self.cost
        } else {
            self.cost / 15
        };
        tokio::time::sleep(cost).await;
        let result = handle();
        drop(permit);
        (
            result,
            Served {
                queue_wait,
                busy: cost,
            },
        )
    }
}

/// `--rate-limit R --burst B`: nginx's `limit_req zone=… rate=Rr/s burst=B nodelay`, keyed by
/// the client address. nginx keeps, per key, an "excess" that drains at R per second and grows
/// by one per accepted request; a request that would push it above B is refused with 429 (and
/// does not count), every other one passes at once.
pub struct RateLimit {
    rate: f64,
    burst: f64,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    excess: f64,
    last: Instant,
}

impl RateLimit {
    pub fn new(rate: f64, burst: u32) -> RateLimit {
        RateLimit {
            rate,
            burst: f64::from(burst),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a request from `client` arriving `now` passes.
    pub fn admit(&self, client: IpAddr, now: Instant) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(bucket) = clients.get_mut(&client) else {
            // nginx's first request of a key starts its excess at 0.
            clients.insert(
                client,
                Bucket {
                    excess: 0.0,
                    last: now,
                },
            );
            return true;
        };
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        let excess = (bucket.excess - self.rate * elapsed + 1.0).max(0.0);
        if excess > self.burst {
            return false;
        }
        bucket.excess = excess;
        bucket.last = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn the_burst_passes_at_once_and_then_the_rate() {
        // quay-observed.md: 5 r/s, burst 25, nodelay.
        let limit = RateLimit::new(5.0, 25);
        let start = Instant::now();
        let passed = (0..40).filter(|_| limit.admit(CLIENT, start)).count();
        assert_eq!(passed, 26, "the first request and the burst of 25");
        // One fifth of a second later, one more slot has drained.
        let later = start + Duration::from_millis(200);
        assert!(limit.admit(CLIENT, later));
        assert!(!limit.admit(CLIENT, later));
        // Another client has its own bucket.
        let other = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
        assert!(limit.admit(other, later));
    }

    #[test]
    fn a_refused_request_does_not_count() {
        let limit = RateLimit::new(1.0, 0);
        let start = Instant::now();
        assert!(limit.admit(CLIENT, start));
        for i in 1..10 {
            assert!(!limit.admit(CLIENT, start + Duration::from_millis(i * 50)));
        }
        // 1 s after the last accepted request, one passes: the refused ones did not add up.
        assert!(limit.admit(CLIENT, start + Duration::from_millis(1000)));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_beyond_the_workers_queue_for_the_cost() {
        let workers = std::sync::Arc::new(Workers::new(2, Duration::from_millis(280)));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let workers = workers.clone();
            tasks.push(tokio::spawn(
                async move { workers.serve(true, || ()).await.1 },
            ));
        }
        let mut served = Vec::new();
        for task in tasks {
            served.push(task.await.unwrap());
        }
        let mut waits: Vec<u128> = served.iter().map(|s| s.queue_wait.as_millis()).collect();
        waits.sort();
        assert_eq!(waits, [0, 0, 280, 280]);
        assert!(served.iter().all(|s| s.busy == Duration::from_millis(280)));
        let (_, anonymous) = workers.serve(false, || ()).await;
        assert_eq!(anonymous.busy, Duration::from_millis(280) / 15);
    }
}
