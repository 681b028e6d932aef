//! `--metrics-addr`: each venue wrapped so that the metrics see the time of its last
//! successful read and every failed request by kind. The wrapper delegates every call
//! unchanged (same id, same answers, same errors); it only records.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hedge_app::metrics::Metrics;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use venue_api::{
    Balance, ClientOrderId, FundingPayment, FundingPoint, FundingRate, LeverageSetting, MarketInfo,
    OrderAck, OrderRequest, OrderStatus, Position, PreparedOrder, TopOfBook, Venue,
    VenueCapabilities, VenueError,
};

/// The kind label of a venue error.
pub fn error_kind(e: &VenueError) -> &'static str {
    match e {
        VenueError::Transport(_) => "transport",
        VenueError::Timeout(_) => "timeout",
        VenueError::RateLimited { .. } => "rate_limited",
        VenueError::Rejected { .. } => "rejected",
        VenueError::Auth(_) => "auth",
        VenueError::UnknownMarket(_) => "unknown_market",
        VenueError::InsufficientMargin(_) => "insufficient_margin",
        VenueError::InvalidRequest(_) => "invalid_request",
        VenueError::Decode { .. } => "decode",
        VenueError::Unavailable(_) => "unavailable",
        VenueError::Unsupported(_) => "unsupported",
    }
}

/// A venue whose reads are timed and whose errors are counted.
#[derive(Debug)]
pub struct Observed {
    inner: Arc<dyn Venue>,
    metrics: Arc<Metrics>,
    last_ok: Arc<Mutex<Option<Instant>>>,
}

impl Observed {
    pub fn new(inner: Arc<dyn Venue>, metrics: Arc<Metrics>) -> Self {
        Self {
            inner,
            metrics,
            last_ok: Arc::new(Mutex::new(None)),
        }
    }

    /// When the last read succeeded (shared with the metrics updater).
    pub fn last_ok(&self) -> Arc<Mutex<Option<Instant>>> {
        self.last_ok.clone()
    }

    fn read<T>(&self, r: Result<T, VenueError>) -> Result<T, VenueError> {
        match &r {
            Ok(_) => {
                *self.last_ok.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
            }
            Err(e) => self.count(e),
        }
        r
    }

    fn write<T>(&self, r: Result<T, VenueError>) -> Result<T, VenueError> {
        if let Err(e) = &r {
            self.count(e);
        }
        r
    }

    fn count(&self, e: &VenueError) {
        self.metrics.inc_counter(
            "rotation_bot_errors_total",
            "Errors by kind (venue request errors by error kind; bot events: read_failed, \
             naked_leg, halted, error, operation_failed)",
            &[("kind", error_kind(e)), ("venue", self.inner.id())],
            1,
        );
    }
}

#[async_trait]
impl Venue for Observed {
    fn id(&self) -> &'static str {
        self.inner.id()
    }
    fn display_name(&self) -> &'static str {
        self.inner.display_name()
    }
    fn capabilities(&self) -> VenueCapabilities {
        self.inner.capabilities()
    }
    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        self.read(self.inner.market(symbol).await)
    }
    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        self.read(self.inner.markets().await)
    }
    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.read(self.inner.top_of_book(symbol).await)
    }
    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.read(self.inner.funding(symbol).await)
    }
    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        self.read(self.inner.funding_rates(symbols).await)
    }
    async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        self.read(self.inner.funding_history(symbol, limit).await)
    }
    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        self.read(self.inner.funding_payments(symbol, since).await)
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        self.read(self.inner.balance().await)
    }
    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        self.read(self.inner.positions().await)
    }
    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        self.read(self.inner.position(symbol).await)
    }
    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        self.read(self.inner.leverage(symbol).await)
    }
    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        self.write(self.inner.set_leverage(symbol, leverage).await)
    }
    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        self.write(self.inner.prepare_order(request).await)
    }
    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        self.write(self.inner.submit_order(order).await)
    }
    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        self.write(self.inner.cancel_order(symbol, client_id).await)
    }
    async fn cancel_all(&self, symbol: &str) -> Result<(), VenueError> {
        self.write(self.inner.cancel_all(symbol).await)
    }
    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        self.read(self.inner.order_status(symbol, client_id).await)
    }
    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        self.read(self.inner.open_orders(symbol).await)
    }
    async fn resync(&self) -> Result<(), VenueError> {
        self.write(self.inner.resync().await)
    }
}
