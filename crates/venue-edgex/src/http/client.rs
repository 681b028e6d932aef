//! The EdgeX REST transport: paths, auth headers, budget, timeouts, retries, envelope checks.
//!
//! Every call takes a token of the account's request budget (`venue-transport`): writes
//! (every POST) are served before reads, and a 429's `Retry-After` pauses both. Reads go
//! through [`EdgexHttpClient::get`] and are retried (bounded, jittered, honouring
//! `Retry-After`) on transport errors, timeouts, 5xx and 429; each attempt is re-signed with a
//! fresh timestamp. Writes ([`EdgexHttpClient::post`], [`EdgexHttpClient::post_signed`]) are
//! sent once: a lost answer is resolved by looking the order up, never by resending.

use super::models::Envelope;
use crate::config::{ApiVersion, EdgexConfig};
use crate::error::{decode_error, map_http_status, map_venue_code, RequestKind};
use crate::signing::auth_v1::{sign_request, V1RequestAuth};
use crate::signing::canonical::{canonical_json, canonical_query};
use crate::signing::hmac_v2::{HmacAuth, V2RequestAuth};
use crate::signing::stark::StarkKey;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;
use venue_api::{Clock, VenueError};
pub use venue_transport::RetryPolicy;
use venue_transport::{backoff_delay, Priority, RequestBudget};

/// How private requests are authenticated.
#[derive(Debug, Clone)]
pub enum RequestSigner {
    /// V1: Stark ECDSA over Keccak.
    V1(StarkKey),
    /// V2: HMAC with the API key triple.
    V2(HmacAuth),
}

/// The auth headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthHeaders {
    /// V1 headers.
    V1(V1RequestAuth),
    /// V2 headers (Debug redacts key and passphrase).
    V2(V2RequestAuth),
}

impl AuthHeaders {
    /// `(name, value)` pairs to send.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        match self {
            AuthHeaders::V1(a) => a.headers().to_vec(),
            AuthHeaders::V2(a) => a.headers().to_vec(),
        }
    }
}

impl RequestSigner {
    /// Signs `METHOD path payload` at `timestamp_ms`.
    pub fn sign(
        &self,
        timestamp_ms: u64,
        method: &str,
        path: &str,
        payload: &str,
    ) -> Result<AuthHeaders, VenueError> {
        match self {
            RequestSigner::V1(key) => Ok(AuthHeaders::V1(sign_request(
                key,
                timestamp_ms,
                method,
                path,
                payload,
            )?)),
            RequestSigner::V2(auth) => Ok(AuthHeaders::V2(auth.sign_request(
                timestamp_ms,
                method,
                path,
                payload,
            ))),
        }
    }
}

/// REST client of one EdgeX account.
#[derive(Debug)]
pub struct EdgexHttpClient {
    http: reqwest::Client,
    base_url: String,
    version: ApiVersion,
    signer: Option<RequestSigner>,
    budget: RequestBudget,
    retry: RetryPolicy,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    /// EdgeX's clock minus ours (ms), measured by [`EdgexHttpClient::measure_clock_offset`]
    /// and added to every signed timestamp.
    offset_ms: std::sync::atomic::AtomicI64,
    /// Rate-limit headers of the last response that carried any.
    rate_limit_headers: std::sync::Mutex<Vec<(String, String)>>,
}

/// Installs the `ring` rustls provider once (the workspace's one TLS stack).
pub fn install_tls_provider() {
    venue_transport::install_tls_provider();
}

