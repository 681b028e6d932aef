//! HOLDING: the stop-loss on its own short interval; at each full check the hedge is
//! reconciled (equal and opposite; a failed read is never flat), PnL, capital and margin
//! refreshed, the funding ledger read from the venues, and the hold decision taken in
//! expected dollars (keep, extend, switch, close; never on a single sign flip), with the close
//! timed after favourable settlements.

use super::select::verdict_text;
use super::{EventKind, Machine, MachineError};
use crate::rotation::decide::{close_time_after_settlements, CloseReason, HoldAction};
use crate::rotation::ledger::FundingRead;
use crate::rotation::policy::{hold_check, HeldInput};
use crate::rotation::state::board::{hours_between, money, time};
use crate::rotation::state::{BotPosition, BotStatus, CurrentPnl};
use crate::rotation::stoploss::{
    check_stop_loss, margin_usage, LegRisk, StopLossPosition, StopLossVerdict,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::time::Duration;
use venue_api::Balance;

/// When a pending close is due (set by a close decision).
const CLOSE_AT: &str = "close_at";

fn close_at(p: &BotPosition) -> Option<DateTime<Utc>> {
    p.extra
        .get(CLOSE_AT)
        .and_then(|v| v.as_str())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn to_std(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or_default()
}

impl Machine {
    /// One HOLDING turn: a full check when due, else a stop-loss check; then a short sleep.
    pub(super) async fn holding_turn(&mut self) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            tracing::warn!("HOLDING without a recorded position: back to IDLE");
            return self.transition(BotStatus::Idle);
        };
        let now = self.clock.now();
        if pos.close_reason.is_some() && close_at(&pos).is_none_or(|t| now >= t) {
            return self.transition(BotStatus::Closing);
        }
        let full_due = self.last_full_check.is_none_or(|t| {
            to_std(now - t) >= self.cfg.check_interval
                || (t < pos.target_close_at && now >= pos.target_close_at)
        });
        if full_due {
            self.full_check().await?;
        } else if self.cfg.stop_loss.enable_stop_loss {
            self.stop_loss_check().await?;
        }
        if self.state.state != BotStatus::Holding {
            return Ok(());
        }
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        let now = self.clock.now();
        let mut wait = if self.cfg.stop_loss.enable_stop_loss {
            self.cfg.stop_loss_interval.min(self.cfg.check_interval)
        } else {
            self.cfg.check_interval
        };
        if let Some(last) = self.last_full_check {
            let next_full =
                last + chrono::Duration::from_std(self.cfg.check_interval).unwrap_or_default();
            wait = wait.min(to_std(next_full - now));
        }
        if now < pos.target_close_at {
            wait = wait.min(to_std(pos.target_close_at - now));
        }
        if let Some(t) = close_at(&pos) {
            wait = wait.min(to_std(t - now));
        }
        self.sleep(wait.max(Duration::from_millis(1))).await;
        Ok(())
    }

    /// Reads both legs of the held symbol and both balances: uPnL, margin usage.
    async fn leg_risks(
        &mut self,
        pos: &BotPosition,
    ) -> Result<([LegRisk; 2], [Option<Decimal>; 2], [Option<Balance>; 2]), String> {
        let (va, vb) = (self.venues.a.clone(), self.venues.b.clone());
        let (pa, pb, ba, bb) = tokio::join!(
            va.position(&pos.symbol),
            vb.position(&pos.symbol),
            va.balance(),
            vb.balance()
        );
        let pa = pa.map_err(|e| format!("{} position: {e}", va.id()))?;
        let pb = pb.map_err(|e| format!("{} position: {e}", vb.id()))?;
        let sizes = [
            Some(pa.as_ref().map(|p| p.size).unwrap_or_default()),
            Some(pb.as_ref().map(|p| p.size).unwrap_or_default()),
        ];
        let (ba, bb) = (ba.ok(), bb.ok());
        // A venue that reports no uPnL (EdgeX): (mid - entry) x signed size, from the venue's
        // own entry price and the current book (spec 2.10); unknown when either is missing.
        let mut upnl = [None, None];
        for (i, (v, p)) in [(&va, &pa), (&vb, &pb)].into_iter().enumerate() {
            upnl[i] = match p {
                Some(p) => match (p.unrealized_pnl, p.entry_price) {
                    (Some(u), _) => Some(u),
                    (None, Some(entry)) => v
                        .top_of_book(&pos.symbol)
                        .await
                        .ok()
                        .and_then(|b| b.mid())
                        .map(|mid| (mid - entry) * p.size),
                    (None, None) => None,
                },
                None => None,
            };
        }
        let risk = |id: &str, u: Option<Decimal>, b: &Option<Balance>| LegRisk {
            venue: id.to_string(),
            unrealized_pnl: u,
            margin_usage: b.as_ref().and_then(margin_usage),
        };
        Ok((
            [risk(va.id(), upnl[0], &ba), risk(vb.id(), upnl[1], &bb)],
            sizes,
            [ba, bb],
        ))
    }

    fn stop_loss_position(&self, pos: &BotPosition) -> StopLossPosition {
        StopLossPosition {
            size_base: Some(pos.entry.size_base),
            reference_entry_price: pos.entry.edgex_entry_price,
            actual_notional: Some(pos.position_sizing.actual_notional),
            configured_notional: pos.position_sizing.configured_notional,
        }
    }

    /// The stop-loss on its own interval.
    async fn stop_loss_check(&mut self) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        let (risks, _, _) = match self.leg_risks(&pos).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("stop-loss check: {e} (not taken as flat; retried)");
                self.emit(EventKind::ReadFailed, Some(&pos.symbol), e);
                return Ok(());
            }
        };
        self.apply_stop_loss(&pos, &risks)
    }

    fn apply_stop_loss(
        &mut self,
        pos: &BotPosition,
        risks: &[LegRisk; 2],
    ) -> Result<(), MachineError> {
        let verdict = check_stop_loss(
            &self.cfg.stop_loss,
            &self.stop_loss_position(pos),
            [&risks[0], &risks[1]],
        );
        match verdict {
            StopLossVerdict::Triggered { reason, .. } => {
                let now = self.clock.now();
                let total = risks[0]
                    .unrealized_pnl
                    .zip(risks[1].unrealized_pnl)
                    .map(|(a, b)| a + b);
                tracing::error!(
                    "\n{bar}\n*** STOP-LOSS TRIGGERED: {reason} ***\n*** {} uPnL {}, {} uPnL {}, total {} ***\n{bar}",
                    risks[0].venue,
                    money(risks[0].unrealized_pnl),
                    risks[1].venue,
                    money(risks[1].unrealized_pnl),
                    money(total),
                    bar = "!".repeat(72)
                );
                self.emit(EventKind::StopLoss, Some(&pos.symbol), reason.clone());
                self.decide("stop_loss", Some(&pos.symbol), reason.clone(), risks);
                if let Some(p) = self.state.current_position.as_mut() {
                    p.stop_loss_triggered = Some(true);
                    p.stop_loss_reason = Some(reason);
                    p.stop_loss_time = Some(now);
                    p.close_reason = Some("stop_loss".into());
                    p.extra.remove(CLOSE_AT);
                }
                self.transition(BotStatus::Closing)
            }
            StopLossVerdict::Unknown { missing } => {
                let msg = format!(
                    "stop-loss cannot be evaluated: {} unknown",
                    missing.join(", ")
                );
                tracing::warn!("{msg}");
                self.emit(EventKind::ReadFailed, Some(&pos.symbol), msg);
                Ok(())
            }
            StopLossVerdict::Clear { .. } | StopLossVerdict::Disabled => Ok(()),
        }
    }

    /// Display-only refresh (HALTED): positions and uPnL, no decision.
    pub(super) async fn refresh_position_view(&mut self) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        if let Ok((risks, _, _)) = self.leg_risks(&pos).await {
            self.set_pnl(&risks);
            self.save()?;
        }
        Ok(())
    }

    fn set_pnl(&mut self, risks: &[LegRisk; 2]) {
        let now = self.clock.now();
        if let Some(p) = self.state.current_position.as_mut() {
            p.current_pnl = Some(CurrentPnl {
                edgex_unrealized_pnl: risks[0].unrealized_pnl,
                lighter_unrealized_pnl: risks[1].unrealized_pnl,
                total_unrealized_pnl: risks[0]
                    .unrealized_pnl
                    .zip(risks[1].unrealized_pnl)
                    .map(|(a, b)| a + b),
                timestamp: Some(now),
                extra: Default::default(),
            });
        }
    }

    /// The full check: reconcile, PnL, capital, ledger, stop-loss, hold decision.
    async fn full_check(&mut self) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        let now = self.clock.now();
        self.last_full_check = Some(now);
        let (risks, sizes, _) = match self.leg_risks(&pos).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("holding check: {e} (not taken as flat; retried next check)");
                self.emit(EventKind::ReadFailed, Some(&pos.symbol), e);
                return Ok(());
            }
        };
        let (a, b) = (sizes[0].unwrap_or_default(), sizes[1].unwrap_or_default());
        if a.is_zero() && b.is_zero() {
            let msg = format!(
                "the {} hedge is flat on both venues: closed outside the bot",
                pos.symbol
            );
            tracing::warn!("{msg}");
            self.emit(EventKind::Recovery, Some(&pos.symbol), msg);
            self.finalize_cycle("vanished", None).await?;
            return self.enter_waiting(self.cfg.wait_between_cycles);
        }
        // Equal and opposite within half the common step, and what was recorded (W03).
        let tol = self
            .half_common_step(&pos.symbol)
            .await
            .unwrap_or_else(|_| pos.entry.size_base.abs() / Decimal::from(1000));
        let flipped = (a > Decimal::ZERO) != (pos.entry.edgex_size > Decimal::ZERO);
        if (a + b).abs() > tol || a.is_zero() || b.is_zero() || flipped {
            let msg = format!(
                "hedge mismatch on {}: {} {}, {} {} (recorded {} {})",
                pos.symbol,
                self.venues.a.id(),
                a.normalize(),
                self.venues.b.id(),
                b.normalize(),
                pos.entry.edgex_size.normalize(),
                pos.entry.lighter_size.normalize()
            );
            return self.repair_holding(msg).await;
        }
        let expected_a = pos.entry.edgex_size;
        if (a - expected_a).abs() > tol {
            // Still a hedge, at another size (a liq-monitor REDUCE, a venue cut of both legs):
            // the venues are the truth.
            let msg = format!(
                "the {} hedge is {} per leg on the venues, recorded {}: taken as the new size",
                pos.symbol,
                a.abs().normalize(),
                pos.entry.size_base.normalize()
            );
            tracing::warn!("{msg}");
            self.decide(
                "resize",
                Some(&pos.symbol),
                msg,
                serde_json::json!({"slot_a": a, "slot_b": b, "recorded_a": expected_a}),
            );
            self.set_held_size(a.abs());
        }
        self.set_pnl(&risks);
        if let Err(e) = self.read_capital().await {
            tracing::warn!("capital refresh failed (old figures kept): {e}");
        }
        self.read_funding(&pos, now).await;
        let elapsed = hours_between(pos.opened_at, now);
        let planned = self.cfg.thresholds.hold_duration_hours;
        if let Some(p) = self.state.current_position.as_mut() {
            p.time_elapsed_hours = Some(elapsed.round_dp(4));
            p.time_remaining_hours = Some(
                hours_between(now, p.target_close_at)
                    .max(Decimal::ZERO)
                    .round_dp(4),
            );
            p.progress_percent = Some((elapsed * Decimal::ONE_HUNDRED / planned).round_dp(2));
            p.last_check = Some(now);
        }
        self.dashboard(&pos, &risks, now);
        if self.cfg.stop_loss.enable_stop_loss {
            self.apply_stop_loss(&pos, &risks)?;
            if self.state.state != BotStatus::Holding {
                return Ok(());
            }
        }
        if pos.close_reason.is_none() {
            self.hold_decision(&pos, now).await?;
        }
        self.save()
    }

    /// Funding settled on each leg since the open, from the venues' own records.
    pub(super) async fn read_funding(&mut self, pos: &BotPosition, now: DateTime<Utc>) {
        for id in [pos.long_exchange.clone(), pos.short_exchange.clone()] {
            let Some(v) = self.venues.by_id(&id) else {
                continue;
            };
            let read = match v.funding_payments(&pos.symbol, Some(pos.opened_at)).await {
                Ok(payments) => FundingRead::Complete { payments },
                Err(e) => FundingRead::Failed {
                    detail: e.to_string(),
                },
            };
            if let Some(leg) = self
                .state
                .current_position
                .as_mut()
                .and_then(|p| p.ledger.as_mut())
                .and_then(|l| l.leg_mut(&id))
            {
                leg.apply_funding_read(&read, now, None);
            }
        }
    }

    fn dashboard(&self, pos: &BotPosition, risks: &[LegRisk; 2], now: DateTime<Utc>) {
        let notional = pos.position_sizing.actual_notional;
        let pct = |v: Option<Decimal>| {
            v.filter(|_| !notional.is_zero())
                .map(|x| format!("{:.2}%", (x * Decimal::ONE_HUNDRED / notional).round_dp(2)))
                .unwrap_or_else(|| "unknown".into())
        };
        let total = risks[0]
            .unrealized_pnl
            .zip(risks[1].unrealized_pnl)
            .map(|(a, b)| a + b);
        let funding: Decimal = pos
            .ledger
            .as_ref()
            .map(|l| l.legs.iter().map(|g| g.funding_known_part()).sum())
            .unwrap_or_default();
        tracing::info!(
            "HOLDING {} - Delta Neutral Position (Cycle #{})\n  now {} | opened {} | target {}\n  elapsed {:.2} h of {} h | size {} (~{} {}){}\n  uPnL {} {} ({}), {} {} ({}), total {} ({})\n  funding settled so far {} (expected over the hold {}) | stop-loss {} {}% ({})\n  capital: {}",
            pos.symbol,
            self.state.current_cycle,
            time(now),
            time(pos.opened_at),
            time(pos.target_close_at),
            hours_between(pos.opened_at, now).round_dp(2),
            self.cfg.thresholds.hold_duration_hours,
            pos.entry.size_base.normalize(),
            money(Some(notional)),
            pos.quote,
            if pos.position_sizing.was_capital_limited {
                format!(", limited from {} by {}", money(Some(pos.position_sizing.configured_notional)), pos.position_sizing.limiting_exchange.as_deref().unwrap_or("unknown"))
            } else {
                String::new()
            },
            risks[0].venue,
            money(risks[0].unrealized_pnl),
            pct(risks[0].unrealized_pnl),
            risks[1].venue,
            money(risks[1].unrealized_pnl),
            pct(risks[1].unrealized_pnl),
            money(total),
            pct(total),
            money(Some(funding)),
            money(pos.expected_funding.expected_funding_usd),
            self.cfg.stop_loss.stop_loss_mode_name(),
            self.cfg.stop_loss.stop_loss_percent,
            if self.cfg.stop_loss.enable_stop_loss { "enabled" } else { "disabled" },
            self.state
                .capital_status
                .as_ref()
                .map(|c| format!(
                    "available {} / {}, max new position {} ({})",
                    money(c.edgex_available),
                    money(c.lighter_available),
                    money(c.max_position_notional),
                    c.limiting_exchange.as_deref().unwrap_or("unknown")
                ))
                .unwrap_or_else(|| "unknown".into())
        );
    }

    /// Keep, extend, switch or close, in expected dollars (DEC's rules), recorded with the
    /// numbers; a close is timed after favourable settlements.
    async fn hold_decision(
        &mut self,
        pos: &BotPosition,
        now: DateTime<Utc>,
    ) -> Result<(), MachineError> {
        let symbols = self.cfg.symbols.clone();
        let mut all = symbols.clone();
        if !all.contains(&pos.symbol) {
            all.push(pos.symbol.clone());
        }
        let (quotes, _skipped) = self.market_quotes(&all).await;
        let thresholds = self.cfg.thresholds.clone();
        let t = &thresholds;
        let input = HeldInput {
            symbol: pos.symbol.clone(),
            long_venue: pos.long_exchange.clone(),
            opened_at: pos.opened_at,
            target_close_at: pos.target_close_at,
            notional_usd: pos.position_sizing.actual_notional,
            exit_watch: pos.exit_watch.clone(),
        };
        let check = match hold_check(
            &input,
            &quotes,
            &self.state.budget,
            t,
            &self.cfg.economics,
            now,
        ) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("{e}: hold decision postponed");
                return Ok(());
            }
        };
        let (held_econ, entry, best_other, d) = (
            &check.held,
            &check.others,
            &check.best_other,
            &check.decision,
        );
        if let Some(best) = entry.candidates.first() {
            tracing::info!(
                "  funding overview: best other {} ({}); held {} funding APR {:.2}%",
                best.symbol,
                verdict_text(&best.verdict),
                pos.symbol,
                held_econ.funding_apr_percent.round_dp(2)
            );
        }
        let (kind, reason, close) = match &d.action {
            HoldAction::Keep => (
                "keep",
                format!(
                    "keep {}: remaining funding {:.2} USD, exit signals {}/{}",
                    pos.symbol,
                    d.keep_value_usd.round_dp(2),
                    d.watch.consecutive_below,
                    t.exit_confirmations
                ),
                None,
            ),
            HoldAction::Extend { until } => (
                "extend",
                format!(
                    "extend {} until {}: funding APR {:.2}% still meets the entry bar",
                    pos.symbol,
                    time(*until),
                    d.held_funding_apr_percent.round_dp(2)
                ),
                None,
            ),
            HoldAction::Switch { to } => (
                "switch",
                format!(
                    "switch {} -> {to}: {:.2} USD beats keeping ({:.2} USD) by more than {} USD",
                    pos.symbol,
                    d.switch_value_usd.unwrap_or_default().round_dp(2),
                    d.keep_value_usd.round_dp(2),
                    t.switch_margin_usd
                ),
                Some("switch"),
            ),
            HoldAction::Close { reason } => {
                let (tag, text) = match reason {
                    CloseReason::ExitThresholdConfirmed { funding_apr_percent, threshold_percent, confirmations } => ("exit", format!(
                        "close {}: funding APR {:.2}% below the exit threshold {}% on {confirmations} checks",
                        pos.symbol, funding_apr_percent.round_dp(2), threshold_percent
                    )),
                    CloseReason::PlannedEnd { funding_apr_percent, bar_percent } => ("scheduled", format!(
                        "close {} at the planned end: funding APR {:.2}% below the entry bar {}%",
                        pos.symbol, funding_apr_percent.round_dp(2), bar_percent
                    )),
                    CloseReason::MaxHoldReached { max_hold_hours } => ("max_hold", format!(
                        "close {}: max hold of {max_hold_hours} h reached",
                        pos.symbol
                    )),
                };
                ("close", text, Some(tag))
            }
        };
        self.decide(kind, Some(&pos.symbol), reason, d);
        let Some(p) = self.state.current_position.as_mut() else {
            return Ok(());
        };
        p.exit_watch = d.watch.clone();
        match (&d.action, close) {
            (HoldAction::Extend { until }, _) => {
                p.target_close_at = *until;
                p.extensions += 1;
            }
            (_, Some(tag)) => {
                let timing = check.close_timing.clone().unwrap_or_else(|| {
                    close_time_after_settlements(&check.legs, input.notional_usd, now, t)
                });
                p.close_reason = Some(tag.to_string());
                if tag == "switch" {
                    p.extra.insert(
                        "switch_to".into(),
                        serde_json::json!(best_other.as_ref().map(|o| o.symbol.clone())),
                    );
                }
                if timing.close_at > now {
                    tracing::info!(
                        "close of {} held until {} for {} USD of favourable settlements",
                        pos.symbol,
                        time(timing.close_at),
                        timing.held_through_usd.round_dp(4)
                    );
                    p.extra.insert(
                        CLOSE_AT.into(),
                        serde_json::Value::String(
                            timing
                                .close_at
                                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                        ),
                    );
                } else {
                    return self.transition(BotStatus::Closing);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl crate::rotation::stoploss::StopLossSettings {
    fn stop_loss_mode_name(&self) -> &'static str {
        match self.stop_loss_mode {
            crate::rotation::stoploss::StopLossMode::Combined => "combined",
            crate::rotation::stoploss::StopLossMode::WorstLeg => "worst_leg",
        }
    }
}
