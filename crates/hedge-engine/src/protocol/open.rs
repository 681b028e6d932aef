//! Opening a hedge: plan, leverage, send both legs, verify, repair or unwind, or halt.

use super::engine::{venue_err, EngineError, HedgeEngine, LegVenues};
use super::recover::RecoveryReport;
use super::report::{
    halt_cause, HedgeResult, LegOutcome, OpenReport, OrderExecution, OrderPurpose, PairPositions,
};
use super::settle::{micros, Sent};
use crate::capacity::{hedge_capacity, HedgeCapacity};
use crate::grid;
use crate::ids::{LegRole, OperationId};
use crate::pricing::{aggressive_price, average_mid, check_book, PricingPolicy};
use crate::sizing::{size_hedge, LegMarket, SizeRequest};
use crate::state::{JournalLeg, OperationKind, Outcome, Residual};
use rust_decimal::Decimal;
use serde::Serialize;
use std::time::Instant;
use tracing::Instrument;
use venue_api::{MarketInfo, MarketStatus, OrderRequest, Side, TimeInForce, Venue};

/// How the two first orders are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegMode {
    /// Both at once: the smallest price risk between the legs.
    Concurrent,
    /// The pilot leg first; the other leg is sized from the pilot's actual fill.
    Sequential {
        /// The leg sent first.
        pilot: LegRole,
    },
}

/// What to open.
#[derive(Debug, Clone)]
pub struct OpenRequest {
    /// Base asset.
    pub symbol: String,
    /// The venues, by role.
    pub venues: LegVenues,
    /// Leverage to set on both venues.
    pub leverage: u32,
    /// The size asked for.
    pub size: SizeRequest,
    /// Pricing and book policy.
    pub pricing: PricingPolicy,
    /// Concurrent or pilot first.
    pub leg_mode: LegMode,
    /// Build and sign, but send nothing.
    pub dry_run: bool,
    /// Add to an existing balanced hedge in this symbol and direction (never set by the bots).
    pub add: bool,
}

/// Everything decided before trading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenPlan {
    /// The long-side venue's market.
    pub long_market: MarketInfo,
    /// The short-side venue's market.
    pub short_market: MarketInfo,
    /// Average mid used for sizing.
    pub mid: Decimal,
    /// Size per leg (base units).
    pub size: Decimal,
    /// The request in base units before rounding.
    pub requested_base: Decimal,
    /// The grid both legs share.
    pub common_step: Decimal,
    /// What the collateral allows.
    pub capacity: HedgeCapacity,
    /// Limit price of the long leg's buy.
    pub long_price: Decimal,
    /// Limit price of the short leg's sell.
    pub short_price: Decimal,
    /// Leverage set on both venues.
    pub leverage: u32,
    /// For a dry run: each signed order as the venue would receive it.
    pub previews: Vec<String>,
}

impl OpenPlan {
    fn market(&self, role: LegRole) -> &MarketInfo {
        match role {
            LegRole::Long => &self.long_market,
            LegRole::Short => &self.short_market,
        }
    }
}

fn side_of(role: LegRole) -> Side {
    match role {
        LegRole::Long => Side::Buy,
        LegRole::Short => Side::Sell,
    }
}

impl HedgeEngine {
    /// Opens a hedge. `Err` means nothing was sent; every outcome after sending is in the
    /// report's `result`.
    pub async fn open(&self, req: &OpenRequest) -> Result<OpenReport, EngineError> {
        if req.dry_run {
            return self.open_dry_run(req).await;
        }
        // Every log line of the operation carries its id (recorded once journaled).
        let span = tracing::info_span!("open", symbol = %req.symbol, op = tracing::field::Empty);
        self.open_locked(req).instrument(span).await
    }

