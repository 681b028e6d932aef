//! The replay on scripted funding series with hand-computed results: a 60-minute and a
//! 240-minute venue each paid on its own schedule, fees and slippage, the close timed after
//! the favourable settlements, the baselines, the daily fee budget, a sweep ranking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use hedge_backtest::sweep::{combinations, parse_specs, run_sweep};
use hedge_backtest::{run, CloseTag, ReplayConfig, SlippageModel};
use rust_decimal_macros::dec;

/// a: hourly, rate -0.0001 (a long receives 0.10 USD per hour on 1000 USD);
/// b: every 4 h, rate +0.002 (a short receives 2 USD per settlement).
fn two_schedules(to_min: i64) -> hedge_backtest::FundingData {
    data(
        to_min,
        vec![("BTC", constant(60, to_min, dec!(-0.0001)))],
        vec![("BTC", constant(240, to_min, dec!(0.002)))],
    )
}

fn replay(
    cfg: hedge_engine::rotation::machine::MachineConfig,
    bps: rust_decimal::Decimal,
) -> ReplayConfig {
    ReplayConfig {
        machine: cfg,
        slippage: SlippageModel::FlatBps(bps),
        from: None,
        to: None,
        open_failures: None,
    }
}

#[test]
fn each_leg_is_paid_on_its_own_schedule_and_the_close_waits_for_the_settlement() {
    // Replay 00:55 .. 09:05: one cycle. Open at 00:55 long a / short b: expected over
    // (00:55, 08:55] = 8 x 0.10 + 2 x 2 = 4.80 USD; costs 4 fills x (0.50 fee + 0.10
    // slippage) = 2.40. At 08:55 the max hold is reached; a settles in our favour at 09:00,
    // inside the 10-minute guard, so the close goes out at 09:01 (buffer 60 s): a is paid 9
    // times (01:00..09:00), b twice (04:00, 08:00).
    let d = two_schedules(545);
    let mut cfg = replay(config(&["BTC"]), dec!(1));
    cfg.from = Some(at(55));
    let r = run(&d, &cfg).unwrap();
    assert_eq!(r.cycles.len(), 1, "{:#?}", r.cycles);
    let c = &r.cycles[0];
    assert_eq!(c.direction, "long a / short b");
    assert_eq!((c.opened_at, c.closed_at), (at(55), at(541)));
    assert_eq!(c.close_reason, CloseTag::MaxHold);
    assert_eq!((c.long.settlements, c.long.funding_usd), (9, dec!(0.9)));
    assert_eq!((c.short.settlements, c.short.funding_usd), (2, dec!(4)));
    assert_eq!(c.expected_funding_usd, dec!(4.8));
    assert_eq!(c.capture_ratio, Some(dec!(1.0208)));
    assert_eq!(c.fees_usd, dec!(2));
    assert_eq!(c.long.fees_usd, dec!(1));
    assert_eq!(c.slippage_usd, dec!(0.4));
    assert_eq!(c.price_pnl_usd, dec!(0));
    assert_eq!(c.net_usd, dec!(2.5));
    assert_eq!(c.hold_hours, dec!(8.1));
    let s = &r.summary;
    assert_eq!(s.net_pnl_usd, dec!(2.5));
    assert_eq!((s.cycles, s.win_rate_percent), (1, dec!(100)));
    assert_eq!(s.funding_usd, dec!(4.9));
    // The curve: -1.20 at the open, then the settlements, then -1.20 at the close: the
    // deepest point below a peak is the open itself.
    assert_eq!(s.max_drawdown_usd, dec!(1.2));
    assert_eq!(r.equity.last().unwrap().net_usd, dec!(2.5));
    assert_eq!(s.capital_used_usd.round_dp(2), dec!(666.67));
    // The decision record: why it opened, why and when it closed.
    let kinds: Vec<&str> = r.decisions.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(kinds, ["open", "close"], "{:#?}", r.decisions);
    assert!(
        r.decisions[0].reason.contains("expected funding 4.8 USD"),
        "{}",
        r.decisions[0].reason
    );
    assert!(
        r.decisions[1].reason.starts_with("max_hold"),
        "{}",
        r.decisions[1].reason
    );
    assert!(
        r.decisions[1]
            .reason
            .contains("sent at 2026-01-05 09:01:00 UTC"),
        "{}",
        r.decisions[1].reason
    );
}

