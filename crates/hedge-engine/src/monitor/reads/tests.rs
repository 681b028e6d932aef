//! Reads: a failure is never flat; the alert and the act bounds; what may be done blind.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rstest::rstest;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap() + Duration::seconds(secs)
}

fn ok(items: &[(&str, Decimal)]) -> ReadOutcome {
    ReadOutcome::Ok {
        positions: items.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
    }
}

fn failed() -> ReadOutcome {
    ReadOutcome::Failed {
        error: "timeout".to_owned(),
    }
}

#[test]
fn a_failure_keeps_the_last_known_positions() {
    let s0 = record(&VenueReadState::default(), &ok(&[("BTC", dec!(1))]), t(0));
    let s1 = record(&s0, &failed(), t(60));
    let s2 = record(&s1, &failed(), t(120));
    assert_eq!(s2.consecutive_failures, 2);
    assert_eq!(s2.failing_since, Some(t(60)));
    assert_eq!(s2.last_good_at, Some(t(0)));
    assert_eq!(s2.last_known, s0.last_known);
    assert_eq!(s2.seconds_since_good(t(120)), Some(120));
    let s3 = record(&s2, &ok(&[]), t(180));
    assert_eq!(s3.consecutive_failures, 0);
    assert_eq!(s3.last_known, Some(BTreeMap::new()));
}

fn steps() -> BTreeMap<String, SymbolSteps> {
    BTreeMap::from([(
        "BTC".to_owned(),
        SymbolSteps {
            step_a: dec!(0.001),
            step_b: dec!(0.01),
        },
    )])
}

fn kind(v: &ReadVerdict) -> String {
    match v {
        ReadVerdict::Proceed => "proceed".to_owned(),
        ReadVerdict::Wait { .. } => "wait".to_owned(),
        ReadVerdict::Alert { first: true, .. } => "alert first".to_owned(),
        ReadVerdict::Alert { .. } => "alert".to_owned(),
        ReadVerdict::ActOnReadable { .. } => "act".to_owned(),
    }
}

/// Failures of venue B while a position is known open: wait, alert at 5 (the crossing
/// marked), act on the readable venue at 15; both failing never acts; nothing known open
/// never alerts.
#[rstest]
#[case::b_failing_with_position(true, false, &[(1, "wait"), (4, "wait"), (5, "alert first"), (6, "alert"), (14, "alert"), (15, "act"), (30, "act")])]
#[case::both_failing(true, true, &[(4, "wait"), (5, "alert first"), (15, "alert"), (30, "alert")])]
#[case::nothing_known_open(false, false, &[(5, "wait"), (30, "wait")])]
fn failure_ladder(
    #[case] position_open: bool,
    #[case] both: bool,
    #[case] expected: &[(u32, &str)],
) {
    let settings = ReadSettings::default();
    let positions: &[(&str, Decimal)] = if position_open {
        &[("BTC", dec!(1))]
    } else {
        &[]
    };
    let mut a = record(&VenueReadState::default(), &ok(positions), t(0));
    let mut b = record(&VenueReadState::default(), &ok(&[]), t(0));
    assert_eq!(verdict(&settings, &a, &b, &steps()), ReadVerdict::Proceed);
    let mut n = 0;
    for (failures, want) in expected {
        while n < *failures {
            n += 1;
            let now = t(i64::from(n) * 60);
            b = record(&b, &failed(), now);
            a = if both {
                record(&a, &failed(), now)
            } else {
                record(&a, &ok(positions), now)
            };
        }
        assert_eq!(
            kind(&verdict(&settings, &a, &b, &steps())),
            *want,
            "at {failures} failures"
        );
    }
}

fn hold(other: Option<Decimal>, reason: BlindHoldReason) -> BlindAction {
    BlindAction::Hold {
        symbol: "BTC".to_owned(),
        other_last_known: other,
        reason,
    }
}

