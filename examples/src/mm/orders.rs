//! The order manager: our resting quotes on one market, their fills, and the moves that bring
//! them to the targets the quoting maths asks for.
//!
//! Per cycle a maker calls [`OrderManager::refresh`] (fills and final states of our orders),
//! reads its position, computes [`Targets`], then [`OrderManager::reconcile`]. A post-only
//! order the venue refuses for crossing simply ends (canceled or rejected): the next cycle
//! prices it again from a new book, so a refusal never loops on the same price.

use super::{ClientIds, MmError};
use crate::quoting::{floor_to, MarketGrid};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{
    ClientOrderId, Clock, OrderRequest, OrderState, Side, TimeInForce, Venue, VenueError,
};

/// How the manager behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerSettings {
    /// The market (base symbol, upper case).
    pub symbol: String,
    /// A resting quote within this many ticks of its target stays (0: only an exact match).
    pub requote_ticks: u32,
    /// Cancel rounds a sweep tries before giving up (>= 1).
    pub sweep_attempts: u32,
    /// Pause between sweep rounds (the venue may need a moment to apply cancels).
    pub sweep_pause: Duration,
    /// Time in force of our quotes (post-only for a maker).
    pub time_in_force: TimeInForce,
    /// Each quote asks the venue to expire it this long after it is sent (`None`: the
    /// venue's default). Bounds how long a quote can outlive a crashed maker; a quote that
    /// expires while the maker runs simply ends and the next cycle places it again.
    pub order_ttl: Option<Duration>,
}

impl ManagerSettings {
    /// Post-only quotes with the venue's default expiry, 5 sweep rounds 1 s apart.
    pub fn new(symbol: impl Into<String>, requote_ticks: u32) -> Self {
        Self {
            symbol: symbol.into(),
            requote_ticks,
            sweep_attempts: 5,
            sweep_pause: Duration::from_secs(1),
            time_in_force: TimeInForce::PostOnly,
            order_ttl: None,
        }
    }
}

/// One side's wanted order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Limit price (on the tick).
    pub price: Decimal,
    /// Size (on the step, at least the minimum).
    pub size: Decimal,
    /// Send reduce-only.
    pub reduce_only: bool,
}

/// Both sides' wanted orders; `None` means no order on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    /// The buy side.
    pub bid: Option<Target>,
    /// The sell side.
    pub ask: Option<Target>,
}

/// One of our orders as we last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resting {
    /// Our id.
    pub client_id: ClientOrderId,
    /// Side.
    pub side: Side,
    /// Limit price.
    pub price: Decimal,
    /// Ordered size.
    pub size: Decimal,
    /// Filled so far.
    pub filled: Decimal,
    /// Quote value filled so far (sum of size x price of its fills, as far as known).
    pub filled_value: Decimal,
    /// Sent reduce-only.
    pub reduce_only: bool,
    /// When we sent it.
    pub placed_at: DateTime<Utc>,
    /// A cancel was sent and the order is not yet known final.
    pub cancelling: bool,
}

impl Resting {
    /// Size still resting.
    pub fn remaining(&self) -> Decimal {
        (self.size - self.filled).max(Decimal::ZERO)
    }
}

/// A fill of one of our orders, discovered by the manager.
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    /// The order.
    pub client_id: ClientOrderId,
    /// Its side.
    pub side: Side,
    /// Newly filled size.
    pub size: Decimal,
    /// Its quote value (USD).
    pub value: Decimal,
}

/// What a refresh found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RefreshReport {
    /// New fills.
    pub fills: Vec<Fill>,
    /// Orders that ended (client id, final state, the venue's reason).
    pub ended: Vec<(ClientOrderId, OrderState, Option<String>)>,
    /// Status reads that failed (the orders stay tracked and are read again next time).
    pub errors: Vec<MmError>,
}

/// What to do with one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing rests and nothing is wanted, or what rests is close enough.
    Keep,
    /// Place the target (nothing rests).
    Place,
    /// Cancel what rests (nothing is wanted, or it is too far / too large).
    Cancel,
    /// Cancel what rests, then place the target once the cancel is final.
    Replace,
}

/// The decision for one side: keep a resting order when it is within `requote_ticks` ticks of
/// the target price and does not rest more than the target size (a larger remainder could
/// break the inventory bound); a partly filled order is kept, not topped up.
pub fn decide(
    resting: Option<&Resting>,
    target: Option<&Target>,
    tick: Decimal,
    requote_ticks: u32,
) -> Action {
    match (resting, target) {
        (None, None) => Action::Keep,
        (None, Some(_)) => Action::Place,
        (Some(_), None) => Action::Cancel,
        (Some(r), Some(t)) => {
            let band = tick * Decimal::from(requote_ticks);
            if (r.price - t.price).abs() <= band && r.remaining() <= t.size {
                Action::Keep
            } else {
                Action::Replace
            }
        }
    }
}

