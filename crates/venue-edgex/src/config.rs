//! Configuration of the EdgeX adapter: endpoints, account, API generation and credentials.
//!
//! Built from environment-style variables by [`EdgexConfig::from_lookup`] (the caller passes
//! the lookup, so tests never touch the process environment), or from explicit values by
//! [`EdgexConfig::new`] and the `with_*` builders (tests, simulator).
//!
//! Contract kept by this module:
//! * empty or whitespace-only values count as unset;
//! * missing credentials are not an error here (read-only commands need none): trading code
//!   calls [`EdgexConfig::require_trading_credentials`] before it signs anything;
//! * the API generation follows from the credentials present or from `EDGEX_API_VERSION`;
//!   a contradiction, an ambiguity or a half-filled V2 set is an error;
//! * every error is one line naming the variable; non-secret values are quoted, secrets never.

use std::fmt;
use std::time::Duration;
use venue_api::Secret;

/// Variable: REST base URL.
pub const ENV_BASE_URL: &str = "EDGEX_BASE_URL";
/// Variable: WebSocket base URL.
pub const ENV_WS_URL: &str = "EDGEX_WS_URL";
/// Variable: the EdgeX account id (an integer).
pub const ENV_ACCOUNT_ID: &str = "EDGEX_ACCOUNT_ID";
/// Variable: `v1` or `v2`.
pub const ENV_API_VERSION: &str = "EDGEX_API_VERSION";
/// `on` (default) / `off`: top of book from the depth WebSocket.
pub const ENV_BOOK_STREAM: &str = "EDGEX_BOOK_STREAM";
/// This process's share of the account's request budget, percent (1..=100).
pub const ENV_REQUEST_SHARE: &str = "EDGEX_REQUEST_SHARE";
/// Variable: V1 Stark private key (hex).
pub const ENV_STARK_PRIVATE_KEY: &str = "EDGEX_STARK_PRIVATE_KEY";
/// Variable: V2 API key.
pub const ENV_API_KEY: &str = "EDGEX_API_KEY";
/// Variable: V2 API passphrase.
pub const ENV_API_PASSPHRASE: &str = "EDGEX_API_PASSPHRASE";
/// Variable: V2 API secret.
pub const ENV_API_SECRET: &str = "EDGEX_API_SECRET";
/// Variable: V2 trading (Ethereum, secp256k1) private key (hex).
pub const ENV_TRADING_PRIVATE_KEY: &str = "EDGEX_TRADING_PRIVATE_KEY";

/// The four V2 variables, in the order they are reported.
const V2_VARS: [&str; 4] = [
    ENV_API_KEY,
    ENV_API_PASSPHRASE,
    ENV_API_SECRET,
    ENV_TRADING_PRIVATE_KEY,
];

/// Default V1 REST base.
pub const DEFAULT_BASE_URL_V1: &str = "https://pro.edgex.exchange";
/// Default V1 WebSocket base.
pub const DEFAULT_WS_URL_V1: &str = "wss://quote.edgex.exchange";
/// Default V2 REST base (spec appendix B).
pub const DEFAULT_BASE_URL_V2: &str = "https://edgex-prod-v2.edgex.exchange";
/// Default V2 WebSocket base (spec appendix B).
pub const DEFAULT_WS_URL_V2: &str = "wss://edgex-quote-prod-v2.edgex.exchange";

/// EdgeX API generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// Stark-key request auth and StarkEx order signatures, paths `/api/v1/...`.
    V1,
    /// HMAC API-key request auth and EIP-712 order signatures, paths `/api/v2/...`.
    V2,
}

