//! Where a backtest's data comes from: a data file, the simulator's seeded history
//! (`--paper`), or both venues' public history fetched through the adapters; and the period.

use super::render::bar;
use super::{usage, BacktestArgs, Fail, Period};
use crate::code;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hedge_backtest::{FeeSchedule, FundingData, MarketHistory, VenueHistory};
use rust_decimal::Decimal;
use std::io::IsTerminal;
use std::path::PathBuf;

pub(super) fn parse_date(flag: &str, s: &str) -> Result<DateTime<Utc>, Fail> {
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
pub(super) fn explicit_period(b: &BacktestArgs) -> Result<Period, Fail> {
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
pub(super) fn fetch_period(b: &BacktestArgs) -> Result<(DateTime<Utc>, DateTime<Utc>), Fail> {
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

pub(super) fn load_data(
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
pub(super) fn paper_data(
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

pub(super) fn fetch_live(
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
