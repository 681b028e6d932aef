//! The maker's life: start-up, the quoting cycle, shutdown (examples-spec B.3-B.7, with the
//! seed's weaknesses fixed).
//!
//! Start-up: the market and its grids (unknown symbol: a config error), a sweep that cancels
//! every open order carrying our client-id tag (never the account-wide cancel, EX-W16), the
//! leverage (set only when it differs; a failure only warns, as the seed), the market feed
//! (else REST), then at most 30 s for a first usable book and a first account read.
//!
//! Each cycle (every `refresh_ms`, feed events handled in between): close due candles, ask
//! REST for a book when the stream has been quiet, read our orders' fills, read the account
//! when due or after a fill, then either pull our quotes (stale/one-sided/crossed book, no
//! fresh account read, nothing to quote) or price and reconcile them (kept within
//! `requote_ticks`, else cancelled and placed again post-only).
//!
//! Shutdown (SIGINT, SIGTERM, `--duration`): the loop finishes its current cycle, then our
//! tracked quotes are cancelled by client id, the maker waits out the venue's settle grace when
//! an order went out in the last seconds (a Lighter placement executes 1-3 s after it is
//! accepted and is not listed before), and a sweep cancels every open order with our tag and
//! checks with `open_orders` (15 s at most in all). Positions stay open, as in the seed.

mod cycle;

use super::account::AccountState;
use super::config::LmmConfig;
use super::market::MarketWatch;
use super::params::ParamsCache;
use crate::common::{Shutdown, StopReason};
use crate::mm::{ClientIds, ManagerSettings, OrderManager, LIGHTER_MAKER_TAG};
use crate::quoting::MarketGrid;
use crate::supertrend::Trend;
use chrono::{DateTime, Utc};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, error, info, warn};
use venue_api::{Clock, MarginMode, MarketEvent, MarketFeed, Venue, VenueError};

/// How long start-up waits for a first book and a first account read (the seed's 30 s).
pub const STARTUP_WAIT: Duration = Duration::from_secs(30);
/// How long the shutdown cancels may take (the seed gave its cancel-all 10 s; ours also
/// waits out the venue's settle grace after a recent placement).
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(15);
/// Recent public trades read at start to warm the SuperTrend up (`trend_source: "trades"`).
pub const WARM_UP_TRADES: usize = 100;
/// Book depth asked of the market feed.
pub const FEED_DEPTH: usize = 5;

/// Why the maker could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The settings do not fit the venue, e.g. an unknown symbol or a leverage above the
    /// market's maximum (exit code 2).
    #[error("{0}")]
    Config(String),
    /// The venue failed us, e.g. no first book within 30 s, or orders of ours still open
    /// after the shutdown sweep (exit code 1).
    #[error("{0}")]
    Venue(String),
}

impl RunError {
    /// The process exit code for it.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Config(_) => hedge_app::exit::CONFIG_ERROR,
            RunError::Venue(_) => hedge_app::exit::VENUE_ERROR,
        }
    }
}

/// What a run did (for the closing log line and the tests).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunSummary {
    /// Why it stopped.
    pub stop: Option<StopReason>,
    /// Cycles run.
    pub cycles: u64,
    /// Cycles that rested at least one quote.
    pub quoted_cycles: u64,
    /// Orders placed.
    pub placed: u64,
    /// Cancels sent by reconciles (not counting sweeps).
    pub cancelled: u64,
    /// Fills of ours seen.
    pub fills: u64,
    /// Times our resting quotes were pulled because the book, the account or the maths did
    /// not allow quoting.
    pub pulls: u64,
    /// Times quoting stopped (a new reason not to quote), whether or not anything rested.
    pub pauses: u64,
    /// SuperTrend flips.
    pub flips: u64,
    /// Largest |position| read.
    pub max_abs_position: Decimal,
    /// The SuperTrend's trend at the end (`None`: still warming up).
    pub trend: Option<Trend>,
}

/// The running maker.
struct Maker {
    cfg: LmmConfig,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    grid: MarketGrid,
    orders: OrderManager,
    watch: MarketWatch,
    feed: Option<MarketFeed>,
    account: AccountState,
    params: ParamsCache,
    params_note: Option<String>,
    paused: Option<String>,
    trend: Option<Trend>,
    last_placed: Option<DateTime<Utc>>,
    balance_log: PathBuf,
    next_balance_log: DateTime<Utc>,
    summary: RunSummary,
    status: Option<tokio::sync::watch::Sender<RunSummary>>,
}

enum Wake {
    Stop(StopReason),
    Cycle,
    Feed(Option<MarketEvent>),
}

async fn next_event(feed: &mut Option<MarketFeed>) -> Option<MarketEvent> {
    match feed.as_mut() {
        Some(f) => f.next().await,
        None => std::future::pending().await,
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64())
}

/// Runs the maker on `venue` until `shutdown`; `log_dir` holds `balance_log.txt`.
pub async fn run(
    cfg: LmmConfig,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    shutdown: Shutdown,
    log_dir: PathBuf,
) -> Result<RunSummary, RunError> {
    run_with_status(cfg, venue, clock, shutdown, log_dir, None).await
}

