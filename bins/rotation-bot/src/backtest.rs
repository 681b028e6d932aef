//! `rotation-bot backtest`: arguments, the data source (a data file, the venues' public
//! history, or the simulator's own history with `--paper`), progress on stderr, and the
//! rendering of `hedge_backtest`'s result. Every decision is the bot's own
//! (`hedge_engine::rotation::policy`); the replay lives in `hedge-backtest`.

use crate::code;
use crate::outln;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hedge_app::bot_config;
use hedge_app::report_html;
use hedge_backtest::sweep::{combinations, default_threads, parse_specs, run_sweep, SweepJob};
use hedge_backtest::{
    BacktestResult, BookDepth, FeeSchedule, FundingData, MarketHistory, ReplayConfig,
    SlippageModel, Summary, SweepResult, VenueHistory,
};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Replay funding history through the bot's own decisions: the cycles it would have run,
/// their funding per leg, fees and slippage, a summary, and two baselines (never trade; hold
/// the best pair of the first day).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Data: --paper replays the simulator's own deterministic funding history (no network). \
Otherwise --data FILE is read when it exists; when it does not (or without --data, into \
backtest_data.json) both venues' public funding history is fetched (no credentials) and \
written there for offline reuse.

Slippage: --slippage-bps per fill (default 2), or --books FILE: top-of-book depth as CSV \
`time,venue,symbol,bid,bid_size,ask,ask_size` (one snapshot per line, RFC 3339 times), \
priced with the bot's own book-walk estimate.

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
    /// --paper: seed of the simulator's funding model.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Slippage per fill, basis points of the notional (flat model).
    #[arg(long = "slippage-bps", default_value = "2", value_name = "BPS")]
    pub slippage_bps: Decimal,
    /// Recorded top-of-book depth (CSV, see below) instead of the flat model.
    #[arg(long, value_name = "FILE")]
    pub books: Option<PathBuf>,
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
            let text = std::fs::read_to_string(p)
                .map_err(|e| usage(format!("--books {}: {e}", p.display())))?;
            let depth = BookDepth::parse_csv(&text)
                .map_err(|e| usage(format!("--books {}: {e}", p.display())))?;
            SlippageModel::Books {
                depth,
                fallback_bps: b.slippage_bps,
            }
        }
        None => SlippageModel::FlatBps(b.slippage_bps),
    };
    let (from, to) = explicit_period(b)?;
    let replay_of = |cfg: &bot_config::BotConfig| -> Result<ReplayConfig, String> {
        let mut machine = cfg.machine_config(None)?;
        machine.symbols = symbols.clone();
        Ok(ReplayConfig {
            machine,
            slippage: slippage.clone(),
            from,
            to,
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

fn parse_date(flag: &str, s: &str) -> Result<DateTime<Utc>, Fail> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            usage(format!(
                "{flag} {s:?}: expected YYYY-MM-DD or an RFC 3339 time"
            ))
        })
}

/// The period asked on the command line (`None` parts: the data's).
fn explicit_period(b: &BacktestArgs) -> Result<Period, Fail> {
    let to = b.to.as_deref().map(|s| parse_date("--to", s)).transpose()?;
    let from = match (&b.from, b.days) {
        (Some(s), _) => Some(parse_date("--from", s)?),
        (None, Some(n)) => to.map(|t| t - Duration::days(i64::from(n))),
        (None, None) => None,
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(usage(format!("--from {f} must be before --to {t}")));
        }
    }
    Ok((from, to))
}

/// The period to load or fetch: --from/--to/--days, default the 30 days before today 00:00.
fn fetch_period(b: &BacktestArgs) -> Result<(DateTime<Utc>, DateTime<Utc>), Fail> {
    let (from, to) = explicit_period(b)?;
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - Duration::days(i64::from(b.days.unwrap_or(30))));
    if from >= to {
        return Err(usage(format!("--from {from} must be before --to {to}")));
    }
    Ok((from, to))
}

