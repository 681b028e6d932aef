//! The data file: a round trip through disk, and every validation rule naming its field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_backtest::{DataError, FeeSchedule, FundingData, MarketHistory, RatePoint, VenueHistory};
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn t(h: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_790_000_000 - 1_790_000_000 % 86_400 + h * 3600, 0).unwrap()
}

fn sample() -> FundingData {
    let market = |interval: u32, hours: &[i64]| MarketHistory {
        interval_minutes: interval,
        taker_fee: None,
        maker_fee: None,
        rates: hours
            .iter()
            .map(|h| RatePoint {
                time: t(*h),
                rate: dec!(0.0001),
                mark_price: Some(dec!(100)),
            })
            .collect(),
    };
    let venue = |id: &str, interval: u32, hours: &[i64]| VenueHistory {
        venue: id.into(),
        fees: FeeSchedule {
            maker: dec!(0.0002),
            taker: dec!(0.0005),
        },
        markets: BTreeMap::from([("BTC".to_string(), market(interval, hours))]),
    };
    FundingData {
        version: 1,
        source: "test".into(),
        created_at: None,
        from: t(0),
        to: t(8),
        venues: vec![venue("a", 60, &[1, 2, 3, 4]), venue("b", 240, &[4, 8])],
    }
}

#[test]
fn round_trip_through_disk_keeps_every_decimal_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.json");
    let d = sample();
    d.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"0.0001\""), "decimals are strings: {text}");
    assert_eq!(FundingData::load(&path).unwrap(), d);
}

#[test]
fn lookups_see_only_the_past() {
    let d = sample();
    let m = &d.venues[1].markets["BTC"];
    assert_eq!(m.rate_at(t(3)), None, "nothing settled before 4 h");
    assert_eq!(m.rate_at(t(4)).unwrap().time, t(4));
    assert_eq!(m.next_after(t(4)).unwrap().time, t(8));
    assert_eq!(m.settled_between(t(0), t(8)).len(), 2);
    assert_eq!(m.settled_between(t(4), t(8)).len(), 1, "(from, to]");
    assert_eq!(m.mark_at(t(5)), Some(dec!(100)));
}

#[test]
fn invalid_files_name_the_field() {
    type Edit = fn(&mut FundingData);
    let cases: [(Edit, &str); 6] = [
        (|d| d.version = 2, "version"),
        (|d| d.to = d.from, "to"),
        (|d| d.venues.truncate(1), "venues"),
        (|d| d.venues[1].venue = "a".into(), "venues[1].venue"),
        (
            |d| d.venues[0].markets.get_mut("BTC").unwrap().interval_minutes = 0,
            "venues[0].markets.BTC.interval_minutes",
        ),
        (
            |d| d.venues[0].markets.get_mut("BTC").unwrap().rates.swap(0, 1),
            "venues[0].markets.BTC.rates[1].time",
        ),
    ];
    for (edit, field) in cases {
        let mut d = sample();
        edit(&mut d);
        match d.validate() {
            Err(DataError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: expected invalid, got {other:?}"),
        }
    }
}

#[test]
fn unknown_keys_and_numbers_for_decimals_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.json");
    let mut v = serde_json::to_value(sample()).unwrap();
    v["surprise"] = serde_json::json!(1);
    std::fs::write(&path, v.to_string()).unwrap();
    assert!(matches!(
        FundingData::load(&path),
        Err(DataError::Parse { .. })
    ));
}

#[test]
fn a_recorded_book_line_parses_back_and_prices_the_way_the_bot_does() {
    use hedge_backtest::market::{book_csv_line, BOOK_CSV_HEADER};
    use hedge_backtest::{BookDepth, SlippageModel};
    use venue_api::{BookLevel, BookSource, TopOfBook};
    let book = TopOfBook {
        bid: Some(BookLevel {
            price: dec!(99.9),
            size: dec!(2),
        }),
        ask: Some(BookLevel {
            price: dec!(100.1),
            size: dec!(5),
        }),
        time: t(1),
        source: BookSource::Rest,
    };
    let line = book_csv_line("a", "BTC", &book).unwrap();
    let depth = BookDepth::parse_csv(&format!("{BOOK_CSV_HEADER}\n{line}\n")).unwrap();
    assert_eq!(depth.len(), 1);
    assert!(
        depth.at("a", "BTC", t(0)).is_none(),
        "nothing before the snapshot"
    );
    let model = SlippageModel::Books {
        depth,
        fallback_bps: dec!(7),
    };
    // buying 1000 USD = 10 BTC at mid 100: half spread 0.1 x 10 = 1, plus 5 BTC beyond the
    // ask's 5 at 2 bps of 500 USD = 0.1
    assert_eq!(
        model.fill_cost("a", "BTC", true, dec!(1000), dec!(2), t(2)),
        dec!(1.1)
    );
    // no snapshot yet: the flat fallback
    assert_eq!(
        model.fill_cost("a", "BTC", true, dec!(1000), dec!(2), t(0)),
        dec!(0.7)
    );
    let bad = BookDepth::parse_csv("2026-01-01T00:00:00Z,a,BTC,100,1,99,1").unwrap_err();
    assert_eq!((bad.line, bad.field), (1, "ask"));
}
