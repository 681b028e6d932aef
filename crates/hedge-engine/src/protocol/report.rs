//! What an open or close did, for people (tables) and scripts (`--json`).

use crate::ids::{LegRole, OperationId};
use rust_decimal::Decimal;
use serde::Serialize;
use venue_api::{OrderRequest, OrderStatus};

/// How one order ended, judged from the venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LegOutcome {
    /// Filled completely.
    Filled,
    /// Filled in part; the rest is cancelled.
    Partial,
    /// Nothing filled (refused, or nothing crossed).
    Rejected,
    /// The venue could not tell us; positions decide.
    Unknown,
}

/// Why an order was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderPurpose {
    /// First order of an open.
    Open,
    /// Retry of a leg's missing part.
    Repair,
    /// Reduce-only order taking back a leg's excess.
    Unwind,
    /// Reduce-only closing order.
    Close,
}

/// One order: what was asked, what happened, how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderExecution {
    /// Venue id.
    pub venue: String,
    /// Leg.
    pub leg: LegRole,
    /// Why.
    pub purpose: OrderPurpose,
    /// The order.
    pub request: OrderRequest,
    /// The venue's order id, when known.
    pub venue_order_id: Option<String>,
    /// Outcome.
    pub outcome: LegOutcome,
    /// Filled size (base units).
    pub filled_size: Decimal,
    /// Average fill price.
    pub avg_fill_price: Option<Decimal>,
    /// Fees paid (quote currency), when the venue says.
    pub fee: Option<Decimal>,
    /// The error or venue reason, if any.
    pub error: Option<String>,
    /// True when the answer was lost and the order was found (or not) by client id.
    pub resolved_by_lookup: bool,
    /// True when the venue definitely refused it for a reason a retry cannot fix (margin,
    /// invalid request, authentication, unknown market): no repair, unwind at once.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub definite_refusal: bool,
    /// Building and signing, microseconds.
    pub signing_us: u64,
    /// From the start of the send to the venue's answer, microseconds.
    pub ack_us: Option<u64>,
    /// From the start of the send to a final order state, microseconds.
    pub final_us: Option<u64>,
}

impl OrderExecution {
    /// Fills that changed the position, signed (buys positive).
    pub fn signed_fill(&self) -> Decimal {
        self.filled_size * self.request.side.sign()
    }

    pub(crate) fn apply_status(&mut self, st: &OrderStatus) {
        self.venue_order_id = st.venue_order_id.clone().or(self.venue_order_id.take());
        self.filled_size = st.filled_size;
        self.avg_fill_price = st.avg_fill_price;
        self.fee = st.fee;
        self.outcome = if st.filled_size >= self.request.size {
            LegOutcome::Filled
        } else if st.filled_size > Decimal::ZERO {
            LegOutcome::Partial
        } else {
            LegOutcome::Rejected
        };
        if self.error.is_none() {
            self.error = st.reason.clone();
        }
    }
}

/// Signed sizes on both venues (long positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PairPositions {
    /// The long-side venue's position.
    pub long: Decimal,
    /// The short-side venue's position.
    pub short: Decimal,
}

/// How an open ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum HedgeResult {
    /// Both legs verified equal and opposite.
    Hedged {
        /// Size per leg added by this open.
        size: Decimal,
        /// Size asked for.
        requested: Decimal,
    },
    /// Nothing is open from this operation (both legs unfilled, or fully unwound).
    NothingOpened {
        /// Why.
        reason: String,
    },
    /// A naked or unknown leg could not be repaired: the engine is HALTED.
    Halted {
        /// What is left where.
        reason: String,
    },
    /// `--dry-run`: orders built and signed, nothing sent.
    DryRun,
}

