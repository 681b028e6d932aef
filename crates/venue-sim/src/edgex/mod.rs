//! The EdgeX front-end: the V1 (`/api/v1`) and V2 (`/api/v2`) REST paths the adapter uses,
//! with EdgeX's envelope (`code`/`data`/`msg`, every number a string), request-auth and
//! order-signature verification, and the depth WebSocket ([`ws`]).
//!
//! Error codes returned (HTTP 200, `code` != `SUCCESS`): `INVALID_SIGNATURE` (bad request
//! or order signature), `AUTH_TIMESTAMP_EXPIRED` (timestamp outside the window),
//! `AUTH_HEADER_MISSING`, `ACCOUNT_NOT_FOUND` (wrong or unknown account),
//! `INVALID_CONTRACT_ID`, `MARGIN_NOT_ENOUGH`, `ORDER_PRICE_OUT_OF_RANGE`,
//! `ORDER_PARAM_INVALID`, `ORDER_L2_MISMATCH`, `DUPLICATE_CLIENT_ORDER_ID`,
//! `INVALID_LEVERAGE`, `ORDER_NOT_FOUND`, `SIM_INJECTED_REJECT` (the "reject" fault).

pub mod auth;
mod eip712;
mod private;
pub mod wire;
pub mod ws;

use crate::engine::{EngineError, Exchange, VenueKind};
use crate::faults::FaultKind;
use crate::http::{apply_fault, server_error, Handler, SimRequest, SimResponse};
use crate::server::SimCore;
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) type Reply = Result<Value, Value>;

