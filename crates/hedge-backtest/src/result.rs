//! What a backtest produces: one row per cycle, a summary, the two baselines and, for a
//! sweep, one ranked row per combination. All serialisable (`--json`, the HTML report).
//!
//! Every amount is USD (quote currency) as an exact `Decimal`; a positive funding or PnL is
//! money received, a fee or slippage is a positive cost.

use chrono::{DateTime, Utc};
use hedge_engine::rotation::economics::LegSide;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a replayed cycle closed (the live bot's `close_reason` tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseTag {
    /// At the planned end, below the entry bar.
    Scheduled,
    /// Below the exit bar in enough consecutive periods.
    Exit,
    /// Another candidate beat keeping.
    Switch,
    /// `max_hold_hours` reached.
    MaxHold,
    /// The stop-loss fired.
    StopLoss,
    /// The data ended with the position open (closed at the end of the period).
    EndOfData,
}

impl CloseTag {
    /// The tag as the bot writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseTag::Scheduled => "scheduled",
            CloseTag::Exit => "exit",
            CloseTag::Switch => "switch",
            CloseTag::MaxHold => "max_hold",
            CloseTag::StopLoss => "stop_loss",
            CloseTag::EndOfData => "end_of_data",
        }
    }
}

/// One leg of a replayed cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegResult {
    /// Venue id.
    pub venue: String,
    /// Our side.
    pub side: LegSide,
    /// Funding settled on this leg while held, USD (positive: received).
    pub funding_usd: Decimal,
    /// Settlements paid on this leg.
    pub settlements: u32,
    /// Taker fees of the open and the close fills, USD.
    pub fees_usd: Decimal,
    /// Slippage of both fills, USD.
    pub slippage_usd: Decimal,
    /// Price PnL of the leg from the mark prices (0 when the data has none), USD.
    pub price_pnl_usd: Decimal,
}

/// One replayed cycle (open to close).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleRow {
    /// 1-based cycle number.
    pub cycle: u32,
    /// Base asset.
    pub symbol: String,
    /// `"long <venue> / short <venue>"`.
    pub direction: String,
    /// Open time.
    pub opened_at: DateTime<Utc>,
    /// Close time.
    pub closed_at: DateTime<Utc>,
    /// Hold, hours.
    pub hold_hours: Decimal,
    /// Notional per leg, USD.
    pub notional_usd: Decimal,
    /// The long leg.
    pub long: LegResult,
    /// The short leg.
    pub short: LegResult,
    /// Funding of both legs, USD.
    pub funding_usd: Decimal,
    /// Funding expected at entry over the planned hold, USD.
    pub expected_funding_usd: Decimal,
    /// Fees of both legs, USD.
    pub fees_usd: Decimal,
    /// Slippage of both legs, USD.
    pub slippage_usd: Decimal,
    /// Price PnL of both legs, USD.
    pub price_pnl_usd: Decimal,
    /// `funding - fees - slippage + price_pnl`, USD.
    pub net_usd: Decimal,
    /// Funding settled / funding expected at entry (`None` when nothing was expected).
    pub capture_ratio: Option<Decimal>,
    /// Why it closed.
    pub close_reason: CloseTag,
    /// Times the planned end was extended.
    pub extensions: u32,
}

/// One point of a cumulative net PnL curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EquityPoint {
    /// When.
    pub time: DateTime<Utc>,
    /// Cumulative net PnL, USD.
    pub net_usd: Decimal,
}

