//! A backtest result and its sweep map onto the report one to one, and the rendered page
//! draws every cycle, every equity point of the run and of each baseline, and every sweep
//! combination that ran (a refused one is noted, not drawn).

use super::from_backtest::{baseline_name, report_from_backtest};
use super::render;
use super::tests::{chart, marks, parse};
use chrono::{DateTime, Duration, TimeZone, Utc};
use hedge_backtest::{
    BacktestResult, Baseline, CloseTag, CycleRow, EquityPoint, LegResult, SelectionStats, Summary,
    SweepResult, SweepRow,
};
use hedge_engine::rotation::economics::LegSide;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn summary(net: Decimal, cycles: u32) -> Summary {
    Summary {
        net_pnl_usd: net,
        capital_used_usd: dec!(100),
        apr_percent: net * dec!(10),
        funding_usd: net + dec!(1),
        fees_usd: dec!(0.8),
        slippage_usd: dec!(0.2),
        price_pnl_usd: dec!(0),
        max_drawdown_usd: dec!(0.5),
        time_in_market_percent: dec!(40),
        time_in_market_hours: dec!(288),
        cycles,
        win_rate_percent: if cycles > 0 { dec!(50) } else { dec!(0) },
        mean_capture_ratio: None,
        failed_opens: 0,
        failed_open_cost_usd: dec!(0),
    }
}

fn leg(venue: &str, side: LegSide, funding: Decimal) -> LegResult {
    LegResult {
        venue: venue.into(),
        side,
        funding_usd: funding,
        settlements: 4,
        fees_usd: dec!(0.1),
        slippage_usd: dec!(0.02),
        price_pnl_usd: dec!(0),
    }
}

fn cycle(n: u32, symbol: &str, tag: CloseTag) -> CycleRow {
    let funding = Decimal::from(n) / dec!(4);
    CycleRow {
        cycle: n,
        symbol: symbol.into(),
        direction: "long lighter / short edgex".into(),
        opened_at: t(i64::from(n) * 24),
        closed_at: t(i64::from(n) * 24 + 12),
        hold_hours: dec!(12),
        notional_usd: dec!(200),
        long: leg("lighter", LegSide::Long, funding),
        short: leg("edgex", LegSide::Short, dec!(0.05)),
        funding_usd: funding + dec!(0.05),
        expected_funding_usd: dec!(0.4),
        fees_usd: dec!(0.2),
        slippage_usd: dec!(0.04),
        price_pnl_usd: dec!(0),
        net_usd: funding + dec!(0.05) - dec!(0.24),
        capture_ratio: Some((funding + dec!(0.05)) / dec!(0.4)),
        close_reason: tag,
        extensions: 0,
    }
}

fn equity(n: i64, step: Decimal) -> Vec<EquityPoint> {
    (0..n)
        .map(|i| EquityPoint {
            time: t(i * 12),
            net_usd: step * Decimal::from(i),
        })
        .collect()
}

fn result() -> BacktestResult {
    let cycles = vec![
        cycle(1, "BTC", CloseTag::Scheduled),
        cycle(2, "ETH", CloseTag::Switch),
        cycle(3, "BTC", CloseTag::EndOfData),
    ];
    let mut tim = BTreeMap::new();
    tim.insert("BTC".to_string(), dec!(24));
    tim.insert("ETH".to_string(), dec!(12));
    tim.insert("SOL".to_string(), dec!(0));
    BacktestResult {
        from: t(0),
        to: t(30 * 24),
        symbols: vec!["BTC".into(), "ETH".into(), "SOL".into()],
        venues: ["edgex".into(), "lighter".into()],
        cycles,
        summary: summary(dec!(0.9), 3),
        equity: equity(7, dec!(0.15)),
        time_in_market_by_symbol: tim,
        stats: SelectionStats {
            selections: 40,
            opened: 3,
            ..SelectionStats::default()
        },
        baselines: vec![
            Baseline {
                name: "never_trade".into(),
                description: "no position".into(),
                summary: summary(dec!(0), 0),
                equity: Vec::new(),
            },
            Baseline {
                name: "hold_best_first_day".into(),
                description: "long lighter / short edgex BTC for the whole period".into(),
                summary: summary(dec!(-1.5), 1),
                equity: equity(9, dec!(-0.2)),
            },
        ],
        decisions: Vec::new(),
    }
}

fn sweep() -> SweepResult {
    let mut rows = Vec::new();
    for (i, (a, b)) in [("5", "4"), ("5", "8"), ("10", "4"), ("10", "8")]
        .into_iter()
        .enumerate()
    {
        let refused = i == 3;
        rows.push(SweepRow {
            rank: i as u32 + 1,
            params: vec![
                ("min_net_apr_threshold".into(), a.into()),
                ("hold_duration_hours".into(), b.into()),
            ],
            summary: (!refused).then(|| summary(Decimal::from(3 - i as i64), 2)),
            error: refused.then(|| "hold_duration_hours above max_hold_hours".into()),
        });
    }
    SweepResult {
        keys: vec!["min_net_apr_threshold".into(), "hold_duration_hours".into()],
        rows,
        threads: 2,
    }
}

