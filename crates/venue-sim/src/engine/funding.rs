//! The funding schedule: a deterministic function of (seed, venue, symbol, period), so that
//! history needs no storage and a seed replays the same rates.
//!
//! Per symbol a base level, per venue an offset and a 48-hour triangle wave with its own
//! phase, plus per-hour noise; all integers in units of 1e-8 per hour. On top of that come
//! **dislocation episodes** ([`EpisodeParams`]), the events a funding rotation lives on: for
//! hours at a time one venue's rate on one symbol departs from the other's by 50-300 % APR
//! and then decays exponentially (a half-life of hours). Episodes are drawn per (seed,
//! symbol, 6-hour slot) from the seeded hash, so the whole schedule, past and future, is a
//! pure function of the seed and the simulated clock, and the rate a venue shows as current
//! is the rate it settles.
//!
//! A period of I whole hours carries the sum of its hourly values (an EdgeX 4-hour period
//! pays what four Lighter hours of the same schedule pay); a shorter period carries I/60 of
//! the hourly value at its start. Positive = longs pay.

use super::market::{MarketSpec, VenueKind};
use super::rng::{mix, signed_in, word};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Hours of one episode slot: at most one episode starts per symbol and slot.
pub const SLOT_HOURS: i64 = 6;
/// An episode ends after this many half-lives (it is then below 0.4 % of its size).
pub const LIFETIME_HALF_LIVES: i64 = 8;
/// Hours in a year (APR = hourly rate x this).
pub const HOURS_PER_YEAR: i64 = 8_760;

/// The dislocation episodes of the funding model (documented in the crate README).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EpisodeParams {
    /// Episodes on (`false` = the calm base model only).
    pub enabled: bool,
    /// Mean hours between episode starts on one symbol (either venue); at least
    /// [`SLOT_HOURS`] (one episode per slot at most).
    pub mean_gap_hours: u32,
    /// Smallest episode size, in percent APR of departure at its start.
    pub min_apr_pct: u32,
    /// Largest episode size, in percent APR.
    pub max_apr_pct: u32,
    /// Shortest half-life of the decay, in hours (at least 1).
    pub min_half_life_hours: u32,
    /// Longest half-life, in hours.
    pub max_half_life_hours: u32,
}

impl Default for EpisodeParams {
    fn default() -> Self {
        Self {
            enabled: true,
            mean_gap_hours: 20,
            min_apr_pct: 50,
            max_apr_pct: 300,
            min_half_life_hours: 2,
            max_half_life_hours: 8,
        }
    }
}

impl EpisodeParams {
    /// No episodes.
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }
}

/// One dislocation: from `start_hour` the rate of `venue` departs by `size_e8` (signed,
/// 1e-8 per hour) and halves every `half_life_hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// Venue whose rate departs.
    pub venue: VenueKind,
    /// First hour (hours since the epoch).
    pub start_hour: i64,
    /// Departure at the start, 1e-8 per hour, signed (positive = longs pay more).
    pub size_e8: i64,
    /// Size in percent APR (unsigned), as drawn.
    pub apr_pct: u32,
    /// Half-life in hours.
    pub half_life_hours: u32,
}

impl Episode {
    /// The departure at `hour` (1e-8 per hour; 0 before the start and after the lifetime).
    pub fn value_e8(&self, hour: i64) -> i64 {
        let dt = hour - self.start_hour;
        let hl = i64::from(self.half_life_hours.max(1));
        if dt < 0 || dt >= hl * LIFETIME_HALF_LIVES {
            return 0;
        }
        let scaled = i128::from(self.size_e8) * decay_e18(dt, hl) / E18;
        scaled as i64
    }
}

const E18: i128 = 1_000_000_000_000_000_000;
/// ln 2 x 1e18.
const LN2_E18: i128 = 693_147_180_559_945_309;

/// 2^(-dt/hl) x 1e18 in integers (no floating point): 2^-q x exp(-ln2 x r/hl).
fn decay_e18(dt: i64, hl: i64) -> i128 {
    let (q, r) = (dt / hl, dt % hl);
    let y = LN2_E18 * i128::from(r) / i128::from(hl); // in [0, ln 2)
    let mut term = E18;
    let mut sum = E18;
    for k in 1..30i128 {
        term = -term * y / (k * E18);
        sum += term;
        if term == 0 {
            break;
        }
    }
    if q >= 127 {
        0
    } else {
        sum >> q
    }
}

