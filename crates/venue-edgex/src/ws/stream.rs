//! The EdgeX side of the depth stream, run by `venue_transport::ws` (the reconnect loop
//! both adapters share): subscribe every tracked contract on open, answer the venue's JSON
//! pings, merge depth frames, resubscribe a contract whose versions do not chain (gap ->
//! fresh snapshot), and drop every book when the connection ends.

use super::book::{
    parse_message, ping_frame, pong_frame, subscribe_frame, unsubscribe_frame, Applied, WsEvent,
};
use super::{BookSlot, Shared};
use std::collections::HashSet;
use std::sync::Arc;
use tokio::time::Instant;
use venue_api::Clock;
use venue_transport::ws::{Reply, WsHandler};

/// A request to the stream task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Subscribe to a contract's depth (idempotent).
    Track(String),
}

/// The EdgeX protocol on one socket.
pub(crate) struct EdgexHandler {
    pub(crate) level: u32,
    pub(crate) shared: Arc<Shared>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Contracts subscribed on this connection.
    pub(crate) subscribed: HashSet<String>,
}

impl WsHandler for EdgexHandler {
    type Command = Command;

    fn on_open(&mut self) -> Vec<String> {
        self.subscribed.clear();
        self.shared
            .tracked()
            .into_iter()
            .filter(|cid| self.subscribed.insert(cid.clone()))
            .map(|cid| subscribe_frame(&cid, self.level))
            .collect()
    }

    fn on_text(&mut self, text: &str) -> Reply {
        Reply::send(handle_text(self.level, &self.shared, text))
    }

    fn on_command(&mut self, command: Command) -> Vec<String> {
        match command {
            Command::Track(cid) if self.subscribed.insert(cid.clone()) => {
                vec![subscribe_frame(&cid, self.level)]
            }
            Command::Track(_) => Vec::new(),
        }
    }

    fn ping(&mut self) -> Option<String> {
        Some(ping_frame(self.clock.now().timestamp_millis()))
    }

    fn on_close(&mut self) {
        self.shared.reset_all();
    }

    fn name(&self) -> &'static str {
        "edgex-depth"
    }
}

/// Applies one text frame; returns the frames to send back (pong, resubscription).
fn handle_text(level: u32, shared: &Shared, text: &str) -> Vec<String> {
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
                        unsubscribe_frame(&contract_id, level),
                        subscribe_frame(&contract_id, level),
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
