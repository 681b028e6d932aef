//! The WebSocket reconnect loop both adapters' streams run on, written once.
//!
//! [`spawn`] starts one task that keeps one socket open: connect (bounded by the idle
//! timeout), let the venue's [`WsHandler`] subscribe, read frames, answer WebSocket pings,
//! send the handler's client ping every `ping_interval`, and treat a socket silent for
//! `idle_timeout` as dead (a WebSocket ping goes out with each client ping, so a healthy but
//! quiet connection always has the server's pong). Whenever the session ends (close, error, silence, or the handler
//! asking for it, e.g. a server `shutdown` notice) the handler clears what it served
//! ([`WsHandler::on_close`], so readers fall back to REST at once) and the task reconnects
//! after a jittered exponential backoff ([`crate::backoff_delay`]); the backoff restarts
//! from its base after a session that stayed up longer than `reconnect_max`.
//!
//! What is venue-specific (subscription frames, sequence-gap detection and resync, the
//! ping frame, what a frame means) lives in the handler; gap resync is the handler
//! answering a frame with unsubscribe + subscribe frames.
//!
//! The task stops when [`WsTask::stop_now`] is called, or when the [`WsTask`] is dropped.

use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Settings of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsConfig {
    /// Socket URL.
    pub url: String,
    /// A client ping this often (the handler's [`WsHandler::ping`] frame).
    pub ping_interval: Duration,
    /// No frame at all for this long: the connection is dead. Also bounds connects and
    /// writes.
    pub idle_timeout: Duration,
    /// First reconnect delay (doubles, with jitter).
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

impl WsConfig {
    /// Defaults both venues use: ping every 30 s, dead after 90 s of silence, reconnect
    /// 0.5 s .. 30 s.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
        }
    }
}

/// What a handler wants after a frame.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Text frames to send back (pong, resubscription after a gap).
    pub frames: Vec<String>,
    /// End this session and reconnect, with the reason.
    pub reconnect: Option<String>,
}

impl Reply {
    /// Nothing to do.
    pub fn none() -> Self {
        Self::default()
    }

    /// Send these frames.
    pub fn send(frames: Vec<String>) -> Self {
        Self {
            frames,
            reconnect: None,
        }
    }

    /// Reconnect.
    pub fn reconnect(reason: impl Into<String>) -> Self {
        Self {
            frames: Vec::new(),
            reconnect: Some(reason.into()),
        }
    }
}

/// The venue's side of a stream.
pub trait WsHandler: Send + 'static {
    /// Requests from the stream's owner while it runs (e.g. "track this market").
    type Command: Send + 'static;
    /// The socket is open: frames to send first (subscriptions of everything tracked).
    fn on_open(&mut self) -> Vec<String>;
    /// One text frame from the venue.
    fn on_text(&mut self, text: &str) -> Reply;
    /// A command from the owner: frames to send.
    fn on_command(&mut self, command: Self::Command) -> Vec<String>;
    /// The client ping frame, if the venue has one.
    fn ping(&mut self) -> Option<String>;
    /// The session ended: drop everything served from it (readers go to REST).
    fn on_close(&mut self);
    /// A name for the logs.
    fn name(&self) -> &'static str;
}

/// Connection counters, readable while the task runs.
#[derive(Debug, Default)]
pub struct WsStatus {
    connected: AtomicBool,
    connections: AtomicU64,
}

impl WsStatus {
    /// True while the socket is open.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// Connections established so far (reconnects + 1).
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Acquire)
    }
}

/// A running stream task.
#[derive(Debug)]
pub struct WsTask<C> {
    commands: mpsc::UnboundedSender<C>,
    stop: watch::Sender<bool>,
    status: Arc<WsStatus>,
    task: JoinHandle<()>,
}

impl<C> WsTask<C> {
    /// Sends a command to the handler (ignored once the task has ended).
    pub fn command(&self, command: C) {
        let _ = self.commands.send(command);
    }

