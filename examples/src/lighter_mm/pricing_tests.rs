//! One cycle's quotes against hand-computed values (the working is in the comments).

use super::*;
use chrono::{DateTime, Utc};
use rust_decimal_macros::dec;
use venue_api::{BookLevel, BookSource};

fn top(bid: Decimal, ask: Decimal) -> TopOfBook {
    TopOfBook {
        bid: Some(BookLevel {
            price: bid,
            size: dec!(1),
        }),
        ask: Some(BookLevel {
            price: ask,
            size: dec!(1),
        }),
        time: DateTime::<Utc>::UNIX_EPOCH,
        source: BookSource::Stream,
    }
}

fn flat(available: Decimal, equity: Decimal, position: Decimal) -> AccountView {
    AccountView {
        available,
        equity,
        position_low: position,
        position_high: position,
    }
}

const BTC: MarketGrid = MarketGrid {
    tick: dec!(0.1),
    step: dec!(0.00001),
    min_size: dec!(0.0002),
};

const PAXG: MarketGrid = MarketGrid {
    tick: dec!(0.01),
    step: dec!(0.0001),
    min_size: dec!(0.003),
};

fn file() -> SpreadParams {
    SpreadParams {
        gamma: dec!(0.1),
        tau: dec!(10),
        beta_alpha: dec!(0),
        latest_volatility: dec!(0.5),
        k_bid: dec!(1),
        k_ask: dec!(3),
        c_as_bid: dec!(0),
        c_as_ask: dec!(0),
        maker_fee_bps: dec!(0),
    }
}

/// mid 10000 (9999.9 / 10000.1, micro 0); gamma 0.1, T 10, sigma 0.5, k = 2 per bp ->
/// 2 x 10000 / 10000 = 2 per USD; risk = 0.1 x 0.25 x 10 = 0.25;
/// h = 10 ln(1 + 0.1/2) + 0.125 = 0.48790164169432 + 0.125 = 0.61290164169432;
/// bias_bps 0.5 -> scale 10000 x 0.00005 = 0.5 USD.
/// bias  0: r = 10000,   bid 9999.38710 -> 9999.3,  ask 10000.61290 -> 10000.7
/// bias +1: r = 10000.5, bid 9999.88710 -> 9999.8,  ask 10001.11290 -> 10001.2
/// bias -1: r = 9999.5,  bid 9998.88710 -> 9998.8,  ask 10000.11290 -> 10000.2
/// clip: 1000 x 0.1188 x 1 / 10000 = 0.01188; bound 100 / 10000 = 0.01 -> 0.01 a side.
#[test]
fn model_quotes_lean_with_the_trend() {
    let cfg = LmmConfig {
        bias_bps: dec!(0.5),
        ..LmmConfig::default()
    };
    let p = file();
    let book = top(dec!(9999.9), dec!(10000.1));
    let acct = flat(dec!(1000), dec!(1000), dec!(0));
    for (bias, bid, ask) in [
        (dec!(0), dec!(9999.3), dec!(10000.7)),
        (dec!(1), dec!(9999.8), dec!(10001.2)),
        (dec!(-1), dec!(9998.8), dec!(10000.2)),
    ] {
        let plan = plan(&cfg, &BTC, &book, &acct, bias, Ok(&p)).unwrap();
        assert_eq!(plan.source, PriceSource::Model);
        assert_eq!(plan.clip.size, dec!(0.01188));
        assert_eq!(plan.max_inventory, dec!(0.01));
        assert_eq!(plan.lean, bias * dec!(0.5));
        let raw = plan.raw.clone().unwrap();
        assert!((raw.half_spread - dec!(0.61290164169432)).abs() < dec!(0.00000000000001));
        let t = plan.targets;
        assert_eq!(
            t.bid.map(|b| (b.price, b.size)),
            Some((bid, dec!(0.01))),
            "bias {bias}"
        );
        assert_eq!(
            t.ask.map(|a| (a.price, a.size)),
            Some((ask, dec!(0.01))),
            "bias {bias}"
        );
    }
    // the file's k per basis point becomes k per USD at the mid; the fee bps a fraction
    let m = model_params(
        &SpreadParams {
            maker_fee_bps: dec!(0.2),
            ..p
        },
        &cfg,
        dec!(2500),
        dec!(1),
    )
    .unwrap();
    assert_eq!((m.k, m.maker_fee), (dec!(8), dec!(0.00002)));
}

