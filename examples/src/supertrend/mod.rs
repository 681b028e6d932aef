//! SuperTrend: the Lighter maker's directional bias (pure, `Decimal`, no clock).
//!
//! The seed's Lighter maker advertised a "SuperTrend-based directional bias (flip logic)" and
//! never ran one (examples-spec B.1, EX-W13). This module is that bias:
//!
//! 1. [`CandleBuilder`] turns price samples (book mids or public trade prices, with their
//!    times) into OHLC candles of a fixed period aligned on the Unix epoch (a 60 s candle
//!    covers `[hh:mm:00, hh:mm+1:00)`). A period without any sample produces no candle (gaps
//!    are skipped, never filled with flat candles that would shrink the ATR). A sample older
//!    than the open candle is dropped (counted in [`CandleBuilder::dropped`]).
//! 2. [`SuperTrend`] reads closed candles: true range, ATR with Wilder smoothing over
//!    `period` candles (the first ATR is the mean of the first `period` true ranges, then
//!    `ATR = (ATR_prev * (period - 1) + TR) / period`), basic bands `hl2 ± multiplier * ATR`,
//!    and the final bands with the standard carry rules (Olivier Seban's SuperTrend, as in
//!    TradingView's `ta.supertrend`):
//!    - final upper = basic upper if `basic upper < previous final upper` or the previous
//!      close was above the previous final upper, else the previous final upper;
//!    - final lower = basic lower if `basic lower > previous final lower` or the previous
//!      close was below the previous final lower, else the previous final lower;
//!    - a down-trend flips up when the close ends above the final upper band, an up-trend
//!      flips down when the close ends below the final lower band; otherwise the trend holds.
//!
//!    On the first candle with an ATR the trend is up when `close >= hl2`, else down (no flip
//!    is reported for it). The SuperTrend line is the final lower band in an up-trend (the
//!    long stop) and the final upper band in a down-trend.
//! 3. [`SuperTrend::bias`]: `trend * strength` with `strength` in `[0, 1]` (configured), and
//!    `0` while the indicator warms up (fewer than `period` candles). The quoting core shifts
//!    its reservation price by `bias` times its scale (see `lighter_mm`), so in an up-trend
//!    both quotes move up (the bid comes closer to the market and fills more, the ask moves
//!    away): the maker leans long; a flip to a down-trend flips the skew at once.
//!
//! Reference: Olivier Seban, *SuperTrend* (2008); J. Welles Wilder, *New Concepts in Technical
//! Trading Systems* (1978) for the true range and its smoothing.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A bad indicator setting (from the maker's config).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuperTrendError {
    /// `period` must be at least 1, e.g. `supertrend_period: 0`.
    #[error("supertrend_period = {0}: must be at least 1 candle")]
    Period(u32),
    /// `multiplier` must be positive, e.g. `supertrend_multiplier: "-3"`.
    #[error("supertrend_multiplier = {0}: must be > 0")]
    Multiplier(Decimal),
    /// The candle length must be at least one second, e.g. `candle_secs: 0`.
    #[error("candle_secs = {0}: must be at least 1 second")]
    CandleSecs(u64),
    /// The bias strength must lie in `[0, 1]`, e.g. `bias_strength: "1.5"`.
    #[error("bias_strength = {0}: must be within [0, 1]")]
    Strength(Decimal),
}

/// One closed OHLC candle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candle {
    /// Start of its period (Unix seconds, a multiple of the period).
    pub start: i64,
    /// First price of the period.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Last price.
    pub close: Decimal,
}

impl Candle {
    /// `(high + low) / 2`, the centre of the SuperTrend bands.
    pub fn hl2(&self) -> Decimal {
        (self.high + self.low) / Decimal::TWO
    }
}

/// Builds candles of a fixed length from timed price samples.
#[derive(Debug, Clone)]
pub struct CandleBuilder {
    period_secs: i64,
    open: Option<Candle>,
    last_closed_start: Option<i64>,
    dropped: u64,
}

impl CandleBuilder {
    /// Candles of `period_secs` seconds.
    pub fn new(period_secs: u64) -> Result<Self, SuperTrendError> {
        let p = i64::try_from(period_secs).map_err(|_| SuperTrendError::CandleSecs(period_secs))?;
        if p < 1 {
            return Err(SuperTrendError::CandleSecs(period_secs));
        }
        Ok(Self {
            period_secs: p,
            open: None,
            last_closed_start: None,
            dropped: 0,
        })
    }

    fn bucket(&self, time: DateTime<Utc>) -> i64 {
        time.timestamp().div_euclid(self.period_secs) * self.period_secs
    }

    /// Adds a sample; returns the candle it closed (the previous period's), if any.
    pub fn push(&mut self, time: DateTime<Utc>, price: Decimal) -> Option<Candle> {
        let start = self.bucket(time);
        if self.last_closed_start.is_some_and(|s| start <= s) {
            self.dropped += 1;
            return None;
        }
        match self.open.as_mut() {
            Some(c) if c.start == start => {
                c.high = c.high.max(price);
                c.low = c.low.min(price);
                c.close = price;
                None
            }
            Some(c) if start < c.start => {
                self.dropped += 1;
                None
            }
            _ => {
                let closed = self.open.take();
                if let Some(c) = closed {
                    self.last_closed_start = Some(c.start);
                }
                self.open = Some(Candle {
                    start,
                    open: price,
                    high: price,
                    low: price,
                    close: price,
                });
                closed
            }
        }
    }

