use super::*;
use crate::engine::{Account, LiquidationKind};
use rust_decimal_macros::dec;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn market_of(ex: &Exchange, venue: VenueKind, symbol: &str) -> MarketSpec {
    ex.markets_of(venue)
        .find(|m| m.symbol == symbol)
        .cloned()
        .unwrap()
}

/// A world with a BTC hedge: `notional` long on Lighter, short on EdgeX, 1000 USD each.
fn hedged(notional: Decimal) -> (Exchange, MarketSpec, MarketSpec) {
    let mut ex = Exchange::with_defaults(7, T0);
    let l = market_of(&ex, VenueKind::Lighter, "BTC");
    let e = market_of(&ex, VenueKind::Edgex, "BTC");
    let mut la = Account::new(VenueKind::Lighter, "9", dec!(1000));
    let mut ea = Account::new(VenueKind::Edgex, "7", dec!(1000));
    let mark = ex.mark(VenueKind::Lighter, &l.market_id).unwrap();
    let qty = (notional / mark / e.step).floor() * e.step;
    apply_trade(&mut la, &l.market_id, Side::Buy, qty, mark, Decimal::ZERO);
    apply_trade(&mut ea, &e.market_id, Side::Sell, qty, mark, Decimal::ZERO);
    ex.insert_account(la);
    ex.insert_account(ea);
    (ex, l, e)
}

#[test]
fn maintenance_fractions_follow_the_venues_shapes() {
    let ex = Exchange::with_defaults(1, T0);
    // (venue, symbol, max leverage, fraction): Lighter 60 % of 1/lev (in 1/10000, up),
    // EdgeX starkExRisk = 2^31 / lev rounded up, over 2^32
    let cases = [
        (VenueKind::Lighter, "BTC", 50, dec!(0.012)),
        (VenueKind::Lighter, "SOL", 25, dec!(0.024)),
        (VenueKind::Lighter, "PUMP", 5, dec!(0.12)),
        (
            VenueKind::Edgex,
            "BTC",
            100,
            Decimal::from(21_474_837u64) / Decimal::from(1u64 << 32),
        ),
        (
            VenueKind::Edgex,
            "SOL",
            50,
            Decimal::from(42_949_673u64) / Decimal::from(1u64 << 32),
        ),
    ];
    for (venue, symbol, lev, fraction) in cases {
        let m = market_of(&ex, venue, symbol);
        assert_eq!(m.max_leverage, lev, "{venue} {symbol}");
        assert_eq!(m.maintenance_fraction(), fraction, "{venue} {symbol}");
        assert!(m.maintenance_fraction() < Decimal::ONE / Decimal::from(lev));
        assert!(m.liquidation_fee_rate() < m.maintenance_fraction());
    }
    let btc = market_of(&ex, VenueKind::Lighter, "BTC");
    assert_eq!(
        (btc.lighter_mmf_units(), btc.lighter_closeout_units()),
        (120, 80)
    );
    assert_eq!(btc.closeout_fraction(), Some(dec!(0.008)));
    assert_eq!(
        market_of(&ex, VenueKind::Edgex, "BTC").closeout_fraction(),
        None
    );
}

#[test]
fn valuation_carries_the_requirement_and_a_liquidation_price_that_meets_it() {
    let (ex, l, _) = hedged(dec!(5000));
    let val = ex.valuation(VenueKind::Lighter, "9").unwrap();
    let p = &val.positions[0];
    assert_eq!(p.maintenance_fraction, dec!(0.012));
    assert_eq!(val.maintenance_margin, p.value.abs() * dec!(0.012));
    assert_eq!(val.closeout_margin, p.value.abs() * dec!(0.008));
    let liq = p.liquidation_price.unwrap();
    // at the liquidation price equity meets the requirement (within a tick's worth)
    let equity = val.collateral + p.size * liq - p.open_value;
    let maintenance = p.size.abs() * liq * p.maintenance_fraction;
    assert!(
        (equity - maintenance).abs() <= p.size.abs() * l.tick,
        "{equity} vs {maintenance} at {liq}"
    );
    assert!(liq < p.mark);
}

