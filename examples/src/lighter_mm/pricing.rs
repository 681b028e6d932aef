//! One cycle's quotes: from the book, the account, the parameter file and the SuperTrend bias
//! to the two orders the order manager should rest (pure; the maths is the shared
//! [`crate::quoting`] core).
//!
//! - Clip (EX24, fixed): `available x capital_usage x leverage x f(margin usage) / mid`,
//!   rounded down to the step, at least the market minimum ([`crate::quoting::clip_size`]);
//!   margin usage = `(equity - available) / equity`, computed here (the venue's own figure is a
//!   percent on one path and a fraction on the other).
//! - Inventory q = position / clip (EX25), the unit of the reservation skew.
//! - With a parameter file: the core's Avellaneda-Stoikov quote with `gamma`, `T = tau`,
//!   `sigma = latest_volatility`, `k = mean(k_bid, k_ask) x 10000 / mid` (the file's k is per
//!   basis point; the seed multiplied by mid/10000 instead, EX-W19), `beta_alpha`,
//!   `c_AS_bid`/`c_AS_ask`, `maker_fee = maker_fee_bps / 10000`, `min_spread`.
//! - Without one: `require_params` -> no quotes (EX23); else the static spread
//!   `mid x (1 -/+ static_spread)`.
//! - Bias (both paths): the reservation price (and so both quotes) moves by
//!   `bias x mid x bias_bps / 10000`, with `bias = trend x bias_strength` from the SuperTrend:
//!   up-trend -> quotes move up (the bid nears the market, the ask moves away), down-trend ->
//!   the opposite.
//! - Sides: the bid never lets a fill take the position above `+max_inventory`, the ask never
//!   below `-max_inventory` ([`crate::quoting::side_sizes`]). Fills not yet in the position read
//!   are accounted for pessimistically per side: the bid's room uses the highest position the
//!   maker may hold, the ask's the lowest.

use super::config::LmmConfig;
use super::params::SpreadParams;
use crate::quoting::{
    clip_size, floor_to, microprice_offset, quote, side_sizes, AsParams, Clip, GridQuote,
    MarketGrid, QuoteError, QuoteInputs, RawQuote, SizingParams,
};
use rust_decimal::Decimal;
use venue_api::TopOfBook;

pub use crate::mm::{Target, Targets};

const BP: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// What the account looks like to this cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountView {
    /// Available balance (USD).
    pub available: Decimal,
    /// Total equity (USD).
    pub equity: Decimal,
    /// The lowest position (base units, signed) the maker may hold now.
    pub position_low: Decimal,
    /// The highest.
    pub position_high: Decimal,
}

/// Where the quote prices came from.
#[derive(Debug, Clone, PartialEq)]
pub enum PriceSource {
    /// The parameter file through the Avellaneda-Stoikov core.
    Model,
    /// The static fallback spread.
    Static,
    /// Nothing quoted (the reason).
    Withheld(String),
}

/// One cycle's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The mid of the book.
    pub mid: Decimal,
    /// The clip and how it was reached.
    pub clip: Clip,
    /// Position / clip (0 when no clip).
    pub inventory: Decimal,
    /// The inventory bound in base units.
    pub max_inventory: Decimal,
    /// The reservation shift from the bias (USD).
    pub lean: Decimal,
    /// Where the prices came from.
    pub source: PriceSource,
    /// The unrounded quote, when one was computed.
    pub raw: Option<RawQuote>,
    /// The orders to rest.
    pub targets: Targets,
}

/// The core's model for a parameter file at `mid` (see the module doc for the units).
pub fn model_params(
    p: &SpreadParams,
    cfg: &LmmConfig,
    mid: Decimal,
    bias_scale: Decimal,
) -> Result<AsParams, QuoteError> {
    let k_bp = (p.k_bid + p.k_ask) / Decimal::TWO;
    let k = k_bp
        .checked_mul(BP)
        .and_then(|x| x.checked_div(mid))
        .ok_or(QuoteError::Overflow("k per USD"))?;
    Ok(AsParams {
        gamma: p.gamma,
        k,
        horizon: p.tau,
        beta_alpha: p.beta_alpha,
        c_as_bid: p.c_as_bid,
        c_as_ask: p.c_as_ask,
        maker_fee: p.maker_fee_bps / BP,
        min_spread: cfg.min_spread,
        bias_scale,
    })
}

