//! The `venue_api::Venue` implementation of [`LighterVenue`]: reads map wire data through
//! `http::parse`; writes sign through the venue's signer and nonce manager.

use super::{LighterPreparedOrder, LighterVenue, TxPlan, VENUE_ID};
use crate::error::from_scaling;
use crate::http::parse;
use crate::orders::build_create_order;
use crate::signing::scaling::imf_from_leverage;
use crate::signing::tx::{TxAttributes, UpdateLeverage, ATTR_CANCEL_ALL_MARKET};
use crate::signing::{
    CancelAllMode, CancelAllOrders, CancelOrder, MarginModeCode, NonceGuard, TxBody,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};
use venue_api::{
    Balance, BookSnapshot, ClientOrderId, FundingPayment, FundingPoint, FundingRate,
    LeverageSetting, MarginMode, MarketFeed, MarketInfo, OrderAck, OrderRequest, OrderStatus,
    Position, PreparedOrder, PublicTrade, TopOfBook, Venue, VenueCapabilities, VenueError,
};

/// Pause before reading a leverage change back (the sequencer applies it within this).
const LEVERAGE_SETTLE: Duration = Duration::from_millis(300);

/// Hours of `/fundings` the `funding()` fallback reads (the newest row is the current rate).
const FALLBACK_WINDOW_HOURS: u32 = 3;
/// Longest funding history served (hours).
const MAX_HISTORY_HOURS: usize = 500;
/// Rows per `/fundings` call: the venue caps a call at 100 rows and excludes the end
/// timestamp (nautilus_trader's Lighter client, cited in findings/live-lighter.md row 12), so
/// windows are at most 99 hours.
const FUNDINGS_WINDOW_HOURS: u32 = 99;

impl LighterVenue {
    /// Settled hourly fundings of the last `hours` hours, newest first: windows of at most
    /// [`FUNDINGS_WINDOW_HOURS`] hours walking back from now, each asking for as many rows as
    /// it holds hours, so that `count_back` (documented as counting "starting from
    /// `start_timestamp`") cannot hand back an old row as the newest.
    pub(crate) async fn settled_fundings(
        &self,
        spec: &crate::http::parse::MarketSpec,
        hours: u32,
    ) -> Result<Vec<crate::http::models::Funding>, VenueError> {
        const HOUR_MS: i64 = 3_600_000;
        let mut end = self.now_ms() + 1;
        let mut left = hours.max(1);
        let mut rows = Vec::new();
        while left > 0 {
            let span = left.min(FUNDINGS_WINDOW_HOURS);
            let start = end - i64::from(span) * HOUR_MS;
            let r = self
                .http
                .fundings(u32::from(spec.market_index), start, end, span + 1)
                .await?;
            rows.extend(r.fundings.into_iter().filter(|f| {
                let ts = parse::timestamp_ms(f.timestamp);
                ts >= start && ts < end
            }));
            end = start;
            left -= span;
        }
        rows.sort_by_key(|f| std::cmp::Reverse(parse::timestamp_ms(f.timestamp)));
        rows.dedup_by_key(|f| parse::timestamp_ms(f.timestamp));
        Ok(rows)
    }

    /// Settled hourly fundings with a timestamp in `[from_ms, to_ms)`, oldest first: windows
    /// of at most [`FUNDINGS_WINDOW_HOURS`] hours walking forward from `from_ms`, each asking
    /// for one row more than it holds hours (whichever end `count_back` counts from, the
    /// window's rows all fit), each call through the request budget.
    pub(crate) async fn fundings_between(
        &self,
        spec: &crate::http::parse::MarketSpec,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<crate::http::models::Funding>, VenueError> {
        const HOUR_MS: i64 = 3_600_000;
        let mut start = from_ms;
        let mut rows = Vec::new();
        while start < to_ms {
            let end = to_ms.min(start + i64::from(FUNDINGS_WINDOW_HOURS) * HOUR_MS);
            let hours = u32::try_from((end - start + HOUR_MS - 1).div_euclid(HOUR_MS))
                .unwrap_or(FUNDINGS_WINDOW_HOURS);
            let r = self
                .http
                .fundings(u32::from(spec.market_index), start, end, hours + 1)
                .await?;
            rows.extend(r.fundings.into_iter().filter(|f| {
                let ts = parse::timestamp_ms(f.timestamp);
                ts >= start && ts < end
            }));
            start = end;
        }
        rows.sort_by_key(|f| parse::timestamp_ms(f.timestamp));
        rows.dedup_by_key(|f| parse::timestamp_ms(f.timestamp));
        Ok(rows)
    }
}

/// Largest timestamp the `fundings` endpoint accepts (ms).
const MAX_TIMESTAMP_MS: i64 = 5_000_000_000_000;

/// The window in milliseconds, validated against what `fundings` accepts.
fn window_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(i64, i64), VenueError> {
    let (f, t) = (from.timestamp_millis(), to.timestamp_millis());
    for (name, v, at) in [("from", f, from), ("to", t, to)] {
        if !(0..=MAX_TIMESTAMP_MS).contains(&v) {
            return Err(VenueError::InvalidRequest(format!(
                "funding history {name} {at} is outside what fundings accepts (0..=5e12 ms)"
            )));
        }
    }
    if f >= t {
        return Err(VenueError::InvalidRequest(format!(
            "funding history window from {from} is not before to {to}"
        )));
    }
    Ok((f, t))
}

#[async_trait]
impl Venue for LighterVenue {
    fn id(&self) -> &'static str {
        VENUE_ID
    }