    async fn open_locked(&self, req: &OpenRequest) -> Result<OpenReport, EngineError> {
        let _guard = self.lock_operation("open").await?;
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        self.resync_both(&req.venues).await?;
        let recovery = self
            .recover_locked(&[req.venues.long.clone(), req.venues.short.clone()])
            .await?;
        self.ensure_not_halted()?;
        self.check_state_present(&req.venues).await?;
        // Positions first (L12: before leverage touches an existing position's margin).
        let before = self.read_positions(&req.venues, &req.symbol).await?;
        let mut plan = self.plan_open(req).await?;
        self.refuse_existing(req, &plan, before).await?;
        self.setup_leverage(req).await?;
        // M9: prices from fresh books right before signing, not from the plan's books.
        let (lp, sp) = tokio::join!(
            self.fresh_price(
                long,
                &plan.long_market,
                Side::Buy,
                &req.symbol,
                &req.pricing
            ),
            self.fresh_price(
                short,
                &plan.short_market,
                Side::Sell,
                &req.symbol,
                &req.pricing
            )
        );
        plan.long_price = lp?;
        plan.short_price = sp?;
        let mut report = OpenReport {
            operation: None,
            symbol: req.symbol.clone(),
            long_venue: long.id().to_string(),
            short_venue: short.id().to_string(),
            plan: plan.clone(),
            orders: Vec::new(),
            leg_skew_us: None,
            both_acked_us: None,
            both_final_us: None,
            naked_ms: 0,
            positions_before: Some(before),
            positions_after: None,
            result: HedgeResult::DryRun,
            warnings: Vec::new(),
            recovery,
        };

        let legs = LegRole::BOTH
            .into_iter()
            .map(|role| JournalLeg {
                leg: role,
                venue: req.venues.get(role).id().to_string(),
                side: side_of(role),
                size: plan.size,
                position_before: Some(match role {
                    LegRole::Long => before.long,
                    LegRole::Short => before.short,
                }),
            })
            .collect();
        let op = self.begin(OperationKind::Open, &req.symbol, legs)?;
        tracing::Span::current().record("op", tracing::field::display(op));
        report.operation = Some(op);
        let first_send = Instant::now();
        let long_req = self.order(
            &req.symbol,
            op,
            LegRole::Long,
            Side::Buy,
            plan.size,
            plan.long_price,
            false,
            0,
        )?;
        let short_req = self.order(
            &req.symbol,
            op,
            LegRole::Short,
            Side::Sell,
            plan.size,
            plan.short_price,
            false,
            0,
        )?;

        match req.leg_mode {
            LegMode::Concurrent => {
                // Journal, then sign both, then send both: nothing but polling between sends.
                self.journal_orders(
                    op,
                    &[
                        (long.id(), LegRole::Long, &long_req),
                        (short.id(), LegRole::Short, &short_req),
                    ],
                )?;
                let pl = self.prepare(long, &long_req).await;
                let ps = self.prepare(short, &short_req).await;
                let (pl, ps) = match (pl, ps) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => {
                        self.finish_quietly(
                            op,
                            Outcome::Aborted {
                                reason: format!("signing failed: {e}"),
                            },
                            None,
                            &mut report.warnings,
                        );
                        return Err(e);
                    }
                };
                self.pause_point("open:journaled").await;
                let (sl, ss) = Self::send_pair((long, pl), (short, ps)).await;
                self.pause_point("open:sent").await;
                let first = sl.start.min(ss.start);
                report.leg_skew_us = Some(micros(sl.start.max(ss.start).duration_since(first)));
                report.both_acked_us =
                    Some(micros(sl.answered.max(ss.answered).duration_since(first)));
                let (el, es) = tokio::join!(
                    self.settle(long, &req.symbol, LegRole::Long, OrderPurpose::Open, sl),
                    self.settle(short, &req.symbol, LegRole::Short, OrderPurpose::Open, ss)
                );
                report.both_final_us = Some(micros(first.elapsed()));
                report.orders.extend([el, es]);
            }
            LegMode::Sequential { pilot } => {
                let hedge = pilot.other();
                let (pilot_req, _) = if pilot == LegRole::Long {
                    (&long_req, &short_req)
                } else {
                    (&short_req, &long_req)
                };
                let pilot_venue = req.venues.get(pilot).as_ref();
                self.journal_orders(op, &[(pilot_venue.id(), pilot, pilot_req)])?;
                let prepared = match self.prepare(pilot_venue, pilot_req).await {
                    Ok(p) => p,
                    Err(e) => {
                        self.finish_quietly(
                            op,
                            Outcome::Aborted {
                                reason: format!("signing failed: {e}"),
                            },
                            None,
                            &mut report.warnings,
                        );
                        return Err(e);
                    }
                };
                let first = Instant::now();
                self.pause_point("open:journaled").await;
                let sent = Self::send_one(pilot_venue, prepared).await;
                self.pause_point("open:pilot_sent").await;
                let pilot_exec = self
                    .settle(pilot_venue, &req.symbol, pilot, OrderPurpose::Open, sent)
                    .await;
                let hedge_size =
                    grid::floor_to_step(pilot_exec.filled_size, plan.market(hedge).step_size)
                        .unwrap_or(Decimal::ZERO);
                let pilot_unknown = pilot_exec.outcome == LegOutcome::Unknown;
                report.orders.push(pilot_exec);
                // An unknown pilot is resolved from positions by the reconciliation below.
                if hedge_size > Decimal::ZERO && !pilot_unknown {
                    if let Some(exec) = self
                        .send_leg(
                            req,
                            &plan,
                            op,
                            hedge,
                            side_of(hedge),
                            hedge_size,
                            false,
                            0,
                            OrderPurpose::Open,
                            &mut report.warnings,
                        )
                        .await
                    {
                        report.orders.push(exec);
                    }
                }
                report.both_final_us = Some(micros(first.elapsed()));
            }
        }

