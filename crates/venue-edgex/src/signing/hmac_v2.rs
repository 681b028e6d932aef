//! V2 request authentication: HMAC-SHA256 with the API secret (appendix B).
//!
//! The HMAC key is the ASCII of the standard, padded base64 *encoding* of the secret's UTF-8
//! bytes (never a decoding: secrets contain `-`). The message is the same
//! `ts + METHOD + path + payload` as V1. The API key and passphrase travel as headers, so the
//! header set prints them redacted.

use super::canonical::sign_content;
use super::to_hex;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use venue_api::Secret;

/// Header: API key.
pub const HEADER_API_KEY: &str = "X-edgeX-Api-Key";
/// Header: passphrase.
pub const HEADER_PASSPHRASE: &str = "X-edgeX-Passphrase";
/// Header: HMAC hex.
pub const HEADER_SIGNATURE: &str = "X-edgeX-Signature";
/// Header: timestamp in ms.
pub const HEADER_TIMESTAMP: &str = "X-edgeX-Timestamp";

/// The V2 API key triple, ready to authenticate requests.
#[derive(Clone)]
pub struct HmacAuth {
    api_key: Secret,
    passphrase: Secret,
    hmac_key: Secret,
}

impl HmacAuth {
    /// From the configured key, passphrase and secret.
    pub fn new(api_key: &Secret, passphrase: &Secret, api_secret: &Secret) -> Self {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(api_secret.expose().as_bytes());
        Self {
            api_key: api_key.clone(),
            passphrase: passphrase.clone(),
            hmac_key: Secret::new(encoded),
        }
    }

    /// Authenticates one request; `payload` is the canonical query or body string.
    pub fn sign_request(
        &self,
        timestamp_ms: u64,
        method: &str,
        path: &str,
        payload: &str,
    ) -> V2RequestAuth {
        let content = sign_content(timestamp_ms, method, path, payload);
        let signature = hmac_sha256_hex(self.hmac_key.expose().as_bytes(), content.as_bytes());
        V2RequestAuth {
            api_key: self.api_key.clone(),
            passphrase: self.passphrase.clone(),
            signature,
            timestamp: timestamp_ms.to_string(),
            sign_content: content,
        }
    }
}

impl fmt::Debug for HmacAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacAuth(***)")
    }
}

/// The headers of one V2 request (key and passphrase print as `***`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2RequestAuth {
    /// `X-edgeX-Api-Key`.
    pub api_key: Secret,
    /// `X-edgeX-Passphrase`.
    pub passphrase: Secret,
    /// `X-edgeX-Signature`: lowercase hex HMAC.
    pub signature: String,
    /// `X-edgeX-Timestamp`.
    pub timestamp: String,
    /// The string that was authenticated.
    pub sign_content: String,
}

impl V2RequestAuth {
    /// The four headers, `(name, value)`. Values include secrets: send, never log.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_API_KEY, self.api_key.expose().to_string()),
            (HEADER_PASSPHRASE, self.passphrase.expose().to_string()),
            (HEADER_SIGNATURE, self.signature.clone()),
            (HEADER_TIMESTAMP, self.timestamp.clone()),
        ]
    }
}

fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so construction cannot fail; the fallback is unreachable.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            to_hex(&mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case2() {
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_hides_key_and_passphrase() {
        let auth = HmacAuth::new(
            &Secret::new("KEY123"),
            &Secret::new("PASS456"),
            &Secret::new("SEC789"),
        );
        let signed = auth.sign_request(1, "GET", "/p", "");
        let text = format!("{auth:?} {signed:?}");
        for s in ["KEY123", "PASS456", "SEC789"] {
            assert!(!text.contains(s), "{text}");
        }
    }
}
