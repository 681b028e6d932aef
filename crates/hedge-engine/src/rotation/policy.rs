//! The bot's decision pipeline as pure functions over already-read market data: quote
//! building, entry selection and the holding check. The live loop ([`super::machine`]) reads
//! the venues and calls these; the backtest (`hedge-backtest`) builds the same inputs from
//! recorded history and calls the same functions, so the two cannot decide differently on the
//! same inputs.
//!
//! Pure: no I/O, no clock (every function takes `now`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use venue_api::{FundingRate, TopOfBook};

use super::budget::BudgetState;
use super::decide::{
    close_time_after_settlements, decide_entry, held_window, hold_decision, CloseTiming,
    EntryDecision, ExitWatch, HeldPosition, HoldAction, HoldDecision, LegFunding, SkipReason,
    SkippedSymbol, Thresholds,
};
use super::economics::{
    best_direction, evaluate, next_on_utc_grid, Economics, EconomicsError, EconomicsParams,
    FundingSchedule, HoldWindow, LegSide, VenueQuote,
};

/// One symbol's quotes on both venues (slot A, slot B).
pub type SymbolQuotes = (String, VenueQuote, VenueQuote);

/// A venue's quote as the bot prices it: the current rate (no forecast), the interval, the
/// next settlement the venue announced if it is still ahead, else the next UTC-grid time.
pub fn venue_quote(
    venue: &str,
    funding: &FundingRate,
    taker_fee: Decimal,
    book: TopOfBook,
    now: DateTime<Utc>,
) -> VenueQuote {
    VenueQuote {
        venue: venue.to_string(),
        funding: FundingSchedule {
            rate: funding.rate,
            predicted_rate: None,
            interval_minutes: funding.interval_minutes,
            next_settlement: funding
                .next_funding_time
                .filter(|t| *t > now)
                .unwrap_or_else(|| next_on_utc_grid(now, funding.interval_minutes)),
        },
        taker_fee,
        book,
    }
}

/// Prices every quoted symbol in its better direction over `window` at `notional`; a symbol
/// that cannot be priced goes to `skipped` with the reason.
pub fn price_candidates(
    quotes: &[SymbolQuotes],
    window: HoldWindow,
    notional: Decimal,
    params: &EconomicsParams,
    skipped: &mut Vec<SkippedSymbol>,
) -> Vec<Economics> {
    let mut priced = Vec::with_capacity(quotes.len());
    for (s, a, b) in quotes {
        match best_direction(s, a, b, window, notional, params) {
            Ok(e) => priced.push(e),
            Err(e) => skipped.push(SkippedSymbol {
                symbol: s.clone(),
                reason: e.into(),
            }),
        }
    }
    priced
}

/// The planned window of a fresh entry at `now`.
pub fn entry_window(now: DateTime<Utc>, thresholds: &Thresholds) -> HoldWindow {
    HoldWindow {
        from: now,
        to: now + thresholds.hold_duration(),
    }
}

/// The entry selection: symbols cooling down are skipped, the rest priced over the planned
/// hold at `notional` and ranked by [`decide_entry`].
pub fn entry_decision(
    now: DateTime<Utc>,
    mut quotes: Vec<SymbolQuotes>,
    mut skipped: Vec<SkippedSymbol>,
    budget: &BudgetState,
    thresholds: &Thresholds,
    params: &EconomicsParams,
    notional: Decimal,
) -> EntryDecision {
    quotes.retain(|(s, _, _)| match budget.cooling(s, now) {
        Some(until) => {
            skipped.push(SkippedSymbol {
                symbol: s.clone(),
                reason: SkipReason::Cooldown { until },
            });
            false
        }
        None => true,
    });
    let window = entry_window(now, thresholds);
    let priced = price_candidates(&quotes, window, notional, params, &mut skipped);
    decide_entry(now, priced, skipped, thresholds)
}

