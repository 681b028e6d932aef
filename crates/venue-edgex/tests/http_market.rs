//! Contract tests: metadata, top of book from depth, funding now and history.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{BookSource, MarketStatus, Venue, VenueError};
use venue_edgex::ApiVersion;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn market_metadata_is_mapped_and_cached() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = public_venue(&server, ApiVersion::V1);
    let btc = v.market("btc").await.unwrap();
    assert_eq!(btc.market_id.0, "10000001");
    assert_eq!((btc.symbol.as_str(), btc.quote.as_str()), ("BTC", "USD"));
    assert_eq!(
        (btc.tick_size, btc.step_size, btc.min_size),
        (dec!(0.1), dec!(0.001), dec!(0.001))
    );
    assert_eq!(btc.max_leverage, Some(dec!(100)));
    assert_eq!(btc.default_leverage, Some(dec!(50)));
    assert_eq!(
        (btc.taker_fee, btc.maker_fee),
        (Some(dec!(0.00038)), Some(dec!(0.00015)))
    );
    assert_eq!(btc.funding_interval_minutes, Some(240));
    assert_eq!(btc.status, MarketStatus::Active);
    let paxg = v.market("PAXG").await.unwrap();
    assert_eq!(paxg.status, MarketStatus::ReduceOnly);
    let all = v.markets().await.unwrap();
    assert_eq!(
        all.iter().map(|m| m.symbol.as_str()).collect::<Vec<_>>(),
        ["BTC", "ETH", "PAXG"]
    );
    assert_eq!(
        received(&server, "/api/v1/public/meta/getMetaData")
            .await
            .len(),
        1,
        "cached"
    );
}

#[tokio::test]
async fn unknown_symbol_is_unknown_market() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = public_venue(&server, ApiVersion::V1);
    let err = v.market("FARTCOIN").await.unwrap_err();
    match err {
        // the error names the pair and lists what the venue offers
        VenueError::UnknownMarket(m) => assert!(
            m.starts_with("FARTCOINUSD:") && m.contains("BTCUSD, ETHUSD, PAXGUSD"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn v2_metadata_uses_v2_paths() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V2).await;
    let v = public_venue(&server, ApiVersion::V2);
    assert_eq!(v.market("ETH").await.unwrap().market_id.0, "10000002");
    assert_eq!(
        received(&server, "/api/v2/public/meta/getMetaData")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn top_of_book_comes_from_depth() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .and(query_param("contractId", "10000001"))
        .and(query_param("level", "15"))
        .respond_with(json("depth.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = public_venue(&server, ApiVersion::V1);
    let top = v.top_of_book("BTC").await.unwrap();
    assert_eq!(top.bid_price(), Some(dec!(95911.6)));
    assert_eq!(top.ask_price(), Some(dec!(95912.0)));
    assert_eq!(top.bid.unwrap().size, dec!(0.433));
    assert_eq!(top.source, BookSource::Rest);
    assert!(
        received(&server, "/api/v1/public/quote/getTicker")
            .await
            .is_empty(),
        "never the ticker"
    );
    let r = &received(&server, "/api/v1/public/quote/getDepth").await[0];
    assert!(
        header(r, "x-edgex-api-signature").is_none(),
        "public call carries no auth"
    );
}

#[tokio::test]
async fn funding_rate_from_ticker_with_interval_from_metadata() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getTicker"))
        .and(query_param("contractId", "10000001"))
        .respond_with(json("ticker.json"))
        .mount(&server)
        .await;
    let v = public_venue(&server, ApiVersion::V1);
    let f = v.funding("BTC").await.unwrap();
    assert_eq!(f.rate, dec!(-0.00012236));
    assert_eq!(f.interval_minutes, 240);
    assert_eq!(
        f.next_funding_time.unwrap().timestamp_millis(),
        1_745_510_400_000
    );
    assert_eq!(f.time.unwrap().timestamp_millis(), 1_745_496_000_000);
    let many = v
        .funding_rates(&["BTC".to_string(), "NOPE".to_string()])
        .await
        .unwrap();
    assert!(many[0].1.is_ok());
    assert!(matches!(many[1].1, Err(VenueError::UnknownMarket(_))));
}

#[tokio::test]
async fn a_contract_without_funding_interval_is_an_error() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = public_venue(&server, ApiVersion::V1);
    let err = v.funding("PAXG").await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Decode { reason, .. } if reason.contains("fundingRateIntervalMin")),
        "{err:?}"
    );
    assert!(received(&server, "/api/v1/public/quote/getTicker")
        .await
        .is_empty());
}

