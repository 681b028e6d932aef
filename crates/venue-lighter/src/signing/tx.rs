//! Lighter L2 transactions: field validation, the Poseidon2 digest and the exact `tx_info`
//! JSON of the official signer (spec §7).
//!
//! An [`UnsignedTx`] is all integers, already on the venue's grids (see
//! [`crate::signing::scaling`]). `digest(chain_id)` is both the `txHash` and the message
//! the Schnorr signature signs.

use lighter_crypto::{hash_u64s, Fp5};
use std::fmt::Write as _;

/// Largest value of 48-bit fields (amounts, client order index, timestamps).
pub const MAX_48: u64 = (1 << 48) - 1;

/// Transaction type codes (spec §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TxType {
    /// Create order (14).
    CreateOrder = 14,
    /// Cancel one order (15).
    CancelOrder = 15,
    /// Cancel all orders (16).
    CancelAllOrders = 16,
    /// Update leverage / margin mode of a market (20).
    UpdateLeverage = 20,
}

impl TxType {
    /// The wire code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Order type (spec §7.2). The adapter sends `Limit` and `Market`; the others exist so that
/// any tx of the official format can be rebuilt and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    /// 0.
    Limit,
    /// 1.
    Market,
    /// 2.
    StopLoss,
    /// 3.
    StopLossLimit,
    /// 4.
    TakeProfit,
    /// 5.
    TakeProfitLimit,
    /// 6.
    Twap,
}

/// Order time in force (spec §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderTimeInForce {
    /// 0: immediate or cancel.
    ImmediateOrCancel,
    /// 1: good till time (`OrderExpiry`).
    GoodTillTime,
    /// 2: post only (also carries an `OrderExpiry`).
    PostOnly,
}

/// Cancel-all mode (spec §7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelAllMode {
    /// 0: now (`Time` = 0).
    Immediate,
    /// 1: at `Time` (ms).
    Scheduled,
    /// 2: abort a scheduled cancel (`Time` = 0).
    Abort,
}

/// Margin mode code (spec §7.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginModeCode {
    /// 0.
    Cross,
    /// 1.
    Isolated,
}

/// Fields every tx carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxHeader {
    /// Account index (> 0).
    pub account_index: i64,
    /// API key index (0..=254).
    pub api_key_index: u8,
    /// Nonce of (account, key).
    pub nonce: i64,
    /// Deadline of the tx itself, ms since the epoch.
    pub expired_at: i64,
}

/// CreateOrder (14) fields in wire units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateOrder {
    /// Market index (0..=254).
    pub market_index: u8,
    /// Client order index (0 = none, else 1..=2^48-1).
    pub client_order_index: u64,
    /// Size in units of 10^-size_decimals.
    pub base_amount: u64,
    /// Price in units of 10^-price_decimals (1..=2^32-1).
    pub price: u32,
    /// Sell side.
    pub is_ask: bool,
    /// Limit or market.
    pub order_type: OrderType,
    /// Time in force.
    pub time_in_force: OrderTimeInForce,
    /// Reduce only.
    pub reduce_only: bool,
    /// Trigger price (0 for limit/market).
    pub trigger_price: u32,
    /// Order expiry in ms (0 for IOC/market).
    pub order_expiry: i64,
}

/// CancelOrder (15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelOrder {
    /// Market index.
    pub market_index: u8,
    /// Exchange order index or client order index.
    pub index: u64,
}

/// CancelAllOrders (16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelAllOrders {
    /// Mode.
    pub mode: CancelAllMode,
    /// ms timestamp for [`CancelAllMode::Scheduled`], else 0.
    pub time: i64,
}

/// UpdateLeverage (20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateLeverage {
    /// Market index.
    pub market_index: u8,
    /// Initial margin fraction in 1/10000 (1..=10000).
    pub initial_margin_fraction: u16,
    /// Cross or isolated.
    pub margin_mode: MarginModeCode,
}

/// The type-specific part of a tx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxBody {
    /// 14.
    CreateOrder(CreateOrder),
    /// 15.
    CancelOrder(CancelOrder),
    /// 16.
    CancelAllOrders(CancelAllOrders),
    /// 20.
    UpdateLeverage(UpdateLeverage),
}

