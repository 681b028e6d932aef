//! Wire structs mirroring EdgeX's JSON exactly (field names as sent, camelCase).
//!
//! Numbers arrive as JSON strings; decimal fields use [`de::opt_decimal`], which also accepts
//! JSON numbers and maps `""`/`null` to `None`. Nothing is interpreted here: conversion into
//! domain types (and every check on missing or inconsistent values) lives in `parse.rs`.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// Lenient field deserializers.
pub mod de {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;
    use std::str::FromStr;

    /// A decimal from a string (or number); `""`/`null`/absent -> `None`.
    pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Decimal::from_str(s.trim())
                .or_else(|_| Decimal::from_scientific(s.trim()))
                .map(Some)
                .map_err(|e| serde::de::Error::custom(format!("bad decimal {s:?}: {e}"))),
            Some(Value::Number(n)) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .map(Some)
                .map_err(|e| serde::de::Error::custom(format!("bad decimal {n}: {e}"))),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a decimal, got {other}"
            ))),
        }
    }

    /// Text from a string or number (ids, millisecond times); `""`/`null` -> `None`.
    pub fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected text, got {other}"
            ))),
        }
    }

    /// A boolean from `true`/`false` or their string forms; absent -> `None`.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected a boolean, got {other}"
            ))),
        }
    }
}

/// Every REST answer: `{"code", "data", "msg", "errorParam", ...}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// `SUCCESS` or an error code.
    pub code: Option<String>,
    /// The payload (shape per endpoint).
    #[serde(default)]
    pub data: Value,
    /// Error text.
    #[serde(default)]
    pub msg: Option<String>,
    /// Error parameters.
    #[serde(default)]
    pub error_param: Option<Value>,
}

/// A coin of `coinList` / `global.starkExCollateralCoin`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coin {
    /// Id, e.g. "1000".
    #[serde(default, deserialize_with = "de::opt_text")]
    pub coin_id: Option<String>,
    /// Name, e.g. "USD".
    #[serde(default)]
    pub coin_name: Option<String>,
    /// V1 asset id (hex).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub stark_ex_asset_id: Option<String>,
    /// V1 resolution (hex).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub stark_ex_resolution: Option<String>,
    /// V2 resolution (hex or decimal).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub resolution: Option<String>,
}

/// One risk tier.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskTier {
    /// Max leverage at this tier.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_leverage: Option<Decimal>,
    /// Upper bound of position value.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub position_value_upper_bound: Option<Decimal>,
    /// Maintenance rate shown to users (display only; the venue applies `starkExRisk`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub maintenance_margin_rate: Option<Decimal>,
    /// The maintenance rate the venue applies, times 2^32 (integer text).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stark_ex_risk: Option<Decimal>,
}

/// A contract of `contractList`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    /// e.g. "10000001".
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// e.g. "BTCUSD".
    #[serde(default)]
    pub contract_name: Option<String>,
    /// Base coin id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub base_coin_id: Option<String>,
    /// Quote coin id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub quote_coin_id: Option<String>,
    /// Price tick.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub tick_size: Option<Decimal>,
    /// Size step.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub step_size: Option<Decimal>,
    /// Minimum order size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub min_order_size: Option<Decimal>,
    /// Maximum order size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_order_size: Option<Decimal>,
    /// Buy price cap ratio over oracle.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_order_buy_price_ratio: Option<Decimal>,
    /// Sell price floor ratio under oracle.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub min_order_sell_price_ratio: Option<Decimal>,
    /// Taker fee.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub default_taker_fee_rate: Option<Decimal>,
    /// Maker fee.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub default_maker_fee_rate: Option<Decimal>,
    /// Default leverage.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub default_leverage: Option<Decimal>,
    /// Max leverage shown.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub display_max_leverage: Option<Decimal>,
    /// Risk tiers.
    #[serde(default)]
    pub risk_tier_list: Vec<RiskTier>,
    /// Trading enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub enable_trade: Option<bool>,
    /// Opening enabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub enable_open_position: Option<bool>,
    /// Funding interval, minutes.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_rate_interval_min: Option<String>,
    /// V1 synthetic asset id (hex).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub stark_ex_synthetic_asset_id: Option<String>,
    /// V1 resolution (hex).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub stark_ex_resolution: Option<String>,
    /// V2 resolution (hex or decimal).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub resolution: Option<String>,
}

