//! The liquidation monitor's check (behavior-spec 5.5, issue 17): read both venues, run the
//! engine's pure monitor check ([`hedge_engine::monitor::check`]) and act through the engine.
//!
//! One [`LiqMonitor::check`] is one check of the `liq-monitor` binary:
//! 1. Read balance and positions (all symbols) on both venues; a failed read is passed as a
//!    failure, never as "flat"; the size steps of every open symbol (cached).
//! 2. Is a two-leg operation in progress? With an account lock, the lock says it (an
//!    unfinished journal entry while the lock is free is a dead process's operation: the
//!    engine's recovery resolves it from the venues first). Without a lock, an unfinished
//!    journal entry is in progress.
//! 3. [`check::check`] composes reads, runway, ladder and integrity and returns the health,
//!    the alerts (ladder events, shrinks) and the trades, at most one per symbol by priority.
//! 4. With `auto_close` and no operation in progress, each trade runs through the engine's
//!    close or reduce: reduce-only, journaled, verified, "already flat" is success; they run
//!    while HALTED (they only reduce) and a failure HALTS exactly as the CLI's close does.
//!    A one-leg reduce, and any action taken while the other venue cannot be read (past the
//!    read-failure bound), run through the engine's single-venue path
//!    ([`HedgeEngine::trade_one_leg`]): nothing is read from the other venue, whose last
//!    known size is stated, and the quantity is put on that leg's own size step. A failed
//!    close or reduce whose verified positions show a broken hedge has its excess taken off
//!    in the same check (`aftermath`).
//!
//! Mark price: the venue's own (`Position.mark_price`) where given, else the mid of the
//! venue's top of book (named in `mark_source`); no price at all holds action.

mod aftermath;
pub mod publish;
mod render;

pub use render::render_text;

use crate::venues::VenueKind;
use chrono::{DateTime, Utc};
use hedge_engine::ids::LegRole;
use hedge_engine::lock::{AccountLock, LockError};
pub use hedge_engine::monitor::check::Health;
use hedge_engine::monitor::check::{
    self, Cause, CheckInput, Decision, MonitorSettings, MonitorState, Skipped, Trade, VenueRead,
};
use hedge_engine::monitor::integrity::{IntegrityStatus, SymbolVerdict};
use hedge_engine::monitor::ladder::{LadderAction, LadderEvent, Level, LevelReason};
use hedge_engine::monitor::reads::{ReadVerdict, SymbolSteps};
use hedge_engine::monitor::runway::VenueRunway;
use hedge_engine::monitor::{PositionFigures, VenueFigures, VenueSlot};
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{
    CloseRequest, CloseResult, HedgeEngine, LegVenues, OneLegRequest, PairPositions, ReduceResult,
};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use venue_api::{Position, Venue};

/// Every setting of the monitor.
#[derive(Debug, Clone)]
pub struct LiqSettings {
    /// The decisions' settings (`--margin-threshold`, `--pnl-threshold`, `--unhedged-grace`,
    /// `--max-read-failures`).
    pub monitor: MonitorSettings,
    /// `--auto-close` (default) / `--no-auto-close`.
    pub auto_close: bool,
    /// Pricing of the reduce-only orders.
    pub pricing: PricingPolicy,
}

/// One venue's part of a check.
#[derive(Debug, Clone, Serialize)]
pub struct VenueView {
    /// A (the config's long venue) or B.
    pub slot: VenueSlot,
    /// Venue id.
    pub venue: String,
    /// Read latency, milliseconds.
    pub read_ms: u64,
    /// The read error, when the read failed.
    pub read_error: Option<String>,
    /// Consecutive failed reads.
    pub read_failures: u32,
    /// Seconds since the last good read.
    pub seconds_since_good: Option<i64>,
    /// Runway picture (absent when not read).
    pub runway: Option<VenueRunway>,
    /// Accrued funding not yet settled, summed over the open positions (quote currency,
    /// positive to be received); `None` ("unknown") when a position does not give it. Neither
    /// venue's position read carries it today (EdgeX `fundingFee` and Lighter
    /// `total_funding_paid_out` are settled totals), so it shows "unknown"; the runway counts
    /// an owed amount once an adapter gives it (`PositionFigures::unsettled_funding`).
    pub unsettled_funding: Option<Decimal>,
    /// Where each symbol's mark came from (`venue` or `book_mid`).
    pub mark_source: BTreeMap<String, String>,
    /// Ladder level now.
    pub level: Level,
    /// Every figure past a bound.
    pub reasons: Vec<LevelReason>,
    /// The ladder's action.
    pub action: LadderAction,
}

