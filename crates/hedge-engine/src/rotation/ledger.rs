//! Money that adds up (issue 16 item 5; field 0.9 and 6.1.11): a funding ledger per leg from
//! the venues' own settlement records since the open, fees per fill, realised PnL per cycle
//! (fills + funding - fees, per venue and total), the balance change as a cross-check, and the
//! capture ratio (funding settled / funding expected at entry).
//!
//! Rules:
//! - A failed or partial funding read makes that leg's funding [`Figure::Unknown`] until a
//!   later complete read: never a confident zero. The sum of what is known is still shown
//!   (`funding_known_part_usd`), labelled as partial.
//! - Payments are counted strictly after `opened_at` and, once closed, at or before
//!   `closed_at` (records of other positions on the same market are not ours, W38). The same
//!   booking time is counted once; a second record at that time with another amount is kept
//!   out and flagged.
//! - Each new payment is checked against `rate x notional` when a reference is given
//!   ([`Plausibility`]): a wrong sign or an amount far beyond it is flagged, never dropped.
//! - A fill without a fee makes the fees `Unknown` (shown as such); a fill without a price, or
//!   a leg that is not back to flat, makes the trading PnL `Unknown`.
//!
//! Pure: the bot feeds reads and fills in, stores the ledger in its state, renders the report.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use venue_api::{ClientOrderId, FundingPayment, OrderStatus, Side};

use super::economics::LegSide;

#[cfg(test)]
mod tests;

/// An amount that is either known exactly or unknown (never a guessed zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// Known, USD.
    Known(Decimal),
    /// Not known (a read failed, a fee or price is missing).
    Unknown,
}

impl Figure {
    /// The amount when known.
    pub fn known(self) -> Option<Decimal> {
        match self {
            Figure::Known(v) => Some(v),
            Figure::Unknown => None,
        }
    }

    /// Sum; unknown if either is.
    pub fn plus(self, other: Figure) -> Figure {
        match (self, other) {
            (Figure::Known(a), Figure::Known(b)) => Figure::Known(a + b),
            _ => Figure::Unknown,
        }
    }

    /// Difference; unknown if either is.
    pub fn minus(self, other: Figure) -> Figure {
        match (self, other) {
            (Figure::Known(a), Figure::Known(b)) => Figure::Known(a - b),
            _ => Figure::Unknown,
        }
    }
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Figure::Known(v) => write!(f, "{v}"),
            Figure::Unknown => f.write_str("unknown"),
        }
    }
}

/// One funding read of one venue (`Venue::funding_payments` since the open).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FundingRead {
    /// Everything since the open.
    Complete {
        /// The records.
        payments: Vec<FundingPayment>,
    },
    /// Some records (a page limit, a truncated reply).
    Partial {
        /// The records read.
        payments: Vec<FundingPayment>,
        /// Why incomplete.
        detail: String,
    },
    /// The read failed.
    Failed {
        /// The error text.
        detail: String,
    },
}

/// Whether the leg's funding is fully known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReadStatus {
    /// Not read yet.
    NeverRead,
    /// The last read was complete.
    Complete {
        /// When.
        at: DateTime<Utc>,
    },
    /// The last read was partial or failed.
    Incomplete {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        detail: String,
    },
}

/// Reference for the plausibility check of settlements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plausibility {
    /// The leg's rate per interval (fraction) around the settlement.
    pub rate: Decimal,
    /// The leg's notional, USD.
    pub notional_usd: Decimal,
    /// An amount beyond `tolerance_multiple x |rate x notional| + min_abs_usd` is flagged.
    pub tolerance_multiple: Decimal,
    /// Amounts up to this are never flagged (rounding, dust), USD.
    pub min_abs_usd: Decimal,
}