    fn display_name(&self) -> &'static str {
        "Lighter"
    }

    fn capabilities(&self) -> VenueCapabilities {
        VenueCapabilities {
            settle_grace: Duration::from_secs(3),
            bulk_funding: true,
            native_ioc: true,
        }
    }

    async fn market(&self, symbol: &str) -> Result<MarketInfo, VenueError> {
        Ok(self.market_spec(symbol).await?.info)
    }

    async fn markets(&self) -> Result<Vec<MarketInfo>, VenueError> {
        Ok(self
            .market_map()
            .await?
            .into_values()
            .map(|s| s.info)
            .collect())
    }

    async fn top_of_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        let spec = self.market_spec(symbol).await?;
        if let Some(cache) = self.book_cache(spec.market_index) {
            if let Some(top) = cache.top(spec.market_index, self.clock.now()) {
                return Ok(top);
            }
        }
        self.rest_top_of_book(&spec).await
    }

    async fn book(&self, symbol: &str, depth: usize) -> Result<BookSnapshot, VenueError> {
        self.depth_snapshot(symbol, depth).await
    }

    async fn recent_trades(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<PublicTrade>, VenueError> {
        self.public_trades(symbol, limit).await
    }

    async fn market_feed(&self, symbol: &str, depth: usize) -> Result<MarketFeed, VenueError> {
        self.start_market_feed(symbol, depth).await
    }

    async fn funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        // The current rate, from the same source as `funding_rates`, so that `funding` and
        // `funding_all` always agree (EdgeX's `funding` is its current period's rate too).
        // Only when the venue publishes no current rate for this market is the last settled
        // hourly rate used; a failed request is an error, not a silent switch of source.
        match self.funding_rates(&[symbol.to_string()]).await?.pop() {
            Some((_, Ok(rate))) => return Ok(rate),
            Some((_, Err(VenueError::Unavailable(_)))) => {}
            Some((_, Err(e))) => return Err(e),
            None => {}
        }
        let spec = self.market_spec(symbol).await?;
        // the last settled hourly rate: a short window ending now, newest row taken
        let points = self.settled_fundings(&spec, FALLBACK_WINDOW_HOURS).await?;
        let last = points.first().ok_or_else(|| VenueError::Decode {
            reason: format!(
                "no funding entries for {symbol} in the last {FALLBACK_WINDOW_HOURS} hours"
            ),
            raw_body: String::new(),
        })?;
        parse::funding_rate(last)
    }

    async fn funding_rates(
        &self,
        symbols: &[String],
    ) -> Result<Vec<(String, Result<FundingRate, VenueError>)>, VenueError> {
        let markets = self.market_map().await?;
        let all = self.http.funding_rates().await?;
        // Lighter settles every hour on the hour: the current rate is paid at the next one.
        let next = parse::next_hour(self.clock.now());
        Ok(symbols
            .iter()
            .map(|s| {
                let key = s.to_ascii_uppercase();
                let result = match markets.get(&key) {
                    None => Err(VenueError::UnknownMarket(key.clone())),
                    Some(spec) => all
                        .funding_rates
                        .iter()
                        .find(|e| {
                            e.exchange == "lighter" && e.market_id == u32::from(spec.market_index)
                        })
                        .map(|e| {
                            parse::bulk_funding_rate(e).map(|r| FundingRate {
                                next_funding_time: next,
                                ..r
                            })
                        })
                        .unwrap_or_else(|| {
                            Err(VenueError::Unavailable(format!(
                                "no current funding rate for {key}"
                            )))
                        }),
                };
                (s.clone(), result)
            })
            .collect())
    }

    async fn funding_history(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let hours = u32::try_from(limit.clamp(1, MAX_HISTORY_HOURS)).unwrap_or(1);
        let rows = self.settled_fundings(&spec, hours).await?;
        let mut points = rows
            .iter()
            .map(parse::funding_point)
            .collect::<Result<Vec<_>, _>>()?;
        points.truncate(limit);
        Ok(points)
    }

    async fn funding_history_between(
        &self,
        symbol: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        let (from_ms, to_ms) = window_ms(from, to)?;
        let spec = self.market_spec(symbol).await?;
        self.fundings_between(&spec, from_ms, to_ms)
            .await?
            .iter()
            .map(parse::funding_point)
            .collect()
    }

    async fn funding_payments(
        &self,
        symbol: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<FundingPayment>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let idx = self.account_index()?;
        let token = self.auth_token().await?;
        let r = self
            .http
            .position_funding(idx, u32::from(spec.market_index), 100, &token)
            .await?;
        let mut out = Vec::new();
        for p in r
            .position_fundings
            .iter()
            .filter(|p| p.market_id == u32::from(spec.market_index))
        {
            let time = parse::timestamp(p.timestamp)?;
            if since.is_none_or(|s| time >= s) {
                out.push(FundingPayment {
                    time,
                    amount: parse::dec("change", &p.change)?,
                });
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.time));
        Ok(out)
    }

    async fn balance(&self) -> Result<Balance, VenueError> {
        if let Some(b) = self
            .stream
            .as_ref()
            .and_then(|c| c.balance(self.clock.now()))
        {
            return Ok(b);
        }
        let mmf = self.maintenance_fractions().await;
        parse::balance(&self.account().await?, &|m| mmf.get(&m).copied())
    }

    async fn positions(&self) -> Result<Vec<Position>, VenueError> {
        let mmf = self.maintenance_fractions().await;
        let account = self.account().await?;
        let mut out = Vec::new();
        for p in &account.positions {
            if let Some(pos) = parse::position(p, mmf.get(&p.market_id).copied())? {
                out.push(pos);
            }
        }
        Ok(out)
    }

    async fn position(&self, symbol: &str) -> Result<Option<Position>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let account = self.account().await?;
        match account
            .positions
            .iter()
            .find(|p| p.market_id == u32::from(spec.market_index))
        {
            Some(p) => parse::position(p, spec.info.maintenance_margin_fraction),
            None => Ok(None),
        }
    }

    async fn leverage(&self, symbol: &str) -> Result<LeverageSetting, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let account = self.account().await?;
        let entry = account
            .positions
            .iter()
            .find(|p| p.market_id == u32::from(spec.market_index));
        if let Some(p) = entry {
            let imf = p
                .initial_margin_fraction
                .as_deref()
                .map(|s| parse::dec("initial_margin_fraction", s))
                .transpose()?;
            if let Some(leverage) = imf.and_then(crate::signing::scaling::leverage_from_imf_percent)
            {
                return Ok(LeverageSetting {
                    leverage,
                    margin_mode: if p.margin_mode == Some(1) {
                        MarginMode::Isolated
                    } else {
                        MarginMode::Cross
                    },
                    explicitly_set: true,
                });
            }
        }
        let default = spec
            .info
            .default_leverage
            .ok_or_else(|| VenueError::Decode {
                reason: format!("{symbol}: no leverage reported and no market default"),
                raw_body: String::new(),
            })?;
        Ok(LeverageSetting {
            leverage: default,
            margin_mode: MarginMode::Cross,
            explicitly_set: false,
        })
    }

    async fn set_leverage(&self, symbol: &str, leverage: u32) -> Result<(), VenueError> {
        let spec = self.market_spec(symbol).await?;
        let imf = imf_from_leverage(leverage).map_err(from_scaling)?;
        if let Some(min) = spec.min_imf {
            if u32::from(imf) < min {
                return Err(VenueError::InvalidRequest(format!(
                    "{leverage}x exceeds the maximum leverage of {symbol} ({})",
                    spec.info
                        .max_leverage
                        .map(|m| m.to_string())
                        .unwrap_or_default()
                )));
            }
        }
        let body = TxBody::UpdateLeverage(UpdateLeverage {
            market_index: spec.market_index,
            initial_margin_fraction: imf,
            margin_mode: MarginModeCode::Cross,
        });
        let plan = TxPlan {
            body,
            attributes: TxAttributes::none(),
            expires_at_ms: None,
        };
        self.sign_and_send(plan.clone()).await?;
        // The sequencer may drop a tx after HTTP 200 without executing it or consuming its
        // nonce (DOCS troubleshooting). Read the leverage back once after a short pause; if it
        // did not take, resync the nonce and send once more. UpdateLeverage is idempotent, so
        // resending a tx that was only slow is harmless. A failed read leaves the decision to
        // the caller's own read-back.
        tokio::time::sleep(LEVERAGE_SETTLE).await;
        match self.leverage(symbol).await {
            Ok(l) if l.leverage != rust_decimal::Decimal::from(leverage) => {
                tracing::warn!(target: "venue_lighter", %symbol, wanted = leverage, read = %l.leverage, "leverage did not take after HTTP 200; resending once");
                self.nonces.invalidate().await;
                self.sign_and_send(plan).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }

    async fn prepare_order(&self, request: &OrderRequest) -> Result<PreparedOrder, VenueError> {
        let started = Instant::now();
        let signer = self.signer()?;
        let spec = self.market_spec(&request.symbol).await?;
        let order = build_create_order(request, &spec, self.now_ms())?;
        let plan = TxPlan {
            body: TxBody::CreateOrder(order),
            attributes: TxAttributes::none(),
            expires_at_ms: request.expires_at.map(|t| t.timestamp_millis()),
        };
        let nonce = self.allocate_nonce(signer).await?;
        let signed = match self.sign_body(signer, nonce, &plan) {
            Ok(s) => s,
            Err(e) => {
                self.nonces.release(nonce).await;
                return Err(e);
            }
        };
        let guard = NonceGuard::new(self.nonces.clone(), nonce);
        // What --dry-run shows: the exact signed transaction (no secret in it).
        let preview = format!(
            "Lighter POST /api/v1/sendTx tx_type={} tx_info={}",
            signed.tx_type, signed.tx_info
        );
        let payload = LighterPreparedOrder {
            signed,
            market_index: spec.market_index,
            plan,
            guard,
        };
        Ok(PreparedOrder::new(
            VENUE_ID,
            request.clone(),
            self.clock.now(),
            started.elapsed(),
            payload,
        )
        .with_preview(preview))
    }

    async fn submit_order(&self, order: PreparedOrder) -> Result<OrderAck, VenueError> {
        if order.request().time_in_force == venue_api::TimeInForce::PostOnly {
            // only against a fresh stream book: never a REST read in the order path;
            // dropping the unsent order's nonce guard releases its nonce
            if let Some(top) = self.fresh_stream_top(&order.request().symbol).await {
                if let Some(e) = order.request().post_only_cross(&top) {
                    return Err(e);
                }
            }
        }
        let (request, payload) = order.into_payload::<LighterPreparedOrder>(VENUE_ID)?;
        let LighterPreparedOrder {
            signed,
            guard,
            plan,
            ..
        } = payload;
        // from here on `send_signed` settles the nonce whatever happens
        guard.consume();
        let hash = self.send_with_nonce_retry(&signed, &plan).await?;
        Ok(OrderAck {
            client_id: request.client_id,
            venue_order_id: None,
            tx_hash: Some(hash),
        })
    }

    async fn cancel_order(&self, symbol: &str, client_id: ClientOrderId) -> Result<(), VenueError> {
        let spec = self.market_spec(symbol).await?;
        let body = TxBody::CancelOrder(CancelOrder {
            market_index: spec.market_index,
            index: client_id.get(),
        });
        self.sign_and_send(TxPlan {
            body,
            attributes: TxAttributes::none(),
            expires_at_ms: None,
        })
        .await
        .map(|_| ())
    }

    async fn cancel_all(&self, symbol: &str) -> Result<(), VenueError> {
        let spec = self.market_spec(symbol).await?;
        let body = TxBody::CancelAllOrders(CancelAllOrders {
            mode: CancelAllMode::Immediate,
            time: 0,
        });
        let attributes =
            TxAttributes::none().with(ATTR_CANCEL_ALL_MARKET, u64::from(spec.market_index));
        self.sign_and_send(TxPlan {
            body,
            attributes,
            expires_at_ms: None,
        })
        .await
        .map(|_| ())
    }

    async fn order_status(
        &self,
        symbol: &str,
        client_id: ClientOrderId,
    ) -> Result<Option<OrderStatus>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        self.find_order(&spec, client_id).await
    }

    async fn open_orders(&self, symbol: &str) -> Result<Vec<OrderStatus>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let idx = self.account_index()?;
        let token = self.auth_token().await?;
        let r = self
            .http
            .active_orders(idx, u32::from(spec.market_index), &token)
            .await?;
        // orders placed elsewhere (the UI) carry client_order_index 0: not ours, skipped
        r.orders
            .iter()
            .filter(|o| {
                let ours = o.client_order_index > 0;
                if !ours {
                    tracing::warn!(target: "venue_lighter", order_index = o.order_index, "open order without a client order index (not ours)");
                }
                ours
            })
            .map(|o| parse::order_status_in(o, &spec.info))
            .collect()
    }

    async fn resync(&self) -> Result<(), VenueError> {
        // Another process (or a tx the sequencer refused after HTTP 200) may have moved the
        // nonce: the next allocation fetches it afresh from the venue.
        self.nonces.invalidate().await;
        // A wrong or rotated key must fail here, before the other leg is sent.
        self.check_api_key_once().await
    }
}
