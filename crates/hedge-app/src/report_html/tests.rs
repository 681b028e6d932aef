//! The report parses as XML (XHTML with inline SVG) and draws exactly the input: one line per
//! series with as many points, one bar per known value, one cell per sweep combination; it
//! loads nothing from outside; the state file maps onto it.

use super::from_state::{max_drawdown, report_from_state};
use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hedge_engine::rotation::ledger::{CycleReport, Figure, VenuePnl};
use hedge_engine::rotation::state::BotState;
use rust_decimal_macros::dec;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn cycle(n: u64, symbol: &str, settled: Option<Decimal>, fees: Option<Decimal>) -> CycleRow {
    CycleRow {
        number: n,
        symbol: symbol.into(),
        long_venue: "lighter".into(),
        short_venue: "edgex".into(),
        opened_at: Some(t(10 * n as i64)),
        closed_at: Some(t(10 * n as i64 + 8)),
        hold_hours: Some(dec!(8)),
        funding_legs: vec![LegAmount {
            venue: "edgex".into(),
            amount: dec!(0.5),
        }],
        funding_settled: settled,
        funding_expected: Some(dec!(1.2)),
        fees,
        slippage: Some(dec!(0.05)),
        net: settled.map(|s| s - dec!(0.3)),
        capture_ratio: Some(dec!(0.8)),
        close_reason: Some("scheduled".into()),
    }
}

fn sample() -> ReportInput {
    let mut r = ReportInput::new(
        "Backtest <paper> & more",
        "backtest --paper, seed 7",
        t(100),
    );
    r.from = Some(t(0));
    r.to = Some(t(72));
    r.summaries = vec![
        RunSummary {
            name: "rotation".into(),
            net_pnl: Some(dec!(12.5)),
            cycles: Some(4),
            ..RunSummary::default()
        },
        RunSummary {
            name: "never trade".into(),
            net_pnl: Some(dec!(0)),
            ..RunSummary::default()
        },
    ];
    let line = |name: &str, baseline: bool, n: i64, k: Decimal| PnlSeries {
        name: name.into(),
        baseline,
        points: (0..n)
            .map(|i| PnlPoint {
                time: t(i * 3),
                value: k * Decimal::from(i) - dec!(2),
            })
            .collect(),
    };
    r.pnl = vec![
        line("rotation", false, 25, dec!(0.5)),
        line("never trade", true, 2, dec!(0)),
        line("hold best pair", true, 13, dec!(-0.25)),
    ];
    r.cycles = vec![
        cycle(1, "BTC", Some(dec!(1.1)), Some(dec!(0.3))),
        cycle(2, "ETH", Some(dec!(-0.4)), Some(dec!(0.31))),
        cycle(3, "SOL", None, None),
        cycle(4, "BTC", Some(dec!(2)), Some(dec!(0.29))),
    ];
    r.time_in_market = vec![
        SymbolTime {
            symbol: "BTC".into(),
            hours: dec!(16),
        },
        SymbolTime {
            symbol: "ETH".into(),
            hours: dec!(8),
        },
        SymbolTime {
            symbol: "SOL".into(),
            hours: dec!(8),
        },
    ];
    r.notes.push("fees from each venue's schedule".into());
    r
}

fn sweep(keys: &[&str], axes: &[&[&str]]) -> SweepGrid {
    let mut runs = vec![SweepRun {
        values: Vec::new(),
        net_pnl: Decimal::ZERO,
        max_drawdown: None,
    }];
    for (k, values) in axes.iter().enumerate() {
        runs = runs
            .into_iter()
            .flat_map(|r| {
                values.iter().enumerate().map(move |(i, v)| {
                    let mut r = r.clone();
                    r.values.push((*v).to_string());
                    r.net_pnl += Decimal::from((i as i64 - 1) * (k as i64 + 1));
                    r
                })
            })
            .collect();
    }
    SweepGrid {
        keys: keys.iter().map(|k| (*k).to_string()).collect(),
        runs,
    }
}

