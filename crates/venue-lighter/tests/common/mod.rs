//! Shared helpers of the contract tests: a mock Lighter on 127.0.0.1, a venue pointed at it
//! (fast retries, fixed clock), fixture loading and form decoding.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Duration;
use venue_api::{ManualClock, Secret, VenueError};
use venue_lighter::{HttpSettings, LighterConfig, LighterVenue};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `keypairs[0]` of the shared vectors; `fixtures/lighter/apikeys.json` holds its public key.
pub const SK: &str =
    "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";
pub const ACCOUNT: i64 = 123_456;
pub const KEY_INDEX: u8 = 3;

pub fn now() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_795_490_175_000).unwrap()
}

pub fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../../fixtures/lighter/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

pub fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(2),
        read_retries: 2,
        retry_base_delay: Duration::from_millis(1),
        requests_per_minute: 100_000,
    }
}

pub fn venue(server: &MockServer) -> LighterVenue {
    let config = LighterConfig::new(
        server.uri(),
        "ws://127.0.0.1:9/stream",
        Some(Secret::new(SK)),
        Some(ACCOUNT),
        Some(KEY_INDEX),
    )
    .unwrap();
    LighterVenue::with_parts(config, settings(), Arc::new(ManualClock::new(now()))).unwrap()
}

pub fn read_only_venue(server: &MockServer) -> LighterVenue {
    let config = LighterConfig::new(
        server.uri(),
        "ws://127.0.0.1:9/stream",
        None,
        Some(ACCOUNT),
        None,
    )
    .unwrap();
    LighterVenue::with_parts(config, settings(), Arc::new(ManualClock::new(now()))).unwrap()
}

/// Mounts `orderBooks` + `orderBookDetails` (most calls resolve the symbol first).
pub async fn mount_markets(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBooks"))
        .respond_with(json("orderBooks.json"))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookDetails"))
        .respond_with(json("orderBookDetails.json"))
        .mount(server)
        .await;
}

/// The four failure answers every endpoint is tested with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// HTTP 400 with a `{code, message}` body.
    VenueCode,
    /// HTTP 503 with an HTML page.
    HttpError,
    /// HTTP 429 with `Retry-After: 1`.
    RateLimit,
    /// HTTP 200 with a body that is not the expected JSON.
    Malformed,
}

pub const FAILURES: [Failure; 4] = [
    Failure::VenueCode,
    Failure::HttpError,
    Failure::RateLimit,
    Failure::Malformed,
];

pub fn failure_response(f: Failure) -> ResponseTemplate {
    match f {
        Failure::VenueCode => ResponseTemplate::new(400)
            .set_body_raw(fixture("error-market-not-found.json"), "application/json"),
        Failure::HttpError => ResponseTemplate::new(503)
            .set_body_raw("<html>503 Service Unavailable</html>", "text/html"),
        Failure::RateLimit => ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_raw(
                r#"{"code":429,"message":"Too Many Requests"}"#,
                "application/json",
            ),
        Failure::Malformed => ResponseTemplate::new(200)
            .set_body_raw(r#"{"code":200,"unexpected":[1,2"#, "application/json"),
    }
}

/// Checks the mapping of a failure to a `VenueError`.
pub fn assert_failure(f: Failure, err: &VenueError) {
    match f {
        Failure::VenueCode => assert!(
            matches!(err, VenueError::Rejected { code, message } if code == "21500" && message == "market not found"),
            "{err:?}"
        ),
        Failure::HttpError => assert!(matches!(err, VenueError::Unavailable(_)), "{err:?}"),
        Failure::RateLimit => {
            assert!(
                matches!(err, VenueError::RateLimited { retry_after: Some(d) } if *d == Duration::from_secs(1)),
                "{err:?}"
            )
        }
        Failure::Malformed => {
            assert!(
                matches!(err, VenueError::Decode { raw_body, .. } if raw_body.contains("unexpected")),
                "{err:?}"
            )
        }
    }
}

/// [`assert_failure`] for a write: a 5xx without a venue code is outcome-unknown.
pub fn assert_write_failure(f: Failure, err: &VenueError) {
    if f == Failure::HttpError {
        assert!(
            matches!(err, VenueError::Transport(_)) && err.outcome_unknown(),
            "{err:?}"
        );
    } else {
        assert_failure(f, err);
    }
}

/// Decodes an `application/x-www-form-urlencoded` body into ordered pairs.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(body).unwrap();
    text.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