        self.pause_point("open:settled").await;
        let (result, after, imbalanced) = self
            .reconcile_open(req, &plan, op, before, &mut report)
            .await;
        report.positions_after = after;
        report.naked_ms = if imbalanced {
            u64::try_from(first_send.elapsed().as_millis()).unwrap_or(u64::MAX)
        } else {
            0
        };
        let (outcome, halt) = match &result {
            HedgeResult::Hedged { size, .. } => (Outcome::Hedged { size: *size }, None),
            HedgeResult::NothingOpened { reason } => (
                Outcome::NothingOpened {
                    reason: reason.clone(),
                },
                None,
            ),
            HedgeResult::Halted { reason } => {
                let residual = vec![
                    Residual {
                        venue: long.id().into(),
                        symbol: req.symbol.clone(),
                        size: after.map(|p| p.long),
                    },
                    Residual {
                        venue: short.id().into(),
                        symbol: req.symbol.clone(),
                        size: after.map(|p| p.short),
                    },
                ];
                (
                    Outcome::Halted {
                        reason: reason.clone(),
                    },
                    Some((reason.clone(), residual)),
                )
            }
            HedgeResult::DryRun => (Outcome::DryRun, None),
        };
        self.finish_quietly(op, outcome, halt, &mut report.warnings);
        report.result = result;
        Ok(report)
    }

    /// Why the real open would be refused or would first have work to do (D12): unfinished
    /// operations, a missing state file with positions, existing positions. Read-only.
    async fn dry_run_warnings(&self, req: &OpenRequest, plan: &OpenPlan) -> Vec<String> {
        let mut out = Vec::new();
        match self.state() {
            Ok(state) => {
                if let Some(h) = &state.halted {
                    out.push(format!(
                        "the real open would be refused: trading is HALTED since {}: {}",
                        h.since.format("%Y-%m-%d %H:%M:%S UTC"),
                        h.reason
                    ));
                }
                let ops: Vec<String> = state
                    .unfinished()
                    .iter()
                    .map(|e| format!("{} ({} {})", e.operation, e.kind, e.symbol))
                    .collect();
                if !ops.is_empty() {
                    out.push(format!(
                        "the real open first recovers {} unfinished operation(s): {}; it may \
                         HALT or refuse on what it finds",
                        ops.len(),
                        ops.join(", ")
                    ));
                }
            }
            Err(e) => out.push(format!("the real open would be refused: {e}")),
        }
        if let Err(e) = self.check_state_present(&req.venues).await {
            out.push(format!("the real open would be refused: {e}"));
        }
        match self.read_positions(&req.venues, &req.symbol).await {
            Ok(before) => {
                if let Err(e) = self.refuse_existing(req, plan, before).await {
                    out.push(format!("the real open would be refused: {e}"));
                }
            }
            Err(e) => out.push(format!("existing positions could not be checked: {e}")),
        }
        out
    }

    /// `--dry-run`: plan, build and sign both orders; nothing is sent, nothing journaled. The
    /// report's warnings say when the real open would be refused (HALTED included: a dry run
    /// only reads, so it still shows what would be sent).
    async fn open_dry_run(&self, req: &OpenRequest) -> Result<OpenReport, EngineError> {
        let mut plan = self.plan_open(req).await?;
        let warnings = self.dry_run_warnings(req, &plan).await;
        let op = self.next_operation_id()?;
        for role in LegRole::BOTH {
            let r = self.order(
                &req.symbol,
                op,
                role,
                side_of(role),
                plan.size,
                price_of(&plan, role),
                false,
                0,
            )?;
            let p = self.prepare(req.venues.get(role).as_ref(), &r).await?;
            plan.previews.push(
                p.preview()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{r:?}")),
            );
        }
        Ok(OpenReport {
            operation: None,
            symbol: req.symbol.clone(),
            long_venue: req.venues.long.id().to_string(),
            short_venue: req.venues.short.id().to_string(),
            plan,
            orders: Vec::new(),
            leg_skew_us: None,
            both_acked_us: None,
            both_final_us: None,
            naked_ms: 0,
            positions_before: None,
            positions_after: None,
            result: HedgeResult::DryRun,
            warnings,
            recovery: RecoveryReport {
                state_file: self.state_location(),
                operations: Vec::new(),
                halted: None,
            },
        })
    }

    /// Refuses to open on top of positions: in this symbol unless `add` (and then only on a
    /// balanced hedge in this direction), and in any symbol whose legs do not balance.
    async fn refuse_existing(
        &self,
        req: &OpenRequest,
        plan: &OpenPlan,
        before: PairPositions,
    ) -> Result<(), EngineError> {
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let tol = plan.long_market.step_size.min(plan.short_market.step_size) / Decimal::TWO;
        let others = self.other_symbols(&req.venues, &req.symbol).await?;
        let unbalanced: Vec<String> = others
            .iter()
            .filter(|(_, l, s)| !(*l + *s).is_zero())
            .map(|(sym, l, s)| format!("{sym}: {} {l}, {} {s}", long.id(), short.id()))
            .collect();
        if !unbalanced.is_empty() {
            return Err(EngineError::PositionsExist {
                balanced: false,
                detail: format!(
                    "unbalanced positions in other symbols: {}",
                    unbalanced.join("; ")
                ),
            });
        }
        let here_open = before.long.abs() > tol || before.short.abs() > tol;
        if !here_open {
            return Ok(());
        }
        let balanced = (before.long + before.short).abs() < tol;
        let right_way = before.long > Decimal::ZERO && before.short < Decimal::ZERO;
        let desc = format!(
            "{}: {} {}, {} {}",
            req.symbol,
            long.id(),
            before.long.normalize(),
            short.id(),
            before.short.normalize()
        );
        if !balanced || !right_way {
            return Err(EngineError::PositionsExist {
                balanced: false,
                detail: format!(
                    "positions exist that are not a hedge in this direction ({desc}); close them first"
                ),
            });
        }
        if !req.add {
            return Err(EngineError::PositionsExist {
                balanced: true,
                detail: format!(
                    "a hedge is already open ({desc}); pass --add to add to it, or close it first"
                ),
            });
        }
        Ok(())
    }

    /// Signed sizes per symbol other than `symbol` on both venues (long-role venue first).
    async fn other_symbols(
        &self,
        venues: &LegVenues,
        symbol: &str,
    ) -> Result<Vec<(String, Decimal, Decimal)>, EngineError> {
        let (l, s) = tokio::join!(venues.long.positions(), venues.short.positions());
        let l = l.map_err(venue_err(
            venues.long.as_ref(),
            "positions read (all symbols)",
        ))?;
        let s = s.map_err(venue_err(
            venues.short.as_ref(),
            "positions read (all symbols)",
        ))?;
        let mut out: Vec<(String, Decimal, Decimal)> = Vec::new();
        for (p, is_long) in l
            .iter()
            .map(|p| (p, true))
            .chain(s.iter().map(|p| (p, false)))
        {
            if p.symbol.eq_ignore_ascii_case(symbol) || p.size.is_zero() {
                continue;
            }
            let i = match out.iter().position(|(sym, _, _)| sym == &p.symbol) {
                Some(i) => i,
                None => {
                    out.push((p.symbol.clone(), Decimal::ZERO, Decimal::ZERO));
                    out.len() - 1
                }
            };
            if is_long {
                out[i].1 += p.size;
            } else {
                out[i].2 += p.size;
            }
        }
        Ok(out)
    }

    pub(super) fn finish_quietly(
        &self,
        op: OperationId,
        outcome: Outcome,
        halt: Option<(String, Vec<Residual>)>,
        warnings: &mut Vec<String>,
    ) {
        let halting = halt.is_some();
        if let Err(e) = self.finish(op, outcome, halt) {
            let msg = if halting {
                format!("could not persist HALTED state ({e}): do not trade until both venues are checked")
            } else {
                format!("could not record the outcome in the state file: {e}")
            };
            tracing::error!("{msg}");
            warnings.push(msg);
        }
    }

    /// Builds one order of this operation.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn order(
        &self,
        symbol: &str,
        op: OperationId,
        role: LegRole,
        side: Side,
        size: Decimal,
        price: Decimal,
        reduce_only: bool,
        attempt: u8,
    ) -> Result<OrderRequest, EngineError> {
        let client_id = op.client_id(role, attempt).ok_or_else(|| {
            EngineError::Internal(format!("no client id left for {role} attempt {attempt}"))
        })?;
        Ok(OrderRequest {
            symbol: symbol.to_string(),
            side,
            size,
            price,
            time_in_force: TimeInForce::ImmediateOrCancel,
            reduce_only,
            client_id,
            expires_at: Some(self.order_expiry()),
        })
    }

    /// Prices (from a fresh book), journals, signs, sends and settles one order of a leg.
    /// `None` when no order could be sent (the reason is logged and the loop moves on).
    #[allow(clippy::too_many_arguments)]
    async fn send_leg(
        &self,
        req: &OpenRequest,
        plan: &OpenPlan,
        op: OperationId,
        role: LegRole,
        side: Side,
        size: Decimal,
        reduce_only: bool,
        attempt: u8,
        purpose: OrderPurpose,
        warnings: &mut Vec<String>,
    ) -> Option<OrderExecution> {
        let venue = req.venues.get(role).as_ref();
        let market = plan.market(role);
        let size = grid::floor_to_step(size, market.step_size).ok()?;
        if size <= Decimal::ZERO {
            return None;
        }
        // Reduce-only orders (unwinds) use the looser reduce-only pricing policy.
        let policy = if reduce_only {
            req.pricing.for_reduce_only()
        } else {
            req.pricing.clone()
        };
        let price = match self
            .fresh_price(venue, market, side, &req.symbol, &policy)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("{} {purpose:?} order not sent: {e}", venue.id());
                tracing::warn!("{msg}");
                warnings.push(msg);
                return None;
            }
        };
        let order = self
            .order(
                &req.symbol,
                op,
                role,
                side,
                size,
                price,
                reduce_only,
                attempt,
            )
            .ok()?;
        if let Err(e) = self.journal_orders(op, &[(venue.id(), role, &order)]) {
            let msg = format!(
                "{} {purpose:?} order not sent: journal failed: {e}",
                venue.id()
            );
            tracing::error!("{msg}");
            warnings.push(msg);
            return None;
        }
        let prepared = match self.prepare(venue, &order).await {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("{} {purpose:?} order not sent: {e}", venue.id());
                tracing::warn!("{msg}");
                warnings.push(msg);
                return None;
            }
        };
        let sent: Sent = Self::send_one(venue, prepared).await;
        Some(self.settle(venue, &req.symbol, role, purpose, sent).await)
    }

    pub(super) async fn fresh_price(
        &self,
        venue: &dyn Venue,
        market: &MarketInfo,
        side: Side,
        symbol: &str,
        policy: &PricingPolicy,
    ) -> Result<Decimal, EngineError> {
        let book = venue
            .top_of_book(symbol)
            .await
            .map_err(venue_err(venue, "top of book"))?;
        aggressive_price(side, &book, market.tick_size, policy, self.clock.now()).map_err(
            |source| EngineError::Pricing {
                venue: venue.id().to_string(),
                source,
            },
        )
    }

    /// Markets, books, balances, capacity, size and prices: everything before trading.
    pub async fn plan_open(&self, req: &OpenRequest) -> Result<OpenPlan, EngineError> {
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let sym = req.symbol.as_str();
        let (lm, sm) = tokio::join!(long.market(sym), short.market(sym));
        let lm = lm.map_err(venue_err(long, "market lookup"))?;
        let sm = sm.map_err(venue_err(short, "market lookup"))?;
        for (v, m) in [(long, &lm), (short, &sm)] {
            if m.status != MarketStatus::Active {
                return Err(EngineError::MarketNotActive {
                    venue: v.id().into(),
                    symbol: sym.into(),
                    status: m.status,
                });
            }
            if let Some(max) = m.max_leverage {
                if Decimal::from(req.leverage) > max {
                    return Err(EngineError::LeverageTooHigh {
                        venue: v.id().into(),
                        symbol: sym.into(),
                        requested: req.leverage,
                        max,
                    });
                }
            }
        }
        let (lb, sb) = tokio::join!(long.top_of_book(sym), short.top_of_book(sym));
        let lb = lb.map_err(venue_err(long, "top of book"))?;
        let sb = sb.map_err(venue_err(short, "top of book"))?;
        let now = self.clock.now();
        for (v, b) in [(long, &lb), (short, &sb)] {
            check_book(b, &req.pricing, now).map_err(|source| EngineError::Pricing {
                venue: v.id().into(),
                source,
            })?;
        }
        let mid = average_mid(&lb, &sb).map_err(|source| EngineError::Pricing {
            venue: "both".into(),
            source,
        })?;
        let (lbal, sbal) = tokio::join!(long.balance(), short.balance());
        let lbal = lbal.map_err(venue_err(long, "balance"))?;
        let sbal = sbal.map_err(venue_err(short, "balance"))?;
        let (ll, sl) = (
            LegMarket::new(long.id(), &lm),
            LegMarket::new(short.id(), &sm),
        );
        let leverage = Decimal::from(req.leverage);
        let capacity = hedge_capacity(
            ll,
            lbal.available,
            sl,
            sbal.available,
            leverage,
            mid,
            &self.options.capacity,
        )?;
        let size = size_hedge(req.size, ll, sl, mid, Some(capacity.max_size))?;
        let long_price = aggressive_price(Side::Buy, &lb, lm.tick_size, &req.pricing, now)
            .map_err(|source| EngineError::Pricing {
                venue: long.id().into(),
                source,
            })?;
        let short_price = aggressive_price(Side::Sell, &sb, sm.tick_size, &req.pricing, now)
            .map_err(|source| EngineError::Pricing {
                venue: short.id().into(),
                source,
            })?;
        Ok(OpenPlan {
            common_step: size.common_step(),
            size: size.size(),
            requested_base: size.requested_base(),
            long_market: lm,
            short_market: sm,
            mid,
            capacity,
            long_price,
            short_price,
            leverage: req.leverage,
            previews: Vec::new(),
        })
    }

    /// Sets leverage on both venues and reads it back; any failure stops before trading.
    async fn setup_leverage(&self, req: &OpenRequest) -> Result<(), EngineError> {
        let (long, short) = (req.venues.long.as_ref(), req.venues.short.as_ref());
        let sym = req.symbol.as_str();
        let (a, b) = tokio::join!(
            long.set_leverage(sym, req.leverage),
            short.set_leverage(sym, req.leverage)
        );
        a.map_err(venue_err(long, "set leverage"))?;
        b.map_err(venue_err(short, "set leverage"))?;
        let (a, b) = tokio::join!(long.leverage(sym), short.leverage(sym));
        for (v, r) in [(long, a), (short, b)] {
            let setting = r.map_err(venue_err(v, "leverage read-back"))?;
            if setting.leverage != Decimal::from(req.leverage) {
                return Err(EngineError::LeverageNotApplied {
                    venue: v.id().into(),
                    symbol: sym.into(),
                    requested: req.leverage,
                    actual: setting.leverage,
                });
            }
        }
        Ok(())
    }

    /// Reads positions until they agree with the fills the venues reported (or the settle
    /// timeout passes), then repairs, unwinds or halts until the legs are balanced.
    async fn reconcile_open(
        &self,
        req: &OpenRequest,
        plan: &OpenPlan,
        op: OperationId,
        before: PairPositions,
        report: &mut OpenReport,
    ) -> (HedgeResult, Option<PairPositions>, bool) {
        // Both legs' fills lie on their own venue's grid, so they can always be made exactly
        // equal (reduce both to a size on the common grid); "balanced" therefore means equal
        // to within half of the FINER step, and any excess on a leg is unwound.
        let tol = plan.long_market.step_size.min(plan.short_market.step_size) / Decimal::TWO;
        let mut repairs_left = self.options.max_repair_attempts;
        let mut unwinds_left = self.options.max_unwind_attempts;
        let mut next_attempt = [1u8, 1u8];
        let idx = |r: LegRole| if r == LegRole::Long { 0 } else { 1 };
        // True once the legs were seen unequal: one leg stood without its hedge.
        let mut imbalanced = false;
        loop {
            let after = match self
                .settled_positions(&req.venues, &req.symbol, before, &report.orders)
                .await
            {
                Ok(p) => p,
                Err(e) => {
                    return (
                        HedgeResult::Halted {
                            reason: format!(
                                "positions could not be read after sending ({e}); exposure unknown"
                            ),
                        },
                        None,
                        true,
                    )
                }
            };
            let a = after.long - before.long; // long exposure added
            let b = before.short - after.short; // short exposure added
            if a <= -tol || b <= -tol {
                return (
                    HedgeResult::Halted {
                        reason: format!(
                            "positions moved the wrong way: {} {}, {} {}; orders: {}",
                            report.long_venue,
                            after.long,
                            report.short_venue,
                            after.short,
                            halt_cause(&report.orders, &report.warnings)
                        ),
                    },
                    Some(after),
                    true,
                );
            }
            if (a - b).abs() < tol {
                return if a.abs() < tol {
                    (
                        HedgeResult::NothingOpened {
                            reason: describe_failures(&report.orders),
                        },
                        Some(after),
                        imbalanced,
                    )
                } else {
                    (
                        HedgeResult::Hedged {
                            size: a,
                            requested: plan.size,
                        },
                        Some(after),
                        imbalanced,
                    )
                };
            }
            imbalanced = true;
            // Imbalanced: first try to bring the short-filled leg up to the other.
            if repairs_left > 0 {
                repairs_left -= 1;
                let (under, have, other) = if a < b {
                    (LegRole::Long, a, b)
                } else {
                    (LegRole::Short, b, a)
                };
                let target = grid::floor_to_step(other, plan.common_step).unwrap_or(Decimal::ZERO);
                let missing = target - have;
                let market = plan.market(under);
                // M3: a definite refusal (margin, invalid, auth, market) is not repaired: the
                // other leg is unwound at once. M1: a leg whose last order is still unknown is
                // cancelled and resolved first; if it stays unknown, no repair is sent.
                let resolved = self.resolve_last_unknown(req, under, report).await;
                let refused = report
                    .orders
                    .iter()
                    .rev()
                    .find(|o| o.leg == under)
                    .is_some_and(|o| o.definite_refusal);
                let placeable =
                    resolved && !refused && missing >= market.min_size && missing > Decimal::ZERO;
                if placeable {
                    self.pause_point("open:repair").await;
                    let attempt = next_attempt[idx(under)];
                    next_attempt[idx(under)] += 1;
                    if let Some(exec) = self
                        .send_leg(
                            req,
                            plan,
                            op,
                            under,
                            side_of(under),
                            missing,
                            false,
                            attempt,
                            OrderPurpose::Repair,
                            &mut report.warnings,
                        )
                        .await
                    {
                        report.orders.push(exec);
                        continue;
                    }
                }
                repairs_left = 0;
            }
            // Then take both legs back down to a common balanced size, reduce-only.
            if unwinds_left > 0 {
                unwinds_left -= 1;
                let target =
                    grid::floor_to_step(a.min(b), plan.common_step).unwrap_or(Decimal::ZERO);
                let mut sent_any = false;
                self.pause_point("open:unwind").await;
                for (role, have) in [(LegRole::Long, a), (LegRole::Short, b)] {
                    let excess = have - target;
                    if excess >= tol {
                        let attempt = next_attempt[idx(role)];
                        next_attempt[idx(role)] += 1;
                        if let Some(exec) = self
                            .send_leg(
                                req,
                                plan,
                                op,
                                role,
                                side_of(role).opposite(),
                                excess,
                                true,
                                attempt,
                                OrderPurpose::Unwind,
                                &mut report.warnings,
                            )
                            .await
                        {
                            report.orders.push(exec);
                            sent_any = true;
                        }
                    }
                }
                if sent_any || unwinds_left > 0 {
                    continue;
                }
            }
            return (
                HedgeResult::Halted {
                    reason: format!(
                        "legs unbalanced after repair and unwind: {} {} vs {} {}; cause: {}",
                        report.long_venue,
                        after.long,
                        report.short_venue,
                        after.short,
                        halt_cause(&report.orders, &report.warnings)
                    ),
                },
                Some(after),
                true,
            );
        }
    }

    /// Cancels and re-reads the last order of `leg` when its outcome is unknown. True when
    /// the leg has no unknown order left (a repair may be judged from positions).
    async fn resolve_last_unknown(
        &self,
        req: &OpenRequest,
        leg: LegRole,
        report: &mut OpenReport,
    ) -> bool {
        let Some(i) = report.orders.iter().rposition(|o| o.leg == leg) else {
            return true;
        };
        if report.orders[i].outcome != LegOutcome::Unknown {
            return true;
        }
        let venue = req.venues.get(leg).as_ref();
        let cid = report.orders[i].request.client_id;
        if let Err(e) = venue.cancel_order(&req.symbol, cid).await {
            tracing::warn!(venue = venue.id(), %cid, "cancel of an unknown order failed: {e}");
        }
        // Past its expiry plus the settle grace (the venue's visibility lag), an order the
        // venue does not know can never execute: it was not placed (e.g. answered 200 and
        // dropped), and a repair may be sent.
        let dead_after = report.orders[i].request.expires_at.map(|t| {
            t + chrono::Duration::from_std(self.settle_grace(&req.venues))
                .unwrap_or(chrono::Duration::MAX)
        });
        for _ in 0..self.options.position_read_attempts.max(1) {
            match venue.order_status(&req.symbol, cid).await {
                Ok(Some(st)) if st.state.is_final() => {
                    report.orders[i].apply_status(&st);
                    return true;
                }
                Ok(None) if dead_after.is_some_and(|t| self.clock.now() >= t) => {
                    let o = &mut report.orders[i];
                    o.outcome = LegOutcome::Rejected;
                    o.error = Some(
                        "accepted but never found by client id, now past its expiry: not placed"
                            .into(),
                    );
                    return true;
                }
                _ => {}
            }
            self.clock.sleep(self.options.poll_interval).await;
        }
        report.warnings.push(format!(
            "{}: order {cid} still unknown after cancel; no repair sent on that leg",
            venue.id()
        ));
        false
    }

    /// Reads positions until they match the fills reported by order status, or the settle
    /// timeout passes; the settle grace is waited first unless the positions already match.
    ///
    /// While an order's outcome is unknown (M1), each leg may hold anything between its known
    /// fills and those plus the unknown orders' full sizes: positions are polled until they
    /// lie in that range AND have not changed for a whole settle grace (a fill that shows
    /// late moves them, and restarts the wait), or the deadline passes.
    pub(super) async fn settled_positions(
        &self,
        venues: &LegVenues,
        symbol: &str,
        before: PairPositions,
        orders: &[OrderExecution],
    ) -> Result<PairPositions, EngineError> {
        let known = orders.iter().all(|o| o.outcome != LegOutcome::Unknown);
        let range = |role: LegRole, start: Decimal| {
            let (mut lo, mut hi) = (start, start);
            for o in orders.iter().filter(|o| o.leg == role) {
                let fill = o.signed_fill();
                if o.outcome == LegOutcome::Unknown {
                    let full = o.request.size * o.request.side.sign();
                    lo += fill.min(full);
                    hi += fill.max(full);
                } else {
                    lo += fill;
                    hi += fill;
                }
            }
            (lo, hi)
        };
        let (long_range, short_range) = (
            range(LegRole::Long, before.long),
            range(LegRole::Short, before.short),
        );
        let inside = |p: &PairPositions| {
            (long_range.0..=long_range.1).contains(&p.long)
                && (short_range.0..=short_range.1).contains(&p.short)
        };
        // M3: when every order's outcome is known and the positions already show exactly
        // those fills, there is nothing left to wait for; otherwise wait the venue's grace
        // (fills show late), then poll.
        if known {
            let now = self.read_positions(venues, symbol).await?;
            if inside(&now) {
                return Ok(now);
            }
        }
        let grace = self.settle_grace(venues);
        self.clock.sleep(grace).await;
        let deadline = self.clock.now()
            + chrono::Duration::from_std(self.options.settle_timeout)
                .unwrap_or(chrono::Duration::MAX);
        let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
        let mut last = self.read_positions(venues, symbol).await?;
        let mut unchanged_since = self.clock.now();
        loop {
            let settled = inside(&last) && (known || self.clock.now() - unchanged_since >= grace);
            if settled || self.clock.now() >= deadline {
                break;
            }
            self.clock.sleep(self.options.poll_interval).await;
            let now = self.read_positions(venues, symbol).await?;
            if now != last {
                last = now;
                unchanged_since = self.clock.now();
            }
        }
        Ok(last)
    }
}

