//! WebSocket depth feed for top of book (spec §6).
//!
//! [`BookFeed::start`] spawns one task that keeps the public socket open: it subscribes to
//! `depth.{contractId}.15` for every tracked contract, answers server pings, pings the server
//! itself, and reconnects with jittered exponential backoff (resubscribing everything).
//! [`BookFeed::top_of_book`] answers only from a live, consistent and fresh book; `None`
//! tells the caller to use REST depth (the venue does that automatically).
//!
//! Concurrency contract: the task is the only writer of the books; readers take a short lock.
//! Dropping the last `Arc<BookFeed>` ends the task.

pub mod book;
mod connection;

use crate::config::EdgexConfig;
use book::LocalBook;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use venue_api::{BookSource, Clock, TopOfBook};

/// Settings of the depth feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookFeedConfig {
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
    pub reconnect_base: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

/// The public WebSocket URL of both generations.
pub fn public_ws_url(ws_base: &str) -> String {
    format!("{}/api/v1/public/ws", ws_base.trim_end_matches('/'))
}

impl BookFeedConfig {
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
            reconnect_base: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Default)]
struct BookSlot {
    book: LocalBook,
    updated: Option<Instant>,
}

#[derive(Debug)]
pub(crate) enum Command {
    Track(String),
}

/// State shared between the feed handle and its connection task.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    books: Mutex<HashMap<String, BookSlot>>,
    tracked: Mutex<HashSet<String>>,
    connected: AtomicBool,
    connections: AtomicU64,
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
pub struct BookFeed {
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<Command>,
    config: BookFeedConfig,
    clock: Arc<dyn Clock>,
}

impl BookFeed {
    /// Starts the connection task (needs a Tokio runtime).
    pub fn start(config: BookFeedConfig, clock: Arc<dyn Clock>) -> Arc<Self> {
        crate::http::client::install_tls_provider();
        let shared = Arc::new(Shared::default());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(connection::run(
            config.clone(),
            shared.clone(),
            rx,
            clock.clone(),
        ));
        Arc::new(Self {
            shared,
            commands: tx,
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
            // A closed channel means the task ended; nothing to subscribe then.
            let _ = self.commands.send(Command::Track(contract_id.to_string()));
        }
    }

    /// A fresh, consistent top of book, or `None` (not connected, no snapshot yet, gap, stale).
    pub fn top_of_book(&self, contract_id: &str) -> Option<TopOfBook> {
        if !self.shared.connected.load(Ordering::Acquire) {
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
        self.shared.connected.load(Ordering::Acquire)
    }

    /// How many connections were established so far (reconnects + 1).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Acquire)
    }
}
