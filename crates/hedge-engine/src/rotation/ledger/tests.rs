//! Tests of [`super`]: failed and partial reads stay unknown, duplicates count once, the open
//! and close bound the records, missing fees show as unknown, PnL per venue and total, the
//! balance cross-check, capture ratio and plausibility flags.

use super::*;
use crate::rotation::economics::tests::t;
use rstest::rstest;
use rust_decimal_macros::dec;
use venue_api::OrderState;

fn pay(at: DateTime<Utc>, amount: Decimal) -> FundingPayment {
    FundingPayment { time: at, amount }
}

fn complete(p: Vec<FundingPayment>) -> FundingRead {
    FundingRead::Complete { payments: p }
}

fn order(
    id: u64,
    side: Side,
    size: Decimal,
    price: Option<Decimal>,
    fee: Option<Decimal>,
) -> OrderStatus {
    OrderStatus {
        client_id: ClientOrderId::new(id).unwrap(),
        venue_order_id: None,
        side,
        size,
        price: price.unwrap_or(dec!(1)),
        state: OrderState::Filled,
        filled_size: size,
        avg_fill_price: price,
        fee,
        reason: None,
    }
}

fn leg() -> LegLedger {
    LegLedger::new("a", LegSide::Short, t(0, 0))
}

#[test]
fn a_failed_read_is_unknown_never_zero() {
    let mut l = leg();
    assert_eq!(l.funding(), Figure::Unknown, "never read");
    l.apply_funding_read(
        &FundingRead::Failed {
            detail: "timeout".into(),
        },
        t(1, 0),
        None,
    );
    assert_eq!(l.funding(), Figure::Unknown);
    assert_eq!(
        l.funding_status,
        ReadStatus::Incomplete {
            at: t(1, 0),
            detail: "read failed: timeout".into()
        }
    );
    // A complete read with no records is a known zero.
    l.apply_funding_read(&complete(vec![]), t(1, 5), None);
    assert_eq!(l.funding(), Figure::Known(Decimal::ZERO));
    // A complete read, then a failed one: unknown again (the last read decides).
    l.apply_funding_read(&complete(vec![pay(t(1, 0), dec!(0.1))]), t(2, 0), None);
    assert_eq!(l.funding(), Figure::Known(dec!(0.1)));
    l.apply_funding_read(
        &FundingRead::Failed {
            detail: "502".into(),
        },
        t(3, 0),
        None,
    );
    assert_eq!(l.funding(), Figure::Unknown);
    assert_eq!(l.funding_known_part(), dec!(0.1));
}

#[test]
fn a_partial_read_keeps_what_it_got_but_stays_unknown() {
    let mut l = leg();
    l.apply_funding_read(
        &FundingRead::Partial {
            payments: vec![pay(t(1, 0), dec!(0.1))],
            detail: "page limit".into(),
        },
        t(2, 0),
        None,
    );
    assert_eq!(l.funding(), Figure::Unknown);
    assert_eq!(l.funding_known_part(), dec!(0.1));
    l.apply_funding_read(
        &complete(vec![pay(t(1, 0), dec!(0.1)), pay(t(2, 0), dec!(0.1))]),
        t(2, 1),
        None,
    );
    assert_eq!(l.funding(), Figure::Known(dec!(0.2)));
}

#[test]
fn duplicates_by_time_count_once_and_a_conflict_is_flagged() {
    let mut l = leg();
    let read = complete(vec![
        pay(t(1, 0), dec!(0.1)),
        pay(t(1, 0), dec!(0.1)),
        pay(t(2, 0), dec!(0.1)),
    ]);
    l.apply_funding_read(&read, t(2, 1), None);
    l.apply_funding_read(&read, t(2, 2), None);
    assert_eq!(l.payments.len(), 2);
    assert_eq!(l.funding(), Figure::Known(dec!(0.2)));
    assert!(l.flags.is_empty());
    let conflicting = complete(vec![pay(t(1, 0), dec!(0.3))]);
    l.apply_funding_read(&conflicting, t(2, 3), None);
    l.apply_funding_read(&conflicting, t(2, 4), None);
    assert_eq!(l.funding(), Figure::Known(dec!(0.2)));
    assert_eq!(
        l.flags,
        vec![LedgerFlag::ConflictingDuplicate {
            venue: "a".into(),
            at: t(1, 0),
            kept: dec!(0.1),
            ignored: dec!(0.3)
        }],
        "flagged once"
    );
}

