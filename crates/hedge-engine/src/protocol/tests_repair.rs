//! Repair of a mismatched hedge against in-memory venues: the larger leg reduced by the
//! excess (reduce-only, journaled), a lone leg closed, balanced legs untouched, and HALTED
//! with the cause when no reduce-only trade can restore the hedge.

use super::tests::world;
use super::*;
use crate::ids::LegRole;
use crate::testing::Fault;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

struct Case {
    name: &'static str,
    long: Decimal,
    short: Decimal,
    fault_long: Option<Fault>,
    after: (Decimal, Decimal),
    result: &'static str,
    sent: usize,
    halted: bool,
}

fn kind(r: &RepairResult) -> &'static str {
    match r {
        RepairResult::Balanced => "balanced",
        RepairResult::Repaired { flat: false, .. } => "repaired",
        RepairResult::Repaired { flat: true, .. } => "repaired_flat",
        RepairResult::Halted { .. } => "halted",
    }
}

#[tokio::test]
async fn repair_table() {
    let cases = [
        Case {
            name: "long leg larger: reduced by the excess",
            long: dec!(2),
            short: dec!(-1.2),
            fault_long: None,
            after: (dec!(1.2), dec!(-1.2)),
            result: "repaired",
            sent: 1,
            halted: false,
        },
        Case {
            name: "short leg larger: reduced by the excess",
            long: dec!(1),
            short: dec!(-1.5),
            fault_long: None,
            after: (dec!(1), dec!(-1)),
            result: "repaired",
            sent: 1,
            halted: false,
        },
        Case {
            name: "excess off the grid: the bulk reduced, the remainder HALTS",
            long: dec!(2.04),
            short: dec!(-1),
            fault_long: None,
            after: (dec!(1.04), dec!(-1)),
            result: "halted",
            sent: 1,
            halted: true,
        },
        Case {
            name: "partner gone: the lone leg is closed",
            long: dec!(0),
            short: dec!(-1),
            fault_long: None,
            after: (dec!(0), dec!(0)),
            result: "repaired_flat",
            sent: 1,
            halted: false,
        },
        Case {
            name: "equal and opposite: nothing sent",
            long: dec!(1),
            short: dec!(-1),
            fault_long: None,
            after: (dec!(1), dec!(-1)),
            result: "balanced",
            sent: 0,
            halted: false,
        },
        Case {
            name: "both flat: nothing sent",
            long: dec!(0),
            short: dec!(0),
            fault_long: None,
            after: (dec!(0), dec!(0)),
            result: "balanced",
            sent: 0,
            halted: false,
        },
        Case {
            name: "a leg on the wrong side: HALTED, nothing sent",
            long: dec!(1),
            short: dec!(0.5),
            fault_long: None,
            after: (dec!(1), dec!(0.5)),
            result: "halted",
            sent: 0,
            halted: true,
        },
        Case {
            name: "excess below one step: HALTED, nothing sent",
            long: dec!(1.07),
            short: dec!(-1),
            fault_long: None,
            after: (dec!(1.07), dec!(-1)),
            result: "halted",
            sent: 0,
            halted: true,
        },
        Case {
            name: "the reduce is refused: HALTED with the cause",
            long: dec!(2),
            short: dec!(-1),
            fault_long: Some(Fault::RejectReduceOnly),
            after: (dec!(2), dec!(-1)),
            result: "halted",
            // refused before the venue records it
            sent: 0,
            halted: true,
        },
    ];
    for c in cases {
        let w = world();
        w.long.set_position(c.long);
        w.short.set_position(c.short);
        w.long.set_sticky_fault(c.fault_long);
        let r = w.engine.repair_mismatch(&w.close_request()).await.unwrap();
        assert_eq!(kind(&r.result), c.result, "{}: {:?}", c.name, r.result);
        assert_eq!(w.positions(), c.after, "{}", c.name);
        assert_eq!(
            r.before,
            PairPositions {
                long: c.long,
                short: c.short
            },
            "{}",
            c.name
        );
        let subs = [w.long.submissions(), w.short.submissions()].concat();
        assert!(
            subs.len() >= c.sent.min(1) && subs.len() <= c.sent.max(1) * 4,
            "{}: {} orders",
            c.name,
            subs.len()
        );
        if c.sent == 0 {
            assert!(subs.is_empty(), "{}", c.name);
        }
        assert!(
            subs.iter().all(|o| o.reduce_only),
            "{}: reduce-only",
            c.name
        );
        let halt = w.engine.halted().unwrap();
        assert_eq!(halt.is_some(), c.halted, "{}: {halt:?}", c.name);
        if let (Some(h), RepairResult::Halted { reason }) = (&halt, &r.result) {
            assert!(!h.reason.is_empty() && !reason.is_empty(), "{}", c.name);
            assert_eq!(&h.reason, reason, "{}: the cause is the halt's", c.name);
            assert!(
                h.reason.contains("HYPE") || h.reason.contains("alpha"),
                "{}: names the legs: {}",
                c.name,
                h.reason
            );
        }
    }
}

#[tokio::test]
async fn repair_runs_while_halted_and_names_the_leg() {
    let w = world();
    w.long.set_position(dec!(1));
    w.short.set_position(dec!(-3));
    // HALTED first (a leg on the wrong side), then the legs are mismatched the usual way.
    w.long.set_position(dec!(-1));
    let r = w.engine.repair_mismatch(&w.close_request()).await.unwrap();
    assert_eq!(kind(&r.result), "halted");
    w.long.set_position(dec!(1));
    let r = w.engine.repair_mismatch(&w.close_request()).await.unwrap();
    assert_eq!(
        r.result,
        RepairResult::Repaired {
            leg: LegRole::Short,
            quantity: dec!(2),
            flat: false
        }
    );
    assert_eq!(w.positions(), (dec!(1), dec!(-1)));
    let e = w.engine.state().unwrap().journal.pop().unwrap();
    assert_eq!(e.kind, crate::state::OperationKind::Reduce);
}
