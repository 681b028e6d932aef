//! WebSocket depth stream for top of book (spec §6). Same skeleton as `venue-lighter`'s
//! `ws`: `book` (merging, gap detection), `stream` (the venue's protocol on the shared
//! `venue_transport::ws` reconnect loop), and here the handle the venue reads from.
//!
//! [`EdgexStream::start`] spawns one task that keeps the public socket open: it subscribes to
//! `depth.{contractId}.15` for every tracked contract, answers server pings, pings the server
//! itself, and reconnects with jittered exponential backoff (resubscribing everything).
//! [`EdgexStream::top_of_book`] answers only from a live, consistent and fresh book; `None`
//! tells the caller to use REST depth (the venue does that automatically).
//!
//! Concurrency contract: the task is the only writer of the books; readers take a short lock.
//! Dropping the last `Arc<EdgexStream>` ends the task.

pub mod book;
pub mod feed;
mod stream;

use crate::config::EdgexConfig;
use book::LocalBook;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stream::{Command, EdgexHandler};
use tokio::time::Instant;
use venue_api::{BookSource, Clock, TopOfBook};
use venue_transport::ws::{WsConfig, WsTask};

/// The former name of [`EdgexStream`].
pub type BookFeed = EdgexStream;
/// The former name of [`EdgexStreamConfig`].
pub type BookFeedConfig = EdgexStreamConfig;

/// Settings of the depth stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgexStreamConfig {
    /// Full socket URL (`wss://quote.edgex.exchange/api/v1/public/ws`).
    pub url: String,
    /// Depth level subscribed (15 or 200).
    pub level: u32,
    /// A book not updated for this long is not served (REST is used instead).
    pub stale_after: Duration,
    /// How often we ping the server.
    pub ping_interval: Duration,
    /// With no frame at all for this long the connection is considered dead.
    pub idle_timeout: Duration,
    /// First reconnect delay.
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

/// The public WebSocket URL of both generations.
pub fn public_ws_url(ws_base: &str) -> String {
    format!("{}/api/v1/public/ws", ws_base.trim_end_matches('/'))
}

impl EdgexStreamConfig {
    /// Defaults for a venue configuration: `{ws}/api/v1/public/ws` on BOTH generations (the
    /// V2 docs: the public WebSocket "continues to use the `/api/v1/` path for backward
    /// compatibility"; SDK 2.0.1 `ws/manager.py`), level 15, stale after 5 s, ping every 30 s,
    /// dead after 90 s of silence, reconnect 0.5 s .. 30 s.
    pub fn from_config(config: &EdgexConfig) -> Self {
        Self {
            url: public_ws_url(config.ws_url()),
            level: 15,
            stale_after: Duration::from_secs(5),
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }

    fn transport(&self) -> WsConfig {
        WsConfig {
            url: self.url.clone(),
            ping_interval: self.ping_interval,
            idle_timeout: self.idle_timeout,
            reconnect_min: self.reconnect_min,
            reconnect_max: self.reconnect_max,
        }
    }
}

#[derive(Debug, Default)]
struct BookSlot {
    book: LocalBook,
    updated: Option<Instant>,
}

/// State shared between the feed handle and its connection task.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    books: Mutex<HashMap<String, BookSlot>>,
    tracked: Mutex<HashSet<String>>,
}

impl Shared {
    fn with_books<R>(&self, f: impl FnOnce(&mut HashMap<String, BookSlot>) -> R) -> R {
        let mut guard = self.books.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    fn tracked(&self) -> Vec<String> {
        self.tracked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub(crate) fn reset_all(&self) {
        self.with_books(|b| b.values_mut().for_each(|s| s.book.reset()));
    }
}

/// Live top of book per contract, fed by the depth channel.
#[derive(Debug)]
pub struct EdgexStream {
    shared: Arc<Shared>,
    task: WsTask<Command>,
    config: EdgexStreamConfig,
    clock: Arc<dyn Clock>,
}

impl EdgexStream {
    /// Starts the connection task (needs a Tokio runtime).
    pub fn start(config: EdgexStreamConfig, clock: Arc<dyn Clock>) -> Arc<Self> {
        let shared = Arc::new(Shared::default());
        let handler = EdgexHandler {
            level: config.level,
            shared: shared.clone(),
            clock: clock.clone(),
            subscribed: HashSet::new(),
        };
        let task = venue_transport::ws::spawn(config.transport(), handler);
        Arc::new(Self {
            shared,
            task,
            config,
            clock,
        })
    }

    /// Subscribes to a contract's depth (idempotent).
    pub fn track(&self, contract_id: &str) {
        let new = self
            .shared
            .tracked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(contract_id.to_string());
        if new {
            self.task.command(Command::Track(contract_id.to_string()));
        }
    }

    /// A fresh, consistent top of book, or `None` (not connected, no snapshot yet, gap, stale).
    pub fn top_of_book(&self, contract_id: &str) -> Option<TopOfBook> {
        if !self.is_connected() {
            return None;
        }
        self.shared.with_books(|books| {
            let slot = books.get(contract_id)?;
            let fresh = slot
                .updated
                .is_some_and(|t| t.elapsed() <= self.config.stale_after);
            if !slot.book.is_ready() || !fresh {
                return None;
            }
            Some(TopOfBook {
                bid: slot.book.best_bid(),
                ask: slot.book.best_ask(),
                time: self.clock.now(),
                source: BookSource::Stream,
            })
        })
    }

    /// True while the socket is open.
    pub fn is_connected(&self) -> bool {
        self.task.status().is_connected()
    }

    /// How many connections were established so far (reconnects + 1).
    pub fn connections(&self) -> u64 {
        self.task.status().connections()
    }
}
