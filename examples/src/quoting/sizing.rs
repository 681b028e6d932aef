//! How much to quote: one clip from the capital, scaled down as the account's margin usage
//! rises, rounded down to the step (examples-spec EX-W7: never above the budget); then per
//! side, never letting a fill take the position past the inventory bound.
//!
//! clip notional = available x capital_usage x leverage x f(usage), where f is 1 up to
//! `usage_start`, 0 from `usage_stop` on, and linear in between; clip = floor_step(notional /
//! price). A clip below the market minimum is raised to the minimum only when the account's
//! available balance covers its margin (min_size x price / leverage); otherwise no clip.

use super::{div, mul, non_negative, positive, MarketGrid, QuoteError};
use rust_decimal::Decimal;

/// The sizing knobs (from the config).
#[derive(Debug, Clone, PartialEq)]
pub struct SizingParams {
    /// Share of the available balance one clip may use as margin, in (0, 1].
    pub capital_usage: Decimal,
    /// Leverage applied to that margin (>= 1).
    pub leverage: Decimal,
    /// Margin usage (0..1) from which clips shrink linearly.
    pub usage_start: Decimal,
    /// Margin usage (0..1] at and above which no new clip is quoted (> `usage_start`).
    pub usage_stop: Decimal,
}

impl SizingParams {
    /// Checks every range; the error names the first bad knob.
    pub fn validate(&self) -> Result<(), QuoteError> {
        positive("capital_usage", self.capital_usage)?;
        if self.capital_usage > Decimal::ONE {
            return Err(QuoteError::OutOfRange {
                name: "capital_usage",
                value: self.capital_usage,
                expected: "in (0, 1]",
            });
        }
        if self.leverage < Decimal::ONE {
            return Err(QuoteError::OutOfRange {
                name: "leverage",
                value: self.leverage,
                expected: ">= 1",
            });
        }
        non_negative("usage_start", self.usage_start)?;
        if self.usage_stop <= self.usage_start || self.usage_stop > Decimal::ONE {
            return Err(QuoteError::OutOfRange {
                name: "usage_stop",
                value: self.usage_stop,
                expected: "above usage_start and at most 1",
            });
        }
        Ok(())
    }

    /// f(usage): 1 below `usage_start`, 0 from `usage_stop`, linear between.
    pub fn usage_factor(&self, usage: Decimal) -> Decimal {
        if usage <= self.usage_start {
            Decimal::ONE
        } else if usage >= self.usage_stop {
            Decimal::ZERO
        } else {
            (self.usage_stop - usage) / (self.usage_stop - self.usage_start)
        }
    }
}

/// One clip and how it was reached (for the log).
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// The size to quote per side before the inventory bound (0 = nothing to quote).
    pub size: Decimal,
    /// available x capital_usage x leverage x factor, in USD.
    pub notional: Decimal,
    /// f(margin usage).
    pub factor: Decimal,
    /// Why the clip is 0, when it is.
    pub none_reason: Option<&'static str>,
}

/// The clip for an account with `available` USD free and margin `usage` (0..1), at `price`.
pub fn clip_size(
    params: &SizingParams,
    available: Decimal,
    usage: Decimal,
    price: Decimal,
    grid: &MarketGrid,
) -> Result<Clip, QuoteError> {
    params.validate()?;
    let price = positive("price", price)?;
    let step = positive("step_size", grid.step)?;
    let available = available.max(Decimal::ZERO);
    let factor = params.usage_factor(usage);
    let budget = mul(available, params.capital_usage, "available x capital_usage")?;
    let notional = mul(
        mul(budget, params.leverage, "x leverage")?,
        factor,
        "x factor",
    )?;
    let raw = super::floor_to(div(notional, price, "notional / price")?, step);
    let none = |why| Clip {
        size: Decimal::ZERO,
        notional,
        factor,
        none_reason: Some(why),
    };
    if factor.is_zero() {
        return Ok(none("margin usage at or above usage_stop"));
    }
    if raw >= grid.min_size && raw > Decimal::ZERO {
        return Ok(Clip {
            size: raw,
            notional,
            factor,
            none_reason: None,
        });
    }
    let min = super::ceil_to(grid.min_size.max(step), step);
    let min_margin = div(
        mul(min, price, "min notional")?,
        params.leverage,
        "min margin",
    )?;
    if min_margin <= available {
        Ok(Clip {
            size: min,
            notional,
            factor,
            none_reason: None,
        })
    } else {
        Ok(none(
            "available balance below the margin of the minimum size",
        ))
    }
}

/// One side's order: its size and whether it only reduces the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideOrder {
    /// Size on the step grid, at least the market minimum.
    pub size: Decimal,
    /// True when the whole order reduces the position (sent reduce-only, so it can never
    /// flip the position whatever else fills first).
    pub reduce_only: bool,
}

/// Both sides' orders; `None` withholds a side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideSizes {
    /// The buy side.
    pub bid: Option<SideOrder>,
    /// The sell side.
    pub ask: Option<SideOrder>,
}

/// Applies the inventory bound to a clip: a filled bid never takes `position` above
/// `+max_inventory`, a filled ask never below `-max_inventory` (the side's size is reduced to
/// the room left, rounded down to the step, and withheld when that is below the minimum).
pub fn side_sizes(
    clip: Decimal,
    position: Decimal,
    max_inventory: Decimal,
    grid: &MarketGrid,
) -> Result<SideSizes, QuoteError> {
    let max_inventory = non_negative("max_inventory", max_inventory)?;
    let step = positive("step_size", grid.step)?;
    let one = |room: Decimal, reduces: Decimal| -> Option<SideOrder> {
        let size = super::floor_to(clip.min(room), step);
        (size > Decimal::ZERO && size >= grid.min_size).then_some(SideOrder {
            size,
            reduce_only: reduces > Decimal::ZERO && size <= reduces,
        })
    };
    Ok(SideSizes {
        bid: one(max_inventory - position, -position),
        ask: one(max_inventory + position, position),
    })
}

/// A clip that only changes when the new one moves more than `tolerance` (a fraction, e.g.
/// 0.1) away from `previous`: margin locked by our own resting orders, and small price moves,
/// would otherwise re-size (and so replace) the quotes every cycle. The inventory bound is
/// applied after it ([`side_sizes`]), so stickiness never loosens the bound; the budget may be
/// exceeded by at most `tolerance`.
pub fn sticky_clip(previous: Option<Decimal>, new: Decimal, tolerance: Decimal) -> Decimal {
    match previous {
        Some(p) if p > Decimal::ZERO && new > Decimal::ZERO => {
            let band = p * tolerance.max(Decimal::ZERO);
            if (new - p).abs() <= band {
                p
            } else {
                new
            }
        }
        _ => new,
    }
}
