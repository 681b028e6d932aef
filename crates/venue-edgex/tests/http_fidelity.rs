//! Contract tests of the live-fidelity corrections: contracts from the metadata's coins
//! (`BTCUSD` on V1, `BTCUSDC` on V2), an unknown pair listing what is offered, the oracle
//! price band, leverage precedence, cancel results, funding history read over a window and
//! sorted, the server-time offset, and the V2 WebSocket path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use serde_json::{json as j, Value};
use venue_api::{ClientOrderId, OrderRequest, Side, TimeInForce, Venue, VenueError};
use venue_edgex::ws::BookFeedConfig;
use venue_edgex::{ApiVersion, EdgexConfig};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn body(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

async fn mount_usdc_meta(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v2/public/meta/getMetaData"))
        .respond_with(json("meta_v2_usdc.json"))
        .mount(server)
        .await;
}

fn order(side: Side, price: rust_decimal::Decimal) -> OrderRequest {
    OrderRequest {
        symbol: "BTC".into(),
        side,
        size: dec!(0.2),
        price,
        time_in_force: TimeInForce::ImmediateOrCancel,
        reduce_only: false,
        client_id: ClientOrderId::new(4242).unwrap(),
        expires_at: None,
    }
}

fn sent_body(prepared: &venue_api::PreparedOrder) -> Value {
    serde_json::from_str(prepared.preview().unwrap().splitn(4, ' ').nth(3).unwrap()).unwrap()
}

#[tokio::test]
async fn v2_usdc_contracts_resolve_from_the_coins_and_unknown_pairs_list_the_offer() {
    let server = MockServer::start().await;
    mount_usdc_meta(&server).await;
    // the default/shipped quote is USD: the V2 USDC listing must still resolve
    let v = venue(&server, ApiVersion::V2, manual_clock());
    let btc = v.market("BTC").await.unwrap();
    assert_eq!(
        (btc.market_id.0.as_str(), btc.quote.as_str()),
        ("30000001", "USDC")
    );
    assert_eq!(v.markets().await.unwrap().len(), 3);
    let err = v.market("DOGE").await.unwrap_err();
    match err {
        VenueError::UnknownMarket(m) => {
            assert!(m.contains("BTCUSDC") && m.contains("ETHUSDC"), "{m}");
            assert!(m.starts_with("DOGEUSD"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // and V1's BTCUSD resolves from the same rule
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    assert_eq!(v.market("btc").await.unwrap().market_id.0, "10000001");
}

#[tokio::test]
async fn aggressive_prices_are_kept_inside_the_oracle_band_before_signing() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getTicker"))
        .and(query_param("contractId", "10000001"))
        .respond_with(json("ticker.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    // oracle 95925.12, ratio 0.05: buy cap 100721.3 (floor to tick), sell floor 91128.9 (ceil)
    let buy = v
        .prepare_order(&order(Side::Buy, dec!(120000.0)))
        .await
        .unwrap();
    assert_eq!(sent_body(&buy)["price"], "100721.3");
    assert_eq!(buy.request().price, dec!(100721.3));
    let sell = v
        .prepare_order(&order(Side::Sell, dec!(80000.0)))
        .await
        .unwrap();
    assert_eq!(sent_body(&sell)["price"], "91128.9");
    let inside = v
        .prepare_order(&order(Side::Buy, dec!(96000.0)))
        .await
        .unwrap();
    assert_eq!(sent_body(&inside)["price"], "96000.0");
}

#[tokio::test]
async fn leverage_follows_contract_then_account_default_then_contract_default() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let mut asset: Value = serde_json::from_str(&fixture("account_asset.json")).unwrap();
    asset["data"]["account"]["defaultTradeSetting"]["isSetMaxLeverage"] = j!(true);
    asset["data"]["account"]["defaultTradeSetting"]["maxLeverage"] = j!("7");
    Mock::given(method("GET"))
        .and(path("/api/v1/private/account/getAccountAsset"))
        .respond_with(body(asset))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let btc = v.leverage("BTC").await.unwrap();
    assert_eq!(
        (btc.leverage, btc.explicitly_set),
        (dec!(3), true),
        "contract setting"
    );
    let eth = v.leverage("ETH").await.unwrap();
    assert_eq!(
        (eth.leverage, eth.explicitly_set),
        (dec!(7), true),
        "account default"
    );
}

#[tokio::test]
async fn cancel_results_are_mapped() {
    for (result, ok) in [
        ("SUCCESS", true),
        ("FAILED_ORDER_FILLED", true),
        ("FAILED_ORDER_NOT_FOUND", true),
        ("FAILED_ORDER_STATUS_ERROR", false),
    ] {
        let server = MockServer::start().await;
        mount_meta(&server, ApiVersion::V1).await;
        Mock::given(method("POST"))
            .and(path("/api/v1/private/order/cancelOrderByClientOrderId"))
            .respond_with(body(
                j!({"code":"SUCCESS","data":{"cancelResultMap":{"4242":result}},"msg":null}),
            ))
            .mount(&server)
            .await;
        let v = venue(&server, ApiVersion::V1, manual_clock());
        let r = v
            .cancel_order("BTC", ClientOrderId::new(4242).unwrap())
            .await;
        assert_eq!(r.is_ok(), ok, "{result}: {r:?}");
    }
}

#[tokio::test]
async fn funding_history_reads_a_window_ending_now_and_sorts_it() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    // the page comes oldest first: the adapter must not take its head as "newest"
    let mut page: Value = serde_json::from_str(&fixture("funding_page.json")).unwrap();
    let list = page["data"]["dataList"].as_array_mut().unwrap();
    list.reverse();
    Mock::given(method("GET"))
        .and(path("/api/v1/public/funding/getFundingRatePage"))
        .respond_with(body(page))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let h = v.funding_history("BTC", 2).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].time.timestamp_millis(), 1_745_496_000_000);
    assert!(h[0].time > h[1].time);
    let r = &received(&server, "/api/v1/public/funding/getFundingRatePage").await[0];
    let q = query(r);
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("filterEndTimeExclusive"), (NOW_MS + 1).to_string());
    assert_eq!(
        get("filterBeginTimeInclusive"),
        (NOW_MS - 3 * 240 * 60_000).to_string()
    );
}

#[tokio::test]
async fn server_time_offset_is_applied_and_a_skewed_host_clock_is_a_clear_error() {
    for (skew_ms, ok) in [(5_000i64, true), (-120_000, false)] {
        let server = MockServer::start().await;
        mount_meta(&server, ApiVersion::V1).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/public/meta/getServerTime"))
            .respond_with(body(
                j!({"code":"SUCCESS","data":{"timeMillis":(NOW_MS + skew_ms).to_string()}}),
            ))
            .mount(&server)
            .await;
        let v = venue(&server, ApiVersion::V1, manual_clock());
        let r = v.resync().await;
        if ok {
            r.unwrap();
            assert_eq!(v.http().now_ms(), (NOW_MS + skew_ms) as u64);
            let p = v
                .prepare_order(&order(Side::Buy, dec!(95930.0)))
                .await
                .unwrap();
            let auth = &p
                .payload_ref::<venue_edgex::EdgexOrderPayload>()
                .unwrap()
                .auth;
            let ts = auth
                .pairs()
                .into_iter()
                .find(|(k, _)| k.ends_with("Timestamp"))
                .unwrap()
                .1;
            assert_eq!(ts, (NOW_MS + skew_ms).to_string());
        } else {
            let e = r.unwrap_err().to_string();
            assert!(e.contains("120.000 s") && e.contains("NTP"), "{e}");
        }
    }
}

#[test]
fn the_public_websocket_path_is_v1_on_both_generations() {
    for v in [ApiVersion::V1, ApiVersion::V2] {
        let config = EdgexConfig::new(v, "http://127.0.0.1:1", "wss://quote.example");
        assert_eq!(
            BookFeedConfig::from_config(&config).url,
            "wss://quote.example/api/v1/public/ws"
        );
    }
}