fn price_of(plan: &OpenPlan, role: LegRole) -> Decimal {
    match role {
        LegRole::Long => plan.long_price,
        LegRole::Short => plan.short_price,
    }
}

/// Why nothing is open, per leg: how many orders, what filled, the last error, and whether a
/// filled part was unwound.
fn describe_failures(orders: &[OrderExecution]) -> String {
    if orders.is_empty() {
        return "no order was sent".into();
    }
    let mut venues: Vec<&str> = Vec::new();
    for o in orders {
        if !venues.contains(&o.venue.as_str()) {
            venues.push(&o.venue);
        }
    }
    let parts: Vec<String> = venues
        .iter()
        .map(|v| {
            let opens: Vec<&OrderExecution> = orders
                .iter()
                .filter(|o| o.venue == *v && o.purpose != OrderPurpose::Unwind)
                .collect();
            let filled: Decimal = opens.iter().map(|o| o.filled_size).sum();
            let last_error = opens.iter().rev().find_map(|o| o.error.clone());
            let unwound = orders.iter().any(|o| {
                o.venue == *v && o.purpose == OrderPurpose::Unwind && o.filled_size > Decimal::ZERO
            });
            format!(
                "{v}: {} order(s), filled {filled}{}{}",
                opens.len(),
                last_error
                    .map(|e| format!(", last error: {e}"))
                    .unwrap_or_default(),
                if unwound {
                    ", filled part unwound reduce-only"
                } else {
                    ""
                }
            )
        })
        .collect();
    format!(
        "{}; no position is left from this operation",
        parts.join("; ")
    )
}
