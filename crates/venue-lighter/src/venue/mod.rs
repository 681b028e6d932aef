//! [`LighterVenue`]: the `venue_api::Venue` implementation over the REST client, the signer
//! and the nonce manager (and the WebSocket book cache when one is attached).
//!
//! Orders: `prepare_order` checks the grid, allocates a nonce and signs; `submit_order` only
//! sends. A definite refusal with a venue answer hands the nonce back; anything else (a lost
//! answer, a 5xx, a 429) forces a resync and never hands it back, since the venue may hold
//! it. A tx refused with 21104 (invalid nonce: it did not execute) is re-signed with a fresh
//! nonce and sent once more. `resync` (the engine's call at the start of each operation)
//! drops the local counter and, once per process, checks the API key.

use crate::config::LighterConfig;
use crate::error::{from_signing, is_nonce_error};
use crate::http::parse::{self, MarketSpec};
use crate::http::{HttpSettings, LighterHttpClient};
use crate::signing::tx::TxAttributes;
use crate::signing::{LighterSigner, NonceGuard, NonceManager, SignedTx, TxBody, UnsignedTx};
use crate::ws::{LighterStream, LighterStreamConfig, StreamCache};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use venue_api::{
    BookLevel, BookSource, ClientOrderId, Clock, OrderStatus, SystemClock, TopOfBook, VenueError,
};

/// Venue id used in configs and state files.
pub const VENUE_ID: &str = "lighter";

/// How long a send waits for lower nonces of the same key to be sent first.
const SEND_ORDER_WAIT: Duration = Duration::from_secs(3);

/// A streamed book older than this is refused (REST instead).
const BOOK_STALE_AFTER: Duration = Duration::from_secs(15);

/// Resting orders read per side for the REST top of book (enough to cover the best level).
const REST_BOOK_ORDERS: u32 = 20;

/// How long market metadata is cached.
const MARKET_TTL: Duration = Duration::from_secs(300);

/// The payload of a [`venue_api::PreparedOrder`] made by this venue. Dropping it unsent hands its
/// nonce back.
#[derive(Debug)]
pub struct LighterPreparedOrder {
    /// The signed CreateOrder tx.
    pub signed: SignedTx,
    /// Market index it targets.
    pub market_index: u8,
    plan: TxPlan,
    guard: NonceGuard,
}

/// What to sign, kept so that a tx refused with 21104 can be re-signed with a fresh nonce.
#[derive(Debug, Clone)]
pub(crate) struct TxPlan {
    pub(crate) body: TxBody,
    pub(crate) attributes: TxAttributes,
    /// The latest moment (ms) the tx may still execute: `ExpiredAt` is never later.
    pub(crate) expires_at_ms: Option<i64>,
}

/// An auth token is a bearer credential: `Debug` shows only its expiry.
struct CachedToken {
    token: String,
    deadline: DateTime<Utc>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct MarketCache {
    by_symbol: BTreeMap<String, MarketSpec>,
    fetched: Instant,
}

/// Lighter as a [`venue_api::Venue`].
#[derive(Debug)]
pub struct LighterVenue {
    http: LighterHttpClient,
    config: LighterConfig,
    signer: Option<LighterSigner>,
    nonces: Arc<NonceManager>,
    markets: Mutex<Option<MarketCache>>,
    auth: Mutex<Option<CachedToken>>,
    clock: Arc<dyn Clock>,
    stream: Option<Arc<StreamCache>>,
    /// Set once the registered API key was seen equal to ours (checked once per process).
    key_checked: std::sync::atomic::AtomicBool,
    /// Book streams started lazily (one connection per market) when `book_stream` is on.
    book_streams: std::sync::Mutex<BTreeMap<u8, LighterStream>>,
    lazy_cache: std::sync::OnceLock<Arc<StreamCache>>,
}

impl Drop for LighterVenue {
    fn drop(&mut self) {
        let streams = self
            .book_streams
            .get_mut()
            .unwrap_or_else(|p| p.into_inner());
        for s in streams.values() {
            s.stop_now();
        }
    }
}

impl LighterVenue {
    /// A venue from a config; a signer is built when credentials are present (a malformed
    /// key is an error here, a missing one only fails when trading).
    pub fn new(config: LighterConfig) -> Result<Self, VenueError> {
        let settings = HttpSettings::from_config(&config);
        Self::with_parts(config, settings, Arc::new(SystemClock))
    }

