//! Closing a hedge: reduce-only orders on both venues, repeated (bounded) until flat.
//!
//! A close only ever reduces risk. While both legs are open, both closing orders are priced
//! and signed before either is sent: if one cannot be built, nothing is sent (the report says
//! why; no HALT). Close runs while HALTED (HALT stays until `resume`). Reduce-only orders use
//! the looser reduce-only pricing policy. `only` closes one leg alone (an operator or the
//! monitor facing a naked leg).
//!
//! "Already flat" is a successful close. A venue counts as flat when its position is below
//! one size step. If positions remain and still hedge each other, the close reports them
//! (exit 3); if one side remains without the other, the engine HALTS.
//!
//! A reduce ([`HedgeEngine::reduce`], in `reduce.rs`) runs the same protocol with a target
//! per leg (each leg smaller by the same quantity) instead of flat.

use super::engine::{venue_err, EngineError, HedgeEngine, LegVenues};
use super::recover::RecoveryReport;
use super::report::{halt_cause, CloseReport, CloseResult, OrderPurpose, PairPositions};
use super::settle::{micros, Sent};
use crate::grid;
use crate::ids::{LegRole, OperationId};
use crate::pricing::PricingPolicy;
use crate::state::{JournalLeg, OperationKind, Outcome, Residual};
use rust_decimal::Decimal;
use std::time::Instant;
use tracing::Instrument;
use venue_api::{MarketInfo, OrderRequest, PreparedOrder, Side};

/// What to close.
#[derive(Debug, Clone)]
pub struct CloseRequest {
    /// Base asset.
    pub symbol: String,
    /// The venues (roles only number the client ids; the side follows each position's sign).
    pub venues: LegVenues,
    /// Pricing and book policy (loosened for reduce-only orders).
    pub pricing: PricingPolicy,
    /// Build and sign, but send nothing.
    pub dry_run: bool,
    /// Close this leg alone (`None`: both).
    pub only: Option<LegRole>,
}

fn get(p: &PairPositions, role: LegRole) -> Decimal {
    match role {
        LegRole::Long => p.long,
        LegRole::Short => p.short,
    }
}

impl HedgeEngine {
    /// Closes both legs (or `only` one). `Err` means nothing was sent.
    pub async fn close(&self, req: &CloseRequest) -> Result<CloseReport, EngineError> {
        // Every log line of the operation carries its id (recorded once journaled).
        let span = tracing::info_span!("close", symbol = %req.symbol, op = tracing::field::Empty);
        Ok(self.close_core(req, None).instrument(span).await?.0)
    }

