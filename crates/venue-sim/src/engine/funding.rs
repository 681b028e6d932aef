//! The funding schedule: a deterministic function of (seed, venue, symbol, period), so that
//! history needs no storage and a seed replays the same rates.
//!
//! Per symbol a base level, per venue an offset and a 48-hour triangle wave with its own
//! phase, plus per-hour noise; all integers in units of 1e-8 per hour. An EdgeX period of
//! I minutes carries I/60 times the hourly value at its start. Positive = longs pay.

use super::market::{MarketSpec, VenueKind};
use super::rng::{mix, signed_in, word};
use rust_decimal::Decimal;

/// Hourly rate in units of 1e-8 at `hour` (hours since the epoch).
pub fn hourly_e8(seed: u64, venue: VenueKind, symbol: &str, hour: i64) -> i64 {
    let sym = word(symbol);
    let v = match venue {
        VenueKind::Edgex => 1,
        VenueKind::Lighter => 2,
    };
    let base = signed_in(mix(&[seed, sym]), 1_000) + 300;
    let offset = signed_in(mix(&[seed, sym, v, 2]), 900);
    let phase = (mix(&[seed, sym, v, 3]) % 48) as i64;
    let t = (hour + phase).rem_euclid(48);
    let tri = (t - 24).abs() - 12;
    let amp = 40 + (mix(&[seed, sym, v, 4]) % 100) as i64;
    let noise = signed_in(mix(&[seed, sym, v, hour as u64]), 250);
    base + offset + tri * amp + noise
}

/// The rate of `period` (index of `funding_interval_min`-long periods since the epoch).
pub fn period_rate(seed: u64, market: &MarketSpec, period: i64) -> Decimal {
    let minutes = i64::from(market.funding_interval_min.max(1));
    let hour = period * minutes / 60;
    let hourly = hourly_e8(seed, market.venue, &market.symbol, hour);
    Decimal::new(hourly * minutes / 60, 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::market::{default_symbols, markets_of};

    #[test]
    fn rates_are_bounded_deterministic_and_move() {
        let (e, l) = markets_of(&default_symbols()[0], 1);
        let a = period_rate(7, &e, 100);
        assert_eq!(a, period_rate(7, &e, 100));
        let distinct: std::collections::BTreeSet<Decimal> =
            (0..48).map(|p| period_rate(7, &l, p)).collect();
        assert!(distinct.len() > 10);
        for p in 0..200 {
            assert!(period_rate(7, &l, p).abs() < Decimal::new(1, 3));
            assert!(period_rate(7, &e, p).abs() < Decimal::new(4, 3));
        }
    }
}
