//! Lighter JSON shapes (integer `code`, decimals as strings), built from engine data.

use crate::engine::{
    Account, CancelReason, Exchange, MarketSpec, Order, OrderState, Tif, Trading, Valuation,
    VenueKind,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

fn fixed(d: Decimal, dp: u32) -> String {
    let mut v = d.round_dp(dp);
    v.rescale(dp);
    v.to_string()
}

/// The error body.
pub fn error(code: i64, message: &str) -> Value {
    json!({"code": code, "message": message})
}

/// `orderBooks` entry.
pub fn order_book(m: &MarketSpec) -> Value {
    json!({
        "symbol": m.symbol, "market_id": m.market_id.parse::<u32>().unwrap_or(0),
        "market_type": "perp", "base_asset_id": 0, "quote_asset_id": 0,
        "status": if m.trading == Trading::Inactive { "inactive" } else { "active" },
        "taker_fee": fixed(m.taker_fee * Decimal::ONE_HUNDRED, 4),
        "maker_fee": fixed(m.maker_fee * Decimal::ONE_HUNDRED, 4),
        "liquidation_fee": "1.0000",
        "min_base_amount": fixed(m.min_size, m.size_decimals()),
        "min_quote_amount": fixed(m.min_quote, 6),
        "order_quote_limit": "",
        "supported_size_decimals": m.size_decimals(),
        "supported_price_decimals": m.price_decimals(),
        "supported_quote_decimals": 6,
    })
}

/// IMF (1/10000) of a leverage.
pub fn imf_of(leverage: u32) -> u32 {
    10_000 / leverage.max(1)
}

/// `orderBookDetails` entry.
pub fn order_book_detail(ex: &Exchange, m: &MarketSpec) -> Value {
    let mark = ex
        .mark(VenueKind::Lighter, &m.market_id)
        .unwrap_or_default();
    let mut v = order_book(m);
    if let Some(o) = v.as_object_mut() {
        for (k, val) in [
            ("size_decimals", json!(m.size_decimals())),
            ("price_decimals", json!(m.price_decimals())),
            ("quote_multiplier", json!(1)),
            (
                "default_initial_margin_fraction",
                json!(imf_of(m.default_leverage)),
            ),
            ("min_initial_margin_fraction", json!(imf_of(m.max_leverage))),
            ("maintenance_margin_fraction", json!(m.lighter_mmf_units())),
            (
                "closeout_margin_fraction",
                json!(m.lighter_closeout_units()),
            ),
            ("last_trade_price", json!(s(mark))),
            ("mark_price", json!(s(mark))),
            (
                "market_config",
                json!({"market_margin_mode": 0, "insurance_fund_account_index": 281474976710655u64,
                       "liquidation_mode": 0, "force_reduce_only": m.trading == Trading::ReduceOnly,
                       "trading_hours": ""}),
            ),
            ("index_price", json!(s(mark))),
            ("open_interest", json!("0")),
            ("daily_trades_count", json!(0)),
            ("daily_base_token_volume", json!(0)),
            ("daily_quote_token_volume", json!(0)),
            ("daily_price_low", json!(s(mark))),
            ("daily_price_high", json!(s(mark))),
            ("daily_price_change", json!(0)),
        ] {
            o.insert(k.to_string(), val);
        }
    }
    v
}

/// Book levels as `{price, size}` (WS) or resting-order rows (REST).
pub fn levels(m: &MarketSpec, ls: &[crate::engine::Level], rest: bool) -> Vec<Value> {
    ls.iter()
        .enumerate()
        .map(|(i, l)| {
            let price = fixed(l.price, m.price_decimals());
            let size = fixed(l.size, m.size_decimals());
            if rest {
                json!({"order_index": i as i64 + 1, "order_id": (i + 1).to_string(),
                       "owner_account_index": 1, "initial_base_amount": size,
                       "remaining_base_amount": size, "price": price, "order_expiry": 0})
            } else {
                json!({"price": price, "size": size})
            }
        })
        .collect()
}

fn status(o: &Order) -> &'static str {
    match (o.state, o.cancel_reason) {
        (OrderState::Open, _) => "open",
        (OrderState::Filled, _) => "filled",
        (OrderState::Canceled, Some(CancelReason::PostOnly)) => "canceled-post-only",
        (OrderState::Canceled, Some(CancelReason::ReduceOnly)) => "canceled-reduce-only",
        (OrderState::Canceled, Some(CancelReason::Margin)) => "canceled-margin-not-allowed",
        (OrderState::Canceled, Some(CancelReason::Expired)) => "canceled-expired",
        (OrderState::Canceled, Some(CancelReason::CouldNotFill)) => "canceled-not-enough-liquidity",
        (OrderState::Canceled, _) => "canceled",
    }
}

