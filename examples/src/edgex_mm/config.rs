//! The EdgeX maker's JSON config: every key optional (defaults below and in
//! `examples/edgex-market-maker.md`), unknown keys refused, each error naming the key and its
//! value. Numbers may be written as JSON numbers or strings ("0.1"); they are read as exact
//! decimals from their text.

use crate::quoting::{AsParams, QuoteError, SizingParams};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Why a config could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    /// Example: `--config mm.json` where mm.json does not exist.
    #[error("reading {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// Not JSON, a key we do not know, or a value of the wrong type (serde names the key).
    /// Example: `unknown field `gama``.
    #[error("{path}: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// serde's message (names the key, with line and column).
        reason: String,
    },
    /// A value out of range.
    /// Example: `capital_usage = 1.5: in (0, 1]`.
    #[error("{key} = {value}: {expected}")]
    Value {
        /// The key.
        key: &'static str,
        /// Its value as text.
        value: String,
        /// What was expected.
        expected: String,
    },
}

impl From<QuoteError> for ConfigError {
    fn from(e: QuoteError) -> Self {
        match e {
            QuoteError::OutOfRange {
                name,
                value,
                expected,
            } => ConfigError::Value {
                key: name,
                value: value.to_string(),
                expected: expected.to_string(),
            },
            QuoteError::Overflow(what) => ConfigError::Value {
                key: "config",
                value: what.to_string(),
                expected: "values small enough not to overflow".into(),
            },
        }
    }
}

fn dec<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    let text = match &v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a number, got {other}"
            )))
        }
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a decimal number")))
}

fn opt_dec<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    if v.is_null() {
        return Ok(None);
    }
    dec(v).map(Some).map_err(serde::de::Error::custom)
}

