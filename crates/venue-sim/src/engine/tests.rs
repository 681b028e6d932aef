use super::*;
use rust_decimal_macros::dec;

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn world() -> Exchange {
    let mut ex = Exchange::with_defaults(42, T0);
    ex.insert_account(Account::new(VenueKind::Edgex, "7", dec!(10000)));
    ex.insert_account(Account::new(VenueKind::Lighter, "9", dec!(10000)));
    ex
}

fn order(market: &str, cid: &str, side: Side, price: Decimal, size: Decimal, tif: Tif) -> NewOrder {
    NewOrder {
        market_id: market.into(),
        client_id: cid.into(),
        side,
        price,
        size,
        tif,
        reduce_only: false,
        nonce: 0,
    }
}

fn eth_edgex(ex: &Exchange) -> String {
    ex.markets_of(VenueKind::Edgex)
        .find(|m| m.symbol == "ETH")
        .map(|m| m.market_id.clone())
        .unwrap()
}

#[test]
fn books_have_levels_on_the_grid() {
    let ex = world();
    for m in &ex.markets {
        let b = ex.book(m.venue, &m.market_id).unwrap();
        assert_eq!(b.bids.len(), 10, "{}", m.symbol);
        assert!(b.bids[0].price < b.asks[0].price);
        for l in b.bids.iter().chain(&b.asks) {
            assert!(
                MarketSpec::on_grid(l.price, m.tick),
                "{} {}",
                m.symbol,
                l.price
            );
            assert!(
                MarketSpec::on_grid(l.size, m.step),
                "{} {}",
                m.symbol,
                l.size
            );
        }
    }
}

#[test]
fn walk_moves_prices_deterministically() {
    let mut a = world();
    let mut b = world();
    let m = eth_edgex(&a);
    let before = a.mark(VenueKind::Edgex, &m).unwrap();
    a.advance(T0 + 3_600_000);
    b.advance(T0 + 3_600_000);
    assert_eq!(a.mark(VenueKind::Edgex, &m), b.mark(VenueKind::Edgex, &m));
    assert_ne!(a.mark(VenueKind::Edgex, &m).unwrap(), before);
}

#[test]
fn ioc_fill_position_and_reduce_only_close() {
    let mut ex = world();
    let m = eth_edgex(&ex);
    let ask = ex.book(VenueKind::Edgex, &m).unwrap().asks[0].price;
    let o = ex
        .place_order(
            VenueKind::Edgex,
            "7",
            order(&m, "1", Side::Buy, ask + dec!(1), dec!(0.5), Tif::Ioc),
            None,
        )
        .unwrap();
    assert_eq!(o.state, OrderState::Filled);
    assert_eq!(o.filled, dec!(0.5));
    assert!(o.fee > Decimal::ZERO);
    let acct = ex.account(VenueKind::Edgex, "7").unwrap();
    assert_eq!(acct.position_size(&m), dec!(0.5));
    // reduce-only larger than the position is clamped to it
    let bid = ex.book(VenueKind::Edgex, &m).unwrap().bids[0].price;
    let mut close = order(&m, "2", Side::Sell, bid - dec!(1), dec!(1), Tif::Ioc);
    close.reduce_only = true;
    let c = ex.place_order(VenueKind::Edgex, "7", close, None).unwrap();
    assert_eq!(c.filled, dec!(0.5));
    assert_eq!(
        ex.account(VenueKind::Edgex, "7").unwrap().position_size(&m),
        Decimal::ZERO
    );
    // reduce-only when flat does nothing
    let mut again = order(&m, "3", Side::Sell, bid, dec!(1), Tif::Ioc);
    again.reduce_only = true;
    let r = ex.place_order(VenueKind::Edgex, "7", again, None).unwrap();
    assert_eq!(r.cancel_reason, Some(CancelReason::ReduceOnly));
    assert!(r.filled.is_zero());
    // lookup by client id works for final orders
    assert!(ex
        .account(VenueKind::Edgex, "7")
        .unwrap()
        .order_by_client_id("1")
        .is_some());
}

