//! Funding dislocation episodes over simulated weeks: sizes and decay as documented, rare
//! enough that most symbols stay below a rotation threshold, frequent enough that the best
//! symbol changes; and every settlement pays rate x position notional from the very rate the
//! venue showed as current.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeSet;
use venue_api::Side;
use venue_sim::engine::funding::{
    base_hourly_e8, episodes_at, hourly_e8, EpisodeParams, HOURS_PER_YEAR, LIFETIME_HALF_LIVES,
};
use venue_sim::engine::{Account, Exchange, NewOrder, Tif, VenueKind};

/// The example rotation config's symbols.
const SYMBOLS: [&str; 13] = [
    "BTC", "ETH", "SOL", "BNB", "ASTER", "PAXG", "DOGE", "XRP", "LINK", "HYPE", "PUMP", "FARTCOIN",
    "XPL",
];
const T0_HOUR: i64 = 491_000; // late 2026
const DAYS: i64 = 30;
/// The spread (APR %) a 320 USD position held 8 h needs to beat both venues' round-trip taker
/// fees (2 x (0.038 % + 0.02 %)) plus a 5 % APR threshold.
const WORTH_OPENING_APR: i64 = 132;

fn spread_apr_pct(seed: u64, p: &EpisodeParams, symbol: &str, hour: i64) -> i64 {
    let d = hourly_e8(seed, p, VenueKind::Edgex, symbol, hour)
        - hourly_e8(seed, p, VenueKind::Lighter, symbol, hour);
    d.abs() * HOURS_PER_YEAR / 1_000_000
}

#[test]
fn episodes_have_the_stated_size_and_decay() {
    let p = EpisodeParams::default();
    let mut seen = BTreeSet::new();
    for seed in [1u64, 7, 42] {
        for symbol in SYMBOLS {
            for hour in T0_HOUR..T0_HOUR + DAYS * 24 {
                for e in episodes_at(seed, &p, symbol, hour) {
                    seen.insert((seed, symbol, e.start_hour, e.venue));
                    assert!((50..=300).contains(&e.apr_pct), "{e:?}");
                    assert!((2..=8).contains(&e.half_life_hours), "{e:?}");
                    // the departure of the episode's venue from its calm rate is the episode
                    let departure = |h: i64| {
                        hourly_e8(seed, &p, e.venue, symbol, h)
                            - base_hourly_e8(seed, e.venue, symbol, h)
                    };
                    let others: i64 = episodes_at(seed, &p, symbol, e.start_hour)
                        .iter()
                        .filter(|o| o.venue == e.venue && o.start_hour != e.start_hour)
                        .map(|o| o.value_e8(e.start_hour))
                        .sum();
                    assert_eq!(departure(e.start_hour) - others, e.size_e8);
                    let apr = e.size_e8.abs() * HOURS_PER_YEAR / 1_000_000;
                    assert!((i64::from(e.apr_pct) - apr).abs() <= 1, "{e:?}");
                    let hl = i64::from(e.half_life_hours);
                    assert!((e.value_e8(e.start_hour + hl) * 2 - e.size_e8).abs() <= 2);
                    assert!((e.value_e8(e.start_hour + 2 * hl) * 4 - e.size_e8).abs() <= 4);
                    assert_eq!(e.value_e8(e.start_hour + LIFETIME_HALF_LIVES * hl), 0);
                }
            }
        }
    }
    // 20 h mean gap: about 36 episodes per symbol and month
    let per_seed = seen.len() / 3;
    assert!((330..=600).contains(&per_seed), "{per_seed} episodes");
}

