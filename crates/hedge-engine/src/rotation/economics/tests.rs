//! Tests of [`super`]: schedules on their own intervals, window edges, the funding sign,
//! haircut, predicted rate, costs, APR, break-even and the direction choice.

use super::*;
use chrono::TimeZone;
use rstest::rstest;
use rust_decimal_macros::dec;
use venue_api::{BookLevel, BookSource};

pub(crate) fn t(h: i64, m: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(h * 60 + m)
}

pub(crate) fn book(bid: Decimal, ask: Decimal, size: Decimal) -> TopOfBook {
    TopOfBook {
        bid: Some(BookLevel { price: bid, size }),
        ask: Some(BookLevel { price: ask, size }),
        time: t(0, 0),
        source: BookSource::Rest,
    }
}

pub(crate) fn quote(
    venue: &str,
    rate: Decimal,
    interval: u32,
    next: DateTime<Utc>,
    fee: Decimal,
) -> VenueQuote {
    VenueQuote {
        venue: venue.into(),
        funding: FundingSchedule {
            rate,
            predicted_rate: None,
            interval_minutes: interval,
            next_settlement: next,
        },
        taker_fee: fee,
        book: book(dec!(99.99), dec!(100.01), dec!(1000)),
    }
}

fn window(from: DateTime<Utc>, to: DateTime<Utc>) -> HoldWindow {
    HoldWindow { from, to }
}

fn schedule(interval: u32, next: DateTime<Utc>) -> FundingSchedule {
    FundingSchedule {
        rate: dec!(0.0001),
        predicted_rate: None,
        interval_minutes: interval,
        next_settlement: next,
    }
}

#[rstest]
// hourly, next at 01:00, window (00:30, 08:30]: 01..08
#[case::hourly(60, t(1, 0), t(0, 30), t(8, 30), 8, Some(t(1, 0)), Some(t(8, 0)))]
// four-hourly, next at 04:00: 04:00 and 08:00
#[case::four_hourly(240, t(4, 0), t(0, 30), t(8, 30), 2, Some(t(4, 0)), Some(t(8, 0)))]
// eight-hourly, next after the window: none
#[case::none_inside(480, t(9, 0), t(0, 30), t(8, 30), 0, None, None)]
// a settlement exactly at the open is not earned; exactly at the close it is
#[case::edges(60, t(1, 0), t(1, 0), t(3, 0), 2, Some(t(2, 0)), Some(t(3, 0)))]
// a stale next time (a day ago) still yields the right grid
#[case::stale_next(60, t(-24, 0), t(5, 30), t(7, 0), 2, Some(t(6, 0)), Some(t(7, 0)))]
// stale next time exactly on the open: excluded, the next one counts
#[case::stale_on_edge(240, t(-8, 0), t(0, 0), t(4, 0), 1, Some(t(4, 0)), Some(t(4, 0)))]
fn settlements_follow_each_legs_own_schedule(
    #[case] interval: u32,
    #[case] next: DateTime<Utc>,
    #[case] from: DateTime<Utc>,
    #[case] to: DateTime<Utc>,
    #[case] count: usize,
    #[case] first: Option<DateTime<Utc>>,
    #[case] last: Option<DateTime<Utc>>,
) {
    let list = schedule(interval, next).settlements("x", from, to).unwrap();
    assert_eq!(list.len(), count);
    assert_eq!(list.first().map(|s| s.0), first);
    assert_eq!(list.last().map(|s| s.0), last);
}

#[test]
fn predicted_rate_applies_to_the_next_settlement_only() {
    let mut s = schedule(60, t(1, 0));
    s.predicted_rate = Some(dec!(0.0005));
    let list = s.settlements("x", t(0, 0), t(3, 0)).unwrap();
    let rates: Vec<Decimal> = list.iter().map(|x| x.1).collect();
    assert_eq!(rates, vec![dec!(0.0005), dec!(0.0001), dec!(0.0001)]);
    // When the announced next settlement is before the window, no predicted rate is used.
    let list = s.settlements("x", t(1, 0), t(3, 0)).unwrap();
    assert!(list.iter().all(|x| x.1 == dec!(0.0001)));
}

