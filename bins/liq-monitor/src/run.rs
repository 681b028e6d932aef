//! Wiring and the check loop.

use crate::args::Args;
use hedge_app::alerts::{AlertKind, Alerter};
use hedge_app::exit;
use hedge_app::hedge_config::{self, ConfigOrigin, HedgeOverrides};
use hedge_app::liq::{render_text, Health, LiqMonitor, LiqSettings};
use hedge_app::metrics::Metrics;
use hedge_app::wiring::{live_state_path, PaperSettings, StateSettings, Wiring};
use hedge_engine::monitor::check::MonitorSettings;
use hedge_engine::pricing::PricingPolicy;
use std::sync::Arc;
use std::time::Duration;

/// A failure with its exit code.
pub struct Failure {
    pub code: u8,
    pub message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: exit::CONFIG_ERROR,
        message: message.into(),
    }
}

fn settings(a: &Args) -> Result<LiqSettings, Failure> {
    if a.interval == 0 {
        return Err(usage("--interval must be at least 1 second, got 0"));
    }
    let monitor = MonitorSettings::from_options(
        a.margin_threshold,
        a.pnl_threshold,
        a.unhedged_grace,
        a.max_read_failures,
    )
    .map_err(|e| usage(e.to_string()))?;
    Ok(LiqSettings {
        monitor,
        auto_close: a.auto_close(),
        pricing: PricingPolicy::default(),
    })
}

async fn wire(
    a: &Args,
    quote: &str,
    config_file: Option<&std::path::Path>,
) -> Result<Wiring, Failure> {
    let cfg = |e: hedge_app::ConfigError| usage(e.to_string());
    if a.paper {
        if a.state_file.is_some() {
            return Err(usage(
                "--state-file does not apply with --paper: paper state lives under --paper-dir",
            ));
        }
        let settings = PaperSettings {
            dir: a.paper_dir.clone(),
            reset: a.paper_reset,
            speed: a.speed.max(1),
            faults: a.sim_fault.clone(),
            collateral: a.paper_collateral,
            quote: quote.to_string(),
            command: "liq-monitor",
            lock_wait: Duration::from_secs(a.lock_wait),
            lighter_fill_delay: hedge_app::wiring::paper_fill_delay(&|k| std::env::var(k).ok())
                .map_err(cfg)?,
            edgex_api: hedge_app::wiring::paper_edgex_api(a.edgex_api.as_deref(), &|k| {
                std::env::var(k).ok()
            })
            .map_err(cfg)?,
            moves: a.sim_move.clone(),
        };
        let fault_env = std::env::var(hedge_app::wiring::SIM_FAULTS_ENV).ok();
        return Wiring::paper(&settings, fault_env, None).await.map_err(cfg);
    }
    if a.speed != 1
        || a.sim_fault.is_some()
        || a.paper_reset
        || a.edgex_api.is_some()
        || !a.sim_move.is_empty()
    {
        return Err(usage(
            "--speed, --sim-fault, --sim-move, --paper-reset and --edgex-api only apply with --paper",
        ));
    }
    let env = hedge_app::env::Env::load_default().map_err(cfg)?;
    let venues = hedge_app::credentials::VenueSettings::from_env(&env).map_err(cfg)?;
    let state = StateSettings {
        path: live_state_path(
            a.state_file
                .clone()
                .or_else(|| env.get(hedge_app::wiring::STATE_FILE_ENV).map(Into::into)),
            config_file,
        ),
        init_state: false,
        lock_wait: Duration::from_secs(a.lock_wait),
    };
    Wiring::live(&venues, quote, &state).map_err(cfg)
}