/// What a reconcile did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReconcileReport {
    /// Orders placed (client id, side, price, size).
    pub placed: Vec<(ClientOrderId, Side, Decimal, Decimal)>,
    /// Orders cancelled.
    pub cancelled: Vec<ClientOrderId>,
    /// Sides kept as they were.
    pub kept: Vec<Side>,
    /// Fills found on orders while cancelling them.
    pub fills: Vec<Fill>,
    /// Failures (the cycle goes on; the next one tries again).
    pub errors: Vec<MmError>,
}

/// Our quotes on one market.
#[derive(Debug)]
pub struct OrderManager {
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    grid: MarketGrid,
    ids: ClientIds,
    settings: ManagerSettings,
    bid: Option<Resting>,
    ask: Option<Resting>,
}

impl OrderManager {
    /// A manager with nothing tracked yet (run [`OrderManager::sweep`] first).
    pub fn new(
        venue: Arc<dyn Venue>,
        clock: Arc<dyn Clock>,
        grid: MarketGrid,
        ids: ClientIds,
        settings: ManagerSettings,
    ) -> Self {
        Self {
            venue,
            clock,
            grid,
            ids,
            settings,
            bid: None,
            ask: None,
        }
    }

    /// The venue.
    pub fn venue(&self) -> &Arc<dyn Venue> {
        &self.venue
    }

    /// The settings.
    pub fn settings(&self) -> &ManagerSettings {
        &self.settings
    }

    /// Our order resting on `side`, if any.
    pub fn resting(&self, side: Side) -> Option<&Resting> {
        match side {
            Side::Buy => self.bid.as_ref(),
            Side::Sell => self.ask.as_ref(),
        }
    }

    /// True when `id` is one of this maker's ids.
    pub fn is_ours(&self, id: ClientOrderId) -> bool {
        self.ids.is_ours(id)
    }

    fn slot(&mut self, side: Side) -> &mut Option<Resting> {
        match side {
            Side::Buy => &mut self.bid,
            Side::Sell => &mut self.ask,
        }
    }

    fn err(&self, op: String, source: VenueError) -> MmError {
        MmError::Venue {
            op,
            venue: self.venue.id(),
            source,
        }
    }

    /// Cancels every open order with our tag on the market, until `open_orders` shows none
    /// (at most `sweep_attempts` rounds). Used at start-up (orders a previous run left) and
    /// at shutdown. Returns how many cancels were sent.
    pub async fn sweep(&mut self) -> Result<usize, MmError> {
        let symbol = self.settings.symbol.clone();
        let attempts = self.settings.sweep_attempts.max(1);
        let mut sent = 0;
        let mut last_open = Vec::new();
        for round in 0..attempts {
            if round > 0 {
                self.clock.sleep(self.settings.sweep_pause).await;
            }
            let open = match self.venue.open_orders(&symbol).await {
                Ok(o) => o,
                Err(e) => {
                    tracing::warn!(round, error = %self.err("open_orders".into(), e), "sweep: listing open orders failed");
                    continue;
                }
            };
            last_open = open
                .iter()
                .filter(|o| self.ids.is_ours(o.client_id) && !o.state.is_final())
                .map(|o| o.client_id)
                .collect();
            if last_open.is_empty() {
                self.bid = None;
                self.ask = None;
                return Ok(sent);
            }
            for id in &last_open {
                sent += 1;
                if let Err(e) = self.venue.cancel_order(&symbol, *id).await {
                    tracing::warn!(client_id = %id, error = %self.err(format!("cancel_order {id}"), e), "sweep: cancel failed");
                }
            }
        }
        Err(MmError::StillOpen {
            attempts,
            ids: last_open,
        })
    }

    /// Reads the status of each tracked order: new fills, and orders that ended (filled,
    /// cancelled, refused post-only) are forgotten. An order the venue does not know is
    /// forgotten once the venue's settle grace has passed since we sent it.
    pub async fn refresh(&mut self) -> RefreshReport {
        let mut report = RefreshReport::default();
        for side in [Side::Buy, Side::Sell] {
            self.refresh_side(side, &mut report).await;
        }
        report
    }

    async fn refresh_side(&mut self, side: Side, report: &mut RefreshReport) {
        let Some(r) = self.slot(side).clone() else {
            return;
        };
        let symbol = self.settings.symbol.clone();
        match self.venue.order_status(&symbol, r.client_id).await {
            Ok(Some(st)) => {
                let mut updated = r.clone();
                if st.filled_size > r.filled {
                    let size = st.filled_size - r.filled;
                    let total_value = st
                        .avg_fill_price
                        .map(|p| p * st.filled_size)
                        .unwrap_or(r.filled_value + size * r.price);
                    let value = (total_value - r.filled_value).max(Decimal::ZERO);
                    report.fills.push(Fill {
                        client_id: r.client_id,
                        side,
                        size,
                        value,
                    });
                    updated.filled = st.filled_size;
                    updated.filled_value = total_value;
                }
                if st.state.is_final() {
                    report
                        .ended
                        .push((r.client_id, st.state, st.reason.clone()));
                    *self.slot(side) = None;
                } else {
                    *self.slot(side) = Some(updated);
                }
            }
            Ok(None) => {
                let grace = self
                    .venue
                    .capabilities()
                    .settle_grace
                    .max(Duration::from_secs(2));
                let age = (self.clock.now() - r.placed_at)
                    .to_std()
                    .unwrap_or_default();
                if age > grace {
                    report.ended.push((
                        r.client_id,
                        OrderState::Rejected,
                        Some("unknown to the venue".into()),
                    ));
                    *self.slot(side) = None;
                }
            }
            Err(e) => report
                .errors
                .push(self.err(format!("order_status {}", r.client_id), e)),
        }
    }

