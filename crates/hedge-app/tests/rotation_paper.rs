//! Paper funding gives the rotation bot something to do: over three simulated days, read
//! through the real adapters every two hours and judged by the bot's own decision code
//! (`hedge_engine::rotation`, the example config: 13 symbols, 320 USD a leg, hold 8 h,
//! threshold 5 % net APR after both venues' taker fees), an opportunity worth opening comes
//! within hours, most symbols are skipped below the threshold, and the best symbol changes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration as ChronoDuration, TimeZone, Utc};
use hedge_engine::rotation::decide::{decide_entry, EntryVerdict, Thresholds};
use hedge_engine::rotation::economics::{best_direction, EconomicsParams, HoldWindow, VenueQuote};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{Clock, ManualClock, Venue};
use venue_sim::paper::{self, PaperOptions, PaperSession};

/// The simulator (seed 7, in memory) on a manual clock, and the real adapters.
struct Env {
    _session: PaperSession,
    clock: Arc<ManualClock>,
    edgex: venue_edgex::EdgexVenue,
    lighter: venue_lighter::LighterVenue,
}

async fn env() -> Env {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
    ));
    let session = paper::start(PaperOptions {
        state_path: None,
        seed: Some(7),
        clock: Some(clock.clone()),
        lighter_fill_delay: Duration::ZERO,
        edgex_collateral: Decimal::from(10_000),
        lighter_collateral: Decimal::from(10_000),
        ..PaperOptions::default()
    })
    .await
    .unwrap();
    let edgex = venue_edgex::EdgexVenue::with_clock(
        session
            .edgex_config()
            .with_request_timeout(Duration::from_secs(3))
            .with_request_budget(1000, 1000),
        clock.clone(),
    )
    .unwrap();
    let mut lighter_config = session.lighter_config().unwrap();
    lighter_config.request_timeout = Duration::from_secs(3);
    lighter_config.requests_per_minute = 60_000;
    let http = venue_lighter::HttpSettings::from_config(&lighter_config);
    let lighter =
        venue_lighter::LighterVenue::with_parts(lighter_config, http, clock.clone()).unwrap();
    Env {
        _session: session,
        clock,
        edgex,
        lighter,
    }
}

const SYMBOLS: [&str; 13] = [
    "BTC", "ETH", "SOL", "BNB", "ASTER", "PAXG", "DOGE", "XRP", "LINK", "HYPE", "PUMP", "FARTCOIN",
    "XPL",
];

async fn quote(venue: &dyn Venue, symbol: &str, now: chrono::DateTime<chrono::Utc>) -> VenueQuote {
    let market = venue.market(symbol).await.unwrap();
    let funding = venue.funding(symbol).await.unwrap();
    let book = venue.top_of_book(symbol).await.unwrap();
    VenueQuote::from_venue(venue.id(), &funding, None, market.taker_fee, book, now).unwrap()
}

#[tokio::test]
async fn the_bot_finds_opens_skips_most_and_rotates() {
    let env = env().await;
    let thresholds = Thresholds::default();
    let params = EconomicsParams::default();
    let notional = Decimal::from(320);
    let mut first_choice = None;
    let mut chosen = BTreeSet::new();
    let (mut skipped_below, mut judged) = (0usize, 0usize);
    for step in 0..36u32 {
        let now = env.clock.now();
        let window = HoldWindow {
            from: now,
            to: now + ChronoDuration::hours(8),
        };
        let mut priced = Vec::new();
        for symbol in SYMBOLS {
            let e = quote(&env.edgex, symbol, now).await;
            let l = quote(&env.lighter, symbol, now).await;
            priced.push(best_direction(symbol, &e, &l, window, notional, &params).unwrap());
        }
        let decision = decide_entry(now, priced, Vec::new(), &thresholds);
        for c in &decision.candidates {
            judged += 1;
            if !matches!(
                c.verdict,
                EntryVerdict::Chosen | EntryVerdict::Eligible { .. }
            ) {
                skipped_below += 1;
            }
        }
        if let Some(symbol) = decision.chosen {
            first_choice.get_or_insert(step * 2);
            chosen.insert(symbol);
        }
        env.clock.advance(Duration::from_secs(2 * 3600));
    }
    let first = first_choice.expect("an opportunity within three days");
    assert!(first <= 12, "first opportunity after {first} h");
    assert!(
        skipped_below * 100 / judged >= 80,
        "most symbols below the threshold: {skipped_below} of {judged}"
    );
    assert!(chosen.len() >= 3, "the best symbol changes: {chosen:?}");
}
