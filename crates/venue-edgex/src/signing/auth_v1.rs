//! V1 request authentication: Stark ECDSA over Keccak-256 of `ts + METHOD + path + payload`,
//! reduced mod the curve order (spec §3). Headers carry `r || s` only, as both SDKs send.

use super::canonical::sign_content;
use super::stark::{digest_mod_order, keccak256, StarkKey, StarkSignature};
use super::SigningError;
use starknet_crypto::Felt;

/// Header carrying the millisecond timestamp.
pub const HEADER_TIMESTAMP: &str = "X-edgeX-Api-Timestamp";
/// Header carrying `r || s`.
pub const HEADER_SIGNATURE: &str = "X-edgeX-Api-Signature";

/// Every step of one V1 request signature (the vector checker compares each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1RequestAuth {
    /// The exact string hashed.
    pub sign_content: String,
    /// Keccak-256 of it.
    pub keccak256: [u8; 32],
    /// The digest mod N: the signed message.
    pub msg_hash: Felt,
    /// The signature.
    pub signature: StarkSignature,
    /// `X-edgeX-Api-Timestamp` value.
    pub timestamp: String,
}

impl V1RequestAuth {
    /// The two headers, `(name, value)`.
    pub fn headers(&self) -> [(&'static str, String); 2] {
        [
            (HEADER_TIMESTAMP, self.timestamp.clone()),
            (HEADER_SIGNATURE, self.signature.to_hex()),
        ]
    }
}

/// Signs one request; `payload` is the canonical query or body string.
pub fn sign_request(
    key: &StarkKey,
    timestamp_ms: u64,
    method: &str,
    path: &str,
    payload: &str,
) -> Result<V1RequestAuth, SigningError> {
    let content = sign_content(timestamp_ms, method, path, payload);
    let digest = keccak256(content.as_bytes());
    let msg_hash = digest_mod_order(&digest);
    let signature = key.sign(&msg_hash)?;
    Ok(V1RequestAuth {
        sign_content: content,
        keccak256: digest,
        msg_hash,
        signature,
        timestamp: timestamp_ms.to_string(),
    })
}
