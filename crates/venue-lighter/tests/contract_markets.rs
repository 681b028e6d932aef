//! Market metadata and the REST top of book against a mock Lighter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{BookSource, MarketStatus, Venue, VenueError};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn markets_join_books_and_details() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    let v = venue(&server);
    let markets = v.markets().await.unwrap();
    assert_eq!(markets.len(), 3, "spot markets are left out");
    let eth = v.market("eth").await.unwrap();
    assert_eq!(eth.market_id.0, "0");
    assert_eq!((eth.tick_size, eth.step_size), (dec!(0.01), dec!(0.0001)));
    assert_eq!(
        (eth.min_size, eth.min_quote),
        (dec!(0.0050), Some(dec!(10)))
    );
    assert_eq!(eth.max_leverage, Some(dec!(50)));
    assert_eq!(eth.default_leverage, Some(dec!(20)));
    assert_eq!(eth.taker_fee, Some(dec!(0)));
    assert_eq!(eth.funding_interval_minutes, Some(60));
    assert_eq!(eth.status, MarketStatus::Active);
    // maintenance_margin_fraction in 1/10000: 120 -> 1.2 %, 500 -> 5 %
    assert_eq!(eth.maintenance_margin_fraction, Some(dec!(0.012)));
    let paxg = v.market("PAXG").await.unwrap();
    assert_eq!(paxg.status, MarketStatus::Inactive);
    assert_eq!(paxg.maintenance_margin_fraction, Some(dec!(0.05)));
    assert_eq!(
        v.market("DOGE").await.unwrap_err(),
        VenueError::UnknownMarket("DOGE".into())
    );
    // cached: two requests in total
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn order_books_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/orderBooks"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        let err = venue(&server).markets().await.unwrap_err();
        assert_failure(f, &err);
        let tries = server.received_requests().await.unwrap().len();
        if err.is_retryable() {
            assert_eq!(tries, 3, "{f:?}: a read is retried");
        } else {
            assert_eq!(tries, 1, "{f:?}: not retried");
        }
    }
}

#[tokio::test]
async fn order_book_details_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/orderBooks"))
            .respond_with(json("orderBooks.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/orderBookDetails"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(f, &venue(&server).market("ETH").await.unwrap_err());
    }
}

#[tokio::test]
async fn rest_top_of_book_sorts_levels_and_sums_the_best_level() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .and(query_param("market_id", "0"))
        .and(query_param("limit", "20"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&server)
        .await;
    let top = venue(&server).top_of_book("ETH").await.unwrap();
    assert_eq!(top.bid_price(), Some(dec!(3021.40)));
    assert_eq!(top.ask_price(), Some(dec!(3021.50)));
    assert_eq!(top.ask.unwrap().size, dec!(1.1));
    // two resting bids at 3021.40: the level is 2.0 + 0.5, not one order's size
    assert_eq!(top.bid.unwrap().size, dec!(2.5));
    assert_eq!(top.source, BookSource::Rest);
}

#[tokio::test]
async fn order_book_orders_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/orderBookOrders"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(f, &venue(&server).top_of_book("ETH").await.unwrap_err());
    }
}

#[tokio::test]
async fn depth_sums_orders_per_level_best_first_and_a_crossed_book_is_an_error() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .and(query_param("market_id", "0"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&server)
        .await;
    let b = venue(&server).book("ETH", 2).await.unwrap();
    assert_eq!(b.bids.len(), 2);
    assert_eq!(
        (b.bids[0].price, b.bids[0].size),
        (dec!(3021.40), dec!(2.5))
    );
    assert!(b.bids[0].price > b.bids[1].price);
    assert_eq!(b.asks[0].price, dec!(3021.50));
    assert!(b.asks[0].price < b.asks[1].price);
    assert_eq!(b.source, BookSource::Rest);
    let crossed = MockServer::start().await;
    mount_markets(&crossed).await;
    let body = r#"{"code":200,"asks":[{"price":"3000.00","remaining_base_amount":"1"}],
        "bids":[{"price":"3001.00","remaining_base_amount":"1"}]}"#;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&crossed)
        .await;
    let e = venue(&crossed).book("ETH", 5).await.unwrap_err();
    assert!(
        matches!(&e, VenueError::Decode { reason, .. } if reason.contains("crossed book, best bid 3001.00 >= best ask 3000.00")),
        "{e:?}"
    );
}

#[tokio::test]
async fn recent_trades_are_sorted_oldest_first_and_limited() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    let t = |id: u64, maker_ask: bool| {
        format!(
            r#"{{"trade_id":{id},"tx_hash":"ab","type":"trade","market_id":0,"size":"0.1000","price":"3021.5{id}","usd_amount":"302.15","ask_id":1,"bid_id":2,"ask_account_id":3,"bid_account_id":4,"is_maker_ask":{maker_ask},"block_height":9,"timestamp":1722339648{id}00}}"#
        )
    };
    let body = format!(
        r#"{{"code":200,"trades":[{},{},{}]}}"#,
        t(3, true),
        t(2, false),
        t(1, true)
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/recentTrades"))
        .and(query_param("market_id", "0"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let trades = venue(&server).recent_trades("ETH", 2).await.unwrap();
    let ids: Vec<u64> = trades.iter().map(|t| t.trade_id).collect();
    assert_eq!(ids, [2, 3], "oldest first, the newest `limit`");
    assert_eq!(trades[0].taker_side, Some(venue_api::Side::Sell));
    assert_eq!(trades[1].taker_side, Some(venue_api::Side::Buy));
    assert_eq!(trades[1].price, dec!(3021.53));
    assert_eq!(trades[1].time.timestamp_millis(), 1_722_339_648_300);
}
