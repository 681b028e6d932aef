//! Orders: validate and sign before sending (`prepare`), transmit once (`submit`), cancel,
//! and read back by client order id.
//!
//! The client order id sent to EdgeX is the decimal text of [`ClientOrderId`]; the order nonce
//! is derived from it, so the same id always yields the same nonce and a lost answer is
//! resolved with [`EdgexVenue::status_by_client_id`], never by resending.

use super::{EdgexVenue, OrderSigner, VENUE_ID};
use crate::config::ApiVersion;
use crate::http::client::{decode_data, AuthHeaders, RequestSigner};
use crate::http::models::{CreateOrderData, OrderItem, Page};
use crate::http::parse;
use crate::http::parse::ContractEntry;
use crate::signing::order_v1::sign_order_v1;
use crate::signing::order_v2::sign_order_v2;
use crate::signing::{EdgexTimeInForce, OrderFields};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use venue_api::{
    ClientOrderId, MarketStatus, OrderAck, OrderRequest, OrderStatus, PreparedOrder, Side,
    TimeInForce, VenueError,
};

/// A signed createOrder request, ready to send as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgexOrderPayload {
    /// Request path (`/api/v1/private/order/createOrder`).
    pub path: String,
    /// Exact JSON body.
    pub body: String,
    /// Auth headers, signed with the order's timestamp.
    pub auth: AuthHeaders,
    /// Contract id.
    pub contract_id: String,
    /// Client order id as sent.
    pub client_order_id: String,
}

fn wire_tif(tif: TimeInForce) -> Result<EdgexTimeInForce, VenueError> {
    match tif {
        TimeInForce::ImmediateOrCancel => Ok(EdgexTimeInForce::ImmediateOrCancel),
        TimeInForce::GoodTilCancel => Ok(EdgexTimeInForce::GoodTilCancel),
        TimeInForce::PostOnly => Ok(EdgexTimeInForce::PostOnly),
        TimeInForce::GoodTilTime(_) => Err(VenueError::Unsupported(
            "EdgeX orders expire on the protocol's own schedule; use GTC or IOC".into(),
        )),
    }
}

/// How far back a V2 lookup of an order without a known order id scans the history.
pub const HISTORY_LOOKBACK: std::time::Duration = std::time::Duration::from_secs(6 * 3600);
/// At most this many history pages (of 100) per lookup.
const HISTORY_MAX_PAGES: usize = 5;
/// Order ids remembered from acks (cleared when full; a miss only widens the lookup).
const KNOWN_ORDER_IDS: usize = 4096;

/// An order list in `data`: null, an array, or a page with `dataList`.
fn decode_items(endpoint: &str, data: Value) -> Result<Vec<OrderItem>, VenueError> {
    if data.is_null() {
        return Ok(Vec::new());
    }
    if data.get("dataList").is_some() {
        return Ok(decode_data::<Page<OrderItem>>(endpoint, data)?.data_list);
    }
    decode_data(endpoint, data)
}

/// Maps one `cancelResultMap` value (GO openapi `CancelOrderByClientOrderId`). The trait's
/// contract: cancelling an order that is already final is `Ok`. `SUCCESS*`, an order already
/// filled and an order not found (nothing resting under that id) are `Ok` (logged); any other
/// `FAILED_*` is `Rejected` with the code. An absent entry is `Ok` (the envelope said SUCCESS).
pub(crate) fn cancel_result(client_id: ClientOrderId, result: &str) -> Result<(), VenueError> {
    match result {
        "" | "SUCCESS" | "SUCCESS_ORDER_CANCELING" | "SUCCESS_ORDER_CANCELED" => {
            tracing::debug!(%client_id, result, "EdgeX cancel result");
            Ok(())
        }
        "FAILED_ORDER_FILLED" | "FAILED_ORDER_NOT_FOUND" => {
            tracing::info!(%client_id, result, "EdgeX cancel: nothing left to cancel");
            Ok(())
        }
        other => Err(VenueError::Rejected {
            code: other.to_string(),
            message: format!("cancel of client order {client_id} refused"),
        }),
    }
}

