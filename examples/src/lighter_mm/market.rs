//! What the maker knows of the market: the latest top of book with the (local) time it
//! arrived, whether it may be quoted on, and the SuperTrend fed from it.
//!
//! Contract: a book is usable only while it is younger than `stale_after` (measured from
//! when it reached us, so a venue clock that drifts cannot make an old book look new), has
//! both sides and is not crossed. A feed `Gap` makes the book unusable until the next book
//! arrives. A quiet market sends no book update for a while: the caller then asks REST for a
//! book ([`MarketWatch::needs_probe`]) and feeds it with [`MarketWatch::on_top`]; only when
//! that fails too does the book go stale.

use super::config::{LmmConfig, TrendSource};
use crate::supertrend::{CandleBuilder, SuperTrend, SuperTrendError, SuperTrendPoint};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::time::Duration;
use venue_api::{MarketEvent, TopOfBook};

/// Why the book may not be quoted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// No book yet (start-up, or after a feed gap).
    NoBook,
    /// The last book is older than `stale_after`.
    Stale(Duration),
    /// A side is empty.
    OneSided,
    /// Best bid at or above best ask.
    Crossed,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoBook => write!(f, "no book yet"),
            Self::Stale(age) => write!(f, "book is {:.1} s old", age.as_secs_f64()),
            Self::OneSided => write!(f, "one side of the book is empty"),
            Self::Crossed => write!(f, "the book is crossed"),
        }
    }
}

/// The book and the trend of one market.
#[derive(Debug, Clone)]
pub struct MarketWatch {
    top: Option<(TopOfBook, DateTime<Utc>)>,
    stale_after: Duration,
    source: TrendSource,
    candles: CandleBuilder,
    trend: SuperTrend,
    last_trade_id: Option<u64>,
}

fn age(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (now - at).to_std().unwrap_or(Duration::ZERO)
}

impl MarketWatch {
    /// A watch with the config's staleness limit and SuperTrend settings.
    pub fn new(cfg: &LmmConfig) -> Result<Self, SuperTrendError> {
        Ok(Self {
            top: None,
            stale_after: Duration::from_secs(cfg.stale_after_secs),
            source: cfg.trend_source,
            candles: CandleBuilder::new(cfg.candle_secs)?,
            trend: SuperTrend::new(cfg.supertrend_period, cfg.supertrend_multiplier)?,
            last_trade_id: None,
        })
    }

    /// Takes one feed event that reached us at `now`; returns the SuperTrend points of the
    /// candles it closed.
    pub fn on_event(&mut self, event: MarketEvent, now: DateTime<Utc>) -> Vec<SuperTrendPoint> {
        match event {
            MarketEvent::Book(snap) => self.on_top(snap.top(), now),
            MarketEvent::Trade(t) => {
                if self.last_trade_id.is_some_and(|last| t.trade_id <= last) {
                    return Vec::new();
                }
                self.last_trade_id = Some(t.trade_id);
                if self.source == TrendSource::Trades {
                    self.sample(t.time, t.price)
                } else {
                    Vec::new()
                }
            }
            MarketEvent::Gap { .. } => {
                self.top = None;
                Vec::new()
            }
        }
    }

    /// Takes a top of book (from the feed or REST) that reached us at `now`.
    pub fn on_top(&mut self, top: TopOfBook, now: DateTime<Utc>) -> Vec<SuperTrendPoint> {
        let mid = (!top.is_crossed()).then(|| top.mid()).flatten();
        self.top = Some((top, now));
        match (self.source, mid) {
            (TrendSource::Mid, Some(m)) => self.sample(now, m),
            _ => Vec::new(),
        }
    }

    fn sample(&mut self, at: DateTime<Utc>, price: Decimal) -> Vec<SuperTrendPoint> {
        self.candles
            .push(at, price)
            .and_then(|c| self.trend.update(c))
            .into_iter()
            .collect()
    }

    /// Closes a candle whose period ended at `now` without a sample after it.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<SuperTrendPoint> {
        self.candles
            .close_due(now)
            .and_then(|c| self.trend.update(c))
            .into_iter()
            .collect()
    }

    /// How long ago the last book reached us.
    pub fn book_age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.top.as_ref().map(|(_, at)| age(*at, now))
    }

    /// True when no book arrived for half the staleness limit: time to ask REST.
    pub fn needs_probe(&self, now: DateTime<Utc>) -> bool {
        self.book_age(now).is_none_or(|a| a >= self.stale_after / 2)
    }

    /// The book to quote on at `now`, or why there is none.
    pub fn usable(&self, now: DateTime<Utc>) -> Result<&TopOfBook, Unusable> {
        let (top, at) = self.top.as_ref().ok_or(Unusable::NoBook)?;
        let a = age(*at, now);
        if a > self.stale_after {
            return Err(Unusable::Stale(a));
        }
        if top.bid.is_none() || top.ask.is_none() {
            return Err(Unusable::OneSided);
        }
        if top.is_crossed() {
            return Err(Unusable::Crossed);
        }
        Ok(top)
    }

    /// The indicator.
    pub fn trend(&self) -> &SuperTrend {
        &self.trend
    }
}

#[cfg(test)]
#[path = "market_tests.rs"]
mod tests;
