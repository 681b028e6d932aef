//! Depth-channel messages and the local order book they maintain (pure, no I/O).
//!
//! A snapshot replaces the book; a change sets each level to the given size (size 0 deletes).
//! The spec leaves open whether non-zero sizes are absolute or relative; "replace" is the
//! usual convention and lives in [`LocalBook::apply_change`] only, so it can be revisited in one
//! place. A version gap (a change whose `startVersion` neither equals nor follows the previous
//! `endVersion`) makes the book unusable until a fresh snapshot.

use crate::http::models::{Depth, Level};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use venue_api::BookLevel;

/// What one text frame of the public socket means.
#[derive(Debug, Clone, PartialEq)]
pub enum WsEvent {
    /// Server ping; answer with a pong carrying the same time.
    Ping(String),
    /// Server pong to our ping.
    Pong,
    /// Subscription acknowledged.
    Subscribed(String),
    /// Error pushed by the server.
    Error(String),
    /// A depth snapshot or change for a contract.
    Depth {
        /// Contract id (from the channel name).
        contract_id: String,
        /// True for a snapshot.
        snapshot: bool,
        /// Payload.
        depth: Box<Depth>,
    },
    /// Anything else (other channels, unknown types).
    Other,
}

/// Parses one text frame; dispatches on `channel`, not on `type` (docs and SDK disagree).
pub fn parse_message(text: &str) -> Result<WsEvent, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "ping" => {
            let time = match v.get("time") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            return Ok(WsEvent::Ping(time));
        }
        "pong" => return Ok(WsEvent::Pong),
        "subscribed" => {
            return Ok(WsEvent::Subscribed(
                v.get("channel")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ))
        }
        "error" => {
            return Ok(WsEvent::Error(
                v.get("content").map(Value::to_string).unwrap_or_default(),
            ))
        }
        _ => {}
    }
    let channel = v
        .get("channel")
        .and_then(Value::as_str)
        .or_else(|| {
            v.get("content")
                .and_then(|c| c.get("channel"))
                .and_then(Value::as_str)
        })
        .unwrap_or("");
    let Some(rest) = channel.strip_prefix("depth.") else {
        return Ok(WsEvent::Other);
    };
    let contract_id = rest.split('.').next().unwrap_or("").to_string();
    let content = v.get("content").ok_or("depth message without content")?;
    let data = content
        .get("data")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .ok_or("depth message without data")?;
    let depth: Depth =
        serde_json::from_value(data.clone()).map_err(|e| format!("bad depth data: {e}"))?;
    let data_type = content
        .get("dataType")
        .and_then(Value::as_str)
        .unwrap_or("");
    let snapshot = data_type.eq_ignore_ascii_case("snapshot")
        || depth.depth_type.as_deref() == Some("SNAPSHOT");
    Ok(WsEvent::Depth {
        contract_id,
        snapshot,
        depth: Box::new(depth),
    })
}

/// The subscribe frame of a depth channel.
pub fn subscribe_frame(contract_id: &str, level: u32) -> String {
    serde_json::json!({"type": "subscribe", "channel": format!("depth.{contract_id}.{level}")})
        .to_string()
}

/// The unsubscribe frame of a depth channel.
pub fn unsubscribe_frame(contract_id: &str, level: u32) -> String {
    serde_json::json!({"type": "unsubscribe", "channel": format!("depth.{contract_id}.{level}")})
        .to_string()
}

/// A pong answering a server ping.
pub fn pong_frame(time: &str) -> String {
    serde_json::json!({"type": "pong", "time": time}).to_string()
}

/// A client ping.
pub fn ping_frame(time_ms: i64) -> String {
    serde_json::json!({"type": "ping", "time": time_ms.to_string()}).to_string()
}

/// Outcome of applying a message to a book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The book is consistent.
    Ok,
    /// A change arrived before any snapshot, or versions do not continue: resubscribe.
    NeedsSnapshot,
}

/// One contract's book.
#[derive(Debug, Clone, Default)]
pub struct LocalBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    end_version: Option<u64>,
    ready: bool,
}

fn version(text: &Option<String>) -> Option<u64> {
    text.as_deref().and_then(|t| t.parse().ok())
}

impl LocalBook {
    /// True once a snapshot arrived and no gap was seen since.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// Forgets everything (disconnect, gap).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Replaces the book with a snapshot.
    pub fn apply_snapshot(&mut self, depth: &Depth) {
        self.bids = depth
            .bids
            .iter()
            .filter(|l| l.size > Decimal::ZERO)
            .map(|l| (l.price, l.size))
            .collect();
        self.asks = depth
            .asks
            .iter()
            .filter(|l| l.size > Decimal::ZERO)
            .map(|l| (l.price, l.size))
            .collect();
        self.end_version = version(&depth.end_version);
        self.ready = true;
    }

