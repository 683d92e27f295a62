//! How fast and how wide one endpoint is driven: found from what it answers.
//!
//! A real Quay serves about 6–7 authenticated requests per second on 2 cores (bcrypt on every
//! token check) and its stock nginx refuses more than 5 per second beyond a burst of 25, with a
//! 429 that has no `Retry-After` (shared/quay-observed.md). No fixed setting suits every server,
//! so each endpoint gets two controllers, in the manner of TCP congestion control:
//!
//! - **Rate, AIMD** (additive increase, multiplicative decrease): a 429 or 503 halves the
//!   endpoint's rate, at most once per [`DECREASE_COOLDOWN`] (the answers to requests already
//!   sent at the old rate say nothing new); every success adds `1/rate`, about one request per
//!   second per second, up to `--max-requests-per-second`. At that ceiling the pacer steps aside
//!   and only the global limiter paces. A rate limit lets the same number of requests through
//!   per second whatever mqc sends, so slowing down keeps the *goodput* (successes per second);
//!   when a decrease cost a quarter of the goodput or more, the refusals did not come from the
//!   pace (a server refusing at random, say) and slowing further would only slow the run: the
//!   decrease is undone and the rate held for [`HOLD`].
//! - **Concurrency, gradient** (Netflix's *gradient* limiter, Vegas-like): the lowest latency
//!   seen is the server's unloaded latency; when a request takes more than
//!   [`LATENCY_TOLERANCE`] times that, requests are queuing at the server, and the limit shrinks
//!   in proportion, keeping one request queued (Vegas' α); otherwise it grows by its square
//!   root, up to `--max-connections`. A timeout halves it. So requests do not wait in the
//!   server's queue longer than it takes to serve them, and latency stays far below
//!   `--timeout`. Only authenticated requests count: an anonymous one (`GET /config`) skips the
//!   token check that costs a real Quay ≈0.28 s, so its latency is no unloaded latency.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A decrease after which the next one must wait this long.
pub const DECREASE_COOLDOWN: Duration = Duration::from_secs(1);
/// A latency above this many times the lowest one means the server is queuing.
pub const LATENCY_TOLERANCE: f64 = 1.25;
/// The slowest pace an endpoint is driven at: one request every two seconds.
pub const MIN_RATE: f64 = 0.5;
/// How long the rate is held after a decrease turned out not to help.
pub const HOLD: Duration = Duration::from_secs(10);
/// A decrease that kept less than this share of the goodput did not help.
const GOODPUT_KEPT: f64 = 0.75;
/// How much of a new concurrency estimate replaces the old one (smoothing).
const SMOOTHING: f64 = 0.2;
/// The concurrency an endpoint starts at, below `--max-connections` (TCP's slow start): a
/// server with few workers would otherwise queue the first `--max-connections` requests, and
/// growing by √l per answer reaches 16 within a few dozen answers on one that keeps up.
const INITIAL_CONCURRENCY: usize = 4;

/// What one attempt told about the endpoint's capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// An answer (any status but 429/503) after this long.
    Answered(Duration),
    /// An answer to a request sent without the token: it says nothing about the latency of
    /// the others (no token check), only that the endpoint answers.
    AnsweredAnonymously,
    /// 429: a rate limit in front of the server.
    Throttled,
    /// 503: the server or its proxy is overloaded.
    Unavailable,
    /// No answer within `--timeout`: the server may still be working on it.
    TimedOut,
    /// Nothing learnt (connection refused, halted).
    Nothing,
}

/// What the summary says about an endpoint that had to be slowed down.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PaceReport {
    /// The lowest rate the endpoint was driven at (requests per second).
    pub lowest_rate: f64,
    /// The rate at the end of the run.
    pub rate: f64,
    /// The lowest concurrency limit used.
    pub lowest_concurrency: usize,
    pub throttled: u64,
    pub unavailable: u64,
    pub timed_out: u64,
}

impl PaceReport {
    /// Whether the endpoint's answers ever made mqc slow down.
    pub fn slowed(&self) -> bool {
        self.throttled + self.unavailable + self.timed_out > 0
    }
}

