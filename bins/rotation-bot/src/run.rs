//! Running the bot: configuration, state, venues (live or paper), the loop under the
//! two-signal rule, and the board at the end.

use crate::args::Args;
use crate::code;
use crate::paths::Paths;
use hedge_app::bot_config;
use hedge_app::credentials::VenueSettings;
use hedge_app::env::Env;
use hedge_app::venues::VenueKind;
use hedge_app::wiring::{PaperSettings, StateSettings, Wiring};
use hedge_engine::rotation::machine::{BotVenues, ControlFiles, Machine, RunOutcome};
use hedge_engine::rotation::state::file::{BotStateError, BotStateFile};
use hedge_engine::rotation::state::BotStatus;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Crossing ticks of paper runs faster than real time: as far as the pricing policy's bound
/// in basis points allows (50 bps to open, 300 bps reduce-only), whatever the tick.
const PAPER_FAST_CROSS_TICKS: u32 = 1_000_000;

/// Test hook: the pause after a failed selection, in milliseconds (default: the seed's 300 s).
const SELECTION_BACKOFF_ENV: &str = "HEDGE_TEST_SELECTION_BACKOFF_MS";

fn tag(paper: bool) -> &'static str {
    if paper {
        "PAPER "
    } else {
        ""
    }
}

/// Runs the bot; returns the exit code.
pub async fn run(args: &Args) -> u8 {
    let t = tag(args.paper);
    if !args.paper && (args.speed != 1 || args.sim_fault.is_some() || args.paper_reset) {
        eprintln!("error: --speed, --sim-fault and --paper-reset only apply with --paper");
        return code::CONFIG_ERROR;
    }
    let vars: Vec<(String, String)> = std::env::vars().collect();
    let (loaded, notice) =
        match bot_config::load_layered(args.config.as_deref(), args.paper, &vars, &args.set) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("{t}error: {e}");
                return code::CONFIG_ERROR;
            }
        };
    hedge_app::logging::init(&hedge_app::logging::LogSettings::bot(
        args.paper,
        &args.log_file,
    ));
    if let Some(n) = notice {
        tracing::info!("{n}");
    }
    if !loaded.defaulted.is_empty() {
        tracing::info!(
            "config keys not set, code defaults used: {}",
            loaded.defaulted.join(", ")
        );
    }
    let cfg = loaded.config;
    let mut machine_cfg = match cfg.machine_config(args.cycles) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{t}error: config: {e}");
            return code::CONFIG_ERROR;
        }
    };
    // Test hook (inert when unset), as HEDGE_SETTLE_TIMEOUT_MS: the live-mode crash and chaos
    // tests cannot wait the seed's 300 s after a failed selection.
    if let Some(ms) = std::env::var(SELECTION_BACKOFF_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        machine_cfg.selection_backoff = Duration::from_millis(ms);
    }
    if args.paper && args.speed > 1 {
        // At N times real speed the simulated book moves N times further between the book
        // read and the send: a 10- or 100-tick crossing misses and the close HALTs. IOC
        // orders fill at the book, so crossing up to the policy's bound in basis points costs
        // nothing.
        machine_cfg.cross_ticks = machine_cfg.cross_ticks.max(PAPER_FAST_CROSS_TICKS);
        // Book age is measured on the simulated clock: a few real milliseconds are minutes.
        machine_cfg.max_book_age = machine_cfg.max_book_age.map(|d| d * args.speed);
    }
    let paths = Paths::of(args);
    let file = BotStateFile::new(&paths.bot_state);
    let now = chrono::Utc::now();
    if args.reset_state || (args.paper && args.paper_reset) {
        match file.move_aside(now) {
            Ok(Some(p)) => tracing::warn!("bot state moved aside to {}", p.display()),
            Ok(None) => {}
            Err(e) => {
                eprintln!("{t}error: {e}");
                return code::VENUE_ERROR;
            }
        }
    }
    let state = match file.load() {
        Ok(s) => s,
        Err(e @ BotStateError::Corrupt { .. }) => {
            eprintln!("{t}error: {e}");
            return code::CONFIG_ERROR;
        }
        Err(e) => {
            eprintln!("{t}error: {e}");
            return code::VENUE_ERROR;
        }
    };
    let wiring = match build_wiring(args, &cfg.quote, &paths).await {
        Ok(w) => w,
        Err((c, m)) => {
            eprintln!("{t}error: {m}");
            return c;
        }
    };
    let Wiring {
        edgex,
        lighter,
        clock,
        engine,
        paper_session,
        paper_lock,
        ..
    } = wiring;
    let engine = Arc::new(engine);
    // With --metrics-addr, each venue reports its reads and errors to the metrics.
    let metrics = args
        .metrics_addr
        .as_ref()
        .map(|_| Arc::new(hedge_app::metrics::Metrics::new()));
    let (edgex, lighter) = match &metrics {
        Some(m) => {
            let (a, b) = (
                crate::observed::Observed::new(edgex, m.clone()),
                crate::observed::Observed::new(lighter, m.clone()),
            );
            crate::hooks::publish_read_ages(
                m.clone(),
                vec![
                    (venue_api::Venue::id(&a), a.last_ok()),
                    (venue_api::Venue::id(&b), b.last_ok()),
                ],
            );
            (
                Arc::new(a) as Arc<dyn venue_api::Venue>,
                Arc::new(b) as Arc<dyn venue_api::Venue>,
            )
        }
        None => (edgex, lighter),
    };
    let _book_recorder = match &args.record_books {
        Some(path) => match crate::backtest::spawn_book_recorder(
            path,
            [edgex.clone(), lighter.clone()],
            machine_cfg.symbols.clone(),
            clock.clone(),
            machine_cfg.check_interval,
        ) {
            Ok(task) => Some(task),
            Err(e) => {
                eprintln!("{t}error: {e}");
                return code::CONFIG_ERROR;
            }
        },
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let check_interval = machine_cfg.check_interval;
    let mut machine = Machine::new(
        clock.clone(),
        engine.clone(),
        BotVenues {
            a: edgex,
            b: lighter,
        },
        machine_cfg,
        file,
        state,
        stop_rx,
    )
    .with_control(ControlFiles::beside(&paths.bot_state));
    let states = machine.subscribe_state();
    let alerter =
        match hedge_app::alerts::Alerter::new("rotation-bot", args.alert_webhook.as_deref()) {
            Ok(a) => Arc::new(a),
            Err(e) => {
                eprintln!("{t}error: {e}");
                return code::CONFIG_ERROR;
            }
        };
    crate::hooks::forward_alerts(alerter.clone(), machine.subscribe_events());
    let _metrics_task = match (&args.metrics_addr, metrics) {
        (Some(addr), Some(metrics)) => {
            crate::hooks::count_events(metrics.clone(), machine.subscribe_events());
            // Healthy while the last save is younger than three check intervals (the bot
            // saves at least at every HOLDING check and every WAITING slice).
            let max_age = (check_interval * 3).max(Duration::from_secs(120));
            crate::hooks::publish_metrics(metrics.clone(), machine.subscribe_state(), max_age);
            match hedge_app::metrics::serve(addr, metrics).await {
                Ok((local, task)) => {
                    tracing::info!("metrics on http://{local}/metrics and /health");
                    Some(task)
                }
                Err(e) => {
                    eprintln!("{t}error: {e}");
                    return code::CONFIG_ERROR;
                }
            }
        }
        _ => None,
    };
    let mut task = tokio::spawn(async move {
        let r = machine.run().await;
        (r, machine)
    });
    let exit = tokio::select! {
        joined = &mut task => finish(joined, t),
        forced = signals(stop_tx, engine.clone(), t) => match forced {
            Some(c) => {
                // The loop saves at every change: the last published state is what is on disk.
                let last = states.borrow().clone();
                let halt = engine.halted().ok().flatten();
                crate::outln!(
                    "{t}BOT FORCED TO STOP\n{}",
                    hedge_engine::rotation::state::board::render(&last, halt.as_ref(), clock.now())
                );
                c
            }
            None => finish(task.await, t),
        },
    };
    alerter.flush(Duration::from_secs(5)).await;
    drop(paper_session);
    drop(paper_lock);
    exit
}

