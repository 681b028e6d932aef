//! The Lighter front-end: the `/api/v1/...` REST endpoints the adapter uses (integer `code`,
//! decimals as strings, form-encoded `sendTx`/`sendTxBatch`), with every transaction's
//! Schnorr signature verified against the account's registered API key, nonces enforced per
//! (account, key), and auth tokens checked on private reads. WebSocket: [`ws`].
//!
//! Errors are HTTP 400 with `{"code", "message"}`, the venue's codes where they are known
//! (`../shared/docs/findings/live-lighter.md` row 15): 21100 account not found, 21109 api key
//! not found, 21104 invalid nonce, 21116 transaction expired, 21120 invalid signature, 21701
//! invalid base amount, 21702 invalid price, 21705 invalid order time in force, 21706 invalid
//! order base or quote amount; and (codes not recorded from the venue) 20001 invalid
//! parameter, 20013 invalid auth token, 21001 invalid market, 21600 invalid tx, 21700
//! invalid leverage, 21500 injected reject. A refused tx never consumes its nonce.
//! A taker CreateOrder without enough margin is accepted and its order ends
//! `canceled-margin-not-allowed`; a resting one fails in the sequencer after its HTTP 200
//! without consuming its nonce, as the venue documents.

mod exec;
pub mod tx;
pub mod wire;
pub mod ws;

use crate::engine::{EngineError, OrderState, VenueKind};
use crate::faults::FaultKind;
use crate::http::{apply_fault, server_error, Handler, SimRequest, SimResponse};
use crate::server::SimCore;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::sync::Arc;

type Reply = Result<Value, SimResponse>;

/// The HTTP handler of the Lighter front-end.
pub fn handler(core: Arc<SimCore>) -> Handler {
    Arc::new(move |req| {
        let core = core.clone();
        Box::pin(async move { handle(core, req).await })
    })
}

pub(crate) fn bad(code: i64, message: impl AsRef<str>) -> SimResponse {
    SimResponse::value(400, &wire::error(code, message.as_ref()))
}

fn ok(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.insert("code".into(), json!(200));
    }
    v
}

async fn handle(core: Arc<SimCore>, req: SimRequest) -> SimResponse {
    let Some(endpoint) = req.path.strip_prefix("/api/v1/").map(str::to_string) else {
        return SimResponse::value(404, &wire::error(404, "not found"));
    };
    if let Some(resp) = core.over_budget(VenueKind::Lighter, &endpoint) {
        return resp;
    }
    let mut after = None;
    if let Some(kind) = core.faults.take_http(VenueKind::Lighter, &endpoint) {
        let reject = || bad(21500, "rejected by an injected fault (venue-sim)");
        if matches!(
            kind,
            FaultKind::LostAnswer | FaultKind::BookedServerError(_)
        ) {
            after = Some(kind);
        } else if let Some(resp) = apply_fault(kind, reject, core.options.timeout_hold).await {
            return resp;
        }
    }
    let reply = route(&core, &req, &endpoint);
    if req.method == "POST" {
        core.autosave();
    }
    match after {
        Some(FaultKind::LostAnswer) => {
            // The request took effect; the answer never comes (until the client gave up).
            tokio::time::sleep(core.options.timeout_hold).await;
            return SimResponse::json(504, "{}".into());
        }
        // The request took effect; a gateway error is answered instead.
        Some(FaultKind::BookedServerError(status)) => return server_error(status),
        _ => {}
    }
    match reply {
        Ok(v) => SimResponse::value(200, &ok(v)),
        Err(resp) => resp,
    }
}

fn q_int(req: &SimRequest, k: &str) -> Result<i64, SimResponse> {
    req.query_param(k)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad(20001, format!("{k} is required (an integer)")))
}

