//! The quoting maths against values computed by hand (with 40-digit arithmetic, mpmath) and
//! the invariants every quote must keep.

use super::*;
use chrono::{DateTime, Duration, Utc};
use rust_decimal_macros::dec;
use venue_api::{BookLevel, BookSource, TopOfBook};

fn top(bid: Option<(Decimal, Decimal)>, ask: Option<(Decimal, Decimal)>) -> TopOfBook {
    let level = |(price, size)| BookLevel { price, size };
    TopOfBook {
        bid: bid.map(level),
        ask: ask.map(level),
        time: DateTime::<Utc>::UNIX_EPOCH,
        source: BookSource::Rest,
    }
}

/// Equal to 12 decimal places (the f64 boundary keeps 15 significant digits).
fn close(got: Decimal, want: Decimal) {
    assert!(
        (got - want).abs() < dec!(0.000000000001),
        "got {got}, want {want}"
    );
}

fn inputs(mid: Decimal, sigma: Decimal, q: Decimal) -> QuoteInputs {
    QuoteInputs {
        mid,
        sigma,
        inventory: q,
        microprice_offset: Decimal::ZERO,
        bias: Decimal::ZERO,
    }
}

#[test]
fn plain_avellaneda_stoikov_matches_the_hand_computation() {
    // s = 100, sigma = 2, T = 1, gamma = 0.1, k = 1.5, q = 3:
    // risk = 0.1 x 4 x 1 = 0.4; r = 100 - 3 x 0.4 = 98.8;
    // (1/gamma) ln(1 + gamma/k) = 10 ln(16/15) = 0.6453852113757117...;
    // h = 0.2 + 0.645385211376 (12 dp) ; delta = 2h = gamma sigma^2 T + (2/gamma) ln(1 + gamma/k).
    let p = AsParams::plain(dec!(0.1), dec!(1.5), dec!(1));
    let q = quote(&p, &inputs(dec!(100), dec!(2), dec!(3))).unwrap();
    assert_eq!(q.reservation, dec!(98.8));
    close(q.half_spread, dec!(0.8453852113757117167));
    close(q.bid, dec!(97.9546147886242882833));
    close(q.ask, dec!(99.6453852113757117167));
    assert!(!q.recentred && !q.widened);
    close(
        q.ask - q.bid,
        dec!(0.4) + dec!(20) * dec!(0.06453852113757117167),
    );
}

#[test]
fn seed_extensions_match_the_hand_computation() {
    // s = 2650, sigma = 0.3, T = 10, gamma = 0.5, k = 2, q = -2, micro = 0.02, beta = 0.5,
    // bias = 0.5 x 1.2, c_bid = 0.1, c_ask = 0.3, fee = 0.0002:
    // risk = 0.45; r = 2650 + 0.01 + 0.9 + 0.6 = 2651.51;
    // h = 2 ln(1.25) + 0.225 + 0.2 + 0.53 = 1.4012871026284195...;
    // bid = r - h + 0.1 = 2650.2087128973716; ask = r + h + 0.1 = 2653.0112871026284.
    let p = AsParams {
        beta_alpha: dec!(0.5),
        c_as_bid: dec!(0.1),
        c_as_ask: dec!(0.3),
        maker_fee: dec!(0.0002),
        min_spread: dec!(0.00005),
        bias_scale: dec!(1.2),
        ..AsParams::plain(dec!(0.5), dec!(2), dec!(10))
    };
    let i = QuoteInputs {
        microprice_offset: dec!(0.02),
        bias: dec!(0.5),
        ..inputs(dec!(2650), dec!(0.3), dec!(-2))
    };
    let q = quote(&p, &i).unwrap();
    assert_eq!(q.reservation, dec!(2651.51));
    close(q.half_spread, dec!(1.4012871026284195115));
    close(q.bid, dec!(2650.2087128973715804885));
    close(q.ask, dec!(2653.0112871026284195115));
    let g = GridQuote::place(&q, dec!(0.01), &top(None, None)).unwrap();
    assert_eq!((g.bid, g.ask), (Some(dec!(2650.20)), Some(dec!(2653.02))));
}

