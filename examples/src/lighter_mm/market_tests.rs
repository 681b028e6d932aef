//! The market watch: staleness, gaps, crossed books, candles from mids and from trades.

use super::*;
use crate::supertrend::Trend;
use rust_decimal_macros::dec;
use venue_api::{BookLevel, BookSnapshot, BookSource, PublicTrade, Side};

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

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
        time: at(0),
        source: BookSource::Stream,
    }
}

fn cfg(source: TrendSource) -> LmmConfig {
    LmmConfig {
        stale_after_secs: 10,
        candle_secs: 1,
        supertrend_period: 2,
        supertrend_multiplier: dec!(1),
        trend_source: source,
        ..LmmConfig::default()
    }
}

#[test]
fn book_goes_stale_after_the_limit_and_a_gap_drops_it() {
    let mut w = MarketWatch::new(&cfg(TrendSource::Mid)).unwrap();
    assert_eq!(w.usable(at(0)).unwrap_err(), Unusable::NoBook);
    assert!(w.needs_probe(at(0)));
    w.on_top(top(dec!(99), dec!(101)), at(1_000));
    assert!(w.usable(at(11_000)).is_ok(), "10 s old is still usable");
    assert!(!w.needs_probe(at(5_999)));
    assert!(w.needs_probe(at(6_000)), "probe REST at half the limit");
    assert_eq!(
        w.usable(at(11_001)).unwrap_err(),
        Unusable::Stale(Duration::from_millis(10_001))
    );
    w.on_event(
        MarketEvent::Gap {
            reason: "reconnect".into(),
        },
        at(11_002),
    );
    assert_eq!(w.usable(at(11_002)).unwrap_err(), Unusable::NoBook);
}

#[test]
fn crossed_and_one_sided_books_are_not_quoted() {
    let mut w = MarketWatch::new(&cfg(TrendSource::Mid)).unwrap();
    w.on_top(top(dec!(101), dec!(101)), at(0));
    assert_eq!(w.usable(at(0)).unwrap_err(), Unusable::Crossed);
    let mut one = top(dec!(99), dec!(101));
    one.ask = None;
    w.on_top(one, at(1));
    assert_eq!(w.usable(at(1)).unwrap_err(), Unusable::OneSided);
}

#[test]
fn candles_from_book_mids_drive_the_trend() {
    let mut w = MarketWatch::new(&cfg(TrendSource::Mid)).unwrap();
    let snap = |b: Decimal| {
        MarketEvent::Book(BookSnapshot {
            bids: vec![BookLevel {
                price: b,
                size: dec!(1),
            }],
            asks: vec![BookLevel {
                price: b + dec!(2),
                size: dec!(1),
            }],
            time: at(0),
            source: BookSource::Stream,
        })
    };
    // second 0: mids 100, 102 -> candle H102 L100 C102 (TR 2); second 1: mid 104 -> H=L=C=104
    // (TR = max(0, |104-102|, |104-102|) = 2); ATR(2) = 2, hl2 = 104, close >= hl2 -> Up
    let mut points = Vec::new();
    points.extend(w.on_event(snap(dec!(99)), at(100)));
    points.extend(w.on_event(snap(dec!(101)), at(900)));
    points.extend(w.on_event(snap(dec!(103)), at(1_500)));
    assert!(points.is_empty(), "first candle closes with no ATR yet");
    let p = w.tick(at(2_000));
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].atr, p[0].trend), (dec!(2), Trend::Up));
    assert_eq!(w.trend().bias(dec!(0.5)), dec!(0.5));
}

#[test]
fn trades_feed_candles_once_each_when_chosen() {
    let trade = |id: u64, ms: i64, price: Decimal| {
        MarketEvent::Trade(PublicTrade {
            trade_id: id,
            time: at(ms),
            price,
            size: dec!(1),
            taker_side: Some(Side::Buy),
        })
    };
    let mut w = MarketWatch::new(&cfg(TrendSource::Trades)).unwrap();
    w.on_event(trade(1, 0, dec!(100)), at(0));
    // a replayed id after a reconnect is skipped (it would extend the candle's low to 1)
    w.on_event(trade(1, 10, dec!(1)), at(10));
    w.on_event(trade(2, 1_000, dec!(101)), at(1_000));
    let p = w.on_event(trade(3, 2_000, dec!(99)), at(2_000));
    // candles: [100] TR 0, [101] TR 1 -> ATR (0 + 1)/2 = 0.5; hl2 101 -> close >= hl2 -> Up
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].atr, p[0].trend), (dec!(0.5), Trend::Up));
    // book mids do not feed the trend in this mode
    assert!(w.on_top(top(dec!(1), dec!(3)), at(5_000)).is_empty());
}
