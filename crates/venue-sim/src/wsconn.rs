//! WebSocket plumbing shared by both front-ends: accept on a loopback listener, remember the
//! request path, and run a connection loop that multiplexes client frames and a push timer.

use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// What a protocol does with its connection.
pub trait Session: Send + 'static {
    /// Frames to send right after the handshake.
    fn greet(&mut self) -> Vec<String>;
    /// Answers to one client text frame.
    fn on_text(&mut self, text: &str) -> Vec<String>;
    /// Frames to push on a timer tick; `None` = close the connection now (drop fault).
    fn on_tick(&mut self) -> Option<Vec<String>>;
}

/// Accepts connections on `listener`; `make` builds a session from the request path
/// (`None` refuses the path).
pub fn serve<F, S>(listener: TcpListener, interval: Duration, make: F) -> JoinHandle<()>
where
    F: Fn(&str) -> Option<S> + Send + Sync + 'static,
    S: Session,
{
    let make = Arc::new(make);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let make = make.clone();
            tokio::spawn(async move {
                let path = Arc::new(Mutex::new(String::new()));
                let seen = path.clone();
                #[allow(clippy::result_large_err)] // the signature is tungstenite's
                let callback = move |req: &Request, resp: Response| {
                    if let Ok(mut p) = seen.lock() {
                        *p = req.uri().path().to_string();
                    }
                    Ok(resp)
                };
                let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                    return;
                };
                let path = path.lock().map(|p| p.clone()).unwrap_or_default();
                match make(&path) {
                    Some(session) => run(ws, session, interval).await,
                    None => {
                        let mut ws = ws;
                        let _ = ws.close(None).await;
                    }
                }
            });
        }
    })
}

async fn run<S: Session>(ws: WebSocketStream<TcpStream>, mut session: S, interval: Duration) {
    let (mut tx, mut rx) = ws.split();
    for m in session.greet() {
        if tx.send(Message::text(m)).await.is_err() {
            return;
        }
    }
    let mut tick = tokio::time::interval(interval);
    loop {
        let out = tokio::select! {
            msg = rx.next() => match msg {
                Some(Ok(Message::Text(t))) => session.on_text(t.as_str()),
                Some(Ok(Message::Ping(p))) => {
                    if tx.send(Message::Pong(p)).await.is_err() { return; }
                    Vec::new()
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => Vec::new(),
            },
            _ = tick.tick() => match session.on_tick() {
                Some(v) => v,
                None => {
                    let _ = tx.send(Message::Close(None)).await;
                    return;
                }
            },
        };
        for m in out {
            if tx.send(Message::text(m)).await.is_err() {
                return;
            }
        }
    }
}
