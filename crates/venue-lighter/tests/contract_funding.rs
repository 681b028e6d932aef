//! Funding endpoints against a mock Lighter: units (percent per hour, fraction per 8 h),
//! signs, and the bulk read that does not grow with the symbol count.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{Venue, VenueError};
use wiremock::matchers::{header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn current_and_historical_rates_from_fundings() {
    // No current rate for ETH in the bulk endpoint: `funding` falls back to the last settled
    // hourly rate.
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/funding-rates"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"code":200,"funding_rates":[]}"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/fundings"))
        .and(query_param("market_id", "0"))
        .and(query_param("resolution", "1h"))
        .respond_with(json("fundings.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    let r = v.funding("ETH").await.unwrap();
    assert_eq!(r.rate, dec!(0.000010), "0.0010 percent per hour");
    assert_eq!(r.interval_minutes, 60);
    assert_eq!(r.time.unwrap().timestamp(), 1_795_489_200);
    let h = v.funding_history("ETH", 2).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].time.timestamp(), 1_795_489_200, "newest first");
    assert_eq!(h[1].rate, dec!(-0.000004), "direction short = shorts paid");
}

#[tokio::test]
async fn fundings_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/fundings"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(
            f,
            &venue(&server).funding_history("ETH", 3).await.unwrap_err(),
        );
    }
}

#[tokio::test]
async fn funding_uses_the_current_rate_of_the_bulk_endpoint_when_present() {
    // `funding` and `funding_rates` must agree, so `funding` and `funding_all` never show two
    // different "current" rates for the same market.
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/funding-rates"))
        .respond_with(json("funding-rates.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/fundings"))
        .respond_with(json("fundings.json"))
        .expect(0)
        .mount(&server)
        .await;
    let v = venue(&server);
    let one = v.funding("ETH").await.unwrap();
    let bulk = v.funding_rates(&["ETH".to_string()]).await.unwrap();
    assert_eq!(Ok(one.clone()), bulk[0].1);
    assert_eq!(one.rate, dec!(0.00001));
}

#[tokio::test]
async fn bulk_rates_in_one_request() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/funding-rates"))
        .respond_with(json("funding-rates.json"))
        .expect(1)
        .mount(&server)
        .await;
    let v = venue(&server);
    let symbols: Vec<String> = ["ETH", "BTC", "PAXG", "DOGE"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rates = v.funding_rates(&symbols).await.unwrap();
    assert_eq!(rates.len(), 4);
    assert_eq!(
        rates[0].1.as_ref().unwrap().rate,
        dec!(0.00001),
        "0.00008 per 8 h"
    );
    assert_eq!(rates[1].1.as_ref().unwrap().rate, dec!(-0.000003));
    assert!(
        matches!(rates[2].1, Err(VenueError::Unavailable(_))),
        "listed but no lighter rate"
    );
    assert_eq!(rates[3].1, Err(VenueError::UnknownMarket("DOGE".into())));
    assert!(v.capabilities().bulk_funding);
}

#[tokio::test]
async fn bulk_rates_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/funding-rates"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(
            f,
            &venue(&server)
                .funding_rates(&["ETH".to_string()])
                .await
                .unwrap_err(),
        );
    }
}

#[tokio::test]
async fn funding_payments_use_the_auth_token() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/positionFunding"))
        .and(query_param("account_index", "123456"))
        .and(query_param("market_ids", "0"))
        .and(header_exists("authorization"))
        .respond_with(json("positionFunding.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    let all = v.funding_payments("ETH", None).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].amount, dec!(-0.018060));
    let since = chrono::DateTime::from_timestamp(1_795_485_600, 0).unwrap();
    assert_eq!(
        v.funding_payments("ETH", Some(since)).await.unwrap().len(),
        2
    );
    let req = &server.received_requests().await.unwrap()[2];
    let token = req.headers.get("authorization").unwrap().to_str().unwrap();
    assert!(token.starts_with("1795490775:123456:3:"), "{token}");
}

#[tokio::test]
async fn funding_payments_failures_map_to_typed_errors() {
    for f in FAILURES {
        let server = MockServer::start().await;
        mount_markets(&server).await;
        Mock::given(method("GET"))
            .and(path("/api/v1/positionFunding"))
            .respond_with(failure_response(f))
            .mount(&server)
            .await;
        assert_failure(
            f,
            &venue(&server)
                .funding_payments("ETH", None)
                .await
                .unwrap_err(),
        );
    }
}

#[tokio::test]
async fn debug_output_never_shows_the_key_or_the_auth_token() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/positionFunding"))
        .respond_with(json("positionFunding.json"))
        .mount(&server)
        .await;
    let v = venue(&server);
    v.funding_payments("ETH", None).await.unwrap();
    let token = v.auth_token().await.unwrap();
    let sig = token.rsplit_once(':').unwrap().1;
    let text = format!("{v:?}");
    assert!(!text.contains(sig), "auth token leaked in Debug");
    assert!(
        !text.contains("6b25cafbe1afb316"),
        "private key leaked in Debug"
    );
}

