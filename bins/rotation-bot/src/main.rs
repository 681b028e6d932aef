//! `rotation-bot`: the 24/7 funding rotation (behavior-spec section 4, issue 16).
//!
//! This binary parses arguments, wires the venues (live, or paper on the in-process
//! simulator), runs `hedge_engine::rotation::machine` under the two-signal rule and renders.
//! Every decision is made in `hedge-engine`; configuration and wiring live in `hedge-app`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod backtest;
mod hooks;
mod observed;
mod paths;
mod report;
mod run;
mod status;

use args::{Args, Command};
use clap::Parser;
use std::process::ExitCode;

/// Exit codes, defined once in `hedge_app::exit` for the three binaries.
pub use hedge_app::exit as code;

/// `println!` that never panics: a closed stdout (`| head`) is not an error of the bot.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let args = Args::parse();
    let exit = match &args.command {
        Some(Command::Status { json }) => status::status(&args, *json),
        Some(Command::Pause { reason }) => status::pause(&args, reason),
        Some(Command::Resume) => status::resume(&args),
        Some(Command::Backtest(b)) => backtest::backtest(&args, b),
        Some(Command::Report { report }) => report::report(&args, report),
        Some(Command::Run) | None => {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::from(code::VENUE_ERROR);
                }
            };
            rt.block_on(run::run(&args))
        }
    };
    ExitCode::from(exit)
}