impl EdgexHttpClient {
    /// A client for `config`; `signer` is `None` for public data only.
    pub fn new(
        config: &EdgexConfig,
        signer: Option<RequestSigner>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, VenueError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout())
            .connect_timeout(config.request_timeout())
            .user_agent(concat!("venue-edgex/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VenueError::Transport(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            http,
            base_url: config.base_url().to_string(),
            version: config.api_version(),
            signer,
            budget: RequestBudget::new(config.budget()),
            retry: RetryPolicy {
                max_retries: config.max_read_retries(),
                base_delay: config.retry_base_delay(),
                max_delay: config.retry_max_delay(),
            },
            timeout: config.request_timeout(),
            clock,
            offset_ms: std::sync::atomic::AtomicI64::new(0),
            rate_limit_headers: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// `/api/v1/<endpoint>` or `/api/v2/<endpoint>`.
    pub fn path(&self, endpoint: &str) -> String {
        format!(
            "{}/{}",
            self.version.path_prefix(),
            endpoint.trim_start_matches('/')
        )
    }

    /// The request signer, when credentials are configured.
    pub fn signer(&self) -> Option<&RequestSigner> {
        self.signer.as_ref()
    }

    /// Current time in ms on EdgeX's clock: the injected clock plus the measured offset
    /// (0 until measured). Every signed timestamp and order expiry uses it.
    pub fn now_ms(&self) -> u64 {
        let offset = self.offset_ms.load(std::sync::atomic::Ordering::Relaxed);
        u64::try_from(self.clock.now().timestamp_millis().saturating_add(offset)).unwrap_or(0)
    }

    /// The rate-limit headers of the last response that carried any (empty: none seen).
    pub fn rate_limit_headers(&self) -> Vec<(String, String)> {
        self.rate_limit_headers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The offset in force (EdgeX's clock minus ours, ms).
    pub fn clock_offset_ms(&self) -> i64 {
        self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Reads `public/meta/getServerTime` (`timeMillis`, or `serverTime`), sets the offset to
    /// server time minus the midpoint of our send and receive times, and returns it.
    pub async fn measure_clock_offset(&self) -> Result<i64, VenueError> {
        let sent = self.clock.now().timestamp_millis();
        let data = self.get("public/meta/getServerTime", &[], false).await?;
        let received = self.clock.now().timestamp_millis();
        let field = data
            .get("timeMillis")
            .or_else(|| data.get("serverTime"))
            .ok_or_else(|| decode_error("getServerTime: no timeMillis", &data.to_string()))?;
        let server = match field {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
        .ok_or_else(|| {
            decode_error(
                "getServerTime: timeMillis is not an integer",
                &data.to_string(),
            )
        })?;
        let offset = server - (sent + (received - sent) / 2);
        self.offset_ms
            .store(offset, std::sync::atomic::Ordering::Relaxed);
        Ok(offset)
    }

    fn require_signer(&self) -> Result<&RequestSigner, VenueError> {
        self.signer
            .as_ref()
            .ok_or_else(|| VenueError::Auth("EdgeX credentials are not configured".to_string()))
    }

    /// A GET of `endpoint` (retried per policy). `private` adds auth headers.
    pub async fn get(
        &self,
        endpoint: &str,
        query: &[(&str, String)],
        private: bool,
    ) -> Result<Value, VenueError> {
        let path = self.path(endpoint);
        let mut attempt = 0;
        loop {
            let headers = if private {
                let payload = canonical_query(query);
                Some(
                    self.require_signer()?
                        .sign(self.now_ms(), "GET", &path, &payload)?,
                )
            } else {
                None
            };
            match self
                .send(Method::GET, &path, query, None, headers.as_ref())
                .await
            {
                Err(e) if e.is_retryable() && attempt < self.retry.max_retries => {
                    let wait = backoff_delay(
                        attempt,
                        self.retry.base_delay,
                        self.retry.max_delay,
                        e.retry_after(),
                    );
                    tracing::debug!(%path, attempt, ?wait, error = %e, "retrying EdgeX read");
                    self.clock.sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// A private POST with a JSON body of strings; sent once.
    pub async fn post(
        &self,
        endpoint: &str,
        body: Map<String, Value>,
    ) -> Result<Value, VenueError> {
        let path = self.path(endpoint);
        let body = Value::Object(body);
        let headers =
            self.require_signer()?
                .sign(self.now_ms(), "POST", &path, &canonical_json(&body))?;
        self.send(
            Method::POST,
            &path,
            &[],
            Some(body.to_string()),
            Some(&headers),
        )
        .await
    }

    /// A POST whose body and headers were prepared (and signed) earlier; sent once.
    pub async fn post_signed(
        &self,
        path: &str,
        body: String,
        headers: &AuthHeaders,
    ) -> Result<Value, VenueError> {
        self.send(Method::POST, path, &[], Some(body), Some(headers))
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
        auth: Option<&AuthHeaders>,
    ) -> Result<Value, VenueError> {
        // order sends (every POST here) go ahead of reads in the venue's budget
        let priority = if method == Method::GET {
            Priority::Read
        } else {
            Priority::Write
        };
        self.budget.acquire(priority).await;
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.base_url))
            .map_err(|e| VenueError::InvalidRequest(format!("bad EdgeX URL: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in auth.map(AuthHeaders::pairs).unwrap_or_default() {
            let value = HeaderValue::from_str(&value)
                .map_err(|_| VenueError::Auth(format!("{name} is not a valid header value")))?;
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| VenueError::Auth(format!("bad header name {name}")))?;
            headers.insert(name, value);
        }
        let mut request = self
            .http
            .request(method.clone(), url)
            .headers(headers)
            .timeout(self.timeout);
        if let Some(body) = body {
            request = request.body(body);
        }
        tracing::debug!(%method, path, "EdgeX request");
        let response = match tokio::time::timeout(self.timeout, request.send()).await {
            Err(_) => return Err(VenueError::Timeout(self.timeout)),
            Ok(Err(e)) if e.is_timeout() => return Err(VenueError::Timeout(self.timeout)),
            Ok(Err(e)) => return Err(VenueError::Transport(e.without_url().to_string())),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let seen = venue_transport::rate_limit_headers(
            response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_bytes())),
        );
        if !seen.is_empty() {
            *self
                .rate_limit_headers
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = seen;
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match tokio::time::timeout(self.timeout, response.text()).await {
            Err(_) => return Err(VenueError::Timeout(self.timeout)),
            Ok(Err(e)) => return Err(VenueError::Transport(e.without_url().to_string())),
            Ok(Ok(t)) => t,
        };
        tracing::debug!(%method, path, status = status.as_u16(), raw_body = %text, "EdgeX response");
        if status == StatusCode::TOO_MANY_REQUESTS {
            // honour Retry-After for every later request of this account, writes included
            self.budget
                .pause(
                    retry_after.unwrap_or(self.retry.base_delay),
                    self.retry.max_delay,
                )
                .await;
        }
        if status != StatusCode::OK {
            // every POST of this adapter changes state (create, cancel, leverage)
            let kind = if method == Method::GET {
                RequestKind::Read
            } else {
                RequestKind::Write
            };
            return Err(map_http_status(status.as_u16(), retry_after, &text, kind));
        }
        let envelope: Envelope = serde_json::from_str(&text)
            .map_err(|e| decode_error(format!("{path}: not an EdgeX envelope: {e}"), &text))?;
        match envelope.code.as_deref() {
            Some("SUCCESS") => Ok(envelope.data),
            Some(code) => Err(map_venue_code(
                code,
                envelope.msg.as_deref(),
                envelope.error_param.as_ref(),
            )),
            None => Err(decode_error(
                format!("{path}: envelope without code"),
                &text,
            )),
        }
    }
}

/// Decodes `data` into `T`, keeping the raw data for the DEBUG log on failure.
pub fn decode_data<T: serde::de::DeserializeOwned>(
    what: &str,
    data: Value,
) -> Result<T, VenueError> {
    serde_json::from_value::<T>(data.clone())
        .map_err(|e| decode_error(format!("{what}: {e}"), &data.to_string()))
}

/// `data` that must be an array: its first element.
pub fn first_of_array<T: serde::de::DeserializeOwned>(
    what: &str,
    data: Value,
) -> Result<Option<T>, VenueError> {
    let mut items: Vec<T> = decode_data(what, data)?;
    Ok(if items.is_empty() {
        None
    } else {
        Some(items.swap_remove(0))
    })
}