/// The controllers' state: a pure function of the signals and the clock, unit-tested.
#[derive(Debug)]
pub struct Controller {
    ceiling: f64,
    max_concurrency: usize,
    rate: f64,
    concurrency: f64,
    in_flight: usize,
    next_slot: Instant,
    min_latency: Option<Duration>,
    last_decrease: Option<Instant>,
    /// Successes since `window_start` (the start, or the last rate decrease).
    successes: u64,
    window_start: Instant,
    /// The last rate decrease: the rate before it and the goodput that led to it.
    last_rate_decrease: Option<(f64, f64)>,
    /// No rate decrease before this instant (after an undone one).
    hold_until: Option<Instant>,
    /// Whether the rate was ever decreased.
    decreased_once: bool,
    report: PaceReport,
}

/// What a request may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go at this instant (now, or a later pacing slot); it counts as in flight.
    At(Instant),
    /// The concurrency limit is reached: wait for a request to finish.
    Full,
}

impl Controller {
    pub fn new(ceiling: f64, max_concurrency: usize, now: Instant) -> Controller {
        let max_concurrency = max_concurrency.max(1);
        Controller {
            ceiling: ceiling.max(MIN_RATE),
            max_concurrency,
            rate: ceiling.max(MIN_RATE),
            concurrency: max_concurrency.min(INITIAL_CONCURRENCY) as f64,
            in_flight: 0,
            next_slot: now,
            min_latency: None,
            last_decrease: None,
            successes: 0,
            window_start: now,
            last_rate_decrease: None,
            hold_until: None,
            decreased_once: false,
            report: PaceReport {
                lowest_rate: ceiling.max(MIN_RATE),
                rate: ceiling.max(MIN_RATE),
                lowest_concurrency: max_concurrency.min(INITIAL_CONCURRENCY),
                ..PaceReport::default()
            },
        }
    }

    /// The current concurrency limit, at least 1.
    pub fn limit(&self) -> usize {
        (self.concurrency.floor() as usize).clamp(1, self.max_concurrency)
    }

    #[cfg(test)]
    fn rate(&self) -> f64 {
        self.rate
    }

    pub fn admit(&mut self, now: Instant) -> Admission {
        if self.in_flight >= self.limit() {
            return Admission::Full;
        }
        self.in_flight += 1;
        if self.rate >= self.ceiling {
            // The global limiter paces at the ceiling already.
            return Admission::At(now);
        }
        let slot = self.next_slot.max(now);
        self.next_slot = slot + Duration::from_secs_f64(1.0 / self.rate);
        Admission::At(slot)
    }

