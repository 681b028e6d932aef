//! IDLE -> ANALYZING -> OPENING: capital (the CLI's capacity rule with a margin buffer),
//! candidates priced in expected dollars, and one locked engine open per attempt.

use super::{EventKind, Machine, MachineError};
use crate::capacity::venue_capacity;
use crate::protocol::{EngineError, HedgeResult, LegMode, OpenReport, OpenRequest, OrderPurpose};
use crate::rotation::budget::{FailedOpenKind, SymbolCooldown};
use crate::rotation::decide::{EntryVerdict, SkipReason, SkippedSymbol};
use crate::rotation::economics::LegSide;
use crate::rotation::economics::{Economics, VenueQuote};
use crate::rotation::ledger::{CycleLedger, FillPhase, LegLedger};
use crate::rotation::policy;
use crate::rotation::state::{
    BotPosition, BotStatus, CapitalStatus, CurrentPnl, Entry, ExpectedFunding, PositionSizing,
};
use crate::sizing::SizeRequest;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;
use venue_api::{Balance, MarketInfo, MarketStatus, OrderState, OrderStatus, Venue};

/// Smallest notional the bot tries (seed: 10 USD).
const MIN_NOTIONAL: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Both venues' collateral and what a new position may use.
#[derive(Debug, Clone)]
pub(super) struct Capital {
    pub a: Balance,
    pub b: Balance,
    pub max_a: Decimal,
    pub max_b: Decimal,
    pub limiting: String,
}

impl Capital {
    pub fn max(&self) -> Decimal {
        self.max_a.min(self.max_b)
    }
}

pub(super) enum TryOpen {
    Opened,
    Next,
    Stop,
}

/// The next settlement when the venue does not say: the next multiple of the interval since
/// the epoch (both venues settle on such boundaries). Live code uses
/// [`crate::rotation::economics::next_on_utc_grid`] through [`policy::venue_quote`].
#[cfg(test)]
pub(super) fn next_boundary(now: DateTime<Utc>, interval_minutes: u32) -> DateTime<Utc> {
    let step = i64::from(interval_minutes.max(1)) * 60;
    let t = now.timestamp();
    let next = (t.div_euclid(step) + 1) * step;
    DateTime::<Utc>::from_timestamp(next, 0).unwrap_or(now)
}

fn order_status_of(o: &crate::protocol::OrderExecution) -> OrderStatus {
    OrderStatus {
        client_id: o.request.client_id,
        venue_order_id: o.venue_order_id.clone(),
        side: o.request.side,
        size: o.request.size,
        price: o.request.price,
        state: OrderState::Filled,
        filled_size: o.filled_size,
        avg_fill_price: o.avg_fill_price,
        fee: o.fee,
        reason: None,
    }
}

/// Records an operation's orders into the cycle ledger.
pub(super) fn record_orders(ledger: &mut CycleLedger, orders: &[crate::protocol::OrderExecution]) {
    for o in orders {
        let phase = match o.purpose {
            OrderPurpose::Open => FillPhase::Entry,
            OrderPurpose::Close => FillPhase::Exit,
            OrderPurpose::Repair | OrderPurpose::Unwind => FillPhase::Repair,
        };
        if let Some(leg) = ledger.leg_mut(&o.venue) {
            leg.record_fill(phase, &order_status_of(o));
        }
    }
}

/// Fees of an operation's orders (known part).
pub(super) fn fees_of(orders: &[crate::protocol::OrderExecution]) -> Decimal {
    orders.iter().filter_map(|o| o.fee).sum()
}

