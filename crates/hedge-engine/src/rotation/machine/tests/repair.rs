//! A HOLDING mismatch (the legs no longer equal and opposite at a check) goes to the engine's
//! repair (reduce-only on the larger leg, a lone leg closed) or to HALTED with the cause,
//! never to the bot's ERROR; a hedge resized on both legs is taken as the new size.

use super::*;

struct Case {
    name: &'static str,
    /// Venue and the size it holds from t0 + 2 h (opened: beta +10 long, alpha -10 short).
    shift: (&'static str, Decimal),
    /// Positions (alpha, beta) right after the repair's check.
    repaired: (Decimal, Decimal),
    state: BotStatus,
    decision: &'static str,
    halted: bool,
    close_reason: Option<&'static str>,
}

#[tokio::test]
async fn holding_mismatch_is_repaired_or_halted_never_error() {
    let cases = [
        Case {
            name: "short leg grew: reduced back to the long leg",
            shift: ("alpha", dec!(-15)),
            repaired: (dec!(-10), dec!(10)),
            state: BotStatus::Holding,
            decision: "repair",
            halted: false,
            close_reason: None,
        },
        Case {
            name: "long leg cut: the short leg reduced to match",
            shift: ("beta", dec!(4)),
            repaired: (dec!(-4), dec!(4)),
            state: BotStatus::Holding,
            decision: "repair",
            halted: false,
            close_reason: None,
        },
        Case {
            name: "one leg gone: the lone leg closed, cycle recorded",
            shift: ("alpha", dec!(0)),
            repaired: (dec!(0), dec!(0)),
            state: BotStatus::Waiting,
            decision: "repair",
            halted: false,
            close_reason: Some("repaired_flat"),
        },
        Case {
            name: "a leg on the wrong side: HALTED with the cause",
            shift: ("alpha", dec!(10)),
            repaired: (dec!(10), dec!(10)),
            state: BotStatus::Halted,
            decision: "repair",
            halted: true,
            close_reason: None,
        },
    ];
    for c in cases {
        let h = harness(&["SOL"]);
        h.spread("SOL", dec!(0.0005));
        let at = t0() + chrono::Duration::hours(2);
        match c.shift.0 {
            "alpha" => h.a.shift_position_at("SOL", at, c.shift.1),
            _ => h.b.shift_position_at("SOL", at, c.shift.1),
        }
        let mut cfg = cfg(&["SOL"]);
        cfg.max_cycles = Some(1);
        let (mut m, tx) = h.machine(cfg, BotState::default());
        let mut rx = m.subscribe_state();
        let mut events = m.subscribe_events();
        let task = tokio::spawn(async move {
            let out = m.run().await;
            (out, m)
        });
        let seen = tokio::time::timeout(
            TIMEOUT,
            rx.wait_for(|s| s.decisions.iter().any(|d| d.kind == c.decision)),
        )
        .await
        .unwrap_or_else(|_| panic!("{}: no {} decision", c.name, c.decision))
        .unwrap()
        .clone();
        // The state the check ended in (saved with the decision, or right after it).
        let settled = tokio::time::timeout(
            TIMEOUT,
            rx.wait_for(|s| s.state == c.state || s.state == BotStatus::Error),
        )
        .await
        .unwrap_or_else(|_| panic!("{}: never {:?}", c.name, c.state))
        .unwrap()
        .clone();
        assert_eq!(settled.state, c.state, "{}", c.name);
        assert_eq!(
            (h.a.position_now("SOL"), h.b.position_now("SOL")),
            c.repaired,
            "{}",
            c.name
        );
        tx.send_replace(true);
        let (out, _m) = tokio::time::timeout(TIMEOUT, task).await.unwrap().unwrap();
        let out = out.unwrap();
        assert!(!matches!(out, RunOutcome::Error(_)), "{}: {out:?}", c.name);
        let halt = h.engine.halted().unwrap();
        assert_eq!(halt.is_some(), c.halted, "{}: {halt:?}", c.name);
        if let Some(hl) = halt {
            assert!(hl.reason.contains("SOL"), "{}: {}", c.name, hl.reason);
        }
        let d = seen
            .decisions
            .iter()
            .find(|d| d.kind == c.decision)
            .unwrap();
        assert!(
            d.reason.contains("hedge mismatch on SOL"),
            "{}: {}",
            c.name,
            d.reason
        );
        let mut kinds = Vec::new();
        while let Ok(e) = events.try_recv() {
            kinds.push(e.kind);
        }
        assert!(
            kinds.contains(&EventKind::NakedLeg),
            "{}: {kinds:?}",
            c.name
        );
        assert!(!kinds.contains(&EventKind::Error), "{}: {kinds:?}", c.name);
        let s = h.file.load().unwrap();
        if let Some(r) = c.close_reason {
            assert_eq!(
                s.completed_cycles[0].close_reason.as_deref(),
                Some(r),
                "{}",
                c.name
            );
        }
        if c.state == BotStatus::Holding {
            let p = s.current_position.unwrap();
            assert_eq!(p.entry.size_base, c.repaired.1.abs(), "{}", c.name);
            assert_eq!(p.entry.edgex_size, c.repaired.0, "{}", c.name);
            assert_eq!(p.entry.lighter_size, c.repaired.1, "{}", c.name);
        }
        // After each venue's open order, everything (repair, close) was reduce-only.
        for v in [&h.a, &h.b] {
            let subs = v.submissions("SOL");
            assert!(subs.iter().skip(1).all(|o| o.reduce_only), "{}", c.name);
        }
    }
}

#[tokio::test]
async fn both_legs_cut_equally_is_a_hedge_at_the_new_size() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let at = t0() + chrono::Duration::hours(2);
    h.a.shift_position_at("SOL", at, dec!(-6));
    h.b.shift_position_at("SOL", at, dec!(6));
    let (out, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    assert_eq!(out, RunOutcome::CyclesDone(1));
    let k = kinds(&s);
    assert!(k.contains(&"resize".to_string()), "{k:?}");
    assert!(!k.contains(&"repair".to_string()), "{k:?}");
    assert_eq!(
        s.completed_cycles[0].close_reason.as_deref(),
        Some("max_hold")
    );
    assert_eq!(h.a.position_now("SOL"), Decimal::ZERO);
    assert_eq!(h.b.position_now("SOL"), Decimal::ZERO);
    assert!(h.engine.halted().unwrap().is_none());
}

/// The journal of an open a crash interrupted after beta (long 10) filled and alpha did not.
fn interrupted_open(h: &Harness) {
    use crate::ids::{LegRole, OperationId};
    use crate::state::{JournalEntry, JournalLeg, JournalOrder, OperationKind, StateStore};
    use venue_api::Side;
    h.b.preset_position("SOL", dec!(10), Some(t0()));
    let op = OperationId::new(1_767_225_600_000).unwrap();
    let order = |leg: LegRole, venue: &str, side: Side| JournalOrder {
        venue: venue.into(),
        leg,
        client_id: op.client_id(leg, 0).unwrap(),
        side,
        size: dec!(10),
        price: dec!(100),
        reduce_only: false,
        expires_at: None,
    };
    let leg = |l: LegRole, venue: &str, side: Side| JournalLeg {
        leg: l,
        venue: venue.into(),
        side,
        size: dec!(10),
        position_before: Some(Decimal::ZERO),
    };
    let mut st = h.store.load().unwrap();
    st.record(JournalEntry {
        operation: op,
        kind: OperationKind::Open,
        symbol: "SOL".into(),
        started_at: t0(),
        legs: vec![
            leg(LegRole::Long, "beta", Side::Buy),
            leg(LegRole::Short, "alpha", Side::Sell),
        ],
        orders: vec![
            order(LegRole::Long, "beta", Side::Buy),
            order(LegRole::Short, "alpha", Side::Sell),
        ],
        outcome: None,
        recovered_at: None,
        owner: Some("pid 1 rotation-bot".into()),
    });
    h.store.save(&st).unwrap();
}

/// A crash mid-open left one leg filled (beta long 10, alpha nothing): start-up recovery
/// HALTS on the unbalanced legs, the bot has the engine close the lone leg reduce-only (what
/// the open's unwind would have done), stays HALTED for the operator, and never opens.
#[tokio::test]
async fn startup_repairs_the_lone_leg_an_interrupted_open_left_and_stays_halted() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    interrupted_open(&h);
    let (mut m, tx) = h.machine(cfg(&["SOL"]), BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    let s = tokio::time::timeout(
        TIMEOUT,
        rx.wait_for(|s| {
            s.state == BotStatus::Halted && s.decisions.iter().any(|d| d.kind == "repair")
        }),
    )
    .await
    .expect("HALTED with a repair decision")
    .unwrap()
    .clone();
    tx.send_replace(true);
    let out = tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(out, RunOutcome::Shutdown);
    assert_eq!(h.a.position_now("SOL"), Decimal::ZERO);
    assert_eq!(
        h.b.position_now("SOL"),
        Decimal::ZERO,
        "the lone leg closed"
    );
    let halt = h
        .engine
        .halted()
        .unwrap()
        .expect("still HALTED for the operator");
    assert!(halt.reason.contains("unbalanced"), "{}", halt.reason);
    let d = s.decisions.iter().find(|d| d.kind == "repair").unwrap();
    assert!(
        d.reason.contains("HALTED with unbalanced legs on SOL"),
        "{}",
        d.reason
    );
    // Only the reduce-only close of the lone leg was sent; nothing opened.
    assert!(h.a.submissions("SOL").is_empty());
    let subs = h.b.submissions("SOL");
    assert_eq!(subs.len(), 1);
    assert!(subs[0].reduce_only);
}

/// The venue refuses the repair at first (reduce-only rejected): the HALT's residual is tried
/// again a check interval later, and the lone leg is closed once the venue accepts.
#[tokio::test]
async fn a_refused_repair_while_halted_is_tried_again() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    interrupted_open(&h);
    // The first orders are refused: the first try (or tries) end HALTED.
    h.b.fault_next("SOL", vec![Fault::RejectReduceOnly; 3]);
    let (mut m, tx) = h.machine(cfg(&["SOL"]), BotState::default());
    let mut events = m.subscribe_events();
    let task = tokio::spawn(async move { m.run().await });
    // Events, not the saved state: the step clock runs days of HALTED turns in a second and
    // the state keeps one day of decisions.
    let mut refused = 0;
    let repaired = tokio::time::timeout(TIMEOUT, async {
        loop {
            match events.recv().await {
                Ok(e) if e.message.contains("repaired by the engine") => return true,
                Ok(e) if e.message.contains("not repairable reduce-only") => refused += 1,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return false,
            }
        }
    })
    .await
    .expect("a later try repairs");
    assert!(repaired);
    assert!(refused >= 1, "the first try was refused");
    tx.send_replace(true);
    tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(h.b.position_now("SOL"), Decimal::ZERO);
    assert!(
        h.engine.halted().unwrap().is_some(),
        "the HALT stays for the operator"
    );
    assert!(h.b.submissions("SOL").iter().all(|o| o.reduce_only));
}
