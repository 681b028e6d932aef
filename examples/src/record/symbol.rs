//! One symbol's recorder: turns feed events and REST polls into rows of its three files.
//!
//! Trades are written in id order, each id once: a trade whose id is at or below the last
//! one written (read back from the files at start) is dropped. Missed trades are fetched
//! with `recent_trades` at start, after every feed gap (once the feed is back, so that
//! nothing falls between the fetch and the resubscription) and once a minute; together with
//! the id rule this makes a restart or a reconnect free of gaps (up to the venue's
//! `recent_trades` window) and of duplicates.
//!
//! Book rows are throttled: a row only when the top of book changed, and at most one per
//! book interval; a change inside the interval is kept and written when it ends, so the
//! last state of a burst is never lost.

use super::files::{DailyCsv, FileError, Kind};
use super::rows;
use super::summary::{Source, Stats};
use crate::common::Shutdown;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};
use venue_api::{Clock, MarketEvent, MarketFeed, PublicTrade, TopOfBook, Venue, VenueError};

/// How often the feed's trades are checked against `recent_trades`.
pub const FEED_BACKFILL_EVERY: Duration = Duration::from_secs(60);

/// Timings of one symbol's recorder.
#[derive(Debug, Clone)]
pub struct Timing {
    /// At most one book row per this interval (and the poll interval without a feed).
    pub book_interval: Duration,
    /// Funding poll interval.
    pub funding_interval: Duration,
    /// Buffered rows are written out this often.
    pub flush_interval: Duration,
    /// Trade poll interval without a feed.
    pub trade_poll: Duration,
    /// Trades asked of `recent_trades` per call.
    pub backfill_limit: usize,
    /// A feed whose book is silent this long is dropped and subscribed again (a socket can
    /// stay alive, answering pings, with no data); a feed that ended is retried this often.
    /// `None`: never.
    pub resubscribe_after: Option<Duration>,
}

/// The recorder of one symbol.
#[derive(Debug)]
pub struct SymbolRecorder {
    symbol: String,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    timing: Timing,
    book: DailyCsv,
    trades: DailyCsv,
    funding: DailyCsv,
    stats: Arc<Mutex<Stats>>,
    last_trade_id: Option<u64>,
    /// The last book written (its levels) and when.
    written: Option<(TopOfBook, Instant)>,
    pending: Option<TopOfBook>,
    /// `recent_trades` works on this venue (false after an Unsupported answer).
    can_backfill: bool,
    /// A gap was seen: backfill once the feed delivers again.
    after_gap: bool,
    /// When the feed last gave a book (or was opened, or was last tried).
    feed_book_at: Instant,
}

fn same_levels(a: &TopOfBook, b: &TopOfBook) -> bool {
    a.bid == b.bid && a.ask == b.ask
}

impl SymbolRecorder {
    /// A recorder writing under `dir` (`<out>/<venue>`), continuing after `last_trade_id`.
    pub fn new(
        dir: &Path,
        symbol: &str,
        venue: Arc<dyn Venue>,
        clock: Arc<dyn Clock>,
        timing: Timing,
        last_trade_id: Option<u64>,
        stats: Arc<Mutex<Stats>>,
    ) -> Self {
        Self {
            symbol: symbol.to_string(),
            venue,
            clock,
            timing,
            book: DailyCsv::new(dir, symbol, Kind::Book),
            trades: DailyCsv::new(dir, symbol, Kind::Trades),
            funding: DailyCsv::new(dir, symbol, Kind::Funding),
            stats,
            last_trade_id,
            written: None,
            pending: None,
            can_backfill: true,
            after_gap: false,
            feed_book_at: Instant::now(),
        }
    }

    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn venue_error(&self, what: &str, e: &VenueError) {
        self.stats().errors += 1;
        tracing::warn!("{} {}: {what}: {e}", self.venue.id(), self.symbol);
    }

    /// A book update: written now, kept for the end of the interval, or dropped as unchanged.
    pub fn on_book(&mut self, top: TopOfBook) -> Result<(), FileError> {
        {
            let mut s = self.stats();
            s.book_updates += 1;
            s.last_book = Some(std::time::Instant::now());
        }
        if self
            .written
            .as_ref()
            .is_some_and(|(w, _)| same_levels(w, &top))
        {
            self.pending = None;
            return Ok(());
        }
        self.pending = Some(top);
        self.book_due()
    }