impl ApiVersion {
    /// The path prefix of every REST call (`/api/v1` or `/api/v2`).
    pub fn path_prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/v1",
            ApiVersion::V2 => "/api/v2",
        }
    }

    /// Default REST base URL of this generation.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ApiVersion::V1 => DEFAULT_BASE_URL_V1,
            ApiVersion::V2 => DEFAULT_BASE_URL_V2,
        }
    }

    /// Default WebSocket base URL of this generation.
    pub fn default_ws_url(self) -> &'static str {
        match self {
            ApiVersion::V1 => DEFAULT_WS_URL_V1,
            ApiVersion::V2 => DEFAULT_WS_URL_V2,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "v1" | "1" => Some(ApiVersion::V1),
            "v2" | "2" => Some(ApiVersion::V2),
            _ => None,
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiVersion::V1 => "v1",
            ApiVersion::V2 => "v2",
        })
    }
}

/// V1 credentials: the Stark private key (hex, `0x` optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Credentials {
    /// Stark private key.
    pub stark_private_key: Secret,
}

/// V2 credentials: the API key triple for HMAC request auth and the trading key for EIP-712.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V2Credentials {
    /// API key (`X-edgeX-Api-Key`).
    pub api_key: Secret,
    /// API passphrase (`X-edgeX-Passphrase`).
    pub api_passphrase: Secret,
    /// API secret (HMAC key material).
    pub api_secret: Secret,
    /// Ethereum private key that signs orders (hex, `0x` optional).
    pub trading_private_key: Secret,
}

/// Credentials of one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgexCredentials {
    /// V1: Stark key.
    V1(V1Credentials),
    /// V2: API key triple + trading key.
    V2(V2Credentials),
}

impl EdgexCredentials {
    /// The generation these credentials belong to.
    pub fn api_version(&self) -> ApiVersion {
        match self {
            EdgexCredentials::V1(_) => ApiVersion::V1,
            EdgexCredentials::V2(_) => ApiVersion::V2,
        }
    }
}

/// A configuration error: one line naming the variable (and the value unless it is secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EdgexConfigError {
    /// A non-secret variable has a value that cannot be used.
    /// Example: `EDGEX_ACCOUNT_ID="abc"` is not an integer.
    #[error("{var}={value:?} is invalid: {reason}")]
    InvalidValue {
        /// The variable.
        var: &'static str,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },

    /// A secret variable is malformed; its value is never shown.
    /// Example: `EDGEX_STARK_PRIVATE_KEY` contains a non-hex character.
    #[error("{var} is invalid (value hidden): {reason}")]
    InvalidSecret {
        /// The variable.
        var: &'static str,
        /// Why it is refused.
        reason: String,
    },

    /// `EDGEX_API_VERSION` contradicts the credentials present.
    /// Example: `EDGEX_API_VERSION=v2` with only `EDGEX_STARK_PRIVATE_KEY` set.
    #[error("EDGEX_API_VERSION={requested} but {found}")]
    VersionMismatch {
        /// The generation asked for.
        requested: ApiVersion,
        /// What was found instead.
        found: String,
    },

    /// Both a V1 key and V2 credentials are set and nothing says which to use.
    /// Example: an `.env` that carries both sets without `EDGEX_API_VERSION`.
    #[error("both EDGEX_STARK_PRIVATE_KEY (v1) and EDGEX_API_* (v2) credentials are set: set EDGEX_API_VERSION=v1 or v2")]
    AmbiguousVersion,

    /// Some but not all of the V2 variables are set.
    /// Example: `EDGEX_API_KEY` set, `EDGEX_API_SECRET` missing.
    #[error("incomplete EdgeX v2 credentials: missing {}", missing.join(", "))]
    IncompleteV2 {
        /// The V2 variables that are unset.
        missing: Vec<&'static str>,
    },

    /// Trading needs credentials that are not configured.
    /// Example: `EDGEX_ACCOUNT_ID` and `EDGEX_STARK_PRIVATE_KEY` unset when placing an order.
    #[error("EdgeX {version} trading needs {}", missing.join(", "))]
    MissingCredentials {
        /// The generation in force.
        version: ApiVersion,
        /// The variables to set.
        missing: Vec<&'static str>,
    },
}

