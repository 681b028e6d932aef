//! `lighter-market-maker`: a two-sided post-only maker on one Lighter market, priced by the
//! shared quoting core (Avellaneda-Stoikov with the seed's extensions) and leaning with a
//! SuperTrend directional bias ([`crate::supertrend`]) that flips the skew with the trend.
//!
//! - [`config`]: the JSON config (`--config FILE`), defaults and checks.
//! - [`params`]: the seed's Avellaneda parameter file (search order, nine keys, 900 s cache).
//! - [`logs`]: the `QUOTING` line and the balance log line, in the seed's formats.
//!
//! What it reads and how (live and paper alike) is in `examples/lighter-market-maker.md`.

pub mod account;
pub mod cli;
pub mod config;
pub mod logs;
pub mod market;
pub mod params;
pub mod pricing;
pub mod run;

pub use config::{ConfigError, LmmConfig, TrendSource};
pub use params::{ParamsCache, ParamsError, SpreadParams};
