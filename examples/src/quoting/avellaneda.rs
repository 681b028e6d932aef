//! Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", Quantitative
//! Finance 8(3), with the seed Lighter maker's extensions (examples-spec B.4 step 5).
//!
//! Units (the caller keeps them consistent; `examples/edgex-market-maker.md` discusses them):
//! - `mid` s and every price: quote currency (USD);
//! - `sigma`: volatility of the mid in USD per square-root second (relative volatility times
//!   the mid, see [`crate::quoting::volatility`]);
//! - `horizon` T: seconds; `gamma`: risk aversion per (USD x inventory unit); `k`: order
//!   arrival decay per USD of distance from the mid (lambda(delta) = A exp(-k delta));
//! - `inventory` q: the unit the caller chooses (both makers use the position divided by the
//!   clip size, as the seed, examples-spec EX25);
//! - `c_as_bid`, `c_as_ask`: adverse-selection cost per side in USD; `maker_fee`: a fraction
//!   of notional; `min_spread`: a fraction of the mid;
//! - `bias` b in [-1, 1] shifts the reservation price by `b * bias_scale` USD (positive: up,
//!   so the bid comes closer to the mid and the ask moves away: the maker leans long).
//!
//! With every extension at 0 this is exactly the paper's formulas:
//! r = s - q gamma sigma^2 T and spread delta = gamma sigma^2 T + (2/gamma) ln(1 + gamma/k),
//! bid = r - delta/2, ask = r + delta/2.

use super::{add, div, float, mul, non_negative, positive, QuoteError};
use rust_decimal::Decimal;
use venue_api::TopOfBook;

/// The model's parameters (from a config or a parameter file).
#[derive(Debug, Clone, PartialEq)]
pub struct AsParams {
    /// Risk aversion gamma (> 0).
    pub gamma: Decimal,
    /// Order-arrival decay k (> 0), per USD.
    pub k: Decimal,
    /// Horizon T in seconds (>= 0).
    pub horizon: Decimal,
    /// Weight of the microprice offset added to the reservation price (0 = off).
    pub beta_alpha: Decimal,
    /// Adverse-selection cost of the bid side in USD (>= 0).
    pub c_as_bid: Decimal,
    /// Adverse-selection cost of the ask side in USD (>= 0).
    pub c_as_ask: Decimal,
    /// Maker fee as a fraction of notional, added to each half spread (may be negative for
    /// a rebate).
    pub maker_fee: Decimal,
    /// Minimum distance ask - bid as a fraction of the mid (>= 0); the seed used 0.00005.
    pub min_spread: Decimal,
    /// USD the reservation price moves per unit of `bias` (>= 0; 0 = bias ignored).
    pub bias_scale: Decimal,
}

impl AsParams {
    /// The plain model: every extension off.
    pub fn plain(gamma: Decimal, k: Decimal, horizon: Decimal) -> Self {
        Self {
            gamma,
            k,
            horizon,
            beta_alpha: Decimal::ZERO,
            c_as_bid: Decimal::ZERO,
            c_as_ask: Decimal::ZERO,
            maker_fee: Decimal::ZERO,
            min_spread: Decimal::ZERO,
            bias_scale: Decimal::ZERO,
        }
    }

    /// Checks every range; the error names the first bad parameter.
    pub fn validate(&self) -> Result<(), QuoteError> {
        positive("gamma", self.gamma)?;
        positive("k", self.k)?;
        non_negative("horizon", self.horizon)?;
        non_negative("c_as_bid", self.c_as_bid)?;
        non_negative("c_as_ask", self.c_as_ask)?;
        non_negative("min_spread", self.min_spread)?;
        non_negative("bias_scale", self.bias_scale)?;
        if self.maker_fee <= Decimal::NEGATIVE_ONE || self.maker_fee >= Decimal::ONE {
            return Err(QuoteError::OutOfRange {
                name: "maker_fee",
                value: self.maker_fee,
                expected: "a fraction in (-1, 1)",
            });
        }
        Ok(())
    }

    /// The inventory-independent part of the half spread: (1/gamma) ln(1 + gamma/k), half
    /// of the paper's (2/gamma) ln(1 + gamma/k).
    pub fn arrival_half_spread(&self) -> Result<Decimal, QuoteError> {
        let ratio = div(
            positive("gamma", self.gamma)?,
            positive("k", self.k)?,
            "gamma/k",
        )?;
        let ln = float::ln_1p("ln(1 + gamma/k)", ratio)?;
        div(ln, self.gamma, "(1/gamma) ln(1 + gamma/k)")
    }
}

