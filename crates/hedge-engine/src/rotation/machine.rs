//! The rotation bot's loop (behavior-spec 4.4 with the Rust fixes): IDLE -> ANALYZING ->
//! OPENING -> HOLDING -> CLOSING -> WAITING -> IDLE, plus ERROR, HALTED and PAUSED.
//!
//! Contract:
//! - Time comes from the injected [`Clock`]; every wait also ends at once when the shutdown
//!   watch turns true. An engine operation (open, close) is never raced against shutdown: it
//!   runs to its end (the engine bounds it), then the loop stops.
//! - Every state change is logged ("State transition: A -> B") and saved at once; a failed
//!   save stops the loop with [`MachineError::Save`] (W20). Every decision is recorded in the
//!   state with its numbers.
//! - Start-up runs the engine's `recover()`, then reconciles with every position of both
//!   venues (all symbols) and the open orders: a matching hedge is adopted, nothing is traded
//!   over anything unexplained (ERROR with the reason), a failed read is never "flat".
//! - The engine owns HALTED and the journal: when it is HALTED the bot shows HALTED, opens
//!   nothing and keeps watching; it leaves HALTED only when an operator cleared the engine.
//! - PAUSED (a tripped budget, or `rotation-bot pause`): nothing new opens; a held position is
//!   still watched and closed on schedule.
//!
//! Slot A / slot B: the two venues in the order of the state file's `edgex_*` / `lighter_*`
//! fields (see [`super::state`]); the loop never compares venue names.

mod close;
mod control;
mod hold;
mod opened_with;
mod repair;
mod select;
mod startup;
#[cfg(test)]
mod tests;

pub use control::{ControlFiles, PauseRequest};
pub use opened_with::OpenedWith;

use super::budget::Budgets;
use super::decide::Thresholds;
use super::economics::EconomicsParams;
use super::state::file::{BotStateError, BotStateFile};
use super::state::{board, BotState, BotStatus, DecisionRecord};
use super::stoploss::StopLossSettings;
use crate::protocol::{HedgeEngine, LegVenues};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use venue_api::{Clock, Venue};

/// Everything the loop is configured with (the binary builds it from the bot config).
#[derive(Debug, Clone)]
pub struct MachineConfig {
    /// Candidate symbols, in tie-break order.
    pub symbols: Vec<String>,
    /// Quote currency.
    pub quote: String,
    /// Leverage on both venues.
    pub leverage: u32,
    /// Largest notional per leg.
    pub notional_per_position: Decimal,
    /// Cooldown after a close.
    pub wait_between_cycles: Duration,
    /// HOLDING dashboard / reconcile / hold-decision interval.
    pub check_interval: Duration,
    /// Stop-loss check interval.
    pub stop_loss_interval: Duration,
    /// Share of available collateral kept free when sizing, percent.
    pub margin_buffer_percent: Decimal,
    /// Entry and hold thresholds.
    pub thresholds: Thresholds,
    /// Economics knobs.
    pub economics: EconomicsParams,
    /// Budgets.
    pub budgets: Budgets,
    /// Stop-loss.
    pub stop_loss: StopLossSettings,
    /// Crossing ticks of the bot's orders (seed: 10).
    pub cross_ticks: u32,
    /// Oldest book an order may be priced from (`None`: no limit). Paper runs at `--speed N`
    /// stretch it by N (the simulated clock runs N times faster than the requests).
    pub max_book_age: Option<Duration>,
    /// Stop after this many completed cycles in this run (`--cycles N`).
    pub max_cycles: Option<u64>,
    /// Pause after a failed selection or when nothing qualifies.
    pub selection_backoff: Duration,
    /// Retry delay after a failed capital read in IDLE.
    pub capital_retry: Duration,
    /// Close attempts before ERROR.
    pub max_close_failures: u32,
    /// Ledger disagreement shown as flagged above this, quote currency.
    pub ledger_tolerance_usd: Decimal,
}

impl Default for MachineConfig {
    fn default() -> Self {
        Self {
            symbols: vec!["BTC".into()],
            quote: "USD".into(),
            leverage: 3,
            notional_per_position: Decimal::from(100),
            wait_between_cycles: Duration::from_secs(300),
            check_interval: Duration::from_secs(60),
            stop_loss_interval: Duration::from_secs(10),
            margin_buffer_percent: Decimal::from(10),
            thresholds: Thresholds::default(),
            economics: EconomicsParams::default(),
            budgets: Budgets::default(),
            stop_loss: StopLossSettings::default(),
            cross_ticks: 10,
            max_book_age: crate::pricing::PricingPolicy::default().max_book_age,
            max_cycles: None,
            selection_backoff: Duration::from_secs(300),
            capital_retry: Duration::from_secs(60),
            max_close_failures: 5,
            ledger_tolerance_usd: Decimal::ONE,
        }
    }
}

