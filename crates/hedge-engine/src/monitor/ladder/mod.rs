//! The per-venue ladder: OK / WARN / REDUCE / FLATTEN (findings 6.2 item 2, issue 17 item 3).
//!
//! Each check, [`step`] turns one venue's [`LadderReading`] (shortest runway, margin usage,
//! worst leg PnL %) and the stored [`LadderState`] into the level, the action and the alerts.
//!
//! Rules, in order:
//! 1. **Unknown holds.** A reading with an unknown runway (missing/zero mark, unknown
//!    maintenance) keeps the level, sends no action and cancels a pending confirmation.
//! 2. **Entry bounds** (a figure at the bound enters the level): runway below
//!    `*_runway_pct`, margin usage at or above `*_usage`, a leg PnL % below
//!    `pnl_threshold_pct` (FLATTEN, the seed's `--pnl-threshold`), equity at or below zero
//!    (FLATTEN).
//! 3. **Hysteresis.** A level is left only when every figure is back past that level's entry
//!    bound by the margin (`runway_hysteresis_pct` percentage points of runway and of PnL %,
//!    `usage_hysteresis` of usage).
//! 4. **Minimum dwell.** A level is not left before `min_dwell_secs` in it (escalation is
//!    never delayed by the dwell). The dwell holds the level, not the trades: REDUCE and
//!    FLATTEN act only while the figures are still inside that level's exit bound.
//! 5. **Two readings.** Entering REDUCE or FLATTEN needs two consecutive readings that both
//!    call for it (or for more); the first goes to WARN at once (an alert) and is remembered
//!    as `pending`. Readings calling REDUCE then FLATTEN confirm REDUCE and leave FLATTEN
//!    pending.
//! 6. **Alerts on crossings only**: a level change is one event (`Recovered` when back to
//!    OK); while a non-OK level persists a reminder is sent every `alert_every_*_secs`.
//!
//! Defaults, and why (REDUCE must act before the venue's own liquidation stage):
//! - Runway: WARN below 15 %, REDUCE below 10 %, FLATTEN below 5 %, hysteresis 2 points.
//!   0 % runway is the venue's maintenance line, where Lighter starts partial liquidation
//!   and EdgeX liquidates; Lighter's pre-liquidation mode (only reducing orders) begins at
//!   the initial requirement, roughly `initial - maintenance` fractions (about 0.5-1 % of
//!   price) above it. REDUCE at 10 % acts an order of magnitude before either.
//! - Margin usage: FLATTEN at `--margin-threshold` (default 80 %), REDUCE at
//!   min(50 %, 5/8 of it), WARN at min(40 %, 1/2 of it), hysteresis 5 points; REDUCE brings
//!   usage back under the WARN bound (`reduce_target_usage`). The usage read by default is
//!   maintenance / equity (see [`super::runway`]): 100 % is the venue's liquidation line, so
//!   FLATTEN at 80 % keeps the seed's "80 % of equity consumed" as a last backstop, and the
//!   runway bounds act first (usage `u` is a runway of about `m (1/u - 1)`: 10 % runway is
//!   already about 5 % usage at m = 0.5 %). With `UsagePreference::Venue` the bounds apply
//!   to the venue's own figure instead (Lighter's is initial margin at the chosen leverage:
//!   a hedge sized near capacity reads near 100 % while healthy).
//! - Minimum dwell 300 s (five checks at the default 60 s interval); reminders every 60 min
//!   at WARN, 20 min at REDUCE, 10 min at FLATTEN (GRVT's cadence).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::runway::VenueRunway;
use super::MonitorConfigError;

mod reduce;
#[cfg(test)]
mod tests;

pub use reduce::{reduce_quantity, ReduceError, ReduceLeg, ReducePlan};

/// A venue's level, in increasing severity.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    /// Nothing to do.
    #[default]
    Ok,
    /// Alert only.
    Warn,
    /// Reduce both legs by the same quantity until the venue is back under target.
    Reduce,
    /// Close both legs.
    Flatten,
}

impl Level {
    /// REDUCE and FLATTEN trade; they need two agreeing readings.
    pub fn is_drastic(self) -> bool {
        matches!(self, Level::Reduce | Level::Flatten)
    }
}

