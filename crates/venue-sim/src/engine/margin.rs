//! Margin and liquidation as the venues define them, and scripted price moves.
//!
//! * Each market's maintenance fraction follows the venue's published shape: Lighter lists
//!   initial / maintenance / close-out fractions in 1/10000 with `C < M < I` (a 50x market:
//!   200 / 120 / 80), here 60 % and 40 % of the minimum initial fraction; EdgeX applies its
//!   risk tier's `starkExRisk / 2^32`, here half the minimum initial fraction (a 100x
//!   contract: `starkExRisk` 21474837 = 0.5 %).
//! * Account equity = collateral + unrealised PnL (settled funding and fees are in the
//!   collateral); the requirement = Σ |size| x mark x fraction.
//! * Below the requirement the venue liquidates. Lighter: open orders cancelled, then cuts
//!   of one position at a time (the largest requirement first) at the mark, each just large
//!   enough to bring the account back above maintenance; below the close-out requirement
//!   the insurance fund takes every position and the collateral. EdgeX: the same partial
//!   cuts (EdgeX publishes no partial/full rule; this simulator documents its choice), no
//!   close-out stage. The liquidation fee is half the maintenance fraction of the cut
//!   notional (Lighter charges up to 1 %), so every cut improves the account.
//! * Every cut is a [`LiquidationRecord`] on the account (Lighter `/api/v1/liquidations`,
//!   EdgeX `isLiquidating`); no order of the account appears for it, so a reader sees a size
//!   that changed with no order of its own.
//! * [`PriceMove`] (`--sim-move SYMBOL:PCT[@SECONDS]`) moves a symbol's fair price on both
//!   venues by PCT percent, at once or linearly over SECONDS of simulated time.

use super::account::{LiquidationKind, LiquidationRecord, RiskSnapshot};
use super::market::{MarketSpec, VenueKind};
use super::{apply_trade, CancelReason, EngineError, Exchange, OrderState, Valuation};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use venue_api::Side;

/// 2^32, EdgeX's scale of `starkExRisk`.
const STARK_RISK_SCALE: u64 = 1 << 32;
/// Cuts per account and liquidation pass at most (a bound, never reached in practice).
const MAX_CUTS: usize = 64;

fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b.max(1))
}

impl MarketSpec {
    /// Lighter `maintenance_margin_fraction` in 1/10000: 60 % of the minimum initial
    /// fraction, rounded up (50x: 120).
    pub fn lighter_mmf_units(&self) -> u32 {
        ceil_div(6_000, u64::from(self.max_leverage)) as u32
    }

    /// Lighter `closeout_margin_fraction` in 1/10000: 40 % of the minimum initial fraction,
    /// rounded up (50x: 80).
    pub fn lighter_closeout_units(&self) -> u32 {
        ceil_div(4_000, u64::from(self.max_leverage)) as u32
    }

    /// EdgeX first risk tier's `starkExRisk`: half the minimum initial fraction x 2^32,
    /// rounded up (100x: 21474837).
    pub fn edgex_stark_ex_risk(&self) -> u64 {
        ceil_div(STARK_RISK_SCALE / 2, u64::from(self.max_leverage))
    }

    /// The maintenance fraction the venue applies (0.012 = 1.2 %).
    pub fn maintenance_fraction(&self) -> Decimal {
        match self.venue {
            VenueKind::Lighter => Decimal::from(self.lighter_mmf_units()) / Decimal::from(10_000),
            VenueKind::Edgex => {
                Decimal::from(self.edgex_stark_ex_risk()) / Decimal::from(STARK_RISK_SCALE)
            }
        }
    }

    /// The close-out fraction (Lighter only): below it the insurance fund takes over.
    pub fn closeout_fraction(&self) -> Option<Decimal> {
        (self.venue == VenueKind::Lighter)
            .then(|| Decimal::from(self.lighter_closeout_units()) / Decimal::from(10_000))
    }

    /// Fee of a liquidation cut, as a fraction of its notional.
    pub fn liquidation_fee_rate(&self) -> Decimal {
        self.maintenance_fraction() / Decimal::TWO
    }
}

/// The liquidation price of one position of an account: the mark at which the account's
/// equity meets its maintenance requirement, the other positions held at their marks.
/// `None` when no positive price does (the position cannot be liquidated by its own move).
pub fn liquidation_price(
    size: Decimal,
    mark: Decimal,
    fraction: Decimal,
    equity: Decimal,
    maintenance: Decimal,
) -> Option<Decimal> {
    // E + s (p - m) = MM + |s| f (p - m)  =>  p = m - (E - MM) / (s - |s| f)
    let denom = size - size.abs() * fraction;
    if denom.is_zero() {
        return None;
    }
    let p = mark - (equity - maintenance) / denom;
    (p > Decimal::ZERO).then_some(p)
}