/// [`run`], publishing the running counts after every cycle to `status` (for an embedding
/// program or a test that must know when the maker paused).
pub async fn run_with_status(
    cfg: LmmConfig,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    mut shutdown: Shutdown,
    log_dir: PathBuf,
    status: Option<tokio::sync::watch::Sender<RunSummary>>,
) -> Result<RunSummary, RunError> {
    let mut maker = Maker::start(cfg, venue, clock, log_dir).await?;
    maker.status = status;
    let outcome = match maker.wait_ready(&mut shutdown).await {
        Ok(true) => Ok(maker.main_loop(&mut shutdown).await),
        Ok(false) => Ok(shutdown.reason()),
        Err(e) => Err(e),
    };
    let swept = maker.stop().await;
    let stop = outcome?;
    swept?;
    maker.summary.stop = Some(stop);
    Ok(maker.summary)
}

impl Maker {
    async fn start(
        cfg: LmmConfig,
        venue: Arc<dyn Venue>,
        clock: Arc<dyn Clock>,
        log_dir: PathBuf,
    ) -> Result<Self, RunError> {
        let sym = cfg.symbol.clone();
        info!(
            "Starting the Lighter market maker on {sym} ({} venue)",
            venue.display_name()
        );
        let market = venue.market(&sym).await.map_err(|e| match e {
            VenueError::UnknownMarket(m) => RunError::Config(format!(
                "symbol {sym}: no such market on {} ({m})",
                venue.id()
            )),
            other => RunError::Venue(format!("reading market {sym}: {other}")),
        })?;
        let grid =
            MarketGrid::of(&market).map_err(|e| RunError::Venue(format!("market {sym}: {e}")))?;
        if let Some(max) = market.max_leverage {
            if cfg.leverage > max {
                return Err(RunError::Config(format!(
                    "leverage = {}: above the market's maximum {max}",
                    cfg.leverage
                )));
            }
        }
        info!(
            "Market {sym}: tick {}, step {}, minimum size {}",
            grid.tick, grid.step, grid.min_size
        );
        // the seed's check_client (EX20): credentials registered and usable, nonce read
        venue.resync().await.map_err(|e| match e {
            VenueError::Auth(_) => RunError::Config(format!("Lighter credentials: {e}")),
            other => RunError::Venue(format!("checking the account: {other}")),
        })?;
        let ids = ClientIds::new(LIGHTER_MAKER_TAG, clock.now().timestamp_millis())
            .map_err(|e| RunError::Config(e.to_string()))?;
        let settings = ManagerSettings::new(sym.clone(), cfg.requote_ticks);
        let mut orders = OrderManager::new(venue.clone(), clock.clone(), grid, ids, settings);
        let swept = orders
            .sweep()
            .await
            .map_err(|e| RunError::Venue(format!("start-up sweep of our orders: {e}")))?;
        info!("Start-up: cancelled {swept} open order(s) of ours (client-id tag {LIGHTER_MAKER_TAG:#06x}); other orders untouched");
        Self::leverage(&cfg, venue.as_ref()).await;
        let feed = match venue.market_feed(&sym, FEED_DEPTH).await {
            Ok(f) => {
                info!("Book and trades from the market stream (WebSocket); REST only when it is quiet");
                Some(f)
            }
            Err(VenueError::Unsupported(_)) => {
                info!("No market stream from this adapter: the book is read with REST every cycle");
                None
            }
            Err(e) => {
                warn!("Market stream unavailable ({e}): the book is read with REST every cycle");
                None
            }
        };
        if feed.is_none() && cfg.trend_source == super::config::TrendSource::Trades {
            warn!("trend_source \"trades\" needs the market stream: without it no candles close and the bias stays 0");
        }
        let watch = MarketWatch::new(&cfg).map_err(|e| RunError::Config(e.to_string()))?;
        let params = ParamsCache::new(
            &cfg.params_dir,
            &sym,
            Duration::from_secs(cfg.params_refresh_secs),
        );
        let now = clock.now();
        let mut maker = Self {
            cfg,
            venue,
            clock,
            grid,
            orders,
            watch,
            feed,
            account: AccountState::default(),
            params,
            params_note: None,
            paused: None,
            trend: None,
            last_placed: None,
            balance_log: log_dir.join("balance_log.txt"),
            next_balance_log: now,
            summary: RunSummary::default(),
            status: None,
        };
        if maker.cfg.trend_source == super::config::TrendSource::Trades {
            maker.warm_up().await;
        }
        Ok(maker)
    }

    /// Candles from the market's recent public trades, so the SuperTrend need not wait
    /// `supertrend_period` candles of live trades (a failure only delays the bias).
    async fn warm_up(&mut self) {
        match self
            .venue
            .recent_trades(&self.cfg.symbol, WARM_UP_TRADES)
            .await
        {
            Ok(trades) => {
                let n = trades.len();
                for t in trades {
                    self.on_event(MarketEvent::Trade(t));
                }
                info!("SuperTrend fed {n} recent public trades");
            }
            Err(e) => {
                info!("No recent trades for the SuperTrend ({e}); it starts from live trades")
            }
        }
    }

