//! Paper credentials: fresh keys for both venues, generated from the OS CSPRNG on every
//! start and registered (public halves only) on the simulator's accounts.

use crate::engine::{Account, Exchange, VenueKind};
use crate::server::SimError;
use num_bigint::BigUint;
use rust_decimal::Decimal;
use starknet_crypto::Felt;
use venue_api::Secret;

const CURVE_ORDER_HEX: &str = "0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f";

/// EdgeX V1 paper credentials.
#[derive(Debug, Clone)]
pub struct EdgexPaperKeys {
    /// Account id.
    pub account_id: u64,
    /// Stark private key (64 hex, no 0x).
    pub stark_private_key: Secret,
    /// Stark public key x (64 hex, no 0x).
    pub stark_public_key: String,
}

/// Lighter paper credentials.
#[derive(Debug, Clone)]
pub struct LighterPaperKeys {
    /// Account index.
    pub account_index: i64,
    /// API key index.
    pub api_key_index: u8,
    /// API private key (`0x` + 80 hex).
    pub private_key: Secret,
    /// API public key (80 hex, no 0x).
    pub public_key: String,
}

fn random<const N: usize>() -> Result<[u8; N], SimError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SimError::Setup(format!("random source: {e}")))?;
    Ok(b)
}

/// A random u64.
pub fn random_u64() -> Result<u64, SimError> {
    Ok(u64::from_le_bytes(random::<8>()?))
}

/// New EdgeX V1 keys for `account_id`.
pub fn edgex_keys(account_id: u64) -> Result<EdgexPaperKeys, SimError> {
    let order = BigUint::parse_bytes(CURVE_ORDER_HEX.as_bytes(), 16).unwrap_or_default();
    let mut k = BigUint::from_bytes_be(&random::<32>()?) % &order;
    if k == BigUint::ZERO {
        k = BigUint::from(1u32);
    }
    let private = Felt::from_bytes_be_slice(&k.to_bytes_be());
    let public = starknet_crypto::get_public_key(&private);
    Ok(EdgexPaperKeys {
        account_id,
        stark_private_key: Secret::new(hex::encode(private.to_bytes_be())),
        stark_public_key: hex::encode(public.to_bytes_be()),
    })
}

/// New Lighter keys for (`account_index`, `api_key_index`).
pub fn lighter_keys(account_index: i64, api_key_index: u8) -> Result<LighterPaperKeys, SimError> {
    let key = lighter_crypto::PrivateKey::from_entropy(&random::<64>()?)
        .map_err(|e| SimError::Setup(format!("lighter key: {e}")))?;
    Ok(LighterPaperKeys {
        account_index,
        api_key_index,
        private_key: Secret::new(format!(
            "0x{}",
            lighter_crypto::hex::encode(&key.to_bytes())
        )),
        public_key: key.public_key().to_hex(),
    })
}

/// Registers (or re-keys) the EdgeX account of `keys`, creating it with `collateral`.
pub fn register_edgex(ex: &mut Exchange, keys: &EdgexPaperKeys, collateral: Decimal) {
    let id = keys.account_id.to_string();
    if ex.account(VenueKind::Edgex, &id).is_err() {
        ex.insert_account(Account::new(VenueKind::Edgex, id.clone(), collateral));
    }
    if let Ok(a) = ex.account_mut(VenueKind::Edgex, &id) {
        a.edgex_auth.stark_public_key = Some(keys.stark_public_key.clone());
    }
}

/// Registers (or re-keys) the Lighter account of `keys`, creating it with `collateral`.
pub fn register_lighter(ex: &mut Exchange, keys: &LighterPaperKeys, collateral: Decimal) {
    let id = keys.account_index.to_string();
    if ex.account(VenueKind::Lighter, &id).is_err() {
        ex.insert_account(Account::new(VenueKind::Lighter, id.clone(), collateral));
    }
    if let Ok(a) = ex.account_mut(VenueKind::Lighter, &id) {
        a.lighter_auth
            .api_keys
            .insert(keys.api_key_index, keys.public_key.clone());
        a.lighter_auth.nonces.entry(keys.api_key_index).or_insert(0);
    }
}

/// EdgeX V2 credentials of a simulated account (API key triple + trading address).
#[derive(Debug, Clone)]
pub struct EdgexV2Registration {
    /// Account id.
    pub account_id: u64,
    /// API key.
    pub api_key: String,
    /// API passphrase.
    pub api_passphrase: Secret,
    /// API secret.
    pub api_secret: Secret,
    /// Trading address (0x + 40 hex).
    pub trading_address: String,
}

/// Registers V2 credentials on an EdgeX account (created with `collateral` if new). The
/// secret halves live in memory only (never in the state file).
pub fn register_edgex_v2(ex: &mut Exchange, reg: &EdgexV2Registration, collateral: Decimal) {
    let id = reg.account_id.to_string();
    if ex.account(VenueKind::Edgex, &id).is_err() {
        ex.insert_account(Account::new(VenueKind::Edgex, id.clone(), collateral));
    }
    if let Ok(a) = ex.account_mut(VenueKind::Edgex, &id) {
        a.edgex_auth.api_key = Some(reg.api_key.clone());
        a.edgex_auth.api_passphrase = Some(reg.api_passphrase.expose().to_string());
        a.edgex_auth.api_secret = Some(reg.api_secret.expose().to_string());
        a.edgex_auth.trading_address = Some(reg.trading_address.clone());
    }
}

/// EdgeX V2 paper credentials: the registration the simulator checks, plus the trading key.
#[derive(Debug, Clone)]
pub struct EdgexV2PaperKeys {
    /// API key triple and trading address as registered.
    pub registration: EdgexV2Registration,
    /// Trading private key (`0x` + 64 hex).
    pub trading_private_key: Secret,
}

/// New EdgeX V2 credentials for `account_id` (random API key, passphrase, secret and
/// secp256k1 trading key).
pub fn edgex_v2_keys(account_id: u64) -> Result<EdgexV2PaperKeys, SimError> {
    let text = |n: usize| -> Result<String, SimError> { Ok(hex::encode(&random::<32>()?[..n])) };
    loop {
        let trading = Secret::new(format!("0x{}", hex::encode(random::<32>()?)));
        // A draw outside the curve order (probability ~2^-128) is simply drawn again.
        let Ok(key) = venue_edgex::signing::eip712::EthKey::from_secret(&trading) else {
            continue;
        };
        return Ok(EdgexV2PaperKeys {
            registration: EdgexV2Registration {
                account_id,
                api_key: format!("paper-{}", text(8)?),
                api_passphrase: Secret::new(text(8)?),
                api_secret: Secret::new(text(16)?),
                trading_address: key.address().to_checksum(),
            },
            trading_private_key: trading,
        });
    }
}
