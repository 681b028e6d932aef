//! Order life cycle: validation, margin check, taking liquidity from the synthetic book,
//! resting, cancels, expiry and matching of resting orders as the mid moves, and the booking
//! of each trade (fees, realised PnL, entry notional) on the account.

use super::book;
use super::{
    Account, CancelReason, EngineError, Exchange, Level, MarketSpec, NewOrder, Order, OrderState,
    PendingAction, Tif, Trading, VenueKind,
};
use rust_decimal::Decimal;
use venue_api::Side;

impl Exchange {
    /// The checks a venue makes when it receives an order (grid, size bounds, minimum
    /// notional, unique client id); returns the market.
    pub fn check_order(
        &self,
        venue: VenueKind,
        account_id: &str,
        order: &NewOrder,
    ) -> Result<MarketSpec, EngineError> {
        let market = self.market(venue, &order.market_id)?.clone();
        let account = self.account(venue, account_id)?;
        match market.trading {
            Trading::Active => {}
            Trading::Inactive => {
                return Err(EngineError::InvalidOrder(format!(
                    "market {} is not open for trading",
                    market.symbol
                )))
            }
            Trading::ReduceOnly if !order.reduce_only => {
                return Err(EngineError::InvalidOrder(format!(
                    "market {} accepts reduce-only orders only",
                    market.symbol
                )))
            }
            Trading::ReduceOnly => {}
        }
        if !MarketSpec::on_grid(order.size, market.step) {
            return Err(EngineError::InvalidOrder(format!(
                "size {} is not a positive multiple of step {}",
                order.size, market.step
            )));
        }
        if !MarketSpec::on_grid(order.price, market.tick) {
            return Err(EngineError::InvalidOrder(format!(
                "price {} is not a positive multiple of tick {}",
                order.price, market.tick
            )));
        }
        if !order.reduce_only && order.size < market.min_size {
            return Err(EngineError::InvalidOrder(format!(
                "size {} below minimum {}",
                order.size, market.min_size
            )));
        }
        if order.size > market.max_size {
            return Err(EngineError::InvalidOrder(format!(
                "size {} above maximum {}",
                order.size, market.max_size
            )));
        }
        if !order.reduce_only && order.size * order.price < market.min_quote {
            return Err(EngineError::InvalidOrder(format!(
                "order value below minimum {}",
                market.min_quote
            )));
        }
        let queued = self.pending.iter().any(|p| {
            p.venue == venue
                && p.account_id == account_id
                && matches!(&p.action, PendingAction::Place { order: o, .. } if o.client_id == order.client_id)
        });
        if queued || account.order_by_client_id(&order.client_id).is_some() {
            return Err(EngineError::DuplicateClientId(order.client_id.clone()));
        }
        Ok(market)
    }

    /// Places an order: validates, checks margin, takes liquidity, rests or cancels the rest.
    /// `fill_ratio` (0..=1) caps the fillable size (the partial-fill fault).
    pub fn place_order(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        order: NewOrder,
        fill_ratio: Option<Decimal>,
    ) -> Result<Order, EngineError> {
        self.place_order_as(venue, account_id, order, fill_ratio, None)
    }

    /// [`Exchange::place_order`] under an exchange order id given earlier (an order the venue
    /// acknowledged before executing it); `None` = the next id.
    pub fn place_order_as(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        order: NewOrder,
        fill_ratio: Option<Decimal>,
        order_id: Option<u64>,
    ) -> Result<Order, EngineError> {
        self.place_order_at(venue, account_id, order, fill_ratio, order_id, None)
    }

