//! Order book state from the `order_book/{market}` channel: a snapshot, then updates that
//! carry only changed levels (size 0 deletes). Levels are keyed by price, so best bid/ask do
//! not depend on the order of arrays. Sequence checks: an update's `begin_nonce` must equal
//! the previous message's `nonce` (the continuity rule nautilus_trader's Lighter client
//! applies, findings/live-lighter.md row 20), and offsets must increase. A gap, or a book
//! that comes out crossed, means a lost update: the caller resubscribes.

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
    /// Sequence number of this message's last change.
    #[serde(default)]
    pub nonce: Option<i64>,
    /// Sequence number this update continues from (= the previous message's `nonce`).
    #[serde(default)]
    pub begin_nonce: Option<i64>,
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
    nonce: Option<i64>,
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
        fresh.nonce = book.nonce;
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
        if let (Some(prev), Some(begin)) = (self.nonce, book.begin_nonce) {
            if begin != prev {
                return Ok(Applied::Gap);
            }
        }
        apply_levels(&mut self.bids, &book.bids)?;
        apply_levels(&mut self.asks, &book.asks)?;
        self.offset = offset.or(self.offset);
        self.nonce = book.nonce.or(self.nonce);
        if self.is_crossed() {
            return Ok(Applied::Gap);
        }
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

    /// Bids, highest first.
    pub fn bids_best_first(&self) -> impl Iterator<Item = BookLevel> + '_ {
        self.bids.iter().rev().map(|(p, s)| BookLevel {
            price: *p,
            size: *s,
        })
    }

    /// Asks, lowest first.
    pub fn asks_best_first(&self) -> impl Iterator<Item = BookLevel> + '_ {
        self.asks.iter().map(|(p, s)| BookLevel {
            price: *p,
            size: *s,
        })
    }

    /// Best bid at or above best ask: the book missed an update.
    pub fn is_crossed(&self) -> bool {
        match (self.bids.keys().next_back(), self.asks.keys().next()) {
            (Some(bid), Some(ask)) => bid >= ask,
            _ => false,
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
            nonce: None,
            begin_nonce: None,
        }
    }

    #[test]
    fn begin_nonce_must_continue_the_previous_nonce_and_a_crossed_book_is_a_gap() {
        let mut b = BookState::default();
        let mut snap = wire(&[("100", "1")], &[("101", "1")]);
        snap.nonce = Some(50);
        b.snapshot(&snap, Some(1)).unwrap();
        let mut next = wire(&[("100", "2")], &[]);
        next.begin_nonce = Some(50);
        next.nonce = Some(57);
        assert_eq!(b.update(&next, Some(2)).unwrap(), Applied::Ok);
        // a message lost between 57 and 60
        let mut skipped = wire(&[("99", "1")], &[]);
        skipped.begin_nonce = Some(60);
        skipped.nonce = Some(61);
        assert_eq!(b.update(&skipped, Some(3)).unwrap(), Applied::Gap);
        // crossed after applying: a missed delete
        let mut b = BookState::default();
        b.snapshot(&wire(&[("100", "1")], &[("101", "1")]), Some(1))
            .unwrap();
        assert_eq!(
            b.update(&wire(&[("101.5", "1")], &[]), Some(2)).unwrap(),
            Applied::Gap
        );
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