    /// Closes the open candle once `now` is past its period (so a quiet market still ends
    /// its candle on time); the next sample opens a new one.
    pub fn close_due(&mut self, now: DateTime<Utc>) -> Option<Candle> {
        let due = self
            .open
            .is_some_and(|c| now.timestamp() >= c.start + self.period_secs);
        if !due {
            return None;
        }
        let c = self.open.take()?;
        self.last_closed_start = Some(c.start);
        Some(c)
    }

    /// Samples dropped because they were older than the open candle.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Trend direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    /// Closes above the SuperTrend line (the maker leans long).
    Up,
    /// Closes below it (the maker leans short).
    Down,
}

impl Trend {
    /// `+1` up, `-1` down.
    pub fn sign(self) -> Decimal {
        match self {
            Trend::Up => Decimal::ONE,
            Trend::Down => Decimal::NEGATIVE_ONE,
        }
    }
}

/// The indicator after one candle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuperTrendPoint {
    /// The candle read.
    pub candle: Candle,
    /// Wilder ATR after it.
    pub atr: Decimal,
    /// Final upper band.
    pub upper: Decimal,
    /// Final lower band.
    pub lower: Decimal,
    /// Trend after this candle.
    pub trend: Trend,
    /// The SuperTrend line (lower band in an up-trend, upper band in a down-trend).
    pub line: Decimal,
    /// True when this candle flipped the trend.
    pub flipped: bool,
}

/// The SuperTrend indicator, fed one closed candle at a time.
#[derive(Debug, Clone)]
pub struct SuperTrend {
    period: u32,
    multiplier: Decimal,
    prev_close: Option<Decimal>,
    tr_sum: Decimal,
    tr_count: u32,
    atr: Option<Decimal>,
    last: Option<SuperTrendPoint>,
}

impl SuperTrend {
    /// ATR over `period` candles, bands at `multiplier` ATRs.
    pub fn new(period: u32, multiplier: Decimal) -> Result<Self, SuperTrendError> {
        if period < 1 {
            return Err(SuperTrendError::Period(period));
        }
        if multiplier <= Decimal::ZERO {
            return Err(SuperTrendError::Multiplier(multiplier));
        }
        Ok(Self {
            period,
            multiplier,
            prev_close: None,
            tr_sum: Decimal::ZERO,
            tr_count: 0,
            atr: None,
            last: None,
        })
    }

    /// Reads one closed candle; `None` while the ATR warms up (the first `period - 1`
    /// candles).
    pub fn update(&mut self, c: Candle) -> Option<SuperTrendPoint> {
        let tr = match self.prev_close {
            None => c.high - c.low,
            Some(pc) => (c.high - c.low)
                .max((c.high - pc).abs())
                .max((c.low - pc).abs()),
        };
        let prev_close = self.prev_close.replace(c.close);
        let n = Decimal::from(self.period);
        let atr = match self.atr {
            Some(a) => (a * (n - Decimal::ONE) + tr) / n,
            None => {
                self.tr_sum += tr;
                self.tr_count += 1;
                if self.tr_count < self.period {
                    return None;
                }
                self.tr_sum / n
            }
        };
        self.atr = Some(atr);
        let hl2 = c.hl2();
        let basic_upper = hl2 + self.multiplier * atr;
        let basic_lower = hl2 - self.multiplier * atr;
        let point = match (self.last, prev_close) {
            (Some(p), Some(pc)) => {
                let upper = if basic_upper < p.upper || pc > p.upper {
                    basic_upper
                } else {
                    p.upper
                };
                let lower = if basic_lower > p.lower || pc < p.lower {
                    basic_lower
                } else {
                    p.lower
                };
                let trend = match p.trend {
                    Trend::Down if c.close > upper => Trend::Up,
                    Trend::Up if c.close < lower => Trend::Down,
                    t => t,
                };
                SuperTrendPoint {
                    candle: c,
                    atr,
                    upper,
                    lower,
                    trend,
                    line: if trend == Trend::Up { lower } else { upper },
                    flipped: trend != p.trend,
                }
            }
            _ => {
                let trend = if c.close >= hl2 {
                    Trend::Up
                } else {
                    Trend::Down
                };
                SuperTrendPoint {
                    candle: c,
                    atr,
                    upper: basic_upper,
                    lower: basic_lower,
                    trend,
                    line: if trend == Trend::Up {
                        basic_lower
                    } else {
                        basic_upper
                    },
                    flipped: false,
                }
            }
        };
        self.last = Some(point);
        Some(point)
    }

    /// The latest point (after warm-up).
    pub fn last(&self) -> Option<&SuperTrendPoint> {
        self.last.as_ref()
    }

    /// The current trend, once warmed up.
    pub fn trend(&self) -> Option<Trend> {
        self.last.map(|p| p.trend)
    }

    /// `trend * strength` (in `[-1, 1]` when `strength` is), `0` during warm-up.
    pub fn bias(&self, strength: Decimal) -> Decimal {
        self.trend().map_or(Decimal::ZERO, |t| t.sign() * strength)
    }
}

/// Checks a configured bias strength (`[0, 1]`).
pub fn check_strength(strength: Decimal) -> Result<Decimal, SuperTrendError> {
    if strength < Decimal::ZERO || strength > Decimal::ONE {
        return Err(SuperTrendError::Strength(strength));
    }
    Ok(strength)
}

#[cfg(test)]
mod tests;
