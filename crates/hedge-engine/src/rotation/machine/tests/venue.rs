//! A scripted multi-symbol venue for the loop's tests: orders go to one in-memory
//! [`MockVenue`] per symbol (immediate IOC fills at the fixed book); funding rates follow a
//! script over time; funding payments are computed from the position's history and the
//! script, so that the ledger and the capture ratio can be checked; uPnL, margin usage,
//! foreign positions, open orders and read failures are injectable. A clock that advances on
//! every sleep and yields lets tests watch the loop from outside.

use crate::testing::{Fault, MockVenue};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use venue_api::{
    Balance, ClientOrderId, Clock, FundingPayment, FundingPoint, FundingRate, LeverageSetting,
    MarketId, MarketInfo, OrderAck, OrderRequest, OrderStatus, Position, PreparedOrder, Side,
    TopOfBook, Venue, VenueCapabilities, VenueError,
};

/// Sleeps advance the time at once, then yield (so other tasks can watch).
#[derive(Debug)]
pub struct StepClock {
    now: Mutex<DateTime<Utc>>,
}

impl StepClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }
}

#[async_trait]
impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    async fn sleep(&self, d: Duration) {
        {
            let mut now = self.now.lock().unwrap();
            *now += chrono::Duration::from_std(d).unwrap();
        }
        tokio::task::yield_now().await;
    }
}

#[derive(Debug, Clone)]
struct Segment {
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
    size: Decimal,
}

#[derive(Debug, Default)]
struct Inner {
    /// symbol -> (from, rate per hour), sorted by time.
    rates: HashMap<String, Vec<(DateTime<Utc>, Decimal)>>,
    upnl: HashMap<String, Decimal>,
    history: HashMap<String, Vec<Segment>>,
    margin_usage: Option<Decimal>,
    fail_positions: u32,
    skip_before_failing: u32,
    fail_funding: bool,
    foreign: Vec<Position>,
    open_orders: Vec<(String, OrderStatus)>,
    preset: HashMap<String, (Decimal, Option<DateTime<Utc>>)>,
    shifts: Vec<(String, DateTime<Utc>, Decimal)>,
}

/// The scripted venue.
#[derive(Debug)]
pub struct ScriptVenue {
    id: &'static str,
    clock: Arc<dyn Clock>,
    equity: Decimal,
    markets: HashMap<String, MockVenue>,
    inner: Mutex<Inner>,
}

pub const MID: Decimal = Decimal::from_parts(100, 0, 0, false, 0);

