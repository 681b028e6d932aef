//! Tests of [`super`]: entry ranking and verdicts, keep / extend / switch / close on scripted
//! numbers, exit hysteresis, close timing around settlements, threshold validation.

use super::*;
use crate::rotation::economics::tests::t;
use crate::rotation::economics::{FundingSchedule, LegEconomics, LegSide};
use rstest::rstest;
use rust_decimal_macros::dec;

/// Economics with scripted dollars: `funding` and `cost` (round trip, half on each side) over
/// `[from, to]` on `notional`, derived figures as `evaluate` computes them.
fn scripted(
    symbol: &str,
    notional: Decimal,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    funding: Decimal,
    cost: Decimal,
) -> Economics {
    let window = HoldWindow { from, to };
    let hours = window.hours();
    let leg = |venue: &str, side| LegEconomics {
        venue: venue.into(),
        side,
        rate: Decimal::ZERO,
        predicted_rate: None,
        interval_minutes: 60,
        settlement_count: 1,
        first_settlement: Some(to),
        last_settlement: Some(to),
        expected_funding_usd: funding / Decimal::TWO,
        entry_fee_usd: cost / dec!(4),
        exit_fee_usd: cost / dec!(4),
        entry_slippage_usd: Decimal::ZERO,
        exit_slippage_usd: Decimal::ZERO,
    };
    let annualise = |usd: Decimal| usd * dec!(876000) / (notional * hours);
    let per_hour = funding / hours;
    Economics {
        symbol: symbol.into(),
        long: leg("a", LegSide::Long),
        short: leg("b", LegSide::Short),
        window,
        notional_usd: notional,
        expected_funding_usd: funding,
        entry_cost_usd: cost / Decimal::TWO,
        exit_cost_usd: cost / Decimal::TWO,
        round_trip_cost_usd: cost,
        expected_net_usd: funding - cost,
        funding_per_hour_usd: per_hour,
        funding_apr_percent: annualise(funding),
        net_apr_percent: annualise(funding - cost),
        break_even_hold_hours: (per_hour > Decimal::ZERO).then(|| cost * hours / funding),
    }
}

fn entry(symbol: &str, notional: Decimal, net: Decimal) -> Economics {
    scripted(symbol, notional, t(0, 0), t(8, 0), net + dec!(1), dec!(1))
}

fn th() -> Thresholds {
    Thresholds {
        min_net_apr_threshold: dec!(5),
        exit_net_apr_threshold: dec!(0),
        exit_confirmations: 3,
        hold_duration_hours: dec!(8),
        max_hold_hours: dec!(24),
        switch_margin_usd: dec!(1),
        settlement_guard_minutes: 15,
        max_close_delay_minutes: 30,
        settlement_buffer_seconds: 60,
        fee_aware_entry: true,
    }
}

// ---- entry ----

#[test]
fn entry_ranks_by_dollars_not_apr() {
    // X: 2 USD on 1000 (219 % APR); Y: 5 USD on 10000 (54.75 % APR). Y earns more dollars.
    let x = entry("X", dec!(1000), dec!(2));
    let y = entry("Y", dec!(10000), dec!(5));
    assert!(x.net_apr_percent > y.net_apr_percent);
    let d = decide_entry(t(0, 0), vec![x, y], vec![], &th());
    assert_eq!(d.chosen.as_deref(), Some("Y"));
    let order: Vec<&str> = d.candidates.iter().map(|c| c.symbol.as_str()).collect();
    assert_eq!(order, ["Y", "X"]);
    assert_eq!(d.candidates[1].verdict, EntryVerdict::Eligible { rank: 2 });
    let eligible: Vec<&str> = d.eligible().iter().map(|e| e.symbol.as_str()).collect();
    assert_eq!(eligible, ["Y", "X"]);
}