/// The maker's settings. See the module doc; units in each field's doc.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Base symbol (upper-cased). Default `PAXG` (the seed's contract).
    pub symbol: String,
    /// Leverage set on the contract (a whole number, only sent when the account's differs)
    /// and used in sizing. Default 2.
    #[serde(deserialize_with = "dec")]
    pub leverage: Decimal,
    /// Risk aversion gamma, per (USD x clip). Default 0.1.
    #[serde(deserialize_with = "dec")]
    pub gamma: Decimal,
    /// Order-arrival decay k, per USD from the mid. Default 2.
    #[serde(deserialize_with = "dec")]
    pub k: Decimal,
    /// Horizon T in seconds. Default 60.
    #[serde(deserialize_with = "dec")]
    pub horizon_secs: Decimal,
    /// Microprice tilt weight. Default 0 (off).
    #[serde(deserialize_with = "dec")]
    pub beta_alpha: Decimal,
    /// Adverse-selection cost of the bid, USD. Default 0.
    #[serde(deserialize_with = "dec")]
    pub c_as_bid: Decimal,
    /// Adverse-selection cost of the ask, USD. Default 0.
    #[serde(deserialize_with = "dec")]
    pub c_as_ask: Decimal,
    /// Maker fee as a fraction; default: the market's, else 0.
    #[serde(deserialize_with = "opt_dec")]
    pub maker_fee: Option<Decimal>,
    /// Minimum quoted spread in basis points of the mid. Default 1.
    #[serde(deserialize_with = "dec")]
    pub min_spread_bps: Decimal,
    /// Prior relative volatility per square-root second, used until the estimator has
    /// samples. Default 0.0001 (about 2.9 % a day).
    #[serde(deserialize_with = "opt_dec")]
    pub sigma: Option<Decimal>,
    /// Half-life of the volatility estimator's weights, seconds. Default 300.
    #[serde(deserialize_with = "dec")]
    pub vol_half_life_secs: Decimal,
    /// Share of the available balance one clip uses as margin. Default 0.25.
    #[serde(deserialize_with = "dec")]
    pub capital_usage: Decimal,
    /// Margin usage from which clips shrink. Default 0.5.
    #[serde(deserialize_with = "dec")]
    pub usage_start: Decimal,
    /// Margin usage from which no new clip is quoted. Default 0.9.
    #[serde(deserialize_with = "dec")]
    pub usage_stop: Decimal,
    /// Inventory bound in base units (|position| never grows past it). Exclusive with
    /// `max_inventory_usd`.
    #[serde(deserialize_with = "opt_dec")]
    pub max_inventory: Option<Decimal>,
    /// Inventory bound in USD at the current mid. Default 500 when `max_inventory` is unset.
    #[serde(deserialize_with = "opt_dec")]
    pub max_inventory_usd: Option<Decimal>,
    /// A resting quote within this many ticks of its target is kept. Default 10.
    pub requote_ticks: u32,
    /// A book older than this (or none for this long) is stale: quotes pulled. Default 10.
    pub stale_after_secs: u64,
    /// Pause between quoting cycles, milliseconds. Default 2000.
    pub refresh_ms: u64,
    /// Each quote expires this many seconds after it is sent (0: the venue's default), so a
    /// quote cannot outlive a crashed maker by long. Default 3600.
    pub order_ttl_secs: u64,
    /// Stop adding inventory once our fills reach this many USD (then close and stop).
    /// Default: no cap.
    #[serde(deserialize_with = "opt_dec")]
    pub volume_cap_usd: Option<Decimal>,
    /// Where the running total of our filled volume is kept. Default
    /// `edgex-mm-volume.json`.
    pub volume_file: PathBuf,
    /// Balance snapshots (appended). Default `balance_snapshots.txt`.
    pub balance_snapshot_file: PathBuf,
    /// Minimum spacing of balance snapshots, seconds. Default 300.
    pub balance_snapshot_secs: u64,
    /// Below this available balance and flat: refuse to start. Default 15.
    #[serde(deserialize_with = "dec")]
    pub min_capital_usd: Decimal,
    /// Below this available balance: a warning at start. Default 50.
    #[serde(deserialize_with = "dec")]
    pub warn_capital_usd: Decimal,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            symbol: "PAXG".into(),
            leverage: Decimal::TWO,
            gamma: Decimal::new(1, 1),
            k: Decimal::TWO,
            horizon_secs: Decimal::from(60),
            beta_alpha: Decimal::ZERO,
            c_as_bid: Decimal::ZERO,
            c_as_ask: Decimal::ZERO,
            maker_fee: None,
            min_spread_bps: Decimal::ONE,
            sigma: Some(Decimal::new(1, 4)),
            vol_half_life_secs: Decimal::from(300),
            capital_usage: Decimal::new(25, 2),
            usage_start: Decimal::new(5, 1),
            usage_stop: Decimal::new(9, 1),
            max_inventory: None,
            max_inventory_usd: None,
            requote_ticks: 10,
            stale_after_secs: 10,
            refresh_ms: 2000,
            order_ttl_secs: 3600,
            volume_cap_usd: None,
            volume_file: PathBuf::from("edgex-mm-volume.json"),
            balance_snapshot_file: PathBuf::from("balance_snapshots.txt"),
            balance_snapshot_secs: 300,
            min_capital_usd: Decimal::from(15),
            warn_capital_usd: Decimal::from(50),
        }
    }
}

/// The default USD inventory bound.
pub const DEFAULT_MAX_INVENTORY_USD: Decimal = Decimal::from_parts(500, 0, 0, false, 0);

/// The inventory bound, in one of two units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryBound {
    /// Base units.
    Base(Decimal),
    /// USD at the current mid.
    Usd(Decimal),
}

impl InventoryBound {
    /// The bound in base units at `mid`.
    pub fn base_at(self, mid: Decimal) -> Decimal {
        match self {
            InventoryBound::Base(b) => b,
            InventoryBound::Usd(u) if mid > Decimal::ZERO => u / mid,
            InventoryBound::Usd(_) => Decimal::ZERO,
        }
    }
}