/// One trade sent this check.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    /// Base asset.
    pub symbol: String,
    /// What (`close_both`, `reduce_both`, `close_leg`, `reduce_leg`).
    pub action: String,
    /// Why.
    pub why: String,
    /// The engine's result, or why nothing was sent.
    pub result: String,
    /// True when the trade reached its aim.
    pub ok: bool,
}

/// An alert of this check (the binary posts them through the alerter).
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    /// Venue or symbol.
    pub subject: String,
    /// `warn`, `reduce`, `flatten` (a ladder level: a crossing, or a `reminder` while it
    /// persists), `recovered` (back to OK), `naked_leg`, `venue_shrink`, `read_failure`,
    /// `held`.
    pub kind: String,
    /// Text.
    pub message: String,
    /// The level kind this alert replaces (a crossing from a non-OK level) or clears
    /// (`recovered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// A reminder that a level persists (the ladder's cadence per level), not a crossing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reminder: bool,
}

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// When.
    pub time: DateTime<Utc>,
    /// Per venue.
    pub venues: Vec<VenueView>,
    /// Per symbol (when both venues were read).
    pub symbols: Vec<SymbolVerdict>,
    /// The read policy's verdict.
    pub reads: ReadVerdict,
    /// A two-leg operation is in progress: nothing broken counts, nothing is done.
    pub in_progress: bool,
    /// Trades sent.
    pub actions: Vec<ActionRecord>,
    /// Trades called for but not sent (not sizable, `--no-auto-close`, in progress).
    pub skipped: Vec<Skipped>,
    /// Alerts raised.
    pub alerts: Vec<AlertLine>,
    /// HALTED reason after the check.
    pub halted: Option<String>,
    /// Net base delta per symbol (A + B).
    pub net_delta: BTreeMap<String, Decimal>,
    /// Overall health (the `--once` exit code): the check's, made unhealthy by a failed
    /// trade or HALTED.
    pub health: Health,
}

impl CheckReport {
    /// True when a close or reduce ran this check.
    pub fn acted(&self) -> bool {
        !self.actions.is_empty()
    }
}

struct Slot {
    kind: VenueKind,
    venue: Arc<dyn Venue>,
}

struct Read {
    balance: venue_api::Balance,
    positions: Vec<Position>,
    mids: BTreeMap<String, Decimal>,
}

/// The monitor: its venues and the state its decisions carry from check to check.
pub struct LiqMonitor {
    settings: LiqSettings,
    slots: [Slot; 2],
    state: MonitorState,
    steps: BTreeMap<(VenueSlot, String), Decimal>,
    journal_seen: usize,
}

impl std::fmt::Debug for LiqMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiqMonitor")
            .field("a", &self.slots[0].kind)
            .field("b", &self.slots[1].kind)
            .finish_non_exhaustive()
    }
}

fn slot_index(s: VenueSlot) -> usize {
    usize::from(s == VenueSlot::B)
}

fn role_of(s: VenueSlot) -> LegRole {
    match s {
        VenueSlot::A => LegRole::Long,
        VenueSlot::B => LegRole::Short,
    }
}

impl LiqMonitor {
    /// A monitor over venue A (the config's long venue) and B.
    pub fn new(
        settings: LiqSettings,
        a: (VenueKind, Arc<dyn Venue>),
        b: (VenueKind, Arc<dyn Venue>),
    ) -> Self {
        Self {
            settings,
            slots: [
                Slot {
                    kind: a.0,
                    venue: a.1,
                },
                Slot {
                    kind: b.0,
                    venue: b.1,
                },
            ],
            state: MonitorState::default(),
            steps: BTreeMap::new(),
            journal_seen: 0,
        }
    }

    fn legs(&self) -> LegVenues {
        LegVenues {
            long: self.slots[0].venue.clone(),
            short: self.slots[1].venue.clone(),
        }
    }

