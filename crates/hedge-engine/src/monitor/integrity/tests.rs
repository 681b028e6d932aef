//! Integrity: every class, the grace, the in-progress suppression, venue shrink detection.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rstest::rstest;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap() + Duration::seconds(secs)
}

fn legs(a: Decimal, b: Decimal) -> SymbolLegs {
    SymbolLegs {
        symbol: "BTC".to_owned(),
        size_a: a,
        size_b: b,
        step_a: dec!(0.001),
        step_b: dec!(0.01),
        journal_activity: false,
    }
}

#[rstest]
#[case::flat(dec!(0), dec!(0), HedgeClass::Flat)]
#[case::hedged(dec!(1), dec!(-1), HedgeClass::Hedged)]
#[case::hedged_short_long(dec!(-2.5), dec!(2.5), HedgeClass::Hedged)]
#[case::within_half_coarser_step(dec!(1.005), dec!(-1), HedgeClass::Hedged)]
#[case::mismatch_a(dec!(1.006), dec!(-1), HedgeClass::SizeMismatch { venue: VenueSlot::A, excess: dec!(0.006) })]
#[case::mismatch_b(dec!(-1), dec!(1.2), HedgeClass::SizeMismatch { venue: VenueSlot::B, excess: dec!(0.2) })]
#[case::one_legged_a(dec!(1), dec!(0), HedgeClass::OneLegged { venue: VenueSlot::A, size: dec!(1) })]
#[case::one_legged_b(dec!(0), dec!(-3), HedgeClass::OneLegged { venue: VenueSlot::B, size: dec!(-3) })]
#[case::same_side_long(dec!(1), dec!(1), HedgeClass::SameSide { size_a: dec!(1), size_b: dec!(1) })]
#[case::same_side_short(dec!(-1), dec!(-0.5), HedgeClass::SameSide { size_a: dec!(-1), size_b: dec!(-0.5) })]
fn every_class(#[case] a: Decimal, #[case] b: Decimal, #[case] class: HedgeClass) {
    assert_eq!(classify(&legs(a, b)), class);
}

/// What a broken hedge calls for once past the grace.
#[rstest]
#[case::one_legged(dec!(1), dec!(0), IntegrityAction::CloseLeg { venue: VenueSlot::A })]
#[case::same_side(dec!(1), dec!(2), IntegrityAction::CloseBoth)]
#[case::mismatch_on_fine_grid(dec!(1.006), dec!(-1), IntegrityAction::ReduceLeg { venue: VenueSlot::A, quantity: dec!(0.006) })]
#[case::mismatch_on_coarse_grid(dec!(-1), dec!(1.014), IntegrityAction::ReduceLeg { venue: VenueSlot::B, quantity: dec!(0.01) })]
fn action_after_grace(#[case] a: Decimal, #[case] b: Decimal, #[case] action: IntegrityAction) {
    let s = IntegritySettings::default();
    let (state, v0) = check(&s, &IntegrityState::default(), &[legs(a, b)], false, t(0));
    assert_eq!(v0[0].action, IntegrityAction::None);
    let (_, v1) = check(&s, &state, &[legs(a, b)], false, t(30));
    assert_eq!(v1[0].status, IntegrityStatus::Broken { since: t(0) });
    assert_eq!(v1[0].action, action);
}

fn statuses(seq: &[(i64, Decimal, bool)]) -> Vec<(String, IntegrityAction)> {
    let s = IntegritySettings::default();
    let mut state = IntegrityState::default();
    seq.iter()
        .map(|(secs, a, in_progress)| {
            // Our own orders explain every size change here: this is about the grace only.
            let l = SymbolLegs {
                journal_activity: true,
                ..legs(*a, dec!(-1))
            };
            let (next, v) = check(&s, &state, &[l], *in_progress, t(*secs));
            state = next;
            let status = match &v[0].status {
                IntegrityStatus::Sound => "sound".to_owned(),
                IntegrityStatus::Suppressed => "suppressed".to_owned(),
                IntegrityStatus::InGrace { remaining_secs, .. } => {
                    format!("grace {remaining_secs}")
                }
                IntegrityStatus::Broken { since } => {
                    format!("broken since {}", (*since - t(0)).num_seconds())
                }
            };
            (status, v[0].action.clone())
        })
        .collect()
}

