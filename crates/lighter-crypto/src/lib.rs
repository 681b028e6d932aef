//! `lighter-crypto`: the Goldilocks field, its quintic extension, the Poseidon2 hash, the
//! ECgFp5 curve and Schnorr signatures as used by Lighter (see `lighter-protocol.md` §6).
//!
//! Pure and synchronous: no I/O, no randomness of its own (signing takes 64 bytes of
//! entropy from the caller's CSPRNG). Secret-dependent operations (key derivation, the
//! nonce multiplication `k G`, `e sk`) are branch-free with masked table lookups.
//!
//! ```
//! use lighter_crypto::{PrivateKey, hash_u64s};
//! let key = PrivateKey::from_hex(
//!     "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07",
//! ).unwrap();
//! let msg = hash_u64s(&[304, 14, 1, 2, 3]);
//! let sig = key.sign(&msg, &[7u8; 64]); // use real CSPRNG bytes
//! assert!(key.public_key().verify(&msg, &sig));
//! ```

mod base_table;
mod curve;
mod error;
mod field;
mod gfp5;
pub mod hex;
mod poseidon2;
mod poseidon2_constants;
mod scalar;
mod schnorr;

pub use base_table::{mul_generator, warm_up};
pub use curve::{AffinePoint, Point};
pub use error::CryptoError;
pub use field::{Fp, P};
pub use gfp5::Fp5;
pub use poseidon2::{hash_to_quintic, hash_u64s, permute, RATE, WIDTH};
pub use scalar::{Scalar, N};
pub use schnorr::{message_from_bytes, PrivateKey, PublicKey, Signature, VerifyingKey};
