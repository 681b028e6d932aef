//! Property tests of the exact price/size scaling: on-grid values round-trip, values between
//! grid points are refused (never rounded).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use rust_decimal::Decimal;
use venue_lighter::signing::scaling::{from_wire, price_to_wire, size_to_wire, ScalingError};

proptest! {
    #[test]
    fn on_grid_prices_round_trip(units in 1u32..=u32::MAX, decimals in 0u32..=8) {
        let price = from_wire(u64::from(units), decimals);
        prop_assert_eq!(price_to_wire(price, decimals), Ok(units));
        // the same value written with trailing zeros is the same price
        let padded = Decimal::from_i128_with_scale(i128::from(units) * 100, decimals + 2);
        prop_assert_eq!(price_to_wire(padded, decimals), Ok(units));
    }

    #[test]
    fn on_grid_sizes_round_trip(units in 1u64..(1u64 << 48), decimals in 0u32..=8) {
        prop_assert_eq!(size_to_wire(from_wire(units, decimals), decimals), Ok(units));
    }

    #[test]
    fn off_grid_values_are_refused(units in 1u64..(1u64 << 40), extra in 1i128..10, decimals in 0u32..=6) {
        // one more decimal digit than the grid allows, not a multiple of 10
        let v = Decimal::from_i128_with_scale(i128::from(units) * 10 + extra, decimals + 1);
        let is_off_grid = matches!(size_to_wire(v, decimals), Err(ScalingError::OffGrid { .. }));
        prop_assert!(is_off_grid);
    }
}
