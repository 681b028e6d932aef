//! `hedge-cli`: manual analysis and trading of a delta-neutral hedge.
//!
//! This binary parses arguments, loads configuration, wires venues and renders. Every decision
//! is made in `hedge-engine`; configuration and wiring live in `hedge-app`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod cmd_doctor;
mod cmd_read;
mod cmd_status;
mod cmd_trade;
mod ctx;
mod render;
mod signals;

use args::{Cli, Command};
use clap::Parser;
use hedge_app::credentials::VenueSettings;
use hedge_app::env::Env;
use hedge_app::hedge_config::{self, ConfigOrigin, HedgeOverrides, LoadedHedgeConfig};
use hedge_app::venues::VenueKind;
use hedge_app::ConfigError;
use hedge_engine::sizing::SizeRequest;
use serde_json::json;
use std::process::ExitCode;

/// Exit codes, defined once in `hedge_app::exit` for the three binaries.
pub use hedge_app::exit as code;

/// `println!` that never panics: a closed stdout (`| head`) is not an error of the command
/// (the trading happened before printing; the exit code must say how it went).
#[macro_export]
macro_rules! outln {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// A command's failure, carrying its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: String) -> Self {
        Failure {
            code: code::CONFIG_ERROR,
            message,
        }
    }

    pub fn venue(message: String) -> Self {
        Failure {
            code: code::VENUE_ERROR,
            message,
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure::usage(e.to_string())
    }
}

