//! The two baselines every backtest is compared with, on the same data, period and costs:
//! - `never_trade`: nothing, ever (all figures 0).
//! - `hold_best_first_day`: the single (symbol, direction) whose two legs together settled
//!   the most funding over the first 24 hours of the period, opened at the start and held to
//!   the end (one round trip of fees and slippage). It picks with one day of hindsight, which
//!   flatters it: beating it means the rotation earns its churn.

use chrono::{DateTime, Duration, Utc};
use hedge_engine::rotation::economics::{settlement_payment, LegSide};
use hedge_engine::rotation::machine::MachineConfig;
use rust_decimal::Decimal;

use crate::market::Market;
use crate::position::{extend_equity, OpenPosition};
use crate::result::{Baseline, CloseTag};
use crate::summary::summarise;

/// Both baselines over `[from, to]` at `notional` per leg.
pub fn baselines(
    market: &Market<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    notional: Decimal,
    cfg: &MachineConfig,
    capital_used: Decimal,
) -> Vec<Baseline> {
    let never = Baseline {
        name: "never_trade".into(),
        description: "no position at any time".into(),
        summary: summarise(&[], &[], from, to, Decimal::ZERO, (0, Decimal::ZERO)),
        equity: Vec::new(),
    };
    vec![
        never,
        hold_best_first_day(market, from, to, notional, cfg, capital_used),
    ]
}

/// The best (symbol, long slot) by funding settled in the first day; ties keep the config
/// order and slot A long first.
pub fn best_first_day(
    market: &Market<'_>,
    from: DateTime<Utc>,
    notional: Decimal,
) -> Option<(String, usize, Decimal)> {
    let day_end = from + Duration::hours(24);
    let mut best: Option<(String, usize, Decimal)> = None;
    for (symbol, pair) in &market.symbols {
        let Some(pair) = pair else { continue };
        for long_slot in [0usize, 1] {
            let leg = |slot: usize, side: LegSide| -> Decimal {
                pair[slot]
                    .settled_between(from, day_end)
                    .iter()
                    .map(|p| settlement_payment(side, p.rate, notional, Decimal::ONE))
                    .sum()
            };
            let total = leg(long_slot, LegSide::Long) + leg(1 - long_slot, LegSide::Short);
            if best.as_ref().is_none_or(|b| total > b.2) {
                best = Some((symbol.clone(), long_slot, total));
            }
        }
    }
    best
}

fn hold_best_first_day(
    market: &Market<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    notional: Decimal,
    cfg: &MachineConfig,
    capital_used: Decimal,
) -> Baseline {
    let name = "hold_best_first_day".to_string();
    let Some((symbol, long_slot, day_one)) = best_first_day(market, from, notional) else {
        return Baseline {
            name,
            description: "no symbol has data on both venues".into(),
            summary: summarise(&[], &[], from, to, Decimal::ZERO, (0, Decimal::ZERO)),
            equity: Vec::new(),
        };
    };
    let extra = cfg.economics.extra_slippage_bps;
    let (pos, fees, slippage) =
        OpenPosition::open(market, &symbol, long_slot, from, notional, day_one, extra);
    let mut equity = Vec::new();
    extend_equity(&mut equity, [(from, -(fees + slippage))]);
    let (mut row, flows) = pos.close(market, 1, to, CloseTag::EndOfData, extra);
    // Its "expected" funding is the first day's, not a forecast over the period.
    row.capture_ratio = None;
    extend_equity(&mut equity, flows);
    let cycles = [row];
    Baseline {
        description: format!(
            "{} {symbol} for the whole period (first day's funding {} USD)",
            cycles[0].direction,
            day_one.round_dp(4)
        ),
        summary: summarise(&cycles, &equity, from, to, capital_used, (0, Decimal::ZERO)),
        equity,
        name,
    }
}
