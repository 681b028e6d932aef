//! `hedge-engine`: the delta-neutral hedge as a library.
//!
//! The binaries (`hedge-cli`, `rotation-bot`, `liq-monitor`) only parse arguments, wire
//! venues and render; everything they decide is decided here. Venues are injected as
//! `Arc<dyn venue_api::Venue>`, time as `Arc<dyn venue_api::Clock>`, so the same code runs
//! live, against the simulator, and in tests with a manual clock. This crate names no venue.
//!
//! Modules:
//! - [`funding`]: per-interval rates -> hourly and APR; direction and net APR of a pair;
//!   fee break-even.
//! - [`analysis`]: a pair of positions read as a hedge (quality, exposure, warnings).
//! - [`grid`]: exact tick/step arithmetic, including the common grid of two steps.
//! - [`capacity`]: the largest hedge the collateral allows.
//! - [`sizing`]: one size for both legs, checked against grids, minimums and capacity.
//! - [`pricing`]: aggressive bounded limit prices, book checks, the average mid.
//! - [`store`]: atomic, durable file writes for state and config.
//! - [`ids`]: deterministic client order ids from (operation, leg, attempt).
//! - [`state`]: the persisted engine state (HALTED, typed order journal, HALT tombstone).
//! - [`lock`]: one trader per account (advisory lock beside the state file).
//! - [`protocol`]: the two-leg open/close protocol ([`protocol::HedgeEngine`]).
//! - [`report`]: typed reports (funding, funding overview, status, capacity) for the CLI and
//!   the bots.

pub mod analysis;
pub mod capacity;
pub mod funding;
pub mod grid;
pub mod ids;
pub mod lock;
pub mod monitor;
pub mod pricing;
pub mod protocol;
pub mod report;
pub mod rotation;
pub mod sizing;
pub mod state;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
