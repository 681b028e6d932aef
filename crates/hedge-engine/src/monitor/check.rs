//! One whole check: both venues' readings in, the health, the alerts and the trades out.
//!
//! This composes [`super::reads`], [`super::runway`], [`super::ladder`] and
//! [`super::integrity`] in the order the monitor must apply them, so the binary only reads,
//! calls [`check`], sends the trades through the engine and renders:
//! 1. Both reads are recorded. Unless both venues were read ([`ReadVerdict::Proceed`]),
//!    runway and ladder still run on a readable venue (display, alerts) but its REDUCE or
//!    FLATTEN is not traded (both need the other venue); integrity does not run; the only
//!    trades are the read policy's blind ones.
//! 2. With both read: runway and ladder per venue, integrity over all symbols.
//! 3. Trades, at most one per symbol, by priority: close both legs (ladder FLATTEN, or a
//!    same-side hedge past its grace) > reduce the other leg after a venue shrink > reduce
//!    both legs (ladder REDUCE, the venue's shortest-runway symbol) > close or reduce one leg
//!    (integrity past its grace). A trade that cannot be sized is listed as skipped, with
//!    why.
//! 4. Health for `--once`: unhealthy when any venue is at WARN or above, a hedge is broken
//!    (in grace or past it; not while a two-leg operation runs), a leg shrank or the runway
//!    has a finding; else unknown when a read failed or a venue holds on unknown figures;
//!    else healthy.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::integrity::{self, IntegrityAction, IntegrityState, LegShrink, SymbolLegs};
use super::ladder::{
    self, reduce_quantity, LadderAction, LadderReading, LadderState, LadderStep, Level, ReduceLeg,
};
use super::reads::{self, BlindAction, ReadOutcome, ReadVerdict, SymbolSteps, VenueReadState};
use super::runway::{venue_runway, VenueRunway};
use super::{MonitorConfigError, VenueFigures, VenueSlot};

#[cfg(test)]
mod tests;

/// Every monitor setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorSettings {
    /// Runway.
    pub runway: super::runway::RunwaySettings,
    /// Ladder.
    pub ladder: ladder::LadderSettings,
    /// Integrity.
    pub integrity: integrity::IntegritySettings,
    /// Reads.
    pub reads: reads::ReadSettings,
}

impl MonitorSettings {
    /// The defaults with the binary's options (`--margin-threshold`, `--pnl-threshold`,
    /// `--unhedged-grace`, `--max-read-failures`), validated.
    pub fn from_options(
        margin_threshold_pct: Decimal,
        pnl_threshold_pct: Decimal,
        unhedged_grace_secs: u64,
        max_read_failures: u32,
    ) -> Result<Self, MonitorConfigError> {
        let s = Self {
            runway: Default::default(),
            ladder: ladder::LadderSettings::with_thresholds(
                margin_threshold_pct,
                pnl_threshold_pct,
            )?,
            integrity: integrity::IntegritySettings {
                unhedged_grace_secs,
            },
            reads: reads::ReadSettings::with_max_failures(max_read_failures)?,
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks every part.
    pub fn validate(&self) -> Result<(), MonitorConfigError> {
        self.runway.validate()?;
        self.ladder.validate()?;
        self.integrity.validate()?;
        self.reads.validate()
    }
}

/// Everything the monitor keeps between checks (store it, pass it back).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorState {
    /// Venue A's reads.
    pub reads_a: VenueReadState,
    /// Venue B's reads.
    pub reads_b: VenueReadState,
    /// Venue A's ladder.
    pub ladder_a: LadderState,
    /// Venue B's ladder.
    pub ladder_b: LadderState,
    /// Hedge integrity.
    pub integrity: IntegrityState,
}

/// One venue's read this check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "read")]
pub enum VenueRead {
    /// Read.
    Read(VenueFigures),
    /// The read failed (the reason, without secrets).
    Failed {
        /// What failed.
        error: String,
    },
}

/// The inputs of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInput {
    /// Venue A.
    pub a: VenueRead,
    /// Venue B.
    pub b: VenueRead,
    /// Both venues' size steps per symbol (every symbol open on either venue).
    pub steps: BTreeMap<String, SymbolSteps>,
    /// Symbols with a journal entry since the previous check (our own orders).
    pub journal_activity: BTreeSet<String>,
    /// The engine's lock is held or its journal has an unfinished entry.
    pub operation_in_progress: bool,
}

/// One venue's figures and ladder step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueCheck {
    /// Runway picture.
    pub runway: VenueRunway,
    /// Ladder step (level, reasons, action, alerts).
    pub ladder: LadderStep,
}

