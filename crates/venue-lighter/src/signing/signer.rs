//! The Lighter signer: one API key of one account on one chain. Builds default deadlines,
//! signs transactions and auth tokens. Pure and synchronous apart from drawing the 64
//! nonce bytes from the operating system's CSPRNG.

use super::tx::{TxError, TxHeader, UnsignedTx};
use base64::Engine as _;
use lighter_crypto::{hash_u64s, PrivateKey, PublicKey, Signature};
use std::fmt;
use std::sync::Mutex;
use venue_api::Secret;

/// Default lifetime of a tx: 10 minutes minus one second (the Go client's default).
pub const DEFAULT_TX_TTL_MS: i64 = 10 * 60 * 1000 - 1000;
/// Default expiry of resting (GTT / post-only) orders: 28 days.
pub const DEFAULT_ORDER_EXPIRY_MS: i64 = 28 * 24 * 60 * 60 * 1000;

/// Why signing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The private key is malformed (the key itself is never shown).
    #[error("invalid Lighter private key: {0}")]
    Key(lighter_crypto::CryptoError),
    /// A field is outside the signer's range.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// The operating system's random source failed.
    #[error("random source failed: {0}")]
    Entropy(String),
    /// Identity out of range (account index <= 0, key index > 254).
    #[error("invalid signer identity: {0}")]
    Identity(String),
}

/// A signed tx ready for `sendTx`.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// `tx_type` form field.
    pub tx_type: u8,
    /// `tx_info` form field (JSON, includes the signature).
    pub tx_info: String,
    /// Our digest in hex (the signer's `txHash`).
    pub tx_hash: String,
    /// The nonce it carries.
    pub nonce: i64,
}

impl fmt::Debug for SignedTx {
    // the full tx_info only goes to DEBUG logs explicitly; Debug shows the identifying parts
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedTx")
            .field("tx_type", &self.tx_type)
            .field("nonce", &self.nonce)
            .field("tx_hash", &self.tx_hash)
            .finish_non_exhaustive()
    }
}

/// Signs as (account_index, api_key_index) on `chain_id`.
#[derive(Clone)]
pub struct LighterSigner {
    key: PrivateKey,
    account_index: i64,
    api_key_index: u8,
    chain_id: u32,
}

impl fmt::Debug for LighterSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LighterSigner")
            .field("account_index", &self.account_index)
            .field("api_key_index", &self.api_key_index)
            .field("chain_id", &self.chain_id)
            .field("public_key", &self.key.public_key())
            .finish_non_exhaustive()
    }
}

/// Bytes drawn from the OS CSPRNG in one call and handed out 64 at a time (a `getrandom`
/// call costs about as much as 5 us on a VM; one call now serves 64 signatures). Handed-out
/// bytes are zeroed in the pool, so every signature gets bytes nobody else saw.
struct EntropyPool {
    buf: [u8; POOL_BYTES],
    pos: usize,
}

const POOL_BYTES: usize = 64 * 64;

static POOL: Mutex<EntropyPool> = Mutex::new(EntropyPool {
    buf: [0; POOL_BYTES],
    pos: POOL_BYTES,
});

/// 64 fresh bytes from the OS CSPRNG (through the pool).
pub fn os_entropy() -> Result<[u8; 64], SigningError> {
    let mut pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if pool.pos + 64 > POOL_BYTES {
        getrandom::fill(&mut pool.buf).map_err(|e| SigningError::Entropy(e.to_string()))?;
        pool.pos = 0;
    }
    let start = pool.pos;
    let mut out = [0u8; 64];
    out.copy_from_slice(&pool.buf[start..start + 64]);
    pool.buf[start..start + 64].fill(0);
    pool.pos += 64;
    Ok(out)
}

impl LighterSigner {
    /// A signer from the configured secret key (hex, optional `0x`).
    pub fn new(
        private_key: &Secret,
        account_index: i64,
        api_key_index: u8,
        chain_id: u32,
    ) -> Result<Self, SigningError> {
        if account_index <= 0 {
            return Err(SigningError::Identity(format!(
                "account index {account_index} must be > 0"
            )));
        }
        if api_key_index > 254 {
            return Err(SigningError::Identity(format!(
                "api key index {api_key_index} must be <= 254"
            )));
        }
        let key = PrivateKey::from_hex(private_key.expose()).map_err(SigningError::Key)?;
        Ok(Self {
            key,
            account_index,
            api_key_index,
            chain_id,
        })
    }

    /// From a config with trading credentials.
    pub fn from_config(config: &crate::config::LighterConfig) -> Result<Self, SigningError> {
        match (
            &config.private_key,
            config.account_index,
            config.api_key_index,
        ) {
            (Some(k), Some(a), Some(i)) => Self::new(k, a, i, config.chain_id),
            _ => Err(SigningError::Identity(
                "trading credentials are not configured".into(),
            )),
        }
    }

    /// The public key (compare with the `apikeys` endpoint).
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Account index.
    pub fn account_index(&self) -> i64 {
        self.account_index
    }

    /// API key index.
    pub fn api_key_index(&self) -> u8 {
        self.api_key_index
    }

    /// Chain id.
    pub fn chain_id(&self) -> u32 {
        self.chain_id
    }

