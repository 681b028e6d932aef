//! `rotation-bot backtest`: arguments, the data source (a data file, the venues' public
//! history, or the simulator's own history with `--paper`), progress on stderr, and the
//! rendering of `hedge_backtest`'s result. Every decision is the bot's own
//! (`hedge_engine::rotation::policy`); the replay lives in `hedge-backtest`.

use crate::code;
use crate::outln;
use chrono::{DateTime, Utc};
use hedge_app::bot_config;
use hedge_backtest::sweep::{combinations, default_threads, parse_specs, run_sweep, SweepJob};
use hedge_backtest::{OpenFailures, ReplayConfig, SlippageModel, SweepResult};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

mod record;
mod render;
mod source;

pub use record::spawn_book_recorder;
use render::time;
use render::{bar, render, render_sweep, report_input, write_html};
use source::{explicit_period, load_data};

/// Replay funding history through the bot's own decisions: the cycles it would have run,
/// their funding per leg, fees and slippage, a summary, and two baselines (never trade; hold
/// the best pair of the first day).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Data: --paper replays the simulator's own deterministic funding history (no network). \
Otherwise --data FILE is read when it exists; when it does not (or without --data, into \
backtest_data.json) both venues' public funding history is fetched (no credentials) and \
written there for offline reuse.

Slippage: --slippage-bps per fill (default 2), or --books FILE|DIR: top-of-book depth as CSV \
`time,venue,symbol,bid,bid_size,ask,ask_size` (one snapshot per line, RFC 3339 times), \
priced with the bot's own book-walk estimate. A directory is read whole: every *book*.csv \
file under it, e.g. the --out directory of record-market.