/// The grace counts continuously broken time; an operation in progress suspends it and it
/// restarts when the operation ends; a sound reading resets it.
#[rstest]
#[case::closed_after_grace_not_before(
    &[(0, dec!(0), false), (29, dec!(0), false), (30, dec!(0), false)],
    &["grace 30", "grace 1", "broken since 0"]
)]
#[case::open_in_progress_never_naked(
    &[(0, dec!(0), true), (40, dec!(0), true), (41, dec!(1), false)],
    &["suppressed", "suppressed", "sound"]
)]
#[case::grace_restarts_after_the_operation(
    &[(0, dec!(0), true), (40, dec!(0), true), (41, dec!(0), false), (70, dec!(0), false), (71, dec!(0), false)],
    &["suppressed", "suppressed", "grace 30", "grace 1", "broken since 41"]
)]
#[case::healed_within_grace_resets(
    &[(0, dec!(0), false), (20, dec!(1), false), (25, dec!(0), false), (50, dec!(0), false)],
    &["grace 30", "sound", "grace 30", "grace 5"]
)]
fn grace_and_suppression(#[case] seq: &[(i64, Decimal, bool)], #[case] expected: &[&str]) {
    let got = statuses(seq);
    let names: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(names, expected);
    for (status, action) in &got {
        let acts = *action != IntegrityAction::None;
        assert_eq!(acts, status.starts_with("broken"), "{status}: {action:?}");
    }
}

/// A leg shrunk with nothing of ours to explain it: a venue liquidation or ADL; the other
/// leg is reduced at once by the lost quantity (never below this leg's remaining size).
#[rstest]
#[case::partial_liquidation_of_a(
    (dec!(1), dec!(-1)), (dec!(0.6), dec!(-1)), false, false,
    Some((VenueSlot::A, dec!(0.4), dec!(0.4))), IntegrityAction::ReduceLeg { venue: VenueSlot::B, quantity: dec!(0.4) }
)]
#[case::full_liquidation_of_b(
    (dec!(1), dec!(-1)), (dec!(1), dec!(0)), false, false,
    Some((VenueSlot::B, dec!(1), dec!(1))), IntegrityAction::ReduceLeg { venue: VenueSlot::A, quantity: dec!(1) }
)]
#[case::rounded_to_the_other_step(
    (dec!(1), dec!(-1)), (dec!(1), dec!(-0.75)), false, false,
    Some((VenueSlot::B, dec!(0.25), dec!(0.25))), IntegrityAction::ReduceLeg { venue: VenueSlot::A, quantity: dec!(0.25) }
)]
#[case::coarse_other_step(
    (dec!(1), dec!(-1)), (dec!(0.996), dec!(-1)), false, false,
    Some((VenueSlot::A, dec!(0.004), dec!(0))), IntegrityAction::None
)]
#[case::both_shrunk_alike(
    (dec!(1), dec!(-1)), (dec!(0.5), dec!(-0.5)), false, false,
    Some((VenueSlot::A, dec!(0.5), dec!(0))), IntegrityAction::None
)]
#[case::explained_by_journal(
    (dec!(1), dec!(-1)), (dec!(0.6), dec!(-1)), true, false, None, IntegrityAction::None
)]
#[case::operation_in_progress(
    (dec!(1), dec!(-1)), (dec!(0.6), dec!(-1)), false, true, None, IntegrityAction::None
)]
#[case::growth_is_not_a_shrink(
    (dec!(1), dec!(-1)), (dec!(1.5), dec!(-1)), false, false, None, IntegrityAction::None
)]
#[case::sign_flip_is_not_a_shrink(
    (dec!(1), dec!(-1)), (dec!(-0.5), dec!(-1)), false, false, None, IntegrityAction::None
)]
fn shrink_detection(
    #[case] before: (Decimal, Decimal),
    #[case] now: (Decimal, Decimal),
    #[case] journal: bool,
    #[case] in_progress: bool,
    #[case] shrink: Option<(VenueSlot, Decimal, Decimal)>,
    #[case] action: IntegrityAction,
) {
    let s = IntegritySettings::default();
    let (state, _) = check(
        &s,
        &IntegrityState::default(),
        &[legs(before.0, before.1)],
        false,
        t(0),
    );
    let mut l = legs(now.0, now.1);
    l.journal_activity = journal;
    let (_, v) = check(&s, &state, &[l], in_progress, t(60));
    let got = v[0]
        .shrink
        .as_ref()
        .map(|s| (s.venue, s.lost, s.reduce_other));
    assert_eq!(got, shrink);
    assert_eq!(v[0].action, action);
}