#[test]
fn only_records_between_open_and_close_are_this_cycles() {
    let mut l = leg();
    l.closed_at = Some(t(3, 0));
    l.apply_funding_read(
        &complete(vec![
            pay(t(-1, 0), dec!(5)),  // another position, before the open
            pay(t(0, 0), dec!(5)),   // at the open: not ours
            pay(t(1, 0), dec!(0.1)), // ours
            pay(t(3, 0), dec!(0.1)), // at the close: ours
            pay(t(4, 0), dec!(5)),   // after the close
        ]),
        t(5, 0),
        None,
    );
    assert_eq!(l.funding(), Figure::Known(dec!(0.2)));
}

#[rstest]
// short, rate +0.0001, notional 1000: expect +0.1
#[case::plausible(dec!(0.0001), dec!(0.1), None)]
#[case::dust_never_flagged(dec!(0.0001), dec!(-0.005), None)]
#[case::wrong_sign(dec!(0.0001), dec!(-0.1), Some("wrong_sign"))]
#[case::too_large(dec!(0.0001), dec!(0.5), Some("too_large"))]
#[case::within_tolerance(dec!(0.0001), dec!(0.29), None)]
// with a zero rate any amount beyond dust is too large, whatever its sign
#[case::zero_rate(dec!(0), dec!(-0.02), Some("too_large"))]
fn settlements_are_checked_against_rate_times_notional(
    #[case] rate: Decimal,
    #[case] amount: Decimal,
    #[case] flag: Option<&str>,
) {
    let r = Plausibility {
        rate,
        notional_usd: dec!(1000),
        tolerance_multiple: dec!(3),
        min_abs_usd: dec!(0.01),
    };
    let mut l = leg();
    l.apply_funding_read(&complete(vec![pay(t(1, 0), amount)]), t(1, 1), Some(&r));
    // Flagged, never dropped.
    assert_eq!(l.funding(), Figure::Known(amount));
    let got = l.flags.first().map(|f| match f {
        LedgerFlag::WrongSign { expected, .. } => {
            assert_eq!(*expected, dec!(0.1));
            "wrong_sign"
        }
        LedgerFlag::TooLarge { .. } => "too_large",
        other => panic!("unexpected {other:?}"),
    });
    assert_eq!(got, flag);
}

#[test]
fn a_missing_fee_makes_fees_unknown_and_is_flagged() {
    let mut l = leg();
    l.record_fill(
        FillPhase::Entry,
        &order(1, Side::Sell, dec!(1), Some(dec!(100)), Some(dec!(0.05))),
    );
    assert_eq!(l.fees(), Figure::Known(dec!(0.05)));
    l.record_fill(
        FillPhase::Exit,
        &order(2, Side::Buy, dec!(1), Some(dec!(99)), None),
    );
    assert_eq!(l.fees(), Figure::Unknown);
    assert_eq!(
        l.flags,
        vec![LedgerFlag::MissingFee {
            venue: "a".into(),
            client_id: ClientOrderId::new(2).unwrap()
        }]
    );
    // The trading PnL is still known (flat, both prices known): sold 100, bought 99.
    assert_eq!(l.trading_pnl(), Figure::Known(dec!(1)));
}

#[test]
fn trading_pnl_needs_a_flat_leg_and_prices() {
    let mut l = leg();
    assert_eq!(l.trading_pnl(), Figure::Unknown, "no fills");
    l.record_fill(
        FillPhase::Entry,
        &order(1, Side::Sell, dec!(2), Some(dec!(100)), Some(dec!(0))),
    );
    assert_eq!(l.net_size(), dec!(-2));
    assert_eq!(l.trading_pnl(), Figure::Unknown, "still open");
    l.record_fill(
        FillPhase::Exit,
        &order(2, Side::Buy, dec!(2), None, Some(dec!(0))),
    );
    assert_eq!(l.net_size(), dec!(0));
    assert_eq!(l.trading_pnl(), Figure::Unknown, "a fill without a price");
    assert_eq!(l.flags.len(), 1);
    // The same order read again with its price replaces the first reading and its flag.
    l.record_fill(
        FillPhase::Exit,
        &order(2, Side::Buy, dec!(2), Some(dec!(101)), Some(dec!(0))),
    );
    assert_eq!(l.fills.len(), 2);
    assert_eq!(l.trading_pnl(), Figure::Known(dec!(-2)));
    assert!(l.flags.is_empty(), "{:?}", l.flags);
    // Nothing filled: nothing recorded.
    let mut empty = order(3, Side::Buy, dec!(1), None, None);
    empty.filled_size = Decimal::ZERO;
    l.record_fill(FillPhase::Repair, &empty);
    assert_eq!(l.fills.len(), 2);
}