    /// Brings both sides to `targets` (see [`decide`]). A replaced side is placed in the
    /// same call only when its cancel is confirmed final; fills found meanwhile on the
    /// cancelled order shrink the replacement (so the inventory bound still holds).
    pub async fn reconcile(&mut self, targets: &Targets) -> ReconcileReport {
        let mut report = ReconcileReport::default();
        for (side, target) in [(Side::Buy, targets.bid), (Side::Sell, targets.ask)] {
            let action = decide(
                self.resting(side),
                target.as_ref(),
                self.grid.tick,
                self.settings.requote_ticks,
            );
            match action {
                Action::Keep => {
                    if self.resting(side).is_some() {
                        report.kept.push(side);
                    }
                }
                Action::Place => {
                    if let Some(t) = target {
                        self.place(side, t, &mut report).await;
                    }
                }
                Action::Cancel => {
                    self.cancel_side(side, &mut report).await;
                }
                Action::Replace => {
                    let extra = self.cancel_side(side, &mut report).await;
                    if let (Some(extra), Some(t)) = (extra, target) {
                        let size = floor_to(t.size - extra, self.grid.step);
                        if size > Decimal::ZERO && size >= self.grid.min_size {
                            self.place(side, Target { size, ..t }, &mut report).await;
                        }
                    }
                }
            }
        }
        report
    }

    /// Cancels both sides (stale book, shutdown). Returns what it found and did.
    pub async fn pull_quotes(&mut self) -> ReconcileReport {
        self.reconcile(&Targets::default()).await
    }

    /// Cancels the order on `side`; `Some(newly filled size)` once it is known final and
    /// forgotten, `None` while that is not known (the side then stays tracked).
    async fn cancel_side(&mut self, side: Side, report: &mut ReconcileReport) -> Option<Decimal> {
        let r = self.slot(side).clone()?;
        let symbol = self.settings.symbol.clone();
        let cancel = self.venue.cancel_order(&symbol, r.client_id).await;
        if cancel.is_ok() {
            report.cancelled.push(r.client_id);
            if let Some(s) = self.slot(side).as_mut() {
                s.cancelling = true;
            }
        }
        // read it back either way: a refused cancel is often an order that just filled
        let mut refreshed = RefreshReport::default();
        self.refresh_side(side, &mut refreshed).await;
        report.errors.append(&mut refreshed.errors);
        let extra: Decimal = refreshed.fills.iter().map(|f| f.size).sum();
        report.fills.append(&mut refreshed.fills);
        match (self.slot(side).is_some(), cancel) {
            (false, _) => Some(extra),
            (true, Ok(())) => None,
            (true, Err(e)) => {
                report
                    .errors
                    .push(self.err(format!("cancel_order {}", r.client_id), e));
                None
            }
        }
    }

    async fn place(&mut self, side: Side, t: Target, report: &mut ReconcileReport) {
        let client_id = self.ids.next_id();
        let placed_at = self.clock.now();
        let expires_at = self
            .settings
            .order_ttl
            .and_then(|ttl| chrono::Duration::from_std(ttl).ok())
            .map(|ttl| placed_at + ttl);
        let request = OrderRequest {
            symbol: self.settings.symbol.clone(),
            side,
            size: t.size,
            price: t.price,
            time_in_force: self.settings.time_in_force,
            reduce_only: t.reduce_only,
            client_id,
            expires_at,
        };
        let resting = Resting {
            client_id,
            side,
            price: t.price,
            size: t.size,
            filled: Decimal::ZERO,
            filled_value: Decimal::ZERO,
            reduce_only: t.reduce_only,
            placed_at,
            cancelling: false,
        };
        let prepared = match self.venue.prepare_order(&request).await {
            Ok(p) => p,
            Err(e) => {
                report
                    .errors
                    .push(self.err(format!("prepare_order {client_id}"), e));
                return;
            }
        };
        match self.venue.submit_order(prepared).await {
            Ok(_) => {
                report.placed.push((client_id, side, t.price, t.size));
                *self.slot(side) = Some(resting);
            }
            Err(e) => {
                if e.outcome_unknown() {
                    // the venue may hold it: track it, the next refresh finds out
                    *self.slot(side) = Some(resting);
                }
                report
                    .errors
                    .push(self.err(format!("submit_order {client_id}"), e));
            }
        }
    }
}
