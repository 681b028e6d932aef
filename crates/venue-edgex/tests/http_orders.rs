//! Contract tests: order preparation (validation + signing before send), submission (sent
//! once, exact body and headers), cancel, status by client id, open orders.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use num_bigint::BigUint;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use venue_api::{
    ClientOrderId, OrderRequest, OrderState, Secret, Side, TimeInForce, Venue, VenueError,
};
use venue_edgex::signing::canonical::canonical_json;
use venue_edgex::signing::eip712::{Address, Eip712Domain, EthKey};
use venue_edgex::signing::hmac_v2::HmacAuth;
use venue_edgex::signing::order_v1::{sign_order_v1, V1ContractParams};
use venue_edgex::signing::order_v2::{sign_order_v2, V2ContractParams};
use venue_edgex::signing::stark::StarkKey;
use venue_edgex::signing::{EdgexTimeInForce, OrderFields};
use venue_edgex::{ApiVersion, EdgexOrderPayload};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

fn btc_buy(size: Decimal, price: Decimal) -> OrderRequest {
    OrderRequest {
        symbol: "BTC".into(),
        side: Side::Buy,
        size,
        price,
        time_in_force: TimeInForce::ImmediateOrCancel,
        reduce_only: false,
        client_id: ClientOrderId::new(4242).unwrap(),
        expires_at: None,
    }
}

fn fields() -> OrderFields {
    OrderFields {
        account_id: ACCOUNT,
        side: Side::Buy,
        size: dec!(0.200),
        price: dec!(95930.0),
        client_order_id: "4242".into(),
        time_in_force: EdgexTimeInForce::ImmediateOrCancel,
        reduce_only: false,
        now_ms: NOW_MS as u64,
        expire_at_ms: None,
    }
}

fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap()
}