/// A 404 (endpoint or order absent) on a lookup is a definite "not found".
fn is_not_found(e: &VenueError) -> bool {
    matches!(e, VenueError::Rejected { code, .. } if code == "HTTP_404")
}

/// `price` kept inside `oracle × (1 ± ratio)`, rounded on the tick grid towards the oracle.
pub(crate) fn band_price(
    side: Side,
    price: Decimal,
    oracle: Decimal,
    ratio: Decimal,
    tick: Decimal,
) -> Decimal {
    if tick <= Decimal::ZERO {
        return price;
    }
    match side {
        Side::Buy => {
            let cap = ((oracle * (Decimal::ONE + ratio)) / tick).floor() * tick;
            price.min(cap)
        }
        Side::Sell => {
            let floor = ((oracle * (Decimal::ONE - ratio)) / tick).ceil() * tick;
            price.max(floor)
        }
    }
}

fn on_grid(value: Decimal, grid: Decimal) -> bool {
    grid > Decimal::ZERO && (value % grid).is_zero()
}

impl EdgexVenue {
    pub(crate) async fn prepare(
        &self,
        request: &OrderRequest,
    ) -> Result<PreparedOrder, VenueError> {
        self.config
            .require_trading_credentials()
            .map_err(|e| VenueError::Auth(e.to_string()))?;
        let cat = self.catalog_with(&request.symbol).await?;
        let entry = cat.entry(&request.symbol)?;
        let info = &entry.info;
        match info.status {
            MarketStatus::Inactive => {
                return Err(VenueError::InvalidRequest(format!(
                    "{} is not trading",
                    request.symbol
                )));
            }
            MarketStatus::ReduceOnly if !request.reduce_only => {
                return Err(VenueError::InvalidRequest(format!(
                    "{} accepts reduce-only orders only",
                    request.symbol
                )));
            }
            _ => {}
        }
        if request.size <= Decimal::ZERO || request.price <= Decimal::ZERO {
            return Err(VenueError::InvalidRequest(
                "size and price must be positive".into(),
            ));
        }
        if !on_grid(request.size, info.step_size) {
            return Err(VenueError::InvalidRequest(format!(
                "size {} is not a multiple of step {}",
                request.size, info.step_size
            )));
        }
        if !on_grid(request.price, info.tick_size) {
            return Err(VenueError::InvalidRequest(format!(
                "price {} is not a multiple of tick {}",
                request.price, info.tick_size
            )));
        }
        // A reduce-only order may be below the minimum: it can only shrink a position, and
        // refusing it would leave a dust residual that can never be closed or unwound.
        if !request.reduce_only && request.size < info.min_size {
            return Err(VenueError::InvalidRequest(format!(
                "size {} below minimum {}",
                request.size, info.min_size
            )));
        }
        if let Some(max) = entry.contract.max_order_size.filter(|m| *m > Decimal::ZERO) {
            if request.size > max {
                return Err(VenueError::InvalidRequest(format!(
                    "size {} above maximum {max}",
                    request.size
                )));
            }
        }
        let price = self.inside_oracle_band(request, entry).await;
        let fields = OrderFields {
            account_id: self.account_id()?,
            side: request.side,
            size: request.size,
            price,
            client_order_id: request.client_id.to_string(),
            time_in_force: wire_tif(request.time_in_force)?,
            reduce_only: request.reduce_only,
            now_ms: self.http.now_ms(),
            expire_at_ms: match request.expires_at {
                None => None,
                Some(t) => Some(u64::try_from(t.timestamp_millis()).map_err(|_| {
                    VenueError::InvalidRequest(format!("expires_at {t} is before 1970"))
                })?),
            },
        };
        let path = self.http.path("private/order/createOrder");
        let started = std::time::Instant::now();
        let (body, auth) = match (&self.order_signer, self.http.signer()) {
            (Some(OrderSigner::V1(key)), _) => {
                let params = cat.v1_params(entry)?;
                let signed = sign_order_v1(key, &params, &fields)?;
                let auth = signed.request_auth(key, &path)?;
                (signed.body, AuthHeaders::V1(auth))
            }
            (Some(OrderSigner::V2(key)), Some(RequestSigner::V2(hmac))) => {
                let params = cat.v2_params(entry)?;
                let signed = sign_order_v2(key, &params, &fields)?;
                let auth = signed.request_auth(hmac, &path);
                (signed.body, AuthHeaders::V2(auth))
            }
            _ => {
                return Err(VenueError::Auth(
                    "EdgeX trading credentials are not configured".into(),
                ))
            }
        };
        let signing_time = started.elapsed();
        let payload = EdgexOrderPayload {
            path,
            body: Value::Object(body).to_string(),
            auth,
            contract_id: info.market_id.0.clone(),
            client_order_id: fields.client_order_id,
        };
        // What --dry-run shows: the exact signed request (no secret in it).
        let preview = format!("EdgeX POST {} {}", payload.path, payload.body);
        let mut sent = request.clone();
        sent.price = price;
        Ok(
            PreparedOrder::new(VENUE_ID, sent, self.clock.now(), signing_time, payload)
                .with_preview(preview),
        )
    }

