//! An optional per-venue request budget, as the venues enforce one (Lighter's standard
//! account: 60 requests a minute; its `sendTx`/`sendTxBatch` count against a separate volume
//! quota instead). Off by default; [`crate::SimOptions::requests_per_minute`] turns it on.
//! Over budget, a request is answered HTTP 429 with `Retry-After` (whole seconds until a
//! slot frees) and not processed. The window slides over the injected clock's last 60 s.
//! The venues' other rate-limit headers are not documented, so none are invented.

use crate::engine::VenueKind;
use std::collections::VecDeque;
use std::sync::Mutex;

const WINDOW_MS: i64 = 60_000;

/// Sliding-window counters, one per venue.
#[derive(Debug, Default)]
pub struct RateLimiter {
    seen: Mutex<[VecDeque<i64>; 2]>,
}

fn slot(venue: VenueKind) -> usize {
    match venue {
        VenueKind::Edgex => 0,
        VenueKind::Lighter => 1,
    }
}

/// True when `endpoint` does not count against the venue's request budget.
pub fn exempt(venue: VenueKind, endpoint: &str) -> bool {
    venue == VenueKind::Lighter && matches!(endpoint, "sendTx" | "sendTxBatch")
}

impl RateLimiter {
    /// Counts a request at `now_ms` against `limit` per minute: `Ok(())` when it fits,
    /// `Err(retry_after_secs)` when over budget (the request is then not counted).
    pub fn admit(&self, venue: VenueKind, limit: u32, now_ms: i64) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let q = &mut seen[slot(venue)];
        while q.front().is_some_and(|t| *t <= now_ms - WINDOW_MS) {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            let oldest = q.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + WINDOW_MS - now_ms).max(1);
            return Err(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1));
        }
        q.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_per_venue() {
        let r = RateLimiter::default();
        for i in 0..3 {
            assert_eq!(r.admit(VenueKind::Lighter, 3, 1_000 + i), Ok(()));
        }
        assert_eq!(r.admit(VenueKind::Lighter, 3, 2_000), Err(59));
        assert_eq!(r.admit(VenueKind::Edgex, 3, 2_000), Ok(()), "per venue");
        assert_eq!(
            r.admit(VenueKind::Lighter, 3, 61_000),
            Ok(()),
            "first slot freed"
        );
        assert_eq!(r.admit(VenueKind::Lighter, 3, 61_001), Ok(()));
        assert_eq!(r.admit(VenueKind::Lighter, 3, 61_001), Err(1));
        assert!(exempt(VenueKind::Lighter, "sendTx"));
        assert!(!exempt(VenueKind::Edgex, "sendTx"));
        assert!(!exempt(VenueKind::Lighter, "account"));
    }
}
