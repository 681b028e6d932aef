//! `venue-api`: the vocabulary shared by every venue adapter and by the hedge engine.
//!
//! This crate holds domain types (markets, books, funding, balances, positions, orders), the
//! object-safe [`Venue`] trait that adapters implement and the engine consumes as
//! `Arc<dyn Venue>`, the typed [`VenueError`], a redacting [`Secret`] wrapper, and the
//! injectable [`Clock`]. It performs no I/O and names no exchange: venue specifics live in the
//! adapter crates.
//!
//! Money, prices and sizes are `rust_decimal::Decimal` everywhere; conversion to a venue's
//! integer wire units happens in the adapters, exactly.

mod clock;
mod error;
mod ids;
mod market_data;
mod secret;
mod types;
mod venue;

pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use error::VenueError;
pub use ids::{ClientOrderId, MarketId};
pub use market_data::{BookSnapshot, MarketEvent, MarketFeed, PublicTrade};
pub use secret::Secret;
pub use types::{
    Balance, BookLevel, BookSource, FundingPayment, FundingPoint, FundingRate, LeverageSetting,
    MarginMode, MarketInfo, MarketStatus, OrderAck, OrderRequest, OrderState, OrderStatus,
    Position, Side, TimeInForce, TopOfBook,
};
pub use venue::{PreparedOrder, Venue, VenueCapabilities};

/// Re-exported so that callers name the same decimal type as the trait.
pub use rust_decimal::Decimal;
