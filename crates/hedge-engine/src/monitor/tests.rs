//! The input structs filled from the venues' reads.

use rust_decimal_macros::dec;
use venue_api::{Balance, MarketId, Position};

use super::*;

fn position(symbol: &str, size: Decimal) -> Position {
    Position {
        symbol: symbol.to_owned(),
        market_id: MarketId("1".to_owned()),
        size,
        entry_price: Some(dec!(100)),
        unrealized_pnl: Some(dec!(-3)),
        liquidation_price: Some(dec!(67)),
        leverage: Some(dec!(3)),
        opened_at: None,
        mark_price: Some(dec!(99.9)),
        maintenance_margin_fraction: Some(dec!(0.005)),
    }
}

#[test]
fn figures_from_reads_carry_every_field_and_drop_flat_rows() {
    let balance = Balance {
        equity: dec!(1000),
        available: dec!(400),
        margin_usage: Some(dec!(0.6)),
        maintenance_margin: Some(dec!(15)),
        initial_margin: Some(dec!(600)),
    };
    let v = VenueFigures::from_reads(
        "x",
        &balance,
        &[position("BTC", dec!(30)), position("ETH", dec!(0))],
    );
    assert_eq!(v.venue, "x");
    assert_eq!(v.equity, dec!(1000));
    assert_eq!(v.maintenance_requirement, Some(dec!(15)));
    assert_eq!(v.margin_usage, Some(dec!(0.6)));
    assert_eq!(
        v.positions,
        vec![PositionFigures {
            symbol: "BTC".to_owned(),
            size: dec!(30),
            entry_price: Some(dec!(100)),
            mark_price: Some(dec!(99.9)),
            liquidation_price: Some(dec!(67)),
            maintenance_fraction: Some(dec!(0.005)),
            unsettled_funding: None,
            unrealized_pnl: Some(dec!(-3)),
        }]
    );
}

#[test]
fn side_and_slot_helpers() {
    assert_eq!(LegSide::of(dec!(1)), Some(LegSide::Long));
    assert_eq!(LegSide::of(dec!(-1)), Some(LegSide::Short));
    assert_eq!(LegSide::of(dec!(0)), None);
    assert_eq!(VenueSlot::A.other(), VenueSlot::B);
    assert_eq!(VenueSlot::B.other(), VenueSlot::A);
}
