//! Keys and Schnorr signatures over ECgFp5 with a Poseidon2 challenge (spec §4, §6.7, §6.8).
//!
//! `sig = s || e` (40 bytes LE each) with `R = k G`, `e = H5(encode(R) || m) mod n`,
//! `s = k - e sk mod n`. Verification recomputes `R' = s G + e P`. The nonce `k` is a
//! uniform scalar obtained by reducing 64 bytes of caller-supplied entropy mod n; the
//! caller must take them from a CSPRNG (this crate does no I/O).

use crate::base_table::mul_generator;
use crate::curve::Point;
use crate::error::CryptoError;
use crate::field::Fp;
use crate::gfp5::Fp5;
use crate::hex;
use crate::poseidon2::hash_to_quintic;
use crate::scalar::Scalar;
use core::fmt;

/// An API private key: a non-zero scalar. `Debug` never shows it.
#[derive(Clone)]
pub struct PrivateKey {
    sk: Scalar,
    public: PublicKey,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        // best effort without unsafe: overwrite the limbs and keep the write observable
        self.sk = Scalar::ZERO;
        core::hint::black_box(&self.sk);
    }
}

/// A public key: the encoding `w` of `sk G` (40 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(Fp5);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(0x{})", self.to_hex())
    }
}

/// A public key decoded once for repeated verification.
#[derive(Clone, Copy, Debug)]
pub struct VerifyingKey {
    encoded: PublicKey,
    point: Point,
}

/// An 80-byte Schnorr signature `s || e`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    s: Scalar,
    e: Scalar,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(&self.to_bytes()))
    }
}

/// The Schnorr challenge `H5(encode(R) || m)` as a scalar.
fn challenge(r: &Fp5, msg: &Fp5) -> Scalar {
    let mut input = [Fp::ZERO; 10];
    input[..5].copy_from_slice(&r.0);
    input[5..].copy_from_slice(&msg.0);
    Scalar::from_gfp5(&hash_to_quintic(&input))
}

impl PrivateKey {
    /// From 40 little-endian bytes, reduced mod n (as the official signer does); zero is
    /// rejected.
    pub fn from_bytes(bytes: &[u8; 40]) -> Result<PrivateKey, CryptoError> {
        let sk = Scalar::from_bytes_reduce(bytes);
        if sk.is_zero() {
            return Err(CryptoError::PrivateKeyZero);
        }
        let public = PublicKey(mul_generator(&sk).encode());
        Ok(PrivateKey { sk, public })
    }

    /// From `0x` + 80 hex characters (the prefix is optional).
    pub fn from_hex(text: &str) -> Result<PrivateKey, CryptoError> {
        let bytes = hex::decode_fixed::<40>(text).ok_or(CryptoError::PrivateKeyFormat)?;
        PrivateKey::from_bytes(&bytes)
    }

    /// From 64 bytes of CSPRNG output (uniform mod n; zero, with probability ~2^-319, is
    /// rejected).
    pub fn from_entropy(entropy: &[u8; 64]) -> Result<PrivateKey, CryptoError> {
        let sk = Scalar::from_wide_bytes(entropy);
        PrivateKey::from_bytes(&sk.to_bytes())
    }

    /// The 40-byte encoding of the (reduced) scalar.
    pub fn to_bytes(&self) -> [u8; 40] {
        self.sk.to_bytes()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// Signs a 40-byte message element (a tx hash or auth digest) with the nonce derived from
    /// `entropy` (64 bytes from a CSPRNG, fresh for every signature).
    pub fn sign(&self, msg: &Fp5, entropy: &[u8; 64]) -> Signature {
        let k = Scalar::from_wide_bytes(entropy);
        let r = mul_generator(&k).encode();
        let e = challenge(&r, msg);
        let s = k.sub(&e.mul(&self.sk));
        Signature { s, e }
    }
}

impl PublicKey {
    /// From 40 bytes with canonical limbs.
    pub fn from_bytes(bytes: &[u8; 40]) -> Result<PublicKey, CryptoError> {
        Fp5::from_canonical_bytes(bytes)
            .map(PublicKey)
            .ok_or(CryptoError::PublicKeyFormat)
    }

    /// From hex with or without `0x`.
    pub fn from_hex(text: &str) -> Result<PublicKey, CryptoError> {
        let bytes = hex::decode_fixed::<40>(text).ok_or(CryptoError::PublicKeyFormat)?;
        PublicKey::from_bytes(&bytes)
    }

    /// 40 bytes LE.
    pub fn to_bytes(&self) -> [u8; 40] {
        self.0.to_bytes()
    }

    /// Lowercase hex without `0x` (the form the `apikeys` endpoint shows).
    pub fn to_hex(&self) -> String {
        hex::encode(&self.to_bytes())
    }

    /// The field element.
    pub fn as_fp5(&self) -> &Fp5 {
        &self.0
    }

    /// Decodes the key for verification; rejects invalid encodings and the neutral.
    pub fn verifying_key(&self) -> Result<VerifyingKey, CryptoError> {
        if self.0.is_zero() {
            return Err(CryptoError::PublicKeyInvalid);
        }
        let point = Point::decode(&self.0).ok_or(CryptoError::PublicKeyInvalid)?;
        Ok(VerifyingKey {
            encoded: *self,
            point,
        })
    }

