//! Settlement-aware timing of closes and opens (field 6.1.4): never close minutes before a
//! favourable payment, never open minutes before an adverse one. Re-exported by
//! [`decide`](super).

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Thresholds;
use crate::rotation::economics::{settlement_payment, FundingSchedule, LegSide, VenueQuote};

/// One held leg's schedule, for close timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegFunding {
    /// Venue id.
    pub venue: String,
    /// Our side.
    pub side: LegSide,
    /// Its funding schedule.
    pub schedule: FundingSchedule,
}

impl LegFunding {
    /// The leg held (or to be held) on `quote`'s venue with `side`.
    pub fn from_quote(quote: &VenueQuote, side: LegSide) -> Self {
        Self {
            venue: quote.venue.clone(),
            side,
            schedule: quote.funding.clone(),
        }
    }
}

/// A settlement the close waits for (or counts as paid before it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingSettlement {
    /// Venue id.
    pub venue: String,
    /// Settlement time.
    pub at: DateTime<Utc>,
    /// Expected payment, USD (positive: received).
    pub expected_usd: Decimal,
}

/// When to send the close, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseTiming {
    /// Send the close at (>= target).
    pub close_at: DateTime<Utc>,
    /// The target asked for.
    pub target: DateTime<Utc>,
    /// Settlements from the target up to the close that the position is held through.
    pub held_through: Vec<PendingSettlement>,
    /// Their expected sum, USD.
    pub held_through_usd: Decimal,
}

/// The earliest close time >= `target` that is just after (by `settlement_buffer_seconds`) the
/// favourable settlements of both legs within `settlement_guard_minutes` after the target.
///
/// Candidates are the target itself and `s + buffer` for every favourable settlement `s` in
/// `[target, target + guard]`, never later than `target + max_close_delay_minutes`. Each is
/// valued by the expected sum of all settlements (favourable and adverse, both legs) in
/// `[target, candidate - buffer]`; the best value wins, the earliest on a tie. So the close is
/// never sent minutes before a favourable payment, unless an adverse one in between costs more.
/// A leg whose schedule cannot be read (interval 0) is ignored here (its economics already
/// skipped the symbol).
pub fn close_time_after_settlements(
    legs: &[LegFunding],
    notional_usd: Decimal,
    target: DateTime<Utc>,
    thresholds: &Thresholds,
) -> CloseTiming {
    let guard_end = target + Duration::minutes(i64::from(thresholds.settlement_guard_minutes));
    let latest = target + Duration::minutes(i64::from(thresholds.max_close_delay_minutes));
    let buffer = Duration::seconds(i64::from(thresholds.settlement_buffer_seconds));
    // Every settlement of every leg from the target to the latest close, in time order.
    let mut all: Vec<PendingSettlement> = Vec::new();
    for leg in legs {
        let from = target - Duration::nanoseconds(1);
        if let Ok(list) = leg.schedule.settlements(&leg.venue, from, latest) {
            all.extend(list.into_iter().map(|(at, rate)| PendingSettlement {
                venue: leg.venue.clone(),
                at,
                expected_usd: settlement_payment(leg.side, rate, notional_usd, Decimal::ONE),
            }));
        }
    }
    all.sort_by_key(|s| s.at);
    let value_until = |cutoff: DateTime<Utc>| -> Decimal {
        all.iter()
            .filter(|s| s.at <= cutoff)
            .map(|s| s.expected_usd)
            .sum()
    };
    let mut best_at = target;
    let mut best_value = Decimal::ZERO; // closing at the target holds through nothing
    for s in all
        .iter()
        .filter(|s| s.at <= guard_end && s.expected_usd > Decimal::ZERO)
    {
        let candidate = s.at + buffer;
        if candidate > latest {
            continue;
        }
        let value = value_until(s.at);
        if value > best_value || (value == best_value && candidate < best_at) {
            best_value = value;
            best_at = candidate;
        }
    }
    let cutoff = best_at - buffer;
    let held_through: Vec<PendingSettlement> = if best_at == target {
        Vec::new()
    } else {
        all.into_iter().filter(|s| s.at <= cutoff).collect()
    };
    CloseTiming {
        close_at: best_at,
        target,
        held_through_usd: held_through.iter().map(|s| s.expected_usd).sum(),
        held_through,
    }
}

/// When to send an open, and why. Price the candidate with its window starting at `open_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenTiming {
    /// Send the open at (>= now).
    pub open_at: DateTime<Utc>,
    /// Settlements between now and the open that the later open avoids.
    pub avoided: Vec<PendingSettlement>,
    /// Their expected sum, USD (negative: payments avoided).
    pub avoided_usd: Decimal,
}

/// The mirror of [`close_time_after_settlements`] for an open: the earliest time >= `now`
/// just after (by `settlement_buffer_seconds`) the adverse settlements of the legs-to-be within
/// `settlement_guard_minutes`, so that a position is never opened minutes before it pays.
/// Candidates are `now` and `s + buffer` for every adverse settlement `s` in
/// `[now, now + guard]`; each is valued by what it avoids (minus the sum of all settlements in
/// `[now, candidate - buffer]`); the best wins, the earliest on a tie. A favourable settlement
/// in between counts against waiting.
pub fn open_time_after_adverse_settlements(
    legs: &[LegFunding],
    notional_usd: Decimal,
    now: DateTime<Utc>,
    thresholds: &Thresholds,
) -> OpenTiming {
    let guard_end = now + Duration::minutes(i64::from(thresholds.settlement_guard_minutes));
    let buffer = Duration::seconds(i64::from(thresholds.settlement_buffer_seconds));
    let mut all: Vec<PendingSettlement> = Vec::new();
    for leg in legs {
        let from = now - Duration::nanoseconds(1);
        if let Ok(list) = leg.schedule.settlements(&leg.venue, from, guard_end) {
            all.extend(list.into_iter().map(|(at, rate)| PendingSettlement {
                venue: leg.venue.clone(),
                at,
                expected_usd: settlement_payment(leg.side, rate, notional_usd, Decimal::ONE),
            }));
        }
    }
    all.sort_by_key(|s| s.at);
    let mut best_at = now;
    let mut best_avoided = Decimal::ZERO;
    for s in all.iter().filter(|s| s.expected_usd < Decimal::ZERO) {
        let avoided: Decimal = all
            .iter()
            .filter(|x| x.at <= s.at)
            .map(|x| x.expected_usd)
            .sum();
        if -avoided > -best_avoided {
            best_avoided = avoided;
            best_at = s.at + buffer;
        }
    }
    let avoided: Vec<PendingSettlement> = if best_at == now {
        Vec::new()
    } else {
        all.into_iter()
            .filter(|x| x.at <= best_at - buffer)
            .collect()
    };
    OpenTiming {
        open_at: best_at,
        avoided_usd: avoided.iter().map(|x| x.expected_usd).sum(),
        avoided,
    }
}
