//! EdgeX request and order authentication, verified independently of the adapter's code.
//!
//! V1 request auth: Stark ECDSA over Keccak-256(`ts + METHOD + path + payload`) reduced mod
//! the curve order; V2: lowercase hex HMAC-SHA256 keyed with the base64 *encoding* of the
//! API secret. V1 orders: the StarkEx "limit order with fees" Pedersen hash recomputed from
//! the body's `l2*` fields. V2 orders: EIP-712 digest recomputed, signer recovered.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rust_decimal::Decimal;
use serde_json::Value;
use sha2::Sha256;
use sha3::{Digest, Keccak256};
use starknet_crypto::{pedersen_hash, Felt};

/// Order of the Stark curve.
const CURVE_ORDER_HEX: &str = "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f";

/// The canonical payload string of a JSON body (spec §3.2).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                write_canonical(item, out);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                out.push_str(k);
                out.push('=');
                if let Some(v) = map.get(k) {
                    write_canonical(v, out);
                }
            }
        }
    }
}

/// The canonical payload of a query: pairs sorted by key, raw values.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn felt_hex(text: &str) -> Option<Felt> {
    let t = text.trim().trim_start_matches("0x");
    if t.is_empty() || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Felt::from_hex(&format!("0x{t}")).ok()
}

/// Verifies `r||s` (128 hex; a trailing 64-hex y word is tolerated) over `message`.
pub fn verify_stark(public_key_hex: &str, message: &Felt, signature_hex: &str) -> bool {
    let sig = signature_hex.trim();
    if !(sig.len() == 128 || sig.len() == 192) {
        return false;
    }
    let (Some(pk), Some(r), Some(s)) = (
        felt_hex(public_key_hex),
        felt_hex(&sig[..64]),
        felt_hex(&sig[64..128]),
    ) else {
        return false;
    };
    starknet_crypto::verify(&pk, message, &r, &s).unwrap_or(false)
}

/// The V1 request-auth message: Keccak-256 of the sign content, mod the curve order.
pub fn request_message(sign_content: &str) -> Felt {
    let digest = Keccak256::digest(sign_content.as_bytes());
    let order = BigUint::parse_bytes(CURVE_ORDER_HEX.as_bytes(), 16).unwrap_or_default();
    let reduced = BigUint::from_bytes_be(&digest) % order;
    Felt::from_bytes_be_slice(&reduced.to_bytes_be())
}

