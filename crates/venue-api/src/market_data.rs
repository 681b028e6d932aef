//! Public market data beyond the top of book: depth, public trades, and a live feed of both.
//!
//! What the example bots (recorders, market makers) need from a venue, and what a developer
//! embedding these crates reaches for first. The hedge engine does not use it.

use crate::types::{BookLevel, BookSource, Side, TopOfBook};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use tokio::sync::mpsc;

/// One trade printed by the venue in a market (anyone's, not only ours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicTrade {
    /// The venue's trade id. Both venues number trades with integers that grow with time in
    /// a market, so "every id above the last one seen" finds the new trades.
    pub trade_id: u64,
    /// When the venue matched it.
    pub time: DateTime<Utc>,
    /// Price in quote currency.
    pub price: rust_decimal::Decimal,
    /// Size in base units.
    pub size: rust_decimal::Decimal,
    /// The taker's side (the aggressor), when the venue says; `Buy` lifted an ask.
    pub taker_side: Option<Side>,
}

/// The best levels of both sides of a book, best first on each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookSnapshot {
    /// Bids, highest price first.
    pub bids: Vec<BookLevel>,
    /// Asks, lowest price first.
    pub asks: Vec<BookLevel>,
    /// When the venue produced it (or when we received it, if the venue gives no time).
    pub time: DateTime<Utc>,
    /// Where it came from.
    pub source: BookSource,
}

impl BookSnapshot {
    /// The best bid and ask of this snapshot.
    pub fn top(&self) -> TopOfBook {
        TopOfBook {
            bid: self.bids.first().copied(),
            ask: self.asks.first().copied(),
            time: self.time,
            source: self.source,
        }
    }
}

/// One event of a [`MarketFeed`].
#[derive(Debug, Clone, PartialEq)]
pub enum MarketEvent {
    /// The book changed; the whole (truncated) book as it is now.
    Book(BookSnapshot),
    /// A public trade, in the venue's order (ids increasing).
    Trade(PublicTrade),
    /// The feed lost continuity (reconnect, sequencing gap): updates may be missing between
    /// the previous event and the next one. Books resume with a full snapshot; trades missed
    /// meanwhile can be fetched with [`crate::Venue::recent_trades`].
    Gap {
        /// Why, for logs.
        reason: String,
    },
}

/// A live stream of one market's book and trades, from [`crate::Venue::market_feed`].
///
/// The adapter's background task feeds it and ends when the feed is dropped. `next` returns
/// `None` only when the adapter has given up (the venue refused the subscription for good);
/// a dropped connection is a [`MarketEvent::Gap`] followed by a reconnect, never an end.
pub struct MarketFeed {
    rx: mpsc::Receiver<MarketEvent>,
    _guard: Box<dyn Send + Sync>,
}

impl MarketFeed {
    /// A feed reading `rx`; `guard` is dropped with the feed (an adapter puts there what
    /// stops its background task, e.g. an abort-on-drop handle).
    pub fn new(rx: mpsc::Receiver<MarketEvent>, guard: impl Send + Sync + 'static) -> Self {
        Self {
            rx,
            _guard: Box::new(guard),
        }
    }

    /// The next event; `None` when the feed has ended for good.
    pub async fn next(&mut self) -> Option<MarketEvent> {
        self.rx.recv().await
    }

    /// An event already waiting, without waiting.
    pub fn try_next(&mut self) -> Option<MarketEvent> {
        self.rx.try_recv().ok()
    }
}

impl fmt::Debug for MarketFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MarketFeed").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[tokio::test]
    async fn feed_delivers_in_order_and_ends_when_the_sender_goes() {
        let (tx, rx) = mpsc::channel(4);
        let mut feed = MarketFeed::new(rx, ());
        tx.send(MarketEvent::Gap { reason: "a".into() }).await.ok();
        tx.send(MarketEvent::Gap { reason: "b".into() }).await.ok();
        drop(tx);
        assert_eq!(
            feed.try_next(),
            Some(MarketEvent::Gap { reason: "a".into() })
        );
        assert_eq!(
            feed.next().await,
            Some(MarketEvent::Gap { reason: "b".into() })
        );
        assert_eq!(feed.next().await, None);
    }

    #[test]
    fn snapshot_top_is_the_first_level_of_each_side() {
        let l = |p, s| BookLevel { price: p, size: s };
        let snap = BookSnapshot {
            bids: vec![l(dec!(99), dec!(1)), l(dec!(98), dec!(2))],
            asks: vec![l(dec!(101), dec!(3))],
            time: DateTime::<Utc>::UNIX_EPOCH,
            source: BookSource::Stream,
        };
        let top = snap.top();
        assert_eq!(top.bid_price(), Some(dec!(99)));
        assert_eq!(top.ask_price(), Some(dec!(101)));
        assert_eq!(top.mid(), Some(dec!(100)));
    }
}