/// The held position as the holding check needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldInput {
    /// Symbol.
    pub symbol: String,
    /// Venue id of the long leg.
    pub long_venue: String,
    /// Open time.
    pub opened_at: DateTime<Utc>,
    /// Current planned end.
    pub target_close_at: DateTime<Utc>,
    /// Notional per leg, USD.
    pub notional_usd: Decimal,
    /// Exit hysteresis carried from the last check.
    pub exit_watch: ExitWatch,
}

/// What one holding check decided, with everything it was decided on.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldCheck {
    /// The decision record (action, keep / close / switch values, next hysteresis state).
    pub decision: HoldDecision,
    /// The held position priced over [`held_window`].
    pub held: Economics,
    /// The other candidates' entry ranking (for the funding overview).
    pub others: EntryDecision,
    /// The best eligible other candidate, if any.
    pub best_other: Option<Economics>,
    /// The held legs' schedules (long, short).
    pub legs: [LegFunding; 2],
    /// When the close goes out (close and switch only).
    pub close_timing: Option<CloseTiming>,
}

/// Why a holding check could not decide (the position is kept; the next check retries).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HoldCheckError {
    /// No quotes for the held symbol. Example: a venue's funding read failed.
    #[error("no quotes for the held {0}")]
    NoQuotes(String),
    /// The held position could not be priced. Example: an empty book side.
    #[error("cannot price the held {symbol}: {source}")]
    NotPriced {
        /// Symbol.
        symbol: String,
        /// Why.
        source: EconomicsError,
    },
}

