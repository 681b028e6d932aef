//! Pure, synchronous signing for both EdgeX API generations.
//!
//! Nothing here does I/O, reads a clock or allocates ids: callers pass the timestamp, the
//! client order id and the contract's metadata, so the same inputs always give the same bytes
//! (both ECDSA schemes use RFC 6979 deterministic nonces). This is what lets the vector
//! checker reproduce the official SDKs byte for byte and the client sign before it sends.
//!
//! * [`canonical`]: the payload string both generations authenticate (sorted query / body).
//! * [`amounts`]: exact decimal -> wire integer conversions, fee, nonce, expiry rules.
//! * [`stark`], [`auth_v1`], [`order_v1`]: V1 (Stark key, Keccak request auth, StarkEx order).
//! * [`hmac_v2`], [`eip712`], [`order_v2`]: V2 (HMAC request auth, EIP-712 order).

pub mod amounts;
pub mod auth_v1;
pub mod canonical;
pub mod eip712;
pub mod hmac_v2;
pub mod order_v1;
pub mod order_v2;
pub mod stark;
pub mod stark_pedersen;
pub mod stark_table;

/// Why a signature or a signed payload could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// A private key is malformed (its value is never shown).
    /// Example: a Stark key with a non-hex character.
    #[error("invalid {0} private key")]
    InvalidKey(&'static str),

    /// A value does not fit the protocol's grid or range; nothing is rounded.
    /// Example: size 0.0000000001 BTC times resolution 10^10 is not an integer.
    #[error("invalid order value: {0}")]
    InvalidValue(String),

    /// A metadata value needed for signing is missing or malformed.
    /// Example: `starkExResolution` = "0xZZ".
    #[error("invalid signing metadata: {0}")]
    InvalidMetadata(String),

    /// The curve arithmetic refused the message (probability ~2^-55 for a Stark hash).
    /// Example: a message hash in [2^251, N); re-derive with a new timestamp.
    #[error("signature failed: {0}")]
    SignatureFailed(String),
}

/// Lowercase hex of bytes, no `0x`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Parses hex with an optional `0x`; odd lengths are accepted (the integer value matters).
pub fn parse_hex_biguint(text: &str) -> Option<num_bigint::BigUint> {
    let digits = text.trim();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    num_bigint::BigUint::parse_bytes(digits.as_bytes(), 16)
}

/// Parses a big integer written as `0x` hex or as decimal digits.
pub fn parse_hex_or_dec(text: &str) -> Option<num_bigint::BigUint> {
    let t = text.trim();
    if t.starts_with("0x") || t.starts_with("0X") {
        parse_hex_biguint(t)
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        num_bigint::BigUint::parse_bytes(t.as_bytes(), 10)
    } else {
        None
    }
}

/// EdgeX `timeInForce` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgexTimeInForce {
    /// `GOOD_TIL_CANCEL`.
    GoodTilCancel,
    /// `IMMEDIATE_OR_CANCEL`.
    ImmediateOrCancel,
    /// `FILL_OR_KILL`.
    FillOrKill,
    /// `POST_ONLY`.
    PostOnly,
}

impl EdgexTimeInForce {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgexTimeInForce::GoodTilCancel => "GOOD_TIL_CANCEL",
            EdgexTimeInForce::ImmediateOrCancel => "IMMEDIATE_OR_CANCEL",
            EdgexTimeInForce::FillOrKill => "FILL_OR_KILL",
            EdgexTimeInForce::PostOnly => "POST_ONLY",
        }
    }

    /// From the wire text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "GOOD_TIL_CANCEL" => Some(EdgexTimeInForce::GoodTilCancel),
            "IMMEDIATE_OR_CANCEL" => Some(EdgexTimeInForce::ImmediateOrCancel),
            "FILL_OR_KILL" => Some(EdgexTimeInForce::FillOrKill),
            "POST_ONLY" => Some(EdgexTimeInForce::PostOnly),
            _ => None,
        }
    }
}

/// The caller's side of a limit order, common to both generations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFields {
    /// Account id (also the StarkEx position id).
    pub account_id: u64,
    /// Buy or sell.
    pub side: venue_api::Side,
    /// Size in base units, on the contract's step grid; its text is sent as is.
    pub size: rust_decimal::Decimal,
    /// Limit price, on the tick grid; its text is sent as is.
    pub price: rust_decimal::Decimal,
    /// Client order id as sent (the nonce is derived from it).
    pub client_order_id: String,
    /// Time in force.
    pub time_in_force: EdgexTimeInForce,
    /// Reduce-only flag.
    pub reduce_only: bool,
    /// The clock, in ms since the epoch (expiry fields and the auth timestamp).
    pub now_ms: u64,
    /// The latest moment (ms) the venue may still execute the order: `expireTime` is never
    /// later. `None` = the SDK's default expiry.
    pub expire_at_ms: Option<u64>,
}

/// `"BUY"` or `"SELL"`.
pub(crate) fn side_text(side: venue_api::Side) -> &'static str {
    match side {
        venue_api::Side::Buy => "BUY",
        venue_api::Side::Sell => "SELL",
    }
}