/// `data.global` of getMetaData.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Global {
    /// V1 collateral coin.
    #[serde(default)]
    pub stark_ex_collateral_coin: Option<Coin>,
    /// Non-empty during maintenance.
    #[serde(default)]
    pub maintenance_reason: Option<String>,
    /// V2 chain id (hex or decimal).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub chain_id: Option<String>,
    /// V2 native chain id, preferred over `chainId`.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub native_chain_id: Option<String>,
    /// V2 verifying contract.
    #[serde(default)]
    pub contract_address: Option<String>,
}

/// `data` of getMetaData.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetaData {
    /// Global settings.
    #[serde(default)]
    pub global: Global,
    /// Coins.
    #[serde(default)]
    pub coin_list: Vec<Coin>,
    /// Contracts.
    #[serde(default)]
    pub contract_list: Vec<Contract>,
}

/// A ticker (`getTicker` `data[0]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticker {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// Last trade price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub last_price: Option<Decimal>,
    /// Oracle price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub oracle_price: Option<Decimal>,
    /// Index price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub index_price: Option<Decimal>,
    /// Current period's rate.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub funding_rate: Option<Decimal>,
    /// Last settlement (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_time: Option<String>,
    /// Next settlement (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub next_funding_time: Option<String>,
}

/// A depth level: `{"price","size"}` (REST) or `[price, size]` (WS).
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Price.
    pub price: Decimal,
    /// Size.
    pub size: Decimal,
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Obj {
            #[serde(deserialize_with = "de::opt_decimal")]
            price: Option<Decimal>,
            #[serde(deserialize_with = "de::opt_decimal")]
            size: Option<Decimal>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Obj(Obj),
            Pair(Vec<Value>),
        }
        let missing = || serde::de::Error::custom("depth level without price or size");
        match Either::deserialize(d)? {
            Either::Obj(o) => Ok(Level {
                price: o.price.ok_or_else(missing)?,
                size: o.size.ok_or_else(missing)?,
            }),
            Either::Pair(v) if v.len() >= 2 => {
                let dec = |x: &Value| de::opt_decimal(x.clone()).map_err(serde::de::Error::custom);
                Ok(Level {
                    price: dec(&v[0])?.ok_or_else(missing)?,
                    size: dec(&v[1])?.ok_or_else(missing)?,
                })
            }
            Either::Pair(_) => Err(missing()),
        }
    }
}

/// A depth snapshot or delta (`getDepth` `data[0]`, WS `content.data[0]`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Depth {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// First version covered.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub start_version: Option<String>,
    /// Last version covered.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub end_version: Option<String>,
    /// `SNAPSHOT` or `CHANGED`.
    #[serde(default)]
    pub depth_type: Option<String>,
    /// Asks, ascending.
    #[serde(default)]
    pub asks: Vec<Level>,
    /// Bids, descending.
    #[serde(default)]
    pub bids: Vec<Level>,
}

/// A funding-rate object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingRateItem {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// Settlement time (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_time: Option<String>,
    /// Publication time (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_timestamp: Option<String>,
    /// Rate per interval.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub funding_rate: Option<Decimal>,
    /// True for a settled rate.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_settlement: Option<bool>,
    /// Interval, minutes.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_rate_interval_min: Option<String>,
}

/// A page: `{"dataList": [...], "nextPageOffsetData": "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Items.
    #[serde(default = "Vec::new")]
    pub data_list: Vec<T>,
    /// Cursor; empty on the last page.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub next_page_offset_data: Option<String>,
}

/// Per-contract trade setting of the account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradeSetting {
    /// True when the user set a leverage.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub is_set_max_leverage: Option<bool>,
    /// The user's leverage.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_leverage: Option<Decimal>,
}

