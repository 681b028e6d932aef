//! The connection task of [`super::BookFeed`]: connect, subscribe, read, ping, reconnect.

use super::book::{
    parse_message, ping_frame, pong_frame, subscribe_frame, unsubscribe_frame, Applied, WsEvent,
};
use super::{BookFeedConfig, BookSlot, Command, Shared};
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use venue_api::Clock;
use venue_transport::backoff_delay;

/// Why a session ended.
enum End {
    /// The feed handle was dropped: stop for good.
    Shutdown,
    /// The socket failed or went quiet: reconnect.
    Lost(String),
}

pub(crate) async fn run(
    config: BookFeedConfig,
    shared: Arc<Shared>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    clock: Arc<dyn Clock>,
) {
    let mut failures: u32 = 0;
    loop {
        let connect = tokio::time::timeout(
            config.idle_timeout,
            tokio_tungstenite::connect_async(config.url.as_str()),
        );
        let end = match connect.await {
            Ok(Ok((socket, _))) => {
                failures = 0;
                shared.connections.fetch_add(1, Ordering::AcqRel);
                shared.connected.store(true, Ordering::Release);
                tracing::info!(url = %config.url, "EdgeX depth stream connected");
                let end = session(&config, &shared, socket, &mut commands, clock.as_ref()).await;
                shared.connected.store(false, Ordering::Release);
                shared.reset_all();
                end
            }
            Ok(Err(e)) => End::Lost(format!("connect failed: {e}")),
            Err(_) => End::Lost("connect timed out".to_string()),
        };
        match end {
            End::Shutdown => return,
            End::Lost(reason) => {
                let wait =
                    backoff_delay(failures, config.reconnect_base, config.reconnect_max, None);
                tracing::warn!(%reason, ?wait, "EdgeX depth stream lost; reconnecting");
                failures = failures.saturating_add(1);
                // Commands keep arriving while we wait; the tracked set is resubscribed anyway.
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    cmd = commands.recv() => if cmd.is_none() { return },
                }
            }
        }
    }
}

async fn session<S>(
    config: &BookFeedConfig,
    shared: &Shared,
    socket: S,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    clock: &dyn Clock,
) -> End
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    // Contracts subscribed on this connection (a Track queued before connecting is a no-op).
    let mut subscribed = std::collections::HashSet::new();
    for cid in shared.tracked() {
        subscribed.insert(cid.clone());
        if let Err(e) = sink
            .send(Message::text(subscribe_frame(&cid, config.level)))
            .await
        {
            return End::Lost(format!("subscribe failed: {e}"));
        }
    }
    let mut ping =
        tokio::time::interval_at(Instant::now() + config.ping_interval, config.ping_interval);
    let mut last_frame = Instant::now();
    loop {
        let idle_deadline = last_frame + config.idle_timeout;
        tokio::select! {
            frame = stream.next() => {
                last_frame = Instant::now();
                let text = match frame {
                    None => return End::Lost("closed by server".to_string()),
                    Some(Err(e)) => return End::Lost(format!("read failed: {e}")),
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Ping(p))) => {
                        if let Err(e) = sink.send(Message::Pong(p)).await {
                            return End::Lost(format!("pong failed: {e}"));
                        }
                        continue;
                    }
                    Some(Ok(Message::Close(_))) => return End::Lost("close frame".to_string()),
                    Some(Ok(_)) => continue,
                };
                let reply = handle_text(config, shared, &text);
                for frame in reply {
                    if let Err(e) = sink.send(Message::text(frame)).await {
                        return End::Lost(format!("write failed: {e}"));
                    }
                }
            }
            cmd = commands.recv() => match cmd {
                None => {
                    let _ = sink.send(Message::Close(None)).await;
                    return End::Shutdown;
                }
                Some(Command::Track(cid)) => {
                    if !subscribed.insert(cid.clone()) {
                        continue;
                    }
                    if let Err(e) = sink.send(Message::text(subscribe_frame(&cid, config.level))).await {
                        return End::Lost(format!("subscribe failed: {e}"));
                    }
                }
            },
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::text(ping_frame(clock.now().timestamp_millis()))).await {
                    return End::Lost(format!("ping failed: {e}"));
                }
            }
            _ = tokio::time::sleep_until(idle_deadline) => {
                return End::Lost("no frame within the idle timeout".to_string());
            }
        }
    }
}

/// Applies one text frame; returns the frames to send back (pong, resubscription).
fn handle_text(config: &BookFeedConfig, shared: &Shared, text: &str) -> Vec<String> {
    match parse_message(text) {
        Ok(WsEvent::Ping(time)) => vec![pong_frame(&time)],
        Ok(WsEvent::Depth {
            contract_id,
            snapshot,
            depth,
        }) => {
            let applied = shared.with_books(|books| {
                let slot = books
                    .entry(contract_id.clone())
                    .or_insert_with(BookSlot::default);
                let applied = if snapshot {
                    slot.book.apply_snapshot(&depth);
                    Applied::Ok
                } else {
                    slot.book.apply_change(&depth)
                };
                if applied == Applied::Ok {
                    slot.updated = Some(Instant::now());
                }
                applied
            });
            match applied {
                Applied::Ok => Vec::new(),
                Applied::NeedsSnapshot => {
                    tracing::warn!(%contract_id, "EdgeX depth out of sequence; resubscribing for a snapshot");
                    vec![
                        unsubscribe_frame(&contract_id, config.level),
                        subscribe_frame(&contract_id, config.level),
                    ]
                }
            }
        }
        Ok(WsEvent::Error(content)) => {
            tracing::warn!(%content, "EdgeX depth stream error");
            Vec::new()
        }
        Ok(_) => Vec::new(),
        Err(e) => {
            tracing::debug!(error = %e, raw = text, "unparseable EdgeX WS frame");
            Vec::new()
        }
    }
}
