//! V2 order verification: the EIP-712 digest is rebuilt from the body (with the adapter's
//! public encoder types, `venue_edgex::signing::eip712`) and the signer is recovered with
//! `k256`; it must equal the account's configured trading address.

use crate::engine::{EdgexAuth, MarketSpec};
use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use num_bigint::BigUint;
use rust_decimal::Decimal;
use serde_json::Value;
use sha3::{Digest, Keccak256};
use venue_edgex::signing::eip712::{signing_hash, Address, Eip712Domain, LimitOrderMessage};

fn text<'a>(body: &'a Value, k: &str) -> Result<&'a str, String> {
    body.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing {k}"))
}

fn scaled(v: Decimal, exp: u32, exact: bool) -> Result<BigUint, String> {
    let f = Decimal::from(10u64.pow(exp));
    let p = v.checked_mul(f).ok_or("amount overflow")?;
    if exact && !p.fract().is_zero() {
        return Err("amount off the resolution grid".into());
    }
    BigUint::parse_bytes(p.trunc().normalize().to_string().as_bytes(), 10)
        .ok_or_else(|| "bad amount".to_string())
}

/// The address that signed `digest` with a 65-byte `r||s||v` hex signature.
pub fn recover(digest: &[u8; 32], signature_hex: &str) -> Option<[u8; 20]> {
    let bytes = hex::decode(signature_hex.trim_start_matches("0x")).ok()?;
    if bytes.len() != 65 {
        return None;
    }
    let sig = Signature::from_slice(&bytes[..64]).ok()?;
    let v = bytes[64];
    let rid = RecoveryId::from_byte(if v >= 27 { v - 27 } else { v })?;
    let key = VerifyingKey::recover_from_prehash(digest, &sig, rid).ok()?;
    let point = key.to_encoded_point(false);
    let hash = Keccak256::digest(&point.as_bytes()[1..]);
    let mut out = [0u8; 20];
    out.copy_from_slice(&hash[12..]);
    Some(out)
}

/// True when the body's `l2Signature` was made by the account's trading key.
pub fn verify_order(
    body: &Value,
    market: &MarketSpec,
    auth: &EdgexAuth,
    signature: &str,
) -> Result<bool, String> {
    let Some(address) = auth.trading_address.as_deref().and_then(Address::parse) else {
        return Ok(false);
    };
    let dec = |k: &str| -> Result<Decimal, String> {
        text(body, k)?
            .parse::<Decimal>()
            .map_err(|_| format!("{k} is not a decimal"))
    };
    let int = |k: &str| -> Result<u64, String> {
        text(body, k)?
            .parse::<u64>()
            .map_err(|_| format!("{k} is not an integer"))
    };
    let message = LimitOrderMessage {
        nonce: int("l2Nonce")?,
        signer: address,
        account_id: int("accountId")?,
        expiration_timestamp: int("expireTime")? / 1000,
        amount_synthetic: scaled(dec("l2Size")?, market.resolution_exp, true)?,
        amount_collateral: scaled(
            dec("l2Value")?,
            super::wire::COLLATERAL_RESOLUTION_EXP,
            false,
        )?,
        amount_fee: scaled(
            dec("l2LimitFee")?,
            super::wire::COLLATERAL_RESOLUTION_EXP,
            true,
        )?,
        asset_id_synthetic: market.market_id.parse().map_err(|_| "contract id")?,
        asset_id_collateral: super::wire::COLLATERAL_COIN_ID
            .parse()
            .map_err(|_| "coin id")?,
        is_buying_synthetic: text(body, "side")? == "BUY",
        parent_order_hash: [0u8; 32],
        sub_order_index: 0,
    };
    let chain = u64::from_str_radix(super::wire::V2_CHAIN_ID.trim_start_matches("0x"), 16)
        .map_err(|_| "chain id")?;
    let domain = Eip712Domain {
        chain_id: BigUint::from(chain),
        verifying_contract: Address::parse(super::wire::V2_CONTRACT_ADDRESS).ok_or("contract")?,
    };
    let digest = signing_hash(
        &domain.separator().map_err(|e| e.to_string())?,
        &message.struct_hash().map_err(|e| e.to_string())?,
    );
    Ok(recover(&digest, signature) == Some(address.0))
}
