//! Configuration of the Lighter adapter: endpoints, chain id and the API-key identity.
//!
//! Values come from environment-style variables (each under two accepted names, see
//! [`LighterConfig::from_lookup`]) or from explicit values ([`LighterConfig::new`]). Reading
//! never fails because credentials are missing: read-only commands need none. Call
//! [`LighterConfig::require_trading_credentials`] before anything that signs.
//!
//! The private key is held only as a [`Secret`]; no error or `Debug` output of this module
//! ever contains it.

use std::fmt;
use std::time::Duration;
use venue_api::Secret;

/// Mainnet REST base URL.
pub const MAINNET_BASE_URL: &str = "https://mainnet.zklighter.elliot.ai";
/// Mainnet WebSocket URL.
pub const MAINNET_WS_URL: &str = "wss://mainnet.zklighter.elliot.ai/stream";
/// Testnet REST base URL.
pub const TESTNET_BASE_URL: &str = "https://testnet.zklighter.elliot.ai";
/// Testnet WebSocket URL.
pub const TESTNET_WS_URL: &str = "wss://testnet.zklighter.elliot.ai/stream";
/// Chain id signed into every mainnet transaction.
pub const MAINNET_CHAIN_ID: u32 = 304;
/// Chain id signed into every testnet transaction.
pub const TESTNET_CHAIN_ID: u32 = 300;

/// Variable pairs: (preferred name, alternative name). Both are accepted.
const BASE_URL_VARS: (&str, &str) = ("LIGHTER_BASE_URL", "BASE_URL");
const WS_URL_VARS: (&str, &str) = ("LIGHTER_WS_URL", "WEBSOCKET_URL");
const PRIVATE_KEY_VARS: (&str, &str) = ("LIGHTER_PRIVATE_KEY", "API_KEY_PRIVATE_KEY");
const ACCOUNT_INDEX_VARS: (&str, &str) = ("LIGHTER_ACCOUNT_INDEX", "ACCOUNT_INDEX");
const API_KEY_INDEX_VARS: (&str, &str) = ("LIGHTER_API_KEY_INDEX", "API_KEY_INDEX");
const CHAIN_ID_VARS: (&str, &str) = ("LIGHTER_CHAIN_ID", "CHAIN_ID");

/// Highest API key index a transaction may carry (255 is the SDK's "any key" sentinel).
pub const MAX_API_KEY_INDEX: u8 = 254;

/// Why the Lighter configuration is unusable. Messages name variables and, for non-secret
/// values, the offending value; they never contain a private key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LighterConfigError {
    /// The same setting was given under both of its names with different values.
    /// Example: `LIGHTER_ACCOUNT_INDEX=5` and `ACCOUNT_INDEX=6`.
    #[error("{first} and {second} are both set and differ; set only one")]
    Conflict {
        /// The preferred variable name.
        first: &'static str,
        /// The alternative variable name.
        second: &'static str,
    },

    /// A value has the wrong format. `value` is empty for secrets.
    /// Example: `LIGHTER_ACCOUNT_INDEX=abc`.
    #[error("{var}: {reason}{}", if value.is_empty() { String::new() } else { format!(" (got {value:?})") })]
    Invalid {
        /// The variable (or field) name.
        var: &'static str,
        /// Offending value; empty when the value is secret.
        value: String,
        /// What is wrong.
        reason: String,
    },

    /// Trading needs credentials that are not configured.
    /// Example: `LIGHTER_PRIVATE_KEY` unset when placing an order.
    #[error("missing Lighter trading credentials: set {}", missing.join(", "))]
    MissingCredentials {
        /// One entry per missing setting, e.g. `LIGHTER_PRIVATE_KEY (or API_KEY_PRIVATE_KEY)`.
        missing: Vec<String>,
    },
}