/// The sizing knobs of the config.
pub fn sizing(cfg: &LmmConfig) -> SizingParams {
    SizingParams {
        capital_usage: cfg.capital_usage,
        leverage: cfg.leverage,
        usage_start: cfg.usage_start,
        usage_stop: cfg.usage_stop,
    }
}

/// The inventory bound at `mid`: `max_inventory`, else `max_inventory_usd / mid` rounded down
/// to the step.
pub fn max_inventory(cfg: &LmmConfig, mid: Decimal, grid: &MarketGrid) -> Decimal {
    cfg.max_inventory.unwrap_or_else(|| {
        if mid.is_zero() {
            Decimal::ZERO
        } else {
            floor_to(cfg.max_inventory_usd / mid, grid.step)
        }
    })
}

/// The quotes of one cycle. `params` is the parameter file's content, or why there is none.
pub fn plan(
    cfg: &LmmConfig,
    grid: &MarketGrid,
    top: &TopOfBook,
    account: &AccountView,
    bias: Decimal,
    params: Result<&SpreadParams, String>,
) -> Result<Plan, QuoteError> {
    let mid = top.mid().ok_or(QuoteError::OutOfRange {
        name: "book",
        value: Decimal::ZERO,
        expected: "both sides present",
    })?;
    let usage = if account.equity > Decimal::ZERO {
        ((account.equity - account.available) / account.equity).clamp(Decimal::ZERO, Decimal::ONE)
    } else {
        Decimal::ONE
    };
    let clip = clip_size(&sizing(cfg), account.available, usage, mid, grid)?;
    let max_inv = max_inventory(cfg, mid, grid);
    // the position is the one the latest read gave (low == high unless fills are pending)
    let position = (account.position_low + account.position_high) / Decimal::TWO;
    let inventory = if clip.size > Decimal::ZERO {
        position / clip.size
    } else {
        Decimal::ZERO
    };
    let bias_scale = mid * cfg.bias_bps / BP;
    let lean = bias * bias_scale;
    let mut out = Plan {
        mid,
        clip: clip.clone(),
        inventory,
        max_inventory: max_inv,
        lean,
        source: PriceSource::Static,
        raw: None,
        targets: Targets::default(),
    };
    if let Some(why) = clip.none_reason {
        out.source = PriceSource::Withheld(format!("no clip: {why}"));
        return Ok(out);
    }
    let raw = match params {
        Ok(p) => {
            out.source = PriceSource::Model;
            let model = model_params(p, cfg, mid, bias_scale)?;
            let inputs = QuoteInputs {
                mid,
                sigma: p.latest_volatility,
                inventory,
                microprice_offset: microprice_offset(top),
                bias,
            };
            quote(&model, &inputs)?
        }
        Err(why) if cfg.require_params => {
            out.source = PriceSource::Withheld(format!("require_params and {why}"));
            return Ok(out);
        }
        Err(_) => {
            let half = mid * cfg.static_spread;
            RawQuote {
                reservation: mid + lean,
                half_spread: half,
                bid: mid - half + lean,
                ask: mid + half + lean,
                recentred: false,
                widened: false,
            }
        }
    };
    let prices = GridQuote::place(&raw, grid.tick, top)?;
    let bid_side = side_sizes(clip.size, account.position_high, max_inv, grid)?.bid;
    let ask_side = side_sizes(clip.size, account.position_low, max_inv, grid)?.ask;
    let target = |price: Option<Decimal>, side: Option<crate::quoting::SideOrder>| {
        price.zip(side).map(|(price, s)| Target {
            price,
            size: s.size,
            reduce_only: s.reduce_only,
        })
    };
    out.targets = Targets {
        bid: target(prices.bid, bid_side),
        ask: target(prices.ask, ask_side),
    };
    out.raw = Some(raw);
    Ok(out)
}

#[cfg(test)]
#[path = "pricing_tests.rs"]
mod tests;
