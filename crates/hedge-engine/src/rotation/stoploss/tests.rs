//! Tests of [`super`]: the spec 4.7 example in both modes, the strict comparison, the notional
//! fallbacks, margin health, unknown figures, serde names, validation.

use super::*;
use rstest::rstest;
use rust_decimal_macros::dec;

fn settings(mode: StopLossMode) -> StopLossSettings {
    StopLossSettings {
        enable_stop_loss: true,
        stop_loss_mode: mode,
        stop_loss_percent: dec!(25),
        max_margin_usage: dec!(0.8),
    }
}

fn position() -> StopLossPosition {
    StopLossPosition {
        size_base: Some(dec!(1)),
        reference_entry_price: Some(dec!(100)),
        actual_notional: Some(dec!(95)),
        configured_notional: dec!(320),
    }
}

fn leg(venue: &str, pnl: Option<Decimal>, usage: Option<Decimal>) -> LegRisk {
    LegRisk {
        venue: venue.into(),
        unrealized_pnl: pnl,
        margin_usage: usage,
    }
}

#[test]
fn spec_example_triggers_worst_leg_but_not_combined() {
    // Notional 100, 25 %: EdgeX -26, Lighter +5 (total -21).
    let e = leg("edgex", Some(dec!(-26)), Some(dec!(0.3)));
    let l = leg("lighter", Some(dec!(5)), Some(dec!(0.3)));
    match check_stop_loss(&settings(StopLossMode::WorstLeg), &position(), [&e, &l]) {
        StopLossVerdict::Triggered { trigger, reason } => {
            assert_eq!(
                trigger,
                StopLossTrigger::WorstLeg {
                    venue: "edgex".into(),
                    pnl_usd: dec!(-26),
                    pnl_percent: dec!(-26),
                    threshold_usd: dec!(-25),
                    threshold_percent: dec!(-25),
                }
            );
            assert_eq!(
                reason,
                "edgex leg PnL -26 USD (-26%) below stop-loss threshold -25 USD (-25%)"
            );
        }
        other => panic!("expected a trigger, got {other:?}"),
    }
    assert_eq!(
        check_stop_loss(&settings(StopLossMode::Combined), &position(), [&e, &l]),
        StopLossVerdict::Clear {
            notional_usd: dec!(100),
            threshold_usd: dec!(-25),
            unchecked: vec![],
        }
    );
}

#[rstest]
// strict: exactly at the threshold does not trigger
#[case::at_threshold_worst(StopLossMode::WorstLeg, dec!(-25), dec!(30), false)]
#[case::below_worst(StopLossMode::WorstLeg, dec!(-25.01), dec!(30), true)]
// the second leg is the worst
#[case::second_leg_worst(StopLossMode::WorstLeg, dec!(3), dec!(-26), true)]
#[case::at_threshold_combined(StopLossMode::Combined, dec!(-20), dec!(-5), false)]
#[case::below_combined(StopLossMode::Combined, dec!(-20), dec!(-5.01), true)]
fn loss_rules_are_strict(
    #[case] mode: StopLossMode,
    #[case] first: Decimal,
    #[case] second: Decimal,
    #[case] fires: bool,
) {
    let a = leg("edgex", Some(first), Some(dec!(0.1)));
    let b = leg("lighter", Some(second), Some(dec!(0.1)));
    let v = check_stop_loss(&settings(mode), &position(), [&a, &b]);
    assert_eq!(
        matches!(v, StopLossVerdict::Triggered { .. }),
        fires,
        "{v:?}"
    );
}

#[test]
fn worst_leg_names_the_second_venue_when_it_is_lower_or_equal() {
    let a = leg("edgex", Some(dec!(-30)), None);
    let b = leg("lighter", Some(dec!(-30)), None);
    match check_stop_loss(&settings(StopLossMode::WorstLeg), &position(), [&a, &b]) {
        StopLossVerdict::Triggered {
            trigger: StopLossTrigger::WorstLeg { venue, .. },
            ..
        } => assert_eq!(venue, "lighter", "the seed picks EdgeX only on a strict <"),
        other => panic!("{other:?}"),
    }
}

#[rstest]
#[case::size_times_price(Some(dec!(2)), Some(dec!(50)), Some(dec!(95)), dec!(100))]
#[case::no_price(Some(dec!(2)), None, Some(dec!(95)), dec!(95))]
#[case::zero_size(Some(dec!(0)), Some(dec!(50)), Some(dec!(95)), dec!(95))]
#[case::configured(None, None, None, dec!(320))]
fn notional_falls_back_as_in_the_spec(
    #[case] size: Option<Decimal>,
    #[case] price: Option<Decimal>,
    #[case] actual: Option<Decimal>,
    #[case] notional: Decimal,
) {
    let p = StopLossPosition {
        size_base: size,
        reference_entry_price: price,
        actual_notional: actual,
        configured_notional: dec!(320),
    };
    assert_eq!(p.notional(), notional);
}

