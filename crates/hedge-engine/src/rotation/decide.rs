//! The rotation bot's decisions in expected dollars (issue 16 item 2; field 6.1.1-6.1.4):
//! which symbol to enter, whether to keep, extend, switch or close a held position, and when
//! exactly to close around settlements.
//!
//! Pure: no I/O, no clock; every function takes `now`. Every outcome carries the numbers it
//! was decided on, so the bot can log and store it as the decision record.
//!
//! # Rules
//! - **Entry** (fee-aware, the default): eligible when the net APR over the planned hold is at
//!   least `min_net_apr_threshold` (inclusive) and the break-even hold is shorter than the planned
//!   hold; eligible candidates are ranked by expected net USD, not APR. With
//!   `fee_aware_entry = false` the funding APR before costs is compared instead and no
//!   break-even is required (the seed's gross gate), still ranked by dollars.
//! - **Holding**: keep value = the held position's remaining expected funding; close cost = its
//!   exit cost; switch value = the best other eligible candidate's expected net minus this
//!   position's exit cost, taken only when it beats keep by `switch_margin_usd`. Charging the
//!   held exit cost to the switch is deliberately conservative (keeping may extend and defer
//!   that cost). The two are compared over the same horizon: when the candidate's window is
//!   longer than the held position's remaining one, keep is extended by the held position's
//!   carry at current rates for the difference (`keep_for_switch_usd`); otherwise every
//!   position would look worse than any fresh candidate near its planned end.
//! - **Exit hysteresis**: before the planned end a position closes early only after its funding
//!   APR on the remaining window has been below `exit_net_apr_threshold` (lower than the entry
//!   threshold) in `exit_confirmations` consecutive funding periods; a single sign flip never
//!   closes. A period is named by the next settlement of either leg in the window: checks
//!   within one period see the same rates and count once, so a 60-second check interval cannot
//!   turn one flipped hourly rate into three confirmations. A check above the bar resets the
//!   count. A check whose remaining window holds no settlement on either leg leaves the count
//!   alone: nothing is left to earn or pay, so closing early saves nothing. The entry cost is sunk,
//!   so a held position is judged on its funding APR, not on a net that re-charges the open.
//! - **Planned end**: the held position (priced over the extension window, see
//!   [`held_window`]) is extended while its funding APR still meets the entry bar
//!   (`min_net_apr_threshold`) and `max_hold_hours` leaves room; else it switches (if a switch
//!   wins) or closes.
//! - **Close timing**: see [`close_time_after_settlements`]; **open timing** (never open just
//!   before an adverse settlement): see [`open_time_after_adverse_settlements`].

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::economics::{Economics, EconomicsError, HoldWindow};

mod display;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
mod tests;
mod timing;

pub use timing::{
    close_time_after_settlements, open_time_after_adverse_settlements, CloseTiming, LegFunding,
    OpenTiming, PendingSettlement,
};

/// The decision thresholds (bot config keys of the same names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Entry bar: minimum net APR over the planned hold, percent, inclusive.
    pub min_net_apr_threshold: Decimal,
    /// Exit bar: a held position whose funding APR stays below this (percent) closes early.
    pub exit_net_apr_threshold: Decimal,
    /// Consecutive funding periods below the exit bar needed before an early close (>= 1);
    /// checks within one period count once.
    pub exit_confirmations: u32,
    /// Planned hold from the open, hours (> 0). The seed's key name.
    pub hold_duration_hours: Decimal,
    /// Longest total hold including extensions, hours (>= `hold_duration_hours`).
    pub max_hold_hours: Decimal,
    /// A switch must beat keep by this many USD (>= 0).
    pub switch_margin_usd: Decimal,
    /// Favourable settlements up to this many minutes after the target close are waited for.
    pub settlement_guard_minutes: u32,
    /// The close is never delayed more than this past the target (>= guard + buffer).
    pub max_close_delay_minutes: u32,
    /// How long after a settlement the close goes out, seconds (the venue books it first).
    pub settlement_buffer_seconds: u32,
    /// Entry on net APR after costs plus break-even (true), or on funding APR alone (false).
    pub fee_aware_entry: bool,
}

