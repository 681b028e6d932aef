//! Reduce against in-memory venues: both legs by the same quantity, reduce-only, journaled;
//! one leg alone; already flat; refusals and HALT.

use super::tests::world;
use super::*;
use crate::ids::LegRole;
use crate::state::{OperationKind, Outcome};
use crate::testing::Fault;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

struct Case {
    name: &'static str,
    long: Decimal,
    short: Decimal,
    only: Option<LegRole>,
    quantity: Decimal,
    after: (Decimal, Decimal),
    reduced: bool,
    sent: usize,
}

#[tokio::test]
async fn reduce_table() {
    let cases = [
        Case {
            name: "both legs by the same quantity",
            long: dec!(2),
            short: dec!(-2),
            only: None,
            quantity: dec!(0.5),
            after: (dec!(1.5), dec!(-1.5)),
            reduced: true,
            sent: 2,
        },
        Case {
            name: "quantity floored to the common grid (0.1)",
            long: dec!(2),
            short: dec!(-2),
            only: None,
            quantity: dec!(0.57),
            after: (dec!(1.5), dec!(-1.5)),
            reduced: true,
            sent: 2,
        },
        Case {
            name: "more than the position closes, never flips",
            long: dec!(1),
            short: dec!(-1),
            only: None,
            quantity: dec!(3),
            after: (dec!(0), dec!(0)),
            reduced: true,
            sent: 2,
        },
        Case {
            name: "short leg was reversed side (long on short venue)",
            long: dec!(-1),
            short: dec!(1),
            only: None,
            quantity: dec!(0.3),
            after: (dec!(-0.7), dec!(0.7)),
            reduced: true,
            sent: 2,
        },
        Case {
            name: "one leg alone by the lost quantity (venue shrink)",
            long: dec!(2),
            short: dec!(-1.2),
            only: Some(LegRole::Long),
            quantity: dec!(0.8),
            after: (dec!(1.2), dec!(-1.2)),
            reduced: true,
            sent: 1,
        },
        Case {
            name: "already flat is success, nothing sent",
            long: dec!(0),
            short: dec!(0),
            only: None,
            quantity: dec!(1),
            after: (dec!(0), dec!(0)),
            reduced: true,
            sent: 0,
        },
        Case {
            name: "legs that do not hedge: nothing sent",
            long: dec!(2),
            short: dec!(-1),
            only: None,
            quantity: dec!(0.5),
            after: (dec!(2), dec!(-1)),
            reduced: false,
            sent: 0,
        },
    ];
    for c in cases {
        let w = world();
        w.long.set_position(c.long);
        w.short.set_position(c.short);
        let mut req = w.close_request();
        req.only = c.only;
        let r = w.engine.reduce(&req, c.quantity).await.unwrap();
        assert_eq!(w.positions(), c.after, "{}: {:?}", c.name, r.result);
        assert_eq!(
            matches!(r.result, ReduceResult::Reduced { .. }),
            c.reduced,
            "{}: {:?}",
            c.name,
            r.result
        );
        let subs = [w.long.submissions(), w.short.submissions()].concat();
        assert_eq!(subs.len(), c.sent, "{}", c.name);
        assert!(subs.iter().all(|o| o.reduce_only && o.expires_at.is_some()));
        if c.only.is_none() && c.sent == 2 {
            assert_eq!(subs[0].size, subs[1].size, "{}: same quantity", c.name);
        }
        assert!(w.engine.halted().unwrap().is_none(), "{}", c.name);
        let state = w.engine.state().unwrap();
        if c.sent > 0 {
            let e = state.journal.last().unwrap();
            assert_eq!(e.kind, OperationKind::Reduce, "{}", c.name);
            assert!(e.outcome.is_some(), "{}: finished", c.name);
            assert_eq!(e.orders.len(), c.sent, "{}: journaled", c.name);
        } else {
            assert!(state.journal.is_empty(), "{}", c.name);
        }
    }
}

#[tokio::test]
async fn reduce_records_what_remains() {
    let w = world();
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    let r = w
        .engine
        .reduce(&w.close_request(), dec!(0.5))
        .await
        .unwrap();
    assert_eq!(r.quantity, Some(dec!(0.5)));
    assert_eq!(
        r.target,
        Some(PairPositions {
            long: dec!(1.5),
            short: dec!(-1.5)
        })
    );
    let e = w.engine.state().unwrap().journal.pop().unwrap();
    assert_eq!(
        e.outcome,
        Some(Outcome::Remaining {
            long: dec!(1.5),
            short: dec!(-1.5)
        })
    );
}

#[tokio::test]
async fn reduce_that_leaves_one_side_halts_and_runs_while_halted() {
    let w = world();
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    w.short.set_sticky_fault(Some(Fault::Reject));
    let r = w.engine.reduce(&w.close_request(), dec!(1)).await.unwrap();
    assert!(
        matches!(r.result, ReduceResult::Halted { .. }),
        "{:?}",
        r.result
    );
    assert_eq!(w.positions(), (dec!(1), dec!(-2)));
    assert!(w.engine.halted().unwrap().is_some());
    // HALTED: a reduce of the excess still runs (it only reduces).
    w.short.set_sticky_fault(None);
    let mut req = w.close_request();
    req.only = Some(LegRole::Short);
    let r = w.engine.reduce(&req, dec!(1)).await.unwrap();
    assert_eq!(
        r.result,
        ReduceResult::Reduced {
            already_flat: false
        }
    );
    assert_eq!(w.positions(), (dec!(1), dec!(-1)));
}

#[tokio::test]
async fn reduce_refuses_a_non_positive_or_sub_step_quantity() {
    let w = world();
    w.long.set_position(dec!(2));
    w.short.set_position(dec!(-2));
    for q in [dec!(0), dec!(-1), dec!(0.05)] {
        assert!(w.engine.reduce(&w.close_request(), q).await.is_err(), "{q}");
    }
    assert!(w.long.submissions().is_empty() && w.short.submissions().is_empty());
    assert!(w.engine.state().unwrap().journal.is_empty());
}