#[rstest]
#[case::below_limit(dec!(0.79), false)]
#[case::at_limit(dec!(0.8), true)]
#[case::above_limit(dec!(0.95), true)]
fn combined_triggers_on_margin_usage(#[case] usage: Decimal, #[case] fires: bool) {
    let a = leg("edgex", Some(dec!(1)), Some(dec!(0.2)));
    let b = leg("lighter", Some(dec!(-1)), Some(usage));
    let v = check_stop_loss(&settings(StopLossMode::Combined), &position(), [&a, &b]);
    match (fires, &v) {
        (true, StopLossVerdict::Triggered { trigger, reason }) => {
            assert_eq!(
                trigger,
                &StopLossTrigger::MarginUsage {
                    venue: "lighter".into(),
                    usage,
                    limit: dec!(0.8)
                }
            );
            assert!(reason.starts_with("lighter margin usage "), "{reason}");
        }
        (false, StopLossVerdict::Clear { .. }) => {}
        _ => panic!("{v:?}"),
    }
    // The seed's rule ignores margin.
    let v = check_stop_loss(&settings(StopLossMode::WorstLeg), &position(), [&a, &b]);
    assert!(matches!(v, StopLossVerdict::Clear { .. }), "{v:?}");
}

#[test]
fn unknown_figures_are_never_fine() {
    let known = leg("edgex", Some(dec!(-1)), Some(dec!(0.1)));
    let no_pnl = leg("lighter", None, Some(dec!(0.1)));
    for mode in [StopLossMode::WorstLeg, StopLossMode::Combined] {
        assert_eq!(
            check_stop_loss(&settings(mode), &position(), [&known, &no_pnl]),
            StopLossVerdict::Unknown {
                missing: vec!["uPnL of lighter".into()]
            }
        );
    }
    // A known margin breach still triggers while a uPnL is unknown.
    let hot = leg("edgex", None, Some(dec!(0.9)));
    let v = check_stop_loss(
        &settings(StopLossMode::Combined),
        &position(),
        [&hot, &no_pnl],
    );
    assert!(matches!(v, StopLossVerdict::Triggered { .. }), "{v:?}");
    // A margin usage nobody reports is listed as unchecked.
    let quiet = leg("lighter", Some(dec!(0)), None);
    assert_eq!(
        check_stop_loss(
            &settings(StopLossMode::Combined),
            &position(),
            [&known, &quiet]
        ),
        StopLossVerdict::Clear {
            notional_usd: dec!(100),
            threshold_usd: dec!(-25),
            unchecked: vec!["margin usage of lighter".into()]
        }
    );
}

#[test]
fn disabled_never_triggers() {
    let mut s = settings(StopLossMode::WorstLeg);
    s.enable_stop_loss = false;
    let a = leg("edgex", Some(dec!(-1000)), Some(dec!(1)));
    assert_eq!(
        check_stop_loss(&s, &position(), [&a, &a]),
        StopLossVerdict::Disabled
    );
}

#[rstest]
#[case::reported(Some(dec!(0.4)), dec!(100), dec!(10), Some(dec!(0.4)))]
#[case::estimated(None, dec!(100), dec!(25), Some(dec!(0.75)))]
#[case::available_above_equity(None, dec!(100), dec!(120), Some(dec!(0)))]
#[case::no_equity(None, dec!(0), dec!(0), None)]
fn margin_usage_from_the_balance(
    #[case] reported: Option<Decimal>,
    #[case] equity: Decimal,
    #[case] available: Decimal,
    #[case] usage: Option<Decimal>,
) {
    let b = Balance {
        equity,
        available,
        margin_usage: reported,
        maintenance_margin: None,
        initial_margin: None,
    };
    assert_eq!(margin_usage(&b), usage);
}

#[test]
fn serde_names_and_default_mode() {
    assert_eq!(StopLossMode::default(), StopLossMode::Combined);
    assert_eq!(
        serde_json::to_string(&StopLossMode::WorstLeg).unwrap(),
        "\"worst_leg\""
    );
    assert_eq!(
        serde_json::to_string(&StopLossMode::Combined).unwrap(),
        "\"combined\""
    );
    let m: StopLossMode = serde_json::from_str("\"worst_leg\"").unwrap();
    assert_eq!(m, StopLossMode::WorstLeg);
    assert!(serde_json::from_str::<StopLossMode>("\"worst-leg\"").is_err());
    let s = settings(StopLossMode::Combined);
    let back: StopLossSettings = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[rstest]
#[case::zero_percent(|s: &mut StopLossSettings| s.stop_loss_percent = dec!(0),
    "invalid stop_loss_percent = 0: must be > 0")]
#[case::usage_above_one(|s: &mut StopLossSettings| s.max_margin_usage = dec!(1.5),
    "invalid max_margin_usage = 1.5: must be in (0, 1]")]
fn settings_are_checked(#[case] change: fn(&mut StopLossSettings), #[case] text: &str) {
    assert_eq!(StopLossSettings::default().validate(), Ok(()));
    let mut s = settings(StopLossMode::WorstLeg);
    change(&mut s);
    assert_eq!(s.validate().unwrap_err().to_string(), text);
}
