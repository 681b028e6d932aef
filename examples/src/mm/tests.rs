//! The order manager against an in-memory venue whose orders, fills and failures the tests
//! script.

use super::*;
use crate::quoting::MarketGrid;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use venue_api::{
    Balance, BookLevel, BookSource, ClientOrderId, FundingPayment, FundingPoint, FundingRate,
    LeverageSetting, ManualClock, MarketInfo, OrderAck, OrderRequest, OrderState, OrderStatus,
    Position, PreparedOrder, Side, TimeInForce, TopOfBook, Venue, VenueCapabilities, VenueError,
};

#[derive(Debug, Default)]
struct State {
    orders: BTreeMap<u64, OrderStatus>,
    requests: Vec<OrderRequest>,
    cancels: Vec<u64>,
    /// cancels that are refused with a 503 (count down)
    failing_cancels: u32,
    /// a fill applied to an order when it is cancelled (size)
    fill_on_cancel: Option<Decimal>,
    /// cancels accepted but not applied (the order stays open)
    ignore_cancels: bool,
    book: Option<TopOfBook>,
    book_error: bool,
}

#[derive(Debug, Default)]
struct MockVenue {
    s: Mutex<State>,
}

impl MockVenue {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut g = self.s.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }

    fn add_open(&self, id: u64, side: Side) {
        self.with(|s| {
            s.orders
                .insert(id, status(id, side, dec!(100), dec!(1), OrderState::Open));
        });
    }

    fn open_ids(&self) -> Vec<u64> {
        self.with(|s| {
            s.orders
                .values()
                .filter(|o| !o.state.is_final())
                .map(|o| o.client_id.get())
                .collect()
        })
    }
}

fn status(id: u64, side: Side, price: Decimal, size: Decimal, state: OrderState) -> OrderStatus {
    OrderStatus {
        client_id: ClientOrderId::new(id).unwrap_or_else(|| unreachable!()),
        venue_order_id: None,
        side,
        size,
        price,
        state,
        filled_size: Decimal::ZERO,
        avg_fill_price: None,
        fee: None,
        reason: None,
    }
}

fn unsupported<T>(what: &str) -> Result<T, VenueError> {
    Err(VenueError::Unsupported(what.into()))
}

