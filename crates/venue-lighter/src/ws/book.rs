//! Order book state from the `order_book/{market}` channel: a snapshot, then updates that
//! carry only changed levels (size 0 deletes). Levels are keyed by price, so best bid/ask do
//! not depend on the order of arrays. Offsets must increase; a gap means a lost update and
//! the caller resubscribes.

use crate::http::parse::dec;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use venue_api::{BookLevel, BookSource, TopOfBook, VenueError};

/// One level as sent.
#[derive(Debug, Clone, Deserialize)]
pub struct WireLevel {
    /// Price (decimal string).
    pub price: String,
    /// Size (decimal string); "0" deletes.
    pub size: String,
}

/// The `order_book` object of a message.
#[derive(Debug, Clone, Deserialize)]
pub struct WireBook {
    /// Asks.
    #[serde(default)]
    pub asks: Vec<WireLevel>,
    /// Bids.
    #[serde(default)]
    pub bids: Vec<WireLevel>,
    /// Sequence offset.
    #[serde(default)]
    pub offset: Option<i64>,
}

/// What applying a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// State updated.
    Ok,
    /// An update arrived without a snapshot, or an offset went backwards/skipped: resubscribe.
    Gap,
}

/// The merged book of one market.
#[derive(Debug, Clone, Default)]
pub struct BookState {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    offset: Option<i64>,
    has_snapshot: bool,
}

fn apply_levels(
    side: &mut BTreeMap<Decimal, Decimal>,
    levels: &[WireLevel],
) -> Result<(), VenueError> {
    for l in levels {
        let price = dec("price", &l.price)?;
        let size = dec("size", &l.size)?;
        if size.is_zero() {
            side.remove(&price);
        } else {
            side.insert(price, size);
        }
    }
    Ok(())
}

impl BookState {
    /// Replaces the state with a snapshot.
    pub fn snapshot(&mut self, book: &WireBook, offset: Option<i64>) -> Result<(), VenueError> {
        let mut fresh = BookState::default();
        apply_levels(&mut fresh.bids, &book.bids)?;
        apply_levels(&mut fresh.asks, &book.asks)?;
        fresh.offset = offset.or(book.offset);
        fresh.has_snapshot = true;
        *self = fresh;
        Ok(())
    }

    /// Merges an update. Offsets must increase (Lighter's offsets are not guaranteed to be
    /// consecutive, so only a non-increasing offset counts as a gap).
    pub fn update(&mut self, book: &WireBook, offset: Option<i64>) -> Result<Applied, VenueError> {
        if !self.has_snapshot {
            return Ok(Applied::Gap);
        }
        let offset = offset.or(book.offset);
        if let (Some(prev), Some(next)) = (self.offset, offset) {
            if next <= prev {
                return Ok(Applied::Gap);
            }
        }
        apply_levels(&mut self.bids, &book.bids)?;
        apply_levels(&mut self.asks, &book.asks)?;
        self.offset = offset.or(self.offset);
        Ok(Applied::Ok)
    }

    /// Best bid and ask.
    pub fn top(&self, time: DateTime<Utc>) -> TopOfBook {
        TopOfBook {
            bid: self.bids.iter().next_back().map(|(p, s)| BookLevel {
                price: *p,
                size: *s,
            }),
            ask: self.asks.iter().next().map(|(p, s)| BookLevel {
                price: *p,
                size: *s,
            }),
            time,
            source: BookSource::Stream,
        }
    }

    /// True once a snapshot was applied.
    pub fn is_ready(&self) -> bool {
        self.has_snapshot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn wire(bids: &[(&str, &str)], asks: &[(&str, &str)]) -> WireBook {
        let l = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(p, s)| WireLevel {
                    price: p.to_string(),
                    size: s.to_string(),
                })
                .collect()
        };
        WireBook {
            bids: l(bids),
            asks: l(asks),
            offset: None,
        }
    }

    #[test]
    fn merge_by_price_and_delete_on_zero() {
        let mut b = BookState::default();
        assert_eq!(
            b.update(&wire(&[], &[]), Some(1)).unwrap(),
            Applied::Gap,
            "update before snapshot"
        );
        b.snapshot(
            &wire(
                &[("99.5", "1"), ("100.0", "2")],
                &[("101", "3"), ("100.5", "1")],
            ),
            Some(10),
        )
        .unwrap();
        let t = b.top(Utc::now());
        assert_eq!(
            (t.bid_price(), t.ask_price()),
            (Some(dec!(100.0)), Some(dec!(100.5)))
        );
        // delete the best ask with "0.000", add a better bid
        assert_eq!(
            b.update(&wire(&[("100.2", "5")], &[("100.5", "0.000")]), Some(11))
                .unwrap(),
            Applied::Ok
        );
        let t = b.top(Utc::now());
        assert_eq!(
            (t.bid_price(), t.ask_price()),
            (Some(dec!(100.2)), Some(dec!(101)))
        );
        assert_eq!(t.bid.unwrap().size, dec!(5));
        // same price written differently is the same level
        b.update(&wire(&[("100.20", "0")], &[]), Some(12)).unwrap();
        assert_eq!(b.top(Utc::now()).bid_price(), Some(dec!(100.0)));
        // offsets must increase
        assert_eq!(b.update(&wire(&[], &[]), Some(12)).unwrap(), Applied::Gap);
        assert_eq!(b.top(Utc::now()).source, BookSource::Stream);
    }
}
