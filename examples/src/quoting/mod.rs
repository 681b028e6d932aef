//! The quoting maths both market makers share: pure functions of `Decimal` inputs, no I/O.
//!
//! - [`avellaneda`]: Avellaneda & Stoikov (2008) reservation price and spread, with the seed
//!   Lighter maker's extensions (microprice tilt, adverse-selection costs, maker fee,
//!   re-centring, minimum spread) and a directional `bias` input.
//! - [`grid`]: putting a raw quote on the market's tick grid without ever crossing the book.
//! - [`sizing`]: the clip size from the capital, scaled down as margin usage rises, and the
//!   inventory bound per side.
//! - [`volatility`]: an EWMA estimator of the mid's volatility from timed samples;
//!   [`recorded`]: the same from `record-market`'s book files (a prior for a new run).
//!
//! Contract for callers: every price and size that leaves this module lies exactly on the
//! market's grid (prices on the tick, sizes on the step, rounded in the direction that never
//! takes more risk than asked: bids down, asks up, sizes down). Natural logarithms and square
//! roots are the only operations done in `f64`; each goes through [`float`] and is rounded
//! back to `Decimal` there, so the rest of the maths is exact decimal arithmetic.
//!
//! The formulas, their units and references are written out in `examples/edgex-market-maker.md`
//! ("The maths").

pub mod avellaneda;
pub mod float;
pub mod grid;
pub mod recorded;
pub mod sizing;
pub mod volatility;

#[cfg(test)]
mod tests;

pub use avellaneda::{microprice_offset, quote, AsParams, QuoteInputs, RawQuote};
pub use grid::{ceil_to, floor_to, on_grid, GridQuote, MarketGrid};
pub use sizing::{clip_size, side_sizes, sticky_clip, Clip, SideOrder, SideSizes, SizingParams};
pub use volatility::EwmaVolatility;

use rust_decimal::Decimal;

/// Why a quote or a size could not be computed. Each names the bad input and its value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuoteError {
    /// An input lies outside its allowed range.
    /// Example: `gamma` = 0 (the spread formula divides by it).
    #[error("{name} = {value} is out of range: {expected}")]
    OutOfRange {
        /// The input's name as the config spells it.
        name: &'static str,
        /// Its value.
        value: Decimal,
        /// What was expected ("> 0", "in [-1, 1]").
        expected: &'static str,
    },
    /// An intermediate result does not fit a `Decimal` (absurd inputs).
    /// Example: gamma = 1e20 with sigma = 1e10.
    #[error("overflow computing {0}")]
    Overflow(&'static str),
}

/// `Err(OutOfRange)` unless `value > 0`.
pub(crate) fn positive(name: &'static str, value: Decimal) -> Result<Decimal, QuoteError> {
    if value > Decimal::ZERO {
        Ok(value)
    } else {
        Err(QuoteError::OutOfRange {
            name,
            value,
            expected: "> 0",
        })
    }
}

/// `Err(OutOfRange)` unless `value >= 0`.
pub(crate) fn non_negative(name: &'static str, value: Decimal) -> Result<Decimal, QuoteError> {
    if value >= Decimal::ZERO {
        Ok(value)
    } else {
        Err(QuoteError::OutOfRange {
            name,
            value,
            expected: ">= 0",
        })
    }
}

/// `a * b`, or `Overflow(what)`.
pub(crate) fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, QuoteError> {
    a.checked_mul(b).ok_or(QuoteError::Overflow(what))
}

/// `a / b`, or `Overflow(what)` (also for a zero divisor).
pub(crate) fn div(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, QuoteError> {
    a.checked_div(b).ok_or(QuoteError::Overflow(what))
}

/// `a + b`, or `Overflow(what)`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal, QuoteError> {
    a.checked_add(b).ok_or(QuoteError::Overflow(what))
}
