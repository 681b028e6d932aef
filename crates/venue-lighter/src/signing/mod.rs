//! Pure, synchronous transaction building and signing, plus the nonce manager.
//!
//! - [`tx`]: the tx types, their validation, digest and exact `tx_info` JSON.
//! - [`scaling`]: decimal price/size to integer wire units, exactly.
//! - [`signer`]: the API-key signer (txs and auth tokens).
//! - [`nonce`]: nonce allocation shared by concurrent senders.
//! - [`vectors`]: the checker for files in the official vector format.

pub mod nonce;
pub mod scaling;
pub mod signer;
pub mod tx;
pub mod vectors;

pub use nonce::{NonceGuard, NonceManager};
pub use signer::{LighterSigner, SignedTx, SigningError};
pub use tx::{
    CancelAllMode, CancelAllOrders, CancelOrder, CreateOrder, MarginModeCode, OrderTimeInForce,
    OrderType, TxAttributes, TxBody, TxHeader, TxType, UnsignedTx,
};