fn route(core: &SimCore, req: &SimRequest, endpoint: &str) -> Reply {
    match (req.method.as_str(), endpoint) {
        ("GET", "orderBooks") => Ok(core.with(|ex| {
            let filter = req.query_param("market_id");
            let books: Vec<Value> = ex
                .markets_of(VenueKind::Lighter)
                .filter(|m| filter.is_none_or(|f| f == m.market_id))
                .map(wire::order_book)
                .collect();
            json!({"order_books": books})
        })),
        ("GET", "orderBookDetails") => Ok(core.with(|ex| {
            let filter = req.query_param("market_id");
            let details: Vec<Value> = ex
                .markets_of(VenueKind::Lighter)
                .filter(|m| filter.is_none_or(|f| f == m.market_id))
                .map(|m| wire::order_book_detail(ex, m))
                .collect();
            json!({"order_book_details": details, "spot_order_book_details": []})
        })),
        ("GET", "orderBookOrders") => {
            let market = q_int(req, "market_id")?.to_string();
            let limit = req
                .query_param("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(20)
                .clamp(1, 250);
            core.with(|ex| {
                let m = ex
                    .market(VenueKind::Lighter, &market)
                    .map_err(market_err)?
                    .clone();
                let b = ex
                    .book(VenueKind::Lighter, &market)
                    .map_err(market_err)?
                    .truncated(limit);
                Ok(
                    json!({"total_asks": b.asks.len(), "asks": wire::levels(&m, &b.asks, true),
                          "total_bids": b.bids.len(), "bids": wire::levels(&m, &b.bids, true)}),
                )
            })
        }
        ("GET", "recentTrades") => {
            let market = q_int(req, "market_id")?.to_string();
            let limit = q_int(req, "limit")?;
            if !(1..=100).contains(&limit) {
                return Err(bad(20001, format!("limit {limit} not in 1..=100")));
            }
            core.with(|ex| {
                let m = ex
                    .market(VenueKind::Lighter, &market)
                    .map_err(market_err)?
                    .clone();
                let mut trades = ex.tape.last(VenueKind::Lighter, &market, limit as usize);
                // newest first
                trades.reverse();
                let trades: Vec<Value> = trades.iter().map(|t| wire::trade(&m, t)).collect();
                Ok(json!({ "trades": trades }))
            })
        }
        ("GET", "nextNonce") => {
            let acct = q_int(req, "account_index")?.to_string();
            let key = u8::try_from(q_int(req, "api_key_index")?)
                .map_err(|_| bad(20001, "api_key_index"))?;
            core.with(|ex| {
                let a = ex
                    .account(VenueKind::Lighter, &acct)
                    .map_err(|_| bad(21100, "account not found"))?;
                if !a.lighter_auth.api_keys.contains_key(&key) {
                    return Err(bad(21109, "api key not found"));
                }
                Ok(json!({"nonce": a.lighter_auth.nonces.get(&key).copied().unwrap_or(0)}))
            })
        }
        ("GET", "apikeys") => {
            let acct = q_int(req, "account_index")?.to_string();
            let filter = req
                .query_param("api_key_index")
                .and_then(|v| v.parse::<u8>().ok());
            core.with(|ex| {
                let a = ex.account(VenueKind::Lighter, &acct).map_err(|_| bad(21100, "account not found"))?;
                let keys: Vec<Value> = a
                    .lighter_auth
                    .api_keys
                    .iter()
                    .filter(|(k, _)| filter.is_none_or(|f| f == **k || f == 255))
                    .map(|(k, pk)| json!({"account_index": acct.parse::<i64>().unwrap_or(0),
                        "api_key_index": k, "nonce": a.lighter_auth.nonces.get(k).copied().unwrap_or(0),
                        "public_key": pk, "transaction_time": 0}))
                    .collect();
                Ok(json!({"api_keys": keys}))
            })
        }
        ("GET", "account") => {
            if req.query_param("by") != Some("index") {
                return Err(bad(20001, "venue-sim serves account?by=index only"));
            }
            let acct = q_int(req, "value")?.to_string();
            core.with(|ex| {
                let a = ex
                    .account(VenueKind::Lighter, &acct)
                    .map_err(|_| bad(21100, "account not found"))?;
                let val = ex
                    .valuation(VenueKind::Lighter, &acct)
                    .map_err(market_err)?;
                Ok(json!({"total": 1, "accounts": [wire::account(ex, a, &val)]}))
            })
        }
        ("GET", "accountActiveOrders") | ("GET", "accountInactiveOrders") => {
            let acct = q_int(req, "account_index")?;
            check_token(core, req, acct)?;
            let market = q_int(req, "market_id")?.to_string();
            let active = endpoint == "accountActiveOrders";
            let limit = req
                .query_param("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(100);
            core.with(|ex| {
                let m = ex
                    .market(VenueKind::Lighter, &market)
                    .map_err(market_err)?
                    .clone();
                let a = ex
                    .account(VenueKind::Lighter, &acct.to_string())
                    .map_err(|_| bad(21100, "account not found"))?;
                let orders: Vec<Value> = a
                    .orders
                    .iter()
                    .rev()
                    .filter(|o| o.market_id == market && (o.state == OrderState::Open) == active)
                    .take(limit)
                    .map(|o| wire::order(o, &m, &a.id))
                    .collect();
                Ok(json!({"orders": orders, "next_cursor": ""}))
            })
        }
        ("GET", "liquidations") => {
            let acct = q_int(req, "account_index")?;
            check_token(core, req, acct)?;
            let market = req.query_param("market_id").map(str::to_string);
            let limit = req
                .query_param("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(100)
                .clamp(1, 100);
            core.with(|ex| {
                let a = ex
                    .account(VenueKind::Lighter, &acct.to_string())
                    .map_err(|_| bad(21100, "account not found"))?;
                let items: Vec<Value> = a
                    .liquidations
                    .iter()
                    .rev()
                    .filter(|l| market.as_deref().is_none_or(|m| m == l.market_id))
                    .take(limit)
                    .map(wire::liquidation)
                    .collect();
                Ok(json!({"liquidations": items, "next_cursor": ""}))
            })
        }
        ("GET", "accountOrders") => account_orders(core, req),
        ("GET", "fundings") => fundings(core, req),
        ("GET", "funding-rates") => Err(funding_rates(core)),
        ("GET", "positionFunding") => {
            let acct = q_int(req, "account_index")?;
            check_token(core, req, acct)?;
            let market = req
                .query_param("market_id")
                .or(req.query_param("market_ids"))
                .map(str::to_string);
            let limit = req
                .query_param("limit")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(100)
                .clamp(1, 100);
            core.with(|ex| {
                let a = ex.account(VenueKind::Lighter, &acct.to_string()).map_err(|_| bad(21100, "account not found"))?;
                let items: Vec<Value> = a
                    .funding
                    .iter()
                    .rev()
                    .filter(|r| market.as_deref().is_none_or(|m| m == r.market_id))
                    .take(limit)
                    .map(|r| json!({"timestamp": r.time_ms / 1000, "market_id": r.market_id.parse::<u32>().unwrap_or(0),
                        "funding_id": r.id, "change": r.amount.normalize().to_string(),
                        "rate": (r.rate * Decimal::ONE_HUNDRED).normalize().to_string(),
                        "position_size": r.size.abs().normalize().to_string(),
                        "position_side": if r.size > Decimal::ZERO { "long" } else { "short" }, "discount": "0"}))
                    .collect();
                Ok(json!({"position_fundings": items, "next_cursor": ""}))
            })
        }
        ("POST", "sendTx") => {
            let form = req.form();
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let tx_type: u8 = get("tx_type")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad(20001, "tx_type is required"))?;
            let info = get("tx_info").ok_or_else(|| bad(20001, "tx_info is required"))?;
            let partial = tx_type == 14 && core.faults.take_partial(VenueKind::Lighter, "sendTx");
            let fault = core.faults.take_order(VenueKind::Lighter, "sendTx");
            let hash = exec::submit(core, tx_type, &info, partial, fault)?;
            Ok(
                json!({"tx_hash": hash, "predicted_execution_time_ms": core.now_ms() + 200, "volume_quota_remaining": 1000}),
            )
        }
        ("POST", "sendTxBatch") => {
            let form = req.form();
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let types: Vec<u8> = get("tx_types")
                .and_then(|v| serde_json::from_str(&v).ok())
                .ok_or_else(|| bad(20001, "tx_types must be a JSON array"))?;
            let infos: Vec<String> = get("tx_infos")
                .and_then(|v| serde_json::from_str(&v).ok())
                .ok_or_else(|| bad(20001, "tx_infos must be a JSON array of strings"))?;
            if types.len() != infos.len() || types.is_empty() || types.len() > 50 {
                return Err(bad(
                    20001,
                    "tx_types and tx_infos must have the same 1..=50 length",
                ));
            }
            let txs: Vec<(u8, String, bool)> = types
                .iter()
                .zip(infos)
                .map(|(t, info)| {
                    let partial =
                        *t == 14 && core.faults.take_partial(VenueKind::Lighter, "sendTxBatch");
                    (*t, info, partial)
                })
                .collect();
            let fault = core.faults.take_order(VenueKind::Lighter, "sendTxBatch");
            let hashes = exec::submit_batch(core, &txs, fault)?;
            Ok(
                json!({"tx_hash": hashes, "predicted_execution_time_ms": core.now_ms() + 200, "volume_quota_remaining": 1000}),
            )
        }
        _ => Err(SimResponse::value(
            404,
            &wire::error(
                404,
                &format!("{} {} is not served by venue-sim", req.method, req.path),
            ),
        )),
    }
}

pub(crate) fn market_err(e: EngineError) -> SimResponse {
    match e {
        EngineError::UnknownMarket(m) => bad(21001, format!("invalid market id {m}")),
        EngineError::InvalidOrder(m) => {
            let code = if m.contains("not a positive multiple of step") {
                (21701, "invalid base amount")
            } else if m.contains("not a positive multiple of tick") {
                (21702, "invalid price")
            } else {
                (21706, "invalid order base or quote amount")
            };
            bad(code.0, format!("{}: {m}", code.1))
        }
        other => bad(21600, other.to_string()),
    }
}

/// How far back `accountOrders` reaches for finished orders (the venue: "the last 1K
/// inactive orders (in the last 24 hours)"; active ones: the last 10K).
const ACCOUNT_ORDERS_INACTIVE_MS: i64 = 24 * 3600 * 1000;

/// `GET /api/v1/accountOrders?account_index=&client_order_indexes=a,b` (auth, 1..=20 ids,
/// any market): the orders with those client order indexes, active or recently finished.
fn account_orders(core: &SimCore, req: &SimRequest) -> Reply {
    let acct = q_int(req, "account_index")?;
    check_token(core, req, acct)?;
    let ids: Vec<String> = req
        .query_param("client_order_indexes")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty() || ids.len() > 20 || ids.iter().any(|i| i.parse::<u64>().is_err()) {
        return Err(bad(
            20001,
            "client_order_indexes must be 1 to 20 comma-separated integers",
        ));
    }
    let now = core.now_ms();
    core.with(|ex| {
        let a = ex
            .account(VenueKind::Lighter, &acct.to_string())
            .map_err(|_| bad(21100, "account not found"))?;
        let (mut active, mut inactive) = (0usize, 0usize);
        let mut orders = Vec::new();
        for o in a.orders.iter().rev() {
            let open = o.state == OrderState::Open;
            if open {
                active += 1;
            } else {
                inactive += 1;
            }
            let reachable = if open {
                active <= 10_000
            } else {
                inactive <= 1_000 && now - o.updated_ms <= ACCOUNT_ORDERS_INACTIVE_MS
            };
            if reachable && ids.contains(&o.client_id) {
                let m = ex
                    .market(VenueKind::Lighter, &o.market_id)
                    .map_err(market_err)?;
                orders.push(wire::order(o, m, &a.id));
            }
        }
        Ok(json!({"orders": orders, "next_cursor": ""}))
    })
}

/// Rows one `fundings` call returns at most on the live venue (NautilusTrader's client pages
/// at 100; the SDK's "750" is not what the venue answers).
const FUNDINGS_PER_CALL: usize = 100;

fn fundings(core: &SimCore, req: &SimRequest) -> Reply {
    let market = q_int(req, "market_id")?.to_string();
    let start = q_int(req, "start_timestamp")?;
    let end = q_int(req, "end_timestamp")?;
    let count = req
        .query_param("count_back")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(100);
    let live = core.options.lighter_fundings_from_start;
    core.with(|ex| {
        let hist = if live {
            // [start, end), oldest first, the first `count_back` rows, 100 per call at most.
            // (the simulator keeps 90 days of funding history)
            let from = start.max(ex.now_ms - 90 * 24 * 3_600_000);
            let mut all = ex
                .funding_history(VenueKind::Lighter, &market, from, end, usize::MAX)
                .map_err(market_err)?;
            all.truncate(count.clamp(1, FUNDINGS_PER_CALL));
            all
        } else {
            ex.funding_history(
                VenueKind::Lighter,
                &market,
                start,
                end.saturating_add(1),
                count.clamp(1, 1000),
            )
            .map_err(market_err)?
        };
        let items: Vec<Value> = hist
            .iter()
            .map(|(t, r)| {
                let pct = (*r * Decimal::ONE_HUNDRED).normalize();
                json!({"timestamp": t / 1000, "value": "0", "rate": pct.abs().to_string(),
                       "direction": if *r >= Decimal::ZERO { "long" } else { "short" }})
            })
            .collect();
        Ok(json!({"resolution": req.query_param("resolution").unwrap_or("1h"), "fundings": items}))
    })
}

/// `funding-rates` is written by hand: its `rate` is a JSON *number*, and no float may carry
/// it. Returned as an `Err` only to bypass the generic JSON path.
fn funding_rates(core: &SimCore) -> SimResponse {
    let entries: Vec<String> = core.with(|ex| {
        let mut out = Vec::new();
        for m in ex.markets_of(VenueKind::Lighter) {
            let (rate, _, _) = ex
                .current_funding(VenueKind::Lighter, &m.market_id)
                .unwrap_or_default();
            let per_8h = (rate * Decimal::from(8)).normalize();
            out.push(format!(
                "{{\"market_id\":{},\"exchange\":\"lighter\",\"symbol\":\"{}\",\"rate\":{}}}",
                m.market_id, m.symbol, per_8h
            ));
            out.push(format!(
                "{{\"market_id\":{},\"exchange\":\"binance\",\"symbol\":\"{}\",\"rate\":0.0001}}",
                m.market_id, m.symbol
            ));
        }
        out
    });
    SimResponse::json(
        200,
        format!("{{\"code\":200,\"funding_rates\":[{}]}}", entries.join(",")),
    )
}

fn check_token(core: &SimCore, req: &SimRequest, account: i64) -> Result<(), SimResponse> {
    let token = req
        .header("authorization")
        .or(req.query_param("auth"))
        .ok_or_else(|| bad(20013, "invalid auth: authorization token is required"))?;
    let (deadline, acct, key, sig, prefix) =
        tx::split_token(token).ok_or_else(|| bad(20013, "invalid auth: malformed token"))?;
    let now_s = core.now_ms() / 1000;
    if deadline < now_s {
        return Err(bad(20013, "invalid auth: token expired"));
    }
    if deadline > now_s + 8 * 3600 + 60 {
        return Err(bad(20013, "invalid auth: token lifetime above 8 hours"));
    }
    if acct != account {
        return Err(bad(20013, "invalid auth: token belongs to another account"));
    }
    let pk = core
        .with(|ex| {
            ex.account(VenueKind::Lighter, &acct.to_string())
                .ok()
                .and_then(|a| a.lighter_auth.api_keys.get(&key).cloned())
        })
        .ok_or_else(|| bad(20013, "invalid auth: api key not found"))?;
    if tx::verify_token(prefix, sig, &pk) {
        Ok(())
    } else {
        Err(bad(20013, "invalid auth: bad signature"))
    }
}
