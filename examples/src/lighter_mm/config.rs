//! The Lighter maker's settings: a JSON file (`--config FILE`), every key optional with the
//! defaults below, unknown keys refused, each bad value reported with its key and value.
//!
//! Decimals are read from JSON strings (`"0.00035"`, exact) or numbers (their text, so `2.5`
//! is exactly 2.5); anything else, or text that is not a plain decimal (`"2x"`, `"NaN"`), is
//! an error. `leverage` is a decimal parsed strictly (the seed's `int("2.5")` crashed,
//! EX-W21) and must be whole, because the venue takes whole leverage.

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A config file or value that cannot be used, e.g. `leverage: "2.5"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ConfigError {
    /// Where: the key (`leverage`), or the file.
    pub key: String,
    /// What is wrong, with the value.
    pub reason: String,
}

fn bad(key: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        reason: reason.into(),
    }
}

/// Where candles for the SuperTrend come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendSource {
    /// Book mids sampled every cycle.
    Mid,
    /// Public trade prices from the market feed.
    Trades,
}

/// Everything the Lighter maker can be told (defaults: [`LmmConfig::default`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LmmConfig {
    /// Base asset (`PAXG`); `--symbol` overrides it (EX18). Upper-cased.
    pub symbol: String,
    /// Leverage set on the market at start and used in sizing (whole, >= 1).
    pub leverage: Decimal,
    /// Margin mode: only `cross` (the Venue trait sets cross-margin leverage).
    pub margin_mode: String,
    /// Folder searched first for `spread_parameters_<SYM>.json` (then `params/`).
    pub params_dir: PathBuf,
    /// No quotes while the parameter file is unusable (EX23); else the static spread.
    pub require_params: bool,
    /// A loaded parameter file is used this long before it is read again (EX21: 900 s).
    pub params_refresh_secs: u64,
    /// Fallback half-spread as a fraction of the mid (seed: 0.00035 = 3.5 bp).
    pub static_spread: Decimal,
    /// Minimum ask - bid as a fraction of the mid (seed: 0.005 % = 0.00005).
    pub min_spread: Decimal,
    /// Share of the available balance one clip uses as margin (seed: 0.12 x 0.99).
    pub capital_usage: Decimal,
    /// Margin usage from which clips shrink linearly.
    pub usage_start: Decimal,
    /// Margin usage at which no new clip is quoted.
    pub usage_stop: Decimal,
    /// Inventory bound in base units; when absent, `max_inventory_usd / mid` each cycle.
    pub max_inventory: Option<Decimal>,
    /// Inventory bound in USD (used when `max_inventory` is absent).
    pub max_inventory_usd: Decimal,
    /// A resting order is kept while within this many ticks of its target.
    pub requote_ticks: u32,
    /// A book older than this stops quoting (our orders are cancelled) until fresh.
    pub stale_after_secs: u64,
    /// One quoting cycle every this many milliseconds (seed: 3 s).
    pub refresh_ms: u64,
    /// Position and balance read every this many seconds (and after a fill).
    pub account_refresh_secs: u64,
    /// SuperTrend candle length in seconds (STF: 60).
    pub candle_secs: u64,
    /// SuperTrend ATR period in candles.
    pub supertrend_period: u32,
    /// SuperTrend band width in ATRs.
    pub supertrend_multiplier: Decimal,
    /// Where candles come from (`mid` or `trades`).
    pub trend_source: TrendSource,
    /// |bias| in [0, 1]: bias = trend x bias_strength.
    pub bias_strength: Decimal,
    /// Reservation shift at |bias| = 1, in basis points of the mid.
    pub bias_bps: Decimal,
    /// Folder of the log files (`market_maker_debug.txt`, `balance_log.txt`); default
    /// `logs` (in paper mode `<paper-dir>/logs`).
    pub log_dir: Option<PathBuf>,
    /// Seconds between balance-log lines (EX31: 300).
    pub balance_log_secs: u64,
}

impl Default for LmmConfig {
    fn default() -> Self {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        Self {
            symbol: "PAXG".into(),
            leverage: Decimal::ONE,
            margin_mode: "cross".into(),
            params_dir: PathBuf::from("params"),
            require_params: false,
            params_refresh_secs: 900,
            static_spread: d("0.00035"),
            min_spread: d("0.00005"),
            capital_usage: d("0.1188"),
            usage_start: d("0.5"),
            usage_stop: d("0.8"),
            max_inventory: None,
            max_inventory_usd: d("100"),
            requote_ticks: 20,
            stale_after_secs: 10,
            refresh_ms: 3000,
            account_refresh_secs: 5,
            candle_secs: 60,
            supertrend_period: 10,
            supertrend_multiplier: d("3"),
            trend_source: TrendSource::Mid,
            bias_strength: Decimal::ONE,
            bias_bps: d("2"),
            log_dir: None,
            balance_log_secs: 300,
        }
    }
}

/// Every key a config file may hold.
pub const KEYS: [&str; 27] = [
    "symbol",
    "leverage",
    "margin_mode",
    "params_dir",
    "require_params",
    "params_refresh_secs",
    "static_spread",
    "min_spread",
    "capital_usage",
    "usage_start",
    "usage_stop",
    "max_inventory",
    "max_inventory_usd",
    "requote_ticks",
    "stale_after_secs",
    "refresh_ms",
    "account_refresh_secs",
    "candle_secs",
    "supertrend_period",
    "supertrend_multiplier",
    "trend_source",
    "bias_strength",
    "bias_bps",
    "log_dir",
    "balance_log_secs",
    // the seed's dead flip switch (B.1): accepted, ignored (the SuperTrend decides)
    "flip",
    // free text for people
    "comment",
];

/// A decimal from its text: plain (`2.5`) or scientific (`1e-5`); nothing else.
pub fn parse_decimal(key: &str, text: &str) -> Result<Decimal, ConfigError> {
    let t = text.trim();
    let plain = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    let parsed = if !plain || t.is_empty() {
        None
    } else {
        Decimal::from_str_exact(t)
            .ok()
            .or_else(|| Decimal::from_scientific(t).ok())
    };
    parsed.ok_or_else(|| bad(key, format!("{text:?} is not a decimal number")))
}

/// A boolean from `true/false/1/0/yes/no/on/off` (any case), as the seed's env switches.
pub fn parse_bool(key: &str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(bad(key, format!("{text:?} is not true or false"))),
    }
}

/// The leverage: a whole decimal >= 1 (`"3"`, `3`, `3.0`); `2.5`, `0`, `"2x"` are errors.
pub fn parse_leverage(key: &str, text: &str) -> Result<Decimal, ConfigError> {
    let v = parse_decimal(key, text)?;
    if v < Decimal::ONE || v.fract() != Decimal::ZERO || v > Decimal::from(u32::MAX) {
        return Err(bad(
            key,
            format!(
                "{text:?}: leverage must be a whole number >= 1 (the venue takes whole leverage)"
            ),
        ));
    }
    Ok(v.normalize())
}

fn text_of(key: &str, v: &Value) -> Result<String, ConfigError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(bad(
            key,
            format!("{other} is not a value (string, number or boolean)"),
        )),
    }
}

fn unsigned(key: &str, v: &Value) -> Result<u64, ConfigError> {
    let t = text_of(key, v)?;
    t.trim()
        .parse::<u64>()
        .map_err(|_| bad(key, format!("{t:?} is not a whole number >= 0")))
}

fn in_range(key: &str, v: Decimal, lo: Decimal, hi: Decimal) -> Result<Decimal, ConfigError> {
    if v < lo || v > hi {
        return Err(bad(key, format!("{v} is outside [{lo}, {hi}]")));
    }
    Ok(v)
}

impl LmmConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| bad(&file, format!("cannot read: {e}")))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| bad(&file, format!("not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(bad(&file, "the config must be a JSON object"));
        };
        Self::from_map(&map)
    }

    /// The defaults overridden by `map`'s keys; checked.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, ConfigError> {
        let mut c = Self::default();
        for (key, v) in map {
            let k = key.as_str();
            let dec = || parse_decimal(k, &text_of(k, v)?);
            let num = || unsigned(k, v);
            let text = || text_of(k, v);
            match k {
                "symbol" => c.symbol = text()?,
                "leverage" => c.leverage = parse_leverage(k, &text()?)?,
                "margin_mode" => c.margin_mode = text()?,
                "params_dir" => c.params_dir = PathBuf::from(text()?),
                "require_params" => c.require_params = parse_bool(k, &text()?)?,
                "params_refresh_secs" => c.params_refresh_secs = num()?,
                "static_spread" => c.static_spread = dec()?,
                "min_spread" => c.min_spread = dec()?,
                "capital_usage" => c.capital_usage = dec()?,
                "usage_start" => c.usage_start = dec()?,
                "usage_stop" => c.usage_stop = dec()?,
                "max_inventory" => c.max_inventory = Some(dec()?),
                "max_inventory_usd" => c.max_inventory_usd = dec()?,
                "requote_ticks" => {
                    c.requote_ticks =
                        u32::try_from(num()?).map_err(|_| bad(k, "too large for a tick count"))?
                }
                "stale_after_secs" => c.stale_after_secs = num()?,
                "refresh_ms" => c.refresh_ms = num()?,
                "account_refresh_secs" => c.account_refresh_secs = num()?,
                "candle_secs" => c.candle_secs = num()?,
                "supertrend_period" => {
                    c.supertrend_period =
                        u32::try_from(num()?).map_err(|_| bad(k, "too large for a candle count"))?
                }
                "supertrend_multiplier" => c.supertrend_multiplier = dec()?,
                "trend_source" => {
                    c.trend_source = match text()?.trim().to_ascii_lowercase().as_str() {
                        "mid" => TrendSource::Mid,
                        "trades" => TrendSource::Trades,
                        other => return Err(bad(k, format!("{other:?} is not mid or trades"))),
                    }
                }
                "bias_strength" => c.bias_strength = dec()?,
                "bias_bps" => c.bias_bps = dec()?,
                "log_dir" => c.log_dir = Some(PathBuf::from(text()?)),
                "balance_log_secs" => c.balance_log_secs = num()?,
                "flip" => {
                    parse_bool(k, &text()?)?;
                }
                "comment" => {}
                other => {
                    return Err(bad(
                        other,
                        format!("unknown key (known keys: {})", KEYS.join(", ")),
                    ))
                }
            }
        }
        c.symbol = c.symbol.trim().to_ascii_uppercase();
        c.validate()?;
        Ok(c)
    }

    /// Checks ranges and combinations; the error names the first bad key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let one = Decimal::ONE;
        let zero = Decimal::ZERO;
        if self.symbol.is_empty() || !self.symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(
                "symbol",
                format!("{:?} is not a symbol like PAXG", self.symbol),
            ));
        }
        parse_leverage("leverage", &self.leverage.to_string())?;
        if self.margin_mode != "cross" {
            return Err(bad(
                "margin_mode",
                format!(
                    "{:?}: only \"cross\" is supported (the venue interface sets cross-margin leverage)",
                    self.margin_mode
                ),
            ));
        }
        in_range(
            "static_spread",
            self.static_spread,
            zero,
            Decimal::new(1, 1),
        )?;
        in_range("min_spread", self.min_spread, zero, Decimal::new(1, 1))?;
        if self.capital_usage <= zero || self.capital_usage > one {
            return Err(bad(
                "capital_usage",
                format!("{} is outside (0, 1]", self.capital_usage),
            ));
        }
        in_range("usage_start", self.usage_start, zero, one)?;
        if self.usage_stop <= self.usage_start || self.usage_stop > one {
            return Err(bad(
                "usage_stop",
                format!(
                    "{} must be above usage_start ({}) and at most 1",
                    self.usage_stop, self.usage_start
                ),
            ));
        }
        if let Some(m) = self.max_inventory {
            if m <= zero {
                return Err(bad("max_inventory", format!("{m} must be > 0")));
            }
        }
        if self.max_inventory_usd <= zero {
            return Err(bad(
                "max_inventory_usd",
                format!("{} must be > 0", self.max_inventory_usd),
            ));
        }
        let positive = [
            ("params_refresh_secs", self.params_refresh_secs),
            ("stale_after_secs", self.stale_after_secs),
            ("refresh_ms", self.refresh_ms),
            ("account_refresh_secs", self.account_refresh_secs),
            ("candle_secs", self.candle_secs),
            ("supertrend_period", u64::from(self.supertrend_period)),
            ("balance_log_secs", self.balance_log_secs),
        ];
        for (k, v) in positive {
            if v == 0 {
                return Err(bad(k, "must be at least 1"));
            }
        }
        if self.refresh_ms < 100 {
            return Err(bad(
                "refresh_ms",
                format!("{} is below 100 ms", self.refresh_ms),
            ));
        }
        if self.supertrend_multiplier <= zero {
            return Err(bad(
                "supertrend_multiplier",
                format!("{} must be > 0", self.supertrend_multiplier),
            ));
        }
        in_range("bias_strength", self.bias_strength, zero, one)?;
        in_range("bias_bps", self.bias_bps, zero, Decimal::from(100))?;
        Ok(())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
