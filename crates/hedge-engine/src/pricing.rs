//! Aggressive, bounded limit prices (behavior-spec 2.5, 2.6; fixes W18, W32).
//!
//! A buy is priced `cross_ticks` ticks above the best ask, a sell below the best bid, snapped
//! onto the tick grid in the direction that keeps the order aggressive, then bounded to at
//! most `max_slippage_bps` from the reference price. Books that are empty, crossed, stale or
//! too wide are refused; a one-sided book is used (with the fallback reference) only when the
//! policy allows it.

use crate::grid::{self, GridError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::time::Duration;
use venue_api::{Side, TopOfBook};

const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

/// How aggressive and how careful pricing is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingPolicy {
    /// Ticks beyond the reference price (values below 1 count as 1). CLI default 100, bot 10.
    pub cross_ticks: u32,
    /// Largest distance from the reference price, in basis points. The order is pulled back
    /// inside this bound (but never behind the reference itself).
    pub max_slippage_bps: Decimal,
    /// Refuse books whose spread exceeds this, in basis points of the mid.
    pub max_spread_bps: Decimal,
    /// Use a one-sided book (reference falls back to the other side).
    pub allow_one_sided: bool,
    /// Refuse books older than this.
    pub max_book_age: Option<Duration>,
}

impl Default for PricingPolicy {
    fn default() -> Self {
        Self {
            cross_ticks: 100,
            max_slippage_bps: Decimal::from(50),
            max_spread_bps: Decimal::from(100),
            allow_one_sided: false,
            max_book_age: Some(Duration::from_secs(10)),
        }
    }
}

/// Slippage cap of reduce-only orders (close, unwind), basis points from the reference.
pub const REDUCE_ONLY_MAX_SLIPPAGE_BPS: u32 = 300;

impl PricingPolicy {
    /// The looser policy of reduce-only orders (close, unwind): a wide spread or a one-sided
    /// book is never a reason to keep a naked leg; the price is bounded by its own slippage
    /// cap ([`REDUCE_ONLY_MAX_SLIPPAGE_BPS`]) instead. Cross ticks and book age are kept.
    pub fn for_reduce_only(&self) -> PricingPolicy {
        PricingPolicy {
            cross_ticks: self.cross_ticks,
            max_slippage_bps: Decimal::from(REDUCE_ONLY_MAX_SLIPPAGE_BPS)
                .max(self.max_slippage_bps),
            max_spread_bps: Decimal::MAX,
            allow_one_sided: true,
            max_book_age: self.max_book_age,
        }
    }
}

/// Why no price was produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// No bid and no ask. Example: a market that just listed.
    #[error("the book is empty")]
    EmptyBook,
    /// Only one side has orders and the policy forbids one-sided pricing.
    #[error("the book has no {missing} side")]
    OneSided {
        /// "bid" or "ask".
        missing: &'static str,
    },
    /// Best bid at or above best ask: the data is wrong or stale.
    #[error("the book is crossed: bid {bid} >= ask {ask}")]
    Crossed {
        /// Best bid.
        bid: Decimal,
        /// Best ask.
        ask: Decimal,
    },
    /// Spread too wide to trade safely.
    #[error("the spread is {spread_bps} bps, above the limit of {max_bps} bps")]
    TooWide {
        /// Spread in bps of the mid (rounded to 0.01).
        spread_bps: Decimal,
        /// The limit.
        max_bps: Decimal,
    },
    /// The book is older than allowed.
    #[error("the book is {age_ms} ms old, above the limit of {max_ms} ms")]
    Stale {
        /// Age in milliseconds.
        age_ms: i64,
        /// The limit.
        max_ms: u128,
    },
    /// A sell would be priced at or below zero.
    #[error("sell price would be {0}, not above zero")]
    NonPositivePrice(Decimal),
    /// No mid price at all. Example: both venues' books empty.
    #[error("no usable prices on either venue")]
    NoUsablePrice,
    /// Grid arithmetic failed (bad tick).
    #[error(transparent)]
    Grid(#[from] GridError),
}

