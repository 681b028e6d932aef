//! Both adapters' public market data against the simulator: `book` (sorted depth),
//! `recent_trades` (Lighter REST; EdgeX has none), and `market_feed` through a dropped
//! connection (Gap, then the feed goes on without a duplicate trade) and a stalled one (no
//! Book event while stalled).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::time::Duration;
use venue_api::{MarketEvent, MarketFeed, Venue, VenueError};

fn assert_sorted(b: &venue_api::BookSnapshot, depth: usize) {
    assert_eq!(b.bids.len(), depth);
    assert_eq!(b.asks.len(), depth);
    assert!(b.bids.windows(2).all(|w| w[0].price > w[1].price), "{b:?}");
    assert!(b.asks.windows(2).all(|w| w[0].price < w[1].price), "{b:?}");
    assert!(b.bids[0].price < b.asks[0].price);
}

async fn check_book(env: &Env, v: &dyn Venue) {
    let b = v.book("BTC", 5).await.unwrap();
    assert_sorted(&b, 5);
    assert_eq!(b.source, venue_api::BookSource::Rest);
    let top = v.top_of_book("BTC").await.unwrap();
    assert_eq!(b.top().bid_price(), top.bid_price());
    assert_eq!(
        v.book("BTC", 0).await.unwrap().bids.len(),
        1,
        "at least one level"
    );
    let _ = env;
}

#[tokio::test]
async fn book_depth_on_both_venues() {
    let env = env().await;
    check_book(&env, &env.edgex).await;
    check_book(&env, &env.lighter).await;
    assert!(matches!(
        env.lighter.book("NOPE", 5).await,
        Err(VenueError::UnknownMarket(_))
    ));
}

#[tokio::test]
async fn recent_trades_lighter_oldest_first_edgex_unsupported() {
    let env = env().await;
    env.session.server().with_exchange(|_| ());
    env.clock.advance(Duration::from_secs(300));
    let all = env.lighter.recent_trades("BTC", 100).await.unwrap();
    assert!(all.len() >= 5, "five minutes of tape: {}", all.len());
    assert!(all.windows(2).all(|w| w[0].trade_id < w[1].trade_id));
    assert!(all.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(all.iter().all(|t| t.taker_side.is_some()));
    let last3 = env.lighter.recent_trades("BTC", 3).await.unwrap();
    assert_eq!(last3.as_slice(), &all[all.len() - 3..]);
    let e = env.edgex.recent_trades("BTC", 10).await.unwrap_err();
    assert!(
        matches!(&e, VenueError::Unsupported(m) if m.contains("trades.")),
        "{e}"
    );
}

/// Events until `until` returns true or `wait` passes (moving the clock each 300 ms).
async fn collect(
    env: &Env,
    feed: &mut MarketFeed,
    wait: Duration,
    move_clock: bool,
    until: impl Fn(&[MarketEvent]) -> bool,
) -> Vec<MarketEvent> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut out = Vec::new();
    while tokio::time::Instant::now() < deadline && !until(&out) {
        if move_clock {
            env.clock.advance(Duration::from_secs(15));
        }
        let slice = tokio::time::Instant::now() + Duration::from_millis(300);
        while let Ok(Some(e)) = tokio::time::timeout_at(slice.min(deadline), feed.next()).await {
            out.push(e);
        }
    }
    out
}

fn trade_ids(events: &[MarketEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Trade(t) => Some(t.trade_id),
            _ => None,
        })
        .collect()
}

fn books(events: &[MarketEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, MarketEvent::Book(_)))
        .count()
}

async fn feed_contract(env: &Env, v: &dyn Venue, venue: &str) {
    env.session.server().with_exchange(|_| ());
    env.clock.advance(Duration::from_secs(60));
    let mut feed = v.market_feed("BTC", 3).await.unwrap();
    // a book, then moving prices: more books and trades
    let first = collect(env, &mut feed, Duration::from_secs(8), true, |e| {
        books(e) >= 2 && trade_ids(e).len() >= 2
    })
    .await;
    assert!(
        books(&first) >= 2 && trade_ids(&first).len() >= 2,
        "{venue}: {first:?}"
    );
    for e in &first {
        if let MarketEvent::Book(b) = e {
            assert_sorted(b, 3);
        }
    }
    let mut ids = trade_ids(&first);
    // the connection drops: a Gap, then a fresh book and the tape goes on
    env.session
        .faults()
        .add_spec(&format!("{venue}:ws:drop:1"))
        .unwrap();
    let after = collect(env, &mut feed, Duration::from_secs(10), true, |e| {
        let gap = e.iter().position(|e| matches!(e, MarketEvent::Gap { .. }));
        gap.is_some_and(|g| books(&e[g..]) >= 1 && trade_ids(&e[g..]).len() >= 2)
    })
    .await;
    let gap = after
        .iter()
        .position(|e| matches!(e, MarketEvent::Gap { .. }))
        .unwrap_or_else(|| panic!("{venue}: no gap: {after:?}"));
    assert!(books(&after[gap..]) >= 1, "{venue}: {after:?}");
    ids.extend(trade_ids(&after));
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "{venue}: trade ids increase, none twice: {ids:?}"
    );
    // stalled: the socket lives, no book while the market moves
    env.session
        .faults()
        .add_spec(&format!("{venue}:ws:stall"))
        .unwrap();
    // what was pushed before the rule: drained until the feed is quiet (the clock stands still)
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(700), feed.next()).await {}
    let stalled = collect(env, &mut feed, Duration::from_millis(1500), true, |_| false).await;
    assert_eq!(books(&stalled), 0, "{venue}: {stalled:?}");
    assert!(trade_ids(&stalled).is_empty(), "{venue}: {stalled:?}");
    assert!(
        !stalled.iter().any(|e| matches!(e, MarketEvent::Gap { .. })),
        "{venue}: the socket stayed up: {stalled:?}"
    );
    env.session.faults().clear();
    let resumed = collect(env, &mut feed, Duration::from_secs(5), true, |e| {
        books(e) >= 1
    })
    .await;
    assert!(books(&resumed) >= 1, "{venue}: {resumed:?}");
}

#[tokio::test]
async fn lighter_market_feed_survives_a_drop_and_shows_a_stall() {
    let env = env().await;
    feed_contract(&env, &env.lighter, "lighter").await;
}

#[tokio::test]
async fn edgex_market_feed_survives_a_drop_and_shows_a_stall() {
    let env = env().await;
    feed_contract(&env, &env.edgex, "edgex").await;
}

/// The concrete adapter types resolve `book` to the trait method (EdgeX also has a private
/// top-of-book helper; it must not shadow it).
#[tokio::test]
async fn concrete_types_call_the_trait_methods() {
    let env = env().await;
    assert_eq!(env.edgex.book("ETH", 2).await.unwrap().asks.len(), 2);
    assert_eq!(env.lighter.book("ETH", 2).await.unwrap().bids.len(), 2);
}
