//! The `Venue` trait: everything the engine asks of an exchange.
//!
//! Object safe (`Arc<dyn Venue>`), async through `async-trait`. No method has a default that
//! silently succeeds: a venue that cannot do something returns [`VenueError::Unsupported`].
//!
//! Orders go in two steps so that the two legs of a hedge can both be signed before either is
//! sent: [`Venue::prepare_order`] validates against the market's grids, allocates whatever the
//! venue needs (a nonce, a timestamp) and signs; [`Venue::submit_order`] only transmits.

use crate::error::VenueError;
use crate::ids::ClientOrderId;
use crate::market_data::{BookSnapshot, MarketFeed, PublicTrade};
use crate::types::{
    Balance, FundingPayment, FundingPoint, FundingRate, LeverageSetting, MarketInfo, OrderAck,
    OrderRequest, OrderStatus, Position, TopOfBook,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::any::Any;
use std::fmt;
use std::time::Duration;

/// What a venue can do and how it behaves, declared once by the adapter.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueCapabilities {
    /// How long after an order completes its fills may take to show in reads.
    pub settle_grace: Duration,
    /// True when [`Venue::funding_rates`] answers many symbols with a constant number of
    /// requests (so a scan does not grow with the symbol count).
    pub bulk_funding: bool,
    /// True when orders support immediate-or-cancel natively.
    pub native_ioc: bool,
}

/// A signed order, ready to transmit. Produced by [`Venue::prepare_order`] of one venue and
/// only accepted by the same venue's [`Venue::submit_order`].
pub struct PreparedOrder {
    venue: &'static str,
    request: OrderRequest,
    signed_at: DateTime<Utc>,
    signing_time: Duration,
    preview: Option<String>,
    payload: Box<dyn Any + Send + Sync>,
}

impl PreparedOrder {
    /// Wraps a venue-specific signed payload.
    pub fn new<T: Any + Send + Sync>(
        venue: &'static str,
        request: OrderRequest,
        signed_at: DateTime<Utc>,
        signing_time: Duration,
        payload: T,
    ) -> Self {
        Self {
            venue,
            request,
            signed_at,
            signing_time,
            preview: None,
            payload: Box::new(payload),
        }
    }

    /// Attaches a human-readable rendering of exactly what will be sent (body or transaction
    /// with its signature; never a private key), for `--dry-run`.
    pub fn with_preview(mut self, preview: impl Into<String>) -> Self {
        self.preview = Some(preview.into());
        self
    }

    /// The rendering attached by the adapter, if any.
    pub fn preview(&self) -> Option<&str> {
        self.preview.as_deref()
    }

    /// The venue id that prepared it.
    pub fn venue(&self) -> &'static str {
        self.venue
    }

    /// The order as requested.
    pub fn request(&self) -> &OrderRequest {
        &self.request
    }

    /// Our client id.
    pub fn client_id(&self) -> ClientOrderId {
        self.request.client_id
    }

    /// When it was signed (signatures may embed a timestamp with a limited validity).
    pub fn signed_at(&self) -> DateTime<Utc> {
        self.signed_at
    }

    /// How long building and signing took.
    pub fn signing_time(&self) -> Duration {
        self.signing_time
    }

    /// The venue-specific payload, if this order was prepared by `venue` with payload type `T`.
    pub fn into_payload<T: Any>(
        self,
        venue: &'static str,
    ) -> Result<(OrderRequest, T), VenueError> {
        if self.venue != venue {
            return Err(VenueError::InvalidRequest(format!(
                "order prepared for {} submitted to {venue}",
                self.venue
            )));
        }
        match self.payload.downcast::<T>() {
            Ok(p) => Ok((self.request, *p)),
            Err(_) => Err(VenueError::InvalidRequest(
                "prepared order payload of the wrong type".into(),
            )),
        }
    }

    /// A view of the payload without consuming it (for `--dry-run` display).
    pub fn payload_ref<T: Any>(&self) -> Option<&T> {
        self.payload.downcast_ref::<T>()
    }
}

impl fmt::Debug for PreparedOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedOrder")
            .field("venue", &self.venue)
            .field("request", &self.request)
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// One exchange account, as the engine sees it.
///
/// Symbols are base assets in upper case (`"BTC"`); the adapter maps them to its own market
/// ids, with the quote currency it was configured for.
#[async_trait]
pub trait Venue: Send + Sync + fmt::Debug {
    /// Stable lower-case id used in configs and state files.
    fn id(&self) -> &'static str;

