//! Command-line arguments of `hedge-cli`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use rust_decimal::Decimal;
use std::path::PathBuf;

const EXIT_CODES: &str = hedge_app::exit::HELP;

/// Open, inspect and close a delta-neutral hedge: the same size long on one venue and short
/// on the other (EdgeX and Lighter), earning the funding-rate difference.
///
/// Every command reads the hedge config (--config, default ./hedge_config.json) and the
/// environment (.env in the working directory; real environment variables win).
/// --paper runs against the built-in simulator and never touches live accounts.
#[derive(Debug, Parser)]
#[command(name = "hedge-cli", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Hedge config file (seed format). Default: ./hedge_config.json
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Replace a config key (repeatable), after the file and the HEDGE_CONFIG_<KEY>
    /// environment; the override flags (--symbol, --leverage, ...) still come last.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Run against the in-process simulator (PAPER). Never reads live credentials.
    #[arg(long, global = true)]
    pub paper: bool,

    /// PAPER: start from a fresh paper account (deletes the paper state).
    #[arg(long = "paper-reset", global = true)]
    pub paper_reset: bool,

    /// PAPER: directory of the simulator's and the engine's paper state.
    #[arg(
        long = "paper-dir",
        global = true,
        value_name = "DIR",
        default_value = "paper"
    )]
    pub paper_dir: PathBuf,

    /// PAPER: collateral of a new paper account on each venue, USD.
    #[arg(
        long = "paper-collateral",
        global = true,
        value_name = "USD",
        default_value = "1000"
    )]
    pub paper_collateral: Decimal,

    /// PAPER: EdgeX API generation of the paper account: v1 (Stark key) or v2 (API key and
    /// EIP-712 signatures, contracts named like BTCUSDC). Default: env EDGEX_API_VERSION, else v1.
    #[arg(long = "edgex-api", global = true, value_name = "v1|v2")]
    pub edgex_api: Option<String>,

    /// PAPER: run the simulated clock N times faster than real time.
    #[arg(long, global = true, value_name = "N", default_value_t = 1)]
    pub speed: u32,

    /// PAPER: inject venue faults (also env VENUE_SIM_FAULTS), comma-separated rules
    /// `venue:endpoint[@skip]:fault[:count]`, e.g. `edgex:createOrder:reject`,
    /// `edgex:createOrder:lost:1`, `lighter:sendTx@2:reject`. Faults: reject, delay[=ms],
    /// timeout (not processed), lost (processed, answer lost), 429[=secs], 5xx[=status],
    /// malformed, partial, drop (endpoint ws). See crates/venue-sim/README.md.
    #[arg(long = "sim-fault", global = true, value_name = "SPEC")]
    pub sim_fault: Option<String>,

    /// Machine-readable JSON on stdout (numbers as exact decimal strings).
    #[arg(long, global = true)]
    pub json: bool,

    /// Do not ask for confirmation before live trading or config rewrites.
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,

    /// Override the config's symbol (e.g. BTC).
    #[arg(long, global = true, value_name = "SYMBOL")]
    pub symbol: Option<String>,

    /// Override the config's quote currency.
    #[arg(long, global = true, value_name = "QUOTE")]
    pub quote: Option<String>,

    /// Override the venue of the long leg (edgex or lighter).
    #[arg(long = "long-exchange", global = true, value_name = "VENUE")]
    pub long_exchange: Option<String>,

    /// Override the venue of the short leg (edgex or lighter).
    #[arg(long = "short-exchange", global = true, value_name = "VENUE")]
    pub short_exchange: Option<String>,

    /// Override the leverage set on both venues (a whole number).
    #[arg(long, global = true, value_name = "X")]
    pub leverage: Option<Decimal>,

    /// Override the default open notional in quote currency.
    #[arg(long, global = true, value_name = "AMOUNT")]
    pub notional: Option<Decimal>,

    /// Engine state file (HALTED flag, order journal). Default: $HEDGE_STATE_FILE, else
    /// hedge_state.json beside the config file, whatever the working directory (paper:
    /// <paper-dir>/hedge_state.json, never the live one).
    #[arg(long = "state-file", global = true, value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Trade although the state file does not exist yet and positions exist that no journal
    /// explains (the state was lost and the positions are known). Live mode only.
    #[arg(long = "init-state", global = true)]
    pub init_state: bool,

    /// Longest wait, in seconds, for another trader holding the account lock.
    #[arg(
        long = "lock-wait",
        global = true,
        value_name = "SECS",
        default_value_t = 30
    )]
    pub lock_wait: u64,

    /// Read environment variables from this file instead of ./.env
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}

/// How the two legs of an open are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LegMode {
    /// Both legs at once (smallest price risk between the legs).
    Concurrent,
    /// The pilot leg first, the hedge sized from its actual fill.
    Sequential,
}

