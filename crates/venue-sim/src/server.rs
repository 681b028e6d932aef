//! The running simulator: one shared exchange, the injected clock and fault set, and four
//! loopback listeners (EdgeX REST, EdgeX WebSocket, Lighter REST, Lighter WebSocket).
//!
//! Every request first advances the exchange to the clock's `now` (under one lock, never held
//! across an await), so funding, resting orders and prices follow the injected clock. When a
//! state path is set, the exchange is saved after every request that changed it.

use crate::engine::Exchange;
use crate::faults::Faults;
use crate::{edgex, lighter, persist};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use venue_api::{Clock, SystemClock};

/// Errors of starting, loading or saving a simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Example: the port is taken.
    #[error("cannot bind {what} on {addr}: {source}")]
    Bind {
        /// Which listener.
        what: &'static str,
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// Example: the state directory is read-only.
    #[error("simulator state file {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Example: `--sim-fault edgex:createOrder` (no fault).
    #[error(transparent)]
    FaultSpec(#[from] crate::faults::FaultSpecError),
    /// Example: a generated key the adapters' config refuses.
    #[error("paper account setup: {0}")]
    Setup(String),
}

/// Options of a simulator.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Seed of prices and funding (used when a new exchange is created).
    pub seed: u64,
    /// The clock both the simulator and its clients read.
    pub clock: Arc<dyn Clock>,
    /// Fault rules (shared; add rules while running).
    pub faults: Arc<Faults>,
    /// Largest accepted age/skew of an EdgeX request timestamp (clock time).
    pub auth_window: Duration,
    /// How long a "timeout" fault holds a request (real time) before answering 504.
    pub timeout_hold: Duration,
    /// Period of WebSocket book/account pushes (real time).
    pub ws_push_interval: Duration,
    /// Chain id the Lighter front-end hashes transactions with (304 = what the adapter
    /// derives from a non-testnet URL).
    pub lighter_chain_id: u32,
    /// Ports (0 = ephemeral): EdgeX REST, EdgeX WS, Lighter REST, Lighter WS.
    pub ports: [u16; 4],
    /// Where to save the exchange after each change (`None` = never).
    pub state_path: Option<PathBuf>,
    /// Clock time between a Lighter tx being accepted and its effect (orders, cancels,
    /// leverage) becoming visible; the venue shows fills 1-3 s late. 0 = at once.
    pub lighter_fill_delay: Duration,
    /// Serve EdgeX contracts on `/api/v2` under their live V2 names (`BTCUSDC`, collateral
    /// coin `USDC`; the default); `false` = `…USD` as on V1 (for clients that still map V2
    /// to `…USD`; the adapter resolves both since it reads the metadata's coins).
    pub edgex_v2_usdc_names: bool,
    /// Lighter `fundings` as the findings describe the live venue (the default): rows in
    /// `[start_timestamp, end_timestamp)` (end excluded), at most 100 per call, and
    /// `count_back` rows counted from `start_timestamp` (oldest first). `false` = the
    /// lenient legacy behaviour (end included, the newest `count_back` rows, up to 1000).
    pub lighter_fundings_from_start: bool,
    /// Request budget per minute of clock time, [EdgeX, Lighter] (`None` = unlimited, the
    /// default); over it a request gets HTTP 429 with `Retry-After` (see [`crate::ratelimit`]).
    pub requests_per_minute: [Option<u32>; 2],
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            seed: 1,
            clock: Arc::new(SystemClock),
            faults: Arc::new(Faults::new()),
            auth_window: Duration::from_secs(300),
            timeout_hold: Duration::from_secs(120),
            ws_push_interval: Duration::from_millis(250),
            lighter_chain_id: 304,
            ports: [0; 4],
            state_path: None,
            lighter_fill_delay: Duration::ZERO,
            edgex_v2_usdc_names: true,
            lighter_fundings_from_start: true,
            requests_per_minute: [None, None],
        }
    }
}

/// What the front-ends share.
#[derive(Debug)]
pub struct SimCore {
    exchange: Mutex<Exchange>,
    /// Clock.
    pub clock: Arc<dyn Clock>,
    /// Faults.
    pub faults: Arc<Faults>,
    /// Options.
    pub options: SimOptions,
    /// Request budgets.
    pub limiter: crate::ratelimit::RateLimiter,
}

impl SimCore {
    /// A core over `exchange`.
    pub fn new(exchange: Exchange, options: SimOptions) -> Self {
        Self {
            exchange: Mutex::new(exchange),
            clock: options.clock.clone(),
            faults: options.faults.clone(),
            options,
            limiter: crate::ratelimit::RateLimiter::default(),
        }
    }