    async fn leverage(cfg: &LmmConfig, venue: &dyn Venue) {
        let sym = &cfg.symbol;
        match venue.leverage(sym).await {
            Ok(s) if s.leverage == cfg.leverage && s.margin_mode == MarginMode::Cross => {
                info!("Leverage already {}x cross on {sym}", cfg.leverage);
                return;
            }
            Ok(_) => {}
            Err(e) => warn!("Reading the leverage of {sym} failed ({e}); setting it"),
        }
        let whole = cfg.leverage.trunc().to_u32().unwrap_or(1);
        match venue.set_leverage(sym, whole).await {
            Ok(()) => info!("Leverage set to {whole}x cross on {sym}"),
            Err(e) => {
                warn!("Setting leverage {whole}x on {sym} failed: {e} (continuing, as the seed)")
            }
        }
    }

    /// Waits for a first usable book and a first account read; false when asked to stop.
    async fn wait_ready(&mut self, shutdown: &mut Shutdown) -> Result<bool, RunError> {
        let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
        loop {
            while let Some(ev) = self.feed.as_mut().and_then(|f| f.try_next()) {
                self.on_event(ev);
            }
            let now = self.clock.now();
            if self.watch.usable(now).is_err() {
                self.probe().await;
            }
            if self.account.view().is_none() {
                self.read_account().await;
            }
            let now = self.clock.now();
            let book = self.watch.usable(now).map(|t| t.mid());
            if let (Ok(mid), Some(view)) = (book, self.account.view()) {
                info!(
                    "Ready: mid {}, position {}, available {} USD",
                    mid.unwrap_or_default().normalize(),
                    self.account.position().unwrap_or_default().normalize(),
                    view.available.normalize()
                );
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                let why = match self.watch.usable(now) {
                    Err(u) => format!("book: {u}"),
                    Ok(_) => "no account read".into(),
                };
                return Err(RunError::Venue(format!(
                    "Timeout waiting for initial data ({} s; {why})",
                    STARTUP_WAIT.as_secs()
                )));
            }
            if !shutdown.sleep(Duration::from_millis(500)).await {
                return Ok(false);
            }
        }
    }

    async fn main_loop(&mut self, shutdown: &mut Shutdown) -> StopReason {
        let period = Duration::from_millis(self.cfg.refresh_ms);
        loop {
            self.cycle().await;
            if let Some(tx) = &self.status {
                tx.send_replace(self.summary.clone());
            }
            debug!("Cycle complete. Waiting for {} ms...", period.as_millis());
            let sleep = tokio::time::sleep(period);
            tokio::pin!(sleep);
            loop {
                let wake = tokio::select! {
                    r = shutdown.wait() => Wake::Stop(r),
                    _ = &mut sleep => Wake::Cycle,
                    ev = next_event(&mut self.feed) => Wake::Feed(ev),
                };
                match wake {
                    Wake::Stop(r) => return r,
                    Wake::Cycle => break,
                    Wake::Feed(Some(ev)) => self.on_event(ev),
                    Wake::Feed(None) => {
                        warn!("The market stream ended: the book is read with REST from now on");
                        self.feed = None;
                    }
                }
            }
        }
    }

    /// Cancels every order of ours, verified; an error when some stay open.
    async fn stop(&mut self) -> Result<(), RunError> {
        info!(
            "Shutting down: cancelling our orders on {}",
            self.cfg.symbol
        );
        let work = async {
            // our tracked quotes first, by client id: a placement the venue has accepted but
            // not yet executed (Lighter sequences transactions 1-3 s late) is not listed by
            // `open_orders` yet, and its cancel, sent after it, still reaches it
            let rep = self.orders.pull_quotes().await;
            for e in &rep.errors {
                warn!("Shutdown: {e}");
            }
            // let recent placements and these cancels execute before checking
            if let Some(at) = self.last_placed {
                let grace = self
                    .venue
                    .capabilities()
                    .settle_grace
                    .min(Duration::from_secs(3));
                let since = (self.clock.now() - at).to_std().unwrap_or(Duration::ZERO);
                if since < grace {
                    self.clock.sleep(grace - since).await;
                }
            }
            self.orders.sweep().await
        };
        let result = match tokio::time::timeout(SHUTDOWN_WAIT, work).await {
            Ok(Ok(n)) => {
                info!(
                    "Cancelled every order of ours ({n} found by the final sweep); none left open"
                );
                Ok(())
            }
            Ok(Err(e)) => Err(RunError::Venue(format!("shutdown sweep: {e}"))),
            Err(_) => Err(RunError::Venue(format!(
                "shutdown sweep: not finished within {} s",
                SHUTDOWN_WAIT.as_secs()
            ))),
        };
        info!("🛑 Market maker stopped.");
        match &result {
            Ok(()) => info!("✅ Application has finished gracefully."),
            Err(e) => error!("{e}"),
        }
        result
    }
}
