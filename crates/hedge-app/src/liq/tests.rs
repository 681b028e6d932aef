//! The check on the in-memory venues: a sound hedge is left alone, a naked leg is closed
//! after the grace and not before, a venue shrink reduces the other leg at once, an
//! operation in progress is never taken for a naked leg, `--no-auto-close` only reports.

use super::*;
use hedge_engine::protocol::ExecutionOptions;
use hedge_engine::state::{JournalEntry, MemoryStore, OperationKind, StateStore};
use hedge_engine::testing::{FastClock, MockVenue};
use rust_decimal_macros::dec;
use venue_api::Clock;

pub(super) struct World {
    pub(super) a: Arc<MockVenue>,
    pub(super) b: Arc<MockVenue>,
    pub(super) clock: Arc<FastClock>,
    pub(super) store: Arc<MemoryStore>,
    pub(super) engine: HedgeEngine,
    pub(super) monitor: LiqMonitor,
}

pub(super) fn world(auto_close: bool) -> World {
    let a = Arc::new(MockVenue::new(
        "lighter",
        "HYPE",
        dec!(0.001),
        dec!(0.01),
        dec!(39.99),
        dec!(40.01),
        dec!(10000),
    ));
    let b = Arc::new(MockVenue::new(
        "edgex",
        "HYPE",
        dec!(0.01),
        dec!(0.1),
        dec!(39.98),
        dec!(40.02),
        dec!(10000),
    ));
    let clock = Arc::new(FastClock::default());
    let store = Arc::new(MemoryStore::default());
    let engine = HedgeEngine::new(clock.clone(), store.clone(), ExecutionOptions::default());
    let settings = LiqSettings {
        monitor: MonitorSettings::from_options(dec!(80), dec!(-15), 30, 5).unwrap(),
        auto_close,
        pricing: PricingPolicy::default(),
    };
    let monitor = LiqMonitor::new(
        settings,
        (VenueKind::Lighter, a.clone()),
        (VenueKind::Edgex, b.clone()),
    );
    World {
        a,
        b,
        clock,
        store,
        engine,
        monitor,
    }
}

impl World {
    pub(super) async fn wait(&self, secs: u64) {
        self.clock.sleep(Duration::from_secs(secs)).await;
    }

    pub(super) fn sizes(&self) -> (Decimal, Decimal) {
        (self.a.position_now(), self.b.position_now())
    }
}

#[tokio::test]
async fn a_sound_hedge_is_left_alone() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    w.b.set_position(dec!(-2));
    for _ in 0..3 {
        let r = w.monitor.check(&w.engine).await;
        assert!(r.actions.is_empty(), "{:?}", r.actions);
        assert_eq!(r.symbols.len(), 1);
        assert!(r.symbols[0].class.is_sound());
        assert_eq!(r.net_delta.get("HYPE"), Some(&dec!(0)));
        w.wait(60).await;
    }
    assert_eq!(w.sizes(), (dec!(2), dec!(-2)));
}

#[tokio::test]
async fn a_naked_leg_is_closed_after_the_grace_not_before() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    let r = w.monitor.check(&w.engine).await;
    assert!(r.actions.is_empty());
    assert_eq!(r.health, Health::Unhealthy);
    w.wait(20).await;
    let r = w.monitor.check(&w.engine).await;
    assert!(r.actions.is_empty(), "within the grace: {:?}", r.actions);
    assert_eq!(w.sizes(), (dec!(2), dec!(0)));
    w.wait(15).await;
    let r = w.monitor.check(&w.engine).await;
    assert_eq!(r.actions.len(), 1, "{:?}", r.actions);
    assert_eq!(r.actions[0].action, "close_leg");
    assert!(r.actions[0].ok, "{:?}", r.actions[0]);
    assert_eq!(w.sizes(), (dec!(0), dec!(0)));
    assert!(r.alerts.iter().any(|a| a.kind == "naked_leg"));
}

#[tokio::test]
async fn no_auto_close_only_reports() {
    let mut w = world(false);
    w.a.set_position(dec!(2));
    for _ in 0..3 {
        let r = w.monitor.check(&w.engine).await;
        assert!(r.actions.is_empty());
        w.wait(40).await;
    }
    assert_eq!(w.sizes(), (dec!(2), dec!(0)));
}

#[tokio::test]
async fn a_venue_shrink_reduces_the_other_leg_at_once() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    w.b.set_position(dec!(-2));
    w.monitor.check(&w.engine).await;
    // The venue cut the short leg (liquidation / ADL): no journal entry explains it.
    w.b.set_position(dec!(-1.2));
    w.wait(60).await;
    let r = w.monitor.check(&w.engine).await;
    assert!(
        r.alerts.iter().any(|a| a.kind == "venue_shrink"),
        "{:?}",
        r.alerts
    );
    assert_eq!(r.actions.len(), 1, "{:?}", r.actions);
    assert_eq!(r.actions[0].action, "reduce_leg");
    assert!(r.actions[0].ok, "{:?}", r.actions[0]);
    assert_eq!(w.sizes(), (dec!(1.2), dec!(-1.2)));
    assert!(w.engine.halted().unwrap().is_none());
}

#[tokio::test]
async fn an_operation_in_progress_is_not_a_naked_leg() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    let mut s = w.store.load().unwrap();
    s.record(JournalEntry {
        operation: hedge_engine::ids::OperationId::next(None, 1).unwrap(),
        kind: OperationKind::Open,
        symbol: "HYPE".into(),
        started_at: w.clock.now(),
        legs: Vec::new(),
        orders: Vec::new(),
        outcome: None,
        recovered_at: None,
        owner: Some("pid 1 open".into()),
    });
    w.store.save(&s).unwrap();
    for _ in 0..3 {
        let r = w.monitor.check(&w.engine).await;
        assert!(r.in_progress);
        assert!(r.actions.is_empty(), "{:?}", r.actions);
        assert_ne!(r.health, Health::Unhealthy, "in progress is not unhealthy");
        w.wait(60).await;
    }
    assert_eq!(w.sizes(), (dec!(2), dec!(0)));
}
