//! Authentication as the venues do it: bad signatures, stale timestamps, wrong accounts,
//! reused and skipped nonces, bad auth tokens. All through the real adapters' own clients.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration as ChronoDuration;
use common::*;
use rust_decimal_macros::dec;
use std::sync::Arc;
use venue_api::{ManualClock, Secret, Side, TimeInForce, Venue, VenueError};
use venue_edgex::{ApiVersion, EdgexConfig, EdgexCredentials, V1Credentials};
use venue_lighter::signing::{CancelOrder, LighterSigner, TxBody, UnsignedTx};
use venue_lighter::LighterConfig;

const OTHER_STARK: &str = "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4";
const OTHER_LIGHTER: &str =
    "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";

fn edgex_config(env: &Env, account: u64, key: &str) -> EdgexConfig {
    let s = env.session.server();
    EdgexConfig::new(ApiVersion::V1, s.edgex_base_url(), s.edgex_ws_url())
        .with_account_id(account)
        .with_credentials(EdgexCredentials::V1(V1Credentials {
            stark_private_key: Secret::new(key),
        }))
        .unwrap()
}

#[tokio::test]
async fn edgex_rejects_bad_signature_stale_timestamp_and_wrong_account() {
    let env = env().await;
    let id = env.session.edgex_keys().account_id;
    let forger = edgex_venue(edgex_config(&env, id, OTHER_STARK), env.clock.clone());
    let err = forger.balance().await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("INVALID_SIGNATURE")),
        "{err:?}"
    );
    let req = aggressive(
        &env.edgex,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        61,
    )
    .await;
    let err = place(&forger, &req).await.unwrap_err();
    assert!(matches!(err, VenueError::Auth(_)), "{err:?}");

    let key = env
        .session
        .edgex_keys()
        .stark_private_key
        .expose()
        .to_string();
    let late = Arc::new(ManualClock::new(t0() - ChronoDuration::days(3)));
    let stale = edgex_venue(edgex_config(&env, id, &key), late);
    let err = stale.balance().await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("AUTH_TIMESTAMP_EXPIRED")),
        "{err:?}"
    );

    let stranger = edgex_venue(edgex_config(&env, 42, &key), env.clock.clone());
    let err = stranger.balance().await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Rejected { code, .. } if code == "ACCOUNT_NOT_FOUND"),
        "{err:?}"
    );
    // the genuine account still works
    env.edgex.balance().await.unwrap();
}

#[tokio::test]
async fn lighter_rejects_bad_signature_and_bad_token() {
    let env = env().await;
    let k = env.session.lighter_keys();
    let s = env.session.server();
    let config = LighterConfig::new(
        s.lighter_base_url(),
        s.lighter_ws_url(),
        Some(Secret::new(OTHER_LIGHTER)),
        Some(k.account_index),
        Some(k.api_key_index),
    )
    .unwrap();
    let forger = lighter_venue(config, env.clock.clone());
    assert!(matches!(
        forger.check_api_key().await,
        Err(VenueError::Auth(_))
    ));
    let req = aggressive(
        &env.lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        71,
    )
    .await;
    let err = place(&forger, &req).await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("invalid signature")),
        "{err:?}"
    );
    let err = forger.open_orders("ETH").await.unwrap_err();
    assert!(matches!(err, VenueError::Auth(_)), "{err:?}");
    assert!(env.lighter.open_orders("ETH").await.unwrap().is_empty());
}

#[tokio::test]
async fn lighter_rejects_reused_and_skipped_nonces() {
    let env = env().await;
    let k = env.session.lighter_keys();
    let req = aggressive(
        &env.lighter,
        "ETH",
        Side::Buy,
        dec!(0.1),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        81,
    )
    .await;
    place(&env.lighter, &req).await.unwrap(); // consumes nonce 0
    let signer = LighterSigner::new(&k.private_key, k.account_index, k.api_key_index, 304).unwrap();
    let now = t0().timestamp_millis();
    let cancel = |nonce| {
        signer
            .sign(&UnsignedTx::new(
                signer.header(nonce, now),
                TxBody::CancelOrder(CancelOrder {
                    market_index: 2,
                    index: 81,
                }),
            ))
            .unwrap()
    };
    for nonce in [0, 5] {
        let err = env
            .lighter
            .http()
            .send_tx(&cancel(nonce))
            .await
            .unwrap_err();
        assert!(
            venue_lighter::error::is_nonce_error(&err),
            "nonce {nonce}: {err:?}"
        );
    }
    assert_eq!(
        env.lighter
            .http()
            .next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        1
    );
    env.lighter.http().send_tx(&cancel(1)).await.unwrap();
    assert_eq!(
        env.lighter
            .http()
            .next_nonce(k.account_index, k.api_key_index)
            .await
            .unwrap(),
        2
    );
}
