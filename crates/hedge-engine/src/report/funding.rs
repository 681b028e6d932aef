//! The `funding` report: one symbol's current rate (normalised to per hour and APR), recent
//! settled rates and next settlement on two venues, and the pair analysis (which venue to
//! short, net APR, hourly spread, fee break-even over a hold, edge after fees).

use super::Fetched;
use crate::funding::{self, FeeModel, FundingError, NormalisedRate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use venue_api::{FundingPoint, FundingRate, Venue};

/// How many settled rates the report shows per venue (newest first; W40).
pub const RECENT_RATES: usize = 3;

/// A venue's current rate, as published and normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurrentRate {
    /// What the venue published.
    pub published: FundingRate,
    /// Per hour and APR.
    pub normalised: NormalisedRate,
}

/// One venue's funding for the symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueFunding {
    /// Venue id.
    pub venue: String,
    /// The current rate; a failed read, or a rate whose interval is unknown, is `Failed` with
    /// its reason.
    pub current: Fetched<CurrentRate>,
    /// Settled rates, newest first, at most [`RECENT_RATES`].
    pub recent: Fetched<Vec<FundingPoint>>,
    /// Taker fee (fraction), when the market read gave one.
    pub taker_fee: Option<Decimal>,
}

/// The pair, analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingAnalysis {
    /// Venue id that should hold the long leg.
    pub long: String,
    /// Venue id that should hold the short leg (its funding pays more per hour).
    pub short: String,
    /// APR (percent) of the long venue's rate.
    pub long_apr_percent: Decimal,
    /// APR (percent) of the short venue's rate.
    pub short_apr_percent: Decimal,
    /// Net APR of that direction, percent (>= 0).
    pub net_apr_percent: Decimal,
    /// |hourly A - hourly B| in percent.
    pub hourly_spread_percent: Decimal,
    /// Fee break-even APR over the hold, when both taker fees are known.
    pub break_even_apr_percent: Option<Decimal>,
    /// Net APR minus break-even.
    pub edge_apr_percent: Option<Decimal>,
    /// The hold the break-even assumes.
    pub hold_hours: Decimal,
}

/// Funding of one symbol on two venues.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundingReport {
    /// Symbol.
    pub symbol: String,
    /// Venue A then venue B, as given.
    pub venues: [VenueFunding; 2],
    /// Present when both current rates were read.
    pub analysis: Option<FundingAnalysis>,
    /// Why the analysis could not be computed although both rates were read (a bad hold).
    pub analysis_error: Option<FundingError>,
}

impl FundingReport {
    /// True when a venue's current rate could not be read.
    pub fn any_failed(&self) -> bool {
        self.venues
            .iter()
            .any(|v| matches!(v.current, Fetched::Failed(_)))
    }
}

fn current(r: Result<FundingRate, venue_api::VenueError>) -> Fetched<CurrentRate> {
    match r {
        Ok(published) => match funding::normalise(published.rate, published.interval_minutes) {
            Ok(normalised) => Fetched::Ok(CurrentRate {
                published,
                normalised,
            }),
            Err(e) => Fetched::Failed(e.to_string()),
        },
        Err(e) => Fetched::Failed(e.to_string()),
    }
}

/// Reads both venues at once (rate, history, market) and analyses the pair for a hold of
/// `hold_hours`. Venue failures are data in the report; nothing here fails as a whole.
pub async fn funding_report(
    a: &Arc<dyn Venue>,
    b: &Arc<dyn Venue>,
    symbol: &str,
    hold_hours: Decimal,
) -> FundingReport {
    let (fa, fb, ha, hb, ma, mb) = tokio::join!(
        a.funding(symbol),
        b.funding(symbol),
        a.funding_history(symbol, RECENT_RATES),
        b.funding_history(symbol, RECENT_RATES),
        a.market(symbol),
        b.market(symbol)
    );
    let newest = |h: Result<Vec<FundingPoint>, _>| {
        Fetched::from_result(h.map(|mut v| {
            v.truncate(RECENT_RATES);
            v
        }))
    };
    let va = VenueFunding {
        venue: a.id().to_string(),
        current: current(fa),
        recent: newest(ha),
        taker_fee: ma.ok().and_then(|m| m.taker_fee),
    };
    let vb = VenueFunding {
        venue: b.id().to_string(),
        current: current(fb),
        recent: newest(hb),
        taker_fee: mb.ok().and_then(|m| m.taker_fee),
    };
    let (analysis, analysis_error) = match analyse(&va, &vb, hold_hours) {
        None => (None, None),
        Some(Ok(x)) => (Some(x), None),
        Some(Err(e)) => (None, Some(e)),
    };
    FundingReport {
        symbol: symbol.to_string(),
        venues: [va, vb],
        analysis,
        analysis_error,
    }
}

fn analyse(
    a: &VenueFunding,
    b: &VenueFunding,
    hold_hours: Decimal,
) -> Option<Result<FundingAnalysis, FundingError>> {
    let (ra, rb) = (a.current.ok()?, b.current.ok()?);
    let fees = a
        .taker_fee
        .zip(b.taker_fee)
        .map(|(taker_fee_a, taker_fee_b)| FeeModel {
            taker_fee_a,
            taker_fee_b,
            hold_hours,
        });
    let p = match funding::evaluate_pair(
        (ra.published.rate, ra.published.interval_minutes),
        (rb.published.rate, rb.published.interval_minutes),
        fees,
    ) {
        Ok(p) => p,
        Err(e) => return Some(Err(e)),
    };
    let ((long, long_apr), (short, short_apr)) = match p.direction {
        funding::Direction::LongAShortB => ((a, p.a.apr_percent), (b, p.b.apr_percent)),
        funding::Direction::LongBShortA => ((b, p.b.apr_percent), (a, p.a.apr_percent)),
    };
    Some(Ok(FundingAnalysis {
        long: long.venue.clone(),
        short: short.venue.clone(),
        long_apr_percent: long_apr,
        short_apr_percent: short_apr,
        net_apr_percent: p.net_apr,
        hourly_spread_percent: (p.a.hourly_rate - p.b.hourly_rate).abs() * Decimal::ONE_HUNDRED,
        break_even_apr_percent: p.break_even_apr,
        edge_apr_percent: p.edge_apr,
        hold_hours,
    }))
}