/// The HTTP handler of the EdgeX front-end.
pub fn handler(core: Arc<SimCore>) -> Handler {
    Arc::new(move |req| {
        let core = core.clone();
        Box::pin(async move { handle(core, req).await })
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gen {
    V1,
    V2,
}

pub(crate) fn fail(code: &str, msg: impl Into<String>, now: i64) -> Value {
    wire::err(code, &msg.into(), Value::Null, now)
}

pub(crate) fn engine_fail(e: EngineError, now: i64) -> Value {
    let code = match &e {
        EngineError::UnknownMarket(_) => "INVALID_CONTRACT_ID",
        EngineError::UnknownAccount(_) => "ACCOUNT_NOT_FOUND",
        EngineError::InvalidOrder(_) => "ORDER_PARAM_INVALID",
        EngineError::InsufficientMargin(_) => "MARGIN_NOT_ENOUGH",
        EngineError::InvalidLeverage(_) => "INVALID_LEVERAGE",
        EngineError::UnknownOrder(_) => "ORDER_NOT_FOUND",
        EngineError::DuplicateClientId(_) => "DUPLICATE_CLIENT_ORDER_ID",
    };
    fail(code, e.to_string(), now)
}

async fn handle(core: Arc<SimCore>, req: SimRequest) -> SimResponse {
    let now = core.now_ms();
    let (gen, endpoint) = if let Some(e) = req.path.strip_prefix("/api/v1/") {
        (Gen::V1, e.to_string())
    } else if let Some(e) = req.path.strip_prefix("/api/v2/") {
        (Gen::V2, e.to_string())
    } else {
        return SimResponse::value(
            404,
            &fail("NOT_FOUND", format!("no such path {}", req.path), now),
        );
    };
    if let Some(resp) = core.over_budget(VenueKind::Edgex, req.endpoint()) {
        return resp;
    }
    let mut after = None;
    if let Some(kind) = core.faults.take_http(VenueKind::Edgex, req.endpoint()) {
        let reject = || {
            SimResponse::value(
                200,
                &fail(
                    "SIM_INJECTED_REJECT",
                    "rejected by an injected fault (venue-sim)",
                    now,
                ),
            )
        };
        if matches!(
            kind,
            FaultKind::LostAnswer | FaultKind::BookedServerError(_)
        ) {
            after = Some(kind);
        } else if let Some(resp) = apply_fault(kind, reject, core.options.timeout_hold).await {
            return resp;
        }
    }
    // A delayed request is processed at the clock time it is processed at.
    let now = core.now_ms();
    if gen == Gen::V2 && V2_REMOVED.contains(&endpoint.as_str()) {
        return SimResponse::value(
            404,
            &fail("NOT_FOUND", format!("{} was removed in V2", req.path), now),
        );
    }
    let reply = route(&core, &req, gen, &endpoint, now);
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
        Ok(data) => SimResponse::value(200, &wire::ok(data, now)),
        // An unknown path is an HTTP 404, as on the venue's gateway.
        Err(env) if env.get("code").and_then(Value::as_str) == Some("NOT_FOUND") => {
            SimResponse::value(404, &env)
        }
        Err(env) => SimResponse::value(200, &env),
    }
}

/// V1 endpoints V2 removed (`CHANGELOG_API_V2.md` §2.1: "verify deleted interfaces return
/// 404"); V2 finds finished orders through `getHistoryOrderPage` / `getOrderById`.
const V2_REMOVED: [&str; 2] = [
    "private/order/getHistoryOrderByClientOrderId",
    "private/order/getHistoryOrderById",
];

fn route(core: &SimCore, req: &SimRequest, gen: Gen, endpoint: &str, now: i64) -> Reply {
    // Live V2 names its contracts `…USDC`; served so when the options ask for it.
    let quote = if gen == Gen::V2 && core.options.edgex_v2_usdc_names {
        "USDC"
    } else {
        "USD"
    };
    let mut reply = route_inner(core, req, gen, endpoint, now, quote);
    if quote != "USD" && matches!(endpoint, "public/quote/getTicker" | "public/quote/getDepth") {
        if let Ok(v) = reply.as_mut() {
            wire::requote(v, quote);
        }
    }
    reply
}

fn route_inner(
    core: &SimCore,
    req: &SimRequest,
    gen: Gen,
    endpoint: &str,
    now: i64,
    quote: &str,
) -> Reply {
    match (req.method.as_str(), endpoint) {
        ("GET", "public/meta/getServerTime") => Ok(json!({"timeMillis": now.to_string()})),
        ("GET", "public/meta/getMetaData") => Ok(core.with(|ex| wire::metadata_quoted(ex, quote))),
        ("GET", "public/quote/getTicker") => {
            public_market(core, req, now, |ex, m| Ok(json!([wire::ticker(ex, m)])))
        }
        ("GET", "public/quote/getDepth") => {
            let level = match req.query_param("level").unwrap_or("15") {
                "15" => 15,
                "200" => 200,
                other => {
                    return Err(fail(
                        "INVALID_PARAM",
                        format!("level {other} must be 15 or 200"),
                        now,
                    ))
                }
            };
            public_market(core, req, now, |ex, m| {
                Ok(json!([wire::depth(ex, m, level, ex.now_ms)]))
            })
        }
        ("GET", "public/funding/getLatestFundingRate") => public_market(core, req, now, |ex, m| {
            let (rate, start, _) = ex
                .current_funding(VenueKind::Edgex, &m.market_id)
                .map_err(|e| engine_fail(e, now))?;
            Ok(json!([wire::funding_item(ex, m, start, rate, false)]))
        }),
        ("GET", "public/funding/getFundingRatePage") => funding_page(core, req, now),
        ("GET", "private/account/getAccountAsset")
        | ("GET", "private/account/getPositionTransactionPage")
        | ("GET", "private/order/getOrderById")
        | ("GET", "private/order/getOrderByClientOrderId")
        | ("GET", "private/order/getHistoryOrderById")
        | ("GET", "private/order/getHistoryOrderByClientOrderId")
        | ("GET", "private/order/getHistoryOrderPage")
        | ("GET", "private/order/getActiveOrderPage") => {
            let payload = auth::canonical_query(&req.query);
            let account =
                authenticate(core, req, gen, &payload, req.query_param("accountId"), now)?;
            private::get(core, req, gen, endpoint, &account, now)
        }
        ("POST", e) if e.starts_with("private/") => {
            let body: Value = serde_json::from_slice(&req.body)
                .map_err(|e| fail("INVALID_PARAM", format!("body is not JSON: {e}"), now))?;
            let payload = auth::canonical_json(&body);
            let account_id = body.get("accountId").and_then(Value::as_str);
            let account = authenticate(core, req, gen, &payload, account_id, now)?;
            private::post(core, gen, endpoint, &account, &body, now)
        }
        _ => Err(fail(
            "NOT_FOUND",
            format!("{} {} is not served by venue-sim", req.method, req.path),
            now,
        )),
    }
}

fn public_market(
    core: &SimCore,
    req: &SimRequest,
    now: i64,
    f: impl FnOnce(&Exchange, &crate::engine::MarketSpec) -> Reply,
) -> Reply {
    let cid = req
        .query_param("contractId")
        .ok_or_else(|| fail("INVALID_CONTRACT_ID", "contractId is required", now))?
        .to_string();
    core.with(|ex| {
        let m = ex
            .market(VenueKind::Edgex, &cid)
            .map_err(|e| engine_fail(e, now))?
            .clone();
        f(ex, &m)
    })
}

fn funding_page(core: &SimCore, req: &SimRequest, now: i64) -> Reply {
    let size = req
        .query_param("size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let end = req
        .query_param("offsetData")
        .filter(|s| !s.is_empty())
        .or(req.query_param("filterEndTimeExclusive"))
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(i64::MAX);
    let begin = req
        .query_param("filterBeginTimeInclusive")
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    public_market(core, req, now, |ex, m| {
        let hist = ex
            .funding_history(VenueKind::Edgex, &m.market_id, begin, end, size)
            .map_err(|e| engine_fail(e, now))?;
        let mut items: Vec<Value> = hist
            .iter()
            .rev()
            .map(|(t, r)| wire::funding_item(ex, m, *t, *r, true))
            .collect();
        let next = if items.len() == size {
            hist.first().map(|(t, _)| t.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        items.truncate(size);
        Ok(json!({"dataList": items, "nextPageOffsetData": next}))
    })
}

/// Checks the request's auth headers; returns the authenticated account id.
fn authenticate(
    core: &SimCore,
    req: &SimRequest,
    gen: Gen,
    payload: &str,
    account_id: Option<&str>,
    now: i64,
) -> Result<String, Value> {
    let window = i64::try_from(core.options.auth_window.as_millis()).unwrap_or(i64::MAX);
    let ts_header = match gen {
        Gen::V1 => "x-edgex-api-timestamp",
        Gen::V2 => "x-edgex-timestamp",
    };
    let ts_text = req.header(ts_header).ok_or_else(|| {
        fail(
            "AUTH_HEADER_MISSING",
            format!("{ts_header} is required"),
            now,
        )
    })?;
    let ts: i64 = ts_text
        .parse()
        .map_err(|_| fail("AUTH_TIMESTAMP_EXPIRED", "timestamp is not an integer", now))?;
    if (now - ts).abs() > window {
        return Err(fail(
            "AUTH_TIMESTAMP_EXPIRED",
            format!("request timestamp {ts} is outside the allowed window around {now}"),
            now,
        ));
    }
    let content = format!(
        "{ts_text}{}{}{payload}",
        req.method.to_ascii_uppercase(),
        req.path
    );
    match gen {
        Gen::V1 => {
            let account_id = account_id
                .ok_or_else(|| fail("ACCOUNT_NOT_FOUND", "accountId is required", now))?;
            let key = core
                .with(|ex| {
                    ex.account(VenueKind::Edgex, account_id)
                        .map(|a| a.edgex_auth.clone())
                })
                .map_err(|e| engine_fail(e, now))?
                .stark_public_key
                .ok_or_else(|| fail("ACCOUNT_NOT_FOUND", "account has no V1 key", now))?;
            let sig = req.header("x-edgex-api-signature").ok_or_else(|| {
                fail(
                    "AUTH_HEADER_MISSING",
                    "X-edgeX-Api-Signature is required",
                    now,
                )
            })?;
            if auth::verify_stark(&key, &auth::request_message(&content), sig) {
                Ok(account_id.to_string())
            } else {
                Err(fail(
                    "INVALID_SIGNATURE",
                    "request signature does not verify",
                    now,
                ))
            }
        }
        Gen::V2 => {
            let api_key = req
                .header("x-edgex-api-key")
                .ok_or_else(|| fail("AUTH_HEADER_MISSING", "X-edgeX-Api-Key is required", now))?;
            let found = core.with(|ex| {
                ex.accounts
                    .values()
                    .find(|a| {
                        a.venue == VenueKind::Edgex
                            && a.edgex_auth.api_key.as_deref() == Some(api_key)
                    })
                    .map(|a| (a.id.clone(), a.edgex_auth.clone()))
            });
            let (id, auth) =
                found.ok_or_else(|| fail("INVALID_API_KEY", "unknown API key", now))?;
            if req.header("x-edgex-passphrase") != auth.api_passphrase.as_deref() {
                return Err(fail("INVALID_PASSPHRASE", "wrong passphrase", now));
            }
            let secret = auth.api_secret.unwrap_or_default();
            if req.header("x-edgex-signature") != Some(auth::hmac_hex(&secret, &content).as_str()) {
                return Err(fail(
                    "INVALID_SIGNATURE",
                    "request signature does not verify",
                    now,
                ));
            }
            if account_id.is_some_and(|a| a != id) {
                return Err(fail(
                    "ACCOUNT_NOT_FOUND",
                    "accountId is not the API key's account",
                    now,
                ));
            }
            Ok(id)
        }
    }
}
