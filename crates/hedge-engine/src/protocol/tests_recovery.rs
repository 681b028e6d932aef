//! Crash recovery, never opening twice, close that only reduces, certain outcomes, and the
//! account lock, against in-memory venues.

use super::tests::{world, World};
use super::*;
use crate::lock::AccountLock;
use crate::sizing::SizeRequest;
use crate::state::{OperationKind, Outcome, StateStore};
use crate::testing::Fault;
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;
use venue_api::Venue;

fn all(w: &World) -> Vec<Arc<dyn Venue>> {
    vec![w.long.clone(), w.short.clone()]
}

/// Simulates a crash after the sends: the operation's outcome was never recorded.
fn forget_outcome(w: &World, op: crate::ids::OperationId) {
    let mut s = w.store.load().unwrap();
    s.entry_mut(op).unwrap().outcome = None;
    w.store.save(&s).unwrap();
}

#[tokio::test]
async fn crash_after_a_complete_hedge_is_recovered_and_the_next_open_refuses() {
    let w = world();
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    let op = r.operation.unwrap();
    forget_outcome(&w, op);
    assert_eq!(w.store.load().unwrap().unfinished().len(), 1);
    let rec = w.engine.recover(&all(&w)).await.unwrap();
    assert_eq!(rec.operations.len(), 1);
    assert_eq!(
        rec.operations[0].outcome,
        Some(Outcome::Hedged { size: dec!(2) })
    );
    assert!(rec.operations[0].orders.iter().all(|o| o.found));
    assert!(rec.clean());
    let entry = w.store.load().unwrap().journal[0].clone();
    assert!(entry.recovered_at.is_some() && !entry.unfinished());
    // Never open twice: the hedge exists, so a plain open refuses (balanced: exit 4).
    let submitted = w.long.submissions().len();
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::PositionsExist { balanced: true, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--add"), "{err}");
    assert_eq!(w.long.submissions().len(), submitted, "nothing resent");
    // With --add it adds, and says what it added.
    let mut add = w.open_request(SizeRequest::Base(dec!(1)));
    add.add = true;
    let r = w.engine.open(&add).await.unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(1),
            requested: dec!(1)
        }
    );
    assert_eq!(w.positions(), (dec!(3), dec!(-3)));
}

#[tokio::test]
async fn crash_with_one_leg_filled_halts_with_the_true_residual() {
    let w = world();
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    forget_outcome(&w, r.operation.unwrap());
    w.short.set_position(dec!(0)); // the short fill never happened
    let rec = w.engine.recover(&all(&w)).await.unwrap();
    assert!(rec.operations[0].halted);
    let halt = rec.halted.clone().expect("HALTED");
    assert!(halt.reason.contains("interrupted"), "{}", halt.reason);
    assert_eq!(halt.residual[0].size, Some(dec!(2)));
    assert_eq!(halt.residual[1].size, Some(dec!(0)));
    assert!(!rec.clean());
    // Open refuses while HALTED; close (reduce-only) still runs.
    assert!(matches!(
        w.engine
            .open(&w.open_request(SizeRequest::Base(dec!(1))))
            .await,
        Err(EngineError::Halted { .. })
    ));
    let c = w.engine.close(&w.close_request()).await.unwrap();
    assert_eq!(
        c.result,
        CloseResult::Flat {
            already_flat: false
        }
    );
    assert!(
        w.engine.halted().unwrap().is_some(),
        "HALT stays until resume"
    );
}

#[tokio::test]
async fn an_entry_without_orders_was_never_sent() {
    let w = world();
    let mut s = w.store.load().unwrap();
    s.record(crate::state::JournalEntry {
        operation: crate::ids::OperationId::new(7).unwrap(),
        kind: OperationKind::Close,
        symbol: "HYPE".into(),
        started_at: chrono::Utc::now(),
        legs: vec![],
        orders: vec![],
        outcome: None,
        recovered_at: None,
        owner: None,
    });
    w.store.save(&s).unwrap();
    let rec = w.engine.recover(&all(&w)).await.unwrap();
    assert!(matches!(
        rec.operations[0].outcome,
        Some(Outcome::Aborted { .. })
    ));
    assert!(rec.clean());
}

#[tokio::test]
async fn open_recovers_first_and_reports_it() {
    let w = world();
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    forget_outcome(&w, r.operation.unwrap());
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::PositionsExist { .. }), "{err}");
    assert!(w.store.load().unwrap().unfinished().is_empty());
}

