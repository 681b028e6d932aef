//! The simulator's funding history as a pure function, for backtests (`--paper`) that need
//! no running simulator: per venue and symbol, the settled rates of the same seeded model
//! the simulator trades on ([`crate::engine::funding`], episodes included), and each
//! venue's fee schedule as the simulator charges it.
//!
//! Contract: [`settled_points`] is the one definition of "the settlements in a window". The
//! engine serves its history endpoints (EdgeX `getFundingRatePage`, Lighter `fundings`)
//! through it, so what the real adapters read from a simulator with seed S equals
//! [`funding_history`] with seed S over the same window (up to the simulator's clock: it
//! serves only periods already settled). A period of `I` minutes with index `p` settles at
//! `(p + 1) x I` minutes since the epoch and carries [`funding::period_rate`] of `p`.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use venue_sim::engine::funding::EpisodeParams;
//! use venue_sim::engine::VenueKind;
//! let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let to = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
//! let market = venue_sim::history::market(VenueKind::Edgex, "BTC").unwrap();
//! let points =
//!     venue_sim::history::funding_history(7, &EpisodeParams::default(), &market, from, to)
//!         .unwrap();
//! assert_eq!(points.len(), 6); // every 4 hours
//! ```

use crate::engine::funding::{self, EpisodeParams};
use crate::engine::market::{default_symbols, markets_of, MarketSpec, VenueKind};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use venue_api::FundingPoint;

/// Longest window served in one call (days): bounds the work of a mistaken `from`.
pub const MAX_WINDOW_DAYS: i64 = 3_660;

/// Why a history request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    /// Example: `from` 2026-02-01 with `to` 2026-01-01.
    #[error("funding history window from {from} is not before to {to}")]
    EmptyWindow {
        /// Start (inclusive).
        from: DateTime<Utc>,
        /// End (exclusive).
        to: DateTime<Utc>,
    },
    /// Example: a window from 1970 to 2026.
    #[error("funding history window of {days} days is longer than {MAX_WINDOW_DAYS} days")]
    TooLong {
        /// Its length in whole days.
        days: i64,
    },
    /// Example: `DOGS` (not in the simulator's listing).
    #[error("the simulator does not list {0}")]
    UnknownSymbol(String),
}

/// A venue's fees as the simulator charges them (fractions of the notional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    /// Resting (post-only or passive) fills.
    pub maker: Decimal,
    /// Crossing fills (every fill of the rotation bot's IOC orders).
    pub taker: Decimal,
}

/// One venue's market of a symbol in the simulator's default listing (the markets of
/// `--paper` and of `venue-sim serve`): its funding interval and fees.
pub fn market(venue: VenueKind, symbol: &str) -> Result<MarketSpec, HistoryError> {
    let listing = default_symbols();
    let (index, spec) = listing
        .iter()
        .enumerate()
        .find(|(_, s)| s.symbol.eq_ignore_ascii_case(symbol))
        .ok_or_else(|| HistoryError::UnknownSymbol(symbol.to_string()))?;
    let (edgex, lighter) = markets_of(spec, index + 1);
    Ok(match venue {
        VenueKind::Edgex => edgex,
        VenueKind::Lighter => lighter,
    })
}

/// The symbols of the simulator's default listing, in listing order.
pub fn symbols() -> Vec<String> {
    default_symbols().into_iter().map(|s| s.symbol).collect()
}

/// The fees the simulator charges on `symbol` at `venue`.
pub fn fee_schedule(venue: VenueKind, symbol: &str) -> Result<FeeSchedule, HistoryError> {
    let m = market(venue, symbol)?;
    Ok(FeeSchedule {
        maker: m.maker_fee,
        taker: m.taker_fee,
    })
}

/// Settlements of `market` at times (ms since the epoch) in `[from_ms, to_ms)`, oldest
/// first, as (settlement ms, rate per interval). Empty when `from_ms >= to_ms`. The caller
/// bounds the window (see [`funding_history`]).
pub fn settled_points(
    seed: u64,
    params: &EpisodeParams,
    market: &MarketSpec,
    from_ms: i64,
    to_ms: i64,
) -> Vec<(i64, Decimal)> {
    let len = i64::from(market.funding_interval_min.max(1)) * 60_000;
    if from_ms >= to_ms {
        return Vec::new();
    }
    // settlement (p + 1) x len in [from, to)  <=>  p + 1 in [ceil(from/len), ceil(to/len))
    let first = ceil_div(from_ms, len) - 1;
    let end = ceil_div(to_ms, len) - 1;
    (first..end)
        .map(|p| ((p + 1) * len, funding::period_rate(seed, params, market, p)))
        .collect()
}

/// The settled funding of `market` with a settlement time in `[from, to)`, oldest first,
/// as the adapters' `funding_history_between` reads it from a simulator with this seed.
pub fn funding_history(
    seed: u64,
    params: &EpisodeParams,
    market: &MarketSpec,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<FundingPoint>, HistoryError> {
    check_window(from, to)?;
    Ok(settled_points(
        seed,
        params,
        market,
        from.timestamp_millis(),
        to.timestamp_millis(),
    )
    .into_iter()
    .filter_map(|(ms, rate)| {
        Some(FundingPoint {
            time: DateTime::from_timestamp_millis(ms)?,
            rate,
            interval_minutes: market.funding_interval_min,
        })
    })
    .collect())
}

/// Funding history and fees of both venues for a list of symbols: what a `--paper`
/// backtest replays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperHistory {
    /// Seed of the model.
    pub seed: u64,
    /// Start of the window (inclusive).
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// Per venue (`edgex`, `lighter`), per symbol: the history of that venue's market.
    pub venues: BTreeMap<VenueKind, BTreeMap<String, VenueSeries>>,
}

