//! The Stark key of a V1 account and StarkWare ECDSA with RFC 6979 nonces.
//!
//! The private key never leaves [`StarkKey`] (its `Debug` prints only the public key). Signing
//! is deterministic: `k = rfc6979_generate_k(m, priv, seed)`, which is what SDK 0.1.0 did and
//! what the vectors pin; the venue cannot tell it from a random `k`.
//!
//! `k·G` goes through the fixed-base table of [`super::stark_table`]; the rest of the
//! signature (`r`, `s = (m + r·priv) / k mod N`) follows `starknet_crypto::sign` exactly, and
//! the tests compare both on many inputs.

use super::stark_table::mul_generator;
use super::{parse_hex_biguint, to_hex, SigningError};
use num_bigint::BigUint;
use sha3::{Digest, Keccak256};
use starknet_crypto::{Felt, SignError};
use starknet_types_core::curve::AffinePoint;
use std::fmt;
use venue_api::Secret;

/// Order N of the Stark curve.
const CURVE_ORDER_HEX: &str = "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f";

/// Every valid `r`, `s` and message hash is below 2^251.
fn element_upper_bound() -> BigUint {
    BigUint::from(1u32) << 251
}

/// How many RFC 6979 seeds are tried when `k` is invalid (probability ~2^-128 each).
const MAX_K_SEEDS: u64 = 8;

/// The Stark curve order N.
pub fn curve_order() -> BigUint {
    // The constant is valid hex; an empty fallback would only be reached if it were edited.
    BigUint::parse_bytes(CURVE_ORDER_HEX.as_bytes(), 16).unwrap_or_default()
}

/// A Stark signature `(r, s)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StarkSignature {
    /// r.
    pub r: Felt,
    /// s.
    pub s: Felt,
}

impl StarkSignature {
    /// `r || s`, 64 lowercase hex digits each, no `0x` (the header and `l2Signature` form).
    pub fn to_hex(&self) -> String {
        format!("{}{}", felt_hex(&self.r), felt_hex(&self.s))
    }
}

/// A field element as 64 lowercase hex digits, no `0x`.
pub fn felt_hex(value: &Felt) -> String {
    to_hex(&value.to_bytes_be())
}

/// A big integer as a field element; it must be below the field prime.
pub fn felt_from_biguint(value: &BigUint, what: &str) -> Result<Felt, SigningError> {
    if value > &Felt::MAX.to_biguint() {
        return Err(SigningError::InvalidValue(format!(
            "{what} does not fit a field element"
        )));
    }
    Ok(Felt::from(value.clone()))
}

/// Keccak-256 of bytes (Ethereum's, not NIST SHA3).
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// A 32-byte digest read big-endian and reduced modulo the curve order N (not the field prime).
pub fn digest_mod_order(digest: &[u8; 32]) -> Felt {
    let reduced = BigUint::from_bytes_be(digest) % curve_order();
    Felt::from(reduced)
}

/// A V1 account's Stark key pair.
#[derive(Clone)]
pub struct StarkKey {
    private: Felt,
    public_x: Felt,
}

impl StarkKey {
    /// From the configured hex key (`0x` optional, odd length allowed). Reduced mod N, 0 -> 1
    /// (the SDK's rule).
    pub fn from_secret(secret: &Secret) -> Result<Self, SigningError> {
        let value = parse_hex_biguint(secret.expose()).ok_or(SigningError::InvalidKey("Stark"))?;
        let mut reduced = value % curve_order();
        if reduced == BigUint::ZERO {
            reduced = BigUint::from(1u32);
        }
        let private = Felt::from(reduced);
        // Build the fixed-base tables now (once per process), not inside the first timed
        // order: a V1 key exists only to sign.
        super::stark_table::warm_up();
        super::stark_pedersen::warm_up();
        Ok(Self {
            private,
            public_x: starknet_crypto::get_public_key(&private),
        })
    }

    /// x of `priv·G`: the account's `l2Key`.
    pub fn public_key(&self) -> Felt {
        self.public_x
    }

    /// y of `priv·G`: the account's `l2KeyYCoordinate`.
    pub fn public_key_y(&self) -> Felt {
        (&AffinePoint::generator() * self.private).y()
    }

    /// Signs a message hash with an RFC 6979 `k`, retrying new seeds only on an invalid `k`.
    pub fn sign(&self, message: &Felt) -> Result<StarkSignature, SigningError> {
        let mut seed: Option<Felt> = None;
        for attempt in 0..MAX_K_SEEDS {
            let k = starknet_crypto::rfc6979_generate_k(message, &self.private, seed.as_ref());
            match sign_with_k(&self.private, message, &k) {
                Ok(sig) => return Ok(sig),
                Err(SignError::InvalidK) => seed = Some(Felt::from(attempt + 1)),
                Err(SignError::InvalidMessageHash) => {
                    return Err(SigningError::SignatureFailed(
                        "message hash not below 2^251; re-derive the message".to_string(),
                    ))
                }
            }
        }
        Err(SigningError::SignatureFailed(
            "no valid k after several seeds".to_string(),
        ))
    }
}