    /// Counts a request against the venue's budget: `Some(429 answer)` when over it.
    pub fn over_budget(
        &self,
        venue: crate::engine::VenueKind,
        endpoint: &str,
    ) -> Option<crate::http::SimResponse> {
        let limit = self.options.requests_per_minute[match venue {
            crate::engine::VenueKind::Edgex => 0,
            crate::engine::VenueKind::Lighter => 1,
        }]?;
        if crate::ratelimit::exempt(venue, endpoint) {
            return None;
        }
        let retry = self.limiter.admit(venue, limit, self.now_ms()).err()?;
        Some(crate::http::SimResponse {
            status: 429,
            body: "{\"code\":429,\"message\":\"Too Many Requests\"}".into(),
            retry_after: Some(retry),
            content_type: "application/json",
        })
    }

    /// Clock time in ms.
    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Runs `f` on the exchange after advancing it to now.
    pub fn with<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        let now = self.now_ms();
        let mut ex = self.exchange.lock().unwrap_or_else(|p| p.into_inner());
        ex.advance(now);
        f(&mut ex)
    }

    /// Saves the exchange if a state path is configured (errors are logged: a failed save
    /// must not fail the trade that was already booked).
    pub fn autosave(&self) {
        if let Some(path) = &self.options.state_path {
            if let Err(e) = persist::save_latest(path, || self.snapshot()) {
                tracing::warn!(error = %e, "PAPER: could not save simulator state");
            }
        }
    }

    /// A copy of the exchange.
    pub fn snapshot(&self) -> Exchange {
        self.exchange
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A running simulator.
#[derive(Debug)]
pub struct SimServer {
    core: Arc<SimCore>,
    edgex_base_url: String,
    edgex_ws_url: String,
    lighter_base_url: String,
    lighter_ws_url: String,
    tasks: Vec<JoinHandle<()>>,
}

async fn bind(what: &'static str, port: u16) -> Result<TcpListener, SimError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { what, addr, source })
}

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

impl SimServer {
    /// Starts serving `exchange` on 127.0.0.1.
    pub async fn start(options: SimOptions, exchange: Exchange) -> Result<Self, SimError> {
        let [ep, ewp, lp, lwp] = options.ports;
        let edgex_http = bind("EdgeX REST", ep).await?;
        let edgex_ws = bind("EdgeX WebSocket", ewp).await?;
        let lighter_http = bind("Lighter REST", lp).await?;
        let lighter_ws = bind("Lighter WebSocket", lwp).await?;
        let edgex_base_url = format!("http://127.0.0.1:{}", port_of(&edgex_http));
        let edgex_ws_url = format!("ws://127.0.0.1:{}", port_of(&edgex_ws));
        let lighter_base_url = format!("http://127.0.0.1:{}", port_of(&lighter_http));
        let lighter_ws_url = format!("ws://127.0.0.1:{}/stream", port_of(&lighter_ws));
        let core = Arc::new(SimCore::new(exchange, options));
        let tasks = vec![
            crate::http::serve(edgex_http, edgex::handler(core.clone())),
            edgex::ws::serve(edgex_ws, core.clone()),
            crate::http::serve(lighter_http, lighter::handler(core.clone())),
            lighter::ws::serve(lighter_ws, core.clone()),
        ];
        tracing::info!(%edgex_base_url, %lighter_base_url, "venue-sim listening");
        Ok(Self {
            core,
            edgex_base_url,
            edgex_ws_url,
            lighter_base_url,
            lighter_ws_url,
            tasks,
        })
    }

    /// EdgeX REST base URL (`http://127.0.0.1:PORT`).
    pub fn edgex_base_url(&self) -> &str {
        &self.edgex_base_url
    }

    /// EdgeX WebSocket base URL (`ws://127.0.0.1:PORT`; the adapter appends the path).
    pub fn edgex_ws_url(&self) -> &str {
        &self.edgex_ws_url
    }

    /// Lighter REST base URL.
    pub fn lighter_base_url(&self) -> &str {
        &self.lighter_base_url
    }

    /// Lighter WebSocket URL (`ws://127.0.0.1:PORT/stream`).
    pub fn lighter_ws_url(&self) -> &str {
        &self.lighter_ws_url
    }

    /// The shared core.
    pub fn core(&self) -> &Arc<SimCore> {
        &self.core
    }

    /// The live fault set.
    pub fn faults(&self) -> &Arc<Faults> {
        &self.core.faults
    }

    /// Runs `f` on the exchange (advanced to now).
    pub fn with_exchange<R>(&self, f: impl FnOnce(&mut Exchange) -> R) -> R {
        self.core.with(f)
    }

    /// Stops serving (also done on drop).
    pub fn shutdown(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