#[rstest]
// a long pays a positive rate, a short receives it
#[case::long_pays(LegSide::Long, dec!(0.0001), dec!(1), dec!(-0.1))]
#[case::short_receives(LegSide::Short, dec!(0.0001), dec!(1), dec!(0.1))]
#[case::long_receives_negative(LegSide::Long, dec!(-0.0002), dec!(1), dec!(0.2))]
// the haircut shrinks what we receive, never what we pay
#[case::haircut_received(LegSide::Short, dec!(0.0001), dec!(0.5), dec!(0.05))]
#[case::haircut_not_on_paid(LegSide::Long, dec!(0.0001), dec!(0.5), dec!(-0.1))]
fn settlement_payment_sign_and_haircut(
    #[case] side: LegSide,
    #[case] rate: Decimal,
    #[case] haircut: Decimal,
    #[case] expected: Decimal,
) {
    assert_eq!(
        settlement_payment(side, rate, dec!(1000), haircut),
        expected
    );
}

#[rstest]
// 1000 USD at mid 100 = 10 units, touch holds 1000: half spread 0.01 x 10
#[case::within_touch(dec!(1000), dec!(1000), dec!(5), dec!(0.1))]
// 2000 USD = 20 units, touch holds 10: + 10 units x 100 x 5 bps = 0.5
#[case::beyond_touch(dec!(2000), dec!(10), dec!(5), dec!(0.7))]
#[case::beyond_touch_no_extra(dec!(2000), dec!(10), dec!(0), dec!(0.2))]
fn slippage_from_the_top_of_book(
    #[case] notional: Decimal,
    #[case] touch: Decimal,
    #[case] bps: Decimal,
    #[case] expected: Decimal,
) {
    let b = book(dec!(99.99), dec!(100.01), touch);
    assert_eq!(
        crossing_slippage("x", &b, true, notional, bps).unwrap(),
        expected
    );
    assert_eq!(
        crossing_slippage("x", &b, false, notional, bps).unwrap(),
        expected
    );
}

/// a: hourly +0.01 %/h, fee 2 bps; b: four-hourly -0.04 %/4h, fee 5 bps; notional 1000.
fn pair() -> (VenueQuote, VenueQuote) {
    (
        quote("a", dec!(0.0001), 60, t(1, 0), dec!(0.0002)),
        quote("b", dec!(-0.0004), 240, t(4, 0), dec!(0.0005)),
    )
}

fn params() -> EconomicsParams {
    EconomicsParams {
        rate_haircut: Decimal::ONE,
        extra_slippage_bps: dec!(5),
    }
}

#[test]
fn fees_make_a_positive_funding_apr_not_worth_it_over_a_short_hold() {
    let (a, b) = pair();
    // Long b (receives 0.4 x 2), short a (receives 0.1 x 8) over 8 h.
    let e = evaluate(
        "SOL",
        &b,
        &a,
        window(t(0, 0), t(8, 0)),
        dec!(1000),
        &params(),
    )
    .unwrap();
    assert_eq!(e.long.settlement_count, 2);
    assert_eq!(e.short.settlement_count, 8);
    assert_eq!(e.long.expected_funding_usd, dec!(0.8));
    assert_eq!(e.short.expected_funding_usd, dec!(0.8));
    assert_eq!(e.expected_funding_usd, dec!(1.6));
    // Fees 2 x (0.5 + 0.2) = 1.4; slippage 4 crossings x 0.1 = 0.4.
    assert_eq!(e.entry_cost_usd, dec!(0.9));
    assert_eq!(e.exit_cost_usd, dec!(0.9));
    assert_eq!(e.round_trip_cost_usd, dec!(1.8));
    assert_eq!(e.expected_net_usd, dec!(-0.2));
    assert_eq!(e.funding_apr_percent, dec!(175.2));
    assert_eq!(e.net_apr_percent, dec!(-21.9));
    assert_eq!(e.funding_per_hour_usd, dec!(0.2));
    assert_eq!(e.break_even_hold_hours, Some(dec!(9)));
    // Over 16 h the same pair pays: 3.2 funding - 1.8 cost.
    let e = evaluate(
        "SOL",
        &b,
        &a,
        window(t(0, 0), t(16, 0)),
        dec!(1000),
        &params(),
    )
    .unwrap();
    assert_eq!(e.expected_net_usd, dec!(1.4));
    assert_eq!(e.break_even_hold_hours, Some(dec!(9)));
}

