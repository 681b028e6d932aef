//! Example bots built on the [`venue_api::Venue`] trait, and what they share.
//!
//! Three binaries (`record-market`, `edgex-market-maker`, `lighter-market-maker`) re-implement
//! the seed's four example programs (see `../shared/docs/examples-spec.md`, EX01..) with their
//! weaknesses fixed. Each runs live from `.env` credentials or in `--paper` against the
//! in-process simulator, and stops cleanly after `--duration SECONDS` or on SIGINT/SIGTERM.
//!
//! - [`common`]: options every example takes, venue wiring (live or paper), shutdown.
//! - [`record`]: the market data recorder (CSV per symbol and day).
//! - [`quoting`]: the quoting maths (Avellaneda-Stoikov, SuperTrend, sizing), pure.
//! - [`mm`]: the market makers' order management on top of it.
//! - [`edgex_mm`], [`lighter_mm`]: the two market makers; [`supertrend`]: the Lighter maker's
//!   directional bias.

pub mod common;
pub mod edgex_mm;
pub mod lighter_mm;
pub mod mm;
pub mod quoting;
pub mod record;
pub mod supertrend;
