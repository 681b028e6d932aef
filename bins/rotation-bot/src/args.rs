//! Command line of `rotation-bot`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes of the bot (see also `hedge_app::exit`).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  clean shutdown (a signal, or --cycles N completed); status: nothing wrong
  1  fatal error outside the loop (a venue could not be built, the state could not be
     saved: trading stopped), or another trader holds the paper directory
  2  usage or configuration error (bad flag, bad config key or value, corrupt state file
     without --reset-state, missing credentials)
  3  stopped HALTED or in ERROR: a leg may need an operator (status: the bot is HALTED
     or in ERROR)
  130/143  a second SIGINT/SIGTERM forced the exit (HALTED \"operation N interrupted\" if
     an operation was in flight; the next start recovers it from the venues)

Signals: the first SIGINT/SIGTERM interrupts any wait at once, lets an open or close in
flight finish (never cut midway), saves, prints the board and exits 0; a second one forces
the exit after saving.

Files: the bot state (--state-file, $BOT_STATE_FILE, else ./bot_state.json; paper:
<paper-dir>/bot_state.json) refers to operation ids only; the engine state file (journal and
HALTED, shared with hedge-cli and liq-monitor: $HEDGE_STATE_FILE, else hedge_state.json
beside the config) owns both. `pause` writes <state>.pause, `resume` writes <state>.resume;
the running bot reads them at its next turn.";

/// Rotate a delta-neutral hedge to the best funding spread between EdgeX and Lighter: pick
/// in expected dollars (funding over the hold minus fees and book walk), open both legs as
/// one locked operation, hold (keep / extend / switch / close, stop-loss), close, record the
/// cycle with its capture ratio, wait, repeat.
#[derive(Debug, Parser)]
#[command(name = "rotation-bot", version, after_help = EXIT_CODES)]
pub struct Args {
    /// Bot config file (seed format; unknown or invalid keys refuse to start).
    /// Default: ./rotation_bot_config.json (paper: built-in example when missing)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Bot state file. Default: $BOT_STATE_FILE, else ./bot_state.json (ignored with --paper:
    /// paper state lives under --paper-dir)
    #[arg(
        long = "state-file",
        env = "BOT_STATE_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub state_file: Option<PathBuf>,

    /// Engine state file (order journal and HALTED, shared with hedge-cli and liq-monitor).
    /// Default: $HEDGE_STATE_FILE, else hedge_state.json beside the config file
    #[arg(
        long = "engine-state-file",
        env = "HEDGE_STATE_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub engine_state_file: Option<PathBuf>,

    /// Run against the in-process simulator (PAPER). Never reads live credentials.
    #[arg(long, global = true)]
    pub paper: bool,

    /// Paper mode: where the simulator, engine and bot state live.
    #[arg(
        long = "paper-dir",
        global = true,
        default_value = "paper",
        value_name = "DIR"
    )]
    pub paper_dir: PathBuf,

    /// Paper mode: start from a fresh paper account (the old bot state is moved aside).
    #[arg(long = "paper-reset", global = true)]
    pub paper_reset: bool,

    /// Paper mode: clock speed (3600 = one hour per second).
    #[arg(long, global = true, default_value_t = 1, value_name = "N")]
    pub speed: u32,

    /// Paper mode: simulator faults (as hedge-cli --sim-fault, e.g. lighter:sendTx:reject:2).
    #[arg(long = "sim-fault", global = true, value_name = "SPEC")]
    pub sim_fault: Option<String>,

    /// Paper mode: collateral of a new paper account on each venue (USD).
    #[arg(
        long = "paper-collateral",
        global = true,
        default_value = "1000",
        value_name = "USD"
    )]
    pub paper_collateral: rust_decimal::Decimal,

    /// Stop after N completed cycles (exit 0).
    #[arg(long, global = true, value_name = "N")]
    pub cycles: Option<u64>,

    /// Replace one config key, e.g. `--set leverage=4` (repeatable). Layers: the config file,
    /// then ROTATION_BOT_<KEY> environment variables (e.g. ROTATION_BOT_LEVERAGE=4), then --set.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Move an unreadable (or any) bot state file aside (<file>.corrupt-<time>) and start fresh.
    /// Never deletes; the venues are reconciled at start either way.
    #[arg(long = "reset-state", global = true)]
    pub reset_state: bool,

    /// Log file (DEBUG; the console shows INFO).
    #[arg(
        long = "log-file",
        global = true,
        default_value = "logs/auto_rotation_bot.log",
        value_name = "FILE"
    )]
    pub log_file: PathBuf,

    /// Live mode: .env file with credentials (default ./.env; the real environment wins).
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,

    /// Longest wait (seconds) for another trader's account lock.
    #[arg(
        long = "lock-wait",
        global = true,
        default_value_t = 30,
        value_name = "SECONDS"
    )]
    pub lock_wait: u64,

    /// Serve Prometheus /metrics and /health on HOST:PORT.
    #[arg(long = "metrics-addr", global = true, value_name = "HOST:PORT")]
    pub metrics_addr: Option<String>,

    /// Post one JSON message per event (HALTED, ERROR, PAUSED, stop-loss, naked leg,
    /// recovery, budget) to this URL.
    #[arg(long = "alert-webhook", global = true, value_name = "URL")]
    pub alert_webhook: Option<String>,

    /// While running, append each symbol's top of book on both venues to FILE every check
    /// interval (CSV for `backtest --books FILE`).
    #[arg(long = "record-books", global = true, value_name = "FILE")]
    pub record_books: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (the default without a subcommand).
    Run,
    /// Print the BOT STATUS board from the state files, without touching the venues.
    Status {
        /// One JSON document (exact decimals as strings).
        #[arg(long)]
        json: bool,
    },
    /// Pause new opens (positions are still watched and closed on schedule).
    Pause {
        /// Why (shown on the board).
        #[arg(long, default_value = "paused by the operator")]
        reason: String,
    },
    /// End a pause (operator or budget) or acknowledge an ERROR. Does not clear the
    /// engine's HALT: only `hedge-cli resume` does.
    Resume,
    /// Replay funding history through the bot's own decisions (cycles, summary, baselines;
    /// --sweep ranks config values). With --paper: the simulator's history, no network.
    Backtest(Box<crate::backtest::BacktestArgs>),
    /// Write the HTML report of the completed cycles (funding settled and expected, fees,
    /// capture, close reasons, time in market) from the state file, without the venues.
    Report {
        /// The HTML file to write (self-contained: no network, no script).
        #[arg(long, value_name = "FILE.html")]
        report: PathBuf,
    },
}