/// Something the ledger noticed (shown in the cycle report, never silently dropped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LedgerFlag {
    /// A settlement paid or received against the side and rate.
    WrongSign {
        /// Venue id.
        venue: String,
        /// Booking time.
        at: DateTime<Utc>,
        /// Amount booked, USD.
        amount: Decimal,
        /// Amount expected from rate x notional, USD.
        expected: Decimal,
    },
    /// A settlement much larger than rate x notional.
    TooLarge {
        /// Venue id.
        venue: String,
        /// Booking time.
        at: DateTime<Utc>,
        /// Amount booked, USD.
        amount: Decimal,
        /// Amount expected from rate x notional, USD.
        expected: Decimal,
    },
    /// Two records at the same time with different amounts (the first is kept).
    ConflictingDuplicate {
        /// Venue id.
        venue: String,
        /// Booking time.
        at: DateTime<Utc>,
        /// Amount kept.
        kept: Decimal,
        /// Amount left out.
        ignored: Decimal,
    },
    /// A filled order without a fee.
    MissingFee {
        /// Venue id.
        venue: String,
        /// Our order id.
        client_id: ClientOrderId,
    },
    /// A filled order without an average price.
    MissingFillPrice {
        /// Venue id.
        venue: String,
        /// Our order id.
        client_id: ClientOrderId,
    },
}

/// Which part of the cycle a fill belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FillPhase {
    /// Opening the hedge.
    Entry,
    /// Closing it.
    Exit,
    /// A repair or unwind in between.
    Repair,
}

/// One order's fill on one leg.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    /// Our order id.
    pub client_id: ClientOrderId,
    /// Phase.
    pub phase: FillPhase,
    /// Side.
    pub side: Side,
    /// Filled size, base units (> 0).
    pub size: Decimal,
    /// Average fill price, where known.
    pub avg_price: Option<Decimal>,
    /// Fee paid, USD (negative: rebate), where known.
    pub fee: Option<Decimal>,
}

impl Fill {
    /// The fill of an order read back from the venue; `None` when nothing filled.
    pub fn from_status(phase: FillPhase, status: &OrderStatus) -> Option<Fill> {
        (status.filled_size > Decimal::ZERO).then_some(Fill {
            client_id: status.client_id,
            phase,
            side: status.side,
            size: status.filled_size,
            avg_price: status.avg_fill_price,
            fee: status.fee,
        })
    }
}

/// The ledger of one leg of one cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegLedger {
    /// Venue id.
    pub venue: String,
    /// Our side.
    pub side: LegSide,
    /// When the position was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was closed, once closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Funding records counted, sorted by time, one per time.
    pub payments: Vec<FundingPayment>,
    /// Whether the funding is fully known.
    pub funding_status: ReadStatus,
    /// Fills of this leg.
    pub fills: Vec<Fill>,
    /// Venue equity before the open, where read.
    pub balance_before: Option<Decimal>,
    /// Venue equity after the close, where read.
    pub balance_after: Option<Decimal>,
    /// What was noticed.
    pub flags: Vec<LedgerFlag>,
    /// This leg's funding expected at entry (`LegEconomics::expected_funding_usd`), where set.
    #[serde(default)]
    pub expected_funding_usd: Option<Decimal>,
}

impl LegLedger {
    /// Sets this leg's funding expected at entry (for its own capture ratio).
    pub fn with_expected_funding(mut self, usd: Decimal) -> Self {
        self.expected_funding_usd = Some(usd);
        self
    }

    /// An empty ledger for a leg opened at `opened_at`.
    pub fn new(venue: &str, side: LegSide, opened_at: DateTime<Utc>) -> Self {
        Self {
            venue: venue.to_string(),
            side,
            opened_at,
            closed_at: None,
            payments: Vec::new(),
            funding_status: ReadStatus::NeverRead,
            fills: Vec::new(),
            balance_before: None,
            balance_after: None,
            flags: Vec::new(),
            expected_funding_usd: None,
        }
    }

    fn in_range(&self, at: DateTime<Utc>) -> bool {
        at > self.opened_at && self.closed_at.is_none_or(|c| at <= c)
    }

