//! Markets: the default symbol list with per-venue grids, and each venue's market facts.
//!
//! EdgeX-style markets have a decimal tick/step per contract and a 240-minute funding
//! interval; Lighter-style markets have price/size decimals and hourly funding. Both venues
//! list the same symbols so that a delta-neutral pair exists for each.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which venue's rules a market or account follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VenueKind {
    /// EdgeX (contract ids, 4 h funding).
    Edgex,
    /// Lighter (market indices, 1 h funding).
    Lighter,
}

impl VenueKind {
    /// Both venues.
    pub const ALL: [VenueKind; 2] = [VenueKind::Edgex, VenueKind::Lighter];

    /// Lower-case name (`edgex`, `lighter`).
    pub fn name(self) -> &'static str {
        match self {
            VenueKind::Edgex => "edgex",
            VenueKind::Lighter => "lighter",
        }
    }
}

impl fmt::Display for VenueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One market of one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSpec {
    /// Venue.
    pub venue: VenueKind,
    /// Base symbol (`BTC`).
    pub symbol: String,
    /// Venue market id: EdgeX contract id (`10000001`) or Lighter market index (`1`).
    pub market_id: String,
    /// Price grid.
    pub tick: Decimal,
    /// Size grid.
    pub step: Decimal,
    /// Smallest order size.
    pub min_size: Decimal,
    /// Largest order size.
    pub max_size: Decimal,
    /// Smallest order notional (0 = none).
    pub min_quote: Decimal,
    /// Highest leverage.
    pub max_leverage: u32,
    /// Leverage of an account that never set one.
    pub default_leverage: u32,
    /// Taker fee (fraction).
    pub taker_fee: Decimal,
    /// Maker fee (fraction).
    pub maker_fee: Decimal,
    /// Funding interval in minutes.
    pub funding_interval_min: u32,
    /// EdgeX synthetic resolution exponent (amount = size * 10^exp); unused on Lighter.
    pub resolution_exp: u32,
    /// What the venue lets accounts do (a state file without it: active).
    #[serde(default)]
    pub trading: Trading,
}

/// A market's trading flag as the venues publish it (Lighter `orderBooks.status` and
/// `market_config.force_reduce_only`; EdgeX `enableTrade` / `enableOpenPosition`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trading {
    /// Open and close.
    #[default]
    Active,
    /// Only orders that reduce a position.
    ReduceOnly,
    /// No orders.
    Inactive,
}

impl MarketSpec {
    /// Lighter price decimals (= scale of the tick).
    pub fn price_decimals(&self) -> u32 {
        self.tick.normalize().scale()
    }

    /// Lighter size decimals (= scale of the step).
    pub fn size_decimals(&self) -> u32 {
        self.step.normalize().scale()
    }

    /// True when `value` is a positive multiple of `grid`.
    pub fn on_grid(value: Decimal, grid: Decimal) -> bool {
        grid > Decimal::ZERO && value > Decimal::ZERO && (value % grid).is_zero()
    }
}

/// A symbol listed on both venues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolSpec {
    /// Base symbol.
    pub symbol: String,
    /// Starting mid price.
    pub start_mid: Decimal,
    /// EdgeX tick.
    pub edgex_tick: Decimal,
    /// EdgeX step (= min size).
    pub edgex_step: Decimal,
    /// EdgeX max leverage.
    pub edgex_max_leverage: u32,
    /// Lighter price decimals.
    pub lighter_price_decimals: u32,
    /// Lighter size decimals.
    pub lighter_size_decimals: u32,
    /// Lighter minimum size.
    pub lighter_min_size: Decimal,
    /// Lighter max leverage.
    pub lighter_max_leverage: u32,
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or(Decimal::ONE)
}

