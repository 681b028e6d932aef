//! The summary figures of a run, from its cycles and its cumulative net PnL curve.

use chrono::{DateTime, Utc};
use hedge_engine::funding::HOURS_PER_YEAR;
use rust_decimal::Decimal;

use crate::position::hours;
use crate::result::{CycleRow, EquityPoint, Summary};

/// Largest fall of the curve below a previous peak (the curve starts at 0), USD (>= 0).
pub fn max_drawdown(curve: &[EquityPoint]) -> Decimal {
    let mut peak = Decimal::ZERO;
    let mut worst = Decimal::ZERO;
    for p in curve {
        peak = peak.max(p.net_usd);
        worst = worst.max(peak - p.net_usd);
    }
    worst
}

/// Summary of `cycles` over `[from, to]`; `capital_used_usd` is the margin of both legs;
/// `failed_opens`: how many opens failed and what they cost (USD).
pub fn summarise(
    cycles: &[CycleRow],
    curve: &[EquityPoint],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    capital_used_usd: Decimal,
    failed_opens: (u32, Decimal),
) -> Summary {
    let sum = |f: fn(&CycleRow) -> Decimal| cycles.iter().map(f).sum::<Decimal>();
    let net = sum(|c| c.net_usd) - failed_opens.1;
    let period_hours = hours(from, to);
    let in_market = sum(|c| c.hold_hours);
    let n = u32::try_from(cycles.len()).unwrap_or(u32::MAX);
    let wins = cycles.iter().filter(|c| c.net_usd > Decimal::ZERO).count();
    let captures: Vec<Decimal> = cycles.iter().filter_map(|c| c.capture_ratio).collect();
    let apr = if capital_used_usd > Decimal::ZERO && period_hours > Decimal::ZERO {
        (net * HOURS_PER_YEAR * Decimal::ONE_HUNDRED / (capital_used_usd * period_hours))
            .round_dp(4)
    } else {
        Decimal::ZERO
    };
    Summary {
        net_pnl_usd: net,
        capital_used_usd,
        apr_percent: apr,
        funding_usd: sum(|c| c.funding_usd),
        fees_usd: sum(|c| c.fees_usd),
        slippage_usd: sum(|c| c.slippage_usd),
        price_pnl_usd: sum(|c| c.price_pnl_usd),
        max_drawdown_usd: max_drawdown(curve),
        time_in_market_percent: if period_hours > Decimal::ZERO {
            (in_market * Decimal::ONE_HUNDRED / period_hours).round_dp(4)
        } else {
            Decimal::ZERO
        },
        time_in_market_hours: in_market,
        cycles: n,
        win_rate_percent: if n == 0 {
            Decimal::ZERO
        } else {
            (Decimal::from(wins) * Decimal::ONE_HUNDRED / Decimal::from(n)).round_dp(4)
        },
        mean_capture_ratio: (!captures.is_empty()).then(|| {
            (captures.iter().sum::<Decimal>() / Decimal::from(captures.len())).round_dp(4)
        }),
        failed_opens: failed_opens.0,
        failed_open_cost_usd: failed_opens.1,
    }
}

/// Margin of both legs of a `notional_usd` position at `leverage`, USD.
pub fn capital_used(notional_usd: Decimal, leverage: u32) -> Decimal {
    notional_usd * Decimal::TWO / Decimal::from(leverage.max(1))
}
