//! Exact conversion between decimal prices/sizes and Lighter's integer wire units.
//!
//! `Price = price * 10^price_decimals` (u32, >= 1) and `BaseAmount = size * 10^size_decimals`
//! (1..=2^48-1). A value that is not a whole number of units is an error, never rounded.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::tx::MAX_48;

/// Why a decimal value has no exact wire representation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScalingError {
    /// Not a multiple of the grid step. Example: size 0.0015 with 3 size decimals.
    #[error("{what} {value} is not a multiple of {step}")]
    OffGrid {
        /// "price" or "size".
        what: &'static str,
        /// The value given.
        value: Decimal,
        /// The grid step 10^-decimals.
        step: Decimal,
    },
    /// Outside the wire range. Example: a price above 2^32-1 units, or zero.
    #[error("{what} {value} is out of range ({reason})")]
    OutOfRange {
        /// "price", "size" or "leverage".
        what: &'static str,
        /// The value given.
        value: Decimal,
        /// The allowed range.
        reason: &'static str,
    },
}

/// 10^-decimals.
pub fn step(decimals: u32) -> Decimal {
    Decimal::new(1, decimals.min(28))
}

fn scale(what: &'static str, value: Decimal, decimals: u32) -> Result<u64, ScalingError> {
    let factor = Decimal::from_i128_with_scale(10i128.pow(decimals.min(28)), 0);
    let scaled = value.checked_mul(factor).ok_or(ScalingError::OutOfRange {
        what,
        value,
        reason: "overflow",
    })?;
    if !scaled.fract().is_zero() {
        return Err(ScalingError::OffGrid {
            what,
            value,
            step: step(decimals),
        });
    }
    if scaled.is_sign_negative() && !scaled.is_zero() {
        return Err(ScalingError::OutOfRange {
            what,
            value,
            reason: "negative",
        });
    }
    scaled.trunc().to_u64().ok_or(ScalingError::OutOfRange {
        what,
        value,
        reason: "too large",
    })
}

/// `Price` units of a decimal price (1..=2^32-1).
pub fn price_to_wire(price: Decimal, price_decimals: u32) -> Result<u32, ScalingError> {
    let units = scale("price", price, price_decimals)?;
    if units == 0 {
        return Err(ScalingError::OutOfRange {
            what: "price",
            value: price,
            reason: "must be > 0",
        });
    }
    u32::try_from(units).map_err(|_| ScalingError::OutOfRange {
        what: "price",
        value: price,
        reason: "above 2^32-1 units",
    })
}

/// `BaseAmount` units of a decimal size (1..=2^48-1).
pub fn size_to_wire(size: Decimal, size_decimals: u32) -> Result<u64, ScalingError> {
    let units = scale("size", size, size_decimals)?;
    if units == 0 {
        return Err(ScalingError::OutOfRange {
            what: "size",
            value: size,
            reason: "must be > 0",
        });
    }
    if units > MAX_48 {
        return Err(ScalingError::OutOfRange {
            what: "size",
            value: size,
            reason: "above 2^48-1 units",
        });
    }
    Ok(units)
}

/// Decimal value of wire units.
pub fn from_wire(units: u64, decimals: u32) -> Decimal {
    Decimal::from_i128_with_scale(i128::from(units), decimals.min(28))
}

/// Initial margin fraction (1/10000) for a whole leverage: floor(10000 / leverage).
pub fn imf_from_leverage(leverage: u32) -> Result<u16, ScalingError> {
    if leverage == 0 || leverage > 10_000 {
        return Err(ScalingError::OutOfRange {
            what: "leverage",
            value: Decimal::from(leverage),
            reason: "must be in 1..=10000",
        });
    }
    // 10000 / leverage <= 10000 fits in u16
    Ok(u16::try_from(10_000 / leverage).unwrap_or(u16::MAX))
}

