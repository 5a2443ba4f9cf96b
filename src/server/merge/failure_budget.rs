//! Merge blocks an IP that sends more than 20 failing requests (status ≥ 400 other than 429) in
//! a rolling 10 seconds. Every request asks this budget first and waits while the window is
//! full, so a retry loop or a burst of bad tokens can never get the whole product blocked.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct FailureBudget {
    limit: usize,
    window: Duration,
    failures: Mutex<VecDeque<Instant>>,
}

impl FailureBudget {
    /// Merge's published limit is "more than 20"; one below it leaves room for a failure we
    /// are not told about (another process on the same host).
    pub fn merge_default() -> Self {
        Self::new(19, Duration::from_secs(10))
    }

    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(VecDeque::new()),
        }
    }

    /// How long to wait before sending another request; zero when there is room.
    pub fn wait_time(&self, now: Instant) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        while failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            failures.pop_front();
        }
        if failures.len() < self.limit {
            Duration::ZERO
        } else {
            let oldest = failures[failures.len() - self.limit];
            self.window.saturating_sub(now.duration_since(oldest))
        }
    }

    pub fn record_failure(&self, at: Instant) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(at);
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = self.wait_time(Instant::now());
            if wait.is_zero() {
                return;
            }
            tracing::warn!(
                wait_ms = wait.as_millis() as u64,
                "pausing Merge requests: too many recent failures"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_allows_more_failures_than_the_limit_in_a_window() {
        let budget = FailureBudget::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(budget.wait_time(t0), Duration::ZERO);
            budget.record_failure(t0 + Duration::from_secs(i));
        }
        // Full: wait until the oldest failure leaves the window.
        assert_eq!(
            budget.wait_time(t0 + Duration::from_secs(4)),
            Duration::from_secs(6)
        );
        assert_eq!(
            budget.wait_time(t0 + Duration::from_secs(10)),
            Duration::ZERO
        );
    }
}