#[tokio::test]
async fn funding_history_is_settled_and_newest_first() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/funding/getFundingRatePage"))
        .respond_with(json("funding_page.json"))
        .mount(&server)
        .await;
    let v = public_venue(&server, ApiVersion::V1);
    let h = v.funding_history("BTC", 2).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].rate, dec!(-0.00012236));
    assert_eq!(h[1].rate, dec!(0.00002100));
    assert!(h[0].time > h[1].time);
    let r = &received(&server, "/api/v1/public/funding/getFundingRatePage").await[0];
    let q = query(r);
    for (k, v) in [
        ("contractId", "10000001"),
        ("filterSettlementFundingRate", "true"),
        ("size", "100"),
    ] {
        assert!(q.contains(&(k.to_string(), v.to_string())), "{k}: {q:?}");
    }
    // a window ending now (the page order is not assumed)
    assert!(
        q.iter().any(|(k, _)| k == "filterBeginTimeInclusive"),
        "{q:?}"
    );
    assert!(
        q.iter().any(|(k, _)| k == "filterEndTimeExclusive"),
        "{q:?}"
    );
}

/// One settled funding object at `ms` (the wire shape of `getFundingRatePage`).
fn funding_item(ms: i64, rate: &str) -> serde_json::Value {
    serde_json::json!({"contractId": "10000001", "fundingTime": ms.to_string(),
        "fundingTimestamp": ms.to_string(), "fundingRate": rate, "isSettlement": true,
        "fundingRateIntervalMin": "240"})
}

fn funding_page(items: Vec<serde_json::Value>, next: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({"code": "SUCCESS",
        "data": {"dataList": items, "nextPageOffsetData": next}}))
}