#[test]
fn partial_fills_ioc_gtc_and_cancel() {
    let mut ex = world();
    let m = eth_edgex(&ex);
    let ask = ex.book(VenueKind::Edgex, &m).unwrap().asks[0].price;
    let o = ex
        .place_order(
            VenueKind::Edgex,
            "7",
            order(&m, "1", Side::Buy, ask, dec!(1), Tif::Ioc),
            Some(dec!(0.5)),
        )
        .unwrap();
    assert_eq!(o.filled, dec!(0.5));
    assert_eq!(o.state, OrderState::Canceled);
    assert_eq!(o.cancel_reason, Some(CancelReason::CouldNotFill));
    let g = ex
        .place_order(
            VenueKind::Edgex,
            "7",
            order(&m, "2", Side::Buy, ask, dec!(1), Tif::Gtc),
            Some(dec!(0.5)),
        )
        .unwrap();
    assert_eq!(g.state, OrderState::Open);
    assert_eq!(g.remaining(), dec!(0.5));
    let c = ex
        .cancel(VenueKind::Edgex, "7", OrderRef::Client("2"))
        .unwrap();
    assert_eq!(c.state, OrderState::Canceled);
    assert!(ex
        .cancel(VenueKind::Edgex, "7", OrderRef::Client("2"))
        .is_err());
}

#[test]
fn thin_book_fills_partially() {
    let mut ex = world();
    ex.params.level_notional = dec!(100);
    let m = eth_edgex(&ex);
    let b = ex.book(VenueKind::Edgex, &m).unwrap();
    let top = b.asks[0].size;
    let o = ex
        .place_order(
            VenueKind::Edgex,
            "7",
            order(&m, "1", Side::Buy, b.asks[0].price, top * dec!(3), Tif::Ioc),
            None,
        )
        .unwrap();
    assert_eq!(o.filled, top);
    assert_eq!(o.state, OrderState::Canceled);
}

#[test]
fn refusals() {
    let mut ex = world();
    let m = eth_edgex(&ex);
    let ask = ex.book(VenueKind::Edgex, &m).unwrap().asks[0].price;
    let off_grid = ex.place_order(
        VenueKind::Edgex,
        "7",
        order(&m, "1", Side::Buy, ask, dec!(0.001), Tif::Ioc),
        None,
    );
    assert!(matches!(off_grid, Err(EngineError::InvalidOrder(_))));
    let huge = ex.place_order(
        VenueKind::Edgex,
        "7",
        order(&m, "2", Side::Buy, ask, dec!(1000), Tif::Ioc),
        None,
    );
    assert!(matches!(huge, Err(EngineError::InsufficientMargin(_))));
    ex.place_order(
        VenueKind::Edgex,
        "7",
        order(&m, "3", Side::Buy, ask, dec!(0.1), Tif::Ioc),
        None,
    )
    .unwrap();
    let dup = ex.place_order(
        VenueKind::Edgex,
        "7",
        order(&m, "3", Side::Buy, ask, dec!(0.1), Tif::Ioc),
        None,
    );
    assert!(matches!(dup, Err(EngineError::DuplicateClientId(_))));
    assert!(ex.set_leverage(VenueKind::Edgex, "7", &m, 1000).is_err());
    ex.set_leverage(VenueKind::Edgex, "7", &m, 5).unwrap();
    let post = ex
        .place_order(
            VenueKind::Edgex,
            "7",
            order(&m, "4", Side::Buy, ask, dec!(0.1), Tif::PostOnly(None)),
            None,
        )
        .unwrap();
    assert_eq!(post.cancel_reason, Some(CancelReason::PostOnly));
}

