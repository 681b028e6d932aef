//! The read-failure policy: a failed read is never "flat" (behavior-spec 5.5, findings 6.2
//! item 6, issue 17 item 5).
//!
//! Each check the binary [`record`]s each venue's read (positions by symbol, or a failure);
//! a failure keeps that venue's last known positions and counts. [`verdict`] then says what
//! the check may do:
//! - both venues read: proceed (integrity and ladder run on fresh figures);
//! - a venue failing fewer than `max_read_failures` times in a row: wait, act on nothing
//!   that involves it (its last known state stands);
//! - at `max_read_failures` (default 5) while a position is known open on either venue:
//!   alert (repeated each check, `first` marks the crossing);
//! - at `act_after_failures` (default 15, a longer bound): act only on what the readable
//!   venue shows: close its leg of a symbol whose other leg the failing venue's last known
//!   state says is gone, reduce it by the difference when that leg was known smaller by more
//!   than half the coarser step (on the readable venue's grid), and hold every other symbol
//!   (a venue never read is not "gone");
//! - both venues failing: alert past the bound, act on nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{nearest_step, MonitorConfigError, VenueSlot};

#[cfg(test)]
mod tests;

/// Read-failure settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadSettings {
    /// `--max-read-failures`: consecutive failures before the alert (default 5).
    pub max_read_failures: u32,
    /// Consecutive failures before acting on the readable venue alone (default 15).
    pub act_after_failures: u32,
}

impl Default for ReadSettings {
    fn default() -> Self {
        Self {
            max_read_failures: 5,
            act_after_failures: 15,
        }
    }
}

impl ReadSettings {
    /// `--max-read-failures` given; the act bound stays three times it.
    pub fn with_max_failures(max_read_failures: u32) -> Result<Self, MonitorConfigError> {
        let s = Self {
            max_read_failures,
            act_after_failures: max_read_failures.saturating_mul(3),
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<(), MonitorConfigError> {
        if self.max_read_failures == 0 {
            return Err(MonitorConfigError::new(
                "--max-read-failures",
                self.max_read_failures,
                "must be >= 1",
            ));
        }
        if self.act_after_failures <= self.max_read_failures {
            return Err(MonitorConfigError::new(
                "act_after_failures",
                self.act_after_failures,
                "must be > --max-read-failures",
            ));
        }
        Ok(())
    }
}

/// One venue's read this check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "read")]
pub enum ReadOutcome {
    /// Read: signed size per symbol (open positions only; an empty map is a flat account).
    Ok {
        /// Size by symbol.
        positions: BTreeMap<String, Decimal>,
    },
    /// The read failed (the reason, without secrets).
    Failed {
        /// What failed.
        error: String,
    },
}

/// One venue's read history (pass the returned one back next check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VenueReadState {
    /// Failures in a row.
    pub consecutive_failures: u32,
    /// First failure of the current run.
    pub failing_since: Option<DateTime<Utc>>,
    /// Last successful read.
    pub last_good_at: Option<DateTime<Utc>>,
    /// Positions at the last successful read (`None`: never read).
    pub last_known: Option<BTreeMap<String, Decimal>>,
    /// The last failure's reason.
    pub last_error: Option<String>,
}

impl VenueReadState {
    fn knows_open(&self) -> bool {
        self.last_known
            .as_ref()
            .is_some_and(|m| m.values().any(|s| !s.is_zero()))
    }

    /// Seconds since the last good read (`None`: never read).
    pub fn seconds_since_good(&self, now: DateTime<Utc>) -> Option<i64> {
        self.last_good_at
            .map(|t| now.signed_duration_since(t).num_seconds())
    }
}

/// Records one read: a success replaces the known positions and resets the count; a failure
/// keeps them and counts.
pub fn record(state: &VenueReadState, outcome: &ReadOutcome, now: DateTime<Utc>) -> VenueReadState {
    match outcome {
        ReadOutcome::Ok { positions } => VenueReadState {
            consecutive_failures: 0,
            failing_since: None,
            last_good_at: Some(now),
            last_known: Some(
                positions
                    .iter()
                    .filter(|(_, s)| !s.is_zero())
                    .map(|(k, v)| (k.clone(), *v))
                    .collect(),
            ),
            last_error: None,
        },
        ReadOutcome::Failed { error } => VenueReadState {
            consecutive_failures: state.consecutive_failures.saturating_add(1),
            failing_since: state.failing_since.or(Some(now)),
            last_good_at: state.last_good_at,
            last_known: state.last_known.clone(),
            last_error: Some(error.clone()),
        },
    }
}

/// What may be done on the readable venue while the other is blind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum BlindAction {
    /// The other leg is known gone: close this one.
    CloseLeg {
        /// The readable venue.
        venue: VenueSlot,
        /// Base asset.
        symbol: String,
        /// Its signed size.
        size: Decimal,
    },
    /// The other leg was known smaller (opposite side): reduce this one by the difference.
    ReduceLeg {
        /// The readable venue.
        venue: VenueSlot,
        /// Base asset.
        symbol: String,
        /// Base units.
        quantity: Decimal,
    },
    /// Nothing may be done blind on this symbol.
    Hold {
        /// Base asset.
        symbol: String,
        /// The failing venue's last known size (`None`: never read, which is not "gone").
        other_last_known: Option<Decimal>,
        /// Why.
        reason: BlindHoldReason,
    },
}

