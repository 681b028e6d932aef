//! Hedge integrity across the two venues, independent of margin (behavior-spec 5.5,
//! findings 6.2 items 4-5, issue 17 item 4).
//!
//! Per symbol, from both venues' readable positions:
//! - [`HedgeClass`]: flat, hedged (opposite sides, sizes within half the coarser step),
//!   one-legged, same side, or size mismatch (the excess and the venue that holds it).
//! - **Grace**: a broken hedge counts only after `unhedged_grace_secs` (default 30, longer
//!   than the two-leg protocol's own window) of being continuously broken. While a two-leg
//!   operation is in progress (the engine's lock is held or its journal has an unfinished
//!   entry) nothing counts and the grace restarts when it ends: an open in flight is never a
//!   naked leg.
//! - **Venue shrink**: a leg smaller than at the previous check (same side or now flat) with
//!   no journal activity for the symbol and no operation in progress is a venue liquidation
//!   or auto-deleverage; the other leg is reduced at once (no grace) by the lost quantity,
//!   never below this leg's remaining size.
//!
//! - **Alerts** on crossings only ([`IntegrityEvent`]): broken once past the grace, restored
//!   once sound again, and every venue shrink.
//!
//! Callers pass every symbol open on either venue now or at the previous check, and only
//! readings where both venues were read (a failed read goes through [`super::reads`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{nearest_step, MonitorConfigError, VenueSlot};
use crate::grid::GridError;

#[cfg(test)]
mod tests;

/// Integrity settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegritySettings {
    /// `--unhedged-grace`, seconds (default 30).
    pub unhedged_grace_secs: u64,
}

impl Default for IntegritySettings {
    fn default() -> Self {
        Self {
            unhedged_grace_secs: 30,
        }
    }
}

impl IntegritySettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), MonitorConfigError> {
        if self.unhedged_grace_secs == 0 {
            return Err(MonitorConfigError::new(
                "--unhedged-grace",
                self.unhedged_grace_secs,
                "must be > 0 seconds (longer than the two-leg protocol's window)",
            ));
        }
        Ok(())
    }
}

/// One symbol's two legs as read now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolLegs {
    /// Base asset.
    pub symbol: String,
    /// Signed size on venue A (zero: no position).
    pub size_a: Decimal,
    /// Signed size on venue B.
    pub size_b: Decimal,
    /// Venue A's size step for the symbol.
    pub step_a: Decimal,
    /// Venue B's size step for the symbol.
    pub step_b: Decimal,
    /// The engine's journal has an entry for this symbol since the previous check (our own
    /// orders explain a size change).
    pub journal_activity: bool,
}

impl SymbolLegs {
    fn size(&self, v: VenueSlot) -> Decimal {
        match v {
            VenueSlot::A => self.size_a,
            VenueSlot::B => self.size_b,
        }
    }

    fn step(&self, v: VenueSlot) -> Decimal {
        match v {
            VenueSlot::A => self.step_a,
            VenueSlot::B => self.step_b,
        }
    }
}

/// How the two legs of a symbol stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "class")]
pub enum HedgeClass {
    /// No position on either venue.
    Flat,
    /// Opposite sides, sizes within half the coarser step.
    Hedged,
    /// One venue flat, the other not.
    OneLegged {
        /// The venue holding the leg.
        venue: VenueSlot,
        /// Its signed size.
        size: Decimal,
    },
    /// Both legs on the same side.
    SameSide {
        /// Venue A's size.
        size_a: Decimal,
        /// Venue B's size.
        size_b: Decimal,
    },
    /// Opposite sides, sizes differing by more than half the coarser step.
    SizeMismatch {
        /// The venue with the larger leg.
        venue: VenueSlot,
        /// |larger| - |smaller|.
        excess: Decimal,
    },
}

impl HedgeClass {
    /// Flat or hedged.
    pub fn is_sound(&self) -> bool {
        matches!(self, HedgeClass::Flat | HedgeClass::Hedged)
    }
}

/// Classifies one symbol's legs.
pub fn classify(legs: &SymbolLegs) -> HedgeClass {
    let (a, b) = (legs.size_a, legs.size_b);
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return HedgeClass::Flat,
        (false, true) => {
            return HedgeClass::OneLegged {
                venue: VenueSlot::A,
                size: a,
            }
        }
        (true, false) => {
            return HedgeClass::OneLegged {
                venue: VenueSlot::B,
                size: b,
            }
        }
        (false, false) => {}
    }
    if a.is_sign_positive() == b.is_sign_positive() {
        return HedgeClass::SameSide {
            size_a: a,
            size_b: b,
        };
    }
    let half_coarser = legs.step_a.max(legs.step_b) / Decimal::TWO;
    let diff = a.abs() - b.abs();
    if diff.abs() <= half_coarser {
        HedgeClass::Hedged
    } else {
        HedgeClass::SizeMismatch {
            venue: if diff > Decimal::ZERO {
                VenueSlot::A
            } else {
                VenueSlot::B
            },
            excess: diff.abs(),
        }
    }
}

