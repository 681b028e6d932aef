//! The two-leg protocol against in-memory venues with injected faults.

use super::*;
use crate::ids::{LegRole, OperationId};
use crate::pricing::PricingPolicy;
use crate::sizing::SizeRequest;
use crate::state::{MemoryStore, StateStore};
use crate::testing::{FastClock, Fault, MockVenue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::Arc;

pub(super) struct World {
    pub(super) long: Arc<MockVenue>,
    pub(super) short: Arc<MockVenue>,
    pub(super) store: Arc<MemoryStore>,
    pub(super) engine: HedgeEngine,
}

pub(super) fn world() -> World {
    // Long venue: 0.01 step; short venue: 0.1 step -> common grid 0.1. Mid ~ 40.
    let long = Arc::new(MockVenue::new(
        "alpha",
        "HYPE",
        dec!(0.001),
        dec!(0.01),
        dec!(39.99),
        dec!(40.01),
        dec!(10000),
    ));
    let short = Arc::new(MockVenue::new(
        "beta",
        "HYPE",
        dec!(0.01),
        dec!(0.1),
        dec!(39.98),
        dec!(40.02),
        dec!(10000),
    ));
    let store = Arc::new(MemoryStore::default());
    let engine = HedgeEngine::new(
        Arc::new(FastClock::default()),
        store.clone(),
        ExecutionOptions::default(),
    );
    World {
        long,
        short,
        store,
        engine,
    }
}

impl World {
    pub(super) fn venues(&self) -> LegVenues {
        LegVenues {
            long: self.long.clone(),
            short: self.short.clone(),
        }
    }

    pub(super) fn open_request(&self, size: SizeRequest) -> OpenRequest {
        OpenRequest {
            symbol: "HYPE".into(),
            venues: self.venues(),
            leverage: 5,
            size,
            pricing: PricingPolicy {
                cross_ticks: 10,
                ..PricingPolicy::default()
            },
            leg_mode: LegMode::Concurrent,
            dry_run: false,
            add: false,
        }
    }

    pub(super) fn close_request(&self) -> CloseRequest {
        CloseRequest {
            symbol: "HYPE".into(),
            venues: self.venues(),
            pricing: PricingPolicy::default(),
            dry_run: false,
            only: None,
        }
    }

    pub(super) fn positions(&self) -> (Decimal, Decimal) {
        (self.long.position_now(), self.short.position_now())
    }
}

#[tokio::test]
async fn clean_open_is_verified_hedged_with_distinct_journaled_ids() {
    let w = world();
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Quote(dec!(200))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(5.0),
            requested: dec!(5.0)
        }
    );
    assert_eq!(w.positions(), (dec!(5.0), dec!(-5.0)));
    assert_eq!(r.orders.len(), 2);
    assert!(r.orders.iter().all(|o| o.outcome == LegOutcome::Filled));
    assert!(r.leg_skew_us.is_some());
    let op = r.operation.unwrap();
    let ids: Vec<_> = r
        .orders
        .iter()
        .map(|o| OperationId::decode(o.request.client_id).unwrap())
        .collect();
    assert!(ids.contains(&(op, LegRole::Long, 0)) && ids.contains(&(op, LegRole::Short, 0)));
    let state = w.store.load().unwrap();
    assert!(state.halted.is_none());
    let entry = state.journal.iter().find(|e| e.operation == op).unwrap();
    assert_eq!(entry.orders.len(), 2);
    assert_eq!(
        entry.outcome,
        Some(crate::state::Outcome::Hedged { size: dec!(5.0) })
    );
    assert_eq!(entry.kind, crate::state::OperationKind::Open);
    assert_eq!(entry.legs.len(), 2);
    assert!(entry.orders.iter().all(|o| o.expires_at.is_some()));
    assert_eq!(r.naked_ms, 0);
    // Both orders are IOC and aggressive: buy above the ask, sell below the bid.
    let long_order = &w.long.submissions()[0];
    assert!(long_order.price > dec!(40.01) && !long_order.reduce_only);
    assert!(w.short.submissions()[0].price < dec!(39.98));
}

#[tokio::test]
async fn rejected_leg_is_retried_within_the_bound() {
    let w = world();
    w.short.push_faults([Fault::Reject]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(2),
            requested: dec!(2.0)
        }
    );
    assert_eq!(w.positions(), (dec!(2), dec!(-2)));
    let purposes: Vec<_> = r
        .orders
        .iter()
        .map(|o| (o.venue.as_str(), o.purpose, o.outcome))
        .collect();
    assert!(
        purposes.contains(&("beta", OrderPurpose::Repair, LegOutcome::Filled)),
        "{purposes:?}"
    );
}

