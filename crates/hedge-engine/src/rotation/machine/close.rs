//! CLOSING: one locked engine close; then the cycle record (spec 4.10 with W04, W21, W22):
//! fills + funding + fees per venue from the ledger, the balance change as a cross-check with
//! any disagreement shown, and the capture ratio; then WAITING.

use super::select::{fees_of, record_orders};
use super::{EventKind, Machine, MachineError};
use crate::protocol::{CloseRequest, CloseResult, EngineError};
use crate::rotation::state::board::{hours_between, money, time};
use crate::rotation::state::{
    BotStatus, CycleEntry, CycleExit, CycleRecord, FundingStats, PnlBreakdown, MAX_CYCLES,
};
use rust_decimal::Decimal;
use std::time::Duration;

impl Machine {
    /// One close attempt.
    pub(super) async fn closing_turn(&mut self) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            tracing::warn!("CLOSING without a recorded position: back to IDLE");
            return self.transition(BotStatus::Idle);
        };
        let Some(legs) = self.venues.legs(&pos.long_exchange, &pos.short_exchange) else {
            return self.fail(format!(
                "the {} position is on venues {} / {} that this run does not trade",
                pos.symbol, pos.long_exchange, pos.short_exchange
            ));
        };
        tracing::info!(
            "closing {} ({})",
            pos.symbol,
            pos.close_reason.as_deref().unwrap_or("scheduled")
        );
        let (ba, bb) = tokio::join!(
            self.venues.a.top_of_book(&pos.symbol),
            self.venues.b.top_of_book(&pos.symbol)
        );
        let exit_prices = (ba.ok().and_then(|b| b.mid()), bb.ok().and_then(|b| b.mid()));
        let req = CloseRequest {
            symbol: pos.symbol.clone(),
            venues: legs,
            pricing: self.pricing(),
            dry_run: false,
            only: None,
        };
        let now = self.clock.now();
        match self.engine.close(&req).await {
            Ok(rep) => {
                self.emit_operation(
                    &pos.symbol,
                    super::OperationFigures {
                        kind: "close".into(),
                        outcome: super::status_of(&rep.result),
                        ok: matches!(rep.result, CloseResult::Flat { .. }),
                        leg_skew_us: rep.leg_skew_us,
                        naked_ms: rep.naked_ms,
                    },
                );
                self.state.budget.record_fees(fees_of(&rep.orders), now);
                if let Some(p) = self.state.current_position.as_mut() {
                    p.close_operation = rep.operation.or(p.close_operation);
                    if let Some(l) = p.ledger.as_mut() {
                        record_orders(l, &rep.orders);
                    }
                }
                match &rep.result {
                    CloseResult::Flat { .. } => {
                        self.close_failures = 0;
                        let reason = pos
                            .close_reason
                            .clone()
                            .unwrap_or_else(|| "scheduled".into());
                        self.finalize_cycle(&reason, Some(exit_prices)).await?;
                        let wait = if reason == "switch" {
                            Duration::ZERO
                        } else {
                            self.cfg.wait_between_cycles
                        };
                        self.enter_waiting(wait)
                    }
                    CloseResult::Halted { reason } => {
                        let msg = format!("close of {} left a naked leg: {reason}", pos.symbol);
                        self.emit(EventKind::NakedLeg, Some(&pos.symbol), msg.clone());
                        self.decide("close_failed", Some(&pos.symbol), msg, &rep.result);
                        self.transition(BotStatus::Halted)
                    }
                    CloseResult::Remaining { reason } | CloseResult::NothingSent { reason } => {
                        self.close_failed(&pos.symbol, reason.clone()).await
                    }
                    CloseResult::DryRun => Ok(()),
                }
            }
            Err(EngineError::Halted { .. }) => self.transition(BotStatus::Halted),
            Err(e) => self.close_failed(&pos.symbol, e.to_string()).await,
        }
    }

    async fn close_failed(&mut self, symbol: &str, reason: String) -> Result<(), MachineError> {
        self.close_failures += 1;
        let msg = format!(
            "close of {symbol} not complete ({}/{}): {reason}",
            self.close_failures, self.cfg.max_close_failures
        );
        tracing::error!("{msg}");
        self.decide("close_failed", Some(symbol), msg.clone(), ());
        if self.close_failures >= self.cfg.max_close_failures {
            self.state.cumulative_stats.failed_cycles += 1;
            return self.fail(format!("{msg}; the bot stops with the position open"));
        }
        self.save()?;
        self.sleep(self.cfg.stop_loss_interval.max(Duration::from_secs(10)))
            .await;
        Ok(())
    }

    /// Records the cycle from the ledger and clears the position. `reason`: why it closed
    /// (`scheduled`, `exit`, `switch`, `stop_loss`, `max_hold`, `vanished`, `closed`).
    pub(super) async fn finalize_cycle(
        &mut self,
        reason: &str,
        exit_prices: Option<(Option<Decimal>, Option<Decimal>)>,
    ) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        let now = self.clock.now();
        if let Some(l) = self
            .state
            .current_position
            .as_mut()
            .and_then(|p| p.ledger.as_mut())
        {
            l.close(now);
        }
        self.read_funding(&pos, now).await;
        let (ra, rb) = tokio::join!(self.venues.a.balance(), self.venues.b.balance());
        let (after_a, after_b) = (ra.ok().map(|b| b.equity), rb.ok().map(|b| b.equity));
        let a_id = self.venues.a.id().to_string();
        let mut ledger = self
            .state
            .current_position
            .as_ref()
            .and_then(|p| p.ledger.clone());
        if let Some(l) = ledger.as_mut() {
            for leg in &mut l.legs {
                leg.balance_after = if leg.venue == a_id { after_a } else { after_b };
            }
        }
        let report = ledger.map(|l| l.report(self.cfg.ledger_tolerance_usd));
        let change = |before: Option<Decimal>, after: Option<Decimal>| Some(after? - before?);
        let change_a = change(pos.entry.edgex_balance_before, after_a);
        let change_b = change(pos.entry.lighter_balance_before, after_b);
        let realised = report
            .as_ref()
            .and_then(|r| r.realised.known())
            .or_else(|| Some(change_a? + change_b?));
        let notional = pos.position_sizing.actual_notional;
        let duration = hours_between(pos.opened_at, now).round_dp(4);
        let failed = reason == "vanished";
        let record = CycleRecord {
            cycle_number: self.state.current_cycle.max(1),
            symbol: pos.symbol.clone(),
            opened_at: pos.opened_at,
            closed_at: now,
            duration_hours: duration,
            entry: CycleEntry {
                long_exchange: pos.long_exchange.clone(),
                short_exchange: pos.short_exchange.clone(),
                edgex_price: pos.entry.edgex_entry_price,
                lighter_price: pos.entry.lighter_entry_price,
                size_base: Some(pos.entry.size_base),
                edgex_balance_before: pos.entry.edgex_balance_before,
                lighter_balance_before: pos.entry.lighter_balance_before,
                extra: Default::default(),
            },
            exit: CycleExit {
                edgex_price: exit_prices.and_then(|p| p.0),
                lighter_price: exit_prices.and_then(|p| p.1),
                edgex_balance_after: after_a,
                lighter_balance_after: after_b,
                timestamp: Some(now),
                extra: Default::default(),
            },
            pnl_breakdown: PnlBreakdown {
                edgex_balance_change: change_a,
                lighter_balance_change: change_b,
                total_realized_pnl: realised,
                realized_pnl_percent: report
                    .as_ref()
                    .and_then(|r| r.realised_percent_of_notional)
                    .or_else(|| {
                        realised
                            .filter(|_| !notional.is_zero())
                            .map(|r| r * Decimal::ONE_HUNDRED / notional)
                    })
                    .map(|p| p.round_dp(4)),
                extra: Default::default(),
            },
            funding_stats: FundingStats {
                expected_net_apr: pos.expected_funding.net_apr,
                hold_duration_hours: Some(duration),
                extra: Default::default(),
            },
            position_sizing: serde_json::to_value(&pos.position_sizing).unwrap_or_default(),
            stop_loss_triggered: pos.stop_loss_triggered.unwrap_or(false),
            stop_loss_reason: pos.stop_loss_reason.clone(),
            close_reason: Some(reason.to_string()),
            open_operation: pos.open_operation,
            close_operation: pos.close_operation,
            ledger: report.clone(),
            extra: Default::default(),
        };
        if failed {
            let s = &mut self.state.cumulative_stats;
            s.total_cycles += 1;
            s.failed_cycles += 1;
        } else {
            self.state.cumulative_stats.add_cycle(&record, notional);
            self.cycles_this_run += 1;
        }
        self.state.budget.record_successful_cycle(&pos.symbol);
        let capture = report.as_ref().and_then(|r| r.capture_ratio);
        let s = &self.state.cumulative_stats;
        let summary = format!(
            "CYCLE #{} {} CLOSED ({reason}) after {} h: realised {} USD ({}% of notional); funding {} (expected {}), fees {}, capture ratio {}; balance change {}{}\n  cumulative: {} cycles, {} ok, total PnL {}, best {}, worst {}",
            record.cycle_number,
            pos.symbol,
            duration,
            money(realised),
            record
                .pnl_breakdown
                .realized_pnl_percent
                .map(|p| p.round_dp(2).to_string())
                .unwrap_or_else(|| "unknown".into()),
            report.as_ref().map(|r| r.funding.to_string()).unwrap_or_else(|| "unknown".into()),
            money(pos.expected_funding.expected_funding_usd),
            report.as_ref().map(|r| r.fees.to_string()).unwrap_or_else(|| "unknown".into()),
            capture
                .map(|c| c.round_dp(2).to_string())
                .unwrap_or_else(|| "unknown".into()),
            money(report.as_ref().and_then(|r| r.balance_change).or_else(|| Some(change_a? + change_b?))),
            match report.as_ref().and_then(|r| r.disagreement_usd) {
                Some(d) if report.as_ref().is_some_and(|r| r.disagreement_flagged) =>
                    format!(" (DISAGREES with the ledger by {} USD)", d.round_dp(4)),
                _ => String::new(),
            },
            s.total_cycles,
            s.successful_cycles,
            money(Some(s.total_realized_pnl)),
            money(s.best_cycle_pnl),
            money(s.worst_cycle_pnl),
        );
        tracing::info!("{summary}");
        self.emit(EventKind::CycleClosed, Some(&pos.symbol), summary.clone());
        self.decide(
            "cycle",
            Some(&pos.symbol),
            format!(
                "cycle #{} closed ({reason}) at {}",
                record.cycle_number,
                time(now)
            ),
            &record.ledger,
        );
        self.state.completed_cycles.push(record);
        let excess = self.state.completed_cycles.len().saturating_sub(MAX_CYCLES);
        self.state.completed_cycles.drain(..excess);
        self.state.current_position = None;
        self.last_full_check = None;
        self.apply_waiting_config();
        self.save()
    }
}