/// An order.
pub fn order(o: &Order, m: &MarketSpec, account: &str) -> Value {
    let (sd, pd) = (m.size_decimals(), m.price_decimals());
    let tif = match o.tif {
        Tif::Ioc => "immediate-or-cancel",
        Tif::Gtc | Tif::Gtt(_) => "good-till-time",
        Tif::PostOnly(_) => "post-only",
    };
    let is_ask = o.side == venue_api::Side::Sell;
    json!({
        "order_index": o.order_id as i64,
        "client_order_index": o.client_id.parse::<i64>().unwrap_or(0),
        "order_id": o.order_id.to_string(), "client_order_id": o.client_id,
        "market_index": m.market_id.parse::<u32>().unwrap_or(0),
        "owner_account_index": account.parse::<i64>().unwrap_or(0),
        "initial_base_amount": fixed(o.size, sd),
        "price": fixed(o.price, pd),
        "nonce": o.nonce,
        "remaining_base_amount": fixed(o.remaining(), sd),
        "is_ask": is_ask, "base_size": 0, "base_price": 0,
        "filled_base_amount": fixed(o.filled, sd),
        "filled_quote_amount": fixed(o.filled_value, 6),
        "side": if is_ask { "sell" } else { "buy" },
        "type": "limit", "time_in_force": tif, "reduce_only": o.reduce_only,
        "trigger_price": fixed(Decimal::ZERO, pd),
        "order_expiry": o.tif.expiry_ms().unwrap_or(0),
        "status": status(o), "trigger_status": "na", "trigger_time": 0,
        "parent_order_index": 0, "parent_order_id": "0",
        "to_trigger_order_id_0": "0", "to_trigger_order_id_1": "0",
        "to_cancel_order_id_0": "0",
        "block_height": 0, "timestamp": o.created_ms / 1000,
        "created_at": o.created_ms / 1000, "updated_at": o.updated_ms / 1000,
    })
}

/// Positions of an account (open ones, and flat ones whose leverage was set).
pub fn positions(ex: &Exchange, a: &Account, val: &Valuation) -> Vec<Value> {
    let mut out = Vec::new();
    for m in ex.markets_of(VenueKind::Lighter) {
        let view = val.positions.iter().find(|p| p.market_id == m.market_id);
        let imf = a.lighter_auth.imf.get(&m.market_id).copied();
        let open = view.is_some_and(|p| !p.size.is_zero());
        if !open && imf.is_none() {
            continue;
        }
        let imf = imf.map_or_else(|| imf_of(ex.leverage_of(a, m)), u32::from);
        let open_orders = a
            .orders
            .iter()
            .filter(|o| o.state == OrderState::Open && o.market_id == m.market_id)
            .count();
        let size = view.map_or(Decimal::ZERO, |p| p.size);
        let sign = if size > Decimal::ZERO {
            1
        } else if size < Decimal::ZERO {
            -1
        } else {
            0
        };
        out.push(json!({
            "market_id": m.market_id.parse::<u32>().unwrap_or(0), "symbol": m.symbol,
            "initial_margin_fraction": fixed(Decimal::new(i64::from(imf), 2), 2),
            "open_order_count": open_orders, "pending_order_count": 0,
            "position_tied_order_count": 0, "sign": sign,
            "position": fixed(size.abs(), m.size_decimals()),
            "avg_entry_price": fixed(view.map_or(Decimal::ZERO, |p| p.entry_price), m.price_decimals()),
            "position_value": fixed(view.map_or(Decimal::ZERO, |p| p.value.abs()), 6),
            "unrealized_pnl": fixed(view.map_or(Decimal::ZERO, |p| p.unrealized_pnl), 6),
            "realized_pnl": fixed(view.map_or(Decimal::ZERO, |p| p.realized), 6),
            "liquidation_price": fixed(view.and_then(|p| p.liquidation_price).unwrap_or_default(), m.price_decimals()),
            "total_funding_paid_out": fixed(view.map_or(Decimal::ZERO, |p| -p.funding_fee), 6),
            "margin_mode": 0, "allocated_margin": "0.000000",
        }));
    }
    out
}

/// `account` entry.
pub fn account(ex: &Exchange, a: &Account, val: &Valuation) -> Value {
    let open = a
        .orders
        .iter()
        .filter(|o| o.state == OrderState::Open)
        .count();
    json!({
        "code": 0, "account_type": 0, "index": a.id.parse::<i64>().unwrap_or(0),
        "account_index": a.id.parse::<i64>().unwrap_or(0),
        "l1_address": format!("0x{:0>40}", a.id), "cancel_all_time": 0,
        "total_order_count": a.orders.len(), "total_isolated_order_count": 0,
        "pending_order_count": open, "available_balance": fixed(val.available, 6),
        "status": 1, "collateral": fixed(val.collateral, 6), "name": "paper", "description": "",
        "can_invite": false, "referral_points_percentage": "",
        "positions": positions(ex, a, val),
        "total_asset_value": fixed(val.equity, 6), "cross_asset_value": fixed(val.equity, 6),
        "shares": [],
    })
}