    /// A venue on `clock` with the transport settings of its config (as
    /// `EdgexVenue::with_clock`).
    pub fn with_clock(config: LighterConfig, clock: Arc<dyn Clock>) -> Result<Self, VenueError> {
        let settings = HttpSettings::from_config(&config);
        Self::with_parts(config, settings, clock)
    }

    /// A venue with explicit transport settings and clock (tests, the simulator).
    pub fn with_parts(
        config: LighterConfig,
        settings: HttpSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, VenueError> {
        let budget = venue_transport::BudgetConfig {
            per_minute: settings.requests_per_minute,
            burst: venue_transport::BudgetConfig::LIGHTER_STANDARD.burst,
            write_reserve: config.write_reserve,
        }
        .share(config.request_share());
        let http = LighterHttpClient::new(&config.base_url, settings)?.with_budget(budget);
        let signer = match (
            &config.private_key,
            config.account_index,
            config.api_key_index,
        ) {
            (Some(_), Some(_), Some(_)) => {
                Some(LighterSigner::from_config(&config).map_err(from_signing)?)
            }
            _ => None,
        };
        Ok(Self {
            http,
            config,
            signer,
            nonces: Arc::new(NonceManager::new()),
            markets: Mutex::new(None),
            auth: Mutex::new(None),
            clock,
            stream: None,
            key_checked: std::sync::atomic::AtomicBool::new(false),
            book_streams: std::sync::Mutex::new(BTreeMap::new()),
            lazy_cache: std::sync::OnceLock::new(),
        })
    }

    /// Reads tops of book and the balance from a WebSocket-fed cache when it is fresh
    /// (REST stays the fallback).
    pub fn with_stream_cache(mut self, cache: Arc<StreamCache>) -> Self {
        self.stream = Some(cache);
        self
    }

    /// Starts a WebSocket stream for the books of `symbols` and the account's `user_stats`,
    /// and returns it with the venue reading from it (books and balance; REST remains the
    /// fallback whenever the stream is stale or down). Needs a Tokio runtime.
    pub async fn spawn_stream(
        self,
        symbols: &[String],
    ) -> Result<(Self, LighterStream), VenueError> {
        let mut markets = Vec::with_capacity(symbols.len());
        for s in symbols {
            markets.push(self.market_spec(s).await?.market_index);
        }
        let config = LighterStreamConfig::new(
            self.config.ws_url.clone(),
            markets,
            self.config.account_index,
        );
        let cache = Arc::new(StreamCache::new(Duration::from_secs(15)));
        let stream = LighterStream::spawn(
            config,
            cache.clone(),
            self.clock.clone(),
            self.signer.clone(),
        );
        Ok((self.with_stream_cache(cache), stream))
    }

    /// The stream cache to read tops of book from: the attached one, or (with `book_stream`
    /// on) the lazily started one, after making sure `market` has a stream.
    pub(crate) fn book_cache(&self, market: u8) -> Option<Arc<StreamCache>> {
        if let Some(c) = &self.stream {
            return Some(c.clone());
        }
        if !self.config.book_stream {
            return None;
        }
        let cache = self
            .lazy_cache
            .get_or_init(|| Arc::new(StreamCache::new(BOOK_STALE_AFTER)))
            .clone();
        let mut streams = self.book_streams.lock().unwrap_or_else(|p| p.into_inner());
        streams.entry(market).or_insert_with(|| {
            tracing::info!(target: "venue_lighter", market, "starting the order-book stream");
            LighterStream::spawn(
                LighterStreamConfig::new(self.config.ws_url.clone(), vec![market], None),
                cache.clone(),
                self.clock.clone(),
                None,
            )
        });
        Some(cache)
    }

    /// The low-level REST client.
    pub fn http(&self) -> &LighterHttpClient {
        &self.http
    }

    /// The signer, or an `Auth` error naming the missing variables.
    pub fn signer(&self) -> Result<&LighterSigner, VenueError> {
        match &self.signer {
            Some(s) => Ok(s),
            None => Err(self
                .config
                .require_trading_credentials()
                .err()
                .map(crate::error::from_config)
                .unwrap_or_else(|| VenueError::Auth("no signer".into()))),
        }
    }

    fn account_index(&self) -> Result<i64, VenueError> {
        self.config.account_index.ok_or_else(|| {
            VenueError::Auth("LIGHTER_ACCOUNT_INDEX (or ACCOUNT_INDEX) is not set".into())
        })
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Checks that the configured key is the one registered for (account, key index).
    pub async fn check_api_key(&self) -> Result<(), VenueError> {
        let signer = self.signer()?;
        let keys = self
            .http
            .api_keys(signer.account_index(), signer.api_key_index())
            .await?;
        let ours = signer.public_key().to_hex();
        match keys
            .api_keys
            .iter()
            .find(|k| k.api_key_index == signer.api_key_index())
        {
            Some(k)
                if k.public_key
                    .trim_start_matches("0x")
                    .eq_ignore_ascii_case(&ours) =>
            {
                Ok(())
            }
            Some(_) => Err(VenueError::Auth(
                "the configured private key does not match the registered API key".into(),
            )),
            None => Err(VenueError::Auth(format!(
                "API key index {} is not registered",
                signer.api_key_index()
            ))),
        }
    }

    /// A valid auth token, refreshed one minute before it expires.
    pub async fn auth_token(&self) -> Result<String, VenueError> {
        let signer = self.signer()?;
        let mut cached = self.auth.lock().await;
        let now = self.clock.now();
        if let Some(c) = cached.as_ref() {
            if c.deadline - chrono::Duration::seconds(60) > now {
                return Ok(c.token.clone());
            }
        }
        let ttl = chrono::Duration::from_std(self.config.auth_token_ttl)
            .unwrap_or(chrono::Duration::minutes(10));
        let deadline = now + ttl;
        let token = signer
            .auth_token(deadline.timestamp())
            .map_err(from_signing)?;
        *cached = Some(CachedToken {
            token: token.clone(),
            deadline,
        });
        Ok(token)
    }

    async fn market_map(&self) -> Result<BTreeMap<String, MarketSpec>, VenueError> {
        let mut cache = self.markets.lock().await;
        if let Some(c) = cache.as_ref() {
            if c.fetched.elapsed() < MARKET_TTL {
                return Ok(c.by_symbol.clone());
            }
        }
        let books = self.http.order_books().await?;
        let details = self.http.order_book_details(None).await?;
        let mut by_symbol = BTreeMap::new();
        for book in books
            .order_books
            .iter()
            .filter(|b| b.market_type.as_deref().is_none_or(|t| t == "perp"))
        {
            let detail = details
                .order_book_details
                .iter()
                .find(|d| d.market_id == book.market_id);
            match parse::market_spec(book, detail) {
                Ok(spec) => {
                    by_symbol.insert(spec.info.symbol.clone(), spec);
                }
                Err(e) => {
                    tracing::warn!(target: "venue_lighter", symbol = %book.symbol, error = %e, "skipping market")
                }
            }
        }
        *cache = Some(MarketCache {
            by_symbol: by_symbol.clone(),
            fetched: Instant::now(),
        });
        Ok(by_symbol)
    }

    /// Each market's maintenance fraction by market index (the cached market facts). A
    /// failed market read leaves the fractions unknown (logged) rather than failing the
    /// balance or position read that wants them.
    pub(crate) async fn maintenance_fractions(&self) -> BTreeMap<u32, rust_decimal::Decimal> {
        let markets = match self.market_map().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(target: "venue_lighter", error = %e, "market read failed: maintenance fractions unknown");
                return BTreeMap::new();
            }
        };
        markets
            .values()
            .filter_map(|s| {
                s.info
                    .maintenance_margin_fraction
                    .map(|f| (u32::from(s.market_index), f))
            })
            .collect()
    }