#[test]
fn minimum_spread_widens_both_sides_and_rebates_recentre() {
    // gamma = 0.1, k = 1000, sigma = 0: h = 10 ln(1.0001) = 0.000999950003333...;
    // width 2h < 100 x 0.00005 = 0.005: each side moves out by 0.0025 - h, to 100 -/+ 0.0025.
    let p = AsParams {
        min_spread: dec!(0.00005),
        ..AsParams::plain(dec!(0.1), dec!(1000), dec!(60))
    };
    let q = quote(&p, &inputs(dec!(100), Decimal::ZERO, dec!(5))).unwrap();
    close(q.half_spread, dec!(0.00099995000333308335));
    assert!(q.widened && !q.recentred);
    assert_eq!((q.bid, q.ask), (dec!(99.9975), dec!(100.0025)));

    // a 0.2 % rebate makes h negative (bid above ask): re-centred, then widened.
    let rebate = AsParams {
        maker_fee: dec!(-0.002),
        ..p
    };
    let q = quote(&rebate, &inputs(dec!(100), Decimal::ZERO, Decimal::ZERO)).unwrap();
    close(q.half_spread, dec!(-0.19900004999666691665));
    assert!(q.recentred && q.widened);
    assert_eq!((q.bid, q.ask), (dec!(99.9975), dec!(100.0025)));
}

#[test]
fn microprice_offset_leans_towards_the_thin_side() {
    // (101 x 3 + 99 x 1) / 4 = 100.5, mid 100
    let t = top(Some((dec!(99), dec!(3))), Some((dec!(101), dec!(1))));
    assert_eq!(microprice_offset(&t), dec!(0.5));
    assert_eq!(
        microprice_offset(&top(Some((dec!(99), dec!(3))), None)),
        dec!(0)
    );
    let empty = top(Some((dec!(99), dec!(0))), Some((dec!(101), dec!(0))));
    assert_eq!(microprice_offset(&empty), dec!(0));
}

#[test]
fn bad_inputs_name_the_field_and_value() {
    struct Case {
        params: AsParams,
        inputs: QuoteInputs,
        name: &'static str,
        value: Decimal,
    }
    let ok = AsParams::plain(dec!(0.1), dec!(1.5), dec!(1));
    let good = inputs(dec!(100), dec!(1), dec!(0));
    let cases = [
        Case {
            params: AsParams::plain(dec!(0), dec!(1.5), dec!(1)),
            inputs: good.clone(),
            name: "gamma",
            value: dec!(0),
        },
        Case {
            params: AsParams::plain(dec!(0.1), dec!(-1), dec!(1)),
            inputs: good.clone(),
            name: "k",
            value: dec!(-1),
        },
        Case {
            params: AsParams::plain(dec!(0.1), dec!(1.5), dec!(-1)),
            inputs: good.clone(),
            name: "horizon",
            value: dec!(-1),
        },
        Case {
            params: ok.clone(),
            inputs: QuoteInputs {
                bias: dec!(1.5),
                ..good.clone()
            },
            name: "bias",
            value: dec!(1.5),
        },
        Case {
            params: ok.clone(),
            inputs: inputs(dec!(0), dec!(1), dec!(0)),
            name: "mid",
            value: dec!(0),
        },
        Case {
            params: ok.clone(),
            inputs: inputs(dec!(100), dec!(-0.1), dec!(0)),
            name: "sigma",
            value: dec!(-0.1),
        },
        Case {
            params: AsParams {
                maker_fee: dec!(1),
                ..ok.clone()
            },
            inputs: good.clone(),
            name: "maker_fee",
            value: dec!(1),
        },
    ];
    for c in cases {
        match quote(&c.params, &c.inputs) {
            Err(QuoteError::OutOfRange { name, value, .. }) => {
                assert_eq!((name, value), (c.name, c.value));
                let text = QuoteError::OutOfRange {
                    name,
                    value,
                    expected: "x",
                }
                .to_string();
                assert!(text.contains(c.name) && text.contains(&c.value.to_string()));
            }
            other => panic!("{}: expected OutOfRange, got {other:?}", c.name),
        }
    }
}

#[test]
fn grid_rounds_away_from_the_mid_and_never_crosses_the_book() {
    let raw = |bid, ask| RawQuote {
        reservation: Decimal::ZERO,
        half_spread: Decimal::ZERO,
        bid,
        ask,
        recentred: false,
        widened: false,
    };
    let book = top(Some((dec!(100), dec!(1))), Some((dec!(101), dec!(1))));
    // inside the book: floor / ceil
    let g = GridQuote::place(&raw(dec!(100.456), dec!(100.551)), dec!(0.01), &book).unwrap();
    assert_eq!((g.bid, g.ask), (Some(dec!(100.45)), Some(dec!(100.56))));
    // a bid above the best ask and an ask below the best bid are pulled back one tick inside
    let g = GridQuote::place(&raw(dec!(101.5), dec!(102)), dec!(0.01), &book).unwrap();
    assert_eq!(g.bid, Some(dec!(100.99)));
    let g = GridQuote::place(&raw(dec!(98), dec!(99.3)), dec!(0.01), &book).unwrap();
    assert_eq!(g.ask, Some(dec!(100.01)));
    // exact multiples stay put (EX-W18: 1.15 / 0.01 is 115, not 114)
    let g = GridQuote::place(&raw(dec!(1.15), dec!(1.17)), dec!(0.01), &top(None, None)).unwrap();
    assert_eq!((g.bid, g.ask), (Some(dec!(1.15)), Some(dec!(1.17))));
    // a non-positive bid is withheld
    let g = GridQuote::place(&raw(dec!(-0.5), dec!(0.5)), dec!(0.01), &top(None, None)).unwrap();
    assert_eq!((g.bid, g.ask), (None, Some(dec!(0.5))));
    // a crossed book is refused
    let crossed = top(Some((dec!(101), dec!(1))), Some((dec!(100), dec!(1))));
    assert!(GridQuote::place(&raw(dec!(99), dec!(102)), dec!(0.01), &crossed).is_err());
}