/// Everything the adapter needs to reach Lighter and sign as one API key.
#[derive(Clone, PartialEq)]
pub struct LighterConfig {
    /// REST base URL, without trailing slash.
    pub base_url: String,
    /// WebSocket URL.
    pub ws_url: String,
    /// Chain id signed into every transaction (304 mainnet, 300 testnet).
    pub chain_id: u32,
    /// API private key (`0x` + 80 hex chars), if configured.
    pub private_key: Option<Secret>,
    /// Account index (> 0), if configured.
    pub account_index: Option<i64>,
    /// API key index (0..=254), if configured.
    pub api_key_index: Option<u8>,
    /// Timeout of every HTTP request.
    pub request_timeout: Duration,
    /// Maximum number of REST requests per minute this client sends (shared by all calls;
    /// default 60, the standard-account limit, with a burst of 10).
    pub requests_per_minute: u32,
    /// Tokens of that budget status polls and market reads may not take: they stay for
    /// sendTx and the nonce read (default 3 of the burst of 10).
    pub write_reserve: u32,
    /// Top of book from the `order_book` WebSocket, started lazily per market on the first
    /// read (REST while it is not ready or stale). Default: on when read from the environment
    /// (`LIGHTER_BOOK_STREAM`, default `on`), off for [`LighterConfig::new`].
    pub book_stream: bool,
    /// Lifetime of the auth tokens the client creates (keep it to minutes).
    pub auth_token_ttl: Duration,
    /// This process's share of the account's request budget, percent (1..=100):
    /// `LIGHTER_REQUEST_SHARE`, else the binary's default
    /// ([`LighterConfig::with_default_request_share`]), else 100. The venue counts requests
    /// per account, not per process: the bot, the monitor and the CLI must split it.
    pub request_share_pct: Option<u8>,
    /// How long a signed tx stays valid (`ExpiredAt` = now + this, or the order's own deadline
    /// when earlier). Default: the official SDK's 10 minutes - 1 s. Paper mode at `--speed N`
    /// multiplies it by N, so that it stays 10 real minutes against real latencies.
    pub tx_ttl: Duration,
}

impl fmt::Debug for LighterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LighterConfig")
            .field("base_url", &self.base_url)
            .field("ws_url", &self.ws_url)
            .field("chain_id", &self.chain_id)
            .field("private_key", &self.private_key.as_ref().map(|_| "***"))
            .field("account_index", &self.account_index)
            .field("api_key_index", &self.api_key_index)
            .field("request_timeout", &self.request_timeout)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("write_reserve", &self.write_reserve)
            .field("book_stream", &self.book_stream)
            .field("auth_token_ttl", &self.auth_token_ttl)
            .field("request_share_pct", &self.request_share_pct)
            .field("tx_ttl", &self.tx_ttl)
            .finish()
    }
}

impl Default for LighterConfig {
    /// Mainnet, no credentials.
    fn default() -> Self {
        Self {
            base_url: MAINNET_BASE_URL.to_string(),
            ws_url: MAINNET_WS_URL.to_string(),
            chain_id: MAINNET_CHAIN_ID,
            private_key: None,
            account_index: None,
            api_key_index: None,
            request_timeout: Duration::from_secs(10),
            requests_per_minute: 60,
            write_reserve: 3,
            book_stream: false,
            auth_token_ttl: Duration::from_secs(10 * 60),
            request_share_pct: None,
            tx_ttl: Duration::from_millis(crate::signing::signer::DEFAULT_TX_TTL_MS.unsigned_abs()),
        }
    }
}

/// The chain id the official SDK derives from a base URL (`testnet.zklighter` -> 300, else 304).
pub fn chain_id_for_url(base_url: &str) -> u32 {
    if base_url.contains("testnet.zklighter") {
        TESTNET_CHAIN_ID
    } else {
        MAINNET_CHAIN_ID
    }
}

