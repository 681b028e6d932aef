//! Wire structs mirroring Lighter's REST JSON (spec §2). Decimal quantities stay strings
//! here; `parse.rs` converts them. Unknown fields are ignored; fields the adapter relies on
//! are required so that a changed API fails loudly in `Decode`.

use serde::Deserialize;

/// The `{code, message}` part every response has.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    /// 200 = OK.
    #[serde(default)]
    pub code: Option<i64>,
    /// Error text, when any.
    #[serde(default)]
    pub message: Option<String>,
}

/// `GET /api/v1/orderBooks`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBooksResponse {
    /// Markets.
    pub order_books: Vec<OrderBook>,
}

/// One market of `orderBooks`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBook {
    /// Base symbol ("ETH").
    pub symbol: String,
    /// Market index.
    pub market_id: u32,
    /// "perp" or "spot".
    #[serde(default)]
    pub market_type: Option<String>,
    /// "active", ...
    pub status: String,
    /// Fee in percent (decimal string).
    #[serde(default)]
    pub taker_fee: Option<String>,
    /// Fee in percent (decimal string).
    #[serde(default)]
    pub maker_fee: Option<String>,
    /// Smallest size (decimal string).
    pub min_base_amount: String,
    /// Smallest notional in USDC (decimal string).
    pub min_quote_amount: String,
    /// Size decimals used for order amounts.
    pub supported_size_decimals: u32,
    /// Price decimals used for order prices.
    pub supported_price_decimals: u32,
}

/// `GET /api/v1/orderBookDetails`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookDetailsResponse {
    /// Perp markets.
    #[serde(default)]
    pub order_book_details: Vec<OrderBookDetail>,
}

/// One perp market's details (margin fractions in 1/10000).
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookDetail {
    /// Market index.
    pub market_id: u32,
    /// Symbol.
    pub symbol: String,
    /// IMF an account gets by default.
    #[serde(default)]
    pub default_initial_margin_fraction: Option<u32>,
    /// Smallest IMF allowed (highest leverage).
    #[serde(default)]
    pub min_initial_margin_fraction: Option<u32>,
    /// Maintenance margin fraction.
    #[serde(default)]
    pub maintenance_margin_fraction: Option<u32>,
    /// Mark price.
    #[serde(default)]
    pub mark_price: Option<String>,
    /// Market flags (`force_reduce_only`, trading hours of stock perps, ...).
    #[serde(default)]
    pub market_config: Option<MarketConfig>,
}

/// `orderBookDetails[].market_config`: only the flags the adapter honours.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MarketConfig {
    /// Only orders that reduce a position are accepted.
    #[serde(default)]
    pub force_reduce_only: Option<bool>,
}

/// `GET /api/v1/orderBookOrders` (REST book fallback).
#[derive(Debug, Clone, Deserialize)]
pub struct OrderBookOrdersResponse {
    /// Resting asks.
    #[serde(default)]
    pub asks: Vec<BookOrder>,
    /// Resting bids.
    #[serde(default)]
    pub bids: Vec<BookOrder>,
}

/// One resting order (or price level) of a book.
#[derive(Debug, Clone, Deserialize)]
pub struct BookOrder {
    /// Price (decimal string).
    pub price: String,
    /// Remaining size (decimal string); levels in WS messages use `size`.
    #[serde(alias = "size")]
    pub remaining_base_amount: String,
}

/// `GET /api/v1/nextNonce`.
#[derive(Debug, Clone, Deserialize)]
pub struct NextNonceResponse {
    /// The nonce the next tx must carry.
    pub nonce: i64,
}

/// `GET /api/v1/account`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountResponse {
    /// Matching accounts; the first is used.
    #[serde(default)]
    pub accounts: Vec<DetailedAccount>,
}

/// One account.
#[derive(Debug, Clone, Deserialize)]
pub struct DetailedAccount {
    /// Collateral (decimal string).
    #[serde(default)]
    pub collateral: Option<String>,
    /// Available balance (decimal string).
    pub available_balance: String,
    /// Total asset value (equity, decimal string).
    pub total_asset_value: String,
    /// Positions, also flat ones.
    #[serde(default)]
    pub positions: Vec<AccountPosition>,
}

/// One position entry.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountPosition {
    /// Market index.
    pub market_id: u32,
    /// Symbol.
    pub symbol: String,
    /// 1 long, -1 short, 0 flat.
    pub sign: i32,
    /// Absolute size (decimal string).
    pub position: String,
    /// Average entry price.
    #[serde(default)]
    pub avg_entry_price: Option<String>,
    /// Unrealised PnL.
    #[serde(default)]
    pub unrealized_pnl: Option<String>,
    /// Absolute position value at the mark price (decimal string).
    #[serde(default)]
    pub position_value: Option<String>,
    /// Liquidation price.
    #[serde(default)]
    pub liquidation_price: Option<String>,
    /// IMF in percent (decimal string).
    #[serde(default)]
    pub initial_margin_fraction: Option<String>,
    /// 0 cross, 1 isolated.
    #[serde(default)]
    pub margin_mode: Option<i32>,
}