/// Blind, only what the readable venue shows is acted on, and only when the failing venue's
/// last known state says its leg is gone (or smaller beyond half the coarser step).
#[rstest]
#[case::other_leg_gone(Some(vec![]), dec!(1), BlindAction::CloseLeg { venue: VenueSlot::A, symbol: "BTC".to_owned(), size: dec!(1) })]
#[case::other_leg_smaller(Some(vec![("BTC", dec!(-0.4))]), dec!(1), BlindAction::ReduceLeg { venue: VenueSlot::A, symbol: "BTC".to_owned(), quantity: dec!(0.6) })]
#[case::other_leg_smaller_odd(Some(vec![("BTC", dec!(-0.41))]), dec!(1.003), BlindAction::ReduceLeg { venue: VenueSlot::A, symbol: "BTC".to_owned(), quantity: dec!(0.593) })]
#[case::within_half_coarser_step(Some(vec![("BTC", dec!(-1))]), dec!(1.005), hold(Some(dec!(-1)), BlindHoldReason::OtherLegOpen))]
#[case::other_leg_open(Some(vec![("BTC", dec!(-1))]), dec!(1), hold(Some(dec!(-1)), BlindHoldReason::OtherLegOpen))]
#[case::other_leg_same_side(Some(vec![("BTC", dec!(0.5))]), dec!(1), hold(Some(dec!(0.5)), BlindHoldReason::SameSide))]
#[case::other_never_read(None, dec!(1), hold(None, BlindHoldReason::OtherNeverRead))]
#[case::other_venue_holds_only_other_symbols(Some(vec![("ETH", dec!(-0.4))]), dec!(1), BlindAction::CloseLeg { venue: VenueSlot::A, symbol: "BTC".to_owned(), size: dec!(1) })]
fn blind_actions(
    #[case] other_last: Option<Vec<(&str, Decimal)>>,
    #[case] mine: Decimal,
    #[case] action: BlindAction,
) {
    let settings = ReadSettings::default();
    let mut a = record(&VenueReadState::default(), &ok(&[("BTC", mine)]), t(0));
    let mut b = match &other_last {
        Some(items) => record(&VenueReadState::default(), &ok(items), t(0)),
        None => VenueReadState::default(),
    };
    for i in 1..=15 {
        a = record(&a, &ok(&[("BTC", mine)]), t(i * 60));
        b = record(&b, &failed(), t(i * 60));
    }
    assert_eq!(
        verdict(&settings, &a, &b, &steps()),
        ReadVerdict::ActOnReadable {
            failing: VenueSlot::B,
            failures: 15,
            actions: vec![action],
        }
    );
}

#[test]
fn blind_reduce_needs_the_steps() {
    let settings = ReadSettings::default();
    let mut a = record(&VenueReadState::default(), &ok(&[("BTC", dec!(1))]), t(0));
    let mut b = record(
        &VenueReadState::default(),
        &ok(&[("BTC", dec!(-0.4))]),
        t(0),
    );
    for i in 1..=15 {
        a = record(&a, &ok(&[("BTC", dec!(1))]), t(i * 60));
        b = record(&b, &failed(), t(i * 60));
    }
    let v = verdict(&settings, &a, &b, &BTreeMap::new());
    assert!(matches!(
        v,
        ReadVerdict::ActOnReadable { ref actions, .. }
            if actions == &vec![hold(Some(dec!(-0.4)), BlindHoldReason::StepUnknown)]
    ));
}

#[rstest]
#[case(0, Some("--max-read-failures"))]
#[case(1, None)]
#[case(5, None)]
fn max_read_failures_validation(#[case] n: u32, #[case] err: Option<&str>) {
    match (ReadSettings::with_max_failures(n), err) {
        (Ok(s), None) => assert_eq!((s.max_read_failures, s.act_after_failures), (n, 3 * n)),
        (Err(e), Some(option)) => {
            assert_eq!(e.option, option);
            assert_eq!(e.value, n.to_string());
        }
        (got, _) => panic!("unexpected {got:?}"),
    }
}
