//! The ladder's trades on in-memory venues that report margin figures: REDUCE reduces both
//! legs by the same quantity (after two readings), FLATTEN closes both.

use super::*;
use async_trait::async_trait;
use hedge_engine::protocol::ExecutionOptions;
use hedge_engine::state::MemoryStore;
use hedge_engine::testing::{FastClock, MockVenue};
use rust_decimal_macros::dec;
use std::sync::Mutex;
use venue_api::{
    Balance, ClientOrderId, Clock, FundingPayment, FundingPoint, FundingRate, LeverageSetting,
    MarketInfo, OrderAck, OrderRequest, OrderStatus, PreparedOrder, TopOfBook, VenueCapabilities,
    VenueError,
};

const MARK: Decimal = dec!(40);
const FRACTION: Decimal = dec!(0.01);

/// A [`MockVenue`] whose account gives equity, maintenance requirement and marks.
#[derive(Debug)]
pub(super) struct Margined {
    inner: Arc<MockVenue>,
    pub(super) equity: Mutex<Decimal>,
    /// The venue liquidates the whole position as the next order arrives (that order is
    /// then refused: reduce-only with no position).
    pub(super) liquidate_on_order: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl Venue for Margined {
    fn id(&self) -> &'static str {
        self.inner.id()
    }
    fn display_name(&self) -> &'static str {
        self.inner.display_name()
    }
    fn capabilities(&self) -> VenueCapabilities {
        self.inner.capabilities()
    }
    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        self.inner.market(symbol).await
    }
    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        self.inner.markets().await
    }
    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.inner.top_of_book(symbol).await
    }
    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.inner.funding(symbol).await
    }
    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        self.inner.funding_rates(symbols).await
    }
    async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        self.inner.funding_history(symbol, limit).await
    }
    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        self.inner.funding_payments(symbol, since).await
    }
    async fn balance(&self) -> Result<Balance, VenueError> {
        let size = self.inner.position_now().abs();
        let equity = *self.equity.lock().unwrap();
        Ok(Balance {
            equity,
            available: equity,
            margin_usage: None,
            maintenance_margin: Some(size * MARK * FRACTION),
            initial_margin: None,
        })
    }
    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        Ok(self
            .inner
            .positions()
            .await?
            .into_iter()
            .map(|p| Position {
                mark_price: Some(MARK),
                maintenance_margin_fraction: Some(FRACTION),
                ..p
            })
            .collect())
    }
    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        self.inner.position(symbol).await
    }
    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        self.inner.leverage(symbol).await
    }
    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        self.inner.set_leverage(symbol, leverage).await
    }
    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        self.inner.prepare_order(request).await
    }
    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        if self
            .liquidate_on_order
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            self.inner.set_position(Decimal::ZERO);
            return Err(VenueError::Rejected {
                code: "reduce_only".into(),
                message: "reduce-only order with no position (liquidated)".into(),
            });
        }
        self.inner.submit_order(order).await
    }
    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        self.inner.cancel_order(symbol, client_id).await
    }
    async fn cancel_all(&self, symbol: &str) -> Result<(), VenueError> {
        self.inner.cancel_all(symbol).await
    }
    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        self.inner.order_status(symbol, client_id).await
    }
    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        self.inner.open_orders(symbol).await
    }
    async fn resync(&self) -> Result<(), VenueError> {
        self.inner.resync().await
    }
}

pub(super) struct World {
    pub(super) a: Arc<MockVenue>,
    pub(super) b: Arc<MockVenue>,
    /// Venue A with its equity (set it to move A's runway).
    pub(super) ma: Arc<Margined>,
    pub(super) clock: Arc<FastClock>,
    pub(super) engine: HedgeEngine,
    pub(super) monitor: LiqMonitor,
}

/// 10 HYPE long on A (equity `equity_a`), 10 short on B (healthy), mark 40, 1 % maintenance.
pub(super) fn world(equity_a: Decimal) -> World {
    let mock = |id, tick, step, bid, ask| {
        Arc::new(MockVenue::new(
            id,
            "HYPE",
            tick,
            step,
            bid,
            ask,
            dec!(10000),
        ))
    };
    let a = mock("lighter", dec!(0.001), dec!(0.01), dec!(39.99), dec!(40.01));
    let b = mock("edgex", dec!(0.01), dec!(0.1), dec!(39.98), dec!(40.02));
    a.set_position(dec!(10));
    b.set_position(dec!(-10));
    let ma = Arc::new(Margined {
        inner: a.clone(),
        equity: Mutex::new(equity_a),
        liquidate_on_order: Default::default(),
    });
    let va: Arc<dyn Venue> = ma.clone();
    let vb: Arc<dyn Venue> = Arc::new(Margined {
        inner: b.clone(),
        equity: Mutex::new(dec!(10000)),
        liquidate_on_order: Default::default(),
    });
    let clock = Arc::new(FastClock::default());
    let engine = HedgeEngine::new(
        clock.clone(),
        Arc::new(MemoryStore::default()),
        ExecutionOptions::default(),
    );
    let settings = LiqSettings {
        monitor: MonitorSettings::from_options(dec!(80), dec!(-15), 30, 5).unwrap(),
        auto_close: true,
        pricing: PricingPolicy::default(),
    };
    let monitor = LiqMonitor::new(settings, (VenueKind::Lighter, va), (VenueKind::Edgex, vb));
    World {
        a,
        b,
        ma,
        clock,
        engine,
        monitor,
    }
}

