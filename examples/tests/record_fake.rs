//! The recorder against a scripted venue: a feed the test drives event by event, a trade
//! tape behind `recent_trades`, a book behind `top_of_book`. Checks the restart and gap
//! rules (no duplicate, no missing trade id), the book throttle, the polling fallback and
//! the start-up errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hedge_examples::common::{Shutdown, StopReason};
use hedge_examples::record::{self, symbol::Timing, RecordConfig, RecordError};
use rust_decimal::Decimal;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use venue_api::*;

#[derive(Debug, Default)]
struct Script {
    /// Feeds handed out in order by `market_feed`; none left: Unavailable.
    feeds: std::collections::VecDeque<mpsc::Receiver<MarketEvent>>,
    feed_calls: usize,
    tape: Vec<PublicTrade>,
    top: Option<TopOfBook>,
    recent_calls: usize,
}

#[derive(Debug)]
struct FakeVenue {
    symbols: Vec<&'static str>,
    has_feed: bool,
    has_trades: bool,
    s: Mutex<Script>,
}

fn unsupported<T>(what: &str) -> Result<T, VenueError> {
    Err(VenueError::Unsupported(format!("fake: {what}")))
}

impl FakeVenue {
    fn new(has_feed: bool, has_trades: bool) -> (Arc<Self>, mpsc::Sender<MarketEvent>) {
        let (tx, rx) = mpsc::channel(1000);
        let v = Self {
            symbols: vec!["BTC"],
            has_feed,
            has_trades,
            s: Mutex::new(Script {
                feeds: [rx].into(),
                ..Script::default()
            }),
        };
        (Arc::new(v), tx)
    }

    /// The next feed `market_feed` hands out.
    fn add_feed(&self) -> mpsc::Sender<MarketEvent> {
        let (tx, rx) = mpsc::channel(1000);
        self.s.lock().unwrap().feeds.push_back(rx);
        tx
    }

    fn print(&self, ids: std::ops::RangeInclusive<u64>) {
        let mut s = self.s.lock().unwrap();
        for id in ids {
            s.tape.push(trade(id));
        }
    }

    fn known(&self, symbol: &str) -> Result<(), VenueError> {
        if self.symbols.contains(&symbol) {
            Ok(())
        } else {
            Err(VenueError::UnknownMarket(symbol.to_string()))
        }
    }
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn trade(id: u64) -> PublicTrade {
    PublicTrade {
        trade_id: id,
        time: now(),
        price: Decimal::from(95_000 + id),
        size: Decimal::new(1, 3),
        taker_side: Some(if id % 2 == 0 { Side::Buy } else { Side::Sell }),
    }
}

fn top(bid: i64) -> TopOfBook {
    TopOfBook {
        bid: Some(BookLevel {
            price: bid.into(),
            size: Decimal::ONE,
        }),
        ask: Some(BookLevel {
            price: (bid + 1).into(),
            size: Decimal::TWO,
        }),
        time: now(),
        source: BookSource::Stream,
    }
}

fn book(bid: i64) -> MarketEvent {
    let t = top(bid);
    MarketEvent::Book(BookSnapshot {
        bids: vec![t.bid.unwrap()],
        asks: vec![t.ask.unwrap()],
        time: t.time,
        source: t.source,
    })
}

#[async_trait]
impl Venue for FakeVenue {
    fn id(&self) -> &'static str {
        "fake"
    }
    fn display_name(&self) -> &'static str {
        "Fake"
    }
    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::ZERO,
            bulk_funding: false,
            native_ioc: false,
        }
    }
    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        self.known(symbol)?;
        Ok(MarketInfo {
            symbol: symbol.into(),
            quote: "USD".into(),
            market_id: MarketId::from("1"),
            tick_size: Decimal::ONE,
            step_size: Decimal::new(1, 3),
            min_size: Decimal::new(1, 3),
            min_quote: None,
            max_leverage: None,
            default_leverage: None,
            taker_fee: None,
            maker_fee: None,
            funding_interval_minutes: Some(60),
            status: MarketStatus::Active,
            maintenance_margin_fraction: None,
        })
    }
    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        unsupported("markets")
    }
    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.known(symbol)?;
        let s = self.s.lock().unwrap();
        s.top
            .clone()
            .ok_or(VenueError::Unavailable("no book".into()))
    }
    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.known(symbol)?;
        Ok(FundingRate {
            rate: Decimal::new(125, 7),
            interval_minutes: 60,
            next_funding_time: None,
            time: None,
        })
    }
    async fn funding_rates(
        &self,
        _: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        unsupported("funding_rates")
    }
    async fn funding_history(&self, _: &str, _: usize) -> Result<Vec<FundingPoint>, VenueError> {
        unsupported("funding_history")
    }
    async fn funding_payments(
        &self,
        _: &str,
        _: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        unsupported("funding_payments")
    }
    async fn recent_trades(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<PublicTrade>, VenueError> {
        self.known(symbol)?;
        if !self.has_trades {
            return unsupported("public trades");
        }
        let mut s = self.s.lock().unwrap();
        s.recent_calls += 1;
        let n = s.tape.len();
        Ok(s.tape[n.saturating_sub(limit)..].to_vec())
    }
    async fn market_feed(&self, symbol: &str, _: usize) -> Result<MarketFeed, VenueError> {
        self.known(symbol)?;
        if !self.has_feed {
            return unsupported("market data stream");
        }
        let mut s = self.s.lock().unwrap();
        s.feed_calls += 1;
        match s.feeds.pop_front() {
            Some(rx) => Ok(MarketFeed::new(rx, ())),
            None => Err(VenueError::Unavailable("no feed left".into())),
        }
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        unsupported("balance")
    }
    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        unsupported("positions")
    }
    async fn position(&self, _: &str) -> Result<Option<Position>, VenueError> {
        unsupported("position")
    }
    async fn leverage(&self, _: &str) -> Result<LeverageSetting, VenueError> {
        unsupported("leverage")
    }
    async fn set_leverage(&self, _: &str, _: u32) -> Result<(), VenueError> {
        unsupported("set_leverage")
    }
    async fn prepare_order(&self, _: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        unsupported("prepare_order")
    }
    async fn submit_order(&self, _: PreparedOrder) -> Result<OrderAck, VenueError> {
        unsupported("submit_order")
    }
    async fn cancel_order(&self, _: &str, _: ClientOrderId) -> Result<(), VenueError> {
        unsupported("cancel_order")
    }
    async fn cancel_all(&self, _: &str) -> Result<(), VenueError> {
        unsupported("cancel_all")
    }
    async fn order_status(
        &self,
        _: &str,
        _: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        unsupported("order_status")
    }
    async fn open_orders(&self, _: &str) -> Result<Vec<OrderStatus>, VenueError> {
        unsupported("open_orders")
    }
    async fn resync(&self) -> Result<(), VenueError> {
        Ok(())
    }
}

