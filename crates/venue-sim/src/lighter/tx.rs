//! Lighter transactions as received: `tx_info` parsed, the Poseidon2 digest recomputed from
//! the JSON fields (independently of the adapter's builder), the Schnorr signature verified
//! with the account's registered API public key, and auth tokens checked.

use base64::Engine as _;
use lighter_crypto::{hash_u64s, Fp5, PublicKey, Signature};
use serde_json::Value;

/// A received transaction.
#[derive(Debug, Clone)]
pub struct ReceivedTx {
    /// Type code (14, 15, 16, 20).
    pub tx_type: u8,
    /// The tx JSON.
    pub info: Value,
    /// Account index.
    pub account_index: i64,
    /// API key index.
    pub api_key_index: u8,
    /// Nonce.
    pub nonce: i64,
    /// Deadline (ms).
    pub expired_at: i64,
    /// The digest the signature must sign (also the tx hash).
    pub digest: Fp5,
    /// Signature bytes (80), if decodable.
    pub signature: Option<Signature>,
}

/// A JSON integer field (numbers only; negative values are refused).
pub fn uint(info: &Value, k: &str) -> Result<u64, String> {
    info.get(k)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("{k} is missing or not a non-negative integer"))
}

const FIELDS_14: [&str; 10] = [
    "MarketIndex",
    "ClientOrderIndex",
    "BaseAmount",
    "Price",
    "IsAsk",
    "Type",
    "TimeInForce",
    "ReduceOnly",
    "TriggerPrice",
    "OrderExpiry",
];

fn body_fields(tx_type: u8) -> Result<&'static [&'static str], String> {
    Ok(match tx_type {
        14 => &FIELDS_14,
        15 => &["MarketIndex", "Index"],
        16 => &["TimeInForce", "Time"],
        20 => &["MarketIndex", "InitialMarginFraction", "MarginMode"],
        other => return Err(format!("tx type {other} is not supported by venue-sim")),
    })
}

fn attributes(info: &Value) -> Result<Vec<(u64, u64)>, String> {
    let mut out = Vec::new();
    match info.get("L2TxAttributes") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let t: u64 = k.parse().map_err(|_| format!("attribute key {k:?}"))?;
                let v = v.as_u64().ok_or_else(|| format!("attribute {k} value"))?;
                let nil = if t == 5 { 255 } else { 0 };
                if v != nil {
                    out.push((t, v));
                }
            }
        }
        Some(_) => return Err("L2TxAttributes must be an object or null".into()),
    }
    out.sort_unstable();
    if out.len() > 4 {
        return Err("more than 4 attributes".into());
    }
    Ok(out)
}

/// The attribute value of `kind`, if set.
pub fn attribute(info: &Value, kind: u64) -> Option<u64> {
    attributes(info)
        .ok()?
        .into_iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, v)| v)
}

/// Parses `tx_info` of type `tx_type` and recomputes its digest for `chain_id`.
pub fn parse(tx_type: u8, tx_info: &str, chain_id: u32) -> Result<ReceivedTx, String> {
    let info: Value =
        serde_json::from_str(tx_info).map_err(|e| format!("tx_info is not JSON: {e}"))?;
    let account_index = i64::try_from(uint(&info, "AccountIndex")?).map_err(|_| "AccountIndex")?;
    let api_key_index = u8::try_from(uint(&info, "ApiKeyIndex")?).map_err(|_| "ApiKeyIndex")?;
    let nonce = i64::try_from(uint(&info, "Nonce")?).map_err(|_| "Nonce")?;
    let expired_at = i64::try_from(uint(&info, "ExpiredAt")?).map_err(|_| "ExpiredAt")?;
    let mut elements = vec![
        u64::from(chain_id),
        u64::from(tx_type),
        nonce as u64,
        expired_at as u64,
        account_index as u64,
        u64::from(api_key_index),
    ];
    for f in body_fields(tx_type)? {
        elements.push(uint(&info, f)?);
    }
    let mut digest = hash_u64s(&elements);
    let attrs = attributes(&info)?;
    if !attrs.is_empty() {
        let mut flat = [0u64; 8];
        for (i, (k, v)) in attrs.iter().enumerate() {
            flat[2 * i] = *k;
            flat[2 * i + 1] = *v;
        }
        let a = hash_u64s(&flat);
        let mut both = [0u64; 10];
        both[..5].copy_from_slice(&digest.to_u64s());
        both[5..].copy_from_slice(&a.to_u64s());
        digest = hash_u64s(&both);
    }
    let signature = info
        .get("Sig")
        .and_then(Value::as_str)
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .and_then(|b| Signature::from_bytes(&b).ok());
    Ok(ReceivedTx {
        tx_type,
        info,
        account_index,
        api_key_index,
        nonce,
        expired_at,
        digest,
        signature,
    })
}