pub(super) fn parse(html: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("not XML: {e}"))
}

pub(super) fn chart<'a>(doc: &'a roxmltree::Document<'a>, id: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("svg") && n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no chart {id}"))
}

pub(super) fn marks<'a>(
    node: roxmltree::Node<'a, 'a>,
    tag: &str,
    class: &str,
) -> Vec<roxmltree::Node<'a, 'a>> {
    node.descendants()
        .filter(|n| {
            n.has_tag_name(tag)
                && n.attribute("class")
                    .is_some_and(|c| c.split(' ').any(|w| w == class))
        })
        .collect()
}

#[test]
fn every_chart_draws_exactly_the_input() {
    let mut input = sample();
    input.sweep = Some(sweep(
        &["min_net_apr_threshold", "hold_duration_hours"],
        &[&["5", "10", "20"], &["4", "8"]],
    ));
    let html = render(&input);
    let doc = parse(&html);
    let svg_ns = "http://www.w3.org/2000/svg";
    // lines: one per series, as many points as given
    let pnl = chart(&doc, "chart-pnl");
    assert_eq!(pnl.tag_name().namespace(), Some(svg_ns));
    let lines = marks(pnl, "polyline", "series");
    assert_eq!(lines.len(), input.pnl.len());
    for (line, s) in lines.iter().zip(&input.pnl) {
        assert_eq!(line.attribute("data-series"), Some(s.name.as_str()));
        let n = line.attribute("points").unwrap().split(' ').count();
        assert_eq!(n, s.points.len(), "{}", s.name);
        assert_eq!(line.attribute("stroke-dasharray").is_some(), s.baseline);
    }
    // paired bars: one per known value, the value carried
    let funding = chart(&doc, "chart-funding");
    let settled = marks(funding, "rect", "settled");
    let known: Vec<Decimal> = input
        .cycles
        .iter()
        .filter_map(|c| c.funding_settled)
        .collect();
    assert_eq!(settled.len(), known.len());
    for (bar, v) in settled.iter().zip(&known) {
        assert_eq!(
            bar.attribute("data-value"),
            Some(v.normalize().to_string().as_str())
        );
    }
    assert_eq!(marks(funding, "rect", "expected").len(), input.cycles.len());
    let fees = chart(&doc, "chart-fees");
    assert_eq!(
        marks(fees, "rect", "fee").len(),
        3,
        "one cycle's fees unknown"
    );
    assert_eq!(marks(fees, "rect", "slippage").len(), 4);
    let time = chart(&doc, "chart-time");
    assert_eq!(
        marks(time, "rect", "hbar").len(),
        input.time_in_market.len()
    );
    // heat map: 3 x 2 cells, a legend, the best cell outlined
    let heat = chart(&doc, "chart-sweep");
    let cells = marks(heat, "rect", "cell");
    assert_eq!(cells.len(), 6);
    assert_eq!(marks(heat, "rect", "swatch").len(), 11);
    let best: Vec<_> = cells
        .iter()
        .filter(|c| c.attribute("stroke-width") == Some("3"))
        .collect();
    assert_eq!(best.len(), 1);
    let top = input
        .sweep
        .as_ref()
        .unwrap()
        .runs
        .iter()
        .map(|r| r.net_pnl)
        .max();
    assert_eq!(
        best[0].attribute("data-value"),
        Some(top.unwrap().to_string().as_str())
    );
    // axes with ticks and labels, a title per chart
    for id in CHART_IDS {
        let c = chart(&doc, id);
        assert!(!marks(c, "text", "tick").is_empty(), "{id} has ticks");
        assert!(
            c.children().any(|n| n.has_tag_name("title")),
            "{id} has a title"
        );
    }
    // the tables
    let cycles_rows = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("cycles"))
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .count();
    assert_eq!(cycles_rows, 1 + input.cycles.len());
    assert!(html.contains("Backtest &lt;paper&gt; &amp; more"));
}

