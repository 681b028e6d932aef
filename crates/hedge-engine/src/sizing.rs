//! Sizing a hedge: one size for both legs, on both venues' grids, within capacity and above
//! both venues' minimums (behavior-spec 2.4, fixes W11-W14).
//!
//! The only way to get a [`HedgeSize`] is [`size_hedge`], so a value of that type is proof
//! that the size passed every check.

use crate::grid::{self, GridError};
use rust_decimal::Decimal;
use serde::Serialize;
use venue_api::MarketInfo;

/// One leg's venue and market, for sizing and messages.
#[derive(Debug, Clone, Copy)]
pub struct LegMarket<'a> {
    /// Venue id, used in messages.
    pub venue: &'a str,
    /// The market on that venue.
    pub market: &'a MarketInfo,
}

impl<'a> LegMarket<'a> {
    /// Pairs a venue id with its market.
    pub fn new(venue: &'a str, market: &'a MarketInfo) -> Self {
        Self { venue, market }
    }
}

/// How the operator asked for the size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeRequest {
    /// Base units (`--size-base`).
    Base(Decimal),
    /// Quote currency, converted at the mid price (`--size-quote`, or the config's notional).
    Quote(Decimal),
}

/// One venue's minimum order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegMinimum {
    /// Venue id.
    pub venue: String,
    /// Minimum size in base units.
    pub min_size: Decimal,
    /// Minimum value in quote currency, where the venue has one.
    pub min_quote: Option<Decimal>,
}

/// Why no size could be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizingError {
    /// The requested amount is zero or negative. Example: `--size-quote 0`.
    #[error("requested size must be > 0, got {0}")]
    NonPositiveRequest(Decimal),
    /// No usable price to convert a quote amount. Example: both books empty.
    #[error("mid price must be > 0, got {0}")]
    NonPositiveMid(Decimal),
    /// The request is smaller than one step of the common grid. Example: 0.004 BTC on a
    /// 0.01 grid.
    #[error(
        "size rounds to zero: {} base is below one common step of {common_step}; \
         the minimum is {minimum} (~{minimum_quote} {currency}), try at least {recommended_quote} {currency}",
        requested_base.round_dp(8)
    )]
    RoundsToZero {
        /// The quote currency the amounts are in (`USD`).
        currency: Box<str>,
        /// The request in base units.
        requested_base: Decimal,
        /// The grid both legs share.
        common_step: Decimal,
        /// The smallest size both venues accept, on the common grid.
        minimum: Decimal,
        /// Its value at mid.
        minimum_quote: Decimal,
        /// minimum x mid x 1.1, rounded up to a cent.
        recommended_quote: Decimal,
    },
    /// The size is below a venue's minimum. The message gives each minimum and a notional
    /// that would pass.
    #[error(
        "size {size} (~{size_quote} {currency}) is below the minimum {minimum} (~{minimum_quote} {currency}); \
         minimums: {}; try at least {recommended_quote} {currency}",
        minimums.iter().map(|m| match m.min_quote {
            Some(q) => format!("{} {} base / {} {currency}", m.venue, m.min_size.normalize(), q.normalize()),
            None => format!("{} {} base", m.venue, m.min_size.normalize()),
        }).collect::<Vec<_>>().join(", ")
    )]
    BelowMinimum {
        /// The quote currency the amounts are in (`USD`).
        currency: Box<str>,
        /// The size after rounding.
        size: Decimal,
        /// Its value at mid.
        size_quote: Decimal,
        /// The smallest size both venues accept, on the common grid.
        minimum: Decimal,
        /// Its value at mid.
        minimum_quote: Decimal,
        /// Each venue's minimum.
        minimums: Vec<LegMinimum>,
        /// minimum x mid x 1.1, rounded up to a cent.
        recommended_quote: Decimal,
    },
    /// The size is above what the collateral allows. Example: 1000 USD asked, 400 possible.
    #[error("size {size} exceeds the capacity of {capacity} base")]
    ExceedsCapacity {
        /// The size after rounding.
        size: Decimal,
        /// The hedge capacity.
        capacity: Decimal,
    },
    /// Grid arithmetic failed (bad step).
    #[error(transparent)]
    Grid(#[from] GridError),
}

/// A size valid on both legs: on both grids, within capacity, above both minimums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HedgeSize {
    size: Decimal,
    common_step: Decimal,
    requested_base: Decimal,
    mid: Decimal,
}

impl HedgeSize {
    /// The size for each leg, in base units.
    pub fn size(&self) -> Decimal {
        self.size
    }

    /// The grid both legs share.
    pub fn common_step(&self) -> Decimal {
        self.common_step
    }

    /// The request before rounding, in base units.
    pub fn requested_base(&self) -> Decimal {
        self.requested_base
    }

    /// The mid price used.
    pub fn mid(&self) -> Decimal {
        self.mid
    }

    /// The size's value at that mid.
    pub fn quote_value(&self) -> Decimal {
        self.size * self.mid
    }
}

