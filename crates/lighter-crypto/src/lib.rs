//! `lighter-crypto`: the Goldilocks field, its quintic extension, the Poseidon2 hash, the
//! ECgFp5 curve and Schnorr signatures as used by Lighter (see `lighter-protocol.md` §6).
//!
//! Not built yet: filled by the Lighter adapter issue. Nothing here pretends to sign.