#[test]
fn a_gradual_move_against_the_lighter_long_cuts_it_partially_with_records() {
    let (mut ex, l, e) = hedged(dec!(5000));
    let before = ex
        .account(VenueKind::Lighter, "9")
        .unwrap()
        .position_size(&l.market_id);
    let orders_before = ex.account(VenueKind::Lighter, "9").unwrap().orders.len();
    ex.add_move("BTC:-30@300".parse().unwrap()).unwrap();
    let mut first_cut_at = None;
    for s in 1..=300 {
        ex.advance(T0 + s * 1000);
        let a = ex.account(VenueKind::Lighter, "9").unwrap();
        if first_cut_at.is_none() && !a.liquidations.is_empty() {
            first_cut_at = Some(s);
        }
        // never below maintenance after an advance while a position is left
        let val = ex.valuation(VenueKind::Lighter, "9").unwrap();
        if val.positions.iter().any(|p| !p.size.is_zero()) {
            assert!(val.equity >= val.maintenance_margin, "at {s}s: {val:?}");
        }
    }
    let a = ex.account(VenueKind::Lighter, "9").unwrap();
    let first = &a.liquidations[0];
    assert_eq!(first.kind, LiquidationKind::Partial);
    assert_eq!(first.market_id, l.market_id);
    assert_eq!(first.side, Side::Sell);
    assert_eq!(first.size_before, before);
    assert!(
        first.size < before && first.size_after > Decimal::ZERO,
        "{first:?}"
    );
    assert!(first.risk_before.equity < first.risk_before.maintenance_margin);
    assert!(first.risk_after.equity >= first.risk_after.maintenance_margin);
    assert!(first.fee > Decimal::ZERO);
    // about 19 % down (5x long, 1000 collateral): well after the start, before the end
    let at = first_cut_at.unwrap();
    assert!((40..250).contains(&at), "first cut after {at}s");
    assert!(a
        .liquidations
        .iter()
        .all(|r| r.kind == LiquidationKind::Partial));
    // a decline that goes on after the first cut keeps cutting (each cut only restores
    // the requirement): what is left is smaller, never flipped
    let left = a.position_size(&l.market_id);
    assert!(left >= Decimal::ZERO && left < first.size_after, "{left}");
    assert!(a.liquidations.len() > 1);
    // no order of the account's own explains the change
    assert_eq!(a.orders.len(), orders_before);
    // the EdgeX short gained: untouched
    let edgex = ex.account(VenueKind::Edgex, "7").unwrap();
    assert!(edgex.liquidations.is_empty());
    assert_eq!(edgex.position_size(&e.market_id), -before);
    // the move ended
    assert!(ex.moves.is_empty());
}

#[test]
fn an_instant_move_below_close_out_hands_everything_to_the_insurance_fund() {
    let (mut ex, l, _) = hedged(dec!(5000));
    ex.add_move("BTC:-30".parse().unwrap()).unwrap();
    let a = ex.account(VenueKind::Lighter, "9").unwrap();
    assert_eq!(a.position_size(&l.market_id), Decimal::ZERO);
    assert_eq!(a.collateral, Decimal::ZERO);
    assert_eq!(a.liquidations.len(), 1);
    assert_eq!(a.liquidations[0].kind, LiquidationKind::CloseOut);
}

#[test]
fn edgex_is_cut_partially_too() {
    let (mut ex, _, e) = hedged(dec!(5000));
    ex.add_move("BTC:+25@250".parse().unwrap()).unwrap();
    for s in 1..=250 {
        ex.advance(T0 + s * 1000);
    }
    let a = ex.account(VenueKind::Edgex, "7").unwrap();
    assert!(!a.liquidations.is_empty());
    assert!(a
        .liquidations
        .iter()
        .all(|r| r.kind == LiquidationKind::Partial && r.side == Side::Buy));
    assert!(
        a.liquidations[0].size_after < Decimal::ZERO,
        "{:?}",
        a.liquidations[0]
    );
    assert!(a.position_size(&e.market_id) <= Decimal::ZERO);
}