#[tokio::test]
async fn unbalanced_positions_in_another_symbol_refuse_open() {
    let w = world();
    // A position in the mock's only market is the configured one; an open of another
    // symbol sees it as "another symbol".
    w.long.set_position(dec!(1));
    w.short.set_position(dec!(-1));
    let mut req = w.open_request(SizeRequest::Base(dec!(1)));
    req.add = true;
    // Balanced hedge in this symbol + add: allowed.
    assert!(w.engine.open(&req).await.is_ok());
    w.short.set_position(dec!(0));
    let err = w.engine.open(&req).await.unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::PositionsExist {
                balanced: false,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn close_sends_nothing_when_one_leg_cannot_be_priced() {
    let w = world();
    w.engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    let before = (w.long.submissions().len(), w.short.submissions().len());
    w.short.set_book(None, None);
    let r = w.engine.close(&w.close_request()).await.unwrap();
    assert!(
        matches!(r.result, CloseResult::NothingSent { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(
        (w.long.submissions().len(), w.short.submissions().len()),
        before
    );
    assert_eq!(w.positions(), (dec!(2), dec!(-2)));
    assert!(w.engine.halted().unwrap().is_none(), "no HALT");
    assert!(w.store.load().unwrap().unfinished().is_empty());
}

#[tokio::test]
async fn close_one_leg_alone() {
    let w = world();
    w.long.set_position(dec!(1.5));
    let mut req = w.close_request();
    req.only = Some(crate::ids::LegRole::Long);
    let r = w.engine.close(&req).await.unwrap();
    assert_eq!(
        r.result,
        CloseResult::Flat {
            already_flat: false
        }
    );
    assert!(w.short.submissions().is_empty());
    assert_eq!(w.positions(), (dec!(0), dec!(0)));
}

#[tokio::test]
async fn a_5xx_after_booking_is_looked_up_never_counted_as_not_placed() {
    let w = world();
    w.short.push_faults([Fault::BookedThen5xx]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(2),
            requested: dec!(2)
        }
    );
    assert_eq!(w.short.submissions().len(), 1, "never resent");
    assert!(r.orders[1].resolved_by_lookup);
    assert_eq!(r.naked_ms, 0);
}

#[tokio::test]
async fn an_accepted_order_never_found_past_its_expiry_is_repaired() {
    // Answered 200, never booked: looked up for the settle window, cancelled, and once past
    // its expiry (it can no longer execute) counted as not placed, so a repair is sent.
    let w = world();
    w.short.push_faults([Fault::Dropped]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(2),
            requested: dec!(2)
        },
        "{:?}",
        r.warnings
    );
    let subs = w.short.submissions();
    assert_eq!(subs.len(), 2, "the dropped order, then one repair");
    assert_ne!(subs[0].client_id, subs[1].client_id, "never resent");
    assert_eq!(r.orders[1].outcome, LegOutcome::Rejected);
    assert!(r.orders[1]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("past its expiry"));
}

#[tokio::test]
async fn a_definite_refusal_is_unwound_at_once_not_repaired() {
    let w = world();
    w.short.set_sticky_fault(Some(Fault::InsufficientMargin));
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    assert!(
        matches!(r.result, HedgeResult::NothingOpened { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(
        w.short.submissions().len(),
        0,
        "refused orders are not booked"
    );
    let opens_on_short = r.orders.iter().filter(|o| o.venue == "beta").count();
    assert_eq!(opens_on_short, 1, "no repair after a definite refusal");
    assert_eq!(w.positions(), (dec!(0), dec!(0)));
    assert!(r.naked_ms > 0 || r.orders.iter().any(|o| o.purpose == OrderPurpose::Unwind));
}

#[tokio::test]
async fn a_second_trader_waits_then_fails_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let lock_path = dir.path().join("hedge_state.json.lock");
    let w = world();
    let engine = HedgeEngine::new(
        Arc::new(crate::testing::FastClock::default()),
        w.store.clone(),
        ExecutionOptions::default(),
    )
    .with_account_lock(AccountLock::new(&lock_path, Duration::from_millis(150)));
    let held = AccountLock::new(&lock_path, Duration::from_millis(10))
        .acquire("open")
        .await
        .unwrap();
    let err = engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Locked(_)), "{err}");
    assert!(err.to_string().contains("command open"), "{err}");
    assert!(w.long.submissions().is_empty());
    drop(held);
    assert!(engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .is_ok());
}