#[test]
fn entry_verdicts_name_why_each_symbol_was_skipped() {
    // 1000 USD for 8 h: 5 % APR = 0.045662... USD; net 0.01 is below, 1 is above.
    let good = entry("GOOD", dec!(1000), dec!(1));
    let low = entry("LOW", dec!(1000), dec!(0.01));
    let skipped = vec![
        SkippedSymbol {
            symbol: "COOL".into(),
            reason: SkipReason::Cooldown { until: t(1, 0) },
        },
        SkippedSymbol {
            symbol: "ODD".into(),
            reason: EconomicsError::BadInterval {
                venue: "a".into(),
                minutes: 0,
            }
            .into(),
        },
    ];
    let d = decide_entry(t(0, 0), vec![low, good], skipped, &th());
    assert_eq!(d.chosen.as_deref(), Some("GOOD"));
    let verdicts: Vec<(&str, &EntryVerdict)> = d
        .candidates
        .iter()
        .map(|c| (c.symbol.as_str(), &c.verdict))
        .collect();
    assert_eq!(verdicts[0], ("GOOD", &EntryVerdict::Chosen));
    assert!(matches!(
        verdicts[1],
        ("LOW", EntryVerdict::BelowThreshold { threshold_percent, .. }) if *threshold_percent == dec!(5)
    ));
    assert_eq!(
        verdicts[2],
        (
            "COOL",
            &EntryVerdict::Skipped {
                reason: SkipReason::Cooldown { until: t(1, 0) }
            }
        )
    );
    assert_eq!(
        verdicts[3].1,
        &EntryVerdict::Skipped {
            reason: SkipReason::UnresolvedInterval { venue: "a".into() }
        }
    );
    assert_eq!(d.best_rejected().map(|c| c.symbol.as_str()), Some("LOW"));
    assert!(d.candidates[2].economics.is_none());
}

#[rstest]
// exactly at the bar: eligible (inclusive)
#[case::at_bar(dec!(5), true)]
#[case::just_below(dec!(4.99), false)]
#[case::above(dec!(30), true)]
fn entry_threshold_is_inclusive(#[case] apr: Decimal, #[case] eligible: bool) {
    // Over a one-year hold on 1000 USD, `apr` percent is exactly apr x 10 USD.
    let year = Thresholds {
        hold_duration_hours: dec!(8760),
        max_hold_hours: dec!(8760),
        ..th()
    };
    let net = apr * dec!(10);
    let e = scripted("S", dec!(1000), t(0, 0), t(8760, 0), net + dec!(1), dec!(1));
    assert_eq!(e.net_apr_percent, apr);
    assert_eq!(entry_rejection(&e, &year).is_none(), eligible);
}

#[test]
fn break_even_must_be_shorter_than_the_hold() {
    // Net exactly 0 passes a 0 % bar but breaks even only at the end of the hold.
    let t0 = Thresholds {
        min_net_apr_threshold: dec!(0),
        exit_net_apr_threshold: dec!(-1),
        ..th()
    };
    let e = entry("S", dec!(1000), dec!(0));
    assert_eq!(e.break_even_hold_hours, Some(dec!(8)));
    assert_eq!(
        entry_rejection(&e, &t0),
        Some(EntryVerdict::BreakEvenTooLong {
            break_even_hold_hours: Some(dec!(8)),
            hold_hours: dec!(8)
        })
    );
    let d = decide_entry(t(0, 0), vec![e], vec![], &t0);
    assert_eq!(d.chosen, None);
}

#[test]
fn fee_blind_entry_compares_funding_apr() {
    // Funding 1 USD, cost 2: net negative, but the gross gate lets it in.
    let e = scripted("S", dec!(1000), t(0, 0), t(8, 0), dec!(1), dec!(2));
    assert!(entry_rejection(&e, &th()).is_some());
    let blind = Thresholds {
        fee_aware_entry: false,
        ..th()
    };
    assert_eq!(entry_rejection(&e, &blind), None);
}

// ---- holding ----

fn pos() -> HeldPosition {
    HeldPosition {
        symbol: "HELD".into(),
        opened_at: t(0, 0),
    }
}

/// The held position at 04:00 with `funding` left until the planned end at 08:00, exit cost 1.
fn held(funding: Decimal) -> Economics {
    scripted("HELD", dec!(1000), t(4, 0), t(8, 0), funding, dec!(2))
}

fn other(net: Decimal) -> Economics {
    scripted(
        "OTHER",
        dec!(1000),
        t(4, 0),
        t(12, 0),
        net + dec!(2),
        dec!(2),
    )
}

