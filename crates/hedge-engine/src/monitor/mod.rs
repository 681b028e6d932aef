//! The liquidation monitor's decisions (behavior-spec 5.5, issue 17), as pure logic.
//!
//! No I/O, no async, no clock: every function takes `now` and the figures it needs, and
//! returns typed results and the next state. The `liq-monitor` binary reads both venues,
//! fills the plain input structs below, calls these functions and acts on what they return
//! (through the engine's close/reduce), so the same decisions run live, in paper mode and in
//! tests.
//!
//! - [`runway`]: per venue and position, the adverse move (percent and price) that takes the
//!   venue to its maintenance requirement, cross-checked against the venue's own liquidation
//!   price; the venue's margin usage.
//! - [`ladder`]: per venue OK / WARN / REDUCE / FLATTEN with hysteresis, a minimum dwell, the
//!   two-readings rule for drastic actions, crossing-only alerts, and the REDUCE quantity.
//! - [`integrity`]: is every symbol hedged across the two venues; a grace before a broken
//!   hedge counts, suppressed while a two-leg operation runs; venue liquidation / ADL of one
//!   leg detected from an unexplained shrink.
//! - [`reads`]: the read-failure policy (a failed read is never flat).
//! - [`check`]: one whole check composing the above in order: health (for `--once`), alerts,
//!   and the trades to send, at most one per symbol, most urgent first.
//!
//! Contract for callers: a figure the venue did not give is `None`, never zero; a read that
//! failed is passed as a failure, never as an empty position list. States returned by these
//! functions are to be stored and passed back on the next check.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use venue_api::{Balance, Position};

use crate::grid::{ceil_to_step, floor_to_step, GridError};

pub mod check;
pub mod integrity;
pub mod ladder;
pub mod reads;
pub mod runway;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

/// One open position on one venue, as the monitor reads it. Filled by the binary from the
/// venue's position and market data; a figure the venue does not give is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionFigures {
    /// Base asset, upper case (the key that pairs the two venues' legs).
    pub symbol: String,
    /// Signed size in base units: positive long, negative short. Zero means no position.
    pub size: Decimal,
    /// Average entry price, where known.
    pub entry_price: Option<Decimal>,
    /// Mark price. Missing, zero or negative makes this position's runway unknown (the
    /// monitor holds, it never acts on a made-up number).
    pub mark_price: Option<Decimal>,
    /// The venue's own liquidation price, where given (EdgeX `liquidatePrice`, Lighter
    /// `liquidation_price`). Zero or negative is read as "not given".
    pub liquidation_price: Option<Decimal>,
    /// The market's maintenance margin fraction (0.005 = 0.5 %), where known (Lighter
    /// `maintenance_margin_fraction`; EdgeX `starkExRiskRate` / 2^32).
    pub maintenance_fraction: Option<Decimal>,
    /// Accrued funding not yet settled into the venue's equity, quote currency: positive to be
    /// received, negative owed. Only an owed amount is counted (it lowers equity); funding to
    /// be received is not collateral until it settles.
    pub unsettled_funding: Option<Decimal>,
    /// Unrealised PnL as the venue reports it; when `None` it is computed from entry and mark.
    pub unrealized_pnl: Option<Decimal>,
}

/// One venue's account as the monitor reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueFigures {
    /// Venue id (as in the config and the engine).
    pub venue: String,
    /// Total equity, quote currency, including unrealised PnL (EdgeX `totalEquity`, Lighter
    /// account value).
    pub equity: Decimal,
    /// The venue's maintenance requirement for the whole account, where it gives one (EdgeX
    /// `starkExRiskValue`). When `None` it is computed from the positions' fractions.
    pub maintenance_requirement: Option<Decimal>,
    /// The venue's own margin usage as a fraction (0..1), where it gives one (Lighter
    /// `user_stats.margin_usage`, which the venue sends as a percent: divide by 100). Shown
    /// beside maintenance / equity; the ladder reads it only with
    /// [`runway::UsagePreference::Venue`].
    pub margin_usage: Option<Decimal>,
    /// Open positions (all symbols). A flat account has an empty list; a failed read is not
    /// passed here at all (see [`reads`]).
    pub positions: Vec<PositionFigures>,
}

impl VenueFigures {
    /// The figures from the venue's balance and position reads (`venue_api` types). Funding
    /// accrued but not settled is not in those reads: set `unsettled_funding` on the
    /// positions afterwards where the venue gives it. Zero-size positions are dropped.
    pub fn from_reads(venue: &str, balance: &Balance, positions: &[Position]) -> Self {
        Self {
            venue: venue.to_owned(),
            equity: balance.equity,
            maintenance_requirement: balance.maintenance_margin,
            margin_usage: balance.margin_usage,
            positions: positions
                .iter()
                .filter(|p| !p.size.is_zero())
                .map(|p| PositionFigures {
                    symbol: p.symbol.clone(),
                    size: p.size,
                    entry_price: p.entry_price,
                    mark_price: p.mark_price,
                    liquidation_price: p.liquidation_price,
                    maintenance_fraction: p.maintenance_margin_fraction,
                    unsettled_funding: None,
                    unrealized_pnl: p.unrealized_pnl,
                })
                .collect(),
        }
    }
}

/// Direction of an open leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LegSide {
    /// Positive size: loses when the price falls.
    Long,
    /// Negative size: loses when the price rises.
    Short,
}

impl LegSide {
    /// The side of a signed size; `None` for zero.
    pub fn of(size: Decimal) -> Option<Self> {
        if size > Decimal::ZERO {
            Some(LegSide::Long)
        } else if size < Decimal::ZERO {
            Some(LegSide::Short)
        } else {
            None
        }
    }
}

/// Which of the two venues of the hedge. The monitor watches one pair of venues; `A` and `B`
/// are the order the binary passes them in (the engine's first and second venue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VenueSlot {
    /// The first venue.
    A,
    /// The second venue.
    B,
}

impl VenueSlot {
    /// The other venue.
    pub fn other(self) -> Self {
        match self {
            VenueSlot::A => VenueSlot::B,
            VenueSlot::B => VenueSlot::A,
        }
    }
}

/// A monitor setting that cannot work, named with its value (the binary's option name where
/// one exists, e.g. `--margin-threshold`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {option} = {value}: {rule}")]
pub struct MonitorConfigError {
    /// The option or setting name.
    pub option: &'static str,
    /// Its value as given.
    pub value: String,
    /// The rule it breaks.
    pub rule: &'static str,
}

impl MonitorConfigError {
    pub(crate) fn new(option: &'static str, value: impl ToString, rule: &'static str) -> Self {
        Self {
            option,
            value: value.to_string(),
            rule,
        }
    }
}

/// The multiple of `step` nearest to `value` (ties down, so a reduce never overshoots).
pub(crate) fn nearest_step(value: Decimal, step: Decimal) -> Result<Decimal, GridError> {
    let lo = floor_to_step(value, step)?;
    let hi = ceil_to_step(value, step)?;
    Ok(if hi - value < value - lo { hi } else { lo })
}