#[test]
fn best_direction_shorts_the_payer_and_ties_go_long_a() {
    let (a, b) = pair();
    let w = window(t(0, 0), t(16, 0));
    let e = best_direction("SOL", &a, &b, w, dec!(1000), &params()).unwrap();
    assert_eq!((e.long.venue.as_str(), e.short.venue.as_str()), ("b", "a"));
    let e = best_direction("SOL", &b, &a, w, dec!(1000), &params()).unwrap();
    assert_eq!((e.long.venue.as_str(), e.short.venue.as_str()), ("b", "a"));
    // Equal rates and fees: a tie, long goes to the first venue given.
    let a0 = quote("a", dec!(0.0001), 60, t(1, 0), dec!(0.0002));
    let b0 = quote("b", dec!(0.0001), 60, t(1, 0), dec!(0.0002));
    let e = best_direction("SOL", &a0, &b0, w, dec!(1000), &params()).unwrap();
    assert_eq!(e.long.venue, "a");
    assert_eq!(e.expected_funding_usd, Decimal::ZERO);
    assert_eq!(e.break_even_hold_hours, None);
}

#[test]
fn break_even_is_none_when_funding_does_not_pay() {
    let (a, b) = pair();
    // The wrong direction pays funding: no break-even at all.
    let e = evaluate(
        "SOL",
        &a,
        &b,
        window(t(0, 0), t(8, 0)),
        dec!(1000),
        &params(),
    )
    .unwrap();
    assert_eq!(e.expected_funding_usd, dec!(-1.6));
    assert_eq!(e.break_even_hold_hours, None);
    assert!(e.net_apr_percent < Decimal::ZERO);
}

#[test]
fn haircut_and_predicted_rate_flow_into_the_economics() {
    let (a, mut b) = pair();
    b.funding.predicted_rate = Some(dec!(-0.0008));
    let p = EconomicsParams {
        rate_haircut: dec!(0.5),
        ..params()
    };
    let e = evaluate("SOL", &b, &a, window(t(0, 0), t(8, 0)), dec!(1000), &p).unwrap();
    // long b: 0.8 (predicted) + 0.4, halved; short a: 0.8 halved.
    assert_eq!(e.long.expected_funding_usd, dec!(0.6));
    assert_eq!(e.short.expected_funding_usd, dec!(0.4));
    assert_eq!(e.long.predicted_rate, Some(dec!(-0.0008)));
}

#[test]
fn leg_lookup_by_venue() {
    let (a, b) = pair();
    let e = evaluate(
        "SOL",
        &b,
        &a,
        window(t(0, 0), t(8, 0)),
        dec!(1000),
        &params(),
    )
    .unwrap();
    assert_eq!(e.leg("a").map(|l| l.side), Some(LegSide::Short));
    assert_eq!(e.leg("b").map(|l| l.side), Some(LegSide::Long));
    assert!(e.leg("c").is_none());
}