#[rstest]
// keep 2, no other: keep
#[case::keep_alone(dec!(2), None, "keep")]
// switch value 10 - 1 = 9 > 2 + 1: switch
#[case::switch_wins(dec!(2), Some(dec!(10)), "switch")]
// switch value 4 - 1 = 3, not > 2 + 1 (strict): keep
#[case::switch_at_margin(dec!(2), Some(dec!(4)), "keep")]
// switch value 3.5 - 1 = 2.5 < 3: keep
#[case::switch_short(dec!(2), Some(dec!(3.5)), "keep")]
fn keep_or_switch_before_the_planned_end(
    #[case] keep: Decimal,
    #[case] other_net: Option<Decimal>,
    #[case] expected: &str,
) {
    let o = other_net.map(other);
    let d = hold_decision(
        &pos(),
        &held(keep),
        o.as_ref(),
        t(4, 0),
        t(8, 0),
        &th(),
        &ExitWatch::default(),
    );
    assert_eq!(d.keep_value_usd, keep);
    assert_eq!(d.close_cost_usd, dec!(1));
    assert_eq!(d.switch_value_usd, other_net.map(|n| n - dec!(1)));
    let got = match &d.action {
        HoldAction::Keep => "keep",
        HoldAction::Switch { to } => {
            assert_eq!(to, "OTHER");
            "switch"
        }
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(got, expected);
    assert!(!d.at_planned_end);
}

#[test]
fn switch_ignores_the_held_symbol_and_ineligible_candidates() {
    let mut same = other(dec!(50));
    same.symbol = "HELD".into();
    let below_bar = other(dec!(0.001));
    for o in [&same, &below_bar] {
        let d = hold_decision(
            &pos(),
            &held(dec!(2)),
            Some(o),
            t(4, 0),
            t(8, 0),
            &th(),
            &ExitWatch::default(),
        );
        assert_eq!(d.action, HoldAction::Keep);
        assert_eq!(d.switch_value_usd, None);
        assert_eq!(d.switch_candidate, None);
    }
}

/// The held position at `now` with `funding` left until 08:00, its next settlement at `period`.
fn held_at(funding: Decimal, period: DateTime<Utc>) -> Economics {
    let mut e = held(funding);
    e.long.first_settlement = Some(period);
    e.short.first_settlement = Some(period + Duration::minutes(30));
    e
}

#[test]
fn a_single_sign_flip_does_not_close_and_n_confirmations_do() {
    let step = |watch: &ExitWatch, e: &Economics, now| {
        hold_decision(&pos(), e, None, now, t(8, 0), &th(), watch)
    };
    // One flip: keep, count 1.
    let d1 = step(
        &ExitWatch::default(),
        &held_at(dec!(-0.5), t(4, 0)),
        t(3, 30),
    );
    assert_eq!(d1.action, HoldAction::Keep);
    assert_eq!(d1.watch.consecutive_below, 1);
    assert_eq!(d1.watch.below_since, Some(t(3, 30)));
    // Back above: the count resets.
    let d2 = step(&d1.watch, &held_at(dec!(1), t(5, 0)), t(4, 30));
    assert_eq!(d2.action, HoldAction::Keep);
    assert_eq!(d2.watch, ExitWatch::default());
    // Three consecutive periods below: close on the third.
    let a = step(&d2.watch, &held_at(dec!(-0.5), t(6, 0)), t(5, 30));
    let b = step(&a.watch, &held_at(dec!(-0.5), t(7, 0)), t(6, 30));
    assert_eq!(b.action, HoldAction::Keep);
    assert_eq!(b.watch.consecutive_below, 2);
    let c = step(&b.watch, &held_at(dec!(-0.5), t(8, 0)), t(7, 30));
    match &c.action {
        HoldAction::Close {
            reason:
                CloseReason::ExitThresholdConfirmed {
                    confirmations,
                    threshold_percent,
                    funding_apr_percent,
                },
        } => {
            assert_eq!(*confirmations, 3);
            assert_eq!(*threshold_percent, dec!(0));
            assert!(*funding_apr_percent < Decimal::ZERO);
        }
        other => panic!("expected a confirmed exit, got {other:?}"),
    }
    // The watch does not carry over into whatever comes next.
    assert_eq!(c.watch, ExitWatch::default());
}

#[test]
fn many_checks_within_one_funding_period_count_once() {
    // A 60-second check interval sees one flipped hourly rate many times.
    let flipped = held_at(dec!(-0.5), t(5, 0));
    let mut watch = ExitWatch::default();
    for minute in 0..30 {
        let d = hold_decision(&pos(), &flipped, None, t(4, minute), t(8, 0), &th(), &watch);
        assert_eq!(d.action, HoldAction::Keep, "minute {minute}");
        watch = d.watch;
    }
    assert_eq!(watch.consecutive_below, 1);
    assert_eq!(watch.last_counted_period, Some(t(5, 0)));
    assert_eq!(watch.below_since, Some(t(4, 0)));
}

#[test]
fn a_stored_watch_without_the_period_field_loads() {
    let w: ExitWatch =
        serde_json::from_str(r#"{"consecutive_below":2,"below_since":null}"#).unwrap();
    assert_eq!(w.consecutive_below, 2);
    assert_eq!(w.last_counted_period, None);
    assert_eq!(
        serde_json::from_str::<ExitWatch>("{}").unwrap(),
        ExitWatch::default()
    );
}

#[test]
fn a_window_without_settlements_leaves_the_count_alone() {
    let mut quiet = held(Decimal::ZERO);
    for leg in [&mut quiet.long, &mut quiet.short] {
        leg.settlement_count = 0;
        leg.first_settlement = None;
        leg.last_settlement = None;
    }
    let watch = ExitWatch {
        consecutive_below: 2,
        below_since: Some(t(3, 0)),
        last_counted_period: Some(t(7, 0)),
    };
    let d = hold_decision(&pos(), &quiet, None, t(7, 50), t(8, 0), &th(), &watch);
    assert_eq!(d.action, HoldAction::Keep);
    assert_eq!(d.watch, watch);
}

#[rstest]
// funding 5 USD over the next 8 h on 1000 = 547.5 % >= 5: extend to the window's end
#[case::extend(t(8, 0), t(16, 0), dec!(5), Some(t(16, 0)))]
// the extension is capped by max_hold_hours (24 h from 00:00)
#[case::extend_capped(t(20, 0), t(28, 0), dec!(5), Some(t(24, 0)))]
// 0.01 USD over 8 h = 1.095 % < 5: close at the planned end
#[case::close_low(t(8, 0), t(16, 0), dec!(0.01), None)]
fn at_the_planned_end_extend_or_close(
    #[case] now: DateTime<Utc>,
    #[case] to: DateTime<Utc>,
    #[case] funding: Decimal,
    #[case] until: Option<DateTime<Utc>>,
) {
    let e = scripted("HELD", dec!(1000), now, to, funding, dec!(2));
    let d = hold_decision(&pos(), &e, None, now, t(8, 0), &th(), &ExitWatch::default());
    assert!(d.at_planned_end);
    match (until, &d.action) {
        (Some(u), HoldAction::Extend { until }) => assert_eq!(*until, u),
        (None, HoldAction::Close { reason }) => assert!(matches!(
            reason,
            CloseReason::PlannedEnd { bar_percent, .. } if *bar_percent == dec!(5)
        )),
        (u, a) => panic!("expected {u:?}, got {a:?}"),
    }
}

#[test]
fn at_the_planned_end_a_better_candidate_wins_and_max_hold_closes() {
    let e = scripted("HELD", dec!(1000), t(8, 0), t(16, 0), dec!(5), dec!(2));
    let o = other(dec!(10));
    let d = hold_decision(
        &pos(),
        &e,
        Some(&o),
        t(8, 0),
        t(8, 0),
        &th(),
        &ExitWatch::default(),
    );
    assert_eq!(d.action, HoldAction::Switch { to: "OTHER".into() });
    let late = scripted("HELD", dec!(1000), t(24, 0), t(24, 1), dec!(5), dec!(2));
    let d = hold_decision(
        &pos(),
        &late,
        None,
        t(24, 0),
        t(20, 0),
        &th(),
        &ExitWatch::default(),
    );
    assert_eq!(
        d.action,
        HoldAction::Close {
            reason: CloseReason::MaxHoldReached {
                max_hold_hours: dec!(24)
            }
        }
    );
}

#[rstest]
#[case::before_end(t(4, 0), t(8, 0), t(8, 0))]
#[case::at_end(t(8, 0), t(8, 0), t(16, 0))]
#[case::capped(t(20, 0), t(8, 0), t(24, 0))]
#[case::past_max(t(25, 0), t(8, 0), t(25, 0) + Duration::seconds(1))]
fn held_window_covers_the_rest_or_the_extension(
    #[case] now: DateTime<Utc>,
    #[case] planned_end: DateTime<Utc>,
    #[case] to: DateTime<Utc>,
) {
    let w = held_window(&pos(), now, planned_end, &th());
    assert_eq!(w, HoldWindow { from: now, to });
}

// ---- close timing ----

fn leg(
    venue: &str,
    side: LegSide,
    rate: Decimal,
    interval: u32,
    next: DateTime<Utc>,
) -> LegFunding {
    LegFunding {
        venue: venue.into(),
        side,
        schedule: FundingSchedule {
            rate,
            predicted_rate: None,
            interval_minutes: interval,
            next_settlement: next,
        },
    }
}

fn secs(at: DateTime<Utc>, s: i64) -> DateTime<Utc> {
    at + Duration::seconds(s)
}

#[rstest]
// short on a positive hourly rate (favourable) at 09:00, target 08:50: wait for it
#[case::wait_for_favourable(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0))], t(8, 50), secs(t(9, 0), 60), dec!(0.1))]
// the same payment 30 min after the target is beyond the 15 min guard
#[case::beyond_guard(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0))], t(8, 30), t(8, 30), dec!(0))]
// long on a positive rate (adverse): close at the target, never wait
#[case::adverse(
    vec![leg("a", LegSide::Long, dec!(0.0001), 60, t(9, 0))], t(8, 50), t(8, 50), dec!(0))]
