//! The rotation bot's logic (behavior-spec section 4): what `rotation-bot` runs, as a library so
//! that the backtest and embedders drive the same code.
//!
//! - Pure decisions, no I/O: [`economics`] (expected funding dollars per leg on its own
//!   settlement schedule, round-trip cost, break-even hold), [`decide`] (entry ranking with
//!   hysteresis; keep, extend, switch or close while holding; settlement-aware close time),
//!   [`budget`] (per-symbol cooldowns, daily fee budget, failed opens per hour), [`ledger`]
//!   (funding and fees per leg from the venues' records, realised PnL per cycle, capture
//!   ratio) and [`stoploss`] (the seed's worst-leg rule and the combined default).
//! - [`policy`]: those decisions composed over already-read quotes (entry selection, the
//!   holding check): the live loop and the backtest call the same functions.
//! - State and the loop: [`state`] (the bot's state file, seed-compatible) and [`machine`]
//!   (the state machine over the engine's two-leg protocol, on an injectable clock).

pub mod budget;
pub mod decide;
pub mod economics;
pub mod ledger;
pub mod machine;
pub mod policy;
pub mod state;
pub mod stoploss;