impl Machine {
    /// Both balances and the largest new position per venue: the CLI's capacity haircuts on
    /// the available collateral less `margin_buffer_percent`, times leverage (quote units).
    pub(super) async fn read_capital(&mut self) -> Result<Capital, String> {
        let (ra, rb) = tokio::join!(self.venues.a.balance(), self.venues.b.balance());
        let a = ra.map_err(|e| format!("{} balance: {e}", self.venues.a.id()))?;
        let b = rb.map_err(|e| format!("{} balance: {e}", self.venues.b.id()))?;
        let keep = Decimal::ONE - self.cfg.margin_buffer_percent / Decimal::ONE_HUNDRED;
        let lev = Decimal::from(self.cfg.leverage);
        let params = self.engine.options().capacity;
        let cap = |bal: &Balance| {
            venue_capacity(bal.available * keep, lev, Decimal::ONE, &params)
                .map(|c| c.max_base)
                .map_err(|e| e.to_string())
        };
        let (max_a, max_b) = (cap(&a)?, cap(&b)?);
        let limiting = if max_a < max_b {
            self.venues.a.display_name()
        } else {
            self.venues.b.display_name()
        }
        .to_string();
        let now = self.clock.now();
        self.state.capital_status = Some(CapitalStatus {
            edgex_total: Some(a.equity),
            edgex_available: Some(a.available),
            lighter_total: Some(b.equity),
            lighter_available: Some(b.available),
            total_capital: Some(a.equity + b.equity),
            total_available: Some(a.available + b.available),
            max_position_notional: Some(max_a.min(max_b)),
            limiting_exchange: Some(limiting.clone()),
            edgex_margin_usage: crate::rotation::stoploss::margin_usage(&a),
            lighter_margin_usage: crate::rotation::stoploss::margin_usage(&b),
            timestamp: Some(now),
            last_updated: Some(now),
            extra: Default::default(),
        });
        Ok(Capital {
            a,
            b,
            max_a,
            max_b,
            limiting,
        })
    }

    async fn markets_of(&self, v: &Arc<dyn Venue>) -> HashMap<String, MarketInfo> {
        match v.markets().await {
            Ok(list) => list.into_iter().map(|m| (m.symbol.clone(), m)).collect(),
            Err(e) => {
                tracing::warn!("{} market list: {e}", v.id());
                HashMap::new()
            }
        }
    }