    /// Verifies `sig` over `msg` (decodes the key each time; keep a [`VerifyingKey`] for
    /// repeated checks).
    pub fn verify(&self, msg: &Fp5, sig: &Signature) -> bool {
        self.verifying_key().is_ok_and(|vk| vk.verify(msg, sig))
    }
}

impl VerifyingKey {
    /// The public key it was decoded from.
    pub fn public_key(&self) -> PublicKey {
        self.encoded
    }

    /// True iff `sig` is a valid signature of `msg` under this key.
    pub fn verify(&self, msg: &Fp5, sig: &Signature) -> bool {
        let r = mul_generator(&sig.s).add(&self.point.mul_vartime(&sig.e));
        challenge(&r.encode(), msg) == sig.e
    }
}

impl Signature {
    /// `s || e`, 80 bytes.
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        out[..40].copy_from_slice(&self.s.to_bytes());
        out[40..].copy_from_slice(&self.e.to_bytes());
        out
    }

    /// From 80 bytes; rejects s or e >= n.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, CryptoError> {
        if bytes.len() != 80 {
            return Err(CryptoError::SignatureFormat);
        }
        let mut s = [0u8; 40];
        let mut e = [0u8; 40];
        s.copy_from_slice(&bytes[..40]);
        e.copy_from_slice(&bytes[40..]);
        match (
            Scalar::from_bytes_canonical(&s),
            Scalar::from_bytes_canonical(&e),
        ) {
            (Some(s), Some(e)) => Ok(Signature { s, e }),
            _ => Err(CryptoError::SignatureFormat),
        }
    }

    /// From 160 hex characters.
    pub fn from_hex(text: &str) -> Result<Signature, CryptoError> {
        let bytes = hex::decode_fixed::<80>(text).ok_or(CryptoError::SignatureFormat)?;
        Signature::from_bytes(&bytes)
    }

    /// Lowercase hex (the auth-token form).
    pub fn to_hex(&self) -> String {
        hex::encode(&self.to_bytes())
    }
}

/// A 40-byte message (tx hash) as a field element; `None` if a limb is not canonical.
pub fn message_from_bytes(bytes: &[u8; 40]) -> Option<Fp5> {
    Fp5::from_canonical_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SK: &str =
        "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";
    const PK: &str =
        "e9e7323aab3def4fdec83873efa9417057eebcafa013d1e7dbcf9ccbc60de50864dfc5a5a6464226";

    fn entropy(seed: u8) -> [u8; 64] {
        core::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
    }

    #[test]
    fn derives_the_worked_example_public_key() {
        let key = PrivateKey::from_hex(SK).unwrap();
        assert_eq!(key.public_key().to_hex(), PK);
        assert!(!format!("{key:?}").contains("6b25cafb"));
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = PrivateKey::from_hex(SK).unwrap();
        let msg = Fp5::from_u64s([1, 2, 3, 4, 5]);
        let sig = key.sign(&msg, &entropy(1));
        assert!(key.public_key().verify(&msg, &sig));
        let other = key.sign(&msg, &entropy(2));
        assert_ne!(sig, other, "fresh nonce, different signature");
        assert!(key.public_key().verify(&msg, &other));
        assert!(!key
            .public_key()
            .verify(&Fp5::from_u64s([1, 2, 3, 4, 6]), &sig));
        let mut bytes = sig.to_bytes();
        bytes[3] ^= 1;
        assert!(Signature::from_bytes(&bytes)
            .map(|s| !key.public_key().verify(&msg, &s))
            .unwrap_or(true));
        let round = Signature::from_bytes(&sig.to_bytes()).unwrap();
        assert_eq!(round, sig);
    }

    #[test]
    fn rejects_bad_keys_and_signatures() {
        assert_eq!(
            PrivateKey::from_bytes(&[0; 40]).unwrap_err(),
            CryptoError::PrivateKeyZero
        );
        assert_eq!(
            PrivateKey::from_hex("0x1234").unwrap_err(),
            CryptoError::PrivateKeyFormat
        );
        let zero_pk = PublicKey::from_bytes(&[0; 40]).unwrap();
        assert_eq!(
            zero_pk.verifying_key().unwrap_err(),
            CryptoError::PublicKeyInvalid
        );
        assert_eq!(
            Signature::from_bytes(&[0xff; 80]).unwrap_err(),
            CryptoError::SignatureFormat
        );
        assert_eq!(
            Signature::from_bytes(&[0; 79]).unwrap_err(),
            CryptoError::SignatureFormat
        );
    }

    #[test]
    fn neutral_public_key_forgery_is_refused() {
        // under pk = 0 anyone could forge: s arbitrary, e = H(encode(sG) || m)
        let msg = Fp5::from_u64s([9, 9, 9, 9, 9]);
        let s = Scalar::from_limbs_reduce([5, 0, 0, 0, 0]);
        let e = challenge(&mul_generator(&s).encode(), &msg);
        let forged = Signature { s, e };
        assert!(!PublicKey(Fp5::ZERO).verify(&msg, &forged));
    }
}
