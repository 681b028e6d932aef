//! Exact arithmetic on decimal grids (price ticks, size steps).
//!
//! Every function works on the integer mantissas at a common scale, so results are exact:
//! no float, no rounding of the quotient. Callers keep the contract that steps are > 0.

use rust_decimal::Decimal;

/// A grid computation that cannot be done exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    /// A step or tick of zero or below. Example: a market reporting `stepSize = "0"`.
    #[error("{name} must be > 0, got {value}")]
    NonPositiveStep {
        /// Which step (e.g. "size step").
        name: &'static str,
        /// The value given.
        value: Decimal,
    },
    /// The numbers are too large or too fine to handle exactly.
    /// Example: the least common multiple of two steps with 28 decimals.
    #[error("values out of exact range: {0}")]
    Overflow(String),
}

fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

/// Mantissas of `a` and `b` at their common (larger) scale, and that scale.
fn common_scale(a: Decimal, b: Decimal) -> Result<(i128, i128, u32), GridError> {
    let scale = a.scale().max(b.scale());
    let lift = |d: Decimal| -> Option<i128> { d.mantissa().checked_mul(pow10(scale - d.scale())?) };
    match (lift(a), lift(b)) {
        (Some(x), Some(y)) => Ok((x, y, scale)),
        _ => Err(GridError::Overflow(format!("{a} and {b}"))),
    }
}

fn check_step(name: &'static str, step: Decimal) -> Result<(), GridError> {
    if step <= Decimal::ZERO {
        Err(GridError::NonPositiveStep { name, value: step })
    } else {
        Ok(())
    }
}

fn times_step(n: i128, step: Decimal) -> Result<Decimal, GridError> {
    let n =
        Decimal::try_from_i128_with_scale(n, 0).map_err(|e| GridError::Overflow(e.to_string()))?;
    n.checked_mul(step)
        .ok_or_else(|| GridError::Overflow(format!("{n} x {step}")))
}

/// The largest multiple of `step` that is <= `value`.
pub fn floor_to_step(value: Decimal, step: Decimal) -> Result<Decimal, GridError> {
    check_step("step", step)?;
    let (v, s, _) = common_scale(value, step)?;
    times_step(v.div_euclid(s), step)
}

/// The smallest multiple of `step` that is >= `value`.
pub fn ceil_to_step(value: Decimal, step: Decimal) -> Result<Decimal, GridError> {
    check_step("step", step)?;
    let (v, s, _) = common_scale(value, step)?;
    let q = v.div_euclid(s);
    let q = if v.rem_euclid(s) == 0 { q } else { q + 1 };
    times_step(q, step)
}

/// True when `value` is an exact multiple of `step`.
pub fn is_on_grid(value: Decimal, step: Decimal) -> bool {
    if step <= Decimal::ZERO {
        return false;
    }
    match common_scale(value, step) {
        Ok((v, s, _)) => v.rem_euclid(s) == 0,
        Err(_) => false,
    }
}

/// `value / step` as an integer when `value` lies on the grid (how venues that take integer
/// wire units are encoded). `None` when it does not.
pub fn steps_of(value: Decimal, step: Decimal) -> Option<i128> {
    if step <= Decimal::ZERO {
        return None;
    }
    let (v, s, _) = common_scale(value, step).ok()?;
    (v.rem_euclid(s) == 0).then(|| v / s)
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// The finest grid that both steps divide: the least common multiple on the decimal grid.
/// For steps that are powers of ten this is simply the coarser one (0.001 and 0.01 give 0.01);
/// for 0.02 and 0.05 it is 0.1, where "the coarser step" (0.05) would not be on the other grid.
pub fn common_step(a: Decimal, b: Decimal) -> Result<Decimal, GridError> {
    check_step("step", a)?;
    check_step("step", b)?;
    let (x, y, scale) = common_scale(a, b)?;
    let l = (x / gcd(x, y))
        .checked_mul(y)
        .ok_or_else(|| GridError::Overflow(format!("lcm of {a} and {b}")))?;
    Decimal::try_from_i128_with_scale(l, scale)
        .map(|d| d.normalize())
        .map_err(|e| GridError::Overflow(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use rust_decimal_macros::dec;

    #[rstest]
    #[case(dec!(1.23456), dec!(0.001), dec!(1.234), dec!(1.235))]
    #[case(dec!(1.234), dec!(0.001), dec!(1.234), dec!(1.234))]
    #[case(dec!(0.0999), dec!(0.1), dec!(0), dec!(0.1))]
    #[case(dec!(17), dec!(5), dec!(15), dec!(20))]
    #[case(dec!(0.37), dec!(0.05), dec!(0.35), dec!(0.40))]
    #[case(dec!(-0.37), dec!(0.05), dec!(-0.40), dec!(-0.35))]
    #[case(dec!(123456.789), dec!(0.5), dec!(123456.5), dec!(123457.0))]
    fn floor_and_ceil(
        #[case] v: Decimal,
        #[case] step: Decimal,
        #[case] floor: Decimal,
        #[case] ceil: Decimal,
    ) {
        assert_eq!(floor_to_step(v, step).unwrap(), floor);
        assert_eq!(ceil_to_step(v, step).unwrap(), ceil);
    }

    #[rstest]
    #[case(dec!(0.001), dec!(0.01), dec!(0.01))]
    #[case(dec!(0.01), dec!(0.001), dec!(0.01))]
    #[case(dec!(0.02), dec!(0.05), dec!(0.1))]
    #[case(dec!(1), dec!(0.0001), dec!(1))]
    #[case(dec!(0.3), dec!(0.2), dec!(0.6))]
    #[case(dec!(0.10), dec!(0.1), dec!(0.1))]
    fn common_step_is_the_lcm(#[case] a: Decimal, #[case] b: Decimal, #[case] lcm: Decimal) {
        assert_eq!(common_step(a, b).unwrap(), lcm);
    }

    #[test]
    fn non_positive_steps_are_errors() {
        assert!(matches!(
            floor_to_step(dec!(1), dec!(0)),
            Err(GridError::NonPositiveStep { .. })
        ));
        assert!(common_step(dec!(-0.1), dec!(0.1)).is_err());
        assert!(!is_on_grid(dec!(1), dec!(0)));
    }

    #[test]
    fn steps_of_only_on_grid() {
        assert_eq!(steps_of(dec!(1.25), dec!(0.01)), Some(125));
        assert_eq!(steps_of(dec!(1.255), dec!(0.01)), None);
        assert_eq!(steps_of(dec!(3000.5), dec!(0.1)), Some(30005));
    }
}