    /// [`Exchange::place_order_as`] taking liquidity from the book around `mid` (the mid
    /// when the venue accepted the order) instead of the current one.
    pub(super) fn place_order_at(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        order: NewOrder,
        fill_ratio: Option<Decimal>,
        order_id: Option<u64>,
        mid: Option<Decimal>,
    ) -> Result<Order, EngineError> {
        let market = self.check_order(venue, account_id, &order)?;
        let account = self.account(venue, account_id)?;
        let position = account.position_size(&market.market_id);
        let closing = closing_qty(position, order.side, order.size);
        let mut effective = order.size;
        let mut cancel = None;
        if order.reduce_only {
            effective = closing;
            if closing.is_zero() {
                cancel = Some(CancelReason::ReduceOnly);
            }
        }
        let book = match mid {
            Some(mid) => book::synthetic(&market, mid, &self.params),
            None => self.book(venue, &market.market_id)?,
        };
        let crosses = book.crosses(order.side, order.price);
        if cancel.is_none() && matches!(order.tif, Tif::PostOnly(_)) && crosses {
            cancel = Some(CancelReason::PostOnly);
        }
        if cancel.is_none() {
            let opening = effective - closing.min(effective);
            if opening > Decimal::ZERO {
                let val = self.valuation(venue, account_id)?;
                let lev = Decimal::from(self.leverage_of(account, &market));
                let required =
                    opening * order.price / lev + effective * order.price * market.taker_fee;
                if val.available < required {
                    return Err(EngineError::InsufficientMargin(format!(
                        "needs {} available {}",
                        required.round_dp(2),
                        val.available.round_dp(2)
                    )));
                }
            }
        }
        let now = self.now_ms;
        let order_id = order_id.unwrap_or_else(|| self.next_order_id());
        let mut o = Order {
            order_id,
            client_id: order.client_id,
            market_id: market.market_id.clone(),
            side: order.side,
            price: order.price,
            size: order.size,
            filled: Decimal::ZERO,
            filled_value: Decimal::ZERO,
            fee: Decimal::ZERO,
            tif: order.tif,
            reduce_only: order.reduce_only,
            state: OrderState::Open,
            cancel_reason: cancel,
            created_ms: now,
            updated_ms: now,
            nonce: order.nonce,
        };
        if cancel.is_some() {
            o.state = OrderState::Canceled;
        } else {
            let mut cap = effective;
            if let Some(r) = fill_ratio {
                cap = book::floor_to((effective * r).max(Decimal::ZERO), market.step);
            }
            let fills = book.take(order.side, order.price, cap);
            self.apply_fills(venue, account_id, &market, &mut o, &fills, false)?;
            if o.filled >= effective && !o.filled.is_zero() {
                o.state = if o.filled == o.size {
                    OrderState::Filled
                } else {
                    // reduce-only clamped below the requested size: the rest is cancelled
                    o.cancel_reason = Some(CancelReason::ReduceOnly);
                    OrderState::Canceled
                };
            } else if o.tif == Tif::Ioc {
                o.state = OrderState::Canceled;
                o.cancel_reason = Some(CancelReason::CouldNotFill);
            }
        }
        self.account_mut(venue, account_id)?.orders.push(o.clone());
        Ok(o)
    }

    /// Records an order the venue refused after accepting the request (Lighter books a
    /// margin failure as a cancelled order).
    pub fn record_refused(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        order: NewOrder,
        reason: CancelReason,
    ) -> Result<Order, EngineError> {
        self.record_refused_as(venue, account_id, order, reason, None)
    }

    /// [`Exchange::record_refused`] under an exchange order id given earlier.
    pub fn record_refused_as(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        order: NewOrder,
        reason: CancelReason,
        order_id: Option<u64>,
    ) -> Result<Order, EngineError> {
        let now = self.now_ms;
        let order_id = order_id.unwrap_or_else(|| self.next_order_id());
        let o = Order {
            order_id,
            client_id: order.client_id,
            market_id: order.market_id,
            side: order.side,
            price: order.price,
            size: order.size,
            filled: Decimal::ZERO,
            filled_value: Decimal::ZERO,
            fee: Decimal::ZERO,
            tif: order.tif,
            reduce_only: order.reduce_only,
            state: OrderState::Canceled,
            cancel_reason: Some(reason),
            created_ms: now,
            updated_ms: now,
            nonce: order.nonce,
        };
        self.account_mut(venue, account_id)?.orders.push(o.clone());
        Ok(o)
    }

    /// Allocates the next exchange order id.
    pub fn next_order_id(&mut self) -> u64 {
        let id = self.next_order_id;
        self.next_order_id += 1;
        id
    }

    /// Books `fills` of `order` and prints each on the tape; `resting` = the order was on
    /// the book (it makes: maker fee), else it takes (taker fee; a post-only order never
    /// takes, so it always pays the maker rate).
    fn apply_fills(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        market: &MarketSpec,
        order: &mut Order,
        fills: &[Level],
        resting: bool,
    ) -> Result<(), EngineError> {
        let account = self.account_mut(venue, account_id)?;
        let rate = match order.tif {
            _ if resting => market.maker_fee,
            Tif::PostOnly(_) => market.maker_fee,
            _ => market.taker_fee,
        };
        for f in fills {
            let fee = (f.size * f.price * rate).round_dp(8);
            apply_trade(account, &market.market_id, order.side, f.size, f.price, fee);
            order.filled += f.size;
            order.filled_value += f.size * f.price;
            order.fee += fee;
        }
        for f in fills {
            self.print_fill(
                venue,
                &market.market_id,
                account_id,
                order.order_id,
                order.side,
                resting,
                f.price,
                f.size,
            );
        }
        Ok(())
    }

    /// Cancels an open order by exchange id or client id.
    pub fn cancel(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        by: OrderRef<'_>,
    ) -> Result<Order, EngineError> {
        let now = self.now_ms;
        let account = self.account_mut(venue, account_id)?;
        let order = account
            .orders
            .iter_mut()
            .rev()
            .find(|o| {
                o.state == OrderState::Open
                    && match by {
                        OrderRef::Id(id) => o.order_id == id,
                        OrderRef::Client(c) => o.client_id == c,
                        OrderRef::Either(id) => o.order_id == id || o.client_id == id.to_string(),
                    }
            })
            .ok_or_else(|| EngineError::UnknownOrder(format!("{by:?}")))?;
        order.state = OrderState::Canceled;
        order.cancel_reason = Some(CancelReason::User);
        order.updated_ms = now;
        Ok(order.clone())
    }