    /// The trading facts of one market.
    pub async fn market_spec(&self, symbol: &str) -> Result<MarketSpec, VenueError> {
        let key = symbol.to_ascii_uppercase();
        self.market_map()
            .await?
            .remove(&key)
            .ok_or(VenueError::UnknownMarket(key))
    }

    async fn allocate_nonce(&self, signer: &LighterSigner) -> Result<i64, VenueError> {
        let (a, k) = (signer.account_index(), signer.api_key_index());
        self.nonces.allocate(|| self.http.next_nonce(a, k)).await
    }

    /// Signs `plan` with `nonce`; `ExpiredAt` is now + `tx_ttl` (default the SDK's 10 min - 1 s)
    /// or the plan's deadline when earlier, and a deadline already past is refused.
    fn sign_body(
        &self,
        signer: &LighterSigner,
        nonce: i64,
        plan: &TxPlan,
    ) -> Result<SignedTx, VenueError> {
        let now = self.now_ms();
        let mut header = signer.header(nonce, now);
        let ttl_ms = i64::try_from(self.config.tx_ttl.as_millis()).unwrap_or(i64::MAX);
        header.expired_at = now.saturating_add(ttl_ms);
        if let Some(deadline) = plan.expires_at_ms {
            if deadline <= now {
                return Err(VenueError::InvalidRequest(format!(
                    "expires_at {deadline} ms is not after now ({now} ms)"
                )));
            }
            header.expired_at = header.expired_at.min(deadline);
        }
        let tx = UnsignedTx {
            header,
            body: plan.body,
            attributes: plan.attributes.clone(),
        };
        signer.sign(&tx).map_err(from_signing)
    }