#[test]
fn a_check_on_a_settlement_counts_it_and_closes_at_once() {
    // From 00:00 the planned end 08:00 falls on both settlements: the venues then announce
    // the next ones (09:00, 12:00), nothing is left to wait for, the close goes out at 08:00
    // and the 08:00 settlements count (the economics' "(open, close]" rule).
    let d = two_schedules(485);
    let r = run(&d, &replay(config(&["BTC"]), dec!(1))).unwrap();
    let c = &r.cycles[0];
    assert_eq!((c.opened_at, c.closed_at), (at(0), at(480)));
    assert_eq!((c.long.settlements, c.short.settlements), (8, 2));
    assert_eq!(c.net_usd, dec!(2.4));
}

#[test]
fn a_pair_below_the_entry_bar_is_never_opened() {
    // b pays 0.50 USD per 4 h: 1 USD expected over the 8 h hold against 2.40 of costs.
    let d = data(
        485,
        vec![("BTC", constant(60, 485, dec!(0)))],
        vec![("BTC", constant(240, 485, dec!(0.0005)))],
    );
    let r = run(&d, &replay(config(&["BTC"]), dec!(1))).unwrap();
    assert!(r.cycles.is_empty());
    assert_eq!(r.summary.net_pnl_usd, dec!(0));
    assert!(r.stats.nothing_qualified > 0);
}

#[test]
fn the_baselines_on_the_same_data() {
    let d = two_schedules(485);
    let r = run(&d, &replay(config(&["BTC"]), dec!(1))).unwrap();
    assert_eq!(r.baselines.len(), 2);
    let never = &r.baselines[0];
    assert_eq!(never.name, "never_trade");
    assert_eq!(never.summary.net_pnl_usd, dec!(0));
    assert_eq!(never.summary.cycles, 0);
    let best = &r.baselines[1];
    assert_eq!(best.name, "hold_best_first_day");
    assert!(
        best.description.starts_with("long a / short b BTC"),
        "{}",
        best.description
    );
    // Held 00:00 .. 08:05: the same settlements as the one cycle, one round trip.
    assert_eq!(best.summary.funding_usd, dec!(4.8));
    assert_eq!(best.summary.fees_usd, dec!(2));
    assert_eq!(best.summary.net_pnl_usd, dec!(2.4));
}

#[test]
fn the_daily_fee_budget_pauses_until_the_next_utc_day() {
    // Day 1: the first cycle (00:00 .. 08:00) costs 2 USD of fees (>= 1.5): PAUSED until
    // 00:00 of day 2, checked hourly from 08:05, so the second cycle opens at 00:05 and
    // closes at its planned end 08:05 (no settlement in the guard window). Without the budget day 1 alone
    // has three cycles.
    let to = 24 * 60 + 490;
    let d = two_schedules(to);
    let mut cfg = config(&["BTC"]);
    cfg.budgets.daily_fee_budget_usd = Some(dec!(1.5));
    let r = run(&d, &replay(cfg, dec!(1))).unwrap();
    let opens: Vec<_> = r.cycles.iter().map(|c| c.opened_at).collect();
    assert_eq!(opens, vec![at(0), at(24 * 60 + 5)], "{:#?}", r.cycles);
    assert_eq!(r.stats.budget_trips, 1);
    let paused: Vec<_> = r.decisions.iter().filter(|d| d.kind == "paused").collect();
    assert_eq!(paused.len(), 1);
    assert!(
        paused[0].reason.contains("daily fee budget"),
        "{}",
        paused[0].reason
    );
    let free = run(&d, &replay(config(&["BTC"]), dec!(1))).unwrap();
    assert!(
        free.cycles
            .iter()
            .filter(|c| c.opened_at < at(24 * 60))
            .count()
            >= 3
    );
}

