//! The REST transport: one `reqwest` client (rustls with the `ring` provider), a timeout on
//! every call, the account's request budget with write priority (`venue-transport`: sendTx,
//! sendTxBatch and the nonce read go ahead of polls; a 429's `Retry-After` pauses both),
//! jittered retries for reads, and never a blind retry of a write. Raw bodies are logged
//! only at DEBUG.

use super::models::{
    AccountResponse, ApiKeysResponse, Envelope, FundingRatesResponse, FundingsResponse,
    NextNonceResponse, OrderBookDetailsResponse, OrderBookOrdersResponse, OrderBooksResponse,
    OrdersResponse, PositionFundingResponse, SendTxBatchResponse, SendTxResponse,
};
use crate::config::LighterConfig;
use crate::error::{classify, classify_request, RequestKind};
use crate::signing::SignedTx;
use serde::de::DeserializeOwned;
use std::time::Duration;
use venue_api::VenueError;
use venue_transport::{backoff_delay, BudgetConfig, Priority, RequestBudget};

/// Tunables of the transport (defaults suit production; tests shorten the delays).
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Timeout of one request (connect + answer).
    pub timeout: Duration,
    /// Extra attempts for a read after a transport error, 5xx or 429.
    pub read_retries: u32,
    /// First backoff delay; doubles per attempt, with up to 50 % random jitter.
    pub retry_base_delay: Duration,
    /// Requests per minute for this client.
    pub requests_per_minute: u32,
}

impl HttpSettings {
    /// From the adapter config.
    pub fn from_config(config: &LighterConfig) -> Self {
        Self {
            timeout: config.request_timeout,
            read_retries: 3,
            retry_base_delay: Duration::from_millis(250),
            requests_per_minute: config.requests_per_minute,
        }
    }
}

/// Low-level REST client of one Lighter endpoint.
#[derive(Debug)]
pub struct LighterHttpClient {
    client: reqwest::Client,
    base_url: String,
    settings: HttpSettings,
    budget: RequestBudget,
    /// Rate-limit headers of the last response that carried any.
    rate_limit_headers: std::sync::Mutex<Vec<(String, String)>>,
    /// `volume_quota_remaining` of the last sendTx answer ([`NO_QUOTA`] = none seen yet).
    volume_quota: std::sync::atomic::AtomicI64,
}

/// No volume quota seen yet.
const NO_QUOTA: i64 = i64::MIN;
/// Below this many remaining sendTx the quota is logged as a warning.
pub const LOW_VOLUME_QUOTA: i64 = 20;

/// Installs rustls' `ring` provider as the process default (the workspace's one TLS stack,
/// `venue-transport`).
pub fn install_tls_provider() {
    venue_transport::install_tls_provider();
}

/// The former name of [`LighterHttpClient`].
pub type LighterHttp = LighterHttpClient;

/// Longest wait between read retries (also caps a 429's `Retry-After`).
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);

