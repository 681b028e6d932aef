//! Recovery from the journal: every operation whose outcome was never recorded (the process
//! was killed, crashed or lost power mid-operation) is resolved from the venues before any
//! new trading.
//!
//! For each unfinished entry: every journaled client id is looked up on its venue (an order
//! still working is cancelled); the engine then waits until every journaled order is past
//! its expiry plus the settle grace (so no fill can still be in flight), reads both legs'
//! positions, and either records the outcome (hedged, nothing opened, flat, positions
//! remain) or sets HALTED with the true residual. An entry whose positions cannot be read
//! stays unfinished (and HALTED) so that the next run tries again.

use super::engine::{EngineError, HedgeEngine};
use super::report::LegOutcome;
use crate::ids::{LegRole, OperationId};
use crate::state::{Halt, JournalEntry, JournalOrder, OperationKind, Outcome, Residual};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use tracing::Instrument;
use venue_api::{ClientOrderId, Side, Venue};

/// What recovery found for one journaled order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveredOrder {
    /// Venue id.
    pub venue: String,
    /// Leg.
    pub leg: LegRole,
    /// Client id.
    pub client_id: ClientOrderId,
    /// Side.
    pub side: Side,
    /// Size asked.
    pub size: Decimal,
    /// Reduce-only.
    pub reduce_only: bool,
    /// Filled, partial, rejected (not found or nothing filled) or unknown (unreadable).
    pub outcome: LegOutcome,
    /// True when the venue knows the client id.
    pub found: bool,
    /// Filled size (0 when not found).
    pub filled_size: Decimal,
    /// Why the outcome is unknown, if it is.
    pub error: Option<String>,
}

/// What recovery did with one unfinished operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveredOperation {
    /// Operation id.
    pub operation: OperationId,
    /// Kind.
    pub kind: OperationKind,
    /// Symbol.
    pub symbol: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Each journaled order as the venue reports it now.
    pub orders: Vec<RecoveredOrder>,
    /// Positions read after the settle wait (`size: None` when unreadable).
    pub positions: Vec<Residual>,
    /// The outcome recorded (`None`: still unresolved, and HALTED).
    pub outcome: Option<Outcome>,
    /// True when this operation set HALTED.
    pub halted: bool,
}

/// The block every trading command prints: what recovery found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryReport {
    /// The state file.
    pub state_file: String,
    /// Unfinished operations found and what became of them.
    pub operations: Vec<RecoveredOperation>,
    /// The HALT in force after recovery, if any.
    pub halted: Option<Halt>,
}

impl RecoveryReport {
    /// True when every unfinished operation was resolved and trading is not halted.
    pub fn clean(&self) -> bool {
        self.halted.is_none() && self.operations.iter().all(|o| o.outcome.is_some())
    }
}

fn find<'a>(venues: &'a [Arc<dyn Venue>], id: &str) -> Option<&'a Arc<dyn Venue>> {
    venues.iter().find(|v| v.id() == id)
}

impl HedgeEngine {
    /// Resolves every unfinished operation of the journal (see the module doc), under the
    /// account lock. `venues` are the venue clients by id (both venues of the account).
    pub async fn recover(&self, venues: &[Arc<dyn Venue>]) -> Result<RecoveryReport, EngineError> {
        let _guard = self.lock_operation("recover").await?;
        self.recover_locked(venues).await
    }

