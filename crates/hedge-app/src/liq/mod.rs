//! The liquidation monitor's check (behavior-spec 5.5, issue 17): read both venues, feed the
//! engine's pure monitor decisions ([`hedge_engine::monitor`]) and act through the engine.
//!
//! One [`LiqMonitor::check`] is one check of the `liq-monitor` binary:
//! 1. Read balance and positions (all symbols) on both venues; a failed read is recorded as
//!    such ([`reads`]), never as "flat".
//! 2. Is a two-leg operation in progress (an unfinished journal entry, or the account lock
//!    held by another process)? Then nothing broken counts and nothing is done.
//! 3. Both read: runway per venue and position ([`runway`]), the ladder per venue
//!    ([`ladder`]), hedge integrity per symbol ([`integrity`]). One venue blind past the
//!    longer bound: only the [`reads`] module's blind actions.
//! 4. Act (with `auto_close`, never while an operation is in progress), at most one action
//!    per symbol per check, the most drastic first: a venue shrink reduces the other leg by
//!    the lost quantity; FLATTEN closes both legs of every symbol on the venue; a broken
//!    hedge past the grace closes (or reduces) the excess leg; REDUCE reduces both legs of
//!    the venue's shortest-runway symbol by [`ladder::reduce_quantity`]. Every action is the
//!    engine's close or reduce: reduce-only, journaled, verified; they run while HALTED (they
//!    only reduce) and a failure HALTS exactly as the CLI's close does.
//!
//! Mark price: the venue's own (`Position.mark_price`) where given, else the mid of the
//! venue's top of book (named `mark_source` in the report); no price at all holds action.

mod render;

pub use render::render_text;

use crate::venues::VenueKind;
use chrono::{DateTime, Utc};
use hedge_engine::ids::LegRole;
use hedge_engine::lock::{AccountLock, LockError};
use hedge_engine::monitor::integrity::{
    self, IntegrityAction, IntegrityState, SymbolLegs, SymbolVerdict,
};
use hedge_engine::monitor::ladder::{
    self, LadderAction, LadderEvent, LadderState, Level, LevelReason, ReduceLeg,
};
use hedge_engine::monitor::reads::{self, BlindAction, ReadOutcome, ReadVerdict, VenueReadState};
use hedge_engine::monitor::runway::{self, VenueRunway};
use hedge_engine::monitor::{PositionFigures, VenueFigures, VenueSlot};
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{CloseRequest, CloseResult, HedgeEngine, LegVenues, ReduceResult};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use venue_api::{Position, Venue};

/// Every setting of the monitor's decisions.
#[derive(Debug, Clone)]
pub struct LiqSettings {
    /// Runway cross-check tolerance.
    pub runway: runway::RunwaySettings,
    /// Ladder bounds (`--margin-threshold`, `--pnl-threshold`).
    pub ladder: ladder::LadderSettings,
    /// `--unhedged-grace`.
    pub integrity: integrity::IntegritySettings,
    /// `--max-read-failures`.
    pub reads: reads::ReadSettings,
    /// `--auto-close` (default) / `--no-auto-close`.
    pub auto_close: bool,
    /// Pricing of the reduce-only orders.
    pub pricing: PricingPolicy,
}

/// Overall health of one check (the `--once` exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Every venue OK and every symbol flat or hedged (or the account is empty).
    Healthy,
    /// A level above OK, a broken hedge, a failed action or HALTED (outranks `Unknown`).
    Unhealthy,
    /// A venue could not be read, or a runway is unknown.
    Unknown,
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
    /// Where each symbol's mark came from (`venue` or `book_mid`).
    pub mark_source: BTreeMap<String, String>,
    /// Ladder level now.
    pub level: Level,
    /// Every figure past a bound.
    pub reasons: Vec<LevelReason>,
    /// The ladder's action.
    pub action: LadderAction,
}

/// One action taken (or skipped) this check.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRecord {
    /// Base asset.
    pub symbol: String,
    /// What (`flatten`, `reduce`, `close_leg`, `reduce_leg`).
    pub action: String,
    /// Why.
    pub why: String,
    /// The engine's result, or why nothing was sent.
    pub result: String,
    /// True when the action reached its aim.
    pub ok: bool,
}