    /// Merges one funding read taken at `now` (rules in the module docs).
    pub fn apply_funding_read(
        &mut self,
        read: &FundingRead,
        now: DateTime<Utc>,
        reference: Option<&Plausibility>,
    ) {
        let (payments, status) = match read {
            FundingRead::Complete { payments } => {
                (payments.as_slice(), ReadStatus::Complete { at: now })
            }
            FundingRead::Partial { payments, detail } => (
                payments.as_slice(),
                ReadStatus::Incomplete {
                    at: now,
                    detail: format!("partial read: {detail}"),
                },
            ),
            FundingRead::Failed { detail } => (
                &[][..],
                ReadStatus::Incomplete {
                    at: now,
                    detail: format!("read failed: {detail}"),
                },
            ),
        };
        for p in payments {
            if !self.in_range(p.time) {
                continue;
            }
            match self.payments.binary_search_by_key(&p.time, |q| q.time) {
                Ok(i) => {
                    let kept = self.payments[i].amount;
                    let already = self.flags.iter().any(|f| {
                        matches!(f, LedgerFlag::ConflictingDuplicate { at, ignored, .. }
                            if *at == p.time && *ignored == p.amount)
                    });
                    if kept != p.amount && !already {
                        self.flags.push(LedgerFlag::ConflictingDuplicate {
                            venue: self.venue.clone(),
                            at: p.time,
                            kept,
                            ignored: p.amount,
                        });
                    }
                }
                Err(i) => {
                    if let Some(r) = reference {
                        if let Some(flag) = plausibility_flag(&self.venue, self.side, p, r) {
                            self.flags.push(flag);
                        }
                    }
                    self.payments.insert(i, p.clone());
                }
            }
        }
        self.funding_status = status;
    }

    /// Records an order's fill (nothing when nothing filled); flags a missing fee or price.
    pub fn record_fill(&mut self, phase: FillPhase, status: &OrderStatus) {
        let Some(fill) = Fill::from_status(phase, status) else {
            return;
        };
        // The same order read again: the latest reading replaces the earlier one and its flags.
        let id = fill.client_id;
        self.fills.retain(|f| f.client_id != id);
        self.flags.retain(|f| {
            !matches!(f, LedgerFlag::MissingFee { client_id, .. }
                | LedgerFlag::MissingFillPrice { client_id, .. } if *client_id == id)
        });
        if fill.fee.is_none() {
            self.flags.push(LedgerFlag::MissingFee {
                venue: self.venue.clone(),
                client_id: fill.client_id,
            });
        }
        if fill.avg_price.is_none() {
            self.flags.push(LedgerFlag::MissingFillPrice {
                venue: self.venue.clone(),
                client_id: fill.client_id,
            });
        }
        self.fills.push(fill);
    }

    /// Sum of the funding records counted so far, whatever the read status.
    pub fn funding_known_part(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }

    /// Funding settled: known only when the last read was complete.
    pub fn funding(&self) -> Figure {
        match self.funding_status {
            ReadStatus::Complete { .. } => Figure::Known(self.funding_known_part()),
            _ => Figure::Unknown,
        }
    }

    /// Fees of all fills: unknown if any fill lacks one.
    pub fn fees(&self) -> Figure {
        self.fills
            .iter()
            .fold(Figure::Known(Decimal::ZERO), |acc, f| {
                acc.plus(f.fee.map_or(Figure::Unknown, Figure::Known))
            })
    }

    /// Net filled size (base units, signed): zero when the leg is back to flat.
    pub fn net_size(&self) -> Decimal {
        self.fills.iter().map(|f| f.side.sign() * f.size).sum()
    }

    /// Realised trading PnL from fills (sells minus buys at fill prices): known only when the
    /// leg is back to flat and every fill has a price.
    pub fn trading_pnl(&self) -> Figure {
        if self.fills.is_empty() || !self.net_size().is_zero() {
            return Figure::Unknown;
        }
        self.fills
            .iter()
            .fold(Figure::Known(Decimal::ZERO), |acc, f| match f.avg_price {
                Some(p) => acc.plus(Figure::Known(-f.side.sign() * f.size * p)),
                None => Figure::Unknown,
            })
    }

    /// Equity after minus before, when both were read.
    pub fn balance_change(&self) -> Option<Decimal> {
        Some(self.balance_after? - self.balance_before?)
    }
}