/// A trade to send through the engine (reduce-only, verified).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "trade")]
pub enum Trade {
    /// Close both legs of the symbol.
    CloseBoth {
        /// Base asset.
        symbol: String,
    },
    /// Reduce both legs by the same quantity.
    ReduceBoth {
        /// Base asset.
        symbol: String,
        /// Base units per leg.
        quantity: Decimal,
    },
    /// Close one leg (`close --leg`).
    CloseLeg {
        /// The venue.
        venue: VenueSlot,
        /// Base asset.
        symbol: String,
    },
    /// Reduce one leg.
    ReduceLeg {
        /// The venue.
        venue: VenueSlot,
        /// Base asset.
        symbol: String,
        /// Base units.
        quantity: Decimal,
    },
}

impl Trade {
    /// The symbol traded.
    pub fn symbol(&self) -> &str {
        match self {
            Trade::CloseBoth { symbol }
            | Trade::ReduceBoth { symbol, .. }
            | Trade::CloseLeg { symbol, .. }
            | Trade::ReduceLeg { symbol, .. } => symbol,
        }
    }
}

/// Why a trade is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cause")]
pub enum Cause {
    /// A venue's ladder level.
    Ladder {
        /// The venue.
        venue: VenueSlot,
        /// Its level.
        level: Level,
    },
    /// A venue cut a leg.
    VenueShrink {
        /// What was seen.
        shrink: LegShrink,
    },
    /// A broken hedge past its grace.
    Integrity {
        /// The class.
        class: integrity::HedgeClass,
    },
    /// The read policy's blind action.
    BlindRead {
        /// The venue that cannot be read.
        failing: VenueSlot,
    },
    /// An action of this check failed and left the hedge broken (e.g. the venue liquidated
    /// one leg while both were being reduced): the excess is taken off at once, no grace
    /// (no operation is in progress any more).
    Aftermath {
        /// The failed action (`reduce_both`, `close_both`, ...).
        action: String,
    },
}

/// A trade and its cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What to send.
    pub trade: Trade,
    /// Why.
    pub cause: Cause,
}

/// A trade the rules called for but that could not be sized or sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// Base asset (empty when the venue had nothing to name).
    pub symbol: String,
    /// Why it was called for.
    pub cause: Cause,
    /// Why it is not sent.
    pub reason: String,
}

/// The check's verdict for `--once` (exit codes 0 / 3 / 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Exit 0.
    Healthy,
    /// Exit 3.
    Unhealthy,
    /// Exit 1.
    Unknown,
}

impl Health {
    /// The documented exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Health::Healthy => 0,
            Health::Unhealthy => 3,
            Health::Unknown => 1,
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The state to store.
    pub state: MonitorState,
    /// The health.
    pub health: Health,
    /// The read policy's verdict.
    pub reads: ReadVerdict,
    /// Venue A (when read).
    pub a: Option<VenueCheck>,
    /// Venue B (when read).
    pub b: Option<VenueCheck>,
    /// Integrity per symbol (when both were read).
    pub integrity: Vec<integrity::SymbolVerdict>,
    /// Trades to send, at most one per symbol, most urgent first.
    pub decisions: Vec<Decision>,
    /// Trades called for but not sent.
    pub skipped: Vec<Skipped>,
}

fn outcome_of(read: &VenueRead) -> ReadOutcome {
    match read {
        VenueRead::Read(v) => ReadOutcome::Ok {
            positions: v
                .positions
                .iter()
                .map(|p| (p.symbol.clone(), p.size))
                .collect(),
        },
        VenueRead::Failed { error } => ReadOutcome::Failed {
            error: error.clone(),
        },
    }
}

fn venue_check(
    s: &MonitorSettings,
    read: &VenueRead,
    state: &LadderState,
    now: DateTime<Utc>,
) -> Option<VenueCheck> {
    let VenueRead::Read(v) = read else {
        return None;
    };
    let runway = venue_runway(&s.runway, v);
    let ladder = ladder::step(&s.ladder, state, &LadderReading::from_runway(&runway), now);
    Some(VenueCheck { runway, ladder })
}

fn size_on(read: &VenueRead, symbol: &str) -> Decimal {
    match read {
        VenueRead::Read(v) => v
            .positions
            .iter()
            .filter(|p| p.symbol == symbol)
            .map(|p| p.size)
            .sum(),
        VenueRead::Failed { .. } => Decimal::ZERO,
    }
}