    async fn read(&self, i: usize) -> Result<Read, String> {
        let v = self.slots[i].venue.as_ref();
        let (b, p) = tokio::join!(v.balance(), v.positions());
        let balance = b.map_err(|e| format!("balance: {e}"))?;
        let positions: Vec<Position> = p
            .map_err(|e| format!("positions: {e}"))?
            .into_iter()
            .filter(|p| !p.size.is_zero())
            .collect();
        let mut mids = BTreeMap::new();
        for p in positions.iter().filter(|p| p.mark_price.is_none()) {
            // No venue mark: the book's mid (a failure leaves it unknown: the ladder holds).
            if let Ok(t) = v.top_of_book(&p.symbol).await {
                if let (Some(b), Some(a)) = (t.bid, t.ask) {
                    mids.insert(p.symbol.clone(), (b.price + a.price) / Decimal::TWO);
                }
            }
        }
        Ok(Read {
            balance,
            positions,
            mids,
        })
    }

    async fn step_of(&mut self, s: VenueSlot, symbol: &str) -> Option<Decimal> {
        if let Some(st) = self.steps.get(&(s, symbol.to_string())) {
            return Some(*st);
        }
        let m = self.slots[slot_index(s)].venue.market(symbol).await.ok()?;
        self.steps.insert((s, symbol.to_string()), m.step_size);
        Some(m.step_size)
    }

    /// Is a two-leg operation in progress (module docs)? Also the symbols whose journal
    /// moved since the last check.
    async fn operation_state(&mut self, engine: &HedgeEngine) -> (bool, BTreeSet<String>) {
        let unfinished = |e: &HedgeEngine| {
            e.state()
                .map(|s| s.journal.iter().any(|j| j.outcome.is_none()))
                .unwrap_or(true)
        };
        let mut busy = false;
        match engine.account_lock() {
            Some(lock) => {
                let probe = AccountLock::new(lock.path(), Duration::ZERO);
                if let Err(LockError::Busy { .. }) = probe.acquire_blocking("liq-monitor check") {
                    busy = true;
                } else if unfinished(engine) {
                    let venues = [self.slots[0].venue.clone(), self.slots[1].venue.clone()];
                    if let Err(e) = engine.recover(&venues).await {
                        tracing::warn!("recovery of an interrupted operation failed: {e}");
                    }
                    busy = unfinished(engine);
                }
            }
            None => busy = unfinished(engine),
        }
        let mut touched = BTreeSet::new();
        if let Ok(state) = engine.state() {
            let n = state.journal.len();
            for e in state.journal.iter().skip(self.journal_seen.min(n)) {
                touched.insert(e.symbol.to_ascii_uppercase());
            }
            self.journal_seen = n;
        }
        (busy, touched)
    }

