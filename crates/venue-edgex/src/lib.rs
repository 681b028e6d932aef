//! `venue-edgex`: the EdgeX adapter (REST, WebSocket, V1 Stark and V2 EIP-712 signing).
//!
//! * [`EdgexConfig`]: endpoints, account, API generation, credentials
//!   ([`EdgexConfig::from_lookup`] over the environment, or explicit values).
//! * [`EdgexVenue`]: implements `venue_api::Venue` (`id() == "edgex"`) for both generations.
//! * [`EdgexStream`] ([`ws`]): optional WebSocket depth stream for top of book
//!   (`EdgexVenue::with_stream`, or started lazily with `book_stream` on).
//! * [`http`]: the REST client ([`EdgexHttpClient`], on `venue_transport`'s request budget),
//!   wire models and parsing; [`error`]: [`EdgexError`] and the mapping to `VenueError`.
//! * [`signing`]: pure, synchronous signing; [`vectors`]: the official-vector checker.
//!
//! Same skeleton and names as `venue-lighter`: `{Venue}Config`, `{Venue}Venue`,
//! `{Venue}HttpClient`, `{Venue}Stream` / `{Venue}StreamConfig`, `{Venue}Error`.

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
pub use http::client::EdgexHttpClient;
pub use venue::{EdgexOrderPayload, EdgexVenue, MAX_CLOCK_SKEW, VENUE_ID};
pub use ws::{BookFeed, BookFeedConfig, EdgexStream, EdgexStreamConfig};
