//! How large a hedge the collateral on both venues allows (the `capacity` command, and the
//! bot's sizing, so that the two never disagree).
//!
//! usable = max(available, 0) x (1 - safety margin - fee buffer); capacity per venue =
//! usable x leverage / mid; the hedge's maximum is the smaller of the long and short venues'
//! capacities, floored onto the common grid of both size steps (never rounded up: W11).

use crate::grid::{self, GridError};
use crate::sizing::{minimum_hedge_size, LegMarket};
use rust_decimal::Decimal;
use serde::Serialize;

/// Haircuts applied to available collateral before sizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityParams {
    /// Kept free for price moves (seed: 1 %).
    pub safety_margin: Decimal,
    /// Kept free for fees (seed: 0.1 %).
    pub fee_buffer: Decimal,
}

impl Default for CapacityParams {
    fn default() -> Self {
        Self {
            safety_margin: Decimal::new(1, 2),
            fee_buffer: Decimal::new(1, 3),
        }
    }
}

/// A capacity computation that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// No usable price. Example: both books empty.
    #[error("mid price must be > 0, got {0}")]
    NonPositiveMid(Decimal),
    /// Leverage of zero or below.
    #[error("leverage must be > 0, got {0}")]
    NonPositiveLeverage(Decimal),
    /// The haircuts leave nothing. Example: safety margin 0.99 and fee buffer 0.02.
    #[error("safety margin + fee buffer must be in [0, 1), got {0}")]
    BadHaircut(Decimal),
    /// Grid arithmetic failed (bad step).
    #[error(transparent)]
    Grid(#[from] GridError),
}

/// Capacity of one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueCapacity {
    /// Available collateral as reported (quote currency).
    pub available: Decimal,
    /// After haircuts.
    pub usable: Decimal,
    /// Largest position in base units, unrounded.
    pub max_base: Decimal,
}

/// Capacity of the hedge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HedgeCapacity {
    /// The long venue's capacity.
    pub long: VenueCapacity,
    /// The short venue's capacity.
    pub short: VenueCapacity,
    /// The grid both legs share.
    pub common_step: Decimal,
    /// The largest identical size for both legs, on the common grid (base units).
    pub max_size: Decimal,
    /// `max_size x mid` in quote currency.
    pub max_quote: Decimal,
    /// The smallest size both venues accept, on the common grid.
    pub min_size: Decimal,
    /// True when `max_size` is below `min_size`: no hedge can be opened.
    pub below_minimum: bool,
}

/// usable x leverage / mid for one venue.
pub fn venue_capacity(
    available: Decimal,
    leverage: Decimal,
    mid: Decimal,
    params: &CapacityParams,
) -> Result<VenueCapacity, CapacityError> {
    if mid <= Decimal::ZERO {
        return Err(CapacityError::NonPositiveMid(mid));
    }
    if leverage <= Decimal::ZERO {
        return Err(CapacityError::NonPositiveLeverage(leverage));
    }
    let haircut = params.safety_margin + params.fee_buffer;
    if haircut < Decimal::ZERO || haircut >= Decimal::ONE {
        return Err(CapacityError::BadHaircut(haircut));
    }
    let usable = available.max(Decimal::ZERO) * (Decimal::ONE - haircut);
    Ok(VenueCapacity {
        available,
        usable,
        max_base: usable * leverage / mid,
    })
}