    /// The order's price kept inside the contract's oracle band (DOC:915-916: a buy at most
    /// `oracle × (1 + maxOrderBuyPriceRatio)`, a sell at least `oracle × (1 −
    /// minOrderSellPriceRatio)`), on the tick grid towards the oracle. EdgeX refuses an order
    /// outside the band after the other venue's leg may have filled; pulling an aggressive
    /// limit back inside keeps it executable. When the contract has no ratios or the oracle
    /// cannot be read, the price is kept (the venue still enforces its band).
    async fn inside_oracle_band(&self, request: &OrderRequest, entry: &ContractEntry) -> Decimal {
        let c = &entry.contract;
        let ratio = match request.side {
            Side::Buy => c.max_order_buy_price_ratio,
            Side::Sell => c.min_order_sell_price_ratio,
        };
        let Some(ratio) = ratio.filter(|r| *r > Decimal::ZERO) else {
            return request.price;
        };
        let oracle = match self.ticker(&entry.info.market_id.0).await {
            Ok(t) => t.oracle_price.filter(|p| *p > Decimal::ZERO),
            Err(e) => {
                tracing::warn!(symbol = %request.symbol, error = %e, "EdgeX oracle price unreadable; price band not checked before sending");
                None
            }
        };
        let Some(oracle) = oracle else {
            return request.price;
        };
        let clamped = band_price(
            request.side,
            request.price,
            oracle,
            ratio,
            entry.info.tick_size,
        );
        if clamped != request.price {
            tracing::warn!(symbol = %request.symbol, side = ?request.side, asked = %request.price, sent = %clamped, %oracle, %ratio, "EdgeX price pulled inside the oracle band");
        }
        clamped
    }

    pub(crate) async fn submit(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        if order.request().time_in_force == venue_api::TimeInForce::PostOnly {
            // only against a fresh stream book: never a REST read in the order path (without
            // one the venue cancels a crossing post-only; `order_status` shows it Canceled)
            if let Some(top) = self.fresh_stream_top(&order.request().symbol).await {
                if let Some(e) = order.request().post_only_cross(&top) {
                    return Err(e);
                }
            }
        }
        let (request, payload) = order.into_payload::<EdgexOrderPayload>(VENUE_ID)?;
        let data = self
            .http
            .post_signed(&payload.path, payload.body, &payload.auth)
            .await?;
        let created: CreateOrderData = decode_data("createOrder", data)?;
        if let Some(id) = created.order_id.as_deref() {
            self.remember_order_id(request.client_id, id);
        }
        Ok(OrderAck {
            client_id: request.client_id,
            venue_order_id: created.order_id,
            tx_hash: None,
        })
    }