#[test]
fn a_sweep_of_more_than_two_keys_shows_the_best_of_the_others_and_says_so() {
    // (keys, axes, cells, note)
    type Case<'a> = (&'a [&'a str], &'a [&'a [&'a str]], usize, &'a str);
    let cases: [Case; 3] = [
        (
            &["a"],
            &[&["1", "2", "3", "4"]],
            4,
            "the net PnL of that combination",
        ),
        (
            &["a", "b"],
            &[&["x", "y"], &["1", "2"]],
            4,
            "the net PnL of that combination",
        ),
        (
            &["a", "b", "c"],
            &[&["10", "2"], &["1"], &["p", "q", "r"]],
            2,
            "best net PnL over c",
        ),
    ];
    for (keys, axes, n, note) in cases {
        let g = sweep(keys, axes);
        let mut input = sample();
        input.sweep = Some(g.clone());
        let html = render(&input);
        let doc = parse(&html);
        let heat = chart(&doc, "chart-sweep");
        let cells = marks(heat, "rect", "cell");
        assert_eq!(cells.len(), n, "{keys:?}");
        assert!(html.contains(note), "{keys:?}: {note}");
        if keys.len() == 3 {
            // numeric axis sorted: 2 before 10; each cell the best of its 3 runs
            assert_eq!(cells[0].attribute("data-x"), Some("2"));
            for c in &cells {
                assert_eq!(c.attribute("data-runs"), Some("3"));
                let x = c.attribute("data-x").unwrap();
                let best = g
                    .runs
                    .iter()
                    .filter(|r| r.values[0] == x)
                    .map(|r| r.net_pnl)
                    .max()
                    .unwrap();
                assert_eq!(c.attribute("data-value"), Some(best.to_string().as_str()));
            }
        }
    }
}

#[test]
fn the_page_loads_nothing_from_outside() {
    let mut input = sample();
    input.sweep = Some(sweep(&["k"], &[&["1", "2"]]));
    let html = render(&input);
    let doc = parse(&html);
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !["script", "link", "img", "iframe", "object", "embed", "use", "image"].contains(&tag),
            "element {tag}"
        );
        for a in n.attributes() {
            assert!(
                a.name() != "src" && a.name() != "href",
                "{tag} {}",
                a.name()
            );
        }
    }
    assert!(!html.contains("url("), "no CSS url()");
    assert!(!html.contains("@import"));
    // the only URLs are the XML namespaces
    let urls = html.matches("http").count();
    let namespaces = html.matches("xmlns=\"http://www.w3.org/").count();
    assert_eq!(urls, namespaces);
}

#[test]
fn an_empty_history_still_renders_a_valid_page() {
    let input = ReportInput::new("empty", "state file x", t(0));
    let html = render(&input);
    let doc = parse(&html);
    for id in &CHART_IDS[..4] {
        let c = chart(&doc, id);
        assert!(
            !marks(c, "text", "empty").is_empty(),
            "{id} says it has no data"
        );
    }
    assert!(html.contains("No completed cycle."));
}

#[test]
fn drawdown_is_the_largest_fall_from_a_high() {
    let cases = [
        (vec![], dec!(0)),
        (vec![dec!(1), dec!(2), dec!(3)], dec!(0)),
        (vec![dec!(0), dec!(5), dec!(2), dec!(6), dec!(1)], dec!(5)),
        (vec![dec!(-1), dec!(-3)], dec!(3)),
    ];
    for (values, want) in cases {
        assert_eq!(max_drawdown(values.clone()), want, "{values:?}");
    }
}

fn venue(venue: &str, funding: Decimal, fees: Decimal) -> VenuePnl {
    VenuePnl {
        venue: venue.into(),
        trading_pnl: Figure::Known(dec!(0.1)),
        funding: Figure::Known(funding),
        funding_known_part_usd: funding,
        fees: Figure::Known(fees),
        realised: Figure::Known(dec!(0.1) + funding - fees),
        balance_change: None,
        disagreement_usd: None,
        disagreement_flagged: false,
        capture_ratio: None,
    }
}