#[test]
fn gtt_expires_and_funding_accrues_at_each_interval() {
    let mut ex = world();
    let lm = ex
        .markets_of(VenueKind::Lighter)
        .find(|m| m.symbol == "ETH")
        .map(|m| m.market_id.clone())
        .unwrap();
    let b = ex.book(VenueKind::Lighter, &lm).unwrap();
    ex.place_order(
        VenueKind::Lighter,
        "9",
        order(&lm, "1", Side::Sell, b.bids[0].price, dec!(1), Tif::Ioc),
        None,
    )
    .unwrap();
    let low = b.bids[9].price - dec!(100);
    let r = ex
        .place_order(
            VenueKind::Lighter,
            "9",
            order(&lm, "2", Side::Buy, low, dec!(0.1), Tif::Gtt(T0 + 60_000)),
            None,
        )
        .unwrap();
    assert_eq!(r.state, OrderState::Open);
    ex.advance(T0 + 5 * 3_600_000 + 1);
    let a = ex.account(VenueKind::Lighter, "9").unwrap();
    assert_eq!(
        a.order_by_client_id("2").unwrap().cancel_reason,
        Some(CancelReason::Expired)
    );
    assert_eq!(a.funding.len(), 5, "hourly");
    let rec = &a.funding[0];
    assert_eq!(rec.amount, (-(rec.size * rec.mark * rec.rate)).round_dp(6));
    let hist = ex
        .funding_history(VenueKind::Lighter, &lm, 0, i64::MAX, 3)
        .unwrap();
    assert_eq!(hist.len(), 3);
    assert_eq!(hist[2].0, T0 + 5 * 3_600_000);
    let em = eth_edgex(&ex);
    let (_, start, next) = ex.current_funding(VenueKind::Edgex, &em).unwrap();
    assert_eq!(next - start, 4 * 3_600_000);
}

#[test]
fn state_round_trips_through_json() {
    let mut ex = world();
    ex.advance(T0 + 10_000);
    let text = serde_json::to_string(&ex).unwrap();
    let back: Exchange = serde_json::from_str(&text).unwrap();
    assert_eq!(back, ex);
}

#[test]
fn sub_second_advances_still_walk() {
    let mut ex = world();
    let m = eth_edgex(&ex);
    let before = ex.mark(VenueKind::Edgex, &m).unwrap();
    for i in 1..=600 {
        ex.advance(T0 + i * 100);
    }
    assert_eq!(ex.walked_ms, T0 + 60_000);
    assert_ne!(ex.mark(VenueKind::Edgex, &m).unwrap(), before);
}

#[test]
fn queued_actions_run_when_due_in_order() {
    let mut ex = world();
    let lm = ex
        .markets_of(VenueKind::Lighter)
        .find(|m| m.symbol == "ETH")
        .map(|m| m.market_id.clone())
        .unwrap();
    let b = ex.book(VenueKind::Lighter, &lm).unwrap();
    let low = b.bids[9].price - dec!(100);
    let o = order(&lm, "5", Side::Buy, low, dec!(0.1), Tif::Gtc);
    ex.queue(
        VenueKind::Lighter,
        "9",
        PendingAction::Place {
            order: o.clone(),
            fill_ratio: None,
            order_id: None,
        },
        T0 + 2_000,
    )
    .unwrap();
    assert!(matches!(
        ex.queue(
            VenueKind::Lighter,
            "9",
            PendingAction::Place {
                order: o,
                fill_ratio: None,
                order_id: None,
            },
            T0 + 2_000
        ),
        Err(EngineError::DuplicateClientId(_))
    ));
    ex.queue(
        VenueKind::Lighter,
        "9",
        PendingAction::Cancel(5),
        T0 + 2_000,
    )
    .unwrap();
    ex.advance(T0 + 1_000);
    assert!(ex
        .account(VenueKind::Lighter, "9")
        .unwrap()
        .order_by_client_id("5")
        .is_none());
    ex.advance(T0 + 2_000);
    let a = ex.account(VenueKind::Lighter, "9").unwrap();
    assert_eq!(
        a.order_by_client_id("5").unwrap().cancel_reason,
        Some(CancelReason::User)
    );
    assert!(ex.pending.is_empty());
}
