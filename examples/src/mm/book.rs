//! The book a maker quotes from, and whether it is fresh enough to quote on.
//!
//! With a venue that offers [`Venue::market_feed`], the latest book event is used while it is
//! younger than `stale_after`; otherwise (no feed, or the feed went quiet) the book is read
//! (`Venue::book`, a REST snapshot, else `top_of_book`), bounded by `stale_after` so a hanging
//! request cannot hold quotes on an old book.
//! A usable book has both sides and is not crossed (examples-spec EX-W14).
//!
//! Three answers: [`BookRead::Fresh`] (quote on it), [`BookRead::Hold`] (no usable book right
//! now, but the last one is younger than `stale_after`: keep what rests, place nothing), and
//! [`BookRead::Stale`] (nothing usable for `stale_after`: pull our quotes until fresh).

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use venue_api::{MarketEvent, MarketFeed, TopOfBook, Venue, VenueError};

/// The answer of one read.
#[derive(Debug, Clone, PartialEq)]
pub enum BookRead {
    /// A usable book, `age` old, from `source` ("stream" or "rest").
    Fresh {
        /// The best levels.
        top: TopOfBook,
        /// How old it is.
        age: Duration,
        /// Where it came from, for logs.
        source: &'static str,
    },
    /// No usable book this time; the last one is still within `stale_after`.
    Hold {
        /// Why, for logs.
        reason: String,
    },
    /// No usable book for longer than `stale_after`.
    Stale {
        /// Why, for logs.
        reason: String,
    },
}

/// Keeps the latest book of one market.
#[derive(Debug)]
pub struct BookWatch {
    venue: Arc<dyn Venue>,
    symbol: String,
    feed: Option<MarketFeed>,
    latest: Option<TopOfBook>,
    last_good: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    stale_after: Duration,
}

impl BookWatch {
    /// Watches `symbol`; subscribes to the venue's market feed when it has one.
    pub async fn start(
        venue: Arc<dyn Venue>,
        symbol: &str,
        stale_after: Duration,
        now: DateTime<Utc>,
    ) -> Self {
        let feed = match venue.market_feed(symbol, 1).await {
            Ok(f) => Some(f),
            Err(VenueError::Unsupported(_)) => None,
            Err(e) => {
                tracing::warn!(venue = venue.id(), symbol, error = %e, "market feed unavailable; polling top_of_book");
                None
            }
        };
        Self {
            venue,
            symbol: symbol.to_string(),
            feed,
            latest: None,
            last_good: None,
            started: now,
            stale_after,
        }
    }

    /// True when a live feed is used.
    pub fn streaming(&self) -> bool {
        self.feed.is_some()
    }

    fn age(&self, top: &TopOfBook, now: DateTime<Utc>) -> Duration {
        (now - top.time).to_std().unwrap_or_default()
    }

    fn usable(top: &TopOfBook) -> Result<(), String> {
        match (top.bid_price(), top.ask_price()) {
            (Some(_), Some(_)) if top.is_crossed() => Err(format!(
                "crossed book (bid {} >= ask {})",
                top.bid_price().unwrap_or_default(),
                top.ask_price().unwrap_or_default()
            )),
            (Some(_), Some(_)) => Ok(()),
            _ => Err("one side of the book is empty".into()),
        }
    }

    /// A book read that does not go through an adapter's own stream cache: `Venue::book`
    /// (a REST depth snapshot on both adapters), else `top_of_book`. An adapter may serve
    /// `top_of_book` from its stream stamped with the time of the read, so a stalled stream
    /// would look fresh there for the adapter's own staleness limit, not ours.
    async fn probe(&self) -> Result<TopOfBook, VenueError> {
        match self.venue.book(&self.symbol, 1).await {
            Ok(b) => Ok(b.top()),
            Err(VenueError::Unsupported(_)) => self.venue.top_of_book(&self.symbol).await,
            Err(e) => Err(e),
        }
    }

    /// The book to quote on at `now`, or why not.
    pub async fn read(&mut self, now: DateTime<Utc>) -> BookRead {
        let mut why: Vec<String> = Vec::new();
        if let Some(feed) = self.feed.as_mut() {
            while let Some(ev) = feed.try_next() {
                match ev {
                    MarketEvent::Book(b) => self.latest = Some(b.top()),
                    MarketEvent::Gap { reason } => {
                        tracing::info!(symbol = %self.symbol, reason, "market feed gap");
                    }
                    MarketEvent::Trade(_) => {}
                }
            }
            if let Some(top) = self.latest.clone() {
                let age = self.age(&top, now);
                match Self::usable(&top) {
                    Ok(()) if age <= self.stale_after => {
                        self.last_good = Some(now);
                        return BookRead::Fresh {
                            top,
                            age,
                            source: "stream",
                        };
                    }
                    Ok(()) => why.push(format!("stream book {} ms old", age.as_millis())),
                    Err(e) => why.push(format!("stream: {e}")),
                }
            }
        }
        let fetched = tokio::time::timeout(self.stale_after, self.probe()).await;
        match fetched {
            Ok(Ok(top)) => {
                let age = self.age(&top, now);
                let source = match top.source {
                    venue_api::BookSource::Stream => "stream",
                    venue_api::BookSource::Rest => "rest",
                    venue_api::BookSource::Synthetic => "synthetic",
                };
                match Self::usable(&top) {
                    Ok(()) if top.source == venue_api::BookSource::Synthetic => {
                        why.push("synthetic book (last trade), not quoted on".into());
                    }
                    Ok(()) if age <= self.stale_after => {
                        self.last_good = Some(now);
                        return BookRead::Fresh { top, age, source };
                    }
                    Ok(()) => why.push(format!("book {} ms old", age.as_millis())),
                    Err(e) => why.push(e),
                }
            }
            Ok(Err(e)) => why.push(format!("book: {e}")),
            Err(_) => why.push(format!(
                "book: no answer within {} ms",
                self.stale_after.as_millis()
            )),
        }
        let why = why.join("; ");
        let since = self.last_good.unwrap_or(self.started);
        let quiet = (now - since).to_std().unwrap_or_default();
        if quiet > self.stale_after {
            BookRead::Stale {
                reason: format!("{why}; no usable book for {} ms", quiet.as_millis()),
            }
        } else {
            BookRead::Hold { reason: why }
        }
    }
}