    /// A request admitted by [`Controller::admit`] finished, telling `signal`.
    pub fn release(&mut self, now: Instant, signal: Signal) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match signal {
            Signal::Answered(latency) => self.answered(Some(latency)),
            Signal::AnsweredAnonymously => self.answered(None),
            Signal::Throttled => {
                self.report.throttled += 1;
                self.decrease(now, true, false);
            }
            Signal::Unavailable => {
                self.report.unavailable += 1;
                self.decrease(now, true, true);
            }
            Signal::TimedOut => {
                self.report.timed_out += 1;
                self.decrease(now, false, true);
            }
            Signal::Nothing => {}
        }
        self.report.rate = self.rate;
        self.report.lowest_rate = self.report.lowest_rate.min(self.rate);
        self.report.lowest_concurrency = self.report.lowest_concurrency.min(self.limit());
    }

    fn answered(&mut self, latency: Option<Duration>) {
        self.successes += 1;
        if self.rate < self.ceiling {
            self.rate = (self.rate + 1.0 / self.rate).min(self.ceiling);
        }
        let Some(latency) = latency else {
            return;
        };
        let min = *self.min_latency.get_or_insert(latency);
        let min = min.min(latency);
        self.min_latency = Some(min);
        let tolerated = min.as_secs_f64() * LATENCY_TOLERANCE;
        let gradient = if latency.as_secs_f64() <= tolerated {
            1.0
        } else {
            (tolerated / latency.as_secs_f64()).clamp(0.5, 1.0)
        };
        // A limit the requests did not fill says nothing about more: growing it while few are
        // in flight would let the next burst (an organization's reads fan out) queue at the
        // server (TCP's congestion-window validation).
        if gradient >= 1.0 && self.in_flight + 1 < self.limit() {
            return;
        }
        // Growing by √l while the latency is fine probes for capacity quickly; once requests
        // queue, one waiting request per endpoint is enough to keep its workers busy.
        let queue = if gradient < 1.0 {
            1.0
        } else {
            self.concurrency.sqrt()
        };
        let estimate = self.concurrency * gradient + queue;
        let smoothed = self.concurrency * (1.0 - SMOOTHING) + estimate * SMOOTHING;
        self.concurrency = smoothed.clamp(1.0, self.max_concurrency as f64);
    }

    fn decrease(&mut self, now: Instant, rate: bool, concurrency: bool) {
        if self
            .last_decrease
            .is_some_and(|last| now.saturating_duration_since(last) < DECREASE_COOLDOWN)
        {
            return;
        }
        self.last_decrease = Some(now);
        if rate && self.hold_until.is_none_or(|until| now >= until) {
            self.decrease_rate(now);
        }
        if concurrency {
            self.concurrency = (self.concurrency / 2.0).max(1.0);
        }
    }

    fn decrease_rate(&mut self, now: Instant) {
        // At least a cooldown long: the successes of a first burst are not a rate.
        let elapsed = now
            .saturating_duration_since(self.window_start)
            .max(DECREASE_COOLDOWN)
            .as_secs_f64();
        let goodput = self.successes as f64 / elapsed;
        self.successes = 0;
        self.window_start = now;
        if let Some((rate_before, goodput_before)) = self.last_rate_decrease.take() {
            if goodput < goodput_before * GOODPUT_KEPT {
                // Slower did not mean fewer refusals, only fewer successes: undo and hold.
                self.rate = rate_before;
                self.hold_until = Some(now + HOLD);
                return;
            }
        }
        // The first window may hold a rate limit's burst (26 immediate successes behind nginx's
        // stock `burst=25`), which is no pace: the first decrease is never undone, the
        // windows after it are the references.
        let reference = if self.decreased_once { goodput } else { 0.0 };
        self.decreased_once = true;
        self.last_rate_decrease = Some((self.rate, reference));
        self.rate = (self.rate / 2.0).max(MIN_RATE);
        self.next_slot = self.next_slot.max(now);
    }

    pub fn report(&self) -> PaceReport {
        self.report
    }
}

/// The controllers of one endpoint, shared by its requests.
#[derive(Debug)]
pub struct Pace {
    controller: Mutex<Controller>,
    /// Wakes requests waiting for a free place when one finishes.
    freed: Notify,
}

/// A place among the endpoint's requests in flight. [`Place::release`] gives it back with what
/// the request told; dropped unreleased (the request's future was cancelled: an interrupt, a
/// timeout around it), it gives the place back having learnt nothing, so the endpoint's limit
/// never shrinks by a lost place.
#[must_use]
#[derive(Debug)]
pub struct Place<'p> {
    pace: &'p Pace,
    signal: Signal,
}

impl Place<'_> {
    pub fn release(mut self, signal: Signal) {
        self.signal = signal;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let signal = self.signal;
        self.pace.with(|c| c.release(Instant::now(), signal));
        self.pace.freed.notify_one();
    }
}