impl ScriptVenue {
    /// Lists `symbols`, each quoted 99.99 / 100.01 with step 0.01, hourly funding.
    pub fn new(id: &'static str, symbols: &[&str], clock: Arc<dyn Clock>) -> Self {
        let markets = symbols
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    MockVenue::new(
                        id,
                        s,
                        Decimal::new(1, 2),
                        Decimal::new(1, 2),
                        Decimal::new(9999, 2),
                        Decimal::new(10001, 2),
                        Decimal::from(100_000),
                    ),
                )
            })
            .collect();
        Self {
            id,
            clock,
            equity: Decimal::from(10_000),
            markets,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    fn mock(&self, symbol: &str) -> Result<&MockVenue, VenueError> {
        self.markets
            .get(symbol)
            .ok_or_else(|| VenueError::UnknownMarket(symbol.to_string()))
    }

    /// From `at` on, `symbol` pays `rate` per hour (positive: longs pay).
    pub fn set_rate(&self, symbol: &str, at: DateTime<Utc>, rate: Decimal) {
        let mut i = self.lock();
        let list = i.rates.entry(symbol.to_string()).or_default();
        list.push((at, rate));
        list.sort_by_key(|(t, _)| *t);
    }

    fn rate_at(&self, symbol: &str, t: DateTime<Utc>) -> Decimal {
        let i = self.lock();
        i.rates
            .get(symbol)
            .and_then(|l| l.iter().rev().find(|(from, _)| *from <= t))
            .map(|(_, r)| *r)
            .unwrap_or_default()
    }

    pub fn set_upnl(&self, symbol: &str, v: Decimal) {
        self.lock().upnl.insert(symbol.into(), v);
    }

    pub fn set_margin_usage(&self, v: Option<Decimal>) {
        self.lock().margin_usage = v;
    }

    pub fn fail_position_reads(&self, n: u32) {
        self.lock().fail_positions = n;
    }

    /// Lets `skip` position reads through, then fails the next `n`.
    pub fn fail_position_reads_after(&self, skip: u32, n: u32) {
        let mut i = self.lock();
        i.skip_before_failing = skip;
        i.fail_positions = n;
    }

    pub fn fail_funding_reads(&self, fail: bool) {
        self.lock().fail_funding = fail;
    }

    pub fn add_open_order(&self, symbol: &str, status: OrderStatus) {
        self.lock().open_orders.push((symbol.into(), status));
    }

    /// A position that exists before the test starts (opened at `opened_at`).
    pub fn preset_position(&self, symbol: &str, size: Decimal, opened_at: Option<DateTime<Utc>>) {
        if let Ok(m) = self.mock(symbol) {
            m.set_position(size);
        }
        let mut i = self.lock();
        i.preset.insert(symbol.into(), (size, opened_at));
        i.history.insert(
            symbol.into(),
            vec![Segment {
                from: opened_at.unwrap_or_else(|| self.clock.now()),
                to: None,
                size,
            }],
        );
    }

    /// From clock time `at` on, the venue holds `to` on `symbol` (a cut, a liquidation, a
    /// trade by hand), applied at the first position read at or after `at`.
    pub fn shift_position_at(&self, symbol: &str, at: DateTime<Utc>, to: Decimal) {
        self.lock().shifts.push((symbol.into(), at, to));
    }

    fn apply_shifts(&self) {
        let now = self.clock.now();
        let due: Vec<(String, Decimal)> = {
            let mut i = self.lock();
            let (due, later): (Vec<_>, Vec<_>) =
                i.shifts.drain(..).partition(|(_, at, _)| *at <= now);
            i.shifts = later;
            due.into_iter().map(|(s, _, to)| (s, to)).collect()
        };
        for (symbol, to) in due {
            if let Ok(m) = self.mock(&symbol) {
                let before = m.position_now();
                m.set_position(to);
                self.note_position(&symbol, before, to);
            }
        }
    }

    /// Faults for the next orders on `symbol`, one each.
    pub fn fault_next(&self, symbol: &str, faults: Vec<Fault>) {
        if let Ok(m) = self.mock(symbol) {
            m.push_faults(faults);
        }
    }

    pub fn fault(&self, symbol: &str, fault: Option<Fault>) {
        if let Ok(m) = self.mock(symbol) {
            m.set_sticky_fault(fault);
        }
    }

    /// Orders received on `symbol`.
    pub fn submissions(&self, symbol: &str) -> Vec<OrderRequest> {
        self.mock(symbol)
            .map(|m| m.submissions())
            .unwrap_or_default()
    }

    /// Every order received.
    pub fn all_submissions(&self) -> usize {
        self.markets.values().map(|m| m.submissions().len()).sum()
    }

    pub fn position_now(&self, symbol: &str) -> Decimal {
        self.mock(symbol)
            .map(|m| m.position_now())
            .unwrap_or_default()
    }

    fn note_position(&self, symbol: &str, before: Decimal, after: Decimal) {
        if before == after {
            return;
        }
        let now = self.clock.now();
        let mut i = self.lock();
        let h = i.history.entry(symbol.into()).or_default();
        if let Some(last) = h.last_mut().filter(|s| s.to.is_none()) {
            last.to = Some(now);
        }
        if !after.is_zero() {
            h.push(Segment {
                from: now,
                to: None,
                size: after,
            });
        }
    }

    fn opened_at(&self, symbol: &str) -> Option<DateTime<Utc>> {
        let i = self.lock();
        if let Some((_, t)) = i.preset.get(symbol) {
            if i.history.get(symbol).is_some_and(|h| h.len() == 1) {
                return *t;
            }
        }
        i.history
            .get(symbol)
            .and_then(|h| h.last())
            .filter(|s| s.to.is_none())
            .map(|s| s.from)
    }

    fn payments(&self, symbol: &str, since: Option<DateTime<Utc>>) -> Vec<FundingPayment> {
        let now = self.clock.now();
        let segments = self.lock().history.get(symbol).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for seg in segments {
            let from = since.map_or(seg.from, |s| s.max(seg.from));
            let to = seg.to.unwrap_or(now);
            let mut t = super::super::select::next_boundary(from, 60);
            while t <= to {
                let rate = self.rate_at(symbol, t);
                let amount = -seg.size * rate * MID;
                out.push(FundingPayment { time: t, amount });
                t += chrono::Duration::hours(1);
            }
        }
        out.reverse();
        out
    }

    fn with_extras(&self, p: Option<Position>, symbol: &str) -> Option<Position> {
        let i = self.lock();
        let upnl = i.upnl.get(symbol).copied();
        drop(i);
        p.map(|mut p| {
            p.unrealized_pnl = upnl.or(Some(Decimal::ZERO));
            p.opened_at = self.opened_at(symbol);
            p.entry_price = Some(MID);
            p
        })
    }
}

