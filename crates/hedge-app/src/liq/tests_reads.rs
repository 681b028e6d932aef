//! Reads that fail safe (issue 17 item 5) on the in-memory venues: a venue whose reads fail
//! is never "flat"; nothing is done until the bound, then the alert; past the longer bound
//! the readable leg is closed only when the blind venue's last known state says its leg is
//! gone, through the engine's single-venue path (no read of the blind venue). A one-leg
//! reduce after a venue shrink is put on that leg's own step.

use super::tests::world;
use super::*;
use rust_decimal_macros::dec;

/// Checks `n` times, one simulated second apart; returns every report.
async fn checks(w: &mut super::tests::World, n: usize) -> Vec<CheckReport> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(w.monitor.check(&w.engine).await);
        w.wait(1).await;
    }
    out
}

#[tokio::test]
async fn blind_venue_known_gone_closes_the_readable_leg_only_after_the_bound() {
    let mut w = world(true);
    // The edgex leg is gone (seen once, within the grace), then edgex cannot be read at all.
    // (A leg seen going from open to flat would be a venue shrink, answered at once.)
    w.a.set_position(dec!(2));
    let r = checks(&mut w, 1).await;
    assert!(r[0].actions.is_empty(), "within the grace");
    w.b.fail_position_reads(u32::MAX);
    // Defaults: alert at 5 failures, act at 15 (16 s in all: the 30 s grace never passes).
    let mut reports = Vec::new();
    for i in 0..15 {
        let r = checks(&mut w, 1).await.remove(0);
        let failures = i + 1;
        assert_eq!(r.venues[1].read_failures as usize, failures);
        assert!(r.venues[1].read_error.is_some());
        let alerted = r.alerts.iter().any(|a| a.kind == "read_failure");
        assert_eq!(alerted, failures == 5, "alert once, at the bound: {i}");
        if failures < 15 {
            assert!(
                r.actions.is_empty(),
                "no action before the bound: {i} {:?}",
                r.actions
            );
            assert_eq!(w.a.position_now(), dec!(2));
        }
        reports.push(r);
    }
    let last = reports.last().unwrap();
    assert!(
        matches!(last.reads, ReadVerdict::ActOnReadable { .. }),
        "{:?}",
        last.reads
    );
    assert_eq!(last.actions.len(), 1, "{:?}", last.actions);
    let a = &last.actions[0];
    assert_eq!((a.action.as_str(), a.ok), ("close_leg", true), "{a:?}");
    assert!(a.why.contains("edgex unreadable"), "{a:?}");
    assert_eq!(w.a.position_now(), dec!(0));
    assert!(
        w.b.submissions().is_empty(),
        "nothing sent to the blind venue"
    );
    assert!(w.engine.halted().unwrap().is_none());
}

#[tokio::test]
async fn blind_venue_last_known_open_is_held_forever() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    w.b.set_position(dec!(-2));
    checks(&mut w, 1).await;
    w.b.fail_position_reads(u32::MAX);
    let reports = checks(&mut w, 20).await;
    assert!(reports.iter().all(|r| r.actions.is_empty()));
    assert!(reports
        .iter()
        .all(|r| r.health != Health::Healthy && r.symbols.is_empty()));
    let last = reports.last().unwrap();
    let ReadVerdict::ActOnReadable { actions, .. } = &last.reads else {
        panic!("{:?}", last.reads);
    };
    assert!(
        matches!(
            actions[0],
            hedge_engine::monitor::reads::BlindAction::Hold { .. }
        ),
        "{actions:?}"
    );
    assert_eq!(w.sizes(), (dec!(2), dec!(-2)));
}

#[tokio::test]
async fn a_venue_never_read_is_not_gone() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    w.b.fail_position_reads(u32::MAX);
    let reports = checks(&mut w, 20).await;
    assert!(reports.iter().all(|r| r.actions.is_empty()));
    assert_eq!(w.a.position_now(), dec!(2));
}

#[tokio::test]
async fn a_one_leg_reduce_uses_that_leg_s_own_step() {
    let mut w = world(true);
    w.a.set_position(dec!(2));
    w.b.set_position(dec!(-2));
    checks(&mut w, 1).await;
    // Lighter (step 0.01) cut to 1.23: edgex (step 0.1) is reduced by 0.8 (nearest on its
    // own step); the common grid would have floored it to 0.7 and left a mismatch.
    w.a.set_position(dec!(1.23));
    let r = checks(&mut w, 1).await;
    assert_eq!(r[0].actions.len(), 1, "{:?}", r[0].actions);
    assert_eq!(r[0].actions[0].action, "reduce_leg");
    assert!(r[0].actions[0].ok, "{:?}", r[0].actions[0]);
    assert_eq!(w.sizes(), (dec!(1.23), dec!(-1.2)));
    let r = checks(&mut w, 1).await;
    assert!(r[0].symbols[0].class.is_sound(), "{:?}", r[0].symbols);
}