#[async_trait]
impl Venue for MockVenue {
    fn id(&self) -> &'static str {
        "mock"
    }
    fn display_name(&self) -> &'static str {
        "Mock"
    }
    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::from_secs(1),
            bulk_funding: false,
            native_ioc: true,
        }
    }
    async fn market(&self, _: &str) -> Result<MarketInfo, VenueError> {
        unsupported("market")
    }
    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        unsupported("markets")
    }
    async fn top_of_book(&self, _: &str) -> Result<TopOfBook, VenueError> {
        self.with(|s| {
            if s.book_error {
                return Err(VenueError::Timeout(Duration::from_secs(10)));
            }
            s.book
                .clone()
                .ok_or(VenueError::Unavailable("no book".into()))
        })
    }
    async fn funding(&self, _: &str) -> Result<FundingRate, VenueError> {
        unsupported("funding")
    }
    async fn funding_rates(
        &self,
        _: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        unsupported("funding_rates")
    }
    async fn funding_history(&self, _: &str, _: usize) -> Result<Vec<FundingPoint>, VenueError> {
        unsupported("funding_history")
    }
    async fn funding_payments(
        &self,
        _: &str,
        _: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        unsupported("funding_payments")
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        unsupported("balance")
    }
    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        unsupported("positions")
    }
    async fn position(&self, _: &str) -> Result<Option<Position>, VenueError> {
        unsupported("position")
    }
    async fn leverage(&self, _: &str) -> Result<LeverageSetting, VenueError> {
        unsupported("leverage")
    }
    async fn set_leverage(&self, _: &str, _: u32) -> Result<(), VenueError> {
        unsupported("set_leverage")
    }
    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        Ok(PreparedOrder::new(
            "mock",
            request.clone(),
            DateTime::<Utc>::UNIX_EPOCH,
            Duration::ZERO,
            (),
        ))
    }
    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        let (req, ()) = order.into_payload::<()>("mock")?;
        self.with(|s| {
            let id = req.client_id.get();
            s.orders.insert(
                id,
                status(id, req.side, req.price, req.size, OrderState::Open),
            );
            s.requests.push(req.clone());
        });
        Ok(OrderAck {
            client_id: req.client_id,
            venue_order_id: None,
            tx_hash: None,
        })
    }
    async fn cancel_order(&self, _: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        self.with(|s| {
            if s.failing_cancels > 0 {
                s.failing_cancels -= 1;
                return Err(VenueError::Unavailable("503".into()));
            }
            s.cancels.push(client_id.get());
            if s.ignore_cancels {
                return Ok(());
            }
            let fill = s.fill_on_cancel.take();
            if let Some(o) = s.orders.get_mut(&client_id.get()) {
                if !o.state.is_final() {
                    if let Some(f) = fill {
                        o.filled_size += f;
                        o.avg_fill_price = Some(o.price);
                    }
                    o.state = OrderState::Canceled;
                }
            }
            Ok(())
        })
    }
    async fn cancel_all(&self, _: &str) -> Result<(), VenueError> {
        panic!("the makers never cancel_all (EX-W16)")
    }
    async fn order_status(
        &self,
        _: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        Ok(self.with(|s| s.orders.get(&client_id.get()).cloned()))
    }
    async fn open_orders(&self, _: &str) -> Result<Vec<OrderStatus>, VenueError> {
        Ok(self.with(|s| {
            s.orders
                .values()
                .filter(|o| !o.state.is_final())
                .cloned()
                .collect()
        }))
    }
    async fn resync(&self) -> Result<(), VenueError> {
        Ok(())
    }
}

const GRID: MarketGrid = MarketGrid {
    tick: dec!(0.01),
    step: dec!(0.001),
    min_size: dec!(0.01),
};

fn manager(venue: &Arc<MockVenue>) -> (OrderManager, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(DateTime::<Utc>::UNIX_EPOCH));
    let ids = ClientIds::new(EDGEX_MAKER_TAG, 1_000).unwrap_or_else(|_| unreachable!());
    let mut settings = ManagerSettings::new("PAXG", 2);
    settings.sweep_pause = Duration::ZERO;
    settings.sweep_attempts = 3;
    let v: Arc<dyn Venue> = venue.clone();
    (
        OrderManager::new(v, clock.clone(), GRID, ids, settings),
        clock,
    )
}

fn target(price: Decimal, size: Decimal) -> Option<Target> {
    Some(Target {
        price,
        size,
        reduce_only: false,
    })
}

#[test]
fn client_ids_carry_the_tag_and_stay_below_2_pow_48() {
    let mut ids =
        ClientIds::new(EDGEX_MAKER_TAG, (1i64 << 32) - 1).unwrap_or_else(|_| unreachable!());
    let a = ids.next_id();
    let b = ids.next_id(); // the counter wraps and skips 0
    assert_eq!(a.get(), (u64::from(EDGEX_MAKER_TAG) << 32) | 0xFFFF_FFFF);
    assert_eq!(b.get(), (u64::from(EDGEX_MAKER_TAG) << 32) | 1);
    assert!(ids.is_ours(a) && ids.is_ours(b));
    let engine_id =
        ClientOrderId::new(1_764_590_000_000 * 100 + 10).unwrap_or_else(|| unreachable!());
    assert!(!ids.is_ours(engine_id));
    let lighter = ClientIds::new(LIGHTER_MAKER_TAG, 0).unwrap_or_else(|_| unreachable!());
    assert!(!lighter.is_ours(a));
    for bad in [0u16, 0x8000, u16::MAX] {
        assert!(matches!(
            ClientIds::new(bad, 0),
            Err(MmError::Setting { .. })
        ));
    }
}

