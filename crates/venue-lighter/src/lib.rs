//! `venue-lighter`: the Lighter adapter (REST, WebSocket, transaction signing, nonces).
//!
//! - [`LighterConfig`] ([`config`]): read with [`LighterConfig::from_lookup`] (e.g.
//!   `&|k| std::env::var(k).ok()`), or build with [`LighterConfig::new`]; call
//!   [`LighterConfig::require_trading_credentials`] before trading.
//! - [`LighterVenue`] ([`venue`]): implements `venue_api::Venue` (`id() == "lighter"`).
//!   `LighterVenue::new(config)` for production, `LighterVenue::with_clock(config, clock)`
//!   (as `EdgexVenue::with_clock`) or `with_parts(config, settings, clock)` for tests and the
//!   simulator; `spawn_stream(symbols)` adds the WebSocket book and balance stream
//!   ([`LighterStream`]) with REST fallback.
//! - [`signing`]: pure, synchronous tx building ([`signing::tx`]), exact decimal scaling
//!   ([`signing::scaling`]), the signer and auth tokens ([`LighterSigner`]), the
//!   [`NonceManager`], and the vector checker ([`signing::vectors`], also
//!   `cargo run -q -p venue-lighter --example check_vectors -- PATH`).
//! - [`http`]: the REST client ([`LighterHttpClient`]), wire models and wire -> domain
//!   parsing; [`error`]: [`LighterError`] and the mapping of the venue's answers to
//!   `venue_api::VenueError`; [`ws`]: the stream ([`LighterStream`], on the shared
//!   `venue_transport::ws` loop). The request budget is `venue_transport::RequestBudget`.
//!
//! Same skeleton and names as `venue-edgex`: `{Venue}Config`, `{Venue}Venue`,
//! `{Venue}HttpClient`, `{Venue}Stream` / `{Venue}StreamConfig`, `{Venue}Error`.
//!
//! The cryptography (Poseidon2, ECgFp5, Schnorr) lives in `lighter-crypto`.

pub mod config;
pub mod error;
pub mod http;
pub mod orders;
pub mod signing;
pub mod venue;
pub mod ws;

pub use config::{LighterConfig, LighterConfigError};
pub use error::LighterError;
pub use http::{HttpSettings, LighterHttp, LighterHttpClient};
pub use signing::{LighterSigner, NonceManager, SignedTx, SigningError};
pub use venue::{LighterPreparedOrder, LighterVenue, VENUE_ID};
pub use ws::{LighterStream, LighterStreamConfig, StreamCache, StreamConfig};
