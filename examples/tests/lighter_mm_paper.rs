//! The Lighter maker in-process against the paper simulator: it quotes both sides, pulls its
//! quotes on a stale book (stream stalled and REST book timing out, injected mid-run) and
//! quotes again once the book is back, and keeps its inventory within the bound through a
//! simulated down-trend while the SuperTrend turns down. Each test runs well under 20 s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::wiring::{PaperSettings, Wiring};
use hedge_examples::common::{Shutdown, StopReason};
use hedge_examples::lighter_mm::run::{run_with_status, RunSummary};
use hedge_examples::lighter_mm::LmmConfig;
use hedge_examples::mm::LIGHTER_MAKER_TAG;
use hedge_examples::supertrend::Trend;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use venue_api::{OrderStatus, Side, Venue};

const SYM: &str = "PAXG";

async fn paper(dir: &Path, moves: &[&str]) -> Wiring {
    // the maker's log lines show with a failing test's output
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info,hedge_examples=debug")
        .try_init();
    let settings = PaperSettings {
        dir: dir.join("paper"),
        reset: true,
        collateral: dec!(1000),
        command: "lighter-mm-test",
        lock_wait: Duration::from_secs(5),
        moves: moves.iter().map(|m| m.parse().unwrap()).collect(),
        ..PaperSettings::default()
    };
    Wiring::paper(&settings, None, None).await.unwrap()
}

fn config(dir: &Path) -> LmmConfig {
    LmmConfig {
        symbol: SYM.into(),
        refresh_ms: 300,
        stale_after_secs: 2,
        account_refresh_secs: 1,
        candle_secs: 1,
        supertrend_period: 3,
        supertrend_multiplier: dec!(1),
        params_dir: dir.join("no-params"),
        log_dir: Some(dir.join("logs")),
        ..LmmConfig::default()
    }
}

struct Running {
    stop: watch::Sender<StopReason>,
    status: watch::Receiver<RunSummary>,
    task: JoinHandle<Result<RunSummary, hedge_examples::lighter_mm::run::RunError>>,
}

fn start(cfg: LmmConfig, w: &Wiring, dir: &Path) -> Running {
    let (stop, shutdown): (_, Shutdown) = Shutdown::manual();
    let (tx, status) = watch::channel(RunSummary::default());
    let task = tokio::spawn(run_with_status(
        cfg,
        w.lighter.clone(),
        w.clock.clone(),
        shutdown,
        dir.join("logs"),
        Some(tx),
    ));
    Running { stop, status, task }
}

impl Running {
    async fn finish(self) -> RunSummary {
        self.stop.send(StopReason::Terminate).ok();
        let summary = tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("the maker stops within 15 s")
            .expect("the maker task does not panic")
            .expect("the maker ends cleanly");
        assert_eq!(summary.stop, Some(StopReason::Terminate));
        summary
    }
}

async fn ours(venue: &Arc<dyn Venue>) -> Vec<OrderStatus> {
    venue
        .open_orders(SYM)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.client_id.get() >> 32 == u64::from(LIGHTER_MAKER_TAG))
        .collect()
}

/// Polls `ours` until `want` holds, for at most `limit`.
async fn wait_for(
    venue: &Arc<dyn Venue>,
    limit: Duration,
    want: impl Fn(&[OrderStatus]) -> bool,
) -> Vec<OrderStatus> {
    let end = Instant::now() + limit;
    loop {
        let o = ours(venue).await;
        if want(&o) || Instant::now() > end {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

fn both_sides(o: &[OrderStatus]) -> bool {
    o.iter().any(|x| x.side == Side::Buy) && o.iter().any(|x| x.side == Side::Sell)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotes_both_sides_then_pulls_on_a_stale_book_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let w = paper(dir.path(), &[]).await;
    let venue = w.lighter.clone();
    // a wide bound: fills of the random walk never withhold a side here
    let cfg = LmmConfig {
        max_inventory: Some(dec!(1)),
        ..config(dir.path())
    };
    let maker = start(cfg, &w, dir.path());

    let o = wait_for(&venue, Duration::from_secs(10), both_sides).await;
    assert!(both_sides(&o), "a bid and an ask rest: {o:?}");
    let bid = o
        .iter()
        .find(|x| x.side == Side::Buy)
        .map(|x| x.price)
        .unwrap();
    let ask = o
        .iter()
        .find(|x| x.side == Side::Sell)
        .map(|x| x.price)
        .unwrap();
    assert!(bid < ask, "bid {bid} below ask {ask}");
    let top = venue.top_of_book(SYM).await.unwrap();
    assert!(bid < top.ask_price().unwrap() && ask > top.bid_price().unwrap());

    // the book goes stale: the stream stalls and the REST book never answers
    let faults = w.paper_session.as_ref().unwrap().faults().clone();
    faults
        .add_spec("lighter:ws:stall,lighter:orderBookOrders:timeout")
        .unwrap();
    // the maker sees it (its placements also wait on the silent REST book meanwhile) ...
    let end = Instant::now() + Duration::from_secs(15);
    while maker.status.borrow().pauses == 0 {
        assert!(
            Instant::now() < end,
            "no pause within 15 s of the stale book"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // ... and pulls every quote: an order sent just before the pause executes on Lighter
    // 1-3 s later and its cancel after it, so let the venue's settle grace pass first
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let o = wait_for(&venue, Duration::from_secs(8), |o| o.is_empty()).await;
    assert!(o.is_empty(), "quotes pulled on the stale book: {o:?}");
    // and none placed while it stays stale
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let o = ours(&venue).await;
        assert!(o.is_empty(), "no quote on a stale book: {o:?}");
    }
    // the book comes back: quoting resumes
    faults.clear();
    let o = wait_for(&venue, Duration::from_secs(10), |o| !o.is_empty()).await;
    assert!(!o.is_empty(), "quotes again once the book is fresh");

    let s = maker.finish().await;
    assert!(s.pauses >= 1 && s.placed >= 4, "{s:?}");
    assert!(
        ours(&venue).await.is_empty(),
        "nothing of ours rests after the stop"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_stays_within_its_bound_through_a_down_trend() {
    let dir = tempfile::tempdir().unwrap();
    // PAXG falls 4 % over 10 s: the maker's bids are hit again and again
    let w = paper(dir.path(), &["PAXG:-4@10"]).await;
    let venue = w.lighter.clone();
    let bound = dec!(0.01);
    let cfg = LmmConfig {
        max_inventory: Some(bound),
        ..config(dir.path())
    };
    let maker = start(cfg, &w, dir.path());
    let end = Instant::now() + Duration::from_secs(12);
    let mut worst = Decimal::ZERO;
    while Instant::now() < end {
        if let Ok(p) = venue.position(SYM).await {
            let size = p.map(|p| p.size).unwrap_or_default();
            worst = worst.max(size.abs());
            assert!(
                size.abs() <= bound,
                "position {size} beyond the bound {bound}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = maker.finish().await;
    let last = venue
        .position(SYM)
        .await
        .unwrap()
        .map(|p| p.size)
        .unwrap_or_default();
    assert!(last.abs() <= bound, "final position {last}");
    // the run did test the bound: bids were filled up to it
    assert!(
        s.fills >= 1 && worst > Decimal::ZERO,
        "no fill in the trend: {s:?}"
    );
    assert!(s.max_abs_position <= bound, "{s:?}");
    assert_eq!(
        s.trend,
        Some(Trend::Down),
        "the SuperTrend turned down: {s:?}"
    );
    assert!(ours(&venue).await.is_empty());
}