/// Ladder settings (module docs for the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderSettings {
    /// WARN when the shortest runway is below this, percent.
    pub warn_runway_pct: Decimal,
    /// REDUCE below this, percent.
    pub reduce_runway_pct: Decimal,
    /// FLATTEN below this, percent.
    pub flatten_runway_pct: Decimal,
    /// WARN when margin usage is at or above this fraction.
    pub warn_usage: Decimal,
    /// REDUCE at or above this fraction.
    pub reduce_usage: Decimal,
    /// FLATTEN at or above this fraction (`--margin-threshold` / 100).
    pub flatten_usage: Decimal,
    /// FLATTEN when a leg's PnL % is below this (`--pnl-threshold`, default -15).
    pub pnl_threshold_pct: Decimal,
    /// Hysteresis for runway and PnL %, percentage points.
    pub runway_hysteresis_pct: Decimal,
    /// Hysteresis for margin usage, fraction.
    pub usage_hysteresis: Decimal,
    /// Minimum time in a level before it may be left, seconds.
    pub min_dwell_secs: u64,
    /// REDUCE brings the venue's margin usage under this fraction.
    pub reduce_target_usage: Decimal,
    /// Reminder cadence at WARN, seconds.
    pub alert_every_warn_secs: u64,
    /// Reminder cadence at REDUCE, seconds.
    pub alert_every_reduce_secs: u64,
    /// Reminder cadence at FLATTEN, seconds.
    pub alert_every_flatten_secs: u64,
}

impl Default for LadderSettings {
    fn default() -> Self {
        Self {
            warn_runway_pct: Decimal::from(15),
            reduce_runway_pct: Decimal::from(10),
            flatten_runway_pct: Decimal::from(5),
            warn_usage: Decimal::new(40, 2),
            reduce_usage: Decimal::new(50, 2),
            flatten_usage: Decimal::new(80, 2),
            pnl_threshold_pct: Decimal::from(-15),
            runway_hysteresis_pct: Decimal::from(2),
            usage_hysteresis: Decimal::new(5, 2),
            min_dwell_secs: 300,
            reduce_target_usage: Decimal::new(40, 2),
            alert_every_warn_secs: 3600,
            alert_every_reduce_secs: 1200,
            alert_every_flatten_secs: 600,
        }
    }
}

