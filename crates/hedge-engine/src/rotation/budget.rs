//! Churn budgets that stop a bad day (issue 16 item 6; field 0.10 and 6.1.7): a per-symbol
//! exponential cooldown after a failed or unwound open, a daily fee budget and a
//! failed-opens-per-hour budget.
//!
//! Pure: the state is a plain serialisable value the bot stores in its state file; every
//! method takes `now`. A tripped budget is reported by [`BudgetState::tripped`] as a typed
//! [`PauseReason`]; the bot then enters PAUSED. Fees are counted per UTC day; failed opens in a
//! sliding hour. [`BudgetState::resume`] is the operator's `rotation-bot resume`: it forgets
//! the failed opens so far and re-arms the fee budget for the rest of the day (the fees already
//! paid stay on record in `fees_day_total_usd`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// Budget settings (bot config keys of the same names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budgets {
    /// Cooldown after the first failed/unwound open on a symbol, minutes (> 0).
    pub cooldown_base_minutes: u32,
    /// Cooldowns double per further failure up to this, minutes (>= base).
    pub cooldown_max_minutes: u32,
    /// Fees per UTC day (USD) at which the bot pauses; `None` disables it.
    pub daily_fee_budget_usd: Option<Decimal>,
    /// Failed or unwound opens within one hour at which the bot pauses; `None` disables it.
    pub max_failed_opens_per_hour: Option<u32>,
}

impl Default for Budgets {
    /// The bot config's documented defaults (`hedge_app::bot_config`).
    fn default() -> Self {
        Self {
            cooldown_base_minutes: 15,
            cooldown_max_minutes: 240,
            daily_fee_budget_usd: Some(Decimal::from(10u32)),
            max_failed_opens_per_hour: Some(3),
        }
    }
}

/// A budget setting that cannot work, named with its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} = {value}: {rule}")]
pub struct BudgetError {
    /// Config key.
    pub field: &'static str,
    /// Its value.
    pub value: String,
    /// The rule it breaks.
    pub rule: String,
}

impl Budgets {
    /// Checks the settings; the first broken rule is returned.
    pub fn validate(&self) -> Result<(), BudgetError> {
        if self.cooldown_base_minutes == 0 {
            return Err(BudgetError {
                field: "cooldown_base_minutes",
                value: "0".into(),
                rule: "must be > 0".into(),
            });
        }
        if self.cooldown_max_minutes < self.cooldown_base_minutes {
            return Err(BudgetError {
                field: "cooldown_max_minutes",
                value: self.cooldown_max_minutes.to_string(),
                rule: format!(
                    "must be >= cooldown_base_minutes ({})",
                    self.cooldown_base_minutes
                ),
            });
        }
        if let Some(b) = self.daily_fee_budget_usd {
            if b <= Decimal::ZERO {
                return Err(BudgetError {
                    field: "daily_fee_budget_usd",
                    value: b.to_string(),
                    rule: "must be > 0 (or null to disable)".into(),
                });
            }
        }
        if self.max_failed_opens_per_hour == Some(0) {
            return Err(BudgetError {
                field: "max_failed_opens_per_hour",
                value: "0".into(),
                rule: "must be >= 1 (or null to disable)".into(),
            });
        }
        Ok(())
    }

    /// Cooldown length after the `failures`-th consecutive failure (1-based): base x
    /// 2^(failures-1), capped.
    pub fn cooldown_for(&self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(31);
        let minutes = u64::from(self.cooldown_base_minutes)
            .saturating_mul(1u64 << exp)
            .min(u64::from(self.cooldown_max_minutes));
        Duration::minutes(i64::try_from(minutes).unwrap_or(i64::MAX / 60_000))
    }
}

/// How an open went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailedOpenKind {
    /// Nothing (or not enough) filled; nothing left open.
    Failed,
    /// One leg filled and was unwound (fees paid for nothing).
    Unwound,
}

/// A symbol's cooldown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolCooldown {
    /// Consecutive failed/unwound opens since the last successful cycle.
    pub failures: u32,
    /// No new open before this.
    pub until: DateTime<Utc>,
    /// The last failure's kind.
    pub last_kind: FailedOpenKind,
}

/// One failed/unwound open, kept for the per-hour budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedOpen {
    /// When.
    pub at: DateTime<Utc>,
    /// Symbol.
    pub symbol: String,
    /// Kind.
    pub kind: FailedOpenKind,
}

/// Why the bot pauses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PauseReason {
    /// Fees paid today reached the daily budget.
    DailyFeeBudget {
        /// UTC day.
        day: NaiveDate,
        /// Fees counted against the budget, USD.
        spent_usd: Decimal,
        /// The budget, USD.
        budget_usd: Decimal,
    },
    /// Too many failed or unwound opens within an hour.
    FailedOpensPerHour {
        /// Failed opens in the last hour.
        count: u32,
        /// The limit.
        limit: u32,
        /// The oldest of them.
        since: DateTime<Utc>,
    },
}

