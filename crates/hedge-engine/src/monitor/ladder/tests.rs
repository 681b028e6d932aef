//! Ladder: each level, hysteresis and dwell, the two-readings rule, crossing-only alerts,
//! threshold validation, the REDUCE quantity.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rstest::rstest;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::monitor::runway::{venue_runway, RunwaySettings, UsagePreference};
use crate::monitor::{PositionFigures, VenueFigures};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap() + Duration::seconds(secs)
}

fn reading(runway: Option<Decimal>, usage: Option<Decimal>, pnl: Option<Decimal>) -> LadderReading {
    LadderReading {
        venue: "v".to_owned(),
        runway: runway.map(|x| ("BTC".to_owned(), x)),
        margin_usage: usage,
        worst_pnl: pnl.map(|x| ("BTC".to_owned(), x)),
        equity_exhausted: None,
        unknown: vec![],
    }
}

fn run(readings: &[(i64, LadderReading)]) -> Vec<LadderStep> {
    let s = LadderSettings::default();
    let mut state = LadderState::default();
    readings
        .iter()
        .map(|(secs, r)| {
            let out = step(&s, &state, r, t(*secs));
            state = out.state.clone();
            out
        })
        .collect()
}

/// Each level from each figure; a drastic level needs the second reading (the first goes
/// to WARN, pending).
#[rstest]
#[case::healthy(reading(Some(dec!(20)), Some(dec!(0.1)), Some(dec!(-2))), Level::Ok)]
#[case::runway_at_warn_bound(reading(Some(dec!(15)), None, None), Level::Ok)]
#[case::runway_warn(reading(Some(dec!(14.9)), None, None), Level::Warn)]
#[case::runway_reduce(reading(Some(dec!(9.9)), None, None), Level::Reduce)]
#[case::runway_flatten(reading(Some(dec!(4.9)), None, None), Level::Flatten)]
#[case::usage_below_warn(reading(None, Some(dec!(0.39)), None), Level::Ok)]
#[case::usage_warn(reading(None, Some(dec!(0.40)), None), Level::Warn)]
#[case::usage_reduce(reading(None, Some(dec!(0.50)), None), Level::Reduce)]
#[case::usage_flatten_at_threshold(reading(None, Some(dec!(0.80)), None), Level::Flatten)]
#[case::pnl_at_threshold(reading(None, None, Some(dec!(-15))), Level::Ok)]
#[case::pnl_below_threshold(reading(None, None, Some(dec!(-15.01))), Level::Flatten)]
#[case::worst_figure_wins(reading(Some(dec!(12)), Some(dec!(0.85)), None), Level::Flatten)]
#[case::equity_exhausted(LadderReading { equity_exhausted: Some(dec!(-1)), ..reading(None, None, None) }, Level::Flatten)]
fn each_level(#[case] r: LadderReading, #[case] expected: Level) {
    let steps = run(&[(0, r.clone()), (60, r)]);
    let first = if expected.is_drastic() {
        Level::Warn
    } else {
        expected
    };
    assert_eq!(steps[0].level, first);
    assert_eq!(
        steps[0].state.pending,
        expected.is_drastic().then_some(expected)
    );
    assert_eq!(steps[1].level, expected);
    let action = match expected {
        Level::Reduce => LadderAction::Reduce,
        Level::Flatten => LadderAction::Flatten,
        _ => LadderAction::None,
    };
    assert_eq!(steps[1].action, action);
    assert_eq!(steps[0].action, LadderAction::None);
    assert_eq!(steps[1].state.pending, None);
}