/// Lowercase hex HMAC-SHA256 of a V2 request.
pub fn hmac_hex(api_secret: &str, sign_content: &str) -> String {
    let key = base64::engine::general_purpose::STANDARD.encode(api_secret.as_bytes());
    match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(sign_content.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// What the V1 order hash needs from metadata.
#[derive(Debug, Clone)]
pub struct V1Assets {
    /// Synthetic asset id (hex).
    pub synthetic_asset_id: String,
    /// Synthetic resolution exponent.
    pub synthetic_resolution_exp: u32,
    /// Collateral asset id (hex).
    pub collateral_asset_id: String,
    /// Collateral resolution exponent (6).
    pub collateral_resolution_exp: u32,
}

fn scaled(value: Decimal, exp: u32, exact: bool) -> Option<u64> {
    if value.is_sign_negative() {
        return None;
    }
    let factor = Decimal::from(10u64.checked_pow(exp)?);
    let product = value.checked_mul(factor)?;
    if exact && !product.fract().is_zero() {
        return None;
    }
    use rust_decimal::prelude::ToPrimitive;
    product.trunc().to_u64()
}

fn big(v: u64) -> BigUint {
    BigUint::from(v)
}

/// The StarkEx limit-order hash of a createOrder body, or why it cannot be computed.
pub fn v1_order_hash(body: &Value, assets: &V1Assets, account_id: u64) -> Result<Felt, String> {
    let field = |k: &str| -> Result<String, String> {
        body.get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing {k}"))
    };
    let dec = |k: &str| -> Result<Decimal, String> {
        field(k)?
            .parse::<Decimal>()
            .map_err(|_| format!("{k} is not a decimal"))
    };
    let int = |k: &str| -> Result<u64, String> {
        field(k)?
            .parse::<u64>()
            .map_err(|_| format!("{k} is not an integer"))
    };
    let value = dec("l2Value")?;
    let l2_size = dec("l2Size")?;
    let fee = dec("l2LimitFee")?;
    let nonce = int("l2Nonce")?;
    let l2_expire = int("l2ExpireTime")?;
    let buy = match field("side")?.as_str() {
        "BUY" => true,
        "SELL" => false,
        other => return Err(format!("bad side {other}")),
    };
    let amount_synthetic = scaled(l2_size, assets.synthetic_resolution_exp, true)
        .ok_or("l2Size is off the synthetic resolution")?;
    let amount_collateral =
        scaled(value, assets.collateral_resolution_exp, false).ok_or("bad l2Value")?;
    let amount_fee = scaled(fee, assets.collateral_resolution_exp, true).ok_or("bad l2LimitFee")?;
    if nonce > u64::from(u32::MAX) {
        return Err("l2Nonce exceeds 32 bits".into());
    }
    let hours = l2_expire / 3_600_000;
    let synthetic = felt_hex(&assets.synthetic_asset_id).ok_or("bad synthetic asset id")?;
    let collateral = felt_hex(&assets.collateral_asset_id).ok_or("bad collateral asset id")?;
    let (sell_asset, buy_asset, amount_sell, amount_buy) = if buy {
        (collateral, synthetic, amount_collateral, amount_synthetic)
    } else {
        (synthetic, collateral, amount_synthetic, amount_collateral)
    };
    let packed0 = (((((big(amount_sell) << 64u32) + big(amount_buy)) << 64u32) + big(amount_fee))
        << 32u32)
        + big(nonce);
    let mut packed1 = big(3);
    for _ in 0..3 {
        packed1 = (packed1 << 64u32) + big(account_id);
    }
    packed1 = ((packed1 << 32u32) + big(hours)) << 17u32;
    let p0 = Felt::from_bytes_be_slice(&packed0.to_bytes_be());
    let p1 = Felt::from_bytes_be_slice(&packed1.to_bytes_be());
    let h1 = pedersen_hash(&sell_asset, &buy_asset);
    let h2 = pedersen_hash(&h1, &collateral);
    let h3 = pedersen_hash(&h2, &p0);
    Ok(pedersen_hash(&h3, &p1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let v: Value = serde_json::json!({"b":"2","a":["x","y"],"t":true,"n":null});
        assert_eq!(canonical_json(&v), "a=x&y&b=2&n=&t=true");
        let q = vec![
            ("size".to_string(), "10".to_string()),
            ("accountId".into(), "1".into()),
        ];
        assert_eq!(canonical_query(&q), "accountId=1&size=10");
    }

    #[test]
    fn request_message_matches_spec_example() {
        let m = request_message("1745502857779GET/api/v1/private/account/getPositionTransactionPageaccountId=670388375886375217&filterTypeList=SETTLE_FUNDING_FEE&size=10");
        assert_eq!(
            hex::encode(m.to_bytes_be()),
            "015777e74b4d9dcd5cd4276ea445a68b5a6874af12eff243b3bc4120f04bda39"
        );
    }

    #[test]
    fn v1_order_hash_matches_spec_example() {
        let body = serde_json::json!({
            "side": "SELL", "l2Value": "2471.7258", "l2Size": "2.22", "l2LimitFee": "1",
            "l2Nonce": "1097137088", "l2ExpireTime": "1746712458029"
        });
        let assets = V1Assets {
            synthetic_asset_id: "0x4554482d3900000000000000000000".into(),
            synthetic_resolution_exp: 9,
            collateral_asset_id:
                "0x2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5".into(),
            collateral_resolution_exp: 6,
        };
        let h = v1_order_hash(&body, &assets, 670388375886375217).unwrap();
        assert_eq!(
            hex::encode(h.to_bytes_be()),
            "00cc5844ddb8f46683a6d5e6bce7d645ed1324a1a1442ee654f289b8ea6320d8"
        );
    }
}
