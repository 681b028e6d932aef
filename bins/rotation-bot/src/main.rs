//! `rotation-bot`: the 24/7 funding rotation (behavior-spec section 4).
//!
//! Not built yet: this binary validates its arguments and configuration, then says plainly
//! that the bot itself is not available and exits non-zero. The state machine comes with its
//! own issue, on `hedge-engine`'s two-leg protocol, clock and state store.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;
use hedge_app::bot_config;
use hedge_app::exit;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0  clean shutdown
  1  fatal error, or the bot is not available yet
  2  usage or configuration error
  3  stopped HALTED or in ERROR (a leg may need an operator)";

/// Rotate a delta-neutral hedge to the best funding spread between EdgeX and Lighter:
/// pick, open, hold, close, wait, repeat.
#[derive(Debug, Parser)]
#[command(name = "rotation-bot", version, after_help = EXIT_CODES)]
struct Args {
    /// Bot config file (seed format). Default: ./rotation_bot_config.json
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// State file. Default: $BOT_STATE_FILE, else ./bot_state.json (paper: under ./paper/)
    #[arg(long = "state-file", env = "BOT_STATE_FILE", value_name = "FILE")]
    state_file: Option<PathBuf>,

    /// Run against the in-process simulator (PAPER). Never reads live credentials.
    #[arg(long)]
    paper: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let tag = if args.paper { "PAPER " } else { "" };
    match bot_config::load_for_run(args.config.as_deref(), args.paper) {
        Ok((loaded, notice)) => {
            if let Some(n) = notice {
                eprintln!("{n}");
            }
            eprintln!(
                "{tag}config ok: {} symbols, {} {} per position, hold {} h, leverage {}x",
                loaded.config.symbols_to_monitor.len(),
                loaded.config.notional_per_position,
                loaded.config.quote,
                loaded.config.hold_duration_hours,
                loaded.config.leverage
            );
            eprintln!("{tag}error: the rotation bot is not available yet (its state machine is a later issue)");
            ExitCode::from(exit::VENUE_ERROR)
        }
        Err(e) => {
            eprintln!("{tag}error: {e}");
            ExitCode::from(exit::CONFIG_ERROR)
        }
    }
}