    /// One check: read, decide, act (see the module docs).
    pub async fn check(&mut self, engine: &HedgeEngine) -> CheckReport {
        let t0 = Instant::now();
        let (ra, rb) = tokio::join!(self.read(0), self.read(1));
        let read_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        let now = engine.now();
        let results = [ra, rb];
        let (in_progress, touched) = self.operation_state(engine).await;
        let mut mark_sources: [BTreeMap<String, String>; 2] = Default::default();
        let mut inputs = Vec::new();
        let mut funding: [Option<Decimal>; 2] = [None, None];
        for (i, r) in results.iter().enumerate() {
            inputs.push(match r {
                Ok(read) => {
                    let f = self.figures(i, read, &mut mark_sources[i]).await;
                    // Known only when every open position gives it (none open: nothing accrues).
                    funding[i] = f
                        .positions
                        .iter()
                        .map(|p| p.unsettled_funding)
                        .sum::<Option<Decimal>>();
                    VenueRead::Read(f)
                }
                Err(e) => VenueRead::Failed { error: e.clone() },
            });
        }
        let mut symbols: BTreeSet<String> = BTreeSet::new();
        for r in results.iter().flatten() {
            symbols.extend(r.positions.iter().map(|p| p.symbol.to_ascii_uppercase()));
        }
        let mut steps = BTreeMap::new();
        let mut net_delta = BTreeMap::new();
        for s in &symbols {
            if let (Some(step_a), Some(step_b)) = (
                self.step_of(VenueSlot::A, s).await,
                self.step_of(VenueSlot::B, s).await,
            ) {
                steps.insert(s.clone(), SymbolSteps { step_a, step_b });
            }
            if let (Ok(a), Ok(b)) = (&results[0], &results[1]) {
                let size = |r: &Read| -> Decimal {
                    r.positions
                        .iter()
                        .filter(|p| p.symbol.eq_ignore_ascii_case(s))
                        .map(|p| p.size)
                        .sum()
                };
                net_delta.insert(s.clone(), size(a) + size(b));
            }
        }
        let mut it = inputs.into_iter();
        let (Some(a), Some(b)) = (it.next(), it.next()) else {
            unreachable!("two venues")
        };
        let input = CheckInput {
            a,
            b,
            steps,
            journal_activity: touched,
            operation_in_progress: in_progress,
        };
        let out = check::check(&self.settings.monitor, &self.state, &input, now);
        self.state = out.state.clone();
        let mut report = CheckReport {
            time: now,
            venues: Vec::new(),
            symbols: out.integrity.clone(),
            reads: out.reads.clone(),
            in_progress,
            actions: Vec::new(),
            skipped: out.skipped.clone(),
            alerts: Vec::new(),
            halted: None,
            net_delta,
            health: out.health,
        };
        for (i, c) in [&out.a, &out.b].into_iter().enumerate() {
            let reads = if i == 0 {
                &self.state.reads_a
            } else {
                &self.state.reads_b
            };
            let ladder = if i == 0 {
                &self.state.ladder_a
            } else {
                &self.state.ladder_b
            };
            let mut view = VenueView {
                slot: if i == 0 { VenueSlot::A } else { VenueSlot::B },
                venue: self.slots[i].kind.id().to_string(),
                read_ms,
                read_error: results[i].as_ref().err().cloned(),
                read_failures: reads.consecutive_failures,
                seconds_since_good: reads.seconds_since_good(now),
                runway: None,
                unsettled_funding: funding[i],
                mark_source: std::mem::take(&mut mark_sources[i]),
                level: ladder.level,
                reasons: Vec::new(),
                action: LadderAction::None,
            };
            if let Some(c) = c {
                view.level = c.ladder.level;
                view.reasons = c.ladder.reasons.clone();
                view.action = c.ladder.action.clone();
                view.runway = Some(c.runway.clone());
                report
                    .alerts
                    .extend(c.ladder.events.iter().map(ladder_alert));
            }
            report.venues.push(view);
        }
        for v in &out.integrity {
            if let Some(sh) = &v.shrink {
                report.alerts.push(AlertLine {
                    subject: v.symbol.clone(),
                    kind: "venue_shrink".into(),
                    message: format!(
                        "{} leg shrank from {} to {} with no order of ours (liquidation or ADL); the other leg is reduced by {}",
                        self.slots[slot_index(sh.venue)].kind.id(),
                        sh.previous.normalize(),
                        sh.now.normalize(),
                        sh.reduce_other.normalize()
                    ),
                    replaces: None,
                    reminder: false,
                });
            }
            if matches!(v.status, IntegrityStatus::Broken { .. }) {
                report.alerts.push(AlertLine {
                    subject: v.symbol.clone(),
                    kind: "naked_leg".into(),
                    message: format!("hedge broken past the grace: {:?}", v.class),
                    replaces: None,
                    reminder: false,
                });
            }
        }
        if let ReadVerdict::Alert {
            failing,
            first: true,
        } = &out.reads
        {
            for (s, n) in failing {
                report.alerts.push(AlertLine {
                    subject: self.slots[slot_index(*s)].kind.id().into(),
                    kind: "read_failure".into(),
                    message: format!("{n} consecutive failed reads while a position is open"),
                    replaces: None,
                    reminder: false,
                });
            }
        }
        if self.settings.auto_close && !in_progress {
            for d in &out.decisions {
                let (record, after) = self.execute(engine, d).await;
                let failed = !record.ok;
                report.actions.push(record);
                // A failed action that left the hedge broken: the excess at once.
                if let Some(next) = after.filter(|_| failed).and_then(|p| self.aftermath(d, p)) {
                    let (record, _) = self.execute(engine, &next).await;
                    report.actions.push(record);
                }
            }
        } else {
            let why = if in_progress {
                "a two-leg operation is in progress"
            } else {
                "--no-auto-close"
            };
            report.skipped.extend(out.decisions.iter().map(|d| Skipped {
                symbol: d.trade.symbol().to_string(),
                cause: d.cause.clone(),
                reason: why.into(),
            }));
        }
        report.halted = engine.halted().ok().flatten().map(|h| h.reason);
        if report.halted.is_some() || report.actions.iter().any(|a| !a.ok) {
            report.health = Health::Unhealthy;
        }
        report
    }