impl LadderSettings {
    /// The defaults with the binary's two thresholds: `--margin-threshold` (percent in
    /// (0, 100], FLATTEN at or above it) and `--pnl-threshold` (percent, a leg below it
    /// FLATTENs). A lower margin threshold pulls the REDUCE and WARN usage bounds (and the
    /// REDUCE target and the usage hysteresis) down with it: REDUCE at min(50 %, 5/8 of it),
    /// WARN at min(40 %, 1/2), hysteresis min(5 points, half the WARN bound).
    pub fn with_thresholds(
        margin_threshold_pct: Decimal,
        pnl_threshold_pct: Decimal,
    ) -> Result<Self, MonitorConfigError> {
        if margin_threshold_pct <= Decimal::ZERO || margin_threshold_pct > Decimal::ONE_HUNDRED {
            return Err(MonitorConfigError::new(
                "--margin-threshold",
                margin_threshold_pct,
                "must be a percent in (0, 100]",
            ));
        }
        let d = Self::default();
        let flatten_usage = margin_threshold_pct / Decimal::ONE_HUNDRED;
        let reduce_usage = d.reduce_usage.min(flatten_usage * Decimal::new(625, 3));
        let warn_usage = d.warn_usage.min(flatten_usage / Decimal::TWO);
        let s = Self {
            flatten_usage,
            reduce_usage,
            warn_usage,
            reduce_target_usage: warn_usage,
            usage_hysteresis: d.usage_hysteresis.min(warn_usage / Decimal::TWO),
            pnl_threshold_pct,
            ..d
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks the ordering of the bounds and the ranges.
    pub fn validate(&self) -> Result<(), MonitorConfigError> {
        let z = Decimal::ZERO;
        let checks: [(bool, &'static str, Decimal, &'static str); 9] = [
            (
                self.flatten_usage > z && self.flatten_usage <= Decimal::ONE,
                "flatten_usage",
                self.flatten_usage,
                "must be in (0, 1]",
            ),
            (
                self.reduce_usage > z && self.reduce_usage < self.flatten_usage,
                "reduce_usage",
                self.reduce_usage,
                "must be in (0, flatten_usage)",
            ),
            (
                self.warn_usage > z && self.warn_usage < self.reduce_usage,
                "warn_usage",
                self.warn_usage,
                "must be in (0, reduce_usage)",
            ),
            (
                self.reduce_target_usage > z && self.reduce_target_usage < self.reduce_usage,
                "reduce_target_usage",
                self.reduce_target_usage,
                "must be in (0, reduce_usage)",
            ),
            (
                self.flatten_runway_pct >= z,
                "flatten_runway_pct",
                self.flatten_runway_pct,
                "must be >= 0",
            ),
            (
                self.reduce_runway_pct > self.flatten_runway_pct,
                "reduce_runway_pct",
                self.reduce_runway_pct,
                "must be > flatten_runway_pct",
            ),
            (
                self.warn_runway_pct > self.reduce_runway_pct,
                "warn_runway_pct",
                self.warn_runway_pct,
                "must be > reduce_runway_pct",
            ),
            (
                self.runway_hysteresis_pct >= z,
                "runway_hysteresis_pct",
                self.runway_hysteresis_pct,
                "must be >= 0",
            ),
            (
                self.usage_hysteresis >= z && self.usage_hysteresis < self.warn_usage,
                "usage_hysteresis",
                self.usage_hysteresis,
                "must be in [0, warn_usage)",
            ),
        ];
        for (ok, option, value, rule) in checks {
            if !ok {
                return Err(MonitorConfigError::new(option, value, rule));
            }
        }
        if self.pnl_threshold_pct >= z {
            return Err(MonitorConfigError::new(
                "--pnl-threshold",
                self.pnl_threshold_pct,
                "must be a negative percent",
            ));
        }
        Ok(())
    }

    fn cadence_secs(&self, level: Level) -> Option<u64> {
        match level {
            Level::Ok => None,
            Level::Warn => Some(self.alert_every_warn_secs),
            Level::Reduce => Some(self.alert_every_reduce_secs),
            Level::Flatten => Some(self.alert_every_flatten_secs),
        }
    }
}

/// What one venue shows this check, as the ladder needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderReading {
    /// Venue id.
    pub venue: String,
    /// Shortest effective runway and its symbol, percent.
    pub runway: Option<(String, Decimal)>,
    /// Margin usage fraction.
    pub margin_usage: Option<Decimal>,
    /// Lowest leg PnL % and its symbol.
    pub worst_pnl: Option<(String, Decimal)>,
    /// Effective equity when it is at or below zero.
    pub equity_exhausted: Option<Decimal>,
    /// Symbols whose runway is unknown (the ladder holds while any is).
    pub unknown: Vec<String>,
}

impl LadderReading {
    /// The reading of one venue's runway picture.
    pub fn from_runway(r: &VenueRunway) -> Self {
        let runway = r
            .positions
            .iter()
            .filter_map(|p| Some((p.symbol.clone(), p.effective_move_pct()?)))
            .min_by_key(|(_, x)| *x);
        let worst_pnl = r
            .positions
            .iter()
            .filter_map(|p| Some((p.symbol.clone(), p.pnl_pct?)))
            .min_by_key(|(_, x)| *x);
        let unknown = r
            .positions
            .iter()
            .filter(|p| p.effective_move_pct().is_none())
            .map(|p| p.symbol.clone())
            .collect();
        let open = !r.positions.is_empty();
        Self {
            venue: r.venue.clone(),
            runway,
            margin_usage: r.margin_usage.as_ref().map(|u| u.fraction),
            worst_pnl,
            equity_exhausted: (open && r.effective_equity <= Decimal::ZERO)
                .then_some(r.effective_equity),
            unknown,
        }
    }
}

/// Why a venue is at a level: one figure past one bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LevelReason {
    /// Runway below a bound.
    Runway {
        /// The level this bound enters.
        level: Level,
        /// Base asset.
        symbol: String,
        /// Runway, percent.
        move_pct: Decimal,
        /// The bound, percent.
        bound_pct: Decimal,
    },
    /// Margin usage at or above a bound.
    MarginUsage {
        /// The level this bound enters.
        level: Level,
        /// Usage fraction.
        usage: Decimal,
        /// The bound.
        bound: Decimal,
    },
    /// A leg's PnL % below `--pnl-threshold`.
    LegPnl {
        /// Base asset.
        symbol: String,
        /// PnL percent.
        pnl_pct: Decimal,
        /// The threshold.
        bound_pct: Decimal,
    },
    /// No equity left.
    EquityExhausted {
        /// Effective equity.
        equity: Decimal,
    },
}

