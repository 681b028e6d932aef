//! [`venue_api::MarketFeed`] for one Lighter market: its own socket subscribed (after the
//! venue's greeting) to `order_book/{m}` and `trade/{m}`, on the shared reconnect loop.
//!
//! The book is kept in a [`BookState`] (snapshot, then updates, `begin_nonce` chain
//! checked); every applied message emits [`MarketEvent::Book`] with the best `depth` levels.
//! A gap (or a crossed book) emits [`MarketEvent::Gap`] and resubscribes for a fresh
//! snapshot; a lost connection emits `Gap` and reconnects with backoff. Trades are emitted in
//! id order, each id once: ids at or below the last one sent are skipped (a new
//! subscription may repeat recent trades). `{"type":"ping"}` is answered with a pong.
//!
//! Trade wire format (the venue's WebSocket docs, "Trade"; doc/websocket.txt of
//! djienne/CROSS_EXCHANGE_DELTA_NEUTRAL; elliottech/lighter-python `docs/Trade.md`):
//! `{"type":"update/trade","channel":"trade:{m}","trades":[{"trade_id":14035051,"price":
//! "3335.65","size":"0.1187","is_maker_ask":false,"timestamp":1722339648,…}]}`; the
//! subscription answer is `subscribed/trade` (its `trades`, if any, are read the same way);
//! `is_maker_ask` true = the taker bought; `timestamp` in ms (seconds also accepted).

use super::book::{Applied, BookState, WireBook};
use crate::http::models::WireTrade;
use crate::http::parse::{dec, timestamp};
use serde::Deserialize;
use std::sync::Arc;
use tokio::sync::mpsc;
use venue_api::{
    BookLevel, BookSnapshot, BookSource, Clock, MarketEvent, PublicTrade, Side, VenueError,
};
use venue_transport::ws::{Reply, WsHandler};

/// Events a slow consumer may leave queued before the feed drops some (and says so).
pub const FEED_CAPACITY: usize = 4096;

/// A public trade from its wire form.
pub fn parse_trade(t: &WireTrade) -> Result<PublicTrade, VenueError> {
    Ok(PublicTrade {
        trade_id: t.trade_id,
        time: timestamp(t.timestamp)?,
        price: dec("trade.price", &t.price)?,
        size: dec("trade.size", &t.size)?,
        taker_side: t
            .is_maker_ask
            .map(|maker_ask| if maker_ask { Side::Buy } else { Side::Sell }),
    })
}

/// A snapshot of the best `depth` levels (at least one) of sorted sides.
pub(crate) fn snapshot_of(
    bids_best_first: impl Iterator<Item = BookLevel>,
    asks_best_first: impl Iterator<Item = BookLevel>,
    depth: usize,
    time: chrono::DateTime<chrono::Utc>,
    source: BookSource,
) -> BookSnapshot {
    let n = depth.max(1);
    BookSnapshot {
        bids: bids_best_first.take(n).collect(),
        asks: asks_best_first.take(n).collect(),
        time,
        source,
    }
}

/// The events channel of a feed: drops events when the consumer lags (then a `Gap` says
/// so first), and sends each trade id once, in order.
#[derive(Debug)]
pub(crate) struct FeedSink {
    tx: mpsc::Sender<MarketEvent>,
    lagged: bool,
    last_trade: Option<u64>,
}

impl FeedSink {
    pub(crate) fn new(tx: mpsc::Sender<MarketEvent>) -> Self {
        Self {
            tx,
            lagged: false,
            last_trade: None,
        }
    }

