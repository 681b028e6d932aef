//! One cycle through the pure pipeline, as the bot drives it: venue figures -> quotes ->
//! economics -> entry -> a check every 10 minutes (one hour of flipped funding in between) ->
//! extension at the planned end -> close at the next planned end, timed after a favourable
//! settlement -> ledger and capture ratio. Venue "h" settles hourly, venue "f" every 4 hours.

use super::*;
use crate::rotation::economics::tests::{book, t};
use crate::rotation::economics::{best_direction, evaluate, EconomicsParams, LegSide, VenueQuote};
use crate::rotation::ledger::{CycleLedger, FundingRead, LegLedger};
use rust_decimal_macros::dec;
use venue_api::{FundingPayment, FundingRate};

const NOTIONAL: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

fn quote(
    venue: &str,
    rate: Decimal,
    interval: u32,
    fee: Decimal,
    now: DateTime<Utc>,
) -> VenueQuote {
    let r = FundingRate {
        rate,
        interval_minutes: interval,
        next_funding_time: None,
        time: None,
    };
    VenueQuote::from_venue(
        venue,
        &r,
        None,
        Some(fee),
        book(dec!(99.999), dec!(100.001), dec!(1000)),
        now,
    )
    .unwrap()
}

/// Rates of the hourly venue "h" and the 4-hourly venue "f" for symbol X at `now`: steady
/// (h -0.002 %/h, f +0.02 %/4h), except one hour (02:00-03:00) in which h flips to
/// +0.01 %/h, and after 10:00 when h turns against us for good (+0.001 %/h) and f decays.
fn x_rates(now: DateTime<Utc>) -> (Decimal, Decimal) {
    if now >= t(2, 0) && now < t(3, 0) {
        (dec!(0.0001), dec!(0.0002))
    } else if now >= t(10, 0) {
        (dec!(0.00001), dec!(0.00001))
    } else {
        (dec!(-0.00002), dec!(0.0002))
    }
}

fn x_quotes(now: DateTime<Utc>) -> (VenueQuote, VenueQuote) {
    let (h, f) = x_rates(now);
    (
        quote("h", h, 60, dec!(0), now),
        quote("f", f, 240, dec!(0.0002), now),
    )
}

fn thresholds() -> Thresholds {
    Thresholds {
        max_hold_hours: dec!(24),
        ..Thresholds::default()
    }
}