#[test]
fn grace_must_be_positive() {
    let e = IntegritySettings {
        unhedged_grace_secs: 0,
    }
    .validate()
    .unwrap_err();
    assert_eq!(e.option, "--unhedged-grace");
}

/// A missing step drops only that symbol's grid action, says why, and leaves the other
/// symbols' verdicts intact.
#[test]
fn bad_step_drops_only_that_action() {
    let mut bad = legs(dec!(1.5), dec!(-1));
    bad.step_a = dec!(0);
    let good = SymbolLegs {
        symbol: "ETH".to_owned(),
        ..legs(dec!(2), dec!(0))
    };
    let s = IntegritySettings {
        unhedged_grace_secs: 1,
    };
    let both = [bad, good];
    let (state, _) = check(&s, &IntegrityState::default(), &both, false, t(0));
    let (_, v) = check(&s, &state, &both, false, t(5));
    assert_eq!(v[0].action, IntegrityAction::None);
    assert!(
        v[0].grid_error
            .as_deref()
            .is_some_and(|e| e.contains("step")),
        "{:?}",
        v[0].grid_error
    );
    assert_eq!(
        v[1].action,
        IntegrityAction::CloseLeg {
            venue: VenueSlot::A
        }
    );
    assert_eq!(v[1].grid_error, None);
}

/// Alerts only on crossings: broken once past the grace (not again while it lasts),
/// restored once sound, a shrink each time one is seen.
#[test]
fn integrity_alerts_on_crossings() {
    let s = IntegritySettings::default();
    let seq = [
        (0, dec!(1), dec!(-1)),
        (60, dec!(0.5), dec!(-1)),
        (80, dec!(0.5), dec!(-1)),
        (120, dec!(0.5), dec!(-1)),
        (150, dec!(0.5), dec!(-1)),
        (180, dec!(0.5), dec!(-0.5)),
        (240, dec!(0.5), dec!(-0.5)),
    ];
    let mut state = IntegrityState::default();
    let mut got = Vec::new();
    for (secs, a, b) in seq {
        let (next, v) = check(&s, &state, &[legs(a, b)], false, t(secs));
        state = next;
        got.push(
            v[0].events
                .iter()
                .map(|e| match e {
                    IntegrityEvent::Broken { .. } => "broken",
                    IntegrityEvent::Restored { .. } => "restored",
                    IntegrityEvent::VenueShrink { .. } => "shrink",
                })
                .collect::<Vec<_>>(),
        );
    }
    let expected: Vec<Vec<&str>> = vec![
        vec![],
        vec!["shrink"],
        vec![],
        vec!["broken"],
        vec![],
        vec!["shrink", "restored"],
        vec![],
    ];
    assert_eq!(got, expected);
}
