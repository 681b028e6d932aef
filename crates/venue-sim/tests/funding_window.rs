//! Funding history by time window through the real adapters: what EdgeX's paged
//! `getFundingRatePage` and Lighter's windowed `fundings` give equals the simulator's pure
//! history function ([`venue_sim::history::funding_history`]) over the same window, on both
//! venues' schedules (EdgeX 4-hourly and hourly contracts, Lighter hourly), across pages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration as Span, Utc};
use common::*;
use venue_api::{Venue, VenueError};
use venue_sim::engine::funding::EpisodeParams;
use venue_sim::engine::VenueKind;
use venue_sim::history;

/// The seed `common::env` gives the simulator.
const SEED: u64 = 7;

fn expected(venue: VenueKind, symbol: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> usize {
    let m = history::market(venue, symbol).unwrap();
    history::funding_history(SEED, &EpisodeParams::default(), &m, from, to)
        .unwrap()
        .len()
}

#[tokio::test]
async fn both_adapters_read_the_pure_history_over_any_window() {
    let env = env().await;
    let p = EpisodeParams::default();
    let h = |n: i64| t0() - Span::hours(n);
    // (symbol, from, to, EdgeX points, Lighter points): multi-page windows (PUMP hourly
    // on EdgeX: 130 points = 2 pages; Lighter 130 hours = 2 `fundings` calls), windows not
    // on an hour, and one ending in the future (the simulator serves only what settled)
    type Case = (&'static str, DateTime<Utc>, DateTime<Utc>, usize, usize);
    let cases: [Case; 5] = [
        ("BTC", h(130), t0(), 32, 130),
        ("PUMP", h(130), t0(), 130, 130),
        (
            "ETH",
            h(30) + Span::minutes(20),
            h(2) - Span::minutes(5),
            7,
            27,
        ),
        ("SOL", h(8), h(7), 1, 1),
        ("XRP", h(10), t0() + Span::hours(10), 3, 11),
    ];
    for (symbol, from, to, n_edgex, n_lighter) in cases {
        let served_to = to.min(t0() + Span::milliseconds(1));
        for (venue, kind, n) in [
            (&env.edgex as &dyn Venue, VenueKind::Edgex, n_edgex),
            (&env.lighter as &dyn Venue, VenueKind::Lighter, n_lighter),
        ] {
            let got = venue
                .funding_history_between(symbol, from, to)
                .await
                .unwrap();
            let m = history::market(kind, symbol).unwrap();
            let want = history::funding_history(SEED, &p, &m, from, served_to).unwrap();
            assert_eq!(got.len(), n, "{kind} {symbol} [{from}, {to})");
            assert_eq!(got, want, "{kind} {symbol} [{from}, {to})");
            assert_eq!(n, expected(kind, symbol, from, served_to));
            assert!(
                got.windows(2).all(|w| w[0].time < w[1].time),
                "oldest first"
            );
        }
    }
}

#[tokio::test]
async fn a_window_that_is_empty_or_inverted_is_refused_before_sending() {
    let env = env().await;
    for venue in [&env.edgex as &dyn Venue, &env.lighter as &dyn Venue] {
        for (from, to) in [(t0(), t0()), (t0(), t0() - Span::hours(1))] {
            let err = venue
                .funding_history_between("BTC", from, to)
                .await
                .unwrap_err();
            assert!(
                matches!(&err, VenueError::InvalidRequest(m) if m.contains("not before")),
                "{}: {err}",
                venue.id()
            );
        }
        let err = venue
            .funding_history_between("NOPE", t0() - Span::hours(5), t0())
            .await
            .unwrap_err();
        assert!(
            matches!(err, VenueError::UnknownMarket(_)),
            "{}: {err}",
            venue.id()
        );
    }
}

/// Lighter's windows are sized so that both readings of `count_back` (the live venue's:
/// counted from the start, end excluded; the lenient legacy one: the newest rows, end
/// included) give the same history.
#[tokio::test]
async fn lighter_windows_work_under_both_count_back_semantics() {
    use std::sync::Arc;
    use venue_sim::engine::Exchange;
    use venue_sim::{SimOptions, SimServer};
    let p = EpisodeParams::default();
    let m = history::market(VenueKind::Lighter, "ETH").unwrap();
    let (from, to) = (t0() - Span::hours(250), t0() - Span::minutes(30));
    let want = history::funding_history(SEED, &p, &m, from, to).unwrap();
    assert_eq!(want.len(), 250);
    for from_start in [true, false] {
        let clock = Arc::new(venue_api::ManualClock::new(t0()));
        let options = SimOptions {
            clock: clock.clone(),
            lighter_fundings_from_start: from_start,
            ..SimOptions::default()
        };
        let sim = SimServer::start(
            options,
            Exchange::with_defaults(SEED, t0().timestamp_millis()),
        )
        .await
        .unwrap();
        let config = venue_lighter::LighterConfig::new(
            sim.lighter_base_url(),
            sim.lighter_ws_url(),
            None,
            None,
            None,
        )
        .unwrap();
        let v = lighter_venue(config, clock);
        let got = v.funding_history_between("ETH", from, to).await.unwrap();
        assert_eq!(got, want, "from_start {from_start}");
    }
}