fn config(out: &Path, symbols: &[&str], book_ms: u64) -> RecordConfig {
    RecordConfig {
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        out: out.to_path_buf(),
        timing: Timing {
            book_interval: Duration::from_millis(book_ms),
            funding_interval: Duration::from_secs(3600),
            flush_interval: Duration::from_millis(20),
            trade_poll: Duration::from_millis(30),
            backfill_limit: 50,
            resubscribe_after: None,
        },
        summary_interval: Duration::from_secs(3600),
        stale_after: Duration::from_secs(60),
    }
}

type Running = tokio::task::JoinHandle<(Result<record::Recorded, RecordError>, Vec<String>)>;

fn start(
    venue: Arc<FakeVenue>,
    cfg: RecordConfig,
) -> (tokio::sync::watch::Sender<StopReason>, Running) {
    let (tx, sd) = Shutdown::manual();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let h = tokio::spawn(async move {
        let mut lines = Vec::new();
        let mut sink = |l: &str| lines.push(l.to_string());
        let r = record::run(venue, clock, &cfg, sd, &mut sink).await;
        (r, lines)
    });
    (tx, h)
}

/// All rows of the files of `kind` (any day) in `dir`, the header checked once per file.
fn rows(dir: &Path, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().contains(&format!("_{kind}_")))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.ends_with('\n'), "{}: torn last line", f.display());
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("time,"), "{}: {header}", f.display());
        for l in lines {
            assert_ne!(l, header, "{}: header twice", f.display());
            out.push(l.to_string());
        }
    }
    out
}

