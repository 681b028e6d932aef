//! Lighter WebSocket (`/stream`): greets with `connected`, serves `order_book/{market}`
//! (snapshot, then `update/order_book` with changed levels, size "0" deleting, a growing
//! `offset`, and `nonce`/`begin_nonce`: an update's `begin_nonce` is the previous book
//! message's `nonce`, so a lost update shows as a gap; the `gap` fault
//! `lighter:ws:gap[:count]` swallows one), `user_stats/{account}` and `account_all/{account}`; answers `ping` with `pong`
//! and pings the client now and then. Replies name channels with a colon (`order_book:1`).
//! The `stall` fault (`lighter:ws:stall[=MS]`) withholds market-data pushes (account
//! channels and pings go on).
//!
//! `trade/{market}`: the public tape. Format per the venue's WebSocket docs (doc/websocket.txt
//! of djienne/CROSS_EXCHANGE_DELTA_NEUTRAL, "Trade"): `{"type":"update/trade","channel":
//! "trade:{market}","trades":[Trade]}` with the SDK's `Trade` objects ([`wire::trade`]). The
//! subscription is answered `subscribed/trade` carrying the last 20 trades (what the live
//! venue sends then is not documented; clients must skip ids they have seen anyway).

use super::wire;
use crate::engine::VenueKind;
use crate::server::SimCore;
use crate::wsconn::{self, Session};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serves the Lighter WebSocket on `listener`.
pub fn serve(listener: TcpListener, core: Arc<SimCore>) -> JoinHandle<()> {
    let interval = core.options.ws_push_interval;
    wsconn::serve(listener, interval, move |path| {
        (path == "/stream" || path == "/stream/").then(|| LighterSession {
            core: core.clone(),
            books: BTreeMap::new(),
            nonces: BTreeMap::new(),
            accounts: Vec::new(),
            trades: BTreeMap::new(),
            offset: 1,
            ticks: 0,
            deferred: Vec::new(),
        })
    })
}

/// Trades sent with a `trade/{market}` subscription (the most recent, oldest first).
const RECENT_ON_SUBSCRIBE: usize = 20;

/// price -> size, as sent.
type Levels = BTreeMap<String, String>;

enum Kind {
    Stats,
    All,
}

struct LighterSession {
    core: Arc<SimCore>,
    /// market -> (asks, bids) last sent
    books: BTreeMap<String, (Levels, Levels)>,
    /// market -> `nonce` of the last book message sent (each update carries
    /// `begin_nonce` = the previous message's `nonce`)
    nonces: BTreeMap<String, i64>,
    accounts: Vec<(Kind, String, Value)>,
    /// market -> id of the last trade sent on `trade/{market}`
    trades: BTreeMap<String, u64>,
    offset: i64,
    ticks: u64,
    /// Market-data channels subscribed during a `stall`: acknowledged with their snapshot
    /// only when the stall ends (a stalled venue has nothing fresh to give a new subscriber
    /// either, so a reconnect cannot bring the book back early).
    deferred: Vec<String>,
}