/// Sizing options of `open`.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct SizeArgs {
    /// Size of each leg in base units (e.g. 0.5 for 0.5 HYPE).
    #[arg(long = "size-base", value_name = "X")]
    pub size_base: Option<Decimal>,

    /// Size of each leg in quote currency, converted at the average mid price.
    #[arg(long = "size-quote", value_name = "Y")]
    pub size_quote: Option<Decimal>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the effective configuration and which credentials are present (no network).
    Config,

    /// Available collateral on both venues and the largest delta-neutral size.
    Capacity,

    /// Funding rates of the configured symbol on both venues and the better direction.
    Funding {
        /// Planned hold in hours, for the fee break-even APR.
        #[arg(long = "hold-hours", default_value = "8", value_name = "HOURS")]
        hold_hours: Decimal,
        /// Rewrite long_exchange/short_exchange in the config file when the current
        /// assignment is not the better one (asks first unless --yes; keeps a .bak).
        #[arg(long)]
        apply: bool,
    },

    /// Funding APRs of many symbols on both venues, with the better setup and net APR.
    #[command(name = "funding_all", visible_alias = "funding-all")]
    FundingAll {
        /// Symbols to scan (default: the seed's 15-symbol list).
        #[arg(long, num_args = 1.., value_name = "SYMBOL")]
        symbols: Vec<String>,
        /// Sort rows by net APR, highest first (default: the order given).
        #[arg(long)]
        sort: bool,
    },

    /// Default and maximum leverage per venue, and the highest usable on both.
    #[command(name = "check_leverage", visible_alias = "check-leverage")]
    CheckLeverage {
        /// Symbols to check (default: the seed's 15-symbol list).
        #[arg(long, num_args = 1.., value_name = "SYMBOL")]
        symbols: Vec<String>,
    },

    /// Positions on both venues, hedge quality, PnL, funding received and fees.
    Status,

    /// Open the hedge: the same size long on one venue and short on the other.
    Open {
        #[command(flatten)]
        size: SizeArgs,
        /// Ticks beyond the best price for the aggressive limit orders.
        #[arg(long = "cross-ticks", default_value_t = 100, value_name = "N")]
        cross_ticks: u32,
        /// Send both legs concurrently (default) or pilot first.
        #[arg(long = "leg-mode", value_enum, default_value_t = LegMode::Concurrent)]
        leg_mode: LegMode,
        /// Show the two signed orders without sending them.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// Add to an existing balanced hedge in this symbol (otherwise open refuses).
        #[arg(long)]
        add: bool,
    },

    /// Close both legs with reduce-only orders until flat (runs while HALTED; it only
    /// reduces, and the HALT stays until `resume`).
    Close {
        /// Ticks beyond the best price for the aggressive limit orders.
        #[arg(long = "cross-ticks", default_value_t = 100, value_name = "N")]
        cross_ticks: u32,
        /// Show the closing orders without sending them.
        #[arg(long = "dry-run")]
        dry_run: bool,
        /// Close only this venue's leg (edgex or lighter), e.g. a naked leg.
        #[arg(long, value_name = "VENUE")]
        leg: Option<String>,
    },

    /// Resolve unfinished operations from the journal (look every order up, read positions,
    /// finish the entry or HALT with the true residual). Every trading command runs it first.
    Recover,

    /// Set leverage on both venues and read it back (no orders).
    #[command(name = "test_leverage", visible_alias = "test-leverage")]
    TestLeverage,

    /// Interactive round trip: open, wait at least 120 s, close.
    Test {
        /// Size of each leg in quote currency.
        #[arg(long, default_value = "20", value_name = "USD")]
        notional: Decimal,
        /// Ticks beyond the best price.
        #[arg(long = "cross-ticks", default_value_t = 100, value_name = "N")]
        cross_ticks: u32,
    },

    /// Unattended round trip: open, wait 120 s, close.
    #[command(name = "test_auto", visible_alias = "test-auto")]
    TestAuto {
        /// Size of each leg in quote currency.
        #[arg(long, default_value = "20", value_name = "USD")]
        notional: Decimal,
        /// Ticks beyond the best price.
        #[arg(long = "cross-ticks", default_value_t = 100, value_name = "N")]
        cross_ticks: u32,
    },

    /// Clear the HALTED state after an operator has checked both venues.
    Resume,

    /// Read-only pre-flight of both venues (credentials, clock, account, API key, symbols,
    /// funding, leverage, request budget); exit 0 only when every check passes.
    Doctor {
        /// Save one redacted response of every read endpoint under DIR (fixtures/ layout).
        #[arg(long, value_name = "DIR")]
        record: Option<std::path::PathBuf>,
    },
}

impl Command {
    /// The name shown in messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Config => "config",
            Command::Capacity => "capacity",
            Command::Funding { .. } => "funding",
            Command::FundingAll { .. } => "funding_all",
            Command::CheckLeverage { .. } => "check_leverage",
            Command::Status => "status",
            Command::Open { .. } => "open",
            Command::Close { .. } => "close",
            Command::TestLeverage => "test_leverage",
            Command::Test { .. } => "test",
            Command::TestAuto { .. } => "test_auto",
            Command::Resume => "resume",
            Command::Recover => "recover",
            Command::Doctor { .. } => "doctor",
        }
    }

    /// True for commands that trade (they take the account lock and recover first).
    pub fn trades(&self) -> bool {
        matches!(
            self,
            Command::Open { .. }
                | Command::Close { .. }
                | Command::TestLeverage
                | Command::Test { .. }
                | Command::TestAuto { .. }
                | Command::Recover
        )
    }

    /// True when the command reads the account or trades (needs live credentials).
    pub fn needs_credentials(&self) -> bool {
        !matches!(
            self,
            Command::Config
                | Command::Funding { .. }
                | Command::FundingAll { .. }
                | Command::CheckLeverage { .. }
                | Command::Doctor { .. }
        )
    }
}
