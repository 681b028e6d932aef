//! Mismatched legs go to the engine's repair, never to the bot's ERROR:
//!
//! - HOLDING: a full check that finds the legs no longer equal and opposite asks
//!   [`HedgeEngine::repair_mismatch`](crate::protocol::HedgeEngine::repair_mismatch): the
//!   larger leg is reduced reduce-only to the smaller (a lone leg is closed), or the engine
//!   HALTS with the cause (the loop then shows HALTED). Legs that still hedge each other at a
//!   size other than the recorded one (a `liq-monitor` REDUCE, a venue cut of both legs) are
//!   taken as the new size, with a decision record.
//! - HALTED (at start-up after a crash, or by a failed operation): when the HALT's residual
//!   shows unbalanced legs of one symbol on this bot's venues (one leg filled, the other
//!   not), they are repaired the same way (up to five tries per HALT, spaced by the check
//!   interval, at least 10 s, while the venue refuses): what the open would have unwound,
//!   or the close would have finished, is done reduce-only. The engine stays HALTED (an
//!   operator checks and runs `hedge-cli resume`); the venues are left hedged or flat.
//!
//! A failed read is never a mismatch: nothing is sent and the next check tries again.

use super::{EventKind, Machine, MachineError};
use crate::ids::LegRole;
use crate::protocol::{CloseRequest, RecoveryReport, RepairReport, RepairResult};
use crate::rotation::state::BotStatus;
use rust_decimal::Decimal;

/// Tries per HALT at repairing its residual (a venue may refuse for a while: a stale book, a
/// rejection), spaced by the check interval, at least [`HALT_REPAIR_RETRY`].
const MAX_HALT_REPAIRS: u32 = 5;

/// Shortest time between two repair tries of one HALT.
const HALT_REPAIR_RETRY: std::time::Duration = std::time::Duration::from_secs(10);

/// Repair tries of one HALT (identified by its start).
#[derive(Debug, Clone)]
pub(super) struct HaltRepair {
    since: chrono::DateTime<chrono::Utc>,
    attempts: u32,
    next_at: chrono::DateTime<chrono::Utc>,
    /// Repaired (or nothing to repair): not tried again.
    done: bool,
}

impl Machine {
    fn repair_request(&self, symbol: &str, long: &str, short: &str) -> Option<CloseRequest> {
        Some(CloseRequest {
            symbol: symbol.to_string(),
            venues: self.venues.legs(long, short)?,
            pricing: self.pricing(),
            dry_run: false,
            only: None,
        })
    }

    /// Records and announces a repair; returns the report's result.
    fn announce_repair(&mut self, symbol: &str, why: &str, r: &RepairReport) {
        let msg = match &r.result {
            RepairResult::Balanced => {
                format!("{why}: the legs read equal and opposite again; nothing sent")
            }
            RepairResult::Repaired {
                leg,
                quantity,
                flat,
            } => format!(
                "{why}: repaired by the engine, the {leg} leg reduced by {} reduce-only{}",
                quantity.normalize(),
                if *flat { " (both flat now)" } else { "" }
            ),
            RepairResult::Halted { reason } => {
                format!("{why}: not repairable reduce-only, engine HALTED: {reason}")
            }
        };
        tracing::warn!("{msg}");
        let detail = r.reduce.as_ref().map(|x| &x.detail).or(r.close.as_ref());
        if let Some(d) = detail {
            self.emit_operation(
                symbol,
                super::OperationFigures {
                    kind: "repair".into(),
                    outcome: super::status_of(&r.result),
                    ok: matches!(r.result, RepairResult::Repaired { .. }),
                    leg_skew_us: d.leg_skew_us,
                    naked_ms: d.naked_ms,
                },
            );
        }
        let kind = match r.result {
            RepairResult::Halted { .. } => EventKind::Halted,
            _ => EventKind::Recovery,
        };
        self.emit(kind, Some(symbol), msg.clone());
        self.decide("repair", Some(symbol), msg, r);
    }

