//! Errors of the crypto layer. None of them carries key material.

/// Why a key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A private key that is not 40 bytes of hex. Example: a 64-hex-char Ethereum key.
    #[error("private key must be 40 bytes (80 hex characters, optional 0x)")]
    PrivateKeyFormat,
    /// A private key equal to 0 mod n. Example: forty zero bytes.
    #[error("private key is zero modulo the group order")]
    PrivateKeyZero,
    /// A public key that is not 40 bytes of hex or has a limb >= p.
    #[error("public key must be 40 bytes with canonical limbs")]
    PublicKeyFormat,
    /// A public key that decodes to no curve point, or to the neutral element.
    #[error("public key is not a valid non-neutral group element")]
    PublicKeyInvalid,
    /// A signature that is not 80 bytes, or whose s or e is >= n.
    #[error("signature must be 80 bytes with s and e below the group order")]
    SignatureFormat,
    /// A 40-byte message whose limbs are not canonical field elements.
    #[error("message must be 40 bytes with canonical limbs")]
    MessageFormat,
}
