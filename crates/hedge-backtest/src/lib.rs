//! The rotation bot's backtest (issue 18): replays both venues' funding history through the
//! bot's own decision functions (`hedge_engine::rotation::policy` over `economics`, `decide`,
//! `budget`, `stoploss`) on a simulated clock, each leg paid on its own venue's schedule, and
//! reports the cycles, a summary and two baselines; a sweep runs many configs in parallel.
//!
//! - [`data`]: the versioned funding data file (`--data FILE`).
//! - [`fetch`]: a data file from the venues' public history endpoints.
//! - [`market`]: what the replayed bot sees at a moment (quotes, books, slippage models);
//!   [`book_files`]: `--books` from one file or a directory of `record-market` files.
//! - [`replay`]: the loop on a simulated clock; [`position`]: the money of one position.
//! - [`baseline`]: never trade; hold the best pair of the first day.
//! - [`summary`], [`result`]: the figures and the serialisable output.
//! - [`sweep`]: every combination of config values, in parallel, ranked by net PnL.

pub mod baseline;
pub mod book_files;
pub mod data;
pub mod fetch;
pub mod market;
pub mod position;
pub mod replay;
pub mod result;
pub mod summary;
pub mod sweep;

pub use data::{DataError, FeeSchedule, FundingData, MarketHistory, RatePoint, VenueHistory};
pub use market::{BookDepth, SlippageModel};
pub use replay::{run, OpenFailures, ReplayConfig, ReplayError};
pub use result::{
    BacktestResult, Baseline, CloseTag, CycleRow, DecisionRow, EquityPoint, LegResult,
    SelectionStats, Summary, SweepResult, SweepRow,
};