impl Default for Thresholds {
    /// The bot config's documented defaults (`hedge_app::bot_config`).
    fn default() -> Self {
        Self {
            min_net_apr_threshold: Decimal::from(5u32),
            exit_net_apr_threshold: Decimal::ONE,
            exit_confirmations: 3,
            hold_duration_hours: Decimal::from(8u32),
            max_hold_hours: Decimal::from(24u32),
            switch_margin_usd: Decimal::new(5, 1),
            settlement_guard_minutes: 10,
            max_close_delay_minutes: 30,
            settlement_buffer_seconds: 60,
            fee_aware_entry: true,
        }
    }
}

/// A threshold that cannot work, named with its value. Returned at start-up so the bot
/// refuses to run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} = {value}: {rule}")]
pub struct ThresholdError {
    /// Config key.
    pub field: &'static str,
    /// Its value as given.
    pub value: String,
    /// The rule it breaks. Example: "must be > exit_net_apr_threshold (5)".
    pub rule: String,
}

impl Thresholds {
    /// Checks the thresholds against each other; the first broken rule is returned.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        let err = |field: &'static str, value: String, rule: String| {
            Err(ThresholdError { field, value, rule })
        };
        if self.min_net_apr_threshold <= self.exit_net_apr_threshold {
            return err(
                "min_net_apr_threshold",
                self.min_net_apr_threshold.to_string(),
                format!(
                    "must be > exit_net_apr_threshold ({})",
                    self.exit_net_apr_threshold
                ),
            );
        }
        if self.exit_confirmations == 0 {
            return err(
                "exit_confirmations",
                "0".into(),
                "must be >= 1 (a single check must never close)".into(),
            );
        }
        if self.hold_duration_hours <= Decimal::ZERO {
            return err(
                "hold_duration_hours",
                self.hold_duration_hours.to_string(),
                "must be > 0".into(),
            );
        }
        if self.max_hold_hours > MAX_HOLD_HOURS {
            return err(
                "max_hold_hours",
                self.max_hold_hours.to_string(),
                format!("must be <= {MAX_HOLD_HOURS} (ten years)"),
            );
        }
        if self.max_hold_hours < self.hold_duration_hours {
            return err(
                "max_hold_hours",
                self.max_hold_hours.to_string(),
                format!(
                    "must be >= hold_duration_hours ({})",
                    self.hold_duration_hours
                ),
            );
        }
        if self.switch_margin_usd < Decimal::ZERO {
            return err(
                "switch_margin_usd",
                self.switch_margin_usd.to_string(),
                "must be >= 0".into(),
            );
        }
        let guard_and_buffer = u64::from(self.settlement_guard_minutes) * 60
            + u64::from(self.settlement_buffer_seconds);
        if u64::from(self.max_close_delay_minutes) * 60 < guard_and_buffer {
            return err(
                "max_close_delay_minutes",
                self.max_close_delay_minutes.to_string(),
                format!(
                    "must be >= settlement_guard_minutes ({}) plus settlement_buffer_seconds ({})",
                    self.settlement_guard_minutes, self.settlement_buffer_seconds
                ),
            );
        }
        Ok(())
    }

    /// The planned hold as a duration (to the second).
    pub fn hold_duration(&self) -> Duration {
        hours_to_duration(self.hold_duration_hours)
    }

    /// The longest hold as a duration (to the second).
    pub fn max_hold(&self) -> Duration {
        hours_to_duration(self.max_hold_hours)
    }
}

/// Longest hold the thresholds accept, hours (ten years): far beyond any plan, and far enough
/// from chrono's limits that `now + hold` can never overflow.
pub const MAX_HOLD_HOURS: Decimal = Decimal::from_parts(87_600, 0, 0, false, 0);

fn hours_to_duration(hours: Decimal) -> Duration {
    let hours = hours.clamp(Decimal::ZERO, MAX_HOLD_HOURS);
    let secs = (hours * Decimal::from(3600u32)).trunc();
    Duration::seconds(i64::try_from(secs).unwrap_or(0))
}

// ---------------------------------------------------------------------------------------
// Entry
// ---------------------------------------------------------------------------------------

/// Why a symbol was not even priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SkipReason {
    /// Cooling down after a failed or unwound open.
    Cooldown {
        /// End of the cooldown.
        until: DateTime<Utc>,
    },
    /// Not listed, inactive or reduce-only on a venue, or a read failed.
    Unavailable {
        /// What the venue said.
        detail: String,
    },
    /// A venue gave no usable funding interval for it.
    UnresolvedInterval {
        /// Venue id.
        venue: String,
    },
    /// Economics could not be computed (empty book, bad fee, ...).
    NotPriced {
        /// The error text.
        detail: String,
    },
    /// It is the position being held.
    Held,
}