type Joined = Result<
    (
        Result<RunOutcome, hedge_engine::rotation::machine::MachineError>,
        Machine,
    ),
    tokio::task::JoinError,
>;

fn finish(joined: Joined, t: &str) -> u8 {
    let (result, machine) = match joined {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{t}error: the bot's task failed: {e}");
            return code::VENUE_ERROR;
        }
    };
    crate::outln!("{t}BOT SHUTTING DOWN\n{}", machine.board());
    match result {
        Ok(RunOutcome::Shutdown) | Ok(RunOutcome::CyclesDone(_)) => {
            if let Ok(RunOutcome::CyclesDone(n)) = &result {
                crate::outln!("{t}{n} cycle(s) completed in this run");
            }
            if machine.state().state == BotStatus::Halted {
                code::NOT_HEDGED
            } else {
                code::OK
            }
        }
        Ok(RunOutcome::Error(reason)) => {
            eprintln!("{t}stopped in ERROR: {reason}");
            code::NOT_HEDGED
        }
        Err(e) => {
            eprintln!("{t}error: {e}");
            code::VENUE_ERROR
        }
    }
}

/// The two-signal rule: the first SIGINT/SIGTERM asks the loop to stop (it finishes an
/// operation in flight, saves and returns); the second forces the exit: HALTED "operation N
/// interrupted" when an operation is in flight (its journal entry stays for recovery), exit
/// 130/143. Returns `None` after the first signal once the caller should wait for the loop.
#[cfg(unix)]
async fn signals(
    stop: watch::Sender<bool>,
    engine: Arc<hedge_engine::protocol::HedgeEngine>,
    t: &str,
) -> Option<u8> {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("signal handlers unavailable");
        std::future::pending::<()>().await;
        return None;
    };
    let mut seen = 0u32;
    loop {
        let exit = tokio::select! {
            _ = int.recv() => code::INTERRUPTED,
            _ = term.recv() => code::TERMINATED,
        };
        seen += 1;
        if seen == 1 {
            eprintln!("{t}stopping: finishing the current step safely, then saving (signal again to force)");
            tracing::warn!("first signal: stopping after the current step");
            stop.send_replace(true);
            continue;
        }
        let message = match engine.halt_interrupted() {
            Ok(Some(op)) => format!(
                "operation {op} interrupted by a second signal: HALTED. The next start recovers it from the venues"
            ),
            Ok(None) => "forced exit by a second signal; no operation was in flight".to_string(),
            Err(e) => format!("forced exit; could not persist HALTED ({e}): check both venues"),
        };
        tracing::error!("{message}");
        eprintln!("{t}{message}");
        return Some(exit);
    }
}