/// Noise around a bound does not flap: a level is left only past the bound by the
/// hysteresis and after the minimum dwell (300 s); escalation is immediate.
#[rstest]
#[case::noise_within_hysteresis(
    &[(0, dec!(14.9)), (60, dec!(15.5)), (400, dec!(16.9)), (460, dec!(14.8)), (800, dec!(16.5))],
    &[Level::Warn, Level::Warn, Level::Warn, Level::Warn, Level::Warn]
)]
#[case::leaves_past_hysteresis_after_dwell(
    &[(0, dec!(14.9)), (60, dec!(30)), (299, dec!(30)), (300, dec!(17.1))],
    &[Level::Warn, Level::Warn, Level::Warn, Level::Ok]
)]
#[case::steps_down_one_level_at_a_time_when_figures_say_so(
    &[(0, dec!(9)), (60, dec!(9)), (400, dec!(12.5)), (700, dec!(16))],
    &[Level::Warn, Level::Reduce, Level::Warn, Level::Warn]
)]
#[case::down_to_ok_directly(
    &[(0, dec!(9)), (60, dec!(9)), (400, dec!(40))],
    &[Level::Warn, Level::Reduce, Level::Ok]
)]
#[case::escalation_ignores_dwell(
    &[(0, dec!(14)), (10, dec!(4)), (20, dec!(4))],
    &[Level::Warn, Level::Warn, Level::Flatten]
)]
fn hysteresis_and_dwell(#[case] seq: &[(i64, Decimal)], #[case] levels: &[Level]) {
    let readings: Vec<_> = seq
        .iter()
        .map(|(s, x)| (*s, reading(Some(*x), None, None)))
        .collect();
    let got: Vec<Level> = run(&readings).iter().map(|s| s.level).collect();
    assert_eq!(got, levels);
}

/// Drastic actions need two consecutive agreeing readings; an unknown reading in between
/// breaks the pair; REDUCE then FLATTEN confirms REDUCE only.
#[rstest]
#[case::single_spike(&[Some(dec!(4)), Some(dec!(20))], &[Level::Warn, Level::Warn])]
#[case::unknown_between(&[Some(dec!(9)), None, Some(dec!(9)), Some(dec!(9))], &[Level::Warn, Level::Warn, Level::Warn, Level::Reduce])]
#[case::reduce_then_flatten(&[Some(dec!(9)), Some(dec!(4)), Some(dec!(4))], &[Level::Warn, Level::Reduce, Level::Flatten])]
#[case::flatten_then_reduce(&[Some(dec!(4)), Some(dec!(9))], &[Level::Warn, Level::Reduce])]
fn two_readings(#[case] seq: &[Option<Decimal>], #[case] levels: &[Level]) {
    let readings: Vec<_> = seq
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut r = reading(*x, None, None);
            if x.is_none() {
                r.unknown = vec!["BTC".to_owned()];
            }
            (i as i64 * 60, r)
        })
        .collect();
    let got: Vec<Level> = run(&readings).iter().map(|s| s.level).collect();
    assert_eq!(got, levels);
}

fn kinds(step: &LadderStep) -> Vec<&'static str> {
    step.events
        .iter()
        .map(|e| match e {
            LadderEvent::Crossed { .. } => "crossed",
            LadderEvent::Reminder { .. } => "reminder",
            LadderEvent::Recovered { .. } => "recovered",
            LadderEvent::Held { .. } => "held",
        })
        .collect()
}

/// Alerts on crossings only, a reminder per level cadence, "recovered" back at OK, one
/// "held" when figures become unknown (and a hold never acts).
#[test]
fn alerts_on_crossings_only() {
    let warn = reading(Some(dec!(14)), None, None);
    let ok = reading(Some(dec!(40)), None, None);
    let mut unknown = warn.clone();
    unknown.unknown = vec!["BTC".to_owned()];
    let steps = run(&[
        (0, ok.clone()),
        (60, warn.clone()),
        (120, warn.clone()),
        (3600, warn.clone()),
        (3660, warn.clone()),
        (3720, unknown.clone()),
        (3780, unknown),
        (3840, warn.clone()),
        (3900, warn),
        (4000, ok),
    ]);
    let got: Vec<Vec<&str>> = steps.iter().map(kinds).collect();
    let expected: Vec<Vec<&str>> = vec![
        vec![],
        vec!["crossed"],
        vec![],
        vec![],
        vec!["reminder"],
        vec!["held"],
        vec![],
        vec![],
        vec![],
        vec!["recovered"],
    ];
    assert_eq!(got, expected);
    assert_eq!(
        steps[5].action,
        LadderAction::Hold {
            symbols: vec!["BTC".to_owned()]
        }
    );
    assert_eq!(steps[5].level, Level::Warn);
}