Sweep: --sweep KEY=V1,V2 [--sweep KEY=...] replays every combination of bot config keys \
in parallel, ranks them by net PnL and prints the winner's config file.")]
pub struct BacktestArgs {
    /// First day (YYYY-MM-DD or RFC 3339, UTC).
    #[arg(long, value_name = "DATE", conflicts_with = "days")]
    pub from: Option<String>,
    /// End (exclusive; YYYY-MM-DD or RFC 3339, UTC). Default: today 00:00 UTC.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Days before --to (default 30).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Symbols (default: the config's symbols_to_monitor).
    #[arg(long, value_delimiter = ',', value_name = "SYM,...")]
    pub symbols: Vec<String>,
    /// Funding data file: read when it exists, else fetched and written there.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// --paper: seed of the simulator's funding model (and of --open-failure-percent).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Slippage per fill, basis points of the notional (flat model).
    #[arg(long = "slippage-bps", default_value = "2", value_name = "BPS")]
    pub slippage_bps: Decimal,
    /// Recorded top-of-book depth (CSV file, or a directory of record-market book files;
    /// see below) instead of the flat model.
    #[arg(long, value_name = "FILE|DIR")]
    pub books: Option<PathBuf>,
    /// Share of opens that fail with one leg filled and unwound (percent, drawn from --seed):
    /// exercises the cooldowns and the failed-opens budget. Default 0: every open fills.
    #[arg(long = "open-failure-percent", default_value = "0", value_name = "PCT")]
    pub open_failure_percent: Decimal,
    /// Sweep a config key over values (repeatable): every combination is replayed.
    #[arg(long = "sweep", value_name = "KEY=V1,V2,...")]
    pub sweep: Vec<String>,
    /// Sweep worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// One JSON document instead of tables (exact decimals as strings).
    #[arg(long)]
    pub json: bool,
    /// Also write the HTML report (inline SVG charts, no network): cumulative net PnL with
    /// the baselines, funding settled against expected, fees, time in market per symbol,
    /// and the sweep as a heat map.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

type Fail = (u8, String);

/// A period from the command line (`None` parts: the data's).
type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn usage(m: impl Into<String>) -> Fail {
    (code::CONFIG_ERROR, m.into())
}

/// Runs the subcommand; returns the exit code.
pub fn backtest(args: &crate::args::Args, b: &BacktestArgs) -> u8 {
    match run(args, b) {
        Ok(()) => 0,
        Err((c, m)) => {
            eprintln!("{}error: {m}", if args.paper { "PAPER " } else { "" });
            c
        }
    }
}

fn run(args: &crate::args::Args, b: &BacktestArgs) -> Result<(), Fail> {
    let env: Vec<(String, String)> = bot_config::process_env();
    let base = config_object(args)?;
    let (cfg, _) = build_config(&base, &env, &args.set, &[])?;
    let symbols: Vec<String> = if b.symbols.is_empty() {
        cfg.symbols_to_monitor.clone()
    } else {
        b.symbols
            .iter()
            .map(|s| s.trim().to_ascii_uppercase())
            .collect()
    };
    let data = load_data(args, b, &symbols)?;
    // The config's symbols that the data has on both venues (an explicit --symbols is kept
    // as given: a missing one is reported as skipped).
    let common = data.common_symbols();
    let symbols: Vec<String> = if b.symbols.is_empty() && symbols.iter().any(|s| common.contains(s))
    {
        symbols.into_iter().filter(|s| common.contains(s)).collect()
    } else {
        symbols
    };
    let slippage = match &b.books {
        Some(p) => {
            let loaded =
                hedge_backtest::book_files::load(p).map_err(|e| usage(format!("--books {e}")))?;
            eprintln!(
                "--books {}: {} snapshots from {} file(s)",
                p.display(),
                loaded.depth.len(),
                loaded.files
            );
            SlippageModel::Books {
                depth: loaded.depth,
                fallback_bps: b.slippage_bps,
            }
        }
        None => SlippageModel::FlatBps(b.slippage_bps),
    };
    if b.open_failure_percent < Decimal::ZERO || b.open_failure_percent > Decimal::ONE_HUNDRED {
        return Err(usage(format!(
            "--open-failure-percent {}: must be between 0 and 100",
            b.open_failure_percent
        )));
    }
    let (from, to) = explicit_period(b)?;
    if from.is_some_and(|f| f < data.from) || to.is_some_and(|t| t > data.to) {
        eprintln!(
            "warning: the data covers {} .. {} only; the replay is limited to it",
            time(data.from),
            time(data.to)
        );
    }
    let replay_of = |cfg: &bot_config::BotConfig| -> Result<ReplayConfig, String> {
        let mut machine = cfg.machine_config(None)?;
        machine.symbols = symbols.clone();
        Ok(ReplayConfig {
            machine,
            slippage: slippage.clone(),
            from,
            to,
            open_failures: (b.open_failure_percent > Decimal::ZERO).then_some(OpenFailures {
                percent: b.open_failure_percent,
                seed: b.seed,
            }),
        })
    };
    if b.sweep.is_empty() {
        let rc = replay_of(&cfg).map_err(|e| usage(format!("config: {e}")))?;
        let result = hedge_backtest::run(&data, &rc).map_err(|e| usage(e.to_string()))?;
        if let Some(path) = &b.report {
            write_html(path, &report_input(&data, &result, b, None))?;
        }
        if b.json {
            print_json(&serde_json::json!({ "source": data.source, "result": result }));
        } else {
            render(&data, &result);
        }
        return Ok(());
    }
    let keys = parse_specs(&b.sweep).map_err(|e| usage(e.to_string()))?;
    if let Some((k, _)) = keys
        .iter()
        .find(|(k, _)| !bot_config::SCHEMA.keys.contains(&k.as_str()))
    {
        return Err(usage(format!(
            "--sweep {k}: no such setting (settings: {})",
            bot_config::SCHEMA.keys.join(", ")
        )));
    }
    let combos = combinations(&keys);
    let mut objects = Vec::with_capacity(combos.len());
    let jobs: Vec<SweepJob> = combos
        .into_iter()
        .map(|params| {
            let sets: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let built = build_config(&base, &env, &args.set, &sets);
            let job = match &built {
                Ok((c, _)) => replay_of(c),
                Err((_, m)) => Err(m.clone()),
            };
            objects.push(built.ok().map(|(_, o)| o));
            (params, job)
        })
        .collect();
    let threads = b.threads.unwrap_or_else(default_threads);
    let tty = std::io::stderr().is_terminal();
    let progress = move |done: usize, total: usize| {
        if tty {
            eprint!("\r{}", bar(done, total, "combinations"));
            if done == total {
                eprintln!();
            }
        }
    };
    let names = keys.iter().map(|(k, _)| k.clone()).collect();
    let index: BTreeMap<String, usize> = jobs
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (params_key(p), i))
        .collect();
    let winner_job = |r: &SweepResult| {
        r.rows
            .first()
            .filter(|r| r.summary.is_some())
            .and_then(|r| index.get(&params_key(&r.params)))
            .and_then(|i| jobs.get(*i))
            .and_then(|(_, j)| j.as_ref().ok().cloned())
    };
    let result = run_sweep(&data, names, jobs.clone(), threads, &progress);
    if let Some(path) = &b.report {
        // The report shows the winner's run in full, and the sweep as a heat map.
        let rc = winner_job(&result).ok_or_else(|| usage("--report: no combination could run"))?;
        let best = hedge_backtest::run(&data, &rc).map_err(|e| usage(e.to_string()))?;
        write_html(path, &report_input(&data, &best, b, Some(&result)))?;
    }
    let winner = result
        .rows
        .first()
        .filter(|r| r.summary.is_some())
        .and_then(|r| index.get(&params_key(&r.params)))
        .and_then(|i| objects.get(*i).cloned().flatten());
    if b.json {
        print_json(&serde_json::json!({
            "source": data.source,
            "sweep": result,
            "winner_config": winner,
        }));
    } else {
        render_sweep(&result, winner.as_ref());
    }
    Ok(())
}

