//! `hedge-cli`: manual analysis and trading of a delta-neutral hedge.
//!
//! This binary parses arguments, loads configuration, wires venues and renders. Every decision
//! is made in `hedge-engine`; configuration and wiring live in `hedge-app`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod logging;

use args::{Cli, Command};
use clap::Parser;
use comfy_table::Table;
use hedge_app::credentials::VenueSettings;
use hedge_app::env::Env;
use hedge_app::hedge_config::{self, ConfigOrigin, HedgeOverrides, LoadedHedgeConfig};
use hedge_app::venues::VenueKind;
use hedge_app::ConfigError;
use serde_json::json;
use std::process::ExitCode;

/// Exit codes, documented in `--help`.
mod code {
    pub const VENUE_ERROR: u8 = 1;
    pub const CONFIG_ERROR: u8 = 2;
}

/// A command's failure, carrying its exit code.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure {
            code: code::CONFIG_ERROR,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.paper);
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // To the log file only: the console gets the plain message below.
            tracing::info!(target: logging::OUTCOME_TARGET, command = cli.command.name(), code = f.code, "failed: {}", f.message);
            eprintln!("{}error: {}", paper_tag(cli.global.paper), f.message);
            ExitCode::from(f.code)
        }
    }
}

fn paper_tag(paper: bool) -> &'static str {
    if paper {
        "PAPER "
    } else {
        ""
    }
}

fn overrides(cli: &Cli) -> HedgeOverrides {
    let g = &cli.global;
    HedgeOverrides {
        symbol: g.symbol.clone(),
        quote: g.quote.clone(),
        long_exchange: g.long_exchange.clone(),
        short_exchange: g.short_exchange.clone(),
        leverage: g.leverage,
        notional: g.notional,
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    let g = &cli.global;
    // Configuration is validated before anything else, for every command (W16).
    let loaded = hedge_config::load(g.config.as_deref(), g.paper, &overrides(cli))?;
    if let Some(notice) = &loaded.notice {
        eprintln!("{notice}");
    }
    // Paper mode never reads live credentials; live mode reads them and, for commands that
    // touch the account, requires them before any network call.
    let settings = if g.paper {
        None
    } else {
        let env = match &g.env_file {
            Some(p) => Env::load(p, true)?,
            None => Env::load_default()?,
        };
        let s = VenueSettings::from_env(&env)?;
        if cli.command.needs_credentials() {
            s.require_trading(&VenueKind::ALL)?;
        }
        Some(s)
    };

    match &cli.command {
        Command::Config => show_config(&loaded, settings.as_ref(), g.paper, g.json),
        other => Err(not_built(other.name(), g.paper)),
    }
}

/// The honest answer for a command whose machinery is not built yet.
fn not_built(command: &str, paper: bool) -> Failure {
    let why = if paper {
        "paper mode needs the venue simulator, which is not built yet"
    } else {
        "it needs the EdgeX and Lighter adapters wired into the engine, which is not done yet"
    };
    Failure {
        code: code::VENUE_ERROR,
        message: format!("`{command}` is not available yet: {why}"),
    }
}

fn show_config(
    loaded: &LoadedHedgeConfig,
    settings: Option<&VenueSettings>,
    paper: bool,
    as_json: bool,
) -> Result<(), Failure> {
    let c = &loaded.config;
    let origin = match &loaded.origin {
        ConfigOrigin::File(p) => p.display().to_string(),
        ConfigOrigin::PaperDefaults => "built-in paper defaults".to_string(),
    };
    let credentials: Vec<(String, String)> = match settings {
        None => VenueKind::ALL
            .iter()
            .map(|v| (v.id().to_string(), "not read (paper mode)".to_string()))
            .collect(),
        Some(s) => s
            .describe()
            .into_iter()
            .map(|(v, d)| (v.id().to_string(), d))
            .collect(),
    };
    if as_json {
        let creds: serde_json::Map<String, serde_json::Value> = credentials
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let out = json!({
            "mode": if paper { "paper" } else { "live" },
            "config_source": origin,
            "config": {
                "symbol": c.symbol,
                "quote": c.quote,
                "long_exchange": c.long_exchange.id(),
                "short_exchange": c.short_exchange.id(),
                "leverage": c.leverage.to_string(),
                "notional": c.notional.to_string(),
            },
            "credentials": creds,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(());
    }
    let mut t = Table::new();
    t.set_header(vec![
        format!("{}hedge configuration", paper_tag(paper)),
        String::new(),
    ]);
    t.add_row(vec![
        "mode".to_string(),
        if paper {
            "PAPER (simulator)".into()
        } else {
            "live".into()
        },
    ]);
    t.add_row(vec!["config source".to_string(), origin]);
    t.add_row(vec![
        "market".to_string(),
        format!("{}/{}", c.symbol, c.quote),
    ]);
    t.add_row(vec![
        "long leg".to_string(),
        c.long_exchange.display_name().to_string(),
    ]);
    t.add_row(vec![
        "short leg".to_string(),
        c.short_exchange.display_name().to_string(),
    ]);
    t.add_row(vec!["leverage".to_string(), format!("{}x", c.leverage)]);
    t.add_row(vec![
        "default notional".to_string(),
        format!("{} {}", c.notional, c.quote),
    ]);
    for (venue, state) in credentials {
        t.add_row(vec![format!("{venue} credentials"), state]);
    }
    println!("{t}");
    Ok(())
}