/// Everything the EdgeX adapter needs to reach one account.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgexConfig {
    api_version: ApiVersion,
    base_url: String,
    ws_url: String,
    account_id: Option<u64>,
    credentials: Option<EdgexCredentials>,
    quote: String,
    request_timeout: Duration,
    max_read_retries: u32,
    requests_per_second: u32,
    request_burst: u32,
    write_reserve: u32,
    book_stream: bool,
    retry_base_delay: Duration,
    retry_max_delay: Duration,
    request_share_pct: Option<u8>,
    max_clock_skew: Duration,
}

impl EdgexConfig {
    /// A configuration from explicit values, without account or credentials (public data
    /// only). `base_url` and `ws_url` are taken as given (trailing `/` removed).
    pub fn new(
        api_version: ApiVersion,
        base_url: impl Into<String>,
        ws_url: impl Into<String>,
    ) -> Self {
        Self {
            api_version,
            base_url: trim_url(base_url.into()),
            ws_url: trim_url(ws_url.into()),
            account_id: None,
            credentials: None,
            quote: "USD".to_string(),
            request_timeout: Duration::from_secs(10),
            max_read_retries: 3,
            requests_per_second: 10,
            request_burst: 20,
            write_reserve: 5,
            book_stream: false,
            retry_base_delay: Duration::from_millis(250),
            retry_max_delay: Duration::from_secs(10),
            request_share_pct: None,
            max_clock_skew: crate::venue::MAX_CLOCK_SKEW,
        }
    }

    /// The default endpoints of a generation, without account or credentials.
    pub fn with_defaults(api_version: ApiVersion) -> Self {
        Self::new(
            api_version,
            api_version.default_base_url(),
            api_version.default_ws_url(),
        )
    }

    /// Sets the account id.
    pub fn with_account_id(mut self, account_id: u64) -> Self {
        self.account_id = Some(account_id);
        self
    }

    /// Sets the credentials; they must belong to the configured generation.
    pub fn with_credentials(
        mut self,
        credentials: EdgexCredentials,
    ) -> Result<Self, EdgexConfigError> {
        let found = credentials.api_version();
        if found != self.api_version {
            return Err(EdgexConfigError::VersionMismatch {
                requested: self.api_version,
                found: format!("{found} credentials were given"),
            });
        }
        self.credentials = Some(credentials);
        Ok(self)
    }

    /// Sets the quote currency the symbols are looked up with (default `USD`).
    pub fn with_quote(mut self, quote: impl Into<String>) -> Self {
        self.quote = quote.into().to_ascii_uppercase();
        self
    }

    /// Sets the deadline of every HTTP call (default 10 s).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how many times a failed read is retried (default 3; orders are never retried).
    pub fn with_max_read_retries(mut self, retries: u32) -> Self {
        self.max_read_retries = retries;
        self
    }

    /// Sets the request budget: sustained requests per second and burst size
    /// (defaults 10/s, burst 20). Values of 0 are raised to 1.
    pub fn with_request_budget(mut self, per_second: u32, burst: u32) -> Self {
        self.requests_per_second = per_second.max(1);
        self.request_burst = burst.max(1);
        self
    }

    /// Sets the first retry backoff and the longest wait (also the cap on `Retry-After`);
    /// defaults 250 ms and 10 s.
    pub fn with_retry_delays(mut self, base: Duration, max: Duration) -> Self {
        self.retry_base_delay = base;
        self.retry_max_delay = max.max(base);
        self
    }

