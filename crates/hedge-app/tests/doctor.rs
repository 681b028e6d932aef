//! `doctor` against the in-process simulator reached through the real adapters: every
//! check passes with the session's credentials; with a wrong Lighter private key the API-key
//! check fails (and doctor never sends anything: it only reads).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::doctor::{self, DoctorVenues};
use std::sync::Arc;
use venue_api::{Secret, SystemClock};

/// A valid Lighter key that is not the simulator's (keypairs[0] of the shared vectors).
const OTHER_KEY: &str =
    "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_the_simulator_and_fails_on_a_wrong_lighter_key() {
    // no state file: nothing is written outside the test
    let session = venue_sim::paper::start(venue_sim::paper::PaperOptions {
        state_path: None,
        // A funding episode starting within the hour makes the two Lighter endpoints disagree
        // for that hour (as a real jump would): not what these tests are about.
        funding_episodes: false,
        ..venue_sim::paper::PaperOptions::default()
    })
    .await
    .unwrap();
    let clock: Arc<dyn venue_api::Clock> = Arc::new(SystemClock);
    let venues = DoctorVenues::paper(&session, clock.clone()).unwrap();
    let symbols = vec!["BTC".to_string()];
    let report = doctor::run(&venues, &symbols).await;
    assert!(report.passed(), "{:#?}", report.checks);

    let mut wrong = session.lighter_config().unwrap();
    wrong.private_key = Some(Secret::new(OTHER_KEY));
    let http = venue_lighter::HttpSettings::from_config(&wrong);
    let lighter = venue_lighter::LighterVenue::with_parts(wrong, http, clock).unwrap();
    let venues = DoctorVenues {
        edgex: venues.edgex.clone(),
        lighter: Arc::new(lighter),
    };
    let report = doctor::run(&venues, &symbols).await;
    assert!(!report.passed());
    let key = report
        .checks
        .iter()
        .find(|c| c.venue == "lighter" && c.name == "api key")
        .unwrap();
    assert!(!key.ok, "{key:?}");
    assert!(
        key.fix.as_deref().unwrap().contains("nothing will be sent"),
        "{key:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_the_simulator_in_edgex_v2_mode_with_usdc_contracts() {
    let session = venue_sim::paper::start(venue_sim::paper::PaperOptions {
        state_path: None,
        edgex_api: venue_edgex::ApiVersion::V2,
        funding_episodes: false,
        ..venue_sim::paper::PaperOptions::default()
    })
    .await
    .unwrap();
    let venues = DoctorVenues::paper(&session, Arc::new(SystemClock)).unwrap();
    let report = doctor::run(&venues, &["BTC".to_string()]).await;
    assert!(report.passed(), "{:#?}", report.checks);
    let symbol = report
        .checks
        .iter()
        .find(|c| c.venue == "edgex" && c.name == "symbol BTC")
        .unwrap();
    assert!(symbol.detail.contains("BTCUSDC"), "{symbol:?}");
    // a finished-order lookup that finds nothing is an answer on V2, not an error
    use venue_api::Venue;
    let none = venues
        .edgex
        .order_status("BTC", venue_api::ClientOrderId::new(987_654).unwrap())
        .await
        .unwrap();
    assert!(none.is_none());
}
