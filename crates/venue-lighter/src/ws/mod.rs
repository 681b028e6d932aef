//! WebSocket side (spec §3): order-book merging ([`book`]), the stream task with
//! subscriptions, ping/pong and reconnects ([`stream`]), and the shared [`StreamCache`] the
//! venue reads before falling back to REST.

pub mod book;
pub mod feed;
pub mod stream;

use book::BookState;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use venue_api::{Balance, TopOfBook};

pub use stream::{LighterStream, LighterStreamConfig, StreamConfig};

/// Latest stream data: books per market index and the account's capital. Entries older
/// than `max_age` are not served, so a stalled stream falls back to REST by itself.
#[derive(Debug)]
pub struct StreamCache {
    books: Mutex<HashMap<u8, (BookState, DateTime<Utc>)>>,
    balance: Mutex<Option<(Balance, DateTime<Utc>)>>,
    max_age: Duration,
}

fn fresh(at: DateTime<Utc>, now: DateTime<Utc>, max_age: Duration) -> bool {
    (now - at).to_std().unwrap_or(Duration::ZERO) <= max_age
}

impl StreamCache {
    /// An empty cache.
    pub fn new(max_age: Duration) -> Self {
        Self {
            books: Mutex::new(HashMap::new()),
            balance: Mutex::new(None),
            max_age,
        }
    }

    /// Stores the state of one market as of `at`.
    pub fn store_book(&self, market: u8, state: BookState, at: DateTime<Utc>) {
        self.books
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(market, (state, at));
    }

    /// Drops a market (after a disconnect or a gap).
    pub fn invalidate_book(&self, market: u8) {
        self.books
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&market);
    }

    /// Drops everything (disconnect).
    pub fn clear(&self) {
        self.books.lock().unwrap_or_else(|p| p.into_inner()).clear();
        *self.balance.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The fresh top of book of a market, if any.
    pub fn top(&self, market: u8, now: DateTime<Utc>) -> Option<TopOfBook> {
        let books = self.books.lock().unwrap_or_else(|p| p.into_inner());
        let (state, at) = books.get(&market)?;
        (state.is_ready() && fresh(*at, now, self.max_age)).then(|| state.top(*at))
    }

    /// Stores the account's capital from `user_stats`.
    pub fn store_balance(&self, balance: Balance, at: DateTime<Utc>) {
        *self.balance.lock().unwrap_or_else(|p| p.into_inner()) = Some((balance, at));
    }

    /// The fresh balance, if any.
    pub fn balance(&self, now: DateTime<Utc>) -> Option<Balance> {
        let b = self.balance.lock().unwrap_or_else(|p| p.into_inner());
        b.as_ref()
            .filter(|(_, at)| fresh(*at, now, self.max_age))
            .map(|(bal, _)| bal.clone())
    }
}
