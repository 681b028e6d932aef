//! Backtest speed: a 90-day, 15-symbol replay with the shipped example config (a check every
//! 300 s: about 26 000 checks, each pricing every symbol in both directions), and a sweep of
//! 8 combinations on 1 and on 2 worker threads (the sweep must scale with cores).
//! `cargo bench -p hedge-backtest --bench replay`; figures in benches/BENCHMARKS.md.
//!
//! Data: the simulator's seeded funding model (`venue_sim::history::paper_history`, the
//! history `rotation-bot backtest --paper` replays), seed 1, 2026-09-01 .. 2026-11-30.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hedge_backtest::sweep::{combinations, parse_specs, run_sweep, SweepJob};
use hedge_backtest::{
    run, FeeSchedule, FundingData, MarketHistory, ReplayConfig, SlippageModel, VenueHistory,
};
use hedge_engine::rotation::machine::MachineConfig;
use rust_decimal::Decimal;
use std::time::Duration;
use venue_sim::engine::VenueKind;

fn data(days: i64) -> FundingData {
    let from = Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).unwrap();
    let to = from + chrono::Duration::days(days);
    let symbols = venue_sim::history::symbols();
    let params = venue_sim::engine::funding::EpisodeParams::default();
    let h = venue_sim::history::paper_history(1, &params, &symbols, from, to).unwrap();
    let venue = |kind: VenueKind| {
        let series = h.venues[&kind].clone();
        let f = series.values().next().unwrap().fees;
        VenueHistory {
            venue: kind.name().into(),
            fees: FeeSchedule {
                maker: f.maker,
                taker: f.taker,
            },
            markets: series
                .into_iter()
                .map(|(s, v)| {
                    (
                        s,
                        MarketHistory::from_points(Some(v.interval_minutes), &v.points),
                    )
                })
                .collect(),
        }
    };
    FundingData {
        version: 1,
        source: "bench".into(),
        created_at: None,
        from,
        to,
        venues: vec![venue(VenueKind::Edgex), venue(VenueKind::Lighter)],
    }
}

/// The example config's values (configs/rotation_bot_config.json) on every listed symbol.
fn config() -> MachineConfig {
    let mut c = MachineConfig {
        symbols: venue_sim::history::symbols(),
        notional_per_position: Decimal::from(320),
        check_interval: Duration::from_secs(300),
        ..MachineConfig::default()
    };
    c.stop_loss.stop_loss_percent = Decimal::from(25);
    c
}

fn replay(cfg: MachineConfig) -> ReplayConfig {
    ReplayConfig {
        machine: cfg,
        slippage: SlippageModel::FlatBps(Decimal::from(2)),
        from: None,
        to: None,
        open_failures: None,
    }
}

fn jobs() -> (Vec<String>, Vec<SweepJob>) {
    let specs = vec![
        "min_net_apr_threshold=5,20".to_string(),
        "hold_duration_hours=8,16".to_string(),
        "exit_confirmations=2,3".to_string(),
    ];
    let keys = parse_specs(&specs).unwrap();
    let jobs = combinations(&keys)
        .into_iter()
        .map(|params| {
            let mut c = config();
            for (k, v) in &params {
                let v: Decimal = v.parse().unwrap();
                match k.as_str() {
                    "min_net_apr_threshold" => c.thresholds.min_net_apr_threshold = v,
                    "hold_duration_hours" => c.thresholds.hold_duration_hours = v,
                    _ => c.thresholds.exit_confirmations = u32::try_from(v.mantissa()).unwrap(),
                }
            }
            (params, Ok(replay(c)))
        })
        .collect();
    (keys.into_iter().map(|(k, _)| k).collect(), jobs)
}

fn bench(c: &mut Criterion) {
    let d90 = data(90);
    let d30 = data(30);
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.bench_function("replay_90d_15_symbols", |b| {
        b.iter(|| run(&d90, &replay(config())).unwrap())
    });
    for threads in [1usize, 2] {
        g.bench_function(format!("sweep_8_combos_30d_{threads}_threads"), |b| {
            b.iter(|| {
                let (keys, jobs) = jobs();
                run_sweep(&d30, keys, jobs, threads, &|_, _| {})
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