/// `GET /api/v1/apikeys`.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiKeysResponse {
    /// Keys.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
}

/// One registered API key.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiKey {
    /// Key index.
    pub api_key_index: u8,
    /// Public key hex without 0x.
    pub public_key: String,
}

/// `GET /api/v1/accountActiveOrders` / `accountInactiveOrders`.
#[derive(Debug, Clone, Deserialize)]
pub struct OrdersResponse {
    /// Orders.
    #[serde(default)]
    pub orders: Vec<Order>,
}

/// One order.
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    /// Exchange id.
    pub order_index: i64,
    /// Our id.
    pub client_order_index: i64,
    /// Market.
    #[serde(default)]
    pub market_index: Option<u32>,
    /// Original size.
    pub initial_base_amount: String,
    /// Filled size.
    pub filled_base_amount: String,
    /// Filled notional.
    #[serde(default)]
    pub filled_quote_amount: Option<String>,
    /// Limit price.
    pub price: String,
    /// Sell side.
    pub is_ask: bool,
    /// Status text ("open", "filled", "canceled", "canceled-post-only", ...).
    pub status: String,
    /// "immediate-or-cancel", "good-till-time", "post-only", where the venue says.
    #[serde(default)]
    pub time_in_force: Option<String>,
}

/// `GET /api/v1/fundings`.
#[derive(Debug, Clone, Deserialize)]
pub struct FundingsResponse {
    /// Settled rates, oldest first.
    #[serde(default)]
    pub fundings: Vec<Funding>,
}

/// One settled funding rate.
#[derive(Debug, Clone, Deserialize)]
pub struct Funding {
    /// Seconds or ms.
    pub timestamp: i64,
    /// Percent per hour (decimal string).
    pub rate: String,
    /// Side that paid ("long" / "short").
    #[serde(default)]
    pub direction: Option<String>,
}

/// `GET /api/v1/funding-rates`.
#[derive(Debug, Clone, Deserialize)]
pub struct FundingRatesResponse {
    /// Current rates of every market on several exchanges.
    #[serde(default)]
    pub funding_rates: Vec<FundingRateEntry>,
}

/// One current rate.
#[derive(Debug, Clone, Deserialize)]
pub struct FundingRateEntry {
    /// Market index (Lighter's).
    pub market_id: u32,
    /// "lighter", "binance", ...
    pub exchange: String,
    /// Symbol.
    pub symbol: String,
    /// Fraction per 8 hours, a JSON number.
    pub rate: serde_json::Number,
}

/// `GET /api/v1/positionFunding`.
#[derive(Debug, Clone, Deserialize)]
pub struct PositionFundingResponse {
    /// Payments.
    #[serde(default)]
    pub position_fundings: Vec<PositionFunding>,
}

/// One funding payment.
#[derive(Debug, Clone, Deserialize)]
pub struct PositionFunding {
    /// Seconds or ms.
    pub timestamp: i64,
    /// Market.
    pub market_id: u32,
    /// USDC, negative = paid.
    pub change: String,
}

/// `POST /api/v1/sendTx`.
#[derive(Debug, Clone, Deserialize)]
pub struct SendTxResponse {
    /// Server id of the tx.
    #[serde(default)]
    pub tx_hash: String,
    /// What is left of the account's sendTx volume quota.
    #[serde(default)]
    pub volume_quota_remaining: Option<i64>,
}

/// `POST /api/v1/sendTxBatch`.
#[derive(Debug, Clone, Deserialize)]
pub struct SendTxBatchResponse {
    /// Server ids, one per tx.
    #[serde(default)]
    pub tx_hash: Vec<String>,
    /// What is left of the account's sendTx volume quota.
    #[serde(default)]
    pub volume_quota_remaining: Option<i64>,
}

/// `GET /api/v1/recentTrades` (and the `trades` of the `trade/{market}` channel).
#[derive(Debug, Clone, Deserialize)]
pub struct RecentTradesResponse {
    /// Trades (the venue's order; the adapter sorts by id).
    #[serde(default)]
    pub trades: Vec<WireTrade>,
}

/// One public trade (the SDK's `Trade` model; only what the adapter reads).
#[derive(Debug, Clone, Deserialize)]
pub struct WireTrade {
    /// Id, increasing per market.
    pub trade_id: u64,
    /// Price (decimal string).
    pub price: String,
    /// Size (decimal string).
    pub size: String,
    /// Match time, ms (seconds accepted too).
    pub timestamp: i64,
    /// True when the maker was the ask, i.e. the taker bought.
    #[serde(default)]
    pub is_maker_ask: Option<bool>,
}