#[test]
fn the_best_symbol_in_dollars_is_chosen_and_ties_keep_the_config_order() {
    let d = data(
        485,
        vec![
            ("ETH", constant(60, 485, dec!(0))),
            ("BTC", constant(60, 485, dec!(0))),
            ("SOL", constant(60, 485, dec!(0))),
        ],
        vec![
            ("ETH", constant(240, 485, dec!(0.002))),
            ("BTC", constant(240, 485, dec!(0.002))),
            ("SOL", constant(240, 485, dec!(0.003))),
        ],
    );
    let r = run(&d, &replay(config(&["ETH", "BTC", "SOL"]), dec!(1))).unwrap();
    assert_eq!(r.cycles[0].symbol, "SOL");
    let mut cfg = config(&["ETH", "BTC"]);
    cfg.symbols = vec!["BTC".into(), "ETH".into()];
    let r = run(&d, &replay(cfg, dec!(1))).unwrap();
    assert_eq!(r.cycles[0].symbol, "BTC");
}

#[test]
fn a_sweep_ranks_by_net_pnl_and_does_not_depend_on_the_thread_count() {
    let d = two_schedules(24 * 60);
    let specs = vec![
        "min_net_apr_threshold=5,100000".to_string(),
        "hold_duration_hours=8,4".to_string(),
    ];
    let keys = parse_specs(&specs).unwrap();
    let combos = combinations(&keys);
    assert_eq!(combos.len(), 4);
    let build = |params: &Vec<(String, String)>| {
        let mut cfg = config(&["BTC"]);
        for (k, v) in params {
            let v: rust_decimal::Decimal = v.parse().unwrap();
            match k.as_str() {
                "min_net_apr_threshold" => cfg.thresholds.min_net_apr_threshold = v,
                "hold_duration_hours" => cfg.thresholds.hold_duration_hours = v,
                _ => unreachable!(),
            }
        }
        Ok(replay(cfg, dec!(1)))
    };
    let jobs = |_: ()| {
        combos
            .iter()
            .map(|p| (p.clone(), build(p)))
            .collect::<Vec<_>>()
    };
    let names = vec!["min_net_apr_threshold".into(), "hold_duration_hours".into()];
    let one = run_sweep(&d, names.clone(), jobs(()), 1, &|_, _| {});
    let four = run_sweep(&d, names, jobs(()), 4, &|_, _| {});
    assert_eq!(one.rows, four.rows);
    let nets: Vec<_> = one
        .rows
        .iter()
        .map(|r| r.summary.as_ref().unwrap().net_pnl_usd)
        .collect();
    assert!(nets.windows(2).all(|w| w[0] >= w[1]), "{nets:?}");
    // The unreachable bar never trades: net 0, ranked below both trading combinations.
    assert_eq!(one.rows[0].params[0].1, "5");
    assert_eq!(one.rows[1].params[0].1, "5");
    assert_eq!(nets[2], dec!(0));
    assert_eq!(
        one.rows[2].params[1].1, "8",
        "ties keep the combination order"
    );
    assert!(nets[0] > dec!(0));
}

#[test]
fn the_replay_is_deterministic() {
    let d = two_schedules(3 * 24 * 60);
    let cfg = replay(config(&["BTC"]), dec!(1));
    assert_eq!(run(&d, &cfg).unwrap(), run(&d, &cfg).unwrap());
}

