//! EdgeX public WebSocket (`/api/v1/public/ws`, also `/api/v2/...`): `depth.{cid}.{15|200}`
//! and `ticker.{cid}` channels, subscribe acks, a SNAPSHOT then CHANGED depth pushes
//! (replace semantics, size 0 deletes; `startVersion` of a change = `endVersion` of the
//! message before it on the channel), and `ping`/`pong` both ways. The `gap` fault
//! (`edgex:ws:gap[:count]`) swallows one change, so the version chain breaks; the `stall`
//! fault (`edgex:ws:stall[=MS]`) withholds every market-data push while pings go on.
//!
//! `trades.{cid}`: the public tape, per the EdgeX WebSocket docs ("Subscribe to Latest
//! Trades", doc/websocket_info.txt of djienne/CROSS_EXCHANGE_DELTA_NEUTRAL): after the
//! `subscribed` ack, a `Snapshot` with the last 20 trades (newest first; what the live venue
//! sends first is not documented), then `Changed` pushes whose `data` lists the new trades
//! (oldest first), each as [`wire::trade`] (`ticketId`, `time`, `price`, `size`,
//! `isBuyerMaker`, ...). The docs show `"type":"payload"`; like the depth channel the
//! simulator sends `quote-event` (the SDK's dispatcher type); clients dispatch on `channel`.

use super::wire;
use crate::engine::VenueKind;
use crate::server::SimCore;
use crate::wsconn::{self, Session};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Serves the EdgeX WebSocket on `listener`.
pub fn serve(listener: TcpListener, core: Arc<SimCore>) -> JoinHandle<()> {
    let interval = core.options.ws_push_interval;
    wsconn::serve(listener, interval, move |path| {
        (path.ends_with("/public/ws")).then(|| EdgexSession {
            core: core.clone(),
            depth: BTreeMap::new(),
            tickers: Vec::new(),
            trades: BTreeMap::new(),
            ticks: 0,
            version: 1,
            deferred: Vec::new(),
        })
    })
}

/// Trades sent with a `trades.{cid}` subscription (the most recent).
const RECENT_ON_SUBSCRIBE: usize = 20;

struct EdgexSession {
    core: Arc<SimCore>,
    /// channel -> (contract, level, last levels sent)
    depth: BTreeMap<String, (String, usize, Value)>,
    tickers: Vec<(String, String)>,
    /// channel -> (contract, id of the last trade sent)
    trades: BTreeMap<String, (String, u64)>,
    ticks: u64,
    version: i64,
    /// Market-data channels subscribed during a `stall`: acknowledged with their snapshot
    /// only when the stall ends (a stalled venue has nothing fresh to give a new subscriber
    /// either, so a reconnect cannot bring the book back early).
    deferred: Vec<String>,
}

