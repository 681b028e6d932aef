//! Contract tests of the outcome-critical paths: finished orders found by client id on both
//! generations through endpoints that exist (a definite "not found" is an answer), fill =
//! max(cumFillSize, cumMatchSize), a gateway 5xx on createOrder is outcome-unknown, and
//! `expires_at` reaches the wire as `expireTime`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration as ChronoDuration;
use common::*;
use rust_decimal_macros::dec;
use serde_json::Value;
use venue_api::{ClientOrderId, OrderRequest, OrderState, Side, TimeInForce, Venue};
use venue_edgex::ApiVersion;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn cid(n: u64) -> ClientOrderId {
    ClientOrderId::new(n).unwrap()
}

fn order(client: u64) -> OrderRequest {
    OrderRequest {
        symbol: "BTC".into(),
        side: Side::Buy,
        size: dec!(0.2),
        price: dec!(95930.0),
        time_in_force: TimeInForce::ImmediateOrCancel,
        reduce_only: false,
        client_id: cid(client),
        expires_at: None,
    }
}

async fn mount_empty_active(server: &MockServer, v: ApiVersion) {
    Mock::given(method("GET"))
        .and(path(format!(
            "{}/private/order/getOrderByClientOrderId",
            prefix(v)
        )))
        .respond_with(json("empty_list.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn v2_finished_order_is_found_in_the_history_page_with_the_matched_size() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V2).await;
    mount_empty_active(&server, ApiVersion::V2).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/private/order/getHistoryOrderPage"))
        .and(query_param("filterContractIdList", "10000001"))
        .respond_with(json("history_order_page.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V2, manual_clock());
    let s = v.order_status("BTC", cid(4343)).await.unwrap().unwrap();
    assert_eq!(s.state, OrderState::Filled);
    assert_eq!(s.filled_size, dec!(0.200), "max(cumFillSize, cumMatchSize)");
    assert_eq!(s.avg_fill_price, Some(dec!(95930)));
    // without an ack the scan is bounded by creation time
    let r = &received(&server, "/api/v2/private/order/getHistoryOrderPage").await[0];
    let since = query(r)
        .into_iter()
        .find(|(k, _)| k == "filterStartCreatedTimeInclusive")
        .map(|(_, v)| v.parse::<i64>().unwrap())
        .expect("time window");
    assert_eq!(NOW_MS - since, 6 * 3600 * 1000);
    // the removed V2 endpoint is never called
    assert!(received(
        &server,
        "/api/v2/private/order/getHistoryOrderByClientOrderId"
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn v2_lookup_after_an_ack_filters_by_the_order_id() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V2).await;
    mount_empty_active(&server, ApiVersion::V2).await;
    Mock::given(method("POST"))
        .and(path("/api/v2/private/order/createOrder"))
        .respond_with(json("order_create.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/private/order/getHistoryOrderPage"))
        .and(query_param("filterOrderIdList", "724206089751668701"))
        .respond_with(json("empty_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V2, system_clock());
    let prepared = v.prepare_order(&order(4242)).await.unwrap();
    v.submit_order(prepared).await.unwrap();
    assert!(v.order_status("BTC", cid(4242)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_404_on_the_history_fallback_is_a_definite_not_found() {
    for (v, fallback) in [
        (ApiVersion::V1, "getHistoryOrderByClientOrderId"),
        (ApiVersion::V2, "getHistoryOrderPage"),
    ] {
        let server = MockServer::start().await;
        mount_meta(&server, v).await;
        mount_empty_active(&server, v).await;
        Mock::given(method("GET"))
            .and(path(format!("{}/private/order/{fallback}", prefix(v))))
            .respond_with(ResponseTemplate::new(404).set_body_string("404 page not found"))
            .expect(1)
            .mount(&server)
            .await;
        let venue = venue(&server, v, manual_clock());
        assert_eq!(
            venue.order_status("BTC", cid(9)).await.unwrap(),
            None,
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn gateway_5xx_on_create_is_outcome_unknown_and_sent_once() {
    for status in [500u16, 502, 503, 504] {
        let server = MockServer::start().await;
        mount_meta(&server, ApiVersion::V1).await;
        Mock::given(method("POST"))
            .and(path("/api/v1/private/order/createOrder"))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>gateway</html>"))
            .expect(1)
            .mount(&server)
            .await;
        let v = venue(&server, ApiVersion::V1, system_clock());
        let prepared = v.prepare_order(&order(4242)).await.unwrap();
        let err = v.submit_order(prepared).await.unwrap_err();
        assert!(err.outcome_unknown(), "{status}: {err:?}");
    }
}

#[tokio::test]
async fn expires_at_is_put_on_the_wire_and_a_past_moment_is_refused() {
    for v in [ApiVersion::V1, ApiVersion::V2] {
        let server = MockServer::start().await;
        mount_meta(&server, v).await;
        let venue = venue(&server, v, manual_clock());
        let at = now() + ChronoDuration::seconds(90);
        let mut req = order(4242);
        req.expires_at = Some(at);
        let prepared = venue.prepare_order(&req).await.unwrap();
        let preview = prepared.preview().unwrap().to_string();
        // "EdgeX POST <path> <body>"
        let body: Value = serde_json::from_str(preview.splitn(4, ' ').nth(3).unwrap()).unwrap();
        assert_eq!(
            body["expireTime"].as_str().unwrap(),
            at.timestamp_millis().to_string(),
            "{v:?}"
        );
        req.expires_at = Some(now() - ChronoDuration::seconds(1));
        assert!(venue.prepare_order(&req).await.is_err(), "{v:?}");
    }
}
