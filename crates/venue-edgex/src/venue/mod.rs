//! [`EdgexVenue`]: the EdgeX account behind the `venue_api::Venue` trait.
//!
//! Both API generations sit behind this one type; the configured [`ApiVersion`] picks the
//! request auth and the order signature. Metadata is cached (1 h, refreshed early when a
//! symbol is missing); every call goes through the shared request budget.

mod account;
mod market;
mod orders;

pub use orders::EdgexOrderPayload;

use crate::config::{ApiVersion, EdgexConfig, EdgexCredentials};
use crate::error::EdgexError;
use crate::http::client::{EdgexHttpClient, RequestSigner};
use crate::http::parse::Catalog;
use crate::signing::eip712::EthKey;
use crate::signing::hmac_v2::HmacAuth;
use crate::signing::stark::StarkKey;
use crate::ws::EdgexStream;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;
use venue_api::{
    Balance, BookSnapshot, ClientOrderId, Clock, FundingPayment, FundingPoint, FundingRate,
    LeverageSetting, MarketFeed, MarketInfo, OrderAck, OrderRequest, OrderStatus, Position,
    PreparedOrder, PublicTrade, SystemClock, TopOfBook, Venue, VenueCapabilities, VenueError,
};

/// The venue id used in configs and state files.
pub const VENUE_ID: &str = "edgex";

/// Largest host-clock skew accepted (EdgeX V2 refuses timestamps outside ±60 s).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How long metadata is trusted.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// A missing symbol triggers a refresh only if the cache is older than this.
const METADATA_MISS_REFRESH: Duration = Duration::from_secs(30);

/// The order signer of the configured generation.
#[derive(Debug, Clone)]
pub(crate) enum OrderSigner {
    V1(StarkKey),
    V2(EthKey),
}

/// An EdgeX account (either API generation).
#[derive(Debug)]
pub struct EdgexVenue {
    config: EdgexConfig,
    http: EdgexHttpClient,
    order_signer: Option<OrderSigner>,
    catalog: RwLock<Option<(tokio::time::Instant, Arc<Catalog>)>>,
    clock: Arc<dyn Clock>,
    stream: Option<Arc<EdgexStream>>,
    /// The depth feed started on the first top-of-book read when `book_stream` is on.
    lazy_stream: std::sync::OnceLock<Arc<EdgexStream>>,
    /// Venue order ids of acknowledged orders, by client id (V2 history lookups).
    order_ids: std::sync::Mutex<std::collections::HashMap<ClientOrderId, String>>,
}

