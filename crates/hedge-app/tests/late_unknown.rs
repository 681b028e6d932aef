//! M1 (findings/engine.md) against the simulator: the EdgeX short is accepted, its status can
//! never be read (outcome unknown), and the simulator's `late` fault makes its fill show only
//! after the first position read that follows the settle window. The engine polls positions
//! until they are stable for a grace within the range the unknown order allows, so it sees
//! the late fill: the hedge is verified, no second short is sent and nothing is unwound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::wiring::{paper_execution_options, PaperSettings, Wiring};
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{
    ExecutionOptions, HedgeEngine, HedgeResult, LegMode, LegOutcome, LegVenues, OpenRequest,
    OrderPurpose,
};
use hedge_engine::sizing::SizeRequest;
use hedge_engine::state::MemoryStore;
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_order_with_a_late_fill_is_waited_for_not_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let settings = PaperSettings {
        dir: dir.path().to_path_buf(),
        reset: true,
        ..PaperSettings::default()
    };
    let wiring = Wiring::paper(&settings, None, None).await.expect("paper");
    let faults = wiring.paper_session.as_ref().unwrap().faults().clone();
    // Paper timings (settle window 4 s, grace 300 ms), with orders valid for 10 s so that a
    // fill may show after the settle window (the venue's visibility lag beyond our window).
    let options = ExecutionOptions {
        order_validity: Some(Duration::from_secs(10)),
        ..paper_execution_options()
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
        venues,
        leverage: 3,
        size: SizeRequest::Base(Decimal::from(2)),
        pricing: PricingPolicy {
            cross_ticks: 10,
            ..PricingPolicy::default()
        },
        leg_mode: LegMode::Concurrent,
        dry_run: false,
        add: false,
    };
    // The short executes 4.5 s after it is sent: after the settle window (4 s) and the grace
    // (300 ms) that precede the first position read. Status reads are refused (a fast
    // failure; a 5xx is retried by the adapter until the fill shows anyway).
    faults
        .add_spec("edgex:createOrder:late=4500:1")
        .expect("fault");
    faults
        .add_spec("edgex:getOrderByClientOrderId:reject")
        .expect("fault");
    let r = engine.open(&open).await.expect("open");
    faults.clear();
    assert!(
        matches!(r.result, HedgeResult::Hedged { size, .. } if size == Decimal::from(2)),
        "{:?} {:?}",
        r.result,
        r.warnings
    );
    let short: Vec<_> = r.orders.iter().filter(|o| o.venue == "edgex").collect();
    assert_eq!(short.len(), 1, "no second short: {:?}", r.orders);
    assert_eq!(short[0].outcome, LegOutcome::Unknown);
    assert!(
        r.orders.iter().all(|o| o.purpose != OrderPurpose::Unwind),
        "nothing unwound: {:?}",
        r.orders
    );
    let (l, s) = tokio::join!(
        wiring.lighter.position("HYPE"),
        wiring.edgex.position("HYPE")
    );
    assert_eq!(l.unwrap().map(|p| p.size), Some(Decimal::from(2)));
    assert_eq!(s.unwrap().map(|p| p.size), Some(Decimal::from(-2)));
}