fn params_key(p: &[(String, String)]) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_json(v: &Value) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => outln!("{s}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

/// The bot config file as a JSON object, in the file's key order (paper without a file: the
/// shipped example), as `run` reads it.
fn config_object(args: &crate::args::Args) -> Result<(Map<String, Value>, String), Fail> {
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(bot_config::DEFAULT_PATH));
    let (text, source) = if args.paper && args.config.is_none() && !path.exists() {
        (
            bot_config::EXAMPLE.to_string(),
            "built-in paper defaults".to_string(),
        )
    } else {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            usage(format!(
                "{}: cannot read the bot config ({e}); give --config PATH",
                path.display()
            ))
        })?;
        (text, path.display().to_string())
    };
    let object: Map<String, Value> = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{source}: not a JSON object: {e}")))?;
    Ok((object, source))
}

/// The config with its layers (file, `ROTATION_BOT_<KEY>`, `--set`, then a sweep's values),
/// validated as for `run`; with the merged object (for printing a winner).
fn build_config(
    base: &(Map<String, Value>, String),
    env: &[(String, String)],
    sets: &[String],
    sweep: &[String],
) -> Result<(bot_config::BotConfig, Map<String, Value>), Fail> {
    let mut layered = hedge_app::layers::Layered::from_file(base.0.clone(), &base.1);
    layered
        .apply_env(
            &bot_config::SCHEMA,
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .map_err(|e| usage(format!("{}: {}", e.origin, e.message)))?;
    layered
        .apply_flags(
            &bot_config::SCHEMA,
            sets.iter().chain(sweep).map(String::as_str),
        )
        .map_err(|e| usage(format!("{}: {}", e.origin, e.message)))?;
    let loaded = bot_config::parse_object(layered.object.clone())
        .map_err(|m| usage(format!("{}: {m}", layered.origin_of_message(&m, &base.1))))?;
    Ok((loaded.config, layered.object))
}