/// The leverage an account reads back from its initial margin fraction in percent (as the
/// account endpoint reports it). Setting a whole leverage L stores floor(10000 / L) in
/// 1/10000, so 3x reads back as 33.33 % and 100 / 33.33 = 3.0003...; when the fraction is
/// exactly what setting a whole leverage produces, that whole leverage is returned, so a
/// set-then-read-back check compares like with like. Otherwise the exact quotient.
pub fn leverage_from_imf_percent(imf_percent: Decimal) -> Option<Decimal> {
    if imf_percent <= Decimal::ZERO {
        return None;
    }
    let exact = Decimal::ONE_HUNDRED / imf_percent;
    let whole = rust_decimal::prelude::ToPrimitive::to_u32(&exact.round());
    if let Some(imf) = whole.and_then(|w| imf_from_leverage(w).ok()) {
        if Decimal::from(imf) == imf_percent * Decimal::ONE_HUNDRED {
            return whole.map(Decimal::from);
        }
    }
    Some(exact)
}

/// Highest leverage allowed by a minimum initial margin fraction (1/10000): 10000 / imf.
pub fn max_leverage_from_imf(min_imf: u32) -> Option<Decimal> {
    (min_imf > 0).then(|| Decimal::from(10_000u32) / Decimal::from(min_imf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_leverage_survives_the_margin_fraction_round_trip() {
        for l in [1u32, 2, 3, 5, 7, 10, 20, 25, 33, 50] {
            let imf = imf_from_leverage(l).unwrap();
            let percent = Decimal::from(imf) / Decimal::ONE_HUNDRED;
            assert_eq!(
                leverage_from_imf_percent(percent),
                Some(Decimal::from(l)),
                "{l}x -> {percent}%"
            );
        }
        // A fraction no whole leverage produces reads back exactly.
        assert_eq!(
            leverage_from_imf_percent(Decimal::new(3000, 2)),
            Some(Decimal::ONE_HUNDRED / Decimal::from(30))
        );
        assert_eq!(leverage_from_imf_percent(Decimal::ZERO), None);
    }
    use rust_decimal_macros::dec;

    #[test]
    fn exact_scaling_table() {
        assert_eq!(price_to_wire(dec!(3889.111691), 6), Ok(3_889_111_691));
        assert_eq!(price_to_wire(dec!(0.1), 1), Ok(1));
        assert_eq!(price_to_wire(dec!(2500.50), 2), Ok(250_050));
        assert_eq!(size_to_wire(dec!(0.001), 3), Ok(1));
        assert_eq!(size_to_wire(dec!(1.5000), 4), Ok(15_000));
        assert_eq!(from_wire(250_050, 2), dec!(2500.50));
    }

    #[test]
    fn off_grid_and_out_of_range_are_errors() {
        assert!(matches!(
            size_to_wire(dec!(0.0015), 3),
            Err(ScalingError::OffGrid { .. })
        ));
        assert!(matches!(
            price_to_wire(dec!(100.005), 2),
            Err(ScalingError::OffGrid { .. })
        ));
        assert!(matches!(
            price_to_wire(dec!(0), 2),
            Err(ScalingError::OutOfRange { .. })
        ));
        assert!(matches!(
            price_to_wire(dec!(-1), 2),
            Err(ScalingError::OutOfRange { .. })
        ));
        assert!(matches!(
            price_to_wire(dec!(42949672.96), 2),
            Err(ScalingError::OutOfRange { .. })
        ));
        assert_eq!(price_to_wire(dec!(42949672.95), 2), Ok(u32::MAX));
        assert!(matches!(
            size_to_wire(dec!(281474976710.656), 3),
            Err(ScalingError::OutOfRange { .. })
        ));
        let e = size_to_wire(dec!(0.0015), 3).unwrap_err().to_string();
        assert!(e.contains("0.0015") && e.contains("0.001"), "{e}");
    }

    #[test]
    fn leverage_to_imf() {
        assert_eq!(imf_from_leverage(5), Ok(2000));
        assert_eq!(imf_from_leverage(13), Ok(769));
        assert_eq!(imf_from_leverage(20), Ok(500));
        assert_eq!(imf_from_leverage(1), Ok(10_000));
        assert!(imf_from_leverage(0).is_err());
        assert_eq!(max_leverage_from_imf(500), Some(dec!(20)));
        assert_eq!(max_leverage_from_imf(0), None);
    }
}