/// Optional L2 attributes (spec §7.8) as (type, value); values equal to the type's nil
/// (0, or 255 for type 5) are dropped. The adapter sends none; the path exists for the
/// vectors (skip-nonce) and for a per-market cancel-all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxAttributes(Vec<(u8, u64)>);

/// Attribute type: skip nonce.
pub const ATTR_SKIP_NONCE: u8 = 4;
/// Attribute type: cancel-all market index.
pub const ATTR_CANCEL_ALL_MARKET: u8 = 5;

impl TxAttributes {
    /// No attributes.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets an attribute (replacing an earlier value of the same type).
    pub fn with(mut self, kind: u8, value: u64) -> Self {
        self.0.retain(|(k, _)| *k != kind);
        self.0.push((kind, value));
        self.0.sort_unstable();
        self
    }

    /// The non-nil attributes, sorted by type.
    pub fn effective(&self) -> Vec<(u8, u64)> {
        self.0
            .iter()
            .copied()
            .filter(|&(k, v)| {
                if k == ATTR_CANCEL_ALL_MARKET {
                    v != 255
                } else {
                    v != 0
                }
            })
            .collect()
    }
}

/// Why a tx cannot be signed (field out of the signer's range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct TxError {
    /// The JSON field name.
    pub field: &'static str,
    /// What is wrong, with the value.
    pub reason: String,
}

fn check(ok: bool, field: &'static str, reason: impl FnOnce() -> String) -> Result<(), TxError> {
    if ok {
        Ok(())
    } else {
        Err(TxError {
            field,
            reason: reason(),
        })
    }
}

/// A complete unsigned tx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedTx {
    /// Common fields.
    pub header: TxHeader,
    /// Type-specific fields.
    pub body: TxBody,
    /// L2 attributes (normally none).
    pub attributes: TxAttributes,
}

impl UnsignedTx {
    /// A tx without attributes.
    pub fn new(header: TxHeader, body: TxBody) -> Self {
        Self {
            header,
            body,
            attributes: TxAttributes::none(),
        }
    }

    /// The tx type.
    pub fn tx_type(&self) -> TxType {
        match self.body {
            TxBody::CreateOrder(_) => TxType::CreateOrder,
            TxBody::CancelOrder(_) => TxType::CancelOrder,
            TxBody::CancelAllOrders(_) => TxType::CancelAllOrders,
            TxBody::UpdateLeverage(_) => TxType::UpdateLeverage,
        }
    }

    /// Mirrors the official signer's field checks (spec §7.3–7.7).
    pub fn validate(&self) -> Result<(), TxError> {
        let h = &self.header;
        check(h.account_index > 0, "AccountIndex", || {
            format!("{} must be > 0", h.account_index)
        })?;
        check(h.api_key_index <= 254, "ApiKeyIndex", || {
            format!("{} must be <= 254", h.api_key_index)
        })?;
        check(h.nonce >= 0, "Nonce", || {
            format!("{} must be >= 0", h.nonce)
        })?;
        check(
            (0..=MAX_48 as i64).contains(&h.expired_at),
            "ExpiredAt",
            || format!("{} out of range", h.expired_at),
        )?;
        let attrs = self.attributes.effective();
        check(attrs.len() <= 4, "L2TxAttributes", || {
            format!("{} attributes, at most 4", attrs.len())
        })?;
        match &self.body {
            TxBody::CreateOrder(o) => validate_order(o),
            TxBody::CancelOrder(c) => {
                check(c.market_index <= 254, "MarketIndex", || {
                    format!("{} must be <= 254", c.market_index)
                })?;
                check(c.index < (1 << 63), "Index", || {
                    format!("{} too large", c.index)
                })
            }
            TxBody::CancelAllOrders(c) => match c.mode {
                CancelAllMode::Scheduled => {
                    check((1..=MAX_48 as i64).contains(&c.time), "Time", || {
                        format!("{} must be a ms timestamp", c.time)
                    })
                }
                CancelAllMode::Immediate | CancelAllMode::Abort => {
                    check(c.time == 0, "Time", || {
                        format!("{} must be 0 for this mode", c.time)
                    })
                }
            },
            TxBody::UpdateLeverage(l) => {
                check(l.market_index <= 254, "MarketIndex", || {
                    format!("{} must be <= 254", l.market_index)
                })?;
                check(
                    (1..=10_000).contains(&l.initial_margin_fraction),
                    "InitialMarginFraction",
                    || format!("{} must be in 1..=10000", l.initial_margin_fraction),
                )
            }
        }
    }

