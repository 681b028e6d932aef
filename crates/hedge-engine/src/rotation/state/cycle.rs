//! Closed cycles and the running totals (spec 4.9 `completed_cycles`, `cumulative_stats`),
//! with the ledger that W22 asks for: per venue fills + funding + fees, the balance change as
//! a cross-check, and the capture ratio.

use super::{num, Extra};
use crate::ids::OperationId;
use crate::rotation::ledger::CycleReport;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One closed cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleRecord {
    /// The cycle id assigned at open (seed: the count of successful closes + 1).
    pub cycle_number: u64,
    /// Base asset.
    pub symbol: String,
    /// Open time.
    #[serde(with = "num::time")]
    pub opened_at: DateTime<Utc>,
    /// Close time.
    #[serde(with = "num::time")]
    pub closed_at: DateTime<Utc>,
    /// Hours held.
    #[serde(with = "num::dec")]
    pub duration_hours: Decimal,
    /// Entry facts.
    #[serde(default)]
    pub entry: CycleEntry,
    /// Exit facts.
    #[serde(default)]
    pub exit: CycleExit,
    /// The seed's balance-based breakdown (kept as the cross-check).
    #[serde(default)]
    pub pnl_breakdown: PnlBreakdown,
    /// Expected funding at entry.
    #[serde(default)]
    pub funding_stats: FundingStats,
    /// Sizing at open (copied).
    #[serde(default)]
    pub position_sizing: serde_json::Value,
    /// Whether the stop-loss closed it.
    #[serde(default)]
    pub stop_loss_triggered: bool,
    /// Why.
    #[serde(default)]
    pub stop_loss_reason: Option<String>,
    /// Why it was closed (`scheduled`, `exit`, `switch`, `stop_loss`, `vanished`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<String>,
    /// Engine operation of the open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_operation: Option<OperationId>,
    /// Engine operation of the close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_operation: Option<OperationId>,
    /// Fills + funding + fees per venue, capture ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<CycleReport>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `completed_cycles[].entry`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CycleEntry {
    /// Venue id of the long leg.
    #[serde(default)]
    pub long_exchange: String,
    /// Venue id of the short leg.
    #[serde(default)]
    pub short_exchange: String,
    /// Slot A's entry price.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_price: Option<Decimal>,
    /// Slot B's entry price.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_price: Option<Decimal>,
    /// Size per leg.
    #[serde(default, with = "num::opt_dec")]
    pub size_base: Option<Decimal>,
    /// Slot A's equity before.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_balance_before: Option<Decimal>,
    /// Slot B's equity before.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_balance_before: Option<Decimal>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `completed_cycles[].exit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CycleExit {
    /// Slot A's exit price.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_price: Option<Decimal>,
    /// Slot B's exit price.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_price: Option<Decimal>,
    /// Slot A's equity after.
    #[serde(default, with = "num::opt_dec")]
    pub edgex_balance_after: Option<Decimal>,
    /// Slot B's equity after.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_balance_after: Option<Decimal>,
    /// When.
    #[serde(default, with = "num::opt_time")]
    pub timestamp: Option<DateTime<Utc>>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `completed_cycles[].pnl_breakdown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PnlBreakdown {
    /// Slot A's equity change (unknown when either balance is).
    #[serde(default, with = "num::opt_dec")]
    pub edgex_balance_change: Option<Decimal>,
    /// Slot B's equity change.
    #[serde(default, with = "num::opt_dec")]
    pub lighter_balance_change: Option<Decimal>,
    /// Realised PnL of the cycle (from the ledger when known, else the balance change).
    #[serde(default, with = "num::opt_dec")]
    pub total_realized_pnl: Option<Decimal>,
    /// Realised PnL over the position notional, percent.
    #[serde(default, with = "num::opt_dec")]
    pub realized_pnl_percent: Option<Decimal>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `completed_cycles[].funding_stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FundingStats {
    /// Net APR at entry, percent.
    #[serde(default, with = "num::opt_dec")]
    pub expected_net_apr: Option<Decimal>,
    /// Hours held.
    #[serde(default, with = "num::opt_dec")]
    pub hold_duration_hours: Option<Decimal>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Per-symbol totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SymbolStats {
    /// Cycles.
    #[serde(default)]
    pub cycles: u64,
    /// Sum of realised PnL.
    #[serde(default, with = "num::dec")]
    pub total_pnl: Decimal,
    /// Average per cycle.
    #[serde(default, with = "num::dec")]
    pub avg_pnl: Decimal,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `cumulative_stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CumulativeStats {
    /// Closed cycles (success or failure).
    #[serde(default)]
    pub total_cycles: u64,
    /// Cycles closed flat.
    #[serde(default)]
    pub successful_cycles: u64,
    /// Cycles that failed (close failure, vanished legs, ...).
    #[serde(default)]
    pub failed_cycles: u64,
    /// Sum of realised PnL.
    #[serde(default, with = "num::dec")]
    pub total_realized_pnl: Decimal,
    /// Sum of trading PnL from fills.
    #[serde(default, with = "num::dec")]
    pub total_trading_pnl: Decimal,
    /// Sum of funding settled.
    #[serde(default, with = "num::dec")]
    pub total_funding_pnl: Decimal,
    /// Sum of fees.
    #[serde(default, with = "num::dec")]
    pub total_fees_paid: Decimal,
    /// Best cycle.
    #[serde(default, with = "num::opt_dec")]
    pub best_cycle_pnl: Option<Decimal>,
    /// Worst cycle.
    #[serde(default, with = "num::opt_dec")]
    pub worst_cycle_pnl: Option<Decimal>,
    /// Seed: sum of 2 x size_base in base units (mixing symbols; kept for compatibility).
    #[serde(default, with = "num::dec")]
    pub total_volume_traded: Decimal,
    /// Sum of 2 x notional in quote currency (W22).
    #[serde(default, with = "num::dec")]
    pub total_volume_quote: Decimal,
    /// Hours held.
    #[serde(default, with = "num::dec")]
    pub total_hold_time_hours: Decimal,
    /// Per symbol.
    #[serde(default)]
    pub by_symbol: BTreeMap<String, SymbolStats>,
    /// Last error for people.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When.
    #[serde(default, with = "num::opt_time")]
    pub last_error_at: Option<DateTime<Utc>>,
    /// Fields this build does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl CumulativeStats {
    /// Adds a successful cycle's figures (spec 4.10).
    pub fn add_cycle(&mut self, c: &CycleRecord, notional: Decimal) {
        let pnl = c.pnl_breakdown.total_realized_pnl.unwrap_or_default();
        self.total_cycles += 1;
        self.successful_cycles += 1;
        self.total_realized_pnl += pnl;
        if let Some(l) = &c.ledger {
            // Unknown parts add nothing here; the cycle record shows them as unknown.
            self.total_trading_pnl += l.trading_pnl.known().unwrap_or_default();
            self.total_funding_pnl += l.funding.known().unwrap_or_default();
            self.total_fees_paid += l.fees.known().unwrap_or_default();
        }
        let size = c.entry.size_base.unwrap_or_default();
        self.total_volume_traded += Decimal::TWO * size;
        self.total_volume_quote += Decimal::TWO * notional;
        self.total_hold_time_hours += c.duration_hours;
        self.best_cycle_pnl = Some(self.best_cycle_pnl.map_or(pnl, |b| b.max(pnl)));
        self.worst_cycle_pnl = Some(self.worst_cycle_pnl.map_or(pnl, |w| w.min(pnl)));
        let s = self.by_symbol.entry(c.symbol.clone()).or_default();
        s.cycles += 1;
        s.total_pnl += pnl;
        s.avg_pnl = s.total_pnl / Decimal::from(s.cycles);
    }
}
