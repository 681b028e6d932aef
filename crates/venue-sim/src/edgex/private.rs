//! EdgeX private endpoints, after authentication: account asset, funding payments, order
//! reads, leverage, cancels and createOrder (with its L2 signature check).

use super::{auth, eip712, engine_fail, fail, wire, Gen, Reply};
use crate::engine::{
    EngineError, Exchange, NewOrder, Order, OrderRef, OrderState, PendingAction, Tif, VenueKind,
};
use crate::faults::FaultKind;
use crate::http::SimRequest;
use crate::server::SimCore;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use venue_api::Side;

fn list_param(req: &SimRequest, name: &str) -> Vec<String> {
    req.query_param(name)
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn get(
    core: &SimCore,
    req: &SimRequest,
    gen: Gen,
    endpoint: &str,
    account: &str,
    now: i64,
) -> Reply {
    core.with(|ex| {
        let a = ex
            .account(VenueKind::Edgex, account)
            .map_err(|e| engine_fail(e, now))?;
        match endpoint {
            "private/account/getAccountAsset" => {
                let val = ex
                    .valuation(VenueKind::Edgex, account)
                    .map_err(|e| engine_fail(e, now))?;
                Ok(wire::account_asset(a, &val, "", ex.now_ms))
            }
            "private/account/getPositionTransactionPage" => {
                let types = list_param(req, "filterTypeList");
                let contracts = list_param(req, "filterContractIdList");
                if !types.is_empty() && !types.iter().any(|t| t == "SETTLE_FUNDING_FEE") {
                    return Ok(json!({"dataList": [], "nextPageOffsetData": ""}));
                }
                let items: Vec<Value> = a
                    .funding
                    .iter()
                    .rev()
                    .filter(|r| contracts.is_empty() || contracts.contains(&r.market_id))
                    .map(|r| wire::funding_transaction(r, account))
                    .collect();
                Ok(page(items, req))
            }
            "private/order/getActiveOrderPage" => {
                let contracts = list_param(req, "filterContractIdList");
                let items: Vec<Value> = a
                    .orders
                    .iter()
                    .filter(|o| o.state == OrderState::Open)
                    .filter(|o| contracts.is_empty() || contracts.contains(&o.market_id))
                    .map(|o| wire::order(o, account))
                    .collect();
                Ok(page(items, req))
            }
            "private/order/getOrderById" | "private/order/getHistoryOrderById" => {
                let history = endpoint.contains("History");
                let items: Vec<Value> = list_param(req, "orderIdList")
                    .iter()
                    .filter_map(|id| id.parse::<u64>().ok())
                    .filter_map(|id| {
                        a.order_by_id(id)
                            .filter(|o| !history || o.state != OrderState::Open)
                            .map(|o| wire::order(o, account))
                            .or_else(|| {
                                (!history)
                                    .then(|| queued(ex, account, OrderRef::Id(id), now))
                                    .flatten()
                            })
                    })
                    .collect();
                Ok(if history {
                    json!({"dataList": items, "nextPageOffsetData": ""})
                } else {
                    Value::Array(items)
                })
            }
            "private/order/getHistoryOrderPage" => Ok(history_page(a, req, account)),
            _ => {
                let history = endpoint.contains("History");
                // V2's active lookup covers open orders only; finished ones are in
                // getHistoryOrderPage (V1 answers both, as the adapters rely on).
                let active_only = gen == Gen::V2 && !history;
                let items: Vec<Value> = list_param(req, "clientOrderIdList")
                    .iter()
                    .filter_map(|c| {
                        a.order_by_client_id(c)
                            .filter(|o| !history || o.state != OrderState::Open)
                            .filter(|o| !active_only || o.state == OrderState::Open)
                            .map(|o| wire::order(o, account))
                            .or_else(|| {
                                (!history)
                                    .then(|| queued(ex, account, OrderRef::Client(c), now))
                                    .flatten()
                            })
                    })
                    .collect();
                Ok(if history {
                    json!({"dataList": items, "nextPageOffsetData": ""})
                } else {
                    Value::Array(items)
                })
            }
        }
    })
}

/// `getHistoryOrderPage`: finished orders, newest first, filtered by contract, order id,
/// client id, status (`filterStatusList`) and creation window (`filterStartCreatedTimeInclusive`,
/// `filterEndCreatedTimeExclusive`, ms), paged by `size` (≤ 100) and `offsetData`.
fn history_page(a: &crate::engine::Account, req: &SimRequest, account: &str) -> Value {
    let contracts = list_param(req, "filterContractIdList");
    let ids = list_param(req, "filterOrderIdList");
    let clients = list_param(req, "filterClientOrderIdList");
    let statuses = list_param(req, "filterStatusList");
    let time = |k: &str| req.query_param(k).and_then(|v| v.parse::<i64>().ok());
    let start = time("filterStartCreatedTimeInclusive").unwrap_or(i64::MIN);
    let end = time("filterEndCreatedTimeExclusive")
        .filter(|t| *t > 0)
        .unwrap_or(i64::MAX);
    let items: Vec<Value> = a
        .orders
        .iter()
        .rev()
        .filter(|o| o.state != OrderState::Open)
        .filter(|o| contracts.is_empty() || contracts.contains(&o.market_id))
        .filter(|o| ids.is_empty() || ids.contains(&o.order_id.to_string()))
        .filter(|o| clients.is_empty() || clients.contains(&o.client_id))
        .filter(|o| o.created_ms >= start && o.created_ms < end)
        .map(|o| wire::order(o, account))
        .filter(|v| {
            statuses.is_empty()
                || v["status"]
                    .as_str()
                    .is_some_and(|st| statuses.iter().any(|f| f == st))
        })
        .collect();
    page(items, req)
}

/// An order accepted but not executed yet (the `late` fault), shown `PENDING` with no fill.
fn queued(ex: &Exchange, account: &str, by: OrderRef<'_>, now: i64) -> Option<Value> {
    let (o, id) = ex.queued_order(VenueKind::Edgex, account, by)?;
    let view = Order {
        order_id: id.unwrap_or(0),
        client_id: o.client_id.clone(),
        market_id: o.market_id.clone(),
        side: o.side,
        price: o.price,
        size: o.size,
        filled: Decimal::ZERO,
        filled_value: Decimal::ZERO,
        fee: Decimal::ZERO,
        tif: o.tif,
        reduce_only: o.reduce_only,
        state: OrderState::Open,
        cancel_reason: None,
        created_ms: now,
        updated_ms: now,
        nonce: o.nonce,
    };
    let mut v = wire::order(&view, account);
    v["status"] = Value::String("PENDING".into());
    Some(v)
}

fn page(items: Vec<Value>, req: &SimRequest) -> Value {
    let size = req
        .query_param("size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let offset = req
        .query_param("offsetData")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let total = items.len();
    let chunk: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = if offset + chunk.len() < total {
        (offset + chunk.len()).to_string()
    } else {
        String::new()
    };
    json!({"dataList": chunk, "nextPageOffsetData": next})
}

fn str_field<'a>(body: &'a Value, k: &str, now: i64) -> Result<&'a str, Value> {
    body.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| fail("INVALID_PARAM", format!("{k} is required (a string)"), now))
}

