//! Accounts, positions, orders and funding records: plain data, serialisable as the
//! simulator's state file.

use super::market::VenueKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use venue_api::Side;

/// How an order stays on the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tif {
    /// Immediate or cancel: what does not fill at once is cancelled.
    Ioc,
    /// Good till cancel.
    Gtc,
    /// Good till the given time (ms).
    Gtt(i64),
    /// Post only (cancelled if it would take), optionally expiring (ms).
    PostOnly(Option<i64>),
}

impl Tif {
    /// Expiry in ms, if any.
    pub fn expiry_ms(self) -> Option<i64> {
        match self {
            Tif::Gtt(t) => Some(t),
            Tif::PostOnly(t) => t,
            _ => None,
        }
    }
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// Resting on the book.
    Open,
    /// Completely filled.
    Filled,
    /// Cancelled (possibly after a partial fill).
    Canceled,
}

/// Why an order was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    /// The owner cancelled it.
    User,
    /// Its time ran out.
    Expired,
    /// IOC remainder.
    CouldNotFill,
    /// Reduce-only with nothing to reduce.
    ReduceOnly,
    /// Post-only that would have taken.
    PostOnly,
    /// Not enough margin.
    Margin,
    /// Refused at execution for another reason (e.g. a duplicate client id).
    Rejected,
}

/// One order, also after it became final (lookups by client id keep working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Exchange order id.
    pub order_id: u64,
    /// Client order id as sent (EdgeX text / Lighter index as text).
    pub client_id: String,
    /// Venue market id.
    pub market_id: String,
    /// Side.
    pub side: Side,
    /// Limit price.
    pub price: Decimal,
    /// Size.
    pub size: Decimal,
    /// Filled size.
    pub filled: Decimal,
    /// Filled notional.
    pub filled_value: Decimal,
    /// Fees paid (positive).
    pub fee: Decimal,
    /// Time in force.
    pub tif: Tif,
    /// Reduce only.
    pub reduce_only: bool,
    /// State.
    pub state: OrderState,
    /// Why cancelled.
    pub cancel_reason: Option<CancelReason>,
    /// Creation time (ms).
    pub created_ms: i64,
    /// Last change (ms).
    pub updated_ms: i64,
    /// The venue's nonce for the order, when it has one (EdgeX `l2Nonce`, Lighter tx nonce).
    pub nonce: i64,
}

impl Order {
    /// Size still open.
    pub fn remaining(&self) -> Decimal {
        if self.state == OrderState::Open {
            self.size - self.filled
        } else {
            Decimal::ZERO
        }
    }
}

/// A position in one market.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionState {
    /// Signed size (+ long).
    pub size: Decimal,
    /// Signed entry notional (same sign as size).
    pub open_value: Decimal,
    /// Fees paid opening/closing (negative = paid).
    pub open_fee: Decimal,
    /// Funding booked (positive = received).
    pub funding_fee: Decimal,
    /// Realised PnL (excluding fees and funding).
    pub realized: Decimal,
}

impl PositionState {
    /// Average entry price (0 when flat).
    pub fn entry_price(&self) -> Decimal {
        if self.size.is_zero() {
            Decimal::ZERO
        } else {
            (self.open_value / self.size).round_dp(12).normalize()
        }
    }
}

/// One funding settlement booked on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingRecord {
    /// Record id.
    pub id: u64,
    /// Market.
    pub market_id: String,
    /// Settlement time (ms).
    pub time_ms: i64,
    /// Rate of the period (positive = longs pay).
    pub rate: Decimal,
    /// Signed position size at settlement.
    pub size: Decimal,
    /// Mark price used.
    pub mark: Decimal,
    /// Amount booked (positive = received).
    pub amount: Decimal,
}

/// What kind of liquidation a cut was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiquidationKind {
    /// Below maintenance: one position cut just enough to restore the account.
    Partial,
    /// Below Lighter's close-out requirement: the insurance fund took every position.
    CloseOut,
}

