//! Test doubles for code built on the engine: an in-memory [`MockVenue`] with injectable
//! faults, and a [`FastClock`] whose sleeps return at once while advancing its time.
//!
//! Compiled for this crate's tests and, with the `testing` feature, for other crates' tests.
//! Never used by the binaries: paper mode runs the real adapters against `venue-sim`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use venue_api::{
    Balance, BookLevel, BookSource, ClientOrderId, Clock, FundingPayment, FundingPoint,
    FundingRate, LeverageSetting, MarginMode, MarketId, MarketInfo, MarketStatus, OrderAck,
    OrderRequest, OrderState, OrderStatus, Position, PreparedOrder, TopOfBook, Venue,
    VenueCapabilities, VenueError,
};

/// A clock whose `sleep` returns immediately and moves its time forward.
#[derive(Debug)]
pub struct FastClock {
    now: Mutex<DateTime<Utc>>,
}

impl FastClock {
    /// Starts at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }
}

impl Default for FastClock {
    fn default() -> Self {
        Self::new(DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000))
    }
}

#[async_trait]
impl Clock for FastClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn sleep(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
    }
}

/// What a [`MockVenue`] does to the next order submissions.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Refuse with a venue code.
    Reject,
    /// Execute the order, then lose the answer (timeout).
    LoseAnswerAfterAccept,
    /// Lose the request before the venue sees it (timeout).
    LoseRequest,
    /// Fill only this fraction of the order (rounded down to the step).
    PartialFill(Decimal),
    /// Refuse reduce-only orders (an unwind that cannot go through).
    RejectReduceOnly,
    /// Book and execute the order, then answer HTTP 502 (a gateway error after booking).
    BookedThen5xx,
    /// Refuse for insufficient margin (a definite refusal: never repaired).
    InsufficientMargin,
    /// Answer 200 with an id, but never book or execute the order (the venue dropped it).
    Dropped,
    /// Execute the order and answer at once, but show the fill in positions only after this
    /// many more position reads (Lighter's 1-3 s visibility lag, counted in reads).
    LateFill(u32),
}

#[derive(Debug, Default)]
struct Inner {
    position: Decimal,
    leverage: Option<u32>,
    orders: HashMap<ClientOrderId, OrderStatus>,
    submissions: Vec<OrderRequest>,
    faults: Vec<Fault>,
    sticky_fault: Option<Fault>,
    ignore_leverage: bool,
    fail_position_reads: u32,
    fail_reads_after_order: bool,
    bid: Option<Decimal>,
    ask: Option<Decimal>,
    extra_symbols: Vec<String>,
    funding: HashMap<String, Result<FundingRate, VenueError>>,
    funding_delay: Duration,
    bulk_funding: bool,
    funding_in_flight: usize,
    funding_max_in_flight: usize,
    opened_at: Option<DateTime<Utc>>,
    fail_order_status: bool,
    /// Fills not yet visible: (position reads left, signed size).
    late_fills: Vec<(u32, Decimal)>,
}

/// An in-memory venue: one market, a fixed book, immediate fills of crossing IOC orders.
#[derive(Debug)]
pub struct MockVenue {
    id: &'static str,
    market: MarketInfo,
    available: Decimal,
    inner: Mutex<Inner>,
}

