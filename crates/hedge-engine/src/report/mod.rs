//! Typed, serialisable reports of what the venues say right now, built once here and used by
//! `hedge-cli` (which only renders them) and the bots (which decide on them).
//!
//! - [`funding`]: one symbol's funding on both venues, with the direction and the fee-aware
//!   edge ([`funding::FundingReport`]).
//! - [`overview`]: the funding ranking over many symbols, with bounded concurrency and an
//!   overall timeout given by the caller; a symbol that cannot be ranked is a typed skip with
//!   its reason, never dropped and never a zero ([`overview::FundingOverview`]).
//! - [`status`]: positions per venue read as a hedge, uPnL, funding since the position opened,
//!   fee estimates, warnings, HALT and unfinished operations ([`status::StatusReport`]).
//! - [`capacity`]: the largest hedge the collateral allows and which venue limits it
//!   ([`capacity::CapacityReport`]).
//! - [`leverage`]: default, maximum and current leverage per venue and symbol
//!   ([`leverage::LeverageReport`]).
//!
//! Reports hold venue ids (`"edgex"`, `"lighter"`) and exact decimals; nothing here formats
//! for people.

pub mod capacity;
pub mod funding;
pub mod leverage;
pub mod overview;
pub mod status;

#[cfg(test)]
mod tests;

use crate::capacity::CapacityError;
use crate::pricing::PricingError;
use crate::state::StateError;
use serde::Serialize;
use std::time::Duration;
use venue_api::{Venue, VenueError};

/// Why a report could not be built at all (a per-symbol or per-venue failure that still leaves
/// a useful report is data inside it, not this error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    /// A read every figure depends on failed. Example: `EdgeX market: unknown market: NOPE`.
    #[error("{venue} {action}: {source}")]
    Venue {
        /// The venue's display name.
        venue: String,
        /// What was being read ("market", "position", "balance", ...).
        action: &'static str,
        /// The error.
        source: VenueError,
    },
    /// No usable price on either book. Example: both books empty.
    #[error("{0}; try a more liquid market")]
    Price(PricingError),
    /// The capacity arithmetic refused its inputs. Example: leverage 0.
    #[error(transparent)]
    Capacity(#[from] CapacityError),
    /// The engine state could not be read. Example: a corrupt state file.
    #[error(transparent)]
    State(#[from] StateError),
    /// A read every figure depends on did not answer within the caller's time limit.
    /// Example: `EdgeX markets did not answer within 5s`.
    #[error("{venue} {action} did not answer within {timeout:?}")]
    Timeout {
        /// The venue's display name.
        venue: String,
        /// What was being read.
        action: &'static str,
        /// The limit.
        timeout: Duration,
    },
}

impl ReportError {
    pub(crate) fn venue(v: &dyn Venue, action: &'static str, source: VenueError) -> Self {
        ReportError::Venue {
            venue: v.display_name().to_string(),
            action,
            source,
        }
    }
}

/// A read that may have failed: the value, or why not (the reason is kept as text for people;
/// the failure itself is what code acts on).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fetched<T> {
    /// The venue answered.
    Ok(T),
    /// The read failed; never read as zero.
    Failed(String),
}

impl<T> Fetched<T> {
    /// From a venue result.
    pub fn from_result(r: Result<T, VenueError>) -> Self {
        match r {
            Ok(v) => Fetched::Ok(v),
            Err(e) => Fetched::Failed(e.to_string()),
        }
    }

    /// The value, if read.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Fetched::Ok(v) => Some(v),
            Fetched::Failed(_) => None,
        }
    }
}

/// Durations in JSON as whole milliseconds.
pub(crate) fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