#[test]
fn decide_keeps_within_the_band_and_never_oversize() {
    let resting = |price, size, filled| Resting {
        client_id: ClientOrderId::new(1).unwrap_or_else(|| unreachable!()),
        side: Side::Buy,
        price,
        size,
        filled,
        filled_value: Decimal::ZERO,
        reduce_only: false,
        placed_at: DateTime::<Utc>::UNIX_EPOCH,
        cancelling: false,
    };
    let t = |price, size| Target {
        price,
        size,
        reduce_only: false,
    };
    let tick = dec!(0.01);
    let cases = [
        (None, None, Action::Keep),
        (None, Some(t(dec!(100), dec!(1))), Action::Place),
        (
            Some(resting(dec!(100), dec!(1), dec!(0))),
            None,
            Action::Cancel,
        ),
        // 2 ticks away with requote_ticks 2: kept; 3 ticks: replaced
        (
            Some(resting(dec!(100.02), dec!(1), dec!(0))),
            Some(t(dec!(100), dec!(1))),
            Action::Keep,
        ),
        (
            Some(resting(dec!(99.97), dec!(1), dec!(0))),
            Some(t(dec!(100), dec!(1))),
            Action::Replace,
        ),
        // resting more than the target allows: replaced; a partial fill left less: kept
        (
            Some(resting(dec!(100), dec!(1), dec!(0))),
            Some(t(dec!(100), dec!(0.5))),
            Action::Replace,
        ),
        (
            Some(resting(dec!(100), dec!(1), dec!(0.6))),
            Some(t(dec!(100), dec!(0.5))),
            Action::Keep,
        ),
    ];
    for (r, target, want) in cases {
        assert_eq!(
            decide(r.as_ref(), target.as_ref(), tick, 2),
            want,
            "{r:?} {target:?}"
        );
    }
}

#[tokio::test]
async fn sweep_cancels_only_our_tag_and_verifies() {
    let venue = Arc::new(MockVenue::default());
    let (mut m, _) = manager(&venue);
    let ours = (u64::from(EDGEX_MAKER_TAG) << 32) | 5;
    let theirs = (u64::from(LIGHTER_MAKER_TAG) << 32) | 5;
    let engine = 176_459_000_000_010;
    venue.add_open(ours, Side::Buy);
    venue.add_open(theirs, Side::Sell);
    venue.add_open(engine, Side::Sell);
    venue.with(|s| s.failing_cancels = 1); // the first cancel fails; the next round retries
    let sent = m.sweep().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, 2);
    let mut open = venue.open_ids();
    open.sort_unstable();
    assert_eq!(open, vec![theirs, engine]);

    // a venue that never applies the cancel: the sweep gives up and names the order
    venue.add_open(ours + 1, Side::Buy);
    venue.with(|s| s.ignore_cancels = true);
    match m.sweep().await {
        Err(MmError::StillOpen { attempts, ids }) => {
            assert_eq!(attempts, 3);
            assert_eq!(
                ids.iter().map(|i| i.get()).collect::<Vec<_>>(),
                vec![ours + 1]
            );
        }
        other => panic!("expected StillOpen, got {other:?}"),
    }
}

