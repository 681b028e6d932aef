//! The replay: the rotation bot's loop on a simulated clock over recorded funding, calling the
//! live bot's own decision code (`hedge_engine::rotation::policy`: the entry selection and
//! the holding check; `stoploss::check_stop_loss`; `budget::BudgetState`).
//!
//! # The loop (as `rotation::machine`, without venues)
//! - **IDLE** at `t`: a tripped budget (daily fees) pauses for one `check_interval`, as the
//!   live PAUSED turn does; else the selection runs on the quotes at `t`
//!   ([`Market::quotes_at`]); the chosen candidate opens at `t` (opens always fill in the
//!   replay), else WAITING for `selection_backoff`.
//! - **HOLDING**: a full check every `check_interval` and when the planned end is crossed:
//!   the stop-loss, then the holding check (keep / extend / switch / close); a close is sent
//!   at the time the holding check's settlement timing gives. Between full checks the
//!   stop-loss runs whenever a leg's mark changes (the data's resolution stands in for the
//!   live `stop_loss_interval`).
//! - **CLOSING** at the close time, then WAITING for `wait_between_cycles` (0 after a
//!   switch), then IDLE again. A position still open at the end of the period is closed there
//!   (`end_of_data`).
//!
//! Deterministic: the same data and config give the same result, bit for bit.

use chrono::{DateTime, Duration, Utc};
use hedge_engine::rotation::budget::{BudgetState, FailedOpenKind};
use hedge_engine::rotation::decide::{CloseReason, HoldAction};
use hedge_engine::rotation::economics::Economics;
use hedge_engine::rotation::machine::MachineConfig;
use hedge_engine::rotation::policy::{entry_decision, hold_check, HeldInput};
use hedge_engine::rotation::stoploss::{
    check_stop_loss, LegRisk, StopLossPosition, StopLossVerdict,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use crate::baseline;
use crate::data::FundingData;
use crate::market::{Market, SlippageModel};
use crate::position::{extend_equity, OpenPosition};
use crate::result::{BacktestResult, CloseTag, CycleRow, DecisionRow, EquityPoint, SelectionStats};
use crate::summary::{capital_used, summarise};

/// A replay that cannot run, naming what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The period is empty or outside the data. Example: `--from` after `--to`.
    #[error("period {from} .. {to}: {detail}")]
    Period {
        /// Start asked.
        from: DateTime<Utc>,
        /// End asked.
        to: DateTime<Utc>,
        /// What is wrong.
        detail: String,
    },
    /// No symbol of the config is in the data on both venues. Example: `--symbols FOO`.
    #[error("none of the symbols {0:?} is in the data on both venues")]
    NoSymbols(Vec<String>),
    /// A setting the replay cannot step with. Example: `check_interval_seconds = 0`.
    #[error("invalid {field} = {value}: {rule}")]
    Config {
        /// Config key.
        field: &'static str,
        /// Value.
        value: String,
        /// Rule.
        rule: &'static str,
    },
}

/// What to replay.
#[derive(Debug, Clone)]
pub struct ReplayConfig {
    /// The bot's configuration, built exactly as for `run` (symbols, notional, thresholds,
    /// economics, budgets, stop-loss, intervals).
    pub machine: MachineConfig,
    /// How fills are charged.
    pub slippage: SlippageModel,
    /// Start (default: the data's).
    pub from: Option<DateTime<Utc>>,
    /// End (default: the data's).
    pub to: Option<DateTime<Utc>>,
    /// Failed opens to simulate (`None`: every open fills, the default).
    pub open_failures: Option<OpenFailures>,
}

/// A deterministic share of opens that fail after one leg filled (unwound): the open pays
/// that leg's fee and slippage in and out, the symbol cools down and the failed-opens budget
/// counts it, exactly as `BudgetState` does live; the bot then tries the next eligible
/// candidate. Which opens fail is a hash of (seed, time, symbol): the same inputs fail the
/// same opens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenFailures {
    /// Share of open attempts that fail, percent (0..=100).
    pub percent: Decimal,
    /// Seed of the draw.
    pub seed: u64,
}

