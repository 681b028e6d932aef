//! The rotation bot's backtest (issue 18): replays both venues' funding history through the
//! bot's own decision functions (`hedge_engine::rotation`: economics, decide, budget,
//! stoploss) on a simulated clock, each leg paid on its own venue's schedule, and reports the
//! cycles, a summary and two baselines; a sweep runs many configs in parallel.
//!
//! - [`data`]: the versioned funding data file (`--data FILE`).
//! - [`result`]: cycle rows, summary, baselines, sweep rows.

pub mod data;
pub mod result;

pub use data::{DataError, FeeSchedule, FundingData, MarketHistory, RatePoint, VenueHistory};
pub use result::{
    BacktestResult, Baseline, CloseTag, CycleRow, EquityPoint, LegResult, SelectionStats, Summary,
    SweepResult, SweepRow,
};