/// One check (module docs for the order and the priorities).
pub fn check(
    s: &MonitorSettings,
    state: &MonitorState,
    input: &CheckInput,
    now: DateTime<Utc>,
) -> CheckOutcome {
    let reads_a = reads::record(&state.reads_a, &outcome_of(&input.a), now);
    let reads_b = reads::record(&state.reads_b, &outcome_of(&input.b), now);
    let verdict = reads::verdict(&s.reads, &reads_a, &reads_b, &input.steps);
    let a = venue_check(s, &input.a, &state.ladder_a, now);
    let b = venue_check(s, &input.b, &state.ladder_b, now);
    let mut next = MonitorState {
        ladder_a: a
            .as_ref()
            .map_or(state.ladder_a.clone(), |c| c.ladder.state.clone()),
        ladder_b: b
            .as_ref()
            .map_or(state.ladder_b.clone(), |c| c.ladder.state.clone()),
        reads_a,
        reads_b,
        integrity: state.integrity.clone(),
    };
    let mut plan = Plan::default();
    let mut integrity_verdicts = Vec::new();
    match &verdict {
        ReadVerdict::Proceed => {
            let legs = symbol_legs(input);
            let (st, verdicts) = integrity::check(
                &s.integrity,
                &state.integrity,
                &legs,
                input.operation_in_progress,
                now,
            );
            next.integrity = st;
            integrity_verdicts = verdicts;
            ladder_trades(s, input, VenueSlot::A, a.as_ref(), &mut plan, true);
            ladder_trades(s, input, VenueSlot::B, b.as_ref(), &mut plan, true);
            integrity_trades(&integrity_verdicts, &mut plan);
        }
        other => {
            ladder_trades(s, input, VenueSlot::A, a.as_ref(), &mut plan, false);
            ladder_trades(s, input, VenueSlot::B, b.as_ref(), &mut plan, false);
            if let ReadVerdict::ActOnReadable {
                failing, actions, ..
            } = other
            {
                blind_trades(*failing, actions, &mut plan);
            }
        }
    }
    let health = health_of(&verdict, [&a, &b], &integrity_verdicts);
    CheckOutcome {
        state: next,
        health,
        reads: verdict,
        a,
        b,
        integrity: integrity_verdicts,
        decisions: plan.finish(),
        skipped: plan.skipped,
    }
}

fn symbol_legs(input: &CheckInput) -> Vec<SymbolLegs> {
    let mut symbols = BTreeSet::new();
    for read in [&input.a, &input.b] {
        if let VenueRead::Read(v) = read {
            symbols.extend(v.positions.iter().map(|p| p.symbol.clone()));
        }
    }
    symbols
        .into_iter()
        .map(|symbol| {
            let steps = input.steps.get(&symbol);
            SymbolLegs {
                size_a: size_on(&input.a, &symbol),
                size_b: size_on(&input.b, &symbol),
                // A missing step makes the tolerance zero and any grid action an error
                // (reported as skipped), never a guess.
                step_a: steps.map_or(Decimal::ZERO, |s| s.step_a),
                step_b: steps.map_or(Decimal::ZERO, |s| s.step_b),
                journal_activity: input.journal_activity.contains(&symbol),
                symbol,
            }
        })
        .collect()
}

/// Decisions by priority (lower rank first), one per symbol.
#[derive(Debug, Default)]
struct Plan {
    ranked: Vec<(u8, Decision)>,
    skipped: Vec<Skipped>,
}

impl Plan {
    fn add(&mut self, rank: u8, trade: Trade, cause: Cause) {
        self.ranked.push((rank, Decision { trade, cause }));
    }

    fn skip(&mut self, symbol: &str, cause: Cause, reason: String) {
        self.skipped.push(Skipped {
            symbol: symbol.to_owned(),
            cause,
            reason,
        });
    }

    fn finish(&mut self) -> Vec<Decision> {
        let mut ranked = std::mem::take(&mut self.ranked);
        ranked.sort_by_key(|(rank, _)| *rank);
        let mut seen = BTreeSet::new();
        ranked
            .into_iter()
            .filter(|(_, d)| seen.insert(d.trade.symbol().to_owned()))
            .map(|(_, d)| d)
            .collect()
    }
}

const RANK_CLOSE_BOTH: u8 = 0;
const RANK_SHRINK: u8 = 1;
const RANK_REDUCE_BOTH: u8 = 2;
const RANK_ONE_LEG: u8 = 3;

