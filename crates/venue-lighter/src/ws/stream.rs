//! The Lighter side of the stream, run by `venue_transport::ws` (the reconnect loop both
//! adapters share: connect, backoff with jitter, client pings, silence = dead): wait for the
//! greeting, subscribe to `order_book/{m}` for each market and `user_stats/{account}` (with an
//! auth token when a signer is available), answer `{"type":"ping"}` with `{"type":"pong"}`,
//! merge books into the [`StreamCache`], resubscribe a market whose book does not chain (gap
//! -> fresh snapshot), and reconnect on a `shutdown` notice. While disconnected the cache is
//! empty, so the venue reads REST.

use super::book::{Applied, BookState, WireBook};
use super::StreamCache;
use crate::http::parse::dec;
use crate::signing::LighterSigner;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{Balance, Clock, VenueError};
use venue_transport::ws::{Reply, WsConfig, WsHandler, WsTask};

/// The former name of [`LighterStreamConfig`].
pub type StreamConfig = LighterStreamConfig;

/// What to stream.
#[derive(Debug, Clone)]
pub struct LighterStreamConfig {
    /// `wss://.../stream`.
    pub url: String,
    /// Market indexes whose books to keep.
    pub markets: Vec<u8>,
    /// Account whose `user_stats` to follow, if any.
    pub account_index: Option<i64>,
    /// First reconnect delay (doubles up to `reconnect_max`).
    pub reconnect_min: Duration,
    /// Largest reconnect delay.
    pub reconnect_max: Duration,
    /// Reconnect when nothing arrives for this long (the server pings well within it).
    pub idle_timeout: Duration,
    /// Lifetime of the auth tokens sent with private subscriptions.
    pub auth_ttl: Duration,
    /// A client `{"type":"ping"}` this often (Lighter closes a connection idle for 2 minutes;
    /// answering the server's pings alone may not count, findings/live-lighter.md row 22).
    pub ping_interval: Duration,
}