/// Equity for a long runway of `pct` % at 10 HYPE, mark 40, 1 %: MM + pct/100 x 400 x 0.99.
pub(super) fn equity_for_runway(pct: Decimal) -> Decimal {
    dec!(4) + pct / dec!(100) * dec!(400) * dec!(0.99)
}

#[tokio::test]
async fn reduce_level_reduces_both_legs_by_the_same_quantity_after_two_readings() {
    let mut w = world(equity_for_runway(dec!(8)));
    let first = w.monitor.check(&w.engine).await;
    assert_eq!(first.venues[0].level, Level::Warn, "first reading: WARN");
    assert!(first.actions.is_empty(), "{:?}", first.actions);
    assert_eq!(first.health, Health::Unhealthy);
    w.clock.sleep(Duration::from_secs(60)).await;
    let second = w.monitor.check(&w.engine).await;
    assert_eq!(second.venues[0].level, Level::Reduce);
    assert_eq!(second.actions.len(), 1, "{:?}", second.actions);
    assert_eq!(second.actions[0].action, "reduce_both");
    assert!(second.actions[0].ok, "{:?}", second.actions[0]);
    let (la, lb) = (w.a.position_now(), w.b.position_now());
    assert!(la < dec!(10) && la > Decimal::ZERO, "{la}");
    assert_eq!(la, -lb, "both legs reduced by the same quantity");
    let (sa, sb) = (w.a.submissions(), w.b.submissions());
    assert_eq!(sa.len(), 1);
    assert_eq!(sb.len(), 1);
    assert_eq!(sa[0].size, sb[0].size);
    assert!(sa[0].reduce_only && sb[0].reduce_only);
    assert!(w.engine.halted().unwrap().is_none());
}

#[tokio::test]
async fn flatten_level_closes_both_legs() {
    let mut w = world(equity_for_runway(dec!(3)));
    let first = w.monitor.check(&w.engine).await;
    assert!(first.actions.is_empty(), "two readings first");
    w.clock.sleep(Duration::from_secs(60)).await;
    let second = w.monitor.check(&w.engine).await;
    assert_eq!(second.venues[0].level, Level::Flatten);
    assert_eq!(second.actions.len(), 1, "{:?}", second.actions);
    assert_eq!(second.actions[0].action, "close_both");
    assert!(second.actions[0].ok, "{:?}", second.actions[0]);
    assert_eq!((w.a.position_now(), w.b.position_now()), (dec!(0), dec!(0)));
}

#[tokio::test]
async fn a_healthy_hedge_with_figures_is_healthy() {
    let mut w = world(dec!(10000));
    let r = w.monitor.check(&w.engine).await;
    assert_eq!(r.health, Health::Healthy, "{:?}", r.venues);
    assert!(r.actions.is_empty());
    let text = render_text(&r, "", None);
    assert!(text.contains("status: HEALTHY"), "{text}");
    assert!(text.contains("HYPE Long 10"), "{text}");
}

#[tokio::test]
async fn a_leg_liquidated_during_reduce_leaves_no_naked_leg_for_a_grace() {
    let mut w = world(equity_for_runway(dec!(8)));
    let first = w.monitor.check(&w.engine).await;
    assert!(first.actions.is_empty(), "two readings first");
    w.clock.sleep(Duration::from_secs(60)).await;
    // The venue takes the whole long leg as REDUCE sends its orders.
    w.ma.liquidate_on_order
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let r = w.monitor.check(&w.engine).await;
    assert_eq!(r.actions.len(), 2, "{:?}", r.actions);
    assert_eq!(r.actions[0].action, "reduce_both");
    assert!(!r.actions[0].ok, "{:?}", r.actions[0]);
    assert_eq!(r.actions[1].action, "close_leg");
    assert!(r.actions[1].ok, "{:?}", r.actions[1]);
    assert!(
        r.actions[1].why.contains("reduce_both failed"),
        "{:?}",
        r.actions[1]
    );
    assert_eq!((w.a.position_now(), w.b.position_now()), (dec!(0), dec!(0)));
    // HALTED by the failed reduce stays until an operator resumes (as the CLI leaves it).
    assert!(w.engine.halted().unwrap().is_some());
    assert_eq!(r.health, Health::Unhealthy);
}
