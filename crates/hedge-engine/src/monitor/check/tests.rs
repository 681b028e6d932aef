//! One whole check: the scenarios at the level of decisions (healthy, REDUCE,
//! FLATTEN, venue liquidation of one leg, naked leg after the grace, open in progress, reads
//! failing), priorities and health.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::monitor::PositionFigures;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap() + Duration::seconds(secs)
}

fn venue(name: &str, equity: Decimal, size: Decimal) -> VenueRead {
    let positions = if size.is_zero() {
        vec![]
    } else {
        vec![PositionFigures {
            symbol: "BTC".to_owned(),
            size,
            entry_price: Some(dec!(100)),
            mark_price: Some(dec!(100)),
            liquidation_price: None,
            maintenance_fraction: Some(dec!(0.005)),
            unsettled_funding: None,
            unrealized_pnl: None,
        }]
    };
    VenueRead::Read(VenueFigures {
        venue: name.to_owned(),
        equity,
        maintenance_requirement: None,
        margin_usage: None,
        positions,
    })
}

fn failed() -> VenueRead {
    VenueRead::Failed {
        error: "timeout".to_owned(),
    }
}

fn input(a: VenueRead, b: VenueRead) -> CheckInput {
    CheckInput {
        a,
        b,
        steps: BTreeMap::from([(
            "BTC".to_owned(),
            SymbolSteps {
                step_a: dec!(0.001),
                step_b: dec!(0.01),
            },
        )]),
        journal_activity: BTreeSet::new(),
        operation_in_progress: false,
    }
}

/// Runs checks at the given seconds; returns every outcome.
fn run(inputs: Vec<(i64, CheckInput)>) -> Vec<CheckOutcome> {
    let s = MonitorSettings::default();
    let mut state = MonitorState::default();
    inputs
        .into_iter()
        .map(|(secs, i)| {
            let out = check(&s, &state, &i, t(secs));
            state = out.state.clone();
            out
        })
        .collect()
}

fn trades(o: &CheckOutcome) -> Vec<Trade> {
    o.decisions.iter().map(|d| d.trade.clone()).collect()
}

#[test]
fn healthy_hedge_and_empty_accounts_do_nothing() {
    for (a, b) in [(dec!(30), dec!(-30)), (dec!(0), dec!(0))] {
        let outs = run(vec![
            (
                0,
                input(venue("a", dec!(5000), a), venue("b", dec!(5000), b)),
            ),
            (
                60,
                input(venue("a", dec!(5000), a), venue("b", dec!(5000), b)),
            ),
        ]);
        for o in &outs {
            assert_eq!(o.health, Health::Healthy);
            assert!(o.decisions.is_empty() && o.skipped.is_empty());
        }
        assert_eq!(outs[1].health.exit_code(), 0);
    }
}

/// A move that takes venue A to REDUCE (8 % runway): WARN on the first reading, both legs
/// reduced by the same quantity on the second.
#[test]
fn reduce_both_legs_after_two_readings() {
    let i = || {
        input(
            venue("a", dec!(253.8), dec!(30)),
            venue("b", dec!(5000), dec!(-30)),
        )
    };
    let outs = run(vec![(0, i()), (60, i())]);
    assert_eq!(outs[0].health, Health::Unhealthy);
    assert_eq!(outs[0].health.exit_code(), 3);
    assert!(outs[0].decisions.is_empty());
    assert_eq!(
        trades(&outs[1]),
        vec![Trade::ReduceBoth {
            symbol: "BTC".to_owned(),
            quantity: dec!(9.60)
        }]
    );
    assert_eq!(
        outs[1].decisions[0].cause,
        Cause::Ladder {
            venue: VenueSlot::A,
            level: Level::Reduce
        }
    );
}

/// A larger move (runway below 5 %): both legs closed; a venue shrink of the same symbol in
/// the same check yields to the close.
#[test]
fn flatten_closes_both_and_outranks_a_shrink() {
    let outs = run(vec![
        (
            0,
            input(
                venue("a", dec!(5000), dec!(30)),
                venue("b", dec!(5000), dec!(-30)),
            ),
        ),
        (
            60,
            input(
                venue("a", dec!(120), dec!(30)),
                venue("b", dec!(5000), dec!(-20)),
            ),
        ),
        (
            120,
            input(
                venue("a", dec!(120), dec!(30)),
                venue("b", dec!(5000), dec!(-20)),
            ),
        ),
    ]);
    // The shrink of B acts at once, the FLATTEN of A waits for its second reading.
    assert_eq!(
        trades(&outs[1]),
        vec![Trade::ReduceLeg {
            venue: VenueSlot::A,
            symbol: "BTC".to_owned(),
            quantity: dec!(10)
        }]
    );
    assert_eq!(
        trades(&outs[2]),
        vec![Trade::CloseBoth {
            symbol: "BTC".to_owned()
        }]
    );
}