#[test]
fn moves_scale_the_fair_price_at_once_or_linearly() {
    let mut ex = Exchange::with_defaults(3, T0);
    let l = market_of(&ex, VenueKind::Lighter, "ETH");
    let e = market_of(&ex, VenueKind::Edgex, "ETH");
    let start = ex.mark(VenueKind::Lighter, &l.market_id).unwrap();
    ex.add_move("ETH:+10".parse().unwrap()).unwrap();
    let up = ex.mark(VenueKind::Lighter, &l.market_id).unwrap();
    assert!(
        (up / start - dec!(1.1)).abs() < dec!(0.0001),
        "{start} -> {up}"
    );
    assert!(
        (ex.mark(VenueKind::Edgex, &e.market_id).unwrap() / up - Decimal::ONE).abs() < dec!(0.0001)
    );
    ex.add_move("ETH:-50@100".parse().unwrap()).unwrap();
    ex.advance(T0 + 50_000);
    let half = ex.mark(VenueKind::Lighter, &l.market_id).unwrap();
    // halfway: 0.75 of the price before, give or take the walk
    assert!(
        (half / up - dec!(0.75)).abs() < dec!(0.01),
        "{up} -> {half}"
    );
    ex.advance(T0 + 100_000);
    let end = ex.mark(VenueKind::Lighter, &l.market_id).unwrap();
    assert!((end / up - dec!(0.5)).abs() < dec!(0.01), "{up} -> {end}");
    assert!(ex.moves.is_empty());
    assert_eq!(
        ex.add_move("NOPE:5".parse().unwrap()),
        Err(EngineError::UnknownMarket("NOPE".into()))
    );
}

#[test]
fn sim_move_grammar() {
    let ok = [
        ("BTC:-30", "BTC", dec!(-30), 0),
        ("eth:+5@600", "ETH", dec!(5), 600),
        (" SOL:2.5@0 ", "SOL", dec!(2.5), 0),
    ];
    for (text, symbol, pct, secs) in ok {
        let m: PriceMove = text.parse().unwrap();
        assert_eq!(
            (m.symbol.as_str(), m.pct, m.over_secs),
            (symbol, pct, secs),
            "{text}"
        );
    }
    // (input, the part named, its value as shown)
    let bad = [
        ("BTC", "PCT", ""),
        (":-30", "SYMBOL", ""),
        ("BT-C:5", "SYMBOL", "BT-C"),
        ("BTC:abc", "PCT", "abc"),
        ("BTC:", "PCT", ""),
        ("BTC:-100", "PCT", "-100"),
        ("BTC:5000", "PCT", "5000"),
        ("BTC:-30@x", "SECONDS", "x"),
        ("BTC:-30@-5", "SECONDS", "-5"),
        ("BTC:-30@1.5", "SECONDS", "1.5"),
    ];
    for (text, part, value) in bad {
        let e = text.parse::<PriceMove>().unwrap_err();
        assert_eq!((e.part, e.value.as_str()), (part, value), "{text}");
        let shown = e.to_string();
        assert!(
            shown.contains(part) && shown.contains(&format!("{value:?}")),
            "{shown}"
        );
    }
    assert_eq!(
        parse_moves("BTC:-30@600, ETH:5").unwrap(),
        vec![
            "BTC:-30@600".parse::<PriceMove>().unwrap(),
            "ETH:5".parse().unwrap()
        ]
    );
    assert_eq!(parse_moves(" ").unwrap(), vec![]);
    assert_eq!(parse_moves("BTC:-30,ETH:x").unwrap_err().value, "x");
    assert_eq!(
        "BTC:-30@600".parse::<PriceMove>().unwrap().to_string(),
        "BTC:-30@600"
    );
}