pub fn paper_tag(paper: bool) -> &'static str {
    if paper {
        "PAPER "
    } else {
        ""
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    hedge_app::logging::init(&hedge_app::logging::LogSettings::cli(cli.global.paper));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(code::VENUE_ERROR);
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(c) => {
            tracing::info!(target: hedge_app::logging::CLI_OUTCOME_TARGET, command = cli.command.name(), code = c, "done");
            ExitCode::from(c)
        }
        Err(f) => {
            // To the log file only: the console gets the plain message below.
            tracing::info!(target: hedge_app::logging::CLI_OUTCOME_TARGET, command = cli.command.name(), code = f.code, "failed: {}", f.message);
            if cli.global.json {
                // One JSON document on stdout for refusals and errors too (D11).
                render::print_json(&json!({
                    "mode": if cli.global.paper { "paper" } else { "live" },
                    "command": cli.command.name(),
                    "error": f.message,
                    "exit_code": f.code,
                }));
            }
            eprintln!("{}error: {}", paper_tag(cli.global.paper), f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run(cli: &Cli) -> Result<u8, Failure> {
    if let Command::Config = cli.command {
        return show_config(cli);
    }
    let ctx = ctx::build(cli).await?;
    if cli.command.trades() {
        // Signals: the first lets the operation finish, the second HALTs and exits.
        return signals::guarded(&ctx, dispatch(cli, &ctx)).await;
    }
    dispatch(cli, &ctx).await
}

async fn dispatch(cli: &Cli, ctx: &ctx::Ctx) -> Result<u8, Failure> {
    match &cli.command {
        Command::Config => Ok(code::OK),
        Command::Capacity => cmd_read::capacity(ctx).await,
        Command::Funding { hold_hours, apply } => {
            if *hold_hours <= rust_decimal::Decimal::ZERO {
                return Err(Failure::usage(format!(
                    "--hold-hours must be > 0, got {hold_hours}"
                )));
            }
            cmd_read::funding(ctx, *hold_hours, *apply, cli.global.config.as_deref()).await
        }
        Command::FundingAll { symbols, sort } => cmd_read::funding_all(ctx, symbols, *sort).await,
        Command::CheckLeverage { symbols } => {
            let with_account = ctx.paper()
                || VenueSettings::from_env(&Env::load_default()?)?
                    .require_trading(&VenueKind::ALL)
                    .is_ok();
            cmd_read::check_leverage(ctx, symbols, with_account).await
        }
        Command::Status => cmd_status::status(ctx).await,
        Command::Open {
            size,
            cross_ticks,
            leg_mode,
            dry_run,
            add,
        } => {
            if let Some(x) = size
                .size_base
                .or(size.size_quote)
                .filter(|x| *x <= rust_decimal::Decimal::ZERO)
            {
                return Err(Failure::usage(format!(
                    "--size-base/--size-quote must be > 0, got {x}"
                )));
            }
            let request = match (size.size_base, size.size_quote) {
                (Some(b), _) => SizeRequest::Base(b),
                (None, Some(q)) => SizeRequest::Quote(q),
                (None, None) => {
                    eprintln!(
                        "{}no size given: using the config's notional of {} {}",
                        ctx.tag(),
                        ctx.cfg().notional,
                        ctx.cfg().quote
                    );
                    SizeRequest::Quote(ctx.cfg().notional)
                }
            };
            cmd_trade::open(
                ctx,
                cmd_trade::OpenArgs {
                    size: request,
                    cross_ticks: *cross_ticks,
                    leg_mode: *leg_mode,
                    dry_run: *dry_run,
                    add: *add,
                },
            )
            .await
        }
        Command::Close {
            cross_ticks,
            dry_run,
            leg,
        } => cmd_trade::close(ctx, *cross_ticks, *dry_run, leg.as_deref()).await,
        Command::TestLeverage => cmd_trade::test_leverage(ctx).await,
        Command::Test {
            notional,
            cross_ticks,
        } => cmd_trade::test_round_trip(ctx, *notional, *cross_ticks, true).await,
        Command::TestAuto {
            notional,
            cross_ticks,
        } => cmd_trade::test_round_trip(ctx, *notional, *cross_ticks, false).await,
        Command::Resume => cmd_trade::resume(ctx).await,
        Command::Recover => cmd_trade::recover(ctx).await,
        Command::Doctor { record } => {
            cmd_doctor::doctor(ctx, cli.global.env_file.as_deref(), record.as_ref()).await
        }
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

/// `config`: the effective configuration and which credentials are present; no network.
fn show_config(cli: &Cli) -> Result<u8, Failure> {
    let g = &cli.global;
    let loaded = hedge_config::load_layered(
        g.config.as_deref(),
        g.paper,
        &overrides(cli),
        &hedge_app::bot_config::process_env(),
        &g.set,
    )?;
    if let Some(notice) = &loaded.notice {
        eprintln!("{notice}");
    }
    let settings = if g.paper {
        None
    } else {
        let env = match &g.env_file {
            Some(p) => Env::load(p, true)?,
            None => Env::load_default()?,
        };
        Some(VenueSettings::from_env(&env)?)
    };
    render_config(&loaded, settings.as_ref(), g.paper, g.json);
    Ok(code::OK)
}

fn render_config(
    loaded: &LoadedHedgeConfig,
    settings: Option<&VenueSettings>,
    paper: bool,
    as_json: bool,
) {
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
        render::print_json(&json!({
            "mode": if paper { "paper" } else { "live" },
            "config_source": origin,
            "config_layers": loaded
                .layered
                .iter()
                .map(|(k, o)| (k.clone(), json!(o)))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
            "config": {
                "symbol": c.symbol,
                "quote": c.quote,
                "long_exchange": c.long_exchange.id(),
                "short_exchange": c.short_exchange.id(),
                "leverage": c.leverage.to_string(),
                "notional": c.notional.to_string(),
            },
            "credentials": creds,
        }));
        return;
    }
    let mut rows = vec![
        (
            "mode".to_string(),
            if paper {
                "PAPER (simulator)".to_string()
            } else {
                "live".to_string()
            },
        ),
        ("config source".to_string(), origin),
    ];
    if !loaded.layered.is_empty() {
        let set: Vec<String> = loaded
            .layered
            .iter()
            .map(|(k, o)| format!("{k} ({o})"))
            .collect();
        rows.push(("set by layers".to_string(), set.join(", ")));
    }
    rows.extend([
        ("market".to_string(), format!("{}/{}", c.symbol, c.quote)),
        (
            "long leg".to_string(),
            c.long_exchange.display_name().to_string(),
        ),
        (
            "short leg".to_string(),
            c.short_exchange.display_name().to_string(),
        ),
        ("leverage".to_string(), format!("{}x", c.leverage)),
        (
            "default notional".to_string(),
            format!("{} {}", c.notional, c.quote),
        ),
    ]);
    for (venue, state) in credentials {
        rows.push((format!("{venue} credentials"), state));
    }
    outln!(
        "{}",
        render::boxed(&format!("{}hedge configuration", paper_tag(paper)), rows)
    );
}
