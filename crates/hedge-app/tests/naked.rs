//! Naked-leg time per fault kind (issue 14, item 8): for each simulator fault on each venue
//! and operation, the `naked_ms` of the report (how long one leg stood without its hedge) is
//! asserted under a bound per kind, and the operation ends hedged, flat, or HALTED with the
//! true residual.
//!
//! The default test runs two of the new venue behaviours (booked-5xx, late), each once on
//! each venue and once in each operation (4 cells, about 15 s). `NAKED_TABLE=1` runs every kind (dropped, delay, reject,
//! timeout, lost, 503, partial, persistent reject) and prints the table. Each cell's outcome is
//! asserted too: a one-shot fault ends hedged at the full size (open) or flat (close); a
//! persistent refusal ends with nothing opened (open) or HALTED (close).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use hedge_app::wiring::{paper_execution_options, PaperSettings, Wiring};
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{
    CloseRequest, CloseResult, HedgeEngine, HedgeResult, LegMode, LegVenues, OpenRequest,
};
use hedge_engine::sizing::SizeRequest;
use hedge_engine::state::MemoryStore;
use rust_decimal::Decimal;
use std::sync::Arc;

/// (fault, bound on naked_ms, in the default run). Bounds: the fault's own delay, plus the
/// paper settle window (4 s) and one repair or unwind round; a fault the engine resolves at
/// once stays far below. A plain 5xx is outcome-unknown (looked up for the whole settle
/// window before a repair), hence its larger bound. A booked 5xx is resolved by one lookup
/// (0 ms when the machine is quiet), but its bound is the settle window plus a margin: on a
/// loaded 2-core CI machine the lookup and fill visibility were measured at 3.7 s.
const KINDS: &[(&str, u64, bool)] = &[
    ("booked-5xx:1", 6_000, true),
    ("late=1500:1", 7_000, true),
    ("dropped:1", 12_000, false),
    ("delay=1500:1", 7_000, false),
    ("reject:1", 3_000, false),
    ("timeout:1", 12_000, false),
    ("lost:1", 6_000, false),
    ("503:1", 8_000, false),
    ("partial:1", 6_000, false),
    ("reject", 15_000, false),
];

fn rule(venue: &str, op: &str, fault: &str) -> String {
    match (venue, op) {
        ("edgex", _) => format!("edgex:createOrder:{fault}"),
        // the first Lighter tx of an open is the leverage change (every sendTx fault, late
        // and dropped included, counts it; only partial counts order txs alone)
        ("lighter", "open") if !fault.starts_with("partial") => {
            format!("lighter:sendTx@1:{fault}")
        }
        _ => format!("lighter:sendTx:{fault}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naked_leg_time_is_bounded_per_fault_kind() {
    let full = std::env::var_os("NAKED_TABLE").is_some();
    // NAKED_ONLY=KIND runs that one kind (with NAKED_TABLE=1 for the non-default ones).
    let only = std::env::var("NAKED_ONLY").ok();
    let open_size = Decimal::from(2);
    let dir = tempfile::tempdir().unwrap();
    let settings = PaperSettings {
        dir: dir.path().to_path_buf(),
        reset: true,
        ..PaperSettings::default()
    };
    let wiring = Wiring::paper(&settings, None, None).await.expect("paper");
    let faults = wiring.paper_session.as_ref().unwrap().faults().clone();
    let engine = HedgeEngine::new(
        wiring.clock.clone(),
        Arc::new(MemoryStore::default()),
        paper_execution_options(),
    );
    let venues = LegVenues {
        long: wiring.lighter.clone(),
        short: wiring.edgex.clone(),
    };
    let open = OpenRequest {
        symbol: "HYPE".into(),
        venues: venues.clone(),
        leverage: 3,
        size: SizeRequest::Base(open_size),
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
        venues: venues.clone(),
        pricing: PricingPolicy::default(),
        dry_run: false,
        only: None,
    };
    let mut table = Vec::new();
    let mut over = Vec::new();
    for (k, &(kind, bound, default)) in KINDS.iter().enumerate() {
        if !full && !default {
            continue;
        }
        if only.as_deref().is_some_and(|o| o != kind) {
            continue;
        }
        for (v, venue) in ["edgex", "lighter"].into_iter().enumerate() {
            for (o, op) in ["open", "close"].into_iter().enumerate() {
                // The default run takes half the cells, a Latin square: each default kind
                // once on each venue and once in each operation (all cells with NAKED_TABLE
                // or NAKED_ONLY).
                if !full && only.is_none() && (k + v + o) % 2 == 1 {
                    continue;
                }
                faults.clear();
                if op == "close" {
                    let r = engine.open(&open).await.unwrap();
                    assert!(
                        matches!(r.result, HedgeResult::Hedged { .. }),
                        "{:?}",
                        r.result
                    );
                }
                faults.add_spec(&rule(venue, op, kind)).unwrap();
                // A one-shot fault is repaired (open hedged, close flat); a persistent refusal
                // ends with nothing opened (open) or HALTED with the true residual (close).
                let once = kind.ends_with(":1");
                let (naked, end, right) = if op == "open" {
                    match engine.open(&open).await {
                        Ok(r) => {
                            let right = match &r.result {
                                HedgeResult::Hedged { size, .. } => once && *size == open_size,
                                HedgeResult::NothingOpened { .. } => !once,
                                _ => false,
                            };
                            (r.naked_ms, format!("{:?}", r.result), right)
                        }
                        Err(e) => (0, format!("refused: {e}"), false),
                    }
                } else {
                    let r = engine.close(&close).await.unwrap();
                    let right = match &r.result {
                        CloseResult::Flat { .. } => once,
                        CloseResult::Halted { .. } => !once,
                        _ => false,
                    };
                    (r.naked_ms, format!("{:?}", r.result), right)
                };
                if !right {
                    over.push(format!("{kind} on {venue} {op}: wrong outcome {end}"));
                }
                let end: String = end.chars().take(40).collect();
                faults.clear();
                // Whatever happened, the venues agree with a clean end after a fault-free close.
                if engine.halted().unwrap().is_some() {
                    engine.resume().unwrap();
                }
                let c = engine.close(&close).await.unwrap();
                assert!(
                    matches!(c.result, CloseResult::Flat { .. }),
                    "{:?}",
                    c.result
                );
                table.push(format!("| {kind} | {venue} | {op} | {naked} | {end} |"));
                if naked > bound {
                    over.push(format!(
                        "{kind} on {venue} {op}: naked {naked} ms above the bound {bound} ms ({end})"
                    ));
                }
            }
        }
    }
    println!("| fault | venue | op | naked_ms | result |\n|---|---|---|---|---|");
    for row in table {
        println!("{row}");
    }
    assert!(over.is_empty(), "{over:#?}");
}
