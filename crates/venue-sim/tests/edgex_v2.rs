//! The real EdgeX adapter in V2 mode (HMAC request auth, EIP-712 orders) against the
//! simulator: trading works with the right keys, a wrong secret or trading key is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use std::sync::Arc;
use venue_api::{ManualClock, OrderState, Secret, Side, TimeInForce, Venue, VenueError};
use venue_edgex::signing::eip712::EthKey;
use venue_edgex::{ApiVersion, EdgexConfig, EdgexCredentials, V2Credentials};
use venue_sim::engine::Exchange;
use venue_sim::keys::{register_edgex_v2, EdgexV2Registration};
use venue_sim::{SimOptions, SimServer};

const ETH_KEY: &str = "0x4ef6aa7ec69806eaf81f5c80239dc599f98ddc84f59dc887156eab79e9b161f5";
const OTHER_ETH_KEY: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const ACCOUNT: u64 = 681137948997303239;

fn creds(secret: &str, trading: &str) -> EdgexCredentials {
    EdgexCredentials::V2(V2Credentials {
        api_key: Secret::new("key-a8e33c94"),
        api_passphrase: Secret::new("pass-afc6ee6f"),
        api_secret: Secret::new(secret),
        trading_private_key: Secret::new(trading),
    })
}

#[tokio::test]
async fn v2_hmac_and_eip712_orders() {
    let clock = Arc::new(ManualClock::new(t0()));
    let mut ex = Exchange::with_defaults(3, t0().timestamp_millis());
    let address = EthKey::from_secret(&Secret::new(ETH_KEY))
        .unwrap()
        .address()
        .to_checksum();
    register_edgex_v2(
        &mut ex,
        &EdgexV2Registration {
            account_id: ACCOUNT,
            api_key: "key-a8e33c94".into(),
            api_passphrase: Secret::new("pass-afc6ee6f"),
            api_secret: Secret::new("secret-f78047cfd788c7cc"),
            trading_address: address,
        },
        dec!(5000),
    );
    let options = SimOptions {
        clock: clock.clone(),
        ..SimOptions::default()
    };
    let sim = SimServer::start(options, ex).await.unwrap();
    let config = |c| {
        EdgexConfig::new(ApiVersion::V2, sim.edgex_base_url(), sim.edgex_ws_url())
            .with_account_id(ACCOUNT)
            .with_credentials(c)
            .unwrap()
    };
    let v = edgex_venue(
        config(creds("secret-f78047cfd788c7cc", ETH_KEY)),
        clock.clone(),
    );
    assert_eq!(v.balance().await.unwrap().equity, dec!(5000));
    v.set_leverage("BTC", 3).await.unwrap();
    let req = aggressive(
        &v,
        "BTC",
        Side::Buy,
        dec!(0.01),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        201,
    )
    .await;
    place(&v, &req).await.unwrap();
    assert_eq!(
        v.order_status("BTC", cid(201))
            .await
            .unwrap()
            .unwrap()
            .state,
        OrderState::Filled
    );
    assert_eq!(v.position("BTC").await.unwrap().unwrap().size, dec!(0.01));

    let bad_secret = edgex_venue(config(creds("wrong-secret", ETH_KEY)), clock.clone());
    assert!(matches!(
        bad_secret.balance().await,
        Err(VenueError::Auth(_))
    ));
    let bad_signer = edgex_venue(
        config(creds("secret-f78047cfd788c7cc", OTHER_ETH_KEY)),
        clock.clone(),
    );
    let req = aggressive(
        &bad_signer,
        "BTC",
        Side::Buy,
        dec!(0.01),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        202,
    )
    .await;
    let err = place(&bad_signer, &req).await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("INVALID_SIGNATURE")),
        "{err:?}"
    );
}

/// Live V2: contracts named `…USDC`, finished orders only in `getHistoryOrderPage`, the V1
/// history-by-client-id endpoint gone (HTTP 404). The adapter still finds a filled order, an
/// order whose answer was lost (time-window scan) and reports a never-placed one as absent.
#[tokio::test]
async fn v2_finished_and_lost_orders_are_found_through_the_live_v2_endpoints() {
    let env = env_with(venue_sim::paper::PaperOptions {
        edgex_api: venue_edgex::ApiVersion::V2,
        lighter_fill_delay: std::time::Duration::ZERO,
        ..Default::default()
    })
    .await;
    let v = &env.edgex;
    assert_eq!(env.session.edgex_api(), venue_edgex::ApiVersion::V2);
    let ioc = |id| {
        aggressive(
            v,
            "ETH",
            Side::Buy,
            dec!(0.1),
            5,
            TimeInForce::ImmediateOrCancel,
            false,
            id,
        )
    };
    place(v, &ioc(301).await).await.unwrap();
    let st = v.order_status("ETH", cid(301)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Filled);
    assert_eq!(st.filled_size, dec!(0.1));

    env.session
        .faults()
        .add_spec("edgex:createOrder:lost:1")
        .unwrap();
    let req = ioc(302).await;
    let prepared = v.prepare_order(&req).await.unwrap();
    let lost = tokio::time::timeout(std::time::Duration::from_secs(5), v.submit_order(prepared))
        .await
        .map_or(true, |r| r.is_err());
    assert!(lost, "the answer never came");
    let st = v.order_status("ETH", cid(302)).await.unwrap().unwrap();
    assert_eq!(
        st.state,
        OrderState::Filled,
        "found by the time-window scan"
    );
    assert!(v.order_status("ETH", cid(303)).await.unwrap().is_none());
    assert_eq!(v.position("ETH").await.unwrap().unwrap().size, dec!(0.2));
}
