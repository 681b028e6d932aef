//! The real Lighter adapter trading against the simulator: markets, key check, leverage,
//! IOC fill, position, resting order and cancel, reduce-only close, margin refusal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{OrderState, Side, TimeInForce, Venue};

#[tokio::test]
async fn markets_key_and_leverage() {
    let env = env().await;
    let v = &env.lighter;
    let eth = v.market("ETH").await.unwrap();
    assert_eq!(eth.tick_size, dec!(0.01));
    assert_eq!(eth.funding_interval_minutes, Some(60));
    v.check_api_key().await.unwrap();
    let top = v.top_of_book("ETH").await.unwrap();
    assert!(top.bid.unwrap().price < top.ask.unwrap().price);
    v.set_leverage("ETH", 5).await.unwrap();
    assert_eq!(v.leverage("ETH").await.unwrap().leverage, dec!(5));
    assert!(v.set_leverage("ETH", 500).await.is_err());
    assert_eq!(v.balance().await.unwrap().equity, dec!(10000));
}

#[tokio::test]
async fn fill_position_and_reduce_only_close() {
    let env = env().await;
    let v = &env.lighter;
    let sell = aggressive(
        v,
        "ETH",
        Side::Sell,
        dec!(0.5),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        31,
    )
    .await;
    let ack = place(v, &sell).await.unwrap();
    assert!(ack.tx_hash.is_some());
    let st = v.order_status("ETH", cid(31)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Filled);
    assert_eq!(st.filled_size, dec!(0.5));
    let pos = v.position("ETH").await.unwrap().unwrap();
    assert_eq!(pos.size, dec!(-0.5));
    let close = aggressive(
        v,
        "ETH",
        Side::Buy,
        dec!(0.8),
        5,
        TimeInForce::ImmediateOrCancel,
        true,
        32,
    )
    .await;
    place(v, &close).await.unwrap();
    assert_eq!(
        v.order_status("ETH", cid(32))
            .await
            .unwrap()
            .unwrap()
            .filled_size,
        dec!(0.5)
    );
    assert!(v.position("ETH").await.unwrap().is_none());
}

#[tokio::test]
async fn resting_order_cancel_and_margin_refusal() {
    let env = env().await;
    let v = &env.lighter;
    let top = v.top_of_book("BTC").await.unwrap();
    let mut req = aggressive(
        v,
        "BTC",
        Side::Buy,
        dec!(0.01),
        0,
        TimeInForce::GoodTilCancel,
        false,
        41,
    )
    .await;
    req.price = top.bid.unwrap().price - dec!(500);
    place(v, &req).await.unwrap();
    let open = v.open_orders("BTC").await.unwrap();
    assert_eq!(open.len(), 1);
    v.cancel_order("BTC", cid(41)).await.unwrap();
    assert!(v.open_orders("BTC").await.unwrap().is_empty());
    assert_eq!(
        v.order_status("BTC", cid(41)).await.unwrap().unwrap().state,
        OrderState::Canceled
    );
    // far more than 10k of collateral allows: accepted, then cancelled for margin
    let big = aggressive(
        v,
        "BTC",
        Side::Buy,
        dec!(50),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        42,
    )
    .await;
    place(v, &big).await.unwrap();
    let st = v.order_status("BTC", cid(42)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Canceled);
    assert!(st.reason.unwrap().contains("margin"));
}

#[tokio::test]
async fn send_tx_batch_with_consecutive_nonces() {
    use venue_lighter::signing::{CancelOrder, LighterSigner, TxBody, UnsignedTx};
    let env = env().await;
    let k = env.session.lighter_keys();
    let signer = LighterSigner::new(&k.private_key, k.account_index, k.api_key_index, 304).unwrap();
    let now = t0().timestamp_millis();
    let tx = |nonce, index| {
        signer
            .sign(&UnsignedTx::new(
                signer.header(nonce, now),
                TxBody::CancelOrder(CancelOrder {
                    market_index: 1,
                    index,
                }),
            ))
            .unwrap()
    };
    let hashes = env
        .lighter
        .http()
        .send_tx_batch(&[tx(0, 1), tx(1, 2)])
        .await
        .unwrap();
    assert_eq!(hashes.len(), 2);
    let first = tx(2, 3);
    assert_eq!(
        env.lighter.http().send_tx(&first).await.unwrap(),
        first.tx_hash,
        "hash = digest"
    );
    let err = env
        .lighter
        .http()
        .send_tx_batch(&[tx(3, 4), tx(5, 5)])
        .await
        .unwrap_err();
    assert!(venue_lighter::error::is_nonce_error(&err), "{err:?}");
    let nonce = env
        .lighter
        .http()
        .next_nonce(k.account_index, k.api_key_index)
        .await
        .unwrap();
    assert_eq!(nonce, 3, "a failed batch is all or nothing");
}

#[tokio::test]
async fn fills_show_late_with_a_settle_delay() {
    let options = venue_sim::paper::PaperOptions {
        lighter_fill_delay: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let env = env_with(options).await;
    let v = &env.lighter;
    let buy = aggressive(
        v,
        "ETH",
        Side::Buy,
        dec!(0.2),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        301,
    )
    .await;
    place(v, &buy).await.unwrap();
    assert!(
        v.order_status("ETH", cid(301)).await.unwrap().is_none(),
        "not visible yet"
    );
    assert!(v.position("ETH").await.unwrap().is_none());
    env.clock.advance(std::time::Duration::from_millis(2500));
    assert_eq!(
        v.order_status("ETH", cid(301))
            .await
            .unwrap()
            .unwrap()
            .state,
        OrderState::Filled
    );
    assert_eq!(v.position("ETH").await.unwrap().unwrap().size, dec!(0.2));
    // the same client id is refused even while queued
    let again = aggressive(
        v,
        "ETH",
        Side::Buy,
        dec!(0.2),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        302,
    )
    .await;
    place(v, &again).await.unwrap();
    assert!(place(v, &again).await.is_err());
}
