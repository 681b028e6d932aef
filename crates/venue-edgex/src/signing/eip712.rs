//! The one EIP-712 type EdgeX V2 orders use, encoded by hand, and the secp256k1 signer.
//!
//! `LimitOrderParams(OrderBase base, ...)` with `OrderBase(...)` appended to its type string
//! (EIP-712 appends referenced types sorted by name). Every field is a static 32-byte word:
//! integers big-endian, `address` left-padded, `bool` 0/1, the nested struct by its hash.
//! Signatures are RFC 6979 deterministic and low-s, serialised `r || s || v` with v = 27/28.

use super::stark::keccak256;
use super::{parse_hex_biguint, to_hex, SigningError};
use k256::ecdsa::SigningKey;
use num_bigint::BigUint;
use std::fmt;
use venue_api::Secret;

const DOMAIN_TYPE: &str =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
const ORDER_BASE_TYPE: &str =
    "OrderBase(uint256 nonce,address signer,uint64 accountId,uint256 expirationTimestamp)";
const LIMIT_ORDER_TYPE: &str = "LimitOrderParams(OrderBase base,int256 amountSynthetic,int256 amountCollateral,uint256 amountFee,uint64 assetIdSynthetic,uint64 assetIdCollateral,bool isBuyingSynthetic,bytes32 parentOrderHash,uint256 subOrderIndex)";

/// A 20-byte Ethereum address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// From `0x`-prefixed (or bare) 40 hex digits, any case.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let digits = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let mut out = [0u8; 20];
        hex::decode_to_slice(digits, &mut out).ok()?;
        Some(Self(out))
    }

    /// EIP-55 mixed-case checksum form with `0x`.
    pub fn to_checksum(&self) -> String {
        let lower = to_hex(&self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            out.push(if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
        out
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

/// The signing domain: name "EdgeX", version "1", chain id and verifying contract from metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eip712Domain {
    /// `global.nativeChainId` or `global.chainId`.
    pub chain_id: BigUint,
    /// `global.contractAddress`.
    pub verifying_contract: Address,
}

impl Eip712Domain {
    /// `hashStruct(EIP712Domain)`.
    pub fn separator(&self) -> Result<[u8; 32], SigningError> {
        let mut enc = Vec::with_capacity(32 * 5);
        enc.extend_from_slice(&keccak256(DOMAIN_TYPE.as_bytes()));
        enc.extend_from_slice(&keccak256(b"EdgeX"));
        enc.extend_from_slice(&keccak256(b"1"));
        enc.extend_from_slice(&word_uint(&self.chain_id, "chainId")?);
        enc.extend_from_slice(&word_address(&self.verifying_contract));
        Ok(keccak256(&enc))
    }
}

/// The `LimitOrderParams` message (with its `OrderBase`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOrderMessage {
    /// `base.nonce`.
    pub nonce: u64,
    /// `base.signer`.
    pub signer: Address,
    /// `base.accountId`.
    pub account_id: u64,
    /// `base.expirationTimestamp` (seconds).
    pub expiration_timestamp: u64,
    /// `amountSynthetic` (non-negative).
    pub amount_synthetic: BigUint,
    /// `amountCollateral` (non-negative).
    pub amount_collateral: BigUint,
    /// `amountFee`.
    pub amount_fee: BigUint,
    /// `assetIdSynthetic` (the contract id).
    pub asset_id_synthetic: u64,
    /// `assetIdCollateral` (the quote coin id).
    pub asset_id_collateral: u64,
    /// `isBuyingSynthetic`.
    pub is_buying_synthetic: bool,
    /// `parentOrderHash` (zero for plain orders).
    pub parent_order_hash: [u8; 32],
    /// `subOrderIndex` (zero for plain orders).
    pub sub_order_index: u64,
}

impl LimitOrderMessage {
    /// `hashStruct(LimitOrderParams)`.
    pub fn struct_hash(&self) -> Result<[u8; 32], SigningError> {
        let mut base = Vec::with_capacity(32 * 5);
        base.extend_from_slice(&keccak256(ORDER_BASE_TYPE.as_bytes()));
        base.extend_from_slice(&word_u64(self.nonce));
        base.extend_from_slice(&word_address(&self.signer));
        base.extend_from_slice(&word_u64(self.account_id));
        base.extend_from_slice(&word_u64(self.expiration_timestamp));
        let base_hash = keccak256(&base);

        let mut enc = Vec::with_capacity(32 * 10);
        enc.extend_from_slice(&keccak256(
            format!("{LIMIT_ORDER_TYPE}{ORDER_BASE_TYPE}").as_bytes(),
        ));
        enc.extend_from_slice(&base_hash);
        enc.extend_from_slice(&word_int256_non_negative(
            &self.amount_synthetic,
            "amountSynthetic",
        )?);
        enc.extend_from_slice(&word_int256_non_negative(
            &self.amount_collateral,
            "amountCollateral",
        )?);
        enc.extend_from_slice(&word_uint(&self.amount_fee, "amountFee")?);
        enc.extend_from_slice(&word_u64(self.asset_id_synthetic));
        enc.extend_from_slice(&word_u64(self.asset_id_collateral));
        enc.extend_from_slice(&word_u64(u64::from(self.is_buying_synthetic)));
        enc.extend_from_slice(&self.parent_order_hash);
        enc.extend_from_slice(&word_u64(self.sub_order_index));
        Ok(keccak256(&enc))
    }
}

/// `keccak256(0x19 0x01 || domainSeparator || structHash)`.
pub fn signing_hash(domain_separator: &[u8; 32], struct_hash: &[u8; 32]) -> [u8; 32] {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator);
    buf[34..].copy_from_slice(struct_hash);
    keccak256(&buf)
}