/// The two venues: slot A (the state file's `edgex_*` fields) and slot B (`lighter_*`).
#[derive(Debug, Clone)]
pub struct BotVenues {
    /// Slot A.
    pub a: Arc<dyn Venue>,
    /// Slot B.
    pub b: Arc<dyn Venue>,
}

impl BotVenues {
    /// Both, A first.
    pub fn both(&self) -> [Arc<dyn Venue>; 2] {
        [self.a.clone(), self.b.clone()]
    }

    /// The venue with this id.
    pub fn by_id(&self, id: &str) -> Option<Arc<dyn Venue>> {
        self.both().into_iter().find(|v| v.id() == id)
    }

    /// Long and short by venue id.
    pub fn legs(&self, long: &str, short: &str) -> Option<LegVenues> {
        Some(LegVenues {
            long: self.by_id(long)?,
            short: self.by_id(short)?,
        })
    }

    /// True when `id` is slot A.
    pub fn is_a(&self, id: &str) -> bool {
        self.a.id() == id
    }
}

/// Something an operator or an alert hook should hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The engine is HALTED.
    Halted,
    /// The bot stopped on something unexplained.
    Error,
    /// New opens paused (budget or operator).
    Paused,
    /// A budget tripped.
    BudgetTripped,
    /// The stop-loss fired.
    StopLoss,
    /// A leg without its hedge was seen.
    NakedLeg,
    /// What start-up recovery found.
    Recovery,
    /// A condition cleared (resume, halt cleared).
    Recovered,
    /// A cycle closed.
    CycleClosed,
    /// A read failed and was not taken as flat.
    ReadFailed,
    /// An engine operation (open, close, repair) ended; its figures are in
    /// [`BotEvent::operation`].
    Operation,
}

/// The figures of one engine operation (metrics: leg skew and naked-leg time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationFigures {
    /// `open`, `close` or `repair`.
    pub kind: String,
    /// How it ended (`hedged`, `flat`, `nothing_opened`, `halted`, ...).
    pub outcome: String,
    /// True when it ended as intended.
    pub ok: bool,
    /// Gap between the starts of the two first sends, microseconds (one leg: none).
    pub leg_skew_us: Option<u64>,
    /// How long one leg stood without its hedge, milliseconds.
    pub naked_ms: u64,
}

/// One event (for the alert webhook and metrics, wired by the binary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BotEvent {
    /// When.
    pub time: DateTime<Utc>,
    /// What.
    pub kind: EventKind,
    /// The symbol concerned, if any.
    pub symbol: Option<String>,
    /// For people.
    pub message: String,
    /// The operation's figures ([`EventKind::Operation`] only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<OperationFigures>,
}

/// The `status` tag of an outcome serialised with `tag = "status"` (empty when none).
fn status_of(result: &impl Serialize) -> String {
    serde_json::to_value(result)
        .ok()
        .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// Why the loop stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Shutdown requested (a signal).
    Shutdown,
    /// `--cycles N` reached.
    CyclesDone(u64),
    /// ERROR: something unexplained; an operator must look (exit 3).
    Error(String),
}