/// The episode of `symbol` in `slot` (6-hour slots since the epoch), if one starts there.
pub fn episode_in_slot(
    seed: u64,
    params: &EpisodeParams,
    symbol: &str,
    slot: i64,
) -> Option<Episode> {
    if !params.enabled {
        return None;
    }
    let h = |k: u64| mix(&[seed, word(symbol), slot as u64, 0xE915_0DE0, k]);
    let gap = u64::from(params.mean_gap_hours).max(SLOT_HOURS as u64);
    if h(0) % gap >= SLOT_HOURS as u64 {
        return None;
    }
    let start_hour = slot * SLOT_HOURS + (h(1) % SLOT_HOURS as u64) as i64;
    let venue = if h(2) % 2 == 0 {
        VenueKind::Edgex
    } else {
        VenueKind::Lighter
    };
    let (lo, hi) = ordered(params.min_apr_pct, params.max_apr_pct);
    let apr_pct = lo + (h(3) % u64::from(hi - lo + 1)) as u32;
    let (hl_lo, hl_hi) = ordered(
        params.min_half_life_hours.max(1),
        params.max_half_life_hours,
    );
    let half_life_hours = hl_lo + (h(4) % u64::from(hl_hi - hl_lo + 1)) as u32;
    // percent APR -> 1e-8 per hour
    let magnitude = i64::from(apr_pct) * 1_000_000 / HOURS_PER_YEAR;
    let size_e8 = if h(5) % 2 == 0 { magnitude } else { -magnitude };
    Some(Episode {
        venue,
        start_hour,
        size_e8,
        apr_pct,
        half_life_hours,
    })
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

/// Every episode of `symbol` (either venue) still alive at `hour`, oldest first.
pub fn episodes_at(seed: u64, params: &EpisodeParams, symbol: &str, hour: i64) -> Vec<Episode> {
    if !params.enabled {
        return Vec::new();
    }
    let longest = i64::from(
        params
            .max_half_life_hours
            .max(params.min_half_life_hours)
            .max(1),
    ) * LIFETIME_HALF_LIVES;
    let first = (hour - longest).div_euclid(SLOT_HOURS);
    let last = hour.div_euclid(SLOT_HOURS);
    (first..=last)
        .filter_map(|slot| episode_in_slot(seed, params, symbol, slot))
        .filter(|e| e.value_e8(hour) != 0)
        .collect()
}

/// Calm hourly rate in units of 1e-8 at `hour` (hours since the epoch), without episodes.
pub fn base_hourly_e8(seed: u64, venue: VenueKind, symbol: &str, hour: i64) -> i64 {
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

/// Hourly rate in units of 1e-8 at `hour`: the calm model plus the live episodes of `venue`.
pub fn hourly_e8(
    seed: u64,
    params: &EpisodeParams,
    venue: VenueKind,
    symbol: &str,
    hour: i64,
) -> i64 {
    let episodes: i64 = episodes_at(seed, params, symbol, hour)
        .iter()
        .filter(|e| e.venue == venue)
        .map(|e| e.value_e8(hour))
        .sum();
    base_hourly_e8(seed, venue, symbol, hour) + episodes
}

/// The rate of `period` (index of `funding_interval_min`-long periods since the epoch), per
/// interval: the sum of its hours, or I/60 of the hourly value for a sub-hour interval.
pub fn period_rate(seed: u64, params: &EpisodeParams, market: &MarketSpec, period: i64) -> Decimal {
    let minutes = i64::from(market.funding_interval_min.max(1));
    let start_hour = (period * minutes).div_euclid(60);
    let total = if minutes % 60 == 0 {
        (start_hour..start_hour + minutes / 60)
            .map(|h| hourly_e8(seed, params, market.venue, &market.symbol, h))
            .sum()
    } else {
        hourly_e8(seed, params, market.venue, &market.symbol, start_hour) * minutes / 60
    };
    Decimal::new(total, 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::market::{default_symbols, markets_of};

    #[test]
    fn rates_are_bounded_deterministic_and_move() {
        let off = EpisodeParams::off();
        let (e, l) = markets_of(&default_symbols()[0], 1);
        let a = period_rate(7, &off, &e, 100);
        assert_eq!(a, period_rate(7, &off, &e, 100));
        let distinct: std::collections::BTreeSet<Decimal> =
            (0..48).map(|p| period_rate(7, &off, &l, p)).collect();
        assert!(distinct.len() > 10);
        for p in 0..200 {
            assert!(period_rate(7, &off, &l, p).abs() < Decimal::new(1, 3));
            assert!(period_rate(7, &off, &e, p).abs() < Decimal::new(4, 3));
        }
    }

    #[test]
    fn decay_is_exponential_in_integers() {
        let cases: [(i64, i64, i128); 6] = [
            (0, 4, E18),
            (4, 4, E18 / 2),
            (8, 4, E18 / 4),
            (2, 4, 707_106_781_186_547_524), // 2^-0.5
            (1, 3, 793_700_525_984_099_737), // 2^-1/3
            (7, 2, 88_388_347_648_318_440),  // 2^-3.5
        ];
        for (dt, hl, want) in cases {
            let got = decay_e18(dt, hl);
            assert!(
                (got - want).abs() < 1_000,
                "2^-({dt}/{hl}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn an_episode_halves_every_half_life_and_ends() {
        let e = Episode {
            venue: VenueKind::Lighter,
            start_hour: 100,
            size_e8: -20_000,
            apr_pct: 175,
            half_life_hours: 3,
        };
        assert_eq!(e.value_e8(99), 0);
        assert_eq!(e.value_e8(100), -20_000);
        assert_eq!(e.value_e8(103), -10_000);
        assert_eq!(e.value_e8(106), -5_000);
        assert_eq!(e.value_e8(100 + 3 * LIFETIME_HALF_LIVES), 0);
    }

    #[test]
    fn period_rate_is_the_sum_of_its_hours() {
        let p = EpisodeParams::default();
        let (e, _) = markets_of(&default_symbols()[1], 1);
        assert_eq!(e.funding_interval_min, 240);
        for period in 1000..1010 {
            let hours: i64 = (period * 4..period * 4 + 4)
                .map(|h| hourly_e8(9, &p, VenueKind::Edgex, &e.symbol, h))
                .sum();
            assert_eq!(period_rate(9, &p, &e, period), Decimal::new(hours, 8));
        }
    }
}