/// Checks a book against the policy: not empty, not crossed, not stale, not too wide, and
/// two-sided unless allowed.
pub fn check_book(
    book: &TopOfBook,
    policy: &PricingPolicy,
    now: DateTime<Utc>,
) -> Result<(), PricingError> {
    match (book.bid_price(), book.ask_price()) {
        (None, None) => return Err(PricingError::EmptyBook),
        (None, Some(_)) if !policy.allow_one_sided => {
            return Err(PricingError::OneSided { missing: "bid" })
        }
        (Some(_), None) if !policy.allow_one_sided => {
            return Err(PricingError::OneSided { missing: "ask" })
        }
        (Some(bid), Some(ask)) => {
            if bid >= ask {
                return Err(PricingError::Crossed { bid, ask });
            }
            let mid = (bid + ask) / Decimal::TWO;
            let spread_bps = ((ask - bid) / mid * BPS).round_dp(2);
            if spread_bps > policy.max_spread_bps {
                return Err(PricingError::TooWide {
                    spread_bps,
                    max_bps: policy.max_spread_bps,
                });
            }
        }
        _ => {}
    }
    if let Some(max_age) = policy.max_book_age {
        let age = now.signed_duration_since(book.time);
        if age.num_milliseconds() > i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX) {
            return Err(PricingError::Stale {
                age_ms: age.num_milliseconds(),
                max_ms: max_age.as_millis(),
            });
        }
    }
    Ok(())
}

/// The reference price of an order: a buy takes the ask (the bid if there is no ask), a sell
/// the bid (the ask if there is no bid).
pub fn reference_price(side: Side, book: &TopOfBook) -> Option<Decimal> {
    match side {
        Side::Buy => book.ask_price().or(book.bid_price()),
        Side::Sell => book.bid_price().or(book.ask_price()),
    }
}

/// An aggressive limit price for `side` on a market with price tick `tick`.
pub fn aggressive_price(
    side: Side,
    book: &TopOfBook,
    tick: Decimal,
    policy: &PricingPolicy,
    now: DateTime<Utc>,
) -> Result<Decimal, PricingError> {
    check_book(book, policy, now)?;
    let reference = reference_price(side, book).ok_or(PricingError::EmptyBook)?;
    cross_price(
        side,
        reference,
        tick,
        policy.cross_ticks,
        policy.max_slippage_bps,
    )
}

/// The pure pricing rule on a reference price (no book checks).
pub fn cross_price(
    side: Side,
    reference: Decimal,
    tick: Decimal,
    cross_ticks: u32,
    max_slippage_bps: Decimal,
) -> Result<Decimal, PricingError> {
    let k = Decimal::from(cross_ticks.max(1));
    let bound = reference * max_slippage_bps.max(Decimal::ZERO) / BPS;
    let price = match side {
        Side::Buy => {
            let crossed = grid::ceil_to_step(reference + k * tick, tick)?;
            let limit = grid::floor_to_step(reference + bound, tick)?;
            crossed.min(limit).max(grid::ceil_to_step(reference, tick)?)
        }
        Side::Sell => {
            let crossed = grid::floor_to_step(reference - k * tick, tick)?;
            let limit = grid::ceil_to_step(reference - bound, tick)?;
            crossed
                .max(limit)
                .min(grid::floor_to_step(reference, tick)?)
        }
    };
    if price <= Decimal::ZERO {
        return Err(PricingError::NonPositivePrice(price));
    }
    Ok(price)
}