async fn mount_create(server: &MockServer, v: ApiVersion) {
    Mock::given(method("POST"))
        .and(path(format!("{}/private/order/createOrder", prefix(v))))
        .respond_with(json("order_create.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn v1_order_is_signed_before_send_and_sent_exactly_once() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_create(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());

    let prepared = v
        .prepare_order(&btc_buy(dec!(0.200), dec!(95930.0)))
        .await
        .unwrap();
    assert!(
        received(&server, "/api/v1/private/order/createOrder")
            .await
            .is_empty(),
        "prepare sends nothing"
    );
    let payload: &EdgexOrderPayload = prepared.payload_ref().unwrap();
    assert_eq!(payload.path, "/api/v1/private/order/createOrder");

    let key = StarkKey::from_secret(&Secret::new(STARK_KEY)).unwrap();
    let params = V1ContractParams {
        contract_id: "10000001".into(),
        synthetic_asset_id: hex("425443322d31300000000000000000"),
        synthetic_resolution: hex("2540be400"),
        collateral_asset_id: hex("2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5"),
        collateral_resolution: hex("f4240"),
        taker_fee_rate: dec!(0.00038),
    };
    let expected = sign_order_v1(&key, &params, &fields()).unwrap();
    assert!(starknet_crypto::verify(
        &key.public_key(),
        &expected.intermediate.msg_hash,
        &expected.signature.r,
        &expected.signature.s
    )
    .unwrap());
    let expected_auth = expected
        .request_auth(&key, "/api/v1/private/order/createOrder")
        .unwrap();

    let ack = v.submit_order(prepared).await.unwrap();
    assert_eq!(ack.venue_order_id.as_deref(), Some("724206089751668701"));
    assert_eq!(ack.client_id.get(), 4242);

    let reqs = received(&server, "/api/v1/private/order/createOrder").await;
    assert_eq!(reqs.len(), 1);
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body, Value::Object(expected.body.clone()));
    assert_eq!(body["l2Value"], "19186.0000");
    assert_eq!(body["l2LimitFee"], "8");
    assert_eq!(body["timeInForce"], "IMMEDIATE_OR_CANCEL");
    assert_eq!(body["clientOrderId"], "4242");
    assert_eq!(body["reduceOnly"], false);
    assert_eq!(body["l2ExpireTime"], (NOW_MS + 14 * 86_400_000).to_string());
    assert_eq!(
        header(&reqs[0], "x-edgex-api-timestamp").unwrap(),
        NOW_MS.to_string()
    );
    assert_eq!(
        header(&reqs[0], "x-edgex-api-signature").unwrap(),
        expected_auth.signature.to_hex()
    );
    assert_eq!(
        expected_auth.sign_content,
        format!(
            "{NOW_MS}POST/api/v1/private/order/createOrder{}",
            canonical_json(&body)
        )
    );
}

#[tokio::test]
async fn v2_order_carries_eip712_signature_and_hmac_headers() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V2).await;
    mount_create(&server, ApiVersion::V2).await;
    let v = venue(&server, ApiVersion::V2, manual_clock());
    let prepared = v
        .prepare_order(&btc_buy(dec!(0.200), dec!(95930.0)))
        .await
        .unwrap();
    v.submit_order(prepared).await.unwrap();

    let key = EthKey::from_secret(&Secret::new(ETH_KEY)).unwrap();
    let params = V2ContractParams {
        contract_id: 10000001,
        collateral_coin_id: 1000,
        synthetic_resolution: hex("2540be400"),
        collateral_resolution: hex("f4240"),
        taker_fee_rate: Some(dec!(0.00038)),
        maker_fee_rate: Some(dec!(0.00015)),
        domain: Eip712Domain {
            chain_id: BigUint::from(56u32),
            verifying_contract: Address::parse("0x3db18a28ec9f6fbfd9d9320e71ef5e7a14fe7ebc")
                .unwrap(),
        },
    };
    let expected = sign_order_v2(&key, &params, &fields()).unwrap();
    let hmac = HmacAuth::new(
        &Secret::new(API_KEY),
        &Secret::new(API_PASSPHRASE),
        &Secret::new(API_SECRET),
    );
    let expected_auth = expected.request_auth(&hmac, "/api/v2/private/order/createOrder");

    let reqs = received(&server, "/api/v2/private/order/createOrder").await;
    assert_eq!(reqs.len(), 1);
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(body, Value::Object(expected.body.clone()));
    assert_eq!(body["l2Signature"].as_str().unwrap().len(), 130);
    assert_eq!(body["l2ExpireTime"], (NOW_MS + 30 * 86_400_000).to_string());
    assert_eq!(body["openTp"], Value::Null);
    assert_eq!(
        header(&reqs[0], "x-edgex-signature").unwrap(),
        expected_auth.signature
    );
    assert_eq!(header(&reqs[0], "x-edgex-api-key").unwrap(), API_KEY);
    assert_eq!(
        header(&reqs[0], "x-edgex-timestamp").unwrap(),
        NOW_MS.to_string()
    );
}

#[tokio::test]
async fn invalid_orders_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_create(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let cases = [
        btc_buy(dec!(0.0005), dec!(95930.0)), // off the step grid
        btc_buy(dec!(0.200), dec!(95930.05)), // off the tick grid
        btc_buy(dec!(0), dec!(95930.0)),      // zero size
        btc_buy(dec!(51.000), dec!(95930.0)), // above maxOrderSize
        OrderRequest {
            symbol: "PAXG".into(),
            size: dec!(0.010),
            price: dec!(2850.27),
            ..btc_buy(dec!(1), dec!(1))
        },
    ];
    for req in cases {
        let err = v.prepare_order(&req).await.unwrap_err();
        assert!(
            matches!(err, VenueError::InvalidRequest(_)),
            "{req:?}: {err:?}"
        );
    }
    let gtt = OrderRequest {
        time_in_force: TimeInForce::GoodTilTime(now()),
        ..btc_buy(dec!(0.2), dec!(95930.0))
    };
    assert!(matches!(
        v.prepare_order(&gtt).await.unwrap_err(),
        VenueError::Unsupported(_)
    ));
    let reduce_paxg = OrderRequest {
        symbol: "PAXG".into(),
        size: dec!(0.010),
        price: dec!(2850.27),
        reduce_only: true,
        ..btc_buy(dec!(1), dec!(1))
    };
    v.prepare_order(&reduce_paxg).await.unwrap();
    // A reduce-only order below the minimum size (0.010) is still prepared: it only shrinks a
    // position, and refusing it would leave a dust residual that can never be closed.
    let dust_close = OrderRequest {
        size: dec!(0.005),
        ..reduce_paxg.clone()
    };
    v.prepare_order(&dust_close).await.unwrap();
    assert!(received(&server, "/api/v1/private/order/createOrder")
        .await
        .is_empty());

    let public = public_venue(&server, ApiVersion::V1);
    let err = public
        .prepare_order(&btc_buy(dec!(0.2), dec!(95930.0)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("EDGEX_STARK_PRIVATE_KEY")),
        "{err:?}"
    );
}