#[tokio::test]
async fn persistent_reject_unwinds_the_filled_leg_and_opens_nothing() {
    let w = world();
    w.short.set_sticky_fault(Some(Fault::Reject));
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
    assert_eq!(w.positions(), (dec!(0), dec!(0)));
    let unwind = r
        .orders
        .iter()
        .find(|o| o.purpose == OrderPurpose::Unwind)
        .unwrap();
    assert!(unwind.request.reduce_only && unwind.venue == "alpha");
    assert!(w.engine.halted().unwrap().is_none());
}

#[tokio::test]
async fn failed_unwind_halts_and_every_trade_refuses_until_resume() {
    let w = world();
    w.short.set_sticky_fault(Some(Fault::Reject));
    w.long.push_faults([Fault::PartialFill(Decimal::ONE)]); // first order fills normally
    w.long.set_sticky_fault(Some(Fault::RejectReduceOnly));
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(2))))
        .await
        .unwrap();
    let reason = match &r.result {
        HedgeResult::Halted { reason } => reason.clone(),
        other => panic!("expected HALTED, got {other:?}"),
    };
    // L7: the reason names the failing steps and their errors, not only "unbalanced".
    assert!(reason.contains("unbalanced"), "{reason}");
    assert!(
        reason.contains("cause: alpha unwind attempt")
            && reason.contains("beta repair attempt 2")
            && reason.contains("MOCK_REJECT"),
        "{reason}"
    );
    assert_eq!(w.positions(), (dec!(2), dec!(0)));
    let halt = w.engine.halted().unwrap().expect("halt persisted");
    assert_eq!(halt.residual[0].size, Some(dec!(2)));
    assert_eq!(halt.reason, reason, "the persisted HALT carries the cause");
    let again = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await;
    assert!(matches!(again, Err(EngineError::Halted { .. })));
    // Close only reduces: it runs while HALTED, and the HALT stays until `resume`.
    let still = w.engine.close(&w.close_request()).await.unwrap();
    assert!(
        matches!(&still.result, CloseResult::Halted { reason } if reason.contains("cause: alpha close attempt")),
        "{:?}",
        still.result
    );
    w.long.set_sticky_fault(None);
    let closed = w.engine.close(&w.close_request()).await.unwrap();
    assert_eq!(
        closed.result,
        CloseResult::Flat {
            already_flat: false
        }
    );
    assert_eq!(w.positions(), (dec!(0), dec!(0)));
    assert!(w.engine.halted().unwrap().is_some());
    assert!(w.engine.resume().unwrap().is_some());
    assert!(w.engine.halted().unwrap().is_none());
}

#[tokio::test]
async fn partial_fill_is_topped_up() {
    let w = world();
    w.short.push_faults([Fault::PartialFill(dec!(0.4))]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(3))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(3),
            requested: dec!(3.0)
        }
    );
    assert_eq!(r.orders[1].outcome, LegOutcome::Partial);
    assert_eq!(w.positions(), (dec!(3), dec!(-3)));
}

#[tokio::test]
async fn lost_answer_after_accept_is_found_by_client_id_and_not_sent_twice() {
    let w = world();
    w.short.push_faults([Fault::LoseAnswerAfterAccept]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(1),
            requested: dec!(1.0)
        }
    );
    let short_exec = r.orders.iter().find(|o| o.venue == "beta").unwrap();
    assert!(short_exec.resolved_by_lookup);
    assert_eq!(short_exec.outcome, LegOutcome::Filled);
    assert_eq!(w.short.submissions().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn lost_request_is_looked_up_then_retried_under_a_new_id() {
    let w = world();
    w.short.push_faults([Fault::LoseRequest]);
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(1),
            requested: dec!(1.0)
        }
    );
    let subs = w.short.submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(
        OperationId::decode(subs[0].client_id).unwrap().2,
        1,
        "the retry carries attempt 1"
    );
}

#[tokio::test]
async fn sequential_mode_sizes_the_hedge_from_the_pilot_fill() {
    let w = world();
    w.long.push_faults([Fault::PartialFill(dec!(0.5))]);
    let mut req = w.open_request(SizeRequest::Base(dec!(2)));
    req.leg_mode = LegMode::Sequential {
        pilot: LegRole::Long,
    };
    let r = w.engine.open(&req).await.unwrap();
    assert_eq!(
        r.result,
        HedgeResult::Hedged {
            size: dec!(1.00),
            requested: dec!(2.0)
        }
    );
    assert_eq!(w.short.submissions()[0].size, dec!(1.0));
    assert_eq!(w.positions(), (dec!(1), dec!(-1)));
}

#[tokio::test]
async fn leverage_that_does_not_read_back_stops_before_any_order() {
    let w = world();
    w.short.ignore_leverage();
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::LeverageNotApplied { .. }),
        "{err}"
    );
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}

#[tokio::test]
async fn state_that_cannot_be_saved_stops_before_any_order() {
    let w = world();
    w.store.fail_saves(true);
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::State(_)), "{err}");
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}

