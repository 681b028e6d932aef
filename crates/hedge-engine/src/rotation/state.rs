//! The rotation bot's state file (behavior-spec 4.9), seed-compatible.
//!
//! The seed's `bot_state.json` loads as it is: every field it writes has a place here, numbers
//! are read from their JSON text into exact decimals (and written back as decimal strings),
//! and fields this build does not know are kept and written back unchanged (`extra`). New
//! fields (operation ids, decision records, ledger, budgets, pause) are optional additions, so
//! the seed's shape is never broken.
//!
//! The file names venues the seed's way (`edgex_*`, `lighter_*`): here they are the two slots
//! of the pair, "A" (the seed's EdgeX) and "B" (the seed's Lighter); the loop maps its two
//! venues onto them and never compares names.
//!
//! What the bot does NOT keep: the order journal and HALTED live in the engine's state file
//! (the bot refers to operation ids only), so the two files can never disagree on either.
//!
//! Writing ([`file::BotStateFile::save`]) is atomic and durable, with the previous file kept
//! as `<file>.prev`; a corrupt file refuses to load unless the operator moves it aside
//! (`--reset-state`, [`file::BotStateFile::move_aside`]).

pub mod board;
pub mod file;
mod num;
#[cfg(test)]
mod tests;

use super::budget::BudgetState;
use super::decide::ExitWatch;
use super::ledger::CycleLedger;
use crate::ids::OperationId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The version this build writes; files of major version 1 are read.
pub const STATE_VERSION: &str = "1.1";

/// Completed cycles kept in the file (the seed keeps 100).
pub const MAX_CYCLES: usize = 100;

/// Decision records kept in the file.
pub const MAX_DECISIONS: usize = 50;

/// Unknown fields of an object, preserved across load and save.
pub type Extra = Map<String, Value>;

/// The states of the loop (spec 4.3, plus HALTED and PAUSED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BotStatus {
    /// Flat, about to refresh capital and select.
    #[default]
    Idle,
    /// Ranking candidates.
    Analyzing,
    /// An open operation is running.
    Opening,
    /// A hedge is held.
    Holding,
    /// A close operation is running.
    Closing,
    /// Cooldown between cycles.
    Waiting,
    /// Stopped on something it cannot explain; an operator must look.
    Error,
    /// The engine is HALTED (a naked leg); nothing opens, positions are watched.
    Halted,
    /// A budget tripped or an operator paused; nothing opens, positions are watched.
    Paused,
    /// The seed's name that is never entered (read for compatibility).
    Shutdown,
    /// A state name this build does not know (recovered like IDLE).
    #[serde(other)]
    Unknown,
}

impl BotStatus {
    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            BotStatus::Idle => "IDLE",
            BotStatus::Analyzing => "ANALYZING",
            BotStatus::Opening => "OPENING",
            BotStatus::Holding => "HOLDING",
            BotStatus::Closing => "CLOSING",
            BotStatus::Waiting => "WAITING",
            BotStatus::Error => "ERROR",
            BotStatus::Halted => "HALTED",
            BotStatus::Paused => "PAUSED",
            BotStatus::Shutdown => "SHUTDOWN",
            BotStatus::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for BotStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotState {
    /// File format version ("1.0" from the seed, [`STATE_VERSION`] from us).
    pub version: String,
    /// Loop state.
    pub state: BotStatus,
    /// Opens so far; also the id of the current cycle (W21: the cycle id assigned at open).
    #[serde(default)]
    pub current_cycle: u64,
    /// The hedge held, if any.
    #[serde(default)]
    pub current_position: Option<BotPosition>,
    /// Last capital snapshot.
    #[serde(default)]
    pub capital_status: Option<CapitalStatus>,
    /// Closed cycles, oldest first (last [`MAX_CYCLES`]).
    #[serde(default)]
    pub completed_cycles: Vec<CycleRecord>,
    /// Totals.
    #[serde(default)]
    pub cumulative_stats: CumulativeStats,
    /// Always null (seed).
    #[serde(default)]
    pub config: Value,
    /// Refreshed on every save.
    #[serde(default, with = "num::opt_time")]
    pub last_updated: Option<DateTime<Utc>>,
    /// Why new opens are paused (operator or budget), if they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Pause>,
    /// Cooldowns and budget counters.
    #[serde(default, skip_serializing_if = "budget_is_empty")]
    pub budget: BudgetState,
    /// The latest decisions with their numbers, oldest first (last [`MAX_DECISIONS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionRecord>,
    /// What the last start-up reconciliation found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_recovery: Option<String>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Default for BotState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION.into(),
            state: BotStatus::Idle,
            current_cycle: 0,
            current_position: None,
            capital_status: None,
            completed_cycles: Vec::new(),
            cumulative_stats: CumulativeStats::default(),
            config: Value::Null,
            last_updated: None,
            pause: None,
            budget: BudgetState::default(),
            decisions: Vec::new(),
            last_recovery: None,
            extra: Extra::new(),
        }
    }
}

