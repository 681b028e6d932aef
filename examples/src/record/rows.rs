//! One CSV line per recorded fact, and the checks a row must pass before it is written.
//!
//! Book rows are produced by the backtest's own formatter
//! ([`hedge_backtest::market::book_csv_line`]), so a book file is always readable by
//! `rotation-bot backtest --books`; a book that file format would refuse (an empty side, a
//! size of zero, a crossed or locked book) is not written.

use chrono::{DateTime, SecondsFormat, Utc};
use venue_api::{FundingRate, PublicTrade, Side, TopOfBook};

/// RFC 3339 with milliseconds, UTC (`2026-12-01T13:05:00.250Z`).
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Why a book is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookSkip {
    /// A side is empty.
    OneSided,
    /// A level with a size of zero or less.
    NoSize,
    /// Best ask at or below best bid.
    Crossed,
}

/// The book line of `venue`/`symbol`, or why the book is not written.
pub fn book(venue: &str, symbol: &str, top: &TopOfBook) -> Result<String, BookSkip> {
    let (bid, ask) = match (top.bid, top.ask) {
        (Some(b), Some(a)) => (b, a),
        _ => return Err(BookSkip::OneSided),
    };
    if bid.size <= rust_decimal::Decimal::ZERO || ask.size <= rust_decimal::Decimal::ZERO {
        return Err(BookSkip::NoSize);
    }
    if bid.price <= rust_decimal::Decimal::ZERO || ask.price <= bid.price {
        return Err(BookSkip::Crossed);
    }
    hedge_backtest::market::book_csv_line(venue, symbol, top).ok_or(BookSkip::OneSided)
}

/// `time,trade_id,price,size,taker_side` (taker side `buy`, `sell`, or empty when the venue
/// does not say).
pub fn trade(t: &PublicTrade) -> String {
    let side = match t.taker_side {
        Some(Side::Buy) => "buy",
        Some(Side::Sell) => "sell",
        None => "",
    };
    format!(
        "{},{},{},{},{side}",
        time(t.time),
        t.trade_id,
        t.price.normalize(),
        t.size.normalize()
    )
}

/// `time,rate,interval_minutes,next_funding_time` (`time`: when it was read; next time
/// empty when the venue does not say).
pub fn funding(read_at: DateTime<Utc>, f: &FundingRate) -> String {
    format!(
        "{},{},{},{}",
        time(read_at),
        f.rate.normalize(),
        f.interval_minutes,
        f.next_funding_time.map(time).unwrap_or_default()
    )
}

/// The trade id of a trades row (its second column).
pub fn trade_id_of(line: &str) -> Option<u64> {
    line.split(',').nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use venue_api::{BookLevel, BookSource};

    fn top(bid: Option<(i64, i64)>, ask: Option<(i64, i64)>) -> TopOfBook {
        let l = |(p, s): (i64, i64)| BookLevel {
            price: p.into(),
            size: s.into(),
        };
        TopOfBook {
            bid: bid.map(l),
            ask: ask.map(l),
            time: DateTime::parse_from_rfc3339("2026-12-01T10:00:00.5Z")
                .unwrap()
                .with_timezone(&Utc),
            source: BookSource::Stream,
        }
    }

    #[test]
    fn books_the_backtest_would_refuse_are_not_written() {
        let cases = [
            (
                top(Some((99, 2)), Some((101, 3))),
                Ok("2026-12-01T10:00:00.500Z,lighter,BTC,99,2,101,3".to_string()),
            ),
            (top(None, Some((101, 3))), Err(BookSkip::OneSided)),
            (top(Some((99, 2)), None), Err(BookSkip::OneSided)),
            (top(Some((99, 0)), Some((101, 3))), Err(BookSkip::NoSize)),
            (top(Some((101, 1)), Some((101, 3))), Err(BookSkip::Crossed)),
            (top(Some((102, 1)), Some((101, 3))), Err(BookSkip::Crossed)),
        ];
        for (input, expected) in cases {
            assert_eq!(book("lighter", "BTC", &input), expected, "{input:?}");
        }
        let line = book("lighter", "BTC", &top(Some((99, 2)), Some((101, 3)))).unwrap();
        let text = format!("{}\n{line}\n", hedge_backtest::market::BOOK_CSV_HEADER);
        assert_eq!(
            hedge_backtest::BookDepth::parse_csv(&text).unwrap().len(),
            1
        );
    }

    #[test]
    fn trade_and_funding_rows() {
        let t = PublicTrade {
            trade_id: 42,
            time: DateTime::parse_from_rfc3339("2026-12-01T10:00:01Z")
                .unwrap()
                .with_timezone(&Utc),
            price: dec!(95000.10),
            size: dec!(0.0100),
            taker_side: Some(Side::Sell),
        };
        assert_eq!(trade(&t), "2026-12-01T10:00:01.000Z,42,95000.1,0.01,sell");
        assert_eq!(trade_id_of(&trade(&t)), Some(42));
        let none = PublicTrade {
            taker_side: None,
            ..t.clone()
        };
        assert!(trade(&none).ends_with(",0.01,"));
        assert_eq!(trade_id_of("garbled"), None);
        let f = FundingRate {
            rate: dec!(-0.000125),
            interval_minutes: 60,
            next_funding_time: Some(t.time),
            time: None,
        };
        assert_eq!(
            funding(t.time, &f),
            "2026-12-01T10:00:01.000Z,-0.000125,60,2026-12-01T10:00:01.000Z"
        );
        let f = FundingRate {
            next_funding_time: None,
            ..f
        };
        assert!(funding(t.time, &f).ends_with(",60,"));
    }
}