    /// What both venues offer for `symbols` now (funding, fee, book); the rest is skipped
    /// with the reason.
    pub(super) async fn market_quotes(
        &self,
        symbols: &[String],
    ) -> (Vec<(String, VenueQuote, VenueQuote)>, Vec<SkippedSymbol>) {
        let now = self.clock.now();
        let (va, vb) = (self.venues.a.clone(), self.venues.b.clone());
        let (ma, mb) = tokio::join!(self.markets_of(&va), self.markets_of(&vb));
        let (fa, fb) = tokio::join!(va.funding_rates(symbols), vb.funding_rates(symbols));
        let rates = |r: Result<Vec<_>, venue_api::VenueError>, v: &Arc<dyn Venue>| match r {
            Ok(list) => list.into_iter().collect::<HashMap<_, _>>(),
            Err(e) => symbols
                .iter()
                .map(|s| {
                    (
                        s.clone(),
                        Err(venue_api::VenueError::Transport(format!(
                            "{} funding: {e}",
                            v.id()
                        ))),
                    )
                })
                .collect(),
        };
        let (mut fa, mut fb) = (rates(fa, &va), rates(fb, &vb));
        let mut priced = Vec::new();
        let mut skipped = Vec::new();
        for s in symbols {
            let skip = |detail: String| SkippedSymbol {
                symbol: s.clone(),
                reason: SkipReason::Unavailable { detail },
            };
            let quote = |v: &Arc<dyn Venue>,
                         m: Option<&MarketInfo>,
                         f: Option<Result<venue_api::FundingRate, venue_api::VenueError>>|
             -> Result<(MarketInfo, venue_api::FundingRate), String> {
                let m = m.ok_or_else(|| format!("not listed on {}", v.id()))?;
                if m.status != MarketStatus::Active {
                    return Err(format!("{} market is {:?}", v.id(), m.status));
                }
                let f = f
                    .ok_or_else(|| format!("no funding from {}", v.id()))?
                    .map_err(|e| format!("{} funding: {e}", v.id()))?;
                Ok((m.clone(), f))
            };
            let qa = quote(&va, ma.get(s), fa.remove(s));
            let qb = quote(&vb, mb.get(s), fb.remove(s));
            let ((m_a, f_a), (m_b, f_b)) = match (qa, qb) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    skipped.push(skip(e));
                    continue;
                }
            };
            let (Some(fee_a), Some(fee_b)) = (m_a.taker_fee, m_b.taker_fee) else {
                skipped.push(SkippedSymbol {
                    symbol: s.clone(),
                    reason: SkipReason::NotPriced {
                        detail: "taker fee unknown".into(),
                    },
                });
                continue;
            };
            let (ba, bb) = tokio::join!(va.top_of_book(s), vb.top_of_book(s));
            let (book_a, book_b) = match (ba, bb) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) => {
                    skipped.push(skip(format!("{} book: {e}", va.id())));
                    continue;
                }
                (_, Err(e)) => {
                    skipped.push(skip(format!("{} book: {e}", vb.id())));
                    continue;
                }
            };
            let mk = |v: &Arc<dyn Venue>, f: venue_api::FundingRate, fee, book| {
                policy::venue_quote(v.id(), &f, fee, book, now)
            };
            priced.push((
                s.clone(),
                mk(&va, f_a, fee_a, book_a),
                mk(&vb, f_b, fee_b, book_b),
            ));
        }
        (priced, skipped)
    }

    /// IDLE: capital, selection, open.
    pub(super) async fn idle_turn(&mut self) -> Result<(), MachineError> {
        if self.state.current_position.is_some() {
            tracing::warn!("a position is recorded: back to HOLDING");
            return self.transition(BotStatus::Holding);
        }
        if self.refresh_budget_pause()? {
            return Ok(());
        }
        if self.state.pause.is_some() {
            return self.transition(BotStatus::Paused);
        }
        // The bot never starts a pair while any leg anywhere is unaccounted for (W01, W33);
        // an unreadable venue is not flat: wait and read again.
        match self.foreign_positions().await {
            Ok(None) => {}
            Ok(Some(found)) => {
                return self.fail(format!(
                    "positions exist that the bot does not hold: {found}; refusing to open \
                     (close them, or let the bot adopt a matching hedge at its next start)"
                ));
            }
            Err(e) => {
                tracing::warn!(
                    "{e}; not taken as flat, retrying in {:?}",
                    self.cfg.capital_retry
                );
                self.emit(EventKind::ReadFailed, None, e);
                self.sleep(self.cfg.capital_retry).await;
                return Ok(());
            }
        }
        let capital = match self.read_capital().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(
                    "capital read failed: {e}; retrying in {:?}",
                    self.cfg.capital_retry
                );
                self.emit(EventKind::ReadFailed, None, e);
                self.sleep(self.cfg.capital_retry).await;
                return Ok(());
            }
        };
        self.save()?;
        tracing::info!("{}", self.board());
        self.transition(BotStatus::Analyzing)?;
        let notional = self.cfg.notional_per_position.min(capital.max());
        if notional < MIN_NOTIONAL {
            self.decide(
                "skip",
                None,
                format!(
                    "insufficient capital: largest new position {} (limited by {}), minimum {MIN_NOTIONAL}",
                    capital.max().round_dp(2),
                    capital.limiting
                ),
                serde_json::json!({"max_notional": capital.max(), "limiting": capital.limiting}),
            );
            return self.enter_waiting(self.cfg.selection_backoff);
        }
        let now = self.clock.now();
        tracing::info!(
            "Analyzing funding rates for {} symbols",
            self.cfg.symbols.len()
        );
        let symbols = self.cfg.symbols.clone();
        let (quotes, skipped) = self.market_quotes(&symbols).await;
        let decision = policy::entry_decision(
            now,
            quotes,
            skipped,
            &self.state.budget,
            &self.cfg.thresholds,
            &self.cfg.economics,
            notional,
        );
        for c in &decision.candidates {
            match (&c.verdict, &c.economics) {
                (v, Some(e)) => tracing::info!(
                    "  {:<9} long {} / short {}: funding {:.2} USD, cost {:.2}, net {:.2} USD, net APR {:.2}%, break-even {} h: {}",
                    c.symbol,
                    e.long.venue,
                    e.short.venue,
                    e.expected_funding_usd.round_dp(2),
                    e.round_trip_cost_usd.round_dp(2),
                    e.expected_net_usd.round_dp(2),
                    e.net_apr_percent.round_dp(2),
                    e.break_even_hold_hours
                        .map(|h| h.round_dp(2).to_string())
                        .unwrap_or_else(|| "never".into()),
                    verdict_text(v)
                ),
                (v, None) => tracing::info!("  {:<9} {}", c.symbol, verdict_text(v)),
            }
        }
        let eligible: Vec<Economics> = decision.eligible().into_iter().cloned().collect();
        if eligible.is_empty() {
            let best = decision.best_rejected().cloned();
            let reason = match &best {
                Some(b) => format!(
                    "nothing qualifies; best {} ({})",
                    b.symbol,
                    verdict_text(&b.verdict)
                ),
                None => "nothing qualifies (no symbol could be priced)".into(),
            };
            self.decide(
                "skip",
                best.as_ref().map(|b| b.symbol.as_str()),
                reason,
                &best,
            );
            return self.enter_waiting(self.cfg.selection_backoff);
        }
        for (i, e) in eligible.iter().enumerate() {
            if self.stopping() {
                return self.transition(BotStatus::Idle);
            }
            tracing::info!(
                "TRYING OPPORTUNITY #{}: {} (net {:.2} USD over {} h, net APR {:.2}%, long {} / short {})",
                i + 1,
                e.symbol,
                e.expected_net_usd.round_dp(2),
                self.cfg.thresholds.hold_duration_hours,
                e.net_apr_percent.round_dp(2),
                e.long.venue,
                e.short.venue
            );
            match self.try_open(e, &capital, notional).await? {
                TryOpen::Opened => return Ok(()),
                TryOpen::Stop => {
                    if matches!(self.state.state, BotStatus::Opening | BotStatus::Analyzing) {
                        return self.enter_waiting(self.cfg.selection_backoff);
                    }
                    return Ok(());
                }
                TryOpen::Next => {}
            }
        }
        self.enter_waiting(self.cfg.selection_backoff)
    }

    /// Nonzero positions on either venue (any symbol), as text; a failed read is an error
    /// (never "none").
    async fn foreign_positions(&mut self) -> Result<Option<String>, String> {
        let (ra, rb) = tokio::join!(self.venues.a.positions(), self.venues.b.positions());
        let mut found = Vec::new();
        for (v, r) in [(&self.venues.a, ra), (&self.venues.b, rb)] {
            let list = r.map_err(|e| format!("{} positions unreadable ({e})", v.id()))?;
            found.extend(
                list.into_iter()
                    .filter(|p| !p.size.is_zero())
                    .map(|p| format!("{} {} {}", v.id(), p.symbol, p.size.normalize())),
            );
        }
        Ok((!found.is_empty()).then(|| found.join(", ")))
    }

    async fn try_open(
        &mut self,
        e: &Economics,
        capital: &Capital,
        notional: Decimal,
    ) -> Result<TryOpen, MachineError> {
        let Some(legs) = self.venues.legs(&e.long.venue, &e.short.venue) else {
            return Ok(TryOpen::Next);
        };
        self.transition(BotStatus::Opening)?;
        let req = OpenRequest {
            symbol: e.symbol.clone(),
            venues: legs,
            leverage: self.cfg.leverage,
            size: SizeRequest::Quote(notional),
            pricing: self.pricing(),
            leg_mode: LegMode::Concurrent,
            dry_run: false,
            add: false,
        };
        let result = self.engine.open(&req).await;
        let now = self.clock.now();
        let report = match result {
            Ok(r) => r,
            Err(err) => return self.open_refused(e, err),
        };
        self.emit_operation(
            &e.symbol,
            super::OperationFigures {
                kind: "open".into(),
                outcome: super::status_of(&report.result),
                ok: matches!(report.result, HedgeResult::Hedged { .. }),
                leg_skew_us: report.leg_skew_us,
                naked_ms: report.naked_ms,
            },
        );
        let fees = fees_of(&report.orders);
        self.state.budget.record_fees(fees, now);
        match &report.result {
            HedgeResult::Hedged { .. } => {
                self.record_open(e, capital, notional, &report);
                self.decide(
                    "open",
                    Some(&e.symbol),
                    format!(
                        "opened {}: expected net {:.2} USD over {} h",
                        e.symbol,
                        e.expected_net_usd.round_dp(2),
                        self.cfg.thresholds.hold_duration_hours
                    ),
                    e,
                );
                self.transition(BotStatus::Holding)?;
                tracing::info!(
                    "holding until {}",
                    crate::rotation::state::board::time(
                        self.state
                            .current_position
                            .as_ref()
                            .map(|p| p.target_close_at)
                            .unwrap_or(now)
                    )
                );
                Ok(TryOpen::Opened)
            }
            HedgeResult::NothingOpened { reason } => {
                let filled = report.orders.iter().any(|o| !o.filled_size.is_zero());
                let kind = if filled {
                    FailedOpenKind::Unwound
                } else {
                    FailedOpenKind::Failed
                };
                let until =
                    self.state
                        .budget
                        .record_failed_open(&self.cfg.budgets, &e.symbol, kind, now);
                let msg = format!(
                    "open of {} {}: {reason}; fees {} USD; cooldown until {}",
                    e.symbol,
                    if filled { "unwound" } else { "failed" },
                    fees.round_dp(4),
                    crate::rotation::state::board::time(until)
                );
                if filled {
                    self.emit(EventKind::NakedLeg, Some(&e.symbol), msg.clone());
                }
                self.decide("open_failed", Some(&e.symbol), msg, &report.result);
                self.transition(BotStatus::Analyzing)?;
                if self.refresh_budget_pause()? {
                    return Ok(TryOpen::Stop);
                }
                Ok(TryOpen::Next)
            }
            HedgeResult::Halted { reason } => {
                let msg = format!("open of {} left a naked leg: {reason}", e.symbol);
                self.emit(EventKind::NakedLeg, Some(&e.symbol), msg.clone());
                self.decide("open_failed", Some(&e.symbol), msg, &report.result);
                self.transition(BotStatus::Halted)?;
                Ok(TryOpen::Stop)
            }
            HedgeResult::DryRun => Ok(TryOpen::Next),
        }
    }

    fn open_refused(&mut self, e: &Economics, err: EngineError) -> Result<TryOpen, MachineError> {
        let now = self.clock.now();
        let msg = format!("open of {} refused, nothing sent: {err}", e.symbol);
        match err {
            EngineError::Halted { .. } => {
                self.decide("open_refused", Some(&e.symbol), msg, ());
                self.transition(BotStatus::Halted)?;
                Ok(TryOpen::Stop)
            }
            EngineError::PositionsExist { .. }
            | EngineError::StateMissing(_)
            | EngineError::State(_)
            | EngineError::Internal(_) => {
                self.fail(msg)?;
                Ok(TryOpen::Stop)
            }
            EngineError::Locked(_) => {
                tracing::warn!("{msg}; another trader holds the account, retrying later");
                self.decide("open_refused", Some(&e.symbol), msg, ());
                Ok(TryOpen::Stop)
            }
            EngineError::Sizing(_) | EngineError::Capacity(_) => {
                // Capital is the limit: every later candidate would fail the same way.
                self.decide("open_refused", Some(&e.symbol), msg, ());
                Ok(TryOpen::Stop)
            }
            _ => {
                // Nothing was sent and no fee paid (a stale or crossed book, a market or
                // leverage refusal): the symbol cools down, the failed-opens budget is not
                // charged (W34: typed handling).
                let until = self.cool_down(&e.symbol, now);
                self.decide(
                    "open_refused",
                    Some(&e.symbol),
                    format!(
                        "{msg}; cooldown until {}",
                        crate::rotation::state::board::time(until)
                    ),
                    (),
                );
                self.transition(BotStatus::Analyzing)?;
                if self.refresh_budget_pause()? {
                    return Ok(TryOpen::Stop);
                }
                Ok(TryOpen::Next)
            }
        }
    }

    /// A cooldown on `symbol` without charging the failed-opens budget.
    fn cool_down(&mut self, symbol: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        let failures = self
            .state
            .budget
            .cooldowns
            .get(symbol)
            .map_or(1, |c| c.failures.saturating_add(1));
        let until = now + self.cfg.budgets.cooldown_for(failures);
        self.state.budget.cooldowns.insert(
            symbol.to_string(),
            SymbolCooldown {
                failures,
                until,
                last_kind: FailedOpenKind::Failed,
            },
        );
        until
    }

    /// The position after a verified open.
    fn record_open(
        &mut self,
        e: &Economics,
        capital: &Capital,
        notional: Decimal,
        report: &OpenReport,
    ) {
        let now = self.clock.now();
        let after = report
            .positions_after
            .unwrap_or(crate::protocol::PairPositions {
                long: Decimal::ZERO,
                short: Decimal::ZERO,
            });
        let size = after.long.abs();
        let fill_price = |venue: &str| {
            report
                .orders
                .iter()
                .find(|o| o.venue == venue && o.purpose == OrderPurpose::Open)
                .and_then(|o| o.avg_fill_price)
                .or(Some(report.plan.mid))
        };
        let (a_id, b_id) = (self.venues.a.id(), self.venues.b.id());
        let signed = |id: &str| {
            if id == e.long.venue {
                after.long
            } else {
                after.short
            }
        };
        let mut ledger = CycleLedger {
            legs: vec![
                LegLedger::new(&e.long.venue, LegSide::Long, now),
                LegLedger::new(&e.short.venue, LegSide::Short, now),
            ],
            expected_funding_usd: e.expected_funding_usd,
            notional_usd: size * report.plan.mid,
        };
        for leg in &mut ledger.legs {
            leg.opened_at = now;
            leg.balance_before = Some(if leg.venue == a_id {
                capital.a.equity
            } else {
                capital.b.equity
            });
        }
        record_orders(&mut ledger, &report.orders);
        let rate_pct = |id: &str| e.leg(id).map(|l| l.rate * Decimal::ONE_HUNDRED);
        self.state.current_cycle += 1;
        self.state.current_position = Some(BotPosition {
            symbol: e.symbol.clone(),
            quote: self.cfg.quote.clone(),
            long_exchange: e.long.venue.clone(),
            short_exchange: e.short.venue.clone(),
            leverage: Decimal::from(self.cfg.leverage),
            opened_at: now,
            target_close_at: now + self.cfg.thresholds.hold_duration(),
            position_sizing: PositionSizing {
                configured_notional: self.cfg.notional_per_position,
                actual_notional: size * report.plan.mid,
                max_edgex_notional: Some(capital.max_a),
                max_lighter_notional: Some(capital.max_b),
                limiting_exchange: Some(capital.limiting.clone()),
                was_capital_limited: notional < self.cfg.notional_per_position,
                edgex_available_at_open: Some(capital.a.available),
                lighter_available_at_open: Some(capital.b.available),
                extra: Default::default(),
            },
            entry: Entry {
                edgex_contract_id: market_id(report, a_id),
                lighter_market_id: market_id(report, b_id),
                edgex_entry_price: fill_price(a_id),
                lighter_entry_price: fill_price(b_id),
                size_base: size,
                edgex_size: signed(a_id),
                lighter_size: signed(b_id),
                edgex_balance_before: Some(capital.a.equity),
                lighter_balance_before: Some(capital.b.equity),
                timestamp: Some(now),
                edgex_side: None,
                lighter_side: None,
                extra: Default::default(),
            },
            expected_funding: ExpectedFunding {
                edgex_rate_per_period: rate_pct(a_id),
                lighter_rate_per_period: rate_pct(b_id),
                net_apr: Some(e.funding_apr_percent),
                expected_duration_hours: Some(self.cfg.thresholds.hold_duration_hours),
                expected_funding_usd: Some(e.expected_funding_usd),
                expected_cost_usd: Some(e.round_trip_cost_usd),
                extra: Default::default(),
            },
            current_pnl: Some(CurrentPnl {
                timestamp: Some(now),
                ..CurrentPnl::default()
            }),
            time_elapsed_hours: None,
            time_remaining_hours: None,
            progress_percent: None,
            last_check: None,
            stop_loss_triggered: None,
            stop_loss_reason: None,
            stop_loss_time: None,
            recovered: None,
            open_operation: report.operation,
            close_operation: None,
            close_reason: None,
            ledger: Some(ledger),
            exit_watch: Default::default(),
            extensions: 0,
            extra: Default::default(),
        });
        self.last_full_check = Some(now);
    }
}

