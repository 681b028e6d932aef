//! One leg on its own venue, with no read of the other venue at all: the liquidation
//! monitor's blind-read action (issue 17 item 5) and its one-leg reduce.
//!
//! When the other venue cannot be read, [`HedgeEngine::close`] with `only` cannot run: it
//! resyncs, looks up markets and reads positions on both venues before anything is sent.
//! [`HedgeEngine::trade_one_leg`] takes the same steps on one venue only: the account lock,
//! that venue's resync, its market and position, reduce-only orders priced from its book
//! (journaled before they are sent, verified from its positions after), bounded rounds.
//!
//! The caller states the other leg's last known size (`other_last_known`); it is journaled
//! as the other leg's position and used only to describe the result, never re-read. A
//! reduce quantity is put on this venue's own size step (nearest step, ties down; never the
//! common grid of both venues: the other leg is not traded). The operation refuses to run
//! (nothing sent) while an interrupted operation is unresolved: recovery needs both venues.
//!
//! Outcomes: the leg at its target (flat for a close) is `Flat` (journaled `Flat` for a
//! close, `Remaining` with the stated other leg for a reduce); nothing to trade is
//! `Flat { already_flat: true }`; a leg left short of its target, or positions that cannot
//! be read after an order, HALT like a close.

use super::engine::{venue_err, EngineError, HedgeEngine};
use super::report::{halt_cause, CloseReport, CloseResult, OrderPurpose, PairPositions};
use super::RecoveryReport;
use crate::grid;
use crate::ids::LegRole;
use crate::pricing::PricingPolicy;
use crate::state::{JournalLeg, OperationKind, Outcome, Residual};
use rust_decimal::Decimal;
use std::sync::Arc;
use tracing::Instrument;
use venue_api::{Side, Venue};

/// One leg to close or reduce on its venue alone.
#[derive(Debug, Clone)]
pub struct OneLegRequest {
    /// Base asset.
    pub symbol: String,
    /// The venue of the leg.
    pub venue: Arc<dyn Venue>,
    /// The leg's role (numbers the client ids, as in the two-leg protocol).
    pub role: LegRole,
    /// Id of the other leg's venue (journal and report only; never contacted).
    pub other_venue: String,
    /// The other leg's last known signed size, as the caller knows it.
    pub other_last_known: Decimal,
    /// `None`: close the leg; `Some(q)`: reduce it by `q` base units (put on this venue's
    /// step, never flipping the leg).
    pub reduce_by: Option<Decimal>,
    /// Pricing (loosened for reduce-only orders).
    pub pricing: PricingPolicy,
}

impl HedgeEngine {
    /// Closes or reduces one leg on its venue alone (module docs). `Err` means nothing was
    /// sent.
    pub async fn trade_one_leg(&self, req: &OneLegRequest) -> Result<CloseReport, EngineError> {
        let span = tracing::info_span!(
            "one_leg",
            symbol = %req.symbol,
            venue = req.venue.id(),
            op = tracing::field::Empty
        );
        self.one_leg_core(req).instrument(span).await
    }