fn sizing() -> SizingParams {
    SizingParams {
        capital_usage: dec!(0.5),
        leverage: dec!(2),
        usage_start: dec!(0.5),
        usage_stop: dec!(0.9),
    }
}

const PAXG: MarketGrid = MarketGrid {
    tick: dec!(0.01),
    step: dec!(0.001),
    min_size: dec!(0.01),
};

#[test]
fn clip_scales_down_with_margin_usage_and_rounds_down() {
    struct Case {
        available: Decimal,
        usage: Decimal,
        price: Decimal,
        size: Decimal,
        none: bool,
    }
    let cases = [
        // 1000 x 0.5 x 2 = 1000 USD / 1500 = 0.6666.. -> 0.666 (half-up would give 0.667)
        Case {
            available: dec!(1000),
            usage: dec!(0.2),
            price: dec!(1500),
            size: dec!(0.666),
            none: false,
        },
        // usage 0.7: factor (0.9 - 0.7)/(0.9 - 0.5) = 0.5 -> 500 / 2650 = 0.18867.. -> 0.188
        Case {
            available: dec!(1000),
            usage: dec!(0.7),
            price: dec!(2650),
            size: dec!(0.188),
            none: false,
        },
        // at usage_stop: nothing
        Case {
            available: dec!(1000),
            usage: dec!(0.9),
            price: dec!(2650),
            size: dec!(0),
            none: true,
        },
        // 20 USD -> 0.0075 below the 0.01 minimum; its margin 0.01 x 2650 / 2 = 13.25 <= 20
        Case {
            available: dec!(20),
            usage: dec!(0),
            price: dec!(2650),
            size: dec!(0.01),
            none: false,
        },
        // 10 USD cannot carry the minimum's 13.25 margin
        Case {
            available: dec!(10),
            usage: dec!(0),
            price: dec!(2650),
            size: dec!(0),
            none: true,
        },
    ];
    for c in cases {
        let clip = clip_size(&sizing(), c.available, c.usage, c.price, &PAXG).unwrap();
        assert_eq!(
            clip.size, c.size,
            "available {} usage {}",
            c.available, c.usage
        );
        assert_eq!(clip.none_reason.is_some(), c.none);
        assert!(on_grid(clip.size, PAXG.step) || clip.size.is_zero());
    }
    let bad = SizingParams {
        usage_stop: dec!(0.4),
        ..sizing()
    };
    assert!(matches!(
        clip_size(&bad, dec!(1), dec!(0), dec!(1), &PAXG),
        Err(QuoteError::OutOfRange {
            name: "usage_stop",
            ..
        })
    ));
}

#[test]
fn sides_never_take_the_position_past_the_bound() {
    let order = |size, reduce_only| Some(SideOrder { size, reduce_only });
    let grid = MarketGrid {
        tick: dec!(0.01),
        step: dec!(0.01),
        min_size: dec!(0.1),
    };
    // (clip, position, max) -> (bid, ask)
    let cases = [
        (
            dec!(0.5),
            dec!(0),
            dec!(1),
            order(dec!(0.5), false),
            order(dec!(0.5), false),
        ),
        (
            dec!(0.5),
            dec!(0.8),
            dec!(1),
            order(dec!(0.2), false),
            order(dec!(0.5), true),
        ),
        (dec!(0.5), dec!(1), dec!(1), None, order(dec!(0.5), true)),
        (dec!(0.5), dec!(1.3), dec!(1), None, order(dec!(0.5), true)),
        (
            dec!(0.5),
            dec!(-0.95),
            dec!(1),
            order(dec!(0.5), true),
            None,
        ),
        (
            dec!(0.5),
            dec!(-0.2),
            dec!(1),
            order(dec!(0.5), false),
            order(dec!(0.5), false),
        ),
        (dec!(0.05), dec!(0), dec!(1), None, None),
    ];
    for (clip, pos, max, bid, ask) in cases {
        let s = side_sizes(clip, pos, max, &grid).unwrap();
        assert_eq!((s.bid, s.ask), (bid, ask), "clip {clip} position {pos}");
        if let Some(b) = s.bid {
            assert!(pos + b.size <= max);
        }
        if let Some(a) = s.ask {
            assert!(pos - a.size >= -max);
        }
    }
}

