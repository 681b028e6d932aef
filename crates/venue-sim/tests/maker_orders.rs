//! What the market makers do, through both real adapters against the simulator: a post-only
//! bid below the touch rests, shows in `open_orders`, is cancelled by client id and is gone;
//! a post-only that would cross is refused before sending with a clear error; a resting GTC
//! bid fills at its own price when a scripted fall crosses it (and prints on the tape); with
//! thin liquidity it fills partly and the rest keeps resting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::time::Duration;
use venue_api::{OrderRequest, OrderState, Side, TimeInForce, Venue, VenueError};
use venue_sim::engine::PriceMove;

async fn bid(
    v: &dyn Venue,
    size: Decimal,
    below: Decimal,
    tif: TimeInForce,
    id: u64,
) -> OrderRequest {
    let m = v.market("BTC").await.unwrap();
    let top = v.top_of_book("BTC").await.unwrap();
    let price =
        ((top.bid.unwrap().price * (Decimal::ONE - below)) / m.tick_size).floor() * m.tick_size;
    OrderRequest {
        symbol: "BTC".into(),
        side: Side::Buy,
        size,
        price,
        time_in_force: tif,
        reduce_only: false,
        client_id: cid(id),
        expires_at: None,
    }
}

/// BTC falls 2 % at once; the next request matches the resting orders.
fn crash(env: &Env) {
    env.session
        .server()
        .with_exchange(|ex| {
            ex.add_move(PriceMove {
                symbol: "BTC".into(),
                pct: dec!(-2),
                over_secs: 0,
            })
        })
        .unwrap();
    env.clock.advance(Duration::from_secs(1));
}

async fn post_only_rest_cancel_and_refusal(v: &dyn Venue) {
    let min = v.market("BTC").await.unwrap().min_size;
    let req = bid(v, min, dec!(0.002), TimeInForce::PostOnly, 501).await;
    place(v, &req).await.unwrap();
    let open = v.open_orders("BTC").await.unwrap();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (open[0].client_id, open[0].state),
        (cid(501), OrderState::Open)
    );
    assert_eq!(open[0].price, req.price);
    v.cancel_order("BTC", cid(501)).await.unwrap();
    assert!(v.open_orders("BTC").await.unwrap().is_empty());
    let st = v.order_status("BTC", cid(501)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Canceled);
    // at the best ask: it would take
    let ask = v.top_of_book("BTC").await.unwrap().ask.unwrap().price;
    let mut crossing = bid(v, min, Decimal::ZERO, TimeInForce::PostOnly, 502).await;
    crossing.price = ask;
    let e = place(v, &crossing).await.unwrap_err();
    match &e {
        VenueError::InvalidRequest(m) => {
            assert!(
                m.contains("post-only buy") && m.contains(&format!("best ask {ask}")),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        v.order_status("BTC", cid(502)).await.unwrap(),
        None,
        "never sent"
    );
    // the next order goes through (Lighter: the unsent order's nonce was released)
    let next = bid(v, min, dec!(0.002), TimeInForce::PostOnly, 503).await;
    place(v, &next).await.unwrap();
    assert_eq!(v.open_orders("BTC").await.unwrap().len(), 1);
}

#[tokio::test]
async fn lighter_post_only_rests_cancels_and_refuses_a_cross() {
    let env = env().await;
    post_only_rest_cancel_and_refusal(&env.lighter).await;
}

#[tokio::test]
async fn edgex_post_only_rests_cancels_and_refuses_a_cross() {
    let env = env().await;
    post_only_rest_cancel_and_refusal(&env.edgex).await;
}

async fn gtc_fills_when_crossed(env: &Env, v: &dyn Venue) {
    let min = v.market("BTC").await.unwrap().min_size;
    let req = bid(
        v,
        min * dec!(2),
        dec!(0.01),
        TimeInForce::GoodTilCancel,
        601,
    )
    .await;
    place(v, &req).await.unwrap();
    assert_eq!(v.open_orders("BTC").await.unwrap().len(), 1);
    crash(env);
    let st = v.order_status("BTC", cid(601)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Filled, "{st:?}");
    assert_eq!(st.filled_size, req.size);
    assert_eq!(
        st.avg_fill_price,
        Some(req.price),
        "a maker fills at its price"
    );
    assert!(v.open_orders("BTC").await.unwrap().is_empty());
    assert_eq!(v.position("BTC").await.unwrap().unwrap().size, req.size);
}

#[tokio::test]
async fn lighter_gtc_bid_fills_at_its_price_and_prints_on_the_tape() {
    let env = env().await;
    gtc_fills_when_crossed(&env, &env.lighter).await;
    let tape = env.lighter.recent_trades("BTC", 5).await.unwrap();
    let ours = tape.last().unwrap();
    let st = env
        .lighter
        .order_status("BTC", cid(601))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ours.price, st.price);
    assert_eq!(ours.size, st.size);
    assert_eq!(ours.taker_side, Some(Side::Sell), "we made, a seller took");
}

#[tokio::test]
async fn edgex_gtc_bid_fills_at_its_price() {
    let env = env().await;
    gtc_fills_when_crossed(&env, &env.edgex).await;
}

async fn thin_book_fills_partly_and_the_rest_rests(env: &Env, v: &dyn Venue) {
    // each level holds one minimum size: 10 levels x (1..=10) = 55 minimum sizes a side
    env.session
        .server()
        .with_exchange(|ex| ex.params.level_notional = Decimal::ONE);
    let min = v.market("BTC").await.unwrap().min_size;
    let req = bid(
        v,
        min * dec!(100),
        dec!(0.01),
        TimeInForce::GoodTilCancel,
        701,
    )
    .await;
    place(v, &req).await.unwrap();
    crash(env);
    let st = v.order_status("BTC", cid(701)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Open, "{st:?}");
    assert_eq!(st.filled_size, min * dec!(55));
    let open = v.open_orders("BTC").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].filled_size, min * dec!(55));
    v.cancel_order("BTC", cid(701)).await.unwrap();
    let st = v.order_status("BTC", cid(701)).await.unwrap().unwrap();
    assert_eq!(
        (st.state, st.filled_size),
        (OrderState::Canceled, min * dec!(55))
    );
}

#[tokio::test]
async fn lighter_partial_fill_keeps_the_rest_resting() {
    let env = env().await;
    thin_book_fills_partly_and_the_rest_rests(&env, &env.lighter).await;
}

#[tokio::test]
async fn edgex_partial_fill_keeps_the_rest_resting() {
    let env = env().await;
    thin_book_fills_partly_and_the_rest_rests(&env, &env.edgex).await;
}