/// Runs the monitor; returns the exit code.
pub async fn run(a: Args) -> Result<u8, Failure> {
    let settings = settings(&a)?;
    hedge_app::logging::init(&hedge_app::logging::LogSettings::monitor(
        a.paper,
        &a.log_file,
    ));
    let tag = if a.paper { "PAPER " } else { "" };
    let loaded = hedge_config::load_layered(
        a.config.as_deref(),
        a.paper,
        &HedgeOverrides::default(),
        &hedge_app::bot_config::process_env(),
        &a.set,
    )
    .map_err(|e| usage(e.to_string()))?;
    if let Some(n) = &loaded.notice {
        eprintln!("{n}");
    }
    for (key, layer) in &loaded.layered {
        tracing::info!("config {key} set by {layer}");
    }
    let config_file = match &loaded.origin {
        ConfigOrigin::File(p) => Some(p.clone()),
        ConfigOrigin::PaperDefaults => None,
    };
    let alerter = Alerter::new("liq-monitor", a.alert_webhook.as_deref())
        .map_err(|e| usage(e.to_string()))?;
    let wiring = wire(&a, &loaded.config.quote, config_file.as_deref()).await?;
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = &a.metrics_addr {
        let (local, _task) = hedge_app::metrics::serve(addr, metrics.clone())
            .await
            .map_err(|e| usage(e.to_string()))?;
        eprintln!("{tag}metrics on http://{local}/metrics");
    }
    let cfg = &loaded.config;
    let (ka, kb) = (cfg.long_exchange, cfg.short_exchange);
    let engine = &wiring.engine;
    // Start-up: resolve any interrupted operation from the venues (as every trader does).
    let recovery = engine
        .recover(&[wiring.venue(ka), wiring.venue(kb)])
        .await
        .map_err(|e| Failure {
            code: exit::VENUE_ERROR,
            message: format!("start-up recovery failed: {e}"),
        })?;
    if !recovery.operations.is_empty() {
        alerter.event(
            "engine",
            AlertKind::Recovery,
            &format!(
                "start-up recovery resolved {} operation(s)",
                recovery.operations.len()
            ),
            serde_json::Value::Null,
        );
    }
    let mut monitor = LiqMonitor::new(settings, (ka, wiring.venue(ka)), (kb, wiring.venue(kb)));
    let mut first = true;
    let result = crate::run::watch(
        &a,
        tag,
        &mut monitor,
        engine,
        &alerter,
        &metrics,
        &mut first,
    )
    .await;
    alerter.flush(Duration::from_secs(5)).await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn watch(
    a: &Args,
    tag: &str,
    monitor: &mut LiqMonitor,
    engine: &hedge_engine::protocol::HedgeEngine,
    alerter: &Alerter,
    metrics: &Metrics,
    first: &mut bool,
) -> Result<u8, Failure> {
    #[cfg(unix)]
    let mut signals = {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(i), Ok(t)) => Some((i, t)),
            _ => None,
        }
    };
    let mut stop = false;
    loop {
        let check = monitor.check(engine);
        tokio::pin!(check);
        // A first signal lets the check (and its action) finish; a second one HALTs.
        let report = loop {
            #[cfg(unix)]
            if let Some((int, term)) = signals.as_mut() {
                let code = tokio::select! {
                    r = &mut check => break r,
                    _ = int.recv() => exit::INTERRUPTED,
                    _ = term.recv() => exit::TERMINATED,
                };
                if !stop {
                    stop = true;
                    eprintln!("{tag}finishing the check safely (signal again to abort)");
                    continue;
                }
                let message = match engine.halt_interrupted() {
                    Ok(Some(op)) => {
                        format!("operation {op} interrupted by a second signal: HALTED")
                    }
                    Ok(None) => "interrupted by a second signal before any order was sent".into(),
                    Err(e) => format!("interrupted; could not persist HALTED ({e})"),
                };
                return Err(Failure { code, message });
            }
            break (&mut check).await;
        };
        let next = (!a.once && !stop).then(|| {
            report.time + chrono::Duration::seconds(i64::try_from(a.interval).unwrap_or(60))
        });
        if a.json {
            println!("{}", serde_json::to_string(&report).unwrap_or_default());
        } else {
            print!("{}", render_text(&report, tag, next));
        }
        for line in render_text(&report, "", None).lines() {
            tracing::info!("{line}");
        }
        if *first {
            *first = false;
            let (message, details) = hedge_app::liq::publish::startup_summary(&report);
            alerter.event("liq-monitor", AlertKind::Recovery, &message, details);
        }
        hedge_app::liq::publish::alerts(&report, alerter);
        let max_age = Duration::from_secs(a.interval.saturating_mul(3).max(600));
        hedge_app::liq::publish::metrics(&report, metrics, max_age);
        if a.once {
            return Ok(match report.health {
                Health::Healthy => exit::OK,
                Health::Unhealthy => exit::NOT_HEDGED,
                Health::Unknown => exit::VENUE_ERROR,
            });
        }
        if report.acted() && a.exit_after_close {
            let failed = report.actions.iter().any(|x| !x.ok);
            return Ok(if failed { exit::NOT_HEDGED } else { exit::OK });
        }
        if stop {
            return Ok(exit::OK);
        }
        let sleep = tokio::time::sleep(Duration::from_secs(a.interval));
        tokio::pin!(sleep);
        #[cfg(unix)]
        if let Some((int, term)) = signals.as_mut() {
            tokio::select! {
                _ = &mut sleep => {}
                _ = int.recv() => return Ok(exit::OK),
                _ = term.recv() => return Ok(exit::OK),
            }
            continue;
        }
        sleep.await;
    }
}