/// Stored per symbol between checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SymbolIntegrityState {
    /// Broken (and not suppressed) continuously since.
    pub unhedged_since: Option<DateTime<Utc>>,
    /// Sizes (A, B) at the previous check.
    pub last_sizes: Option<(Decimal, Decimal)>,
    /// A "broken" alert was sent and no "restored" since.
    #[serde(default)]
    pub alerted: bool,
}

/// Stored integrity state (pass the returned one back next check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrityState {
    /// Per symbol.
    pub symbols: BTreeMap<String, SymbolIntegrityState>,
}

/// Where a symbol stands in the grace logic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum IntegrityStatus {
    /// Flat or hedged.
    Sound,
    /// Broken, a two-leg operation in progress: not counted.
    Suppressed,
    /// Broken, within the grace.
    InGrace {
        /// Broken since.
        since: DateTime<Utc>,
        /// Seconds left.
        remaining_secs: i64,
    },
    /// Broken past the grace: act.
    Broken {
        /// Broken since.
        since: DateTime<Utc>,
    },
}

/// What to do about a symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum IntegrityAction {
    /// Nothing.
    None,
    /// Close this venue's leg (`close --leg`).
    CloseLeg {
        /// The venue.
        venue: VenueSlot,
    },
    /// Close both legs (same side: no hedge left to keep).
    CloseBoth,
    /// Reduce this venue's leg, reduce-only, by the quantity.
    ReduceLeg {
        /// The venue.
        venue: VenueSlot,
        /// Base units, on the venue's step.
        quantity: Decimal,
    },
}

/// What a leg shrunk with nothing of ours to explain it is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShrinkCause {
    /// The venue liquidated part or all of the leg, or auto-deleveraged it: from the
    /// position alone the two cannot be told apart, and the remedy is the same.
    VenueLiquidationOrAdl,
}

/// A leg shrunk with nothing of ours to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegShrink {
    /// What it is taken for.
    pub cause: ShrinkCause,
    /// The venue that cut the leg.
    pub venue: VenueSlot,
    /// Size at the previous check.
    pub previous: Decimal,
    /// Size now.
    pub now: Decimal,
    /// |previous| - |now|.
    pub lost: Decimal,
    /// Reduce the other leg by this (rounded to its step, never below this leg's size);
    /// zero when the other leg is already no larger.
    pub reduce_other: Decimal,
}

/// An integrity alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum IntegrityEvent {
    /// The hedge has been broken for longer than the grace.
    Broken {
        /// Base asset.
        symbol: String,
        /// How.
        class: HedgeClass,
        /// Since.
        since: DateTime<Utc>,
    },
    /// Sound again after a "broken" alert.
    Restored {
        /// Base asset.
        symbol: String,
    },
    /// A venue cut a leg.
    VenueShrink {
        /// Base asset.
        symbol: String,
        /// What was seen.
        shrink: LegShrink,
    },
}

/// One symbol's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolVerdict {
    /// Base asset.
    pub symbol: String,
    /// The class now.
    pub class: HedgeClass,
    /// Grace status.
    pub status: IntegrityStatus,
    /// A venue liquidation or ADL detected this check (an alert in itself).
    pub shrink: Option<LegShrink>,
    /// What to do now.
    pub action: IntegrityAction,
    /// Alerts (crossing-only: broken once past the grace, restored once sound again, and
    /// every venue shrink).
    pub events: Vec<IntegrityEvent>,
    /// A quantity the rules call for could not be put on the grid (a size step missing or
    /// not positive): that action is dropped, and this says why.
    pub grid_error: Option<String>,
}

fn shrink_of(legs: &SymbolLegs, prev: (Decimal, Decimal)) -> Result<Option<LegShrink>, GridError> {
    let mut found: Option<LegShrink> = None;
    for v in [VenueSlot::A, VenueSlot::B] {
        let before = match v {
            VenueSlot::A => prev.0,
            VenueSlot::B => prev.1,
        };
        let now = legs.size(v);
        let same_side_or_flat =
            now.is_zero() || now.is_sign_positive() == before.is_sign_positive();
        if before.is_zero() || !same_side_or_flat || now.abs() >= before.abs() {
            continue;
        }
        let lost = before.abs() - now.abs();
        let other = legs.size(v.other());
        let room = (other.abs() - now.abs()).max(Decimal::ZERO);
        let opposite = !other.is_zero() && other.is_sign_positive() != before.is_sign_positive();
        let reduce_other = if opposite {
            nearest_step(lost.min(room), legs.step(v.other()))?
        } else {
            Decimal::ZERO
        };
        let candidate = LegShrink {
            cause: ShrinkCause::VenueLiquidationOrAdl,
            venue: v,
            previous: before,
            now,
            lost,
            reduce_other,
        };
        if found
            .as_ref()
            .is_none_or(|f| candidate.reduce_other > f.reduce_other)
        {
            found = Some(candidate);
        }
    }
    Ok(found)
}