#[tokio::test]
async fn fundings_are_read_in_windows_ending_now_and_taken_newest_first() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/funding-rates"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"code":200,"funding_rates":[]}"#),
        )
        .mount(&server)
        .await;
    // count_back counted from start_timestamp: a 10-day-old row comes first, and a row the
    // venue returned outside the asked window is ignored
    let now_s = now().timestamp();
    let body = format!(
        r#"{{"code":200,"resolution":"1h","fundings":[
        {{"timestamp":{},"value":"1","rate":"0.0500","direction":"long"}},
        {{"timestamp":{},"value":"1","rate":"0.0010","direction":"long"}},
        {{"timestamp":{},"value":"1","rate":"0.0020","direction":"short"}}]}}"#,
        now_s - 10 * 86_400,
        now_s - 3_600 - 975,
        now_s - 975
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/fundings"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let v = venue(&server);
    let r = v.funding("ETH").await.unwrap();
    assert_eq!(r.rate, dec!(-0.000020), "the newest row, not the first");
    let h = v.funding_history("ETH", 150).await.unwrap();
    assert_eq!(h.len(), 2, "the out-of-window row is dropped: {h:?}");
    let reqs: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/api/v1/fundings")
        .collect();
    // 1 fallback call (3 h) + 2 history calls (99 h + 51 h), each at most 100 rows
    assert_eq!(reqs.len(), 3);
    let q = |r: &wiremock::Request, k: &str| -> i64 {
        r.url
            .query_pairs()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .parse()
            .unwrap()
    };
    let now_ms = now().timestamp_millis();
    assert_eq!(q(&reqs[0], "end_timestamp"), now_ms + 1);
    assert_eq!(q(&reqs[1], "end_timestamp"), now_ms + 1);
    assert_eq!(q(&reqs[1], "start_timestamp"), now_ms + 1 - 99 * 3_600_000);
    assert_eq!(q(&reqs[2], "end_timestamp"), q(&reqs[1], "start_timestamp"));
    assert_eq!(q(&reqs[2], "start_timestamp"), now_ms + 1 - 150 * 3_600_000);
    assert!(reqs.iter().all(|r| q(r, "count_back") <= 100));
}

#[tokio::test]
async fn funding_history_between_walks_forward_in_windows_of_99_hours() {
    use chrono::{Duration, TimeZone, Utc};
    const HOUR_MS: i64 = 3_600_000;
    let server = MockServer::start().await;
    mount_markets(&server).await;
    // every call answers the same three rows (1795482000..1795489200 s); each window keeps
    // only its own, so they come back once, in the last window
    Mock::given(method("GET"))
        .and(path("/api/v1/fundings"))
        .respond_with(json("fundings.json"))
        .expect(3)
        .mount(&server)
        .await;
    let to_ms = 1_795_492_800_000;
    let from_ms = to_ms - 250 * HOUR_MS;
    let from = Utc.timestamp_millis_opt(from_ms).unwrap();
    let to = Utc.timestamp_millis_opt(to_ms).unwrap();
    let v = venue(&server);
    let h = v.funding_history_between("ETH", from, to).await.unwrap();
    let got: Vec<(i64, rust_decimal::Decimal)> =
        h.iter().map(|p| (p.time.timestamp(), p.rate)).collect();
    assert_eq!(
        got,
        vec![
            (1_795_482_000, dec!(0.000012)),
            (1_795_485_600, dec!(-0.000004)),
            (1_795_489_200, dec!(0.000010)),
        ]
    );
    // (start, end, count_back) of each call: 99 + 99 + 52 hours, one row more than hours
    let calls: Vec<(String, String, String)> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v1/fundings")
        .map(|r| {
            let q: std::collections::HashMap<String, String> =
                r.url.query_pairs().into_owned().collect();
            assert_eq!(q["market_id"], "0");
            assert_eq!(q["resolution"], "1h");
            (
                q["start_timestamp"].clone(),
                q["end_timestamp"].clone(),
                q["count_back"].clone(),
            )
        })
        .collect();
    let w = |a: i64, b: i64, n: u32| {
        (
            (from_ms + a * HOUR_MS).to_string(),
            (from_ms + b * HOUR_MS).to_string(),
            n.to_string(),
        )
    };
    assert_eq!(calls, vec![w(0, 99, 100), w(99, 198, 100), w(198, 250, 53)]);
    // refused before sending: an inverted window, a time the endpoint does not accept
    for (a, b) in [
        (to, from),
        (Utc.timestamp_millis_opt(-1).unwrap(), to),
        (from, to + Duration::days(200_000)),
    ] {
        let err = v.funding_history_between("ETH", a, b).await.unwrap_err();
        assert!(matches!(err, VenueError::InvalidRequest(_)), "{err}");
    }
}

#[tokio::test]
async fn every_fundings_window_takes_a_token_of_the_request_budget() {
    use chrono::{TimeZone, Utc};
    use std::sync::Arc;
    use std::time::Instant;
    use venue_api::{ManualClock, Secret};
    use venue_lighter::{HttpSettings, LighterConfig, LighterVenue};
    const HOUR_MS: i64 = 3_600_000;
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/fundings"))
        .respond_with(json("fundings.json"))
        .expect(15)
        .mount(&server)
        .await;
    // 300 a minute (5 a second), burst 10 with 3 kept for writes: the metadata reads and
    // the first windows take the banked tokens, the rest wait about 0.2 s each
    let settings = HttpSettings {
        requests_per_minute: 300,
        ..settings()
    };
    let config = LighterConfig::new(
        server.uri(),
        "ws://127.0.0.1:9/stream",
        Some(Secret::new(SK)),
        Some(ACCOUNT),
        Some(KEY_INDEX),
    )
    .unwrap();
    let v = LighterVenue::with_parts(config, settings, Arc::new(ManualClock::new(now()))).unwrap();
    let to_ms = 1_795_492_800_000;
    let from = Utc.timestamp_millis_opt(to_ms - 15 * 99 * HOUR_MS).unwrap();
    let to = Utc.timestamp_millis_opt(to_ms).unwrap();
    let t = Instant::now();
    let h = v.funding_history_between("ETH", from, to).await.unwrap();
    let took = t.elapsed();
    assert_eq!(h.len(), 3);
    assert!(
        took >= std::time::Duration::from_millis(1200),
        "15 windows through a 5/s budget took {took:?}"
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}