    /// Reads the configuration through `lookup` (e.g. `|k| std::env::var(k).ok()`).
    ///
    /// Missing credentials are fine here; see [`Self::require_trading_credentials`].
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, EdgexConfigError> {
        let get = |var: &str| {
            lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let requested =
            match get(ENV_API_VERSION) {
                None => None,
                Some(text) => Some(ApiVersion::parse(&text).ok_or_else(|| {
                    EdgexConfigError::InvalidValue {
                        var: ENV_API_VERSION,
                        value: text.clone(),
                        reason: "expected v1 or v2".to_string(),
                    }
                })?),
            };

        let stark = get(ENV_STARK_PRIVATE_KEY).map(Secret::new);
        let v2_values: Vec<Option<Secret>> = V2_VARS
            .iter()
            .map(|var| get(var).map(Secret::new))
            .collect();
        let v2_missing: Vec<&'static str> = V2_VARS
            .iter()
            .zip(&v2_values)
            .filter(|(_, v)| v.is_none())
            .map(|(var, _)| *var)
            .collect();
        let v2_any = v2_missing.len() < V2_VARS.len();
        if v2_any && !v2_missing.is_empty() {
            return Err(EdgexConfigError::IncompleteV2 {
                missing: v2_missing,
            });
        }

        let api_version = match (requested, stark.is_some(), v2_any) {
            (Some(ApiVersion::V1), false, true) => {
                return Err(EdgexConfigError::VersionMismatch {
                    requested: ApiVersion::V1,
                    found:
                        "only v2 credentials (EDGEX_API_*) are set, EDGEX_STARK_PRIVATE_KEY is not"
                            .to_string(),
                })
            }
            (Some(ApiVersion::V2), true, false) => return Err(EdgexConfigError::VersionMismatch {
                requested: ApiVersion::V2,
                found:
                    "only the v1 EDGEX_STARK_PRIVATE_KEY is set, not the EDGEX_API_* v2 credentials"
                        .to_string(),
            }),
            (Some(v), _, _) => v,
            (None, true, true) => return Err(EdgexConfigError::AmbiguousVersion),
            (None, false, true) => ApiVersion::V2,
            (None, _, false) => ApiVersion::V1,
        };

        let credentials = match api_version {
            ApiVersion::V1 => match stark {
                Some(key) => {
                    check_hex_secret(ENV_STARK_PRIVATE_KEY, &key, 64)?;
                    Some(EdgexCredentials::V1(V1Credentials {
                        stark_private_key: key,
                    }))
                }
                None => None,
            },
            ApiVersion::V2 => {
                let mut it = v2_values.into_iter().flatten();
                match (it.next(), it.next(), it.next(), it.next()) {
                    (
                        Some(api_key),
                        Some(api_passphrase),
                        Some(api_secret),
                        Some(trading_private_key),
                    ) => {
                        check_hex_secret(ENV_TRADING_PRIVATE_KEY, &trading_private_key, 64)?;
                        Some(EdgexCredentials::V2(V2Credentials {
                            api_key,
                            api_passphrase,
                            api_secret,
                            trading_private_key,
                        }))
                    }
                    _ => None,
                }
            }
        };

        let base_url = match get(ENV_BASE_URL) {
            Some(url) => check_url(ENV_BASE_URL, url, &["http://", "https://"])?,
            None => api_version.default_base_url().to_string(),
        };
        let ws_url = match get(ENV_WS_URL) {
            Some(url) => check_url(ENV_WS_URL, url, &["ws://", "wss://"])?,
            None => api_version.default_ws_url().to_string(),
        };
        let account_id =
            match get(ENV_ACCOUNT_ID) {
                Some(text) => Some(text.parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(
                    || EdgexConfigError::InvalidValue {
                        var: ENV_ACCOUNT_ID,
                        value: text.clone(),
                        reason: "expected a positive integer account id".to_string(),
                    },
                )?),
                None => None,
            };

        let mut config = Self::new(api_version, base_url, ws_url);
        config.account_id = account_id;
        config.credentials = credentials;
        // live default: top of book from the depth WebSocket (REST while it is not ready)
        config.book_stream = match get(ENV_BOOK_STREAM).as_deref() {
            None | Some("1") | Some("true") | Some("on") => true,
            Some("0") | Some("false") | Some("off") => false,
            Some(other) => {
                return Err(EdgexConfigError::InvalidValue {
                    var: ENV_BOOK_STREAM,
                    value: other.to_string(),
                    reason: "expected on or off".to_string(),
                })
            }
        };
        if let Some(v) = get(ENV_REQUEST_SHARE) {
            let pct = venue_transport::parse_share_pct(&v).map_err(|reason| {
                EdgexConfigError::InvalidValue {
                    var: ENV_REQUEST_SHARE,
                    value: v.clone(),
                    reason: reason.to_string(),
                }
            })?;
            config.request_share_pct = Some(pct);
        }
        Ok(config)
    }

    /// The binary's share of the account's request budget (percent), used unless
    /// `EDGEX_REQUEST_SHARE` set one (see `venue_transport::DEFAULT_SHARES`). The venue
    /// counts requests per account, not per process.
    pub fn with_default_request_share(mut self, pct: u8) -> Self {
        self.request_share_pct.get_or_insert(pct.clamp(1, 100));
        self
    }

    /// The share in force (percent; 100 when nothing set one).
    pub fn request_share(&self) -> u8 {
        self.request_share_pct.unwrap_or(100)
    }

    /// Ok when the account id and the credentials of the configured generation are present;
    /// otherwise a one-line error naming every missing variable.
    pub fn require_trading_credentials(&self) -> Result<(), EdgexConfigError> {
        let mut missing = Vec::new();
        if self.account_id.is_none() {
            missing.push(ENV_ACCOUNT_ID);
        }
        if self.credentials.is_none() {
            match self.api_version {
                ApiVersion::V1 => missing.push(ENV_STARK_PRIVATE_KEY),
                ApiVersion::V2 => missing.extend(V2_VARS),
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(EdgexConfigError::MissingCredentials {
                version: self.api_version,
                missing,
            })
        }
    }

    /// The API generation in force.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// REST base URL, without trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// WebSocket base URL, without trailing `/`.
    pub fn ws_url(&self) -> &str {
        &self.ws_url
    }

    /// The account id, when configured.
    pub fn account_id(&self) -> Option<u64> {
        self.account_id
    }

    /// The credentials, when configured.
    pub fn credentials(&self) -> Option<&EdgexCredentials> {
        self.credentials.as_ref()
    }

    /// Quote currency used to look symbols up (`BTC` + `USD` -> `BTCUSD`).
    pub fn quote(&self) -> &str {
        &self.quote
    }

    /// Sets the largest host-clock skew accepted at resync (default
    /// [`MAX_CLOCK_SKEW`](crate::venue::MAX_CLOCK_SKEW), the venue's window). Paper mode at
    /// `--speed N` widens it N times: a real round trip of 20 ms is 72 s of its clock.
    pub fn with_max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Largest host-clock skew accepted at resync.
    pub fn max_clock_skew(&self) -> Duration {
        self.max_clock_skew
    }

    /// Deadline of every HTTP call.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// How many times a failed read is retried.
    pub fn max_read_retries(&self) -> u32 {
        self.max_read_retries
    }

    /// Sustained request budget per second.
    pub fn requests_per_second(&self) -> u32 {
        self.requests_per_second
    }

    /// First retry backoff of reads.
    pub fn retry_base_delay(&self) -> Duration {
        self.retry_base_delay
    }

    /// Longest retry wait (caps `Retry-After` too).
    pub fn retry_max_delay(&self) -> Duration {
        self.retry_max_delay
    }

    /// Burst size of the request budget.
    pub fn request_burst(&self) -> u32 {
        self.request_burst
    }

    /// Whether top of book comes from the depth WebSocket, started lazily on the first read
    /// of a contract, with REST depth while it is not ready or stale. Default: on when read
    /// from the environment (`EDGEX_BOOK_STREAM`, default `on`), off for [`EdgexConfig::new`].
    pub fn book_stream(&self) -> bool {
        self.book_stream
    }

    /// Turns the depth WebSocket on or off.
    pub fn with_book_stream(mut self, on: bool) -> Self {
        self.book_stream = on;
        self
    }

    /// Tokens of the budget reads may not take (kept for order sends; default 5).
    pub fn write_reserve(&self) -> u32 {
        self.write_reserve
    }

    /// Sets the tokens kept for order sends (reads never take them).
    pub fn with_write_reserve(mut self, reserve: u32) -> Self {
        self.write_reserve = reserve;
        self
    }

    /// The request budget in force: `requests_per_second × 60` a minute, the burst, the
    /// write reserve (defaults `venue_transport::BudgetConfig::EDGEX_DEFAULT`), times this
    /// process's [`EdgexConfig::request_share`].
    pub fn budget(&self) -> venue_transport::BudgetConfig {
        venue_transport::BudgetConfig {
            per_minute: self.requests_per_second.saturating_mul(60),
            burst: self.request_burst,
            write_reserve: self.write_reserve,
        }
        .share(self.request_share())
    }
}

fn trim_url(url: String) -> String {
    url.trim().trim_end_matches('/').to_string()
}

fn check_url(var: &'static str, url: String, schemes: &[&str]) -> Result<String, EdgexConfigError> {
    let lower = url.to_ascii_lowercase();
    let ok = schemes
        .iter()
        .any(|s| lower.starts_with(s) && lower.len() > s.len())
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(trim_url(url))
    } else {
        Err(EdgexConfigError::InvalidValue {
            var,
            value: url,
            reason: format!("expected a URL starting with {}", schemes.join(" or ")),
        })
    }
}

/// A private key must be hex (optional `0x`), non-zero, and at most `max_digits` digits.
fn check_hex_secret(
    var: &'static str,
    key: &Secret,
    max_digits: usize,
) -> Result<(), EdgexConfigError> {
    let text = key.expose();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let reason = if digits.is_empty() {
        Some("no hex digits".to_string())
    } else if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some("not a hex string".to_string())
    } else if digits.len() > max_digits {
        Some(format!("longer than {max_digits} hex digits"))
    } else if digits.bytes().all(|b| b == b'0') {
        Some("zero key".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(EdgexConfigError::InvalidSecret { var, reason }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const STARK: &str = "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4";
    const ETH: &str = "0x4ef6aa7ec69806eaf81f5c80239dc599f98ddc84f59dc887156eab79e9b161f5";

    fn load(vars: &[(&str, &str)]) -> Result<EdgexConfig, EdgexConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EdgexConfig::from_lookup(&|k| map.get(k).cloned())
    }

    fn v2_set() -> Vec<(&'static str, &'static str)> {
        vec![
            (ENV_API_KEY, "key-a8e33c94"),
            (ENV_API_PASSPHRASE, "pass-afc6ee6f"),
            (ENV_API_SECRET, "secret-f78047cfd788c7cc"),
            (ENV_TRADING_PRIVATE_KEY, ETH),
        ]
    }

    #[test]
    fn the_request_share_scales_the_budget_and_the_environment_wins() {
        let full = load(&[]).unwrap();
        assert_eq!(full.request_share(), 100);
        assert_eq!(full.budget().per_minute, 600);
        let bot = full.clone().with_default_request_share(50);
        assert_eq!((bot.budget().per_minute, bot.budget().burst), (300, 10));
        let env = load(&[(ENV_REQUEST_SHARE, "30")])
            .unwrap()
            .with_default_request_share(50);
        assert_eq!(env.request_share(), 30);
        assert_eq!(env.budget().per_minute, 180);
        let err = load(&[(ENV_REQUEST_SHARE, "0")]).unwrap_err().to_string();
        assert!(
            err.contains(ENV_REQUEST_SHARE) && err.contains('0'),
            "{err}"
        );
    }

    #[test]
    fn empty_environment_is_v1_public_with_defaults() {
        let c = load(&[]).unwrap();
        assert_eq!(c.api_version(), ApiVersion::V1);
        assert_eq!(c.base_url(), DEFAULT_BASE_URL_V1);
        assert_eq!(c.ws_url(), DEFAULT_WS_URL_V1);
        assert_eq!(c.account_id(), None);
        assert!(c.credentials().is_none());
        let err = c.require_trading_credentials().unwrap_err().to_string();
        assert_eq!(
            err,
            "EdgeX v1 trading needs EDGEX_ACCOUNT_ID, EDGEX_STARK_PRIVATE_KEY"
        );
    }

    #[test]
    fn v1_credentials_select_v1() {
        let c = load(&[
            (ENV_ACCOUNT_ID, "670388375886375217"),
            (ENV_STARK_PRIVATE_KEY, STARK),
        ])
        .unwrap();
        assert_eq!(c.api_version(), ApiVersion::V1);
        assert_eq!(c.account_id(), Some(670388375886375217));
        assert!(matches!(c.credentials(), Some(EdgexCredentials::V1(_))));
        c.require_trading_credentials().unwrap();
    }

    #[test]
    fn v2_credentials_select_v2_and_its_default_urls() {
        let mut vars = v2_set();
        vars.push((ENV_ACCOUNT_ID, "681137948997303239"));
        let c = load(&vars).unwrap();
        assert_eq!(c.api_version(), ApiVersion::V2);
        assert_eq!(c.base_url(), DEFAULT_BASE_URL_V2);
        assert_eq!(c.ws_url(), DEFAULT_WS_URL_V2);
        assert!(matches!(c.credentials(), Some(EdgexCredentials::V2(_))));
        c.require_trading_credentials().unwrap();
    }

    #[test]
    fn explicit_version_without_credentials() {
        let c = load(&[(ENV_API_VERSION, "V2")]).unwrap();
        assert_eq!(c.api_version(), ApiVersion::V2);
        assert_eq!(c.base_url(), DEFAULT_BASE_URL_V2);
        let err = c.require_trading_credentials().unwrap_err().to_string();
        assert_eq!(
            err,
            "EdgeX v2 trading needs EDGEX_ACCOUNT_ID, EDGEX_API_KEY, EDGEX_API_PASSPHRASE, EDGEX_API_SECRET, EDGEX_TRADING_PRIVATE_KEY"
        );
    }

    #[test]
    fn explicit_version_picks_one_of_two_full_sets() {
        let mut vars = v2_set();
        vars.push((ENV_STARK_PRIVATE_KEY, STARK));
        assert_eq!(load(&vars).unwrap_err(), EdgexConfigError::AmbiguousVersion);
        vars.push((ENV_API_VERSION, "v1"));
        let c = load(&vars).unwrap();
        assert!(matches!(c.credentials(), Some(EdgexCredentials::V1(_))));
    }

    #[test]
    fn mismatches_are_errors() {
        let err = load(&[(ENV_API_VERSION, "v2"), (ENV_STARK_PRIVATE_KEY, STARK)]).unwrap_err();
        assert!(
            matches!(
                err,
                EdgexConfigError::VersionMismatch {
                    requested: ApiVersion::V2,
                    ..
                }
            ),
            "{err}"
        );
        let mut vars = v2_set();
        vars.push((ENV_API_VERSION, "v1"));
        let err = load(&vars).unwrap_err();
        assert!(
            matches!(
                err,
                EdgexConfigError::VersionMismatch {
                    requested: ApiVersion::V1,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().starts_with("EDGEX_API_VERSION=v1 but"),
            "{err}"
        );
    }

    #[test]
    fn half_filled_v2_names_the_missing_variables() {
        let err = load(&[(ENV_API_KEY, "k"), (ENV_API_SECRET, "s")]).unwrap_err();
        assert_eq!(err.to_string(), "incomplete EdgeX v2 credentials: missing EDGEX_API_PASSPHRASE, EDGEX_TRADING_PRIVATE_KEY");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = load(&[
            (ENV_STARK_PRIVATE_KEY, ""),
            (ENV_API_KEY, "  "),
            (ENV_BASE_URL, ""),
            (ENV_ACCOUNT_ID, ""),
            (ENV_API_VERSION, ""),
        ])
        .unwrap();
        assert_eq!(c.api_version(), ApiVersion::V1);
        assert_eq!(c.base_url(), DEFAULT_BASE_URL_V1);
        assert!(c.credentials().is_none());
        assert_eq!(c.account_id(), None);
    }

    #[test]
    fn bad_non_secret_values_are_named_and_quoted() {
        let err = load(&[(ENV_ACCOUNT_ID, "12ab")]).unwrap_err().to_string();
        assert_eq!(
            err,
            "EDGEX_ACCOUNT_ID=\"12ab\" is invalid: expected a positive integer account id"
        );
        let err = load(&[(ENV_API_VERSION, "v3")]).unwrap_err().to_string();
        assert_eq!(
            err,
            "EDGEX_API_VERSION=\"v3\" is invalid: expected v1 or v2"
        );
        let err = load(&[(ENV_BASE_URL, "pro.edgex.exchange")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("EDGEX_BASE_URL=\"pro.edgex.exchange\" is invalid"),
            "{err}"
        );
        let err = load(&[(ENV_WS_URL, "https://x")]).unwrap_err().to_string();
        assert!(
            err.starts_with("EDGEX_WS_URL=\"https://x\" is invalid"),
            "{err}"
        );
    }

    #[test]
    fn bad_secrets_are_named_but_never_shown() {
        let err = load(&[(ENV_STARK_PRIVATE_KEY, "not-hex-SECRETVALUE")])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("EDGEX_STARK_PRIVATE_KEY is invalid (value hidden)"),
            "{err}"
        );
        assert!(!err.contains("SECRETVALUE"), "{err}");
        let mut vars = v2_set();
        vars[3] = (ENV_TRADING_PRIVATE_KEY, "0xzzSECRETVALUE");
        let err = load(&vars).unwrap_err().to_string();
        assert!(
            err.starts_with("EDGEX_TRADING_PRIVATE_KEY is invalid (value hidden)"),
            "{err}"
        );
        assert!(!err.contains("SECRETVALUE"), "{err}");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut vars = v2_set();
        vars.push((ENV_ACCOUNT_ID, "1"));
        let text = format!("{:?}", load(&vars).unwrap());
        for (_, secret) in v2_set() {
            assert!(!text.contains(secret), "{text}");
        }
        let text = format!("{:?}", load(&[(ENV_STARK_PRIVATE_KEY, STARK)]).unwrap());
        assert!(!text.contains(STARK), "{text}");
    }

    #[test]
    fn urls_are_trimmed_and_overridable() {
        let c = load(&[
            (ENV_BASE_URL, "http://127.0.0.1:8080/"),
            (ENV_WS_URL, "ws://127.0.0.1:9090"),
        ])
        .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:8080");
        assert_eq!(c.ws_url(), "ws://127.0.0.1:9090");
    }

    #[test]
    fn explicit_constructor_checks_the_generation_of_credentials() {
        let creds = EdgexCredentials::V1(V1Credentials {
            stark_private_key: Secret::new(STARK),
        });
        let c = EdgexConfig::new(ApiVersion::V1, "http://127.0.0.1:1/", "ws://127.0.0.1:2")
            .with_account_id(7)
            .with_credentials(creds.clone())
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1");
        c.require_trading_credentials().unwrap();
        let err = EdgexConfig::with_defaults(ApiVersion::V2)
            .with_credentials(creds)
            .unwrap_err();
        assert!(matches!(err, EdgexConfigError::VersionMismatch { .. }));
    }
}