impl LighterConfig {
    /// A configuration from explicit values (tests, the simulator). Validates like
    /// [`LighterConfig::from_lookup`]; the chain id defaults from the URL.
    pub fn new(
        base_url: impl Into<String>,
        ws_url: impl Into<String>,
        private_key: Option<Secret>,
        account_index: Option<i64>,
        api_key_index: Option<u8>,
    ) -> Result<Self, LighterConfigError> {
        let base_url = normalize_url(BASE_URL_VARS.0, base_url.into(), &["http://", "https://"])?;
        let ws_url = normalize_url(WS_URL_VARS.0, ws_url.into(), &["ws://", "wss://"])?;
        if let Some(key) = &private_key {
            validate_private_key(PRIVATE_KEY_VARS.0, key)?;
        }
        if let Some(a) = account_index {
            validate_account_index(ACCOUNT_INDEX_VARS.0, a)?;
        }
        if let Some(k) = api_key_index {
            validate_api_key_index(API_KEY_INDEX_VARS.0, u64::from(k))?;
        }
        let chain_id = chain_id_for_url(&base_url);
        Ok(Self {
            base_url,
            ws_url,
            chain_id,
            private_key: private_key.filter(|k| !k.is_blank()),
            account_index,
            api_key_index,
            ..Self::default()
        })
    }

    /// The binary's share of the account's request budget (percent), used unless
    /// `LIGHTER_REQUEST_SHARE` set one (see `venue_transport::DEFAULT_SHARES`).
    pub fn with_default_request_share(mut self, pct: u8) -> Self {
        self.request_share_pct.get_or_insert(pct.clamp(1, 100));
        self
    }

    /// The share in force (percent; 100 when nothing set one).
    pub fn request_share(&self) -> u8 {
        self.request_share_pct.unwrap_or(100)
    }

    /// Overrides the chain id (builder style).
    pub fn with_chain_id(mut self, chain_id: u32) -> Self {
        self.chain_id = chain_id;
        self
    }

