//! Start-up (spec 4.8 with the Rust fixes, W06, W24, W33): the engine's `recover()` first
//! (unfinished operations resolved from the venues by client id), then every position of both
//! venues (all symbols) and the open orders are compared with the state:
//!
//! - nothing anywhere: flat (a recorded position that is gone is closed as "vanished");
//! - one symbol, equal and opposite within half the common step: adopted (the recorded one
//!   when it matches, else a recovered position keeping the venue's open time when known);
//! - anything else (one leg, mismatched sizes, several symbols, open orders nobody
//!   journaled, an unreadable venue): ERROR with the reason; nothing is traded.
//!
//! A saved ERROR stays until the operator runs `rotation-bot resume` (W24).

use super::{EventKind, Machine, MachineError, RunOutcome};
use crate::grid;
use crate::rotation::economics::LegSide;
use crate::rotation::ledger::{CycleLedger, LegLedger};
use crate::rotation::state::{
    BotPosition, BotStatus, CurrentPnl, Entry, ExpectedFunding, PositionSizing,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::time::Duration;
use venue_api::{Position, VenueError};

/// Attempts at reading positions before giving up (never "flat").
const READ_ATTEMPTS: u32 = 3;

type Found = BTreeMap<String, (Option<Position>, Option<Position>)>;

impl Machine {
    /// Returns an outcome when the bot must stop before its loop.
    pub(super) async fn startup(&mut self) -> Result<Option<RunOutcome>, MachineError> {
        tracing::info!(
            "rotation bot starting: {} symbols, max {} {} per leg, hold {} h (max {} h), leverage {}x, state {}",
            self.cfg.symbols.len(),
            self.cfg.notional_per_position,
            self.cfg.quote,
            self.cfg.thresholds.hold_duration_hours,
            self.cfg.thresholds.max_hold_hours,
            self.cfg.leverage,
            self.file.path().display()
        );
        self.hold_with_opening_config();
        if self.state.state == BotStatus::Error {
            let acknowledged = self.control.as_ref().is_some_and(|c| c.pending_resume());
            if !acknowledged {
                let reason = self
                    .state
                    .cumulative_stats
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "unknown".into());
                tracing::error!(
                    "the bot stopped in ERROR: {reason}. Check both venues, then run \
                     `rotation-bot resume` to start again"
                );
                return Ok(Some(RunOutcome::Error(reason)));
            }
            tracing::warn!("previous ERROR acknowledged by the operator; reconciling");
            if let Some(c) = &self.control {
                let _ = std::fs::remove_file(&c.resume);
            }
            self.state.cumulative_stats.last_error = None;
            self.state.cumulative_stats.last_error_at = None;
        }
        let report = match self.engine.recover(&self.venues.both()).await {
            Ok(rep) => {
                for op in &rep.operations {
                    let msg = format!(
                        "recovery: operation {} ({} {}, started {}): {}",
                        op.operation,
                        op.kind,
                        op.symbol,
                        crate::rotation::state::board::time(op.started_at),
                        match &op.outcome {
                            Some(o) => o.to_string(),
                            None => "UNRESOLVED (HALTED)".into(),
                        }
                    );
                    tracing::warn!("{msg}");
                    self.emit(EventKind::Recovery, Some(&op.symbol), msg);
                }
                rep
            }
            Err(e) => {
                self.fail(format!("engine recovery failed: {e}"))?;
                return Ok(Some(RunOutcome::Error(e.to_string())));
            }
        };
        if self.engine.halted()?.is_some() {
            self.repair_after_recovery(&report).await?;
            return Ok(None);
        }
        match self.reconcile_venues().await? {
            Some(s) => self.transition(s)?,
            None => {
                let reason = self
                    .state
                    .cumulative_stats
                    .last_error
                    .clone()
                    .unwrap_or_default();
                return Ok(Some(RunOutcome::Error(reason)));
            }
        }
        Ok(None)
    }

    async fn read_all_positions(&mut self) -> Result<[Vec<Position>; 2], String> {
        let mut last = String::new();
        for attempt in 0..READ_ATTEMPTS {
            if attempt > 0 && !self.sleep(Duration::from_secs(2)).await {
                break;
            }
            let (ra, rb) = tokio::join!(self.venues.a.positions(), self.venues.b.positions());
            match (ra, rb) {
                (Ok(a), Ok(b)) => return Ok([a, b]),
                (Err(e), _) => last = format!("{}: {e}", self.venues.a.id()),
                (_, Err(e)) => last = format!("{}: {e}", self.venues.b.id()),
            }
        }
        Err(last)
    }

    /// Compares the venues with the state; `Some(state)` to continue in, `None` after ERROR.
    pub(super) async fn reconcile_venues(&mut self) -> Result<Option<BotStatus>, MachineError> {
        let positions = match self.read_all_positions().await {
            Ok(p) => p,
            Err(e) => {
                self.emit(EventKind::ReadFailed, None, e.clone());
                self.fail(format!(
                    "cannot read positions ({e}); an unreadable venue is never taken as flat"
                ))?;
                return Ok(None);
            }
        };
        let mut found: Found = BTreeMap::new();
        for (i, list) in positions.into_iter().enumerate() {
            for p in list.into_iter().filter(|p| !p.size.is_zero()) {
                let slot = found.entry(p.symbol.clone()).or_default();
                if i == 0 {
                    slot.0 = Some(p);
                } else {
                    slot.1 = Some(p);
                }
            }
        }
        let orders = self.open_orders_on(&found).await;
        let orders = match orders {
            Ok(o) => o,
            Err(e) => {
                self.fail(format!("cannot read open orders ({e}); nothing traded"))?;
                return Ok(None);
            }
        };
        let summary = describe(&found, self.venues.a.id(), self.venues.b.id());
        let now = self.clock.now();
        if !orders.is_empty() {
            self.state.last_recovery =
                Some(format!("{summary}; open orders: {}", orders.join(", ")));
            self.fail(format!(
                "open orders that no journal explains: {}; cancel them (or let them finish), \
                 then restart",
                orders.join(", ")
            ))?;
            return Ok(None);
        }
        self.state.last_recovery = Some(format!(
            "{} at {}",
            summary,
            crate::rotation::state::board::time(now)
        ));
        tracing::info!("reconciliation: {summary}");
        self.emit(
            EventKind::Recovery,
            None,
            format!("start-up found: {summary}"),
        );
        match found.len() {
            0 => Ok(Some(self.reconciled_flat().await?)),
            1 => {
                let Some((symbol, (pa, pb))) = found.into_iter().next() else {
                    return Ok(None);
                };
                self.reconciled_one(symbol, pa, pb).await
            }
            n => {
                self.fail(format!(
                    "positions on {n} symbols ({summary}); the bot holds one hedge at a time and \
                     will not trade over the others"
                ))?;
                Ok(None)
            }
        }
    }

    async fn open_orders_on(&self, found: &Found) -> Result<Vec<String>, String> {
        let mut symbols: Vec<String> = self.cfg.symbols.clone();
        symbols.extend(found.keys().cloned());
        if let Some(p) = &self.state.current_position {
            symbols.push(p.symbol.clone());
        }
        symbols.sort();
        symbols.dedup();
        let mut out = Vec::new();
        for v in self.venues.both() {
            for s in &symbols {
                match v.open_orders(s).await {
                    Ok(list) => out.extend(list.into_iter().map(|o| {
                        format!(
                            "{} {s} {:?} {} @ {} (client id {})",
                            v.id(),
                            o.side,
                            o.size.normalize(),
                            o.price.normalize(),
                            o.client_id
                        )
                    })),
                    Err(VenueError::UnknownMarket(_)) => {}
                    Err(e) => return Err(format!("{} {s}: {e}", v.id())),
                }
            }
        }
        Ok(out)
    }

    /// Flat on both venues.
    async fn reconciled_flat(&mut self) -> Result<BotStatus, MachineError> {
        if let Some(p) = self.state.current_position.clone() {
            let reason = if self.state.state == BotStatus::Closing || p.close_operation.is_some() {
                "closed"
            } else {
                "vanished"
            };
            tracing::warn!(
                "the recorded {} hedge is flat on both venues ({reason} while the bot was stopped)",
                p.symbol
            );
            self.finalize_cycle(reason, None).await?;
        }
        Ok(match self.state.state {
            BotStatus::Waiting => BotStatus::Waiting,
            BotStatus::Paused => BotStatus::Paused,
            _ if self.state.pause.is_some() => BotStatus::Paused,
            _ => BotStatus::Idle,
        })
    }

    /// One symbol has positions.
    async fn reconciled_one(
        &mut self,
        symbol: String,
        pa: Option<Position>,
        pb: Option<Position>,
    ) -> Result<Option<BotStatus>, MachineError> {
        let (a_id, b_id) = (self.venues.a.id(), self.venues.b.id());
        let (Some(pa), Some(pb)) = (pa, pb) else {
            self.emit(
                EventKind::NakedLeg,
                Some(&symbol),
                "one leg only at start-up",
            );
            self.fail(format!(
                "unhedged position on {symbol}: only one venue holds it; close it (hedge-cli \
                 close --leg) before the bot may trade"
            ))?;
            return Ok(None);
        };
        let tol = match self.half_common_step(&symbol).await {
            Ok(t) => t,
            Err(e) => {
                self.fail(format!("cannot check the {symbol} hedge: {e}"))?;
                return Ok(None);
            }
        };
        let opposite = (pa.size > Decimal::ZERO) != (pb.size > Decimal::ZERO);
        if !opposite || (pa.size + pb.size).abs() > tol {
            self.emit(
                EventKind::NakedLeg,
                Some(&symbol),
                "mismatched hedge at start-up",
            );
            self.fail(format!(
                "unhedged or mismatched positions on {symbol}: {a_id} {}, {b_id} {} (tolerance \
                 {tol})",
                pa.size.normalize(),
                pb.size.normalize()
            ))?;
            return Ok(None);
        }
        let (long_id, short_id) = if pa.size > Decimal::ZERO {
            (a_id, b_id)
        } else {
            (b_id, a_id)
        };
        if let Some(p) = self.state.current_position.as_mut() {
            if p.symbol == symbol && p.long_exchange == long_id && p.short_exchange == short_id {
                p.entry.edgex_size = pa.size;
                p.entry.lighter_size = pb.size;
                tracing::info!(
                    "the recorded {symbol} hedge is verified on both venues: {a_id} {}, {b_id} {}",
                    pa.size.normalize(),
                    pb.size.normalize()
                );
                return Ok(Some(if p.close_reason.is_some() {
                    BotStatus::Closing
                } else {
                    BotStatus::Holding
                }));
            }
            let msg = format!(
                "the venues hold {symbol} long {long_id} / short {short_id}, but the state \
                 records {} long {} / short {}",
                p.symbol, p.long_exchange, p.short_exchange
            );
            self.fail(msg)?;
            return Ok(None);
        }
        self.adopt(symbol, pa, pb, long_id.to_string(), short_id.to_string())
            .await?;
        Ok(Some(BotStatus::Holding))
    }

    pub(super) async fn half_common_step(&self, symbol: &str) -> Result<Decimal, String> {
        let (ma, mb) = tokio::join!(self.venues.a.market(symbol), self.venues.b.market(symbol));
        let ma = ma.map_err(|e| format!("{} market: {e}", self.venues.a.id()))?;
        let mb = mb.map_err(|e| format!("{} market: {e}", self.venues.b.id()))?;
        let step = grid::common_step(ma.step_size, mb.step_size).map_err(|e| e.to_string())?;
        Ok(step / Decimal::TWO)
    }

    /// A matching hedge the state does not record: adopted, keeping the venue's open time.
    async fn adopt(
        &mut self,
        symbol: String,
        pa: Position,
        pb: Position,
        long_id: String,
        short_id: String,
    ) -> Result<(), MachineError> {
        let now = self.clock.now();
        let opened_at = [pa.opened_at, pb.opened_at]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now);
        let size = pa.size.abs();
        let (qa, qb) = tokio::join!(
            self.venues.a.top_of_book(&symbol),
            self.venues.b.top_of_book(&symbol)
        );
        let mids: Vec<Decimal> = [qa.ok(), qb.ok()]
            .into_iter()
            .flatten()
            .filter_map(|b| b.mid())
            .collect();
        let mid = if mids.is_empty() {
            None
        } else {
            Some(mids.iter().copied().sum::<Decimal>() / Decimal::from(mids.len()))
        };
        let notional = mid.map(|m| m * size).unwrap_or(size);
        let capital = self.read_capital().await.ok();
        let side = |p: &Position| {
            if p.size > Decimal::ZERO {
                "long"
            } else {
                "short"
            }
        };
        let hold = self.cfg.thresholds.hold_duration();
        let target = (opened_at + hold).max(now);
        let long_side_a = pa.size > Decimal::ZERO;
        let ledger = CycleLedger {
            legs: vec![
                LegLedger::new(&long_id, LegSide::Long, opened_at),
                LegLedger::new(&short_id, LegSide::Short, opened_at),
            ],
            expected_funding_usd: Decimal::ZERO,
            notional_usd: notional,
        };
        let msg = format!(
            "adopted the {symbol} hedge found on the venues: long {long_id} / short {short_id}, {} \
             per leg, opened {}{}",
            size.normalize(),
            crate::rotation::state::board::time(opened_at),
            if pa.opened_at.or(pb.opened_at).is_some() {
                " (venue time)"
            } else {
                " (venue time unknown: hold counted from now)"
            }
        );
        tracing::warn!("{msg}");
        self.emit(EventKind::Recovery, Some(&symbol), msg.clone());
        self.decide(
            "adopt",
            Some(&symbol),
            msg,
            serde_json::json!({"size": size, "long": long_id, "short": short_id, "long_is_a": long_side_a}),
        );
        self.state.current_cycle += 1;
        self.state.current_position = Some(BotPosition {
            symbol: symbol.clone(),
            quote: self.cfg.quote.clone(),
            long_exchange: long_id,
            short_exchange: short_id,
            leverage: pa
                .leverage
                .or(pb.leverage)
                .unwrap_or_else(|| Decimal::from(self.cfg.leverage)),
            opened_at,
            target_close_at: target,
            position_sizing: PositionSizing {
                configured_notional: self.cfg.notional_per_position,
                actual_notional: notional,
                max_edgex_notional: Some(notional),
                max_lighter_notional: Some(notional),
                limiting_exchange: Some("unknown".into()),
                was_capital_limited: false,
                edgex_available_at_open: capital.as_ref().map(|c| c.a.available),
                lighter_available_at_open: capital.as_ref().map(|c| c.b.available),
                extra: Default::default(),
            },
            entry: Entry {
                edgex_contract_id: pa.market_id.to_string(),
                lighter_market_id: pb.market_id.to_string(),
                edgex_entry_price: pa.entry_price.or(mid),
                lighter_entry_price: pb.entry_price.or(mid),
                size_base: size,
                edgex_size: pa.size,
                lighter_size: pb.size,
                edgex_balance_before: None,
                lighter_balance_before: None,
                timestamp: Some(now),
                edgex_side: Some(side(&pa).into()),
                lighter_side: Some(side(&pb).into()),
                extra: Default::default(),
            },
            expected_funding: ExpectedFunding {
                expected_duration_hours: Some(self.cfg.thresholds.hold_duration_hours),
                ..ExpectedFunding::default()
            },
            current_pnl: Some(CurrentPnl {
                edgex_unrealized_pnl: pa.unrealized_pnl,
                lighter_unrealized_pnl: pb.unrealized_pnl,
                total_unrealized_pnl: pa.unrealized_pnl.zip(pb.unrealized_pnl).map(|(x, y)| x + y),
                timestamp: Some(now),
                extra: Default::default(),
            }),
            time_elapsed_hours: None,
            time_remaining_hours: None,
            progress_percent: None,
            last_check: None,
            stop_loss_triggered: None,
            stop_loss_reason: None,
            stop_loss_time: None,
            recovered: Some(true),
            open_operation: None,
            close_operation: None,
            close_reason: None,
            ledger: Some(ledger),
            exit_watch: Default::default(),
            extensions: 0,
            extra: Default::default(),
        });
        Ok(())
    }
}

fn describe(found: &Found, a: &str, b: &str) -> String {
    if found.is_empty() {
        return "flat on both venues".into();
    }
    let size = |p: &Option<Position>| {
        p.as_ref()
            .map(|p| p.size.normalize().to_string())
            .unwrap_or_else(|| "0".into())
    };
    found
        .iter()
        .map(|(s, (pa, pb))| format!("{s}: {a} {}, {b} {}", size(pa), size(pb)))
        .collect::<Vec<_>>()
        .join("; ")
}