    /// [`HedgeEngine::recover`] for a caller that already holds the account lock.
    pub(super) async fn recover_locked(
        &self,
        venues: &[Arc<dyn Venue>],
    ) -> Result<RecoveryReport, EngineError> {
        let state = self.state()?;
        let unfinished: Vec<JournalEntry> = state.unfinished().into_iter().cloned().collect();
        let mut report = RecoveryReport {
            state_file: self.state_location(),
            operations: Vec::new(),
            halted: state.halted.clone(),
        };
        if unfinished.is_empty() {
            return Ok(report);
        }
        for v in venues {
            if let Err(e) = v.resync().await {
                tracing::warn!(venue = v.id(), "resync before recovery failed: {e}");
            }
        }
        for entry in unfinished {
            let span = tracing::info_span!("recover", op = %entry.operation, kind = %entry.kind);
            let rec = self.recover_entry(&entry, venues).instrument(span).await;
            let now = self.clock.now();
            let halt = rec.halted.then(|| Halt {
                since: now,
                reason: match &rec.outcome {
                    Some(Outcome::Halted { reason }) => reason.clone(),
                    _ => format!(
                        "operation {} ({}) was interrupted and could not be resolved: {}",
                        entry.operation,
                        entry.kind,
                        describe_positions(&rec.positions)
                    ),
                },
                operation: Some(entry.operation),
                residual: rec.positions.clone(),
            });
            let outcome = rec.outcome.clone();
            self.update(|s| {
                if let Some(e) = s.entry_mut(entry.operation) {
                    if let Some(o) = outcome {
                        e.outcome = Some(o);
                        e.recovered_at = Some(now);
                    }
                }
                if s.halted.is_none() {
                    s.halted = halt;
                }
            })?;
            tracing::warn!(outcome = ?rec.outcome, halted = rec.halted, "interrupted operation recovered");
            report.operations.push(rec);
        }
        report.halted = self.halted()?;
        Ok(report)
    }

    async fn recover_entry(
        &self,
        entry: &JournalEntry,
        venues: &[Arc<dyn Venue>],
    ) -> RecoveredOperation {
        let mut rec = RecoveredOperation {
            operation: entry.operation,
            kind: entry.kind,
            symbol: entry.symbol.clone(),
            started_at: entry.started_at,
            orders: Vec::new(),
            positions: Vec::new(),
            outcome: None,
            halted: false,
        };
        if entry.orders.is_empty() {
            // Orders are journaled before they are sent: none journaled, none sent.
            rec.outcome = Some(Outcome::Aborted {
                reason: "interrupted before any order was sent".into(),
            });
            return rec;
        }
        let sym = entry.symbol.as_str();
        // 1. Every journaled client id, on its venue.
        for o in &entry.orders {
            rec.orders.push(self.look_up(venues, sym, o).await);
        }
        // 2. Wait until no journaled order can still execute or show late.
        let grace = self.options.settle_grace.unwrap_or_else(|| {
            venues
                .iter()
                .map(|v| v.capabilities().settle_grace)
                .max()
                .unwrap_or_default()
        });
        let now = self.clock.now();
        let latest = entry.orders.iter().filter_map(|o| o.expires_at).max();
        let cap = chrono::Duration::from_std(self.options.settle_timeout * 2)
            .unwrap_or(chrono::Duration::MAX);
        if let Some(until) = latest.filter(|t| *t > now) {
            let wait = (until - now).min(cap).to_std().unwrap_or_default();
            self.clock.sleep(wait).await;
        }
        self.clock.sleep(grace).await;
        // A late booking shows now: look up again what was not found or not readable.
        for (i, o) in entry.orders.iter().enumerate() {
            if !rec.orders[i].found || rec.orders[i].outcome == LegOutcome::Unknown {
                rec.orders[i] = self.look_up(venues, sym, o).await;
            }
        }
        // 3. Positions of both legs.
        let mut roles: Vec<(LegRole, String)> = Vec::new();
        for role in LegRole::BOTH {
            if let Some(v) = entry.venue_of(role) {
                roles.push((role, v.to_string()));
            }
        }
        if roles.len() == 1 {
            // An old entry with orders on one venue only: the other venue is the other one.
            if let Some(v) = venues.iter().find(|v| v.id() != roles[0].1) {
                roles.push((roles[0].0.other(), v.id().to_string()));
            }
        }
        let mut sizes: [Option<Decimal>; 2] = [None, None];
        let mut steps: Vec<Decimal> = Vec::new();
        for (role, venue_id) in &roles {
            let size = match find(venues, venue_id) {
                Some(v) => {
                    if let Ok(m) = v.market(sym).await {
                        steps.push(m.step_size);
                    }
                    self.read_position(v.as_ref(), sym).await.ok()
                }
                None => None,
            };
            sizes[usize::from(*role == LegRole::Short)] = size;
            rec.positions.push(Residual {
                venue: venue_id.clone(),
                symbol: entry.symbol.clone(),
                size,
            });
        }
        let (Some(long), Some(short)) = (sizes[0], sizes[1]) else {
            rec.halted = true;
            return rec;
        };
        // 4. Decide.
        let tol = steps
            .iter()
            .copied()
            .min()
            .map(|s| s / Decimal::TWO)
            .unwrap_or(Decimal::ZERO);
        let balanced = (long + short).abs() <= tol;
        let flat = long.abs() <= tol && short.abs() <= tol;
        if !balanced {
            let reason = format!(
                "operation {} ({}) was interrupted and left the legs unbalanced: {}",
                entry.operation,
                entry.kind,
                describe_positions(&rec.positions)
            );
            rec.outcome = Some(Outcome::Halted { reason });
            rec.halted = true;
            return rec;
        }
        rec.outcome = Some(match entry.kind {
            OperationKind::Open if flat => Outcome::NothingOpened {
                reason: "interrupted; recovery found no position".into(),
            },
            OperationKind::Open => {
                let before = entry
                    .legs
                    .iter()
                    .find(|l| l.leg == LegRole::Long)
                    .and_then(|l| l.position_before)
                    .unwrap_or(Decimal::ZERO);
                let added = long - before;
                if added.abs() <= tol {
                    Outcome::NothingOpened {
                        reason: "interrupted; recovery found nothing added".into(),
                    }
                } else {
                    Outcome::Hedged { size: added }
                }
            }
            _ if flat => Outcome::Flat,
            _ => Outcome::Remaining { long, short },
        });
        rec
    }

