//! The `check_leverage` report: per symbol, each venue's default and maximum leverage (from its
//! market list) and, with credentials, the account's current setting; and the highest leverage
//! usable on both venues. A failed read of the current setting is data, never "unset".

use super::{Fetched, ReportError};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use venue_api::{MarketInfo, Venue};

/// One venue's leverage for a symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueLeverage {
    /// Venue id.
    pub venue: String,
    /// False when the venue does not list the symbol (then every figure is `None`).
    pub listed: bool,
    /// The market's default leverage.
    pub default: Option<Decimal>,
    /// The market's maximum leverage.
    pub max: Option<Decimal>,
    /// The account's current setting: only read with credentials and when both venues list
    /// the symbol (`None` otherwise).
    pub current: Option<Fetched<Decimal>>,
}

/// One symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolLeverage {
    /// Symbol (upper case).
    pub symbol: String,
    /// Venue A then venue B, as given.
    pub venues: [VenueLeverage; 2],
    /// The highest leverage usable on both: the smaller maximum.
    pub min_max: Option<Decimal>,
}

/// Leverage of many symbols on two venues.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeverageReport {
    /// One row per symbol asked, in that order.
    pub rows: Vec<SymbolLeverage>,
    /// True when the account's current settings were read.
    pub with_account: bool,
}

fn find<'a>(markets: &'a [MarketInfo], symbol: &str) -> Option<&'a MarketInfo> {
    markets
        .iter()
        .find(|m| m.symbol.eq_ignore_ascii_case(symbol))
}

/// Reads both venues' market lists (and, with `with_account`, the account's setting of each
/// symbol listed on both). Fails only when a market list cannot be read.
pub async fn leverage_report(
    a: &Arc<dyn Venue>,
    b: &Arc<dyn Venue>,
    symbols: &[String],
    with_account: bool,
) -> Result<LeverageReport, ReportError> {
    let (ma, mb) = tokio::join!(a.markets(), b.markets());
    let ma = ma.map_err(|e| ReportError::venue(a.as_ref(), "markets", e))?;
    let mb = mb.map_err(|e| ReportError::venue(b.as_ref(), "markets", e))?;
    let mut rows = Vec::with_capacity(symbols.len());
    for s in symbols.iter().map(|s| s.trim().to_ascii_uppercase()) {
        let (fa, fb) = (find(&ma, &s), find(&mb, &s));
        let (ca, cb) = if with_account && fa.is_some() && fb.is_some() {
            let (x, y) = tokio::join!(a.leverage(&s), b.leverage(&s));
            (
                Some(Fetched::from_result(x.map(|l| l.leverage))),
                Some(Fetched::from_result(y.map(|l| l.leverage))),
            )
        } else {
            (None, None)
        };
        let side = |v: &Arc<dyn Venue>, m: Option<&MarketInfo>, current| VenueLeverage {
            venue: v.id().to_string(),
            listed: m.is_some(),
            default: m.and_then(|m| m.default_leverage),
            max: m.and_then(|m| m.max_leverage),
            current,
        };
        let (va, vb) = (side(a, fa, ca), side(b, fb, cb));
        let min_max = va.max.zip(vb.max).map(|(x, y)| x.min(y));
        rows.push(SymbolLeverage {
            symbol: s,
            venues: [va, vb],
            min_max,
        });
    }
    Ok(LeverageReport { rows, with_account })
}
