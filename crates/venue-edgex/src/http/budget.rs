//! Request budget (token bucket) and retry backoff with jitter.
//!
//! One bucket per venue client: every HTTP call takes a token, so a scan of many symbols waits
//! instead of tripping the venue's limits. Integer arithmetic in milli-tokens (no floats).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

const MILLI: u64 = 1000;

/// A token bucket: `per_second` sustained, `burst` at most.
#[derive(Debug)]
pub struct RequestBudget {
    per_second: u64,
    capacity: u64,
    state: Mutex<(u64, Instant)>,
}

impl RequestBudget {
    /// A full bucket.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let capacity = u64::from(burst.max(1)) * MILLI;
        Self {
            per_second: u64::from(per_second.max(1)),
            capacity,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let elapsed_ms =
                    u64::try_from(now.duration_since(state.1).as_millis()).unwrap_or(u64::MAX);
                // per_second tokens per 1000 ms = per_second milli-tokens per ms.
                let gained = elapsed_ms.saturating_mul(self.per_second);
                if gained > 0 {
                    state.0 = state.0.saturating_add(gained).min(self.capacity);
                    state.1 = now;
                }
                if state.0 >= MILLI {
                    state.0 -= MILLI;
                    return;
                }
                let missing = MILLI - state.0;
                Duration::from_millis(missing.div_ceil(self.per_second).max(1))
            };
            tokio::time::sleep(wait).await;
        }
    }
}

static JITTER_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A pseudo-random number in `[0, bound)` (jitter only; not for anything secret).
fn jitter_below(bound: u64) -> u64 {
    if bound == 0 {
        return 0;
    }
    let mut h = RandomState::new().build_hasher();
    h.write_u64(JITTER_COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish() % bound
}

/// Exponential backoff with "equal jitter": `d/2 + rand(0, d/2)`, `d = base·2^attempt ≤ max`.
/// A venue-provided `retry_after` wins when longer (still capped at `max`).
pub fn backoff_delay(
    attempt: u32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let base_ms = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    let exp = base_ms.saturating_mul(1u64 << attempt.min(20)).min(max_ms);
    let half = exp / 2;
    let jittered = Duration::from_millis(half + jitter_below(half + 1));
    match retry_after {
        Some(ra) => jittered.max(ra).min(max),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..6 {
            let d = backoff_delay(attempt, base, max, None);
            let full = (base * (1 << attempt)).min(max);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
        assert_eq!(
            backoff_delay(0, base, max, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            backoff_delay(0, base, max, Some(Duration::from_secs(60))),
            max
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_allows_a_burst_then_paces() {
        let budget = RequestBudget::new(10, 3);
        let start = Instant::now();
        for _ in 0..3 {
            budget.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(5));
        for _ in 0..5 {
            budget.acquire().await;
        }
        // 5 more tokens at 10/s take about 500 ms.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(490) && took < Duration::from_millis(700),
            "{took:?}"
        );
    }
}
