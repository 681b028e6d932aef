//! V1 limit order: StarkEx "limit order with fees" Pedersen hash and Stark ECDSA (spec §4).
//!
//! All amounts are exact big integers; a size off the synthetic resolution, an amount over 64
//! bits or a nonce/expiry out of its field is an error. The request body built here is the one
//! that is signed for request auth and sent, so the two can never disagree.

use super::amounts::{client_order_nonce, expiry_v1_capped, limit_fee, to_u64, ExactDecimal};
use super::auth_v1::{sign_request, V1RequestAuth};
use super::canonical::canonical_json;
use super::stark::{felt_from_biguint, StarkKey, StarkSignature};
use super::stark_pedersen::pedersen_hash;
use super::{side_text, OrderFields, SigningError};
use num_bigint::BigUint;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use starknet_crypto::Felt;

/// What the order hash needs from metadata (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1ContractParams {
    /// `contractId`.
    pub contract_id: String,
    /// `starkExSyntheticAssetId`.
    pub synthetic_asset_id: BigUint,
    /// Contract `starkExResolution`.
    pub synthetic_resolution: BigUint,
    /// Collateral coin `starkExAssetId`.
    pub collateral_asset_id: BigUint,
    /// Collateral coin `starkExResolution` (10^6 for USD).
    pub collateral_resolution: BigUint,
    /// `defaultTakerFeeRate`.
    pub taker_fee_rate: Decimal,
}

/// Every derived value of a V1 order (spec §4.2-4.3), kept for the vector checker and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1OrderIntermediate {
    /// `price × size` text (`l2Value`).
    pub value: String,
    /// Whole collateral units (`l2LimitFee`).
    pub limit_fee: BigUint,
    /// Size in synthetic resolution units.
    pub amount_synthetic: u64,
    /// Value in collateral resolution units (truncated).
    pub amount_collateral: u64,
    /// Fee in collateral resolution units.
    pub amount_fee: u64,
    /// 32-bit nonce from the client order id.
    pub nonce: u32,
    /// `l2ExpireTime` (ms).
    pub l2_expire_time_ms: u64,
    /// `expireTime` (ms).
    pub expire_time_ms: u64,
    /// `floor(l2ExpireTime / 1h)`: what is hashed.
    pub expiration_hours: u64,
    /// Position id (the account id).
    pub position_id: u64,
    /// True for a buy.
    pub is_buying_synthetic: bool,
    /// Asset sold.
    pub asset_id_sell: Felt,
    /// Asset bought.
    pub asset_id_buy: Felt,
    /// Fee asset (collateral).
    pub asset_id_fee: Felt,
    /// Amount sold.
    pub amount_sell: u64,
    /// Amount bought.
    pub amount_buy: u64,
    /// First packed word.
    pub packed_message0: Felt,
    /// Second packed word (shifted by 17).
    pub packed_message1: Felt,
    /// `H(sell, buy)`.
    pub h1: Felt,
    /// `H(h1, fee asset)`.
    pub h2: Felt,
    /// `H(h2, packed0)`.
    pub h3: Felt,
    /// `H(h3, packed1)`: the signed hash.
    pub msg_hash: Felt,
}

/// A signed V1 order: the body to POST and what led to it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedOrderV1 {
    /// Derived values.
    pub intermediate: V1OrderIntermediate,
    /// The L2 signature.
    pub signature: StarkSignature,
    /// The JSON body, keys in the SDK's order, every value a string except `reduceOnly`.
    pub body: Map<String, Value>,
    /// The order's timestamp (also the auth timestamp).
    pub now_ms: u64,
}

impl SignedOrderV1 {
    /// Request auth of the createOrder POST at `path`, with the order's own timestamp.
    pub fn request_auth(&self, key: &StarkKey, path: &str) -> Result<V1RequestAuth, SigningError> {
        sign_request(
            key,
            self.now_ms,
            "POST",
            path,
            &canonical_json(&Value::Object(self.body.clone())),
        )
    }
}

/// Derives, hashes and signs a V1 limit order.
pub fn sign_order_v1(
    key: &StarkKey,
    contract: &V1ContractParams,
    order: &OrderFields,
) -> Result<SignedOrderV1, SigningError> {
    let intermediate = derive_v1(contract, order)?;
    let signature = key.sign(&intermediate.msg_hash)?;
    let body = body_v1(contract, order, &intermediate, &signature.to_hex());
    Ok(SignedOrderV1 {
        intermediate,
        signature,
        body,
        now_ms: order.now_ms,
    })
}