/// `data.account` of getAccountAsset.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Account id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub id: Option<String>,
    /// Stark public key x (V1).
    #[serde(default)]
    pub l2_key: Option<String>,
    /// Per-contract settings.
    #[serde(default)]
    pub contract_id_to_trade_setting: HashMap<String, TradeSetting>,
    /// The account-wide default setting (DOC:2545-2566).
    #[serde(default)]
    pub default_trade_setting: Option<TradeSetting>,
}

/// `positionList[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionItem {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// Signed size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub open_size: Option<Decimal>,
    /// Signed entry notional.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub open_value: Option<Decimal>,
    /// When the current long term began (ms; "0" when none).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub long_term_created_time: Option<String>,
    /// When the current short term began (ms; "0" when none).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub short_term_created_time: Option<String>,
}

/// `positionAssetList[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionAsset {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// Average entry price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub avg_entry_price: Option<Decimal>,
    /// Liquidation price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub liquidate_price: Option<Decimal>,
    /// Unrealised PnL at oracle (sic: `unrealizePnl`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub unrealize_pnl: Option<Decimal>,
    /// Leverage in force.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub max_leverage: Option<Decimal>,
    /// Position value at the oracle price, signed like the size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub position_value: Option<Decimal>,
    /// Maintenance rate applied to this position (its risk tier's `starkExRisk` / 2^32).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stark_ex_risk_rate: Option<Decimal>,
}

/// `collateralAssetModelList[]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollateralAssetModel {
    /// Coin id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub coin_id: Option<String>,
    /// Equity including position value.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub total_equity: Option<Decimal>,
    /// Available for new positions.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub available_amount: Option<Decimal>,
    /// Initial margin in use.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub initial_margin_requirement: Option<Decimal>,
    /// Maintenance requirement of all positions (below it the venue liquidates).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub stark_ex_risk_value: Option<Decimal>,
}

/// `collateralList[]` (raw balance; NOT equity).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollateralItem {
    /// Coin id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub coin_id: Option<String>,
    /// Raw amount (negative with longs open).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub amount: Option<Decimal>,
}

/// `data` of getAccountAsset.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountAsset {
    /// Account.
    #[serde(default)]
    pub account: Account,
    /// Raw collateral.
    #[serde(default)]
    pub collateral_list: Vec<CollateralItem>,
    /// Positions.
    #[serde(default)]
    pub position_list: Vec<PositionItem>,
    /// Position valuations.
    #[serde(default)]
    pub position_asset_list: Vec<PositionAsset>,
    /// Equity per collateral coin.
    #[serde(default)]
    pub collateral_asset_model_list: Vec<CollateralAssetModel>,
}

/// An order as read back.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// Venue order id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub id: Option<String>,
    /// Our id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub client_order_id: Option<String>,
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// BUY/SELL.
    #[serde(default)]
    pub side: Option<String>,
    /// Limit price.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    /// Size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub size: Option<Decimal>,
    /// PENDING/OPEN/FILLED/CANCELING/CANCELED/UNTRIGGERED.
    #[serde(default)]
    pub status: Option<String>,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Filled size.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_fill_size: Option<Decimal>,
    /// Filled value.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_fill_value: Option<Decimal>,
    /// Fees.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_fill_fee: Option<Decimal>,
    /// Matched size (before censorship; may run ahead of `cumFillSize`).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_match_size: Option<Decimal>,
    /// Matched value.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub cum_match_value: Option<Decimal>,
    /// Creation time, ms since the epoch (history pages are sorted by it here).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub created_time: Option<String>,
}

/// `data` of createOrder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderData {
    /// Venue order id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub order_id: Option<String>,
}

/// A position transaction (funding payments are `type == SETTLE_FUNDING_FEE`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionTransaction {
    /// Contract id.
    #[serde(default, deserialize_with = "de::opt_text")]
    pub contract_id: Option<String>,
    /// Transaction type.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Funding fee booked (positive received).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub delta_funding_fee: Option<Decimal>,
    /// Settlement time (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub funding_time: Option<String>,
    /// Creation time (ms).
    #[serde(default, deserialize_with = "de::opt_text")]
    pub created_time: Option<String>,
}
