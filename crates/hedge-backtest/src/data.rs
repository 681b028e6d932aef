//! The funding data file: both venues' funding history for a period, as one versioned JSON
//! document (`--data FILE`), so a backtest can be repeated offline.
//!
//! # Format (version 1)
//! ```json
//! {
//!   "version": 1,
//!   "source": "edgex+lighter public endpoints",
//!   "created_at": "2026-12-01T10:00:00Z",
//!   "from": "2026-09-01T00:00:00Z",
//!   "to": "2026-12-01T00:00:00Z",
//!   "venues": [
//!     { "venue": "edgex",
//!       "fees": { "maker": "0.00015", "taker": "0.00038" },
//!       "markets": {
//!         "BTC": { "interval_minutes": 240,
//!                  "rates": [ { "time": "2026-09-01T04:00:00Z", "rate": "0.0001",
//!                               "mark_price": "64000.5" } ] } } },
//!     { "venue": "lighter", "fees": { "maker": "0", "taker": "0" }, "markets": { } }
//!   ]
//! }
//! ```
//! - Every decimal is a JSON string (exact); times are RFC 3339 UTC.
//! - A rate point is one **settlement**: the rate (fraction per interval, positive: longs pay
//!   shorts) that was applied at `time`. Points are sorted by time, strictly increasing.
//! - `interval_minutes` is the market's funding interval (Lighter 60; EdgeX per contract,
//!   e.g. 240). A market may give its own `taker_fee`/`maker_fee` (overriding the venue's).
//! - `mark_price` is optional (where the venue's history gives it); the replay uses it for the
//!   legs' price PnL and the stop-loss, and holds the last known price in between.
//!
//! # What the replay may see (no look-ahead)
//! At time `t` the "current rate" of a market is the last settled rate at or before `t`
//! ([`MarketHistory::rate_at`]); its next settlement time is the next point after `t` (the
//! venues publish their schedule), else the UTC grid of the interval. The rates of future
//! points are only used to pay the legs when those settlements happen.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The only format version this build reads and writes.
pub const DATA_VERSION: u32 = 1;

/// One data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingData {
    /// Format version ([`DATA_VERSION`]).
    pub version: u32,
    /// Where the data came from (free text: `"paper simulator"`, `"public endpoints"`).
    pub source: String,
    /// When the file was written.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Start of the period (inclusive).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    /// Exactly two venues: slot A first (the bot's `edgex_*` slot), then slot B.
    pub venues: Vec<VenueHistory>,
}

/// One venue's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueHistory {
    /// Venue id as the bot names it (`Venue::id()`).
    pub venue: String,
    /// The venue's fee schedule from its metadata.
    pub fees: FeeSchedule,
    /// Markets by symbol (base asset, upper case).
    pub markets: BTreeMap<String, MarketHistory>,
}

/// Maker and taker fees as fractions of notional (0.0005 = 5 bps).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// Maker fee.
    pub maker: Decimal,
    /// Taker fee (the bot's orders cross the book: this is what it pays).
    pub taker: Decimal,
}

/// One market's funding history on one venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketHistory {
    /// Funding interval, minutes (> 0).
    pub interval_minutes: u32,
    /// Taker fee of this market where it differs from the venue's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taker_fee: Option<Decimal>,
    /// Maker fee of this market where it differs from the venue's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker_fee: Option<Decimal>,
    /// Settlements, strictly increasing in time.
    pub rates: Vec<RatePoint>,
}

/// One settlement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatePoint {
    /// Settlement time.
    pub time: DateTime<Utc>,
    /// Rate applied, fraction per interval (positive: longs pay shorts).
    pub rate: Decimal,
    /// Mark (or oracle) price at that time, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark_price: Option<Decimal>,
}

/// A data file that cannot be used, naming the field and value.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read or written. Example: a `--data` path that does not exist.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not JSON of this format. Example: a truncated file.
    #[error("{path}: not a funding data file: {detail}")]
    Parse {
        /// The path.
        path: String,
        /// What serde said.
        detail: String,
    },
    /// A value that breaks a rule. Example: `version = 2`, or rates out of order.
    #[error("invalid {field} = {value}: {rule}")]
    Invalid {
        /// Where (e.g. `venues[1].markets.BTC.rates[3].time`).
        field: String,
        /// The value.
        value: String,
        /// The rule.
        rule: String,
    },
}

fn invalid(field: impl Into<String>, value: impl ToString, rule: impl Into<String>) -> DataError {
    DataError::Invalid {
        field: field.into(),
        value: value.to_string(),
        rule: rule.into(),
    }
}

