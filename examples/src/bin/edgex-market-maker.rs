//! `edgex-market-maker`: parses arguments, loads the JSON config, wires the EdgeX venue (live
//! from `.env`, or the in-process simulator with `--paper`) and runs
//! [`hedge_examples::edgex_mm::run`]. Exit codes: 0 clean stop (duration, or volume cap
//! reached and flat), 130/143 on SIGINT/SIGTERM, 2 usage/config, 1 venue error.

#![allow(clippy::print_stderr)]

use clap::Parser;
use hedge_app::logging::{init, LogSettings};
use hedge_app::venues::VenueKind;
use hedge_examples::common::{CommonArgs, Shutdown};
use hedge_examples::edgex_mm::{run, Config};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const PROGRAM: &str = "edgex-market-maker";

/// Two-sided Avellaneda-Stoikov market maker on one EdgeX contract: post-only quotes around
/// a reservation price skewed by the inventory, a spread from the measured volatility, order
/// size scaled down as margin usage rises, a hard inventory bound, quotes pulled on a stale
/// book, and every order of its own cancelled at start-up and at shutdown (positions are left
/// as they are). See examples/edgex-market-maker.md.
#[derive(Debug, Parser)]
#[command(name = PROGRAM, version, about, long_about = None)]
struct Args {
    /// JSON config (keys and defaults in examples/edgex-market-maker.md); without it every
    /// default applies (PAXG, leverage 2, ...). Unknown keys are refused.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Quote this symbol instead of the config's (e.g. BTC).
    #[arg(long, value_name = "SYMBOL")]
    symbol: Option<String>,

    /// Start the volatility estimate from record-market's book files under DIR (this
    /// symbol's EdgeX rows) instead of the config's `sigma` prior.
    #[arg(long = "volatility-from", value_name = "DIR")]
    volatility_from: Option<PathBuf>,

    /// The log file (appended; DEBUG and above). The console shows INFO.
    #[arg(
        long = "log-file",
        default_value = "edgex-market-maker.log",
        value_name = "FILE"
    )]
    log_file: PathBuf,

    #[command(flatten)]
    common: CommonArgs,
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{PROGRAM}: {message}");
    ExitCode::from(code)
}

/// In paper mode, relative file paths of the config live under the paper directory, so a
/// paper run never writes next to a live run's files.
fn under(dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut cfg = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => return fail(hedge_app::exit::CONFIG_ERROR, e),
        },
        None => Config::default(),
    };
    if let Some(s) = &args.symbol {
        cfg.symbol = s.trim().to_uppercase();
        if let Err(e) = cfg.validate() {
            return fail(hedge_app::exit::CONFIG_ERROR, e);
        }
    }
    if !args.common.paper {
        // EX01: no credentials, no start (one line naming the missing variables)
        let checked = hedge_app::env::Env::load(&args.common.env_file, false)
            .and_then(|env| hedge_app::credentials::VenueSettings::from_env(&env))
            .and_then(|v| v.require_trading(&[VenueKind::Edgex]));
        if let Err(e) = checked {
            return fail(hedge_app::exit::CONFIG_ERROR, e);
        }
    }
    let mut log_file = args.log_file.clone();
    if args.common.paper {
        let dir = args.common.paper_dir(PROGRAM);
        cfg.volume_file = under(&dir, &cfg.volume_file);
        cfg.balance_snapshot_file = under(&dir, &cfg.balance_snapshot_file);
        log_file = under(&dir, &log_file);
    }
    init(&LogSettings::bot(args.common.paper, &log_file));
    if let Some(dir) = &args.volatility_from {
        let recorded = hedge_examples::quoting::recorded::volatility_from_dir(
            dir,
            "edgex",
            &cfg.symbol,
            cfg.vol_half_life_secs,
        );
        match recorded.map(|(est, n, files)| (est.sigma_rel(), n, files)) {
            Ok((Ok(Some(sigma)), samples, files)) => {
                tracing::info!(%sigma, samples, files, dir = %dir.display(), "volatility prior from recorded books");
                cfg.sigma = Some(sigma);
            }
            Ok((Ok(None), samples, _)) => {
                return fail(
                    hedge_app::exit::CONFIG_ERROR,
                    format!(
                        "--volatility-from {}: {samples} sample(s), no return to measure",
                        dir.display()
                    ),
                )
            }
            Ok((Err(e), _, _)) => return fail(hedge_app::exit::CONFIG_ERROR, e),
            Err(e) => {
                return fail(
                    hedge_app::exit::CONFIG_ERROR,
                    format!("--volatility-from: {e}"),
                )
            }
        }
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return fail(
                hedge_app::exit::VENUE_ERROR,
                format!("starting the runtime: {e}"),
            )
        }
    };
    runtime.block_on(async move {
        let shutdown = match Shutdown::install(args.common.duration.map(Duration::from_secs)) {
            Ok(s) => s,
            Err(e) => return fail(hedge_app::exit::VENUE_ERROR, format!("{e:#}")),
        };
        let connected = match args.common.connect(PROGRAM, "USD").await {
            Ok(c) => c,
            Err(e) => return fail(hedge_app::exit::CONFIG_ERROR, format!("{e:#}")),
        };
        let venue = connected.venue(VenueKind::Edgex);
        let result = run(cfg, venue, connected.clock(), shutdown).await;
        // the simulator (paper) saves its state when dropped
        drop(connected);
        match result {
            Ok(outcome) => {
                tracing::info!(?outcome, "done");
                ExitCode::from(outcome.exit_code())
            }
            Err(e) => {
                tracing::error!(error = %e, "stopped on an error");
                fail(e.exit_code(), e)
            }
        }
    })
}
