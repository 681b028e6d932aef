//! What every command runs with: validated config, venues, engine, output mode.

use crate::args::Cli;
use crate::Failure;
use hedge_app::credentials::VenueSettings;
use hedge_app::env::Env;
use hedge_app::hedge_config::{HedgeConfig, HedgeOverrides, LoadedHedgeConfig};
use hedge_app::venues::VenueKind;
use hedge_app::wiring::{live_state_path, PaperSettings, StateSettings, Wiring};
use hedge_engine::protocol::LegVenues;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use venue_api::Venue;

pub struct Ctx {
    pub loaded: LoadedHedgeConfig,
    pub wiring: Wiring,
    pub json: bool,
    pub yes: bool,
}

impl Ctx {
    pub fn cfg(&self) -> &HedgeConfig {
        &self.loaded.config
    }

    pub fn paper(&self) -> bool {
        self.wiring.paper
    }

    pub fn venue(&self, kind: VenueKind) -> Arc<dyn Venue> {
        self.wiring.venue(kind)
    }

    /// The configured long/short assignment.
    pub fn legs(&self) -> LegVenues {
        self.wiring
            .legs(self.cfg().long_exchange, self.cfg().short_exchange)
    }

    /// "PAPER " in paper mode, so that paper and live output can never be confused.
    pub fn tag(&self) -> &'static str {
        crate::paper_tag(self.paper())
    }

    /// Asks before a live trading action; paper mode and `--yes` skip the question. Without
    /// a terminal to ask on, refuses (exit 2) rather than trading unconfirmed.
    pub fn confirm(&self, what: &str) -> Result<(), Failure> {
        if self.paper() {
            return Ok(());
        }
        self.confirm_always(what)
    }

    /// Asks even in paper mode (a rewrite of the operator's real files, `resume`); `--yes`
    /// skips the question.
    pub fn confirm_always(&self, what: &str) -> Result<(), Failure> {
        if self.yes {
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(format!(
                "refusing to {what} without confirmation: pass --yes"
            )));
        }
        eprint!(
            "{}: about to {what}. Type 'yes' to continue: ",
            if self.paper() { "PAPER" } else { "LIVE" }
        );
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read confirmation: {e}")))?;
        if line.trim().eq_ignore_ascii_case("yes") {
            Ok(())
        } else {
            Err(Failure::usage(
                "not confirmed; nothing was done".to_string(),
            ))
        }
    }
}

/// Loads and validates everything, then builds the venues (in paper mode, starts the
/// simulator). No venue is called here.
pub async fn build(cli: &Cli) -> Result<Ctx, Failure> {
    let g = &cli.global;
    let overrides = HedgeOverrides {
        symbol: g.symbol.clone(),
        quote: g.quote.clone(),
        long_exchange: g.long_exchange.clone(),
        short_exchange: g.short_exchange.clone(),
        leverage: g.leverage,
        notional: g.notional,
    };
    let loaded = hedge_app::hedge_config::load_layered(
        g.config.as_deref(),
        g.paper,
        &overrides,
        &hedge_app::bot_config::process_env(),
        &g.set,
    )?;
    if let Some(notice) = &loaded.notice {
        eprintln!("{notice}");
    }
    let wiring = if g.paper {
        if g.paper_collateral <= rust_decimal::Decimal::ZERO {
            return Err(Failure::usage(format!(
                "--paper-collateral must be > 0, got {}",
                g.paper_collateral
            )));
        }
        let settings = PaperSettings {
            dir: g.paper_dir.clone(),
            reset: g.paper_reset,
            speed: g.speed.max(1),
            faults: g.sim_fault.clone(),
            collateral: g.paper_collateral,
            quote: loaded.config.quote.clone(),
            command: cli.command.name(),
            lock_wait: std::time::Duration::from_secs(g.lock_wait),
            lighter_fill_delay: hedge_app::wiring::paper_fill_delay(&|k| std::env::var(k).ok())?,
            edgex_api: hedge_app::wiring::paper_edgex_api(g.edgex_api.as_deref(), &|k| {
                std::env::var(k).ok()
            })?,
            // no --sim-move flag here (left to the CLI's owner); VENUE_SIM_MOVES works
            moves: Vec::new(),
        };
        // Paper mode never reads live credentials: only the fault variable.
        let fault_env = std::env::var(hedge_app::wiring::SIM_FAULTS_ENV).ok();
        // Paper state lives under --paper-dir only, so a paper run can never touch the live
        // state file.
        if g.state_file.is_some() || g.init_state {
            return Err(Failure::usage(
                "--state-file and --init-state do not apply with --paper: paper state lives \
                 under --paper-dir"
                    .to_string(),
            ));
        }
        Wiring::paper(&settings, fault_env, None).await?
    } else {
        if g.speed != 1 || g.sim_fault.is_some() || g.paper_reset || g.edgex_api.is_some() {
            return Err(Failure::usage(
                "--speed, --sim-fault, --paper-reset and --edgex-api only apply with --paper \
                 (live mode takes the EdgeX generation from the credentials)"
                    .to_string(),
            ));
        }
        let env = match &g.env_file {
            Some(p) => Env::load(p, true)?,
            None => Env::load_default()?,
        };
        let settings = VenueSettings::from_env(&env)?;
        if cli.command.needs_credentials() {
            settings.require_trading(&VenueKind::ALL)?;
        }
        let config_file = match &loaded.origin {
            hedge_app::hedge_config::ConfigOrigin::File(p) => Some(p.as_path()),
            hedge_app::hedge_config::ConfigOrigin::PaperDefaults => None,
        };
        let state = StateSettings {
            path: live_state_path(
                g.state_file
                    .clone()
                    .or_else(|| env.get(hedge_app::wiring::STATE_FILE_ENV).map(Into::into)),
                config_file,
            ),
            init_state: g.init_state,
            lock_wait: std::time::Duration::from_secs(g.lock_wait),
        };
        Wiring::live(&settings, &loaded.config.quote, &state)?
    };
    Ok(Ctx {
        loaded,
        wiring,
        json: g.json,
        yes: g.yes,
    })
}