fn load_data(
    args: &crate::args::Args,
    b: &BacktestArgs,
    symbols: &[String],
) -> Result<FundingData, Fail> {
    if let Some(p) = b.data.as_deref().filter(|p| p.exists()) {
        return FundingData::load(p).map_err(|e| usage(format!("--data: {e}")));
    }
    let (from, to) = fetch_period(b)?;
    let data = if args.paper {
        paper_data(b.seed, symbols, from, to)?
    } else {
        fetch_live(args, symbols, from, to)?
    };
    if args.paper && b.data.is_none() {
        return Ok(data); // regenerated at will: nothing to cache
    }
    let path = b
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from("backtest_data.json"));
    data.save(&path)
        .map_err(|e| (code::VENUE_ERROR, format!("--data: {e}")))?;
    eprintln!("funding data written to {}", path.display());
    Ok(data)
}

/// The simulator's own deterministic history (what `--paper` trades on with this seed).
pub fn paper_data(
    seed: u64,
    symbols: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FundingData, Fail> {
    use venue_sim::engine::VenueKind;
    let listed = venue_sim::history::symbols();
    let (known, unknown): (Vec<String>, Vec<String>) = symbols
        .iter()
        .cloned()
        .partition(|s| listed.iter().any(|l| l.eq_ignore_ascii_case(s)));
    if !unknown.is_empty() {
        eprintln!(
            "PAPER: the simulator does not list {} (left out)",
            unknown.join(", ")
        );
    }
    let params = venue_sim::engine::funding::EpisodeParams::default();
    let h = venue_sim::history::paper_history(seed, &params, &known, from, to)
        .map_err(|e| usage(e.to_string()))?;
    let venue = |kind: VenueKind| -> VenueHistory {
        let series = h.venues.get(&kind).cloned().unwrap_or_default();
        let fees = series
            .values()
            .next()
            .map(|s| FeeSchedule {
                maker: s.fees.maker,
                taker: s.fees.taker,
            })
            .unwrap_or(FeeSchedule {
                maker: Decimal::ZERO,
                taker: Decimal::ZERO,
            });
        let markets = series
            .into_iter()
            .map(|(symbol, s)| {
                let mut m = MarketHistory::from_points(Some(s.interval_minutes), &s.points);
                m.taker_fee = Some(s.fees.taker).filter(|f| *f != fees.taker);
                m.maker_fee = Some(s.fees.maker).filter(|f| *f != fees.maker);
                (symbol, m)
            })
            .collect();
        VenueHistory {
            venue: kind.name().to_string(),
            fees,
            markets,
        }
    };
    let data = FundingData {
        version: hedge_backtest::data::DATA_VERSION,
        source: format!("paper simulator funding model, seed {seed}"),
        created_at: None,
        from,
        to,
        venues: vec![venue(VenueKind::Edgex), venue(VenueKind::Lighter)],
    };
    data.validate().map_err(|e| usage(e.to_string()))?;
    Ok(data)
}

fn fetch_live(
    args: &crate::args::Args,
    symbols: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FundingData, Fail> {
    use hedge_app::credentials::VenueSettings;
    use hedge_app::env::Env;
    use hedge_app::venues::VenueKind;
    use hedge_app::wiring::{StateSettings, Wiring};
    let env = match args.env_file.as_deref() {
        Some(p) => Env::load(p, true),
        None => Env::load_default(),
    }
    .map_err(|e| usage(e.to_string()))?;
    let settings = VenueSettings::from_env(&env).map_err(|e| usage(e.to_string()))?;
    // Public endpoints only: no order is sent, the engine is never used.
    let state = StateSettings {
        path: std::env::temp_dir().join("rotation-bot-backtest-unused.json"),
        init_state: true,
        lock_wait: std::time::Duration::from_secs(1),
    };
    let wiring = Wiring::live(&settings, "USD", &state).map_err(|e| usage(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (code::VENUE_ERROR, format!("cannot start the runtime: {e}")))?;
    let (a, b) = (
        wiring.venue(VenueKind::Edgex),
        wiring.venue(VenueKind::Lighter),
    );
    let tty = std::io::stderr().is_terminal();
    let progress = move |done: usize, total: usize, what: &str| {
        if tty {
            eprint!("\r{} {what:<40}", bar(done, total, "reads"));
            if done == total {
                eprintln!();
            }
        } else {
            eprintln!("[{done}/{total}] {what}");
        }
    };
    rt.block_on(hedge_backtest::fetch::fetch(
        [a.as_ref(), b.as_ref()],
        symbols,
        from,
        to,
        &progress,
    ))
    .map_err(|e| (code::VENUE_ERROR, e.to_string()))
}

fn bar(done: usize, total: usize, what: &str) -> String {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    format!(
        "[{}{}] {done}/{total} {what}",
        "#".repeat(filled),
        " ".repeat(width - filled.min(width))
    )
}

fn d2(x: Decimal) -> String {
    format!("{:.2}", x.round_dp(2))
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn render(data: &FundingData, r: &BacktestResult) {
    outln!(
        "BACKTEST {} .. {} ({} days), {} symbols, {} / {}; data: {}",
        time(r.from),
        time(r.to),
        days(r.from, r.to),
        r.symbols.len(),
        r.venues[0],
        r.venues[1],
        data.source
    );
    outln!();
    outln!(
        "{:>4}  {:<9} {:<26} {:<16} {:<16} {:>7} {:>9} {:>9} {:>7} {:>7} {:>8} {:>7}  reason",
        "#",
        "symbol",
        "direction",
        "opened",
        "closed",
        "hold h",
        "fund L",
        "fund S",
        "fees",
        "slip",
        "net",
        "capture"
    );
    for c in &r.cycles {
        outln!(
            "{:>4}  {:<9} {:<26} {:<16} {:<16} {:>7} {:>9} {:>9} {:>7} {:>7} {:>8} {:>7}  {}",
            c.cycle,
            c.symbol,
            c.direction,
            time(c.opened_at),
            time(c.closed_at),
            c.hold_hours.round_dp(1),
            d2(c.long.funding_usd),
            d2(c.short.funding_usd),
            d2(c.fees_usd),
            d2(c.slippage_usd),
            d2(c.net_usd),
            c.capture_ratio
                .map(|x| x.round_dp(2).to_string())
                .unwrap_or_else(|| "-".into()),
            c.close_reason.as_str()
        );
    }
    if r.cycles.is_empty() {
        outln!(
            "  (no cycle: nothing qualified at {} selections)",
            r.stats.selections
        );
    }
    outln!();
    let mut cols: Vec<(&str, &Summary)> = vec![("strategy", &r.summary)];
    cols.extend(r.baselines.iter().map(|b| (b.name.as_str(), &b.summary)));
    outln!(
        "{:<22}{}",
        "",
        cols.iter()
            .map(|(n, _)| format!("{n:>22}"))
            .collect::<String>()
    );
    type Row = (&'static str, fn(&Summary) -> String);
    let rows: [Row; 12] = [
        ("net PnL (USD)", |s| d2(s.net_pnl_usd)),
        ("APR on capital (%)", |s| d2(s.apr_percent)),
        ("capital used (USD)", |s| d2(s.capital_used_usd)),
        ("funding (USD)", |s| d2(s.funding_usd)),
        ("fees (USD)", |s| d2(s.fees_usd)),
        ("slippage (USD)", |s| d2(s.slippage_usd)),
        ("price PnL (USD)", |s| d2(s.price_pnl_usd)),
        ("max drawdown (USD)", |s| d2(s.max_drawdown_usd)),
        ("time in market (%)", |s| d2(s.time_in_market_percent)),
        ("cycles", |s| s.cycles.to_string()),
        ("win rate (%)", |s| d2(s.win_rate_percent)),
        ("mean capture ratio", |s| {
            s.mean_capture_ratio
                .map(|x| x.round_dp(2).to_string())
                .unwrap_or_else(|| "-".into())
        }),
    ];
    for (label, f) in rows {
        outln!(
            "{label:<22}{}",
            cols.iter()
                .map(|(_, s)| format!("{:>22}", f(s)))
                .collect::<String>()
        );
    }
    for b in &r.baselines {
        outln!("  {}: {}", b.name, b.description);
    }
    let s = &r.stats;
    outln!(
        "  selections {}, opened {}, nothing qualified {}, hold decisions {} ({} extend), budget pauses {}",
        s.selections, s.opened, s.nothing_qualified, s.hold_decisions, s.extends, s.budget_trips
    );
}

/// Whole days between two times (rounded to 2 decimals).
pub fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    (Decimal::from((to - from).num_seconds()) / Decimal::from(86_400)).round_dp(2)
}

fn render_sweep(r: &SweepResult, winner: Option<&Map<String, Value>>) {
    outln!(
        "SWEEP of {} ({} combinations on {} threads), ranked by net PnL",
        r.keys.join(", "),
        r.rows.len(),
        r.threads
    );
    outln!(
        "{:>4}  {:<48} {:>10} {:>10} {:>9} {:>7} {:>8}",
        "rank",
        "settings",
        "net USD",
        "max DD",
        "APR %",
        "cycles",
        "win %"
    );
    for row in &r.rows {
        let settings = params_key(&row.params);
        match (&row.summary, &row.error) {
            (Some(s), _) => outln!(
                "{:>4}  {:<48} {:>10} {:>10} {:>9} {:>7} {:>8}",
                row.rank,
                settings,
                d2(s.net_pnl_usd),
                d2(s.max_drawdown_usd),
                d2(s.apr_percent),
                s.cycles,
                d2(s.win_rate_percent)
            ),
            (None, e) => outln!(
                "{:>4}  {:<48} refused: {}",
                row.rank,
                settings,
                e.as_deref().unwrap_or("?")
            ),
        }
    }
    match winner {
        Some(obj) => {
            outln!();
            outln!("Winner's config (rotation_bot_config.json):");
            print_json(&Value::Object(obj.clone()));
        }
        None => outln!("no combination could run"),
    }
}

fn write_html(path: &std::path::Path, input: &report_html::ReportInput) -> Result<(), Fail> {
    report_html::write_report(path, input)
        .map_err(|e| (code::VENUE_ERROR, format!("--report: {e}")))?;
    eprintln!("report written to {}", path.display());
    Ok(())
}

fn run_summary(name: &str, s: &Summary) -> report_html::RunSummary {
    report_html::RunSummary {
        name: name.to_string(),
        net_pnl: Some(s.net_pnl_usd),
        apr_pct: Some(s.apr_percent),
        funding: Some(s.funding_usd),
        fees: Some(s.fees_usd),
        slippage: Some(s.slippage_usd),
        price_pnl: Some(s.price_pnl_usd),
        max_drawdown: Some(s.max_drawdown_usd),
        time_in_market_pct: Some(s.time_in_market_percent),
        cycles: Some(u64::from(s.cycles)),
        win_rate_pct: Some(s.win_rate_percent),
    }
}

fn pnl_series(
    name: &str,
    baseline: bool,
    curve: &[hedge_backtest::EquityPoint],
    from: DateTime<Utc>,
) -> report_html::PnlSeries {
    let mut points = vec![report_html::PnlPoint {
        time: from,
        value: Decimal::ZERO,
    }];
    points.extend(curve.iter().map(|p| report_html::PnlPoint {
        time: p.time,
        value: p.net_usd,
    }));
    report_html::PnlSeries {
        name: name.to_string(),
        baseline,
        points,
    }
}

/// The report of a backtest (and of its sweep).
fn report_input(
    data: &FundingData,
    r: &BacktestResult,
    b: &BacktestArgs,
    sweep: Option<&SweepResult>,
) -> report_html::ReportInput {
    let mut input = report_html::ReportInput::new(
        "Rotation backtest",
        format!(
            "backtest of {} symbols over {} days; data: {}",
            r.symbols.len(),
            days(r.from, r.to),
            data.source
        ),
        Utc::now(),
    );
    input.from = Some(r.from);
    input.to = Some(r.to);
    input.summaries.push(run_summary("rotation", &r.summary));
    input
        .pnl
        .push(pnl_series("rotation", false, &r.equity, r.from));
    for base in &r.baselines {
        input.summaries.push(run_summary(&base.name, &base.summary));
        let mut series = pnl_series(&base.name, true, &base.equity, r.from);
        // A held baseline's curve runs to the end of the period.
        if let Some(last) = series.points.last().copied() {
            if last.time < r.to {
                series.points.push(report_html::PnlPoint {
                    time: r.to,
                    value: last.value,
                });
            }
        }
        input.pnl.push(series);
    }
    input.cycles = r
        .cycles
        .iter()
        .map(|c| report_html::CycleRow {
            number: u64::from(c.cycle),
            symbol: c.symbol.clone(),
            long_venue: c.long.venue.clone(),
            short_venue: c.short.venue.clone(),
            opened_at: Some(c.opened_at),
            closed_at: Some(c.closed_at),
            hold_hours: Some(c.hold_hours),
            funding_legs: [&c.long, &c.short]
                .into_iter()
                .map(|l| report_html::LegAmount {
                    venue: l.venue.clone(),
                    amount: l.funding_usd,
                })
                .collect(),
            funding_settled: Some(c.funding_usd),
            funding_expected: Some(c.expected_funding_usd),
            fees: Some(c.fees_usd),
            slippage: Some(c.slippage_usd),
            net: Some(c.net_usd),
            capture_ratio: c.capture_ratio,
            close_reason: Some(c.close_reason.as_str().to_string()),
        })
        .collect();
    input.time_in_market = r
        .time_in_market_by_symbol
        .iter()
        .map(|(symbol, hours)| report_html::SymbolTime {
            symbol: symbol.clone(),
            hours: *hours,
        })
        .collect();
    input.sweep = sweep.map(|s| report_html::SweepGrid {
        keys: s.keys.clone(),
        runs: s
            .rows
            .iter()
            .filter_map(|row| {
                let summary = row.summary.as_ref()?;
                Some(report_html::SweepRun {
                    values: row.params.iter().map(|(_, v)| v.clone()).collect(),
                    net_pnl: summary.net_pnl_usd,
                    max_drawdown: Some(summary.max_drawdown_usd),
                })
            })
            .collect(),
    });
    input.notes = vec![
        "Decisions: the bot's own (rotation::policy) on a simulated clock; the current rate at a moment is the last settled one (no look-ahead).".into(),
        match &b.books {
            Some(p) => format!("Slippage from recorded books ({}), {} bps where none.", p.display(), b.slippage_bps),
            None => format!("Slippage: {} bps per fill; taker fees from the venues' schedules.", b.slippage_bps),
        },
        "Opens always fill in the replay; without mark prices in the data the price PnL is 0 and the stop-loss cannot fire.".into(),
        "hold_best_first_day picks its pair with one day of hindsight.".into(),
    ];
    input
}

/// `--record-books FILE`: while the bot runs, every `every` of clock time the top of book
/// of each symbol on both venues is appended to FILE in the CSV that `backtest --books`
/// reads (the header is written to a new file). A failed read is skipped; a failed write
/// stops the recorder with a warning (the bot goes on).
pub fn spawn_book_recorder(
    path: &std::path::Path,
    venues: [std::sync::Arc<dyn venue_api::Venue>; 2],
    symbols: Vec<String>,
    clock: std::sync::Arc<dyn venue_api::Clock>,
    every: std::time::Duration,
) -> Result<tokio::task::JoinHandle<()>, String> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("--record-books {}: {e}", path.display()))?;
    let fresh = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if fresh {
        writeln!(file, "{}", hedge_backtest::market::BOOK_CSV_HEADER)
            .map_err(|e| format!("--record-books {}: {e}", path.display()))?;
    }
    let shown = path.display().to_string();
    let every = every.max(std::time::Duration::from_secs(1));
    Ok(tokio::spawn(async move {
        loop {
            let refs: Vec<&dyn venue_api::Venue> = venues.iter().map(|v| v.as_ref()).collect();
            let (lines, failed) = hedge_backtest::market::record_books_once(&refs, &symbols).await;
            if failed > 0 {
                tracing::debug!("--record-books: {failed} book read(s) failed, skipped");
            }
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.flush()) {
                tracing::warn!("--record-books {shown}: {e}; book recording stopped");
                return;
            }
            clock.sleep(every).await;
        }
    }))
}