/// True when `tx` is signed by `public_key_hex`.
pub fn verify(tx: &ReceivedTx, public_key_hex: &str) -> bool {
    match (&tx.signature, PublicKey::from_hex(public_key_hex)) {
        (Some(sig), Ok(pk)) => pk.verify(&tx.digest, sig),
        _ => false,
    }
}

/// Hex of the digest (the tx hash returned by sendTx).
pub fn digest_hex(d: &Fp5) -> String {
    lighter_crypto::hex::encode(&d.to_bytes())
}

/// An auth token's parts: (deadline s, account, api key index, signature hex, signed prefix).
pub fn split_token(token: &str) -> Option<(i64, i64, u8, &str, &str)> {
    let (prefix, sig) = token.rsplit_once(':')?;
    let mut parts = prefix.split(':');
    let deadline = parts.next()?.parse().ok()?;
    let account = parts.next()?.parse().ok()?;
    let key = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((deadline, account, key, sig, prefix))
}

/// True when the token's signature verifies under `public_key_hex`.
pub fn verify_token(prefix: &str, sig_hex: &str, public_key_hex: &str) -> bool {
    let elems: Vec<u64> = prefix
        .as_bytes()
        .chunks(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect();
    let digest = hash_u64s(&elems);
    match (
        Signature::from_hex(sig_hex),
        PublicKey::from_hex(public_key_hex),
    ) {
        (Ok(sig), Ok(pk)) => pk.verify(&digest, &sig),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_a_digest_and_signature() {
        let info = r#"{"AccountIndex":360807,"ApiKeyIndex":136,"MarketIndex":53,"ClientOrderIndex":872563,"BaseAmount":988755,"Price":3889111691,"IsAsk":0,"Type":0,"TimeInForce":1,"ReduceOnly":0,"TriggerPrice":0,"OrderExpiry":1796284018912,"ExpiredAt":1795490775025,"Nonce":2732855,"Sig":"aATg2x+HcSgZjSvtBefogBGc3UUcDj5fWWJ6BBma9oDC2963GXKZWpbItjfch3Pqo5FRLh/7aznSCFcpQV4A4GqgE7cwqbfsh7pYS34uMTM=","L2TxAttributes":null}"#;
        let tx = parse(14, info, 304).unwrap();
        assert_eq!(
            digest_hex(&tx.digest),
            "174f216e9f7d83b064260079f1e4b0be0f7adcc915807fcbddb6c7dc44622183929dbc0493c6e654"
        );
        let pk = "b29c193038c974fcee31ad705f70388ae2e40964c5d18fbdbad8914438d5084440b708441cac1d7d";
        assert!(verify(&tx, pk));
        let tampered = parse(14, &info.replace("988755", "988756"), 304).unwrap();
        assert!(!verify(&tampered, pk));
        assert!(
            !verify(&parse(14, info, 300).unwrap(), pk),
            "chain id is signed"
        );
    }

    #[test]
    fn attribute_digest_matches_spec_example_b() {
        let info = r#"{"AccountIndex":99906,"ApiKeyIndex":236,"MarketIndex":25,"InitialMarginFraction":769,"MarginMode":0,"ExpiredAt":1795490775021,"Nonce":4244977,"Sig":"","L2TxAttributes":{"4":1}}"#;
        let tx = parse(20, info, 304).unwrap();
        assert_eq!(
            digest_hex(&tx.digest),
            "946c855e54e8fbc75d221567845051ab9266c99deb5e9a48024c868f510840a913a4057aa8d7b33b"
        );
        assert!(tx.signature.is_none());
    }
}