/// Why a symbol is held while the other venue is blind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlindHoldReason {
    /// The failing venue was never read: its leg is not known gone.
    OtherNeverRead,
    /// Its leg was last known open and matching (within half the coarser step).
    OtherLegOpen,
    /// Its leg was last known on the same side: not a leg that is gone.
    SameSide,
    /// The symbol's steps were not given: no quantity can be put on the grid.
    StepUnknown,
}

/// The two venues' size steps for a symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolSteps {
    /// Venue A's size step.
    pub step_a: Decimal,
    /// Venue B's size step.
    pub step_b: Decimal,
}

/// What this check may do given the reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum ReadVerdict {
    /// Both venues read: proceed.
    Proceed,
    /// A venue (or both) failing, below the alert bound or with nothing known open: wait.
    Wait {
        /// Failing venues with their counts.
        failing: Vec<(VenueSlot, u32)>,
    },
    /// Past `max_read_failures` with a position known open: alert, act on nothing.
    Alert {
        /// Failing venues with their counts.
        failing: Vec<(VenueSlot, u32)>,
        /// True on the check that crossed the bound.
        first: bool,
    },
    /// Past `act_after_failures`, one venue readable: act on it alone (and keep alerting).
    ActOnReadable {
        /// The failing venue.
        failing: VenueSlot,
        /// Its count.
        failures: u32,
        /// Per symbol open on the readable venue.
        actions: Vec<BlindAction>,
    },
}

/// The verdict for this check (module docs). `steps`: the two venues' size steps per symbol
/// (a blind reduce is put on the readable venue's grid, and a difference within half the
/// coarser step is no difference).
pub fn verdict(
    s: &ReadSettings,
    a: &VenueReadState,
    b: &VenueReadState,
    steps: &BTreeMap<String, SymbolSteps>,
) -> ReadVerdict {
    let failing: Vec<(VenueSlot, u32)> = [(VenueSlot::A, a), (VenueSlot::B, b)]
        .into_iter()
        .filter(|(_, st)| st.consecutive_failures > 0)
        .map(|(v, st)| (v, st.consecutive_failures))
        .collect();
    let Some(worst) = failing.iter().map(|(_, n)| *n).max() else {
        return ReadVerdict::Proceed;
    };
    if worst < s.max_read_failures || !(a.knows_open() || b.knows_open()) {
        return ReadVerdict::Wait { failing };
    }
    if failing.len() == 1 && worst >= s.act_after_failures {
        let (blind, readable, venue) = if a.consecutive_failures > 0 {
            (a, b, VenueSlot::B)
        } else {
            (b, a, VenueSlot::A)
        };
        return ReadVerdict::ActOnReadable {
            failing: venue.other(),
            failures: worst,
            actions: blind_actions(venue, readable, blind, steps),
        };
    }
    ReadVerdict::Alert {
        first: worst == s.max_read_failures,
        failing,
    }
}

fn blind_actions(
    venue: VenueSlot,
    readable: &VenueReadState,
    blind: &VenueReadState,
    steps: &BTreeMap<String, SymbolSteps>,
) -> Vec<BlindAction> {
    let empty = BTreeMap::new();
    let mine = readable.last_known.as_ref().unwrap_or(&empty);
    mine.iter()
        .filter(|(_, s)| !s.is_zero())
        .map(|(symbol, size)| {
            let hold = |other_last_known, reason| BlindAction::Hold {
                symbol: symbol.clone(),
                other_last_known,
                reason,
            };
            // Never read is not "gone".
            let Some(theirs) = blind.last_known.as_ref() else {
                return hold(None, BlindHoldReason::OtherNeverRead);
            };
            let other = theirs.get(symbol).copied().unwrap_or(Decimal::ZERO);
            if other.is_zero() {
                return BlindAction::CloseLeg {
                    venue,
                    symbol: symbol.clone(),
                    size: *size,
                };
            }
            if other.is_sign_positive() == size.is_sign_positive() {
                return hold(Some(other), BlindHoldReason::SameSide);
            }
            let Some(st) = steps.get(symbol) else {
                return hold(Some(other), BlindHoldReason::StepUnknown);
            };
            let (mine_step, half_coarser) = match venue {
                VenueSlot::A => (st.step_a, st.step_a.max(st.step_b) / Decimal::TWO),
                VenueSlot::B => (st.step_b, st.step_a.max(st.step_b) / Decimal::TWO),
            };
            let excess = size.abs() - other.abs();
            if excess <= half_coarser {
                return hold(Some(other), BlindHoldReason::OtherLegOpen);
            }
            match nearest_step(excess, mine_step) {
                Ok(quantity) if !quantity.is_zero() => BlindAction::ReduceLeg {
                    venue,
                    symbol: symbol.clone(),
                    quantity,
                },
                Ok(_) => hold(Some(other), BlindHoldReason::OtherLegOpen),
                Err(_) => hold(Some(other), BlindHoldReason::StepUnknown),
            }
        })
        .collect()
}
