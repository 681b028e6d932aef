//! Each injected HTTP fault, seen through the real adapters' error types.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::time::{Duration, Instant};
use venue_api::{Venue, VenueError};

#[tokio::test]
async fn reject_and_server_errors() {
    let env = env().await;
    let f = env.session.faults();
    f.add_spec("edgex:getTicker:reject:1,lighter:funding-rates:5xx=502:1,edgex:getDepth:503:1")
        .unwrap();
    let err = env.edgex.funding("BTC").await.unwrap_err();
    assert!(
        matches!(&err, VenueError::Rejected { code, .. } if code == "SIM_INJECTED_REJECT"),
        "{err:?}"
    );
    env.edgex.funding("BTC").await.unwrap();
    let err = env.lighter.funding("BTC").await.unwrap_err();
    assert!(matches!(err, VenueError::Unavailable(_)), "{err:?}");
    let err = env.edgex.top_of_book("BTC").await.unwrap_err();
    assert!(matches!(err, VenueError::Unavailable(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(f.rules().is_empty());
}

#[tokio::test]
async fn rate_limit_with_retry_after() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:getAccountAsset:429=7:1,lighter:account:429=2:1")
        .unwrap();
    let err = env.edgex.balance().await.unwrap_err();
    assert_eq!(
        err,
        VenueError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    let err = env.lighter.balance().await.unwrap_err();
    assert_eq!(
        err,
        VenueError::RateLimited {
            retry_after: Some(Duration::from_secs(2))
        }
    );
    env.lighter.balance().await.unwrap();
}

#[tokio::test]
async fn malformed_bodies_are_decode_errors() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("edgex:getAccountAsset:malformed:1,lighter:orderBookOrders:malformed:1")
        .unwrap();
    assert!(matches!(
        env.edgex.balance().await,
        Err(VenueError::Decode { .. })
    ));
    assert!(matches!(
        env.lighter.top_of_book("ETH").await,
        Err(VenueError::Decode { .. })
    ));
}

#[tokio::test]
async fn delay_answers_late() {
    let env = env().await;
    env.session
        .faults()
        .add_spec("lighter:apikeys:delay=300:1")
        .unwrap();
    let started = Instant::now();
    env.lighter.check_api_key().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// The optional request budget: over it, HTTP 429 with Retry-After (the adapter's
/// `RateLimited`), nothing processed; Lighter's sendTx is not counted; the window slides.
#[tokio::test]
async fn request_budget_answers_429_with_retry_after() {
    let env = env_budget().await;
    let v = &env.lighter;
    // the budget is 3: the first balance reads the markets (orderBooks, orderBookDetails:
    // the maintenance fractions, then cached) and the account
    v.balance().await.unwrap();
    match v.balance().await {
        Err(venue_api::VenueError::RateLimited { retry_after }) => {
            let secs = retry_after.unwrap().as_secs();
            assert!((1..=60).contains(&secs), "{secs}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    env.clock.advance(std::time::Duration::from_secs(61));
    // a fresh client (the adapter itself pauses after a 429): the window has slid
    let fresh = lighter_venue(env.session.lighter_config().unwrap(), env.clock.clone());
    fresh.balance().await.unwrap();
    // EdgeX has its own (unlimited here) budget
    for _ in 0..5 {
        env.edgex.balance().await.unwrap();
    }
}

async fn env_budget() -> Env {
    env_with(venue_sim::paper::PaperOptions {
        lighter_fill_delay: std::time::Duration::ZERO,
        requests_per_minute: [None, Some(3)],
        ..Default::default()
    })
    .await
}