#[async_trait]
impl Venue for ScriptVenue {
    fn id(&self) -> &'static str {
        self.id
    }

    fn display_name(&self) -> &'static str {
        self.id
    }

    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::ZERO,
            bulk_funding: true,
            native_ioc: true,
        }
    }

    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        let mut m = self.mock(symbol)?.market(symbol).await?;
        m.market_id = MarketId::from(symbol);
        Ok(m)
    }

    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        let mut out = Vec::new();
        for s in self.markets.keys() {
            out.push(self.market(s).await?);
        }
        Ok(out)
    }

    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.mock(symbol)?.top_of_book(symbol).await
    }

    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.mock(symbol)?;
        let now = self.clock.now();
        Ok(FundingRate {
            rate: self.rate_at(symbol, now),
            interval_minutes: 60,
            next_funding_time: Some(super::super::select::next_boundary(now, 60)),
            time: Some(now),
        })
    }

    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        let mut out = Vec::new();
        for s in symbols {
            out.push((s.clone(), self.funding(s).await));
        }
        Ok(out)
    }

    async fn funding_history(
        &self,
        _symbol: &str,
        _limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        Err(VenueError::Unsupported("history".into()))
    }

    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        if self.lock().fail_funding {
            return Err(VenueError::Transport("funding read failed (script)".into()));
        }
        Ok(self.payments(symbol, since))
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        let used: Decimal = self
            .markets
            .values()
            .map(|m| m.position_now().abs() * MID / Decimal::from(3))
            .sum();
        Ok(Balance {
            equity: self.equity,
            available: self.equity - used,
            margin_usage: self.lock().margin_usage,
            maintenance_margin: None,
            initial_margin: None,
        })
    }

    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        self.apply_shifts();
        let mut out = Vec::new();
        {
            let mut i = self.lock();
            if i.fail_positions > 0 {
                i.fail_positions -= 1;
                return Err(VenueError::Transport(
                    "positions read failed (script)".into(),
                ));
            }
            out.extend(i.foreign.iter().cloned());
        }
        for (s, m) in &self.markets {
            let p = m.position(s).await?;
            out.extend(self.with_extras(p, s));
        }
        Ok(out)
    }

    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        self.apply_shifts();
        {
            let mut i = self.lock();
            if i.fail_positions > 0 {
                i.fail_positions -= 1;
                return Err(VenueError::Transport(
                    "position read failed (script)".into(),
                ));
            }
        }
        let p = self.mock(symbol)?.position(symbol).await?;
        Ok(self.with_extras(p, symbol))
    }

    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        self.mock(symbol)?.leverage(symbol).await
    }

    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        self.mock(symbol)?.set_leverage(symbol, leverage).await
    }

    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        self.mock(&request.symbol)?.prepare_order(request).await
    }

    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        let symbol = order.request().symbol.clone();
        let m = self.mock(&symbol)?;
        let before = m.position_now();
        let r = m.submit_order(order).await;
        self.note_position(&symbol, before, m.position_now());
        r
    }

    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        self.mock(symbol)?.cancel_order(symbol, client_id).await
    }

    async fn cancel_all(&self, _symbol: &str) -> Result<(), VenueError> {
        Ok(())
    }

    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        self.mock(symbol)?.order_status(symbol, client_id).await
    }

    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        self.mock(symbol)?;
        Ok(self
            .lock()
            .open_orders
            .iter()
            .filter(|(s, _)| s == symbol)
            .map(|(_, o)| o.clone())
            .collect())
    }

    async fn resync(&self) -> Result<(), VenueError> {
        Ok(())
    }
}

/// A resting order for the open-orders case.
pub fn resting(cid: u64) -> OrderStatus {
    OrderStatus {
        client_id: ClientOrderId::new(cid).unwrap(),
        venue_order_id: None,
        side: Side::Buy,
        size: Decimal::ONE,
        price: Decimal::from(90),
        state: venue_api::OrderState::Open,
        filled_size: Decimal::ZERO,
        avg_fill_price: None,
        fee: None,
        reason: None,
    }
}