    fn send(&mut self, event: MarketEvent) {
        if self.lagged {
            let gap = MarketEvent::Gap {
                reason: "events dropped: the consumer fell behind".into(),
            };
            if self.tx.try_send(gap).is_err() {
                return;
            }
            self.lagged = false;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(event) {
            self.lagged = true;
        }
    }

    fn gap(&mut self, reason: impl Into<String>) {
        self.send(MarketEvent::Gap {
            reason: reason.into(),
        });
    }

    fn trades(&mut self, mut trades: Vec<PublicTrade>) {
        trades.sort_by_key(|t| t.trade_id);
        for t in trades {
            if self.last_trade.is_some_and(|last| t.trade_id <= last) {
                continue;
            }
            self.last_trade = Some(t.trade_id);
            self.send(MarketEvent::Trade(t));
        }
    }
}

#[derive(Debug, Deserialize)]
struct Incoming {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    order_book: Option<WireBook>,
    #[serde(default)]
    trades: Option<Vec<WireTrade>>,
}

/// The feed's protocol on one socket.
pub(crate) struct FeedHandler {
    pub(crate) market: u8,
    pub(crate) depth: usize,
    pub(crate) book: BookState,
    pub(crate) sink: FeedSink,
    pub(crate) clock: Arc<dyn Clock>,
    /// Subscriptions sent on this connection (after the greeting).
    pub(crate) subscribed: bool,
}

impl FeedHandler {
    fn subscriptions(&self) -> Vec<String> {
        ["order_book", "trade"]
            .iter()
            .map(|c| {
                serde_json::json!({"type": "subscribe", "channel": format!("{c}/{}", self.market)})
                    .to_string()
            })
            .collect()
    }

    fn on_book(&mut self, msg: &Incoming) -> Vec<String> {
        let Some(book) = msg.order_book.as_ref() else {
            return Vec::new();
        };
        let applied = if msg.kind.starts_with("subscribed") {
            self.book.snapshot(book, msg.offset).map(|_| Applied::Ok)
        } else {
            self.book.update(book, msg.offset)
        };
        match applied {
            Ok(Applied::Ok) => {
                let snap = snapshot_of(
                    self.book.bids_best_first(),
                    self.book.asks_best_first(),
                    self.depth,
                    self.clock.now(),
                    BookSource::Stream,
                );
                self.sink.send(MarketEvent::Book(snap));
                Vec::new()
            }
            Ok(Applied::Gap) | Err(_) => {
                self.book = BookState::default();
                self.sink
                    .gap("order book updates do not chain; resubscribing for a snapshot");
                let channel = format!("order_book/{}", self.market);
                vec![
                    serde_json::json!({"type": "unsubscribe", "channel": channel}).to_string(),
                    serde_json::json!({"type": "subscribe", "channel": channel}).to_string(),
                ]
            }
        }
    }
}

impl WsHandler for FeedHandler {
    type Command = ();

    fn on_open(&mut self) -> Vec<String> {
        // the venue greets first (`connected`); subscriptions follow the first frame
        self.subscribed = false;
        self.book = BookState::default();
        Vec::new()
    }