#[tokio::test]
async fn dry_run_signs_but_sends_nothing() {
    let w = world();
    let mut req = w.open_request(SizeRequest::Base(dec!(1)));
    req.dry_run = true;
    let r = w.engine.open(&req).await.unwrap();
    assert_eq!(r.result, HedgeResult::DryRun);
    assert_eq!(r.plan.previews.len(), 2);
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}

#[tokio::test]
async fn existing_naked_position_refuses_to_open() {
    let w = world();
    w.long.set_position(dec!(1));
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap_err();
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
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}

#[tokio::test]
async fn unreadable_positions_before_trading_send_nothing() {
    let w = world();
    w.long.fail_position_reads(1_000);
    let err = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::Venue {
                action: "position read",
                ..
            }
        ),
        "{err}"
    );
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}

#[tokio::test]
async fn unreadable_positions_after_sending_halt_instead_of_guessing() {
    let w = world();
    w.long.fail_position_reads_after_first_order();
    let r = w
        .engine
        .open(&w.open_request(SizeRequest::Base(dec!(1))))
        .await
        .unwrap();
    match &r.result {
        HedgeResult::Halted { reason } => assert!(reason.contains("could not be read"), "{reason}"),
        other => panic!("expected HALTED, got {other:?}"),
    }
    let halt = w.engine.halted().unwrap().unwrap();
    assert_eq!(halt.residual[0].size, None, "unknown, never assumed flat");
}

#[tokio::test]
async fn close_is_reduce_only_and_already_flat_is_success() {
    let w = world();
    let flat = w.engine.close(&w.close_request()).await.unwrap();
    assert_eq!(flat.result, CloseResult::Flat { already_flat: true });
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    let r = w.engine.close(&w.close_request()).await.unwrap();
    assert_eq!(
        r.result,
        CloseResult::Flat {
            already_flat: false
        }
    );
    assert!(r
        .orders
        .iter()
        .all(|o| o.request.reduce_only && o.purpose == OrderPurpose::Close));
    assert_eq!(w.positions(), (dec!(0), dec!(0)));
}

#[tokio::test]
async fn close_that_leaves_one_side_halts() {
    let w = world();
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    w.short.set_sticky_fault(Some(Fault::Reject));
    let r = w.engine.close(&w.close_request()).await.unwrap();
    assert!(
        matches!(r.result, CloseResult::Halted { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(w.positions(), (dec!(0), dec!(-2)));
    assert!(w.engine.halted().unwrap().is_some());
}

#[tokio::test]
async fn close_that_cannot_trade_either_side_reports_remaining_hedge() {
    let w = world();
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    w.long.set_sticky_fault(Some(Fault::Reject));
    w.short.set_sticky_fault(Some(Fault::Reject));
    let r = w.engine.close(&w.close_request()).await.unwrap();
    assert!(
        matches!(r.result, CloseResult::Remaining { .. }),
        "{:?}",
        r.result
    );
    assert!(w.engine.halted().unwrap().is_none());
}

/// M1: the short order is accepted but its status cannot be read (outcome unknown), and its
/// fill shows in positions only on the second read after the grace. Positions are polled until
/// they are stable for a grace within the range the unknown order allows: the late fill is
/// seen, no repair is sent, and the hedge is verified.
#[tokio::test]
async fn unknown_order_whose_fill_shows_late_is_waited_for_not_repaired() {
    let w = world();
    w.short.fail_order_status(true);
    w.short.push_faults([Fault::LateFill(2)]);
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
    assert_eq!(r.orders[1].outcome, LegOutcome::Unknown);
    assert_eq!(w.short.submissions().len(), 1, "no second short was sent");
    assert_eq!(w.long.submissions().len(), 1, "nothing was unwound");
    assert_eq!(w.positions(), (dec!(2), dec!(-2)));
}

/// D12: a dry run sends nothing, but says when the real open would be refused.
#[tokio::test]
async fn dry_run_warns_when_the_real_open_would_be_refused() {
    let w = world();
    let mut req = w.open_request(SizeRequest::Base(dec!(1)));
    req.dry_run = true;
    let clean = w.engine.open(&req).await.unwrap();
    assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
    w.long.set_position(dec!(1));
    w.short.set_position(dec!(-1));
    let r = w.engine.open(&req).await.unwrap();
    assert_eq!(r.result, HedgeResult::DryRun);
    assert!(
        r.warnings
            .iter()
            .any(|x| x.contains("the real open would be refused") && x.contains("--add")),
        "{:?}",
        r.warnings
    );
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
    // HALTED: the dry run still signs (it sends nothing) and says the open would be refused.
    let mut st = w.store.load().unwrap();
    st.halted = Some(crate::state::Halt {
        since: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        reason: "test".into(),
        operation: None,
        residual: Vec::new(),
    });
    w.store.save(&st).unwrap();
    let r = w.engine.open(&req).await.unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|x| x.contains("refused: trading is HALTED since 1970-01-01 00:00:00 UTC")),
        "{:?}",
        r.warnings
    );
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
}