    async fn one_leg_core(&self, req: &OneLegRequest) -> Result<CloseReport, EngineError> {
        let command = if req.reduce_by.is_some() {
            "reduce one leg"
        } else {
            "close one leg"
        };
        let _guard = self.lock_operation(command).await?;
        let venue = req.venue.as_ref();
        let sym = req.symbol.as_str();
        let state = self.state()?;
        if !state.unfinished().is_empty() {
            return Err(EngineError::Internal(format!(
                "an interrupted operation is unresolved; recovery needs both venues before {command} on {}",
                venue.id()
            )));
        }
        venue.resync().await.map_err(venue_err(venue, "resync"))?;
        let market = venue
            .market(sym)
            .await
            .map_err(venue_err(venue, "market lookup"))?;
        let step = market.step_size;
        let before = self.read_position(venue, sym).await?;
        let pair = |mine: Decimal| match req.role {
            LegRole::Long => PairPositions {
                long: mine,
                short: req.other_last_known,
            },
            LegRole::Short => PairPositions {
                long: req.other_last_known,
                short: mine,
            },
        };
        let target = match req.reduce_by {
            None => Decimal::ZERO,
            Some(q) => {
                if q <= Decimal::ZERO {
                    return Err(EngineError::Internal(format!(
                        "reduce quantity must be positive, got {q}"
                    )));
                }
                let q = crate::monitor::nearest_step(q, step)
                    .map_err(|e| EngineError::Internal(e.to_string()))?;
                if q.is_zero() {
                    return Err(EngineError::Internal(format!(
                        "reduce quantity rounds to zero on {}'s size step {}",
                        venue.id(),
                        step.normalize()
                    )));
                }
                let left = (before.abs() - q).max(Decimal::ZERO);
                if before < Decimal::ZERO {
                    -left
                } else {
                    left
                }
            }
        };
        let mut venues = [venue.id().to_string(), req.other_venue.clone()];
        if req.role == LegRole::Short {
            venues.swap(0, 1);
        }
        let mut report = CloseReport {
            operation: None,
            symbol: req.symbol.clone(),
            venues,
            orders: Vec::new(),
            leg_skew_us: None,
            naked_ms: 0,
            positions_before: Some(pair(before)),
            positions_after: None,
            result: CloseResult::Flat { already_flat: true },
            previews: Vec::new(),
            warnings: Vec::new(),
            recovery: RecoveryReport {
                state_file: self.state_location(),
                operations: Vec::new(),
                halted: state.halted.clone(),
            },
        };
        // What is still to trade: down to the target, never across zero.
        let want = |now: Decimal| -> Decimal {
            if now.is_zero() || (before > Decimal::ZERO) != (now > Decimal::ZERO) {
                Decimal::ZERO
            } else {
                (now.abs() - target.abs()).max(Decimal::ZERO)
            }
        };
        if want(before) < step {
            report.positions_after = Some(pair(before));
            return Ok(report);
        }
        let kind = if req.reduce_by.is_some() {
            OperationKind::Reduce
        } else {
            OperationKind::CloseLeg
        };
        let op = self.begin(
            kind,
            sym,
            vec![JournalLeg {
                leg: req.role,
                venue: venue.id().to_string(),
                side: Side::closing(before).unwrap_or(Side::Buy),
                size: want(before),
                position_before: Some(before),
            }],
        )?;
        tracing::Span::current().record("op", tracing::field::display(op));
        report.operation = Some(op);
        let mut now = before;
        for round in 0..self.options.max_close_rounds.max(1) {
            let qty = want(now);
            if qty < step {
                break;
            }
            let Some(side) = Side::closing(now) else {
                break;
            };
            let size = grid::floor_to_step(qty.min(now.abs()), step)
                .map_err(|e| EngineError::Internal(e.to_string()))?;
            let built = async {
                let price = self
                    .fresh_price(venue, &market, side, sym, &req.pricing.for_reduce_only())
                    .await?;
                let order = self.order(sym, op, req.role, side, size, price, true, round)?;
                let prepared = self.prepare(venue, &order).await?;
                self.journal_orders(op, &[(venue.id(), req.role, &order)])?;
                Ok::<_, EngineError>(prepared)
            }
            .await;
            let prepared = match built {
                Ok(p) => p,
                Err(e) if round == 0 => {
                    let reason = format!("{} leg not sent: {e}", venue.id());
                    self.finish_one(
                        op,
                        Outcome::Aborted {
                            reason: reason.clone(),
                        },
                        None,
                        &mut report,
                    );
                    report.result = CloseResult::NothingSent { reason };
                    report.positions_after = Some(pair(before));
                    return Ok(report);
                }
                Err(e) => {
                    report
                        .warnings
                        .push(format!("round {}: not sent: {e}", round + 1));
                    break;
                }
            };
            let sent = Self::send_one(venue, prepared).await;
            let exec = self
                .settle(venue, sym, req.role, OrderPurpose::Close, sent)
                .await;
            let fill = exec.signed_fill();
            let known = exec.outcome != super::LegOutcome::Unknown;
            report.orders.push(exec);
            now = match self.settled_one(venue, sym, now, fill, known).await {
                Ok(p) => p,
                Err(e) => {
                    let reason = format!(
                        "{} position could not be read after a closing order ({e}); exposure unknown",
                        venue.id()
                    );
                    self.halt_one(op, &reason, None, req, &mut report);
                    report.result = CloseResult::Halted { reason };
                    return Ok(report);
                }
            };
            report.positions_after = Some(pair(now));
        }
        if want(now) < step {
            let p = pair(now);
            let outcome = if p.long.is_zero() && p.short.is_zero() {
                Outcome::Flat
            } else {
                Outcome::Remaining {
                    long: p.long,
                    short: p.short,
                }
            };
            self.finish_one(op, outcome, None, &mut report);
            report.result = CloseResult::Flat {
                already_flat: false,
            };
        } else {
            let reason = format!(
                "{} {} leg left at {} (target {}) with {} unreadable; cause: {}",
                venue.id(),
                req.role,
                now.normalize(),
                target.normalize(),
                req.other_venue,
                halt_cause(&report.orders, &report.warnings)
            );
            self.halt_one(op, &reason, Some(now), req, &mut report);
            report.result = CloseResult::Halted { reason };
        }
        Ok(report)
    }