fn to_map(levels: &[Value]) -> BTreeMap<String, String> {
    levels
        .iter()
        .filter_map(|l| {
            Some((
                l["price"].as_str()?.to_string(),
                l["size"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn diff(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<Value> {
    let mut out: Vec<Value> = new
        .iter()
        .filter(|(p, s)| old.get(*p) != Some(*s))
        .map(|(p, s)| json!({"price": p, "size": s}))
        .collect();
    for p in old.keys().filter(|p| !new.contains_key(*p)) {
        out.push(json!({"price": p, "size": "0"}));
    }
    out
}

impl LighterSession {
    fn book_now(&self, market: &str) -> Option<(Vec<Value>, Vec<Value>)> {
        self.core.with(|ex| {
            let m = ex.market(VenueKind::Lighter, market).ok()?.clone();
            let b = ex.book(VenueKind::Lighter, market).ok()?;
            Some((
                wire::levels(&m, &b.asks, false),
                wire::levels(&m, &b.bids, false),
            ))
        })
    }

    fn account_payload(&self, kind: &Kind, acct: &str) -> Option<Value> {
        self.core.with(|ex| {
            let a = ex.account(VenueKind::Lighter, acct).ok()?;
            let val = ex.valuation(VenueKind::Lighter, acct).ok()?;
            Some(match kind {
                Kind::Stats => json!({"stats": wire::stats(&val)}),
                Kind::All => {
                    let positions: serde_json::Map<String, Value> = wire::positions(ex, a, &val)
                        .into_iter()
                        .map(|p| (p["market_id"].to_string(), p))
                        .collect();
                    json!({"account": a.id.parse::<i64>().unwrap_or(0), "positions": positions,
                           "trades": {}, "funding_histories": {}, "daily_trades_count": 0,
                           "daily_volume": 0, "weekly_volume": 0, "monthly_volume": 0, "total_volume": 0})
                }
            })
        })
    }

    fn subscribe(&mut self, channel: &str) -> Vec<String> {
        let error = |msg: String| {
            vec![json!({"type": "error", "error": {"code": 30003, "message": msg}}).to_string()]
        };
        let Some((name, id)) = channel.split_once('/') else {
            return error(format!("invalid channel {channel}"));
        };
        let reply_channel = format!("{name}:{id}");
        if matches!(name, "order_book" | "trade")
            && self
                .core
                .faults
                .ws_stalled(VenueKind::Lighter, self.core.now_ms())
        {
            self.deferred.push(channel.to_string());
            return Vec::new();
        }
        match name {
            "order_book" => {
                let Some((asks, bids)) = self.book_now(id) else {
                    return error(format!("invalid market {id}"));
                };
                self.offset += 1;
                self.books
                    .insert(id.to_string(), (to_map(&asks), to_map(&bids)));
                let nonce = self.offset * 1_000;
                self.nonces.insert(id.to_string(), nonce);
                vec![json!({"type": "subscribed/order_book", "channel": reply_channel, "offset": self.offset,
                    "order_book": {"code": 0, "asks": asks, "bids": bids, "offset": self.offset,
                        "nonce": nonce, "begin_nonce": nonce}}).to_string()]
            }
            "trade" => {
                let recent = self.core.with(|ex| {
                    let m = ex.market(VenueKind::Lighter, id).ok()?.clone();
                    let t = ex.tape.last(VenueKind::Lighter, id, RECENT_ON_SUBSCRIBE);
                    let last = ex.tape.last_id(VenueKind::Lighter, id);
                    Some((
                        t.iter().map(|t| wire::trade(&m, t)).collect::<Vec<_>>(),
                        last,
                    ))
                });
                let Some((trades, last)) = recent else {
                    return error(format!("invalid market {id}"));
                };
                self.trades.insert(id.to_string(), last);
                vec![
                    json!({"type": "subscribed/trade", "channel": reply_channel, "trades": trades})
                        .to_string(),
                ]
            }
            "user_stats" | "account_all" => {
                let kind = if name == "user_stats" {
                    Kind::Stats
                } else {
                    Kind::All
                };
                let Some(mut payload) = self.account_payload(&kind, id) else {
                    return error(format!("account {id} not found"));
                };
                payload["type"] = json!(format!("subscribed/{name}"));
                payload["channel"] = json!(reply_channel);
                self.accounts.push((kind, id.to_string(), payload.clone()));
                vec![payload.to_string()]
            }
            _ => error(format!("unsupported channel {channel}")),
        }
    }
}

impl Session for LighterSession {
    fn greet(&mut self) -> Vec<String> {
        vec![json!({"type": "connected", "session_id": "venue-sim"}).to_string()]
    }

    fn on_text(&mut self, text: &str) -> Vec<String> {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return Vec::new();
        };
        match msg.get("type").and_then(Value::as_str) {
            Some("ping") => vec![json!({"type": "pong"}).to_string()],
            Some("subscribe") => {
                let ch = msg
                    .get("channel")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.subscribe(&ch)
            }
            Some("unsubscribe") => {
                let ch = msg.get("channel").and_then(Value::as_str).unwrap_or("");
                match ch.split_once('/') {
                    Some(("order_book", id)) => {
                        self.books.remove(id);
                    }
                    Some(("trade", id)) => {
                        self.trades.remove(id);
                    }
                    _ => {}
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_tick(&mut self) -> Option<Vec<String>> {
        if self.core.faults.take_ws_drop(VenueKind::Lighter) {
            return None;
        }
        self.ticks += 1;
        let mut out = Vec::new();
        // The `stall` fault: connection alive, pings flowing, no market data (the nonce
        // chain does not move, so the first update after the stall chains).
        let stalled = self
            .core
            .faults
            .ws_stalled(VenueKind::Lighter, self.core.now_ms());
        if !stalled {
            for channel in std::mem::take(&mut self.deferred) {
                out.extend(self.subscribe(&channel));
            }
        }
        let markets: Vec<String> = if stalled {
            Vec::new()
        } else {
            self.books.keys().cloned().collect()
        };
        for market in markets {
            let Some((asks, bids)) = self.book_now(&market) else {
                continue;
            };
            let (na, nb) = (to_map(&asks), to_map(&bids));
            let Some((oa, ob)) = self.books.get(&market) else {
                continue;
            };
            let (da, db) = (diff(oa, &na), diff(ob, &nb));
            if da.is_empty() && db.is_empty() {
                continue;
            }
            self.offset += 1;
            let begin = self.nonces.get(&market).copied().unwrap_or(0);
            // one sequencer nonce per changed level
            let nonce = begin + i64::try_from(da.len() + db.len()).unwrap_or(1);
            self.nonces.insert(market.clone(), nonce);
            let msg = json!({"type": "update/order_book", "channel": format!("order_book:{market}"),
                "offset": self.offset, "order_book": {"code": 0, "asks": da, "bids": db, "offset": self.offset,
                    "nonce": nonce, "begin_nonce": begin}}).to_string();
            self.books.insert(market, (na, nb));
            // The `gap` fault: this update is never sent (the next begin_nonce does not chain).
            if !self.core.faults.take_ws_gap(VenueKind::Lighter) {
                out.push(msg);
            }
        }
        if !stalled {
            for (market, last) in self.trades.iter_mut() {
                let new = self.core.with(|ex| {
                    let m = ex.market(VenueKind::Lighter, market).ok()?.clone();
                    let t = ex.tape.since(VenueKind::Lighter, market, *last);
                    Some((
                        t.iter().map(|t| wire::trade(&m, t)).collect::<Vec<_>>(),
                        t.last().map(|t| t.id),
                    ))
                });
                let Some((trades, Some(newest))) = new else {
                    continue;
                };
                *last = newest;
                out.push(
                    json!({"type": "update/trade", "channel": format!("trade:{market}"),
                    "trades": trades})
                    .to_string(),
                );
            }
        }
        let mut updates = Vec::new();
        for (kind, acct, last) in &self.accounts {
            if let Some(mut p) = self.account_payload(kind, acct) {
                let name = match kind {
                    Kind::Stats => "user_stats",
                    Kind::All => "account_all",
                };
                p["type"] = json!(format!("update/{name}"));
                p["channel"] = json!(format!("{name}:{acct}"));
                let mut cmp = last.clone();
                cmp["type"] = p["type"].clone();
                if cmp != p {
                    updates.push(p);
                }
            }
        }
        for p in updates {
            let ch = p["channel"].as_str().unwrap_or("").to_string();
            if let Some(entry) = self.accounts.iter_mut().find(|(k, a, _)| {
                let name = match k {
                    Kind::Stats => "user_stats",
                    Kind::All => "account_all",
                };
                format!("{name}:{a}") == ch
            }) {
                entry.2 = p.clone();
            }
            out.push(p.to_string());
        }
        if self.ticks % 40 == 0 {
            out.push(json!({"type": "ping"}).to_string());
        }
        Some(out)
    }
}
