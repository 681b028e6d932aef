//! The live loop and the replay decide the same on the same inputs: the real
//! `rotation::machine::Machine` (on in-memory venues and a fast clock) and
//! `hedge_backtest::run` (on a data file holding the same rates, fees and book) open the
//! same symbol in the same direction at the same moment with the same expected funding,
//! and close it for the same reason at the same moment. Both call `rotation::policy`; this
//! test fails if either path grows its own copy of a decision.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use hedge_backtest::{run, CloseTag, ReplayConfig, SlippageModel};
use hedge_engine::protocol::{ExecutionOptions, HedgeEngine};
use hedge_engine::rotation::machine::{BotVenues, Machine, RunOutcome};
use hedge_engine::rotation::state::file::BotStateFile;
use hedge_engine::rotation::state::BotState;
use hedge_engine::state::MemoryStore;
use hedge_engine::testing::{FastClock, MockVenue};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::sync::Arc;
use tokio::sync::watch;
use venue_api::{Clock, FundingRate};

fn rate(r: Decimal, interval: u32) -> Result<FundingRate, venue_api::VenueError> {
    Ok(FundingRate {
        rate: r,
        interval_minutes: interval,
        next_funding_time: None,
        time: None,
    })
}

/// BTC: a hourly at -0.0001, b 4-hourly at +0.002; ETH: a smaller spread (b at +0.001).
const A_BTC: Decimal = dec!(-0.0001);
const B_BTC: Decimal = dec!(0.002);
const B_ETH: Decimal = dec!(0.001);

#[tokio::test]
async fn the_live_machine_and_the_replay_take_the_same_decisions() {
    // --- live: the machine on mock venues (bid 99.99 / ask 100.01: 1 bp from the mid) ---
    let start = at(55);
    let clock: Arc<dyn Clock> = Arc::new(FastClock::new(start));
    let venue = |id: &'static str| {
        Arc::new(MockVenue::new(
            id,
            "BTC",
            dec!(0.01),
            dec!(0.001),
            dec!(99.99),
            dec!(100.01),
            dec!(1000000),
        ))
    };
    let (a, b) = (venue("a"), venue("b"));
    for v in [&a, &b] {
        v.list_symbols(&["ETH"]);
    }
    a.set_funding("BTC", rate(A_BTC, 60));
    a.set_funding("ETH", rate(dec!(0), 60));
    b.set_funding("BTC", rate(B_BTC, 240));
    b.set_funding("ETH", rate(B_ETH, 240));
    let options = ExecutionOptions {
        settle_grace: Some(std::time::Duration::ZERO),
        poll_interval: std::time::Duration::from_millis(10),
        settle_timeout: std::time::Duration::from_secs(1),
        ..ExecutionOptions::default()
    };
    let engine = Arc::new(HedgeEngine::new(
        clock.clone(),
        Arc::new(MemoryStore::default()),
        options,
    ));
    let dir = tempfile::tempdir().unwrap();
    let file = BotStateFile::new(dir.path().join("bot_state.json"));
    let mut cfg = config(&["ETH", "BTC"]);
    cfg.max_cycles = Some(1);
    let (_stop, stop_rx) = watch::channel(false);
    let mut machine = Machine::new(
        clock.clone(),
        engine,
        BotVenues {
            a: a.clone(),
            b: b.clone(),
        },
        cfg.clone(),
        file.clone(),
        BotState::default(),
        stop_rx,
    );
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), machine.run())
        .await
        .expect("the loop ends in time")
        .expect("no fatal error");
    assert_eq!(outcome, RunOutcome::CyclesDone(1));
    let live = file.load().unwrap();
    let live_cycle = &live.completed_cycles[0];
    let open = live
        .decisions
        .iter()
        .find(|d| d.kind == "open")
        .expect("an open decision");
    let live_expected: Decimal = open.numbers["expected_funding_usd"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // --- replay: the same rates, fees (5 bps) and book (1 bp from the mid of 100) ---
    let d = data(
        600,
        vec![
            ("BTC", constant(60, 600, A_BTC)),
            ("ETH", constant(60, 600, dec!(0))),
        ],
        vec![
            ("BTC", constant(240, 600, B_BTC)),
            ("ETH", constant(240, 600, B_ETH)),
        ],
    );
    let r = run(
        &d,
        &ReplayConfig {
            machine: cfg,
            slippage: SlippageModel::FlatBps(dec!(1)),
            from: Some(start),
            to: None,
            open_failures: None,
        },
    )
    .unwrap();
    let c = &r.cycles[0];

    // --- the same decisions ---
    assert_eq!(c.symbol, live_cycle.symbol);
    assert_eq!(c.long.venue, live_cycle.entry.long_exchange);
    assert_eq!(c.short.venue, live_cycle.entry.short_exchange);
    assert_eq!(
        c.expected_funding_usd, live_expected,
        "same economics at entry"
    );
    let minute = |t: chrono::DateTime<chrono::Utc>| t.timestamp() / 60;
    assert_eq!(minute(c.opened_at), minute(live_cycle.opened_at));
    assert_eq!(minute(c.closed_at), minute(live_cycle.closed_at));
    assert_eq!(
        Some(c.close_reason.as_str()),
        live_cycle.close_reason.as_deref()
    );
    assert_eq!(c.close_reason, CloseTag::MaxHold);
    // and what they decided is the hand-computed case: BTC over ETH, 00:55 .. 09:01
    assert_eq!(
        (c.symbol.as_str(), c.opened_at, c.closed_at),
        ("BTC", at(55), at(541))
    );
}

#[tokio::test]
async fn the_book_recorder_writes_what_the_books_model_reads() {
    let a = MockVenue::new(
        "a",
        "BTC",
        dec!(0.01),
        dec!(0.001),
        dec!(99.99),
        dec!(100.01),
        dec!(1000),
    );
    let b = MockVenue::new(
        "b",
        "BTC",
        dec!(0.01),
        dec!(0.001),
        dec!(99.98),
        dec!(100.02),
        dec!(1000),
    );
    b.set_book(Some(dec!(99.98)), None); // one side empty: not recorded
    let venues: [&dyn venue_api::Venue; 2] = [&a, &b];
    let symbols = ["BTC".to_string(), "NOPE".to_string()];
    let (lines, failed) = hedge_backtest::market::record_books_once(&venues, &symbols).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(failed, 2, "NOPE is listed on neither venue");
    let csv = format!(
        "{}\n{}\n",
        hedge_backtest::market::BOOK_CSV_HEADER,
        lines[0]
    );
    let depth = hedge_backtest::BookDepth::parse_csv(&csv).unwrap();
    let row = depth.at("a", "BTC", chrono::Utc::now()).unwrap();
    assert_eq!((row.bid.price, row.ask.price), (dec!(99.99), dec!(100.01)));
}
