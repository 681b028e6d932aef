//! `venue-edgex`: the EdgeX adapter (REST, WebSocket, V1 Stark and V2 EIP-712 signing).
//!
//! * [`EdgexConfig`]: endpoints, account, API generation, credentials
//!   ([`EdgexConfig::from_lookup`] over the environment, or explicit values).
//! * [`EdgexVenue`]: implements `venue_api::Venue` (`id() == "edgex"`) for both generations.
//! * [`BookFeed`]: optional WebSocket depth feed for top of book (`EdgexVenue::with_book_feed`).
//! * [`signing`]: pure, synchronous signing; [`vectors`]: the official-vector checker.

pub mod config;
pub mod error;
pub mod http;
pub mod signing;
pub mod vectors;
pub mod venue;
pub mod ws;

pub use config::{
    ApiVersion, EdgexConfig, EdgexConfigError, EdgexCredentials, V1Credentials, V2Credentials,
};
pub use error::EdgexError;
pub use venue::{EdgexOrderPayload, EdgexVenue, VENUE_ID};
pub use ws::{BookFeed, BookFeedConfig};