fn ladder_trades(
    s: &MonitorSettings,
    input: &CheckInput,
    venue: VenueSlot,
    c: Option<&VenueCheck>,
    plan: &mut Plan,
    both_read: bool,
) {
    let Some(c) = c else { return };
    let cause = Cause::Ladder {
        venue,
        level: c.ladder.level,
    };
    let other = match venue {
        VenueSlot::A => &input.b,
        VenueSlot::B => &input.a,
    };
    match &c.ladder.action {
        LadderAction::None | LadderAction::Hold { .. } => {}
        _ if !both_read => plan.skip(
            "",
            cause,
            "the other venue cannot be read: a trade on both legs waits".to_owned(),
        ),
        LadderAction::Flatten => {
            for p in &c.runway.positions {
                plan.add(
                    RANK_CLOSE_BOTH,
                    Trade::CloseBoth {
                        symbol: p.symbol.clone(),
                    },
                    cause.clone(),
                );
            }
        }
        LadderAction::Reduce => {
            let reading = LadderReading::from_runway(&c.runway);
            let Some((symbol, _)) = reading.runway else {
                plan.skip("", cause, "no position with a known runway".to_owned());
                return;
            };
            let Some(steps) = input.steps.get(&symbol) else {
                plan.skip(&symbol, cause, "size steps not given".to_owned());
                return;
            };
            let (this_step, other_step) = match venue {
                VenueSlot::A => (steps.step_a, steps.step_b),
                VenueSlot::B => (steps.step_b, steps.step_a),
            };
            let leg = ReduceLeg {
                size: size_on(other, &symbol),
                step: other_step,
            };
            match reduce_quantity(&s.ladder, &c.runway, &symbol, this_step, &leg) {
                Ok(p) if p.closes_hedge => {
                    plan.add(RANK_CLOSE_BOTH, Trade::CloseBoth { symbol }, cause)
                }
                Ok(p) if p.quantity > Decimal::ZERO => plan.add(
                    RANK_REDUCE_BOTH,
                    Trade::ReduceBoth {
                        symbol,
                        quantity: p.quantity,
                    },
                    cause,
                ),
                Ok(_) => {}
                Err(e) => plan.skip(&symbol, cause, e.to_string()),
            }
        }
    }
}

fn integrity_trades(verdicts: &[integrity::SymbolVerdict], plan: &mut Plan) {
    for v in verdicts {
        let symbol = v.symbol.clone();
        if let Some(e) = &v.grid_error {
            plan.skip(
                &symbol,
                Cause::Integrity {
                    class: v.class.clone(),
                },
                e.clone(),
            );
        }
        let (rank, cause) = match &v.shrink {
            Some(shrink) if !shrink.reduce_other.is_zero() => (
                RANK_SHRINK,
                Cause::VenueShrink {
                    shrink: shrink.clone(),
                },
            ),
            _ => (
                RANK_ONE_LEG,
                Cause::Integrity {
                    class: v.class.clone(),
                },
            ),
        };
        match &v.action {
            IntegrityAction::None => {}
            IntegrityAction::CloseBoth => {
                plan.add(RANK_CLOSE_BOTH, Trade::CloseBoth { symbol }, cause)
            }
            IntegrityAction::CloseLeg { venue } => plan.add(
                rank,
                Trade::CloseLeg {
                    venue: *venue,
                    symbol,
                },
                cause,
            ),
            IntegrityAction::ReduceLeg { venue, quantity } => plan.add(
                rank,
                Trade::ReduceLeg {
                    venue: *venue,
                    symbol,
                    quantity: *quantity,
                },
                cause,
            ),
        }
    }
}

fn blind_trades(failing: VenueSlot, actions: &[BlindAction], plan: &mut Plan) {
    for a in actions {
        let cause = Cause::BlindRead { failing };
        match a {
            BlindAction::CloseLeg { venue, symbol, .. } => plan.add(
                RANK_ONE_LEG,
                Trade::CloseLeg {
                    venue: *venue,
                    symbol: symbol.clone(),
                },
                cause,
            ),
            BlindAction::ReduceLeg {
                venue,
                symbol,
                quantity,
            } => plan.add(
                RANK_ONE_LEG,
                Trade::ReduceLeg {
                    venue: *venue,
                    symbol: symbol.clone(),
                    quantity: *quantity,
                },
                cause,
            ),
            BlindAction::Hold { .. } => {}
        }
    }
}

fn health_of(
    reads: &ReadVerdict,
    venues: [&Option<VenueCheck>; 2],
    integrity: &[integrity::SymbolVerdict],
) -> Health {
    let unhealthy_venue = venues.iter().filter_map(|c| c.as_ref()).any(|c| {
        c.ladder.level >= Level::Warn
            || c.ladder.reasons.iter().any(|r| r.level() >= Level::Warn)
            || !c.runway.findings.is_empty()
    });
    // A broken hedge while a two-leg operation runs is that operation, not a naked leg.
    let broken = integrity.iter().any(|v| {
        v.shrink.is_some()
            || matches!(
                v.status,
                integrity::IntegrityStatus::InGrace { .. }
                    | integrity::IntegrityStatus::Broken { .. }
            )
    });
    if unhealthy_venue || broken {
        return Health::Unhealthy;
    }
    let held = venues
        .iter()
        .filter_map(|c| c.as_ref())
        .any(|c| matches!(c.ladder.action, LadderAction::Hold { .. }));
    if *reads != ReadVerdict::Proceed || held {
        Health::Unknown
    } else {
        Health::Healthy
    }
}