#[rstest]
#[case::zero(dec!(0), Some("--margin-threshold"))]
#[case::negative(dec!(-5), Some("--margin-threshold"))]
#[case::above_hundred(dec!(100.01), Some("--margin-threshold"))]
#[case::hundred(dec!(100), None)]
#[case::seed_default(dec!(80), None)]
#[case::docs_twenty(dec!(20), None)]
#[case::tiny(dec!(0.01), None)]
fn margin_threshold_validation(#[case] pct: Decimal, #[case] err: Option<&str>) {
    match (LadderSettings::with_thresholds(pct, dec!(-15)), err) {
        (Ok(s), None) => {
            assert_eq!(s.flatten_usage, pct / dec!(100));
            assert!(s.warn_usage < s.reduce_usage && s.reduce_usage < s.flatten_usage);
            assert!(s.reduce_target_usage < s.reduce_usage);
        }
        (Err(e), Some(option)) => {
            assert_eq!(e.option, option);
            assert!(e.to_string().contains(&pct.to_string()), "{e}");
        }
        (got, _) => panic!("unexpected {got:?} for {pct}"),
    }
}

#[rstest]
#[case(dec!(80), dec!(0.8), dec!(0.5), dec!(0.4))]
#[case(dec!(20), dec!(0.2), dec!(0.125), dec!(0.1))]
fn usage_bounds_follow_the_threshold(
    #[case] pct: Decimal,
    #[case] flatten: Decimal,
    #[case] reduce: Decimal,
    #[case] warn: Decimal,
) {
    let s = LadderSettings::with_thresholds(pct, dec!(-15)).unwrap();
    assert_eq!(
        (s.flatten_usage, s.reduce_usage, s.warn_usage),
        (flatten, reduce, warn)
    );
}

#[test]
fn pnl_threshold_must_be_negative() {
    let e = LadderSettings::with_thresholds(dec!(80), dec!(5)).unwrap_err();
    assert_eq!(e.option, "--pnl-threshold");
    assert_eq!(e.value, "5");
}

fn one_position(equity: Decimal, usage: Option<Decimal>) -> VenueRunway {
    let v = VenueFigures {
        venue: "v".to_owned(),
        equity,
        maintenance_requirement: None,
        margin_usage: usage,
        positions: vec![PositionFigures {
            symbol: "BTC".to_owned(),
            size: dec!(30),
            entry_price: Some(dec!(100)),
            mark_price: Some(dec!(100)),
            liquidation_price: None,
            maintenance_fraction: Some(dec!(0.005)),
            unsettled_funding: None,
            unrealized_pnl: None,
        }],
    };
    // The venue's own usage figure, where a case gives one, is what these cases test.
    let settings = RunwaySettings {
        usage_preference: UsagePreference::Venue,
        ..Default::default()
    };
    venue_runway(&settings, &v)
}

fn other(size: Decimal, step: Decimal) -> ReduceLeg {
    ReduceLeg { size, step }
}

/// Both legs by the same quantity, rounded UP to the common (coarser) step, to bring usage
/// under the target or the runway back past the REDUCE exit bound; capped at the smaller
/// leg, which closes the hedge instead.
#[rstest]
#[case::usage_exact(dec!(5000), Some(dec!(0.6)), dec!(0.001), dec!(0.01), dec!(-30), dec!(10), false)]
#[case::usage_rounded_up(dec!(5000), Some(dec!(0.55)), dec!(0.001), dec!(0.01), dec!(-30), dec!(8.19), false)]
#[case::usage_common_grid(dec!(5000), Some(dec!(0.55)), dec!(0.02), dec!(0.05), dec!(-30), dec!(8.2), false)]
#[case::usage_on_target(dec!(5000), Some(dec!(0.4)), dec!(0.001), dec!(0.01), dec!(-30), dec!(0), false)]
#[case::runway(dec!(253.8), None, dec!(0.001), dec!(0.01), dec!(-30), dec!(9.60), false)]
#[case::capped_at_smaller_leg(dec!(5000), Some(dec!(0.99)), dec!(0.001), dec!(0.01), dec!(-15), dec!(15), true)]
fn reduce_quantity_rounding(
    #[case] equity: Decimal,
    #[case] usage: Option<Decimal>,
    #[case] this_step: Decimal,
    #[case] other_step: Decimal,
    #[case] other_size: Decimal,
    #[case] quantity: Decimal,
    #[case] closes: bool,
) {
    let s = LadderSettings::default();
    let r = one_position(equity, usage);
    let plan = reduce_quantity(&s, &r, "BTC", this_step, &other(other_size, other_step)).unwrap();
    assert_eq!(plan.quantity, quantity);
    assert_eq!(plan.closes_hedge, closes);
    assert!(plan.quantity >= plan.raw_quantity || closes);
}