    pub(crate) async fn cancel_by_client_id(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<(), VenueError> {
        self.catalog_with(symbol).await?;
        let mut body = Map::new();
        body.insert(
            "accountId".into(),
            Value::String(self.account_id()?.to_string()),
        );
        body.insert(
            "clientOrderIdList".into(),
            Value::Array(vec![Value::String(client_id.to_string())]),
        );
        let data = self
            .http
            .post("private/order/cancelOrderByClientOrderId", body)
            .await?;
        let result = data
            .get("cancelResultMap")
            .and_then(|m| m.get(client_id.to_string()))
            .and_then(Value::as_str)
            .unwrap_or("");
        cancel_result(client_id, result)
    }

    pub(crate) async fn cancel_all_in(&self, symbol: &str) -> Result<(), VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let mut body = Map::new();
        body.insert(
            "accountId".into(),
            Value::String(self.account_id()?.to_string()),
        );
        body.insert(
            "filterContractIdList".into(),
            Value::Array(vec![Value::String(cid)]),
        );
        self.http
            .post("private/order/cancelAllOrder", body)
            .await
            .map(|_| ())
    }

    async fn orders_by_client_id(
        &self,
        endpoint: &str,
        client_id: ClientOrderId,
    ) -> Result<Vec<OrderItem>, VenueError> {
        let query = [
            ("accountId", self.account_id()?.to_string()),
            ("clientOrderIdList", client_id.to_string()),
        ];
        let data = self.http.get(endpoint, &query, true).await?;
        decode_items(endpoint, data)
    }

