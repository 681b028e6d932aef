//! The faults crash-safety tests need, as the real venues behave: `booked-5xx` (booked, then
//! a gateway error), `late` (answered now, executed and visible later), `dropped` (answered,
//! never executed, Lighter nonce not consumed), a `delay` that still executes after the
//! client went away, and expiry of late orders (never executed past their expiry).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use std::time::Duration;
use venue_api::{Clock, OrderState, Side, TimeInForce, Venue, VenueError};

/// An IOC far enough through the touch to still cross after a few seconds of price walk.
async fn ioc(venue: &dyn Venue, side: Side, client_id: u64) -> venue_api::OrderRequest {
    aggressive(
        venue,
        "ETH",
        side,
        dec!(0.2),
        1000,
        TimeInForce::ImmediateOrCancel,
        false,
        client_id,
    )
    .await
}

fn lighter_nonce(env: &Env) -> i64 {
    let k = env.session.lighter_keys();
    env.session.server().with_exchange(|ex| {
        ex.account(
            venue_sim::engine::VenueKind::Lighter,
            &k.account_index.to_string(),
        )
        .unwrap()
        .lighter_auth
        .nonces
        .get(&k.api_key_index)
        .copied()
        .unwrap_or(0)
    })
}

#[tokio::test]
async fn booked_5xx_books_the_order_then_answers_a_gateway_error() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:booked-5xx:1,lighter:sendTx:booked-5xx=504:1")
        .unwrap();
    let venues: [(&dyn Venue, u64); 2] = [(&env.edgex, 11), (&env.lighter, 12)];
    for (v, id) in venues {
        let nonce_before = lighter_nonce(&env);
        let err = place(v, &ioc(v, Side::Buy, id).await).await.unwrap_err();
        assert!(
            matches!(err, VenueError::Unavailable(_)) || err.outcome_unknown(),
            "{}: {err:?}",
            v.id()
        );
        let st = v.order_status("ETH", cid(id)).await.unwrap().unwrap();
        assert_eq!(st.state, OrderState::Filled, "{}: booked", v.id());
        assert_eq!(v.position("ETH").await.unwrap().unwrap().size, dec!(0.2));
        if v.id() == "lighter" {
            assert_eq!(
                lighter_nonce(&env),
                nonce_before + 1,
                "the tx consumed its nonce"
            );
        }
    }
}

#[tokio::test]
async fn late_orders_are_answered_now_and_fill_later() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:late=1500:1,lighter:sendTx:late=2500:1")
        .unwrap();
    place(&env.edgex, &ioc(&env.edgex, Side::Buy, 21).await)
        .await
        .unwrap();
    place(&env.lighter, &ioc(&env.lighter, Side::Sell, 22).await)
        .await
        .unwrap();
    // EdgeX shows the acknowledged order PENDING; Lighter does not show it at all yet.
    let e = env
        .edgex
        .order_status("ETH", cid(21))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.state, OrderState::Pending);
    assert!(env.edgex.position("ETH").await.unwrap().is_none());
    assert!(env
        .lighter
        .order_status("ETH", cid(22))
        .await
        .unwrap()
        .is_none());
    assert!(env.lighter.position("ETH").await.unwrap().is_none());
    env.clock.advance(Duration::from_millis(1600));
    let e = env
        .edgex
        .order_status("ETH", cid(21))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.state, OrderState::Filled);
    assert_eq!(e.filled_size, dec!(0.2));
    assert_eq!(
        env.edgex.position("ETH").await.unwrap().unwrap().size,
        dec!(0.2)
    );
    assert!(
        env.lighter.position("ETH").await.unwrap().is_none(),
        "not yet"
    );
    env.clock.advance(Duration::from_millis(1000));
    let l = env
        .lighter
        .order_status("ETH", cid(22))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(l.state, OrderState::Filled);
    assert_eq!(
        env.lighter.position("ETH").await.unwrap().unwrap().size,
        dec!(-0.2)
    );
}

#[tokio::test]
async fn a_late_edgex_order_can_be_cancelled_before_it_executes() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:late=2000:1")
        .unwrap();
    place(&env.edgex, &ioc(&env.edgex, Side::Buy, 31).await)
        .await
        .unwrap();
    env.edgex.cancel_order("ETH", cid(31)).await.unwrap();
    env.clock.advance(Duration::from_millis(2500));
    let st = env
        .edgex
        .order_status("ETH", cid(31))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st.state, OrderState::Canceled);
    assert_eq!(st.filled_size, dec!(0));
    assert!(env.edgex.position("ETH").await.unwrap().is_none());
}

#[tokio::test]
async fn dropped_orders_are_answered_but_never_execute() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:dropped:1,lighter:sendTx:dropped:1")
        .unwrap();
    let nonce = lighter_nonce(&env);
    place(&env.edgex, &ioc(&env.edgex, Side::Buy, 41).await)
        .await
        .unwrap();
    place(&env.lighter, &ioc(&env.lighter, Side::Sell, 42).await)
        .await
        .unwrap();
    env.clock.advance(Duration::from_secs(5));
    for (v, id) in [(&env.edgex as &dyn Venue, 41), (&env.lighter, 42)] {
        assert!(v.order_status("ETH", cid(id)).await.unwrap().is_none());
        assert!(v.position("ETH").await.unwrap().is_none());
    }
    assert_eq!(
        lighter_nonce(&env),
        nonce,
        "a dropped tx leaves its nonce free"
    );
}