/// The largest hedge both venues can carry at `leverage` and `mid`.
pub fn hedge_capacity(
    long: LegMarket<'_>,
    long_available: Decimal,
    short: LegMarket<'_>,
    short_available: Decimal,
    leverage: Decimal,
    mid: Decimal,
    params: &CapacityParams,
) -> Result<HedgeCapacity, CapacityError> {
    let long_cap = venue_capacity(long_available, leverage, mid, params)?;
    let short_cap = venue_capacity(short_available, leverage, mid, params)?;
    let common_step = grid::common_step(long.market.step_size, short.market.step_size)?;
    let raw = long_cap.max_base.min(short_cap.max_base).max(Decimal::ZERO);
    let max_size = grid::floor_to_step(raw, common_step)?;
    let min_size = minimum_hedge_size(long, short, mid, common_step)?;
    Ok(HedgeCapacity {
        max_quote: max_size * mid,
        below_minimum: max_size < min_size || max_size.is_zero(),
        long: long_cap,
        short: short_cap,
        common_step,
        max_size,
        min_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sizing::tests::market;
    use rust_decimal_macros::dec;

    #[test]
    fn hand_computed_capacity() {
        // 1000 USD available on both, leverage 5, mid 40: usable 989, capacity 989 x 5 / 40
        // = 123.625 base on each; steps 0.01 and 0.1 -> common 0.1 -> 123.6.
        let a = market(dec!(0.01), dec!(0.01), dec!(0.01), None);
        let b = market(dec!(0.1), dec!(0.1), dec!(0.1), None);
        let c = hedge_capacity(
            LegMarket::new("a", &a),
            dec!(1000),
            LegMarket::new("b", &b),
            dec!(1000),
            dec!(5),
            dec!(40),
            &CapacityParams::default(),
        )
        .unwrap();
        assert_eq!(c.long.usable, dec!(989.000));
        assert_eq!(c.long.max_base, dec!(123.625));
        assert_eq!(c.common_step, dec!(0.1));
        assert_eq!(c.max_size, dec!(123.6));
        assert_eq!(c.max_quote, dec!(4944.0));
        assert!(!c.below_minimum);
    }

    #[test]
    fn smaller_venue_limits_and_negative_available_counts_as_zero() {
        let a = market(dec!(0.01), dec!(0.001), dec!(0.001), None);
        let c = hedge_capacity(
            LegMarket::new("a", &a),
            dec!(-50),
            LegMarket::new("b", &a),
            dec!(1000),
            dec!(3),
            dec!(100),
            &CapacityParams::default(),
        )
        .unwrap();
        assert_eq!(c.long.usable, Decimal::ZERO);
        assert_eq!(c.max_size, Decimal::ZERO);
        assert!(c.below_minimum);
    }

    #[test]
    fn seed_rounding_would_exceed_capacity_ours_does_not() {
        // raw = 989 x 1 / 100 = 9.89 base; steps 0.1 (A) and 1 (B): the seed's
        // max(round_half_up(9.89, 0.1), round_half_up(9.89, 1)) = 10 > 9.89. Ours: floor to 1 = 9.
        let a = market(dec!(0.01), dec!(0.1), dec!(0.1), None);
        let b = market(dec!(0.01), dec!(1), dec!(1), None);
        let c = hedge_capacity(
            LegMarket::new("a", &a),
            dec!(1000),
            LegMarket::new("b", &b),
            dec!(1000),
            dec!(1),
            dec!(100),
            &CapacityParams::default(),
        )
        .unwrap();
        assert_eq!(c.max_size, dec!(9));
    }

    proptest::proptest! {
        /// The maximum is on both grids and within both venues' capacities.
        #[test]
        fn max_size_is_on_both_grids_and_within_capacity(
            avail_long in 0u64..1_000_000,
            avail_short in 0u64..1_000_000,
            lev in 1u32..50,
            mid_cents in 1u64..10_000_000,
            step_a in proptest::sample::select(vec![dec!(1), dec!(0.1), dec!(0.01), dec!(0.001), dec!(0.02), dec!(0.05)]),
            step_b in proptest::sample::select(vec![dec!(1), dec!(0.1), dec!(0.01), dec!(0.0001), dec!(0.25)]),
        ) {
            let a = market(dec!(0.01), step_a, step_a, None);
            let b = market(dec!(0.01), step_b, step_b, None);
            let mid = Decimal::new(mid_cents as i64, 2);
            let c = hedge_capacity(
                LegMarket::new("a", &a), Decimal::from(avail_long),
                LegMarket::new("b", &b), Decimal::from(avail_short),
                Decimal::from(lev), mid, &CapacityParams::default(),
            ).unwrap();
            proptest::prop_assert!(crate::grid::is_on_grid(c.max_size, step_a));
            proptest::prop_assert!(crate::grid::is_on_grid(c.max_size, step_b));
            proptest::prop_assert!(c.max_size <= c.long.max_base && c.max_size <= c.short.max_base);
            proptest::prop_assert!(c.max_size >= Decimal::ZERO);
            // Floor, not round: one more step would exceed the smaller capacity.
            proptest::prop_assert!(c.max_size + c.common_step > c.long.max_base.min(c.short.max_base));
        }
    }

    #[test]
    fn bad_inputs() {
        let p = CapacityParams::default();
        assert_eq!(
            venue_capacity(dec!(1), dec!(1), dec!(0), &p),
            Err(CapacityError::NonPositiveMid(dec!(0)))
        );
        assert_eq!(
            venue_capacity(dec!(1), dec!(0), dec!(1), &p),
            Err(CapacityError::NonPositiveLeverage(dec!(0)))
        );
        let bad = CapacityParams {
            safety_margin: dec!(0.9),
            fee_buffer: dec!(0.1),
        };
        assert_eq!(
            venue_capacity(dec!(1), dec!(1), dec!(1), &bad),
            Err(CapacityError::BadHaircut(dec!(1.0)))
        );
    }
}