fn market_id(report: &OpenReport, venue: &str) -> String {
    if report.long_venue == venue {
        report.plan.long_market.market_id.to_string()
    } else {
        report.plan.short_market.market_id.to_string()
    }
}

/// One line for a verdict.
pub(super) fn verdict_text(v: &EntryVerdict) -> String {
    match v {
        EntryVerdict::Chosen => "CHOSEN".into(),
        EntryVerdict::Eligible { rank } => format!("eligible (#{rank})"),
        EntryVerdict::BelowThreshold {
            apr_percent,
            threshold_percent,
        } => format!(
            "below threshold ({:.2}% < {}%)",
            apr_percent.round_dp(2),
            threshold_percent
        ),
        EntryVerdict::BreakEvenTooLong {
            break_even_hold_hours,
            hold_hours,
        } => format!(
            "break-even {} h not within the {} h hold",
            break_even_hold_hours
                .map(|h| h.round_dp(1).to_string())
                .unwrap_or_else(|| "never".into()),
            hold_hours
        ),
        EntryVerdict::Skipped { reason } => match reason {
            SkipReason::Cooldown { until } => format!(
                "cooling down until {}",
                crate::rotation::state::board::time(*until)
            ),
            SkipReason::Unavailable { detail } | SkipReason::NotPriced { detail } => {
                format!("skipped: {detail}")
            }
            SkipReason::UnresolvedInterval { venue } => {
                format!("skipped: funding interval of {venue} unknown")
            }
            SkipReason::Held => "held".into(),
        },
    }
}
