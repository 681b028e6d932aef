//! The `status` report: the positions of one symbol on two venues read as a hedge (direction,
//! notional, uPnL, quality, net exposure), when each position opened and the funding it earned
//! since, fee estimates and the net figures, warnings, and the engine's HALT and unfinished
//! operations. A failed read is never a zero (W39, D10): totals that depend on it are `None`.

use super::{Fetched, ReportError};
use crate::analysis::{hedge_status, HedgeStatus, LegSnapshot};
use crate::protocol::HedgeEngine;
use crate::state::{EngineState, Halt, JournalEntry, OperationKind, Outcome};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use venue_api::{Balance, MarketInfo, Position, Venue};

/// Sizes at or below this count as no position.
pub const FLAT_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// Where an opened time comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum OpenedSource {
    /// The venue reports when the position opened.
    Venue,
    /// The venue does not; this is the start of the journaled operation that opened it.
    Journal {
        /// That operation.
        operation: crate::ids::OperationId,
    },
}

/// When a position opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opened {
    /// The time.
    pub at: DateTime<Utc>,
    /// How long it has been open at the report's time (whole seconds, never negative).
    pub held_seconds: i64,
    /// Where it comes from.
    #[serde(flatten)]
    pub source: OpenedSource,
}

/// Funding booked on one venue since its position opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingSince {
    /// Sum of the payments (quote currency; positive = received).
    pub amount: Decimal,
    /// How many payments.
    pub payments: usize,
}

/// One venue's leg.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusLeg {
    /// Venue id.
    pub venue: String,
    /// The position as the venue reports it (`None` = flat).
    pub position: Option<Position>,
    /// The venue's mid, when its book could be read and has both sides.
    pub mid: Option<Decimal>,
    /// When the position opened, when known (venue first, else the journal).
    pub opened: Option<Opened>,
    /// Funding since it opened (all payments when the open time is unknown); `None` while
    /// flat.
    pub funding: Option<Fetched<FundingSince>>,
    /// Distance from the mid to the liquidation price, percent of the mid, when the venue
    /// reports a liquidation price and the book has a mid.
    pub liquidation_distance_percent: Option<Decimal>,
    /// The account's collateral, when asked for ([`StatusOptions::balances`]).
    pub balance: Option<Fetched<Balance>>,
}

/// What the status report reads beyond positions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusOptions {
    /// Also read each venue's balance (margin health; the bot asks, `status` does not).
    pub balances: bool,
}

/// How long the reads took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusTimings {
    /// Market lookups.
    #[serde(serialize_with = "super::ser_ms", rename = "markets_ms")]
    pub markets: Duration,
    /// Books and positions.
    #[serde(serialize_with = "super::ser_ms", rename = "positions_ms")]
    pub positions: Duration,
}

/// Everything `status` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// Symbol.
    pub symbol: String,
    /// Venue A's leg then venue B's, as given.
    pub legs: [StatusLeg; 2],
    /// The pair as a hedge (quality, exposure, uPnL, fee estimates, warnings).
    pub analysis: HedgeStatus,
    /// Funding of both legs since open; `None` once a venue's funding could not be read
    /// (D10), and `None` while flat.
    pub funding_total: Option<Decimal>,
    /// Taker fees to open (paid) plus to close (estimated), when both are known.
    pub fees_total: Option<Decimal>,
    /// Funding minus fees.
    pub funding_minus_fees: Option<Decimal>,
    /// Funding plus uPnL minus fees.
    pub net_pnl: Option<Decimal>,
    /// Trading is HALTED, and why (the failing step and its error).
    pub halt: Option<Halt>,
    /// Operations whose outcome was never recorded.
    pub unfinished: Vec<JournalEntry>,
    /// Where the engine state lives.
    pub state_file: String,
    /// The report's time (the engine clock).
    pub as_of: DateTime<Utc>,
    /// Read times.
    pub timings: StatusTimings,
}

impl StatusReport {
    /// True when an operator must look: HALTED, an unfinished operation, or positions that
    /// are not a clean hedge (one-sided, same direction, imbalanced).
    pub fn needs_attention(&self) -> bool {
        self.halt.is_some() || !self.unfinished.is_empty() || self.analysis.needs_attention()
    }
}

/// When the journal says the current position on `venue` opened: the start of the latest
/// open that began from flat (a later `--add` keeps it), forgotten by a close that ended flat.
pub fn journal_open_time(
    state: &EngineState,
    symbol: &str,
    venue: &str,
) -> Option<(DateTime<Utc>, crate::ids::OperationId)> {
    let mut opened = None;
    for e in state
        .journal
        .iter()
        .filter(|e| e.symbol.eq_ignore_ascii_case(symbol))
    {
        let leg = e.legs.iter().find(|l| l.venue == venue);
        let touches = leg.is_some() || e.orders.iter().any(|o| o.venue == venue);
        if !touches {
            continue;
        }
        match (&e.kind, &e.outcome) {
            (OperationKind::Open, Some(Outcome::Hedged { .. })) => {
                let from_flat = leg
                    .and_then(|l| l.position_before)
                    .is_none_or(|p| p.abs() <= FLAT_TOLERANCE);
                if from_flat || opened.is_none() {
                    opened = Some((e.started_at, e.operation));
                }
            }
            (OperationKind::Close | OperationKind::CloseLeg, Some(Outcome::Flat)) => opened = None,
            _ => {}
        }
    }
    opened
}

/// Distance from `mid` to `liquidation`, percent of `mid` (4 decimals); `None` without a
/// positive mid.
pub fn liquidation_distance_percent(liquidation: Decimal, mid: Decimal) -> Option<Decimal> {
    (mid > Decimal::ZERO)
        .then(|| ((mid - liquidation).abs() / mid * Decimal::ONE_HUNDRED).round_dp(4))
}