impl Exchange {
    /// Liquidates every account below its maintenance requirement (called on each advance
    /// and after a price move).
    pub(super) fn liquidate_unhealthy(&mut self) {
        let open: Vec<(VenueKind, String)> = self
            .accounts
            .values()
            .filter(|a| a.positions.values().any(|p| !p.size.is_zero()))
            .map(|a| (a.venue, a.id.clone()))
            .collect();
        for (venue, id) in open {
            self.liquidate_account(venue, &id);
        }
    }

    fn liquidate_account(&mut self, venue: VenueKind, id: &str) {
        let mut cancelled = false;
        for _ in 0..MAX_CUTS {
            let Ok(val) = self.valuation(venue, id) else {
                return;
            };
            let open: Vec<_> = val.positions.iter().filter(|p| !p.size.is_zero()).collect();
            if open.is_empty() || val.equity >= val.maintenance_margin {
                return;
            }
            if !cancelled {
                self.cancel_for_liquidation(venue, id);
                cancelled = true;
            }
            let closeout = venue == VenueKind::Lighter && val.equity < val.closeout_margin;
            if closeout {
                let targets: Vec<(String, Decimal)> = open
                    .iter()
                    .map(|p| (p.market_id.clone(), p.size.abs()))
                    .collect();
                for (market_id, qty) in targets {
                    self.cut(venue, id, &market_id, qty, LiquidationKind::CloseOut);
                }
                // the insurance fund takes the positions and what collateral is left
                if let Ok(a) = self.account_mut(venue, id) {
                    a.collateral = Decimal::ZERO;
                }
                return;
            }
            let Some(p) = open.iter().max_by_key(|p| p.maintenance_margin) else {
                return;
            };
            let Ok(m) = self.market(venue, &p.market_id) else {
                return;
            };
            let per_unit = p.mark * (p.maintenance_fraction - m.liquidation_fee_rate());
            let need = val.maintenance_margin - val.equity;
            let qty = if per_unit > Decimal::ZERO {
                let steps = (need / per_unit / m.step).ceil().max(Decimal::ONE);
                (steps * m.step).min(p.size.abs())
            } else {
                p.size.abs()
            };
            let market_id = p.market_id.clone();
            self.cut(venue, id, &market_id, qty, LiquidationKind::Partial);
        }
    }

    fn cancel_for_liquidation(&mut self, venue: VenueKind, id: &str) {
        let now = self.now_ms;
        if let Ok(a) = self.account_mut(venue, id) {
            for o in a.orders.iter_mut().filter(|o| o.state == OrderState::Open) {
                o.state = OrderState::Canceled;
                o.cancel_reason = Some(CancelReason::Margin);
                o.updated_ms = now;
            }
        }
    }

    /// One liquidation trade of `qty` in `market_id` at the mark, booked and recorded.
    fn cut(
        &mut self,
        venue: VenueKind,
        id: &str,
        market_id: &str,
        qty: Decimal,
        kind: LiquidationKind,
    ) {
        let (Ok(before), Ok(m), Ok(mark)) = (
            self.valuation(venue, id),
            self.market(venue, market_id).cloned(),
            self.mark(venue, market_id),
        ) else {
            return;
        };
        let record_id = self.next_record_id;
        let now = self.now_ms;
        let Ok(a) = self.account_mut(venue, id) else {
            return;
        };
        let size_before = a.position_size(market_id);
        let side = if size_before > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        };
        let qty = qty.min(size_before.abs());
        if qty.is_zero() {
            return;
        }
        let fee = (qty * mark * m.liquidation_fee_rate()).round_dp(6);
        apply_trade(a, market_id, side, qty, mark, fee);
        let size_after = a.position_size(market_id);
        self.next_record_id += 1;
        let after = self.valuation(venue, id).ok();
        if let Ok(a) = self.account_mut(venue, id) {
            a.liquidations.push(LiquidationRecord {
                id: record_id,
                market_id: market_id.to_string(),
                time_ms: now,
                kind,
                side,
                size: qty,
                price: mark,
                fee,
                size_before,
                size_after,
                risk_before: RiskSnapshot::of(&before),
                risk_after: after.as_ref().map(RiskSnapshot::of).unwrap_or_default(),
            });
        }
    }

    // ---- price moves -----------------------------------------------------------------

    /// Starts a price move now (simulated time); an instant move applies at once and the
    /// accounts it takes below maintenance are liquidated at once.
    pub fn add_move(&mut self, spec: PriceMove) -> Result<(), EngineError> {
        if !self.symbols.iter().any(|s| s.spec.symbol == spec.symbol) {
            return Err(EngineError::UnknownMarket(spec.symbol));
        }
        self.moves.push(ActiveMove {
            spec,
            start_ms: self.now_ms,
            applied: Decimal::ONE,
        });
        self.apply_moves();
        self.liquidate_unhealthy();
        Ok(())
    }

    /// Brings every active move to its share at `now_ms` (called on each advance).
    pub(super) fn apply_moves(&mut self) {
        let now = self.now_ms;
        for mv in &mut self.moves {
            let target = mv.factor_at(now);
            if target == mv.applied {
                continue;
            }
            let ratio = target / mv.applied;
            if let Some(s) = self
                .symbols
                .iter_mut()
                .find(|s| s.spec.symbol == mv.spec.symbol)
            {
                let scale = |units: i64| {
                    (Decimal::from(units) * ratio)
                        .round()
                        .to_i64()
                        .unwrap_or(units)
                        .max(1)
                };
                s.fair_units = scale(s.fair_units);
                s.start_units = scale(s.start_units);
            }
            mv.applied = target;
        }
        self.moves.retain(|mv| !mv.done(now));
    }
}