    /// Applies a change: each level is set to its size; size 0 deletes it.
    pub fn apply_change(&mut self, depth: &Depth) -> Applied {
        if !self.ready {
            return Applied::NeedsSnapshot;
        }
        if let (Some(prev), Some(start)) = (self.end_version, version(&depth.start_version)) {
            if start != prev && start != prev + 1 {
                self.reset();
                return Applied::NeedsSnapshot;
            }
        }
        let set = |side: &mut BTreeMap<Decimal, Decimal>, levels: &[Level]| {
            for l in levels {
                if l.size.is_zero() {
                    side.remove(&l.price);
                } else {
                    side.insert(l.price, l.size);
                }
            }
        };
        set(&mut self.bids, &depth.bids);
        set(&mut self.asks, &depth.asks);
        if let Some(end) = version(&depth.end_version) {
            self.end_version = Some(end);
        }
        if self.is_crossed() {
            self.reset();
            return Applied::NeedsSnapshot;
        }
        Applied::Ok
    }

    /// Highest bid.
    pub fn best_bid(&self) -> Option<BookLevel> {
        self.bids.iter().next_back().map(|(p, s)| BookLevel {
            price: *p,
            size: *s,
        })
    }

    /// Lowest ask.
    pub fn best_ask(&self) -> Option<BookLevel> {
        self.asks.iter().next().map(|(p, s)| BookLevel {
            price: *p,
            size: *s,
        })
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

    fn is_crossed(&self) -> bool {
        matches!((self.best_bid(), self.best_ask()), (Some(b), Some(a)) if b.price >= a.price)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn depth_msg(kind: &str, start: u64, end: u64, bids: &str, asks: &str) -> String {
        format!(
            r#"{{"type":"quote-event","channel":"depth.10000001.15","content":{{"dataType":"{kind}","channel":"depth.10000001.15","data":[{{"contractId":"10000001","level":15,"startVersion":"{start}","endVersion":"{end}","depthType":"{}","bids":{bids},"asks":{asks}}}]}}}}"#,
            kind.to_ascii_uppercase()
        )
    }

    fn apply(book: &mut LocalBook, text: &str) -> Applied {
        match parse_message(text).unwrap() {
            WsEvent::Depth {
                snapshot: true,
                depth,
                ..
            } => {
                book.apply_snapshot(&depth);
                Applied::Ok
            }
            WsEvent::Depth {
                snapshot: false,
                depth,
                ..
            } => book.apply_change(&depth),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn snapshot_then_changes_in_both_level_shapes() {
        let mut book = LocalBook::default();
        let snap = depth_msg(
            "Snapshot",
            1,
            10,
            r#"[{"price":"100.0","size":"1"},{"price":"99.5","size":"2"}]"#,
            r#"[["100.5","3"],["101.0","4"]]"#,
        );
        assert_eq!(apply(&mut book, &snap), Applied::Ok);
        assert_eq!(book.best_bid().unwrap().price, dec!(100.0));
        assert_eq!(book.best_ask().unwrap().price, dec!(100.5));
        let change = depth_msg(
            "Changed",
            11,
            12,
            r#"[["100.0","0"]]"#,
            r#"[["100.5","0.5"],["100.2","1"]]"#,
        );
        assert_eq!(apply(&mut book, &change), Applied::Ok);
        assert_eq!(book.best_bid().unwrap().price, dec!(99.5));
        assert_eq!(
            book.best_ask().unwrap(),
            BookLevel {
                price: dec!(100.2),
                size: dec!(1)
            }
        );
    }

    #[test]
    fn gaps_and_changes_before_a_snapshot_need_a_snapshot() {
        let mut book = LocalBook::default();
        let change = depth_msg("Changed", 11, 12, "[]", "[]");
        assert_eq!(apply(&mut book, &change), Applied::NeedsSnapshot);
        apply(
            &mut book,
            &depth_msg("Snapshot", 1, 10, r#"[["1","1"]]"#, r#"[["2","1"]]"#),
        );
        assert_eq!(
            apply(&mut book, &depth_msg("Changed", 15, 16, "[]", "[]")),
            Applied::NeedsSnapshot
        );
        assert!(!book.is_ready());
    }

    #[test]
    fn a_crossed_book_is_discarded() {
        let mut book = LocalBook::default();
        apply(
            &mut book,
            &depth_msg("Snapshot", 1, 10, r#"[["1","1"]]"#, r#"[["2","1"]]"#),
        );
        assert_eq!(
            apply(
                &mut book,
                &depth_msg("Changed", 11, 11, r#"[["3","1"]]"#, "[]")
            ),
            Applied::NeedsSnapshot
        );
    }

    #[test]
    fn control_messages() {
        assert_eq!(
            parse_message(r#"{"type":"ping","time":"1745502857779"}"#).unwrap(),
            WsEvent::Ping("1745502857779".into())
        );
        assert_eq!(pong_frame("5"), r#"{"type":"pong","time":"5"}"#);
        assert_eq!(
            subscribe_frame("10000001", 15),
            r#"{"type":"subscribe","channel":"depth.10000001.15"}"#
        );
        assert!(matches!(
            parse_message(r#"{"type":"subscribed","channel":"depth.1.15"}"#).unwrap(),
            WsEvent::Subscribed(_)
        ));
        assert!(matches!(
            parse_message(r#"{"type":"error","content":{"code":"INVALID_CONTRACT_ID","msg":"x"}}"#)
                .unwrap(),
            WsEvent::Error(_)
        ));
        assert_eq!(
            parse_message(r#"{"type":"quote-event","channel":"ticker.1","content":{}}"#).unwrap(),
            WsEvent::Other
        );
        assert!(parse_message("nope").is_err());
    }
}
