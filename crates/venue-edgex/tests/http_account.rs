//! Contract tests: account assets (equity trap), positions, leverage, funding payments, and
//! the exact authenticated requests (V1 Stark headers, V2 HMAC headers).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use serde_json::json;
use venue_api::{MarginMode, Secret, Venue, VenueError};
use venue_edgex::signing::auth_v1::sign_request;
use venue_edgex::signing::hmac_v2::HmacAuth;
use venue_edgex::signing::stark::StarkKey;
use venue_edgex::ApiVersion;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

async fn mount_asset(server: &MockServer, v: ApiVersion) {
    Mock::given(method("GET"))
        .and(path(format!(
            "{}/private/account/getAccountAsset",
            prefix(v)
        )))
        .and(query_param("accountId", ACCOUNT.to_string()))
        .respond_with(json("account_asset.json"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn balance_uses_total_equity_not_raw_collateral_and_signs_v1() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_asset(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let b = v.balance().await.unwrap();
    assert_eq!(b.equity, dec!(4282.148470));
    assert_eq!(b.available, dec!(1082.148470));
    assert_eq!(b.margin_usage, Some(dec!(3200.000000) / dec!(4282.148470)));
    // the venue's own requirements: starkExRiskValue (maintenance), initialMarginRequirement
    assert_eq!(b.maintenance_margin, Some(dec!(143.850000)));
    assert_eq!(b.initial_margin, Some(dec!(3200.000000)));

    let r = &received(&server, "/api/v1/private/account/getAccountAsset").await[0];
    let key = StarkKey::from_secret(&Secret::new(STARK_KEY)).unwrap();
    let expected = sign_request(
        &key,
        NOW_MS as u64,
        "GET",
        "/api/v1/private/account/getAccountAsset",
        &format!("accountId={ACCOUNT}"),
    )
    .unwrap();
    assert_eq!(
        header(r, "x-edgex-api-timestamp").unwrap(),
        NOW_MS.to_string()
    );
    assert_eq!(
        header(r, "x-edgex-api-signature").unwrap(),
        expected.signature.to_hex()
    );
    assert_eq!(header(r, "x-edgex-api-signature").unwrap().len(), 128);
    assert_eq!(query(r), [("accountId".to_string(), ACCOUNT.to_string())]);
}

#[tokio::test]
async fn v2_private_reads_carry_hmac_headers() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V2).await;
    mount_asset(&server, ApiVersion::V2).await;
    let v = venue(&server, ApiVersion::V2, manual_clock());
    v.balance().await.unwrap();
    let r = &received(&server, "/api/v2/private/account/getAccountAsset").await[0];
    let auth = HmacAuth::new(
        &Secret::new(API_KEY),
        &Secret::new(API_PASSPHRASE),
        &Secret::new(API_SECRET),
    );
    let expected = auth.sign_request(
        NOW_MS as u64,
        "GET",
        "/api/v2/private/account/getAccountAsset",
        &format!("accountId={ACCOUNT}"),
    );
    assert_eq!(header(r, "x-edgex-api-key").unwrap(), API_KEY);
    assert_eq!(header(r, "x-edgex-passphrase").unwrap(), API_PASSPHRASE);
    assert_eq!(header(r, "x-edgex-timestamp").unwrap(), NOW_MS.to_string());
    assert_eq!(header(r, "x-edgex-signature").unwrap(), expected.signature);
    assert!(header(r, "x-edgex-api-signature").is_none());
}

#[tokio::test]
async fn positions_prefer_exchange_pnl_and_fall_back_to_the_manual_formula() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_asset(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getTicker"))
        .and(query_param("contractId", "10000002"))
        .respond_with(json("ticker_eth.json"))
        .expect(2)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let ps = v.positions().await.unwrap();
    assert_eq!(ps.len(), 2, "PAXG openSize 0 is flat: {ps:?}");
    let btc = ps.iter().find(|p| p.symbol == "BTC").unwrap();
    assert_eq!(btc.size, dec!(0.200));
    assert_eq!(btc.unrealized_pnl, Some(dec!(1.994000)));
    assert_eq!(btc.entry_price, Some(dec!(95915.15)));
    assert_eq!(btc.liquidation_price, Some(dec!(66120.4)));
    assert_eq!(btc.leverage, Some(dec!(3)));
    // mark = positionValue / openSize = 19185.024 / 0.2; fraction = starkExRiskRate
    assert_eq!(btc.mark_price, Some(dec!(95925.12)));
    assert_eq!(btc.maintenance_margin_fraction, Some(dec!(0.005)));
    let eth = ps.iter().find(|p| p.symbol == "ETH").unwrap();
    assert_eq!(eth.size, dec!(-5.00));
    // mark (oracle) × openSize − openValue = 1895.10 × −5 + 9590.58
    assert_eq!(eth.unrealized_pnl, Some(dec!(115.08)));
    assert_eq!(eth.entry_price, Some(dec!(1918.116)));
    // no positionAssetList entry: the oracle price the manual PnL used, fraction unknown
    assert_eq!(eth.mark_price, Some(dec!(1895.10)));
    assert_eq!(eth.maintenance_margin_fraction, None);
    // opened_at = the current term's start on the position's side
    assert_eq!(
        btc.opened_at.map(|t| t.timestamp_millis()),
        Some(1_745_400_000_000)
    );
    assert_eq!(
        eth.opened_at.map(|t| t.timestamp_millis()),
        Some(1_745_400_000_000)
    );
    assert!(v.position("PAXG").await.unwrap().is_none());
}

#[tokio::test]
async fn leverage_reads_the_trade_setting_or_the_default() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_asset(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let btc = v.leverage("BTC").await.unwrap();
    assert_eq!(
        (btc.leverage, btc.explicitly_set, btc.margin_mode),
        (dec!(3), true, MarginMode::Cross)
    );
    let eth = v.leverage("ETH").await.unwrap();
    assert_eq!((eth.leverage, eth.explicitly_set), (dec!(20), false));
}

#[tokio::test]
async fn set_leverage_posts_an_integer_string_and_signs_the_body() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/private/account/updateLeverageSetting"))
        .respond_with(json("ok_empty.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    v.set_leverage("ETH", 5).await.unwrap();
    let r = &received(&server, "/api/v1/private/account/updateLeverageSetting").await[0];
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"accountId": ACCOUNT.to_string(), "contractId": "10000002", "leverage": "5"})
    );
    let key = StarkKey::from_secret(&Secret::new(STARK_KEY)).unwrap();
    let expected = sign_request(
        &key,
        NOW_MS as u64,
        "POST",
        "/api/v1/private/account/updateLeverageSetting",
        &format!("accountId={ACCOUNT}&contractId=10000002&leverage=5"),
    )
    .unwrap();
    assert_eq!(
        header(r, "x-edgex-api-signature").unwrap(),
        expected.signature.to_hex()
    );
    assert_eq!(header(r, "content-type").unwrap(), "application/json");

    let err = v.set_leverage("ETH", 51).await.unwrap_err();
    assert!(matches!(err, VenueError::InvalidRequest(_)), "{err:?}");
    assert_eq!(
        received(&server, "/api/v1/private/account/updateLeverageSetting")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn funding_payments_are_filtered_and_newest_first() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/private/account/getPositionTransactionPage"))
        .respond_with(json("position_transactions.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let all = v.funding_payments("BTC", None).await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.amount).collect::<Vec<_>>(),
        [dec!(2.347100), dec!(-0.406200), dec!(-0.970100)]
    );
    let since = chrono::DateTime::from_timestamp_millis(1_745_481_600_000).unwrap();
    assert_eq!(
        v.funding_payments("BTC", Some(since)).await.unwrap().len(),
        2
    );
    let r = &received(
        &server,
        "/api/v1/private/account/getPositionTransactionPage",
    )
    .await[0];
    assert_eq!(
        query(r),
        [
            ("accountId".to_string(), ACCOUNT.to_string()),
            ("filterContractIdList".to_string(), "10000001".to_string()),
            (
                "filterTypeList".to_string(),
                "SETTLE_FUNDING_FEE".to_string()
            ),
            ("size".to_string(), "100".to_string()),
        ]
    );
    assert!(header(r, "x-edgex-api-signature").is_some());
}

#[tokio::test]
async fn private_calls_without_credentials_fail_before_sending() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = public_venue(&server, ApiVersion::V1);
    let err = v.balance().await.unwrap_err();
    assert!(matches!(err, VenueError::Auth(_)), "{err:?}");
    assert!(received(&server, "/api/v1/private/account/getAccountAsset")
        .await
        .is_empty());
}

