//! [`venue_api::MarketFeed`] for one EdgeX contract: its own public socket subscribed to
//! `depth.{cid}.{15|200}` and `trades.{cid}`, on the shared reconnect loop.
//!
//! The book is kept in a [`LocalBook`] (snapshot, then changes, version chain checked); every
//! applied message emits [`MarketEvent::Book`] with the best `depth` levels. A version gap (or
//! a crossed book) emits [`MarketEvent::Gap`] and resubscribes the depth channel for a fresh
//! snapshot; a lost connection emits `Gap` and reconnects with backoff. Trades are emitted
//! in id order, each id once: ids at or below the last one sent are skipped (the trades a
//! new subscription repeats after a reconnect). Server pings are answered.
//!
//! Trade wire format (EdgeX API docs, "Subscribe to Latest Trades"; doc/websocket_info.txt
//! of djienne/CROSS_EXCHANGE_DELTA_NEUTRAL; edgex-python-sdk subscribes `trades.{id}`):
//! `{"type":"payload"|"quote-event","channel":"trades.{cid}","content":{"dataType":
//! "Snapshot"|"Changed","data":[{"ticketId":"1","time":"1688365544504","price":"30065.12",
//! "size":"0.01","value":…,"takerOrderId":…,"makerOrderId":…,"isBuyerMaker":false,…}]}}`;
//! `isBuyerMaker` false = the taker bought. EdgeX has no public REST trades endpoint.

use super::book::{
    parse_message, ping_frame, pong_frame, subscribe_frame, unsubscribe_frame, Applied, LocalBook,
    WsEvent,
};
use crate::http::parse::ms_to_time;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::mpsc;
use venue_api::{
    BookLevel, BookSnapshot, BookSource, Clock, MarketEvent, PublicTrade, Side, VenueError,
};
use venue_transport::ws::{Reply, WsHandler};