    async fn figures(
        &mut self,
        i: usize,
        read: &Read,
        mark_source: &mut BTreeMap<String, String>,
    ) -> VenueFigures {
        let mut positions = Vec::new();
        for p in &read.positions {
            let symbol = p.symbol.to_ascii_uppercase();
            let mark = match p.mark_price {
                Some(m) => {
                    mark_source.insert(symbol.clone(), "venue".into());
                    Some(m)
                }
                None => {
                    let m = read.mids.get(&p.symbol).copied();
                    if m.is_some() {
                        mark_source.insert(symbol.clone(), "book_mid".into());
                    }
                    m
                }
            };
            let fraction = match p.maintenance_margin_fraction {
                Some(f) => Some(f),
                None => self.slots[i]
                    .venue
                    .market(&p.symbol)
                    .await
                    .ok()
                    .and_then(|m| m.maintenance_margin_fraction),
            };
            positions.push(PositionFigures {
                symbol,
                size: p.size,
                entry_price: p.entry_price,
                mark_price: mark,
                liquidation_price: p.liquidation_price,
                maintenance_fraction: fraction,
                unsettled_funding: None,
                unrealized_pnl: p.unrealized_pnl,
            });
        }
        VenueFigures {
            venue: self.slots[i].kind.id().to_string(),
            equity: read.balance.equity,
            maintenance_requirement: read.balance.maintenance_margin,
            margin_usage: read.balance.margin_usage,
            positions,
        }
    }

    /// Sends one trade; returns its record and, for a trade through both venues, the
    /// positions after it (A, B) as the engine verified them.
    async fn execute(
        &self,
        engine: &HedgeEngine,
        d: &Decision,
    ) -> (ActionRecord, Option<PairPositions>) {
        let symbol = d.trade.symbol().to_string();
        let mut req = CloseRequest {
            symbol: symbol.clone(),
            venues: self.legs(),
            pricing: self.settings.pricing.clone(),
            dry_run: false,
            only: None,
        };
        let blind = matches!(d.cause, Cause::BlindRead { .. });
        let mut after = None;
        let (action, result, ok) = match &d.trade {
            // One leg on its venue alone: blind (the other venue cannot be read), or a
            // one-leg reduce (on the leg's own step, not the common grid of both venues).
            Trade::CloseLeg { venue, .. } if blind => {
                self.one_leg(engine, *venue, &symbol, None, "close_leg")
                    .await
            }
            Trade::ReduceLeg {
                venue, quantity, ..
            } => {
                self.one_leg(engine, *venue, &symbol, Some(*quantity), "reduce_leg")
                    .await
            }
            Trade::CloseBoth { .. } | Trade::CloseLeg { .. } => {
                let action = if let Trade::CloseLeg { venue, .. } = &d.trade {
                    req.only = Some(role_of(*venue));
                    "close_leg"
                } else {
                    "close_both"
                };
                match engine.close(&req).await {
                    Ok(r) => {
                        let ok = matches!(r.result, CloseResult::Flat { .. });
                        after = r.positions_after;
                        (action, format!("{:?}", r.result), ok)
                    }
                    Err(e) => (action, format!("nothing sent: {e}"), false),
                }
            }
            Trade::ReduceBoth { quantity, .. } => {
                let action = "reduce_both";
                match engine.reduce(&req, *quantity).await {
                    Ok(r) => {
                        after = r.detail.positions_after;
                        let now = r
                            .detail
                            .positions_after
                            .map(|p| {
                                format!("; now {} / {}", p.long.normalize(), p.short.normalize())
                            })
                            .unwrap_or_default();
                        (
                            action,
                            format!("by {}: {:?}{now}", quantity.normalize(), r.result),
                            matches!(r.result, ReduceResult::Reduced { .. }),
                        )
                    }
                    Err(e) => (action, format!("nothing sent: {e}"), false),
                }
            }
        };
        (
            ActionRecord {
                symbol,
                action: action.into(),
                why: cause_text(&d.cause, &self.slots),
                result,
                ok,
            },
            after,
        )
    }
}