impl From<EconomicsError> for SkipReason {
    fn from(e: EconomicsError) -> Self {
        match e {
            EconomicsError::BadInterval { venue, .. } => SkipReason::UnresolvedInterval { venue },
            other => SkipReason::NotPriced {
                detail: other.to_string(),
            },
        }
    }
}

/// A symbol skipped before pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedSymbol {
    /// Base asset.
    pub symbol: String,
    /// Why.
    pub reason: SkipReason,
}

/// What the entry rule said about one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EntryVerdict {
    /// The best eligible candidate: open this one.
    Chosen,
    /// Eligible but ranked lower (`rank` 2, 3, ...): the next to try if the chosen one fails.
    Eligible {
        /// Rank among eligible candidates (1 = chosen).
        rank: u32,
    },
    /// Net APR (or funding APR when not fee-aware) below the entry bar.
    BelowThreshold {
        /// The APR compared, percent.
        apr_percent: Decimal,
        /// The bar, percent.
        threshold_percent: Decimal,
    },
    /// Fees take at least the whole planned hold to earn back.
    BreakEvenTooLong {
        /// Break-even hold, hours (`None`: funding never pays it back).
        break_even_hold_hours: Option<Decimal>,
        /// Planned hold, hours.
        hold_hours: Decimal,
    },
    /// Not priced.
    Skipped {
        /// Why.
        reason: SkipReason,
    },
}

/// One candidate's line in the decision record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateVerdict {
    /// Base asset.
    pub symbol: String,
    /// The verdict.
    pub verdict: EntryVerdict,
    /// Its numbers, when priced.
    pub economics: Option<Economics>,
}

/// The entry decision record: why this symbol, why not the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryDecision {
    /// When it was decided.
    pub at: DateTime<Utc>,
    /// The chosen symbol, if any candidate is eligible.
    pub chosen: Option<String>,
    /// Every candidate: priced ones by expected net USD (descending, ties keep input order),
    /// then the skipped ones in input order.
    pub candidates: Vec<CandidateVerdict>,
}

impl EntryDecision {
    /// Eligible candidates in the order to try them (chosen first).
    pub fn eligible(&self) -> Vec<&Economics> {
        self.candidates
            .iter()
            .filter(|c| {
                matches!(
                    c.verdict,
                    EntryVerdict::Chosen | EntryVerdict::Eligible { .. }
                )
            })
            .filter_map(|c| c.economics.as_ref())
            .collect()
    }

    /// The best priced candidate that was not eligible (for the "best below threshold" log).
    pub fn best_rejected(&self) -> Option<&CandidateVerdict> {
        self.candidates.iter().find(|c| {
            matches!(
                c.verdict,
                EntryVerdict::BelowThreshold { .. } | EntryVerdict::BreakEvenTooLong { .. }
            )
        })
    }
}

/// The entry rule on one priced candidate: `None` when eligible, else the failing verdict.
pub fn entry_rejection(e: &Economics, t: &Thresholds) -> Option<EntryVerdict> {
    let apr = if t.fee_aware_entry {
        e.net_apr_percent
    } else {
        e.funding_apr_percent
    };
    if apr < t.min_net_apr_threshold {
        return Some(EntryVerdict::BelowThreshold {
            apr_percent: apr,
            threshold_percent: t.min_net_apr_threshold,
        });
    }
    if t.fee_aware_entry {
        let ok = matches!(e.break_even_hold_hours, Some(h) if h < t.hold_duration_hours);
        if !ok {
            return Some(EntryVerdict::BreakEvenTooLong {
                break_even_hold_hours: e.break_even_hold_hours,
                hold_hours: t.hold_duration_hours,
            });
        }
    }
    None
}

fn ranking_value(e: &Economics, t: &Thresholds) -> Decimal {
    if t.fee_aware_entry {
        e.expected_net_usd
    } else {
        e.expected_funding_usd
    }
}