impl Pace {
    pub fn new(ceiling: f64, max_concurrency: usize) -> Pace {
        Pace {
            controller: Mutex::new(Controller::new(ceiling, max_concurrency, Instant::now())),
            freed: Notify::new(),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Controller) -> R) -> R {
        let mut controller = self
            .controller
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut controller)
    }

    /// Waits for a place under the concurrency limit and for the request's pacing slot.
    pub async fn acquire(&self) -> Place<'_> {
        loop {
            // Registered before the check, so a release between the two is not missed.
            let freed = self.freed.notified();
            match self.with(|c| c.admit(Instant::now())) {
                Admission::At(slot) => {
                    // Counted in flight from here: held by the guard while it waits its slot.
                    let place = Place {
                        pace: self,
                        signal: Signal::Nothing,
                    };
                    if slot > Instant::now() {
                        tokio::time::sleep_until(slot).await;
                    }
                    return place;
                }
                Admission::Full => freed.await,
            }
        }
    }

    pub fn report(&self) -> PaceReport {
        self.with(|c| c.report())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// One answer after `latency` while the endpoint has as many requests in flight as its
    /// limit allows (a busy run).
    fn busy(c: &mut Controller, now: Instant, latency: Duration) {
        while c.admit(now) != Admission::Full {}
        c.release(now, Signal::Answered(latency));
    }

    #[test]
    fn the_concurrency_starts_low_and_grows_while_the_latency_holds() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        assert_eq!(c.limit(), INITIAL_CONCURRENCY);
        let mut answers = 0;
        while c.limit() < 16 {
            busy(&mut c, now, ms(20));
            answers += 1;
        }
        assert!(answers <= 40, "{answers} answers to reach 16");
        // Answers while the limit is far from used do not grow it.
        let mut idle = Controller::new(50.0, 16, now);
        for _ in 0..100 {
            let _ = idle.admit(now);
            idle.release(now, Signal::Answered(ms(20)));
        }
        assert_eq!(idle.limit(), INITIAL_CONCURRENCY);
    }

    #[test]
    fn at_the_ceiling_requests_go_at_once_up_to_the_concurrency() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 2, now);
        assert_eq!(c.admit(now), Admission::At(now));
        assert_eq!(c.admit(now), Admission::At(now));
        assert_eq!(c.admit(now), Admission::Full);
        c.release(now, Signal::Answered(ms(20)));
        assert_eq!(c.admit(now), Admission::At(now));
    }

    #[test]
    fn a_429_halves_the_rate_once_per_cooldown_and_paces_below_the_ceiling() {
        let now = Instant::now();
        let mut c = Controller::new(40.0, 16, now);
        for _ in 0..5 {
            let _ = c.admit(now);
        }
        for _ in 0..5 {
            c.release(now, Signal::Throttled);
        }
        assert_eq!(c.rate(), 20.0, "the answers of one burst count once");
        assert_eq!(c.report().throttled, 5);
        // Paced: one request every 50 ms.
        assert_eq!(c.admit(now), Admission::At(now));
        assert_eq!(c.admit(now), Admission::At(now + ms(50)));
        let later = now + DECREASE_COOLDOWN;
        c.release(later, Signal::Throttled);
        assert_eq!(c.rate(), 10.0);
        assert_eq!(c.report().lowest_rate, 10.0);
    }

    #[test]
    fn the_rate_never_falls_below_the_floor_and_climbs_back_additively() {
        let mut now = Instant::now();
        let mut c = Controller::new(8.0, 4, now);
        // Nothing but refusals: no goodput to lose, every decrease stands.
        for _ in 0..10 {
            let _ = c.admit(now);
            c.release(now, Signal::Throttled);
            now += DECREASE_COOLDOWN;
        }
        assert_eq!(c.rate(), MIN_RATE);
        // 1/rate per success: from 0.5 req/s, 2 successes make 1 req/s, and so on.
        let _ = c.admit(now);
        c.release(now, Signal::Answered(ms(10)));
        assert_eq!(c.rate(), 2.5);
        for _ in 0..200 {
            let _ = c.admit(now);
            c.release(now, Signal::Answered(ms(10)));
        }
        assert_eq!(c.rate(), 8.0, "capped at the ceiling");
        assert!(c.report().slowed());
    }

    /// Drives `c` for `seconds` at its own pace against a server that lets `allow(rate)`
    /// requests a second through and refuses the rest; returns the rate at each second.
    fn drive(
        c: &mut Controller,
        now: &mut Instant,
        seconds: u32,
        allow: impl Fn(f64) -> f64,
    ) -> Vec<f64> {
        let mut rates = Vec::new();
        for _ in 0..seconds {
            let rate = c.rate();
            let sent = rate.round().max(1.0) as u64;
            let ok = allow(rate).round().min(sent as f64) as u64;
            let step = DECREASE_COOLDOWN / sent as u32;
            for i in 0..sent {
                let _ = c.admit(*now);
                let signal = if i < ok {
                    Signal::Answered(ms(10))
                } else {
                    Signal::Throttled
                };
                c.release(*now, signal);
                *now += step;
            }
            rates.push(c.rate());
        }
        rates
    }

    #[test]
    fn behind_a_rate_limit_the_pace_settles_near_the_limit() {
        // nginx at 5 r/s: whatever is sent, 5 a second get through.
        let mut now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        let rates = drive(&mut c, &mut now, 30, |_| 5.0);
        let settled = &rates[10..];
        assert!(
            settled.iter().all(|r| (2.0..=10.0).contains(r)),
            "{rates:?}"
        );
    }

    #[test]
    fn refusals_at_random_do_not_slow_the_pace_for_ever() {
        // Half of every second's requests refused, whatever the pace: slowing only loses
        // successes, so after one halving the rate is restored and held.
        let mut now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        let rates = drive(&mut c, &mut now, 30, |rate| rate / 2.0);
        assert!(rates.iter().all(|r| *r >= 12.0), "{rates:?}");
        assert!(
            rates.iter().filter(|r| **r >= 25.0).count() >= 20,
            "{rates:?}"
        );
    }

    #[test]
    fn latency_above_the_unloaded_one_shrinks_the_concurrency() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        // Unloaded: 280 ms. Then every request waits behind others: 1.2 s.
        for _ in 0..40 {
            busy(&mut c, now, ms(280));
        }
        assert_eq!(c.limit(), 16);
        for _ in 0..40 {
            busy(&mut c, now, ms(1200));
        }
        // gradient 0.35 → clamped to 0.5: the limit settles where l = 0.5·l + √l, l = 4.
        assert!(c.limit() <= 5, "limit {}", c.limit());
        // Latency back to normal: it grows again.
        for _ in 0..80 {
            busy(&mut c, now, ms(300));
        }
        assert_eq!(c.limit(), 16);
    }

    #[test]
    fn anonymous_answers_are_no_unloaded_latency() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        // GET /config without the token: 3 ms; every authenticated request: 50 ms.
        c.release(now, Signal::AnsweredAnonymously);
        for _ in 0..50 {
            busy(&mut c, now, ms(50));
        }
        assert_eq!(c.limit(), 16);
    }

    #[test]
    fn a_burst_before_the_first_refusal_does_not_undo_the_slowdown() {
        // nginx's burst of 25 passes at once, then 5 a second: the first window's goodput is
        // the burst, not a pace the next windows could keep.
        let mut now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        for _ in 0..26 {
            let _ = c.admit(now);
            c.release(now, Signal::Answered(ms(10)));
        }
        let rates = drive(&mut c, &mut now, 12, |_| 5.0);
        assert!(rates[1..].iter().all(|r| *r < 30.0), "{rates:?}");
    }

    #[test]
    fn queuing_keeps_one_request_waiting_not_the_square_root() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 64, now);
        busy(&mut c, now, ms(50));
        // Four workers of 50 ms: at l in flight the latency is 50·l/4 ms.
        for _ in 0..400 {
            let l = c.limit().max(4) as u64;
            busy(&mut c, now, ms(50 * l / 4));
        }
        assert!((5..=8).contains(&c.limit()), "limit {}", c.limit());
    }

    #[test]
    fn a_timeout_halves_the_concurrency_not_the_rate() {
        let now = Instant::now();
        let mut c = Controller::new(50.0, 16, now);
        for _ in 0..40 {
            busy(&mut c, now, ms(20));
        }
        c.release(now, Signal::TimedOut);
        assert_eq!((c.limit(), c.rate()), (8, 50.0));
        c.release(now + DECREASE_COOLDOWN, Signal::Unavailable);
        assert_eq!((c.limit(), c.rate()), (4, 25.0));
        let report = c.report();
        assert_eq!((report.timed_out, report.unavailable), (1, 1));
        assert_eq!(report.lowest_concurrency, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_get_a_place_when_one_is_released() {
        let pace = std::sync::Arc::new(Pace::new(50.0, 1));
        let first = pace.acquire().await;
        let waiter = {
            let pace = pace.clone();
            tokio::spawn(async move {
                pace.acquire().await.release(Signal::Nothing);
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        first.release(Signal::Answered(ms(5)));
        waiter.await.unwrap();
        // A place whose request was cancelled (dropped unreleased) is given back too.
        let cancelled = tokio::time::timeout(ms(1), async {
            let _place = pace.acquire().await;
            std::future::pending::<()>().await;
        });
        assert!(cancelled.await.is_err());
        let _again = tokio::time::timeout(ms(1), pace.acquire())
            .await
            .expect("the cancelled request's place is free again");
    }
}