fn dec_field(body: &Value, k: &str, now: i64) -> Result<Decimal, Value> {
    str_field(body, k, now)?
        .parse::<Decimal>()
        .map_err(|_| fail("INVALID_PARAM", format!("{k} is not a decimal"), now))
}

fn str_list(body: &Value, k: &str) -> Vec<String> {
    body.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn post(
    core: &SimCore,
    gen: Gen,
    endpoint: &str,
    account: &str,
    body: &Value,
    now: i64,
) -> Reply {
    match endpoint {
        "private/order/createOrder" => create_order(core, gen, account, body, now),
        "private/account/updateLeverageSetting" => {
            let cid = str_field(body, "contractId", now)?;
            let lev = str_field(body, "leverage", now)?;
            let lev: u32 = lev
                .parse::<Decimal>()
                .ok()
                .filter(|d| d.fract().is_zero())
                .and_then(|d| u32::try_from(d.mantissa() / 10i128.pow(d.scale())).ok())
                .ok_or_else(|| {
                    fail(
                        "INVALID_LEVERAGE",
                        format!("leverage {lev} is not an integer"),
                        now,
                    )
                })?;
            core.with(|ex| ex.set_leverage(VenueKind::Edgex, account, cid, lev))
                .map_err(|e| engine_fail(e, now))?;
            Ok(Value::Null)
        }
        "private/order/cancelOrderById" | "private/order/cancelOrderByClientOrderId" => {
            let by_client = endpoint.ends_with("ClientOrderId");
            let ids = str_list(
                body,
                if by_client {
                    "clientOrderIdList"
                } else {
                    "orderIdList"
                },
            );
            let mut map = serde_json::Map::new();
            core.with(|ex| {
                for id in &ids {
                    let by = if by_client {
                        Some(OrderRef::Client(id))
                    } else {
                        id.parse::<u64>().ok().map(OrderRef::Id)
                    };
                    let r = match by {
                        Some(by) if ex.cancel_queued(VenueKind::Edgex, account, by) => Ok(()),
                        Some(by) => ex.cancel(VenueKind::Edgex, account, by).map(|_| ()),
                        None => Err(EngineError::UnknownOrder(id.clone())),
                    };
                    let text = if r.is_ok() {
                        "SUCCESS"
                    } else {
                        "ORDER_NOT_FOUND"
                    };
                    map.insert(id.clone(), Value::String(text.into()));
                }
            });
            Ok(json!({"cancelResultMap": map}))
        }
        "private/order/cancelAllOrder" => {
            let contracts = str_list(body, "filterContractIdList");
            core.with(|ex| {
                if contracts.is_empty() {
                    ex.cancel_all(VenueKind::Edgex, account, None).map(|_| ())
                } else {
                    contracts.iter().try_for_each(|c| {
                        ex.cancel_all(VenueKind::Edgex, account, Some(c))
                            .map(|_| ())
                    })
                }
            })
            .map_err(|e| engine_fail(e, now))?;
            Ok(Value::Null)
        }
        _ => Err(fail(
            "NOT_FOUND",
            format!("POST {endpoint} is not served by venue-sim"),
            now,
        )),
    }
}

fn create_order(core: &SimCore, gen: Gen, account: &str, body: &Value, now: i64) -> Reply {
    let cid = str_field(body, "contractId", now)?.to_string();
    let side = match str_field(body, "side", now)? {
        "BUY" => Side::Buy,
        "SELL" => Side::Sell,
        other => return Err(fail("INVALID_PARAM", format!("side {other}"), now)),
    };
    let price = dec_field(body, "price", now)?;
    let size = dec_field(body, "size", now)?;
    let order_type = str_field(body, "type", now)?;
    if order_type != "LIMIT" {
        return Err(fail(
            "ORDER_PARAM_INVALID",
            format!("order type {order_type} is not supported by venue-sim"),
            now,
        ));
    }
    let tif = match str_field(body, "timeInForce", now)? {
        "GOOD_TIL_CANCEL" => Tif::Gtc,
        "IMMEDIATE_OR_CANCEL" | "FILL_OR_KILL" => Tif::Ioc,
        "POST_ONLY" => Tif::PostOnly(None),
        other => return Err(fail("INVALID_PARAM", format!("timeInForce {other}"), now)),
    };
    let reduce_only = match body.get("reduceOnly") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    let client_id = str_field(body, "clientOrderId", now)?.to_string();
    let l2_size = dec_field(body, "l2Size", now)?;
    let l2_value = dec_field(body, "l2Value", now)?;
    if l2_size != size || l2_value != price * size {
        return Err(fail(
            "ORDER_L2_MISMATCH",
            "l2Size/l2Value do not match size and price",
            now,
        ));
    }
    let l2_expire: i64 = str_field(body, "l2ExpireTime", now)?
        .parse()
        .map_err(|_| fail("INVALID_PARAM", "l2ExpireTime", now))?;
    if l2_expire <= now {
        return Err(fail(
            "ORDER_PARAM_INVALID",
            "l2ExpireTime is in the past",
            now,
        ));
    }
    // `expireTime`: the latest moment the order may still execute.
    let expire: i64 = str_field(body, "expireTime", now)?
        .parse()
        .map_err(|_| fail("INVALID_PARAM", "expireTime is not an integer (ms)", now))?;
    if expire <= now {
        return Err(fail(
            "ORDER_PARAM_INVALID",
            format!("expireTime {expire} is not after the current time {now}"),
            now,
        ));
    }
    let nonce: i64 = str_field(body, "l2Nonce", now)?
        .parse()
        .map_err(|_| fail("INVALID_PARAM", "l2Nonce", now))?;
    let signature = str_field(body, "l2Signature", now)?.to_string();
    let (market, auth, mark) = core
        .with(|ex| -> Result<_, EngineError> {
            let m = ex.market(VenueKind::Edgex, &cid)?.clone();
            let auth = ex.account(VenueKind::Edgex, account)?.edgex_auth.clone();
            let mark = ex.mark(VenueKind::Edgex, &cid)?;
            Ok((m, auth, mark))
        })
        .map_err(|e| engine_fail(e, now))?;
    let verified = match gen {
        Gen::V1 => {
            let assets = auth::V1Assets {
                synthetic_asset_id: wire::synthetic_asset_id(&market),
                synthetic_resolution_exp: market.resolution_exp,
                collateral_asset_id: wire::COLLATERAL_ASSET_ID.to_string(),
                collateral_resolution_exp: wire::COLLATERAL_RESOLUTION_EXP,
            };
            let account_num: u64 = account.parse().unwrap_or(0);
            match auth::v1_order_hash(body, &assets, account_num) {
                Ok(h) => auth
                    .stark_public_key
                    .as_deref()
                    .is_some_and(|k| auth::verify_stark(k, &h, &signature)),
                Err(e) => return Err(fail("ORDER_L2_MISMATCH", e, now)),
            }
        }
        Gen::V2 => eip712::verify_order(body, &market, &auth, &signature)
            .map_err(|e| fail("ORDER_L2_MISMATCH", e, now))?,
    };
    if !verified {
        return Err(fail(
            "INVALID_SIGNATURE",
            "l2Signature does not verify with the account's key",
            now,
        ));
    }
    let band = wire::PRICE_BAND_RATIO;
    if side == Side::Buy && price > mark * (Decimal::ONE + band) {
        return Err(wire::err(
            "ORDER_PRICE_OUT_OF_RANGE",
            "order price is out of range",
            json!({"maxPrice": (mark * (Decimal::ONE + band)).round_dp(market.tick.scale()).to_string()}),
            now,
        ));
    }
    if side == Side::Sell && price < mark * (Decimal::ONE - band) {
        return Err(wire::err(
            "ORDER_PRICE_OUT_OF_RANGE",
            "order price is out of range",
            json!({"minPrice": (mark * (Decimal::ONE - band)).round_dp(market.tick.scale()).to_string()}),
            now,
        ));
    }
    let partial = core.faults.take_partial(VenueKind::Edgex, "createOrder");
    let fault = core.faults.take_order(VenueKind::Edgex, "createOrder");
    let order = NewOrder {
        market_id: cid,
        client_id,
        side,
        price,
        size,
        tif,
        reduce_only,
        nonce,
    };
    let fill_ratio = partial.then_some(Decimal::new(5, 1));
    let placed = core
        .with(|ex| match fault {
            // Acknowledged with an id, never executed.
            Some(FaultKind::Dropped) => {
                ex.check_order(VenueKind::Edgex, account, &order)?;
                Ok(ex.next_order_id())
            }
            // Acknowledged now, executed (and visible as filled) later; PENDING meanwhile.
            Some(FaultKind::Late(d)) => {
                let id = ex.next_order_id();
                let due = now.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                let action = PendingAction::Place {
                    order,
                    fill_ratio,
                    order_id: Some(id),
                };
                ex.queue_tx(VenueKind::Edgex, account, action, due, Some(expire), None)?;
                Ok(id)
            }
            _ => ex
                .place_order(VenueKind::Edgex, account, order, fill_ratio)
                .map(|o| o.order_id),
        })
        .map_err(|e| engine_fail(e, now))?;
    Ok(json!({"orderId": placed.to_string()}))
}