impl LighterStreamConfig {
    /// Production defaults for `url`.
    pub fn new(url: impl Into<String>, markets: Vec<u8>, account_index: Option<i64>) -> Self {
        Self {
            url: url.into(),
            markets,
            account_index,
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            auth_ttl: Duration::from_secs(600),
            ping_interval: Duration::from_secs(30),
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

/// A running stream; dropping it (or [`LighterStream::shutdown`]) stops the task.
#[derive(Debug)]
pub struct LighterStream {
    cache: Arc<StreamCache>,
    task: WsTask<()>,
}

#[derive(Debug, Deserialize)]
struct Incoming {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    order_book: Option<WireBook>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    stats: Option<WireStats>,
    /// Error frames are `{"error": {"code", "message"}}` without a `type`.
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Debug, Deserialize)]
struct WireError {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

/// "Already Subscribed" (re-subscribing an open channel): harmless.
const ALREADY_SUBSCRIBED: i64 = 30003;

#[derive(Debug, Deserialize)]
struct WireStats {
    portfolio_value: String,
    available_balance: String,
    #[serde(default)]
    margin_usage: Option<String>,
}

/// The Lighter protocol on one socket.
struct LighterHandler {
    config: LighterStreamConfig,
    cache: Arc<StreamCache>,
    clock: Arc<dyn Clock>,
    signer: Option<LighterSigner>,
    books: HashMap<u8, BookState>,
    /// Subscriptions sent on this connection (after the greeting).
    subscribed: bool,
}

fn subscribe_msg(channel: &str, auth: Option<&str>) -> String {
    let v = match auth {
        Some(a) => serde_json::json!({"type": "subscribe", "channel": channel, "auth": a}),
        None => serde_json::json!({"type": "subscribe", "channel": channel}),
    };
    v.to_string()
}

fn balance_from(stats: &WireStats) -> Result<Balance, VenueError> {
    Ok(Balance {
        equity: dec("stats.portfolio_value", &stats.portfolio_value)?,
        available: dec("stats.available_balance", &stats.available_balance)?,
        // the venue sends a percent ("2.07"); venue-api's unit is a fraction (0..1)
        margin_usage: stats
            .margin_usage
            .as_deref()
            .map(|m| {
                dec("stats.margin_usage", m).map(|pct| pct / rust_decimal::Decimal::ONE_HUNDRED)
            })
            .transpose()?,
        maintenance_margin: None,
        initial_margin: None,
    })
}

impl LighterHandler {
    fn auth_token(&self) -> Option<String> {
        let signer = self.signer.as_ref()?;
        let ttl = chrono::Duration::from_std(self.config.auth_ttl)
            .unwrap_or(chrono::Duration::minutes(10));
        signer.auth_token((self.clock.now() + ttl).timestamp()).ok()
    }

    fn subscriptions(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .config
            .markets
            .iter()
            .map(|m| subscribe_msg(&format!("order_book/{m}"), None))
            .collect();
        if let Some(a) = self.config.account_index {
            out.push(subscribe_msg(
                &format!("user_stats/{a}"),
                self.auth_token().as_deref(),
            ));
        }
        out
    }

    /// Handles one text frame; returns frames to send back, or why to reconnect.
    fn handle(&mut self, text: &str) -> Result<Vec<String>, String> {
        let msg: Incoming = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                tracing::debug!(target: "venue_lighter::ws", error = %e, body = %text, "unparsed frame");
                return Ok(vec![]);
            }
        };
        let market = msg
            .channel
            .as_deref()
            .and_then(|c| {
                c.strip_prefix("order_book:")
                    .or_else(|| c.strip_prefix("order_book/"))
            })
            .and_then(|m| m.parse::<u8>().ok());
        if let Some(err) = &msg.error {
            let code = err.code.unwrap_or_default();
            let message = err.message.as_deref().unwrap_or("");
            if code == ALREADY_SUBSCRIBED {
                tracing::debug!(target: "venue_lighter::ws", code, message, "already subscribed");
            } else {
                tracing::warn!(target: "venue_lighter::ws", code, message, "stream error frame");
            }
            return Ok(vec![]);
        }
        match msg.kind.as_str() {
            "ping" => Ok(vec![r#"{"type":"pong"}"#.to_string()]),
            "shutdown" => Err("server announced shutdown".into()),
            "subscribed/order_book" | "update/order_book" => {
                let (Some(m), Some(book)) = (market, msg.order_book.as_ref()) else {
                    return Ok(vec![]);
                };
                let state = self.books.entry(m).or_default();
                let applied = if msg.kind.starts_with("subscribed") {
                    state.snapshot(book, msg.offset).map(|_| Applied::Ok)
                } else {
                    state.update(book, msg.offset)
                };
                match applied {
                    Ok(Applied::Ok) => {
                        self.cache.store_book(m, state.clone(), self.clock.now());
                        Ok(vec![])
                    }
                    Ok(Applied::Gap) | Err(_) => {
                        tracing::info!(target: "venue_lighter::ws", market = m, "order book gap, resubscribing");
                        self.books.remove(&m);
                        self.cache.invalidate_book(m);
                        let channel = format!("order_book/{m}");
                        Ok(vec![
                            serde_json::json!({"type": "unsubscribe", "channel": channel})
                                .to_string(),
                            subscribe_msg(&channel, None),
                        ])
                    }
                }
            }
            "subscribed/user_stats" | "update/user_stats" => {
                if let Some(stats) = &msg.stats {
                    match balance_from(stats) {
                        Ok(b) => self.cache.store_balance(b, self.clock.now()),
                        Err(e) => {
                            tracing::warn!(target: "venue_lighter::ws", error = %e, "bad user_stats")
                        }
                    }
                }
                Ok(vec![])
            }
            "error" => {
                tracing::warn!(target: "venue_lighter::ws", "stream error message");
                tracing::debug!(target: "venue_lighter::ws", body = %text, "stream error message body");
                Ok(vec![])
            }
            _ => Ok(vec![]),
        }
    }
}

impl WsHandler for LighterHandler {
    type Command = ();

    fn on_open(&mut self) -> Vec<String> {
        // the venue greets first (`connected`); subscriptions follow the first frame
        self.subscribed = false;
        self.books.clear();
        Vec::new()
    }

    fn on_text(&mut self, text: &str) -> Reply {
        let mut out = Vec::new();
        if !self.subscribed {
            self.subscribed = true;
            out.extend(self.subscriptions());
        }
        match self.handle(text) {
            Ok(replies) => {
                out.extend(replies);
                Reply::send(out)
            }
            Err(why) => Reply::reconnect(why),
        }
    }

    fn on_command(&mut self, _: ()) -> Vec<String> {
        Vec::new()
    }

    fn ping(&mut self) -> Option<String> {
        Some(r#"{"type":"ping"}"#.to_string())
    }

    fn on_close(&mut self) {
        self.books.clear();
        self.cache.clear();
    }

    fn name(&self) -> &'static str {
        "lighter"
    }
}

impl LighterStream {
    /// Starts the task on the current Tokio runtime.
    pub fn spawn(
        config: LighterStreamConfig,
        cache: Arc<StreamCache>,
        clock: Arc<dyn Clock>,
        signer: Option<LighterSigner>,
    ) -> Self {
        let handler = LighterHandler {
            config: config.clone(),
            cache: cache.clone(),
            clock,
            signer,
            books: HashMap::new(),
            subscribed: false,
        };
        let task = venue_transport::ws::spawn(config.transport(), handler);
        Self { cache, task }
    }

    /// The cache it feeds.
    pub fn cache(&self) -> Arc<StreamCache> {
        self.cache.clone()
    }

    /// True while the socket is open.
    pub fn is_connected(&self) -> bool {
        self.task.status().is_connected()
    }

    /// How many connections were established so far (reconnects + 1).
    pub fn connections(&self) -> u64 {
        self.task.status().connections()
    }

    /// Asks the task to stop without waiting for it.
    pub fn stop_now(&self) {
        self.task.stop_now();
    }

    /// Stops the task and waits for it.
    pub async fn shutdown(self) {
        self.task.shutdown().await;
    }
}