/// Why the loop could not go on at all.
#[derive(Debug, thiserror::Error)]
pub enum MachineError {
    /// The state could not be saved: trading stops (W20).
    #[error("{0}; trading stopped (a state that cannot be saved cannot be trusted)")]
    Save(#[from] BotStateError),
    /// The engine's state could not be read.
    #[error("engine state: {0}")]
    EngineState(#[from] crate::state::StateError),
}

/// The loop. Build it with [`Machine::new`], then [`Machine::run`].
#[derive(Debug)]
pub struct Machine {
    clock: Arc<dyn Clock>,
    engine: Arc<HedgeEngine>,
    venues: BotVenues,
    cfg: MachineConfig,
    file: BotStateFile,
    state: BotState,
    control: Option<ControlFiles>,
    shutdown: watch::Receiver<bool>,
    events: broadcast::Sender<BotEvent>,
    published: watch::Sender<Arc<BotState>>,
    cycles_this_run: u64,
    close_failures: u32,
    last_full_check: Option<DateTime<Utc>>,
    /// Repairs of the current HALT's residual (see `repair::HaltRepair`).
    repaired_halt: Option<repair::HaltRepair>,
    /// The config to apply once the held position (opened with other settings) is closed.
    next_cfg: Option<MachineConfig>,
}

impl Machine {
    /// A loop over `engine` and `venues`, continuing from `state` (loaded by the caller from
    /// `file`), stopping when `shutdown` turns true.
    pub fn new(
        clock: Arc<dyn Clock>,
        engine: Arc<HedgeEngine>,
        venues: BotVenues,
        cfg: MachineConfig,
        file: BotStateFile,
        state: BotState,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let (events, _) = broadcast::channel(256);
        let (published, _) = watch::channel(Arc::new(state.clone()));
        Self {
            clock,
            engine,
            venues,
            cfg,
            file,
            state,
            control: None,
            shutdown,
            events,
            published,
            cycles_this_run: 0,
            close_failures: 0,
            last_full_check: None,
            repaired_halt: None,
            next_cfg: None,
        }
    }

    /// Reads operator pause/resume requests from these files at each turn.
    pub fn with_control(mut self, control: ControlFiles) -> Self {
        self.control = Some(control);
        self
    }

    /// Events as they happen (alerts).
    pub fn subscribe_events(&self) -> broadcast::Receiver<BotEvent> {
        self.events.subscribe()
    }

    /// The state after every save (metrics, `/health`).
    pub fn subscribe_state(&self) -> watch::Receiver<Arc<BotState>> {
        self.published.subscribe()
    }

    /// The current state.
    pub fn state(&self) -> &BotState {
        &self.state
    }

    /// Cycles completed in this run.
    pub fn cycles_this_run(&self) -> u64 {
        self.cycles_this_run
    }

    /// The board for the current state (with the engine's HALT, if any).
    pub fn board(&self) -> String {
        let halt = self.engine.halted().ok().flatten();
        board::render(&self.state, halt.as_ref(), self.clock.now())
    }

    /// Runs until shutdown, `--cycles N`, or ERROR.
    pub async fn run(&mut self) -> Result<RunOutcome, MachineError> {
        if let Some(outcome) = self.startup().await? {
            return Ok(outcome);
        }
        loop {
            if self.stopping() {
                self.save()?;
                return Ok(RunOutcome::Shutdown);
            }
            if let Some(n) = self.cfg.max_cycles {
                if self.cycles_this_run >= n {
                    self.save()?;
                    return Ok(RunOutcome::CyclesDone(self.cycles_this_run));
                }
            }
            self.poll_control()?;
            if self.check_engine_halt().await? {
                continue;
            }
            match self.state.state {
                BotStatus::Idle
                | BotStatus::Analyzing
                | BotStatus::Opening
                | BotStatus::Shutdown
                | BotStatus::Unknown => self.idle_turn().await?,
                BotStatus::Holding => self.holding_turn().await?,
                BotStatus::Closing => self.closing_turn().await?,
                BotStatus::Waiting => self.waiting_turn().await?,
                BotStatus::Paused => self.paused_turn().await?,
                BotStatus::Halted => self.halted_turn().await?,
                BotStatus::Error => {
                    let reason = self
                        .state
                        .cumulative_stats
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "unknown".into());
                    tracing::error!("ERROR: {reason}; the bot stops (an operator must look)");
                    self.save()?;
                    return Ok(RunOutcome::Error(reason));
                }
            }
        }
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Sleeps `d` of clock time; returns false when interrupted by shutdown.
    async fn sleep(&mut self, d: Duration) -> bool {
        if self.stopping() {
            return false;
        }
        let clock = self.clock.clone();
        let mut rx = self.shutdown.clone();
        tokio::select! {
            _ = clock.sleep(d) => !self.stopping(),
            _ = rx.wait_for(|v| *v) => false,
        }
    }

    /// Saves the state (refreshing `last_updated`) and publishes it.
    fn save(&mut self) -> Result<(), MachineError> {
        self.stamp_opened_with();
        let now = self.clock.now();
        self.file.save(&mut self.state, now)?;
        self.published.send_replace(Arc::new(self.state.clone()));
        Ok(())
    }

    /// Logs and saves a state change.
    fn transition(&mut self, to: BotStatus) -> Result<(), MachineError> {
        let from = self.state.state;
        if from != to {
            tracing::info!("State transition: {from} -> {to}");
        }
        self.state.state = to;
        self.save()
    }

    /// ERROR with a reason (saved; the loop stops at the next turn).
    fn fail(&mut self, reason: impl Into<String>) -> Result<(), MachineError> {
        let reason = reason.into();
        let now = self.clock.now();
        tracing::error!("{reason}");
        self.state.cumulative_stats.last_error = Some(reason.clone());
        self.state.cumulative_stats.last_error_at = Some(now);
        self.emit(EventKind::Error, None, reason);
        self.transition(BotStatus::Error)
    }

    /// The pricing policy of the bot's orders.
    fn pricing(&self) -> crate::pricing::PricingPolicy {
        crate::pricing::PricingPolicy {
            cross_ticks: self.cfg.cross_ticks,
            max_book_age: self.cfg.max_book_age,
            ..crate::pricing::PricingPolicy::default()
        }
    }

    fn emit(&self, kind: EventKind, symbol: Option<&str>, message: impl Into<String>) {
        let _ = self.events.send(BotEvent {
            time: self.clock.now(),
            kind,
            symbol: symbol.map(str::to_string),
            message: message.into(),
            operation: None,
        });
    }

    /// Announces the figures of an engine operation.
    fn emit_operation(&self, symbol: &str, figures: OperationFigures) {
        let _ = self.events.send(BotEvent {
            time: self.clock.now(),
            kind: EventKind::Operation,
            symbol: Some(symbol.to_string()),
            message: format!(
                "{} {symbol}: {} (naked {} ms)",
                figures.kind, figures.outcome, figures.naked_ms
            ),
            operation: Some(figures),
        });
    }

    /// Records a decision with its numbers and logs it.
    fn decide(
        &mut self,
        kind: &str,
        symbol: Option<&str>,
        reason: impl Into<String>,
        numbers: impl Serialize,
    ) {
        let reason = reason.into();
        let numbers = match serde_json::to_value(numbers) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(serde_json::Value::Null) | Err(_) => serde_json::Map::new(),
            Ok(other) => {
                let mut m = serde_json::Map::new();
                m.insert("value".into(), other);
                m
            }
        };
        tracing::info!(kind, symbol = symbol.unwrap_or("-"), "decision: {reason}");
        self.state.record_decision(DecisionRecord {
            time: self.clock.now(),
            kind: kind.into(),
            symbol: symbol.map(str::to_string),
            reason,
            numbers,
        });
    }

    /// Engine HALT: shown as HALTED; returns true when the state changed this turn.
    async fn check_engine_halt(&mut self) -> Result<bool, MachineError> {
        let halt = self.engine.halted()?;
        match (halt, self.state.state) {
            (Some(h), s) if s != BotStatus::Halted && s != BotStatus::Error => {
                let msg = format!(
                    "engine HALTED since {}: {}. Nothing new opens; positions are watched. \
                     Check both venues, then `hedge-cli resume`",
                    board::time(h.since),
                    h.reason
                );
                tracing::error!("{msg}");
                self.emit(EventKind::Halted, None, msg);
                self.transition(BotStatus::Halted)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// HALTED: watch; when the engine is cleared, reconcile again.
    async fn halted_turn(&mut self) -> Result<(), MachineError> {
        if self.engine.halted()?.is_none() {
            tracing::warn!("engine HALT cleared by an operator: reconciling with the venues");
            self.emit(EventKind::Recovered, None, "engine HALT cleared");
            if let Some(outcome_state) = self.reconcile_venues().await? {
                self.transition(outcome_state)?;
            }
            return Ok(());
        }
        self.repair_halted().await?;
        tracing::warn!("{}", self.board());
        if self.state.current_position.is_some() {
            self.refresh_position_view().await?;
        }
        self.sleep(self.cfg.check_interval).await;
        Ok(())
    }

    /// WAITING: count down (logged every 30 s of clock time), then IDLE.
    async fn waiting_turn(&mut self) -> Result<(), MachineError> {
        let until = self.wait_until();
        let now = self.clock.now();
        if now >= until {
            tracing::info!("Cooldown complete");
            self.state.extra.remove("wait_until");
            return self.transition(BotStatus::Idle);
        }
        let left = (until - now).to_std().unwrap_or_default();
        let minutes = Decimal::from(u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
            / Decimal::from(60_000);
        tracing::info!(
            "WAITING: {:.1} minutes until next cycle (completed cycles {}, next cycle #{})",
            minutes.round_dp(1),
            self.state.cumulative_stats.total_cycles,
            self.state.current_cycle + 1
        );
        self.sleep(left.min(Duration::from_secs(30))).await;
        Ok(())
    }

    fn wait_until(&self) -> DateTime<Utc> {
        self.state
            .extra
            .get("wait_until")
            .and_then(|v| v.as_str())
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| self.clock.now())
    }

    /// Enters WAITING for `d` (persisted, so a restart resumes the countdown).
    fn enter_waiting(&mut self, d: Duration) -> Result<(), MachineError> {
        let until = self.clock.now() + chrono::Duration::from_std(d).unwrap_or_default();
        self.state.extra.insert(
            "wait_until".into(),
            serde_json::Value::String(until.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
        self.transition(BotStatus::Waiting)
    }

    /// PAUSED: watch; leave when the pause ended (operator resume, or a budget window passed).
    async fn paused_turn(&mut self) -> Result<(), MachineError> {
        if self.refresh_budget_pause()? {
            return Ok(());
        }
        if self.state.pause.is_none() {
            self.emit(EventKind::Recovered, None, "pause ended");
            return self.transition(BotStatus::Idle);
        }
        tracing::warn!("{}", self.board());
        self.sleep(self.cfg.check_interval).await;
        Ok(())
    }
}