/// The flag for one settlement against `rate x notional`, if implausible.
pub fn plausibility_flag(
    venue: &str,
    side: LegSide,
    payment: &FundingPayment,
    r: &Plausibility,
) -> Option<LedgerFlag> {
    let expected = -side.sign() * r.rate * r.notional_usd;
    let amount = payment.amount;
    if amount.abs() <= r.min_abs_usd {
        return None;
    }
    // A zero expectation has no sign to compare with: only the size is judged then.
    if amount * expected < Decimal::ZERO {
        return Some(LedgerFlag::WrongSign {
            venue: venue.to_string(),
            at: payment.time,
            amount,
            expected,
        });
    }
    if amount.abs() > r.tolerance_multiple * expected.abs() + r.min_abs_usd {
        return Some(LedgerFlag::TooLarge {
            venue: venue.to_string(),
            at: payment.time,
            amount,
            expected,
        });
    }
    None
}

/// One venue's part of a cycle's PnL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenuePnl {
    /// Venue id.
    pub venue: String,
    /// Trading PnL from fills, USD.
    pub trading_pnl: Figure,
    /// Funding settled, USD.
    pub funding: Figure,
    /// Funding records counted so far (partial when `funding` is unknown), USD.
    pub funding_known_part_usd: Decimal,
    /// Fees paid, USD.
    pub fees: Figure,
    /// `trading_pnl + funding - fees`, USD.
    pub realised: Figure,
    /// Equity change, USD, where both balances were read.
    pub balance_change: Option<Decimal>,
    /// `balance_change - realised`, USD, when both are known.
    pub disagreement_usd: Option<Decimal>,
    /// True when the disagreement exceeds the tolerance.
    pub disagreement_flagged: bool,
    /// This leg's funding settled / expected at entry, when both are known and expected != 0.
    #[serde(default)]
    pub capture_ratio: Option<Decimal>,
}

/// A cycle's money, per venue and total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleReport {
    /// Per venue.
    pub venues: Vec<VenuePnl>,
    /// Totals of the venues' figures (unknown if any part is).
    pub trading_pnl: Figure,
    /// Total funding settled.
    pub funding: Figure,
    /// Total fees.
    pub fees: Figure,
    /// Total realised PnL.
    pub realised: Figure,
    /// Realised as percent of the notional (one leg), when known.
    pub realised_percent_of_notional: Option<Decimal>,
    /// Total balance change, when every venue's is known.
    pub balance_change: Option<Decimal>,
    /// Total disagreement, when known.
    pub disagreement_usd: Option<Decimal>,
    /// True when any venue's or the total disagreement exceeds the tolerance.
    pub disagreement_flagged: bool,
    /// Funding expected at entry, USD.
    pub expected_funding_usd: Decimal,
    /// Funding settled / expected at entry (`None` when expected is 0 or funding unknown).
    pub capture_ratio: Option<Decimal>,
    /// Everything flagged on any leg.
    pub flags: Vec<LedgerFlag>,
}

/// A cycle's ledger: both legs and what the entry expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleLedger {
    /// The legs.
    pub legs: Vec<LegLedger>,
    /// Funding expected at entry over the planned hold, USD (`Economics::expected_funding_usd`).
    pub expected_funding_usd: Decimal,
    /// Notional per leg at entry, USD.
    pub notional_usd: Decimal,
}

/// `settled / expected`; `None` when expected is 0 or settled unknown.
pub fn capture_ratio(settled: Figure, expected_usd: Decimal) -> Option<Decimal> {
    if expected_usd.is_zero() {
        return None;
    }
    settled.known().map(|s| s / expected_usd)
}

impl CycleLedger {
    /// The leg on `venue`.
    pub fn leg_mut(&mut self, venue: &str) -> Option<&mut LegLedger> {
        self.legs.iter_mut().find(|l| l.venue == venue)
    }

    /// Marks every leg closed at `at` (later funding records are not this cycle's).
    pub fn close(&mut self, at: DateTime<Utc>) {
        for leg in &mut self.legs {
            leg.closed_at = Some(at);
        }
    }

