//! The seed's Avellaneda parameter file (examples-spec B.2, EX21): where it is looked for,
//! its nine required keys, their checks, and the 900-second cache.
//!
//! Search order: `<params_dir>/spread_parameters_<SYM>.json`, then
//! `params/spread_parameters_<SYM>.json`; the first that exists is read. It must hold the
//! nine keys `gamma`, `tau`, `beta_alpha`, `latest_volatility`, `k_bid`, `k_ask`, `c_AS_bid`,
//! `c_AS_ask`, `maker_fee_bps` (numbers, or numeric strings; no defaults); other keys are
//! ignored. Unlike the seed (EX-W6) the values are checked: gamma > 0, tau >= 0,
//! latest_volatility >= 0, k_bid and k_ask > 0, c_AS_bid and c_AS_ask >= 0, |maker_fee_bps| <
//! 100. A file that loads is used for `refresh` (900 s) before it is read again; a file that
//! fails gives an error each cycle (the maker then falls back or stops quoting, EX23).
//!
//! Units (the seed left them undefined, EX-W19; these are what the maths in `lighter_mm`
//! assumes): prices and `c_AS_*` in USD, `tau` in seconds, `latest_volatility` in USD per
//! square-root second, `k_bid`/`k_ask` per basis point of distance from the mid,
//! `maker_fee_bps` in basis points.

use super::config::parse_decimal;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The nine values of a parameter file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpreadParams {
    /// Risk aversion (> 0).
    pub gamma: Decimal,
    /// Horizon in seconds (>= 0).
    pub tau: Decimal,
    /// Weight of the microprice offset in the reservation price.
    pub beta_alpha: Decimal,
    /// Volatility in USD per square-root second (>= 0).
    pub latest_volatility: Decimal,
    /// Order-arrival decay of the bid side, per basis point (> 0).
    pub k_bid: Decimal,
    /// Order-arrival decay of the ask side, per basis point (> 0).
    pub k_ask: Decimal,
    /// Adverse-selection cost of the bid side in USD (>= 0).
    pub c_as_bid: Decimal,
    /// Adverse-selection cost of the ask side in USD (>= 0).
    pub c_as_ask: Decimal,
    /// Maker fee in basis points (|x| < 100).
    pub maker_fee_bps: Decimal,
}

/// Why no parameters are available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// None of the searched files exists, e.g. a fresh checkout without `params/`.
    #[error("no parameter file (looked for {})", shown(.0))]
    Missing(Vec<PathBuf>),
    /// The file exists and cannot be used, e.g. `gamma` is absent or `-1`.
    #[error("{}: {reason}", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the key and value).
        reason: String,
    },
}

fn shown(paths: &[PathBuf]) -> String {
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    list.join(", ")
}

/// The files searched for `symbol`, in order (a duplicate folder is searched once).
pub fn search_paths(params_dir: &Path, symbol: &str) -> Vec<PathBuf> {
    let name = format!("spread_parameters_{symbol}.json");
    let mut paths = vec![params_dir.join(&name)];
    let fallback = Path::new("params").join(&name);
    if !paths.contains(&fallback) {
        paths.push(fallback);
    }
    paths
}

impl SpreadParams {
    /// Parses and checks a file's text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(map) = v else {
            return Err("not a JSON object".into());
        };
        let get = |key: &str| -> Result<Decimal, String> {
            let raw = map
                .get(key)
                .ok_or_else(|| format!("required key {key} is missing"))?;
            let text = match raw {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => return Err(format!("{key} = {other} is not a number")),
            };
            parse_decimal(key, &text).map_err(|e| e.to_string())
        };
        let p = Self {
            gamma: get("gamma")?,
            tau: get("tau")?,
            beta_alpha: get("beta_alpha")?,
            latest_volatility: get("latest_volatility")?,
            k_bid: get("k_bid")?,
            k_ask: get("k_ask")?,
            c_as_bid: get("c_AS_bid")?,
            c_as_ask: get("c_AS_ask")?,
            maker_fee_bps: get("maker_fee_bps")?,
        };
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), String> {
        let zero = Decimal::ZERO;
        let rules = [
            ("gamma", self.gamma, self.gamma > zero, "> 0"),
            ("tau", self.tau, self.tau >= zero, ">= 0"),
            (
                "latest_volatility",
                self.latest_volatility,
                self.latest_volatility >= zero,
                ">= 0",
            ),
            ("k_bid", self.k_bid, self.k_bid > zero, "> 0"),
            ("k_ask", self.k_ask, self.k_ask > zero, "> 0"),
            ("c_AS_bid", self.c_as_bid, self.c_as_bid >= zero, ">= 0"),
            ("c_AS_ask", self.c_as_ask, self.c_as_ask >= zero, ">= 0"),
            (
                "maker_fee_bps",
                self.maker_fee_bps,
                self.maker_fee_bps.abs() < Decimal::from(100),
                "within (-100, 100)",
            ),
        ];
        for (key, value, ok, want) in rules {
            if !ok {
                return Err(format!("{key} = {value} must be {want}"));
            }
        }
        Ok(())
    }
}

/// The parameter file of one symbol, re-read at most every `refresh`.
#[derive(Debug, Clone)]
pub struct ParamsCache {
    paths: Vec<PathBuf>,
    refresh: Duration,
    loaded: Option<(SpreadParams, PathBuf, DateTime<Utc>)>,
}

impl ParamsCache {
    /// A cache for `symbol`'s file under `params_dir` (see [`search_paths`]).
    pub fn new(params_dir: &Path, symbol: &str, refresh: Duration) -> Self {
        Self {
            paths: search_paths(params_dir, symbol),
            refresh,
            loaded: None,
        }
    }

    /// The parameters at `now`: the cached ones while younger than `refresh`, else the file
    /// read again. The second value is true when the file was (re)read by this call.
    pub fn get(&mut self, now: DateTime<Utc>) -> Result<(&SpreadParams, &Path, bool), ParamsError> {
        let fresh = self.loaded.as_ref().is_some_and(|(_, _, at)| {
            (now - *at).to_std().unwrap_or(Duration::ZERO) < self.refresh
        });
        let mut reread = false;
        if !fresh {
            self.loaded = None;
            let path = self
                .paths
                .iter()
                .find(|p| p.is_file())
                .cloned()
                .ok_or_else(|| ParamsError::Missing(self.paths.clone()))?;
            let text = std::fs::read_to_string(&path).map_err(|e| ParamsError::Bad {
                path: path.clone(),
                reason: format!("cannot read: {e}"),
            })?;
            let params = SpreadParams::parse(&text).map_err(|reason| ParamsError::Bad {
                path: path.clone(),
                reason,
            })?;
            self.loaded = Some((params, path, now));
            reread = true;
        }
        match &self.loaded {
            Some((p, path, _)) => Ok((p, path, reread)),
            None => Err(ParamsError::Missing(self.paths.clone())),
        }
    }
}

#[cfg(test)]
#[path = "params_tests.rs"]
mod tests;