#[rstest]
#[case::interval_zero("interval")]
#[case::window_backwards("window")]
#[case::zero_notional("notional")]
#[case::negative_fee("fee")]
#[case::haircut_above_one("haircut")]
#[case::negative_extra_slippage("extra")]
#[case::no_ask("no_ask")]
#[case::crossed("crossed")]
#[case::same_venue("same")]
#[case::too_many_settlements("many")]
fn bad_inputs_are_errors_naming_the_field(#[case] what: &str) {
    let (mut a, mut b) = pair();
    let mut w = window(t(0, 0), t(8, 0));
    let mut n = dec!(1000);
    let mut p = params();
    match what {
        "interval" => a.funding.interval_minutes = 0,
        "window" => w = window(t(8, 0), t(8, 0)),
        "notional" => n = Decimal::ZERO,
        "fee" => b.taker_fee = dec!(-0.0001),
        "haircut" => p.rate_haircut = dec!(1.5),
        "extra" => p.extra_slippage_bps = dec!(-1),
        "no_ask" => a.book.ask = None,
        "crossed" => a.book = book(dec!(100.02), dec!(100.01), dec!(1)),
        "same" => b.venue = "a".into(),
        "many" => {
            a.funding.interval_minutes = 1;
            w = window(t(0, 0), t(24 * 8, 0));
        }
        _ => unreachable!(),
    }
    let err = evaluate("SOL", &a, &b, w, n, &p).unwrap_err();
    let text = err.to_string();
    let expect = match what {
        "interval" => "a: funding interval must be > 0 minutes, got 0",
        "window" => "hold window must end after it starts",
        "notional" => "notional must be > 0 USD, got 0",
        "fee" => "b: taker fee must be >= 0, got -0.0001",
        "haircut" => "rate_haircut out of range: 1.5",
        "extra" => "extra_slippage_bps out of range: -1",
        "no_ask" => "a: book unusable for cost (no ask)",
        "crossed" => "a: book unusable for cost (bid 100.02 ask 100.01",
        "same" => "both legs on venue a",
        "many" => "a: more than 10000 settlements",
        _ => unreachable!(),
    };
    assert!(text.starts_with(expect), "{what}: {text}");
}

#[test]
fn economics_round_trip_through_json() {
    let (a, b) = pair();
    let e = evaluate(
        "SOL",
        &b,
        &a,
        window(t(0, 0), t(8, 0)),
        dec!(1000),
        &params(),
    )
    .unwrap();
    let json = serde_json::to_string(&e).unwrap();
    let back: Economics = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    assert!(json.contains("\"side\":\"long\""));
}

#[rstest]
// no next time from the venue: the next hour on the UTC grid
#[case::hourly_grid(60, None, t(10, 20) + Duration::seconds(30), t(11, 0))]
#[case::exactly_on_grid(60, None, t(11, 0), t(12, 0))]
#[case::four_hour_grid(240, None, t(10, 20), t(12, 0))]
// a next time from the venue wins
#[case::announced(240, Some(t(14, 0)), t(10, 20), t(14, 0))]
fn schedule_from_a_venue_rate(
    #[case] interval: u32,
    #[case] next: Option<DateTime<Utc>>,
    #[case] now: DateTime<Utc>,
    #[case] expected: DateTime<Utc>,
) {
    let rate = FundingRate {
        rate: dec!(0.0001),
        interval_minutes: interval,
        next_funding_time: next,
        time: None,
    };
    let s = FundingSchedule::from_rate("x", &rate, Some(dec!(0.0002)), now).unwrap();
    assert_eq!(s.next_settlement, expected);
    assert_eq!(s.predicted_rate, Some(dec!(0.0002)));
    assert_eq!(s.interval_minutes, interval);
}

#[test]
fn quote_from_venue_figures_refuses_an_unknown_fee_or_interval() {
    let rate = FundingRate {
        rate: dec!(0.0001),
        interval_minutes: 60,
        next_funding_time: None,
        time: None,
    };
    let b = book(dec!(99), dec!(101), dec!(1));
    let q =
        VenueQuote::from_venue("a", &rate, None, Some(dec!(0.0005)), b.clone(), t(0, 30)).unwrap();
    assert_eq!(q.taker_fee, dec!(0.0005));
    assert_eq!(q.funding.next_settlement, t(1, 0));
    let err = VenueQuote::from_venue("a", &rate, None, None, b.clone(), t(0, 30)).unwrap_err();
    assert_eq!(err.to_string(), "a: taker fee unknown");
    let zero = FundingRate {
        interval_minutes: 0,
        ..rate
    };
    let err = VenueQuote::from_venue("a", &zero, None, Some(dec!(0)), b, t(0, 30)).unwrap_err();
    assert_eq!(
        err,
        EconomicsError::BadInterval {
            venue: "a".into(),
            minutes: 0
        }
    );
}

