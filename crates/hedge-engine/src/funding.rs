//! Funding-rate normalisation and the direction/edge of a two-venue pair.
//!
//! Venues publish a rate per funding interval, and intervals differ per venue and per
//! contract (one hour, four hours, eight hours). Rates of different intervals are never
//! compared directly: everything is first turned into an hourly rate and an APR.
//!
//! Sign convention (every venue): a positive rate means longs pay shorts. Holding a short on a
//! venue earns its APR; holding a long pays it. The net APR of "long A, short B" is therefore
//! `APR_B - APR_A` (behavior-spec 2.2; this fixes the seed's both-negative defect, W07).

use rust_decimal::Decimal;
use serde::Serialize;

/// Hours in a (non-leap) year: APRs are simple, never compounded.
pub const HOURS_PER_YEAR: Decimal = Decimal::from_parts(8760, 0, 0, false, 0);

/// Taker fills in one round trip of a hedge: open and close, on both venues.
pub const TAKER_FILLS_PER_ROUND_TRIP: Decimal = Decimal::from_parts(4, 0, 0, false, 0);

/// A funding computation that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum FundingError {
    /// The venue gave no usable funding interval. Example: a contract with
    /// `fundingRateIntervalMin = "0"`; such a symbol is skipped with a message.
    #[error("funding interval must be > 0 minutes, got {0}")]
    BadInterval(u32),
    /// A hold duration of zero or below. Example: `hold_duration_hours = 0` in the bot config.
    #[error("hold duration must be > 0 hours, got {0}")]
    BadHold(Decimal),
    /// A negative fee rate. Example: a config typo `taker_fee = -0.0005`.
    #[error("fee rate must be >= 0, got {0}")]
    BadFee(Decimal),
}

/// A rate per interval together with its hourly and yearly equivalents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NormalisedRate {
    /// Fraction per interval as the venue publishes it.
    pub rate_per_interval: Decimal,
    /// Interval length in minutes.
    pub interval_minutes: u32,
    /// Fraction per hour.
    pub hourly_rate: Decimal,
    /// Percent per year (hourly x 8760 x 100).
    pub apr_percent: Decimal,
}

impl NormalisedRate {
    /// Percent per interval (for display next to the venue's own figure).
    pub fn percent_per_interval(&self) -> Decimal {
        self.rate_per_interval * Decimal::ONE_HUNDRED
    }

    /// Percent per hour.
    pub fn percent_per_hour(&self) -> Decimal {
        self.hourly_rate * Decimal::ONE_HUNDRED
    }
}

/// Normalises a per-interval rate. With a 240-minute interval the APR equals the seed's
/// `percent x 6 x 365` exactly, so figures stay comparable.
pub fn normalise(
    rate_per_interval: Decimal,
    interval_minutes: u32,
) -> Result<NormalisedRate, FundingError> {
    if interval_minutes == 0 {
        return Err(FundingError::BadInterval(interval_minutes));
    }
    // Multiply before dividing so that common intervals stay exact.
    let hourly_rate = rate_per_interval * Decimal::from(60u32) / Decimal::from(interval_minutes);
    let apr_percent = hourly_rate * HOURS_PER_YEAR * Decimal::ONE_HUNDRED;
    Ok(NormalisedRate {
        rate_per_interval,
        interval_minutes,
        hourly_rate,
        apr_percent,
    })
}

/// Which venue of a pair holds the long leg. "A" and "B" are the caller's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Long on A, short on B.
    LongAShortB,
    /// Long on B, short on A.
    LongBShortA,
}

impl Direction {
    /// The reverse assignment.
    pub fn reversed(self) -> Self {
        match self {
            Direction::LongAShortB => Direction::LongBShortA,
            Direction::LongBShortA => Direction::LongAShortB,
        }
    }
}

/// Net APR (percent) earned by holding `direction`: APR of the short venue minus APR of the
/// long venue.
pub fn net_apr(direction: Direction, apr_a: Decimal, apr_b: Decimal) -> Decimal {
    match direction {
        Direction::LongAShortB => apr_b - apr_a,
        Direction::LongBShortA => apr_a - apr_b,
    }
}

