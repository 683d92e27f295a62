//! When to retry a Quay request and how long to wait first: pure functions, unit-tested.
//!
//! The numbers (see [`RetryPolicy::default`]): at most **4 retries** (5 attempts in all),
//! exponential backoff with **full jitter** starting at **250 ms** and capped at **8 s**, and a
//! `Retry-After` header (seconds or HTTP date) honoured up to **30 s**. With these numbers a
//! request gives up after at most about 15 s of waiting (0.25 + 0.5 + 1 + 2 s upper bounds,
//! more only when the server asks for it with `Retry-After`).
//!
//! What is retried: 429, 502, 503, 504, timeouts and transport errors. Never a 500 (Quay's 500s
//! are deterministic bugs, see quay-api.md §16) nor any other 4xx. A request that is not
//! idempotent (a create) is retried only when the server certainly did not act on it: 429 and
//! 503 (refused before the application ran) and connection errors (nothing was sent). Its other
//! failures are *ambiguous* and go back to the caller, who checks whether the object exists.

use std::time::{Duration, SystemTime};

/// How a request is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 4, so 5 attempts at most).
    pub max_retries: u32,
    /// Retries after a 429 or 503, which the server refused without acting on (default 10):
    /// enough to outlive a rate-limit window (nginx's burst of 25 at 5 r/s drains in 5 s; ten
    /// full-jitter waits capped at 8 s span about 24 s on average), while the endpoint's pace
    /// slows down (`pace.rs`).
    pub max_refused_retries: u32,
    /// First backoff ceiling (default 250 ms); doubles with every retry.
    pub base: Duration,
    /// Largest backoff ceiling (default 8 s).
    pub cap: Duration,
    /// Largest wait accepted from a `Retry-After` header (default 30 s).
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 4,
            max_refused_retries: 10,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
            retry_after_cap: Duration::from_secs(30),
        }
    }
}

/// How one attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this non-2xx status.
    Status(u16),
    /// No answer within the timeout (the request may have been processed).
    Timeout,
    /// The connection could not be opened: refused, DNS, TLS handshake. Nothing was sent.
    Connect,
    /// The connection broke after the request was (maybe) sent: reset, closed early.
    Transport,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the request again (after [`delay`]).
    Retry,
    /// Give up: the failure is final (or retries are used up).
    Fail,
    /// Give up, and tell the caller the server may have acted on the request: a create that
    /// timed out, hit a 502/504 or a reset connection.
    Ambiguous,
}

impl Failure {
    /// Whether this failure is worth another attempt for a request that may be repeated.
    fn is_transient(self) -> bool {
        match self {
            Failure::Status(status) => matches!(status, 429 | 502 | 503 | 504),
            Failure::Timeout | Failure::Connect | Failure::Transport => true,
        }
    }

    /// Whether the server certainly did not act on the request.
    fn certainly_not_processed(self) -> bool {
        matches!(
            self,
            Failure::Status(429) | Failure::Status(503) | Failure::Connect
        )
    }

    /// Whether a request that is not safe to repeat may have been acted on: the failure is
    /// transient but the server may have processed the request before it. [`decide`] gives up
    /// on such a create, and the executor checks whether the object exists before re-sending.
    pub fn leaves_outcome_open(self) -> bool {
        self.is_transient() && !self.certainly_not_processed()
    }
}

/// Decides what follows failed attempt number `attempt` (0 = the first attempt).
pub fn decide(policy: &RetryPolicy, failure: Failure, idempotent: bool, attempt: u32) -> Decision {
    if !failure.is_transient() {
        return Decision::Fail;
    }
    if !idempotent && failure.leaves_outcome_open() {
        return Decision::Ambiguous;
    }
    let budget = if failure.certainly_not_processed() && failure != Failure::Connect {
        policy.max_refused_retries
    } else {
        policy.max_retries
    };
    if attempt >= budget {
        return Decision::Fail;
    }
    Decision::Retry
}