/// A venue liquidates part of one leg: the other leg is reduced by the lost quantity at once.
#[test]
fn venue_liquidation_reduces_the_other_leg_at_once() {
    let outs = run(vec![
        (
            0,
            input(
                venue("a", dec!(5000), dec!(30)),
                venue("b", dec!(5000), dec!(-30)),
            ),
        ),
        (
            60,
            input(
                venue("a", dec!(5000), dec!(22.5)),
                venue("b", dec!(5000), dec!(-30)),
            ),
        ),
    ]);
    assert_eq!(
        trades(&outs[1]),
        vec![Trade::ReduceLeg {
            venue: VenueSlot::B,
            symbol: "BTC".to_owned(),
            quantity: dec!(7.5)
        }]
    );
    assert!(matches!(
        outs[1].decisions[0].cause,
        Cause::VenueShrink { .. }
    ));
    assert_eq!(outs[1].health, Health::Unhealthy);
}

/// A naked leg made behind the monitor's back is closed after the grace, not before; the
/// same picture while an open is in progress is left alone.
#[test]
fn naked_leg_after_grace_but_not_during_an_open() {
    let naked = || {
        input(
            venue("a", dec!(5000), dec!(30)),
            venue("b", dec!(5000), dec!(0)),
        )
    };
    let outs = run(vec![(0, naked()), (29, naked()), (30, naked())]);
    assert!(outs[0].decisions.is_empty() && outs[1].decisions.is_empty());
    assert_eq!(outs[1].health, Health::Unhealthy);
    assert_eq!(
        trades(&outs[2]),
        vec![Trade::CloseLeg {
            venue: VenueSlot::A,
            symbol: "BTC".to_owned()
        }]
    );
    let opening = || CheckInput {
        operation_in_progress: true,
        ..naked()
    };
    let outs = run(vec![(0, opening()), (60, opening()), (120, opening())]);
    for o in &outs {
        assert!(o.decisions.is_empty());
        assert_eq!(o.health, Health::Healthy);
    }
}

/// Reads failing: nothing until the bounds; then only the readable leg whose other leg is
/// known gone is closed; a drastic ladder level waits for both venues.
#[test]
fn reads_failing() {
    let mut inputs = vec![(
        0,
        input(
            venue("a", dec!(5000), dec!(30)),
            venue("b", dec!(5000), dec!(0)),
        ),
    )];
    for i in 1..=15 {
        inputs.push((i, input(venue("a", dec!(5000), dec!(30)), failed())));
    }
    let outs = run(inputs);
    for o in &outs[1..15] {
        assert!(o.decisions.is_empty());
        assert_eq!(o.health, Health::Unknown);
    }
    assert!(matches!(
        outs[5].reads,
        ReadVerdict::Alert { first: true, .. }
    ));
    assert_eq!(
        trades(&outs[15]),
        vec![Trade::CloseLeg {
            venue: VenueSlot::A,
            symbol: "BTC".to_owned()
        }]
    );
    assert_eq!(
        outs[15].decisions[0].cause,
        Cause::BlindRead {
            failing: VenueSlot::B
        }
    );

    let outs = run(vec![
        (0, input(venue("a", dec!(120), dec!(30)), failed())),
        (60, input(venue("a", dec!(120), dec!(30)), failed())),
    ]);
    assert!(outs[1].decisions.is_empty());
    assert_eq!(
        outs[1].a.as_ref().map(|c| c.ladder.level),
        Some(Level::Flatten)
    );
    assert_eq!(outs[1].skipped.len(), 1);
    assert!(outs[1].skipped[0].reason.contains("cannot be read"));
    assert_eq!(outs[1].health, Health::Unhealthy);
}

#[test]
fn options_are_validated_with_their_names() {
    let e = MonitorSettings::from_options(dec!(0), dec!(-15), 30, 5).unwrap_err();
    assert_eq!(e.option, "--margin-threshold");
    let e = MonitorSettings::from_options(dec!(80), dec!(-15), 0, 5).unwrap_err();
    assert_eq!(e.option, "--unhedged-grace");
    let e = MonitorSettings::from_options(dec!(80), dec!(-15), 30, 0).unwrap_err();
    assert_eq!(e.option, "--max-read-failures");
    let s = MonitorSettings::from_options(dec!(80), dec!(-15), 30, 5).unwrap();
    assert_eq!(s, MonitorSettings::default());
}

/// The state round-trips through JSON (the binary stores it).
#[test]
fn state_round_trips_through_json() {
    let outs = run(vec![(
        0,
        input(
            venue("a", dec!(253.8), dec!(30)),
            venue("b", dec!(5000), dec!(-30)),
        ),
    )]);
    let json = serde_json::to_string(&outs[0]).unwrap();
    let back: CheckOutcome = serde_json::from_str(&json).unwrap();
    assert_eq!(back, outs[0]);
}