#[test]
fn the_state_file_maps_onto_the_report() {
    let text =
        include_str!("../../../hedge-engine/src/rotation/state/testdata/seed_bot_state.json");
    let mut state: BotState = serde_json::from_str(text).unwrap();
    let seed_cycle = state.completed_cycles[0].clone();
    let mut second = seed_cycle.clone();
    second.cycle_number = 2;
    second.symbol = "BTC".into();
    second.opened_at = seed_cycle.closed_at + Duration::hours(1);
    second.closed_at = second.opened_at + Duration::hours(4);
    second.duration_hours = dec!(4);
    second.close_reason = Some("switch".into());
    second.ledger = Some(CycleReport {
        venues: vec![
            venue("edgex", dec!(0.9), dec!(0.2)),
            venue("lighter", dec!(-0.1), dec!(0.1)),
        ],
        trading_pnl: Figure::Known(dec!(0.2)),
        funding: Figure::Known(dec!(0.8)),
        fees: Figure::Known(dec!(0.3)),
        realised: Figure::Known(dec!(0.7)),
        realised_percent_of_notional: None,
        balance_change: None,
        disagreement_usd: None,
        disagreement_flagged: false,
        expected_funding_usd: dec!(1),
        capture_ratio: Some(dec!(0.8)),
        flags: Vec::new(),
    });
    state.completed_cycles.push(second);
    let r = report_from_state(&state, "state file bot_state.json", t(0));
    assert_eq!(r.cycles.len(), 2);
    // the seed's cycle: no ledger, net from the balance change, the rest unknown
    let c1 = &r.cycles[0];
    assert_eq!(
        (c1.net, c1.funding_settled, c1.fees),
        (Some(dec!(0.4)), None, None)
    );
    let c2 = &r.cycles[1];
    assert_eq!(c2.funding_settled, Some(dec!(0.8)));
    assert_eq!(c2.funding_expected, Some(dec!(1)));
    assert_eq!(c2.fees, Some(dec!(0.3)));
    assert_eq!(c2.net, Some(dec!(0.7)));
    assert_eq!(c2.capture_ratio, Some(dec!(0.8)));
    assert_eq!(c2.close_reason.as_deref(), Some("switch"));
    assert_eq!(c2.funding_legs.len(), 2);
    // PnL line: 0 at the first open, then one point per close
    let values: Vec<Decimal> = r.pnl[0].points.iter().map(|p| p.value).collect();
    assert_eq!(values, vec![dec!(0), dec!(0.4), dec!(1.1)]);
    assert_eq!(r.time_in_market.len(), 2);
    assert_eq!(r.time_in_market[0].symbol, "ETH", "longest first");
    let s = &r.summaries[0];
    assert_eq!(s.win_rate_pct, Some(dec!(100)));
    assert_eq!(s.max_drawdown, Some(dec!(0)));
    let html = render(&r);
    let doc = parse(&html);
    assert_eq!(
        marks(chart(&doc, "chart-funding"), "rect", "settled").len(),
        1
    );
    assert_eq!(
        marks(chart(&doc, "chart-funding"), "rect", "expected").len(),
        1
    );
    assert_eq!(marks(chart(&doc, "chart-fees"), "rect", "fee").len(), 1);
    assert!(doc
        .descendants()
        .all(|n| n.attribute("id") != Some("chart-sweep")));
}

#[test]
fn write_report_is_atomic_and_names_the_path_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.html");
    write_report(&path, &sample()).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    parse(&text);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary left"
    );
    let bad = dir.path().join("missing/r.html");
    let err = write_report(&bad, &sample()).unwrap_err();
    assert!(err.to_string().contains("missing/r.html"), "{err}");
}