/// The holding check: keep, extend, switch or close (see [`hold_decision`]), against the best
/// other eligible candidate not cooling down, with the close timed after favourable
/// settlements ([`close_time_after_settlements`]).
pub fn hold_check(
    pos: &HeldInput,
    quotes: &[SymbolQuotes],
    budget: &BudgetState,
    thresholds: &Thresholds,
    params: &EconomicsParams,
    now: DateTime<Utc>,
) -> Result<HoldCheck, HoldCheckError> {
    let Some((_, qa, qb)) = quotes.iter().find(|(s, _, _)| *s == pos.symbol) else {
        return Err(HoldCheckError::NoQuotes(pos.symbol.clone()));
    };
    let (long_q, short_q) = if qa.venue == pos.long_venue {
        (qa, qb)
    } else {
        (qb, qa)
    };
    let held_pos = HeldPosition {
        symbol: pos.symbol.clone(),
        opened_at: pos.opened_at,
    };
    let window = held_window(&held_pos, now, pos.target_close_at, thresholds);
    let held = evaluate(
        &pos.symbol,
        long_q,
        short_q,
        window,
        pos.notional_usd,
        params,
    )
    .map_err(|source| HoldCheckError::NotPriced {
        symbol: pos.symbol.clone(),
        source,
    })?;
    let others: Vec<SymbolQuotes> = quotes
        .iter()
        .filter(|(s, _, _)| *s != pos.symbol && budget.cooling(s, now).is_none())
        .cloned()
        .collect();
    let mut skipped = Vec::new();
    let priced = price_candidates(
        &others,
        entry_window(now, thresholds),
        pos.notional_usd,
        params,
        &mut skipped,
    );
    let others = decide_entry(now, priced, Vec::new(), thresholds);
    let best_other = others.eligible().into_iter().next().cloned();
    let decision = hold_decision(
        &held_pos,
        &held,
        best_other.as_ref(),
        now,
        pos.target_close_at,
        thresholds,
        &pos.exit_watch,
    );
    let legs = [
        LegFunding::from_quote(long_q, LegSide::Long),
        LegFunding::from_quote(short_q, LegSide::Short),
    ];
    let close_timing =
        match decision.action {
            HoldAction::Close { .. } | HoldAction::Switch { .. } => Some(
                close_time_after_settlements(&legs, pos.notional_usd, now, thresholds),
            ),
            HoldAction::Keep | HoldAction::Extend { .. } => None,
        };
    Ok(HoldCheck {
        decision,
        held,
        others,
        best_other,
        legs,
        close_timing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotation::budget::{Budgets, FailedOpenKind};
    use crate::rotation::economics::tests::{book, quote, t};
    use rust_decimal_macros::dec;

    fn rate(next: Option<DateTime<Utc>>) -> FundingRate {
        FundingRate {
            rate: dec!(0.0001),
            interval_minutes: 240,
            next_funding_time: next,
            time: None,
        }
    }

    #[test]
    fn a_quote_keeps_an_announced_settlement_ahead_else_the_utc_grid() {
        let b = book(dec!(99.99), dec!(100.01), dec!(1000));
        let cases = [
            (Some(t(6, 0)), t(6, 0)),  // announced, ahead
            (Some(t(0, 30)), t(4, 0)), // announced but past: the grid
            (Some(t(1, 0)), t(4, 0)),  // exactly now is not ahead
            (None, t(4, 0)),           // not announced: the grid
        ];
        for (announced, want) in cases {
            let q = venue_quote("v", &rate(announced), dec!(0.0005), b.clone(), t(1, 0));
            assert_eq!(q.funding.next_settlement, want, "{announced:?}");
            assert_eq!(
                q.funding.predicted_rate, None,
                "the bot prices the current rate"
            );
        }
    }

    /// BTC and ETH: short `b` earns; ETH the better spread.
    fn quotes() -> Vec<SymbolQuotes> {
        let q = |v: &str, r| quote(v, r, 60, t(1, 0), dec!(0.0002));
        vec![
            ("BTC".into(), q("a", dec!(0)), q("b", dec!(0.0005))),
            ("ETH".into(), q("a", dec!(0)), q("b", dec!(0.0008))),
        ]
    }

    #[test]
    fn the_entry_skips_a_symbol_cooling_down_and_ranks_the_rest_in_dollars() {
        let th = Thresholds::default();
        let p = EconomicsParams::default();
        let mut budget = BudgetState::default();
        let d = entry_decision(t(0, 30), quotes(), Vec::new(), &budget, &th, &p, dec!(1000));
        assert_eq!(d.chosen.as_deref(), Some("ETH"));
        assert_eq!(d.eligible().len(), 2);
        // cooling 15 minutes from 00:20: still at 00:30
        budget.record_failed_open(&Budgets::default(), "ETH", FailedOpenKind::Failed, t(0, 20));
        let d = entry_decision(t(0, 30), quotes(), Vec::new(), &budget, &th, &p, dec!(1000));
        assert_eq!(d.chosen.as_deref(), Some("BTC"));
        assert!(d.candidates.iter().any(|c| c.symbol == "ETH"
            && matches!(
                c.verdict,
                crate::rotation::decide::EntryVerdict::Skipped {
                    reason: SkipReason::Cooldown { .. }
                }
            )));
    }

    #[test]
    fn the_holding_check_switches_to_a_better_symbol_and_times_the_close() {
        let th = Thresholds::default();
        let p = EconomicsParams::default();
        let held = HeldInput {
            symbol: "BTC".into(),
            long_venue: "a".into(),
            opened_at: t(0, 0),
            target_close_at: t(8, 0),
            notional_usd: dec!(1000),
            exit_watch: ExitWatch::default(),
        };
        // BTC's spread is gone; ETH pays well: switch, closed at once (no favourable
        // settlement within the guard after 00:30).
        let mut q = quotes();
        q[0].2.funding.rate = dec!(0);
        let c = hold_check(&held, &q, &BudgetState::default(), &th, &p, t(0, 30)).unwrap();
        assert_eq!(c.decision.action, HoldAction::Switch { to: "ETH".into() });
        assert_eq!(c.close_timing.map(|ct| ct.close_at), Some(t(0, 30)));
        // Still paying: keep, no close timing.
        let c = hold_check(&held, &quotes(), &BudgetState::default(), &th, &p, t(0, 30)).unwrap();
        assert_eq!(c.decision.action, HoldAction::Keep);
        assert!(c.close_timing.is_none());
        // No quotes for the held symbol: no decision.
        let err = hold_check(
            &held,
            &quotes()[1..],
            &BudgetState::default(),
            &th,
            &p,
            t(0, 30),
        );
        assert_eq!(err.unwrap_err(), HoldCheckError::NoQuotes("BTC".into()));
    }
}