    /// The header for a tx with this nonce, expiring `DEFAULT_TX_TTL_MS` after `now_ms`.
    pub fn header(&self, nonce: i64, now_ms: i64) -> TxHeader {
        TxHeader {
            account_index: self.account_index,
            api_key_index: self.api_key_index,
            nonce,
            expired_at: now_ms + DEFAULT_TX_TTL_MS,
        }
    }

    /// Validates and signs with fresh OS randomness.
    pub fn sign(&self, tx: &UnsignedTx) -> Result<SignedTx, SigningError> {
        let entropy = os_entropy()?;
        self.sign_with_entropy(tx, &entropy)
    }

    /// Validates and signs with the given nonce entropy (64 CSPRNG bytes; tests and benches
    /// may pass fixed bytes, production must not).
    pub fn sign_with_entropy(
        &self,
        tx: &UnsignedTx,
        entropy: &[u8; 64],
    ) -> Result<SignedTx, SigningError> {
        tx.validate()?;
        if tx.header.account_index != self.account_index
            || tx.header.api_key_index != self.api_key_index
        {
            return Err(SigningError::Identity(
                "tx header names another account or key".into(),
            ));
        }
        let digest = tx.digest(self.chain_id);
        let sig = self.key.sign(&digest, entropy);
        let b64 = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
        Ok(SignedTx {
            tx_type: tx.tx_type().code(),
            tx_info: tx.tx_info_json(&b64),
            tx_hash: lighter_crypto::hex::encode(&digest.to_bytes()),
            nonce: tx.header.nonce,
        })
    }

    /// An auth token `"{deadline}:{account}:{key}:{sig_hex}"` valid until `deadline_unix_s`.
    pub fn auth_token(&self, deadline_unix_s: i64) -> Result<String, SigningError> {
        let prefix = format!(
            "{deadline_unix_s}:{}:{}",
            self.account_index, self.api_key_index
        );
        let sig = self.key.sign(&auth_digest(&prefix), &os_entropy()?);
        Ok(format!("{prefix}:{}", sig.to_hex()))
    }
}

/// The digest an auth token signs: the ASCII prefix zero-padded to a multiple of 8 bytes,
/// each 8-byte chunk one little-endian field element, hashed with H5.
pub fn auth_digest(prefix: &str) -> lighter_crypto::Fp5 {
    let elems: Vec<u64> = prefix
        .as_bytes()
        .chunks(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect();
    hash_u64s(&elems)
}

/// Verifies an auth token's signature under `public_key` (tests, diagnostics).
pub fn verify_auth_token(token: &str, public_key: &PublicKey) -> bool {
    let Some((prefix, sig_hex)) = token.rsplit_once(':') else {
        return false;
    };
    Signature::from_hex(sig_hex).is_ok_and(|sig| public_key.verify(&auth_digest(prefix), &sig))
}

/// Decodes a `Sig` field (standard base64) into a signature.
pub fn signature_from_base64(b64: &str) -> Option<Signature> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Signature::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::tx::{CancelOrder, TxBody};

    const SK: &str =
        "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";

    fn signer() -> LighterSigner {
        LighterSigner::new(&Secret::new(SK), 42, 3, 304).unwrap()
    }

    #[test]
    fn auth_token_shape_and_signature() {
        let s = signer();
        let token = s.auth_token(1_795_502_454).unwrap();
        assert!(token.starts_with("1795502454:42:3:"), "{token}");
        assert_eq!(token.rsplit_once(':').unwrap().1.len(), 160);
        assert!(verify_auth_token(&token, &s.public_key()));
        assert!(!verify_auth_token(
            &token.replace("1795502454", "1795502455"),
            &s.public_key()
        ));
        assert_ne!(token, s.auth_token(1_795_502_454).unwrap(), "randomized");
    }

    #[test]
    fn pooled_entropy_is_never_repeated() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let e = os_entropy().unwrap();
            assert_ne!(e, [0u8; 64]);
            assert!(seen.insert(e), "entropy handed out twice");
        }
    }

    #[test]
    fn auth_digest_matches_spec_example() {
        let d = auth_digest("1795502454:723829:204");
        assert_eq!(
            lighter_crypto::hex::encode(&d.to_bytes()),
            "6de2c4fe9e9c4b9449a535a0a785f5edf9abbb87545dccced95bec305017895c233611a2e553f07d"
        );
    }

    #[test]
    fn debug_never_shows_the_key_and_identity_is_checked() {
        let s = signer();
        assert!(!format!("{s:?}").contains("6b25cafb"));
        assert!(LighterSigner::new(&Secret::new(SK), 0, 3, 304).is_err());
        assert!(LighterSigner::new(&Secret::new(SK), 1, 255, 304).is_err());
        let err = LighterSigner::new(&Secret::new("0x1234"), 1, 1, 304)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("1234"), "{err}");
        let tx = UnsignedTx::new(
            TxHeader {
                account_index: 7,
                api_key_index: 3,
                nonce: 1,
                expired_at: 1,
            },
            TxBody::CancelOrder(CancelOrder {
                market_index: 1,
                index: 5,
            }),
        );
        assert!(matches!(s.sign(&tx), Err(SigningError::Identity(_))));
    }
}
