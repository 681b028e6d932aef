//! Jittered exponential backoff for reads and reconnects.

use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// How reads are retried: at most `max_retries` more attempts, waiting `base_delay`
/// doubling per attempt with random jitter, never longer than `max_delay` (which also caps
/// a venue's `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff.
    pub base_delay: Duration,
    /// Longest wait.
    pub max_delay: Duration,
}

/// The wait before retry number `attempt` (0-based): the venue's `retry_after` when it gave
/// one, else `base × 2^attempt` plus up to the same again of jitter (`backon`); both capped
/// at `max`.
pub fn backoff_delay(
    attempt: u32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(max);
    }
    let n = usize::try_from(attempt).unwrap_or(usize::MAX);
    ExponentialBuilder::default()
        .with_min_delay(base)
        .with_max_delay(max)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
        .nth(n)
        .unwrap_or(max)
        .min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_stay_capped_and_honour_retry_after() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        for attempt in 0..8 {
            let d = backoff_delay(attempt, base, max, None);
            let floor = (base * 2u32.pow(attempt)).min(max);
            assert!(d >= floor.min(max) && d <= max, "{attempt}: {d:?}");
        }
        assert_eq!(
            backoff_delay(0, base, max, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            backoff_delay(0, base, max, Some(Duration::from_secs(60))),
            max
        );
    }

    #[test]
    fn jitter_varies() {
        let base = Duration::from_millis(100);
        let seen: std::collections::BTreeSet<_> = (0..20)
            .map(|_| backoff_delay(3, base, Duration::from_secs(10), None))
            .collect();
        assert!(seen.len() > 1, "{seen:?}");
    }
}