impl LevelReason {
    /// The level this reason calls for.
    pub fn level(&self) -> Level {
        match self {
            LevelReason::Runway { level, .. } | LevelReason::MarginUsage { level, .. } => *level,
            LevelReason::LegPnl { .. } | LevelReason::EquityExhausted { .. } => Level::Flatten,
        }
    }
}

/// One venue's stored ladder state (pass the returned one back next check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LadderState {
    /// Current level.
    pub level: Level,
    /// When it was entered (`None`: start-up, no dwell).
    pub since: Option<DateTime<Utc>>,
    /// A drastic level the previous reading called for, awaiting a second reading.
    pub pending: Option<Level>,
    /// When the last alert for this venue was sent.
    pub last_alert_at: Option<DateTime<Utc>>,
    /// True while holding on unknown figures.
    pub held: bool,
}

/// What to do on this venue now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum LadderAction {
    /// Nothing.
    None,
    /// Figures unknown: do nothing, say why.
    Hold {
        /// Symbols with an unknown runway.
        symbols: Vec<String>,
    },
    /// Reduce both legs of the venue's shortest-runway symbol by the same quantity
    /// ([`reduce_quantity`]; a zero quantity means the venue is already back on target).
    Reduce,
    /// Close both legs of every symbol on this venue.
    Flatten,
}

/// An alert (crossing-only; the binary deduplicates per venue and kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum LadderEvent {
    /// The level changed (up or down, not to OK).
    Crossed {
        /// Venue id.
        venue: String,
        /// Previous level.
        from: Level,
        /// New level.
        to: Level,
        /// The figures behind it.
        reasons: Vec<LevelReason>,
    },
    /// Still at a non-OK level after the level's cadence.
    Reminder {
        /// Venue id.
        venue: String,
        /// The level.
        level: Level,
        /// In it since.
        since: Option<DateTime<Utc>>,
        /// The figures behind it.
        reasons: Vec<LevelReason>,
    },
    /// Back to OK.
    Recovered {
        /// Venue id.
        venue: String,
        /// The level left.
        from: Level,
    },
    /// Figures became unknown: holding.
    Held {
        /// Venue id.
        venue: String,
        /// Symbols with an unknown runway.
        symbols: Vec<String>,
    },
}

/// The result of one check on one venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderStep {
    /// The state to store.
    pub state: LadderState,
    /// The level now.
    pub level: Level,
    /// Every figure past a bound (for the display).
    pub reasons: Vec<LevelReason>,
    /// What to do.
    pub action: LadderAction,
    /// Alerts to send.
    pub events: Vec<LadderEvent>,
}

/// Every figure past a bound, with hysteresis `shift` (0 for entry, 1 for leaving).
fn reasons_for(s: &LadderSettings, r: &LadderReading, shifted: bool) -> Vec<LevelReason> {
    let (hr, hu) = if shifted {
        (s.runway_hysteresis_pct, s.usage_hysteresis)
    } else {
        (Decimal::ZERO, Decimal::ZERO)
    };
    let mut out = Vec::new();
    if let Some(equity) = r.equity_exhausted {
        out.push(LevelReason::EquityExhausted { equity });
    }
    if let Some((symbol, x)) = &r.runway {
        let bounds = [
            (Level::Flatten, s.flatten_runway_pct),
            (Level::Reduce, s.reduce_runway_pct),
            (Level::Warn, s.warn_runway_pct),
        ];
        if let Some((level, bound)) = bounds.into_iter().find(|(_, b)| *x < *b + hr) {
            out.push(LevelReason::Runway {
                level,
                symbol: symbol.clone(),
                move_pct: *x,
                bound_pct: bound,
            });
        }
    }
    if let Some(u) = r.margin_usage {
        let bounds = [
            (Level::Flatten, s.flatten_usage),
            (Level::Reduce, s.reduce_usage),
            (Level::Warn, s.warn_usage),
        ];
        if let Some((level, bound)) = bounds.into_iter().find(|(_, b)| u >= *b - hu) {
            out.push(LevelReason::MarginUsage {
                level,
                usage: u,
                bound,
            });
        }
    }
    if let Some((symbol, p)) = &r.worst_pnl {
        if *p < s.pnl_threshold_pct + hr {
            out.push(LevelReason::LegPnl {
                symbol: symbol.clone(),
                pnl_pct: *p,
                bound_pct: s.pnl_threshold_pct,
            });
        }
    }
    out
}