    /// One journaled order as the venue reports it; a working order is cancelled first.
    async fn look_up(
        &self,
        venues: &[Arc<dyn Venue>],
        symbol: &str,
        o: &JournalOrder,
    ) -> RecoveredOrder {
        let mut r = RecoveredOrder {
            venue: o.venue.clone(),
            leg: o.leg,
            client_id: o.client_id,
            side: o.side,
            size: o.size,
            reduce_only: o.reduce_only,
            outcome: LegOutcome::Unknown,
            found: false,
            filled_size: Decimal::ZERO,
            error: None,
        };
        let Some(venue) = find(venues, &o.venue) else {
            r.error = Some(format!("venue {} is not configured", o.venue));
            return r;
        };
        let mut cancelled = false;
        for attempt in 0..self.options.position_read_attempts.max(1) * 2 {
            if attempt > 0 {
                self.clock.sleep(self.options.poll_interval).await;
            }
            match venue.order_status(symbol, o.client_id).await {
                Ok(Some(st)) if st.state.is_final() => {
                    r.found = true;
                    r.filled_size = st.filled_size;
                    r.outcome = if st.filled_size >= o.size {
                        LegOutcome::Filled
                    } else if st.filled_size > Decimal::ZERO {
                        LegOutcome::Partial
                    } else {
                        LegOutcome::Rejected
                    };
                    r.error = None;
                    return r;
                }
                Ok(Some(st)) => {
                    r.found = true;
                    r.filled_size = st.filled_size;
                    if !cancelled {
                        cancelled = true;
                        if let Err(e) = venue.cancel_order(symbol, o.client_id).await {
                            r.error = Some(format!("cancel failed: {e}"));
                        }
                    }
                }
                Ok(None) => {
                    r.outcome = LegOutcome::Rejected;
                    r.error = None;
                    return r;
                }
                Err(e) => r.error = Some(format!("status unreadable: {e}")),
            }
        }
        r
    }
}

fn describe_positions(p: &[Residual]) -> String {
    p.iter()
        .map(|r| {
            format!(
                "{} {}",
                r.venue,
                r.size
                    .map(|s| s.normalize().to_string())
                    .unwrap_or_else(|| "unreadable".into())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
