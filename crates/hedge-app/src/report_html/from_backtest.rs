//! A backtest's result (and its sweep) as a report: `rotation-bot backtest --report FILE`
//! calls [`write_backtest_report`] ([`report_from_backtest`] then [`super::write_report`]).
//! With a sweep, pass the result of the run the charts should show (the winner's, or the
//! config as given) and say which in `source`.
//!
//! Everything maps one to one: the strategy's summary and equity curve beside each
//! baseline's, every cycle with its per-leg funding, fees, slippage, net, capture ratio and
//! close reason, hours per symbol, and each sweep combination that ran (a refused
//! combination is listed in the notes, never drawn as 0).

use super::input::{
    CycleRow, LegAmount, PnlPoint, PnlSeries, ReportInput, RunSummary, SweepGrid, SweepRun,
    SymbolTime,
};
use chrono::{DateTime, Utc};
use hedge_backtest::{BacktestResult, EquityPoint, Summary, SweepResult};
use rust_decimal::Decimal;

/// The name a baseline shows under (`never_trade` -> `never trade`).
pub fn baseline_name(name: &str) -> String {
    match name {
        "never_trade" => "never trade".into(),
        "hold_best_first_day" => "hold the best pair of day 1".into(),
        other => other.replace('_', " "),
    }
}

/// A backtest summary as a report column.
pub fn run_summary(name: &str, s: &Summary) -> RunSummary {
    RunSummary {
        name: name.into(),
        net_pnl: Some(s.net_pnl_usd),
        apr_pct: Some(s.apr_percent),
        funding: Some(s.funding_usd),
        fees: Some(s.fees_usd),
        slippage: Some(s.slippage_usd),
        price_pnl: Some(s.price_pnl_usd),
        max_drawdown: Some(s.max_drawdown_usd),
        time_in_market_pct: Some(s.time_in_market_percent),
        cycles: Some(u64::from(s.cycles)),
        // a win rate of no cycle is not 0 %
        win_rate_pct: (s.cycles > 0).then_some(s.win_rate_percent),
    }
}

/// A run's cumulative net PnL line. A run without any cash flow (never trade) has no
/// equity point: its line is flat over the period, from 0 at the start to its net at the
/// end (0 for such a run), so that it shows instead of vanishing.
fn series(
    name: &str,
    baseline: bool,
    equity: &[EquityPoint],
    period: (DateTime<Utc>, DateTime<Utc>),
    net: Decimal,
) -> PnlSeries {
    let points = if equity.is_empty() {
        vec![
            PnlPoint {
                time: period.0,
                value: Decimal::ZERO,
            },
            PnlPoint {
                time: period.1,
                value: net,
            },
        ]
    } else {
        equity
            .iter()
            .map(|p| PnlPoint {
                time: p.time,
                value: p.net_usd,
            })
            .collect()
    };
    PnlSeries {
        name: name.into(),
        baseline,
        points,
    }
}

/// One replayed cycle as a report row.
pub fn cycle_row(c: &hedge_backtest::CycleRow) -> CycleRow {
    CycleRow {
        number: u64::from(c.cycle),
        symbol: c.symbol.clone(),
        long_venue: c.long.venue.clone(),
        short_venue: c.short.venue.clone(),
        opened_at: Some(c.opened_at),
        closed_at: Some(c.closed_at),
        hold_hours: Some(c.hold_hours),
        funding_legs: [&c.long, &c.short]
            .iter()
            .map(|l| LegAmount {
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
    }
}

/// The report of a backtest (and its sweep, when one ran). `source` says where the data
/// came from (`backtest --paper (simulator seed 7)`, `backtest --data funding.json`).
pub fn report_from_backtest(
    result: &BacktestResult,
    sweep: Option<&SweepResult>,
    source: &str,
    now: DateTime<Utc>,
) -> ReportInput {
    let mut input = ReportInput::new("Rotation backtest", source, now);
    input.from = Some(result.from);
    input.to = Some(result.to);
    input
        .summaries
        .push(run_summary("rotation", &result.summary));
    let period = (result.from, result.to);
    input.pnl.push(series(
        "rotation",
        false,
        &result.equity,
        period,
        result.summary.net_pnl_usd,
    ));
    for b in &result.baselines {
        let name = baseline_name(&b.name);
        input.summaries.push(run_summary(&name, &b.summary));
        input.pnl.push(series(
            &name,
            true,
            &b.equity,
            period,
            b.summary.net_pnl_usd,
        ));
        input
            .notes
            .push(format!("Baseline {name}: {}", b.description));
    }
    input.cycles = result.cycles.iter().map(cycle_row).collect();
    let mut tim: Vec<SymbolTime> = result
        .time_in_market_by_symbol
        .iter()
        .filter(|(_, h)| !h.is_zero())
        .map(|(s, h)| SymbolTime {
            symbol: s.clone(),
            hours: *h,
        })
        .collect();
    tim.sort_by(|a, b| b.hours.cmp(&a.hours).then(a.symbol.cmp(&b.symbol)));
    input.time_in_market = tim;
    let st = &result.stats;
    input.notes.push(format!(
        "Symbols: {}. Venues: {} and {}. Selections: {} ({} opened, {} with nothing \
         qualifying); hold decisions: {} ({} extended); budget trips: {}.",
        result.symbols.join(", "),
        result.venues[0],
        result.venues[1],
        st.selections,
        st.opened,
        st.nothing_qualified,
        st.hold_decisions,
        st.extends,
        st.budget_trips
    ));
    if let Some(sw) = sweep {
        let mut refused = Vec::new();
        let runs = sw
            .rows
            .iter()
            .filter_map(|row| match &row.summary {
                Some(s) => Some(SweepRun {
                    values: sw
                        .keys
                        .iter()
                        .map(|k| {
                            row.params
                                .iter()
                                .find(|(pk, _)| pk == k)
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default()
                        })
                        .collect(),
                    net_pnl: s.net_pnl_usd,
                    max_drawdown: Some(s.max_drawdown_usd),
                }),
                None => {
                    let combo = row
                        .params
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    refused.push(format!(
                        "{combo} ({})",
                        row.error.as_deref().unwrap_or("refused")
                    ));
                    None
                }
            })
            .collect();
        input.sweep = Some(SweepGrid {
            keys: sw.keys.clone(),
            runs,
        });
        input.notes.push(format!(
            "Sweep: {} combination(s) on {} thread(s).",
            sw.rows.len(),
            sw.threads
        ));
        if !refused.is_empty() {
            input.notes.push(format!(
                "Sweep combinations that could not run (not drawn): {}",
                refused.join("; ")
            ));
        }
    }
    input
}

/// Writes the report of a backtest (and its sweep) to `path` atomically; returns the number
/// of cycles drawn.
pub fn write_backtest_report(
    path: &std::path::Path,
    result: &BacktestResult,
    sweep: Option<&SweepResult>,
    source: &str,
    now: DateTime<Utc>,
) -> Result<usize, super::ReportError> {
    let input = report_from_backtest(result, sweep, source, now);
    super::write_report(path, &input)?;
    Ok(input.cycles.len())
}