#[tokio::test]
async fn reconcile_places_keeps_and_replaces_post_only() {
    let venue = Arc::new(MockVenue::default());
    let clock = Arc::new(ManualClock::new(DateTime::<Utc>::UNIX_EPOCH));
    let ids = ClientIds::new(EDGEX_MAKER_TAG, 1_000).unwrap_or_else(|_| unreachable!());
    let mut settings = ManagerSettings::new("PAXG", 2);
    settings.order_ttl = Some(Duration::from_secs(3600));
    let v: Arc<dyn Venue> = venue.clone();
    let mut m = OrderManager::new(v, clock, GRID, ids, settings);
    let t = Targets {
        bid: target(dec!(99.50), dec!(0.2)),
        ask: target(dec!(100.50), dec!(0.2)),
    };
    let r = m.reconcile(&t).await;
    assert_eq!(r.placed.len(), 2, "{r:?}");
    assert!(r.errors.is_empty());
    let expiry = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(3600);
    venue.with(|s| {
        assert!(s
            .requests
            .iter()
            .all(|q| q.time_in_force == TimeInForce::PostOnly
                && !q.reduce_only
                && q.expires_at == Some(expiry)));
    });
    // one tick away: nothing sent
    let near = Targets {
        bid: target(dec!(99.51), dec!(0.2)),
        ask: target(dec!(100.49), dec!(0.2)),
    };
    let r = m.reconcile(&near).await;
    assert_eq!((r.placed.len(), r.cancelled.len(), r.kept.len()), (0, 0, 2));
    // the bid target moves 5 ticks: cancel by client id, then place
    let old_bid = m.resting(Side::Buy).map(|r| r.client_id);
    let moved = Targets {
        bid: target(dec!(99.56), dec!(0.2)),
        ..near
    };
    let r = m.reconcile(&moved).await;
    assert_eq!(r.cancelled, old_bid.into_iter().collect::<Vec<_>>());
    assert_eq!(r.placed.len(), 1);
    assert_eq!(m.resting(Side::Buy).map(|r| r.price), Some(dec!(99.56)));
    assert_eq!(venue.open_ids().len(), 2);
    // the ask is withheld: cancelled
    let r = m
        .reconcile(&Targets {
            bid: moved.bid,
            ask: None,
        })
        .await;
    assert_eq!(r.cancelled.len(), 1);
    assert!(m.resting(Side::Sell).is_none());
}

#[tokio::test]
async fn a_fill_during_the_cancel_shrinks_the_replacement() {
    let venue = Arc::new(MockVenue::default());
    let (mut m, _) = manager(&venue);
    m.reconcile(&Targets {
        bid: target(dec!(99.50), dec!(0.2)),
        ask: None,
    })
    .await;
    venue.with(|s| s.fill_on_cancel = Some(dec!(0.05)));
    let r = m
        .reconcile(&Targets {
            bid: target(dec!(99.00), dec!(0.2)),
            ask: None,
        })
        .await;
    assert_eq!(r.fills.len(), 1);
    assert_eq!(
        (r.fills[0].size, r.fills[0].value),
        (dec!(0.05), dec!(4.975))
    );
    assert_eq!(m.resting(Side::Buy).map(|r| r.size), Some(dec!(0.15)));
}

#[tokio::test]
async fn a_cancel_not_yet_final_places_nothing_on_that_side() {
    let venue = Arc::new(MockVenue::default());
    let (mut m, _) = manager(&venue);
    m.reconcile(&Targets {
        bid: target(dec!(99.50), dec!(0.2)),
        ask: None,
    })
    .await;
    venue.with(|s| s.ignore_cancels = true);
    let r = m
        .reconcile(&Targets {
            bid: target(dec!(99.00), dec!(0.2)),
            ask: None,
        })
        .await;
    assert_eq!((r.cancelled.len(), r.placed.len()), (1, 0));
    assert_eq!(venue.open_ids().len(), 1, "never two bids");
    assert!(m.resting(Side::Buy).is_some_and(|r| r.cancelling));
}