// a favourable settlement exactly at the target is waited for
#[case::at_target(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0))], t(9, 0), secs(t(9, 0), 60), dec!(0.1))]
// both legs favourable at different times: close after the later one
#[case::both_legs(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0)),
         leg("b", LegSide::Long, dec!(-0.0004), 240, t(9, 10))],
    t(8, 55), secs(t(9, 10), 60), dec!(0.5))]
// favourable on a at 09:00 but a larger adverse payment on b at the same time: close now
#[case::adverse_outweighs(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0)),
         leg("b", LegSide::Short, dec!(-0.0004), 240, t(9, 0))],
    t(8, 55), t(8, 55), dec!(0))]
// favourable at 09:00, adverse larger at 09:05, favourable small at 09:10: stop after 09:00
#[case::stop_before_adverse(
    vec![leg("a", LegSide::Short, dec!(0.0001), 5, t(9, 0)),
         leg("b", LegSide::Short, dec!(-0.0004), 60, t(9, 5))],
    t(8, 58), secs(t(9, 0), 60), dec!(0.1))]
fn close_timing_around_settlements(
    #[case] legs: Vec<LegFunding>,
    #[case] target: DateTime<Utc>,
    #[case] close_at: DateTime<Utc>,
    #[case] held_through: Decimal,
) {
    let c = close_time_after_settlements(&legs, dec!(1000), target, &th());
    assert_eq!(c.close_at, close_at);
    assert_eq!(c.target, target);
    assert_eq!(c.held_through_usd, held_through);
    assert!(c.close_at >= target);
    assert!(c.close_at <= target + Duration::minutes(30));
}