/// `user_stats` stats object.
pub fn stats(val: &Valuation) -> Value {
    let leverage = if val.equity > Decimal::ZERO {
        (val.position_value_abs / val.equity).round_dp(4)
    } else {
        Decimal::ZERO
    };
    let usage = if val.equity > Decimal::ZERO {
        ((val.initial_margin + val.order_margin) / val.equity * Decimal::ONE_HUNDRED).round_dp(2)
    } else {
        Decimal::ZERO
    };
    let one = json!({
        "collateral": fixed(val.collateral, 6), "portfolio_value": fixed(val.equity, 6),
        "leverage": s(leverage), "available_balance": fixed(val.available, 6),
        "margin_usage": s(usage), "buying_power": fixed(val.available, 6),
    });
    let mut all = one.clone();
    if let Some(o) = all.as_object_mut() {
        o.insert("cross_stats".into(), one.clone());
        o.insert("total_stats".into(), one);
    }
    all
}

/// One liquidation as `/api/v1/liquidations` lists it: the trade (at the mark, the fee as
/// taker fee) and the account's risk figures before and after (`type` is `partial` for a
/// cut, `full` for a close-out by the insurance fund).
pub fn liquidation(l: &crate::engine::LiquidationRecord) -> Value {
    let risk = |r: &crate::engine::RiskSnapshot| {
        json!({"cross_risk_parameters": {
            "market_id": 0, "collateral": fixed(r.collateral, 6),
            "total_account_value": fixed(r.equity, 6),
            "initial_margin_req": fixed(r.initial_margin, 6),
            "maintenance_margin_req": fixed(r.maintenance_margin, 6),
            "close_out_margin_req": fixed(r.closeout_margin, 6),
        }, "isolated_risk_parameters": []})
    };
    let market_id = l.market_id.parse::<u32>().unwrap_or(0);
    json!({
        "id": l.id, "market_id": market_id,
        "type": match l.kind {
            crate::engine::LiquidationKind::Partial => "partial",
            crate::engine::LiquidationKind::CloseOut => "full",
        },
        "trade": {"price": s(l.price), "size": s(l.size), "taker_fee": s(l.fee), "maker_fee": "0"},
        "info": {
            "positions": [{"market_id": market_id, "position_before": s(l.size_before),
                           "position_after": s(l.size_after)}],
            "risk_info_before": risk(&l.risk_before),
            "risk_info_after": risk(&l.risk_after),
            "mark_prices": {market_id.to_string(): s(l.price)},
        },
        "executed_at": l.time_ms,
    })
}

/// Account index the synthetic participants of the tape trade under.
pub const TAPE_ACCOUNT: i64 = 1;

/// One public trade, as `GET /api/v1/recentTrades` and the `trade/{market}` channel carry
/// it (the SDK's `Trade` model: `trade_id`, `tx_hash`, `type` "trade", `market_id`, `size`,
/// `price`, `usd_amount`, `ask_id`, `bid_id`, `ask_account_id`, `bid_account_id`,
/// `is_maker_ask`, `block_height`, `timestamp` in ms; `is_maker_ask` true = the taker
/// bought). Sources: elliottech/lighter-python `docs/Trade.md`, the venue's WebSocket docs
/// (doc/websocket.txt of djienne/CROSS_EXCHANGE_DELTA_NEUTRAL).
pub fn trade(m: &MarketSpec, t: &crate::engine::TapeTrade) -> Value {
    let id_of = |order: u64| {
        if order == 0 {
            // a synthetic participant's order: a stable id of its own
            (1u64 << 40) + t.id
        } else {
            order
        }
    };
    let acct = |a: &str| a.parse::<i64>().unwrap_or(TAPE_ACCOUNT);
    let (maker_ask, (ask_id, ask_acct), (bid_id, bid_acct)) = match t.taker_side {
        venue_api::Side::Buy => (
            true,
            (id_of(t.maker_order_id), acct(&t.maker_account)),
            (id_of(t.taker_order_id), acct(&t.taker_account)),
        ),
        venue_api::Side::Sell => (
            false,
            (id_of(t.taker_order_id), acct(&t.taker_account)),
            (id_of(t.maker_order_id), acct(&t.maker_account)),
        ),
    };
    json!({
        "trade_id": t.id,
        "tx_hash": format!("{:064x}", (u128::from(t.id) << 64) | u128::from(t.time_ms.unsigned_abs())),
        "type": "trade",
        "market_id": m.market_id.parse::<i64>().unwrap_or(0),
        "size": fixed(t.size, m.size_decimals()),
        "price": fixed(t.price, m.price_decimals()),
        "usd_amount": fixed(t.size * t.price, 6),
        "ask_id": ask_id,
        "bid_id": bid_id,
        "ask_account_id": ask_acct,
        "bid_account_id": bid_acct,
        "is_maker_ask": maker_ask,
        "block_height": t.time_ms / 1000,
        "timestamp": t.time_ms,
    })
}