    /// The integers hashed, in order (spec §7.4–7.7).
    pub fn hash_elements(&self, chain_id: u32) -> Vec<u64> {
        let h = &self.header;
        let mut e = Vec::with_capacity(16);
        e.extend([
            u64::from(chain_id),
            u64::from(self.tx_type().code()),
            h.nonce as u64,
            h.expired_at as u64,
            h.account_index as u64,
            u64::from(h.api_key_index),
        ]);
        match &self.body {
            TxBody::CreateOrder(o) => e.extend([
                u64::from(o.market_index),
                o.client_order_index,
                o.base_amount,
                u64::from(o.price),
                u64::from(o.is_ask),
                order_type_code(o.order_type),
                tif_code(o.time_in_force),
                u64::from(o.reduce_only),
                u64::from(o.trigger_price),
                o.order_expiry as u64,
            ]),
            TxBody::CancelOrder(c) => e.extend([u64::from(c.market_index), c.index]),
            TxBody::CancelAllOrders(c) => e.extend([cancel_all_code(c.mode), c.time as u64]),
            TxBody::UpdateLeverage(l) => e.extend([
                u64::from(l.market_index),
                u64::from(l.initial_margin_fraction),
                margin_mode_code(l.margin_mode),
            ]),
        }
        e
    }

    /// The digest the signature signs (the signer's `txHash`).
    pub fn digest(&self, chain_id: u32) -> Fp5 {
        let d = hash_u64s(&self.hash_elements(chain_id));
        let attrs = self.attributes.effective();
        if attrs.is_empty() {
            return d;
        }
        let mut flat = [0u64; 8];
        for (i, (k, v)) in attrs.iter().take(4).enumerate() {
            flat[2 * i] = u64::from(*k);
            flat[2 * i + 1] = *v;
        }
        let a = hash_u64s(&flat);
        let mut both = [0u64; 10];
        both[..5].copy_from_slice(&d.to_u64s());
        both[5..].copy_from_slice(&a.to_u64s());
        hash_u64s(&both)
    }

    /// The `tx_info` JSON, byte for byte as the official signer writes it, with `sig_b64`
    /// (standard base64 of the 80-byte signature) as `Sig`.
    pub fn tx_info_json(&self, sig_b64: &str) -> String {
        let h = &self.header;
        let mut s = String::with_capacity(400);
        let _ = write!(
            s,
            "{{\"AccountIndex\":{},\"ApiKeyIndex\":{},",
            h.account_index, h.api_key_index
        );
        let _ = match &self.body {
            TxBody::CreateOrder(o) => write!(
                s,
                "\"MarketIndex\":{},\"ClientOrderIndex\":{},\"BaseAmount\":{},\"Price\":{},\"IsAsk\":{},\"Type\":{},\"TimeInForce\":{},\"ReduceOnly\":{},\"TriggerPrice\":{},\"OrderExpiry\":{},",
                o.market_index,
                o.client_order_index,
                o.base_amount,
                o.price,
                u8::from(o.is_ask),
                order_type_code(o.order_type),
                tif_code(o.time_in_force),
                u8::from(o.reduce_only),
                o.trigger_price,
                o.order_expiry
            ),
            TxBody::CancelOrder(c) => write!(s, "\"MarketIndex\":{},\"Index\":{},", c.market_index, c.index),
            TxBody::CancelAllOrders(c) => {
                write!(s, "\"TimeInForce\":{},\"Time\":{},", cancel_all_code(c.mode), c.time)
            }
            TxBody::UpdateLeverage(l) => write!(
                s,
                "\"MarketIndex\":{},\"InitialMarginFraction\":{},\"MarginMode\":{},",
                l.market_index,
                l.initial_margin_fraction,
                margin_mode_code(l.margin_mode)
            ),
        };
        let _ = write!(
            s,
            "\"ExpiredAt\":{},\"Nonce\":{},\"Sig\":\"{}\",\"L2TxAttributes\":",
            h.expired_at, h.nonce, sig_b64
        );
        let attrs = self.attributes.effective();
        if attrs.is_empty() {
            s.push_str("null");
        } else {
            s.push('{');
            for (i, (k, v)) in attrs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "\"{k}\":{v}");
            }
            s.push('}');
        }
        s.push('}');
        s
    }
}