/// The full record of an open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenReport {
    /// Operation id (absent for a dry run).
    pub operation: Option<OperationId>,
    /// Symbol.
    pub symbol: String,
    /// Long-side venue id.
    pub long_venue: String,
    /// Short-side venue id.
    pub short_venue: String,
    /// The plan (size, prices, mid).
    pub plan: super::OpenPlan,
    /// Every order, in sending order.
    pub orders: Vec<OrderExecution>,
    /// Gap between the starts of the two first sends, microseconds.
    pub leg_skew_us: Option<u64>,
    /// From the first send to both answers, microseconds.
    pub both_acked_us: Option<u64>,
    /// From the first send to both final states, microseconds.
    pub both_final_us: Option<u64>,
    /// How long one leg stood without its hedge, milliseconds (from the first send to
    /// balanced or flat, an upper bound; 0 when the legs filled together).
    pub naked_ms: u64,
    /// Positions before.
    pub positions_before: Option<PairPositions>,
    /// Positions after (as verified).
    pub positions_after: Option<PairPositions>,
    /// Outcome.
    pub result: HedgeResult,
    /// Problems that did not change the outcome (e.g. the state file could not be updated).
    pub warnings: Vec<String>,
    /// What recovery found before this operation.
    pub recovery: super::RecoveryReport,
}

/// How a close ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum CloseResult {
    /// Both venues flat (including "already flat").
    Flat {
        /// True when nothing needed closing.
        already_flat: bool,
    },
    /// Positions remain but still hedge each other.
    Remaining {
        /// What is left.
        reason: String,
    },
    /// One side remains without the other: HALTED.
    Halted {
        /// What is left where.
        reason: String,
    },
    /// A closing order could not be priced or signed while both legs were open: nothing was
    /// sent (a close never makes a leg naked). Positions are as before; no HALT.
    NothingSent {
        /// Why.
        reason: String,
    },
    /// `--dry-run`.
    DryRun,
}

/// The full record of a close.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseReport {
    /// Operation id (absent when already flat or dry run).
    pub operation: Option<OperationId>,
    /// Symbol.
    pub symbol: String,
    /// Venue ids, long-side first.
    pub venues: [String; 2],
    /// Every order sent.
    pub orders: Vec<OrderExecution>,
    /// Gap between the starts of the two first sends, microseconds.
    pub leg_skew_us: Option<u64>,
    /// How long one leg stood without its hedge, milliseconds (0 when both closed together).
    pub naked_ms: u64,
    /// Positions before.
    pub positions_before: Option<PairPositions>,
    /// Positions after (`None` when they could not be read: never the sizes before).
    pub positions_after: Option<PairPositions>,
    /// Outcome.
    pub result: CloseResult,
    /// For a dry run: each signed order as the venue would receive it.
    pub previews: Vec<String>,
    /// Problems that did not change the outcome.
    pub warnings: Vec<String>,
    /// What recovery found before this operation.
    pub recovery: super::RecoveryReport,
}

/// The cause of a HALT for people (L7): per venue, the last order that did not fill
/// completely (its purpose, attempt and error), then the steps that sent nothing (pricing,
/// journal or signing failures, from the report's warnings). Never empty.
pub(super) fn halt_cause(orders: &[OrderExecution], warnings: &[String]) -> String {
    let mut venues: Vec<&str> = Vec::new();
    for o in orders {
        if !venues.contains(&o.venue.as_str()) {
            venues.push(&o.venue);
        }
    }
    let mut parts: Vec<String> = venues
        .iter()
        .filter_map(|v| {
            let o = orders
                .iter()
                .rev()
                .find(|o| o.venue == *v && (o.error.is_some() || o.filled_size < o.request.size))?;
            let what = match &o.error {
                Some(e) => e.clone(),
                None => format!("filled {} of {}", o.filled_size, o.request.size),
            };
            Some(format!(
                "{v} {} attempt {}: {what}",
                format!("{:?}", o.purpose).to_lowercase(),
                o.request.client_id.get() % 10
            ))
        })
        .collect();
    parts.extend(warnings.iter().filter(|w| w.contains("not sent")).cloned());
    if parts.is_empty() {
        "no order error was reported".into()
    } else {
        parts.join("; ")
    }
}