#[tokio::test]
async fn the_stark_key_is_checked_against_the_account_l2_key() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    mount_asset(&server, ApiVersion::V1).await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    v.check_credentials().await.unwrap();

    let config = venue_edgex::EdgexConfig::new(ApiVersion::V1, server.uri(), "ws://127.0.0.1:9")
        .with_account_id(ACCOUNT)
        .with_credentials(venue_edgex::EdgexCredentials::V1(
            venue_edgex::V1Credentials {
                stark_private_key: Secret::new("0123456789abcdef"),
            },
        ))
        .unwrap();
    let wrong = venue_edgex::EdgexVenue::with_clock(config, manual_clock()).unwrap();
    let err = wrong.check_credentials().await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Auth(m) if m.contains("l2Key")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("0123456789abcdef"));
}

/// The venue's own figures carry more digits than a `Decimal` holds (the API doc's example:
/// `starkExRiskValue` with 62 decimals); they are read, rounded, never refused.
#[tokio::test]
async fn margin_figures_with_the_venues_long_fractions_are_read() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let mut body: serde_json::Value = serde_json::from_str(&fixture("account_asset.json")).unwrap();
    let data = &mut body["data"];
    data["collateralAssetModelList"][0]["starkExRiskValue"] =
        json!("0.48867214487909847796080764492643311314168386161327362060546875");
    data["positionAssetList"][0]["starkExRiskRate"] = json!("0.00500000012107193470001220703125");
    Mock::given(method("GET"))
        .and(path("/api/v1/private/account/getAccountAsset"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getTicker"))
        .respond_with(json("ticker_eth.json"))
        .mount(&server)
        .await;
    let v = venue(&server, ApiVersion::V1, manual_clock());
    let mm = v.balance().await.unwrap().maintenance_margin.unwrap();
    assert!(
        (mm - dec!(0.488672144879098477960807645)).abs() < dec!(0.000000000001),
        "{mm}"
    );
    let btc = v.position("BTC").await.unwrap().unwrap();
    let f = btc.maintenance_margin_fraction.unwrap();
    assert!((f - dec!(0.005)).abs() < dec!(0.000000001), "{f}");
}

/// `MarketInfo.maintenance_margin_fraction` is the first risk tier's `starkExRisk / 2^32`.
#[tokio::test]
async fn market_maintenance_fraction_is_the_base_tiers_stark_ex_risk() {
    let server = MockServer::start().await;
    mount_meta(&server, ApiVersion::V1).await;
    let v = public_venue(&server, ApiVersion::V1);
    for (symbol, risk) in [
        ("BTC", 21_474_837u64),
        ("ETH", 42_949_673),
        ("PAXG", 85_899_346),
    ] {
        let m = v.market(symbol).await.unwrap();
        let expected = rust_decimal::Decimal::from(risk) / rust_decimal::Decimal::from(1u64 << 32);
        assert_eq!(m.maintenance_margin_fraction, Some(expected), "{symbol}");
    }
}