fn broken_action(legs: &SymbolLegs, class: &HedgeClass) -> Result<IntegrityAction, GridError> {
    Ok(match class {
        HedgeClass::Flat | HedgeClass::Hedged => IntegrityAction::None,
        HedgeClass::OneLegged { venue, .. } => IntegrityAction::CloseLeg { venue: *venue },
        HedgeClass::SameSide { .. } => IntegrityAction::CloseBoth,
        HedgeClass::SizeMismatch { venue, excess } => {
            let quantity = nearest_step(*excess, legs.step(*venue))?;
            if quantity.is_zero() {
                IntegrityAction::None
            } else {
                IntegrityAction::ReduceLeg {
                    venue: *venue,
                    quantity,
                }
            }
        }
    })
}

/// One check over every symbol. `operation_in_progress`: the engine's lock is held or its
/// journal has an unfinished entry.
pub fn check(
    settings: &IntegritySettings,
    state: &IntegrityState,
    legs: &[SymbolLegs],
    operation_in_progress: bool,
    now: DateTime<Utc>,
) -> (IntegrityState, Vec<SymbolVerdict>) {
    let mut next = IntegrityState::default();
    let mut verdicts = Vec::with_capacity(legs.len());
    for l in legs {
        let mut grid_error = None;
        let prev = state.symbols.get(&l.symbol).cloned().unwrap_or_default();
        let class = classify(l);
        let shrink = match prev.last_sizes {
            Some(p) if !operation_in_progress && !l.journal_activity => shrink_of(l, p)
                .unwrap_or_else(|e| {
                    grid_error = Some(e.to_string());
                    None
                }),
            _ => None,
        };
        let (status, since) = if class.is_sound() {
            (IntegrityStatus::Sound, None)
        } else if operation_in_progress {
            (IntegrityStatus::Suppressed, None)
        } else {
            let since = prev.unhedged_since.unwrap_or(now);
            let elapsed = now.signed_duration_since(since).num_seconds();
            let grace = i64::try_from(settings.unhedged_grace_secs).unwrap_or(i64::MAX);
            if elapsed >= grace {
                (IntegrityStatus::Broken { since }, Some(since))
            } else {
                let remaining_secs = grace - elapsed;
                (
                    IntegrityStatus::InGrace {
                        since,
                        remaining_secs,
                    },
                    Some(since),
                )
            }
        };
        let action = match (&shrink, &status) {
            (Some(s), _) if !s.reduce_other.is_zero() => IntegrityAction::ReduceLeg {
                venue: s.venue.other(),
                quantity: s.reduce_other,
            },
            (_, IntegrityStatus::Broken { .. }) => broken_action(l, &class).unwrap_or_else(|e| {
                grid_error = Some(e.to_string());
                IntegrityAction::None
            }),
            _ => IntegrityAction::None,
        };
        let mut events = Vec::new();
        if let Some(shrink) = &shrink {
            events.push(IntegrityEvent::VenueShrink {
                symbol: l.symbol.clone(),
                shrink: shrink.clone(),
            });
        }
        let alerted = match &status {
            IntegrityStatus::Broken { since } if !prev.alerted => {
                events.push(IntegrityEvent::Broken {
                    symbol: l.symbol.clone(),
                    class: class.clone(),
                    since: *since,
                });
                true
            }
            IntegrityStatus::Sound if prev.alerted => {
                events.push(IntegrityEvent::Restored {
                    symbol: l.symbol.clone(),
                });
                false
            }
            _ => prev.alerted,
        };
        if !(l.size_a.is_zero() && l.size_b.is_zero() && since.is_none() && !alerted) {
            next.symbols.insert(
                l.symbol.clone(),
                SymbolIntegrityState {
                    unhedged_since: since,
                    last_sizes: Some((l.size_a, l.size_b)),
                    alerted,
                },
            );
        }
        verdicts.push(SymbolVerdict {
            symbol: l.symbol.clone(),
            class,
            status,
            shrink,
            action,
            events,
            grid_error,
        });
    }
    (next, verdicts)
}
