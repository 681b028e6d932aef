//! The transport pieces both venue adapters share, written once:
//!
//! - [`budget`]: the request budget of one venue account, with **write priority**: order
//!   sends (create, cancel, leverage) are served before status polls and market reads, reads
//!   never take the last [`BudgetConfig::write_reserve`] tokens, and a 429 with `Retry-After`
//!   pauses every request for that long.
//! - [`backoff`]: jittered exponential backoff for retried reads and WebSocket reconnects
//!   (the delays come from `backon`'s `ExponentialBuilder`); a venue's `Retry-After` wins.
//! - [`tls`]: the one TLS stack (rustls with the `ring` provider), installed once.
//!
//! Writes are never retried by this crate: a lost answer to a write is resolved by looking
//! the order up.

pub mod backoff;
pub mod budget;
pub mod tls;

pub use backoff::{backoff_delay, RetryPolicy};
pub use budget::{BudgetConfig, Priority, RequestBudget};
pub use tls::install_tls_provider;