impl LiqMonitor {
    /// Closes (`reduce_by` = `None`) or reduces one leg through the engine's single-venue
    /// path: nothing is read from the other venue, whose last known size is stated.
    async fn one_leg(
        &self,
        engine: &HedgeEngine,
        venue: VenueSlot,
        symbol: &str,
        reduce_by: Option<Decimal>,
        action: &'static str,
    ) -> (&'static str, String, bool) {
        let other = venue.other();
        let known = match other {
            VenueSlot::A => &self.state.reads_a,
            VenueSlot::B => &self.state.reads_b,
        };
        let other_last_known = known
            .last_known
            .as_ref()
            .and_then(|m| m.get(symbol).copied())
            .unwrap_or(Decimal::ZERO);
        let req = OneLegRequest {
            symbol: symbol.to_string(),
            venue: self.slots[slot_index(venue)].venue.clone(),
            role: role_of(venue),
            other_venue: self.slots[slot_index(other)].kind.id().to_string(),
            other_last_known,
            reduce_by,
            pricing: self.settings.pricing.clone(),
        };
        match engine.trade_one_leg(&req).await {
            Ok(r) => {
                let ok = matches!(r.result, CloseResult::Flat { .. });
                let by = reduce_by
                    .map(|q| format!("by {}: ", q.normalize()))
                    .unwrap_or_default();
                let after = r
                    .positions_after
                    .map(|p| format!("; now {} / {}", p.long.normalize(), p.short.normalize()))
                    .unwrap_or_default();
                (action, format!("{by}{:?}{after}", r.result), ok)
            }
            Err(e) => (action, format!("nothing sent: {e}"), false),
        }
    }
}

fn cause_text(c: &Cause, slots: &[Slot; 2]) -> String {
    let id = |s: &VenueSlot| slots[slot_index(*s)].kind.id();
    match c {
        Cause::Ladder { venue, level } => format!("{} at {level:?}", id(venue)),
        Cause::VenueShrink { shrink } => format!(
            "{} leg cut by the venue by {}",
            id(&shrink.venue),
            shrink.lost.normalize()
        ),
        Cause::Integrity { class } => format!("unhedged past the grace: {class:?}"),
        Cause::Aftermath { action } => {
            format!("{action} failed and left the hedge broken; taking off the excess at once")
        }
        Cause::BlindRead { failing } => {
            format!("{} unreadable; acting on the other venue", id(failing))
        }
    }
}

/// The alert kind of a ladder level (`warn`, `reduce`, `flatten`; none for OK).
pub fn level_kind(l: Level) -> Option<&'static str> {
    match l {
        Level::Ok => None,
        Level::Warn => Some("warn"),
        Level::Reduce => Some("reduce"),
        Level::Flatten => Some("flatten"),
    }
}

fn ladder_alert(e: &LadderEvent) -> AlertLine {
    let reasons = |rs: &[LevelReason]| {
        rs.iter()
            .map(render::reason_text)
            .collect::<Vec<_>>()
            .join("; ")
    };
    match e {
        LadderEvent::Crossed {
            venue,
            from,
            to,
            reasons: rs,
        } => AlertLine {
            subject: venue.clone(),
            kind: level_kind(*to).unwrap_or("recovered").into(),
            message: format!("{from:?} -> {to:?}: {}", reasons(rs)),
            replaces: level_kind(*from).map(Into::into),
            reminder: false,
        },
        LadderEvent::Reminder {
            venue,
            level,
            since,
            reasons: rs,
        } => AlertLine {
            subject: venue.clone(),
            kind: level_kind(*level).unwrap_or("recovered").into(),
            message: format!(
                "still {level:?}{}: {}",
                since
                    .map(|t| format!(" since {}", t.format("%H:%M:%S UTC")))
                    .unwrap_or_default(),
                reasons(rs)
            ),
            replaces: None,
            reminder: true,
        },
        LadderEvent::Recovered { venue, from } => AlertLine {
            subject: venue.clone(),
            kind: "recovered".into(),
            message: format!("back to OK from {from:?}"),
            replaces: level_kind(*from).map(Into::into),
            reminder: false,
        },
        LadderEvent::Held { venue, symbols } => AlertLine {
            subject: venue.clone(),
            kind: "held".into(),
            message: format!("runway unknown for {}: holding", symbols.join(", ")),
            replaces: None,
            reminder: false,
        },
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_alerts;
#[cfg(test)]
mod tests_ladder;
#[cfg(test)]
mod tests_reads;
