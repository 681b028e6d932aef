//! The funding overview (`funding_all`, and the rotation bot's scan at every check): current
//! rates of many symbols on two venues, each ranked by net APR, or skipped with a typed reason.
//!
//! Bounded for a bot that runs it every few minutes: a venue that answers many symbols in one
//! request ([`venue_api::VenueCapabilities::bulk_funding`]) gets that one request; any other
//! venue gets one request per symbol, at most `concurrency` at a time. Everything runs under
//! one overall deadline given by the caller; a symbol whose rate had not arrived by then is
//! [`SkipReason::TimedOut`], never dropped and never a zero.

use super::ReportError;
use crate::funding::{self, Direction, NormalisedRate};
use futures_util::stream::{self, StreamExt};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{FundingRate, MarketInfo, Venue, VenueError};

/// How the scan is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverviewSettings {
    /// Most requests in flight per venue without a bulk funding endpoint (at least 1).
    pub concurrency: usize,
    /// The whole scan's deadline, from its start.
    pub timeout: Duration,
}

impl Default for OverviewSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            timeout: Duration::from_secs(30),
        }
    }
}

/// One venue's rate for a ranked symbol.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LegRate {
    /// Venue id.
    pub venue: String,
    /// What the venue published (interval, next settlement).
    pub published: FundingRate,
    /// Per hour and APR.
    pub normalised: NormalisedRate,
    /// The market's taker fee (fraction), where the market list gives one: the round-trip
    /// cost a decision subtracts.
    pub taker_fee: Option<Decimal>,
}

/// A symbol whose rates were read on both venues.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedSymbol {
    /// Venue A's rate.
    pub a: LegRate,
    /// Venue B's rate.
    pub b: LegRate,
    /// The better direction (A and B as given).
    pub direction: Direction,
    /// Venue id of the long leg in that direction.
    pub long: String,
    /// Venue id of the short leg.
    pub short: String,
    /// Net APR of that direction (percent, >= 0; before fees).
    pub net_apr_percent: Decimal,
}

/// Why a symbol is not ranked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SkipReason {
    /// The venue does not list the symbol (for the configured quote).
    NotListed {
        /// Venue id.
        venue: String,
    },
    /// The venue's rate read failed (for this symbol, or the venue's whole bulk request).
    RateFailed {
        /// Venue id.
        venue: String,
        /// The error, for people.
        error: String,
    },
    /// The venue gave a rate without a usable funding interval (so no APR can be computed).
    UnknownInterval {
        /// Venue id.
        venue: String,
        /// The interval it gave.
        interval_minutes: u32,
    },
    /// The venue answered, but without a rate for this symbol.
    NoRate {
        /// Venue id.
        venue: String,
    },
    /// The venue's rate had not arrived when the scan's deadline passed.
    TimedOut {
        /// Venue id.
        venue: String,
    },
}

impl SkipReason {
    /// The venue the reason is about.
    pub fn venue(&self) -> &str {
        match self {
            SkipReason::NotListed { venue }
            | SkipReason::RateFailed { venue, .. }
            | SkipReason::UnknownInterval { venue, .. }
            | SkipReason::NoRate { venue }
            | SkipReason::TimedOut { venue } => venue,
        }
    }
}

/// A symbol's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SymbolOutcome {
    /// Both rates read.
    Ranked(Box<RankedSymbol>),
    /// Not ranked, and why.
    Skipped {
        /// The first reason found (venue A's before venue B's).
        reason: SkipReason,
    },
}

/// One symbol of the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SymbolFunding {
    /// Symbol (upper case).
    pub symbol: String,
    /// Ranked or skipped.
    #[serde(flatten)]
    pub outcome: SymbolOutcome,
}

impl SymbolFunding {
    /// The ranked figures, if any.
    pub fn ranked(&self) -> Option<&RankedSymbol> {
        match &self.outcome {
            SymbolOutcome::Ranked(r) => Some(r),
            SymbolOutcome::Skipped { .. } => None,
        }
    }

    /// The net APR, if ranked.
    pub fn net_apr_percent(&self) -> Option<Decimal> {
        self.ranked().map(|r| r.net_apr_percent)
    }
}