    /// Reads the configuration through `lookup` (e.g. `|k| std::env::var(k).ok()`).
    ///
    /// Variables (either name of each pair; empty counts as unset; both set and different is
    /// an error): `LIGHTER_BASE_URL`/`BASE_URL` (default mainnet), `LIGHTER_WS_URL`/
    /// `WEBSOCKET_URL` (default mainnet), `LIGHTER_PRIVATE_KEY`/`API_KEY_PRIVATE_KEY`,
    /// `LIGHTER_ACCOUNT_INDEX`/`ACCOUNT_INDEX`, `LIGHTER_API_KEY_INDEX`/`API_KEY_INDEX`,
    /// `LIGHTER_CHAIN_ID`/`CHAIN_ID` (default from the base URL: 300 testnet, else 304).
    /// `LIGHTER_REQUESTS_PER_MINUTE` (default 60, the Standard account) and
    /// `LIGHTER_WRITE_RESERVE` (default 3) set the account's request budget, and
    /// `LIGHTER_REQUEST_SHARE` (percent, 1..=100) this process's share of it.
    /// Missing credentials are not an error here.
    pub fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, LighterConfigError> {
        let base_url = read_pair(lookup, BASE_URL_VARS)?;
        let ws_url = read_pair(lookup, WS_URL_VARS)?;
        let private_key = read_pair(lookup, PRIVATE_KEY_VARS)?;
        let account_index = read_pair(lookup, ACCOUNT_INDEX_VARS)?;
        let api_key_index = read_pair(lookup, API_KEY_INDEX_VARS)?;
        let chain_id = read_pair(lookup, CHAIN_ID_VARS)?;

        let base_url = match base_url {
            Some((var, v)) => normalize_url(var, v, &["http://", "https://"])?,
            None => MAINNET_BASE_URL.to_string(),
        };
        let ws_url = match ws_url {
            Some((var, v)) => normalize_url(var, v, &["ws://", "wss://"])?,
            None if base_url.contains("testnet.zklighter") => TESTNET_WS_URL.to_string(),
            None => MAINNET_WS_URL.to_string(),
        };
        let private_key = match private_key {
            Some((var, v)) => {
                let key = Secret::new(v);
                validate_private_key(var, &key)?;
                Some(key)
            }
            None => None,
        };
        let account_index = match account_index {
            Some((var, v)) => {
                let n: i64 = v
                    .parse()
                    .map_err(|_| invalid(var, &v, "must be an integer"))?;
                validate_account_index(var, n)?;
                Some(n)
            }
            None => None,
        };
        let api_key_index = match api_key_index {
            Some((var, v)) => {
                let n: u64 = v
                    .parse()
                    .map_err(|_| invalid(var, &v, "must be an integer in 0..=254"))?;
                Some(validate_api_key_index(var, n)?)
            }
            None => None,
        };
        let chain_id = match chain_id {
            Some((var, v)) => v
                .parse::<u32>()
                .map_err(|_| invalid(var, &v, "must be an unsigned integer"))?,
            None => chain_id_for_url(&base_url),
        };
        let defaults = Self::default();
        let budget_figure = |var: &'static str, default: u32| -> Result<u32, LighterConfigError> {
            match lookup(var)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            {
                Some(v) => v
                    .parse::<u32>()
                    .map_err(|_| invalid(var, &v, "must be an unsigned integer")),
                None => Ok(default),
            }
        };
        Ok(Self {
            base_url,
            ws_url,
            chain_id,
            private_key,
            account_index,
            api_key_index,
            // Standard account: 60 a minute; Premium accounts may raise it
            requests_per_minute: budget_figure(
                "LIGHTER_REQUESTS_PER_MINUTE",
                defaults.requests_per_minute,
            )?
            .max(1),
            write_reserve: budget_figure("LIGHTER_WRITE_RESERVE", defaults.write_reserve)?,
            request_share_pct: match lookup("LIGHTER_REQUEST_SHARE")
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            {
                Some(v) => Some(
                    venue_transport::parse_share_pct(&v)
                        .map_err(|reason| invalid("LIGHTER_REQUEST_SHARE", &v, reason))?,
                ),
                None => None,
            },
            book_stream: match lookup("LIGHTER_BOOK_STREAM")
                .map(|v| v.trim().to_ascii_lowercase())
                .as_deref()
            {
                None | Some("") | Some("1") | Some("true") | Some("on") => true,
                Some("0") | Some("false") | Some("off") => false,
                Some(other) => {
                    return Err(invalid("LIGHTER_BOOK_STREAM", other, "expected on or off"))
                }
            },
            ..defaults
        })
    }

    /// Checks that everything needed to sign transactions is present. The error is one line
    /// naming every missing variable.
    pub fn require_trading_credentials(&self) -> Result<(), LighterConfigError> {
        let mut missing = Vec::new();
        if self.private_key.as_ref().is_none_or(Secret::is_blank) {
            missing.push(describe(PRIVATE_KEY_VARS));
        }
        if self.account_index.is_none() {
            missing.push(describe(ACCOUNT_INDEX_VARS));
        }
        if self.api_key_index.is_none() {
            missing.push(describe(API_KEY_INDEX_VARS));
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(LighterConfigError::MissingCredentials { missing })
        }
    }

    /// True when an account index is configured (enough for public account reads).
    pub fn has_account(&self) -> bool {
        self.account_index.is_some()
    }
}

fn describe((first, second): (&str, &str)) -> String {
    format!("{first} (or {second})")
}