fn word_u64(value: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&value.to_be_bytes());
    w
}

fn word_address(address: &Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(&address.0);
    w
}

fn word_uint(value: &BigUint, what: &str) -> Result<[u8; 32], SigningError> {
    let bytes = value.to_bytes_be();
    if bytes.len() > 32 {
        return Err(SigningError::InvalidValue(format!(
            "{what} exceeds 256 bits"
        )));
    }
    let mut w = [0u8; 32];
    w[32 - bytes.len()..].copy_from_slice(&bytes);
    Ok(w)
}

fn word_int256_non_negative(value: &BigUint, what: &str) -> Result<[u8; 32], SigningError> {
    if value.bits() > 255 {
        return Err(SigningError::InvalidValue(format!("{what} exceeds int256")));
    }
    word_uint(value, what)
}

/// The V2 trading key (secp256k1). `Debug` prints only the address.
#[derive(Clone)]
pub struct EthKey {
    key: SigningKey,
    address: Address,
}

impl EthKey {
    /// From the configured hex key (`0x` optional).
    pub fn from_secret(secret: &Secret) -> Result<Self, SigningError> {
        let value =
            parse_hex_biguint(secret.expose()).ok_or(SigningError::InvalidKey("trading"))?;
        let bytes = value.to_bytes_be();
        if bytes.len() > 32 {
            return Err(SigningError::InvalidKey("trading"));
        }
        let mut padded = [0u8; 32];
        padded[32 - bytes.len()..].copy_from_slice(&bytes);
        let key =
            SigningKey::from_slice(&padded).map_err(|_| SigningError::InvalidKey("trading"))?;
        padded.fill(0);
        let point = key.verifying_key().to_encoded_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut address = [0u8; 20];
        address.copy_from_slice(&hash[12..]);
        Ok(Self {
            key,
            address: Address(address),
        })
    }

    /// The signer address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte hash: `r || s || v` with v = 27 or 28.
    pub fn sign_hash(&self, hash: &[u8; 32]) -> Result<[u8; 65], SigningError> {
        let (signature, recovery) = self
            .key
            .sign_prehash_recoverable(hash)
            .map_err(|e| SigningError::SignatureFailed(e.to_string()))?;
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&signature.to_bytes());
        out[64] = 27 + recovery.to_byte();
        Ok(out)
    }
}

impl fmt::Debug for EthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EthKey")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_of_vector_key() {
        let key = EthKey::from_secret(&Secret::new(
            "0x4ef6aa7ec69806eaf81f5c80239dc599f98ddc84f59dc887156eab79e9b161f5",
        ))
        .unwrap();
        assert_eq!(
            key.address().to_checksum(),
            "0x39DBA67FE402a44B53B92BB425323370E4303D1F"
        );
        assert!(!format!("{key:?}").contains("4ef6aa7e"));
    }

    #[test]
    fn eip55_reference() {
        let a = Address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").unwrap();
        assert_eq!(
            a.to_checksum(),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }
}