/// The average mid of two venues (behavior-spec 2.5): the mean of the mids of the books that
/// have both sides; if neither has, in order: `first`'s mid, `second`'s mid,
/// (first bid + second ask) / 2, (second bid + first ask) / 2.
pub fn average_mid(first: &TopOfBook, second: &TopOfBook) -> Result<Decimal, PricingError> {
    let mids: Vec<Decimal> = [first.mid(), second.mid()].into_iter().flatten().collect();
    if !mids.is_empty() {
        return Ok(mids.iter().sum::<Decimal>() / Decimal::from(mids.len()));
    }
    let pair =
        |b: Option<Decimal>, a: Option<Decimal>| b.zip(a).map(|(b, a)| (b + a) / Decimal::TWO);
    pair(first.bid_price(), second.ask_price())
        .or_else(|| pair(second.bid_price(), first.ask_price()))
        .filter(|m| *m > Decimal::ZERO)
        .ok_or(PricingError::NoUsablePrice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use venue_api::{BookLevel, BookSource};

    fn book(bid: Option<Decimal>, ask: Option<Decimal>) -> TopOfBook {
        TopOfBook {
            bid: bid.map(|price| BookLevel {
                price,
                size: dec!(1),
            }),
            ask: ask.map(|price| BookLevel {
                price,
                size: dec!(1),
            }),
            time: DateTime::<Utc>::UNIX_EPOCH,
            source: BookSource::Stream,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::milliseconds(200)
    }

    #[test]
    fn hand_computed_cross_prices() {
        let p = PricingPolicy {
            cross_ticks: 10,
            ..PricingPolicy::default()
        };
        let b = book(Some(dec!(40.00)), Some(dec!(40.01)));
        // buy: 40.01 + 10 x 0.01 = 40.11 (27 bps, inside 50); sell: 40.00 - 0.10 = 39.90.
        assert_eq!(
            aggressive_price(Side::Buy, &b, dec!(0.01), &p, now()).unwrap(),
            dec!(40.11)
        );
        assert_eq!(
            aggressive_price(Side::Sell, &b, dec!(0.01), &p, now()).unwrap(),
            dec!(39.90)
        );
    }

    #[test]
    fn slippage_bound_pulls_the_price_back_onto_the_grid() {
        // DOGE-like: 100 ticks of 0.00001 on 0.10000 is 1 %; bounded to 50 bps = 0.1005.
        let b = book(Some(dec!(0.09999)), Some(dec!(0.10000)));
        let p = PricingPolicy::default();
        assert_eq!(
            aggressive_price(Side::Buy, &b, dec!(0.00001), &p, now()).unwrap(),
            dec!(0.10050)
        );
        // sell: 0.09999 x (1 - 0.005) = 0.09949005 -> ceil to tick 0.09950.
        assert_eq!(
            aggressive_price(Side::Sell, &b, dec!(0.00001), &p, now()).unwrap(),
            dec!(0.09950)
        );
    }

    #[test]
    fn off_grid_reference_snaps_aggressively() {
        // Reference 100.005 on a 0.01 tick, 1 tick: buy ceil(100.015) = 100.02, sell floor(99.995) = 99.99.
        assert_eq!(
            cross_price(Side::Buy, dec!(100.005), dec!(0.01), 1, dec!(50)).unwrap(),
            dec!(100.02)
        );
        assert_eq!(
            cross_price(Side::Sell, dec!(100.005), dec!(0.01), 1, dec!(50)).unwrap(),
            dec!(99.99)
        );
        // cross_ticks 0 counts as 1.
        assert_eq!(
            cross_price(Side::Buy, dec!(100), dec!(0.01), 0, dec!(50)).unwrap(),
            dec!(100.01)
        );
    }

    #[test]
    fn non_positive_sell_is_refused() {
        assert!(matches!(
            cross_price(Side::Sell, dec!(0.5), dec!(1), 100, dec!(100000)),
            Err(PricingError::NonPositivePrice(p)) if p <= Decimal::ZERO
        ));
        // Even a 1-tick sell on a sub-tick price is refused rather than sent at 0.
        assert_eq!(
            cross_price(Side::Sell, dec!(0.5), dec!(1), 1, dec!(50)),
            Err(PricingError::NonPositivePrice(dec!(0)))
        );
    }

    #[test]
    fn book_checks() {
        let p = PricingPolicy::default();
        assert_eq!(
            check_book(&book(None, None), &p, now()),
            Err(PricingError::EmptyBook)
        );
        assert_eq!(
            check_book(&book(None, Some(dec!(1))), &p, now()),
            Err(PricingError::OneSided { missing: "bid" })
        );
        assert_eq!(
            check_book(&book(Some(dec!(2)), Some(dec!(1))), &p, now()),
            Err(PricingError::Crossed {
                bid: dec!(2),
                ask: dec!(1)
            })
        );
        assert!(matches!(
            check_book(&book(Some(dec!(98)), Some(dec!(100))), &p, now()),
            Err(PricingError::TooWide { .. })
        ));
        let late = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(11);
        assert!(matches!(
            check_book(&book(Some(dec!(99.99)), Some(dec!(100))), &p, late),
            Err(PricingError::Stale { .. })
        ));
    }

    #[test]
    fn one_sided_fallback_when_allowed() {
        let p = PricingPolicy {
            cross_ticks: 2,
            allow_one_sided: true,
            max_slippage_bps: dec!(500),
            ..PricingPolicy::default()
        };
        let only_bid = book(Some(dec!(50)), None);
        // buy without an ask uses the bid: 50 + 2 x 0.5 = 51.
        assert_eq!(
            aggressive_price(Side::Buy, &only_bid, dec!(0.5), &p, now()).unwrap(),
            dec!(51.0)
        );
        let only_ask = book(None, Some(dec!(50)));
        assert_eq!(
            aggressive_price(Side::Sell, &only_ask, dec!(0.5), &p, now()).unwrap(),
            dec!(49.0)
        );
    }

    #[test]
    fn average_mid_rules() {
        let full_a = book(Some(dec!(99)), Some(dec!(101)));
        let full_b = book(Some(dec!(101)), Some(dec!(103)));
        assert_eq!(average_mid(&full_a, &full_b).unwrap(), dec!(101));
        assert_eq!(
            average_mid(&full_a, &book(None, Some(dec!(1)))).unwrap(),
            dec!(100)
        );
        // neither complete: first bid + second ask.
        assert_eq!(
            average_mid(&book(Some(dec!(10)), None), &book(None, Some(dec!(12)))).unwrap(),
            dec!(11)
        );
        assert_eq!(
            average_mid(&book(None, Some(dec!(12))), &book(Some(dec!(10)), None)).unwrap(),
            dec!(11)
        );
        assert_eq!(
            average_mid(&book(None, None), &book(Some(dec!(10)), None)),
            Err(PricingError::NoUsablePrice)
        );
    }

    fn tick() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(dec!(1)),
            Just(dec!(0.5)),
            Just(dec!(0.1)),
            Just(dec!(0.01)),
            Just(dec!(0.00001)),
            Just(dec!(0.0025))
        ]
    }

    proptest! {
        /// Buys never below the reference, sells never above; always on the tick grid; never
        /// further than the slippage bound plus one tick; sells always > 0.
        #[test]
        fn prices_are_aggressive_bounded_and_on_grid(
            reference_units in 1u64..100_000_000,
            tick in tick(),
            k in 0u32..500,
            bps in 1u32..1000,
            buy in any::<bool>(),
        ) {
            let reference = Decimal::new(reference_units as i64, 4);
            let side = if buy { Side::Buy } else { Side::Sell };
            let max_bps = Decimal::from(bps);
            match cross_price(side, reference, tick, k, max_bps) {
                Ok(price) => {
                    prop_assert!(grid::is_on_grid(price, tick));
                    prop_assert!(price > Decimal::ZERO);
                    let bound = reference * max_bps / BPS;
                    if buy {
                        prop_assert!(price >= reference);
                        prop_assert!(price <= (reference + bound).max(reference + tick));
                    } else {
                        prop_assert!(price <= reference);
                        prop_assert!(price >= (reference - bound).min(reference - tick));
                    }
                }
                Err(PricingError::NonPositivePrice(_)) => prop_assert!(!buy),
                Err(e) => prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