#[tokio::test]
async fn cancel_by_client_id_and_cancel_all_send_the_documented_bodies() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/private/order/cancelOrderByClientOrderId"))
        .respond_with(json("cancel_result.json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/private/order/cancelAllOrder"))
        .respond_with(json("ok_empty.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    v.cancel_order("BTC", ClientOrderId::new(4242).unwrap())
        .await
        .unwrap();
    v.cancel_all("BTC").await.unwrap();
    let r = &received(&server, "/api/v1/private/order/cancelOrderByClientOrderId").await[0];
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"accountId": ACCOUNT.to_string(), "clientOrderIdList": ["4242"]})
    );
    assert!(header(r, "x-edgex-api-signature").is_some());
    let r = &received(&server, "/api/v1/private/order/cancelAllOrder").await[0];
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"accountId": ACCOUNT.to_string(), "filterContractIdList": ["10000001"]})
    );
}

#[tokio::test]
async fn order_status_by_client_id_maps_a_partially_filled_ioc() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/private/order/getOrderByClientOrderId"))
        .and(query_param("clientOrderIdList", "4242"))
        .respond_with(json("order_by_client_id.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let s = v
        .order_status("BTC", ClientOrderId::new(4242).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.state, OrderState::Canceled);
    assert_eq!(s.filled_size, dec!(0.150));
    assert_eq!(s.avg_fill_price, Some(dec!(95911.6)));
    assert_eq!(s.fee, Some(dec!(5.466961)));
    assert_eq!(s.reason.as_deref(), Some("COULD_NOT_FILL"));
    assert_eq!(s.venue_order_id.as_deref(), Some("724206089751668701"));
    let r = &received(&server, "/api/v1/private/order/getOrderByClientOrderId").await[0];
    assert_eq!(
        query(r),
        [
            ("accountId".to_string(), ACCOUNT.to_string()),
            ("clientOrderIdList".to_string(), "4242".to_string())
        ]
    );
}

#[tokio::test]
async fn unknown_client_id_checks_history_then_says_none() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    for p in ["getOrderByClientOrderId", "getHistoryOrderByClientOrderId"] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/private/order/{p}")))
            .respond_with(json("empty_list.json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let v = venue(&server, ApiVersion::V1, manual_clock());
    assert!(v
        .order_status("BTC", ClientOrderId::new(9).unwrap())
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn open_orders_keep_ours_only() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/private/order/getActiveOrderPage"))
        .and(query_param("filterContractIdList", "10000001"))
        .respond_with(json("active_orders.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let open = v.open_orders("BTC").await.unwrap();
    assert_eq!(
        open.iter().map(|o| o.client_id.get()).collect::<Vec<_>>(),
        [5001, 5002]
    );
    assert_eq!(open[1].filled_size, dec!(0.005));
    assert!(open.iter().all(|o| o.state == OrderState::Open));
}

#[tokio::test]
async fn v2_metadata_without_signing_domain_refuses_to_sign() {
    let server = MockServer::start().await;
    let mut meta: Value = serde_json::from_str(&fixture("meta_v2.json")).unwrap();
    meta["data"]["global"]["contractAddress"] = Value::Null;
    Mock::given(method("GET"))
        .and(path("/api/v2/public/meta/getMetaData"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(meta))
        .mount(&server)
        .await;
    mount_create(&server, ApiVersion::V2).await;
    let v = venue(&server, ApiVersion::V2, manual_clock());
    let err = v
        .prepare_order(&btc_buy(dec!(0.200), dec!(95930.0)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, VenueError::Decode { reason, .. } if reason.contains("contractAddress")),
        "{err:?}"
    );
    assert!(received(&server, "/api/v2/private/order/createOrder")
        .await
        .is_empty());
}