/// After the reduce the runway is back past the REDUCE exit bound (12 %).
#[test]
fn reduce_restores_the_runway() {
    let s = LadderSettings::default();
    let before = one_position(dec!(253.8), None);
    let plan = reduce_quantity(
        &s,
        &before,
        "BTC",
        dec!(0.001),
        &other(dec!(-30), dec!(0.01)),
    )
    .unwrap();
    let mut v = VenueFigures {
        venue: "v".to_owned(),
        equity: dec!(253.8),
        maintenance_requirement: None,
        margin_usage: None,
        positions: vec![],
    };
    let mut p = one_position(dec!(1), None).positions[0].clone();
    p.size -= plan.quantity;
    v.positions.push(PositionFigures {
        symbol: p.symbol,
        size: p.size,
        entry_price: Some(dec!(100)),
        mark_price: Some(dec!(100)),
        liquidation_price: None,
        maintenance_fraction: Some(dec!(0.005)),
        unsettled_funding: None,
        unrealized_pnl: None,
    });
    let after = venue_runway(&RunwaySettings::default(), &v);
    let x = after.min_runway_pct().unwrap();
    assert!(x >= dec!(12), "runway after reduce {x}");
    assert!(before.min_runway_pct().unwrap() < dec!(10));
}

#[rstest]
#[case::same_side(dec!(30), "does not hedge")]
#[case::other_flat(dec!(0), "does not hedge")]
fn reduce_needs_a_hedge(#[case] other_size: Decimal, #[case] msg: &str) {
    let r = one_position(dec!(5000), Some(dec!(0.6)));
    let e = reduce_quantity(
        &LadderSettings::default(),
        &r,
        "BTC",
        dec!(0.001),
        &other(other_size, dec!(0.01)),
    )
    .unwrap_err();
    assert!(e.to_string().contains(msg), "{e}");
}

#[test]
fn reduce_of_a_closed_symbol_is_an_error() {
    let r = one_position(dec!(5000), Some(dec!(0.6)));
    let e = reduce_quantity(
        &LadderSettings::default(),
        &r,
        "ETH",
        dec!(0.001),
        &other(dec!(-1), dec!(0.01)),
    )
    .unwrap_err();
    assert!(matches!(e, ReduceError::NotOpen { .. }));
}

#[test]
fn reading_from_runway() {
    let r = one_position(dec!(253.8), None);
    let reading = LadderReading::from_runway(&r);
    assert_eq!(
        reading.runway.as_ref().map(|(s, _)| s.as_str()),
        Some("BTC")
    );
    assert!(reading.unknown.is_empty());
    assert_eq!(reading.equity_exhausted, None);
    assert_eq!(reading.worst_pnl, Some(("BTC".to_owned(), dec!(0))));
}

/// The dwell holds the level, not the trades: once the figures are past the exit bound
/// (the venue was flattened, or a fresh healthy hedge is on it) nothing is traded while the
/// level waits out its dwell; figures still inside the exit bound keep acting.
#[rstest]
#[case::flattened_venue(reading(None, Some(dec!(0)), None), Level::Flatten, LadderAction::None)]
#[case::fresh_healthy_hedge(reading(Some(dec!(30)), Some(dec!(0.1)), Some(dec!(0))), Level::Flatten, LadderAction::None)]
#[case::still_inside_exit_bound(reading(Some(dec!(6.5)), None, None), Level::Flatten, LadderAction::Flatten)]
#[case::down_to_reduce_band(reading(Some(dec!(9)), None, None), Level::Flatten, LadderAction::Reduce)]
fn dwell_holds_the_level_not_the_trades(
    #[case] after: LadderReading,
    #[case] level: Level,
    #[case] action: LadderAction,
) {
    let flatten = reading(Some(dec!(3)), None, None);
    let steps = run(&[(0, flatten.clone()), (60, flatten), (120, after)]);
    assert_eq!(steps[1].action, LadderAction::Flatten);
    assert_eq!(steps[2].level, level);
    assert_eq!(steps[2].action, action);
}