/// A full cycle: long on "a" (pays 0.05 funding), short on "b" (receives 0.25); price 100 ->
/// 110, 1 unit, fees 0.05 per fill on a, 0.02 on b.
fn cycle() -> CycleLedger {
    let mut long = LegLedger::new("a", LegSide::Long, t(0, 0));
    long.record_fill(
        FillPhase::Entry,
        &order(1, Side::Buy, dec!(1), Some(dec!(100)), Some(dec!(0.05))),
    );
    long.record_fill(
        FillPhase::Exit,
        &order(2, Side::Sell, dec!(1), Some(dec!(110)), Some(dec!(0.05))),
    );
    long.apply_funding_read(&complete(vec![pay(t(1, 0), dec!(-0.05))]), t(8, 0), None);
    long.balance_before = Some(dec!(500));
    long.balance_after = Some(dec!(509.85));
    let mut short = LegLedger::new("b", LegSide::Short, t(0, 0));
    short.record_fill(
        FillPhase::Entry,
        &order(3, Side::Sell, dec!(1), Some(dec!(100)), Some(dec!(0.02))),
    );
    short.record_fill(
        FillPhase::Exit,
        &order(4, Side::Buy, dec!(1), Some(dec!(110)), Some(dec!(0.02))),
    );
    short.apply_funding_read(
        &complete(vec![pay(t(4, 0), dec!(0.125)), pay(t(8, 0), dec!(0.125))]),
        t(8, 0),
        None,
    );
    short.balance_before = Some(dec!(500));
    short.balance_after = Some(dec!(490.21));
    let mut c = CycleLedger {
        legs: vec![long, short],
        expected_funding_usd: dec!(0.4),
        notional_usd: dec!(100),
    };
    c.close(t(8, 0));
    c
}

#[test]
fn realised_pnl_per_venue_and_total_with_the_balance_cross_check() {
    let r = cycle().report(dec!(0.5));
    let a = &r.venues[0];
    assert_eq!(a.trading_pnl, Figure::Known(dec!(10)));
    assert_eq!(a.funding, Figure::Known(dec!(-0.05)));
    assert_eq!(a.fees, Figure::Known(dec!(0.10)));
    assert_eq!(a.realised, Figure::Known(dec!(9.85)));
    assert_eq!(a.balance_change, Some(dec!(9.85)));
    assert_eq!(a.disagreement_usd, Some(dec!(0)));
    let b = &r.venues[1];
    assert_eq!(b.realised, Figure::Known(dec!(-9.79)));
    assert_eq!(b.balance_change, Some(dec!(-9.79)));
    assert_eq!(r.trading_pnl, Figure::Known(dec!(0)));
    assert_eq!(r.funding, Figure::Known(dec!(0.2)));
    assert_eq!(r.fees, Figure::Known(dec!(0.14)));
    assert_eq!(r.realised, Figure::Known(dec!(0.06)));
    assert_eq!(r.realised_percent_of_notional, Some(dec!(0.06)));
    assert_eq!(r.balance_change, Some(dec!(0.06)));
    assert!(!r.disagreement_flagged);
    // Captured 0.2 of the 0.4 expected.
    assert_eq!(r.capture_ratio, Some(dec!(0.5)));
}

#[test]
fn a_balance_disagreement_is_shown_and_flagged() {
    let mut c = cycle();
    c.legs[1].balance_after = Some(dec!(489.21)); // 1 USD missing on b
    let r = c.report(dec!(0.5));
    assert_eq!(r.venues[1].disagreement_usd, Some(dec!(-1)));
    assert!(r.venues[1].disagreement_flagged);
    assert!(!r.venues[0].disagreement_flagged);
    assert_eq!(r.disagreement_usd, Some(dec!(-1)));
    assert!(r.disagreement_flagged);
    // A balance not read: no cross-check, nothing invented.
    c.legs[1].balance_after = None;
    let r = c.report(dec!(0.5));
    assert_eq!(r.venues[1].disagreement_usd, None);
    assert_eq!(r.balance_change, None);
}

