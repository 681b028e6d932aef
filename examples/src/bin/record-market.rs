//! `record-market`: records one venue's top of book, public trades and funding rates into CSV
//! files per symbol and UTC day (see `examples/record-market.md`).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, ValueEnum};
use hedge_app::logging::LogSettings;
use hedge_app::venues::VenueKind;
use hedge_examples::common::{CommonArgs, Shutdown};
use hedge_examples::record::{self, symbol::Timing, RecordConfig};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Log target of the summary lines (file only: the console has them on stdout).
const SUMMARY_TARGET: &str = "record_market::summary";

/// The venue to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum VenueArg {
    /// EdgeX.
    Edgex,
    /// Lighter.
    Lighter,
}

/// Record top of book, public trades and funding of some symbols of one venue into CSV files
/// per symbol and UTC day: <OUT>/<venue>/<SYMBOL>_{book,trades,funding}_<YYYY-MM-DD>.csv.
///
/// Public data only: live mode needs no credentials. Files are appended (a header line only
/// in a new file), flushed every --flush-interval seconds and at stop, and safe to restart
/// into: a torn last line left by a kill is cut off, and trades continue after the last id
/// recorded (the ones printed meanwhile are fetched), so no trade is written twice. The book
/// files are what `rotation-bot backtest --books <OUT>` reads. One recorder per output
/// directory and venue (a lock file).
#[derive(Debug, Parser)]
#[command(
    name = "record-market",
    version,
    after_help = "Exit codes:\n  0    stopped by --duration\n  1    venue error at start (e.g. unknown symbol), file error, or the output directory is locked by another recorder\n  2    usage error\n  130  stopped by SIGINT\n  143  stopped by SIGTERM"
)]
struct Args {
    /// The venue.
    #[arg(long, value_enum)]
    venue: VenueArg,

    /// Symbols (base assets), comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "PAXG",
        value_name = "SYM,..."
    )]
    symbols: Vec<String>,

    /// Output root directory.
    #[arg(long, default_value = "market_data", value_name = "DIR")]
    out: PathBuf,

    /// At most one book row per this many milliseconds, written only when the top of book
    /// changed (also the poll interval on a venue without a market feed).
    #[arg(long = "book-interval", default_value_t = 1000, value_name = "MS")]
    book_interval: u64,

    /// Funding rate poll interval.
    #[arg(
        long = "funding-interval",
        default_value_t = 60,
        value_name = "SECONDS"
    )]
    funding_interval: u64,

    /// Buffered rows are written to the files this often (and at stop).
    #[arg(long = "flush-interval", default_value_t = 5, value_name = "SECONDS")]
    flush_interval: u64,

    /// Recent-trades poll interval on a venue without a market feed.
    #[arg(long = "trade-poll", default_value_t = 2000, value_name = "MS")]
    trade_poll: u64,

    /// Trades asked per recent-trades call (the gap a restart can fill).
    #[arg(long = "backfill-limit", default_value_t = 100, value_name = "N")]
    backfill_limit: usize,

    /// Summary line interval.
    #[arg(
        long = "summary-interval",
        default_value_t = 60,
        value_name = "SECONDS"
    )]
    summary_interval: u64,

    /// A book silent for longer than this is reported STALE in the summary.
    #[arg(long = "stale-after", default_value_t = 60, value_name = "SECONDS")]
    stale_after: u64,

    /// A market feed whose book is silent this long is subscribed again (a connection can
    /// stay alive with no data); a feed the venue ended is retried this often. 0: never.
    #[arg(
        long = "resubscribe-after",
        default_value_t = 120,
        value_name = "SECONDS"
    )]
    resubscribe_after: u64,

    /// Log file (INFO, with the summary lines; RUST_LOG overrides its filter). Default
    /// <OUT>/<venue>/record-market.log.
    #[arg(long = "log-file", value_name = "FILE")]
    log_file: Option<PathBuf>,

    #[command(flatten)]
    common: CommonArgs,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(hedge_app::exit::CONFIG_ERROR)
}

fn config(a: &Args) -> Result<RecordConfig, String> {
    let mut symbols: Vec<String> = Vec::new();
    for s in &a.symbols {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "--symbols: {s:?} is not a symbol (letters and digits)"
            ));
        }
        if !symbols.contains(&s) {
            symbols.push(s);
        }
    }
    if symbols.is_empty() {
        return Err("--symbols: at least one symbol".into());
    }
    for (flag, v) in [
        ("--book-interval", a.book_interval),
        ("--funding-interval", a.funding_interval),
        ("--flush-interval", a.flush_interval),
        ("--trade-poll", a.trade_poll),
        ("--summary-interval", a.summary_interval),
        ("--backfill-limit", a.backfill_limit as u64),
    ] {
        if v == 0 {
            return Err(format!("{flag}: must be at least 1, got 0"));
        }
    }
    Ok(RecordConfig {
        symbols,
        out: a.out.clone(),
        timing: Timing {
            book_interval: Duration::from_millis(a.book_interval),
            funding_interval: Duration::from_secs(a.funding_interval),
            flush_interval: Duration::from_secs(a.flush_interval),
            trade_poll: Duration::from_millis(a.trade_poll),
            backfill_limit: a.backfill_limit,
            resubscribe_after: (a.resubscribe_after > 0)
                .then(|| Duration::from_secs(a.resubscribe_after)),
        },
        summary_interval: Duration::from_secs(a.summary_interval),
        stale_after: Duration::from_secs(a.stale_after),
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(m) => return usage(&m),
    };
    let kind = match args.venue {
        VenueArg::Edgex => VenueKind::Edgex,
        VenueArg::Lighter => VenueKind::Lighter,
    };
    let log_file = args
        .log_file
        .clone()
        .unwrap_or_else(|| cfg.out.join(kind.id()).join("record-market.log"));
    hedge_app::logging::init(&LogSettings {
        paper: args.common.paper,
        file: log_file,
        // the summary goes to stdout already; the file gets it as a log line
        console_filter: format!("info,{SUMMARY_TARGET}=off"),
        // INFO: a log that runs for months stays small (RUST_LOG=debug for more)
        file_filter: "info".into(),
        console_target: false,
        banner: args
            .common
            .paper
            .then(|| "paper mode: recording the in-process simulator".into()),
    });
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(hedge_app::exit::VENUE_ERROR);
        }
    };
    rt.block_on(run(args, cfg, kind))
}

async fn run(args: Args, cfg: RecordConfig, kind: VenueKind) -> ExitCode {
    let shutdown = match Shutdown::install(args.common.duration.map(Duration::from_secs)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(hedge_app::exit::VENUE_ERROR);
        }
    };
    let connected = match args.common.connect("record-market", "USD").await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(hedge_app::exit::CONFIG_ERROR);
        }
    };
    let tag = if connected.paper() { "PAPER " } else { "" };
    let mut print = |line: &str| {
        println!("{tag}{line}");
        if line.starts_with("STALE") {
            tracing::warn!(target: SUMMARY_TARGET, "{line}");
        } else {
            tracing::info!(target: SUMMARY_TARGET, "{line}");
        }
    };
    let result = record::run(
        connected.venue(kind),
        connected.clock(),
        &cfg,
        shutdown.clone(),
        &mut print,
    )
    .await;
    match result {
        Ok(done) => {
            println!("{tag}stopped; files in {}", done.dir.display());
            ExitCode::from(shutdown.reason().exit_code())
        }
        Err(e) => {
            eprintln!("{tag}error: {e}");
            ExitCode::from(hedge_app::exit::VENUE_ERROR)
        }
    }
}