impl OpenFailures {
    /// True when the open of `symbol` at `t` fails.
    pub fn fails(&self, symbol: &str, t: DateTime<Utc>) -> bool {
        let mut h = self.seed ^ 0x9E37_79B9_7F4A_7C15;
        for b in symbol.bytes().chain(t.timestamp().to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
        }
        // splitmix64 finaliser
        h ^= h >> 30;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
        Decimal::from(h % 10_000) < self.percent * Decimal::ONE_HUNDRED
    }
}

fn chrono_of(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

struct Holding {
    pos: OpenPosition,
    target_close_at: DateTime<Utc>,
    exit_watch: hedge_engine::rotation::decide::ExitWatch,
    last_full_check: Option<DateTime<Utc>>,
    close: Option<(CloseTag, DateTime<Utc>)>,
}

enum Phase {
    Idle,
    Waiting(DateTime<Utc>),
    Holding(Box<Holding>),
}

/// The replay state.
struct Replay<'a> {
    cfg: &'a MachineConfig,
    market: Market<'a>,
    budget: BudgetState,
    notional: Decimal,
    cycles: Vec<CycleRow>,
    equity: Vec<EquityPoint>,
    stats: SelectionStats,
    paused: bool,
    failures: Option<OpenFailures>,
    failed_cost: Decimal,
    decisions: Vec<DecisionRow>,
}

/// Runs the replay; the baselines are computed on the same data and period.
pub fn run(data: &FundingData, cfg: &ReplayConfig) -> Result<BacktestResult, ReplayError> {
    let from = cfg.from.unwrap_or(data.from).max(data.from);
    let to = cfg.to.unwrap_or(data.to).min(data.to);
    if to <= from {
        return Err(ReplayError::Period {
            from,
            to,
            detail: format!("empty, or outside the data ({} .. {})", data.from, data.to),
        });
    }
    let m = &cfg.machine;
    if m.check_interval.is_zero() {
        return Err(ReplayError::Config {
            field: "check_interval_seconds",
            value: "0".into(),
            rule: "must be > 0",
        });
    }
    if m.notional_per_position <= Decimal::ZERO {
        return Err(ReplayError::Config {
            field: "notional_per_position",
            value: m.notional_per_position.to_string(),
            rule: "must be > 0",
        });
    }
    let market = Market::new(data, &cfg.slippage, &m.symbols);
    if market.symbols.iter().all(|(_, p)| p.is_none()) {
        return Err(ReplayError::NoSymbols(m.symbols.clone()));
    }
    let mut r = Replay {
        cfg: m,
        market,
        budget: BudgetState::default(),
        notional: m.notional_per_position,
        cycles: Vec::new(),
        equity: Vec::new(),
        stats: SelectionStats::default(),
        paused: false,
        failures: cfg.open_failures,
        failed_cost: Decimal::ZERO,
        decisions: Vec::new(),
    };
    r.run(from, to);
    let capital = capital_used(r.notional, m.leverage);
    let failed = (r.stats.failed_opens, r.failed_cost);
    let summary = summarise(&r.cycles, &r.equity, from, to, capital, failed);
    let mut by_symbol: BTreeMap<String, Decimal> = BTreeMap::new();
    for c in &r.cycles {
        *by_symbol.entry(c.symbol.clone()).or_default() += c.hold_hours;
    }
    let baselines = baseline::baselines(&r.market, from, to, r.notional, m, capital);
    Ok(BacktestResult {
        from,
        to,
        symbols: m.symbols.clone(),
        venues: [data.venues[0].venue.clone(), data.venues[1].venue.clone()],
        cycles: r.cycles,
        summary,
        equity: r.equity,
        time_in_market_by_symbol: by_symbol,
        stats: r.stats,
        baselines,
        decisions: r.decisions,
    })
}

