//! The one place where the quoting maths leaves `Decimal`: natural logarithms, exponentials and
//! square roots, which `rust_decimal` (without its `maths` feature) does not provide.
//!
//! Each function converts its input to `f64` once, applies the libm function and converts the
//! result back rounded to [`FLOAT_SIG_DIGITS`] significant digits (what an `f64` holds), so for the magnitudes quoted here (spreads of a fraction of a price, volatilities
//! of 1e-6..1 per square-root second) the result is exact to far below one tick; the caller
//! then rounds prices onto the tick grid in `Decimal`. A non-finite result is an error, never
//! a silent 0.
#![allow(clippy::float_arithmetic)]

use super::QuoteError;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;

/// Significant digits kept from an `f64` result (an `f64` holds 15 exactly).
pub const FLOAT_SIG_DIGITS: u32 = 15;

fn to_f64(name: &'static str, x: Decimal) -> Result<f64, QuoteError> {
    x.to_f64().ok_or(QuoteError::Overflow(name))
}

fn from_f64(name: &'static str, y: f64) -> Result<Decimal, QuoteError> {
    if !y.is_finite() {
        return Err(QuoteError::Overflow(name));
    }
    Decimal::from_f64(y)
        .and_then(|d| d.round_sf(FLOAT_SIG_DIGITS))
        .ok_or(QuoteError::Overflow(name))
}

/// `ln(1 + x)` for `x > -1` (accurate for small `x`, as in `ln(1 + gamma/k)`).
pub fn ln_1p(name: &'static str, x: Decimal) -> Result<Decimal, QuoteError> {
    if x <= Decimal::NEGATIVE_ONE {
        return Err(QuoteError::OutOfRange {
            name,
            value: x,
            expected: "> -1 (argument of ln(1 + x))",
        });
    }
    from_f64(name, to_f64(name, x)?.ln_1p())
}

/// `ln(x)` for `x > 0`.
pub fn ln(name: &'static str, x: Decimal) -> Result<Decimal, QuoteError> {
    if x <= Decimal::ZERO {
        return Err(QuoteError::OutOfRange {
            name,
            value: x,
            expected: "> 0 (argument of ln)",
        });
    }
    from_f64(name, to_f64(name, x)?.ln())
}

/// `sqrt(x)` for `x >= 0`.
pub fn sqrt(name: &'static str, x: Decimal) -> Result<Decimal, QuoteError> {
    if x < Decimal::ZERO {
        return Err(QuoteError::OutOfRange {
            name,
            value: x,
            expected: ">= 0 (argument of sqrt)",
        });
    }
    from_f64(name, to_f64(name, x)?.sqrt())
}

/// `exp(x)`.
pub fn exp(name: &'static str, x: Decimal) -> Result<Decimal, QuoteError> {
    from_f64(name, to_f64(name, x)?.exp())
}