    /// The cycle's figures; a disagreement above `tolerance_usd` (per venue or total) is
    /// flagged.
    pub fn report(&self, tolerance_usd: Decimal) -> CycleReport {
        let venues: Vec<VenuePnl> = self
            .legs
            .iter()
            .map(|leg| {
                let trading = leg.trading_pnl();
                let funding = leg.funding();
                let fees = leg.fees();
                let realised = trading.plus(funding).minus(fees);
                let balance_change = leg.balance_change();
                let disagreement = match (balance_change, realised.known()) {
                    (Some(b), Some(r)) => Some(b - r),
                    _ => None,
                };
                VenuePnl {
                    venue: leg.venue.clone(),
                    trading_pnl: trading,
                    funding,
                    funding_known_part_usd: leg.funding_known_part(),
                    fees,
                    realised,
                    balance_change,
                    disagreement_usd: disagreement,
                    disagreement_flagged: disagreement.is_some_and(|d| d.abs() > tolerance_usd),
                    capture_ratio: leg
                        .expected_funding_usd
                        .and_then(|e| capture_ratio(funding, e)),
                }
            })
            .collect();
        let total = |f: fn(&VenuePnl) -> Figure| {
            venues
                .iter()
                .fold(Figure::Known(Decimal::ZERO), |acc, v| acc.plus(f(v)))
        };
        let trading_pnl = total(|v| v.trading_pnl);
        let funding = total(|v| v.funding);
        let fees = total(|v| v.fees);
        let realised = total(|v| v.realised);
        let balance_change = venues
            .iter()
            .try_fold(Decimal::ZERO, |acc, v| Some(acc + v.balance_change?));
        let disagreement = match (balance_change, realised.known()) {
            (Some(b), Some(r)) => Some(b - r),
            _ => None,
        };
        let disagreement_flagged = venues.iter().any(|v| v.disagreement_flagged)
            || disagreement.is_some_and(|d| d.abs() > tolerance_usd);
        CycleReport {
            realised_percent_of_notional: realised
                .known()
                .filter(|_| !self.notional_usd.is_zero())
                .map(|r| r / self.notional_usd * Decimal::ONE_HUNDRED),
            venues,
            trading_pnl,
            funding,
            fees,
            realised,
            balance_change,
            disagreement_usd: disagreement,
            disagreement_flagged,
            expected_funding_usd: self.expected_funding_usd,
            capture_ratio: capture_ratio(funding, self.expected_funding_usd),
            flags: self.legs.iter().flat_map(|l| l.flags.clone()).collect(),
        }
    }
}

/// Capture over many cycles (the figure a long paper run reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureSummary {
    /// Cycles given.
    pub cycles: u32,
    /// Cycles whose capture ratio is known.
    pub cycles_with_ratio: u32,
    /// Mean of the known per-cycle ratios.
    pub mean_ratio: Option<Decimal>,
    /// Funding settled over the cycles with a known ratio, USD.
    pub settled_usd: Decimal,
    /// Funding expected at entry over the same cycles, USD.
    pub expected_usd: Decimal,
    /// `settled_usd / expected_usd` (dollar-weighted; `None` when nothing was expected).
    pub aggregate_ratio: Option<Decimal>,
}

/// Summarises the capture of `reports`; cycles with unknown funding or nothing expected are
/// counted but left out of the ratios (never taken as zero).
pub fn summarise_capture(reports: &[CycleReport]) -> CaptureSummary {
    let mut known = 0u32;
    let mut sum_ratios = Decimal::ZERO;
    let mut settled = Decimal::ZERO;
    let mut expected = Decimal::ZERO;
    for r in reports {
        if let (Some(ratio), Some(s)) = (r.capture_ratio, r.funding.known()) {
            known += 1;
            sum_ratios += ratio;
            settled += s;
            expected += r.expected_funding_usd;
        }
    }
    CaptureSummary {
        cycles: u32::try_from(reports.len()).unwrap_or(u32::MAX),
        cycles_with_ratio: known,
        mean_ratio: (known > 0).then(|| sum_ratios / Decimal::from(known)),
        settled_usd: settled,
        expected_usd: expected,
        aggregate_ratio: capture_ratio(Figure::Known(settled), expected),
    }
}
