//! Order-path faults: rejected and timed-out submissions (resolved by client id, never
//! resent), partial fills.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use std::time::Duration;
use venue_api::{OrderState, Side, TimeInForce, Venue, VenueError};
use venue_edgex::EdgexVenue;
use venue_lighter::LighterVenue;

#[tokio::test]
async fn rejected_submissions() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:reject:1;lighter:sendTx:reject:1")
        .unwrap();
    let e = aggressive(
        &env.edgex,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        91,
    )
    .await;
    assert!(matches!(
        place(&env.edgex, &e).await,
        Err(VenueError::Rejected { .. })
    ));
    assert!(env
        .edgex
        .order_status("ETH", cid(91))
        .await
        .unwrap()
        .is_none());
    let l = aggressive(
        &env.lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        92,
    )
    .await;
    assert!(matches!(
        place(&env.lighter, &l).await,
        Err(VenueError::Rejected { .. })
    ));
    // the adapter handed the nonce back: the next order goes through
    let l2 = aggressive(
        &env.lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        93,
    )
    .await;
    place(&env.lighter, &l2).await.unwrap();
    assert_eq!(
        env.lighter
            .order_status("ETH", cid(93))
            .await
            .unwrap()
            .unwrap()
            .state,
        OrderState::Filled
    );
}

#[tokio::test]
async fn timeouts_leave_the_outcome_to_a_lookup() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:timeout:1,lighter:sendTx:timeout:1")
        .unwrap();
    let short = |d| d;
    let edgex = EdgexVenue::with_clock(
        env.session
            .edgex_config()
            .with_request_timeout(short(Duration::from_millis(300))),
        env.clock.clone(),
    )
    .unwrap();
    let e = aggressive(
        &edgex,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        101,
    )
    .await;
    let err = place(&edgex, &e).await.unwrap_err();
    assert!(matches!(err, VenueError::Timeout(_)), "{err:?}");
    assert!(edgex.order_status("ETH", cid(101)).await.unwrap().is_none());

    let mut config = env.session.lighter_config().unwrap();
    config.request_timeout = Duration::from_millis(300);
    let lighter = LighterVenue::with_parts(
        config,
        venue_lighter::HttpSettings {
            timeout: Duration::from_millis(300),
            read_retries: 0,
            retry_base_delay: Duration::from_millis(10),
            requests_per_minute: 60_000,
        },
        env.clock.clone(),
    )
    .unwrap();
    let l = aggressive(
        &lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        102,
    )
    .await;
    let err = place(&lighter, &l).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    let l2 = aggressive(
        &lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        103,
    )
    .await;
    place(&lighter, &l2).await.unwrap();
}

#[tokio::test]
async fn partial_fills() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:createOrder:partial:1,lighter:sendTx:partial:1")
        .unwrap();
    let e = aggressive(
        &env.edgex,
        "ETH",
        Side::Buy,
        dec!(1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        111,
    )
    .await;
    place(&env.edgex, &e).await.unwrap();
    let st = env
        .edgex
        .order_status("ETH", cid(111))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (st.state, st.filled_size),
        (OrderState::Canceled, dec!(0.5))
    );
    let l = aggressive(
        &env.lighter,
        "ETH",
        Side::Sell,
        dec!(1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        112,
    )
    .await;
    place(&env.lighter, &l).await.unwrap();
    let st = env
        .lighter
        .order_status("ETH", cid(112))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (st.state, st.filled_size),
        (OrderState::Canceled, dec!(0.5))
    );
    assert_eq!(
        env.lighter.position("ETH").await.unwrap().unwrap().size,
        dec!(-0.5)
    );
}
