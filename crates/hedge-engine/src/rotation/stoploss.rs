//! The stop-loss of a held hedge (behavior-spec 4.7, W23).
//!
//! Two modes (config `stop_loss_mode`):
//! - `"worst_leg"`: the seed's rule, for parity. notional = size x reference entry price (the
//!   EdgeX entry price in the seed) when both are known and non-zero, else the actual notional,
//!   else the configured notional; threshold = -|notional x stop_loss_percent / 100|; worst =
//!   min of the two legs' uPnL (the first leg on a strict less-than, else the second: pass the
//!   EdgeX leg first to match the seed); triggered when worst < threshold (strict).
//! - `"combined"` (default): the hedge's total uPnL below -|notional x stop_loss_percent / 100|
//!   (strict), OR any venue's margin usage (`Balance.margin_usage`) >= `max_margin_usage`
//!   (default 0.8). A per-leg loss is the wrong signal for a hedge (one leg always loses when
//!   the price moves); what kills a hedge is a loss of the pair or one venue running out of
//!   margin.
//!
//! An unknown uPnL never counts as "fine": the verdict is [`StopLossVerdict::Unknown`] naming
//! what is missing (the bot alerts and retries), unless a known figure already triggers. A
//! margin usage no venue figure and no balance gives is listed as unchecked in the verdict;
//! [`margin_usage`] estimates it from the balance when the venue does not report it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use venue_api::Balance;

#[cfg(test)]
mod tests;

/// Which rule (config `stop_loss_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopLossMode {
    /// The seed's per-leg rule.
    WorstLeg,
    /// Total uPnL plus per-venue margin health (the default).
    #[default]
    Combined,
}

/// Stop-loss settings (config keys of the same names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopLossSettings {
    /// `enable_stop_loss`.
    pub enable_stop_loss: bool,
    /// `stop_loss_mode`.
    pub stop_loss_mode: StopLossMode,
    /// Loss limit, percent of notional (> 0).
    pub stop_loss_percent: Decimal,
    /// Margin usage fraction at or above which `combined` triggers (0 < x <= 1).
    pub max_margin_usage: Decimal,
}

impl Default for StopLossSettings {
    fn default() -> Self {
        Self {
            enable_stop_loss: true,
            stop_loss_mode: StopLossMode::Combined,
            stop_loss_percent: Decimal::from(2u32),
            max_margin_usage: Decimal::new(8, 1),
        }
    }
}

/// A stop-loss setting that cannot work, named with its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} = {value}: {rule}")]
pub struct StopLossConfigError {
    /// Config key.
    pub field: &'static str,
    /// Its value.
    pub value: String,
    /// The rule it breaks.
    pub rule: &'static str,
}

impl StopLossSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), StopLossConfigError> {
        if self.stop_loss_percent <= Decimal::ZERO {
            return Err(StopLossConfigError {
                field: "stop_loss_percent",
                value: self.stop_loss_percent.to_string(),
                rule: "must be > 0",
            });
        }
        if self.max_margin_usage <= Decimal::ZERO || self.max_margin_usage > Decimal::ONE {
            return Err(StopLossConfigError {
                field: "max_margin_usage",
                value: self.max_margin_usage.to_string(),
                rule: "must be in (0, 1]",
            });
        }
        Ok(())
    }
}

/// One leg as the stop-loss sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegRisk {
    /// Venue id (display name in the reason text).
    pub venue: String,
    /// Unrealised PnL, USD, where read.
    pub unrealized_pnl: Option<Decimal>,
    /// The venue account's margin usage fraction, where reported.
    pub margin_usage: Option<Decimal>,
}

/// The position's sizes for the notional rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopLossPosition {
    /// Size in base units.
    pub size_base: Option<Decimal>,
    /// Reference entry price (the seed uses the EdgeX entry price).
    pub reference_entry_price: Option<Decimal>,
    /// The actual notional recorded at open, USD.
    pub actual_notional: Option<Decimal>,
    /// The configured notional, USD (last resort).
    pub configured_notional: Decimal,
}

impl StopLossPosition {
    /// The notional of spec 4.7: size x reference price when both are known and non-zero,
    /// else the actual notional, else the configured one.
    pub fn notional(&self) -> Decimal {
        match (self.size_base, self.reference_entry_price) {
            (Some(s), Some(p)) if !s.is_zero() && !p.is_zero() => (s * p).abs(),
            _ => self.actual_notional.unwrap_or(self.configured_notional),
        }
    }
}

/// What triggered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StopLossTrigger {
    /// `worst_leg`: one leg's uPnL below the threshold.
    WorstLeg {
        /// The worst venue.
        venue: String,
        /// Its uPnL, USD.
        pnl_usd: Decimal,
        /// Its uPnL, percent of notional.
        pnl_percent: Decimal,
        /// Threshold, USD (negative).
        threshold_usd: Decimal,
        /// Threshold, percent (negative).
        threshold_percent: Decimal,
    },
    /// `combined`: the pair's total uPnL below the threshold.
    CombinedLoss {
        /// Total uPnL, USD.
        total_usd: Decimal,
        /// Total uPnL, percent of notional.
        total_percent: Decimal,
        /// Threshold, USD (negative).
        threshold_usd: Decimal,
        /// Threshold, percent (negative).
        threshold_percent: Decimal,
    },
    /// `combined`: a venue's margin usage at or above the limit.
    MarginUsage {
        /// The venue.
        venue: String,
        /// Its margin usage fraction.
        usage: Decimal,
        /// The limit.
        limit: Decimal,
    },
}