/// An alert of this check (already posted through the alerter, if any).
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    /// Venue or symbol.
    pub subject: String,
    /// `level`, `recovered`, `naked_leg`, `venue_shrink`, `read_failure`, `held`, `halted`.
    pub kind: String,
    /// Text.
    pub message: String,
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
    /// Actions taken.
    pub actions: Vec<ActionRecord>,
    /// Alerts raised.
    pub alerts: Vec<AlertLine>,
    /// HALTED reason after the check.
    pub halted: Option<String>,
    /// Net base delta per symbol (A + B).
    pub net_delta: BTreeMap<String, Decimal>,
    /// Overall health.
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
    ladder: [LadderState; 2],
    integrity: IntegrityState,
    reads: [VenueReadState; 2],
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
            ladder: Default::default(),
            integrity: IntegrityState::default(),
            reads: Default::default(),
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

    async fn step_of(&mut self, s: VenueSlot, symbol: &str) -> Result<Decimal, String> {
        if let Some(st) = self.steps.get(&(s, symbol.to_string())) {
            return Ok(*st);
        }
        let m = self.slots[slot_index(s)]
            .venue
            .market(symbol)
            .await
            .map_err(|e| {
                format!(
                    "{} market {symbol}: {e}",
                    self.slots[slot_index(s)].kind.id()
                )
            })?;
        self.steps.insert((s, symbol.to_string()), m.step_size);
        Ok(m.step_size)
    }

    /// Is a two-leg operation in progress (unfinished journal entry, or the account lock
    /// held by another process)? Also returns whether the journal moved since the last check.
    ///
    /// With an account lock configured, the lock says it: an unfinished entry while the lock
    /// is free is an operation whose process died, resolved here by the engine's recovery
    /// (from the venues) before anything is decided. Without a lock, an unfinished entry is
    /// taken as in progress.
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
        let now = engine.now();
        let t0 = Instant::now();
        let (ra, rb) = tokio::join!(self.read(0), self.read(1));
        let read_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        let results = [ra, rb];
        for (i, r) in results.iter().enumerate() {
            let outcome = match r {
                Ok(read) => ReadOutcome::Ok {
                    positions: read
                        .positions
                        .iter()
                        .map(|p| (p.symbol.to_ascii_uppercase(), p.size))
                        .collect(),
                },
                Err(e) => ReadOutcome::Failed { error: e.clone() },
            };
            self.reads[i] = reads::record(&self.reads[i], &outcome, now);
        }
        let (in_progress, touched) = self.operation_state(engine).await;
        let verdict = reads::verdict(&self.settings.reads, &self.reads[0], &self.reads[1]);
        let mut report = CheckReport {
            time: now,
            venues: Vec::new(),
            symbols: Vec::new(),
            reads: verdict.clone(),
            in_progress,
            actions: Vec::new(),
            alerts: Vec::new(),
            halted: None,
            net_delta: BTreeMap::new(),
            health: Health::Healthy,
        };
        let mut unknown = false;
        let mut planned: Vec<(String, Plan, String)> = Vec::new();
        for (i, r) in results.iter().enumerate() {
            let slot = if i == 0 { VenueSlot::A } else { VenueSlot::B };
            let mut view = VenueView {
                slot,
                venue: self.slots[i].kind.id().to_string(),
                read_ms,
                read_error: r.as_ref().err().cloned(),
                read_failures: self.reads[i].consecutive_failures,
                seconds_since_good: self.reads[i].seconds_since_good(now),
                runway: None,
                mark_source: BTreeMap::new(),
                level: self.ladder[i].level,
                reasons: Vec::new(),
                action: LadderAction::None,
            };
            let Ok(read) = r else {
                unknown = true;
                report.venues.push(view);
                continue;
            };
            let figures = self.figures(i, read, &mut view).await;
            let vr = runway::venue_runway(&self.settings.runway, &figures);
            let reading = ladder::LadderReading::from_runway(&vr);
            let st = ladder::step(&self.settings.ladder, &self.ladder[i], &reading, now);
            self.ladder[i] = st.state.clone();
            view.level = st.level;
            view.reasons = st.reasons.clone();
            view.action = st.action.clone();
            for e in &st.events {
                report.alerts.push(ladder_alert(e));
            }
            if matches!(st.action, LadderAction::Hold { .. }) {
                unknown = true;
            }
            match &st.action {
                LadderAction::Flatten => {
                    for p in &vr.positions {
                        planned.push((
                            p.symbol.clone(),
                            Plan::Close(None),
                            format!("{} FLATTEN", view.venue),
                        ));
                    }
                }
                LadderAction::Reduce => {
                    if let Some((symbol, _)) = &reading.runway {
                        planned.push((
                            symbol.clone(),
                            Plan::LadderReduce(slot),
                            format!("{} REDUCE", view.venue),
                        ));
                    }
                }
                _ => {}
            }
            view.runway = Some(vr);
            report.venues.push(view);
        }
        match &verdict {
            ReadVerdict::Proceed => {
                if let (Ok(a), Ok(b)) = (&results[0], &results[1]) {
                    self.integrity_step(
                        a,
                        b,
                        &touched,
                        in_progress,
                        now,
                        &mut report,
                        &mut planned,
                    )
                    .await;
                }
            }
            ReadVerdict::Wait { .. } => {}
            ReadVerdict::Alert { failing, first } => {
                if !*first {
                    unknown = true;
                }
                for (s, n) in failing.iter().filter(|_| *first) {
                    report.alerts.push(AlertLine {
                        subject: self.slots[slot_index(*s)].kind.id().into(),
                        kind: "read_failure".into(),
                        message: format!("{n} consecutive failed reads while a position is open"),
                    });
                }
            }
            ReadVerdict::ActOnReadable { actions, .. } => {
                for a in actions {
                    match a {
                        BlindAction::CloseLeg { venue, symbol, .. } => planned.push((
                            symbol.clone(),
                            Plan::Close(Some(role_of(*venue))),
                            "other venue unreadable, its leg last known gone".into(),
                        )),
                        BlindAction::ReduceLeg {
                            venue,
                            symbol,
                            quantity,
                        } => planned.push((
                            symbol.clone(),
                            Plan::Reduce(Some(role_of(*venue)), *quantity),
                            "other venue unreadable, its leg last known smaller".into(),
                        )),
                        BlindAction::Hold { .. } => {}
                    }
                }
            }
        }
        if self.settings.auto_close && !in_progress {
            self.act(engine, planned, &results, &mut report).await;
        }
        report.halted = engine.halted().ok().flatten().map(|h| h.reason);
        // A known problem outranks an unknown figure.
        report.health = if report.halted.is_some()
            || report.venues.iter().any(|v| v.level != Level::Ok)
            || report.actions.iter().any(|a| !a.ok)
            || report.symbols.iter().any(|s| {
                !s.class.is_sound() && !matches!(s.status, integrity::IntegrityStatus::Suppressed)
            }) {
            Health::Unhealthy
        } else if unknown {
            Health::Unknown
        } else {
            Health::Healthy
        };
        report
    }

    async fn figures(&mut self, i: usize, read: &Read, view: &mut VenueView) -> VenueFigures {
        let mut positions = Vec::new();
        for p in &read.positions {
            let symbol = p.symbol.to_ascii_uppercase();
            let mark = match p.mark_price {
                Some(m) => {
                    view.mark_source.insert(symbol.clone(), "venue".into());
                    Some(m)
                }
                None => {
                    let m = read.mids.get(&p.symbol).copied();
                    if m.is_some() {
                        view.mark_source.insert(symbol.clone(), "book_mid".into());
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
            venue: view.venue.clone(),
            equity: read.balance.equity,
            maintenance_requirement: read.balance.maintenance_margin,
            margin_usage: read.balance.margin_usage,
            positions,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn integrity_step(
        &mut self,
        a: &Read,
        b: &Read,
        touched: &BTreeSet<String>,
        in_progress: bool,
        now: DateTime<Utc>,
        report: &mut CheckReport,
        planned: &mut Vec<(String, Plan, String)>,
    ) {
        let size = |r: &Read, s: &str| {
            r.positions
                .iter()
                .filter(|p| p.symbol.eq_ignore_ascii_case(s))
                .map(|p| p.size)
                .sum::<Decimal>()
        };
        let mut symbols: BTreeSet<String> = self.integrity.symbols.keys().cloned().collect();
        symbols.extend(
            a.positions
                .iter()
                .chain(&b.positions)
                .map(|p| p.symbol.to_ascii_uppercase()),
        );
        let mut legs = Vec::new();
        for s in symbols {
            let (sa, sb) = (size(a, &s), size(b, &s));
            report.net_delta.insert(s.clone(), sa + sb);
            let (Ok(step_a), Ok(step_b)) = (
                self.step_of(VenueSlot::A, &s).await,
                self.step_of(VenueSlot::B, &s).await,
            ) else {
                continue;
            };
            legs.push(SymbolLegs {
                journal_activity: touched.contains(&s),
                symbol: s,
                size_a: sa,
                size_b: sb,
                step_a,
                step_b,
            });
        }
        match integrity::check(
            &self.settings.integrity,
            &self.integrity,
            &legs,
            in_progress,
            now,
        ) {
            Ok((next, verdicts)) => {
                self.integrity = next;
                for v in &verdicts {
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
                        });
                        if sh.reduce_other > Decimal::ZERO {
                            planned.insert(
                                0,
                                (
                                    v.symbol.clone(),
                                    Plan::Reduce(Some(role_of(sh.venue.other())), sh.reduce_other),
                                    "venue shrink of the other leg".into(),
                                ),
                            );
                        }
                    }
                    let plan = match &v.action {
                        IntegrityAction::None => None,
                        IntegrityAction::CloseLeg { venue } => {
                            Some(Plan::Close(Some(role_of(*venue))))
                        }
                        IntegrityAction::CloseBoth => Some(Plan::Close(None)),
                        IntegrityAction::ReduceLeg { venue, quantity } => {
                            Some(Plan::Reduce(Some(role_of(*venue)), *quantity))
                        }
                    };
                    if let Some(plan) = plan {
                        report.alerts.push(AlertLine {
                            subject: v.symbol.clone(),
                            kind: "naked_leg".into(),
                            message: format!("hedge broken past the grace: {:?}", v.class),
                        });
                        planned.push((v.symbol.clone(), plan, "unhedged past the grace".into()));
                    }
                }
                report.symbols = verdicts;
            }
            Err(e) => report.alerts.push(AlertLine {
                subject: e.symbol.clone(),
                kind: "error".into(),
                message: e.to_string(),
            }),
        }
    }

    async fn act(
        &mut self,
        engine: &HedgeEngine,
        planned: Vec<(String, Plan, String)>,
        results: &[Result<Read, String>; 2],
        report: &mut CheckReport,
    ) {
        // The most drastic plan per symbol: close both > one-leg plans > ladder reduce.
        let mut by_symbol: BTreeMap<String, (Plan, String)> = BTreeMap::new();
        for (symbol, plan, why) in planned {
            match by_symbol.get(&symbol) {
                Some((p, _)) if p.rank() >= plan.rank() => {}
                _ => {
                    by_symbol.insert(symbol, (plan, why));
                }
            }
        }
        for (symbol, (plan, why)) in by_symbol {
            let mut req = CloseRequest {
                symbol: symbol.clone(),
                venues: self.legs(),
                pricing: self.settings.pricing.clone(),
                dry_run: false,
                only: None,
            };
            let record = match plan {
                Plan::Close(only) => {
                    req.only = only;
                    let action = if only.is_some() {
                        "close_leg"
                    } else {
                        "flatten"
                    };
                    match engine.close(&req).await {
                        Ok(r) => {
                            let ok = matches!(r.result, CloseResult::Flat { .. });
                            (action, format!("{:?}", r.result), ok)
                        }
                        Err(e) => (action, format!("nothing sent: {e}"), false),
                    }
                }
                Plan::Reduce(only, q) => {
                    req.only = only;
                    let action = if only.is_some() {
                        "reduce_leg"
                    } else {
                        "reduce"
                    };
                    reduce_record(engine, &req, q, action).await
                }
                Plan::LadderReduce(slot) => {
                    match self.ladder_quantity(slot, &symbol, results).await {
                        Ok((q, true)) => match engine.close(&req).await {
                            Ok(r) => (
                                "flatten",
                                format!("reduce of {q} reaches the smaller leg: {:?}", r.result),
                                matches!(r.result, CloseResult::Flat { .. }),
                            ),
                            Err(e) => ("flatten", format!("nothing sent: {e}"), false),
                        },
                        Ok((q, false)) if q.is_zero() => continue,
                        Ok((q, false)) => reduce_record(engine, &req, q, "reduce").await,
                        Err(e) => ("reduce", format!("no quantity: {e}"), false),
                    }
                }
            };
            report.actions.push(ActionRecord {
                symbol,
                action: record.0.into(),
                why,
                result: record.1,
                ok: record.2,
            });
        }
    }

    async fn ladder_quantity(
        &mut self,
        slot: VenueSlot,
        symbol: &str,
        results: &[Result<Read, String>; 2],
    ) -> Result<(Decimal, bool), String> {
        let vr = self.settings.runway.clone();
        let Ok(read) = &results[slot_index(slot)] else {
            return Err("venue not read".into());
        };
        let Ok(other) = &results[slot_index(slot.other())] else {
            return Err("other venue not read".into());
        };
        let mut dummy = VenueView {
            slot,
            venue: self.slots[slot_index(slot)].kind.id().into(),
            read_ms: 0,
            read_error: None,
            read_failures: 0,
            seconds_since_good: None,
            runway: None,
            mark_source: BTreeMap::new(),
            level: Level::Ok,
            reasons: Vec::new(),
            action: LadderAction::None,
        };
        let figures = self.figures(slot_index(slot), read, &mut dummy).await;
        let venue = runway::venue_runway(&vr, &figures);
        let this_step = self.step_of(slot, symbol).await?;
        let other_leg = ReduceLeg {
            size: other
                .positions
                .iter()
                .filter(|p| p.symbol.eq_ignore_ascii_case(symbol))
                .map(|p| p.size)
                .sum(),
            step: self.step_of(slot.other(), symbol).await?,
        };
        let plan =
            ladder::reduce_quantity(&self.settings.ladder, &venue, symbol, this_step, &other_leg)
                .map_err(|e| e.to_string())?;
        Ok((plan.quantity, plan.closes_hedge))
    }
}

async fn reduce_record(
    engine: &HedgeEngine,
    req: &CloseRequest,
    q: Decimal,
    action: &'static str,
) -> (&'static str, String, bool) {
    match engine.reduce(req, q).await {
        Ok(r) => {
            let ok = matches!(r.result, ReduceResult::Reduced { .. });
            let after = r
                .detail
                .positions_after
                .map(|p| format!("; now {} / {}", p.long.normalize(), p.short.normalize()))
                .unwrap_or_default();
            (
                action,
                format!("by {}: {:?}{after}", q.normalize(), r.result),
                ok,
            )
        }
        Err(e) => (action, format!("nothing sent: {e}"), false),
    }
}

#[derive(Debug, Clone, Copy)]
enum Plan {
    /// Close both legs, or one.
    Close(Option<LegRole>),
    /// Reduce both legs, or one, by a quantity.
    Reduce(Option<LegRole>, Decimal),
    /// The ladder's REDUCE on a venue: quantity from [`ladder::reduce_quantity`].
    LadderReduce(VenueSlot),
}

impl Plan {
    fn rank(&self) -> u8 {
        match self {
            Plan::Close(None) => 4,
            Plan::Close(Some(_)) => 3,
            Plan::Reduce(Some(_), _) => 2,
            Plan::Reduce(None, _) => 1,
            Plan::LadderReduce(_) => 0,
        }
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
            kind: "level".into(),
            message: format!("{from:?} -> {to:?}: {}", reasons(rs)),
        },
        LadderEvent::Reminder {
            venue,
            level,
            reasons: rs,
            ..
        } => AlertLine {
            subject: venue.clone(),
            kind: "level".into(),
            message: format!("still {level:?}: {}", reasons(rs)),
        },
        LadderEvent::Recovered { venue, from } => AlertLine {
            subject: venue.clone(),
            kind: "recovered".into(),
            message: format!("back to OK from {from:?}"),
        },
        LadderEvent::Held { venue, symbols } => AlertLine {
            subject: venue.clone(),
            kind: "held".into(),
            message: format!("runway unknown for {}: holding", symbols.join(", ")),
        },
    }
}

#[cfg(test)]
mod tests;
