//! Reducing a hedge: both legs (or one) smaller by the same quantity, through the two-leg
//! protocol of a close (journaled, under the account lock, reduce-only, with expiry and
//! verification from the venues' positions).
//!
//! The liquidation monitor's REDUCE level uses it on both legs; a leg shrunk by its venue
//! (liquidation, auto-deleverage) is answered by reducing the other leg alone by the lost
//! quantity. The quantity is floored to the common grid of both venues' size steps, so both
//! legs trade exactly the same amount. A leg smaller than the quantity is closed (never
//! flipped: orders are reduce-only and sized from the position).
//!
//! Outcomes: every asked leg at its target and the legs still hedging each other (or both
//! flat) is [`ReduceResult::Reduced`]; nothing to reduce (both flat) is success
//! (`already_flat`); legs still hedged but short of the target is `Remaining` (no HALT); an
//! unhedged result HALTS like a close. Reducing both legs of a pair that does not hedge
//! itself sends nothing (`NothingSent`): the excess must be handled first. Reduce runs while
//! HALTED (it only reduces).

use super::engine::{EngineError, HedgeEngine};
use super::report::{CloseReport, CloseResult, PairPositions};
use super::CloseRequest;
use crate::sizing::SizingError;
use rust_decimal::Decimal;
use serde::Serialize;
use tracing::Instrument;

/// How a reduce ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ReduceResult {
    /// Every asked leg reached its target (or nothing was open: `already_flat`).
    Reduced {
        /// True when the asked legs were already flat (nothing was sent).
        already_flat: bool,
    },
    /// The legs still hedge each other but did not reach the target.
    Remaining {
        /// What is left.
        reason: String,
    },
    /// One side remains without the other: HALTED.
    Halted {
        /// What is left where.
        reason: String,
    },
    /// Nothing was sent (an order could not be built, or the legs did not hedge each other).
    NothingSent {
        /// Why.
        reason: String,
    },
    /// Dry run.
    DryRun,
}

/// The full record of a reduce.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReduceReport {
    /// The quantity asked.
    pub requested: Decimal,
    /// The quantity applied to each asked leg (floored to the common grid); `None` when
    /// nothing was open.
    pub quantity: Option<Decimal>,
    /// The signed positions aimed at.
    pub target: Option<PairPositions>,
    /// Outcome.
    pub result: ReduceResult,
    /// Orders, positions before and after, warnings, recovery (its `result` is the close's
    /// view of the same outcome).
    pub detail: CloseReport,
}

impl HedgeEngine {
    /// Reduces both legs (or `req.only`) by `quantity` base units. `Err` means nothing was
    /// sent.
    pub async fn reduce(
        &self,
        req: &CloseRequest,
        quantity: Decimal,
    ) -> Result<ReduceReport, EngineError> {
        if quantity <= Decimal::ZERO {
            return Err(SizingError::NonPositiveRequest(quantity).into());
        }
        let span = tracing::info_span!("reduce", symbol = %req.symbol, %quantity, op = tracing::field::Empty);
        let (detail, reduction) = self
            .close_core(req, Some(quantity))
            .instrument(span)
            .await?;
        let result = match &detail.result {
            CloseResult::Flat { already_flat } => ReduceResult::Reduced {
                already_flat: *already_flat,
            },
            CloseResult::Remaining { reason } => ReduceResult::Remaining {
                reason: reason.clone(),
            },
            CloseResult::Halted { reason } => ReduceResult::Halted {
                reason: reason.clone(),
            },
            CloseResult::NothingSent { reason } => ReduceResult::NothingSent {
                reason: reason.clone(),
            },
            CloseResult::DryRun => ReduceResult::DryRun,
        };
        Ok(ReduceReport {
            requested: quantity,
            quantity: reduction.map(|r| r.0),
            target: reduction.map(|r| r.1),
            result,
            detail,
        })
    }
}