impl FundingData {
    /// Checks every rule of the format; the first broken one is returned.
    pub fn validate(&self) -> Result<(), DataError> {
        if self.version != DATA_VERSION {
            return Err(invalid(
                "version",
                self.version,
                format!("this build reads version {DATA_VERSION}"),
            ));
        }
        if self.to <= self.from {
            return Err(invalid(
                "to",
                self.to,
                format!("must be after from ({})", self.from),
            ));
        }
        if self.venues.len() != 2 {
            return Err(invalid(
                "venues",
                self.venues.len(),
                "must list exactly two venues",
            ));
        }
        if self.venues[0].venue == self.venues[1].venue {
            return Err(invalid(
                "venues[1].venue",
                &self.venues[1].venue,
                "both venues have the same id",
            ));
        }
        for (vi, v) in self.venues.iter().enumerate() {
            let fee_ok = |f: Decimal| f >= Decimal::ZERO && f < Decimal::ONE;
            if !fee_ok(v.fees.taker) {
                return Err(invalid(
                    format!("venues[{vi}].fees.taker"),
                    v.fees.taker,
                    "must be in [0, 1)",
                ));
            }
            for (symbol, m) in &v.markets {
                let at = |f: &str| format!("venues[{vi}].markets.{symbol}.{f}");
                if m.interval_minutes == 0 {
                    return Err(invalid(at("interval_minutes"), 0, "must be > 0"));
                }
                if let Some(f) = m.taker_fee.filter(|f| !fee_ok(*f)) {
                    return Err(invalid(at("taker_fee"), f, "must be in [0, 1)"));
                }
                for (i, w) in m.rates.windows(2).enumerate() {
                    if w[1].time <= w[0].time {
                        return Err(invalid(
                            at(&format!("rates[{}].time", i + 1)),
                            w[1].time,
                            format!("must be after the previous point ({})", w[0].time),
                        ));
                    }
                }
                if let Some((i, p)) = m
                    .rates
                    .iter()
                    .enumerate()
                    .find(|(_, p)| p.mark_price.is_some_and(|x| x <= Decimal::ZERO))
                {
                    return Err(invalid(
                        at(&format!("rates[{i}].mark_price")),
                        p.mark_price.unwrap_or_default(),
                        "must be > 0",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads and validates a data file.
    pub fn load(path: &Path) -> Result<FundingData, DataError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            path: shown.clone(),
            source,
        })?;
        let data: FundingData = serde_json::from_str(&text).map_err(|e| DataError::Parse {
            path: shown,
            detail: e.to_string(),
        })?;
        data.validate()?;
        Ok(data)
    }

    /// Writes the file atomically (a temporary file beside it, then a rename).
    pub fn save(&self, path: &Path) -> Result<(), DataError> {
        let shown = path.display().to_string();
        let io = |source| DataError::Io {
            path: shown.clone(),
            source,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| DataError::Parse {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Symbols listed on both venues, in slot A's order.
    pub fn common_symbols(&self) -> Vec<String> {
        match self.venues.as_slice() {
            [a, b] => a
                .markets
                .keys()
                .filter(|s| b.markets.contains_key(*s))
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The taker fee of `symbol` on venue index `venue`: the market's own, else the venue's.
    pub fn taker_fee(&self, venue: usize, symbol: &str) -> Option<Decimal> {
        let v = self.venues.get(venue)?;
        Some(
            v.markets
                .get(symbol)
                .and_then(|m| m.taker_fee)
                .unwrap_or(v.fees.taker),
        )
    }
}

impl MarketHistory {
    /// Index of the last point at or before `t`.
    fn last_at_or_before(&self, t: DateTime<Utc>) -> Option<usize> {
        self.rates.partition_point(|p| p.time <= t).checked_sub(1)
    }

    /// The last settled rate at or before `t` (what the venue shows as current).
    pub fn rate_at(&self, t: DateTime<Utc>) -> Option<&RatePoint> {
        self.last_at_or_before(t).map(|i| &self.rates[i])
    }

    /// The first settlement strictly after `t`, if the data has one.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<&RatePoint> {
        self.rates.get(self.rates.partition_point(|p| p.time <= t))
    }

    /// Settlements in `(from, to]`.
    pub fn settled_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> &[RatePoint] {
        let lo = self.rates.partition_point(|p| p.time <= from);
        let hi = self.rates.partition_point(|p| p.time <= to);
        &self.rates[lo..hi.max(lo)]
    }

    /// The last known mark price at or before `t`.
    pub fn mark_at(&self, t: DateTime<Utc>) -> Option<Decimal> {
        let i = self.last_at_or_before(t)?;
        self.rates[..=i].iter().rev().find_map(|p| p.mark_price)
    }
}

impl MarketHistory {
    /// A market from a venue's settled points (`Venue::funding_history_between`), sorted and
    /// de-duplicated by time (a later duplicate wins). The interval is `interval_minutes` when
    /// given, else the most recent point's.
    pub fn from_points(
        interval_minutes: Option<u32>,
        points: &[venue_api::FundingPoint],
    ) -> MarketHistory {
        let mut by_time: BTreeMap<DateTime<Utc>, Decimal> = BTreeMap::new();
        for p in points {
            by_time.insert(p.time, p.rate);
        }
        let interval = interval_minutes
            .or_else(|| {
                points
                    .iter()
                    .max_by_key(|p| p.time)
                    .map(|p| p.interval_minutes)
            })
            .unwrap_or(60);
        MarketHistory {
            interval_minutes: interval,
            taker_fee: None,
            maker_fee: None,
            rates: by_time
                .into_iter()
                .map(|(time, rate)| RatePoint {
                    time,
                    rate,
                    mark_price: None,
                })
                .collect(),
        }
    }
}