    /// HOLDING found the legs not equal and opposite (`mismatch` says how).
    pub(super) async fn repair_holding(&mut self, mismatch: String) -> Result<(), MachineError> {
        let Some(pos) = self.state.current_position.clone() else {
            return Ok(());
        };
        self.emit(EventKind::NakedLeg, Some(&pos.symbol), mismatch.clone());
        let Some(req) = self.repair_request(&pos.symbol, &pos.long_exchange, &pos.short_exchange)
        else {
            return self.fail(format!(
                "{mismatch}; the recorded venues {} / {} are not this bot's",
                pos.long_exchange, pos.short_exchange
            ));
        };
        tracing::error!("{mismatch}: asking the engine to repair (reduce-only)");
        let r = match self.engine.repair_mismatch(&req).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("{mismatch}: repair not attempted ({e}); checked again next turn");
                self.emit(EventKind::ReadFailed, Some(&pos.symbol), e.to_string());
                return Ok(());
            }
        };
        self.announce_repair(&pos.symbol, &mismatch, &r);
        match r.result {
            RepairResult::Repaired { flat: true, .. } => {
                self.finalize_cycle("repaired_flat", None).await?;
                self.enter_waiting(self.cfg.wait_between_cycles)
            }
            RepairResult::Repaired { .. } | RepairResult::Balanced => {
                // The sizes now: the larger leg came down to the smaller one.
                let (l, s) = (r.before.long, r.before.short);
                let size = match r.result {
                    RepairResult::Repaired { leg, quantity, .. } => match leg {
                        LegRole::Long => (l - quantity).min(-s),
                        LegRole::Short => (-s - quantity).min(l),
                    },
                    _ => l,
                };
                self.set_held_size(size);
                self.save()
            }
            RepairResult::Halted { .. } => {
                // The loop's next turn shows the engine's HALT (nothing new opens; watched).
                self.save()
            }
        }
    }

    /// The held position is now `size` per leg (signs from the recorded sides).
    pub(super) fn set_held_size(&mut self, size: Decimal) {
        let a_id = self.venues.a.id().to_string();
        if let Some(p) = self.state.current_position.as_mut() {
            let a_long = p.long_exchange == a_id;
            p.entry.size_base = size;
            p.entry.edgex_size = if a_long { size } else { -size };
            p.entry.lighter_size = -p.entry.edgex_size;
        }
    }

    /// After start-up recovery HALTED (an operation a crash left with unbalanced legs):
    /// repair the legs; the engine stays HALTED.
    pub(super) async fn repair_after_recovery(
        &mut self,
        _rep: &RecoveryReport,
    ) -> Result<(), MachineError> {
        self.repair_halted().await?;
        self.save()?;
        if self.state.state != BotStatus::Halted {
            self.transition(BotStatus::Halted)?;
        }
        Ok(())
    }

    /// While HALTED, once per HALT: when its residual shows this bot's two venues holding
    /// unbalanced legs of one symbol, the engine repairs them reduce-only (what the
    /// interrupted or failed operation would have unwound or finished). The HALT stays for
    /// the operator; an unreadable residual is never traded on.
    pub(super) async fn repair_halted(&mut self) -> Result<(), MachineError> {
        let Some(halt) = self.engine.halted()? else {
            return Ok(());
        };
        let now = self.clock.now();
        match &self.repaired_halt {
            Some(r) if r.since == halt.since && (r.done || r.attempts >= MAX_HALT_REPAIRS) => {
                return Ok(())
            }
            Some(r) if r.since == halt.since && now < r.next_at => return Ok(()),
            Some(r) if r.since == halt.since => {}
            _ => {
                self.repaired_halt = Some(HaltRepair {
                    since: halt.since,
                    attempts: 0,
                    next_at: now,
                    done: false,
                })
            }
        }
        let retry = chrono::Duration::from_std(self.cfg.check_interval.max(HALT_REPAIR_RETRY))
            .unwrap_or_else(|_| chrono::Duration::seconds(10));
        if let Some(r) = self.repaired_halt.as_mut() {
            r.attempts += 1;
            r.next_at = now + retry;
            // Nothing to repair unless the residual says so: not tried again.
            r.done = true;
        }
        let mut symbols: Vec<&str> = halt.residual.iter().map(|r| r.symbol.as_str()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        let [symbol] = symbols.as_slice() else {
            return Ok(());
        };
        let symbol = symbol.to_string();
        let (a, b) = (self.venues.a.id(), self.venues.b.id());
        let size_of = |id: &str| {
            halt.residual
                .iter()
                .find(|r| r.venue == id)
                .map(|r| r.size)
                .unwrap_or(Some(Decimal::ZERO))
        };
        let (Some(sa), Some(sb)) = (size_of(a), size_of(b)) else {
            return Ok(());
        };
        if halt.residual.iter().any(|r| r.venue != a && r.venue != b) {
            return Ok(());
        }
        // Roles from the journal when the HALT names its operation, else from the signs.
        let journal = self.engine.state()?.journal;
        let from_journal = halt
            .operation
            .and_then(|op| journal.iter().find(|e| e.operation == op))
            .and_then(|e| {
                Some((
                    e.venue_of(LegRole::Long)?.to_string(),
                    e.venue_of(LegRole::Short)?.to_string(),
                ))
            });
        let (long, short) = match from_journal {
            Some(roles) => roles,
            None if sa > Decimal::ZERO || sb < Decimal::ZERO => (a.to_string(), b.to_string()),
            None if sb > Decimal::ZERO || sa < Decimal::ZERO => (b.to_string(), a.to_string()),
            None => return Ok(()),
        };
        let Some(req) = self.repair_request(&symbol, &long, &short) else {
            return Ok(());
        };
        let why = format!(
            "engine HALTED with unbalanced legs on {symbol} ({a} {}, {b} {}): {}",
            sa.normalize(),
            sb.normalize(),
            halt.reason
        );
        if let Some(h) = self.repaired_halt.as_mut() {
            // A try that ends HALTED (or errs) is tried again later, a few times.
            h.done = false;
        }
        match self.engine.repair_mismatch(&req).await {
            Ok(r) => {
                if let Some(h) = self.repaired_halt.as_mut() {
                    h.done = !matches!(r.result, RepairResult::Halted { .. });
                }
                self.announce_repair(&symbol, &why, &r);
                let held_here = self
                    .state
                    .current_position
                    .as_ref()
                    .is_some_and(|p| p.symbol == symbol);
                if held_here && matches!(r.result, RepairResult::Repaired { flat: true, .. }) {
                    // The held position is gone: its cycle ends here, not as "vanished".
                    self.finalize_cycle("repaired_flat", None).await?;
                }
                if !matches!(r.result, RepairResult::Halted { .. }) {
                    tracing::warn!(
                        "the venues are hedged or flat again; the engine stays HALTED until an \
                         operator checks both venues and runs `hedge-cli resume`"
                    );
                }
            }
            Err(e) => {
                let msg = format!("{why}: repair not attempted ({e}); tried again later");
                tracing::warn!("{msg}");
                self.decide("repair", Some(&symbol), msg, ());
            }
        }
        Ok(())
    }
}