#[rstest]
#[case::half(Figure::Known(dec!(0.2)), dec!(0.4), Some(dec!(0.5)))]
#[case::negative(Figure::Known(dec!(-0.1)), dec!(0.4), Some(dec!(-0.25)))]
#[case::nothing_expected(Figure::Known(dec!(0.2)), dec!(0), None)]
#[case::unknown(Figure::Unknown, dec!(0.4), None)]
fn capture_ratio_cases(
    #[case] settled: Figure,
    #[case] expected: Decimal,
    #[case] ratio: Option<Decimal>,
) {
    assert_eq!(capture_ratio(settled, expected), ratio);
}

#[test]
fn an_unknown_part_makes_the_totals_unknown() {
    let mut c = cycle();
    c.legs[0].apply_funding_read(&FundingRead::Failed { detail: "x".into() }, t(9, 0), None);
    let r = c.report(dec!(0.5));
    assert_eq!(r.venues[0].funding, Figure::Unknown);
    assert_eq!(r.venues[0].funding_known_part_usd, dec!(-0.05));
    assert_eq!(r.venues[0].realised, Figure::Unknown);
    assert_eq!(r.funding, Figure::Unknown);
    assert_eq!(r.realised, Figure::Unknown);
    assert_eq!(r.capture_ratio, None);
    assert_eq!(r.realised_percent_of_notional, None);
    assert_eq!(r.to_owned().venues[1].realised, Figure::Known(dec!(-9.79)));
}

#[test]
fn ledger_round_trips_through_json() {
    let c = cycle();
    let json = serde_json::to_string(&c).unwrap();
    let back: CycleLedger = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    let r = c.report(dec!(0.5));
    let back: CycleReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        serde_json::to_string(&Figure::Unknown).unwrap(),
        "\"unknown\""
    );
    assert_eq!(Figure::Unknown.to_string(), "unknown");
}

#[test]
fn per_leg_capture_ratio_when_the_leg_expectation_is_set() {
    let mut c = cycle();
    c.legs[0] = c.legs[0].clone().with_expected_funding(dec!(-0.1));
    c.legs[1] = c.legs[1].clone().with_expected_funding(dec!(0.5));
    let r = c.report(dec!(0.5));
    assert_eq!(r.venues[0].capture_ratio, Some(dec!(0.5)));
    assert_eq!(r.venues[1].capture_ratio, Some(dec!(0.5)));
    assert_eq!(cycle().report(dec!(0.5)).venues[0].capture_ratio, None);
    // A ledger stored before the field existed still loads.
    let mut json: serde_json::Value = serde_json::to_value(cycle()).unwrap();
    json["legs"][0]
        .as_object_mut()
        .unwrap()
        .remove("expected_funding_usd");
    let back: CycleLedger = serde_json::from_value(json).unwrap();
    assert_eq!(back, cycle());
}

#[test]
fn capture_summary_over_cycles_skips_unknowns_without_zeroing_them() {
    let good = cycle().report(dec!(0.5)); // 0.2 of 0.4
    let mut better = cycle();
    better.expected_funding_usd = dec!(0.2); // 0.2 of 0.2
    let better = better.report(dec!(0.5));
    let mut unknown = cycle();
    unknown.legs[0].apply_funding_read(&FundingRead::Failed { detail: "x".into() }, t(9, 0), None);
    let unknown = unknown.report(dec!(0.5));
    let s = summarise_capture(&[good, better, unknown]);
    assert_eq!(s.cycles, 3);
    assert_eq!(s.cycles_with_ratio, 2);
    assert_eq!(s.mean_ratio, Some(dec!(0.75)));
    assert_eq!(s.settled_usd, dec!(0.4));
    assert_eq!(s.expected_usd, dec!(0.6));
    assert_eq!(s.aggregate_ratio.map(|r| r.round_dp(4)), Some(dec!(0.6667)));
    let empty = summarise_capture(&[]);
    assert_eq!((empty.mean_ratio, empty.aggregate_ratio), (None, None));
}