fn ids(dir: &Path) -> Vec<u64> {
    rows(dir, "trades")
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

/// The trade ids on disk now, read leniently (while the recorder may be mid-write).
fn ids_now(dir: &Path) -> Vec<u64> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten() {
        let p = e.unwrap().path();
        if p.to_str().unwrap().contains("_trades_") {
            let text = std::fs::read_to_string(&p).unwrap();
            let whole = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
            out.extend(
                whole
                    .lines()
                    .filter_map(|l| l.split(',').nth(1)?.parse::<u64>().ok()),
            );
        }
    }
    out
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..300 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn restart_and_gap_leave_every_trade_id_exactly_once() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fake");
    std::fs::create_dir_all(&dir).unwrap();
    // a previous run wrote up to id 100, then was killed in the middle of a line
    let today = Utc::now().date_naive().format("%Y-%m-%d");
    let file = dir.join(format!("BTC_trades_{today}.csv"));
    std::fs::write(
        &file,
        "time,trade_id,price,size,taker_side\n2026-01-01T00:00:00.000Z,100,1,1,buy\n2026-01-01T00:00:0",
    )
    .unwrap();
    let (venue, feed) = FakeVenue::new(true, true);
    // printed while nobody recorded; the feed, once subscribed, repeats the last two
    venue.print(90..=105);
    for id in [104, 105, 106] {
        feed.send(MarketEvent::Trade(trade(id))).await.unwrap();
    }
    venue.print(106..=106);
    let (stop, run) = start(venue.clone(), config(out.path(), &["BTC"], 1));
    until("trade 106", || ids_now(&dir).last() == Some(&106)).await;
    // the connection drops; trades 107..110 print meanwhile; the feed resumes at 110
    feed.send(MarketEvent::Gap {
        reason: "test".into(),
    })
    .await
    .unwrap();
    venue.print(107..=110);
    feed.send(book(100)).await.unwrap();
    for id in [110, 111] {
        feed.send(MarketEvent::Trade(trade(id))).await.unwrap();
    }
    until("trade 111", || ids_now(&dir).last() == Some(&111)).await;
    stop.send(StopReason::Terminate).unwrap();
    let (r, lines) = run.await.unwrap();
    let r = r.unwrap();
    assert_eq!(ids(&dir), (100..=111).collect::<Vec<_>>());
    let s = &r.symbols[0].1;
    assert_eq!((s.trades, s.gaps, s.last_trade_id), (11, 1, Some(111)));
    assert!(s.duplicates >= 4, "{s:?}");
    assert!(lines.last().unwrap().starts_with("SUMMARY"), "{lines:?}");
    // one book row, in the backtest's format
    let books = rows(&dir, "book");
    assert_eq!(books.len(), 1);
    assert!(books[0].ends_with(",fake,BTC,100,1,101,2"), "{books:?}");
    // the lock is released at the end: a second run starts and continues after 111
    let (venue, feed) = FakeVenue::new(true, true);
    venue.print(100..=112);
    drop(feed);
    let (stop, run) = start(venue, config(out.path(), &["BTC"], 1));
    until("trade 112", || ids_now(&dir).last() == Some(&112)).await;
    stop.send(StopReason::Interrupt).unwrap();
    run.await.unwrap().0.unwrap();
    assert_eq!(ids(&dir), (100..=112).collect::<Vec<_>>());
}

#[tokio::test]
async fn book_rows_are_throttled_to_changes_and_the_last_change_is_kept() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fake");
    let (venue, feed) = FakeVenue::new(true, false);
    let (stop, run) = start(venue, config(out.path(), &["BTC"], 200));
    // a burst: first written at once, 102 kept, then written when the interval ends
    for bid in [100, 100, 101, 102] {
        feed.send(book(bid)).await.unwrap();
    }
    until("first book row", || {
        dir.exists() && rows(&dir, "book").len() == 1
    })
    .await;
    until("kept change", || rows(&dir, "book").len() == 2).await;
    // unchanged books write nothing
    for _ in 0..5 {
        feed.send(book(102)).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // a change at stop is written even inside its interval
    feed.send(book(105)).await.unwrap();
    feed.send(book(106)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(StopReason::Duration).unwrap();
    let (r, _) = run.await.unwrap();
    let bids: Vec<String> = rows(&dir, "book")
        .iter()
        .map(|l| l.split(',').nth(3).unwrap().to_string())
        .collect();
    assert_eq!(bids, ["100", "102", "105", "106"]);
    let s = &r.unwrap().symbols[0].1;
    assert_eq!(s.book_updates, 11);
    assert_eq!(s.trades, 0);
}

#[tokio::test]
async fn without_a_feed_the_book_and_the_trades_are_polled() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fake");
    let (venue, _feed) = FakeVenue::new(false, true);
    venue.s.lock().unwrap().top = Some(top(200));
    venue.print(1..=3);
    let (stop, run) = start(venue.clone(), config(out.path(), &["BTC"], 20));
    until("trades 1..3", || ids_now(&dir) == [1, 2, 3]).await;
    venue.print(4..=5);
    venue.s.lock().unwrap().top = Some(top(201));
    until("trades 4, 5", || ids_now(&dir) == [1, 2, 3, 4, 5]).await;
    until("second book", || rows(&dir, "book").len() == 2).await;
    stop.send(StopReason::Terminate).unwrap();
    let s = run.await.unwrap().0.unwrap().symbols[0].1.clone();
    assert_eq!(s.source, record::summary::Source::Poll);
    assert_eq!(rows(&dir, "funding").len(), 1);
    assert!(rows(&dir, "funding")[0].ends_with(",0.0000125,60,"));
    assert!(venue.s.lock().unwrap().recent_calls >= 2);
}