// ---- validation ----

#[rstest]
#[case::entry_not_above_exit(|t: &mut Thresholds| t.exit_net_apr_threshold = dec!(5),
    "invalid min_net_apr_threshold = 5: must be > exit_net_apr_threshold (5)")]
#[case::zero_confirmations(|t: &mut Thresholds| t.exit_confirmations = 0,
    "invalid exit_confirmations = 0: must be >= 1 (a single check must never close)")]
#[case::zero_hold(|t: &mut Thresholds| t.hold_duration_hours = dec!(0),
    "invalid hold_duration_hours = 0: must be > 0")]
#[case::max_below_hold(|t: &mut Thresholds| t.max_hold_hours = dec!(4),
    "invalid max_hold_hours = 4: must be >= hold_duration_hours (8)")]
#[case::absurd_max_hold(|t: &mut Thresholds| t.max_hold_hours = dec!(1e12),
    "invalid max_hold_hours = 1000000000000: must be <= 87600 (ten years)")]
#[case::negative_margin(|t: &mut Thresholds| t.switch_margin_usd = dec!(-1),
    "invalid switch_margin_usd = -1: must be >= 0")]
#[case::delay_below_guard(|t: &mut Thresholds| t.max_close_delay_minutes = 10,
    "invalid max_close_delay_minutes = 10: must be >= settlement_guard_minutes (15) plus settlement_buffer_seconds (60)")]
