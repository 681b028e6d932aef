//! The live bot's history as a report: [`BotState`]'s completed cycles (each with its
//! ledger: funding settled per venue, fees, funding expected at entry, capture ratio, close
//! reason) and its running totals, mapped onto [`ReportInput`]. Reads nothing but the state.
//!
//! A cycle without a ledger (a seed file, a cycle closed before the ledger existed) shows its
//! realised PnL from the balance change and "n/a" for what only the ledger knows. The live
//! report has no baselines (they need the venues' history: the backtest draws them).

use super::input::{CycleRow, LegAmount, PnlPoint, PnlSeries, ReportInput, RunSummary, SymbolTime};
use chrono::{DateTime, Utc};
use hedge_engine::rotation::state::{BotState, CycleRecord};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Hours in a year (APR).
const HOURS_PER_YEAR: i64 = 8_760;

/// One completed cycle as a report row.
pub fn cycle_row(c: &CycleRecord) -> CycleRow {
    let ledger = c.ledger.as_ref();
    let net = ledger
        .and_then(|l| l.realised.known())
        .or(c.pnl_breakdown.total_realized_pnl);
    CycleRow {
        number: c.cycle_number,
        symbol: c.symbol.clone(),
        long_venue: c.entry.long_exchange.clone(),
        short_venue: c.entry.short_exchange.clone(),
        opened_at: Some(c.opened_at),
        closed_at: Some(c.closed_at),
        hold_hours: Some(c.duration_hours),
        funding_legs: ledger
            .map(|l| {
                l.venues
                    .iter()
                    .filter_map(|v| {
                        v.funding.known().map(|amount| LegAmount {
                            venue: v.venue.clone(),
                            amount,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        funding_settled: ledger.and_then(|l| l.funding.known()),
        funding_expected: ledger.map(|l| l.expected_funding_usd),
        fees: ledger.and_then(|l| l.fees.known()),
        slippage: None,
        net,
        capture_ratio: ledger.and_then(|l| l.capture_ratio),
        close_reason: c
            .close_reason
            .clone()
            .or_else(|| c.stop_loss_reason.clone()),
    }
}

/// Largest fall of a cumulative series from a previous high (0 when it never falls).
pub fn max_drawdown(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    let mut peak = Decimal::ZERO;
    let mut worst = Decimal::ZERO;
    for v in values {
        peak = peak.max(v);
        worst = worst.max(peak - v);
    }
    worst
}

/// The report of a state file. `source` names it for the page (`state file ./bot_state.json`).
pub fn report_from_state(state: &BotState, source: &str, now: DateTime<Utc>) -> ReportInput {
    let mut input = ReportInput::new("Rotation bot: completed cycles", source, now);
    let cycles = &state.completed_cycles;
    input.cycles = cycles.iter().map(cycle_row).collect();
    input.from = cycles.iter().map(|c| c.opened_at).min();
    input.to = cycles.iter().map(|c| c.closed_at).max();
    // cumulative net PnL, one point at the first open, then one per close
    let mut points = Vec::new();
    let mut unknown = 0usize;
    if let Some(from) = input.from {
        points.push(PnlPoint {
            time: from,
            value: Decimal::ZERO,
        });
    }
    let mut order: Vec<&CycleRow> = input.cycles.iter().collect();
    order.sort_by_key(|c| c.closed_at);
    let mut total = Decimal::ZERO;
    for c in order {
        match (c.net, c.closed_at) {
            (Some(n), Some(t)) => {
                total += n;
                points.push(PnlPoint {
                    time: t,
                    value: total,
                });
            }
            _ => unknown += 1,
        }
    }
    let drawdown = max_drawdown(points.iter().map(|p| p.value));
    input.pnl = vec![PnlSeries {
        name: "rotation bot".into(),
        baseline: false,
        points,
    }];
    let mut by_symbol: BTreeMap<&str, Decimal> = BTreeMap::new();
    for c in cycles {
        *by_symbol.entry(c.symbol.as_str()).or_default() += c.duration_hours;
    }
    let mut tim: Vec<SymbolTime> = by_symbol
        .into_iter()
        .map(|(s, h)| SymbolTime {
            symbol: s.to_string(),
            hours: h,
        })
        .collect();
    tim.sort_by(|a, b| b.hours.cmp(&a.hours).then(a.symbol.cmp(&b.symbol)));
    input.time_in_market = tim;
    input.summaries = vec![summary(state, &input, drawdown)];
    input.notes.push(
        "Live history: no baselines (they need both venues' funding history; the backtest \
         report draws them). Slippage is inside the trading PnL of the ledger."
            .into(),
    );
    if unknown > 0 {
        input.notes.push(format!(
            "{unknown} cycle(s) without a known net PnL are left out of the PnL line."
        ));
    }
    if state.cumulative_stats.total_cycles > cycles.len() as u64 {
        input.notes.push(format!(
            "The state file keeps the last {} of {} cycles: the charts and the table show \
             those; the totals cover all.",
            cycles.len(),
            state.cumulative_stats.total_cycles
        ));
    }
    input
}

fn summary(state: &BotState, input: &ReportInput, drawdown: Decimal) -> RunSummary {
    let stats = &state.cumulative_stats;
    let kept = &input.cycles;
    let period_h = match (input.from, input.to) {
        (Some(f), Some(t)) if t > f => {
            Some(Decimal::from((t - f).num_minutes()) / Decimal::from(60))
        }
        _ => None,
    };
    let held: Decimal = kept.iter().filter_map(|c| c.hold_hours).sum();
    let capital = state
        .capital_status
        .as_ref()
        .and_then(|c| c.total_capital)
        .filter(|c| *c > Decimal::ZERO);
    let net = if stats.total_cycles > 0 {
        Some(stats.total_realized_pnl)
    } else {
        None
    };
    let known_nets: Vec<Decimal> = kept.iter().filter_map(|c| c.net).collect();
    RunSummary {
        name: "rotation bot".into(),
        net_pnl: net,
        apr_pct: match (net, capital, period_h) {
            (Some(n), Some(c), Some(h)) => {
                Some(n / c * Decimal::from(HOURS_PER_YEAR) / h * Decimal::ONE_HUNDRED)
            }
            _ => None,
        },
        funding: net.map(|_| stats.total_funding_pnl),
        fees: net.map(|_| stats.total_fees_paid),
        slippage: None,
        price_pnl: net.map(|_| stats.total_trading_pnl),
        max_drawdown: Some(drawdown),
        time_in_market_pct: period_h.map(|p| held / p * Decimal::ONE_HUNDRED),
        cycles: Some(stats.total_cycles),
        win_rate_pct: if known_nets.is_empty() {
            None
        } else {
            let wins = known_nets.iter().filter(|n| **n > Decimal::ZERO).count();
            Some(Decimal::from(wins) * Decimal::ONE_HUNDRED / Decimal::from(known_nets.len()))
        },
    }
}