/// Why new opens are paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// `operator` or `budget`.
    pub by: String,
    /// For people.
    pub reason: String,
    /// Since when.
    #[serde(with = "num::time")]
    pub since: DateTime<Utc>,
    /// A budget pause ends by itself then (an operator pause never does).
    #[serde(default, with = "num::opt_time")]
    pub until: Option<DateTime<Utc>>,
}

/// One decision with its numbers (why this symbol, why now, why close).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// When.
    pub time: DateTime<Utc>,
    /// `select`, `skip`, `open`, `keep`, `extend`, `switch`, `close`, `stop_loss`, `pause`, ...
    pub kind: String,
    /// The symbol concerned, if any.
    #[serde(default)]
    pub symbol: Option<String>,
    /// One line for people.
    pub reason: String,
    /// The figures behind it (exact decimals as strings).
    #[serde(default)]
    pub numbers: Map<String, Value>,
}

/// The held hedge (spec 4.9 `current_position`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotPosition {
    /// Base asset.
    pub symbol: String,
    /// Quote currency.
    #[serde(default)]
    pub quote: String,
    /// Venue id of the long leg.
    pub long_exchange: String,
    /// Venue id of the short leg.
    pub short_exchange: String,
    /// Leverage on both venues.
    #[serde(with = "num::dec")]
    pub leverage: Decimal,
    /// When the hedge was opened (the venue's time when adopted and known).
    #[serde(with = "num::time")]
    pub opened_at: DateTime<Utc>,
    /// Scheduled decision time (moved by `extend`).
    #[serde(with = "num::time")]
    pub target_close_at: DateTime<Utc>,
    /// Sizing at open.
    pub position_sizing: PositionSizing,
    /// Entry facts.
    pub entry: Entry,
    /// Funding expected at entry.
    pub expected_funding: ExpectedFunding,
    /// Latest PnL.
    #[serde(default)]
    pub current_pnl: Option<CurrentPnl>,
    /// Hours since open at the last check.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_elapsed_hours: Option<Decimal>,
    /// Hours to the target at the last check.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_remaining_hours: Option<Decimal>,
    /// Elapsed / planned hold, percent.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub progress_percent: Option<Decimal>,
    /// Last HOLDING check.
    #[serde(
        default,
        with = "num::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_check: Option<DateTime<Utc>>,
    /// Set when the stop-loss fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_loss_triggered: Option<bool>,
    /// Why it fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_loss_reason: Option<String>,
    /// When it fired.
    #[serde(
        default,
        with = "num::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_loss_time: Option<DateTime<Utc>>,
    /// True when adopted from the venues at start-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered: Option<bool>,
    /// The engine operation that opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_operation: Option<OperationId>,
    /// The engine operation closing it (set before the close is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_operation: Option<OperationId>,
    /// Why it is being closed (`scheduled`, `exit`, `switch`, `stop_loss`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
    /// The cycle's running ledger (fills, funding records, balances per leg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<CycleLedger>,
    /// Consecutive checks with an exit signal (hysteresis, never a single flip).
    #[serde(default, skip_serializing_if = "watch_is_idle")]
    pub exit_watch: ExitWatch,
    /// Times the hold was extended.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extensions: u32,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn watch_is_idle(w: &ExitWatch) -> bool {
    *w == ExitWatch::default()
}

fn budget_is_empty(b: &BudgetState) -> bool {
    *b == BudgetState::default()
}

