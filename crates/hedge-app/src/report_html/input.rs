//! What the report shows, as plain serialisable data: a backtest result and the live bot's
//! state file both map onto [`ReportInput`] ([`super::from_backtest`],
//! [`super::from_state`]); the renderer knows nothing else.
//!
//! Money is `Decimal` in the quote currency; a figure that is not known is `None` and shows
//! as "n/a", never as 0.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Everything one report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Page title (`Rotation backtest`, `Rotation bot: live history`).
    pub title: String,
    /// Where the figures come from, one line (`backtest --paper, seed 7, 30 days`).
    pub source: String,
    /// When the report was written.
    pub generated_at: DateTime<Utc>,
    /// Start of the period covered, when known.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    /// End of the period covered, when known.
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// Quote currency of every amount (`USD`).
    pub quote: String,
    /// The run's summary first, then each baseline's.
    #[serde(default)]
    pub summaries: Vec<RunSummary>,
    /// Cumulative net PnL over time: the run first, then each baseline.
    #[serde(default)]
    pub pnl: Vec<PnlSeries>,
    /// The completed cycles, oldest first.
    #[serde(default)]
    pub cycles: Vec<CycleRow>,
    /// Hours in market per symbol.
    #[serde(default)]
    pub time_in_market: Vec<SymbolTime>,
    /// The sweep, when one ran.
    #[serde(default)]
    pub sweep: Option<SweepGrid>,
    /// Remarks shown under the title (assumptions, what is missing).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The headline figures of one run (the strategy or a baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RunSummary {
    /// `rotation`, `never trade`, `hold best pair of day 1`.
    pub name: String,
    /// Net PnL (funding - fees - slippage + trading PnL).
    pub net_pnl: Option<Decimal>,
    /// Net APR on the capital used, percent.
    pub apr_pct: Option<Decimal>,
    /// Funding settled.
    pub funding: Option<Decimal>,
    /// Fees paid (positive = paid).
    pub fees: Option<Decimal>,
    /// Slippage paid (positive = paid).
    pub slippage: Option<Decimal>,
    /// PnL of the legs' prices (trading PnL), when known apart.
    #[serde(default)]
    pub price_pnl: Option<Decimal>,
    /// Largest fall of cumulative net PnL from a previous high (positive).
    pub max_drawdown: Option<Decimal>,
    /// Share of the period with a hedge held, percent.
    pub time_in_market_pct: Option<Decimal>,
    /// Completed cycles.
    pub cycles: Option<u64>,
    /// Cycles with a positive net, percent of cycles.
    pub win_rate_pct: Option<Decimal>,
}

/// One line of the cumulative PnL chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PnlSeries {
    /// Legend name.
    pub name: String,
    /// True for a baseline (drawn dashed).
    #[serde(default)]
    pub baseline: bool,
    /// Points in time order.
    pub points: Vec<PnlPoint>,
}

/// Cumulative net PnL at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PnlPoint {
    /// When.
    pub time: DateTime<Utc>,
    /// Cumulative net PnL then.
    pub value: Decimal,
}

/// One completed cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CycleRow {
    /// Cycle number.
    pub number: u64,
    /// Base asset.
    pub symbol: String,
    /// Venue of the long leg.
    pub long_venue: String,
    /// Venue of the short leg.
    pub short_venue: String,
    /// Open time.
    pub opened_at: Option<DateTime<Utc>>,
    /// Close time.
    pub closed_at: Option<DateTime<Utc>>,
    /// Hours held.
    pub hold_hours: Option<Decimal>,
    /// Funding settled per leg (venue, amount; positive = received).
    #[serde(default)]
    pub funding_legs: Vec<LegAmount>,
    /// Funding settled, both legs.
    pub funding_settled: Option<Decimal>,
    /// Funding expected at entry over the planned hold.
    pub funding_expected: Option<Decimal>,
    /// Fees paid (positive = paid).
    pub fees: Option<Decimal>,
    /// Slippage paid (positive = paid).
    pub slippage: Option<Decimal>,
    /// Net PnL of the cycle.
    pub net: Option<Decimal>,
    /// Funding settled / expected.
    pub capture_ratio: Option<Decimal>,
    /// Why it closed (`scheduled`, `switch`, `stop_loss`, ...).
    pub close_reason: Option<String>,
}

/// An amount on one venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegAmount {
    /// Venue id.
    pub venue: String,
    /// Amount (positive = received).
    pub amount: Decimal,
}

/// Time with a hedge held on one symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolTime {
    /// Base asset.
    pub symbol: String,
    /// Hours held in total.
    pub hours: Decimal,
}

/// Every combination a sweep ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepGrid {
    /// The swept config keys, in the order given (`min_net_apr_threshold`, ...).
    pub keys: Vec<String>,
    /// One run per combination.
    pub runs: Vec<SweepRun>,
}

/// One combination of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRun {
    /// The value of each key, in the order of [`SweepGrid::keys`], as written.
    pub values: Vec<String>,
    /// Its net PnL.
    pub net_pnl: Decimal,
    /// Its max drawdown, when known.
    #[serde(default)]
    pub max_drawdown: Option<Decimal>,
}

impl ReportInput {
    /// An empty report with a title and a source line.
    pub fn new(
        title: impl Into<String>,
        source: impl Into<String>,
        generated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            title: title.into(),
            source: source.into(),
            generated_at,
            from: None,
            to: None,
            quote: "USD".into(),
            summaries: Vec::new(),
            pnl: Vec::new(),
            cycles: Vec::new(),
            time_in_market: Vec::new(),
            sweep: None,
            notes: Vec::new(),
        }
    }
}
