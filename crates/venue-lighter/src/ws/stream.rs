//! The WebSocket task: connect, wait for `connected`, subscribe to `order_book/{m}` for each
//! market and `user_stats/{account}` (with an auth token when a signer is available), answer
//! `{"type":"ping"}` with `{"type":"pong"}`, merge books into the [`StreamCache`], and
//! reconnect with exponential backoff (plus jitter) after a close, an error, a `shutdown`
//! notice or silence. A book offset gap resubscribes that market. While disconnected the
//! cache is empty, so the venue reads REST.

use super::book::{Applied, BookState, WireBook};
use super::StreamCache;
use crate::http::parse::dec;
use crate::signing::LighterSigner;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use venue_api::{Balance, Clock, VenueError};

/// What to stream.
#[derive(Debug, Clone)]
pub struct StreamConfig {
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

impl StreamConfig {
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
}

/// A running stream; dropping it does not stop the task, call [`LighterStream::shutdown`].
#[derive(Debug)]
pub struct LighterStream {
    cache: Arc<StreamCache>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
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

/// Why a session ended.
#[derive(Debug)]
enum End {
    Stop,
    Reconnect(String),
}

struct Session<'a> {
    config: &'a StreamConfig,
    cache: &'a StreamCache,
    clock: &'a dyn Clock,
    signer: Option<&'a LighterSigner>,
    books: HashMap<u8, BookState>,
}

fn subscribe_msg(channel: &str, auth: Option<&str>) -> Message {
    let v = match auth {
        Some(a) => serde_json::json!({"type": "subscribe", "channel": channel, "auth": a}),
        None => serde_json::json!({"type": "subscribe", "channel": channel}),
    };
    Message::text(v.to_string())
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
    })
}

impl Session<'_> {
    fn auth_token(&self) -> Option<String> {
        let signer = self.signer?;
        let ttl = chrono::Duration::from_std(self.config.auth_ttl)
            .unwrap_or(chrono::Duration::minutes(10));
        signer.auth_token((self.clock.now() + ttl).timestamp()).ok()
    }

    fn subscriptions(&self) -> Vec<Message> {
        let mut out: Vec<Message> = self
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

    /// Handles one text frame; returns frames to send back.
    fn handle(&mut self, text: &str) -> Result<Vec<Message>, End> {
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
            "ping" => Ok(vec![Message::text(r#"{"type":"pong"}"#)]),
            "shutdown" => Err(End::Reconnect("server announced shutdown".into())),
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
                            Message::text(
                                serde_json::json!({"type": "unsubscribe", "channel": channel})
                                    .to_string(),
                            ),
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

async fn run_session(
    config: &StreamConfig,
    cache: &StreamCache,
    clock: &dyn Clock,
    signer: Option<&LighterSigner>,
    stop: &mut watch::Receiver<bool>,
) -> End {
    let (ws, _) = match tokio::time::timeout(
        config.idle_timeout,
        tokio_tungstenite::connect_async(config.url.as_str()),
    )
    .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return End::Reconnect(format!("connect: {e}")),
        Err(_) => return End::Reconnect("connect timed out".into()),
    };
    let (mut tx, mut rx) = ws.split();
    let mut session = Session {
        config,
        cache,
        clock,
        signer,
        books: HashMap::new(),
    };
    let mut subscribed = false;
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + config.ping_interval,
        config.ping_interval.max(Duration::from_millis(10)),
    );
    loop {
        let next = tokio::select! {
            _ = stop.changed() => return End::Stop,
            _ = ping.tick() => {
                match tokio::time::timeout(config.idle_timeout, tx.send(Message::text(r#"{"type":"ping"}"#))).await {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => return End::Reconnect(format!("write: {e}")),
                    Err(_) => return End::Reconnect("write timed out".into()),
                }
            }
            n = tokio::time::timeout(config.idle_timeout, rx.next()) => n,
        };
        let frame = match next {
            Err(_) => return End::Reconnect("idle timeout".into()),
            Ok(None) => return End::Reconnect("closed".into()),
            Ok(Some(Err(e))) => return End::Reconnect(format!("read: {e}")),
            Ok(Some(Ok(f))) => f,
        };
        let mut out = Vec::new();
        match frame {
            Message::Text(t) => {
                if !subscribed {
                    // subscribe after the greeting (or whatever arrives first)
                    subscribed = true;
                    out.extend(session.subscriptions());
                }
                match session.handle(t.as_str()) {
                    Ok(replies) => out.extend(replies),
                    Err(end) => return end,
                }
            }
            Message::Close(_) => return End::Reconnect("close frame".into()),
            _ => {}
        }
        for m in out {
            match tokio::time::timeout(config.idle_timeout, tx.send(m)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return End::Reconnect(format!("write: {e}")),
                Err(_) => return End::Reconnect("write timed out".into()),
            }
        }
    }
}

impl LighterStream {
    /// Starts the task on the current Tokio runtime.
    pub fn spawn(
        config: StreamConfig,
        cache: Arc<StreamCache>,
        clock: Arc<dyn Clock>,
        signer: Option<LighterSigner>,
    ) -> Self {
        // wss:// needs rustls' process-wide provider (ring), as for REST
        crate::http::client::ensure_crypto_provider();
        let (stop, mut stop_rx) = watch::channel(false);
        let task_cache = cache.clone();
        let task = tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                let started = tokio::time::Instant::now();
                let end = run_session(
                    &config,
                    &task_cache,
                    clock.as_ref(),
                    signer.as_ref(),
                    &mut stop_rx,
                )
                .await;
                task_cache.clear();
                match end {
                    End::Stop => return,
                    End::Reconnect(why) => {
                        if started.elapsed() > config.reconnect_max {
                            failures = 0; // the session was healthy for a while
                        }
                        let wait = venue_transport::backoff_delay(
                            failures,
                            config.reconnect_min,
                            config.reconnect_max,
                            None,
                        );
                        tracing::info!(target: "venue_lighter::ws", reason = %why, ?wait, "reconnecting");
                        tokio::select! {
                            _ = stop_rx.changed() => return,
                            _ = tokio::time::sleep(wait) => {}
                        }
                        failures = failures.saturating_add(1);
                    }
                }
            }
        });
        Self { cache, stop, task }
    }

    /// The cache it feeds.
    pub fn cache(&self) -> Arc<StreamCache> {
        self.cache.clone()
    }

    /// Asks the task to stop without waiting for it.
    pub fn stop_now(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops the task and waits for it.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