#[tokio::test]
async fn a_delayed_order_still_executes_after_the_client_went_away() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:delay=400:1,lighter:sendTx:delay=400:1")
        .unwrap();
    let venues: [(&dyn Venue, u64); 2] = [(&env.edgex, 51), (&env.lighter, 52)];
    for (v, id) in venues {
        let req = ioc(v, Side::Buy, id).await;
        let gone = tokio::time::timeout(Duration::from_millis(100), place(v, &req)).await;
        assert!(gone.is_err(), "{}: the client gave up first", v.id());
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    for (v, id) in venues {
        let st = v.order_status("ETH", cid(id)).await.unwrap().unwrap();
        assert_eq!(st.state, OrderState::Filled, "{}", v.id());
        assert_eq!(v.position("ETH").await.unwrap().unwrap().size, dec!(0.2));
    }
}

#[tokio::test]
async fn a_late_order_past_its_expiry_never_executes() {
    let env = env().await;
    // Lighter txs expire 10 minutes after signing: 11 minutes late is too late. The nonce
    // is not consumed, and the next tx of the key, sent after it, fails with it.
    env.session
        .faults()
        .add_spec("lighter:sendTx:late=660000:2")
        .unwrap();
    let nonce = lighter_nonce(&env);
    place(&env.lighter, &ioc(&env.lighter, Side::Buy, 61).await)
        .await
        .unwrap();
    place(&env.lighter, &ioc(&env.lighter, Side::Buy, 62).await)
        .await
        .unwrap();
    assert_eq!(lighter_nonce(&env), nonce + 2, "accepted");
    env.clock.advance(Duration::from_secs(700));
    for id in [61, 62] {
        assert!(env
            .lighter
            .order_status("ETH", cid(id))
            .await
            .unwrap()
            .is_none());
    }
    assert!(env.lighter.position("ETH").await.unwrap().is_none());
    assert_eq!(lighter_nonce(&env), nonce, "both nonces given back");

    // EdgeX: an order acknowledged but executed after its expireTime is cancelled, unfilled.
    let req = ioc(&env.edgex, Side::Buy, 63).await;
    let prepared = env.edgex.prepare_order(&req).await.unwrap();
    let body = prepared
        .preview()
        .and_then(|p| p.split_once(' ').map(|x| x.1));
    let body = body.and_then(|b| b.split_once(' ').map(|x| x.1)).unwrap();
    let body: serde_json::Value = serde_json::from_str(body.split_once(' ').unwrap().1).unwrap();
    let expire: i64 = body["expireTime"].as_str().unwrap().parse().unwrap();
    let now = env.clock.now().timestamp_millis();
    let late = expire - now + 60_000;
    env.session
        .faults()
        .add_spec(&format!("edgex:createOrder:late={late}:1"))
        .unwrap();
    env.edgex.submit_order(prepared).await.unwrap();
    env.clock
        .advance(Duration::from_millis(u64::try_from(late).unwrap() + 1000));
    let st = env
        .edgex
        .order_status("ETH", cid(63))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st.state, OrderState::Canceled);
    assert_eq!(st.filled_size, dec!(0));
    assert!(env.edgex.position("ETH").await.unwrap().is_none());
}

/// `OrderRequest.expires_at` reaches the wire (EdgeX `expireTime`, Lighter `ExpiredAt`) and
/// the simulator honours it: an order that would execute after it never does.
#[tokio::test]
async fn orders_executing_after_expires_at_never_fill() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:late=5000:1,lighter:sendTx:late=5000:1")
        .unwrap();
    let nonce = lighter_nonce(&env);
    let deadline = env.clock.now() + chrono::Duration::seconds(2);
    let venues: [(&dyn Venue, u64); 2] = [(&env.edgex, 71), (&env.lighter, 72)];
    for (v, id) in venues {
        let mut req = ioc(v, Side::Buy, id).await;
        req.expires_at = Some(deadline);
        place(v, &req).await.unwrap();
    }
    env.clock.advance(Duration::from_secs(6));
    let e = env
        .edgex
        .order_status("ETH", cid(71))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.state, OrderState::Canceled, "EdgeX: expired unfilled");
    assert_eq!(e.filled_size, dec!(0));
    assert!(env
        .lighter
        .order_status("ETH", cid(72))
        .await
        .unwrap()
        .is_none());
    for (v, _) in venues {
        assert!(v.position("ETH").await.unwrap().is_none(), "{}", v.id());
    }
    assert_eq!(
        lighter_nonce(&env),
        nonce,
        "the expired tx gave its nonce back"
    );
}

#[tokio::test]
async fn a_dropped_batch_is_verified_answered_and_forgotten() {
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
    env.session
        .faults()
        .add_spec("lighter:sendTxBatch:dropped:1")
        .unwrap();
    let hashes = env
        .lighter
        .http()
        .send_tx_batch(&[tx(0, 1), tx(1, 2)])
        .await
        .unwrap();
    assert_eq!(hashes.len(), 2, "answered");
    assert_eq!(lighter_nonce(&env), 0, "no nonce consumed");
    // the same nonces are still free
    env.lighter
        .http()
        .send_tx_batch(&[tx(0, 1), tx(1, 2)])
        .await
        .unwrap();
    assert_eq!(lighter_nonce(&env), 2);
}