fn value_err(key: &'static str, value: impl ToString, expected: &str) -> ConfigError {
    ConfigError::Value {
        key,
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and checks JSON text (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let mut c: Config = serde_json::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            reason: e.to_string(),
        })?;
        c.symbol = c.symbol.trim().to_uppercase();
        c.validate()?;
        Ok(c)
    }

    /// Checks every range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.symbol.is_empty() || !self.symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(value_err(
                "symbol",
                &self.symbol,
                "letters and digits, e.g. PAXG",
            ));
        }
        if self.leverage < Decimal::ONE || !self.leverage.fract().is_zero() {
            return Err(value_err("leverage", self.leverage, "a whole number >= 1"));
        }
        self.as_params(Decimal::ZERO)?.validate()?;
        self.sizing().validate()?;
        if let Some(s) = self.sigma {
            crate::quoting::non_negative("sigma", s)?;
        }
        crate::quoting::positive("vol_half_life_secs", self.vol_half_life_secs)?;
        match (self.max_inventory, self.max_inventory_usd) {
            (Some(_), Some(_)) => {
                return Err(value_err(
                    "max_inventory_usd",
                    self.max_inventory_usd.unwrap_or_default(),
                    "unset when max_inventory is set (one bound only)",
                ))
            }
            (Some(b), None) => {
                crate::quoting::non_negative("max_inventory", b)?;
            }
            (None, Some(u)) => {
                crate::quoting::non_negative("max_inventory_usd", u)?;
            }
            (None, None) => {}
        }
        if self.stale_after_secs == 0 {
            return Err(value_err("stale_after_secs", 0, ">= 1"));
        }
        if self.refresh_ms < 100 {
            return Err(value_err("refresh_ms", self.refresh_ms, ">= 100"));
        }
        if let Some(cap) = self.volume_cap_usd {
            crate::quoting::positive("volume_cap_usd", cap)?;
        }
        crate::quoting::non_negative("min_capital_usd", self.min_capital_usd)?;
        crate::quoting::non_negative("warn_capital_usd", self.warn_capital_usd)?;
        Ok(())
    }

    /// The model's parameters; `market_maker_fee` is used when `maker_fee` is unset.
    pub fn as_params(&self, market_maker_fee: Decimal) -> Result<AsParams, ConfigError> {
        Ok(AsParams {
            gamma: self.gamma,
            k: self.k,
            horizon: self.horizon_secs,
            beta_alpha: self.beta_alpha,
            c_as_bid: self.c_as_bid,
            c_as_ask: self.c_as_ask,
            maker_fee: self.maker_fee.unwrap_or(market_maker_fee),
            min_spread: self.min_spread_bps / Decimal::from(10_000),
            bias_scale: Decimal::ZERO,
        })
    }

    /// The sizing knobs.
    pub fn sizing(&self) -> SizingParams {
        SizingParams {
            capital_usage: self.capital_usage,
            leverage: self.leverage,
            usage_start: self.usage_start,
            usage_stop: self.usage_stop,
        }
    }

    /// The inventory bound.
    pub fn inventory_bound(&self) -> InventoryBound {
        match (self.max_inventory, self.max_inventory_usd) {
            (Some(b), _) => InventoryBound::Base(b),
            (None, Some(u)) => InventoryBound::Usd(u),
            (None, None) => InventoryBound::Usd(DEFAULT_MAX_INVENTORY_USD),
        }
    }

    /// Stale-book limit.
    pub fn stale_after(&self) -> Duration {
        Duration::from_secs(self.stale_after_secs)
    }

    /// Quote expiry (`None`: the venue's default).
    pub fn order_ttl(&self) -> Option<Duration> {
        (self.order_ttl_secs > 0).then(|| Duration::from_secs(self.order_ttl_secs))
    }

    /// Cycle pause.
    pub fn refresh(&self) -> Duration {
        Duration::from_millis(self.refresh_ms)
    }
}
