//! The REDUCE quantity: both legs of one symbol reduced by the same quantity, so the hedge
//! stays neutral while the losing venue gets margin back (findings 6.2 item 3).
//!
//! The quantity is the larger of what each target needs, on the venue at REDUCE:
//! - **usage**: the venue's margin usage `u` back to `reduce_target_usage` `t`. The share `s`
//!   of the venue's requirement this symbol carries scales with its size, so
//!   `r = |q| (u - t) / (u s)` (for the maintenance-based usage this is exactly
//!   `(MM - t E) / (m p)`).
//! - **runway**: the symbol's runway `x` back to the REDUCE exit bound
//!   `X = reduce_runway_pct + runway_hysteresis_pct`. Reducing by `r` frees `m r p` of
//!   requirement and shrinks the exposure, so `r = |q| (1 -/+ m) (X - x) / (m + X (1 -/+ m))`
//!   (long `-`, short `+`; equity unchanged apart from fees).
//!
//! The result is rounded UP to the common grid of the two venues' steps (for steps that are
//! powers of ten, the coarser step) and never exceeds the smaller leg: a quantity that would
//! reach it closes the hedge instead (`closes_hedge`), since a reduce of both legs by the
//! smaller leg's size would leave the larger one naked.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::LadderSettings;
use crate::grid::{ceil_to_step, common_step, GridError};
use crate::monitor::runway::{Runway, VenueRunway};
use crate::monitor::LegSide;

/// The other venue's leg of the symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReduceLeg {
    /// Its signed size.
    pub size: Decimal,
    /// Its venue's size step for the symbol.
    pub step: Decimal,
}

/// How much to reduce both legs by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReducePlan {
    /// Base asset.
    pub symbol: String,
    /// Reduce each leg by this (base units, > 0 unless nothing is needed).
    pub quantity: Decimal,
    /// Before rounding and capping.
    pub raw_quantity: Decimal,
    /// What the usage target alone needs, where computable.
    pub for_usage: Option<Decimal>,
    /// What the runway target alone needs, where computable.
    pub for_runway: Option<Decimal>,
    /// The quantity reaches the smaller leg: close both legs rather than reduce.
    pub closes_hedge: bool,
}

/// Why no quantity can be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReduceError {
    /// The symbol has no open position on that venue. Example: a REDUCE on a venue whose
    /// only position was closed meanwhile.
    #[error("no open {symbol} position on {venue}")]
    NotOpen {
        /// Venue id.
        venue: String,
        /// Base asset.
        symbol: String,
    },
    /// Neither the usage nor the runway target can be computed (unknown figures).
    #[error("reduce quantity for {symbol} on {venue} unknown: neither margin usage with the symbol's share nor its runway is known")]
    Unknown {
        /// Venue id.
        venue: String,
        /// Base asset.
        symbol: String,
    },
    /// The other leg is flat or on the same side: not a hedge to reduce symmetrically.
    #[error("{symbol}: other leg size {other_size} does not hedge {size}")]
    NotHedged {
        /// Base asset.
        symbol: String,
        /// This venue's size.
        size: Decimal,
        /// The other venue's size.
        other_size: Decimal,
    },
    /// A step is not usable.
    #[error("{symbol}: {source}")]
    Grid {
        /// Base asset.
        symbol: String,
        /// The grid error.
        source: GridError,
    },
}

/// Half of the last digit of a rounded runway move (`move_pct` has 4 decimals).
const MOVE_PCT_HALF_UNIT: Decimal = Decimal::from_parts(5, 0, 0, false, 5);

/// The REDUCE quantity for `symbol` on the venue of `venue` (module docs).
pub fn reduce_quantity(
    s: &LadderSettings,
    venue: &VenueRunway,
    symbol: &str,
    this_step: Decimal,
    other: &ReduceLeg,
) -> Result<ReducePlan, ReduceError> {
    let pos = venue.position(symbol).ok_or_else(|| ReduceError::NotOpen {
        venue: venue.venue.clone(),
        symbol: symbol.to_owned(),
    })?;
    if other.size.is_zero() || other.size.is_sign_positive() == pos.size.is_sign_positive() {
        return Err(ReduceError::NotHedged {
            symbol: symbol.to_owned(),
            size: pos.size,
            other_size: other.size,
        });
    }
    let q = pos.size.abs();
    let for_usage = match (&venue.margin_usage, pos.maintenance_share) {
        (Some(u), _) if u.fraction <= s.reduce_target_usage => Some(Decimal::ZERO),
        (Some(u), Some(share)) if share > Decimal::ZERO => {
            Some(q * (u.fraction - s.reduce_target_usage) / (u.fraction * share))
        }
        _ => None,
    };
    let for_runway = match (&pos.runway, pos.effective_move_pct()) {
        (Runway::Known { fraction, .. }, Some(x_pct)) => {
            let hundred = Decimal::ONE_HUNDRED;
            // The move is shown rounded to 4 decimals (in %): take the smallest value that
            // rounds to it, so that the quantity is never short of the true requirement.
            let x = (x_pct - MOVE_PCT_HALF_UNIT) / hundred;
            let target = (s.reduce_runway_pct + s.runway_hysteresis_pct) / hundred;
            let k = match pos.side {
                LegSide::Long => Decimal::ONE - fraction,
                LegSide::Short => Decimal::ONE + fraction,
            };
            Some(if x >= target {
                Decimal::ZERO
            } else {
                q * k * (target - x) / (fraction + target * k)
            })
        }
        _ => None,
    };
    let raw_quantity = match (for_usage, for_runway) {
        (None, None) => {
            return Err(ReduceError::Unknown {
                venue: venue.venue.clone(),
                symbol: symbol.to_owned(),
            })
        }
        (a, b) => a.unwrap_or(Decimal::ZERO).max(b.unwrap_or(Decimal::ZERO)),
    };
    let grid_err = |source| ReduceError::Grid {
        symbol: symbol.to_owned(),
        source,
    };
    let step = common_step(this_step, other.step).map_err(grid_err)?;
    let rounded = ceil_to_step(raw_quantity, step).map_err(grid_err)?;
    let cap = q.min(other.size.abs());
    let closes_hedge = rounded >= cap;
    Ok(ReducePlan {
        symbol: symbol.to_owned(),
        quantity: if closes_hedge { cap } else { rounded },
        raw_quantity,
        for_usage,
        for_runway,
        closes_hedge,
    })
}