/// The smallest size, on the common grid, that both venues accept at `mid`.
pub fn minimum_hedge_size(
    long: LegMarket<'_>,
    short: LegMarket<'_>,
    mid: Decimal,
    common_step: Decimal,
) -> Result<Decimal, GridError> {
    let mut minimum = common_step;
    for leg in [long, short] {
        minimum = minimum.max(leg.market.min_size);
        if let (Some(q), true) = (leg.market.min_quote, mid > Decimal::ZERO) {
            minimum = minimum.max(q / mid);
        }
    }
    grid::ceil_to_step(minimum, common_step)
}

/// Turns a request into the size both legs will trade.
pub fn size_hedge(
    request: SizeRequest,
    long: LegMarket<'_>,
    short: LegMarket<'_>,
    mid: Decimal,
    capacity: Option<Decimal>,
) -> Result<HedgeSize, SizingError> {
    let amount = match request {
        SizeRequest::Base(b) | SizeRequest::Quote(b) => b,
    };
    if amount <= Decimal::ZERO {
        return Err(SizingError::NonPositiveRequest(amount));
    }
    if mid <= Decimal::ZERO {
        return Err(SizingError::NonPositiveMid(mid));
    }
    let requested_base = match request {
        SizeRequest::Base(b) => b,
        SizeRequest::Quote(q) => q / mid,
    };
    let common_step = grid::common_step(long.market.step_size, short.market.step_size)?;
    let size = grid::floor_to_step(requested_base, common_step)?;
    let minimum = minimum_hedge_size(long, short, mid, common_step)?;
    let recommended = grid::ceil_to_step(minimum * mid * Decimal::new(11, 1), Decimal::new(1, 2))?;
    if size <= Decimal::ZERO {
        return Err(SizingError::RoundsToZero {
            currency: long.market.quote.as_str().into(),
            requested_base,
            common_step,
            minimum,
            minimum_quote: (minimum * mid).round_dp(2),
            recommended_quote: recommended,
        });
    }
    if size < minimum {
        return Err(SizingError::BelowMinimum {
            currency: long.market.quote.as_str().into(),
            size,
            size_quote: (size * mid).round_dp(2),
            minimum,
            minimum_quote: (minimum * mid).round_dp(2),
            minimums: [long, short]
                .iter()
                .map(|l| LegMinimum {
                    venue: l.venue.to_string(),
                    min_size: l.market.min_size,
                    min_quote: l.market.min_quote,
                })
                .collect(),
            recommended_quote: recommended,
        });
    }
    if let Some(capacity) = capacity {
        if size > capacity {
            return Err(SizingError::ExceedsCapacity { size, capacity });
        }
    }
    Ok(HedgeSize {
        size,
        common_step,
        requested_base,
        mid,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;
    use venue_api::{MarketId, MarketStatus};

    pub(crate) fn market(
        tick: Decimal,
        step: Decimal,
        min_size: Decimal,
        min_quote: Option<Decimal>,
    ) -> MarketInfo {
        MarketInfo {
            symbol: "HYPE".into(),
            quote: "USD".into(),
            market_id: MarketId::from("1"),
            tick_size: tick,
            step_size: step,
            min_size,
            min_quote,
            max_leverage: Some(dec!(20)),
            default_leverage: Some(dec!(3)),
            taker_fee: Some(dec!(0.0005)),
            maker_fee: Some(dec!(0.0002)),
            funding_interval_minutes: Some(60),
            status: MarketStatus::Active,
            maintenance_margin_fraction: None,
        }
    }

    #[test]
    fn quote_size_converted_at_mid_and_floored_to_coarser_step() {
        // 200 USD at mid 40 = 5 base; at mid 41.3 = 4.842615... -> 4.84 on a 0.01 grid.
        let a = market(dec!(0.001), dec!(0.01), dec!(0.01), None);
        let b = market(dec!(0.0001), dec!(0.001), dec!(0.001), Some(dec!(10)));
        let s = size_hedge(
            SizeRequest::Quote(dec!(200)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &b),
            dec!(40),
            None,
        )
        .unwrap();
        assert_eq!(s.size(), dec!(5.00));
        assert_eq!(s.common_step(), dec!(0.01));
        let s = size_hedge(
            SizeRequest::Quote(dec!(200)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &b),
            dec!(41.3),
            None,
        )
        .unwrap();
        assert_eq!(s.size(), dec!(4.84));
    }

    #[test]
    fn base_size_is_floored_not_rounded() {
        let a = market(dec!(0.1), dec!(0.001), dec!(0.001), None);
        let s = size_hedge(
            SizeRequest::Base(dec!(0.12399)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &a),
            dec!(100000),
            None,
        )
        .unwrap();
        assert_eq!(s.size(), dec!(0.123));
    }

    #[test]
    fn rounds_to_zero() {
        let a = market(dec!(0.1), dec!(0.01), dec!(0.01), None);
        let err = size_hedge(
            SizeRequest::Base(dec!(0.004)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &a),
            dec!(100),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err,
            SizingError::RoundsToZero {
                currency: "USD".into(),
                requested_base: dec!(0.004),
                common_step: dec!(0.01),
                minimum: dec!(0.01),
                minimum_quote: dec!(1.00),
                recommended_quote: dec!(1.10),
            }
        );
        assert!(err.to_string().contains("try at least 1.10 USD"), "{err}");
    }

    #[test]
    fn below_minimum_names_both_venues_and_recommends_a_notional() {
        let edge = market(dec!(0.001), dec!(0.1), dec!(0.5), None);
        let light = market(dec!(0.0001), dec!(0.01), dec!(0.01), Some(dec!(10)));
        let err = size_hedge(
            SizeRequest::Quote(dec!(10)),
            LegMarket::new("edgex", &edge),
            LegMarket::new("lighter", &light),
            dec!(40),
            None,
        )
        .unwrap_err();
        match &err {
            SizingError::BelowMinimum {
                size,
                minimum,
                recommended_quote,
                ..
            } => {
                assert_eq!(*size, dec!(0.2));
                assert_eq!(*minimum, dec!(0.5));
                // 0.5 x 40 x 1.1 = 22.00
                assert_eq!(*recommended_quote, dec!(22.00));
            }
            other => panic!("unexpected {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("edgex 0.5 base") && text.contains("lighter 0.01 base / 10 USD"),
            "{text}"
        );
    }

    #[test]
    fn min_quote_binds() {
        // Lighter-style minimum of 10 USD at mid 40 = 0.25 base.
        let a = market(dec!(0.001), dec!(0.01), dec!(0.01), Some(dec!(10)));
        let err = size_hedge(
            SizeRequest::Base(dec!(0.2)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &a),
            dec!(40),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, SizingError::BelowMinimum { minimum, .. } if minimum == dec!(0.25)));
    }

    #[test]
    fn capacity_is_a_hard_limit() {
        let a = market(dec!(0.001), dec!(0.01), dec!(0.01), None);
        let err = size_hedge(
            SizeRequest::Base(dec!(3)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &a),
            dec!(40),
            Some(dec!(2.5)),
        )
        .unwrap_err();
        assert_eq!(
            err,
            SizingError::ExceedsCapacity {
                size: dec!(3.00),
                capacity: dec!(2.5)
            }
        );
    }

    #[test]
    fn non_power_of_ten_steps_use_the_lcm() {
        let a = market(dec!(0.001), dec!(0.02), dec!(0.02), None);
        let b = market(dec!(0.001), dec!(0.05), dec!(0.05), None);
        let s = size_hedge(
            SizeRequest::Base(dec!(0.37)),
            LegMarket::new("a", &a),
            LegMarket::new("b", &b),
            dec!(1),
            None,
        )
        .unwrap();
        assert_eq!(s.size(), dec!(0.3));
        assert_eq!(s.common_step(), dec!(0.1));
    }

    #[test]
    fn non_positive_inputs() {
        let a = market(dec!(0.001), dec!(0.01), dec!(0.01), None);
        let l = LegMarket::new("a", &a);
        assert_eq!(
            size_hedge(SizeRequest::Quote(dec!(0)), l, l, dec!(1), None),
            Err(SizingError::NonPositiveRequest(dec!(0)))
        );
        assert_eq!(
            size_hedge(SizeRequest::Quote(dec!(5)), l, l, dec!(0), None),
            Err(SizingError::NonPositiveMid(dec!(0)))
        );
    }

    fn step() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(dec!(1)),
            Just(dec!(0.1)),
            Just(dec!(0.01)),
            Just(dec!(0.001)),
            Just(dec!(0.00001)),
            Just(dec!(0.02)),
            Just(dec!(0.05)),
            Just(dec!(0.25)),
            Just(dec!(5)),
        ]
    }

    proptest! {
        /// Both legs identical (one value), on both grids, within capacity, above minimums.
        #[test]
        fn sized_hedge_invariants(
            step_a in step(),
            step_b in step(),
            min_steps_a in 1u32..20,
            min_steps_b in 1u32..20,
            quote in 1u64..1_000_000,
            mid_cents in 1u64..10_000_000,
            cap in proptest::option::of(0u64..100_000),
            by_base in any::<bool>(),
        ) {
            let a = market(dec!(0.01), step_a, step_a * Decimal::from(min_steps_a), None);
            let b = market(dec!(0.01), step_b, step_b * Decimal::from(min_steps_b), Some(dec!(10)));
            let mid = Decimal::new(mid_cents as i64, 2);
            let capacity = cap.map(|c| Decimal::new(c as i64, 1));
            let request = if by_base { SizeRequest::Base(Decimal::new(quote as i64, 3)) } else { SizeRequest::Quote(Decimal::from(quote)) };
            if let Ok(s) = size_hedge(request, LegMarket::new("a", &a), LegMarket::new("b", &b), mid, capacity) {
                let size = s.size();
                prop_assert!(grid::is_on_grid(size, step_a), "{size} not on {step_a}");
                prop_assert!(grid::is_on_grid(size, step_b), "{size} not on {step_b}");
                prop_assert!(size >= a.min_size && size >= b.min_size);
                prop_assert!(size * mid >= dec!(10));
                prop_assert!(size <= s.requested_base());
                if let Some(c) = capacity { prop_assert!(size <= c); }
            }
        }
    }
}
