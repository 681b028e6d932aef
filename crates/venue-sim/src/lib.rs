//! `venue-sim`: a loopback exchange that speaks EdgeX's and Lighter's real wire protocols,
//! so that the real adapters, unmodified, can trade against it (end-to-end tests, benches,
//! and every binary's `--paper` mode).
//!
//! * [`engine`]: the venue-agnostic exchange core (markets, books, funding, accounts).
//! * [`faults`]: injectable faults and their string grammar (`--sim-fault`).
//! * [`edgex`], [`lighter`]: the two front-ends (REST + WebSocket, signatures verified).
//! * [`server`]: [`SimServer`], the running simulator on 127.0.0.1.
//! * [`history`]: the settled funding of the seeded model over any window, as a pure
//!   function (backtests), and the fees the simulator charges.
//! * [`paper`]: [`paper::start`], the in-process simulator with a persistent paper account.

pub mod cli;
pub mod edgex;
pub mod engine;
pub mod faults;
pub mod history;
pub mod http;
pub mod keys;
pub mod lighter;
pub mod paper;
pub mod persist;
pub mod ratelimit;
pub mod server;
mod wsconn;

pub use faults::{FaultKind, FaultRule, Faults};
pub use server::{SimError, SimOptions, SimServer};