fn invalid(var: &'static str, value: &str, reason: &str) -> LighterConfigError {
    LighterConfigError::Invalid {
        var,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

/// Reads one setting under its two names. Returns the name it was found under and the
/// trimmed value. The conflict error never shows either value.
fn read_pair(
    lookup: &dyn Fn(&str) -> Option<String>,
    (first, second): (&'static str, &'static str),
) -> Result<Option<(&'static str, String)>, LighterConfigError> {
    let get = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    match (get(first), get(second)) {
        (Some(a), Some(b)) if a != b => Err(LighterConfigError::Conflict { first, second }),
        (Some(a), _) => Ok(Some((first, a))),
        (None, Some(b)) => Ok(Some((second, b))),
        (None, None) => Ok(None),
    }
}

fn normalize_url(
    var: &'static str,
    url: String,
    schemes: &[&str],
) -> Result<String, LighterConfigError> {
    let url = url.trim().trim_end_matches('/').to_string();
    if !schemes.iter().any(|s| url.starts_with(s))
        || url.len() <= schemes.iter().map(|s| s.len()).min().unwrap_or(0)
    {
        return Err(invalid(
            var,
            &url,
            &format!("must start with {}", schemes.join(" or ")),
        ));
    }
    Ok(url)
}

fn validate_private_key(var: &'static str, key: &Secret) -> Result<(), LighterConfigError> {
    let raw = key.expose().trim();
    let hex = raw
        .strip_prefix("0x")
        .or_else(|| raw.strip_prefix("0X"))
        .unwrap_or(raw);
    // The messages below never include the value.
    let secret_err = |reason: String| LighterConfigError::Invalid {
        var,
        value: String::new(),
        reason,
    };
    if hex.len() != 80 {
        return Err(secret_err(format!(
            "must be 40 bytes as 80 hex characters (optionally 0x-prefixed), got {} characters",
            hex.len()
        )));
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(secret_err("must contain only hex characters".to_string()));
    }
    Ok(())
}

fn validate_account_index(var: &'static str, n: i64) -> Result<(), LighterConfigError> {
    if n <= 0 {
        return Err(invalid(var, &n.to_string(), "account index must be > 0"));
    }
    Ok(())
}

fn validate_api_key_index(var: &'static str, n: u64) -> Result<u8, LighterConfigError> {
    match u8::try_from(n) {
        Ok(k) if k <= MAX_API_KEY_INDEX => Ok(k),
        _ => Err(invalid(
            var,
            &n.to_string(),
            "API key index must be in 0..=254 (255 is reserved)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str =
        "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";

    fn load(vars: &[(&str, &str)]) -> Result<LighterConfig, LighterConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LighterConfig::from_lookup(&|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_mainnet_without_credentials() {
        let c = load(&[]).unwrap();
        assert_eq!(c.base_url, MAINNET_BASE_URL);
        assert_eq!(c.ws_url, MAINNET_WS_URL);
        assert_eq!(c.chain_id, 304);
        assert!(c.private_key.is_none() && c.account_index.is_none() && c.api_key_index.is_none());
        let err = c.require_trading_credentials().unwrap_err().to_string();
        assert!(err.contains("LIGHTER_PRIVATE_KEY"), "{err}");
        assert!(err.contains("LIGHTER_ACCOUNT_INDEX"), "{err}");
        assert!(err.contains("LIGHTER_API_KEY_INDEX"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn reads_either_name() {
        let a = load(&[
            ("LIGHTER_PRIVATE_KEY", KEY),
            ("LIGHTER_ACCOUNT_INDEX", "42"),
            ("LIGHTER_API_KEY_INDEX", "3"),
        ])
        .unwrap();
        let b = load(&[
            ("API_KEY_PRIVATE_KEY", KEY),
            ("ACCOUNT_INDEX", "42"),
            ("API_KEY_INDEX", "3"),
        ])
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.account_index, Some(42));
        assert_eq!(a.api_key_index, Some(3));
        assert_eq!(a.private_key.as_ref().map(|k| k.expose()), Some(KEY));
        a.require_trading_credentials().unwrap();
    }

    #[test]
    fn same_value_under_both_names_is_fine_different_is_an_error() {
        load(&[("ACCOUNT_INDEX", "7"), ("LIGHTER_ACCOUNT_INDEX", "7")]).unwrap();
        let err = load(&[("ACCOUNT_INDEX", "7"), ("LIGHTER_ACCOUNT_INDEX", "8")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("LIGHTER_ACCOUNT_INDEX") && err.contains("ACCOUNT_INDEX"),
            "{err}"
        );
        let other = KEY.replace("07", "08");
        let err = load(&[
            ("API_KEY_PRIVATE_KEY", KEY),
            ("LIGHTER_PRIVATE_KEY", &other),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("LIGHTER_PRIVATE_KEY") && err.contains("API_KEY_PRIVATE_KEY"));
        assert!(!err.contains("6b25cafbe1"), "secret leaked: {err}");
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = load(&[
            ("LIGHTER_ACCOUNT_INDEX", ""),
            ("ACCOUNT_INDEX", "9"),
            ("BASE_URL", "  "),
        ])
        .unwrap();
        assert_eq!(c.account_index, Some(9));
        assert_eq!(c.base_url, MAINNET_BASE_URL);
    }

    #[test]
    fn chain_id_follows_url_and_can_be_overridden() {
        let c = load(&[("BASE_URL", "https://testnet.zklighter.elliot.ai/")]).unwrap();
        assert_eq!(c.base_url, TESTNET_BASE_URL);
        assert_eq!(c.ws_url, TESTNET_WS_URL);
        assert_eq!(c.chain_id, 300);
        let c = load(&[
            ("BASE_URL", "http://127.0.0.1:9000"),
            ("LIGHTER_CHAIN_ID", "300"),
        ])
        .unwrap();
        assert_eq!(c.chain_id, 300);
        assert!(load(&[("LIGHTER_CHAIN_ID", "x")]).is_err());
    }

    #[test]
    fn the_request_share_comes_from_the_environment_else_the_binary() {
        let c = load(&[]).unwrap();
        assert_eq!(c.request_share(), 100);
        assert_eq!(c.clone().with_default_request_share(30).request_share(), 30);
        let c = load(&[("LIGHTER_REQUEST_SHARE", "40%")]).unwrap();
        assert_eq!(
            c.with_default_request_share(30).request_share(),
            40,
            "the environment wins over the binary's default"
        );
    }

    #[test]
    fn bad_formats_name_the_variable() {
        let cases: &[(&str, &str, &str)] = &[
            ("LIGHTER_ACCOUNT_INDEX", "abc", "abc"),
            ("ACCOUNT_INDEX", "0", "0"),
            ("ACCOUNT_INDEX", "-5", "-5"),
            ("API_KEY_INDEX", "255", "255"),
            ("LIGHTER_API_KEY_INDEX", "-1", "-1"),
            ("LIGHTER_BASE_URL", "ftp://x", "ftp://x"),
            ("WEBSOCKET_URL", "https://x", "https://x"),
            ("LIGHTER_REQUEST_SHARE", "0", "0"),
            ("LIGHTER_REQUEST_SHARE", "150%", "150%"),
        ];
        for (var, value, shown) in cases {
            let err = load(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}: {err}");
            assert!(err.contains(shown), "{var}: {err}");
        }
    }

    #[test]
    fn bad_keys_never_echo_the_key() {
        let short = &KEY[..70];
        let nonhex = KEY.replace('b', "g");
        for k in [short, nonhex.as_str()] {
            let err = load(&[("LIGHTER_PRIVATE_KEY", k)]).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("LIGHTER_PRIVATE_KEY"), "{text}");
            assert!(
                !text.contains("6b25cafbe1") && !text.contains("6g25"),
                "{text}"
            );
            assert!(!format!("{err:?}").contains("cafbe1"));
        }
        // no 0x prefix is accepted
        load(&[("LIGHTER_PRIVATE_KEY", &KEY[2..])]).unwrap();
    }

    #[test]
    fn debug_hides_the_key() {
        let c = load(&[("LIGHTER_PRIVATE_KEY", KEY)]).unwrap();
        let text = format!("{c:?}");
        assert!(!text.contains("6b25cafbe1"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn partial_credentials_name_only_what_is_missing() {
        let c = load(&[("ACCOUNT_INDEX", "5")]).unwrap();
        let err = c.require_trading_credentials().unwrap_err().to_string();
        assert!(err.contains("LIGHTER_PRIVATE_KEY") && err.contains("LIGHTER_API_KEY_INDEX"));
        assert!(!err.contains("ACCOUNT_INDEX (or"), "{err}");
    }

    #[test]
    fn explicit_constructor_validates() {
        let c = LighterConfig::new(
            "http://127.0.0.1:8080/",
            "ws://127.0.0.1:8081/stream",
            Some(Secret::new(KEY)),
            Some(1),
            Some(2),
        )
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:8080");
        assert_eq!(c.chain_id, 304);
        assert_eq!(c.with_chain_id(300).chain_id, 300);
        assert!(LighterConfig::new("http://x", "ws://x", None, Some(0), None).is_err());
        assert!(
            LighterConfig::new("http://x", "ws://x", Some(Secret::new("0x12")), None, None)
                .is_err()
        );
    }
}