fn thresholds_are_checked_at_start_up(#[case] change: fn(&mut Thresholds), #[case] text: &str) {
    assert_eq!(th().validate(), Ok(()));
    assert_eq!(Thresholds::default().validate(), Ok(()));
    let mut bad = th();
    change(&mut bad);
    assert_eq!(bad.validate().unwrap_err().to_string(), text);
}

#[test]
fn decisions_round_trip_through_json() {
    let d = decide_entry(
        t(0, 0),
        vec![entry("S", dec!(1000), dec!(1))],
        vec![SkippedSymbol {
            symbol: "C".into(),
            reason: SkipReason::Held,
        }],
        &th(),
    );
    let back: EntryDecision = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    let h = hold_decision(
        &pos(),
        &held(dec!(-1)),
        None,
        t(4, 0),
        t(8, 0),
        &th(),
        &ExitWatch::default(),
    );
    let back: HoldDecision = serde_json::from_str(&serde_json::to_string(&h).unwrap()).unwrap();
    assert_eq!(back, h);
    let json = serde_json::to_string(&HoldAction::Extend { until: t(9, 0) }).unwrap();
    assert!(json.contains("\"kind\":\"extend\""), "{json}");
}

// ---- switch horizon, open timing ----

#[rstest]
// keep over the other's 8 h = 0.5 + 0.2 x 7 = 1.9; switch value = net - 0.9; margin 1
#[case::brief_formula_would_switch(dec!(3), false)]
#[case::beats_the_matched_keep(dec!(4), true)]
fn switch_is_compared_over_the_same_horizon(#[case] other_net: Decimal, #[case] switches: bool) {
    use crate::rotation::economics::{evaluate, tests::quote, EconomicsParams};
    let a = quote("a", dec!(0.0001), 60, t(1, 0), dec!(0.0002));
    let b = quote("b", dec!(-0.0004), 240, t(4, 0), dec!(0.0005));
    let w = HoldWindow {
        from: t(7, 0),
        to: t(8, 0),
    };
    let held = evaluate("HELD", &b, &a, w, dec!(1000), &EconomicsParams::default()).unwrap();
    assert_eq!(held.expected_funding_usd, dec!(0.5));
    assert_eq!(held.carry_per_hour_usd(), dec!(0.2));
    assert_eq!(held.exit_cost_usd, dec!(0.9));
    let o = scripted(
        "OTHER",
        dec!(1000),
        t(7, 0),
        t(15, 0),
        other_net + dec!(2),
        dec!(2),
    );
    let d = hold_decision(
        &pos(),
        &held,
        Some(&o),
        t(7, 0),
        t(8, 0),
        &th(),
        &ExitWatch::default(),
    );
    assert_eq!(d.keep_value_usd, dec!(0.5));
    assert_eq!(d.keep_for_switch_usd, Some(dec!(1.9)));
    assert_eq!(d.switch_value_usd, Some(other_net - dec!(0.9)));
    assert_eq!(
        matches!(d.action, HoldAction::Switch { .. }),
        switches,
        "{:?}",
        d.action
    );
}

#[rstest]
// long on a positive hourly rate (adverse) at 09:00, now 08:50: open just after it
#[case::wait_out_adverse(
    vec![leg("a", LegSide::Long, dec!(0.0001), 60, t(9, 0))], t(8, 50), secs(t(9, 0), 60), dec!(-0.1))]
// adverse beyond the guard: open now
#[case::beyond_guard(
    vec![leg("a", LegSide::Long, dec!(0.0001), 60, t(9, 0))], t(8, 40), t(8, 40), dec!(0))]
// favourable only: open now
#[case::favourable(
    vec![leg("a", LegSide::Short, dec!(0.0001), 60, t(9, 0))], t(8, 50), t(8, 50), dec!(0))]
// adverse 0.1 on a, favourable 0.4 on b at the same time: open now and collect
#[case::net_favourable(
    vec![leg("a", LegSide::Long, dec!(0.0001), 60, t(9, 0)),
         leg("b", LegSide::Long, dec!(-0.0004), 240, t(9, 0))],
    t(8, 50), t(8, 50), dec!(0))]