fn level_of(reasons: &[LevelReason]) -> Level {
    reasons
        .iter()
        .map(LevelReason::level)
        .max()
        .unwrap_or(Level::Ok)
}

/// One check of one venue (module docs for the rules).
pub fn step(
    s: &LadderSettings,
    state: &LadderState,
    reading: &LadderReading,
    now: DateTime<Utc>,
) -> LadderStep {
    let current = state.level;
    let mut next = state.clone();
    let mut events = Vec::new();
    if !reading.unknown.is_empty() {
        next.pending = None;
        if !state.held {
            next.held = true;
            next.last_alert_at = Some(now);
            events.push(LadderEvent::Held {
                venue: reading.venue.clone(),
                symbols: reading.unknown.clone(),
            });
        }
        return LadderStep {
            state: next,
            level: current,
            reasons: reasons_for(s, reading, false),
            action: LadderAction::Hold {
                symbols: reading.unknown.clone(),
            },
            events,
        };
    }
    next.held = false;
    let reasons = reasons_for(s, reading, false);
    let raw = level_of(&reasons);
    // The level the figures still call for, counting the hysteresis (>= raw).
    let sticky = level_of(&reasons_for(s, reading, true));
    let mut candidate = if raw >= current {
        raw
    } else {
        current.min(sticky)
    };
    let dwelt = state.since.is_none_or(|since| {
        now.signed_duration_since(since).num_seconds()
            >= i64::try_from(s.min_dwell_secs).unwrap_or(i64::MAX)
    });
    if candidate < current && !dwelt {
        candidate = current;
    }
    let new_level = if candidate > current && candidate.is_drastic() {
        let confirmed = state
            .pending
            .filter(|p| p.is_drastic())
            .map(|p| p.min(candidate));
        let lvl = current.max(Level::Warn).max(confirmed.unwrap_or(Level::Ok));
        next.pending = (candidate > lvl).then_some(candidate);
        lvl
    } else {
        next.pending = None;
        candidate
    };
    if new_level != current {
        next.level = new_level;
        next.since = Some(now);
        next.last_alert_at = Some(now);
        events.push(if new_level == Level::Ok {
            LadderEvent::Recovered {
                venue: reading.venue.clone(),
                from: current,
            }
        } else {
            LadderEvent::Crossed {
                venue: reading.venue.clone(),
                from: current,
                to: new_level,
                reasons: reasons.clone(),
            }
        });
    } else if let Some(cadence) = s.cadence_secs(new_level) {
        let due = state.last_alert_at.is_none_or(|at| {
            now.signed_duration_since(at).num_seconds()
                >= i64::try_from(cadence).unwrap_or(i64::MAX)
        });
        if due {
            next.last_alert_at = Some(now);
            events.push(LadderEvent::Reminder {
                venue: reading.venue.clone(),
                level: new_level,
                since: state.since,
                reasons: reasons.clone(),
            });
        }
    }
    // The dwell holds the level (display, alerts), not the trades: a trade needs figures
    // still inside that level's exit bound (a flattened venue is not flattened again, a
    // fresh healthy hedge on it is not touched while the level waits out its dwell).
    let action = match new_level.min(sticky) {
        Level::Ok | Level::Warn => LadderAction::None,
        Level::Reduce => LadderAction::Reduce,
        Level::Flatten => LadderAction::Flatten,
    };
    LadderStep {
        state: next,
        level: new_level,
        reasons,
        action,
        events,
    }
}
