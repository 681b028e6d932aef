//! Contract tests of failure handling, per endpoint: venue error code, HTTP 5xx, HTTP 429,
//! malformed body; reads are retried (bounded), writes are sent exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{ClientOrderId, ManualClock, OrderRequest, Side, TimeInForce, Venue, VenueError};
use venue_edgex::{ApiVersion, EdgexVenue};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Meta,
    Depth,
    Ticker,
    FundingPage,
    Asset,
    SetLeverage,
    CreateOrder,
    Cancel,
    Status,
    OpenOrders,
    Payments,
}

const OPS: [Op; 11] = [
    Op::Meta,
    Op::Depth,
    Op::Ticker,
    Op::FundingPage,
    Op::Asset,
    Op::SetLeverage,
    Op::CreateOrder,
    Op::Cancel,
    Op::Status,
    Op::OpenOrders,
    Op::Payments,
];

impl Op {
    fn endpoint(self) -> (&'static str, &'static str) {
        match self {
            Op::Meta => ("GET", "public/meta/getMetaData"),
            Op::Depth => ("GET", "public/quote/getDepth"),
            Op::Ticker => ("GET", "public/quote/getTicker"),
            Op::FundingPage => ("GET", "public/funding/getFundingRatePage"),
            Op::Asset => ("GET", "private/account/getAccountAsset"),
            Op::SetLeverage => ("POST", "private/account/updateLeverageSetting"),
            Op::CreateOrder => ("POST", "private/order/createOrder"),
            Op::Cancel => ("POST", "private/order/cancelOrderByClientOrderId"),
            Op::Status => ("GET", "private/order/getOrderByClientOrderId"),
            Op::OpenOrders => ("GET", "private/order/getActiveOrderPage"),
            Op::Payments => ("GET", "private/account/getPositionTransactionPage"),
        }
    }

    fn is_write(self) -> bool {
        self.endpoint().0 == "POST"
    }

    async fn call(self, v: &EdgexVenue) -> Result<(), VenueError> {
        let cid = ClientOrderId::new(4242).unwrap();
        match self {
            Op::Meta => v.market("BTC").await.map(drop),
            Op::Depth => v.top_of_book("BTC").await.map(drop),
            Op::Ticker => v.funding("BTC").await.map(drop),
            Op::FundingPage => v.funding_history("BTC", 3).await.map(drop),
            Op::Asset => v.balance().await.map(drop),
            Op::SetLeverage => v.set_leverage("ETH", 5).await,
            Op::CreateOrder => {
                let req = OrderRequest {
                    symbol: "BTC".into(),
                    side: Side::Sell,
                    size: dec!(0.010),
                    price: dec!(95000.0),
                    time_in_force: TimeInForce::ImmediateOrCancel,
                    reduce_only: true,
                    client_id: cid,
                    expires_at: None,
                };
                let prepared = v.prepare_order(&req).await.expect("prepare");
                v.submit_order(prepared).await.map(drop)
            }
            Op::Cancel => v.cancel_order("BTC", cid).await,
            Op::Status => v.order_status("BTC", cid).await.map(drop),
            Op::OpenOrders => v.open_orders("BTC").await.map(drop),
            Op::Payments => v.funding_payments("BTC", None).await.map(drop),
        }
    }
}

/// Runs `op` against a server whose endpoint answers `response`; returns the error and how
/// many requests reached the endpoint.
async fn run(op: Op, response: ResponseTemplate) -> (VenueError, usize) {
    let server = MockServer::start().await;
    let (verb, endpoint) = op.endpoint();
    let full = format!("/api/v1/{endpoint}");
    Mock::given(method(verb))
        .and(path(full.clone()))
        .respond_with(response)
        .mount(&server)
        .await;
    if op != Op::Meta {
        mount_meta(&server, ApiVersion::V1).await;
    }
    let v = venue(&server, ApiVersion::V1, system_clock());
    let err = op.call(&v).await.expect_err("must fail");
    (err, received(&server, &full).await.len())
}

#[tokio::test]
async fn venue_error_codes_are_rejected_with_code_and_message() {
    for op in OPS {
        let (err, n) = run(op, json("error_order_price.json")).await;
        match &err {
            VenueError::Rejected { code, message } => {
                assert_eq!(code, "ORDER_PRICE_OUT_OF_RANGE", "{op:?}");
                assert!(
                    message.contains("order price is out of range") && message.contains("100721.3"),
                    "{op:?}: {message}"
                );
            }
            other => panic!("{op:?}: {other:?}"),
        }
        assert_eq!(n, 1, "{op:?}: a refusal is not retried");
    }
}

