//! V2 limit order: EIP-712 `LimitOrderParams` signed with the trading key (appendix B).
//!
//! Amounts are non-negative for both sides (direction is `isBuyingSynthetic`); the fee uses
//! the larger of the taker and maker rates (0.001 each when absent). The body carries the V2
//! keys that are always present, so they are part of the HMAC payload too.

use super::amounts::{client_order_nonce, expiry_v2_capped, limit_fee, ExactDecimal};
use super::canonical::canonical_json;
use super::eip712::{signing_hash, Eip712Domain, EthKey, LimitOrderMessage};
use super::hmac_v2::{HmacAuth, V2RequestAuth};
use super::{side_text, to_hex, OrderFields, SigningError};
use num_bigint::BigUint;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// Fee rate assumed when the metadata has none (the SDK's default).
pub const DEFAULT_FEE_RATE: Decimal = Decimal::from_parts(1, 0, 0, false, 3);

/// What a V2 order needs from metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2ContractParams {
    /// `contractId` (also `assetIdSynthetic`).
    pub contract_id: u64,
    /// `coinId` of the quote coin (`assetIdCollateral`).
    pub collateral_coin_id: u64,
    /// Contract `resolution`.
    pub synthetic_resolution: BigUint,
    /// Quote coin `resolution`.
    pub collateral_resolution: BigUint,
    /// `defaultTakerFeeRate`.
    pub taker_fee_rate: Option<Decimal>,
    /// `defaultMakerFeeRate`.
    pub maker_fee_rate: Option<Decimal>,
    /// Signing domain.
    pub domain: Eip712Domain,
}

/// A signed V2 order with every intermediate the vectors pin.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedOrderV2 {
    /// The typed-data message.
    pub message: LimitOrderMessage,
    /// `price × size` text.
    pub value: String,
    /// Whole collateral units.
    pub limit_fee: BigUint,
    /// `l2ExpireTime` (ms).
    pub l2_expire_time_ms: u64,
    /// `expireTime` (ms).
    pub expire_time_ms: u64,
    /// Domain separator.
    pub domain_separator: [u8; 32],
    /// Struct hash.
    pub struct_hash: [u8; 32],
    /// Signing hash.
    pub signing_hash: [u8; 32],
    /// `r || s || v`.
    pub signature: [u8; 65],
    /// JSON body in the SDK's key order.
    pub body: Map<String, Value>,
    /// The order's timestamp (also the auth timestamp).
    pub now_ms: u64,
}

impl SignedOrderV2 {
    /// `l2Signature`: the 65 bytes as hex, no `0x`.
    pub fn l2_signature(&self) -> String {
        to_hex(&self.signature)
    }

    /// HMAC auth of the createOrder POST at `path`, with the order's own timestamp.
    pub fn request_auth(&self, auth: &HmacAuth, path: &str) -> V2RequestAuth {
        auth.sign_request(
            self.now_ms,
            "POST",
            path,
            &canonical_json(&Value::Object(self.body.clone())),
        )
    }
}

/// Derives, hashes and signs a V2 limit order.
pub fn sign_order_v2(
    key: &EthKey,
    contract: &V2ContractParams,
    order: &OrderFields,
) -> Result<SignedOrderV2, SigningError> {
    if order.size <= Decimal::ZERO || order.price <= Decimal::ZERO {
        return Err(SigningError::InvalidValue(format!(
            "size {} and price {} must be positive",
            order.size, order.price
        )));
    }
    let size = ExactDecimal::from_decimal(order.size, "size")?;
    let price = ExactDecimal::from_decimal(order.price, "price")?;
    let value = price.mul(&size);
    let rate = contract
        .taker_fee_rate
        .unwrap_or(DEFAULT_FEE_RATE)
        .max(contract.maker_fee_rate.unwrap_or(DEFAULT_FEE_RATE));
    let fee = limit_fee(&value, rate)?;
    let amount_synthetic = size.scale_exact(&contract.synthetic_resolution, "size")?;
    let amount_collateral = value.scale_trunc(&contract.collateral_resolution);
    if amount_synthetic == BigUint::ZERO || amount_collateral == BigUint::ZERO {
        return Err(SigningError::InvalidValue(
            "order amounts must be non-zero".to_string(),
        ));
    }
    let amount_fee = &fee * &contract.collateral_resolution;
    let nonce = client_order_nonce(&order.client_order_id);
    let (l2_expire_time_ms, expire_time_ms, expiration_seconds) =
        expiry_v2_capped(order.now_ms, order.expire_at_ms)?;

    let message = LimitOrderMessage {
        nonce: u64::from(nonce),
        signer: key.address(),
        account_id: order.account_id,
        expiration_timestamp: expiration_seconds,
        amount_synthetic,
        amount_collateral,
        amount_fee,
        asset_id_synthetic: contract.contract_id,
        asset_id_collateral: contract.collateral_coin_id,
        is_buying_synthetic: order.side == venue_api::Side::Buy,
        parent_order_hash: [0u8; 32],
        sub_order_index: 0,
    };
    let domain_separator = contract.domain.separator()?;
    let struct_hash = message.struct_hash()?;
    let digest = signing_hash(&domain_separator, &struct_hash);
    let signature = key.sign_hash(&digest)?;

    let value_text = value.to_plain_string();
    let mut body = Map::new();
    let mut put = |k: &str, v: Value| {
        body.insert(k.to_string(), v);
    };
    let s = |t: String| Value::String(t);
    put("accountId", s(order.account_id.to_string()));
    put("contractId", s(contract.contract_id.to_string()));
    put("price", s(order.price.to_string()));
    put("size", s(order.size.to_string()));
    put("type", s("LIMIT".to_string()));
    put("side", s(side_text(order.side).to_string()));
    put("timeInForce", s(order.time_in_force.as_str().to_string()));
    put("clientOrderId", s(order.client_order_id.clone()));
    put("expireTime", s(expire_time_ms.to_string()));
    put("l2Nonce", s(nonce.to_string()));
    put("l2Signature", s(to_hex(&signature)));
    put("l2ExpireTime", s(l2_expire_time_ms.to_string()));
    put("l2Value", s(value_text.clone()));
    put("l2Size", s(order.size.to_string()));
    put("l2LimitFee", s(fee.to_string()));
    put("reduceOnly", Value::Bool(order.reduce_only));
    for key in ["triggerPrice", "triggerPriceType", "sourceKey"] {
        put(key, s(String::new()));
    }
    put("isPositionTpsl", Value::Bool(false));
    put("openTpslParentOrderId", s(String::new()));
    put("isSetOpenTp", Value::Bool(false));
    put("openTp", Value::Null);
    put("isSetOpenSl", Value::Bool(false));
    put("openSl", Value::Null);
    put("extraType", s(String::new()));
    put("extraDataJson", s(String::new()));

    Ok(SignedOrderV2 {
        message,
        value: value_text,
        limit_fee: fee,
        l2_expire_time_ms,
        expire_time_ms,
        domain_separator,
        struct_hash,
        signing_hash: digest,
        signature,
        body,
        now_ms: order.now_ms,
    })
}