/// One venue's market of one symbol over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueSeries {
    /// Funding interval in minutes.
    pub interval_minutes: u32,
    /// Fees charged there.
    pub fees: FeeSchedule,
    /// Settled rates, oldest first.
    pub points: Vec<FundingPoint>,
}

/// [`funding_history`] and [`fee_schedule`] of both venues for every symbol in `symbols`
/// (names as listed, any case); an unlisted symbol is an error naming it.
pub fn paper_history(
    seed: u64,
    params: &EpisodeParams,
    symbols: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<PaperHistory, HistoryError> {
    check_window(from, to)?;
    let mut venues: BTreeMap<VenueKind, BTreeMap<String, VenueSeries>> = BTreeMap::new();
    for venue in VenueKind::ALL {
        let per = venues.entry(venue).or_default();
        for symbol in symbols {
            let m = market(venue, symbol)?;
            let series = VenueSeries {
                interval_minutes: m.funding_interval_min,
                fees: FeeSchedule {
                    maker: m.maker_fee,
                    taker: m.taker_fee,
                },
                points: funding_history(seed, params, &m, from, to)?,
            };
            per.insert(m.symbol.clone(), series);
        }
    }
    Ok(PaperHistory {
        seed,
        from,
        to,
        venues,
    })
}

fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), HistoryError> {
    if from >= to {
        return Err(HistoryError::EmptyWindow { from, to });
    }
    let days = (to - from).num_days();
    if days > MAX_WINDOW_DAYS {
        return Err(HistoryError::TooLong { days });
    }
    Ok(())
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -(-a).div_euclid(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal_macros::dec;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn window_bounds_are_inclusive_then_exclusive() {
        let p = EpisodeParams::default();
        let e = market(VenueKind::Edgex, "ETH").unwrap();
        let l = market(VenueKind::Lighter, "eth").unwrap();
        // (venue market, from, to, expected settlement hours)
        type Case<'a> = (&'a MarketSpec, DateTime<Utc>, DateTime<Utc>, Vec<u32>);
        let cases: [Case; 5] = [
            (&e, at(0), at(12), vec![0, 4, 8]),
            (&e, at(1), at(12), vec![4, 8]),
            (&e, at(1), at(13), vec![4, 8, 12]),
            (&l, at(3), at(6), vec![3, 4, 5]),
            (&l, at(3) + chrono::Duration::minutes(1), at(4), vec![]),
        ];
        for (m, from, to, hours) in cases {
            let got: Vec<DateTime<Utc>> = funding_history(3, &p, m, from, to)
                .unwrap()
                .iter()
                .map(|f| f.time)
                .collect();
            let want: Vec<DateTime<Utc>> = hours.into_iter().map(at).collect();
            assert_eq!(got, want, "{:?} [{from}, {to})", m.venue);
        }
    }

    #[test]
    fn a_point_carries_the_rate_of_the_period_it_closes() {
        let p = EpisodeParams::default();
        let e = market(VenueKind::Edgex, "SOL").unwrap();
        let points = funding_history(11, &p, &e, at(0), at(9)).unwrap();
        for f in &points {
            let period = f.time.timestamp_millis() / (240 * 60_000) - 1;
            assert_eq!(f.rate, funding::period_rate(11, &p, &e, period));
            assert_eq!(f.interval_minutes, 240);
        }
        // seeded: another seed gives other rates, the same seed the same ones
        assert_eq!(points, funding_history(11, &p, &e, at(0), at(9)).unwrap());
        assert_ne!(points, funding_history(12, &p, &e, at(0), at(9)).unwrap());
    }

    #[test]
    fn refusals_name_the_problem() {
        let p = EpisodeParams::default();
        let e = market(VenueKind::Edgex, "BTC").unwrap();
        let err = funding_history(1, &p, &e, at(5), at(5)).unwrap_err();
        assert!(matches!(err, HistoryError::EmptyWindow { .. }), "{err}");
        let old = Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).unwrap();
        let err = funding_history(1, &p, &e, old, at(0)).unwrap_err();
        assert!(err.to_string().contains("longer than"), "{err}");
        let err = market(VenueKind::Lighter, "DOGS").unwrap_err();
        assert_eq!(err.to_string(), "the simulator does not list DOGS");
    }

    #[test]
    fn fees_are_the_simulators() {
        let cases = [
            (VenueKind::Edgex, dec!(0.00015), dec!(0.00038)),
            (VenueKind::Lighter, dec!(0), dec!(0.0002)),
        ];
        for (venue, maker, taker) in cases {
            let f = fee_schedule(venue, "BTC").unwrap();
            assert_eq!((f.maker, f.taker), (maker, taker), "{venue}");
        }
    }

    #[test]
    fn paper_history_covers_both_venues_and_every_symbol() {
        let p = EpisodeParams::default();
        let symbols = vec!["BTC".to_string(), "pump".to_string()];
        let h = paper_history(5, &p, &symbols, at(0), at(0) + chrono::Duration::days(2)).unwrap();
        let e = &h.venues[&VenueKind::Edgex];
        let l = &h.venues[&VenueKind::Lighter];
        assert_eq!(e["BTC"].points.len(), 12);
        assert_eq!(e["PUMP"].points.len(), 48, "PUMP settles hourly on EdgeX");
        assert_eq!(l["BTC"].points.len(), 48);
        assert_eq!(l["BTC"].fees.taker, dec!(0.0002));
        let err = paper_history(5, &p, &["NOPE".to_string()], at(0), at(1)).unwrap_err();
        assert!(err.to_string().contains("NOPE"), "{err}");
    }
}