/// The stop-loss verdict with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StopLossVerdict {
    /// Disabled by config.
    Disabled,
    /// Checked, nothing triggered.
    Clear {
        /// Notional used, USD.
        notional_usd: Decimal,
        /// Threshold, USD (negative).
        threshold_usd: Decimal,
        /// Checks that could not run (e.g. "margin usage of lighter": not reported).
        unchecked: Vec<String>,
    },
    /// Close now.
    Triggered {
        /// What triggered (the first found: loss before margin).
        trigger: StopLossTrigger,
        /// The reason text for the banner and the state file.
        reason: String,
    },
    /// Not decidable: a uPnL the rule needs is missing.
    Unknown {
        /// What is missing, e.g. "uPnL of lighter".
        missing: Vec<String>,
    },
}

/// Percent of `usd` on `notional` (0 when the notional is 0).
fn percent(usd: Decimal, notional: Decimal) -> Decimal {
    if notional.is_zero() {
        Decimal::ZERO
    } else {
        usd / notional * Decimal::ONE_HUNDRED
    }
}

/// Human reason text of a trigger (venue, USD and percent, threshold).
pub fn reason_text(trigger: &StopLossTrigger) -> String {
    let r = |d: Decimal| d.round_dp(2).normalize();
    match trigger {
        StopLossTrigger::WorstLeg {
            venue,
            pnl_usd,
            pnl_percent,
            threshold_usd,
            threshold_percent,
        } => format!(
            "{venue} leg PnL {} USD ({}%) below stop-loss threshold {} USD ({}%)",
            r(*pnl_usd),
            r(*pnl_percent),
            r(*threshold_usd),
            r(*threshold_percent)
        ),
        StopLossTrigger::CombinedLoss {
            total_usd,
            total_percent,
            threshold_usd,
            threshold_percent,
        } => format!(
            "combined PnL {} USD ({}%) below stop-loss threshold {} USD ({}%)",
            r(*total_usd),
            r(*total_percent),
            r(*threshold_usd),
            r(*threshold_percent)
        ),
        StopLossTrigger::MarginUsage {
            venue,
            usage,
            limit,
        } => format!(
            "{venue} margin usage {}% at or above the limit {}%",
            r(*usage * Decimal::ONE_HUNDRED),
            r(*limit * Decimal::ONE_HUNDRED)
        ),
    }
}

fn triggered(trigger: StopLossTrigger) -> StopLossVerdict {
    let reason = reason_text(&trigger);
    StopLossVerdict::Triggered { trigger, reason }
}

/// Checks the stop-loss on two legs (the first is the seed's EdgeX leg).
pub fn check_stop_loss(
    settings: &StopLossSettings,
    position: &StopLossPosition,
    legs: [&LegRisk; 2],
) -> StopLossVerdict {
    if !settings.enable_stop_loss {
        return StopLossVerdict::Disabled;
    }
    let notional = position.notional();
    let threshold = -(notional * settings.stop_loss_percent / Decimal::ONE_HUNDRED).abs();
    let threshold_percent = percent(threshold, notional);
    let mut missing = Vec::new();
    let mut unchecked = Vec::new();
    for leg in legs {
        if leg.unrealized_pnl.is_none() {
            missing.push(format!("uPnL of {}", leg.venue));
        }
    }
    match settings.stop_loss_mode {
        StopLossMode::WorstLeg => {
            let (Some(first), Some(second)) = (legs[0].unrealized_pnl, legs[1].unrealized_pnl)
            else {
                return StopLossVerdict::Unknown { missing };
            };
            let (venue, worst) = if first < second {
                (&legs[0].venue, first)
            } else {
                (&legs[1].venue, second)
            };
            if worst < threshold {
                return triggered(StopLossTrigger::WorstLeg {
                    venue: venue.clone(),
                    pnl_usd: worst,
                    pnl_percent: percent(worst, notional),
                    threshold_usd: threshold,
                    threshold_percent,
                });
            }
        }
        StopLossMode::Combined => {
            if let (Some(first), Some(second)) = (legs[0].unrealized_pnl, legs[1].unrealized_pnl) {
                let total = first + second;
                if total < threshold {
                    return triggered(StopLossTrigger::CombinedLoss {
                        total_usd: total,
                        total_percent: percent(total, notional),
                        threshold_usd: threshold,
                        threshold_percent,
                    });
                }
            }
            for leg in legs {
                match leg.margin_usage {
                    Some(usage) if usage >= settings.max_margin_usage => {
                        return triggered(StopLossTrigger::MarginUsage {
                            venue: leg.venue.clone(),
                            usage,
                            limit: settings.max_margin_usage,
                        });
                    }
                    Some(_) => {}
                    None => unchecked.push(format!("margin usage of {}", leg.venue)),
                }
            }
        }
    }
    if !missing.is_empty() {
        return StopLossVerdict::Unknown { missing };
    }
    StopLossVerdict::Clear {
        notional_usd: notional,
        threshold_usd: threshold,
        unchecked,
    }
}

/// A venue's margin usage fraction: the venue's own figure when reported, else
/// `(equity - available) / equity` (an estimate from the balance; `None` when equity <= 0).
pub fn margin_usage(balance: &Balance) -> Option<Decimal> {
    if balance.margin_usage.is_some() {
        return balance.margin_usage;
    }
    if balance.equity <= Decimal::ZERO {
        return None;
    }
    let used = (balance.equity - balance.available).max(Decimal::ZERO);
    Some(used / balance.equity)
}