fn validate_order(o: &CreateOrder) -> Result<(), TxError> {
    check(o.market_index <= 254, "MarketIndex", || {
        format!("{} must be <= 254", o.market_index)
    })?;
    check(o.client_order_index <= MAX_48, "ClientOrderIndex", || {
        format!("{} exceeds 2^48-1", o.client_order_index)
    })?;
    check(o.base_amount <= MAX_48, "BaseAmount", || {
        format!("{} exceeds 2^48-1", o.base_amount)
    })?;
    check(o.base_amount > 0 || o.reduce_only, "BaseAmount", || {
        "0 is only allowed for reduce-only".into()
    })?;
    check(o.price >= 1, "Price", || "must be >= 1".into())?;
    check(
        (0..=MAX_48 as i64).contains(&o.order_expiry),
        "OrderExpiry",
        || format!("{} out of range", o.order_expiry),
    )?;
    match o.order_type {
        OrderType::Limit | OrderType::Market => {
            check(o.trigger_price == 0, "TriggerPrice", || {
                format!("{} must be 0 for limit/market", o.trigger_price)
            })?
        }
        // conditional orders: the venue checks their trigger rules; only ranges here
        _ => return Ok(()),
    }
    match (o.order_type, o.time_in_force) {
        (_, OrderTimeInForce::ImmediateOrCancel) => {
            check(o.order_expiry == 0, "OrderExpiry", || {
                format!("{} must be 0 for IOC", o.order_expiry)
            })
        }
        (OrderType::Market, _) => Err(TxError {
            field: "TimeInForce",
            reason: "market orders must be IOC".into(),
        }),
        _ => check(o.order_expiry >= 1, "OrderExpiry", || {
            format!(
                "{} must be a ms timestamp for GTT/post-only",
                o.order_expiry
            )
        }),
    }
}

fn order_type_code(t: OrderType) -> u64 {
    match t {
        OrderType::Limit => 0,
        OrderType::Market => 1,
        OrderType::StopLoss => 2,
        OrderType::StopLossLimit => 3,
        OrderType::TakeProfit => 4,
        OrderType::TakeProfitLimit => 5,
        OrderType::Twap => 6,
    }
}

fn tif_code(t: OrderTimeInForce) -> u64 {
    match t {
        OrderTimeInForce::ImmediateOrCancel => 0,
        OrderTimeInForce::GoodTillTime => 1,
        OrderTimeInForce::PostOnly => 2,
    }
}

fn cancel_all_code(m: CancelAllMode) -> u64 {
    match m {
        CancelAllMode::Immediate => 0,
        CancelAllMode::Scheduled => 1,
        CancelAllMode::Abort => 2,
    }
}

fn margin_mode_code(m: MarginModeCode) -> u64 {
    match m {
        MarginModeCode::Cross => 0,
        MarginModeCode::Isolated => 1,
    }
}

/// Decoding of the wire codes (used by the vector checker and tests).
impl OrderType {
    /// From the `Type` code.
    pub fn from_code(c: u64) -> Option<Self> {
        match c {
            0 => Some(Self::Limit),
            1 => Some(Self::Market),
            2 => Some(Self::StopLoss),
            3 => Some(Self::StopLossLimit),
            4 => Some(Self::TakeProfit),
            5 => Some(Self::TakeProfitLimit),
            6 => Some(Self::Twap),
            _ => None,
        }
    }
}

impl OrderTimeInForce {
    /// From the `TimeInForce` code.
    pub fn from_code(c: u64) -> Option<Self> {
        match c {
            0 => Some(Self::ImmediateOrCancel),
            1 => Some(Self::GoodTillTime),
            2 => Some(Self::PostOnly),
            _ => None,
        }
    }
}

impl CancelAllMode {
    /// From the cancel-all `TimeInForce` code.
    pub fn from_code(c: u64) -> Option<Self> {
        match c {
            0 => Some(Self::Immediate),
            1 => Some(Self::Scheduled),
            2 => Some(Self::Abort),
            _ => None,
        }
    }
}

