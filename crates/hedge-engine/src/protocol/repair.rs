//! Repairing a mismatched hedge found while holding: the two legs are no longer equal and
//! opposite (a venue cut one, an order filled late, someone traded by hand). The engine
//! brings them back equal, reduce-only, on the larger leg (by the excess, floored to the
//! common size grid; a leg whose partner is gone is closed), or HALTS with the cause.
//!
//! Contract:
//! - The legs are read afresh first; a failed read is `Err` (nothing sent, nothing written:
//!   a read failure is never taken as a mismatch, nor as flat).
//! - Already equal and opposite within half the finer size step (the close's own tolerance),
//!   or both flat: nothing sent.
//! - A leg on the wrong side (the long venue short, or the short venue long) or an excess
//!   below one common step cannot be repaired reduce-only: HALTED with the legs named.
//! - An excess off the common grid is floored: the bulk is reduced, and the remainder beyond
//!   the tolerance leaves the engine HALTED by the reduce (exposure first made smaller).
//! - Otherwise one journaled reduce (or one-leg close) through the two-leg protocol of a
//!   close; anything short of equal and opposite afterwards is HALTED with the cause (the
//!   reduce HALTS an unhedged result itself; a refusal or a remainder is HALTED here).
//! - Runs while HALTED (it only reduces), as `reduce` and `close` do.

use super::close::CloseRequest;
use super::engine::{EngineError, HedgeEngine};
use super::reduce::{ReduceReport, ReduceResult};
use super::report::{CloseReport, CloseResult, PairPositions};
use crate::grid;
use crate::ids::LegRole;
use crate::state::{Halt, Residual};
use rust_decimal::Decimal;
use serde::Serialize;

/// How a repair ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RepairResult {
    /// Already equal and opposite (or both flat): nothing was sent.
    Balanced,
    /// The larger leg was reduced by `quantity` (reduce-only): the legs are equal and
    /// opposite again, or both flat when the other leg was gone (`flat`).
    Repaired {
        /// The leg that traded.
        leg: LegRole,
        /// Base units it was reduced by.
        quantity: Decimal,
        /// True when the repair closed the last leg (both flat now).
        flat: bool,
    },
    /// Not repaired: the engine is HALTED with this cause.
    Halted {
        /// What is left where, and why.
        reason: String,
    },
}

/// The record of a repair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairReport {
    /// Signed positions read before anything was sent.
    pub before: PairPositions,
    /// Outcome.
    pub result: RepairResult,
    /// The reduce, when one was sent.
    pub reduce: Option<ReduceReport>,
    /// The one-leg close, when the other leg was gone.
    pub close: Option<CloseReport>,
}

impl HedgeEngine {
    /// Brings the legs of `req.symbol` back to equal and opposite (see the module doc);
    /// `req.only` is ignored (the larger leg is chosen from the venues). `Err` means a read
    /// failed or the state could not be written: nothing was sent.
    pub async fn repair_mismatch(&self, req: &CloseRequest) -> Result<RepairReport, EngineError> {
        let sym = req.symbol.as_str();
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let (lm, sm) = tokio::join!(long.market(sym), short.market(sym));
        let lm =
            lm.map_err(|e| EngineError::Internal(format!("{} market {sym}: {e}", long.id())))?;
        let sm =
            sm.map_err(|e| EngineError::Internal(format!("{} market {sym}: {e}", short.id())))?;
        let step = grid::common_step(lm.step_size, sm.step_size)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let before = self.read_positions(&req.venues, sym).await?;
        let (l, s) = (before.long, before.short);
        let legs = format!(
            "{sym}: {} {} (long leg), {} {} (short leg)",
            long.id(),
            l.normalize(),
            short.id(),
            s.normalize()
        );
        let report = |result, reduce, close| RepairReport {
            before,
            result,
            reduce,
            close,
        };
        let tol = lm.step_size.min(sm.step_size) / Decimal::TWO;
        if (l + s).abs() <= tol && (l >= Decimal::ZERO) && (s <= Decimal::ZERO) {
            return Ok(report(RepairResult::Balanced, None, None));
        }
        if l < Decimal::ZERO || s > Decimal::ZERO {
            let reason = format!(
                "hedge mismatch cannot be repaired reduce-only, a leg is on the wrong side: {legs}"
            );
            return Ok(report(self.halt_repair(req, &before, reason)?, None, None));
        }
        // The larger leg trades; the other stays.
        let (leg, excess, other) = if l > -s {
            (LegRole::Long, l + s, s)
        } else {
            (LegRole::Short, -s - l, l)
        };
        let mut one = req.clone();
        one.only = Some(leg);
        if other.is_zero() {
            tracing::warn!("repair: {legs}; closing the {leg} leg alone (its partner is gone)");
            let c = self.close(&one).await?;
            let result = match &c.result {
                CloseResult::Flat { .. } => RepairResult::Repaired {
                    leg,
                    quantity: excess,
                    flat: true,
                },
                CloseResult::Halted { reason } => RepairResult::Halted {
                    reason: reason.clone(),
                },
                CloseResult::Remaining { reason } | CloseResult::NothingSent { reason } => {
                    self.halt_repair(req, &before, format!("repair of {legs}: {reason}"))?
                }
                CloseResult::DryRun => RepairResult::Balanced,
            };
            return Ok(report(result, None, Some(c)));
        }
        let quantity =
            grid::floor_to_step(excess, step).map_err(|e| EngineError::Internal(e.to_string()))?;
        if quantity <= Decimal::ZERO {
            let reason = format!(
                "hedge mismatch below one common size step ({}) cannot be traded: {legs}",
                step.normalize()
            );
            return Ok(report(self.halt_repair(req, &before, reason)?, None, None));
        }
        tracing::warn!(
            "repair: {legs}; reducing the {leg} leg by {} (reduce-only)",
            quantity.normalize()
        );
        let r = match self.reduce(&one, quantity).await {
            Ok(r) => r,
            Err(e) => {
                let reason = format!("repair of {legs} could not be sent: {e}");
                return Ok(report(self.halt_repair(req, &before, reason)?, None, None));
            }
        };
        let result = match &r.result {
            ReduceResult::Reduced { .. } => RepairResult::Repaired {
                leg,
                quantity,
                flat: false,
            },
            ReduceResult::Halted { reason } => RepairResult::Halted {
                reason: reason.clone(),
            },
            ReduceResult::Remaining { reason } | ReduceResult::NothingSent { reason } => {
                self.halt_repair(req, &before, format!("repair of {legs}: {reason}"))?
            }
            ReduceResult::DryRun => RepairResult::Balanced,
        };
        Ok(report(result, Some(r), None))
    }

    /// HALTS (persisted, unless already HALTED) with `reason` and the legs as residuals.
    fn halt_repair(
        &self,
        req: &CloseRequest,
        before: &PairPositions,
        reason: String,
    ) -> Result<RepairResult, EngineError> {
        if req.dry_run {
            return Ok(RepairResult::Halted { reason });
        }
        tracing::error!("HALTED: {reason}");
        let now = self.now();
        let residual = [
            (req.venues.long.id(), before.long),
            (req.venues.short.id(), before.short),
        ]
        .into_iter()
        .filter(|(_, size)| !size.is_zero())
        .map(|(venue, size)| Residual {
            venue: venue.to_string(),
            symbol: req.symbol.clone(),
            size: Some(size),
        })
        .collect();
        self.update(|s| {
            if s.halted.is_none() {
                s.halted = Some(Halt {
                    since: now,
                    reason: reason.clone(),
                    operation: None,
                    residual,
                });
            }
        })?;
        Ok(RepairResult::Halted { reason })
    }
}
