//! `liq-monitor`: watches margin and hedge health and closes both legs when one is in danger
//! (behavior-spec section 5).
//!
//! Not built yet: this binary validates its arguments and configuration, then says plainly
//! that monitoring is not available and exits non-zero.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;
use hedge_app::exit;
use hedge_app::hedge_config::{self, HedgeOverrides};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  clean shutdown
  1  fatal error, or the monitor is not available yet
  2  usage or configuration error
  3  a close was needed and failed";

/// Watch both legs of the hedge and close both when a leg is in danger or unhedged.
#[derive(Debug, Parser)]
#[command(name = "liq-monitor", version, after_help = EXIT_CODES)]
struct Args {
    /// Hedge config file (seed format). Default: ./hedge_config.json
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Seconds between checks.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    interval: u64,

    /// A leg is unhealthy when its PnL is below this percent of its notional.
    #[arg(
        long = "pnl-threshold",
        default_value = "-15.0",
        allow_hyphen_values = true,
        value_name = "PERCENT"
    )]
    pnl_threshold: Decimal,

    /// A venue is in danger when margin usage reaches this percent of equity, in (0, 100].
    #[arg(
        long = "margin-threshold",
        default_value = "80",
        value_name = "PERCENT"
    )]
    margin_threshold: Decimal,

    /// Close both legs automatically when unhealthy (the default).
    #[arg(long = "auto-close", overrides_with = "no_auto_close")]
    auto_close: bool,

    /// Only alert; never close.
    #[arg(long = "no-auto-close")]
    no_auto_close: bool,

    /// Run against the in-process simulator (PAPER). Never reads live credentials.
    #[arg(long)]
    paper: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let tag = if args.paper { "PAPER " } else { "" };
    if args.margin_threshold <= Decimal::ZERO || args.margin_threshold > Decimal::ONE_HUNDRED {
        eprintln!(
            "{tag}error: --margin-threshold must be in (0, 100], got {}",
            args.margin_threshold
        );
        return ExitCode::from(exit::CONFIG_ERROR);
    }
    if args.interval == 0 {
        eprintln!("{tag}error: --interval must be at least 1 second, got 0");
        return ExitCode::from(exit::CONFIG_ERROR);
    }
    match hedge_config::load(
        args.config.as_deref(),
        args.paper,
        &HedgeOverrides::default(),
    ) {
        Ok(loaded) => {
            if let Some(n) = loaded.notice {
                eprintln!("{n}");
            }
            eprintln!("{tag}error: the liquidation monitor is not available yet (a later issue)");
            ExitCode::from(exit::VENUE_ERROR)
        }
        Err(e) => {
            eprintln!("{tag}error: {e}");
            ExitCode::from(exit::CONFIG_ERROR)
        }
    }
}
