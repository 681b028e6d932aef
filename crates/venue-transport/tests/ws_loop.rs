//! The shared WebSocket loop against a local server: subscribe on open, replies, client
//! pings, reconnect after a drop / silence / a handler's request (with `on_close` first),
//! commands, and stop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures_util::{SinkExt, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use venue_transport::ws::{spawn, Reply, WsConfig, WsHandler};

#[derive(Default)]
struct Log(Mutex<Vec<String>>);

impl Log {
    fn push(&self, s: impl Into<String>) {
        self.0.lock().unwrap().push(s.into());
    }
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct Handler {
    log: Arc<Log>,
    tracked: Vec<String>,
}

impl WsHandler for Handler {
    type Command = String;
    fn on_open(&mut self) -> Vec<String> {
        self.log.push("open");
        self.tracked.iter().map(|t| format!("sub {t}")).collect()
    }
    fn on_text(&mut self, text: &str) -> Reply {
        self.log.push(format!("got {text}"));
        match text {
            "gap" => Reply::send(vec!["unsub a".into(), "sub a".into()]),
            "shutdown" => Reply::reconnect("server shutdown"),
            _ => Reply::none(),
        }
    }
    fn on_command(&mut self, command: String) -> Vec<String> {
        self.tracked.push(command.clone());
        vec![format!("sub {command}")]
    }
    fn ping(&mut self) -> Option<String> {
        Some("ping".into())
    }
    fn on_close(&mut self) {
        self.log.push("close");
    }
    fn name(&self) -> &'static str {
        "test"
    }
}

/// A server that reports every frame it receives (tagged by connection number) and plays
/// `script[n]` on connection n: frames to send, then `drop` / `silent` / `hold`.
async fn server(script: Vec<Vec<&'static str>>) -> (String, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((tcp, _)) = listener.accept().await {
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let steps = script.get(n).cloned().unwrap_or_default();
            let tx = tx.clone();
            let conn = n;
            n += 1;
            tokio::spawn(async move {
                let mut end = "hold";
                for s in steps {
                    match s {
                        "drop" | "silent" | "hold" => end = s,
                        text => ws.send(Message::text(text)).await.unwrap(),
                    }
                }
                let life = if end == "drop" {
                    Duration::from_millis(200)
                } else {
                    Duration::from_secs(30)
                };
                let read = async {
                    while let Some(Ok(m)) = ws.next().await {
                        if let Message::Text(t) = m {
                            let _ = tx.send(format!("{conn}:{t}"));
                        }
                    }
                };
                let _ = tokio::time::timeout(life, read).await;
            });
        }
    });
    (url, rx)
}

fn config(url: &str) -> WsConfig {
    WsConfig {
        url: url.to_string(),
        ping_interval: Duration::from_millis(150),
        idle_timeout: Duration::from_millis(600),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(100),
    }
}

async fn expect(rx: &mut mpsc::UnboundedReceiver<String>, want: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let got = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no {want:?} within 5 s"))
            .unwrap();
        if got == want {
            return;
        }
    }
}

#[tokio::test]
async fn subscribes_replies_pings_and_resubscribes_after_a_drop() {
    let (url, mut rx) = server(vec![vec!["hello", "gap", "drop"], vec!["hello"]]).await;
    let log = Arc::new(Log::default());
    let task = spawn(
        config(&url),
        Handler {
            log: log.clone(),
            tracked: vec!["a".into()],
        },
    );
    expect(&mut rx, "0:sub a").await;
    // a dropped connection: reconnect, resubscribe everything tracked
    expect(&mut rx, "1:sub a").await;
    task.command("b".into());
    expect(&mut rx, "1:sub b").await;
    expect(&mut rx, "1:ping").await;
    // a quiet server that only answers pings (protocol pongs) is not taken for dead
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(task.status().is_connected());
    assert_eq!(task.status().connections(), 2);
    let events = log.all();
    let first_close = events.iter().position(|e| e == "close").unwrap();
    assert!(events[..first_close].contains(&"got gap".to_string()));
    assert_eq!(
        events[first_close + 1],
        "open",
        "on_close before reconnecting"
    );
    task.shutdown().await;
}

#[tokio::test]
async fn silence_and_handler_requests_reconnect_and_drop_stops() {
    let (url, mut rx) = server(vec![vec!["shutdown"], vec!["silent"], vec!["hello"]]).await;
    let log = Arc::new(Log::default());
    let mut cfg = config(&url);
    cfg.ping_interval = Duration::from_secs(60); // no client pings: the server stays silent
    let task = spawn(
        cfg,
        Handler {
            log: log.clone(),
            tracked: vec!["a".into()],
        },
    );
    expect(&mut rx, "0:sub a").await;
    expect(&mut rx, "1:sub a").await; // after the handler asked for it
    expect(&mut rx, "2:sub a").await; // after 600 ms of silence
    let status = task.status().clone();
    drop(task);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!status.is_connected(), "dropping the task stops it");
    assert_eq!(status.connections(), 3);
}