#[tokio::test]
async fn funding_history_between_pages_with_the_cursor_over_the_filtered_window() {
    use chrono::{Duration, TimeZone, Utc};
    use wiremock::matchers::query_param_is_missing;
    const H4: i64 = 4 * 3_600_000;
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let to_ms = 1_745_496_000_000; // a settlement time: excluded
    let (from, to) = (
        Utc.timestamp_millis_opt(to_ms - 3 * H4 - 60_000).unwrap(),
        Utc.timestamp_millis_opt(to_ms).unwrap(),
    );
    let page = "/api/v1/public/funding/getFundingRatePage";
    // page 1 newest first, page 2 older (plus a stray row outside the window, dropped)
    Mock::given(method("GET"))
        .and(path(page))
        .and(query_param_is_missing("offsetData"))
        .respond_with(funding_page(
            vec![
                funding_item(to_ms - H4, "0.0003"),
                funding_item(to_ms - 2 * H4, "-0.0002"),
            ],
            "cursor-1",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(page))
        .and(query_param("offsetData", "cursor-1"))
        .respond_with(funding_page(
            vec![
                funding_item(to_ms - 3 * H4, "0.0001"),
                funding_item(to_ms - 4 * H4, "0.0009"),
            ],
            "",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let v = public_venue(&server, ApiVersion::V1);
    let h = v.funding_history_between("BTC", from, to).await.unwrap();
    let got: Vec<(i64, rust_decimal::Decimal)> = h
        .iter()
        .map(|p| (p.time.timestamp_millis(), p.rate))
        .collect();
    assert_eq!(
        got,
        vec![
            (to_ms - 3 * H4, dec!(0.0001)),
            (to_ms - 2 * H4, dec!(-0.0002)),
            (to_ms - H4, dec!(0.0003)),
        ],
        "oldest first, in [from, to)"
    );
    assert!(h.iter().all(|p| p.interval_minutes == 240));
    for r in received(&server, page).await {
        let q = query(&r);
        for (k, want) in [
            ("contractId", "10000001".to_string()),
            ("size", "100".to_string()),
            ("filterSettlementFundingRate", "true".to_string()),
            (
                "filterBeginTimeInclusive",
                from.timestamp_millis().to_string(),
            ),
            ("filterEndTimeExclusive", to_ms.to_string()),
        ] {
            assert!(q.contains(&(k.to_string(), want.clone())), "{k}: {q:?}");
        }
    }
    // refused before sending
    let err = v
        .funding_history_between("BTC", to, to - Duration::hours(1))
        .await
        .unwrap_err();
    assert!(matches!(err, VenueError::InvalidRequest(_)), "{err}");
    assert_eq!(received(&server, page).await.len(), 2);
}

#[tokio::test]
async fn funding_history_between_never_cuts_a_history_short_silently() {
    use chrono::{Duration, TimeZone, Utc};
    let to = Utc.timestamp_millis_opt(1_745_496_000_000).unwrap();
    let from = to - Duration::hours(1);
    let page = "/api/v1/public/funding/getFundingRatePage";
    // (cursor answered to every page, expected error text): a cursor that repeats, and
    // more pages than a one-hour window can hold
    for (repeat, want) in [(true, "repeats"), (false, "more than 2 pages")] {
        let server = MockServer::start().await;
        mount_meta(&server, ApiVersion::V1).await;
        Mock::given(method("GET"))
            .and(path(page))
            .and(query_param("offsetData", "c1"))
            .respond_with(funding_page(
                vec![funding_item(to.timestamp_millis() - 120_000, "0.0002")],
                if repeat { "c1" } else { "c2" },
            ))
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(page))
            .respond_with(funding_page(
                vec![funding_item(to.timestamp_millis() - 60_000, "0.0001")],
                "c1",
            ))
            .with_priority(2)
            .mount(&server)
            .await;
        let v = public_venue(&server, ApiVersion::V1);
        let err = v
            .funding_history_between("BTC", from, to)
            .await
            .unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}

#[tokio::test]
async fn depth_is_sorted_best_first_level_200_above_15_and_crossed_is_an_error() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let body = |bids: &str, asks: &str| {
        format!(
            r#"{{"code":"SUCCESS","data":[{{"contractId":"10000001","depthType":"SNAPSHOT","bids":{bids},"asks":{asks}}}],"msg":null}}"#
        )
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .and(query_param("level", "200"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
            body(
                r#"[["99","2"],["100","1"],["98","0"]]"#,
                r#"[["102","1"],["101","3"]]"#,
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .and(query_param("level", "15"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(
            body(r#"[["101","1"]]"#, r#"[["100","1"]]"#),
            "application/json",
        ))
        .mount(&server)
        .await;
    let v = public_venue(&server, ApiVersion::V1);
    let b = v.book("BTC", 20).await.unwrap();
    let prices = |l: &[venue_api::BookLevel]| l.iter().map(|l| l.price).collect::<Vec<_>>();
    assert_eq!(prices(&b.bids), [dec!(100), dec!(99)], "size 0 dropped");
    assert_eq!(prices(&b.asks), [dec!(101), dec!(102)]);
    assert_eq!(b.source, BookSource::Rest);
    let e = v.book("BTC", 5).await.unwrap_err();
    assert!(
        matches!(&e, VenueError::Decode { reason, .. } if reason.contains("crossed book, best bid 101 >= best ask 100")),
        "{e:?}"
    );
    let e = v.recent_trades("BTC", 5).await.unwrap_err();
    assert!(matches!(e, VenueError::Unsupported(_)), "{e:?}");
}
