//! Scripted funding series for the replay tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use hedge_backtest::{FeeSchedule, FundingData, MarketHistory, RatePoint, VenueHistory};
use hedge_engine::rotation::machine::MachineConfig;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

/// 2026-01-05 00:00 UTC (a Monday).
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).single().unwrap()
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

/// A market settling every `interval` minutes from t0 through `until_min`, at `rate`, mark 100.
pub fn constant(interval: u32, until_min: i64, rate: Decimal) -> MarketHistory {
    series(interval, until_min, |_| rate)
}

pub fn series(interval: u32, until_min: i64, rate: impl Fn(i64) -> Decimal) -> MarketHistory {
    let mut rates = Vec::new();
    let mut m = 0;
    while m <= until_min {
        rates.push(RatePoint {
            time: at(m),
            rate: rate(m),
            mark_price: Some(dec!(100)),
        });
        m += i64::from(interval);
    }
    MarketHistory {
        interval_minutes: interval,
        taker_fee: None,
        maker_fee: None,
        rates,
    }
}

/// Two venues "a" (slot A) and "b", taker 5 bps each, with the given markets.
pub fn data(
    to_min: i64,
    a: Vec<(&str, MarketHistory)>,
    b: Vec<(&str, MarketHistory)>,
) -> FundingData {
    let venue = |id: &str, markets: Vec<(&str, MarketHistory)>| VenueHistory {
        venue: id.into(),
        fees: FeeSchedule {
            maker: dec!(0.0002),
            taker: dec!(0.0005),
        },
        markets: markets
            .into_iter()
            .map(|(s, m)| (s.to_string(), m))
            .collect::<BTreeMap<_, _>>(),
    };
    let d = FundingData {
        version: 1,
        source: "scripted".into(),
        created_at: None,
        from: t0(),
        to: at(to_min),
        venues: vec![venue("a", a), venue("b", b)],
    };
    d.validate().unwrap();
    d
}

/// The bot's defaults with a 1000 USD notional, 8 h hold (max 8 h), hourly checks, 5 minutes
/// between cycles, no stop-loss, no fee budget.
pub fn config(symbols: &[&str]) -> MachineConfig {
    let mut c = MachineConfig {
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        notional_per_position: dec!(1000),
        leverage: 3,
        check_interval: std::time::Duration::from_secs(3600),
        wait_between_cycles: std::time::Duration::from_secs(300),
        selection_backoff: std::time::Duration::from_secs(300),
        ..MachineConfig::default()
    };
    c.thresholds.hold_duration_hours = dec!(8);
    c.thresholds.max_hold_hours = dec!(8);
    c.stop_loss.enable_stop_loss = false;
    c.budgets.daily_fee_budget_usd = None;
    c
}