fn open_timing_avoids_adverse_settlements(
    #[case] legs: Vec<LegFunding>,
    #[case] now: DateTime<Utc>,
    #[case] open_at: DateTime<Utc>,
    #[case] avoided: Decimal,
) {
    let o = open_time_after_adverse_settlements(&legs, dec!(1000), now, &th());
    assert_eq!(o.open_at, open_at);
    assert_eq!(o.avoided_usd, avoided);
}

#[test]
fn leg_funding_from_a_quote() {
    use crate::rotation::economics::tests::quote;
    let q = quote("a", dec!(0.0001), 60, t(1, 0), dec!(0.0002));
    let l = LegFunding::from_quote(&q, LegSide::Short);
    assert_eq!(l.venue, "a");
    assert_eq!(l.side, LegSide::Short);
    assert_eq!(l.schedule, q.funding);
}

#[rstest]
#[case(EntryVerdict::Chosen.to_string(), "chosen: best expected net USD")]
#[case(EntryVerdict::BelowThreshold { apr_percent: dec!(4.987), threshold_percent: dec!(5) }.to_string(),
    "net APR 4.99% below the entry threshold 5%")]
#[case(EntryVerdict::BreakEvenTooLong { break_even_hold_hours: Some(dec!(9)), hold_hours: dec!(8) }.to_string(),
    "break-even after 9 h, not within the 8 h hold")]
#[case(EntryVerdict::BreakEvenTooLong { break_even_hold_hours: None, hold_hours: dec!(8) }.to_string(),
    "funding never pays back the costs")]
#[case(EntryVerdict::Skipped { reason: SkipReason::UnresolvedInterval { venue: "a".into() } }.to_string(),
    "skipped: funding interval unknown on a")]
#[case(HoldAction::Close { reason: CloseReason::ExitThresholdConfirmed {
        funding_apr_percent: dec!(-3.5), threshold_percent: dec!(1), confirmations: 3 } }.to_string(),
    "close: funding APR -3.5% below the exit threshold 1% in 3 consecutive funding periods")]
#[case(HoldAction::Switch { to: "ETH".into() }.to_string(), "switch to ETH")]
fn decision_texts(#[case] got: String, #[case] expected: &str) {
    assert_eq!(got, expected);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_leg(venue: &'static str) -> impl Strategy<Value = LegFunding> {
        (
            any::<bool>(),
            -1000i64..1000,
            prop::sample::select(vec![5u32, 60, 240, 480]),
            0i64..600,
        )
            .prop_map(move |(long, rate, interval, next)| {
                let side = if long { LegSide::Long } else { LegSide::Short };
                leg(venue, side, Decimal::new(rate, 6), interval, t(0, next))
            })
    }

    proptest! {
        #[test]
        fn timing_is_bounded_and_never_worse_than_acting_now(
            a in arb_leg("a"),
            b in arb_leg("b"),
            target in 0i64..600,
            guard in 0u32..60,
            extra in 1u32..60,
        ) {
            let th = Thresholds {
                settlement_guard_minutes: guard,
                max_close_delay_minutes: guard + extra,
                ..th()
            };
            prop_assert_eq!(th.validate(), Ok(()));
            let at = t(0, target);
            let legs = [a, b];
            let c = close_time_after_settlements(&legs, dec!(1000), at, &th);
            prop_assert!(c.close_at >= at);
            prop_assert!(c.close_at <= at + Duration::minutes(i64::from(th.max_close_delay_minutes)));
            prop_assert!(c.held_through_usd >= Decimal::ZERO);
            prop_assert_eq!(c.close_at == at, c.held_through.is_empty());
            let o = open_time_after_adverse_settlements(&legs, dec!(1000), at, &th);
            prop_assert!(o.open_at >= at);
            prop_assert!(o.open_at <= at + Duration::minutes(i64::from(guard)) + Duration::seconds(60));
            prop_assert!(o.avoided_usd <= Decimal::ZERO);
        }
    }
}

#[test]
fn absurd_holds_never_overflow_the_clock() {
    let huge = Thresholds {
        hold_duration_hours: dec!(1e15),
        max_hold_hours: dec!(1e16),
        ..th()
    };
    assert!(huge.validate().is_err());
    // Even unvalidated, the arithmetic stays in range.
    assert_eq!(huge.hold_duration(), Duration::hours(87_600));
    let w = held_window(&pos(), t(9, 0), t(8, 0), &huge);
    assert_eq!(
        w.to,
        t(0, 0) + Duration::hours(87_600),
        "capped at opened_at + max"
    );
}