#[test]
fn carry_per_hour_at_current_rates() {
    let (a, b) = pair();
    // Forecast and haircut do not enter the carry.
    let mut b2 = b.clone();
    b2.funding.predicted_rate = Some(dec!(0.01));
    let p = EconomicsParams {
        rate_haircut: dec!(0.1),
        ..params()
    };
    let e = evaluate("SOL", &b2, &a, window(t(0, 0), t(8, 0)), dec!(1000), &p).unwrap();
    // short a: +0.1/h; long b: 0.4 per 4 h = +0.1/h.
    assert_eq!(e.carry_per_hour_usd(), dec!(0.2));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_quote(venue: &'static str) -> impl Strategy<Value = VenueQuote> {
        (
            -1000i64..1000, // rate, 1e-6 units
            prop::sample::select(vec![60u32, 240, 480]),
            0i64..600,  // next settlement, minutes after 00:00
            0i64..1000, // fee, 1e-6 units
            1i64..200,  // spread, cents
            1i64..100,  // touch size
        )
            .prop_map(move |(rate, interval, next, fee, spread, touch)| {
                let mut q = quote(
                    venue,
                    Decimal::new(rate, 6),
                    interval,
                    t(0, next),
                    Decimal::new(fee, 6),
                );
                q.book = book(
                    dec!(100),
                    dec!(100) + Decimal::new(spread, 2),
                    Decimal::from(touch),
                );
                q
            })
    }

    proptest! {
        #[test]
        fn economics_invariants(
            a in arb_quote("a"),
            b in arb_quote("b"),
            from in 0i64..300,
            hours in 1i64..48,
            notional in 10i64..100_000,
        ) {
            let w = window(t(0, from), t(hours, from));
            let n = Decimal::from(notional);
            let p = EconomicsParams::default();
            let (ab, ba) = both_directions("S", &a, &b, w, n, &p).unwrap();
            let best = best_direction("S", &a, &b, w, n, &p).unwrap();
            for e in [&ab, &ba] {
                prop_assert_eq!(e.expected_net_usd, e.expected_funding_usd - e.round_trip_cost_usd);
                prop_assert_eq!(e.round_trip_cost_usd, e.entry_cost_usd + e.exit_cost_usd);
                prop_assert!(e.round_trip_cost_usd > Decimal::ZERO);
                match e.break_even_hold_hours {
                    Some(h) => {
                        prop_assert!(e.expected_funding_usd > Decimal::ZERO);
                        prop_assert_eq!(e.expected_net_usd >= Decimal::ZERO, h <= w.hours());
                    }
                    None => prop_assert!(e.expected_funding_usd <= Decimal::ZERO),
                }
                for leg in [&e.long, &e.short] {
                    if let (Some(first), Some(last)) = (leg.first_settlement, leg.last_settlement) {
                        prop_assert!(first > w.from && last <= w.to);
                        let spacing = (last - first).num_minutes();
                        prop_assert_eq!(spacing % i64::from(leg.interval_minutes), 0);
                        prop_assert_eq!(
                            i64::from(leg.settlement_count),
                            spacing / i64::from(leg.interval_minutes) + 1
                        );
                    } else {
                        prop_assert_eq!(leg.settlement_count, 0);
                    }
                }
            }
            // Reversing both legs reverses the funding (haircut 1).
            prop_assert_eq!(ab.expected_funding_usd, -ba.expected_funding_usd);
            prop_assert!(best.expected_net_usd >= ab.expected_net_usd.max(ba.expected_net_usd));
        }
    }
}