#[test]
fn the_stop_loss_closes_on_the_marks_when_the_hedge_loses() {
    // Open 00:00 long a / short b, both marks at 100. From 03:00 a's mark is 97 while b's
    // stays at 100: the long leg loses 3 x 10 = 30 USD, -3 % of the 1000 USD notional,
    // beyond the 2 % combined limit. Checks are hourly, but a mark update wakes the
    // stop-loss: it fires at 03:00, before b's 04:00 settlement.
    let mut a = constant(60, 485, dec!(-0.0001));
    let mut b = constant(240, 485, dec!(0.002));
    for p in a.rates.iter_mut().chain(b.rates.iter_mut()) {
        p.mark_price = Some(dec!(100));
    }
    for p in a.rates.iter_mut().filter(|p| p.time >= at(180)) {
        p.mark_price = Some(dec!(97));
    }
    let d = data(485, vec![("BTC", a)], vec![("BTC", b)]);
    let mut cfg = config(&["BTC"]);
    cfg.check_interval = std::time::Duration::from_secs(7200);
    cfg.stop_loss.enable_stop_loss = true;
    cfg.stop_loss.stop_loss_percent = dec!(2);
    let r = run(&d, &replay(cfg.clone(), dec!(1))).unwrap();
    let c = &r.cycles[0];
    assert_eq!(c.close_reason, CloseTag::StopLoss, "{c:#?}");
    assert_eq!(c.closed_at, at(180));
    assert_eq!(c.long.price_pnl_usd, dec!(-30));
    assert_eq!(c.short.price_pnl_usd, dec!(0));
    // a paid at 01:00, 02:00, 03:00; b not yet; fees 2, slippage 0.4, price -30
    assert_eq!(c.funding_usd, dec!(0.3));
    assert_eq!(c.net_usd, dec!(-32.1));
    // With the stop-loss off the same data runs to the planned end.
    cfg.stop_loss.enable_stop_loss = false;
    let r = run(&d, &replay(cfg, dec!(1))).unwrap();
    assert_eq!(r.cycles[0].close_reason, CloseTag::MaxHold);
    assert_eq!(r.cycles[0].price_pnl_usd, dec!(-30));
}

#[test]
fn failed_opens_cool_the_symbol_down_and_trip_the_failed_opens_budget() {
    // Every open fails with the long leg filled and unwound: 1.20 USD each (fee 0.50 in and
    // out, slippage 0.10 in and out). First failure 00:00 (BTC cools 15 min), the next at
    // 00:15 (30 min), then 00:45: three within an hour trip the budget (PAUSED).
    let d = two_schedules(485);
    let mut cfg = replay(config(&["BTC"]), dec!(1));
    cfg.open_failures = Some(hedge_backtest::OpenFailures {
        percent: dec!(100),
        seed: 7,
    });
    let r = run(&d, &cfg).unwrap();
    assert!(r.cycles.is_empty());
    let s = &r.summary;
    assert!(s.failed_opens >= 3, "{s:?}");
    assert_eq!(
        s.failed_open_cost_usd,
        dec!(1.2) * rust_decimal::Decimal::from(s.failed_opens)
    );
    assert_eq!(s.net_pnl_usd, -s.failed_open_cost_usd);
    assert!(r.stats.budget_trips >= 1, "{:?}", r.stats);
    let first: Vec<_> = r.equity.iter().take(3).map(|p| p.time).collect();
    assert_eq!(first, vec![at(0), at(15), at(45)]);
    // None fail at 0 %; about half at 50 %, the same ones on every run.
    cfg.open_failures = Some(hedge_backtest::OpenFailures {
        percent: dec!(0),
        seed: 7,
    });
    assert_eq!(run(&d, &cfg).unwrap().summary.failed_opens, 0);
    cfg.open_failures = Some(hedge_backtest::OpenFailures {
        percent: dec!(50),
        seed: 7,
    });
    let long = two_schedules(10 * 24 * 60);
    let half = run(&long, &cfg).unwrap();
    assert!(
        half.summary.failed_opens > 0 && half.summary.cycles > 0,
        "{:?}",
        half.summary
    );
    assert_eq!(half, run(&long, &cfg).unwrap());
}