/// A venue-wide rate read that failed (every symbol on it is skipped with this error).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueFailure {
    /// Venue id.
    pub venue: String,
    /// The venue's display name.
    pub venue_name: String,
    /// What failed.
    pub action: &'static str,
    /// The error, for people.
    pub error: String,
}

/// The overview of many symbols.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundingOverview {
    /// Venue ids, A then B.
    pub venues: [String; 2],
    /// One row per symbol asked, in the order asked (see [`FundingOverview::sort_by_net_apr`]).
    pub rows: Vec<SymbolFunding>,
    /// Venue-wide failures of a bulk rate read.
    pub venue_failures: Vec<VenueFailure>,
    /// True when the deadline passed before every rate arrived.
    pub timed_out: bool,
    /// How long the scan took.
    #[serde(serialize_with = "super::ser_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl FundingOverview {
    /// Sorts the rows by net APR, highest first; skipped rows last, in their order.
    pub fn sort_by_net_apr(&mut self) {
        self.rows.sort_by(|x, y| {
            y.net_apr_percent()
                .unwrap_or(Decimal::MIN)
                .cmp(&x.net_apr_percent().unwrap_or(Decimal::MIN))
        });
    }

    /// The ranked symbols, highest net APR first.
    pub fn ranked(&self) -> Vec<(&str, &RankedSymbol)> {
        let mut v: Vec<(&str, &RankedSymbol)> = self
            .rows
            .iter()
            .filter_map(|r| r.ranked().map(|x| (r.symbol.as_str(), x)))
            .collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1.net_apr_percent));
        v
    }

    /// The skipped symbols and why.
    pub fn skipped(&self) -> Vec<(&str, &SkipReason)> {
        self.rows
            .iter()
            .filter_map(|r| match &r.outcome {
                SymbolOutcome::Skipped { reason } => Some((r.symbol.as_str(), reason)),
                SymbolOutcome::Ranked(_) => None,
            })
            .collect()
    }
}

/// What one venue answered.
#[derive(Default)]
struct VenueRates {
    rates: HashMap<String, Result<FundingRate, VenueError>>,
    failure: Option<VenueError>,
    timed_out: bool,
}

async fn read_rates(
    v: &dyn Venue,
    symbols: &[String],
    concurrency: usize,
    deadline: tokio::time::Instant,
) -> VenueRates {
    let mut out = VenueRates::default();
    if symbols.is_empty() {
        return out;
    }
    if v.capabilities().bulk_funding {
        match tokio::time::timeout_at(deadline, v.funding_rates(symbols)).await {
            Ok(Ok(list)) => {
                for (s, r) in list {
                    out.rates.insert(s.to_ascii_uppercase(), r);
                }
            }
            Ok(Err(e)) => out.failure = Some(e),
            Err(_) => out.timed_out = true,
        }
        return out;
    }
    let mut pending = stream::iter(symbols.iter().cloned())
        .map(|s| async move {
            let r = v.funding(&s).await;
            (s, r)
        })
        .buffer_unordered(concurrency.max(1));
    loop {
        match tokio::time::timeout_at(deadline, pending.next()).await {
            Ok(Some((s, r))) => {
                out.rates.insert(s.to_ascii_uppercase(), r);
            }
            Ok(None) => break,
            Err(_) => {
                out.timed_out = true;
                break;
            }
        }
    }
    out
}

fn listed(markets: &[MarketInfo], symbol: &str) -> bool {
    markets
        .iter()
        .any(|m| m.symbol.eq_ignore_ascii_case(symbol))
}

