//! `hedge-app`: what the three binaries share, so that none of them holds logic of its own.
//!
//! - [`env`]: the process environment layered over a `.env` file (the real environment wins).
//! - [`venues`]: the venue names accepted in config files.
//! - [`hedge_config`]: the seed's `hedge_config.json` (CLI and liquidation monitor).
//! - [`bot_config`]: the seed's `rotation_bot_config.json` (rotation bot).
//! - [`wiring`]: the venues (live adapters, or paper ones on the simulator) and the engine.
//! - [`credentials`]: each venue's endpoints and credentials from the environment.
//! - [`doctor`]: the read-only pre-flight of a live account (`hedge-cli doctor`, bots at start-up).
//! - [`exit`]: the exit codes shared by the three binaries.
//! - [`layers`]: config file, environment and `--set` flags layered, each key knowing its origin.
//! - [`metrics`]: `/metrics` (Prometheus) and `/health` of the long-running binaries.
//! - [`alerts`]: the alert webhook (deduplicated per subject and kind, with "recovered").
//! - [`report_html`]: the self-contained HTML report (inline SVG charts) of a backtest or of
//!   the rotation bot's completed cycles.
//! - [`logging`]: console and file logs of the three binaries (`PAPER ` on every paper line).
//! - [`liq`]: the liquidation monitor's check: read both venues, decide (the engine's monitor
//!   module), act through the engine's close and reduce, and the per-check display.
//!
//! Every validation error is one line naming the file, the field and the bad value; secrets
//! never appear in one.

pub mod alerts;
pub mod bot_config;
pub mod credentials;
pub mod doctor;
pub mod env;
pub mod exit;
pub mod hedge_config;
mod json;
pub mod layers;
pub mod liq;
pub mod logging;
pub mod metrics;
pub mod report_html;
pub mod venues;
pub mod wiring;

/// A configuration problem: exit code 2 in every binary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    /// The file (or "environment", or "command line") the problem is in.
    pub source_name: String,
    /// What is wrong, naming the field and the value.
    pub message: String,
}

impl ConfigError {
    /// A problem in `source_name`.
    pub fn new(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            message: message.into(),
        }
    }
}
