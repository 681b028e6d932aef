//! One leg on its venue alone (`trade_one_leg`): the other venue is never contacted (its
//! reads fail throughout), a reduce is put on the leg's own step, refusals send nothing, a
//! leg that does not reach its target HALTS.

use super::tests::world;
use super::*;
use crate::ids::{LegRole, OperationId};
use crate::state::{JournalEntry, OperationKind, Outcome, StateStore};
use crate::testing::Fault;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn request(w: &super::tests::World, reduce_by: Option<Decimal>, other: Decimal) -> OneLegRequest {
    OneLegRequest {
        symbol: "HYPE".into(),
        venue: w.long.clone(),
        role: LegRole::Long,
        other_venue: "beta".into(),
        other_last_known: other,
        reduce_by,
        pricing: crate::pricing::PricingPolicy::default(),
    }
}

struct Case {
    name: &'static str,
    long: Decimal,
    reduce_by: Option<Decimal>,
    other: Decimal,
    after: Decimal,
    sent: usize,
    outcome: Option<Outcome>,
}

#[tokio::test]
async fn one_leg_table_with_the_other_venue_unreadable() {
    let cases = [
        Case {
            name: "close: the other leg is known gone",
            long: dec!(2),
            reduce_by: None,
            other: dec!(0),
            after: dec!(0),
            sent: 1,
            outcome: Some(Outcome::Flat),
        },
        Case {
            name: "reduce on the leg's own step (0.01), not the common grid (0.1)",
            long: dec!(2),
            reduce_by: Some(dec!(0.77)),
            other: dec!(-1.23),
            after: dec!(1.23),
            sent: 1,
            outcome: Some(Outcome::Remaining {
                long: dec!(1.23),
                short: dec!(-1.23),
            }),
        },
        Case {
            name: "reduce to the nearest step, ties down",
            long: dec!(2),
            reduce_by: Some(dec!(0.775)),
            other: dec!(-1.23),
            after: dec!(1.23),
            sent: 1,
            outcome: Some(Outcome::Remaining {
                long: dec!(1.23),
                short: dec!(-1.23),
            }),
        },
        Case {
            name: "more than the leg closes it, never flips",
            long: dec!(1),
            reduce_by: Some(dec!(5)),
            other: dec!(0),
            after: dec!(0),
            sent: 1,
            outcome: Some(Outcome::Flat),
        },
        Case {
            name: "already flat: success, nothing sent, nothing journaled",
            long: dec!(0),
            reduce_by: None,
            other: dec!(0),
            after: dec!(0),
            sent: 0,
            outcome: None,
        },
    ];
    for c in cases {
        let w = world();
        w.long.set_position(c.long);
        w.short.set_position(dec!(-7));
        // The other venue is blind: every read of it would fail.
        w.short.fail_position_reads(u32::MAX);
        let r = w
            .engine
            .trade_one_leg(&request(&w, c.reduce_by, c.other))
            .await
            .unwrap();
        assert!(
            matches!(r.result, CloseResult::Flat { .. }),
            "{}: {:?}",
            c.name,
            r.result
        );
        assert_eq!(w.long.position_now(), c.after, "{}", c.name);
        assert_eq!(
            w.short.position_now(),
            dec!(-7),
            "{}: other untouched",
            c.name
        );
        assert!(w.short.submissions().is_empty(), "{}", c.name);
        let subs = w.long.submissions();
        assert_eq!(subs.len(), c.sent, "{}", c.name);
        assert!(subs.iter().all(|o| o.reduce_only && o.expires_at.is_some()));
        assert!(w.engine.halted().unwrap().is_none(), "{}", c.name);
        let state = w.engine.state().unwrap();
        match &c.outcome {
            Some(o) => {
                let e = state.journal.last().unwrap();
                assert_eq!(e.outcome.as_ref(), Some(o), "{}", c.name);
                assert_eq!(e.orders.len(), c.sent, "{}: journaled", c.name);
                let kind = if c.reduce_by.is_some() {
                    OperationKind::Reduce
                } else {
                    OperationKind::CloseLeg
                };
                assert_eq!(e.kind, kind, "{}", c.name);
                assert_eq!(e.legs.len(), 1, "{}: one leg journaled", c.name);
            }
            None => assert!(state.journal.is_empty(), "{}", c.name),
        }
    }
}

#[tokio::test]
async fn refusals_send_nothing() {
    // A quantity that rounds to zero on the leg's step, a non-positive one, and an
    // unresolved interrupted operation (recovery needs both venues).
    for q in [Some(dec!(0.004)), Some(dec!(0)), Some(dec!(-1))] {
        let w = world();
        w.long.set_position(dec!(2));
        assert!(
            w.engine
                .trade_one_leg(&request(&w, q, dec!(0)))
                .await
                .is_err(),
            "{q:?}"
        );
        assert!(w.long.submissions().is_empty(), "{q:?}");
        assert!(w.engine.state().unwrap().journal.is_empty(), "{q:?}");
    }
    let w = world();
    w.long.set_position(dec!(2));
    let mut s = w.store.load().unwrap();
    s.record(JournalEntry {
        operation: OperationId::next(None, 1).unwrap(),
        kind: OperationKind::Open,
        symbol: "HYPE".into(),
        started_at: w.engine.now(),
        legs: Vec::new(),
        orders: Vec::new(),
        outcome: None,
        recovered_at: None,
        owner: None,
    });
    w.store.save(&s).unwrap();
    let e = w
        .engine
        .trade_one_leg(&request(&w, None, dec!(0)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("recovery needs both venues"), "{e}");
    assert!(w.long.submissions().is_empty());
}

#[tokio::test]
async fn a_leg_that_does_not_close_halts_naming_the_blind_venue() {
    let w = world();
    w.long.set_position(dec!(2));
    w.long.set_sticky_fault(Some(Fault::Reject));
    let r = w
        .engine
        .trade_one_leg(&request(&w, None, dec!(0)))
        .await
        .unwrap();
    let CloseResult::Halted { reason } = &r.result else {
        panic!("{:?}", r.result);
    };
    assert!(reason.contains("beta"), "{reason}");
    let halt = w.engine.halted().unwrap().unwrap();
    assert_eq!(halt.residual.len(), 2);
    assert_eq!(
        halt.residual[1].size, None,
        "the blind venue's size is unknown"
    );
    assert_eq!(w.long.position_now(), dec!(2));
}