/// An account's figures at one moment (Lighter's `risk_info` of a liquidation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSnapshot {
    /// Cash.
    pub collateral: Decimal,
    /// Cash + unrealised PnL.
    pub equity: Decimal,
    /// Initial margin of the positions.
    pub initial_margin: Decimal,
    /// Maintenance requirement.
    pub maintenance_margin: Decimal,
    /// Close-out requirement.
    pub closeout_margin: Decimal,
}

/// One liquidation trade the venue made on an account (no order of the account's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiquidationRecord {
    /// Record id (shared counter with funding records).
    pub id: u64,
    /// Market.
    pub market_id: String,
    /// When (ms).
    pub time_ms: i64,
    /// Partial cut or close-out.
    pub kind: LiquidationKind,
    /// Side of the liquidation trade (closing the position).
    pub side: Side,
    /// Size cut.
    pub size: Decimal,
    /// Price (the mark).
    pub price: Decimal,
    /// Liquidation fee charged (positive).
    pub fee: Decimal,
    /// Signed position before.
    pub size_before: Decimal,
    /// Signed position after.
    pub size_after: Decimal,
    /// Figures before the cut.
    pub risk_before: RiskSnapshot,
    /// Figures after the cut.
    pub risk_after: RiskSnapshot,
}

/// Request authentication material of an EdgeX account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgexAuth {
    /// V1 Stark public key x (64 hex, no 0x).
    pub stark_public_key: Option<String>,
    /// V2 API key (not a secret to the venue: the lookup key).
    pub api_key: Option<String>,
    /// V2 API passphrase.
    #[serde(skip)]
    pub api_passphrase: Option<String>,
    /// V2 API secret (never persisted).
    #[serde(skip)]
    pub api_secret: Option<String>,
    /// V2 trading address (0x + 40 hex, any case).
    pub trading_address: Option<String>,
}

/// Request authentication material of a Lighter account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LighterAuth {
    /// API key index -> public key (80 hex, no 0x).
    pub api_keys: BTreeMap<u8, String>,
    /// API key index -> next nonce.
    pub nonces: BTreeMap<u8, i64>,
    /// Market id -> initial margin fraction (1/10000) set by UpdateLeverage.
    #[serde(default)]
    pub imf: BTreeMap<String, u16>,
}

/// An account of one venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Venue.
    pub venue: VenueKind,
    /// Account id (EdgeX account id / Lighter account index, as text).
    pub id: String,
    /// Cash: deposits + realised PnL + funding - fees.
    pub collateral: Decimal,
    /// Leverage set per market.
    pub leverage: BTreeMap<String, u32>,
    /// Positions per market (flat ones may stay).
    pub positions: BTreeMap<String, PositionState>,
    /// All orders, final ones included.
    pub orders: Vec<Order>,
    /// Funding settlements.
    pub funding: Vec<FundingRecord>,
    /// Liquidation cuts the venue made (a state file without them: none).
    #[serde(default)]
    pub liquidations: Vec<LiquidationRecord>,
    /// EdgeX auth.
    #[serde(default)]
    pub edgex_auth: EdgexAuth,
    /// Lighter auth.
    #[serde(default)]
    pub lighter_auth: LighterAuth,
}

impl Account {
    /// A fresh account with `collateral`.
    pub fn new(venue: VenueKind, id: impl Into<String>, collateral: Decimal) -> Self {
        Self {
            venue,
            id: id.into(),
            collateral,
            leverage: BTreeMap::new(),
            positions: BTreeMap::new(),
            orders: Vec::new(),
            funding: Vec::new(),
            liquidations: Vec::new(),
            edgex_auth: EdgexAuth::default(),
            lighter_auth: LighterAuth::default(),
        }
    }

    /// The order with this client id (the newest if several).
    pub fn order_by_client_id(&self, client_id: &str) -> Option<&Order> {
        self.orders.iter().rev().find(|o| o.client_id == client_id)
    }

    /// The order with this exchange id.
    pub fn order_by_id(&self, order_id: u64) -> Option<&Order> {
        self.orders.iter().find(|o| o.order_id == order_id)
    }

    /// Signed size in a market (0 when flat).
    pub fn position_size(&self, market_id: &str) -> Decimal {
        self.positions
            .get(market_id)
            .map_or(Decimal::ZERO, |p| p.size)
    }
}
