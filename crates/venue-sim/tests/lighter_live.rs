//! Lighter as the live venue behaves: a tx refused (21104 and other refusals) does not
//! consume its nonce, the venue's error codes, and the exact client-index lookup
//! `GET /api/v1/accountOrders?client_order_indexes=` (any market, 1..=20 ids, auth).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use serde_json::Value;
use venue_api::{Side, TimeInForce, Venue, VenueError};
use venue_lighter::signing::{CancelOrder, LighterSigner, TxBody, UnsignedTx};

fn signer(env: &Env) -> LighterSigner {
    let k = env.session.lighter_keys();
    LighterSigner::new(&k.private_key, k.account_index, k.api_key_index, 304).unwrap()
}

fn cancel_tx(
    s: &LighterSigner,
    nonce: i64,
    expired_at_from: i64,
) -> venue_lighter::signing::SignedTx {
    s.sign(&UnsignedTx::new(
        s.header(nonce, expired_at_from),
        TxBody::CancelOrder(CancelOrder {
            market_index: 1,
            index: 7,
        }),
    ))
    .unwrap()
}

fn code_of(err: &VenueError) -> String {
    match err {
        VenueError::Rejected { code, message } => format!("{code} {message}"),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn refused_txs_do_not_consume_the_nonce() {
    let env = env().await;
    let s = signer(&env);
    let http = env.lighter.http();
    let k = env.session.lighter_keys();
    let now = t0().timestamp_millis();
    // wrong nonce: 21104, nonce unchanged
    let err = http.send_tx(&cancel_tx(&s, 5, now)).await.unwrap_err();
    assert!(venue_lighter::error::is_nonce_error(&err), "{err:?}");
    assert_eq!(
        http.next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        0
    );
    // expired (signed 11 minutes ago: ExpiredAt = then + 599 s): refused, nonce unchanged
    let err = http
        .send_tx(&cancel_tx(&s, 0, now - 660_000))
        .await
        .unwrap_err();
    assert!(code_of(&err).contains("expired"), "{err:?}");
    assert_eq!(
        http.next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        0
    );
    // the right nonce goes through and is consumed
    http.send_tx(&cancel_tx(&s, 0, now)).await.unwrap();
    assert_eq!(
        http.next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn order_field_errors_carry_the_venue_codes() {
    use venue_lighter::signing::{CreateOrder, OrderTimeInForce, OrderType};
    let env = env().await;
    let s = signer(&env);
    let now = t0().timestamp_millis();
    let order = |nonce, base_amount, tif| {
        s.sign(&UnsignedTx::new(
            s.header(nonce, now),
            TxBody::CreateOrder(CreateOrder {
                market_index: 2, // ETH: 4 size decimals, minimum 0.005 and 10 USDC
                client_order_index: 88,
                base_amount,
                price: 350_000,
                is_ask: false,
                order_type: OrderType::Limit,
                time_in_force: tif,
                reduce_only: false,
                trigger_price: 0,
                order_expiry: 0,
            }),
        ))
        .unwrap()
    };
    let http = env.lighter.http();
    let err = http
        .send_tx(&order(0, 10, OrderTimeInForce::ImmediateOrCancel))
        .await
        .unwrap_err();
    let text = code_of(&err);
    assert!(text.starts_with("21706 "), "{text}");
    // refused: the nonce is still free
    let k = env.session.lighter_keys();
    assert_eq!(
        http.next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn account_orders_finds_orders_by_client_index_in_any_market() {
    let env = env().await;
    let v = &env.lighter;
    for (sym, id) in [("ETH", 501u64), ("BTC", 502)] {
        let size = if sym == "BTC" { dec!(0.01) } else { dec!(0.1) };
        let req = aggressive(
            v,
            sym,
            Side::Buy,
            size,
            5,
            TimeInForce::ImmediateOrCancel,
            false,
            id,
        )
        .await;
        place(v, &req).await.unwrap();
    }
    let k = env.session.lighter_keys();
    let token = signer(&env).auth_token(t0().timestamp() + 600).unwrap();
    let get = |ids: &str| {
        let q = vec![
            ("account_index", k.account_index.to_string()),
            ("client_order_indexes", ids.to_string()),
        ];
        let token = token.clone();
        async move {
            v.http()
                .get::<Value>("/api/v1/accountOrders", &q, Some(&token))
                .await
        }
    };
    let found = get("501,502,999").await.unwrap();
    let orders = found["orders"].as_array().unwrap();
    let mut got: Vec<(i64, &str)> = orders
        .iter()
        .map(|o| {
            (
                o["client_order_index"].as_i64().unwrap(),
                o["status"].as_str().unwrap(),
            )
        })
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec![(501, "filled"), (502, "filled")]);
    assert_eq!(found["code"], 200);
    for bad in [
        "",
        "1,x",
        &(1..=21)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
    ] {
        assert!(get(bad).await.is_err(), "{bad:?}");
    }
    // finished orders older than 24 h are out of reach
    env.clock.advance(std::time::Duration::from_secs(25 * 3600));
    let token = signer(&env)
        .auth_token(t0().timestamp() + 25 * 3600 + 600)
        .unwrap();
    let q = vec![
        ("account_index", k.account_index.to_string()),
        ("client_order_indexes", "501".to_string()),
    ];
    let old: Value = v
        .http()
        .get("/api/v1/accountOrders", &q, Some(&token))
        .await
        .unwrap();
    assert!(old["orders"].as_array().unwrap().is_empty());
}

/// A resting order without the margin for it is answered 200 but fails in the sequencer
/// without consuming its nonce (no order is booked); a taker order is booked cancelled.
#[tokio::test]
async fn a_resting_order_without_margin_fails_without_consuming_its_nonce() {
    let env = env().await;
    let v = &env.lighter;
    let k = env.session.lighter_keys();
    let top = v.top_of_book("BTC").await.unwrap();
    let mut req = aggressive(
        v,
        "BTC",
        Side::Buy,
        dec!(50),
        0,
        TimeInForce::GoodTilCancel,
        false,
        601,
    )
    .await;
    req.price = top.bid.unwrap().price - dec!(100);
    let before = v
        .http()
        .next_nonce(k.account_index, k.api_key_index)
        .await
        .unwrap();
    place(v, &req).await.unwrap();
    assert_eq!(
        v.http()
            .next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        before,
        "not consumed"
    );
    assert!(
        v.order_status("BTC", cid(601)).await.unwrap().is_none(),
        "nothing booked"
    );
    // the adapter recovers (resync) and the next order goes through
    let ok = aggressive(
        v,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        602,
    )
    .await;
    place(v, &ok).await.unwrap();
    assert!(v.position("ETH").await.unwrap().is_some());
}

/// Two processes on one API key index (the bot and the monitor share an account): each
/// keeps its own nonce counter. The policy: every write of either happens inside an engine
/// operation, under the account lock, which starts with `Venue::resync` (nonce fetched
/// afresh); and a tx that still meets a stale counter is refused with 21104 (it did not
/// execute) and re-signed once with a fresh nonce. Both processes' orders land, none twice.
#[tokio::test]
async fn two_processes_on_one_key_interleave_without_losing_an_order() {
    let env = env().await;
    let other = lighter_venue(env.session.lighter_config().unwrap(), env.clock.clone());
    // B signs with nonce 0, then A sends with nonce 0 first: B's tx is now stale
    let b1 = aggressive(
        &other,
        "ETH",
        Side::Sell,
        dec!(0.05),
        3,
        TimeInForce::ImmediateOrCancel,
        false,
        902,
    )
    .await;
    let b1 = other.prepare_order(&b1).await.unwrap();
    let signed_nonce = b1
        .payload_ref::<venue_lighter::LighterPreparedOrder>()
        .unwrap()
        .signed
        .nonce;
    assert_eq!(signed_nonce, 0);
    let a1 = aggressive(
        &env.lighter,
        "ETH",
        Side::Buy,
        dec!(0.05),
        3,
        TimeInForce::ImmediateOrCancel,
        false,
        901,
    )
    .await;
    place(&env.lighter, &a1).await.unwrap();
    // the venue refuses B's tx with 21104 (not executed); B re-signs it once with a fresh
    // nonce and it lands
    other.submit_order(b1).await.unwrap();
    // with the policy (resync at the start of each operation) no tx meets a stale nonce
    for (i, venue) in [&env.lighter, &other, &env.lighter, &other]
        .into_iter()
        .enumerate()
    {
        venue.resync().await.unwrap();
        let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
        let req = aggressive(
            venue,
            "ETH",
            side,
            dec!(0.05),
            3,
            TimeInForce::ImmediateOrCancel,
            false,
            910 + i as u64,
        )
        .await;
        place(venue, &req).await.unwrap();
    }
    // every order executed exactly once: six fills, flat again
    let k = env.session.lighter_keys();
    let filled: usize = env.session.server().with_exchange(|ex| {
        let a = ex
            .account(
                venue_sim::engine::VenueKind::Lighter,
                &k.account_index.to_string(),
            )
            .unwrap();
        a.orders.iter().filter(|o| o.filled == dec!(0.05)).count()
    });
    assert_eq!(filled, 6);
    let pos = env.lighter.position("ETH").await.unwrap();
    assert!(pos.as_ref().is_none_or(|p| p.size.is_zero()), "{pos:?}");
    assert_eq!(
        env.lighter
            .http()
            .next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        6,
        "six txs, six nonces: nothing refused twice, nothing sent twice"
    );
}