impl LighterHttpClient {
    /// A client for `base_url`.
    pub fn new(base_url: &str, settings: HttpSettings) -> Result<Self, VenueError> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("venue-lighter/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VenueError::Transport(format!("cannot build HTTP client: {e}")))?;
        let budget = RequestBudget::new(BudgetConfig {
            per_minute: settings.requests_per_minute,
            ..BudgetConfig::LIGHTER_STANDARD
        });
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
            settings,
            budget,
            rate_limit_headers: std::sync::Mutex::new(Vec::new()),
            volume_quota: std::sync::atomic::AtomicI64::new(NO_QUOTA),
        })
    }

    /// Replaces the request budget (the venue sets the write reserve from its config).
    pub fn with_budget(mut self, budget: BudgetConfig) -> Self {
        self.budget = RequestBudget::new(budget);
        self
    }

    /// The rate-limit headers of the last response that carried any (empty: none seen),
    /// followed by `volume_quota_remaining` of the last sendTx answer once one was seen
    /// (Lighter reports the sendTx quota in the body, not in headers).
    pub fn rate_limit_headers(&self) -> Vec<(String, String)> {
        let mut out = self
            .rate_limit_headers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(q) = self.volume_quota_remaining() {
            out.push(("volume_quota_remaining".to_string(), q.to_string()));
        }
        out
    }

    /// What the last sendTx answer said is left of the account's volume quota.
    pub fn volume_quota_remaining(&self) -> Option<i64> {
        let q = self.volume_quota.load(std::sync::atomic::Ordering::Acquire);
        (q != NO_QUOTA).then_some(q)
    }

    fn note_volume_quota(&self, remaining: Option<i64>) {
        let Some(q) = remaining else { return };
        self.volume_quota
            .store(q, std::sync::atomic::Ordering::Release);
        if q < LOW_VOLUME_QUOTA {
            tracing::warn!(target: "venue_lighter", volume_quota_remaining = q, "Lighter sendTx volume quota is low: txs will be refused when it is used up");
        } else {
            tracing::debug!(target: "venue_lighter", volume_quota_remaining = q, "volume quota");
        }
    }

    /// The budget figures in force.
    pub fn budget(&self) -> BudgetConfig {
        self.budget.config()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends once and interprets the answer.
    async fn execute<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
        kind: RequestKind,
        priority: Priority,
    ) -> Result<T, VenueError> {
        self.budget.acquire(priority).await;
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                VenueError::Timeout(self.settings.timeout)
            } else {
                VenueError::Transport(format!("{what}: {}", without_url(&e)))
            }
        })?;
        let status = resp.status().as_u16();
        let seen = venue_transport::rate_limit_headers(
            resp.headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes())),
        );
        if !seen.is_empty() {
            *self
                .rate_limit_headers
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = seen;
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = resp.text().await.map_err(|e| {
            if e.is_timeout() {
                VenueError::Timeout(self.settings.timeout)
            } else {
                VenueError::Transport(format!("{what}: reading body: {}", without_url(&e)))
            }
        })?;
        tracing::debug!(target: "venue_lighter::http", %what, status, body = %body, "response");
        if status == 429 {
            // honour Retry-After for every later request of this account, writes included
            self.budget
                .pause(
                    retry_after.unwrap_or(self.settings.retry_base_delay),
                    MAX_RETRY_WAIT,
                )
                .await;
        }
        interpret_request(status, &body, retry_after, what, kind)
    }

    /// GET with retries on transient failures (a read's share of the budget).
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        auth: Option<&str>,
    ) -> Result<T, VenueError> {
        self.get_as(path, query, auth, Priority::Read).await
    }

    /// [`LighterHttpClient::get`] with an explicit budget priority.
    async fn get_as<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        auth: Option<&str>,
        priority: Priority,
    ) -> Result<T, VenueError> {
        let mut attempt = 0u32;
        loop {
            let mut req = self.client.get(self.url(path)).query(query);
            if let Some(token) = auth {
                req = req.header("authorization", token);
            }
            match self
                .execute::<T>(req, path, RequestKind::Read, priority)
                .await
            {
                Ok(v) => return Ok(v),
                Err(e) if e.is_retryable() && attempt < self.settings.read_retries => {
                    let backoff = backoff_delay(
                        attempt,
                        self.settings.retry_base_delay,
                        MAX_RETRY_WAIT,
                        e.retry_after(),
                    );
                    tracing::info!(target: "venue_lighter::http", %path, attempt, error = %e, ?backoff, "retrying read");
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// POST a form once (writes are never retried here).
    pub async fn post_form<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> Result<T, VenueError> {
        let req = self.client.post(self.url(path)).form(form);
        self.execute(req, path, RequestKind::Write, Priority::Write)
            .await
    }

    // ---- endpoints -------------------------------------------------------------------

    /// `GET /api/v1/orderBooks`.
    pub async fn order_books(&self) -> Result<OrderBooksResponse, VenueError> {
        self.get("/api/v1/orderBooks", &[], None).await
    }

    /// `GET /api/v1/orderBookDetails`.
    pub async fn order_book_details(
        &self,
        market_id: Option<u32>,
    ) -> Result<OrderBookDetailsResponse, VenueError> {
        let q: Vec<(&str, String)> = market_id
            .map(|m| vec![("market_id", m.to_string())])
            .unwrap_or_default();
        self.get("/api/v1/orderBookDetails", &q, None).await
    }

    /// `GET /api/v1/orderBookOrders` (REST fallback for the top of book).
    pub async fn order_book_orders(
        &self,
        market_id: u32,
        limit: u32,
    ) -> Result<OrderBookOrdersResponse, VenueError> {
        let q = [
            ("market_id", market_id.to_string()),
            ("limit", limit.to_string()),
        ];
        self.get("/api/v1/orderBookOrders", &q, None).await
    }

    /// `GET /api/v1/recentTrades` (public; `limit` 1..=100).
    pub async fn recent_trades(
        &self,
        market_id: u32,
        limit: u32,
    ) -> Result<super::models::RecentTradesResponse, VenueError> {
        let q = [
            ("market_id", market_id.to_string()),
            ("limit", limit.to_string()),
        ];
        self.get("/api/v1/recentTrades", &q, None).await
    }

    /// `GET /api/v1/nextNonce`.
    pub async fn next_nonce(
        &self,
        account_index: i64,
        api_key_index: u8,
    ) -> Result<i64, VenueError> {
        let q = [
            ("account_index", account_index.to_string()),
            ("api_key_index", api_key_index.to_string()),
        ];
        // the nonce read precedes a tx: it takes the write share of the budget
        let r: NextNonceResponse = self
            .get_as("/api/v1/nextNonce", &q, None, Priority::Write)
            .await?;
        Ok(r.nonce)
    }

    /// `GET /api/v1/account?by=index`.
    pub async fn account(&self, account_index: i64) -> Result<AccountResponse, VenueError> {
        let q = [
            ("by", "index".to_string()),
            ("value", account_index.to_string()),
        ];
        self.get("/api/v1/account", &q, None).await
    }

    /// `GET /api/v1/apikeys`.
    pub async fn api_keys(
        &self,
        account_index: i64,
        api_key_index: u8,
    ) -> Result<ApiKeysResponse, VenueError> {
        let q = [
            ("account_index", account_index.to_string()),
            ("api_key_index", api_key_index.to_string()),
        ];
        self.get("/api/v1/apikeys", &q, None).await
    }

    /// `GET /api/v1/accountActiveOrders` (auth).
    pub async fn active_orders(
        &self,
        account_index: i64,
        market_id: u32,
        auth: &str,
    ) -> Result<OrdersResponse, VenueError> {
        let q = [
            ("account_index", account_index.to_string()),
            ("market_id", market_id.to_string()),
        ];
        self.get("/api/v1/accountActiveOrders", &q, Some(auth))
            .await
    }

    /// `GET /api/v1/accountInactiveOrders` (auth), newest first.
    pub async fn inactive_orders(
        &self,
        account_index: i64,
        market_id: u32,
        limit: u32,
        auth: &str,
    ) -> Result<OrdersResponse, VenueError> {
        let q = [
            ("account_index", account_index.to_string()),
            ("market_id", market_id.to_string()),
            ("limit", limit.to_string()),
        ];
        self.get("/api/v1/accountInactiveOrders", &q, Some(auth))
            .await
    }

    /// `GET /api/v1/accountOrders?client_order_indexes=` (auth): orders by client order
    /// index, one request, "the last 10K active orders or the last 1K inactive orders (in the
    /// last 24 hours)" (SDK 1.1.8 `order_api.py` `account_orders`; at most 20 ids).
    pub async fn orders_by_client_index(
        &self,
        account_index: i64,
        client_order_indexes: &[u64],
        auth: &str,
    ) -> Result<OrdersResponse, VenueError> {
        if client_order_indexes.is_empty() || client_order_indexes.len() > 20 {
            return Err(VenueError::InvalidRequest(format!(
                "accountOrders takes 1..=20 client order indexes, got {}",
                client_order_indexes.len()
            )));
        }
        let ids = client_order_indexes
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let q = [
            ("account_index", account_index.to_string()),
            ("client_order_indexes", ids),
        ];
        self.get("/api/v1/accountOrders", &q, Some(auth)).await
    }

    /// `GET /api/v1/fundings` (timestamps in ms).
    pub async fn fundings(
        &self,
        market_id: u32,
        start_ms: i64,
        end_ms: i64,
        count_back: u32,
    ) -> Result<FundingsResponse, VenueError> {
        let q = [
            ("market_id", market_id.to_string()),
            ("resolution", "1h".to_string()),
            ("start_timestamp", start_ms.to_string()),
            ("end_timestamp", end_ms.to_string()),
            ("count_back", count_back.to_string()),
        ];
        self.get("/api/v1/fundings", &q, None).await
    }

    /// `GET /api/v1/funding-rates` (all markets, one request).
    pub async fn funding_rates(&self) -> Result<FundingRatesResponse, VenueError> {
        self.get("/api/v1/funding-rates", &[], None).await
    }

    /// `GET /api/v1/positionFunding` (auth; `market_ids` is a comma-separated list).
    pub async fn position_funding(
        &self,
        account_index: i64,
        market_id: u32,
        limit: u32,
        auth: &str,
    ) -> Result<PositionFundingResponse, VenueError> {
        let q = [
            ("account_index", account_index.to_string()),
            ("market_ids", market_id.to_string()),
            ("limit", limit.to_string()),
        ];
        self.get("/api/v1/positionFunding", &q, Some(auth)).await
    }

    /// `POST /api/v1/sendTx`; returns the server's tx hash.
    pub async fn send_tx(&self, tx: &SignedTx) -> Result<String, VenueError> {
        tracing::debug!(target: "venue_lighter::http", tx_type = tx.tx_type, tx_info = %tx.tx_info, "sendTx");
        let form = [
            ("tx_type", tx.tx_type.to_string()),
            ("tx_info", tx.tx_info.clone()),
        ];
        let r: SendTxResponse = self.post_form("/api/v1/sendTx", &form).await?;
        self.note_volume_quota(r.volume_quota_remaining);
        Ok(r.tx_hash)
    }

    /// `POST /api/v1/sendTxBatch` (up to 50 txs, consecutive nonces of one key).
    pub async fn send_tx_batch(&self, txs: &[SignedTx]) -> Result<Vec<String>, VenueError> {
        if txs.is_empty() || txs.len() > 50 {
            return Err(VenueError::InvalidRequest(format!(
                "a batch holds 1..=50 txs, got {}",
                txs.len()
            )));
        }
        let types: Vec<u8> = txs.iter().map(|t| t.tx_type).collect();
        let infos: Vec<&str> = txs.iter().map(|t| t.tx_info.as_str()).collect();
        let encode = |e: serde_json::Error| VenueError::InvalidRequest(e.to_string());
        let form = [
            ("tx_types", serde_json::to_string(&types).map_err(encode)?),
            ("tx_infos", serde_json::to_string(&infos).map_err(encode)?),
        ];
        let r: SendTxBatchResponse = self.post_form("/api/v1/sendTxBatch", &form).await?;
        self.note_volume_quota(r.volume_quota_remaining);
        Ok(r.tx_hash)
    }
}

/// reqwest errors print the URL; ours carry no secrets in URLs, but keep messages short.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "");
    }
    s
}

/// Interprets status + body of a read: errors by status and `code`, then the typed payload.
pub fn interpret<T: DeserializeOwned>(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    what: &str,
) -> Result<T, VenueError> {
    interpret_request(status, body, retry_after, what, RequestKind::Read)
}

/// [`interpret`] for a request of `kind` (a 5xx without a venue code on a write is
/// outcome-unknown).
pub fn interpret_request<T: DeserializeOwned>(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    what: &str,
    kind: RequestKind,
) -> Result<T, VenueError> {
    let envelope: Option<Envelope> = serde_json::from_str(body).ok();
    let (code, message) = match &envelope {
        Some(e) => (e.code, e.message.clone().unwrap_or_default()),
        None => (None, String::new()),
    };
    if !(200..300).contains(&status) {
        if status == 429 || status >= 500 || envelope.is_some() {
            return Err(classify_request(status, code, &message, retry_after, kind));
        }
        return Err(classify(
            status,
            None,
            &format!("HTTP {status}"),
            retry_after,
        ));
    }
    match code {
        Some(200) | None if envelope.is_some() => {}
        Some(c) => return Err(classify(status, Some(c), &message, retry_after)),
        None => {
            return Err(VenueError::Decode {
                reason: format!("{what}: body is not JSON"),
                raw_body: body.to_string(),
            })
        }
    }
    serde_json::from_str(body).map_err(|e| VenueError::Decode {
        reason: format!("{what}: {e}"),
        raw_body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpret_table() {
        let ok: Result<NextNonceResponse, _> =
            interpret(200, r#"{"code":200,"nonce":7}"#, None, "t");
        assert_eq!(ok.map(|r| r.nonce), Ok(7));
        let bad: Result<NextNonceResponse, _> = interpret(200, "<html>", None, "t");
        assert!(matches!(bad, Err(VenueError::Decode { .. })));
        let missing: Result<NextNonceResponse, _> = interpret(200, r#"{"code":200}"#, None, "t");
        assert!(matches!(missing, Err(VenueError::Decode { .. })));
        let code: Result<NextNonceResponse, _> = interpret(
            200,
            r#"{"code":21104,"message":"invalid nonce"}"#,
            None,
            "t",
        );
        assert!(crate::error::is_nonce_error(&code.unwrap_err()));
        let html502: Result<NextNonceResponse, _> =
            interpret(502, "<html>bad gateway</html>", None, "t");
        assert!(matches!(html502, Err(VenueError::Unavailable(_))));
        let sig: Result<NextNonceResponse, _> = interpret(
            400,
            r#"{"code":21120,"message":"invalid signature"}"#,
            None,
            "t",
        );
        assert!(matches!(sig, Err(VenueError::Auth(_))));
    }
}
