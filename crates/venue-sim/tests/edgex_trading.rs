//! The real EdgeX adapter (V1) trading against the simulator: metadata, book, leverage,
//! IOC fill, position, resting order and cancel, reduce-only close.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use venue_api::{OrderState, Side, TimeInForce, Venue};

#[tokio::test]
async fn markets_book_and_leverage() {
    let env = env().await;
    let v = &env.edgex;
    let btc = v.market("BTC").await.unwrap();
    assert_eq!(btc.tick_size, dec!(0.1));
    assert_eq!(btc.funding_interval_minutes, Some(240));
    assert!(v.markets().await.unwrap().len() >= 15);
    let top = v.top_of_book("ETH").await.unwrap();
    assert!(top.bid.unwrap().price < top.ask.unwrap().price);
    v.set_leverage("ETH", 5).await.unwrap();
    let lev = v.leverage("ETH").await.unwrap();
    assert_eq!(lev.leverage, dec!(5));
    assert!(lev.explicitly_set);
    assert!(v.set_leverage("ETH", 1000).await.is_err());
    let bal = v.balance().await.unwrap();
    assert_eq!(bal.equity, dec!(10000));
    assert_eq!(
        v.stark_public_key_hex().unwrap(),
        env.session.edgex_keys().stark_public_key
    );
}

#[tokio::test]
async fn fill_position_and_reduce_only_close() {
    let env = env().await;
    let v = &env.edgex;
    let buy = aggressive(
        v,
        "ETH",
        Side::Buy,
        dec!(0.5),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        11,
    )
    .await;
    let ack = place(v, &buy).await.unwrap();
    assert!(ack.venue_order_id.is_some());
    let st = v.order_status("ETH", cid(11)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Filled);
    assert_eq!(st.filled_size, dec!(0.5));
    assert!(st.avg_fill_price.is_some());
    let pos = v.position("ETH").await.unwrap().unwrap();
    assert_eq!(pos.size, dec!(0.5));
    assert!(pos.entry_price.is_some());
    let bal = v.balance().await.unwrap();
    assert!(bal.available < bal.equity);
    // reduce-only larger than the position closes exactly the position
    let close = aggressive(
        v,
        "ETH",
        Side::Sell,
        dec!(1),
        5,
        TimeInForce::ImmediateOrCancel,
        true,
        12,
    )
    .await;
    place(v, &close).await.unwrap();
    let st = v.order_status("ETH", cid(12)).await.unwrap().unwrap();
    assert_eq!(st.filled_size, dec!(0.5));
    assert!(v.position("ETH").await.unwrap().is_none());
    // a duplicate client id is refused
    assert!(place(v, &close).await.is_err());
}

#[tokio::test]
async fn resting_order_open_then_cancelled() {
    let env = env().await;
    let v = &env.edgex;
    let top = v.top_of_book("BTC").await.unwrap();
    let mut req = aggressive(
        v,
        "BTC",
        Side::Buy,
        dec!(0.01),
        0,
        TimeInForce::GoodTilCancel,
        false,
        21,
    )
    .await;
    req.price = top.bid.unwrap().price - dec!(500);
    place(v, &req).await.unwrap();
    let open = v.open_orders("BTC").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].state, OrderState::Open);
    v.cancel_order("BTC", cid(21)).await.unwrap();
    assert!(v.open_orders("BTC").await.unwrap().is_empty());
    let st = v.order_status("BTC", cid(21)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Canceled);
    assert_eq!(st.filled_size, Decimal::ZERO);
    // cancel_all on an empty book of orders is fine
    v.cancel_all("BTC").await.unwrap();
}
