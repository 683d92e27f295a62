//! Counting the requests sent on behalf of one piece of work (one target's reads, its changes),
//! whichever endpoint client sends them: the client records every attempt into the counter of
//! the task-local scope it runs in, if any.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Requests counted so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub reads: u64,
    pub writes: u64,
}

/// A shared counter; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<(AtomicU64, AtomicU64)>);

tokio::task_local! {
    static CURRENT: RequestCounter;
}

impl RequestCounter {
    /// Runs `future`, counting into this counter every request it sends.
    pub async fn count<F: Future>(&self, future: F) -> F::Output {
        CURRENT.scope(self.clone(), future).await
    }

    pub fn snapshot(&self) -> RequestCounts {
        RequestCounts {
            reads: self.0 .0.load(Ordering::Relaxed),
            writes: self.0 .1.load(Ordering::Relaxed),
        }
    }
}

/// Called by the client for every attempt it sends.
pub(crate) fn record(is_write: bool) {
    let _ = CURRENT.try_with(|counter| {
        let slot = if is_write {
            &counter.0 .1
        } else {
            &counter.0 .0
        };
        slot.fetch_add(1, Ordering::Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_only_inside_its_scope() {
        let counter = RequestCounter::default();
        record(true);
        counter
            .count(async {
                record(false);
                record(true);
                record(true);
            })
            .await;
        assert_eq!(
            counter.snapshot(),
            RequestCounts {
                reads: 1,
                writes: 2
            }
        );
    }
}