impl std::fmt::Display for PauseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PauseReason::DailyFeeBudget {
                day,
                spent_usd,
                budget_usd,
            } => write!(
                f,
                "daily fee budget reached: {spent_usd} USD of {budget_usd} USD on {day}"
            ),
            PauseReason::FailedOpensPerHour {
                count,
                limit,
                since,
            } => write!(
                f,
                "{count} failed opens within an hour (limit {limit}) since {since}"
            ),
        }
    }
}

/// The budgets' running state (stored in the bot state file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetState {
    /// Cooldowns by symbol.
    #[serde(default)]
    pub cooldowns: BTreeMap<String, SymbolCooldown>,
    /// Failed opens within the last hour (older ones are dropped when recording).
    #[serde(default)]
    pub failed_opens: Vec<FailedOpen>,
    /// The UTC day the fee counters refer to.
    #[serde(default)]
    pub fee_day: Option<NaiveDate>,
    /// Fees counted against today's budget, USD (reset by the day or by `resume`).
    #[serde(default)]
    pub fees_today_usd: Decimal,
    /// All fees paid on `fee_day`, USD (for display; `resume` keeps it).
    #[serde(default)]
    pub fees_day_total_usd: Decimal,
}

impl BudgetState {
    /// Records a failed or unwound open on `symbol`: its cooldown doubles (capped) and the
    /// per-hour count grows. Returns the end of the new cooldown.
    pub fn record_failed_open(
        &mut self,
        budgets: &Budgets,
        symbol: &str,
        kind: FailedOpenKind,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let failures = self
            .cooldowns
            .get(symbol)
            .map_or(0, |c| c.failures)
            .saturating_add(1);
        let until = now + budgets.cooldown_for(failures);
        self.cooldowns.insert(
            symbol.to_string(),
            SymbolCooldown {
                failures,
                until,
                last_kind: kind,
            },
        );
        self.prune(now);
        self.failed_opens.push(FailedOpen {
            at: now,
            symbol: symbol.to_string(),
            kind,
        });
        until
    }

    /// Records a successful cycle on `symbol` (open and close both done): its cooldown resets.
    pub fn record_successful_cycle(&mut self, symbol: &str) {
        self.cooldowns.remove(symbol);
    }

    /// Records fees paid (USD, positive paid; a rebate is negative) at `now`.
    pub fn record_fees(&mut self, usd: Decimal, now: DateTime<Utc>) {
        self.roll_day(now);
        self.fees_today_usd += usd;
        self.fees_day_total_usd += usd;
    }

    /// End of `symbol`'s cooldown if it is still cooling at `now`.
    pub fn cooling(&self, symbol: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cooldowns
            .get(symbol)
            .map(|c| c.until)
            .filter(|until| *until > now)
    }

    /// The first tripped budget at `now`, if any (fee budget first).
    pub fn tripped(&self, budgets: &Budgets, now: DateTime<Utc>) -> Option<PauseReason> {
        let today = now.date_naive();
        if let Some(budget) = budgets.daily_fee_budget_usd {
            if self.fee_day == Some(today) && self.fees_today_usd >= budget {
                return Some(PauseReason::DailyFeeBudget {
                    day: today,
                    spent_usd: self.fees_today_usd,
                    budget_usd: budget,
                });
            }
        }
        if let Some(limit) = budgets.max_failed_opens_per_hour {
            let recent: Vec<&FailedOpen> = self
                .failed_opens
                .iter()
                .filter(|f| f.at > now - Duration::hours(1) && f.at <= now)
                .collect();
            let count = u32::try_from(recent.len()).unwrap_or(u32::MAX);
            if count >= limit {
                return Some(PauseReason::FailedOpensPerHour {
                    count,
                    limit,
                    since: recent.iter().map(|f| f.at).min().unwrap_or(now),
                });
            }
        }
        None
    }

    /// The operator's resume: forgets failed opens so far and re-arms today's fee budget.
    /// Cooldowns stay (they protect one symbol, not the whole bot).
    pub fn resume(&mut self, now: DateTime<Utc>) {
        self.roll_day(now);
        self.failed_opens.clear();
        self.fees_today_usd = Decimal::ZERO;
    }

    fn roll_day(&mut self, now: DateTime<Utc>) {
        let today = now.date_naive();
        if self.fee_day != Some(today) {
            self.fee_day = Some(today);
            self.fees_today_usd = Decimal::ZERO;
            self.fees_day_total_usd = Decimal::ZERO;
        }
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        let horizon = now - Duration::hours(1);
        self.failed_opens.retain(|f| f.at > horizon);
    }
}