    /// The connection counters.
    pub fn status(&self) -> &Arc<WsStatus> {
        &self.status
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

/// Starts the loop for `handler` on the current Tokio runtime.
pub fn spawn<H: WsHandler>(config: WsConfig, handler: H) -> WsTask<H::Command> {
    crate::install_tls_provider();
    let (commands, rx) = mpsc::unbounded_channel();
    let (stop, stop_rx) = watch::channel(false);
    let status = Arc::new(WsStatus::default());
    let task = tokio::spawn(run(config, handler, rx, stop_rx, status.clone()));
    WsTask {
        commands,
        stop,
        status,
        task,
    }
}

/// Why a session ended.
enum End {
    Stop,
    Lost(String),
}

async fn run<H: WsHandler>(
    config: WsConfig,
    mut handler: H,
    mut commands: mpsc::UnboundedReceiver<H::Command>,
    mut stop: watch::Receiver<bool>,
    status: Arc<WsStatus>,
) {
    let name = handler.name();
    let mut failures: u32 = 0;
    loop {
        if *stop.borrow() {
            return;
        }
        let started = Instant::now();
        let connect = tokio::time::timeout(
            config.idle_timeout,
            tokio_tungstenite::connect_async(config.url.as_str()),
        );
        let end = tokio::select! {
            _ = stopped(&mut stop) => End::Stop,
            c = connect => match c {
                Ok(Ok((socket, _))) => {
                    status.connections.fetch_add(1, Ordering::AcqRel);
                    status.connected.store(true, Ordering::Release);
                    tracing::info!(target: "venue_transport::ws", stream = name, url = %config.url, "connected");
                    let end =
                        session(&config, &mut handler, socket, &mut commands, &mut stop).await;
                    status.connected.store(false, Ordering::Release);
                    end
                }
                Ok(Err(e)) => End::Lost(format!("connect failed: {e}")),
                Err(_) => End::Lost("connect timed out".to_string()),
            },
        };
        handler.on_close();
        let reason = match end {
            End::Stop => return,
            End::Lost(reason) => reason,
        };
        if started.elapsed() > config.reconnect_max {
            failures = 0; // the session was healthy for a while
        }
        let wait = crate::backoff_delay(failures, config.reconnect_min, config.reconnect_max, None);
        failures = failures.saturating_add(1);
        tracing::warn!(target: "venue_transport::ws", stream = name, %reason, ?wait, "stream lost; reconnecting");
        tokio::select! {
            _ = stopped(&mut stop) => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Resolves once a stop was asked for or the owner is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

async fn session<H, S>(
    config: &WsConfig,
    handler: &mut H,
    socket: S,
    commands: &mut mpsc::UnboundedReceiver<H::Command>,
    stop: &mut watch::Receiver<bool>,
) -> End
where
    H: WsHandler,
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + futures_util::Sink<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    macro_rules! send {
        ($msg:expr) => {
            match tokio::time::timeout(config.idle_timeout, sink.send($msg)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return End::Lost(format!("write failed: {e}")),
                Err(_) => return End::Lost("write timed out".to_string()),
            }
        };
    }
    for frame in handler.on_open() {
        send!(Message::text(frame));
    }
    let period = config.ping_interval.max(Duration::from_millis(10));
    let mut ping = tokio::time::interval_at(Instant::now() + period, period);
    let mut last_frame = Instant::now();
    loop {
        let idle_deadline = last_frame + config.idle_timeout;
        tokio::select! {
            _ = stopped(stop) => {
                let _ = sink.send(Message::Close(None)).await;
                return End::Stop;
            }
            frame = stream.next() => {
                last_frame = Instant::now();
                let text = match frame {
                    None => return End::Lost("closed by server".to_string()),
                    Some(Err(e)) => return End::Lost(format!("read failed: {e}")),
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(Message::Ping(p))) => {
                        send!(Message::Pong(p));
                        continue;
                    }
                    Some(Ok(Message::Close(_))) => return End::Lost("close frame".to_string()),
                    Some(Ok(_)) => continue,
                };
                let reply = handler.on_text(&text);
                for frame in reply.frames {
                    send!(Message::text(frame));
                }
                if let Some(reason) = reply.reconnect {
                    return End::Lost(reason);
                }
            }
            cmd = commands.recv() => match cmd {
                // the owner is gone
                None => {
                    let _ = sink.send(Message::Close(None)).await;
                    return End::Stop;
                }
                Some(cmd) => {
                    for frame in handler.on_command(cmd) {
                        send!(Message::text(frame));
                    }
                }
            },
            _ = ping.tick() => {
                if let Some(frame) = handler.ping() {
                    send!(Message::text(frame));
                }
                // A protocol-level ping too: every server answers it with a pong (RFC 6455),
                // so a quiet but healthy connection is never mistaken for a dead one.
                send!(Message::Ping(Vec::new().into()));
            }
            _ = tokio::time::sleep_until(idle_deadline) => {
                return End::Lost("no frame within the idle timeout".to_string());
            }
        }
    }
}
