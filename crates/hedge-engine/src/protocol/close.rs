//! Closing a hedge: reduce-only orders on both venues, repeated (bounded) until flat.
//!
//! "Already flat" is a successful close. A venue counts as flat when its position is below
//! one size step. If positions remain and still hedge each other, the close reports them
//! (exit 3); if one side remains without the other, the engine HALTS.

use super::engine::{venue_err, EngineError, HedgeEngine, LegVenues};
use super::report::{CloseReport, CloseResult, OrderPurpose, PairPositions};
use super::settle::{micros, Sent};
use crate::grid;
use crate::ids::LegRole;
use crate::pricing::PricingPolicy;
use crate::state::Residual;
use rust_decimal::Decimal;
use std::time::Instant;
use venue_api::{MarketInfo, OrderRequest, Side};

/// What to close.
#[derive(Debug, Clone)]
pub struct CloseRequest {
    /// Base asset.
    pub symbol: String,
    /// The venues (roles only number the client ids; the side follows each position's sign).
    pub venues: LegVenues,
    /// Pricing and book policy.
    pub pricing: PricingPolicy,
    /// Build and sign, but send nothing.
    pub dry_run: bool,
}

fn get(p: &PairPositions, role: LegRole) -> Decimal {
    match role {
        LegRole::Long => p.long,
        LegRole::Short => p.short,
    }
}

impl HedgeEngine {
    /// Closes both legs. `Err` means nothing was sent.
    pub async fn close(&self, req: &CloseRequest) -> Result<CloseReport, EngineError> {
        self.ensure_not_halted()?;
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let sym = req.symbol.as_str();
        let (lm, sm) = tokio::join!(long.market(sym), short.market(sym));
        let lm = lm.map_err(venue_err(long, "market lookup"))?;
        let sm = sm.map_err(venue_err(short, "market lookup"))?;
        let markets = [lm, sm];
        let market =
            |r: LegRole| -> &MarketInfo { &markets[if r == LegRole::Long { 0 } else { 1 }] };
        let common = grid::common_step(markets[0].step_size, markets[1].step_size)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let before = self.read_positions(&req.venues, sym).await?;
        let mut report = CloseReport {
            operation: None,
            symbol: req.symbol.clone(),
            venues: [long.id().to_string(), short.id().to_string()],
            orders: Vec::new(),
            leg_skew_us: None,
            positions_before: Some(before),
            positions_after: Some(before),
            result: CloseResult::Flat { already_flat: true },
            previews: Vec::new(),
            warnings: Vec::new(),
        };
        let open_legs = |p: &PairPositions| -> Vec<LegRole> {
            LegRole::BOTH
                .into_iter()
                .filter(|r| get(p, *r).abs() >= market(*r).step_size)
                .collect()
        };
        if open_legs(&before).is_empty() {
            return Ok(report);
        }

        if req.dry_run {
            let op = self.next_operation_id()?;
            for role in open_legs(&before) {
                let order = self
                    .close_order(req, market(role), op, role, get(&before, role), 0)
                    .await?;
                let p = self.prepare(req.venues.get(role).as_ref(), &order).await?;
                report.previews.push(
                    p.preview()
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("{order:?}")),
                );
            }
            report.result = CloseResult::DryRun;
            return Ok(report);
        }

        let op = self.begin("close", sym)?;
        report.operation = Some(op);
        let mut positions = before;
        for round in 0..self.options.max_close_rounds.max(1) {
            let legs = open_legs(&positions);
            if legs.is_empty() {
                break;
            }
            let mut orders: Vec<(LegRole, OrderRequest)> = Vec::new();
            for role in legs {
                match self
                    .close_order(req, market(role), op, role, get(&positions, role), round)
                    .await
                {
                    Ok(o) => orders.push((role, o)),
                    Err(e) => report.warnings.push(format!("round {}: {e}", round + 1)),
                }
            }
            if orders.is_empty() {
                break;
            }
            let journal: Vec<(&str, LegRole, &OrderRequest)> = orders
                .iter()
                .map(|(r, o)| (req.venues.get(*r).id(), *r, o))
                .collect();
            self.journal_orders(op, &journal)?;
            let mut prepared = Vec::new();
            for (role, o) in &orders {
                match self.prepare(req.venues.get(*role).as_ref(), o).await {
                    Ok(p) => prepared.push((*role, p)),
                    Err(e) => report.warnings.push(format!("round {}: {e}", round + 1)),
                }
            }
            let mut sent: Vec<(LegRole, Sent)> = Vec::new();
            let mut it = prepared.into_iter();
            match (it.next(), it.next()) {
                (Some((ra, pa)), Some((rb, pb))) => {
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
                (Some((ra, pa)), None) => {
                    sent.push((ra, Self::send_one(req.venues.get(ra).as_ref(), pa).await))
                }
                _ => break,
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
                    self.halt_close(op, &reason, None, &req.symbol, &mut report);
                    report.result = CloseResult::Halted { reason };
                    return Ok(report);
                }
            };
            report.positions_after = Some(positions);
        }

        let remaining = open_legs(&positions);
        if remaining.is_empty() {
            self.finish_close(op, "flat", &mut report);
            report.result = CloseResult::Flat {
                already_flat: false,
            };
        } else {
            let desc = format!(
                "{} {} and {} {} remain",
                long.id(),
                positions.long,
                short.id(),
                positions.short
            );
            let hedged = (positions.long > Decimal::ZERO) != (positions.short > Decimal::ZERO)
                && !positions.long.is_zero()
                && !positions.short.is_zero()
                && (positions.long + positions.short).abs() < common / Decimal::TWO;
            if hedged {
                self.finish_close(
                    op,
                    &format!("positions remain (hedged): {desc}"),
                    &mut report,
                );
                report.result = CloseResult::Remaining { reason: desc };
            } else {
                let reason = format!("close left an unhedged position: {desc}");
                self.halt_close(op, &reason, Some(positions), &req.symbol, &mut report);
                report.result = CloseResult::Halted { reason };
            }
        }
        Ok(report)
    }

    async fn close_order(
        &self,
        req: &CloseRequest,
        market: &MarketInfo,
        op: crate::ids::OperationId,
        role: LegRole,
        position: Decimal,
        attempt: u8,
    ) -> Result<OrderRequest, EngineError> {
        let venue = req.venues.get(role).as_ref();
        let side = Side::closing(position)
            .ok_or_else(|| EngineError::Internal("closing a flat leg".into()))?;
        let size = grid::floor_to_step(position.abs(), market.step_size)
            .map_err(|e| EngineError::Internal(e.to_string()))?;
        let price = self
            .fresh_price(venue, market, side, &req.symbol, &req.pricing)
            .await?;
        self.order(&req.symbol, op, role, side, size, price, true, attempt)
    }

    fn finish_close(&self, op: crate::ids::OperationId, outcome: &str, report: &mut CloseReport) {
        if let Err(e) = self.finish(op, outcome, None) {
            report.warnings.push(format!(
                "could not record the outcome in the state file: {e}"
            ));
        }
    }

    fn halt_close(
        &self,
        op: crate::ids::OperationId,
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
            &format!("HALTED: {reason}"),
            Some((reason.to_string(), residual)),
        ) {
            report.warnings.push(format!(
                "could not persist HALTED state ({e}): do not trade until both venues are checked"
            ));
        }
    }
}
