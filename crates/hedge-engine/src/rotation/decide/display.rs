//! One-line texts of the decision records, for the bot's log and board (the numbers stay in
//! the records themselves).

use std::fmt;

use rust_decimal::Decimal;

use super::{CloseReason, EntryVerdict, HoldAction, SkipReason};

fn r(d: Decimal) -> Decimal {
    d.round_dp(2).normalize()
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Cooldown { until } => write!(f, "cooling down until {until}"),
            SkipReason::Unavailable { detail } => write!(f, "unavailable: {detail}"),
            SkipReason::UnresolvedInterval { venue } => {
                write!(f, "funding interval unknown on {venue}")
            }
            SkipReason::NotPriced { detail } => write!(f, "not priced: {detail}"),
            SkipReason::Held => f.write_str("held"),
        }
    }
}

impl fmt::Display for EntryVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryVerdict::Chosen => f.write_str("chosen: best expected net USD"),
            EntryVerdict::Eligible { rank } => write!(f, "eligible, rank {rank}"),
            EntryVerdict::BelowThreshold {
                apr_percent,
                threshold_percent,
            } => write!(
                f,
                "net APR {}% below the entry threshold {}%",
                r(*apr_percent),
                r(*threshold_percent)
            ),
            EntryVerdict::BreakEvenTooLong {
                break_even_hold_hours: Some(h),
                hold_hours,
            } => write!(
                f,
                "break-even after {} h, not within the {} h hold",
                r(*h),
                r(*hold_hours)
            ),
            EntryVerdict::BreakEvenTooLong {
                break_even_hold_hours: None,
                ..
            } => f.write_str("funding never pays back the costs"),
            EntryVerdict::Skipped { reason } => write!(f, "skipped: {reason}"),
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::ExitThresholdConfirmed {
                funding_apr_percent,
                threshold_percent,
                confirmations,
            } => write!(
                f,
                "funding APR {}% below the exit threshold {}% in {confirmations} consecutive funding periods",
                r(*funding_apr_percent),
                r(*threshold_percent)
            ),
            CloseReason::PlannedEnd {
                funding_apr_percent,
                bar_percent,
            } => write!(
                f,
                "planned end: funding APR {}% no longer meets the entry threshold {}%",
                r(*funding_apr_percent),
                r(*bar_percent)
            ),
            CloseReason::MaxHoldReached { max_hold_hours } => {
                write!(f, "max hold of {} h reached", r(*max_hold_hours))
            }
        }
    }
}

impl fmt::Display for HoldAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldAction::Keep => f.write_str("keep"),
            HoldAction::Extend { until } => write!(f, "extend until {until}"),
            HoldAction::Close { reason } => write!(f, "close: {reason}"),
            HoldAction::Switch { to } => write!(f, "switch to {to}"),
        }
    }
}