fn liquidation_distance(p: &Option<Position>, mid: Option<Decimal>) -> Option<Decimal> {
    liquidation_distance_percent(p.as_ref()?.liquidation_price?, mid?)
}

/// Reads both venues and the engine state and builds the report. Fails only when a market or
/// a position cannot be read (a position that cannot be read is never "flat") or the state
/// cannot be read; a failed book or funding read is data.
pub async fn status(
    a: &Arc<dyn Venue>,
    b: &Arc<dyn Venue>,
    symbol: &str,
    engine: &HedgeEngine,
) -> Result<StatusReport, ReportError> {
    status_with(a, b, symbol, engine, StatusOptions::default()).await
}

/// [`status`], reading what `options` asks for too (a failed balance read is data).
pub async fn status_with(
    a: &Arc<dyn Venue>,
    b: &Arc<dyn Venue>,
    symbol: &str,
    engine: &HedgeEngine,
    options: StatusOptions,
) -> Result<StatusReport, ReportError> {
    let t0 = Instant::now();
    let (ma, mb) = tokio::join!(a.market(symbol), b.market(symbol));
    let ma = ma.map_err(|e| ReportError::venue(a.as_ref(), "market", e))?;
    let mb = mb.map_err(|e| ReportError::venue(b.as_ref(), "market", e))?;
    let t_markets = t0.elapsed();
    let t1 = Instant::now();
    let (ba, bb, pa, pb) = tokio::join!(
        a.top_of_book(symbol),
        b.top_of_book(symbol),
        a.position(symbol),
        b.position(symbol)
    );
    let pa = pa.map_err(|e| ReportError::venue(a.as_ref(), "position", e))?;
    let pb = pb.map_err(|e| ReportError::venue(b.as_ref(), "position", e))?;
    let t_positions = t1.elapsed();
    let (mid_a, mid_b) = (ba.ok().and_then(|x| x.mid()), bb.ok().and_then(|x| x.mid()));
    let snap = |v: &Arc<dyn Venue>, p: &Option<Position>, mid, m: &MarketInfo| LegSnapshot {
        venue: v.id().to_string(),
        size: p.as_ref().map(|p| p.size).unwrap_or_default(),
        mid,
        unrealized_pnl: p.as_ref().and_then(|p| p.unrealized_pnl),
        taker_fee: m.taker_fee,
    };
    let analysis = hedge_status(
        &snap(a, &pa, mid_a, &ma),
        &snap(b, &pb, mid_b, &mb),
        FLAT_TOLERANCE,
    );
    let state = engine.state()?;
    let now = engine.now();
    let held = |at: DateTime<Utc>| (now - at).num_seconds().max(0);
    let opened = |v: &Arc<dyn Venue>, p: &Option<Position>| -> Option<Opened> {
        let p = p.as_ref().filter(|p| p.size.abs() > FLAT_TOLERANCE)?;
        match p.opened_at {
            Some(at) => Some(Opened {
                at,
                held_seconds: held(at),
                source: OpenedSource::Venue,
            }),
            None => journal_open_time(&state, symbol, v.id()).map(|(at, operation)| Opened {
                at,
                held_seconds: held(at),
                source: OpenedSource::Journal { operation },
            }),
        }
    };
    let (oa, ob) = (opened(a, &pa), opened(b, &pb));
    // Funding received since the position opened (W38), when a position exists.
    let (fa, fb) = if analysis.flat {
        (None, None)
    } else {
        let read = |v: &Arc<dyn Venue>, o: &Option<Opened>| {
            let v = Arc::clone(v);
            let since = o.as_ref().map(|o| o.at);
            async move {
                Fetched::from_result(v.funding_payments(symbol, since).await.map(|list| {
                    FundingSince {
                        amount: list.iter().map(|x| x.amount).sum(),
                        payments: list.len(),
                    }
                }))
            }
        };
        let (x, y) = tokio::join!(read(a, &oa), read(b, &ob));
        (Some(x), Some(y))
    };
    let funding_total = match (&fa, &fb) {
        (Some(Fetched::Ok(x)), Some(Fetched::Ok(y))) => Some(x.amount + y.amount),
        _ => None,
    };
    let fees_total = analysis
        .fees_open
        .zip(analysis.fees_close)
        .map(|(o, c)| o + c);
    let funding_minus_fees = funding_total.zip(fees_total).map(|(t, f)| t - f);
    let net_pnl = funding_minus_fees
        .zip(analysis.total_unrealized_pnl)
        .map(|(x, u)| x + u);
    let (bal_a, bal_b) = if options.balances {
        let (x, y) = tokio::join!(a.balance(), b.balance());
        (Some(Fetched::from_result(x)), Some(Fetched::from_result(y)))
    } else {
        (None, None)
    };
    let unfinished = state.unfinished().into_iter().cloned().collect();
    Ok(StatusReport {
        symbol: symbol.to_string(),
        legs: [
            StatusLeg {
                venue: a.id().to_string(),
                liquidation_distance_percent: liquidation_distance(&pa, mid_a),
                position: pa,
                mid: mid_a,
                opened: oa,
                funding: fa,
                balance: bal_a,
            },
            StatusLeg {
                venue: b.id().to_string(),
                liquidation_distance_percent: liquidation_distance(&pb, mid_b),
                position: pb,
                mid: mid_b,
                opened: ob,
                funding: fb,
                balance: bal_b,
            },
        ],
        analysis,
        funding_total,
        fees_total,
        funding_minus_fees,
        net_pnl,
        halt: state.halted,
        unfinished,
        state_file: engine.state_location(),
        as_of: now,
        timings: StatusTimings {
            markets: t_markets,
            positions: t_positions,
        },
    })
}