#[cfg(not(unix))]
async fn signals(
    stop: watch::Sender<bool>,
    _engine: Arc<hedge_engine::protocol::HedgeEngine>,
    _t: &str,
) -> Option<u8> {
    let _ = tokio::signal::ctrl_c().await;
    stop.send_replace(true);
    std::future::pending::<()>().await;
    None
}

async fn build_wiring(args: &Args, quote: &str, paths: &Paths) -> Result<Wiring, (u8, String)> {
    let usage = |m: String| (code::CONFIG_ERROR, m);
    if args.paper {
        if args.paper_collateral <= rust_decimal::Decimal::ZERO {
            return Err(usage(format!(
                "--paper-collateral must be > 0, got {}",
                args.paper_collateral
            )));
        }
        let settings = PaperSettings {
            dir: args.paper_dir.clone(),
            reset: args.paper_reset,
            speed: args.speed.max(1),
            faults: args.sim_fault.clone(),
            collateral: args.paper_collateral,
            quote: quote.to_string(),
            command: "rotation-bot",
            lock_wait: Duration::from_secs(args.lock_wait),
            lighter_fill_delay: hedge_app::wiring::paper_fill_delay(&|k| std::env::var(k).ok())
                .map_err(|e| usage(e.to_string()))?,
            edgex_api: hedge_app::wiring::paper_edgex_api(None, &|k| std::env::var(k).ok())
                .map_err(|e| usage(e.to_string()))?,
            // no --sim-move flag here (left to the bot's owner); VENUE_SIM_MOVES works
            moves: Vec::new(),
        };
        let fault_env = std::env::var(hedge_app::wiring::SIM_FAULTS_ENV).ok();
        return Wiring::paper(&settings, fault_env, Some(paths.engine_state.clone()))
            .await
            .map_err(|e| (code::VENUE_ERROR, e.to_string()));
    }
    let env = match &args.env_file {
        Some(p) => Env::load(p, true),
        None => Env::load_default(),
    }
    .map_err(|e| usage(e.to_string()))?;
    let settings = VenueSettings::from_env(&env).map_err(|e| usage(e.to_string()))?;
    settings
        .require_trading(&VenueKind::ALL)
        .map_err(|e| usage(e.to_string()))?;
    let state = StateSettings {
        path: paths.engine_state.clone(),
        init_state: false,
        lock_wait: Duration::from_secs(args.lock_wait),
    };
    Wiring::live(&settings, quote, &state).map_err(|e| usage(e.to_string()))
}