    /// Close (`reduce` = `None`) or reduce every asked leg by the quantity (floored to the
    /// common grid of both steps). Returns the report and, for a reduce, the quantity applied
    /// and the target positions.
    pub(super) async fn close_core(
        &self,
        req: &CloseRequest,
        reduce: Option<Decimal>,
    ) -> Result<(CloseReport, Option<(Decimal, PairPositions)>), EngineError> {
        let command = if reduce.is_some() { "reduce" } else { "close" };
        let _guard = if req.dry_run {
            None
        } else {
            self.lock_operation(command).await?
        };
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let sym = req.symbol.as_str();
        let recovery = if req.dry_run {
            RecoveryReport {
                state_file: self.state_location(),
                operations: Vec::new(),
                halted: self.halted()?,
            }
        } else {
            self.resync_both(&req.venues).await?;
            self.recover_locked(&[req.venues.long.clone(), req.venues.short.clone()])
                .await?
        };
        let (lm, sm) = tokio::join!(long.market(sym), short.market(sym));
        let lm = lm.map_err(venue_err(long, "market lookup"))?;
        let sm = sm.map_err(venue_err(short, "market lookup"))?;
        let markets = [lm, sm];
        let market =
            |r: LegRole| -> &MarketInfo { &markets[if r == LegRole::Long { 0 } else { 1 }] };
        let tol = markets[0].step_size.min(markets[1].step_size) / Decimal::TWO;
        let before = self.read_positions(&req.venues, sym).await?;
        let asked = |r: LegRole| req.only.is_none_or(|o| o == r);
        let reduction = match reduce {
            None => None,
            Some(q) => {
                let step = grid::common_step(markets[0].step_size, markets[1].step_size)
                    .map_err(|e| EngineError::Internal(e.to_string()))?;
                let q = grid::floor_to_step(q, step)
                    .map_err(|e| EngineError::Internal(e.to_string()))?;
                if q <= Decimal::ZERO {
                    return Err(EngineError::Internal(format!(
                        "reduce quantity rounds to zero on the common size step {}",
                        step.normalize()
                    )));
                }
                let target = |r: LegRole| {
                    let b = get(&before, r);
                    if !asked(r) {
                        return b;
                    }
                    let left = (b.abs() - q).max(Decimal::ZERO);
                    if b < Decimal::ZERO {
                        -left
                    } else {
                        left
                    }
                };
                Some((
                    q,
                    PairPositions {
                        long: target(LegRole::Long),
                        short: target(LegRole::Short),
                    },
                ))
            }
        };
        // What is still to trade on a leg: all of it for a close; down to the target for a
        // reduce (nothing once the leg has crossed zero or changed side).
        let want = |p: &PairPositions, r: LegRole| -> Decimal {
            let now = get(p, r);
            match &reduction {
                None => now.abs(),
                Some((_, target)) => {
                    let b = get(&before, r);
                    if b.is_zero() || now.is_zero() || (now > Decimal::ZERO) != (b > Decimal::ZERO)
                    {
                        Decimal::ZERO
                    } else {
                        (now.abs() - get(target, r).abs()).max(Decimal::ZERO)
                    }
                }
            }
        };
        let mut report = CloseReport {
            operation: None,
            symbol: req.symbol.clone(),
            venues: [long.id().to_string(), short.id().to_string()],
            orders: Vec::new(),
            leg_skew_us: None,
            naked_ms: 0,
            positions_before: Some(before),
            positions_after: None,
            result: CloseResult::Flat { already_flat: true },
            previews: Vec::new(),
            warnings: Vec::new(),
            recovery,
        };
        let open_legs = |p: &PairPositions| -> Vec<(LegRole, Decimal)> {
            LegRole::BOTH
                .into_iter()
                .filter(|r| asked(*r))
                .map(|r| (r, want(p, r)))
                .filter(|(r, q)| *q >= market(*r).step_size)
                .collect()
        };
        let tol_hedged = |p: &PairPositions| {
            (p.long > Decimal::ZERO) != (p.short > Decimal::ZERO)
                && !p.long.is_zero()
                && !p.short.is_zero()
                && (p.long + p.short).abs() <= tol
        };
        if open_legs(&before).is_empty() {
            report.positions_after = Some(before);
            return Ok((report, reduction));
        }
        if reduction.is_some() && req.only.is_none() && !tol_hedged(&before) {
            // Reducing both legs alike would keep (or worsen) an imbalance: the caller must
            // deal with the naked excess first (close or reduce one leg).
            let reason = format!(
                "the legs do not hedge each other ({} {} and {} {}); reduce one leg alone",
                long.id(),
                before.long.normalize(),
                short.id(),
                before.short.normalize()
            );
            report.result = CloseResult::NothingSent { reason };
            report.positions_after = Some(before);
            return Ok((report, reduction));
        }

        if req.dry_run {
            let op = self.next_operation_id()?;
            for (role, qty) in open_legs(&before) {
                let order = self
                    .close_order(req, market(role), op, role, (get(&before, role), qty), 0)
                    .await?;
                let p = self.prepare(req.venues.get(role).as_ref(), &order).await?;
                report.previews.push(
                    p.preview()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{order:?}")),
                );
            }
            report.result = CloseResult::DryRun;
            return Ok((report, reduction));
        }

        let legs0 = open_legs(&before);
        let journal_legs = LegRole::BOTH
            .into_iter()
            .map(|role| JournalLeg {
                leg: role,
                venue: req.venues.get(role).id().to_string(),
                side: Side::closing(get(&before, role)).unwrap_or(Side::Buy),
                size: want(&before, role),
                position_before: Some(get(&before, role)),
            })
            .collect();
        let kind = if reduction.is_some() {
            OperationKind::Reduce
        } else if req.only.is_some() {
            OperationKind::CloseLeg
        } else {
            OperationKind::Close
        };
        let op = self.begin(kind, sym, journal_legs)?;
        tracing::Span::current().record("op", tracing::field::display(op));
        report.operation = Some(op);
        // Round 0 is built in full (both legs priced and signed) before anything is sent: a
        // leg that cannot be built means nothing is sent at all.
        let mut pending = match self.build_round(req, &markets, op, &legs0, before, 0).await {
            Ok(o) => Some(o),
            Err(reason) => {
                self.finish_close(
                    op,
                    Outcome::Aborted {
                        reason: reason.clone(),
                    },
                    &mut report,
                );
                report.result = CloseResult::NothingSent { reason };
                report.positions_after = Some(before);
                return Ok((report, reduction));
            }
        };
        let first_send = Instant::now();
        let mut imbalanced = false;
        let mut positions = before;
        for round in 0..self.options.max_close_rounds.max(1) {
            let legs = open_legs(&positions);
            if legs.is_empty() {
                break;
            }
            let orders = match pending.take() {
                Some(o) => o,
                None => match self
                    .build_round(req, &markets, op, &legs, positions, round)
                    .await
                {
                    Ok(o) => o,
                    Err(reason) => {
                        report
                            .warnings
                            .push(format!("round {}: {reason}", round + 1));
                        break;
                    }
                },
            };
            let journal: Vec<(&str, LegRole, &OrderRequest)> = orders
                .iter()
                .map(|(r, o, _)| (req.venues.get(*r).id(), *r, o))
                .collect();
            if let Err(e) = self.journal_orders(op, &journal) {
                if round == 0 {
                    self.finish_close(
                        op,
                        Outcome::Aborted {
                            reason: format!("journal failed: {e}"),
                        },
                        &mut report,
                    );
                    return Err(e);
                }
                // M7: after a send, never an Err: stop and report what is known.
                report.warnings.push(format!(
                    "round {}: not sent, journal failed: {e}",
                    round + 1
                ));
                break;
            }
            if round == 0 {
                self.pause_point("close:journaled").await;
            }
            let mut sent: Vec<(LegRole, Sent)> = Vec::new();
            let mut it = orders.into_iter();
            match (it.next(), it.next()) {
                (Some((ra, _, pa)), Some((rb, _, pb))) => {
                    let (sa, sb) = Self::send_pair(
                        (req.venues.get(ra).as_ref(), pa),
                        (req.venues.get(rb).as_ref(), pb),
                    )
                    .await;
                    if round == 0 {
                        let first: Instant = sa.start.min(sb.start);
                        report.leg_skew_us =
                            Some(micros(sa.start.max(sb.start).duration_since(first)));
                    }
                    sent.extend([(ra, sa), (rb, sb)]);
                }
                (Some((ra, _, pa)), None) => {
                    sent.push((ra, Self::send_one(req.venues.get(ra).as_ref(), pa).await))
                }
                _ => break,
            }
            if round == 0 {
                self.pause_point("close:sent").await;
            }
            let mut execs = Vec::new();
            for (role, s) in sent {
                execs.push(
                    self.settle(
                        req.venues.get(role).as_ref(),
                        sym,
                        role,
                        OrderPurpose::Close,
                        s,
                    )
                    .await,
                );
            }
            let round_before = positions;
            report.orders.extend(execs);
            let this_round: Vec<_> = report
                .orders
                .iter()
                .filter(|o| o.request.client_id.get() % 10 == u64::from(round))
                .cloned()
                .collect();
            positions = match self
                .settled_positions(&req.venues, sym, round_before, &this_round)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    let reason = format!(
                        "positions could not be read after closing orders ({e}); exposure unknown"
                    );
                    report.positions_after = None;
                    report.naked_ms = micros_ms(first_send);
                    self.halt_close(op, &reason, None, &req.symbol, &mut report);
                    report.result = CloseResult::Halted { reason };
                    return Ok((report, reduction));
                }
            };
            report.positions_after = Some(positions);
            if (positions.long + positions.short).abs() > tol {
                imbalanced = true;
            }
        }
        if imbalanced {
            report.naked_ms = micros_ms(first_send);
        }

        let remaining = open_legs(&positions);
        let all_flat = LegRole::BOTH
            .into_iter()
            .all(|r| get(&positions, r).abs() < market(r).step_size);
        let desc = format!(
            "{} {} and {} {} remain",
            long.id(),
            positions.long.normalize(),
            short.id(),
            positions.short.normalize()
        );
        let hedged = tol_hedged(&positions);
        if reduction.is_some() {
            self.classify_reduce(
                op,
                remaining.is_empty(),
                all_flat,
                hedged,
                positions,
                &desc,
                req,
                &mut report,
            );
            return Ok((report, reduction));
        }
        if all_flat {
            self.finish_close(op, Outcome::Flat, &mut report);
            report.result = CloseResult::Flat {
                already_flat: false,
            };
        } else if hedged {
            self.finish_close(
                op,
                Outcome::Remaining {
                    long: positions.long,
                    short: positions.short,
                },
                &mut report,
            );
            report.result = CloseResult::Remaining { reason: desc };
        } else if remaining.is_empty() && req.only.is_some() {
            // The asked leg is flat; the other leg was left as it was by request.
            let reason = format!(
                "closed the {} leg alone: {desc}",
                req.only.map(|r| r.to_string()).unwrap_or_default()
            );
            self.halt_close(op, &reason, Some(positions), &req.symbol, &mut report);
            report.result = CloseResult::Halted { reason };
        } else {
            let reason = format!(
                "close left an unhedged position: {desc}; cause: {}",
                halt_cause(&report.orders, &report.warnings)
            );
            self.halt_close(op, &reason, Some(positions), &req.symbol, &mut report);
            report.result = CloseResult::Halted { reason };
        }
        Ok((report, reduction))
    }

    /// How a reduce ended: every asked leg at its target with the legs still hedging each
    /// other (or both flat) is done; short of the target but still hedged is "remaining"
    /// (no HALT); anything unhedged HALTS.
    #[allow(clippy::too_many_arguments)]
    fn classify_reduce(
        &self,
        op: OperationId,
        at_target: bool,
        all_flat: bool,
        hedged: bool,
        positions: PairPositions,
        desc: &str,
        req: &CloseRequest,
        report: &mut CloseReport,
    ) {
        if at_target && (all_flat || hedged) {
            let outcome = if all_flat {
                Outcome::Flat
            } else {
                Outcome::Remaining {
                    long: positions.long,
                    short: positions.short,
                }
            };
            self.finish_close(op, outcome, report);
            report.result = CloseResult::Flat {
                already_flat: false,
            };
        } else if hedged {
            self.finish_close(
                op,
                Outcome::Remaining {
                    long: positions.long,
                    short: positions.short,
                },
                report,
            );
            report.result = CloseResult::Remaining {
                reason: format!("reduce stopped short of its target: {desc}"),
            };
        } else {
            let reason = format!(
                "reduce left an unhedged position: {desc}; cause: {}",
                halt_cause(&report.orders, &report.warnings)
            );
            self.halt_close(op, &reason, Some(positions), &req.symbol, report);
            report.result = CloseResult::Halted { reason };
        }
    }

    /// Prices, builds and signs the closing orders of one round. While both legs are open,
    /// either both are built or neither (the reason is returned; nothing is sent).
    async fn build_round(
        &self,
        req: &CloseRequest,
        markets: &[MarketInfo; 2],
        op: OperationId,
        legs: &[(LegRole, Decimal)],
        positions: PairPositions,
        round: u8,
    ) -> Result<Vec<(LegRole, OrderRequest, PreparedOrder)>, String> {
        let mut out = Vec::new();
        for &(role, qty) in legs {
            let market = &markets[usize::from(role == LegRole::Short)];
            let venue = req.venues.get(role).as_ref();
            let order = self
                .close_order(req, market, op, role, (get(&positions, role), qty), round)
                .await
                .map_err(|e| format!("{} leg could not be priced: {e}", venue.id()))?;
            let prepared = self
                .prepare(venue, &order)
                .await
                .map_err(|e| format!("{} leg could not be signed: {e}", venue.id()))?;
            out.push((role, order, prepared));
        }
        Ok(out)
    }

    async fn close_order(
        &self,
        req: &CloseRequest,
        market: &MarketInfo,
        op: OperationId,
        role: LegRole,
        (position, quantity): (Decimal, Decimal),
        attempt: u8,
    ) -> Result<OrderRequest, EngineError> {
        let venue = req.venues.get(role).as_ref();
        let side = Side::closing(position)
            .ok_or_else(|| EngineError::Internal("closing a flat leg".into()))?;
        let size = grid::floor_to_step(quantity.min(position.abs()), market.step_size)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let price = self
            .fresh_price(
                venue,
                market,
                side,
                &req.symbol,
                &req.pricing.for_reduce_only(),
            )
            .await?;
        self.order(&req.symbol, op, role, side, size, price, true, attempt)
    }

    fn finish_close(&self, op: OperationId, outcome: Outcome, report: &mut CloseReport) {
        if let Err(e) = self.finish(op, outcome, None) {
            report.warnings.push(format!(
                "could not record the outcome in the state file: {e}"
            ));
        }
    }

    fn halt_close(
        &self,
        op: OperationId,
        reason: &str,
        p: Option<PairPositions>,
        symbol: &str,
        report: &mut CloseReport,
    ) {
        let residual = vec![
            Residual {
                venue: report.venues[0].clone(),
                symbol: symbol.into(),
                size: p.map(|p| p.long),
            },
            Residual {
                venue: report.venues[1].clone(),
                symbol: symbol.into(),
                size: p.map(|p| p.short),
            },
        ];
        if let Err(e) = self.finish(
            op,
            Outcome::Halted {
                reason: reason.to_string(),
            },
            Some((reason.to_string(), residual)),
        ) {
            report.warnings.push(format!(
                "could not persist HALTED state ({e}): do not trade until both venues are checked"
            ));
        }
    }
}

fn micros_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
