//! Leg skew and whole-`open` latency of the two-leg protocol, against the in-process
//! simulator on 127.0.0.1, through the real adapters (signing, HTTP). A bench binary, not a
//! test: `cargo bench -p hedge-app --bench leg_skew [-- ROUNDS]` (default 100 rounds of
//! open + close). Prints median, p99 and max of each figure; see benches/BENCHMARKS.md.
//!
//! Leg skew = the gap between the starts of the two legs' sends (both orders are already
//! signed and encoded). The engine's settle grace is set to zero here, because the simulator
//! shows fills at once: the figures are the protocol's own cost, not a configured wait.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use hedge_app::wiring::{PaperSettings, Wiring};
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{
    CloseRequest, ExecutionOptions, HedgeEngine, HedgeResult, LegMode, LegVenues, OpenRequest,
};
use hedge_engine::sizing::SizeRequest;
use hedge_engine::state::MemoryStore;
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn summary(name: &str, unit: &str, mut v: Vec<u64>) {
    if v.is_empty() {
        println!("{name:<28} no samples");
        return;
    }
    v.sort_unstable();
    let pct = |p: usize| {
        v[((v.len() * p).div_ceil(100))
            .saturating_sub(1)
            .min(v.len() - 1)]
    };
    println!(
        "{name:<28} n={:<4} min={:>8} median={:>8} p99={:>8} max={:>8} {unit}",
        v.len(),
        v[0],
        pct(50),
        pct(99),
        v[v.len() - 1]
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = PaperSettings {
            dir: dir.path().to_path_buf(),
            reset: true,
            ..PaperSettings::default()
        };
        let wiring = Wiring::paper(&settings, None, None)
            .await
            .expect("paper session");
        let options = ExecutionOptions {
            settle_grace: Some(Duration::ZERO),
            poll_interval: Duration::from_millis(5),
            settle_timeout: Duration::from_secs(4),
            ..ExecutionOptions::default()
        };
        let engine = HedgeEngine::new(
            wiring.clock.clone(),
            Arc::new(MemoryStore::default()),
            options,
        );
        let venues = LegVenues {
            long: wiring.lighter.clone(),
            short: wiring.edgex.clone(),
        };
        let open = OpenRequest {
            symbol: "HYPE".into(),
            venues: venues.clone(),
            leverage: 5,
            size: SizeRequest::Quote(Decimal::from(100)),
            pricing: PricingPolicy {
                cross_ticks: 10,
                ..PricingPolicy::default()
            },
            leg_mode: LegMode::Concurrent,
            dry_run: false,
            add: false,
        };
        let close = CloseRequest {
            symbol: "HYPE".into(),
            venues,
            pricing: PricingPolicy::default(),
            dry_run: false,
            only: None,
        };
        // Warm up connections, caches and the nonce manager.
        engine.open(&open).await.expect("warm-up open");
        engine.close(&close).await.expect("warm-up close");

        let (mut skew, mut acked, mut finals, mut open_total, mut close_skew, mut close_total) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut signing = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            let r = engine.open(&open).await.expect("open");
            open_total.push(t.elapsed().as_micros() as u64);
            assert!(
                matches!(r.result, HedgeResult::Hedged { .. }),
                "{:?}",
                r.result
            );
            skew.extend(r.leg_skew_us);
            acked.extend(r.both_acked_us);
            finals.extend(r.both_final_us);
            signing.extend(r.orders.iter().map(|o| (o.venue.clone(), o.signing_us)));
            let t = Instant::now();
            let c = engine.close(&close).await.expect("close");
            close_total.push(t.elapsed().as_micros() as u64);
            close_skew.extend(c.leg_skew_us);
        }
        println!("two-leg protocol against venue-sim on loopback, {rounds} rounds (open + close)");
        summary("open: leg skew", "us", skew);
        summary("open: both acknowledged", "us", acked);
        summary("open: both final", "us", finals);
        summary("open: whole command", "us", open_total);
        summary("close: leg skew", "us", close_skew);
        summary("close: whole command", "us", close_total);
        for venue in ["edgex", "lighter"] {
            summary(
                &format!("signing ({venue})"),
                "us",
                signing
                    .iter()
                    .filter(|(v, _)| v == venue)
                    .map(|(_, us)| *us)
                    .collect(),
            );
        }
    });
}