    /// Writes the kept book change when its interval has passed.
    pub fn book_due(&mut self) -> Result<(), FileError> {
        let due = self
            .written
            .as_ref()
            .is_none_or(|(_, at)| at.elapsed() >= self.timing.book_interval);
        if !due {
            return Ok(());
        }
        let Some(top) = self.pending.take() else {
            return Ok(());
        };
        match rows::book(self.venue.id(), &self.symbol, &top) {
            Ok(line) => {
                self.book.append(top.time, &line)?;
                self.stats().book_rows += 1;
            }
            Err(why) => {
                self.stats().books_skipped += 1;
                tracing::debug!(
                    "{} {}: book not written: {why:?}",
                    self.venue.id(),
                    self.symbol
                );
            }
        }
        // a refused book also counts as the state written: it is not retried until it changes
        self.written = Some((top, Instant::now()));
        Ok(())
    }

    /// A trade: written unless its id was written already.
    pub fn on_trade(&mut self, t: &PublicTrade) -> Result<(), FileError> {
        if self.last_trade_id.is_some_and(|last| t.trade_id <= last) {
            self.stats().duplicates += 1;
            return Ok(());
        }
        self.trades.append(t.time, &rows::trade(t))?;
        self.last_trade_id = Some(t.trade_id);
        let mut s = self.stats();
        s.trades += 1;
        s.last_trade = Some(std::time::Instant::now());
        s.last_trade_id = Some(t.trade_id);
        Ok(())
    }

    /// Fetches the venue's recent trades and writes those after the last one written.
    /// False when the venue has no such endpoint.
    pub async fn backfill(&mut self) -> Result<bool, FileError> {
        if !self.can_backfill {
            return Ok(false);
        }
        let mut list = match self
            .venue
            .recent_trades(&self.symbol, self.timing.backfill_limit)
            .await
        {
            Ok(l) => l,
            Err(VenueError::Unsupported(m)) => {
                let consequence = if self.stats().source == Source::Feed {
                    "trades missed while the feed is down are not recorded"
                } else {
                    "no trades are recorded"
                };
                tracing::info!(
                    "{} {}: no public trade history ({m}); {consequence}",
                    self.venue.id(),
                    self.symbol
                );
                self.can_backfill = false;
                return Ok(false);
            }
            Err(e) => {
                self.venue_error("recent trades", &e);
                return Ok(true);
            }
        };
        list.sort_by_key(|t| t.trade_id);
        if let (Some(last), Some(first)) = (self.last_trade_id, list.first()) {
            if first.trade_id > last && list.len() >= self.timing.backfill_limit {
                tracing::warn!(
                    "{} {}: possible trade gap: all {} recent trades are new (ids {}.. after {last})",
                    self.venue.id(),
                    self.symbol,
                    list.len(),
                    first.trade_id
                );
            }
        }
        for t in &list {
            self.on_trade(t)?;
        }
        Ok(true)
    }

    async fn poll_book(&mut self) -> Result<(), FileError> {
        match self.venue.top_of_book(&self.symbol).await {
            Ok(top) => self.on_book(top),
            Err(e) => {
                self.venue_error("top of book", &e);
                Ok(())
            }
        }
    }

    async fn poll_funding(&mut self) -> Result<(), FileError> {
        match self.venue.funding(&self.symbol).await {
            Ok(f) => {
                let now = self.clock.now();
                self.funding.append(now, &rows::funding(now, &f))?;
                self.stats().funding_rows += 1;
                Ok(())
            }
            Err(e) => {
                self.venue_error("funding", &e);
                Ok(())
            }
        }
    }

    async fn on_event(&mut self, ev: MarketEvent) -> Result<(), FileError> {
        if self.after_gap && !matches!(ev, MarketEvent::Gap { .. }) {
            // the feed is back: whatever was missed is now in the venue's recent trades
            self.after_gap = false;
            self.backfill().await?;
        }
        match ev {
            MarketEvent::Book(b) => {
                self.feed_book_at = Instant::now();
                self.on_book(b.top())
            }
            MarketEvent::Trade(t) => self.on_trade(&t),
            MarketEvent::Gap { reason } => {
                self.stats().gaps += 1;
                tracing::warn!("{} {}: feed gap: {reason}", self.venue.id(), self.symbol);
                self.after_gap = true;
                Ok(())
            }
        }
    }