#[test]
fn the_best_symbol_rotates_and_most_stay_below_the_threshold() {
    let p = EpisodeParams::default();
    for seed in [1u64, 2, 3, 42, 1234] {
        let mut above = 0usize;
        let mut first: Option<i64> = None;
        let mut best_symbols = BTreeSet::new();
        for hour in T0_HOUR..T0_HOUR + DAYS * 24 {
            let mut best = (0i64, "");
            for symbol in SYMBOLS {
                let apr = spread_apr_pct(seed, &p, symbol, hour);
                if apr >= WORTH_OPENING_APR {
                    above += 1;
                    first.get_or_insert(hour - T0_HOUR);
                }
                if apr > best.0 {
                    best = (apr, symbol);
                }
            }
            if best.0 >= WORTH_OPENING_APR {
                best_symbols.insert(best.1);
            }
        }
        let share = above * 100 / (SYMBOLS.len() * (DAYS * 24) as usize);
        assert!(
            (2..=20).contains(&share),
            "seed {seed}: {share} % of symbol-hours"
        );
        assert!(first.unwrap() <= 24, "seed {seed}: first at {first:?} h");
        assert!(best_symbols.len() >= 8, "seed {seed}: {best_symbols:?}");
    }
    // without episodes nothing is ever worth opening
    let off = EpisodeParams::off();
    for hour in T0_HOUR..T0_HOUR + DAYS * 24 {
        for symbol in SYMBOLS {
            assert!(spread_apr_pct(1, &off, symbol, hour) < 50);
            assert_eq!(
                hourly_e8(1, &off, VenueKind::Lighter, symbol, hour),
                base_hourly_e8(1, VenueKind::Lighter, symbol, hour)
            );
        }
    }
}

#[test]
fn settlements_pay_the_current_rate_times_notional() {
    let t0 = T0_HOUR * 3_600_000;
    let mut ex = Exchange::with_defaults(42, t0);
    ex.insert_account(Account::new(VenueKind::Edgex, "7", dec!(100000)));
    ex.insert_account(Account::new(VenueKind::Lighter, "9", dec!(100000)));
    let mut shown = Vec::new();
    for (venue, account, side) in [
        (VenueKind::Edgex, "7", Side::Buy),
        (VenueKind::Lighter, "9", Side::Sell),
    ] {
        let m = ex
            .markets_of(venue)
            .find(|m| m.symbol == "SOL")
            .cloned()
            .unwrap();
        let book = ex.book(venue, &m.market_id).unwrap();
        let price = match side {
            Side::Buy => book.asks[2].price,
            Side::Sell => book.bids[2].price,
        };
        let order = NewOrder {
            market_id: m.market_id.clone(),
            client_id: "1".into(),
            side,
            price,
            size: dec!(5),
            tif: Tif::Ioc,
            reduce_only: false,
            nonce: 0,
        };
        let placed = ex.place_order(venue, account, order, None).unwrap();
        assert_eq!(placed.filled, dec!(5));
        let want_fee = placed.filled_value * m.taker_fee;
        assert!(
            (placed.fee - want_fee).abs() < dec!(0.0000001),
            "taker fee per fill"
        );
        shown.push((venue, account, m));
    }
    // walk 3 days an hour at a time; before each settlement note the current rate
    let mut expected: Vec<(VenueKind, i64, Decimal)> = Vec::new();
    for h in 0..72 {
        for (venue, _, m) in &shown {
            let (rate, _, next) = ex.current_funding(*venue, &m.market_id).unwrap();
            if !expected.iter().any(|(v, t, _)| v == venue && *t == next) {
                expected.push((*venue, next, rate));
            }
        }
        ex.advance(t0 + (h + 1) * 3_600_000 + 1_000);
    }
    for (venue, account, m) in &shown {
        let records = &ex.account(*venue, account).unwrap().funding;
        let per_day = 24 * 60 / i64::from(m.funding_interval_min);
        assert_eq!(records.len() as i64, 3 * per_day, "{venue:?}");
        for r in records {
            let (_, _, rate) = expected
                .iter()
                .find(|(v, t, _)| v == venue && *t == r.time_ms)
                .unwrap();
            assert_eq!(
                r.rate, *rate,
                "the rate shown as current is the rate settled"
            );
            assert_eq!(r.amount, (-(r.size * r.mark * r.rate)).round_dp(6));
        }
    }
}
