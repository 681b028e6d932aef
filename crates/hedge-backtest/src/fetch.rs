//! Building a data file from the venues' public endpoints: for every symbol, each venue's
//! settled funding over the window (`Venue::funding_history_between`: the adapters page
//! through the venue's history endpoint within their request budget) and the fee schedule
//! from the market metadata. No credentials are needed.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use venue_api::{MarketInfo, Venue, VenueError};

use crate::data::{FeeSchedule, FundingData, MarketHistory, VenueHistory, DATA_VERSION};

/// Why the data could not be fetched, naming the venue and symbol.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A venue read failed. Example: a timeout on the history endpoint.
    #[error("{venue} {what}: {source}")]
    Venue {
        /// Venue id.
        venue: String,
        /// What was read (e.g. `funding history of BTC`).
        what: String,
        /// The error.
        source: VenueError,
    },
    /// No symbol could be fetched on both venues.
    #[error("no funding history for any of {0:?} on both venues")]
    Empty(Vec<String>),
}

/// Progress of a fetch: (requests done, requests planned, what was just read).
pub type Progress<'a> = &'a (dyn Fn(usize, usize, &str) + Sync);

/// Fetches `symbols` on both venues (slot A first) over `[from, to)`. A symbol a venue does
/// not list is left out (said through `progress`); any other failure stops the fetch.
pub async fn fetch(
    venues: [&dyn Venue; 2],
    symbols: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<FundingData, FetchError> {
    let total = symbols.len() * 2 + 2;
    let mut done = 0usize;
    let mut out: Vec<VenueHistory> = Vec::with_capacity(2);
    for v in venues {
        let markets: Vec<MarketInfo> = v.markets().await.map_err(|source| FetchError::Venue {
            venue: v.id().to_string(),
            what: "market list".into(),
            source,
        })?;
        done += 1;
        progress(done, total, &format!("{} markets", v.id()));
        // The venue's fee schedule: the first listed market that publishes one.
        let fees = markets
            .iter()
            .find_map(|m| Some((m.maker_fee?, m.taker_fee?)))
            .map(|(maker, taker)| FeeSchedule { maker, taker })
            .unwrap_or(FeeSchedule {
                maker: rust_decimal::Decimal::ZERO,
                taker: rust_decimal::Decimal::ZERO,
            });
        let mut per = BTreeMap::new();
        for s in symbols {
            done += 1;
            let Some(m) = markets.iter().find(|m| m.symbol.eq_ignore_ascii_case(s)) else {
                progress(done, total, &format!("{} does not list {s}", v.id()));
                continue;
            };
            let points = v
                .funding_history_between(&m.symbol, from, to)
                .await
                .map_err(|source| FetchError::Venue {
                    venue: v.id().to_string(),
                    what: format!("funding history of {s}"),
                    source,
                })?;
            progress(
                done,
                total,
                &format!("{} {s}: {} settlements", v.id(), points.len()),
            );
            let mut h = MarketHistory::from_points(m.funding_interval_minutes, &points);
            h.taker_fee = m.taker_fee.filter(|f| *f != fees.taker);
            h.maker_fee = m.maker_fee.filter(|f| *f != fees.maker);
            per.insert(s.to_ascii_uppercase(), h);
        }
        out.push(VenueHistory {
            venue: v.id().to_string(),
            fees,
            markets: per,
        });
    }
    let data = FundingData {
        version: DATA_VERSION,
        source: format!("{} + {} public funding history", out[0].venue, out[1].venue),
        created_at: Some(Utc::now()),
        from,
        to,
        venues: out,
    };
    if data.common_symbols().is_empty() {
        return Err(FetchError::Empty(symbols.to_vec()));
    }
    Ok(data)
}
