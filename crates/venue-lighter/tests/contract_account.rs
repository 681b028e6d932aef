//! Account reads against a mock Lighter: balance, positions with signed sizes and PnL,
//! leverage.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{MarginMode, Venue};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

async fn mount_account(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v1/account"))
        .and(query_param("by", "index"))
        .and(query_param("value", "123456"))
        .respond_with(json("account.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn balance_and_positions() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    mount_account(&server).await;
    let v = read_only_venue(&server);
    let b = v.balance().await.unwrap();
    assert_eq!((b.equity, b.available), (dec!(1003.978), dec!(812.3456)));
    // Lighter gives no account requirement: Σ |size| x mark x maintenance fraction
    // = 0.15 x 3021.4 x 0.012 + 0.005 x 91230.1 x 0.012
    assert_eq!(b.maintenance_margin, Some(dec!(10.912326)));
    assert_eq!(b.initial_margin, None);
    let ps = v.positions().await.unwrap();
    assert_eq!(ps.len(), 2, "the flat PAXG entry is not a position");
    let eth = ps.iter().find(|p| p.symbol == "ETH").unwrap();
    assert_eq!(eth.size, dec!(-0.15));
    assert_eq!(eth.entry_price, Some(dec!(3010.25)));
    assert_eq!(eth.unrealized_pnl, Some(dec!(-1.6725)));
    assert_eq!(eth.liquidation_price, Some(dec!(9120.50)));
    assert_eq!(eth.leverage, Some(dec!(5)));
    // mark = position_value / |position| (agrees with orderBookDetails.mark_price)
    assert_eq!(eth.mark_price, Some(dec!(3021.4)));
    assert_eq!(eth.maintenance_margin_fraction, Some(dec!(0.012)));
    let btc = v.position("BTC").await.unwrap().unwrap();
    assert_eq!(btc.size, dec!(0.005));
    assert_eq!(btc.liquidation_price, None, "0 means none");
    assert_eq!(btc.mark_price, Some(dec!(91230.1)));
    assert_eq!(btc.maintenance_margin_fraction, Some(dec!(0.012)));
    assert_eq!(v.position("PAXG").await.unwrap(), None);
    let lev = v.leverage("BTC").await.unwrap();
    assert_eq!(
        (lev.leverage, lev.margin_mode, lev.explicitly_set),
        (dec!(10), MarginMode::Cross, true)
    );
    let lev = v.leverage("PAXG").await.unwrap();
    assert_eq!(
        (lev.leverage, lev.explicitly_set),
        (dec!(10), false),
        "market default"
    );
}

#[tokio::test]
async fn account_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/account"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        let v = read_only_venue(&server);
        assert_failure(f, &v.balance().await.unwrap_err());
    }
}

#[tokio::test]
async fn a_bad_decimal_is_a_decode_error_not_zero() {
    let server = MockServer::start().await;
    let body = fixture("account.json").replace("\"812.345600\"", "\"n/a\"");
    Mock::given(method("GET"))
        .and(path("/api/v1/account"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let err = read_only_venue(&server).balance().await.unwrap_err();
    assert!(
        matches!(err, venue_api::VenueError::Decode { .. }),
        "{err:?}"
    );
}

/// A market read that fails leaves the fractions (and so the account requirement) unknown:
/// the balance itself still reads, and no partial sum is passed off as the requirement.
#[tokio::test]
async fn without_market_facts_the_requirement_is_unknown_not_partial() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    let v = read_only_venue(&server);
    let b = v.balance().await.unwrap();
    assert_eq!(b.equity, dec!(1003.978));
    assert_eq!(b.maintenance_margin, None);
    let ps = v.positions().await.unwrap();
    assert!(ps
        .iter()
        .all(|p| p.maintenance_margin_fraction.is_none() && p.mark_price.is_some()));
}