#[tokio::test]
async fn a_feed_that_ends_falls_back_to_polling() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fake");
    let (venue, feed) = FakeVenue::new(true, false);
    venue.s.lock().unwrap().top = Some(top(300));
    feed.send(book(299)).await.unwrap();
    drop(feed);
    let (stop, run) = start(venue, config(out.path(), &["BTC"], 20));
    until("polled book", || {
        dir.exists() && rows(&dir, "book").len() == 2
    })
    .await;
    stop.send(StopReason::Terminate).unwrap();
    let s = run.await.unwrap().0.unwrap().symbols[0].1.clone();
    assert_eq!(s.source, record::summary::Source::Poll);
    assert!(rows(&dir, "book")[1].contains(",300,"));
    // no trade source at all: no trades file
    assert!(rows(&dir, "trades").is_empty());
}

#[tokio::test]
async fn start_up_errors_name_the_symbol_the_venue_or_the_lock() {
    let out = tempfile::tempdir().unwrap();
    let (venue, _feed) = FakeVenue::new(true, true);
    let (_stop, run) = start(venue, config(out.path(), &["BTC", "FOO"], 20));
    let err = run.await.unwrap().0.unwrap_err();
    assert_eq!(err.to_string(), "unknown symbol FOO on fake");
    // nothing was created for a run that never started
    assert!(!out.path().join("fake").exists());

    let _held = record::lock::OutputLock::take(&out.path().join("fake")).unwrap();
    let (venue, _feed) = FakeVenue::new(true, true);
    let (_stop, run) = start(venue, config(out.path(), &["BTC"], 20));
    let err = run.await.unwrap().0.unwrap_err().to_string();
    assert!(err.contains("held by another recorder"), "{err}");

    let other = tempfile::tempdir().unwrap();
    let dir = other.path().join("fake");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("BTC_trades_2026-12-01.csv"), "time,venue,symbol\n").unwrap();
    let (venue, _feed) = FakeVenue::new(true, true);
    let (_stop, run) = start(venue, config(other.path(), &["BTC"], 20));
    let err = run.await.unwrap().0.unwrap_err().to_string();
    assert!(
        err.contains("BTC_trades_2026-12-01.csv") && err.contains("not appending"),
        "{err}"
    );
}

#[tokio::test]
async fn a_silent_or_ended_feed_is_subscribed_again_and_polled_meanwhile() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fake");
    let (venue, first) = FakeVenue::new(true, true);
    venue.s.lock().unwrap().top = Some(top(150));
    let second = venue.add_feed();
    let mut cfg = config(out.path(), &["BTC"], 20);
    cfg.timing.resubscribe_after = Some(Duration::from_millis(300));
    // the first feed gives one book and ends: the book is polled (150) until the retry
    first.send(book(100)).await.unwrap();
    drop(first);
    let (stop, run) = start(venue.clone(), cfg);
    until("polled book", || {
        dir.exists() && rows(&dir, "book").iter().any(|r| r.contains(",150,"))
    })
    .await;
    // the retry opens the second feed; a trade printed meanwhile comes with its first event
    venue.print(1..=1);
    second.send(book(200)).await.unwrap();
    until("second feed", || {
        rows(&dir, "book").iter().any(|r| r.contains(",200,"))
    })
    .await;
    until("trade 1 fetched after the new feed's first event", || {
        ids_now(&dir) == [1]
    })
    .await;
    // the second feed stays open but silent: dropped, a third is asked for and refused
    until("third try", || venue.s.lock().unwrap().feed_calls >= 3).await;
    stop.send(StopReason::Terminate).unwrap();
    let s = run.await.unwrap().0.unwrap().symbols[0].1.clone();
    assert_eq!(s.source, record::summary::Source::Poll);
    assert!(s.resubscribes >= 2 && s.errors >= 1, "{s:?}");
    let bids: Vec<String> = rows(&dir, "book")
        .iter()
        .map(|l| l.split(',').nth(3).unwrap().to_string())
        .collect();
    assert_eq!(&bids[..3], ["100", "150", "200"], "{bids:?}");
    drop(second);
}