#[test]
fn one_cycle_enters_holds_through_a_flip_extends_and_closes_after_a_settlement() {
    let th = thresholds();
    th.validate().unwrap();
    let p = EconomicsParams::default();

    // Entry at 00:10: X (short f, long h) beats Y, which pays too little for its costs.
    let now = t(0, 10);
    let window = HoldWindow {
        from: now,
        to: now + th.hold_duration(),
    };
    let (h, f) = x_quotes(now);
    let x = best_direction("X", &h, &f, window, NOTIONAL, &p).unwrap();
    assert_eq!((x.long.venue.as_str(), x.short.venue.as_str()), ("h", "f"));
    // 8 hourly settlements x 0.2 + 2 four-hourly x 2 = 5.6; fees 4 + slippage 0.4.
    assert_eq!(x.expected_funding_usd, dec!(5.6));
    assert_eq!(x.round_trip_cost_usd, dec!(4.4));
    let y = best_direction(
        "Y",
        &quote("h", dec!(0), 60, dec!(0), now),
        &quote("f", dec!(0.00005), 240, dec!(0.0002), now),
        window,
        NOTIONAL,
        &p,
    )
    .unwrap();
    let entry = decide_entry(now, vec![y, x.clone()], vec![], &th);
    assert_eq!(entry.chosen.as_deref(), Some("X"));
    assert!(matches!(
        entry.candidates[1].verdict,
        EntryVerdict::BelowThreshold { .. }
    ));
    let expected_at_entry = x.expected_funding_usd;

    // Hold: a check every 10 minutes until the planned end.
    let position = HeldPosition {
        symbol: "X".into(),
        opened_at: now,
    };
    let mut planned_end = window.to;
    let mut watch = ExitWatch::default();
    let mut check = now + Duration::minutes(10);
    let mut max_count = 0;
    let mut extended = None;
    while check < planned_end + Duration::minutes(1) {
        let (h, f) = x_quotes(check);
        let w = held_window(&position, check, planned_end, &th);
        let held = evaluate("X", &h, &f, w, NOTIONAL, &p).unwrap();
        let d = hold_decision(&position, &held, None, check, planned_end, &th, &watch);
        max_count = max_count.max(d.watch.consecutive_below);
        match &d.action {
            HoldAction::Keep => {}
            HoldAction::Extend { until } => {
                extended = Some((check, *until));
                planned_end = *until;
            }
            other => panic!("at {check}: unexpected {other:?} ({d:?})"),
        }
        watch = d.watch;
        if extended.is_some() {
            break;
        }
        check += Duration::minutes(10);
    }
    // The flipped hour was seen on six checks but counted once, and never closed.
    assert_eq!(max_count, 1);
    // At the planned end (08:10) the rates are still good: extend by a full hold.
    assert_eq!(extended, Some((t(8, 10), t(16, 10))));

    // After 10:00 the carry turns negative: the early exit needs three funding periods below
    // the bar.
    let mut closed = None;
    let mut check = t(10, 5);
    while check < planned_end {
        let (h, f) = x_quotes(check);
        let w = held_window(&position, check, planned_end, &th);
        let held = evaluate("X", &h, &f, w, NOTIONAL, &p).unwrap();
        let d = hold_decision(&position, &held, None, check, planned_end, &th, &watch);
        watch = d.watch.clone();
        if let HoldAction::Close { reason } = d.action {
            closed = Some((check, reason));
            break;
        }
        check += Duration::minutes(10);
    }
    let (closed_at, reason) = closed.expect("the decayed carry closes before 16:10");
    assert!(matches!(
        reason,
        CloseReason::ExitThresholdConfirmed {
            confirmations: 3,
            ..
        }
    ));
    // Periods 11:00, 12:00 and 13:00 were seen below the bar from 10:05, 11:05, 12:05.
    assert_eq!(closed_at, t(12, 5));

    // Close timing from 12:55: h settles at 13:00 in our favour (long, negative rate), so the
    // close waits one minute past it.
    let (h, f) = x_quotes(t(9, 0)); // the rates as they were: favourable to both legs
    let legs = [
        LegFunding::from_quote(&h, LegSide::Long),
        LegFunding::from_quote(&f, LegSide::Short),
    ];
    let timing = close_time_after_settlements(&legs, NOTIONAL, t(12, 55), &th);
    assert_eq!(timing.close_at, t(13, 1));
    assert_eq!(timing.held_through_usd, dec!(0.2));

    // Ledger: what the venues booked, one failed read on the way, then the capture ratio.
    let mut ledger = CycleLedger {
        legs: vec![
            LegLedger::new("h", LegSide::Long, t(0, 10)),
            LegLedger::new("f", LegSide::Short, t(0, 10)),
        ],
        expected_funding_usd: expected_at_entry,
        notional_usd: NOTIONAL,
    };
    let h_pay: Vec<FundingPayment> = (1..=8)
        .map(|hour| FundingPayment {
            time: t(hour, 0),
            amount: dec!(0.2),
        })
        .collect();
    let f_pay: Vec<FundingPayment> = [4, 8]
        .into_iter()
        .map(|hour| FundingPayment {
            time: t(hour, 0),
            amount: dec!(2),
        })
        .collect();
    let h_leg = ledger.leg_mut("h").unwrap();
    h_leg.apply_funding_read(
        &FundingRead::Failed {
            detail: "timeout".into(),
        },
        t(8, 30),
        None,
    );
    assert_eq!(
        ledger.report(dec!(1)).capture_ratio,
        None,
        "unknown, not zero"
    );
    let h_leg = ledger.leg_mut("h").unwrap();
    h_leg.apply_funding_read(&FundingRead::Complete { payments: h_pay }, t(8, 31), None);
    let f_leg = ledger.leg_mut("f").unwrap();
    f_leg.apply_funding_read(&FundingRead::Complete { payments: f_pay }, t(8, 31), None);
    let report = ledger.report(dec!(1));
    assert_eq!(report.funding.known(), Some(dec!(5.6)));
    assert_eq!(report.capture_ratio, Some(dec!(1)));
}