impl EdgexVenue {
    /// A venue on the system clock. Credentials, when present, are parsed now (a bad key fails
    /// here, not at the first order).
    pub fn new(config: EdgexConfig) -> Result<Self, EdgexError> {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A venue on an injected clock (tests, simulator).
    pub fn with_clock(config: EdgexConfig, clock: Arc<dyn Clock>) -> Result<Self, EdgexError> {
        let (request_signer, order_signer) = match config.credentials() {
            None => (None, None),
            Some(EdgexCredentials::V1(c)) => {
                let key = StarkKey::from_secret(&c.stark_private_key)?;
                (
                    Some(RequestSigner::V1(key.clone())),
                    Some(OrderSigner::V1(key)),
                )
            }
            Some(EdgexCredentials::V2(c)) => {
                let eth = EthKey::from_secret(&c.trading_private_key)?;
                let hmac = HmacAuth::new(&c.api_key, &c.api_passphrase, &c.api_secret);
                (Some(RequestSigner::V2(hmac)), Some(OrderSigner::V2(eth)))
            }
        };
        let http = EdgexHttpClient::new(&config, request_signer, clock.clone())?;
        Ok(Self {
            config,
            http,
            order_signer,
            catalog: RwLock::new(None),
            clock,
            stream: None,
            lazy_stream: std::sync::OnceLock::new(),
            order_ids: std::sync::Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// Reads top of book from a WebSocket depth stream (REST depth while it is not ready).
    pub fn with_stream(mut self, stream: Arc<EdgexStream>) -> Self {
        self.stream = Some(stream);
        self
    }

    /// The former name of [`EdgexVenue::with_stream`].
    pub fn with_book_feed(self, stream: Arc<EdgexStream>) -> Self {
        self.with_stream(stream)
    }

    /// The configuration in force.
    pub fn config(&self) -> &EdgexConfig {
        &self.config
    }

    /// The API generation in force.
    pub fn api_version(&self) -> ApiVersion {
        self.config.api_version()
    }

    /// The V1 Stark public key (x), for a start-up check against `account.l2Key`.
    pub fn stark_public_key_hex(&self) -> Option<String> {
        match &self.order_signer {
            Some(OrderSigner::V1(k)) => Some(crate::signing::stark::felt_hex(&k.public_key())),
            _ => None,
        }
    }

    /// The V2 signer address (EIP-55).
    pub fn trading_address(&self) -> Option<String> {
        match &self.order_signer {
            Some(OrderSigner::V2(k)) => Some(k.address().to_checksum()),
            _ => None,
        }
    }

    /// Measures EdgeX's clock against ours and applies the offset to signed timestamps.
    /// Returns the offset (ms). A host clock more than [`MAX_CLOCK_SKEW`] away from EdgeX's
    /// is an error naming the skew and the fix: EdgeX refuses requests stamped outside its
    /// window (V2: ±60 s) and the Lighter leg signs its deadline with the same host clock.
    /// A failed measurement keeps the previous offset (logged): the venue still refuses a
    /// stale timestamp, so nothing unsafe is sent.
    pub async fn check_clock(&self) -> Result<Option<i64>, VenueError> {
        match self.http.measure_clock_offset().await {
            Ok(offset)
                if u128::from(offset.unsigned_abs()) > self.config.max_clock_skew().as_millis() =>
            {
                Err(VenueError::InvalidRequest(format!(
                    "the host clock is {}.{:03} s {} EdgeX's clock, outside the venue's ±{} s window; sync the host clock (NTP) and retry",
                    offset.unsigned_abs() / 1000,
                    offset.unsigned_abs() % 1000,
                    if offset > 0 { "behind" } else { "ahead of" },
                    self.config.max_clock_skew().as_secs()
                )))
            }
            Ok(offset) => Ok(Some(offset)),
            Err(e) => {
                tracing::warn!(error = %e, offset_ms = self.http.clock_offset_ms(), "EdgeX server time unreadable; keeping the previous clock offset");
                Ok(None)
            }
        }
    }

    /// The HTTP transport (for the few calls the trait does not cover).
    pub fn http(&self) -> &EdgexHttpClient {
        &self.http
    }

    fn account_id(&self) -> Result<u64, VenueError> {
        self.config
            .account_id()
            .ok_or_else(|| VenueError::Auth("EDGEX_ACCOUNT_ID is not configured".to_string()))
    }

    /// The metadata catalog, cached; `refresh_if_older` forces a fetch when the cache is older.
    pub(crate) async fn catalog(
        &self,
        refresh_if_older: Option<Duration>,
    ) -> Result<Arc<Catalog>, VenueError> {
        let max_age = refresh_if_older.unwrap_or(METADATA_TTL);
        if let Some((at, cat)) = self.catalog.read().await.as_ref() {
            if at.elapsed() < max_age {
                return Ok(cat.clone());
            }
        }
        let mut guard = self.catalog.write().await;
        if let Some((at, cat)) = guard.as_ref() {
            if at.elapsed() < max_age {
                return Ok(cat.clone());
            }
        }
        let meta = self.http.get("public/meta/getMetaData", &[], false).await?;
        let meta = crate::http::client::decode_data("getMetaData", meta)?;
        let cat = Arc::new(Catalog::new(meta, self.config.quote()));
        *guard = Some((tokio::time::Instant::now(), cat.clone()));
        Ok(cat)
    }

    /// The catalog holding `symbol` (refreshing once if it is missing from a stale cache).
    pub(crate) async fn catalog_with(&self, symbol: &str) -> Result<Arc<Catalog>, VenueError> {
        let cat = self.catalog(None).await?;
        if cat.entry(symbol).is_ok() {
            return Ok(cat);
        }
        let cat = self.catalog(Some(METADATA_MISS_REFRESH)).await?;
        cat.entry(symbol)?;
        Ok(cat)
    }
}

#[async_trait]
impl Venue for EdgexVenue {
    fn id(&self) -> &'static str {
        VENUE_ID
    }

    fn display_name(&self) -> &'static str {
        "EdgeX"
    }

    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::from_secs(3),
            bulk_funding: false,
            native_ioc: true,
        }
    }

    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        Ok(self.catalog_with(symbol).await?.entry(symbol)?.info.clone())
    }

    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        let cat = self.catalog(None).await?;
        let mut out: Vec<MarketInfo> = cat.by_symbol.values().map(|e| e.info.clone()).collect();
        out.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        Ok(out)
    }

    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.top_book(symbol).await
    }

    async fn book(&self, symbol: &str, depth: usize) -> Result<BookSnapshot, VenueError> {
        self.depth_snapshot(symbol, depth).await
    }

    /// EdgeX publishes public trades only on the WebSocket (`trades.{contractId}`): use
    /// [`Venue::market_feed`].
    async fn recent_trades(
        &self,
        symbol: &str,
        _limit: usize,
    ) -> Result<Vec<PublicTrade>, VenueError> {
        Err(VenueError::Unsupported(format!(
            "edgex: no public REST endpoint for recent trades ({symbol}); EdgeX publishes \
             trades only on the WebSocket channel trades.{{contractId}} (use market_feed)"
        )))
    }

    async fn market_feed(&self, symbol: &str, depth: usize) -> Result<MarketFeed, VenueError> {
        self.start_market_feed(symbol, depth).await
    }

    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.current_funding(symbol).await
    }

    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        self.catalog(None).await?;
        let mut out = Vec::with_capacity(symbols.len());
        for s in symbols {
            out.push((s.clone(), self.current_funding(s).await));
        }
        Ok(out)
    }

    async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        self.settled_funding(symbol, limit).await
    }

    async fn funding_history_between(
        &self,
        symbol: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        self.settled_funding_between(symbol, from, to).await
    }

    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        self.account_funding_payments(symbol, since).await
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        self.account_balance().await
    }

    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        self.account_positions().await
    }

    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let symbol = cat.entry(symbol)?.symbol.clone();
        Ok(self
            .account_positions()
            .await?
            .into_iter()
            .find(|p| p.symbol == symbol))
    }

    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        self.account_leverage(symbol).await
    }

    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        self.update_leverage(symbol, leverage).await
    }

    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        self.prepare(request).await
    }

    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        self.submit(order).await
    }

    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        self.cancel_by_client_id(symbol, client_id).await
    }

    async fn cancel_all(&self, symbol: &str) -> Result<(), VenueError> {
        self.cancel_all_in(symbol).await
    }

    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        self.status_by_client_id(symbol, client_id).await
    }

    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        self.active_orders(symbol).await
    }

    async fn resync(&self) -> Result<(), VenueError> {
        self.check_clock().await.map(|_| ())
    }
}