/// The direction with the higher net APR: short the venue whose APR is higher. On a tie the
/// long leg goes to A (the seed's tie rule, with A = the first venue of the pair).
pub fn best_direction(apr_a: Decimal, apr_b: Decimal) -> Direction {
    if apr_a > apr_b {
        Direction::LongBShortA
    } else {
        Direction::LongAShortB
    }
}

/// Break-even APR (percent) of a hedge held for `hold_hours`: the taker fees of a full round
/// trip (open and close on both venues, as fractions of one leg's notional) amortised over the
/// hold. A position earning less net APR than this loses money after fees.
pub fn break_even_apr(
    taker_fee_a: Decimal,
    taker_fee_b: Decimal,
    hold_hours: Decimal,
) -> Result<Decimal, FundingError> {
    for fee in [taker_fee_a, taker_fee_b] {
        if fee < Decimal::ZERO {
            return Err(FundingError::BadFee(fee));
        }
    }
    if hold_hours <= Decimal::ZERO {
        return Err(FundingError::BadHold(hold_hours));
    }
    // Each venue is hit twice (open + close): 2 x (fee_a + fee_b) of one leg's notional.
    let round_trip_percent = Decimal::TWO * (taker_fee_a + taker_fee_b) * Decimal::ONE_HUNDRED;
    Ok(round_trip_percent * HOURS_PER_YEAR / hold_hours)
}

/// Everything a ranking or a display needs about one symbol on one pair of venues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PairFunding {
    /// Venue A's normalised rate.
    pub a: NormalisedRate,
    /// Venue B's normalised rate.
    pub b: NormalisedRate,
    /// The better direction.
    pub direction: Direction,
    /// Net APR of that direction, percent (always >= 0).
    pub net_apr: Decimal,
    /// Fee break-even APR, percent, when fees and a hold were given.
    pub break_even_apr: Option<Decimal>,
    /// `net_apr - break_even_apr`: what is left after fees.
    pub edge_apr: Option<Decimal>,
}

/// Fees and hold time for the fee-aware figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeModel {
    /// Taker fee of venue A (fraction).
    pub taker_fee_a: Decimal,
    /// Taker fee of venue B (fraction).
    pub taker_fee_b: Decimal,
    /// Planned hold in hours.
    pub hold_hours: Decimal,
}