    /// This venue's position once it shows the fill: at once when the order's outcome is
    /// known and the position already shows it; else after the venue's settle grace, polled
    /// until it does or the settle timeout passes (then the last reading stands).
    async fn settled_one(
        &self,
        venue: &dyn Venue,
        sym: &str,
        before: Decimal,
        fill: Decimal,
        known: bool,
    ) -> Result<Decimal, EngineError> {
        if known {
            let now = self.read_position(venue, sym).await?;
            if now == before + fill {
                return Ok(now);
            }
        }
        let grace = self
            .options
            .settle_grace
            .unwrap_or_else(|| venue.capabilities().settle_grace);
        self.clock.sleep(grace).await;
        let deadline = self.clock.now()
            + chrono::Duration::from_std(self.options.settle_timeout)
                .unwrap_or(chrono::Duration::MAX);
        loop {
            let now = self.read_position(venue, sym).await?;
            if (known && now == before + fill) || self.clock.now() >= deadline {
                return Ok(now);
            }
            if !known && now != before {
                // An unknown outcome: take the first reading that moved, after the grace.
                return Ok(now);
            }
            self.clock.sleep(self.options.poll_interval).await;
        }
    }

    fn finish_one(
        &self,
        op: crate::ids::OperationId,
        outcome: Outcome,
        halt: Option<(String, Vec<Residual>)>,
        report: &mut CloseReport,
    ) {
        if let Err(e) = self.finish(op, outcome, halt) {
            report.warnings.push(format!(
                "could not record the outcome in the state file: {e}"
            ));
        }
    }

    fn halt_one(
        &self,
        op: crate::ids::OperationId,
        reason: &str,
        mine: Option<Decimal>,
        req: &OneLegRequest,
        report: &mut CloseReport,
    ) {
        let residual = vec![
            Residual {
                venue: req.venue.id().to_string(),
                symbol: req.symbol.clone(),
                size: mine,
            },
            Residual {
                venue: req.other_venue.clone(),
                symbol: req.symbol.clone(),
                // Not read: the other venue is unreadable.
                size: None,
            },
        ];
        self.finish_one(
            op,
            Outcome::Halted {
                reason: reason.to_string(),
            },
            Some((reason.to_string(), residual)),
            report,
        );
    }
}