    fn on_text(&mut self, text: &str) -> Reply {
        let mut out = Vec::new();
        if !self.subscribed {
            self.subscribed = true;
            out.extend(self.subscriptions());
        }
        let msg: Incoming = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(target: "venue_lighter::ws", error = %e, body = %text, "unparsed frame");
                return Reply::send(out);
            }
        };
        let ours = |prefix: &str| {
            msg.channel.as_deref().is_some_and(|c| {
                c.strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix([':', '/']))
                    .and_then(|m| m.parse::<u8>().ok())
                    == Some(self.market)
            })
        };
        match msg.kind.as_str() {
            "ping" => out.push(r#"{"type":"pong"}"#.to_string()),
            "shutdown" => return Reply::reconnect("server announced shutdown"),
            "subscribed/order_book" | "update/order_book" if ours("order_book") => {
                out.extend(self.on_book(&msg));
            }
            "subscribed/trade" | "update/trade" if ours("trade") => {
                let parsed: Result<Vec<PublicTrade>, VenueError> =
                    msg.trades.iter().flatten().map(parse_trade).collect();
                match parsed {
                    Ok(t) => self.sink.trades(t),
                    Err(e) => {
                        tracing::warn!(target: "venue_lighter::ws", error = %e, "bad trade message")
                    }
                }
            }
            "error" => {
                tracing::warn!(target: "venue_lighter::ws", body = %text, "market feed error frame");
            }
            _ => {}
        }
        Reply::send(out)
    }

    fn on_command(&mut self, _: ()) -> Vec<String> {
        Vec::new()
    }

    fn ping(&mut self) -> Option<String> {
        Some(r#"{"type":"ping"}"#.to_string())
    }

    fn on_close(&mut self) {
        self.book = BookState::default();
        self.sink.gap("connection lost; reconnecting");
    }

    fn name(&self) -> &'static str {
        "lighter-market-feed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn documented_trade_message_parses() {
        let doc = r#"{"channel":"trade:0","trades":[{"trade_id":14035051,"tx_hash":"189068eb","type":"trade","market_id":0,"size":"0.1187","price":"3335.65","usd_amount":"13.67","ask_id":41720126,"bid_id":41720037,"ask_account_id":2304,"bid_account_id":21504,"is_maker_ask":false,"block_height":2204468,"timestamp":1722339648}],"type":"update/trade"}"#;
        let msg: Incoming = serde_json::from_str(doc).unwrap();
        let t = parse_trade(&msg.trades.unwrap()[0]).unwrap();
        assert_eq!(t.trade_id, 14_035_051);
        assert_eq!((t.price, t.size), (dec!(3335.65), dec!(0.1187)));
        assert_eq!(t.taker_side, Some(Side::Sell));
        assert_eq!(t.time.timestamp(), 1_722_339_648, "seconds accepted");
    }

    #[test]
    fn feed_sends_each_trade_once_and_gaps_on_close() {
        let (tx, mut rx) = mpsc::channel(16);
        let mut h = FeedHandler {
            market: 1,
            depth: 2,
            book: BookState::default(),
            sink: FeedSink::new(tx),
            clock: Arc::new(venue_api::SystemClock),
            subscribed: false,
        };
        let subs = h.on_text(r#"{"type":"connected"}"#).frames;
        assert_eq!(subs.len(), 2);
        let trade = |id: u64| {
            format!(
                r#"{{"trade_id":{id},"price":"1","size":"1","timestamp":1722339648000,"is_maker_ask":true}}"#
            )
        };
        h.on_text(&format!(
            r#"{{"type":"subscribed/trade","channel":"trade:1","trades":[{},{}]}}"#,
            trade(2),
            trade(1)
        ));
        h.on_text(r#"{"type":"subscribed/order_book","channel":"order_book:1","order_book":{"asks":[{"price":"101","size":"1"},{"price":"102","size":"1"},{"price":"103","size":"1"}],"bids":[{"price":"100","size":"1"}],"nonce":5}}"#);
        h.on_close();
        h.on_text(r#"{"type":"connected"}"#);
        h.on_text(&format!(
            r#"{{"type":"update/trade","channel":"trade:1","trades":[{},{}]}}"#,
            trade(2),
            trade(3)
        ));
        h.on_text(&format!(
            r#"{{"type":"update/trade","channel":"trade:2","trades":[{}]}}"#,
            trade(9)
        ));
        let events: Vec<MarketEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        let kinds: Vec<String> = events
            .iter()
            .map(|e| match e {
                MarketEvent::Trade(t) => format!("t{}", t.trade_id),
                MarketEvent::Book(b) => format!("b{}/{}", b.bids.len(), b.asks.len()),
                MarketEvent::Gap { .. } => "gap".into(),
            })
            .collect();
        assert_eq!(kinds, ["t1", "t2", "b1/2", "gap", "t3"]);
        assert_eq!(
            h.on_text(r#"{"type":"ping"}"#).frames,
            vec![r#"{"type":"pong"}"#.to_string()]
        );
    }
}
