//! `lighter-market-maker`: see `examples/lighter-market-maker.md` and `--help`.
//!
//! Thin: parses the command line, sets up the logs, wires the venue (live from `.env` or the
//! paper simulator) and runs [`hedge_examples::lighter_mm::run::run`].

use clap::Parser;
use hedge_app::venues::VenueKind;
use hedge_examples::common::Shutdown;
use hedge_examples::lighter_mm::cli::{init_logging, Args};
use hedge_examples::lighter_mm::run::run;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const PROGRAM: &str = "lighter-market-maker";

fn fail(code: u8, what: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "{PROGRAM}: {what}");
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cfg = match args.settings() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                hedge_app::exit::CONFIG_ERROR,
                &format!("configuration: {e}"),
            )
        }
    };
    let log_dir = cfg.log_dir.clone().unwrap_or_else(|| PathBuf::from("logs"));
    if let Err(e) = init_logging(&log_dir) {
        return fail(
            hedge_app::exit::CONFIG_ERROR,
            &format!("log folder {}: {e}", log_dir.display()),
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(hedge_app::exit::VENUE_ERROR, &format!("runtime: {e}")),
    };
    ExitCode::from(runtime.block_on(async move {
        let shutdown = match Shutdown::install(args.common.duration.map(Duration::from_secs)) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{e:#}");
                return hedge_app::exit::VENUE_ERROR;
            }
        };
        let connected = match args.common.connect(PROGRAM, "USD").await {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("{e:#}");
                return hedge_app::exit::CONFIG_ERROR;
            }
        };
        if connected.paper() {
            tracing::info!("PAPER mode: in-process simulator, nothing sent to Lighter");
        }
        let venue = connected.venue(VenueKind::Lighter);
        let code = match run(cfg, venue, connected.clock(), shutdown, log_dir).await {
            Ok(summary) => {
                tracing::info!(
                    "Summary: {} cycles, {} quoted, {} orders placed, {} cancelled, {} fills, {} pulls, {} trend flips, max |position| {}",
                    summary.cycles,
                    summary.quoted_cycles,
                    summary.placed,
                    summary.cancelled,
                    summary.fills,
                    summary.pulls,
                    summary.flips,
                    summary.max_abs_position.normalize()
                );
                summary.stop.map_or(0, |s| s.exit_code())
            }
            Err(e) => {
                tracing::error!("{e}");
                e.exit_code()
            }
        };
        // the paper simulator saves its state when dropped
        drop(connected);
        code
    }))
}
