//! A per-venue request budget: at most `per_minute` requests per rolling minute, spaced
//! evenly with a small burst allowance (a GCRA / leaky bucket). Shared by every call of one
//! client, so concurrent reads cannot exceed the venue's limit together.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The budget.
#[derive(Debug)]
pub struct RequestBudget {
    interval: Duration,
    burst: Duration,
    next_free: Mutex<Option<Instant>>,
}

impl RequestBudget {
    /// `per_minute` requests per minute with a burst of `burst` back-to-back requests.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let interval = Duration::from_secs(60) / per_minute.max(1);
        Self {
            interval,
            burst: interval * burst.max(1),
            next_free: Mutex::new(None),
        }
    }

    /// Waits until a request may be sent.
    pub async fn acquire(&self) {
        let wait_until = {
            let mut next = self.next_free.lock().await;
            let now = Instant::now();
            let earliest = now.checked_sub(self.burst).unwrap_or(now);
            let slot = match *next {
                Some(t) if t > earliest => t,
                _ => earliest,
            };
            *next = Some(slot + self.interval);
            slot
        };
        if wait_until > Instant::now() {
            tokio::time::sleep_until(wait_until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_after_the_burst() {
        let b = RequestBudget::new(60, 3); // one per second, burst 3
        let start = Instant::now();
        for _ in 0..3 {
            b.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
        b.acquire().await;
        b.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }
}
