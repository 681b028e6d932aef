//! Shared helpers of the contract tests: recorded fixtures, a wiremock server on 127.0.0.1,
//! venues of both generations pointed at it, and a pinned clock.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{Clock, ManualClock, Secret, SystemClock};
use venue_edgex::{
    ApiVersion, EdgexConfig, EdgexCredentials, EdgexVenue, V1Credentials, V2Credentials,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Account of the fixtures (and of vector case 0).
pub const ACCOUNT: u64 = 670_388_375_886_375_217;
/// Stark key of vector case 0.
pub const STARK_KEY: &str = "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4";
/// V2 credentials of v2 vector 0.
pub const ETH_KEY: &str = "0x4ef6aa7ec69806eaf81f5c80239dc599f98ddc84f59dc887156eab79e9b161f5";
pub const API_KEY: &str = "key-a8e33c94";
pub const API_PASSPHRASE: &str = "pass-afc6ee6f";
pub const API_SECRET: &str = "secret-f78047cfd788c7cc";
/// The pinned clock (vector case 0's `now_ms`).
pub const NOW_MS: i64 = 1_745_502_858_029;

pub fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/edgex")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

pub fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

pub fn now() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(NOW_MS).unwrap()
}

pub fn manual_clock() -> Arc<dyn Clock> {
    Arc::new(ManualClock::new(now()))
}

pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

pub fn prefix(v: ApiVersion) -> &'static str {
    v.path_prefix()
}

/// Mounts the metadata of a generation.
pub async fn mount_meta(server: &MockServer, v: ApiVersion) {
    let file = match v {
        ApiVersion::V1 => "meta_v1.json",
        ApiVersion::V2 => "meta_v2.json",
    };
    Mock::given(method("GET"))
        .and(path(format!("{}/public/meta/getMetaData", prefix(v))))
        .respond_with(json(file))
        .mount(server)
        .await;
}

fn base_config(server: &MockServer, v: ApiVersion) -> EdgexConfig {
    EdgexConfig::new(v, server.uri(), "ws://127.0.0.1:9")
        .with_account_id(ACCOUNT)
        .with_retry_delays(Duration::from_millis(1), Duration::from_millis(5))
        .with_max_read_retries(2)
        .with_request_timeout(Duration::from_secs(2))
        .with_request_budget(1000, 1000)
}

pub fn venue(server: &MockServer, v: ApiVersion, clock: Arc<dyn Clock>) -> EdgexVenue {
    let creds = match v {
        ApiVersion::V1 => EdgexCredentials::V1(V1Credentials {
            stark_private_key: Secret::new(STARK_KEY),
        }),
        ApiVersion::V2 => EdgexCredentials::V2(V2Credentials {
            api_key: Secret::new(API_KEY),
            api_passphrase: Secret::new(API_PASSPHRASE),
            api_secret: Secret::new(API_SECRET),
            trading_private_key: Secret::new(ETH_KEY),
        }),
    };
    let config = base_config(server, v).with_credentials(creds).unwrap();
    EdgexVenue::with_clock(config, clock).unwrap()
}

pub fn public_venue(server: &MockServer, v: ApiVersion) -> EdgexVenue {
    EdgexVenue::with_clock(base_config(server, v), system_clock()).unwrap()
}

/// Requests received at `p`.
pub async fn received(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

pub fn header(r: &Request, name: &str) -> Option<String> {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub fn query(r: &Request) -> Vec<(String, String)> {
    let mut q: Vec<(String, String)> = r
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    q.sort();
    q
}