#[test]
fn a_backtest_maps_one_to_one() {
    let r = result();
    let input = report_from_backtest(&r, None, "backtest --paper (seed 7)", t(800));
    assert_eq!((input.from, input.to), (Some(r.from), Some(r.to)));
    let names: Vec<&str> = input.summaries.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["rotation", "never trade", "hold the best pair of day 1"]
    );
    assert_eq!(input.summaries[0].net_pnl, Some(dec!(0.9)));
    assert_eq!(
        input.summaries[1].win_rate_pct, None,
        "no cycle: no win rate"
    );
    assert_eq!(input.pnl.len(), 3);
    assert!(!input.pnl[0].baseline && input.pnl[1].baseline && input.pnl[2].baseline);
    assert_eq!(input.pnl[2].points.len(), 9);
    // never trade has no cash flow: a flat line over the period
    let flat: Vec<(DateTime<Utc>, Decimal)> = input.pnl[1]
        .points
        .iter()
        .map(|p| (p.time, p.value))
        .collect();
    assert_eq!(flat, vec![(r.from, dec!(0)), (r.to, dec!(0))]);
    assert_eq!(input.cycles.len(), 3);
    let c = &input.cycles[1];
    assert_eq!(
        (c.long_venue.as_str(), c.short_venue.as_str()),
        ("lighter", "edgex")
    );
    assert_eq!(c.funding_legs.len(), 2);
    assert_eq!(c.funding_settled, Some(dec!(0.55)));
    assert_eq!(c.net, Some(dec!(0.31)));
    assert_eq!(c.close_reason.as_deref(), Some("switch"));
    // zero-hour symbols are not drawn; the longest first
    let tim: Vec<&str> = input
        .time_in_market
        .iter()
        .map(|s| s.symbol.as_str())
        .collect();
    assert_eq!(tim, ["BTC", "ETH"]);
    assert!(input.sweep.is_none());
    assert_eq!(baseline_name("some_new_one"), "some new one");
}

#[test]
fn the_backtest_page_draws_every_point_bar_and_combination() {
    let r = result();
    let sw = sweep();
    let input = report_from_backtest(&r, Some(&sw), "backtest --paper (seed 7)", t(800));
    let html = render(&input);
    let doc = parse(&html);
    let lines = marks(chart(&doc, "chart-pnl"), "polyline", "series");
    let want = [
        r.equity.len(),
        2, // never trade: flat over the period
        r.baselines[1].equity.len(),
    ];
    assert_eq!(lines.len(), 3);
    for (line, n) in lines.iter().zip(want) {
        assert_eq!(line.attribute("points").unwrap().split(' ').count(), n);
    }
    assert_eq!(
        marks(chart(&doc, "chart-funding"), "rect", "settled").len(),
        3
    );
    assert_eq!(
        marks(chart(&doc, "chart-funding"), "rect", "expected").len(),
        3
    );
    assert_eq!(marks(chart(&doc, "chart-fees"), "rect", "fee").len(), 3);
    assert_eq!(
        marks(chart(&doc, "chart-fees"), "rect", "slippage").len(),
        3
    );
    assert_eq!(marks(chart(&doc, "chart-time"), "rect", "hbar").len(), 2);
    // 2 x 2 grid: three combinations ran, the refused one is an empty cell and a note
    let cells = marks(chart(&doc, "chart-sweep"), "rect", "cell");
    assert_eq!(cells.len(), 4);
    let drawn: Vec<&str> = cells
        .iter()
        .filter_map(|c| c.attribute("data-value").filter(|v| !v.is_empty()))
        .collect();
    assert_eq!(drawn.len(), 3);
    assert!(html.contains("could not run (not drawn): min_net_apr_threshold=10"));
    assert!(html.contains("hold the best pair of day 1"));
    assert!(html.contains("Price PnL of the legs"));
}

#[test]
fn write_backtest_report_writes_a_page_that_parses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bt.html");
    let n = super::from_backtest::write_backtest_report(
        &path,
        &result(),
        Some(&sweep()),
        "backtest --paper (seed 1), sweep winner",
        t(800),
    )
    .unwrap();
    assert_eq!(n, 3);
    let html = std::fs::read_to_string(&path).unwrap();
    let doc = parse(&html);
    assert_eq!(marks(chart(&doc, "chart-sweep"), "rect", "cell").len(), 4);
    assert!(html.contains("sweep winner"));
}
