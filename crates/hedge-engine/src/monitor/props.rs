//! Property tests across the monitor: the runway formula checked against the definition
//! (at the computed price, equity equals the maintenance requirement), and the REDUCE
//! quantity's invariants (on the common grid, never more than the smaller leg, and the venue
//! back on target afterwards).

use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::ladder::{reduce_quantity, LadderSettings, ReduceLeg};
use super::runway::{venue_runway, Runway, RunwaySettings};
use super::{PositionFigures, VenueFigures};
use crate::grid;

fn one(equity: Decimal, size: Decimal, mark: Decimal, m: Decimal) -> VenueFigures {
    VenueFigures {
        venue: "v".to_owned(),
        equity,
        maintenance_requirement: None,
        margin_usage: None,
        positions: vec![PositionFigures {
            symbol: "BTC".to_owned(),
            size,
            entry_price: Some(mark),
            mark_price: Some(mark),
            liquidation_price: None,
            maintenance_fraction: Some(m),
            unsettled_funding: None,
            unrealized_pnl: None,
        }],
    }
}

fn step() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(dec!(0.001)),
        Just(dec!(0.01)),
        Just(dec!(0.1)),
        Just(dec!(0.02)),
        Just(dec!(0.05)),
        Just(dec!(1)),
    ]
}

proptest! {
    /// Moving the mark to the computed price brings equity exactly to the requirement.
    #[test]
    fn runway_price_is_the_maintenance_line(
        size_milli in 1i64..10_000_000,
        long in any::<bool>(),
        mark_cents in 100i64..10_000_000,
        equity_permille in 1i64..2_000,
        m_bp in 1i64..500,
    ) {
        let size = Decimal::new(size_milli, 3) * if long { Decimal::ONE } else { -Decimal::ONE };
        let mark = Decimal::new(mark_cents, 2);
        let notional = size.abs() * mark;
        let equity = notional * Decimal::new(equity_permille, 3);
        let m = Decimal::new(m_bp, 4);
        let r = venue_runway(&RunwaySettings::default(), &one(equity, size, mark, m));
        let Runway::Known { price, move_pct, .. } = &r.positions[0].runway else {
            panic!("unknown runway");
        };
        if let Some(p) = price {
            let equity_after = equity + size * (*p - mark);
            let mm_after = m * size.abs() * *p;
            let tolerance = dec!(0.000001) * notional.max(Decimal::ONE);
            prop_assert!((equity_after - mm_after).abs() <= tolerance,
                "E' {equity_after} vs MM' {mm_after} at {p} ({move_pct} %)");
        } else {
            prop_assert!(long && *move_pct >= dec!(100));
        }
    }

    /// The REDUCE quantity sits on both grids, is never more than the smaller leg (a
    /// quantity that would reach it closes the hedge instead), and leaves the venue with its
    /// usage under the target and its runway past the REDUCE exit bound.
    #[test]
    fn reduce_quantity_invariants(
        size_milli in 1_000i64..1_000_000,
        other_extra_milli in -500i64..500,
        mark_cents in 1_000i64..10_000_000,
        equity_permille in 20i64..400,
        m_bp in 10i64..200,
        step_a in step(),
        step_b in step(),
    ) {
        let s = LadderSettings::default();
        let size = Decimal::new(size_milli, 3);
        let other_size = -(size + Decimal::new(other_extra_milli, 3)).max(dec!(0.001));
        let mark = Decimal::new(mark_cents, 2);
        let equity = size * mark * Decimal::new(equity_permille, 3);
        let m = Decimal::new(m_bp, 4);
        let before = venue_runway(&RunwaySettings::default(), &one(equity, size, mark, m));
        let leg = ReduceLeg { size: other_size, step: step_b };
        let plan = reduce_quantity(&s, &before, "BTC", step_a, &leg).unwrap();
        let smaller = size.min(other_size.abs());
        prop_assert!(plan.quantity <= smaller);
        if plan.closes_hedge {
            prop_assert_eq!(plan.quantity, smaller);
        } else {
            let common = grid::common_step(step_a, step_b).unwrap();
            prop_assert!(grid::is_on_grid(plan.quantity, common), "{} off {}", plan.quantity, common);
            prop_assert!(plan.quantity >= plan.raw_quantity);
            prop_assert!(plan.quantity - plan.raw_quantity < common);
            let after = venue_runway(
                &RunwaySettings::default(),
                &one(equity, size - plan.quantity, mark, m),
            );
            if let Some(u) = &after.margin_usage {
                prop_assert!(u.fraction <= s.reduce_target_usage + dec!(0.000001),
                    "usage after {}", u.fraction);
            }
            let exit = s.reduce_runway_pct + s.runway_hysteresis_pct;
            if let Some(x) = after.min_runway_pct() {
                prop_assert!(x >= exit - dec!(0.0001), "runway after {x}");
            }
        }
    }
}