impl MarginModeCode {
    /// From the `MarginMode` code.
    pub fn from_code(c: u64) -> Option<Self> {
        match c {
            0 => Some(Self::Cross),
            1 => Some(Self::Isolated),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(order_type: OrderType, tif: OrderTimeInForce, expiry: i64) -> UnsignedTx {
        UnsignedTx::new(
            TxHeader {
                account_index: 1,
                api_key_index: 2,
                nonce: 3,
                expired_at: 4,
            },
            TxBody::CreateOrder(CreateOrder {
                market_index: 0,
                client_order_index: 9,
                base_amount: 10,
                price: 11,
                is_ask: true,
                order_type,
                time_in_force: tif,
                reduce_only: false,
                trigger_price: 0,
                order_expiry: expiry,
            }),
        )
    }

    #[test]
    fn order_rules() {
        use OrderTimeInForce::*;
        assert!(order(OrderType::Limit, ImmediateOrCancel, 0)
            .validate()
            .is_ok());
        assert_eq!(
            order(OrderType::Limit, ImmediateOrCancel, 5)
                .validate()
                .unwrap_err()
                .field,
            "OrderExpiry"
        );
        assert!(order(OrderType::Limit, GoodTillTime, 5).validate().is_ok());
        assert_eq!(
            order(OrderType::Limit, GoodTillTime, 0)
                .validate()
                .unwrap_err()
                .field,
            "OrderExpiry"
        );
        assert!(order(OrderType::Limit, PostOnly, 5).validate().is_ok());
        assert!(order(OrderType::Market, ImmediateOrCancel, 0)
            .validate()
            .is_ok());
        assert_eq!(
            order(OrderType::Market, GoodTillTime, 5)
                .validate()
                .unwrap_err()
                .field,
            "TimeInForce"
        );
        let mut t = order(OrderType::Limit, ImmediateOrCancel, 0);
        if let TxBody::CreateOrder(o) = &mut t.body {
            o.base_amount = 0;
        }
        assert_eq!(t.validate().unwrap_err().field, "BaseAmount");
        t.header.account_index = 0;
        assert_eq!(t.validate().unwrap_err().field, "AccountIndex");
    }

    #[test]
    fn attributes_drop_nil_values_and_sort() {
        let a = TxAttributes::none()
            .with(ATTR_CANCEL_ALL_MARKET, 255)
            .with(ATTR_SKIP_NONCE, 0);
        assert!(a.effective().is_empty());
        let a = TxAttributes::none()
            .with(ATTR_CANCEL_ALL_MARKET, 0)
            .with(ATTR_SKIP_NONCE, 1);
        assert_eq!(a.effective(), vec![(4, 1), (5, 0)]);
        let tx = UnsignedTx {
            attributes: a,
            ..order(OrderType::Limit, OrderTimeInForce::ImmediateOrCancel, 0)
        };
        assert!(tx
            .tx_info_json("S")
            .ends_with(r#""Sig":"S","L2TxAttributes":{"4":1,"5":0}}"#));
    }

    #[test]
    fn cancel_all_modes() {
        let mk = |mode, time| {
            UnsignedTx::new(
                TxHeader {
                    account_index: 1,
                    api_key_index: 2,
                    nonce: 3,
                    expired_at: 4,
                },
                TxBody::CancelAllOrders(CancelAllOrders { mode, time }),
            )
        };
        assert!(mk(CancelAllMode::Immediate, 0).validate().is_ok());
        assert!(mk(CancelAllMode::Immediate, 5).validate().is_err());
        assert!(mk(CancelAllMode::Scheduled, 1_795_490_175_000)
            .validate()
            .is_ok());
        assert!(mk(CancelAllMode::Scheduled, 0).validate().is_err());
        assert!(mk(CancelAllMode::Abort, 0).validate().is_ok());
        assert_eq!(
            mk(CancelAllMode::Scheduled, 7).tx_info_json("S"),
            r#"{"AccountIndex":1,"ApiKeyIndex":2,"TimeInForce":1,"Time":7,"ExpiredAt":4,"Nonce":3,"Sig":"S","L2TxAttributes":null}"#
        );
    }
}