/// Events a slow consumer may leave queued before the feed drops some (and says so).
pub const FEED_CAPACITY: usize = 4096;

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

    pub(crate) fn send(&mut self, event: MarketEvent) {
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

    pub(crate) fn gap(&mut self, reason: impl Into<String>) {
        self.send(MarketEvent::Gap {
            reason: reason.into(),
        });
    }

    /// Sends the trades not sent yet, in id order.
    pub(crate) fn trades(&mut self, mut trades: Vec<PublicTrade>) {
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

fn text_of<'a>(v: &'a Value, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    match v.get(key)? {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// One trade object of the `trades` channel.
pub fn parse_trade(v: &Value) -> Result<PublicTrade, VenueError> {
    let field = |key: &str| {
        text_of(v, key).ok_or_else(|| {
            crate::error::decode_error(format!("trade without {key}"), &v.to_string())
        })
    };
    let num = |key: &str| -> Result<Decimal, VenueError> {
        let t = field(key)?;
        Decimal::from_str(t.trim()).map_err(|_| {
            crate::error::decode_error(
                format!("trade {key} {t:?} is not a decimal"),
                &v.to_string(),
            )
        })
    };
    let id = field("ticketId")?;
    let trade_id = id.trim().parse::<u64>().map_err(|_| {
        crate::error::decode_error(
            format!("trade ticketId {id:?} is not an integer"),
            &v.to_string(),
        )
    })?;
    Ok(PublicTrade {
        trade_id,
        time: ms_to_time(&field("time")?)?,
        price: num("price")?,
        size: num("size")?,
        taker_side: v
            .get("isBuyerMaker")
            .and_then(Value::as_bool)
            .map(
                |buyer_maker| {
                    if buyer_maker {
                        Side::Sell
                    } else {
                        Side::Buy
                    }
                },
            ),
    })
}

/// The trades of a `trades.{cid}` message, if it is one.
pub fn parse_trades_message(text: &str) -> Option<Result<Vec<PublicTrade>, VenueError>> {
    let v: Value = serde_json::from_str(text).ok()?;
    let channel = v
        .get("channel")
        .and_then(Value::as_str)
        .or_else(|| v.pointer("/content/channel").and_then(Value::as_str))?;
    if !channel.starts_with("trades.") {
        return None;
    }
    let data = v.pointer("/content/data").and_then(Value::as_array)?;
    Some(data.iter().map(parse_trade).collect())
}

fn trades_frame(kind: &str, contract_id: &str) -> String {
    serde_json::json!({"type": kind, "channel": format!("trades.{contract_id}")}).to_string()
}

/// The feed's protocol on one socket.
pub(crate) struct FeedHandler {
    pub(crate) contract_id: String,
    pub(crate) level: u32,
    pub(crate) depth: usize,
    pub(crate) book: LocalBook,
    pub(crate) sink: FeedSink,
    pub(crate) clock: Arc<dyn Clock>,
}

impl FeedHandler {
    fn emit_book(&mut self) {
        let snap = snapshot_of(
            self.book.bids_best_first(),
            self.book.asks_best_first(),
            self.depth,
            self.clock.now(),
            BookSource::Stream,
        );
        self.sink.send(MarketEvent::Book(snap));
    }
}

impl WsHandler for FeedHandler {
    type Command = ();

    fn on_open(&mut self) -> Vec<String> {
        self.book.reset();
        vec![
            subscribe_frame(&self.contract_id, self.level),
            trades_frame("subscribe", &self.contract_id),
        ]
    }

    fn on_text(&mut self, text: &str) -> Reply {
        if let Some(trades) = parse_trades_message(text) {
            match trades {
                Ok(t) => self.sink.trades(t),
                Err(e) => {
                    tracing::warn!(target: "venue_edgex::ws", error = %e, "bad trade message")
                }
            }
            return Reply::none();
        }
        match parse_message(text) {
            Ok(WsEvent::Ping(time)) => Reply::send(vec![pong_frame(&time)]),
            Ok(WsEvent::Depth {
                contract_id,
                snapshot,
                depth,
            }) if contract_id == self.contract_id => {
                let applied = if snapshot {
                    self.book.apply_snapshot(&depth);
                    Applied::Ok
                } else {
                    self.book.apply_change(&depth)
                };
                match applied {
                    Applied::Ok => {
                        self.emit_book();
                        Reply::none()
                    }
                    Applied::NeedsSnapshot => {
                        self.sink
                            .gap("depth versions do not chain; resubscribing for a snapshot");
                        Reply::send(vec![
                            unsubscribe_frame(&self.contract_id, self.level),
                            subscribe_frame(&self.contract_id, self.level),
                        ])
                    }
                }
            }
            Ok(WsEvent::Error(content)) => {
                tracing::warn!(target: "venue_edgex::ws", %content, "market feed error frame");
                Reply::none()
            }
            _ => Reply::none(),
        }
    }

    fn on_command(&mut self, _: ()) -> Vec<String> {
        Vec::new()
    }

    fn ping(&mut self) -> Option<String> {
        Some(ping_frame(self.clock.now().timestamp_millis()))
    }

    fn on_close(&mut self) {
        self.book.reset();
        self.sink.gap("connection lost; reconnecting");
    }

    fn name(&self) -> &'static str {
        "edgex-market-feed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn trades_parse_as_documented() {
        let doc = r#"{"type":"payload","channel":"trades.10000001","content":{"dataType":"Changed","channel":"trades.10000001","data":[{"ticketId":"1","time":"1688365544504","price":"30065.12","size":"0.01","value":"300.6512","takerOrderId":"10","makerOrderId":"11","takerAccountId":"3001","makerAccountId":"3002","contractId":"10000001","isBestMatch":true,"isBuyerMaker":false}]}}"#;
        let t = parse_trades_message(doc).unwrap().unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].trade_id, 1);
        assert_eq!(t[0].price, dec!(30065.12));
        assert_eq!(t[0].size, dec!(0.01));
        assert_eq!(t[0].taker_side, Some(Side::Buy));
        assert_eq!(t[0].time.timestamp_millis(), 1_688_365_544_504);
        assert!(parse_trades_message(r#"{"type":"quote-event","channel":"depth.1.15"}"#).is_none());
        let bad = doc.replace(r#""ticketId":"1""#, r#""ticketId":"x""#);
        let e = parse_trades_message(&bad).unwrap().unwrap_err();
        assert!(e.to_string().contains("ticketId"), "{e}");
    }

    fn depth(kind: &str, start: u64, end: u64, bids: &str, asks: &str) -> String {
        format!(
            r#"{{"type":"quote-event","channel":"depth.7.15","content":{{"dataType":"{kind}","channel":"depth.7.15","data":[{{"contractId":"7","startVersion":"{start}","endVersion":"{end}","bids":{bids},"asks":{asks}}}]}}}}"#
        )
    }

    fn trades(ids: &[u64]) -> String {
        let data: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(
                    r#"{{"ticketId":"{id}","time":"1688365544504","price":"1","size":"1","isBuyerMaker":true}}"#
                )
            })
            .collect();
        format!(
            r#"{{"type":"quote-event","channel":"trades.7","content":{{"dataType":"Changed","channel":"trades.7","data":[{}]}}}}"#,
            data.join(",")
        )
    }

    #[test]
    fn feed_books_gaps_resubscribes_and_sends_each_trade_once() {
        let (tx, mut rx) = mpsc::channel(32);
        let mut h = FeedHandler {
            contract_id: "7".into(),
            level: 15,
            depth: 1,
            book: LocalBook::default(),
            sink: FeedSink::new(tx),
            clock: Arc::new(venue_api::SystemClock),
        };
        assert_eq!(
            h.on_open(),
            vec![
                r#"{"type":"subscribe","channel":"depth.7.15"}"#.to_string(),
                r#"{"type":"subscribe","channel":"trades.7"}"#.to_string()
            ]
        );
        h.on_text(&depth(
            "Snapshot",
            1,
            1,
            r#"[["10","1"],["9","1"]]"#,
            r#"[["11","1"]]"#,
        ));
        h.on_text(&trades(&[2, 1]));
        h.on_text(&depth("Changed", 1, 2, r#"[["10","0"]]"#, "[]"));
        // versions 3..4 lost: a gap and a resubscription
        let resub = h.on_text(&depth("Changed", 5, 6, "[]", "[]")).frames;
        assert_eq!(resub.len(), 2);
        assert!(resub[0].contains("unsubscribe") && resub[1].contains("\"subscribe\""));
        h.on_close();
        h.on_open();
        h.on_text(&trades(&[1, 2, 3]));
        assert_eq!(
            h.on_text(r#"{"type":"ping","time":"42"}"#).frames,
            vec![r#"{"type":"pong","time":"42"}"#.to_string()]
        );
        let kinds: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| match e {
                MarketEvent::Trade(t) => format!("t{}", t.trade_id),
                MarketEvent::Book(b) => format!("b{}", b.bids[0].price),
                MarketEvent::Gap { .. } => "gap".into(),
            })
            .collect();
        assert_eq!(kinds, ["b10", "t1", "t2", "b9", "gap", "gap", "t3"]);
    }

    #[test]
    fn the_sink_sends_each_trade_once_in_order_and_reports_lag() {
        let (tx, mut rx) = mpsc::channel(2);
        let mut sink = FeedSink::new(tx);
        let t = |id| PublicTrade {
            trade_id: id,
            time: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
            price: dec!(1),
            size: dec!(1),
            taker_side: None,
        };
        sink.trades(vec![t(2), t(1)]);
        sink.trades(vec![t(2), t(3)]); // full: 3 is dropped, lag noted
        let ids: Vec<u64> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| match e {
                MarketEvent::Trade(t) => t.trade_id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, vec![1, 2]);
        sink.trades(vec![t(4)]);
        assert!(matches!(rx.try_recv(), Ok(MarketEvent::Gap { .. })));
        assert!(matches!(rx.try_recv(), Ok(MarketEvent::Trade(t)) if t.trade_id == 4));
    }
}
