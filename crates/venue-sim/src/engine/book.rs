//! Synthetic order books around the mid: `levels` price levels each side, one "spacing"
//! (about 1 bp, at least one tick) apart, level i holding (i+1) times the first level's size.
//! Books are recomputed from the mid on every read; liquidity taken is not remembered.

use super::market::MarketSpec;
use super::ModelParams;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use venue_api::Side;

/// One price level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    /// Price.
    pub price: Decimal,
    /// Size.
    pub size: Decimal,
}

/// A book: bids descending, asks ascending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Book {
    /// Bids, best first.
    pub bids: Vec<Level>,
    /// Asks, best first.
    pub asks: Vec<Level>,
}

/// `value` rounded to the nearest multiple of `grid`.
pub fn round_to(value: Decimal, grid: Decimal) -> Decimal {
    if grid <= Decimal::ZERO {
        return value;
    }
    ((value / grid).round() * grid).normalize()
}

/// `value` floored to a multiple of `grid`.
pub fn floor_to(value: Decimal, grid: Decimal) -> Decimal {
    if grid <= Decimal::ZERO {
        return value;
    }
    ((value / grid).floor() * grid).normalize()
}

/// The book of `market` around `mid`.
pub fn synthetic(market: &MarketSpec, mid: Decimal, params: &ModelParams) -> Book {
    let tick = market.tick;
    let center = (mid / tick).round().to_i64().unwrap_or(1).max(4);
    let spacing = (center / 10_000).max(1);
    let half = (spacing / 2).max(1);
    let base = floor_to(params.level_notional / mid.max(tick), market.step).max(market.min_size);
    let mut book = Book::default();
    for i in 0..params.levels as i64 {
        let size = base * Decimal::from(i + 1);
        let bid = center - half - i * spacing;
        if bid > 0 {
            book.bids.push(Level {
                price: (Decimal::from(bid) * tick).normalize(),
                size,
            });
        }
        book.asks.push(Level {
            price: (Decimal::from(center + half + i * spacing) * tick).normalize(),
            size,
        });
    }
    book
}

impl Book {
    /// True when a `side` order at `price` would take liquidity.
    pub fn crosses(&self, side: Side, price: Decimal) -> bool {
        match side {
            Side::Buy => self.asks.first().is_some_and(|a| a.price <= price),
            Side::Sell => self.bids.first().is_some_and(|b| b.price >= price),
        }
    }

    /// The fills of a `side` order limited at `price` for up to `qty`, level by level.
    pub fn take(&self, side: Side, price: Decimal, qty: Decimal) -> Vec<Level> {
        let levels = match side {
            Side::Buy => &self.asks,
            Side::Sell => &self.bids,
        };
        let mut left = qty;
        let mut out = Vec::new();
        for l in levels {
            if left <= Decimal::ZERO {
                break;
            }
            let ok = match side {
                Side::Buy => l.price <= price,
                Side::Sell => l.price >= price,
            };
            if !ok {
                break;
            }
            let size = l.size.min(left);
            out.push(Level {
                price: l.price,
                size,
            });
            left -= size;
        }
        out
    }

    /// The first `n` levels of each side.
    pub fn truncated(&self, n: usize) -> Book {
        Book {
            bids: self.bids.iter().take(n).copied().collect(),
            asks: self.asks.iter().take(n).copied().collect(),
        }
    }
}