fn levels_map(v: &Value) -> BTreeMap<String, String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| {
                    Some((
                        l.get("price")?.as_str()?.to_string(),
                        l.get("size")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn diff(old: &Value, new: &Value) -> Vec<Value> {
    let (o, n) = (levels_map(old), levels_map(new));
    let mut out = Vec::new();
    for (p, s) in &n {
        if o.get(p) != Some(s) {
            out.push(json!({"price": p, "size": s}));
        }
    }
    for p in o.keys().filter(|p| !n.contains_key(*p)) {
        out.push(json!({"price": p, "size": "0"}));
    }
    out
}

impl EdgexSession {
    fn event(channel: &str, data_type: &str, data: Value) -> String {
        json!({"type": "quote-event", "channel": channel,
               "content": {"dataType": data_type, "channel": channel, "data": [data]}})
        .to_string()
    }

    fn event_list(channel: &str, data_type: &str, data: Vec<Value>) -> String {
        json!({"type": "quote-event", "channel": channel,
               "content": {"dataType": data_type, "channel": channel, "data": data}})
        .to_string()
    }

    fn subscribe(&mut self, channel: &str) -> Vec<String> {
        let parts: Vec<&str> = channel.split('.').collect();
        let error = |msg: &str| {
            vec![
                json!({"type": "error", "content": {"code": "INVALID_CONTRACT_ID", "msg": msg}})
                    .to_string(),
            ]
        };
        if matches!(parts.first(), Some(&"depth") | Some(&"trades"))
            && self
                .core
                .faults
                .ws_stalled(VenueKind::Edgex, self.core.now_ms())
        {
            self.deferred.push(channel.to_string());
            return Vec::new();
        }
        match parts.as_slice() {
            ["depth", cid, level] => {
                let level: usize = match *level {
                    "15" => 15,
                    "200" => 200,
                    _ => return error("depth level must be 15 or 200"),
                };
                // each subscription starts its own chain far from the others
                self.version += 1_000_000;
                let version = self.version;
                let snap = self.core.with(|ex| {
                    ex.market(VenueKind::Edgex, cid)
                        .cloned()
                        .map(|m| wire::depth(ex, &m, level, version))
                });
                let Ok(snap) = snap else {
                    return error(&format!("unknown contract {cid}"));
                };
                self.depth
                    .insert(channel.to_string(), (cid.to_string(), level, snap.clone()));
                vec![
                    json!({"type": "subscribed", "channel": channel}).to_string(),
                    Self::event(channel, "Snapshot", snap),
                ]
            }
            ["trades", cid] => {
                let recent = self.core.with(|ex| {
                    let m = ex.market(VenueKind::Edgex, cid).ok()?.clone();
                    let t = ex.tape.last(VenueKind::Edgex, cid, RECENT_ON_SUBSCRIBE);
                    let last = ex.tape.last_id(VenueKind::Edgex, cid);
                    Some((
                        t.iter()
                            .rev()
                            .map(|t| wire::trade(&m, t))
                            .collect::<Vec<_>>(),
                        last,
                    ))
                });
                let Some((trades, last)) = recent else {
                    return error(&format!("unknown contract {cid}"));
                };
                self.trades
                    .insert(channel.to_string(), (cid.to_string(), last));
                vec![
                    json!({"type": "subscribed", "channel": channel}).to_string(),
                    Self::event_list(channel, "Snapshot", trades),
                ]
            }
            ["ticker", cid] => {
                let ok = self
                    .core
                    .with(|ex| ex.market(VenueKind::Edgex, cid).is_ok());
                if !ok {
                    return error(&format!("unknown contract {cid}"));
                }
                self.tickers.push((channel.to_string(), cid.to_string()));
                vec![json!({"type": "subscribed", "channel": channel}).to_string()]
            }
            _ => error(&format!("unsupported channel {channel}")),
        }
    }
}

impl Session for EdgexSession {
    fn greet(&mut self) -> Vec<String> {
        Vec::new()
    }

    fn on_text(&mut self, text: &str) -> Vec<String> {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return Vec::new();
        };
        let channel = msg
            .get("channel")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match msg.get("type").and_then(Value::as_str) {
            Some("ping") => vec![
                json!({"type": "pong", "time": msg.get("time").cloned().unwrap_or(Value::Null)})
                    .to_string(),
            ],
            Some("subscribe") => self.subscribe(&channel),
            Some("unsubscribe") => {
                self.depth.remove(&channel);
                self.tickers.retain(|(c, _)| *c != channel);
                self.trades.remove(&channel);
                vec![json!({"type": "unsubscribed", "channel": channel}).to_string()]
            }
            _ => Vec::new(),
        }
    }

    fn on_tick(&mut self) -> Option<Vec<String>> {
        if self.core.faults.take_ws_drop(VenueKind::Edgex) {
            return None;
        }
        self.ticks += 1;
        let mut out = Vec::new();
        let core = self.core.clone();
        if self.ticks % 20 == 0 {
            out.push(json!({"type": "ping", "time": core.now_ms().to_string()}).to_string());
        }
        // The `stall` fault: connection alive, pings flowing, no market data. The versions
        // kept per channel do not move, so the first change after the stall chains.
        if core.faults.ws_stalled(VenueKind::Edgex, core.now_ms()) {
            return Some(out);
        }
        for channel in std::mem::take(&mut self.deferred) {
            out.extend(self.subscribe(&channel));
        }
        for (channel, (cid, level, last)) in self.depth.iter_mut() {
            // Versions chain per channel: a change carries startVersion = the previous
            // message's endVersion (as live EdgeX does), so a lost message shows as a gap.
            let prev_end = last["endVersion"]
                .as_str()
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let end = prev_end + 1;
            let Ok(snap) = core.with(|ex| {
                ex.market(VenueKind::Edgex, cid)
                    .cloned()
                    .map(|m| wire::depth(ex, &m, *level, end))
            }) else {
                continue;
            };
            let asks = diff(&last["asks"], &snap["asks"]);
            let bids = diff(&last["bids"], &snap["bids"]);
            if asks.is_empty() && bids.is_empty() {
                continue;
            }
            let mut delta = snap.clone();
            delta["depthType"] = json!("CHANGED");
            delta["asks"] = Value::Array(asks);
            delta["bids"] = Value::Array(bids);
            delta["startVersion"] = json!(prev_end.to_string());
            *last = snap;
            // The `gap` fault: this change is never sent (the next one does not chain).
            if core.faults.take_ws_gap(VenueKind::Edgex) {
                continue;
            }
            out.push(Self::event(channel, "Changed", delta));
        }
        for (channel, (cid, last)) in self.trades.iter_mut() {
            let new = core.with(|ex| {
                let m = ex.market(VenueKind::Edgex, cid).ok()?.clone();
                let t = ex.tape.since(VenueKind::Edgex, cid, *last);
                Some((
                    t.iter().map(|t| wire::trade(&m, t)).collect::<Vec<_>>(),
                    t.last().map(|t| t.id),
                ))
            });
            let Some((trades, Some(newest))) = new else {
                continue;
            };
            *last = newest;
            out.push(Self::event_list(channel, "Changed", trades));
        }
        for (channel, cid) in &self.tickers {
            if let Ok(t) = core.with(|ex| {
                ex.market(VenueKind::Edgex, cid)
                    .cloned()
                    .map(|m| wire::ticker(ex, &m))
            }) {
                out.push(Self::event(channel, "Snapshot", t));
            }
        }
        Some(out)
    }
}
