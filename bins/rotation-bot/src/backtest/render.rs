//! Tables for people, the JSON and the HTML report of a backtest and of a sweep.

use super::{params_key, print_json, BacktestArgs, Fail};
use crate::code;
use crate::outln;
use chrono::{DateTime, Utc};
use hedge_app::report_html;
use hedge_backtest::{BacktestResult, FundingData, Summary, SweepResult};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// A progress bar line: `[####      ] done/total what`.
pub(super) fn bar(done: usize, total: usize, what: &str) -> String {
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    format!(
        "[{}{}] {done}/{total} {what}",
        "#".repeat(filled),
        " ".repeat(width - filled.min(width))
    )
}

/// An amount to two decimals, for tables.
pub(super) fn d2(x: Decimal) -> String {
    format!("{:.2}", x.round_dp(2))
}

/// A time to the minute, UTC.
pub(super) fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The cycles table, the summary beside the baselines, and the selection counters.
pub(super) fn render(data: &FundingData, r: &BacktestResult) {
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
    let rows: [Row; 13] = [
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
        ("failed opens", |s| {
            format!("{} ({} USD)", s.failed_opens, d2(s.failed_open_cost_usd))
        }),
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
pub(super) fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> Decimal {
    (Decimal::from((to - from).num_seconds()) / Decimal::from(86_400)).round_dp(2)
}

/// The sweep ranked by net PnL, then the winner's config file.
pub(super) fn render_sweep(r: &SweepResult, winner: Option<&Map<String, Value>>) {
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

/// Writes the HTML report (exit 1 when it cannot be written).
pub(super) fn write_html(
    path: &std::path::Path,
    input: &report_html::ReportInput,
) -> Result<(), Fail> {
    report_html::write_report(path, input)
        .map_err(|e| (code::VENUE_ERROR, format!("--report: {e}")))?;
    eprintln!("report written to {}", path.display());
    Ok(())
}

/// The report of a backtest (and of its sweep).
pub(super) fn report_input(
    data: &FundingData,
    r: &BacktestResult,
    b: &BacktestArgs,
    sweep: Option<&SweepResult>,
) -> report_html::ReportInput {
    let source = format!(
        "backtest of {} symbols over {} days; data: {}",
        r.symbols.len(),
        days(r.from, r.to),
        data.source
    );
    let mut input = report_html::from_backtest::report_from_backtest(r, sweep, &source, Utc::now());
    input.notes.extend([
        "Decisions: the bot's own (rotation::policy) on a simulated clock; the current rate at a moment is the last settled one (no look-ahead).".into(),
        match &b.books {
            Some(p) => format!("Slippage from recorded books ({}), {} bps where none.", p.display(), b.slippage_bps),
            None => format!("Slippage: {} bps per fill; taker fees from the venues' schedules.", b.slippage_bps),
        },
        if b.open_failure_percent > Decimal::ZERO {
            format!("{} % of opens fail with one leg unwound (seed {}); without mark prices in the data the price PnL is 0 and the stop-loss cannot fire.", b.open_failure_percent, b.seed)
        } else {
            "Opens always fill in the replay; without mark prices in the data the price PnL is 0 and the stop-loss cannot fire.".into()
        },
        "hold_best_first_day picks its pair with one day of hindsight.".into(),
    ]);
    if r.summary.failed_opens > 0 {
        input.notes.push(format!(
            "{} failed open(s) cost {} USD (in the net PnL).",
            r.summary.failed_opens,
            d2(r.summary.failed_open_cost_usd)
        ));
    }
    input
}