impl Replay<'_> {
    fn decide(&mut self, t: DateTime<Utc>, kind: &str, symbol: &str, reason: String) {
        self.decisions.push(DecisionRow {
            time: t,
            kind: kind.to_string(),
            symbol: symbol.to_string(),
            reason,
        });
    }

    fn run(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) {
        let check = chrono_of(self.cfg.check_interval);
        let mut phase = Phase::Idle;
        let mut t = from;
        while t < to {
            phase = match phase {
                Phase::Idle => match self.idle(t) {
                    Some(h) => Phase::Holding(h),
                    None if self.paused => {
                        t += check;
                        Phase::Idle
                    }
                    None => Phase::Waiting(t + chrono_of(self.cfg.selection_backoff)),
                },
                Phase::Waiting(until) => {
                    t = until.max(t);
                    Phase::Idle
                }
                Phase::Holding(mut h) => match self.holding(&mut h, t) {
                    Some(tag) => {
                        self.close(&h, t, tag);
                        let wait = if tag == CloseTag::Switch {
                            Duration::zero()
                        } else {
                            chrono_of(self.cfg.wait_between_cycles)
                        };
                        Phase::Waiting(t + wait)
                    }
                    None => {
                        t = self.next_wake(&h, t, check);
                        Phase::Holding(h)
                    }
                },
            };
        }
        if let Phase::Holding(h) = phase {
            self.close(&h, to, CloseTag::EndOfData);
        }
    }

    /// IDLE: budget pause, selection, open.
    fn idle(&mut self, t: DateTime<Utc>) -> Option<Box<Holding>> {
        if let Some(why) = self.budget.tripped(&self.cfg.budgets, t) {
            if !self.paused {
                self.stats.budget_trips += 1;
                self.decide(t, "paused", "", why.to_string());
            }
            self.paused = true;
            self.stats.paused_checks += 1;
            return None;
        }
        self.paused = false;
        self.stats.selections += 1;
        let (quotes, skipped) = self.market.quotes_at(t);
        let decision = entry_decision(
            t,
            quotes,
            skipped,
            &self.budget,
            &self.cfg.thresholds,
            &self.cfg.economics,
            self.notional,
        );
        let eligible: Vec<Economics> = decision.eligible().into_iter().cloned().collect();
        if eligible.is_empty() {
            self.stats.nothing_qualified += 1;
            return None;
        }
        for e in &eligible {
            if self.failures.is_some_and(|f| f.fails(&e.symbol, t)) {
                self.failed_open(e, t);
                if self.budget.tripped(&self.cfg.budgets, t).is_some() {
                    return None; // PAUSED at the next turn, as live
                }
                continue;
            }
            self.stats.opened += 1;
            self.decide(
                t,
                "open",
                &e.symbol,
                format!(
                    "long {} / short {}: expected funding {} USD, costs {} USD, net {} USD over {} h (net APR {} %, break-even {} h); {} eligible",
                    e.long.venue,
                    e.short.venue,
                    e.expected_funding_usd.round_dp(4).normalize(),
                    e.round_trip_cost_usd.round_dp(4).normalize(),
                    e.expected_net_usd.round_dp(4).normalize(),
                    self.cfg.thresholds.hold_duration_hours,
                    e.net_apr_percent.round_dp(2).normalize(),
                    e.break_even_hold_hours
                        .map_or_else(|| "never".to_string(), |h| h.round_dp(2).normalize().to_string()),
                    eligible.len()
                ),
            );
            return Some(Box::new(self.open(e, t)));
        }
        None
    }

    /// An open whose long leg filled and was unwound: that leg's fee and slippage in and
    /// out, a cooldown and a failed open on the budget (`record_failed_open`, as live).
    fn failed_open(&mut self, e: &Economics, t: DateTime<Utc>) {
        let slot = self.market.slot(&e.long.venue);
        let venue = self.market.venue(slot).to_string();
        let fee = self
            .market
            .data
            .taker_fee(slot, &e.symbol)
            .unwrap_or_default()
            * self.notional;
        let extra = self.cfg.economics.extra_slippage_bps;
        let slip = [true, false].map(|buy| {
            self.market
                .slippage
                .fill_cost(&venue, &e.symbol, buy, self.notional, extra, t)
        });
        let cost = fee * Decimal::TWO + slip[0] + slip[1];
        self.budget.record_fees(fee * Decimal::TWO, t);
        self.budget
            .record_failed_open(&self.cfg.budgets, &e.symbol, FailedOpenKind::Unwound, t);
        self.stats.failed_opens += 1;
        self.failed_cost += cost;
        self.decide(
            t,
            "open_failed",
            &e.symbol,
            format!(
                "{venue} leg filled and unwound: {} USD of fees and slippage",
                cost.round_dp(4).normalize()
            ),
        );
        extend_equity(&mut self.equity, [(t, -cost)]);
    }

    fn open(&mut self, e: &Economics, t: DateTime<Utc>) -> Holding {
        let long_slot = self.market.slot(&e.long.venue);
        let (pos, fees, slippage) = OpenPosition::open(
            &self.market,
            &e.symbol,
            long_slot,
            t,
            self.notional,
            e.expected_funding_usd,
            self.cfg.economics.extra_slippage_bps,
        );
        self.budget.record_fees(fees, t);
        extend_equity(&mut self.equity, [(t, -(fees + slippage))]);
        Holding {
            pos,
            target_close_at: t + self.cfg.thresholds.hold_duration(),
            exit_watch: Default::default(),
            last_full_check: Some(t),
            close: None,
        }
    }

    /// One HOLDING moment: returns the close reason when the position closes at `t`.
    fn holding(&mut self, h: &mut Holding, t: DateTime<Utc>) -> Option<CloseTag> {
        if let Some((tag, at)) = h.close {
            if t >= at {
                return Some(tag);
            }
        }
        let check = chrono_of(self.cfg.check_interval);
        let full_due = h.last_full_check.is_none_or(|last| {
            t - last >= check || (last < h.target_close_at && t >= h.target_close_at)
        });
        if self.cfg.stop_loss.enable_stop_loss {
            self.stats.stop_loss_checks += 1;
            if self.stop_loss_fires(h, t) {
                let pnl = h.pos.price_pnl(&self.market, t);
                self.decide(
                    t,
                    "stop_loss",
                    &h.pos.symbol,
                    format!(
                        "legs' price PnL {} / {} USD against {} % of {} USD",
                        pnl[0].round_dp(4).normalize(),
                        pnl[1].round_dp(4).normalize(),
                        self.cfg.stop_loss.stop_loss_percent,
                        h.pos.notional_usd
                    ),
                );
                return Some(CloseTag::StopLoss);
            }
        }
        if !full_due {
            return None;
        }
        h.last_full_check = Some(t);
        if h.close.is_some() {
            return None;
        }
        let (quotes, _) = self.market.quotes_at(t);
        let input = HeldInput {
            symbol: h.pos.symbol.clone(),
            long_venue: self.market.venue(h.pos.long_slot).to_string(),
            opened_at: h.pos.opened_at,
            target_close_at: h.target_close_at,
            notional_usd: h.pos.notional_usd,
            exit_watch: h.exit_watch.clone(),
        };
        let Ok(c) = hold_check(
            &input,
            &quotes,
            &self.budget,
            &self.cfg.thresholds,
            &self.cfg.economics,
            t,
        ) else {
            return None; // as live: the decision is postponed to the next check
        };
        self.stats.hold_decisions += 1;
        h.exit_watch = c.decision.watch.clone();
        let tag = match &c.decision.action {
            HoldAction::Keep => return None,
            HoldAction::Extend { until } => {
                self.stats.extends += 1;
                self.decide(
                    t,
                    "extend",
                    &h.pos.symbol,
                    format!(
                        "until {until}: funding APR {} % still meets the entry bar",
                        c.decision.held_funding_apr_percent.round_dp(2).normalize()
                    ),
                );
                h.target_close_at = *until;
                h.pos.extensions += 1;
                return None;
            }
            HoldAction::Switch { .. } => CloseTag::Switch,
            HoldAction::Close { reason } => match reason {
                CloseReason::ExitThresholdConfirmed { .. } => CloseTag::Exit,
                CloseReason::PlannedEnd { .. } => CloseTag::Scheduled,
                CloseReason::MaxHoldReached { .. } => CloseTag::MaxHold,
            },
        };
        let at = c.close_timing.as_ref().map_or(t, |ct| ct.close_at);
        let d = &c.decision;
        let why = match &d.action {
            HoldAction::Switch { to } => format!(
                "to {to}: {} USD beats keeping ({} USD) by more than {} USD",
                d.switch_value_usd
                    .unwrap_or_default()
                    .round_dp(4)
                    .normalize(),
                d.keep_for_switch_usd
                    .unwrap_or(d.keep_value_usd)
                    .round_dp(4)
                    .normalize(),
                self.cfg.thresholds.switch_margin_usd
            ),
            _ => format!(
                "{}: funding APR {} %, remaining funding {} USD, close cost {} USD",
                tag.as_str(),
                d.held_funding_apr_percent.round_dp(2).normalize(),
                d.keep_value_usd.round_dp(4).normalize(),
                d.close_cost_usd.round_dp(4).normalize()
            ),
        };
        let when = if at > t {
            format!("; sent at {at}, after the favourable settlements")
        } else {
            String::new()
        };
        let kind = if tag == CloseTag::Switch {
            "switch"
        } else {
            "close"
        };
        self.decide(t, kind, &h.pos.symbol, format!("{why}{when}"));
        if at > t {
            h.close = Some((tag, at));
            None
        } else {
            Some(tag)
        }
    }

    fn stop_loss_fires(&self, h: &Holding, t: DateTime<Utc>) -> bool {
        if h.pos.size.is_none() {
            return false; // no marks: the price is taken as constant, nothing to lose
        }
        let pnl = h.pos.price_pnl(&self.market, t);
        let slots = [h.pos.long_slot, 1 - h.pos.long_slot];
        let risk = |i: usize| LegRisk {
            venue: self.market.venue(slots[i]).to_string(),
            unrealized_pnl: Some(pnl[i]),
            margin_usage: None,
        };
        let (long, short) = (risk(0), risk(1));
        // The seed passes slot A first (its "EdgeX" leg) to the worst-leg rule.
        let legs = if h.pos.long_slot == 0 {
            [&long, &short]
        } else {
            [&short, &long]
        };
        let position = StopLossPosition {
            size_base: h.pos.size,
            reference_entry_price: h.pos.entry_marks[if h.pos.long_slot == 0 { 0 } else { 1 }],
            actual_notional: Some(h.pos.notional_usd),
            configured_notional: self.cfg.notional_per_position,
        };
        matches!(
            check_stop_loss(&self.cfg.stop_loss, &position, legs),
            StopLossVerdict::Triggered { .. }
        )
    }

    /// The next moment the live loop would act: the next full check, the planned end, a
    /// pending close, or (stop-loss on) the next mark of either leg.
    fn next_wake(&self, h: &Holding, t: DateTime<Utc>, check: Duration) -> DateTime<Utc> {
        let mut next = h.last_full_check.map_or(t + check, |l| l + check);
        if t < h.target_close_at {
            next = next.min(h.target_close_at);
        }
        if let Some((_, at)) = h.close {
            next = next.min(at);
        }
        if self.cfg.stop_loss.enable_stop_loss && h.pos.size.is_some() {
            if let Some(pair) = self.market.pair(&h.pos.symbol) {
                for m in pair {
                    if let Some(p) = m.rates[m.rates.partition_point(|p| p.time <= t)..]
                        .iter()
                        .find(|p| p.mark_price.is_some())
                    {
                        next = next.min(p.time);
                    }
                }
            }
        }
        next.max(t + Duration::seconds(1))
    }

    fn close(&mut self, h: &Holding, t: DateTime<Utc>, tag: CloseTag) {
        let n = u32::try_from(self.cycles.len() + 1).unwrap_or(u32::MAX);
        let (row, flows) = h.pos.close(
            &self.market,
            n,
            t,
            tag,
            self.cfg.economics.extra_slippage_bps,
        );
        self.budget.record_fees(
            row.long.fees_usd / Decimal::TWO + row.short.fees_usd / Decimal::TWO,
            t,
        );
        self.budget.record_successful_cycle(&row.symbol);
        extend_equity(&mut self.equity, flows);
        self.cycles.push(row);
    }
}