#[test]
fn ewma_volatility_follows_the_hand_computation() {
    let t0 = DateTime::<Utc>::UNIX_EPOCH;
    let mut v = EwmaVolatility::new(dec!(1)).unwrap();
    assert_eq!(v.sigma_rel().unwrap(), None);
    assert!(!v.update(t0, dec!(100)).unwrap());
    // |ln(1.01)| = 0.00995033085316808...
    assert!(v.update(t0 + Duration::seconds(1), dec!(101)).unwrap());
    let s1 = v.sigma_rel().unwrap().unwrap();
    close(s1, dec!(0.0099503308531680828));
    // same-size return back: the variance stays
    assert!(v.update(t0 + Duration::seconds(2), dec!(100)).unwrap());
    close(v.sigma_rel().unwrap().unwrap(), s1);
    // a flat second with a 1 s half-life halves the variance: sigma / sqrt 2 = 0.00703594642132...
    assert!(v.update(t0 + Duration::seconds(3), dec!(100)).unwrap());
    let s3 = v.sigma_rel().unwrap().unwrap();
    close(s3, dec!(0.0070359464213248763));
    // out-of-order and non-positive samples are ignored
    assert!(!v.update(t0 + Duration::seconds(3), dec!(120)).unwrap());
    assert!(!v.update(t0 + Duration::seconds(4), dec!(0)).unwrap());
    assert_eq!(v.samples(), 3);
    assert_eq!(v.sigma_usd(dec!(100)).unwrap(), Some(s3 * dec!(100)));
    let prior = EwmaVolatility::with_prior(dec!(60), dec!(0.0001)).unwrap();
    assert_eq!(prior.sigma_rel().unwrap(), Some(dec!(0.0001)));
}

#[test]
fn quotes_keep_their_invariants_over_a_sweep() {
    // a deterministic sweep over mids, volatilities, inventories and books: every quote on
    // the grid lies on the tick, has bid < ask, and never crosses the book it was made for.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let tick = dec!(0.01);
    for _ in 0..2000 {
        let mid = Decimal::from(1000 + next(100_000)) / dec!(10);
        let sigma = Decimal::from(next(500)) / dec!(100);
        let q = Decimal::from(next(21) as i64 - 10);
        let half_book = Decimal::from(1 + next(20)) * tick;
        let best_bid = floor_to(mid - half_book, tick);
        let best_ask = ceil_to(mid + half_book, tick);
        let p = AsParams {
            min_spread: dec!(0.00005),
            bias_scale: dec!(0.5),
            ..AsParams::plain(dec!(0.05), dec!(2), dec!(5))
        };
        let i = QuoteInputs {
            bias: Decimal::from(next(3) as i64 - 1),
            ..inputs(mid, sigma, q)
        };
        let raw = quote(&p, &i).unwrap();
        assert!(raw.ask - raw.bid >= mid * p.min_spread);
        let book = top(Some((best_bid, dec!(1))), Some((best_ask, dec!(1))));
        let g = GridQuote::place(&raw, tick, &book).unwrap();
        if let (Some(b), Some(a)) = (g.bid, g.ask) {
            assert!(b < a);
        }
        if let Some(b) = g.bid {
            assert!(
                on_grid(b, tick) && b < best_ask,
                "bid {b} book {best_bid}/{best_ask}"
            );
        }
        if let Some(a) = g.ask {
            assert!(
                on_grid(a, tick) && a > best_bid,
                "ask {a} book {best_bid}/{best_ask}"
            );
        }
    }
}

#[test]
fn sticky_clip_moves_only_past_the_tolerance() {
    let cases = [
        (None, dec!(1), dec!(1)),
        (Some(dec!(1)), dec!(0.95), dec!(1)),
        (Some(dec!(1)), dec!(1.1), dec!(1)),
        (Some(dec!(1)), dec!(1.11), dec!(1.11)),
        (Some(dec!(1)), dec!(0.89), dec!(0.89)),
        (Some(dec!(1)), dec!(0), dec!(0)),
    ];
    for (prev, new, want) in cases {
        assert_eq!(sticky_clip(prev, new, dec!(0.1)), want, "{prev:?} {new}");
    }
}