/// StarkWare ECDSA with a given `k`: the same checks and results as `starknet_crypto::sign`,
/// with `k·G` from the fixed-base table.
fn sign_with_k(private: &Felt, message: &Felt, k: &Felt) -> Result<StarkSignature, SignError> {
    let bound = element_upper_bound();
    if message.to_biguint() >= bound {
        return Err(SignError::InvalidMessageHash);
    }
    if *k == Felt::ZERO {
        return Err(SignError::InvalidK);
    }
    let r = mul_generator(k)
        .to_affine()
        .map_err(|_| SignError::InvalidK)?
        .x();
    let r_int = r.to_biguint();
    if r_int == BigUint::ZERO || r_int >= bound {
        return Err(SignError::InvalidK);
    }
    let order = curve_order();
    let k_inv = k.to_biguint().modinv(&order).ok_or(SignError::InvalidK)?;
    let s_int = ((r_int * private.to_biguint()) % &order + message.to_biguint()) * k_inv % &order;
    if s_int == BigUint::ZERO || s_int >= bound {
        return Err(SignError::InvalidK);
    }
    Ok(StarkSignature {
        r,
        s: Felt::from(s_int),
    })
}

impl fmt::Debug for StarkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StarkKey")
            .field("public_key", &felt_hex(&self.public_x))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRIV: &str = "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4";

    #[test]
    fn public_key_of_vector_case0() {
        let key = StarkKey::from_secret(&Secret::new(PRIV)).unwrap();
        assert_eq!(
            felt_hex(&key.public_key()),
            "01cbb2b74965f2489e72a0f71ab491bc8b3f36514bc76f82a72c49776d8b974f"
        );
        assert_eq!(
            felt_hex(&key.public_key_y()),
            "06a47bf2ededa5a3ebaf7647299da98e671616fa4b1f7b795aaf8f93f1baedb2"
        );
        let lenient = StarkKey::from_secret(&Secret::new(format!("0x{}", &PRIV[1..]))).unwrap();
        assert_eq!(lenient.public_key(), key.public_key());
    }

    /// Deterministic pseudo-random field element below `limit` (Keccak of a tag and counter).
    fn pseudo_random(tag: u8, i: u32, limit: &BigUint) -> Felt {
        let mut input = vec![tag];
        input.extend_from_slice(&i.to_be_bytes());
        Felt::from(BigUint::from_bytes_be(&keccak256(&input)) % limit)
    }

    #[test]
    fn table_signing_matches_starknet_crypto_sign() {
        let n = curve_order();
        let bound = element_upper_bound();
        for i in 0..32 {
            let private = pseudo_random(1, i, &n);
            let message = pseudo_random(2, i, &bound);
            let k = pseudo_random(3, i, &n);
            let ours = sign_with_k(&private, &message, &k);
            let library = starknet_crypto::sign(&private, &message, &k);
            match (ours, library) {
                (Ok(a), Ok(b)) => assert_eq!((a.r, a.s), (b.r, b.s), "case #{i}"),
                (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "case #{i}"),
                (a, b) => panic!("case #{i}: ours {a:?}, library {b:?}"),
            }
        }
    }

    #[test]
    fn table_signing_rejects_like_the_library() {
        let private = Felt::from(12345u32);
        let too_big = Felt::from(element_upper_bound());
        let cases: Vec<(&str, Felt, Felt)> = vec![
            ("message = 2^251", too_big, Felt::from(7u32)),
            ("k = 0", Felt::from(99u32), Felt::ZERO),
        ];
        for (name, message, k) in cases {
            let ours = sign_with_k(&private, &message, &k).map(|s| (s.r, s.s));
            let library = starknet_crypto::sign(&private, &message, &k).map(|s| (s.r, s.s));
            assert_eq!(format!("{ours:?}"), format!("{library:?}"), "{name}");
            assert!(ours.is_err(), "{name}");
        }
    }

    #[test]
    fn debug_hides_the_private_key() {
        let key = StarkKey::from_secret(&Secret::new(PRIV)).unwrap();
        let text = format!("{key:?}");
        assert!(!text.contains(&PRIV[1..20]), "{text}");
        assert!(StarkKey::from_secret(&Secret::new("xyz")).is_err());
    }

    #[test]
    fn keccak_reduced_mod_order_not_field_prime() {
        let digest = keccak256(
            b"1745502857779GET/api/v1/private/account/getPositionTransactionPageaccountId=670388375886375217&filterTypeList=SETTLE_FUNDING_FEE&size=10",
        );
        assert_eq!(
            to_hex(&digest),
            "f15777e74b4d9fcb5cd4276ea445a682db889d8cda16d42343c344d34d88e5bb"
        );
        assert_eq!(
            felt_hex(&digest_mod_order(&digest)),
            "015777e74b4d9dcd5cd4276ea445a68b5a6874af12eff243b3bc4120f04bda39"
        );
    }
}