    /// True when the feed's book has been silent (or the lost feed untried) for the
    /// resubscription period.
    fn feed_due(&self) -> bool {
        self.timing
            .resubscribe_after
            .is_some_and(|d| self.feed_book_at.elapsed() >= d)
    }

    /// Opens the market feed again (the old one must be dropped first); `None` on failure,
    /// and the book is polled until the next try.
    async fn resubscribe(&mut self) -> Option<MarketFeed> {
        self.feed_book_at = Instant::now();
        self.stats().resubscribes += 1;
        match self.venue.market_feed(&self.symbol, 1).await {
            Ok(f) => {
                // what printed while the feed was silent comes with the next event
                self.after_gap = true;
                self.stats().source = Source::Feed;
                Some(f)
            }
            Err(e) => {
                self.venue_error("market feed (polling the book meanwhile)", &e);
                self.stats().source = Source::Poll;
                None
            }
        }
    }

    fn trade_period(&self, feed: bool) -> Duration {
        if feed {
            FEED_BACKFILL_EVERY
        } else {
            self.timing.trade_poll
        }
    }

    /// Flushes every file.
    pub fn flush(&mut self) -> Result<(), FileError> {
        self.book.flush()?;
        self.trades.flush()?;
        self.funding.flush()
    }

    /// Records until `shutdown`, from `feed` when given (else by polling), then writes out
    /// what is buffered (the kept book change included).
    pub async fn run(
        mut self,
        mut feed: Option<MarketFeed>,
        mut shutdown: Shutdown,
    ) -> Result<(), FileError> {
        // first tick after one period (`interval` would fire at once)
        let tick = |d: Duration| {
            let mut i = tokio::time::interval_at(Instant::now() + d, d);
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        };
        let mut book_tick = tick(self.timing.book_interval);
        let mut funding_tick = tick(self.timing.funding_interval);
        let mut flush_tick = tick(self.timing.flush_interval);
        let mut trade_tick = tick(self.trade_period(feed.is_some()));
        // a venue without any feed is polled for good; one whose feed is lost is retried
        let has_feed = feed.is_some();
        self.feed_book_at = Instant::now();
        self.stats().source = if feed.is_some() {
            Source::Feed
        } else {
            Source::Poll
        };
        // Before any feed event: the trades missed while nobody recorded (the feed is
        // already subscribed, so what prints meanwhile waits in it), then a first funding
        // row and, without a feed, a first book.
        self.backfill().await?;
        self.poll_funding().await?;
        if feed.is_none() {
            self.poll_book().await?;
        }
        let result = loop {
            let step = tokio::select! {
                _ = shutdown.wait() => break Ok(()),
                ev = next_event(&mut feed) => match ev {
                    Some(ev) => self.on_event(ev).await,
                    None => {
                        tracing::warn!(
                            "{} {}: the market feed ended; polling the book instead",
                            self.venue.id(), self.symbol
                        );
                        feed = None;
                        self.feed_book_at = Instant::now();
                        self.stats().source = Source::Poll;
                        trade_tick = tick(self.trade_period(false));
                        Ok(())
                    }
                },
                _ = book_tick.tick() => {
                    let step = if feed.is_some() { self.book_due() } else { self.poll_book().await };
                    if has_feed && self.feed_due() {
                        if feed.is_some() {
                            tracing::warn!(
                                "{} {}: no book from the feed for {}s: subscribing again",
                                self.venue.id(), self.symbol, self.feed_book_at.elapsed().as_secs()
                            );
                        }
                        // the old subscription goes first (its task ends with it)
                        drop(feed.take());
                        feed = self.resubscribe().await;
                        trade_tick = tick(self.trade_period(feed.is_some()));
                    }
                    step
                }
                _ = funding_tick.tick() => self.poll_funding().await,
                _ = trade_tick.tick() => self.backfill().await.map(drop),
                _ = flush_tick.tick() => self.flush(),
            };
            if let Err(e) = step {
                break Err(e);
            }
        };
        // the last change of a burst is written even when its interval has not ended
        if self.pending.is_some() {
            self.written = None;
            self.book_due()?;
        }
        self.flush()?;
        result
    }
}

async fn next_event(feed: &mut Option<MarketFeed>) -> Option<MarketEvent> {
    match feed {
        Some(f) => f.next().await,
        None => std::future::pending().await,
    }
}
