//! Options (issue 17 item 1; the seed's names kept).

use clap::Parser;
use rust_decimal::Decimal;
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0  clean shutdown; with --once: healthy (or an empty account)
  1  fatal error; with --once: state unknown (a venue could not be read, a runway unknown)
  2  usage or configuration error
  3  with --once: unhealthy; otherwise a close or reduce was needed and failed
  130/143  second SIGINT/SIGTERM during an action (HALTED written)";

/// Watch both legs: runway and margin per venue, a graded ladder (WARN, REDUCE both legs
/// alike, FLATTEN), hedge integrity (naked legs after a grace, venue liquidations), reads
/// that fail safe.
#[derive(Debug, Parser)]
#[command(name = "liq-monitor", version, after_help = EXIT_CODES)]
pub struct Args {
    /// Hedge config file (seed format). Default: ./hedge_config.json (paper: built-in).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Replace a config key (repeatable), after the file and the HEDGE_CONFIG_<KEY>
    /// environment, e.g. --set symbol=BTC.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Seconds between checks.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub interval: u64,

    /// FLATTEN when a venue's margin usage reaches this percent, in (0, 100].
    #[arg(
        long = "margin-threshold",
        default_value = "80",
        value_name = "PERCENT"
    )]
    pub margin_threshold: Decimal,

    /// FLATTEN when a leg's PnL is below this percent of its notional.
    #[arg(
        long = "pnl-threshold",
        default_value = "-15",
        allow_hyphen_values = true,
        value_name = "PERCENT"
    )]
    pub pnl_threshold: Decimal,

    /// Act automatically (reduce, close) when needed (the default).
    #[arg(long = "auto-close", overrides_with = "no_auto_close")]
    pub auto_close: bool,

    /// Only alert; never act.
    #[arg(long = "no-auto-close", overrides_with = "auto_close")]
    pub no_auto_close: bool,

    /// Seconds a hedge may stay broken (naked leg, size mismatch) before the excess is
    /// closed.
    #[arg(long = "unhedged-grace", default_value_t = 30, value_name = "SECONDS")]
    pub unhedged_grace: u64,

    /// Consecutive failed reads (with a position open) before an alert.
    #[arg(long = "max-read-failures", default_value_t = 5, value_name = "N")]
    pub max_read_failures: u32,

    /// Exit after an action closed or reduced a position (the seed's behaviour).
    #[arg(long = "exit-after-close")]
    pub exit_after_close: bool,

    /// One check, then exit: 0 healthy, 3 unhealthy, 1 unknown.
    #[arg(long)]
    pub once: bool,

    /// One JSON object per check on stdout.
    #[arg(long)]
    pub json: bool,

    /// Serve /metrics and /health on this address (e.g. 127.0.0.1:9101).
    #[arg(long = "metrics-addr", value_name = "ADDR")]
    pub metrics_addr: Option<String>,

    /// Post alerts to this webhook URL (JSON).
    #[arg(long = "alert-webhook", value_name = "URL")]
    pub alert_webhook: Option<String>,

    /// Log file.
    #[arg(
        long = "log-file",
        default_value = "logs/liquidation_monitor.log",
        value_name = "FILE"
    )]
    pub log_file: PathBuf,

    /// Engine state file (journal, HALT, lock). Default: $HEDGE_STATE_FILE, else
    /// hedge_state.json beside the config file. Not with --paper.
    #[arg(long = "state-file", value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Seconds to wait for the account lock held by another trader before an action.
    #[arg(long = "lock-wait", default_value_t = 30, value_name = "SECONDS")]
    pub lock_wait: u64,

    /// Run against the in-process simulator (PAPER). Never reads live credentials.
    #[arg(long)]
    pub paper: bool,

    /// PAPER: directory of the simulator's and the engine's paper state.
    #[arg(long = "paper-dir", value_name = "DIR", default_value = "paper")]
    pub paper_dir: PathBuf,

    /// PAPER: start from a fresh paper account.
    #[arg(long = "paper-reset")]
    pub paper_reset: bool,

    /// PAPER: collateral of a new paper account on each venue, USD.
    #[arg(long = "paper-collateral", default_value = "1000", value_name = "USD")]
    pub paper_collateral: Decimal,

    /// PAPER: clock speed factor.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub speed: u32,

    /// PAPER: simulator faults (as hedge-cli --sim-fault).
    #[arg(long = "sim-fault", value_name = "SPEC")]
    pub sim_fault: Option<String>,

    /// PAPER: move a symbol's fair price on both venues by PCT percent, at once or over
    /// SECONDS of simulated time (repeatable; VENUE_SIM_MOVES adds more). E.g. HYPE:-20@60.
    #[arg(long = "sim-move", value_name = "SYMBOL:PCT[@SECONDS]")]
    pub sim_move: Vec<venue_sim::engine::PriceMove>,

    /// PAPER: EdgeX API generation of the paper account (v1 or v2).
    #[arg(long = "edgex-api", value_name = "VERSION")]
    pub edgex_api: Option<String>,
}

impl Args {
    /// `--auto-close` unless `--no-auto-close` came last.
    pub fn auto_close(&self) -> bool {
        !self.no_auto_close
    }
}
