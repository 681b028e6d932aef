//! Putting a quote on the market's grids: bids round down and asks round up to the tick (a
//! quote is never tighter than the model asked), and neither side may cross the book, so a
//! post-only order is not refused for crossing when the book is as we saw it.

use super::{positive, QuoteError, RawQuote};
use rust_decimal::Decimal;
use venue_api::{MarketInfo, TopOfBook};

/// The grids of one market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketGrid {
    /// Price tick (> 0).
    pub tick: Decimal,
    /// Size step (> 0).
    pub step: Decimal,
    /// Smallest order size (>= 0).
    pub min_size: Decimal,
}

impl MarketGrid {
    /// The grids of a market as the venue lists it.
    pub fn of(market: &MarketInfo) -> Result<Self, QuoteError> {
        Ok(Self {
            tick: positive("tick_size", market.tick_size)?,
            step: positive("step_size", market.step_size)?,
            min_size: market.min_size.max(Decimal::ZERO),
        })
    }
}

/// The largest multiple of `grid` at or below `value` (`grid` > 0).
pub fn floor_to(value: Decimal, grid: Decimal) -> Decimal {
    if grid <= Decimal::ZERO {
        return value;
    }
    ((value / grid).floor() * grid).normalize()
}

/// The smallest multiple of `grid` at or above `value` (`grid` > 0).
pub fn ceil_to(value: Decimal, grid: Decimal) -> Decimal {
    if grid <= Decimal::ZERO {
        return value;
    }
    ((value / grid).ceil() * grid).normalize()
}

/// True when `value` is an exact multiple of `grid`.
pub fn on_grid(value: Decimal, grid: Decimal) -> bool {
    grid > Decimal::ZERO && (value % grid).is_zero()
}

/// A quote on the tick grid; a side is `None` when it has no positive price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridQuote {
    /// Bid price (a multiple of the tick, below the best ask).
    pub bid: Option<Decimal>,
    /// Ask price (a multiple of the tick, above the best bid).
    pub ask: Option<Decimal>,
}

impl GridQuote {
    /// `raw` on the tick grid, kept off the far side of `book`: a bid at or above the best ask
    /// moves to one tick below it, an ask at or below the best bid to one tick above it.
    /// A crossed book is the caller's to refuse (see `mm`); here it only makes the guard
    /// meaningless, so it is an error.
    pub fn place(raw: &RawQuote, tick: Decimal, book: &TopOfBook) -> Result<Self, QuoteError> {
        let tick = positive("tick_size", tick)?;
        if book.is_crossed() {
            return Err(QuoteError::OutOfRange {
                name: "book",
                value: book.bid_price().unwrap_or_default(),
                expected: "a best bid below the best ask",
            });
        }
        let mut bid = floor_to(raw.bid, tick);
        let mut ask = ceil_to(raw.ask, tick);
        if let Some(best_ask) = book.ask_price() {
            if bid >= best_ask {
                bid = floor_to(best_ask - tick, tick);
            }
        }
        if let Some(best_bid) = book.bid_price() {
            if ask <= best_bid {
                ask = ceil_to(best_bid + tick, tick);
            }
        }
        if bid >= ask {
            // only reachable with a one-tick book and a quote inside it: keep the side
            // nearer the model and push the other one tick away
            ask = bid + tick;
        }
        Ok(Self {
            bid: (bid > Decimal::ZERO).then_some(bid),
            ask: (ask > Decimal::ZERO).then_some(ask),
        })
    }
}