    /// An order by client id, on both generations, through endpoints that exist:
    /// `getOrderByClientOrderId` first; then V1 `getHistoryOrderByClientOrderId`, V2
    /// `getHistoryOrderPage` (V2 removed the history-by-client-id endpoint,
    /// `CHANGELOG_API_V2.md` §2.1) filtered by the order id from our ack when we have one,
    /// else scanned over [`HISTORY_LOOKBACK`] of the contract. `Ok(None)` is a definite
    /// "not found" (an empty answer or a 404 of the fallback), not an error.
    pub(crate) async fn status_by_client_id(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let contract_id = cat.entry(symbol)?.info.market_id.0.clone();
        let wanted = client_id.to_string();
        let find = |items: &[OrderItem]| {
            items
                .iter()
                .find(|o| o.client_order_id.as_deref() == Some(wanted.as_str()))
                .map(|item| parse::order_status(item, client_id))
                .transpose()
        };
        let active = self
            .orders_by_client_id("private/order/getOrderByClientOrderId", client_id)
            .await?;
        if let Some(found) = find(&active)? {
            return Ok(Some(found));
        }
        let history = match self.api_version() {
            ApiVersion::V1 => {
                self.orders_by_client_id("private/order/getHistoryOrderByClientOrderId", client_id)
                    .await
            }
            ApiVersion::V2 => self.history_page_scan(&contract_id, client_id).await,
        };
        match history {
            Ok(items) => find(&items),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// V2: finished orders of one contract from `getHistoryOrderPage`, by order id when our
    /// ack gave one, otherwise the pages created within [`HISTORY_LOOKBACK`] (bounded).
    async fn history_page_scan(
        &self,
        contract_id: &str,
        client_id: ClientOrderId,
    ) -> Result<Vec<OrderItem>, VenueError> {
        const ENDPOINT: &str = "private/order/getHistoryOrderPage";
        let account = self.account_id()?.to_string();
        let known_order_id = self.known_order_id(client_id);
        let since_ms = self
            .http
            .now_ms()
            .saturating_sub(u64::try_from(HISTORY_LOOKBACK.as_millis()).unwrap_or(u64::MAX));
        let wanted = client_id.to_string();
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..HISTORY_MAX_PAGES {
            let mut query = vec![
                ("accountId", account.clone()),
                ("size", "100".to_string()),
                ("filterContractIdList", contract_id.to_string()),
            ];
            match &known_order_id {
                Some(id) => query.push(("filterOrderIdList", id.clone())),
                None => query.push(("filterStartCreatedTimeInclusive", since_ms.to_string())),
            }
            if let Some(c) = &cursor {
                query.push(("offsetData", c.clone()));
            }
            let data = self.http.get(ENDPOINT, &query, true).await?;
            let cursor_next = data
                .get("nextPageOffsetData")
                .and_then(Value::as_str)
                .filter(|c| !c.is_empty())
                .map(str::to_string);
            let items = decode_items(ENDPOINT, data)?;
            let done = items.is_empty()
                || items
                    .iter()
                    .any(|o| o.client_order_id.as_deref() == Some(wanted.as_str()));
            out.extend(items);
            cursor = cursor_next;
            if done || cursor.is_none() {
                break;
            }
        }
        Ok(out)
    }

    /// Remembers the venue order id of an acknowledged order (for V2 history lookups).
    fn remember_order_id(&self, client_id: ClientOrderId, order_id: &str) {
        let mut ids = self.order_ids.lock().unwrap_or_else(|p| p.into_inner());
        if ids.len() >= KNOWN_ORDER_IDS {
            ids.clear();
        }
        ids.insert(client_id, order_id.to_string());
    }

    fn known_order_id(&self, client_id: ClientOrderId) -> Option<String> {
        self.order_ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&client_id)
            .cloned()
    }

    pub(crate) async fn active_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let account = self.account_id()?.to_string();
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let mut query = vec![
                ("accountId", account.clone()),
                ("size", "100".to_string()),
                ("filterContractIdList", cid.clone()),
            ];
            if let Some(c) = &cursor {
                query.push(("offsetData", c.clone()));
            }
            let data = self
                .http
                .get("private/order/getActiveOrderPage", &query, true)
                .await?;
            let page: Page<OrderItem> = decode_data("getActiveOrderPage", data)?;
            for item in &page.data_list {
                if item.contract_id.as_deref() != Some(cid.as_str()) {
                    continue;
                }
                match item
                    .client_order_id
                    .as_deref()
                    .and_then(|c| c.parse::<u64>().ok())
                    .and_then(ClientOrderId::new)
                {
                    Some(id) => out.push(parse::order_status(item, id)?),
                    None => {
                        tracing::warn!(order_id = ?item.id, "EdgeX open order without a numeric client id (not ours)")
                    }
                }
            }
            cursor = page.next_page_offset_data.filter(|c| !c.is_empty());
            if cursor.is_none() || page.data_list.is_empty() {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn band_price_table() {
        let cases = [
            // side, asked, oracle, ratio, tick, sent
            (
                Side::Buy,
                dec!(110),
                dec!(100),
                dec!(0.05),
                dec!(0.1),
                dec!(105.0),
            ),
            (
                Side::Buy,
                dec!(104),
                dec!(100),
                dec!(0.05),
                dec!(0.1),
                dec!(104),
            ),
            (
                Side::Buy,
                dec!(200),
                dec!(100.03),
                dec!(0.05),
                dec!(0.1),
                dec!(105.0),
            ),
            (
                Side::Sell,
                dec!(90),
                dec!(100),
                dec!(0.05),
                dec!(0.1),
                dec!(95.0),
            ),
            (
                Side::Sell,
                dec!(96),
                dec!(100),
                dec!(0.05),
                dec!(0.1),
                dec!(96),
            ),
            (
                Side::Sell,
                dec!(1),
                dec!(100.03),
                dec!(0.05),
                dec!(0.1),
                dec!(95.1),
            ),
        ];
        for (side, asked, oracle, ratio, tick, sent) in cases {
            assert_eq!(
                band_price(side, asked, oracle, ratio, tick),
                sent,
                "{side:?} {asked}"
            );
        }
    }

    #[test]
    fn cancel_result_table() {
        let id = ClientOrderId::new(7).unwrap_or_else(|| unreachable!());
        for ok in [
            "",
            "SUCCESS",
            "SUCCESS_ORDER_CANCELING",
            "SUCCESS_ORDER_CANCELED",
            "FAILED_ORDER_FILLED",
            "FAILED_ORDER_NOT_FOUND",
        ] {
            assert_eq!(cancel_result(id, ok), Ok(()), "{ok}");
        }
        assert!(matches!(
            cancel_result(id, "FAILED_UNKNOWN"),
            Err(VenueError::Rejected { code, .. }) if code == "FAILED_UNKNOWN"
        ));
    }
}