/// What the market and the account look like now.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteInputs {
    /// The mid s (> 0), from the book.
    pub mid: Decimal,
    /// Volatility in USD per square-root second (>= 0).
    pub sigma: Decimal,
    /// Inventory q (signed; unit chosen by the caller).
    pub inventory: Decimal,
    /// Microprice minus mid in USD ([`microprice_offset`]); 0 when unknown.
    pub microprice_offset: Decimal,
    /// Directional bias in [-1, 1] (0 = none).
    pub bias: Decimal,
}

/// A quote before it is put on the tick grid.
#[derive(Debug, Clone, PartialEq)]
pub struct RawQuote {
    /// Reservation price r.
    pub reservation: Decimal,
    /// Half spread h (before the per-side asymmetry and the minimum-spread widening).
    pub half_spread: Decimal,
    /// Bid price (exact, off grid).
    pub bid: Decimal,
    /// Ask price (exact, off grid).
    pub ask: Decimal,
    /// True when bid >= ask came out and both sides were re-centred on the mid.
    pub recentred: bool,
    /// True when both sides were widened to the minimum spread.
    pub widened: bool,
}

/// Microprice minus mid from the best level of each side:
/// (ask * bid_qty + bid * ask_qty) / (bid_qty + ask_qty) - (bid + ask)/2, and 0 when a side
/// is missing or both quantities are 0 (as the seed, examples-spec B.4 step 5).
pub fn microprice_offset(top: &TopOfBook) -> Decimal {
    let (Some(b), Some(a)) = (top.bid, top.ask) else {
        return Decimal::ZERO;
    };
    let qty = b.size + a.size;
    if qty <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let micro = (a.price * b.size + b.price * a.size) / qty;
    micro - (b.price + a.price) / Decimal::TWO
}

/// The quote of the model for `inputs`.
///
/// risk = gamma sigma^2 T;
/// r = s + beta_alpha micro - q risk + bias bias_scale;
/// h = (1/gamma) ln(1 + gamma/k) + risk/2 + (c_as_bid + c_as_ask)/2 + maker_fee s;
/// bid = r - h - (c_as_bid - c), ask = r + h + (c_as_ask - c) with c the mean cost;
/// bid >= ask: both re-centred on s (s -/+ h); ask - bid < s min_spread: both widened by half
/// the shortfall.
pub fn quote(params: &AsParams, inputs: &QuoteInputs) -> Result<RawQuote, QuoteError> {
    params.validate()?;
    let s = positive("mid", inputs.mid)?;
    let sigma = non_negative("sigma", inputs.sigma)?;
    if inputs.bias < Decimal::NEGATIVE_ONE || inputs.bias > Decimal::ONE {
        return Err(QuoteError::OutOfRange {
            name: "bias",
            value: inputs.bias,
            expected: "in [-1, 1]",
        });
    }
    let var = mul(sigma, sigma, "sigma^2")?;
    let risk = mul(
        mul(params.gamma, var, "gamma sigma^2")?,
        params.horizon,
        "gamma sigma^2 T",
    )?;
    let skew = mul(inputs.inventory, risk, "q gamma sigma^2 T")?;
    let tilt = mul(
        params.beta_alpha,
        inputs.microprice_offset,
        "beta_alpha micro",
    )?;
    let lean = mul(inputs.bias, params.bias_scale, "bias bias_scale")?;
    let reservation = add(add(s, tilt, "r")? - skew, lean, "r")?;

    let mean_cost = (params.c_as_bid + params.c_as_ask) / Decimal::TWO;
    let fee = mul(params.maker_fee, s, "maker_fee s")?;
    let half_spread = add(
        add(params.arrival_half_spread()?, risk / Decimal::TWO, "h")?,
        mean_cost + fee,
        "h",
    )?;
    let mut bid = reservation - half_spread - (params.c_as_bid - mean_cost);
    let mut ask = add(reservation, half_spread, "ask")? + (params.c_as_ask - mean_cost);
    let recentred = bid >= ask;
    if recentred {
        bid = s - half_spread;
        ask = s + half_spread;
    }
    let min_width = mul(s, params.min_spread, "mid min_spread")?;
    let widened = ask - bid < min_width;
    if widened {
        let pad = (min_width - (ask - bid)) / Decimal::TWO;
        bid -= pad;
        ask += pad;
    }
    Ok(RawQuote {
        reservation,
        half_spread,
        bid,
        ask,
        recentred,
        widened,
    })
}