/// The default listing: the seed's symbols and a few more, with realistic grids.
pub fn default_symbols() -> Vec<SymbolSpec> {
    // symbol, mid, edgex tick, edgex step, edgex lev, lighter pd, lighter sd, lighter min, lighter lev
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        u32,
        u32,
        u32,
        &'static str,
        u32,
    );
    let rows: [Row; 15] = [
        ("BTC", "95000", "0.1", "0.001", 100, 1, 5, "0.0002", 50),
        ("ETH", "3500", "0.01", "0.01", 100, 2, 4, "0.005", 50),
        ("SOL", "180", "0.01", "0.1", 50, 3, 3, "0.05", 25),
        ("BNB", "650", "0.01", "0.01", 50, 4, 2, "0.01", 10),
        ("PAXG", "2650", "0.01", "0.001", 20, 2, 4, "0.003", 10),
        ("DOGE", "0.38", "0.00001", "1", 50, 6, 0, "10", 10),
        ("XRP", "2.2", "0.0001", "1", 50, 6, 0, "20", 20),
        ("LINK", "22", "0.001", "0.1", 50, 5, 1, "1", 20),
        ("HYPE", "30", "0.001", "0.1", 20, 4, 2, "0.5", 20),
        ("ASTER", "1.1", "0.0001", "1", 20, 5, 1, "10", 10),
        ("XPL", "0.9", "0.0001", "1", 20, 5, 1, "20", 10),
        ("LTC", "105", "0.01", "0.1", 50, 4, 2, "0.2", 10),
        ("TRUMP", "12", "0.001", "0.1", 20, 4, 2, "1", 10),
        ("PUMP", "0.0055", "0.000001", "100", 10, 6, 0, "1000", 5),
        ("FARTCOIN", "1.2", "0.0001", "1", 20, 5, 1, "10", 10),
    ];
    rows.iter()
        .map(|r| SymbolSpec {
            symbol: r.0.to_string(),
            start_mid: d(r.1),
            edgex_tick: d(r.2),
            edgex_step: d(r.3),
            edgex_max_leverage: r.4,
            lighter_price_decimals: r.5,
            lighter_size_decimals: r.6,
            lighter_min_size: d(r.7),
            lighter_max_leverage: r.8,
        })
        .collect()
}

/// Symbols whose EdgeX contract settles funding hourly (the rest every 4 hours).
pub const HOURLY_ON_EDGEX: [&str; 2] = ["PUMP", "FARTCOIN"];

/// `10^-decimals`.
pub fn unit(decimals: u32) -> Decimal {
    Decimal::new(1, decimals)
}

/// The two venues' markets of a symbol; `index` is its position in the listing.
pub fn markets_of(spec: &SymbolSpec, index: usize) -> (MarketSpec, MarketSpec) {
    let step_scale = spec.edgex_step.normalize().scale();
    let edgex = MarketSpec {
        venue: VenueKind::Edgex,
        symbol: spec.symbol.clone(),
        market_id: (10_000_000 + index as u64).to_string(),
        tick: spec.edgex_tick,
        step: spec.edgex_step,
        min_size: spec.edgex_step,
        max_size: spec.edgex_step * Decimal::from(10_000_000u64),
        min_quote: Decimal::ZERO,
        max_leverage: spec.edgex_max_leverage,
        default_leverage: spec.edgex_max_leverage.min(20),
        taker_fee: Decimal::new(38, 5),
        maker_fee: Decimal::new(15, 5),
        // EdgeX publishes the interval per contract: mostly 4 h, hourly on a few listings.
        funding_interval_min: if HOURLY_ON_EDGEX.contains(&spec.symbol.as_str()) {
            60
        } else {
            240
        },
        resolution_exp: step_scale + 6,
        trading: Trading::Active,
    };
    let lighter = MarketSpec {
        venue: VenueKind::Lighter,
        symbol: spec.symbol.clone(),
        market_id: index.to_string(),
        tick: unit(spec.lighter_price_decimals),
        step: unit(spec.lighter_size_decimals),
        min_size: spec.lighter_min_size,
        max_size: unit(spec.lighter_size_decimals) * Decimal::from(100_000_000_000u64),
        min_quote: Decimal::from(10),
        max_leverage: spec.lighter_max_leverage,
        default_leverage: spec.lighter_max_leverage.min(10),
        taker_fee: Decimal::new(2, 4),
        maker_fee: Decimal::ZERO,
        funding_interval_min: 60,
        resolution_exp: 0,
        trading: Trading::Active,
    };
    (edgex, lighter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grids_are_consistent() {
        let symbols = default_symbols();
        assert!(symbols.len() >= 15);
        for (i, s) in symbols.iter().enumerate() {
            let (e, l) = markets_of(s, i);
            assert!(MarketSpec::on_grid(s.start_mid, e.tick), "{}", s.symbol);
            assert!(MarketSpec::on_grid(s.start_mid, l.tick), "{}", s.symbol);
            assert!(MarketSpec::on_grid(l.min_size, l.step), "{}", s.symbol);
            assert_eq!(l.price_decimals(), s.lighter_price_decimals);
            let want = if HOURLY_ON_EDGEX.contains(&s.symbol.as_str()) {
                60
            } else {
                240
            };
            assert_eq!(e.funding_interval_min, want, "{}", s.symbol);
            assert_eq!(l.funding_interval_min, 60);
        }
    }
}
