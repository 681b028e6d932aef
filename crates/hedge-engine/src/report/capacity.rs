//! The `capacity` report: how large a hedge the collateral on both venues allows at the
//! configured leverage, and which venue limits it. The bot sizes with the same function, so
//! the CLI and the bot never disagree (issue 16, item 3).

use super::ReportError;
use crate::capacity::{hedge_capacity, CapacityParams, HedgeCapacity};
use crate::ids::LegRole;
use crate::pricing::average_mid;
use crate::protocol::LegVenues;
use crate::sizing::LegMarket;
use rust_decimal::Decimal;
use serde::Serialize;

/// One venue's side of the capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityLeg {
    /// Venue id.
    pub venue: String,
    /// Available collateral as the venue reports it (quote currency).
    pub available: Decimal,
    /// Largest position this venue alone could carry (base units, unrounded).
    pub capacity_base: Decimal,
}

/// The capacity of the configured hedge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityReport {
    /// Symbol.
    pub symbol: String,
    /// Average mid of both books used for the conversion.
    pub mid: Decimal,
    /// Leverage the capacity assumes.
    pub leverage: u32,
    /// The long venue.
    pub long: CapacityLeg,
    /// The short venue.
    pub short: CapacityLeg,
    /// The role whose collateral limits the hedge (the smaller capacity; long on a tie).
    pub limiting: LegRole,
    /// The full computation (common step, max size on the common grid, minimum).
    pub capacity: HedgeCapacity,
}

impl CapacityReport {
    /// The venue id whose collateral limits the hedge.
    pub fn limiting_venue(&self) -> &str {
        match self.limiting {
            LegRole::Long => &self.long.venue,
            LegRole::Short => &self.short.venue,
        }
    }
}

/// Reads markets, books and balances of both legs at once and computes the capacity. A failed
/// balance read is an error, never 0 (W39).
pub async fn capacity(
    venues: &LegVenues,
    symbol: &str,
    leverage: u32,
    params: &CapacityParams,
) -> Result<CapacityReport, ReportError> {
    let (lv, sv) = (venues.long.as_ref(), venues.short.as_ref());
    let (lm, sm, lb, sb, lbal, sbal) = tokio::join!(
        lv.market(symbol),
        sv.market(symbol),
        lv.top_of_book(symbol),
        sv.top_of_book(symbol),
        lv.balance(),
        sv.balance()
    );
    let lm = lm.map_err(|e| ReportError::venue(lv, "market", e))?;
    let sm = sm.map_err(|e| ReportError::venue(sv, "market", e))?;
    let lb = lb.map_err(|e| ReportError::venue(lv, "top of book", e))?;
    let sb = sb.map_err(|e| ReportError::venue(sv, "top of book", e))?;
    let lbal = lbal.map_err(|e| ReportError::venue(lv, "balance", e))?;
    let sbal = sbal.map_err(|e| ReportError::venue(sv, "balance", e))?;
    let mid = average_mid(&lb, &sb).map_err(ReportError::Price)?;
    let cap = hedge_capacity(
        LegMarket::new(lv.id(), &lm),
        lbal.available,
        LegMarket::new(sv.id(), &sm),
        sbal.available,
        Decimal::from(leverage),
        mid,
        params,
    )?;
    let limiting = if cap.short.max_base < cap.long.max_base {
        LegRole::Short
    } else {
        LegRole::Long
    };
    Ok(CapacityReport {
        symbol: symbol.to_string(),
        mid,
        leverage,
        long: CapacityLeg {
            venue: lv.id().to_string(),
            available: lbal.available,
            capacity_base: cap.long.max_base,
        },
        short: CapacityLeg {
            venue: sv.id().to_string(),
            available: sbal.available,
            capacity_base: cap.short.max_base,
        },
        limiting,
        capacity: cap,
    })
}
