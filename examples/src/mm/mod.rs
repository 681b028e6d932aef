//! Order management shared by both market makers, on top of any [`venue_api::Venue`].
//!
//! - [`ids`]: client ids carrying the maker's own 16-bit tag, so that its orders (and only
//!   its orders) can be found and cancelled on an account other programs also use (EX-W16:
//!   never `cancel_all`).
//! - [`orders`]: the [`OrderManager`]: a start-up/shutdown sweep of every open order with our
//!   tag (verified with `open_orders`, bounded retries), fills of our orders as they happen,
//!   and reconciliation of target quotes against what rests (keep within `requote_ticks`,
//!   else cancel by client id and place post-only at the target).
//! - [`book`]: the book a maker quotes from, with its age: a live feed when the venue has one,
//!   else `top_of_book` polling; a book older than `stale_after` (or none at all for that
//!   long) is stale and the maker pulls its quotes until a fresh one arrives.
//!
//! Contract: at most one order of ours rests per side; a side is only placed again once the
//! previous order on that side is known final (so a cancel that did not land never leaves two
//! orders, and the inventory bound of [`crate::quoting::side_sizes`] holds); fills that
//! happened while a replaced order was being cancelled shrink the replacement.

pub mod book;
pub mod ids;
pub mod orders;

#[cfg(test)]
mod tests;

pub use book::{BookRead, BookWatch};
pub use ids::{ClientIds, EDGEX_MAKER_TAG, LIGHTER_MAKER_TAG};
pub use orders::{
    decide, Action, Fill, ManagerSettings, OrderManager, ReconcileReport, RefreshReport, Resting,
    Target, Targets,
};

use venue_api::{ClientOrderId, VenueError};

/// What the order manager could not do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MmError {
    /// A venue call failed.
    /// Example: `open_orders` on edgex timed out during the start-up sweep.
    #[error("{op} on {venue}: {source}")]
    Venue {
        /// The call ("open_orders", "cancel_order 17...").
        op: String,
        /// The venue id.
        venue: &'static str,
        /// What the venue said.
        source: VenueError,
    },
    /// Orders of ours were still open after every cancel round of a sweep.
    /// Example: the venue kept answering cancels with 503 during shutdown.
    #[error("{} order(s) of ours still open after {attempts} cancel round(s): {}", ids.len(), list(ids))]
    StillOpen {
        /// Rounds tried.
        attempts: u32,
        /// The client ids still open.
        ids: Vec<ClientOrderId>,
    },
    /// A setting is out of range.
    /// Example: `tag` = 0 (the client-id tag must be non-zero).
    #[error("{name} = {value}: {expected}")]
    Setting {
        /// The setting's name.
        name: &'static str,
        /// Its value, as text.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

fn list(ids: &[ClientOrderId]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