/// Everything up to the hash (no key needed).
pub fn derive_v1(
    contract: &V1ContractParams,
    order: &OrderFields,
) -> Result<V1OrderIntermediate, SigningError> {
    if order.size <= Decimal::ZERO || order.price <= Decimal::ZERO {
        return Err(SigningError::InvalidValue(format!(
            "size {} and price {} must be positive",
            order.size, order.price
        )));
    }
    let size = ExactDecimal::from_decimal(order.size, "size")?;
    let price = ExactDecimal::from_decimal(order.price, "price")?;
    let value = price.mul(&size);
    let fee = limit_fee(&value, contract.taker_fee_rate)?;
    let amount_synthetic = to_u64(
        &size.scale_exact(&contract.synthetic_resolution, "size")?,
        "amount_synthetic",
    )?;
    let amount_collateral = to_u64(
        &value.scale_trunc(&contract.collateral_resolution),
        "amount_collateral",
    )?;
    let amount_fee = to_u64(&(&fee * &contract.collateral_resolution), "amount_fee")?;
    if amount_synthetic == 0 || amount_collateral == 0 {
        return Err(SigningError::InvalidValue(
            "order amounts must be non-zero".to_string(),
        ));
    }
    let nonce = client_order_nonce(&order.client_order_id);
    let (l2_expire_time_ms, expire_time_ms, expiration_hours) =
        expiry_v1_capped(order.now_ms, order.expire_at_ms)?;
    if expiration_hours > u64::from(u32::MAX) {
        return Err(SigningError::InvalidValue(format!(
            "expiration hours {expiration_hours} exceed 32 bits"
        )));
    }

    let synthetic = felt_from_biguint(&contract.synthetic_asset_id, "synthetic asset id")?;
    let collateral = felt_from_biguint(&contract.collateral_asset_id, "collateral asset id")?;
    let is_buying_synthetic = order.side == venue_api::Side::Buy;
    let (asset_id_sell, asset_id_buy, amount_sell, amount_buy) = if is_buying_synthetic {
        (collateral, synthetic, amount_collateral, amount_synthetic)
    } else {
        (synthetic, collateral, amount_synthetic, amount_collateral)
    };
    let position_id = order.account_id;

    let mut packed0 = BigUint::from(amount_sell);
    packed0 = (packed0 << 64u32) + amount_buy;
    packed0 = (packed0 << 64u32) + amount_fee;
    packed0 = (packed0 << 32u32) + nonce;
    let mut packed1 = BigUint::from(3u32);
    packed1 = (packed1 << 64u32) + position_id;
    packed1 = (packed1 << 64u32) + position_id;
    packed1 = (packed1 << 64u32) + position_id;
    packed1 = (packed1 << 32u32) + expiration_hours;
    packed1 <<= 17u32;
    let packed_message0 = felt_from_biguint(&packed0, "packed message 0")?;
    let packed_message1 = felt_from_biguint(&packed1, "packed message 1")?;

    let h1 = pedersen_hash(&asset_id_sell, &asset_id_buy);
    let h2 = pedersen_hash(&h1, &collateral);
    let h3 = pedersen_hash(&h2, &packed_message0);
    let msg_hash = pedersen_hash(&h3, &packed_message1);

    Ok(V1OrderIntermediate {
        value: value.to_plain_string(),
        limit_fee: fee,
        amount_synthetic,
        amount_collateral,
        amount_fee,
        nonce,
        l2_expire_time_ms,
        expire_time_ms,
        expiration_hours,
        position_id,
        is_buying_synthetic,
        asset_id_sell,
        asset_id_buy,
        asset_id_fee: collateral,
        amount_sell,
        amount_buy,
        packed_message0,
        packed_message1,
        h1,
        h2,
        h3,
        msg_hash,
    })
}

fn body_v1(
    contract: &V1ContractParams,
    order: &OrderFields,
    im: &V1OrderIntermediate,
    l2_signature: &str,
) -> Map<String, Value> {
    let mut body = Map::new();
    let mut put = |k: &str, v: String| {
        body.insert(k.to_string(), Value::String(v));
    };
    put("accountId", order.account_id.to_string());
    put("contractId", contract.contract_id.clone());
    put("price", order.price.to_string());
    put("size", order.size.to_string());
    put("type", "LIMIT".to_string());
    put("timeInForce", order.time_in_force.as_str().to_string());
    put("side", side_text(order.side).to_string());
    put("l2Signature", l2_signature.to_string());
    put("l2Nonce", im.nonce.to_string());
    put("l2ExpireTime", im.l2_expire_time_ms.to_string());
    put("l2Value", im.value.clone());
    put("l2Size", order.size.to_string());
    put("l2LimitFee", im.limit_fee.to_string());
    put("clientOrderId", order.client_order_id.clone());
    put("expireTime", im.expire_time_ms.to_string());
    body.insert("reduceOnly".to_string(), Value::Bool(order.reduce_only));
    body
}