impl MockVenue {
    /// A venue `id` listing `symbol` with the given grids, quoting bid/ask, with `available`
    /// collateral.
    pub fn new(
        id: &'static str,
        symbol: &str,
        tick: Decimal,
        step: Decimal,
        bid: Decimal,
        ask: Decimal,
        available: Decimal,
    ) -> Self {
        Self {
            id,
            market: MarketInfo {
                symbol: symbol.to_string(),
                quote: "USD".into(),
                market_id: MarketId::from("1"),
                tick_size: tick,
                step_size: step,
                min_size: step,
                min_quote: None,
                max_leverage: Some(Decimal::from(20)),
                default_leverage: Some(Decimal::from(3)),
                taker_fee: Some(Decimal::new(5, 4)),
                maker_fee: Some(Decimal::new(2, 4)),
                funding_interval_minutes: Some(60),
                status: MarketStatus::Active,
                maintenance_margin_fraction: None,
            },
            available,
            inner: Mutex::new(Inner {
                bid: Some(bid),
                ask: Some(ask),
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues faults for the next submissions, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.lock().faults.extend(faults);
    }

    /// A fault applied to every submission (after queued ones).
    pub fn set_sticky_fault(&self, fault: Option<Fault>) {
        self.lock().sticky_fault = fault;
    }

    /// Accept leverage changes without applying them.
    pub fn ignore_leverage(&self) {
        self.lock().ignore_leverage = true;
    }

    /// Fail the next `n` position reads.
    pub fn fail_position_reads(&self, n: u32) {
        self.lock().fail_position_reads = n;
    }

    /// Make every position read fail once an order has reached the venue.
    pub fn fail_position_reads_after_first_order(&self) {
        self.lock().fail_reads_after_order = true;
    }

    /// Sets the position (signed).
    pub fn set_position(&self, size: Decimal) {
        self.lock().position = size;
    }

    /// The position (signed).
    pub fn position_now(&self) -> Decimal {
        self.lock().position
    }

    /// Every order the venue received (not those lost before reaching it).
    pub fn submissions(&self) -> Vec<OrderRequest> {
        self.lock().submissions.clone()
    }

    /// Changes the book.
    pub fn set_book(&self, bid: Option<Decimal>, ask: Option<Decimal>) {
        let mut i = self.lock();
        i.bid = bid;
        i.ask = ask;
    }

    /// Lists more symbols (same grids) for market and funding reads; positions and orders
    /// stay on the first symbol.
    pub fn list_symbols(&self, symbols: &[&str]) {
        self.lock()
            .extra_symbols
            .extend(symbols.iter().map(|s| s.to_string()));
    }

    /// The funding answer for `symbol` (default: 0.001 % per 60 min).
    pub fn set_funding(&self, symbol: &str, rate: Result<FundingRate, VenueError>) {
        self.lock().funding.insert(symbol.to_string(), rate);
    }

    /// Each funding read (single or bulk) waits this long first (tokio time).
    pub fn set_funding_delay(&self, d: Duration) {
        self.lock().funding_delay = d;
    }

    /// Declare a bulk funding endpoint (one request answers every symbol).
    pub fn set_bulk_funding(&self, bulk: bool) {
        self.lock().bulk_funding = bulk;
    }

    /// The most single-symbol funding reads that were in flight at once.
    pub fn funding_max_in_flight(&self) -> usize {
        self.lock().funding_max_in_flight
    }

    /// Make every order-status read fail (the outcome of an accepted order stays unknown).
    pub fn fail_order_status(&self, fail: bool) {
        self.lock().fail_order_status = fail;
    }

    /// The open time the position reports (`None`, the default, as Lighter).
    pub fn set_opened_at(&self, t: Option<DateTime<Utc>>) {
        self.lock().opened_at = t;
    }

    fn listed(&self, symbol: &str) -> Result<(), VenueError> {
        if symbol == self.market.symbol || self.lock().extra_symbols.iter().any(|s| s == symbol) {
            Ok(())
        } else {
            Err(VenueError::UnknownMarket(symbol.to_string()))
        }
    }

    fn market_of(&self, symbol: &str) -> MarketInfo {
        MarketInfo {
            symbol: symbol.to_string(),
            ..self.market.clone()
        }
    }

    fn funding_answer(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        self.listed(symbol)?;
        self.lock()
            .funding
            .get(symbol)
            .cloned()
            .unwrap_or(Ok(FundingRate {
                rate: Decimal::new(1, 5),
                interval_minutes: 60,
                next_funding_time: None,
                time: None,
            }))
    }

    fn check_symbol(&self, symbol: &str) -> Result<(), VenueError> {
        if symbol == self.market.symbol {
            Ok(())
        } else {
            Err(VenueError::UnknownMarket(symbol.to_string()))
        }
    }
}

#[async_trait]
impl Venue for MockVenue {
    fn id(&self) -> &'static str {
        self.id
    }

    fn display_name(&self) -> &'static str {
        self.id
    }

    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::from_millis(500),
            bulk_funding: self.lock().bulk_funding,
            native_ioc: true,
        }
    }

    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        self.listed(symbol)?;
        Ok(self.market_of(symbol))
    }

    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        let extra = self.lock().extra_symbols.clone();
        let mut out = vec![self.market.clone()];
        out.extend(extra.iter().map(|s| self.market_of(s)));
        Ok(out)
    }

    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        self.check_symbol(symbol)?;
        let i = self.lock();
        let level = |p: Option<Decimal>| {
            p.map(|price| BookLevel {
                price,
                size: Decimal::from(1_000_000),
            })
        };
        Ok(TopOfBook {
            bid: level(i.bid),
            ask: level(i.ask),
            time: Utc::now(),
            source: BookSource::Stream,
        })
    }

    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        let delay = {
            let mut i = self.lock();
            i.funding_in_flight += 1;
            i.funding_max_in_flight = i.funding_max_in_flight.max(i.funding_in_flight);
            i.funding_delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.lock().funding_in_flight -= 1;
        self.funding_answer(symbol)
    }

    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        let delay = self.lock().funding_delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(symbols
            .iter()
            .map(|s| (s.clone(), self.funding_answer(s)))
            .collect())
    }

    async fn funding_history(
        &self,
        _symbol: &str,
        _limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        Err(VenueError::Unsupported(
            "funding history in the mock".into(),
        ))
    }

    async fn funding_payments(
        &self,
        _symbol: &str,
        _since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        Ok(Vec::new())
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        Ok(Balance {
            equity: self.available,
            available: self.available,
            margin_usage: None,
            maintenance_margin: None,
            initial_margin: None,
        })
    }

    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        Ok(self
            .position(&self.market.symbol)
            .await?
            .into_iter()
            .collect())
    }

    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        self.check_symbol(symbol)?;
        let mut i = self.lock();
        if i.fail_position_reads > 0 {
            i.fail_position_reads -= 1;
            return Err(VenueError::Transport("connection reset (mock)".into()));
        }
        let mut shown = Decimal::ZERO;
        i.late_fills.retain_mut(|(left, size)| {
            *left = left.saturating_sub(1);
            if *left == 0 {
                shown += *size;
            }
            *left > 0
        });
        i.position += shown;
        Ok((!i.position.is_zero()).then(|| Position {
            symbol: symbol.to_string(),
            market_id: self.market.market_id.clone(),
            size: i.position,
            entry_price: None,
            unrealized_pnl: None,
            liquidation_price: None,
            leverage: i.leverage.map(Decimal::from),
            opened_at: i.opened_at,
            mark_price: None,
            maintenance_margin_fraction: None,
        }))
    }

    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        self.check_symbol(symbol)?;
        let l = self.lock().leverage;
        Ok(LeverageSetting {
            leverage: Decimal::from(l.unwrap_or(3)),
            margin_mode: MarginMode::Cross,
            explicitly_set: l.is_some(),
        })
    }

    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        self.check_symbol(symbol)?;
        let mut i = self.lock();
        if !i.ignore_leverage {
            i.leverage = Some(leverage);
        }
        Ok(())
    }

    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        self.check_symbol(&request.symbol)?;
        if !crate::grid::is_on_grid(request.size, self.market.step_size)
            || !crate::grid::is_on_grid(request.price, self.market.tick_size)
        {
            return Err(VenueError::InvalidRequest(format!(
                "off grid: {} @ {}",
                request.size, request.price
            )));
        }
        Ok(PreparedOrder::new(
            self.id,
            request.clone(),
            Utc::now(),
            Duration::from_micros(5),
            request.clone(),
        )
        .with_preview(format!(
            "{} {:?} {} @ {} cid {}",
            self.id, request.side, request.size, request.price, request.client_id
        )))
    }

    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        let (request, _payload): (OrderRequest, OrderRequest) = order.into_payload(self.id)?;
        let mut i = self.lock();
        let fault = if i.faults.is_empty() {
            i.sticky_fault.clone()
        } else {
            Some(i.faults.remove(0))
        };
        if fault == Some(Fault::LoseRequest) {
            return Err(VenueError::Timeout(Duration::from_secs(10)));
        }
        if fault == Some(Fault::InsufficientMargin) {
            return Err(VenueError::InsufficientMargin(
                "mock: not enough collateral".into(),
            ));
        }
        if fault == Some(Fault::Reject)
            || (fault == Some(Fault::RejectReduceOnly) && request.reduce_only)
        {
            return Err(VenueError::Rejected {
                code: "MOCK_REJECT".into(),
                message: "rejected by fault injection".into(),
            });
        }
        if fault == Some(Fault::Dropped) {
            i.submissions.push(request.clone());
            return Ok(OrderAck {
                client_id: request.client_id,
                venue_order_id: Some(format!("{}-dropped", self.id)),
                tx_hash: None,
            });
        }
        if i.orders.contains_key(&request.client_id) {
            return Err(VenueError::Rejected {
                code: "DUPLICATE_CLIENT_ID".into(),
                message: request.client_id.to_string(),
            });
        }
        i.submissions.push(request.clone());
        if i.fail_reads_after_order {
            i.fail_position_reads = u32::MAX;
        }
        let crossing = match request.side {
            venue_api::Side::Buy => i.ask.filter(|a| request.price >= *a),
            venue_api::Side::Sell => i.bid.filter(|b| request.price <= *b),
        };
        let mut fill = if crossing.is_some() {
            request.size
        } else {
            Decimal::ZERO
        };
        if let Some(Fault::PartialFill(f)) = &fault {
            fill = crate::grid::floor_to_step(fill * *f, self.market.step_size)
                .unwrap_or(Decimal::ZERO);
        }
        if request.reduce_only {
            let reducible = match request.side {
                venue_api::Side::Buy => (-i.position).max(Decimal::ZERO),
                venue_api::Side::Sell => i.position.max(Decimal::ZERO),
            };
            fill = fill.min(reducible);
        }
        match fault {
            Some(Fault::LateFill(reads)) if reads > 0 => {
                i.late_fills.push((reads, fill * request.side.sign()))
            }
            _ => i.position += fill * request.side.sign(),
        }
        let status = OrderStatus {
            client_id: request.client_id,
            venue_order_id: Some(format!("{}-{}", self.id, i.submissions.len())),
            side: request.side,
            size: request.size,
            price: request.price,
            state: if fill >= request.size {
                OrderState::Filled
            } else {
                OrderState::Canceled
            },
            filled_size: fill,
            avg_fill_price: crossing.filter(|_| fill > Decimal::ZERO),
            fee: Some(
                fill * crossing.unwrap_or_default() * self.market.taker_fee.unwrap_or_default(),
            ),
            reason: None,
        };
        let ack = OrderAck {
            client_id: request.client_id,
            venue_order_id: status.venue_order_id.clone(),
            tx_hash: None,
        };
        i.orders.insert(request.client_id, status);
        if fault == Some(Fault::LoseAnswerAfterAccept) {
            return Err(VenueError::Timeout(Duration::from_secs(10)));
        }
        if fault == Some(Fault::BookedThen5xx) {
            return Err(VenueError::Unavailable(
                "HTTP 502 (mock, after booking)".into(),
            ));
        }
        Ok(ack)
    }

    async fn cancel_order(
        &self,
        _symbol: &str,
        _client_id: ClientOrderId,
    ) -> Result<(), VenueError> {
        Ok(())
    }

    async fn cancel_all(&self, _symbol: &str) -> Result<(), VenueError> {
        Ok(())
    }

    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        self.check_symbol(symbol)?;
        let i = self.lock();
        if i.fail_order_status {
            return Err(VenueError::Transport("status read reset (mock)".into()));
        }
        Ok(i.orders.get(&client_id).cloned())
    }

    async fn open_orders(&self, _symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        Ok(Vec::new())
    }

    async fn resync(&self) -> Result<(), VenueError> {
        Ok(())
    }
}