/// Ranks priced candidates by expected net USD and applies the entry rule to each.
pub fn decide_entry(
    now: DateTime<Utc>,
    priced: Vec<Economics>,
    skipped: Vec<SkippedSymbol>,
    thresholds: &Thresholds,
) -> EntryDecision {
    let mut priced = priced;
    // Stable: ties keep the caller's (config) order.
    priced.sort_by_key(|e| std::cmp::Reverse(ranking_value(e, thresholds)));
    let mut chosen = None;
    let mut rank = 0u32;
    let mut candidates = Vec::with_capacity(priced.len() + skipped.len());
    for e in priced {
        let verdict = match entry_rejection(&e, thresholds) {
            Some(v) => v,
            None => {
                rank += 1;
                if rank == 1 {
                    chosen = Some(e.symbol.clone());
                    EntryVerdict::Chosen
                } else {
                    EntryVerdict::Eligible { rank }
                }
            }
        };
        candidates.push(CandidateVerdict {
            symbol: e.symbol.clone(),
            verdict,
            economics: Some(e),
        });
    }
    candidates.extend(skipped.into_iter().map(|s| CandidateVerdict {
        symbol: s.symbol,
        verdict: EntryVerdict::Skipped { reason: s.reason },
        economics: None,
    }));
    EntryDecision {
        at: now,
        chosen,
        candidates,
    }
}

// ---------------------------------------------------------------------------------------
// Holding
// ---------------------------------------------------------------------------------------

/// The position being held, as the decisions need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldPosition {
    /// Base asset.
    pub symbol: String,
    /// When it was opened (the venue's time where known).
    pub opened_at: DateTime<Utc>,
}

/// Exit-hysteresis state carried from one check to the next (store it with the position).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitWatch {
    /// Consecutive funding periods seen below the exit bar.
    #[serde(default)]
    pub consecutive_below: u32,
    /// When the current run below the bar started.
    #[serde(default)]
    pub below_since: Option<DateTime<Utc>>,
    /// The period last counted (the first settlement of the window then).
    #[serde(default)]
    pub last_counted_period: Option<DateTime<Utc>>,
}

/// Why a held position closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CloseReason {
    /// Below the exit bar in enough consecutive funding periods.
    ExitThresholdConfirmed {
        /// Funding APR on the remaining window, percent.
        funding_apr_percent: Decimal,
        /// The exit bar, percent.
        threshold_percent: Decimal,
        /// Consecutive funding periods below it.
        confirmations: u32,
    },
    /// At the planned end the position no longer meets the entry bar.
    PlannedEnd {
        /// Funding APR over the extension window, percent.
        funding_apr_percent: Decimal,
        /// The entry bar, percent.
        bar_percent: Decimal,
    },
    /// `max_hold_hours` reached: no further extension.
    MaxHoldReached {
        /// The limit, hours.
        max_hold_hours: Decimal,
    },
}

/// What to do with the held position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HoldAction {
    /// Keep holding until the planned end.
    Keep,
    /// Planned end reached and still worth it: move the planned end to `until`.
    Extend {
        /// New planned end.
        until: DateTime<Utc>,
    },
    /// Close (then wait, then select afresh).
    Close {
        /// Why.
        reason: CloseReason,
    },
    /// Close this and open `to` (the best other candidate).
    Switch {
        /// Symbol to switch to.
        to: String,
    },
}

/// The hold decision record with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldDecision {
    /// When decided.
    pub at: DateTime<Utc>,
    /// Held symbol.
    pub symbol: String,
    /// The action.
    pub action: HoldAction,
    /// Keep value: remaining expected funding of the held position, USD.
    pub keep_value_usd: Decimal,
    /// Cost of closing the held position now, USD.
    pub close_cost_usd: Decimal,
    /// Best other candidate's expected net minus the held exit cost, USD (`None`: no eligible
    /// other candidate).
    pub switch_value_usd: Option<Decimal>,
    /// That candidate.
    pub switch_candidate: Option<String>,
    /// Keep over the candidate's horizon (what the switch value is compared with), USD.
    pub keep_for_switch_usd: Option<Decimal>,
    /// Funding APR of the held position over the window priced, percent.
    pub held_funding_apr_percent: Decimal,
    /// True when decided at or after the planned end.
    pub at_planned_end: bool,
    /// The hysteresis state to store for the next check.
    pub watch: ExitWatch,
}