#[tokio::test]
async fn refresh_reports_fills_and_forgets_ended_orders() {
    let venue = Arc::new(MockVenue::default());
    let (mut m, clock) = manager(&venue);
    m.reconcile(&Targets {
        bid: target(dec!(99.50), dec!(0.2)),
        ask: target(dec!(100.50), dec!(0.2)),
    })
    .await;
    let bid = m.resting(Side::Buy).map(|r| r.client_id.get()).unwrap_or(0);
    let ask = m
        .resting(Side::Sell)
        .map(|r| r.client_id.get())
        .unwrap_or(0);
    venue.with(|s| {
        if let Some(o) = s.orders.get_mut(&bid) {
            o.filled_size = dec!(0.1);
            o.avg_fill_price = Some(dec!(99.5));
        }
        if let Some(o) = s.orders.get_mut(&ask) {
            o.state = OrderState::Canceled;
            o.reason = Some("post-only would cross".into());
        }
    });
    let r = m.refresh().await;
    assert_eq!(r.fills.len(), 1);
    assert_eq!((r.fills[0].size, r.fills[0].value), (dec!(0.1), dec!(9.95)));
    assert_eq!(r.ended.len(), 1);
    assert!(m.resting(Side::Sell).is_none());
    assert_eq!(m.resting(Side::Buy).map(|r| r.remaining()), Some(dec!(0.1)));
    // no double count
    assert!(m.refresh().await.fills.is_empty());
    // an order the venue never heard of is forgotten after the settle grace
    venue.with(|s| s.orders.clear());
    assert!(m.refresh().await.ended.is_empty());
    clock.advance(Duration::from_secs(3));
    assert_eq!(m.refresh().await.ended.len(), 1);
    assert!(m.resting(Side::Buy).is_none());
}

#[tokio::test]
async fn book_watch_goes_stale_without_a_usable_book() {
    let venue = Arc::new(MockVenue::default());
    let t0 = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(1_000);
    let top = |bid: Decimal, ask: Decimal, at: DateTime<Utc>| TopOfBook {
        bid: Some(BookLevel {
            price: bid,
            size: dec!(1),
        }),
        ask: Some(BookLevel {
            price: ask,
            size: dec!(1),
        }),
        time: at,
        source: BookSource::Rest,
    };
    venue.with(|s| s.book = Some(top(dec!(99), dec!(101), t0)));
    let v: Arc<dyn Venue> = venue.clone();
    let mut w = BookWatch::start(v, "PAXG", Duration::from_secs(5), t0).await;
    assert!(!w.streaming());
    assert!(matches!(
        w.read(t0).await,
        BookRead::Fresh { source: "rest", .. }
    ));
    // the venue stops answering: hold for up to 5 s, then stale
    venue.with(|s| s.book_error = true);
    let at = |s: i64| t0 + chrono::Duration::seconds(s);
    assert!(matches!(w.read(at(3)).await, BookRead::Hold { .. }));
    assert!(matches!(w.read(at(6)).await, BookRead::Stale { .. }));
    // answers again, but with an old book: still stale
    venue.with(|s| s.book_error = false);
    assert!(matches!(w.read(at(12)).await, BookRead::Stale { .. }));
    // a fresh book: fresh again
    venue.with(|s| s.book = Some(top(dec!(99), dec!(101), at(12))));
    assert!(matches!(w.read(at(12)).await, BookRead::Fresh { .. }));
    // a crossed book is not usable
    venue.with(|s| s.book = Some(top(dec!(101), dec!(99), at(13))));
    match w.read(at(13)).await {
        BookRead::Hold { reason } => assert!(reason.contains("crossed"), "{reason}"),
        other => panic!("expected Hold, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_cancel_of_a_filled_order_still_frees_the_side() {
    let venue = Arc::new(MockVenue::default());
    let (mut m, _) = manager(&venue);
    m.reconcile(&Targets {
        bid: target(dec!(99.50), dec!(0.2)),
        ask: None,
    })
    .await;
    let bid = m.resting(Side::Buy).map(|r| r.client_id.get()).unwrap_or(0);
    venue.with(|s| {
        if let Some(o) = s.orders.get_mut(&bid) {
            o.filled_size = dec!(0.2);
            o.avg_fill_price = Some(dec!(99.5));
            o.state = OrderState::Filled;
        }
        s.failing_cancels = 1;
    });
    let r = m
        .reconcile(&Targets {
            bid: target(dec!(99.00), dec!(0.2)),
            ask: None,
        })
        .await;
    // the filled 0.2 is reported and the whole replacement is withheld (0.2 - 0.2 = 0)
    assert_eq!(r.fills.iter().map(|f| f.size).sum::<Decimal>(), dec!(0.2));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(m.resting(Side::Buy).is_none());
    assert_eq!(r.placed.len(), 0);
}