/// A move in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveMove {
    /// What was asked.
    pub spec: PriceMove,
    /// When it started (ms, simulated).
    pub start_ms: i64,
    /// Price factor applied so far (1 = none).
    pub applied: Decimal,
}

impl ActiveMove {
    fn progress(&self, now_ms: i64) -> Decimal {
        let span = i64::try_from(self.spec.over_secs)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        if span <= 0 {
            return Decimal::ONE;
        }
        (Decimal::from((now_ms - self.start_ms).max(0)) / Decimal::from(span)).min(Decimal::ONE)
    }

    fn factor_at(&self, now_ms: i64) -> Decimal {
        Decimal::ONE + self.spec.pct / Decimal::ONE_HUNDRED * self.progress(now_ms)
    }

    fn done(&self, now_ms: i64) -> bool {
        self.progress(now_ms) >= Decimal::ONE
    }
}

/// `SYMBOL:PCT[@SECONDS]`: move SYMBOL's fair price by PCT percent (signed, above -100),
/// at once or linearly over SECONDS of simulated time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceMove {
    /// Base symbol, upper case.
    pub symbol: String,
    /// Percent, signed (-30 = down 30 %).
    pub pct: Decimal,
    /// Seconds over which the move is spread (0 = at once).
    pub over_secs: u64,
}

/// A `--sim-move` value that does not parse: names the bad part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{spec:?}: {part} {value:?} {reason} (expected SYMBOL:PCT[@SECONDS], e.g. BTC:-30@600)")]
pub struct MoveSpecError {
    /// The whole value.
    pub spec: String,
    /// `SYMBOL`, `PCT` or `SECONDS`.
    pub part: &'static str,
    /// The bad part as given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for PriceMove {
    type Err = MoveSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let fail = |part, value: &str, reason| MoveSpecError {
            spec: spec.to_string(),
            part,
            value: value.to_string(),
            reason,
        };
        let Some((symbol, rest)) = spec.trim().split_once(':') else {
            return Err(fail("PCT", "", "is missing (no ':')"));
        };
        let symbol = symbol.trim();
        if symbol.is_empty() || !symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(fail("SYMBOL", symbol, "must be letters and digits"));
        }
        let (pct_text, secs_text) = match rest.split_once('@') {
            Some((p, s)) => (p.trim(), Some(s.trim())),
            None => (rest.trim(), None),
        };
        let pct = Decimal::from_str(pct_text.strip_prefix('+').unwrap_or(pct_text))
            .map_err(|_| fail("PCT", pct_text, "is not a number"))?;
        if pct <= -Decimal::ONE_HUNDRED {
            return Err(fail("PCT", pct_text, "must be above -100"));
        }
        if pct > Decimal::from(1_000) {
            return Err(fail("PCT", pct_text, "must be at most 1000"));
        }
        let over_secs = match secs_text {
            None => 0,
            Some(s) => s
                .parse::<u64>()
                .ok()
                .filter(|v| *v <= 30 * 86_400)
                .ok_or_else(|| {
                    fail(
                        "SECONDS",
                        s,
                        "must be a whole number of seconds, 0..=2592000",
                    )
                })?,
        };
        Ok(Self {
            symbol: symbol.to_ascii_uppercase(),
            pct,
            over_secs,
        })
    }
}

impl fmt::Display for PriceMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.symbol, self.pct.normalize())?;
        if self.over_secs > 0 {
            write!(f, "@{}", self.over_secs)?;
        }
        Ok(())
    }
}

/// Parses a comma- or whitespace-separated list of moves (the `VENUE_SIM_MOVES` value).
pub fn parse_moves(list: &str) -> Result<Vec<PriceMove>, MoveSpecError> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(PriceMove::from_str)
        .collect()
}

impl RiskSnapshot {
    /// The figures of a valuation.
    pub fn of(v: &Valuation) -> Self {
        Self {
            collateral: v.collateral,
            equity: v.equity,
            initial_margin: v.initial_margin,
            maintenance_margin: v.maintenance_margin,
            closeout_margin: v.closeout_margin,
        }
    }
}

#[cfg(test)]
mod tests;