    /// Name for people.
    fn display_name(&self) -> &'static str;

    /// What the venue can do.
    fn capabilities(&self) -> VenueCapabilities;

    /// Facts about one market (cached by the adapter).
    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError>;

    /// Every market the venue lists for the configured quote currency.
    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError>;

    /// Best bid and ask from real depth (never synthesised from a last trade).
    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError>;

    /// The current funding rate with its interval.
    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError>;

    /// Current funding rates of many symbols; one result per symbol, in the order given.
    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError>;

    /// Recent settled funding rates, newest first, at most `limit`.
    async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError>;

    /// Public settled funding rates of one market with a settlement time in `[from, to)`,
    /// oldest first, each settlement once. Needs no credentials. The adapter pages through
    /// the venue's history endpoint itself, each page through its request budget, and
    /// refuses `from >= to` with [`VenueError::InvalidRequest`]. For backtests.
    ///
    /// The default answers [`VenueError::Unsupported`]: a venue without a windowed history
    /// endpoint says so instead of returning an empty series.
    async fn funding_history_between(
        &self,
        symbol: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        let _ = (from, to);
        Err(VenueError::Unsupported(format!(
            "{}: funding history by time window ({symbol})",
            self.id()
        )))
    }

    /// Funding payments booked on the account for this market since `since` (newest first).
    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError>;

    /// The best `depth` levels of each side of the book (at least one level per non-empty
    /// side even when `depth` is 0). The default answers [`VenueError::Unsupported`].
    async fn book(&self, symbol: &str, depth: usize) -> Result<BookSnapshot, VenueError> {
        let _ = depth;
        Err(VenueError::Unsupported(format!(
            "{}: order book depth ({symbol})",
            self.id()
        )))
    }

    /// The market's most recent public trades, oldest first, at most `limit`. Needs no
    /// credentials. The default answers [`VenueError::Unsupported`]: a venue without a
    /// public trade endpoint says so instead of returning an empty list.
    async fn recent_trades(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<PublicTrade>, VenueError> {
        let _ = limit;
        Err(VenueError::Unsupported(format!(
            "{}: public trades ({symbol})",
            self.id()
        )))
    }

    /// A live feed of one market's book (the best `depth` levels of each side) and public
    /// trades, kept by the adapter over the venue's stream with reconnects (each one a
    /// [`crate::MarketEvent::Gap`]). Needs no credentials. The default answers
    /// [`VenueError::Unsupported`].
    async fn market_feed(&self, symbol: &str, depth: usize) -> Result<MarketFeed, VenueError> {
        let _ = depth;
        Err(VenueError::Unsupported(format!(
            "{}: market data stream ({symbol})",
            self.id()
        )))
    }

    /// Account collateral.
    async fn balance(&self) -> Result<Balance, VenueError>;

    /// Every open position of the account (all markets).
    async fn positions(&self) -> Result<Vec<Position>, VenueError>;

    /// The position in one market; `Ok(None)` means the venue says flat. A failed read is an
    /// error, never `None`.
    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError>;

    /// The account's leverage setting for a market.
    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError>;

    /// Sets cross-margin leverage for a market (a whole multiple, validated by the caller
    /// against [`MarketInfo::max_leverage`]).
    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError>;

    /// Validates, allocates and signs an order without sending it.
    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError>;

    /// Transmits a prepared order. An error whose [`VenueError::outcome_unknown`] is true means
    /// the venue may hold the order: look it up with [`Venue::order_status`].
    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError>;

    /// Cancels one order by client id. Cancelling an order that is already final is `Ok`.
    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError>;

    /// Cancels every open order of the account in one market.
    async fn cancel_all(&self, symbol: &str) -> Result<(), VenueError>;

    /// The order with this client id; `Ok(None)` when the venue has no such order.
    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError>;

    /// Open (resting) orders in one market.
    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError>;

    /// Re-reads the account's per-operation session state from the venue before a trading
    /// operation sends anything: sequencing state another process may have moved (a nonce),
    /// and, once per process, that the credentials are registered and usable. The engine calls
    /// it on both venues at the start of every trading operation; an error means nothing may
    /// be sent. A venue with no such state says so by returning `Ok(())` explicitly.
    async fn resync(&self) -> Result<(), VenueError>;
}
