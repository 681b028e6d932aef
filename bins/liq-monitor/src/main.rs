//! `liq-monitor`: watches margin and hedge health on both venues and acts through the engine
//! (behavior-spec section 5.5, issue 17).
//!
//! Thin: it parses the options, wires the venues (live or paper) and the engine, runs
//! `recover()` at start-up, then calls [`hedge_app::liq::LiqMonitor::check`] every
//! `--interval` seconds and renders each check (text or `--json`), alerts and metrics. The
//! decisions live in `hedge_engine::monitor`, the check and its actions in `hedge_app::liq`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod run;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = args::Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(hedge_app::exit::VENUE_ERROR);
        }
    };
    let tag = if args.paper { "PAPER " } else { "" };
    match runtime.block_on(run::run(args)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("{tag}error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