/// PAXG 2649.99 / 2650.01 (mid 2650), no parameter file, leverage 2, bias +1 at 2 bp:
/// half = 2650 x 0.00035 = 0.9275, lean = 2650 x 0.0002 = 0.53;
/// bid = 2650 - 0.9275 + 0.53 = 2649.6025 -> 2649.60; ask = 2651.4575 -> 2651.46.
/// clip = 1000 x 0.1188 x 2 / 2650 = 0.08966.. -> 0.0896; bound 100 / 2650 = 0.03773.. ->
/// 0.0377. Position 0.03: bid room 0.0077, ask room 0.0677 (not reduce-only: it would flip).
#[test]
fn static_fallback_with_bias_and_the_inventory_bound() {
    let cfg = LmmConfig {
        leverage: dec!(2),
        ..LmmConfig::default()
    };
    let plan = plan(
        &cfg,
        &PAXG,
        &top(dec!(2649.99), dec!(2650.01)),
        &flat(dec!(1000), dec!(1000), dec!(0.03)),
        dec!(1),
        Err("no parameter file".into()),
    )
    .unwrap();
    assert_eq!(plan.source, PriceSource::Static);
    assert_eq!(
        (plan.clip.size, plan.max_inventory),
        (dec!(0.0896), dec!(0.0377))
    );
    let Targets { bid, ask } = plan.targets;
    assert_eq!(
        bid,
        Some(Target {
            price: dec!(2649.60),
            size: dec!(0.0077),
            reduce_only: false
        })
    );
    assert_eq!(
        ask,
        Some(Target {
            price: dec!(2651.46),
            size: dec!(0.0677),
            reduce_only: false
        })
    );
    // q = 0.03 / 0.0896 = 0.334..
    assert_eq!(plan.inventory.round_dp(4), dec!(0.3348));
}

#[test]
fn bound_uses_the_worst_position_per_side_and_withholds_a_full_side() {
    let cfg = LmmConfig {
        leverage: dec!(2),
        ..LmmConfig::default()
    };
    let book = top(dec!(2649.99), dec!(2650.01));
    // a buy fill of 0.036 seen on the order, not yet in the position read: the bid's room is
    // 0.0377 - 0.036 = 0.0017 < min 0.003 -> withheld; the ask's room uses 0: 0.0377
    let acct = AccountView {
        available: dec!(1000),
        equity: dec!(1000),
        position_low: dec!(0),
        position_high: dec!(0.036),
    };
    let t = plan(&cfg, &PAXG, &book, &acct, dec!(0), Err("x".into()))
        .unwrap()
        .targets;
    assert_eq!(t.bid, None);
    assert_eq!(t.ask.map(|a| a.size), Some(dec!(0.0377)));
    // short beyond the bound: no ask; the bid (0.0896 <= 0.05 + 0.0377 room, min with clip)
    let t = plan(
        &cfg,
        &PAXG,
        &book,
        &flat(dec!(1000), dec!(1000), dec!(-0.05)),
        dec!(0),
        Err("x".into()),
    )
    .unwrap()
    .targets;
    assert_eq!(t.ask, None);
    assert_eq!(
        t.bid.map(|b| (b.size, b.reduce_only)),
        Some((dec!(0.0877), false))
    );
}

#[test]
fn margin_usage_shrinks_then_stops_the_clip_and_require_params_withholds() {
    let cfg = LmmConfig {
        leverage: dec!(2),
        ..LmmConfig::default()
    };
    let book = top(dec!(2649.99), dec!(2650.01));
    // usage (1000 - 350)/1000 = 0.65 -> f = (0.8 - 0.65)/(0.8 - 0.5) = 0.5;
    // 350 x 0.1188 x 2 x 0.5 / 2650 = 0.01569.. -> 0.0156
    let p = plan(
        &cfg,
        &PAXG,
        &book,
        &flat(dec!(350), dec!(1000), dec!(0)),
        dec!(0),
        Err("x".into()),
    )
    .unwrap();
    assert_eq!(p.clip.size, dec!(0.0156));
    // usage 0.8: no clip, nothing quoted
    let p = plan(
        &cfg,
        &PAXG,
        &book,
        &flat(dec!(200), dec!(1000), dec!(0)),
        dec!(0),
        Err("x".into()),
    )
    .unwrap();
    assert!(
        matches!(p.source, PriceSource::Withheld(ref w) if w.contains("usage")),
        "{:?}",
        p.source
    );
    assert_eq!(p.targets, Targets::default());
    let strict = LmmConfig {
        require_params: true,
        ..cfg
    };
    let p = plan(
        &strict,
        &PAXG,
        &book,
        &flat(dec!(1000), dec!(1000), dec!(0)),
        dec!(0),
        Err("no file".into()),
    )
    .unwrap();
    assert!(matches!(p.source, PriceSource::Withheld(ref w) if w.contains("no file")));
    assert_eq!(p.targets, Targets::default());
}