    /// Sends a signed tx (after every lower nonce of this key was sent, see
    /// [`NonceManager::wait_turn`]) and keeps the nonce manager consistent with the outcome:
    /// a nonce is handed back only after a definite refusal the venue answered; after a lost
    /// answer, a 5xx, a 429 or a nonce refusal the next allocation asks the venue.
    pub async fn send_signed(&self, tx: &SignedTx) -> Result<String, VenueError> {
        if !self.nonces.wait_turn(tx.nonce, SEND_ORDER_WAIT).await {
            tracing::warn!(target: "venue_lighter", nonce = tx.nonce, "a lower nonce is still unsent; sending anyway");
        }
        let result = self.http.send_tx(tx).await;
        match &result {
            Ok(_) => self.nonces.settle(tx.nonce),
            Err(e) if is_nonce_error(e) || e.outcome_unknown() || e.is_retryable() => {
                self.nonces.invalidate().await;
                self.nonces.settle(tx.nonce);
            }
            // a definite refusal the venue answered: the nonce was not used
            Err(_) => self.nonces.release(tx.nonce).await,
        }
        result
    }

    /// Sends `signed`; when the venue refuses it with 21104 (invalid nonce: the tx did not
    /// execute, so resending cannot double it) re-signs `plan` with a fresh nonce and sends
    /// once more.
    async fn send_with_nonce_retry(
        &self,
        signed: &SignedTx,
        plan: &TxPlan,
    ) -> Result<String, VenueError> {
        match self.send_signed(signed).await {
            Err(e) if is_nonce_error(&e) => {
                tracing::warn!(target: "venue_lighter", nonce = signed.nonce, error = %e, "nonce refused; re-signing with a fresh nonce and sending once more");
                let signer = self.signer()?;
                let nonce = self.allocate_nonce(signer).await?;
                let resigned = match self.sign_body(signer, nonce, plan) {
                    Ok(s) => s,
                    Err(e) => {
                        self.nonces.release(nonce).await;
                        return Err(e);
                    }
                };
                self.send_signed(&resigned).await
            }
            other => other,
        }
    }

    /// Allocates, signs and sends one tx.
    async fn sign_and_send(&self, plan: TxPlan) -> Result<String, VenueError> {
        let signer = self.signer()?;
        let nonce = self.allocate_nonce(signer).await?;
        let signed = match self.sign_body(signer, nonce, &plan) {
            Ok(s) => s,
            Err(e) => {
                self.nonces.release(nonce).await;
                return Err(e);
            }
        };
        self.send_with_nonce_retry(&signed, &plan).await
    }