/// Reads both venues' markets, then the rates of every symbol listed on both, and ranks them.
/// Fails as a whole only when a venue's market list cannot be read (or does not arrive before
/// the deadline): without it no symbol can be judged.
pub async fn funding_overview(
    a: &Arc<dyn Venue>,
    b: &Arc<dyn Venue>,
    symbols: &[String],
    settings: OverviewSettings,
) -> Result<FundingOverview, ReportError> {
    let started = std::time::Instant::now();
    let deadline = tokio::time::Instant::now() + settings.timeout;
    let symbols: Vec<String> = symbols
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let markets = |v: &Arc<dyn Venue>| {
        let v = Arc::clone(v);
        async move {
            match tokio::time::timeout_at(deadline, v.markets()).await {
                Ok(r) => r.map_err(|e| ReportError::venue(v.as_ref(), "markets", e)),
                Err(_) => Err(ReportError::Timeout {
                    venue: v.display_name().to_string(),
                    action: "markets",
                    timeout: settings.timeout,
                }),
            }
        }
    };
    let (ma, mb) = tokio::join!(markets(a), markets(b));
    let (ma, mb) = (ma?, mb?);
    let both: Vec<String> = symbols
        .iter()
        .filter(|s| listed(&ma, s) && listed(&mb, s))
        .cloned()
        .collect();
    let (ra, rb) = tokio::join!(
        read_rates(a.as_ref(), &both, settings.concurrency, deadline),
        read_rates(b.as_ref(), &both, settings.concurrency, deadline)
    );
    let mut venue_failures = Vec::new();
    for (v, r) in [(a, &ra), (b, &rb)] {
        if let Some(e) = &r.failure {
            venue_failures.push(VenueFailure {
                venue: v.id().to_string(),
                venue_name: v.display_name().to_string(),
                action: "funding rates",
                error: e.to_string(),
            });
        }
    }
    let rows = symbols
        .iter()
        .map(|s| SymbolFunding {
            symbol: s.clone(),
            outcome: judge(s, (a.as_ref(), &ma, &ra), (b.as_ref(), &mb, &rb)),
        })
        .collect();
    Ok(FundingOverview {
        venues: [a.id().to_string(), b.id().to_string()],
        rows,
        venue_failures,
        timed_out: ra.timed_out || rb.timed_out,
        elapsed: started.elapsed(),
    })
}

type Side<'a> = (&'a dyn Venue, &'a [MarketInfo], &'a VenueRates);

/// The rate of one symbol on one venue, or why there is none.
fn rate_of(symbol: &str, (v, markets, r): Side<'_>) -> Result<LegRate, SkipReason> {
    let venue = v.id().to_string();
    match r.rates.get(symbol) {
        Some(Ok(rate)) => match funding::normalise(rate.rate, rate.interval_minutes) {
            Ok(normalised) => Ok(LegRate {
                venue,
                published: rate.clone(),
                normalised,
                taker_fee: markets
                    .iter()
                    .find(|m| m.symbol.eq_ignore_ascii_case(symbol))
                    .and_then(|m| m.taker_fee),
            }),
            Err(_) => Err(SkipReason::UnknownInterval {
                venue,
                interval_minutes: rate.interval_minutes,
            }),
        },
        Some(Err(e)) => Err(SkipReason::RateFailed {
            venue,
            error: e.to_string(),
        }),
        None => Err(if let Some(e) = &r.failure {
            SkipReason::RateFailed {
                venue,
                error: e.to_string(),
            }
        } else if r.timed_out {
            SkipReason::TimedOut { venue }
        } else {
            SkipReason::NoRate { venue }
        }),
    }
}

fn judge(symbol: &str, a: Side<'_>, b: Side<'_>) -> SymbolOutcome {
    for (v, m, _) in [a, b] {
        if !listed(m, symbol) {
            return SymbolOutcome::Skipped {
                reason: SkipReason::NotListed {
                    venue: v.id().to_string(),
                },
            };
        }
    }
    let (la, lb) = match (rate_of(symbol, a), rate_of(symbol, b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(reason), _) | (_, Err(reason)) => return SymbolOutcome::Skipped { reason },
    };
    let direction = funding::best_direction(la.normalised.apr_percent, lb.normalised.apr_percent);
    let net = funding::net_apr(
        direction,
        la.normalised.apr_percent,
        lb.normalised.apr_percent,
    );
    let (long, short) = match direction {
        Direction::LongAShortB => (la.venue.clone(), lb.venue.clone()),
        Direction::LongBShortA => (lb.venue.clone(), la.venue.clone()),
    };
    SymbolOutcome::Ranked(Box::new(RankedSymbol {
        a: la,
        b: lb,
        direction,
        long,
        short,
        net_apr_percent: net,
    }))
}