/// The figures of a run (the strategy or a baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Net PnL, USD: the cycles' nets less the cost of failed opens.
    pub net_pnl_usd: Decimal,
    /// Capital used, USD: the margin of both legs (notional x 2 / leverage) of the largest
    /// position held.
    pub capital_used_usd: Decimal,
    /// Net PnL annualised on the capital used over the period, percent (0 with no capital).
    pub apr_percent: Decimal,
    /// Funding settled, USD.
    pub funding_usd: Decimal,
    /// Fees, USD.
    pub fees_usd: Decimal,
    /// Slippage, USD.
    pub slippage_usd: Decimal,
    /// Price PnL of the legs, USD.
    pub price_pnl_usd: Decimal,
    /// Largest fall of the cumulative net PnL from a previous peak, USD (>= 0).
    pub max_drawdown_usd: Decimal,
    /// Share of the period with a position open, percent.
    pub time_in_market_percent: Decimal,
    /// Hours with a position open.
    pub time_in_market_hours: Decimal,
    /// Completed cycles.
    pub cycles: u32,
    /// Cycles with a positive net, percent of cycles (0 with none).
    pub win_rate_percent: Decimal,
    /// Mean capture ratio over the cycles that had one.
    pub mean_capture_ratio: Option<Decimal>,
    /// Failed (unwound) opens.
    pub failed_opens: u32,
    /// What they cost (fees and slippage of the unwound leg), USD; in the net PnL.
    pub failed_open_cost_usd: Decimal,
}

/// A baseline: what a simpler policy would have made over the same data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// `never_trade` or `hold_best_first_day`.
    pub name: String,
    /// What it did (e.g. "long lighter / short edgex BTC for the whole period").
    pub description: String,
    /// Its figures.
    pub summary: Summary,
    /// Its cumulative net PnL.
    pub equity: Vec<EquityPoint>,
}

/// Why an entry was skipped at a selection (counted, for the "why not" part of the output).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionStats {
    /// Selections run.
    pub selections: u64,
    /// Selections that opened a position.
    pub opened: u64,
    /// Selections where nothing qualified.
    pub nothing_qualified: u64,
    /// Checks spent PAUSED by a budget.
    pub paused_checks: u64,
    /// Times a budget tripped (PAUSED).
    pub budget_trips: u64,
    /// Hold decisions taken.
    pub hold_decisions: u64,
    /// Of which extend.
    pub extends: u64,
    /// Stop-loss checks run.
    pub stop_loss_checks: u64,
    /// Opens that failed (simulated, see `replay::OpenFailures`).
    pub failed_opens: u32,
}

/// One decision of the replayed bot with its numbers (the live bot's decision record, short).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    /// When.
    pub time: DateTime<Utc>,
    /// `open`, `open_failed`, `extend`, `switch`, `close`, `stop_loss`, `paused`.
    pub kind: String,
    /// The symbol concerned (empty for `paused`).
    pub symbol: String,
    /// Why, with the figures it was decided on.
    pub reason: String,
}

/// Everything one backtest produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestResult {
    /// Start of the replay.
    pub from: DateTime<Utc>,
    /// End of the replay.
    pub to: DateTime<Utc>,
    /// Symbols replayed (in the bot's tie-break order).
    pub symbols: Vec<String>,
    /// Venue ids, slot A then slot B.
    pub venues: [String; 2],
    /// The cycles, in time order.
    pub cycles: Vec<CycleRow>,
    /// The strategy's figures.
    pub summary: Summary,
    /// Its cumulative net PnL (a point per cash flow).
    pub equity: Vec<EquityPoint>,
    /// Hours held per symbol.
    pub time_in_market_by_symbol: BTreeMap<String, Decimal>,
    /// Selection and hold counters.
    pub stats: SelectionStats,
    /// `never_trade`, then `hold_best_first_day`.
    pub baselines: Vec<Baseline>,
    /// Every decision other than "keep" and "nothing qualifies", in time order.
    #[serde(default)]
    pub decisions: Vec<DecisionRow>,
}

/// One combination of a sweep, with its rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// 1 = highest net PnL (ties keep the combination order).
    pub rank: u32,
    /// The config keys set, in the order given (`KEY`, `VALUE` as typed).
    pub params: Vec<(String, String)>,
    /// The combination's figures (`None` when its config was refused: see `error`).
    pub summary: Option<Summary>,
    /// Why the combination could not run (an invalid combination of keys).
    pub error: Option<String>,
}

/// A sweep's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The keys swept, in the order given.
    pub keys: Vec<String>,
    /// Every combination, best first.
    pub rows: Vec<SweepRow>,
    /// Worker threads used.
    pub threads: usize,
}