    /// Checks the API key once per process (the first `resync` after start; again after a
    /// failed check).
    pub(crate) async fn check_api_key_once(&self) -> Result<(), VenueError> {
        use std::sync::atomic::Ordering;
        if self.signer.is_none() || self.key_checked.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.check_api_key().await?;
        self.key_checked.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn account(&self) -> Result<crate::http::models::DetailedAccount, VenueError> {
        let idx = self.account_index()?;
        let mut r = self.http.account(idx).await?;
        if r.accounts.is_empty() {
            return Err(VenueError::Rejected {
                code: "no_account".into(),
                message: format!("account {idx} not found"),
            });
        }
        Ok(r.accounts.swap_remove(0))
    }

    /// Top of book from REST `orderBookOrders`: the resting orders nearest the touch
    /// ([`REST_BOOK_ORDERS`] a side), summed per price, so the size is the whole best price
    /// level, not one order's.
    async fn rest_top_of_book(&self, spec: &MarketSpec) -> Result<TopOfBook, VenueError> {
        let book = self
            .http
            .order_book_orders(u32::from(spec.market_index), REST_BOOK_ORDERS)
            .await?;
        let best = |orders: &[crate::http::models::BookOrder],
                    better: fn(Decimal, Decimal) -> bool|
         -> Result<Option<BookLevel>, VenueError> {
            let mut top: Option<BookLevel> = None;
            for o in orders {
                let price = parse::dec("price", &o.price)?;
                let size = parse::dec("size", &o.remaining_base_amount)?;
                if size <= Decimal::ZERO {
                    continue;
                }
                top = match top {
                    Some(l) if l.price == price => Some(BookLevel {
                        price,
                        size: l.size + size,
                    }),
                    Some(l) if !better(price, l.price) => Some(l),
                    _ => Some(BookLevel { price, size }),
                };
            }
            Ok(top)
        };
        Ok(TopOfBook {
            bid: best(&book.bids, |a, b| a > b)?,
            ask: best(&book.asks, |a, b| a < b)?,
            time: self.clock.now(),
            source: BookSource::Rest,
        })
    }

    /// An order by client order index: one exact `accountOrders` request (any age the venue
    /// keeps: last 10K active, last 1K inactive within 24 h). Only when that endpoint is
    /// absent (HTTP 404, e.g. an older deployment) the active list and the last 100 inactive
    /// orders of the market are scanned. Not found means the tx never executed (or the venue
    /// refused it after HTTP 200 without consuming its nonce), so the nonce manager resyncs.
    async fn find_order(
        &self,
        spec: &MarketSpec,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        let idx = self.account_index()?;
        let token = self.auth_token().await?;
        let wanted = i64::try_from(client_id.get()).unwrap_or(-1);
        let pick = |orders: &[crate::http::models::Order]| {
            orders
                .iter()
                .find(|o| {
                    o.client_order_index == wanted
                        && o.market_index
                            .is_none_or(|m| m == u32::from(spec.market_index))
                })
                .map(|o| parse::order_status_in(o, &spec.info))
                .transpose()
        };
        let found = match self
            .http
            .orders_by_client_index(idx, &[client_id.get()], &token)
            .await
        {
            Ok(r) => pick(&r.orders)?,
            // HTTP 404 (plain, or with a `{code: 404}` body): the endpoint is not deployed
            Err(VenueError::Rejected { code, .. }) if code == "http_404" || code == "404" => {
                self.scan_recent_orders(idx, spec, &token, pick).await?
            }
            Err(e) => return Err(e),
        };
        if found.is_none() {
            self.nonces.invalidate().await;
        }
        Ok(found)
    }

    async fn scan_recent_orders(
        &self,
        idx: i64,
        spec: &MarketSpec,
        token: &str,
        pick: impl Fn(&[crate::http::models::Order]) -> Result<Option<OrderStatus>, VenueError>,
    ) -> Result<Option<OrderStatus>, VenueError> {
        let market = u32::from(spec.market_index);
        let active = self.http.active_orders(idx, market, token).await?;
        if let Some(o) = pick(&active.orders)? {
            return Ok(Some(o));
        }
        let inactive = self.http.inactive_orders(idx, market, 100, token).await?;
        pick(&inactive.orders)
    }
}

mod api;
mod market_data;