    /// Cancels every open order, optionally of one market; returns how many.
    pub fn cancel_all(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        market_id: Option<&str>,
    ) -> Result<usize, EngineError> {
        let now = self.now_ms;
        let account = self.account_mut(venue, account_id)?;
        let mut n = 0;
        for o in account
            .orders
            .iter_mut()
            .filter(|o| o.state == OrderState::Open && market_id.is_none_or(|m| o.market_id == m))
        {
            o.state = OrderState::Canceled;
            o.cancel_reason = Some(CancelReason::User);
            o.updated_ms = now;
            n += 1;
        }
        Ok(n)
    }

    pub(super) fn match_resting(&mut self) {
        let now = self.now_ms;
        let mut work = Vec::new();
        for (k, a) in &self.accounts {
            for (i, o) in a.orders.iter().enumerate() {
                if o.state == OrderState::Open {
                    work.push((k.clone(), a.venue, a.id.clone(), i));
                }
            }
        }
        for (k, venue, id, i) in work {
            let Some(o) = self.accounts.get(&k).map(|a| a.orders[i].clone()) else {
                continue;
            };
            if o.tif.expiry_ms().is_some_and(|t| t <= now) {
                if let Some(a) = self.accounts.get_mut(&k) {
                    a.orders[i].state = OrderState::Canceled;
                    a.orders[i].cancel_reason = Some(CancelReason::Expired);
                    a.orders[i].updated_ms = now;
                }
                continue;
            }
            let Ok(market) = self.market(venue, &o.market_id).cloned() else {
                continue;
            };
            let Ok(book) = self.book(venue, &o.market_id) else {
                continue;
            };
            if !book.crosses(o.side, o.price) {
                continue;
            }
            let mut want = o.remaining();
            if o.reduce_only {
                let pos = self
                    .accounts
                    .get(&k)
                    .map_or(Decimal::ZERO, |a| a.position_size(&o.market_id));
                want = want.min(closing_qty(pos, o.side, want));
            }
            // A resting order makes: it fills at its own price, as much as the liquidity
            // that now crosses it holds.
            let crossing: Decimal = book
                .take(o.side, o.price, want)
                .iter()
                .map(|l| l.size)
                .sum();
            if crossing <= Decimal::ZERO {
                continue;
            }
            let fills = [Level {
                price: o.price,
                size: crossing,
            }];
            let mut updated = o.clone();
            if self
                .apply_fills(venue, &id, &market, &mut updated, &fills, true)
                .is_err()
            {
                continue;
            }
            if updated.filled >= updated.size {
                updated.state = OrderState::Filled;
            } else if o.reduce_only && want < o.remaining() && updated.filled > o.filled {
                updated.state = OrderState::Canceled;
                updated.cancel_reason = Some(CancelReason::ReduceOnly);
            }
            updated.updated_ms = now;
            if let Some(a) = self.accounts.get_mut(&k) {
                a.orders[i] = updated;
            }
        }
    }
}

/// How an order is named in a cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRef<'a> {
    /// Exchange id.
    Id(u64),
    /// Client id.
    Client(&'a str),
    /// Either (Lighter's cancel `Index`).
    Either(u64),
}

/// How much of an order of `size` on `side` closes the position `position`.
pub fn closing_qty(position: Decimal, side: Side, size: Decimal) -> Decimal {
    let closes = match side {
        Side::Buy => position < Decimal::ZERO,
        Side::Sell => position > Decimal::ZERO,
    };
    if closes {
        size.min(position.abs())
    } else {
        Decimal::ZERO
    }
}

/// Books one trade on an account: fees, realised PnL, entry notional.
pub fn apply_trade(
    account: &mut Account,
    market_id: &str,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
) {
    let signed = match side {
        Side::Buy => qty,
        Side::Sell => -qty,
    };
    account.collateral -= fee;
    let pos = account.positions.entry(market_id.to_string()).or_default();
    pos.open_fee -= fee;
    let same_direction =
        pos.size.is_zero() || (pos.size > Decimal::ZERO) == (signed > Decimal::ZERO);
    if same_direction {
        pos.size += signed;
        pos.open_value += signed * price;
        return;
    }
    let close = qty.min(pos.size.abs());
    let entry = pos.open_value / pos.size;
    let direction = if pos.size > Decimal::ZERO {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    let realized = (close * (price - entry) * direction).round_dp(8);
    account.collateral += realized;
    pos.realized += realized;
    let left = pos.size.abs() - close;
    if left.is_zero() {
        let rest = qty - close;
        pos.size = if direction > Decimal::ZERO {
            -rest
        } else {
            rest
        };
        pos.open_value = (pos.size * price).round_dp(10);
    } else {
        pos.size = direction * left;
        pos.open_value = (entry * pos.size).round_dp(10);
    }
}