#[tokio::test]
async fn server_errors_are_unavailable_on_reads_retried_and_outcome_unknown_on_writes() {
    for op in OPS {
        let (err, n) = run(
            op,
            ResponseTemplate::new(503).set_body_string("<html>503 Service Unavailable</html>"),
        )
        .await;
        if op.is_write() {
            // a gateway error after EdgeX may have acted: look it up, never conclude "not placed"
            assert!(err.outcome_unknown(), "{op:?}: {err:?}");
        } else {
            assert!(matches!(err, VenueError::Unavailable(_)), "{op:?}: {err:?}");
        }
        assert_eq!(n, if op.is_write() { 1 } else { 3 }, "{op:?}");
    }
}

#[tokio::test]
async fn rate_limits_are_typed_with_retry_after_reads_retried_writes_not() {
    for op in OPS {
        let (err, n) = run(
            op,
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        )
        .await;
        assert_eq!(
            err,
            VenueError::RateLimited {
                retry_after: Some(Duration::ZERO)
            },
            "{op:?}"
        );
        assert_eq!(n, if op.is_write() { 1 } else { 3 }, "{op:?}");
    }
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors_with_the_raw_body() {
    for op in OPS {
        let body = "<html>cloudflare says hi</html>";
        let (err, n) = run(op, ResponseTemplate::new(200).set_body_string(body)).await;
        match &err {
            VenueError::Decode { raw_body, .. } => assert_eq!(raw_body, body, "{op:?}"),
            other => panic!("{op:?}: {other:?}"),
        }
        assert!(
            !err.to_string().contains("cloudflare"),
            "Display hides the body"
        );
        assert_eq!(n, 1, "{op:?}");
    }
}

#[tokio::test]
async fn a_success_envelope_with_a_wrong_data_shape_is_decode() {
    let bad = r#"{"code":"SUCCESS","data":{"unexpected":true},"msg":null}"#;
    for op in [Op::Depth, Op::Ticker, Op::Status] {
        let (err, _) = run(op, ResponseTemplate::new(200).set_body_string(bad)).await;
        assert!(matches!(err, VenueError::Decode { .. }), "{op:?}: {err:?}");
    }
}

#[tokio::test]
async fn specific_codes_map_to_specific_errors() {
    let (err, _) = run(Op::Depth, json("error_invalid_contract.json")).await;
    assert!(matches!(err, VenueError::UnknownMarket(_)), "{err:?}");
    let (err, _) = run(Op::CreateOrder, json("error_margin.json")).await;
    assert!(matches!(err, VenueError::InsufficientMargin(_)), "{err:?}");
    let (err, n) = run(Op::Asset, ResponseTemplate::new(401).set_body_string("{}")).await;
    assert!(matches!(err, VenueError::Auth(_)), "{err:?}");
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_read_recovers_after_a_transient_failure() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .respond_with(json("depth.json"))
        .with_priority(2)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, system_clock());
    assert_eq!(
        v.top_of_book("BTC").await.unwrap().bid_price(),
        Some(dec!(95911.6))
    );
    assert_eq!(
        received(&server, "/api/v1/public/quote/getDepth")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn retry_after_is_honoured_on_the_injected_clock() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .respond_with(json("depth.json"))
        .with_priority(2)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(now()));
    let config = venue_edgex::EdgexConfig::new(ApiVersion::V1, server.uri(), "ws://127.0.0.1:9")
        .with_retry_delays(Duration::from_millis(1), Duration::from_secs(30));
    let v = Arc::new(EdgexVenue::with_clock(config, clock.clone()).unwrap());
    let task = tokio::spawn({
        let v = v.clone();
        async move { v.top_of_book("BTC").await }
    });
    for _ in 0..200 {
        if received(&server, "/api/v1/public/quote/getDepth")
            .await
            .len()
            == 1
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    clock.advance(Duration::from_millis(1500));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!task.is_finished(), "still waiting: Retry-After is 2 s");
    clock.advance(Duration::from_millis(600));
    let top = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(top.ask_price(), Some(dec!(95912.0)));
}

#[tokio::test]
async fn a_timed_out_order_is_timeout_sent_once_and_outcome_unknown() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/private/order/createOrder"))
        .respond_with(json("order_create.json").set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let config = venue_edgex::EdgexConfig::new(ApiVersion::V1, server.uri(), "ws://127.0.0.1:9")
        .with_account_id(ACCOUNT)
        .with_request_timeout(Duration::from_millis(200))
        .with_credentials(venue_edgex::EdgexCredentials::V1(
            venue_edgex::V1Credentials {
                stark_private_key: venue_api::Secret::new(STARK_KEY),
            },
        ))
        .unwrap();
    let v = EdgexVenue::with_clock(config, manual_clock()).unwrap();
    let err = Op::CreateOrder.call(&v).await.unwrap_err();
    assert!(matches!(err, VenueError::Timeout(_)), "{err:?}");
    assert!(err.outcome_unknown());
    assert_eq!(
        received(&server, "/api/v1/private/order/createOrder")
            .await
            .len(),
        1
    );
}