/// The window to price the held position over at `now`: the rest of the planned hold before
/// the planned end; at or after it, the extension window `[now, now + hold]` capped by
/// `opened_at + max_hold_hours` (at least one second long).
pub fn held_window(
    position: &HeldPosition,
    now: DateTime<Utc>,
    planned_end: DateTime<Utc>,
    thresholds: &Thresholds,
) -> HoldWindow {
    let to = if now < planned_end {
        planned_end
    } else {
        (now + thresholds.hold_duration()).min(position.opened_at + thresholds.max_hold())
    };
    HoldWindow {
        from: now,
        to: to.max(now + Duration::seconds(1)),
    }
}

/// Keep, extend, switch or close (the rules in the module docs). `held` is the held
/// position's economics over [`held_window`]; `best_other` the best other candidate's economics
/// for a fresh entry (ignored if it is the held symbol or fails the entry rule).
pub fn hold_decision(
    position: &HeldPosition,
    held: &Economics,
    best_other: Option<&Economics>,
    now: DateTime<Utc>,
    planned_end: DateTime<Utc>,
    thresholds: &Thresholds,
    watch: &ExitWatch,
) -> HoldDecision {
    let keep = held.expected_funding_usd;
    let close_cost = held.exit_cost_usd;
    let other = best_other
        .filter(|o| o.symbol != position.symbol)
        .filter(|o| entry_rejection(o, thresholds).is_none());
    let switch_value = other.map(|o| o.expected_net_usd - close_cost);
    let keep_for_switch = other.map(|o| {
        let extra_hours = o.window.hours() - held.window.hours();
        if extra_hours > Decimal::ZERO {
            keep + held.carry_per_hour_usd() * extra_hours
        } else {
            keep
        }
    });
    let at_end = now >= planned_end;

    // The funding period this check sees: the first settlement of either leg in the window.
    let period = [held.long.first_settlement, held.short.first_settlement]
        .into_iter()
        .flatten()
        .min();
    let mut next_watch = watch.clone();
    if let (false, Some(period)) = (at_end, period) {
        if held.funding_apr_percent >= thresholds.exit_net_apr_threshold {
            next_watch = ExitWatch::default();
        } else if watch.last_counted_period != Some(period) {
            next_watch.consecutive_below = watch.consecutive_below.saturating_add(1);
            next_watch.below_since = watch.below_since.or(Some(now));
            next_watch.last_counted_period = Some(period);
        }
    }

    let switch_wins = match (switch_value, keep_for_switch) {
        (Some(v), Some(k)) => v > k + thresholds.switch_margin_usd,
        _ => false,
    };
    let action = if switch_wins {
        HoldAction::Switch {
            to: other.map(|o| o.symbol.clone()).unwrap_or_default(),
        }
    } else if at_end {
        let max_end = position.opened_at + thresholds.max_hold();
        if now >= max_end {
            HoldAction::Close {
                reason: CloseReason::MaxHoldReached {
                    max_hold_hours: thresholds.max_hold_hours,
                },
            }
        } else if held.funding_apr_percent >= thresholds.min_net_apr_threshold {
            HoldAction::Extend {
                until: held.window.to.min(max_end),
            }
        } else {
            HoldAction::Close {
                reason: CloseReason::PlannedEnd {
                    funding_apr_percent: held.funding_apr_percent,
                    bar_percent: thresholds.min_net_apr_threshold,
                },
            }
        }
    } else if next_watch.consecutive_below >= thresholds.exit_confirmations {
        HoldAction::Close {
            reason: CloseReason::ExitThresholdConfirmed {
                funding_apr_percent: held.funding_apr_percent,
                threshold_percent: thresholds.exit_net_apr_threshold,
                confirmations: next_watch.consecutive_below,
            },
        }
    } else {
        HoldAction::Keep
    };
    if at_end || !matches!(action, HoldAction::Keep) {
        // A new hold period (or no position) starts: the count does not carry over.
        next_watch = ExitWatch::default();
    }
    HoldDecision {
        at: now,
        symbol: position.symbol.clone(),
        action,
        keep_value_usd: keep,
        close_cost_usd: close_cost,
        switch_value_usd: switch_value,
        switch_candidate: other.map(|o| o.symbol.clone()),
        keep_for_switch_usd: keep_for_switch,
        held_funding_apr_percent: held.funding_apr_percent,
        at_planned_end: at_end,
        watch: next_watch,
    }
}