/// Backoff before retry number `attempt + 1`: uniform in `[0, min(cap, base × 2^attempt))`
/// ("full jitter"), with `jitter` in `[0, 1)` picking the point.
pub fn backoff(policy: &RetryPolicy, attempt: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(attempt.min(31));
    let ceiling = policy.base.saturating_mul(factor).min(policy.cap);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

/// The wait before the next attempt: the server's `Retry-After` (capped) when it sent one,
/// else the jittered backoff.
pub fn delay(
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    match retry_after {
        Some(wait) => wait.min(policy.retry_after_cap),
        None => backoff(policy, attempt, jitter),
    }
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (a date in the past means 0).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 4,
        max_refused_retries: 10,
        base: Duration::from_millis(250),
        cap: Duration::from_secs(8),
        retry_after_cap: Duration::from_secs(30),
    };

    #[test]
    fn defaults_are_the_documented_numbers() {
        assert_eq!(RetryPolicy::default(), POLICY);
    }

    #[test]
    fn refusals_are_retried_long_enough_to_outlive_a_rate_limit_window() {
        for failure in [Failure::Status(429), Failure::Status(503)] {
            for idempotent in [true, false] {
                assert_eq!(decide(&POLICY, failure, idempotent, 9), Decision::Retry);
                assert_eq!(decide(&POLICY, failure, idempotent, 10), Decision::Fail);
            }
        }
        // A connection that cannot be opened is not a refusal: the endpoint may be down.
        assert_eq!(decide(&POLICY, Failure::Connect, true, 4), Decision::Fail);
    }

    #[test]
    fn transient_failures_of_idempotent_requests_are_retried() {
        for failure in [
            Failure::Status(502),
            Failure::Status(504),
            Failure::Timeout,
            Failure::Connect,
            Failure::Transport,
        ] {
            assert_eq!(
                decide(&POLICY, failure, true, 0),
                Decision::Retry,
                "{failure:?}"
            );
            assert_eq!(
                decide(&POLICY, failure, true, 3),
                Decision::Retry,
                "{failure:?}"
            );
            assert_eq!(
                decide(&POLICY, failure, true, 4),
                Decision::Fail,
                "{failure:?}"
            );
        }
    }

    #[test]
    fn final_statuses_are_never_retried() {
        for status in [400, 401, 403, 404, 405, 409, 415, 500, 501, 520] {
            for idempotent in [true, false] {
                assert_eq!(
                    decide(&POLICY, Failure::Status(status), idempotent, 0),
                    Decision::Fail,
                    "{status}"
                );
            }
        }
    }

    #[test]
    fn creates_are_retried_only_when_certainly_not_processed() {
        for failure in [Failure::Status(429), Failure::Status(503), Failure::Connect] {
            assert_eq!(
                decide(&POLICY, failure, false, 0),
                Decision::Retry,
                "{failure:?}"
            );
        }
        assert_eq!(decide(&POLICY, Failure::Connect, false, 4), Decision::Fail);
        for failure in [
            Failure::Status(502),
            Failure::Status(504),
            Failure::Timeout,
            Failure::Transport,
        ] {
            assert_eq!(
                decide(&POLICY, failure, false, 0),
                Decision::Ambiguous,
                "{failure:?}"
            );
        }
    }

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let ceilings: Vec<u128> = (0..8)
            .map(|attempt| backoff(&POLICY, attempt, 1.0).as_millis())
            .collect();
        assert_eq!(ceilings, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(backoff(&POLICY, 40, 1.0), Duration::from_secs(8));
    }

    #[test]
    fn backoff_is_fully_jittered() {
        assert_eq!(backoff(&POLICY, 3, 0.0), Duration::ZERO);
        assert_eq!(backoff(&POLICY, 3, 0.5), Duration::from_secs(1));
        for step in 0..=100 {
            let jitter = f64::from(step) / 100.0;
            for attempt in 0..6 {
                assert!(backoff(&POLICY, attempt, jitter) <= POLICY.cap);
            }
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_and_is_capped() {
        assert_eq!(
            delay(&POLICY, 0, Some(Duration::from_secs(3)), 0.9),
            Duration::from_secs(3)
        );
        assert_eq!(
            delay(&POLICY, 0, Some(Duration::from_secs(3600)), 0.9),
            Duration::from_secs(30)
        );
        assert_eq!(delay(&POLICY, 1, None, 1.0), Duration::from_millis(500));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:12 GMT", now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