/// Normalises both rates and picks the better direction, fee-aware when `fees` is given.
pub fn evaluate_pair(
    a: (Decimal, u32),
    b: (Decimal, u32),
    fees: Option<FeeModel>,
) -> Result<PairFunding, FundingError> {
    let a = normalise(a.0, a.1)?;
    let b = normalise(b.0, b.1)?;
    let direction = best_direction(a.apr_percent, b.apr_percent);
    let net = net_apr(direction, a.apr_percent, b.apr_percent);
    let break_even = fees
        .map(|f| break_even_apr(f.taker_fee_a, f.taker_fee_b, f.hold_hours))
        .transpose()?;
    Ok(PairFunding {
        a,
        b,
        direction,
        net_apr: net,
        break_even_apr: break_even,
        edge_apr: break_even.map(|be| net - be),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn four_hour_interval_matches_seed_six_times_365() {
        // 0.067389 % per 4 h: seed APR = 0.067389 x 6 x 365.
        let r = normalise(dec!(0.00067389), 240).unwrap();
        assert_eq!(r.apr_percent, dec!(0.067389) * dec!(6) * dec!(365));
        assert_eq!(r.apr_percent, dec!(147.58191));
        assert_eq!(r.hourly_rate, dec!(0.0001684725));
        assert_eq!(r.percent_per_interval(), dec!(0.067389));
    }

    #[test]
    fn hourly_interval() {
        let r = normalise(dec!(0.000028), 60).unwrap();
        assert_eq!(r.apr_percent, dec!(24.528));
        assert_eq!(r.percent_per_hour(), dec!(0.0028));
        let r8 = normalise(dec!(0.0001), 480).unwrap();
        assert_eq!(r8.hourly_rate, dec!(0.0000125));
        assert_eq!(r8.apr_percent, dec!(10.95));
    }

    #[test]
    fn zero_interval_is_an_error() {
        assert_eq!(
            normalise(dec!(0.0001), 0),
            Err(FundingError::BadInterval(0))
        );
    }

    /// behavior-spec 2.2, check value from the seed's real state file: EdgeX 0.067389 %/4h,
    /// Lighter 0.0028 %/h, long Lighter: 123.05391 %.
    #[test]
    fn worked_example_from_state_file() {
        let p = evaluate_pair((dec!(0.00067389), 240), (dec!(0.000028), 60), None).unwrap();
        assert_eq!(p.direction, Direction::LongBShortA); // short EdgeX (A), long Lighter (B)
        assert_eq!(p.net_apr, dec!(123.05391));
    }

    /// behavior-spec 2.2, both negative: EdgeX -0.01 %/4h (APR -21.9 %), Lighter -0.001 %/h
    /// (APR -8.76 %): long EdgeX, short Lighter, net 13.14 % (the seed said 30.66 %).
    #[test]
    fn worked_example_both_negative() {
        let p = evaluate_pair((dec!(-0.0001), 240), (dec!(-0.00001), 60), None).unwrap();
        assert_eq!(p.a.apr_percent, dec!(-21.9));
        assert_eq!(p.b.apr_percent, dec!(-8.76));
        assert_eq!(p.direction, Direction::LongAShortB);
        assert_eq!(p.net_apr, dec!(13.14));
    }

    #[test]
    fn tie_goes_long_a() {
        assert_eq!(best_direction(dec!(5), dec!(5)), Direction::LongAShortB);
        assert_eq!(
            net_apr(Direction::LongAShortB, dec!(5), dec!(5)),
            Decimal::ZERO
        );
    }

    #[test]
    fn break_even_hand_computed() {
        // Taker 0.05 % on A and 0.036 % on B, 8 h hold: round trip = 2 x 0.086 % = 0.172 %;
        // amortised: 0.172 x 8760 / 8 = 188.34 % APR.
        assert_eq!(
            break_even_apr(dec!(0.0005), dec!(0.00036), dec!(8)).unwrap(),
            dec!(188.34)
        );
        // Same fees held a week (168 h): 0.172 x 8760 / 168.
        assert_eq!(
            break_even_apr(dec!(0.0005), dec!(0.00036), dec!(168)).unwrap(),
            dec!(0.172) * dec!(8760) / dec!(168)
        );
        assert!(matches!(
            break_even_apr(dec!(0.0005), dec!(0.0005), dec!(0)),
            Err(FundingError::BadHold(_))
        ));
        assert!(matches!(
            break_even_apr(dec!(-0.1), dec!(0.0005), dec!(8)),
            Err(FundingError::BadFee(_))
        ));
    }

    #[test]
    fn edge_is_net_minus_break_even() {
        let fees = FeeModel {
            taker_fee_a: dec!(0.0002),
            taker_fee_b: dec!(0),
            hold_hours: dec!(8760),
        };
        let p = evaluate_pair((dec!(0.00067389), 240), (dec!(0.000028), 60), Some(fees)).unwrap();
        // 2 x 0.02 % = 0.04 % over a year: break-even 0.04 % APR.
        assert_eq!(p.break_even_apr, Some(dec!(0.04)));
        assert_eq!(p.edge_apr, Some(dec!(123.01391)));
    }

    fn rate() -> impl Strategy<Value = Decimal> {
        (-100_000i64..100_000).prop_map(|n| Decimal::new(n, 8))
    }

    fn interval() -> impl Strategy<Value = u32> {
        prop_oneof![Just(60u32), Just(240), Just(480), 1u32..1440]
    }

    proptest! {
        #[test]
        fn best_direction_is_never_worse_and_never_negative(ra in rate(), ia in interval(), rb in rate(), ib in interval()) {
            let p = evaluate_pair((ra, ia), (rb, ib), None).unwrap();
            let other = net_apr(p.direction.reversed(), p.a.apr_percent, p.b.apr_percent);
            prop_assert!(p.net_apr >= other);
            prop_assert!(p.net_apr >= Decimal::ZERO);
            prop_assert_eq!(p.net_apr, (p.a.apr_percent - p.b.apr_percent).abs());
        }

        #[test]
        fn directions_are_opposite(apr_a in rate(), apr_b in rate()) {
            prop_assert_eq!(
                net_apr(Direction::LongAShortB, apr_a, apr_b),
                -net_apr(Direction::LongBShortA, apr_a, apr_b)
            );
        }
    }
}