/// `current_position.position_sizing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionSizing {
    /// `notional_per_position` at open.
    #[serde(with = "num::dec")]
    pub configured_notional: Decimal,
    /// Notional actually opened.
    #[serde(with = "num::dec")]
    pub actual_notional: Decimal,
    /// Slot A's (EdgeX) largest notional.
    #[serde(default, with = "num::opt_dec")]
    pub max_edgex_notional: Option<Decimal>,
    /// Slot B's (Lighter) largest notional.
    #[serde(default, with = "num::opt_dec")]
    pub max_lighter_notional: Option<Decimal>,
    /// `EdgeX` / `Lighter` / `unknown` (the seed's spelling).
    #[serde(default)]
    pub limiting_exchange: Option<String>,
    /// True when capital, not the config, set the size.
    #[serde(default)]
    pub was_capital_limited: bool,
    /// Slot A's available collateral at open.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_available_at_open: Option<Decimal>,
    /// Slot B's available collateral at open.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_available_at_open: Option<Decimal>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `current_position.entry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Slot A's market id (a string in the seed).
    #[serde(default, with = "num::id_string")]
    pub edgex_contract_id: String,
    /// Slot B's market id.
    #[serde(default, with = "num::id_string")]
    pub lighter_market_id: String,
    /// Slot A's entry price (the average fill when known; the seed wrote the mid).
    #[serde(default, with = "num::opt_dec")]
    pub edgex_entry_price: Option<Decimal>,
    /// Slot B's entry price.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_entry_price: Option<Decimal>,
    /// Size per leg, base units.
    #[serde(with = "num::dec")]
    pub size_base: Decimal,
    /// Slot A's signed size.
    #[serde(with = "num::dec")]
    pub edgex_size: Decimal,
    /// Slot B's signed size.
    #[serde(with = "num::dec")]
    pub lighter_size: Decimal,
    /// Slot A's total equity before the open.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_balance_before: Option<Decimal>,
    /// Slot B's total equity before the open.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_balance_before: Option<Decimal>,
    /// When recorded.
    #[serde(default, with = "num::opt_time")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Recovered positions: `long` / `short` on slot A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edgex_side: Option<String>,
    /// Recovered positions: `long` / `short` on slot B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lighter_side: Option<String>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `current_position.expected_funding`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ExpectedFunding {
    /// Slot A's rate per period, percent.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_rate_per_period: Option<Decimal>,
    /// Slot B's rate per period, percent.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_rate_per_period: Option<Decimal>,
    /// Net APR of the held direction, percent (APR short - APR long: W07).
    #[serde(default, with = "num::opt_dec")]
    pub net_apr: Option<Decimal>,
    /// Planned hold, hours.
    #[serde(default, with = "num::opt_dec")]
    pub expected_duration_hours: Option<Decimal>,
    /// Funding dollars expected over the planned hold at entry (capture-ratio denominator).
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_funding_usd: Option<Decimal>,
    /// Expected round-trip cost at entry (fees + book walk), dollars.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub expected_cost_usd: Option<Decimal>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `current_position.current_pnl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CurrentPnl {
    /// Slot A's unrealised PnL (`None`: unknown, never 0).
    #[serde(default, with = "num::opt_dec")]
    pub edgex_unrealized_pnl: Option<Decimal>,
    /// Slot B's unrealised PnL.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_unrealized_pnl: Option<Decimal>,
    /// Sum (unknown when either is).
    #[serde(default, with = "num::opt_dec")]
    pub total_unrealized_pnl: Option<Decimal>,
    /// When read.
    #[serde(default, with = "num::opt_time")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `capital_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CapitalStatus {
    /// Slot A's equity.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_total: Option<Decimal>,
    /// Slot A's available collateral.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_available: Option<Decimal>,
    /// Slot B's equity.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_total: Option<Decimal>,
    /// Slot B's available collateral.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_available: Option<Decimal>,
    /// Sum of equities.
    #[serde(default, with = "num::opt_dec")]
    pub total_capital: Option<Decimal>,
    /// Sum of availables.
    #[serde(default, with = "num::opt_dec")]
    pub total_available: Option<Decimal>,
    /// Largest new position (notional per leg) after the buffer.
    #[serde(default, with = "num::opt_dec")]
    pub max_position_notional: Option<Decimal>,
    /// The venue that limits it.
    #[serde(default)]
    pub limiting_exchange: Option<String>,
    /// Slot A's margin usage (0..1), where the venue says.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub edgex_margin_usage: Option<Decimal>,
    /// Slot B's margin usage (0..1), where the venue says.
    #[serde(
        default,
        with = "num::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub lighter_margin_usage: Option<Decimal>,
    /// When read.
    #[serde(default, with = "num::opt_time")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Same as `timestamp` (seed).
    #[serde(default, with = "num::opt_time")]
    pub last_updated: Option<DateTime<Utc>>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

mod cycle;
pub use cycle::{
    CumulativeStats, CycleEntry, CycleExit, CycleRecord, FundingStats, PnlBreakdown, SymbolStats,
};

impl BotState {
    /// Appends a decision, keeping the last [`MAX_DECISIONS`].
    pub fn record_decision(&mut self, d: DecisionRecord) {
        self.decisions.push(d);
        let excess = self.decisions.len().saturating_sub(MAX_DECISIONS);
        self.decisions.drain(..excess);
    }

    /// Completed cycles counted from the records (W21), successes and failures.
    pub fn cycle_counts(&self) -> (u64, u64) {
        let s = &self.cumulative_stats;
        (s.successful_cycles, s.failed_cycles)
    }
}
