//! Exact conversions from decimal order values to the integers EdgeX signs.
//!
//! Every rule follows spec §4.2 (V1) and appendix B (V2). Arithmetic is on big integers:
//! a decimal is `mantissa / 10^scale`, and a value that must be an integer on a grid but is
//! not is an error. The only truncation is the protocol's own (`amount_collateral`, which the
//! venue computes the same way from `l2Value`).

use super::SigningError;
use num_bigint::BigUint;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;
/// Milliseconds in an hour.
pub const HOUR_MS: u64 = 3_600_000;

/// A non-negative decimal as `mantissa / 10^scale`, exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactDecimal {
    /// Digits without the point.
    pub mantissa: BigUint,
    /// Digits after the point.
    pub scale: u32,
}

impl ExactDecimal {
    /// From a non-negative `Decimal`, keeping its scale (trailing zeros included).
    pub fn from_decimal(value: Decimal, what: &str) -> Result<Self, SigningError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(SigningError::InvalidValue(format!(
                "{what} {value} is negative"
            )));
        }
        let mantissa = value.mantissa().unsigned_abs();
        Ok(Self {
            mantissa: BigUint::from(mantissa),
            scale: value.scale(),
        })
    }

    /// Exact product; scale = sum of scales (Python `Decimal` multiplication).
    pub fn mul(&self, other: &Self) -> Self {
        Self {
            mantissa: &self.mantissa * &other.mantissa,
            scale: self.scale + other.scale,
        }
    }

    /// Plain decimal text with every digit of the scale kept (`2471.7258`, `26.6400000000`).
    pub fn to_plain_string(&self) -> String {
        let digits = self.mantissa.to_str_radix(10);
        let scale = self.scale as usize;
        if scale == 0 {
            return digits;
        }
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        format!("{int}.{frac}")
    }

    /// `self × factor`, which must be an integer: otherwise the value is off the grid.
    pub fn scale_exact(&self, factor: &BigUint, what: &str) -> Result<BigUint, SigningError> {
        let product = &self.mantissa * factor;
        let divisor = pow10(self.scale);
        if &product % &divisor != BigUint::ZERO {
            return Err(SigningError::InvalidValue(format!(
                "{what} {} is not a multiple of 1/{factor}",
                self.to_plain_string()
            )));
        }
        Ok(product / divisor)
    }

    /// `trunc(self × factor)` (the protocol's own truncation toward zero).
    pub fn scale_trunc(&self, factor: &BigUint) -> BigUint {
        (&self.mantissa * factor) / pow10(self.scale)
    }

    /// `ceil(self × rate)` as a whole number.
    pub fn mul_ceil(&self, rate: &ExactDecimal) -> BigUint {
        let product = self.mul(rate);
        let divisor = pow10(product.scale);
        let q = &product.mantissa / &divisor;
        if &product.mantissa % &divisor == BigUint::ZERO {
            q
        } else {
            q + 1u32
        }
    }
}

/// 10^exp as a big integer.
pub fn pow10(exp: u32) -> BigUint {
    BigUint::from(10u32).pow(exp)
}

/// The order nonce: the first 8 hex digits (4 bytes) of SHA-256 of the client order id.
/// Resending the same client order id gives the same nonce, which makes a retry detectable.
pub fn client_order_nonce(client_order_id: &str) -> u32 {
    let digest = Sha256::digest(client_order_id.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A big integer that must fit in 64 bits.
pub fn to_u64(value: &BigUint, what: &str) -> Result<u64, SigningError> {
    u64::try_from(value)
        .map_err(|_| SigningError::InvalidValue(format!("{what} {value} exceeds 64 bits")))
}

/// The fee bound signed with an order: `ceil(value × rate)` whole collateral units.
pub fn limit_fee(value: &ExactDecimal, rate: Decimal) -> Result<BigUint, SigningError> {
    let rate = ExactDecimal::from_decimal(rate, "fee rate")?;
    Ok(value.mul_ceil(&rate))
}

/// Expiry fields of a V1 order: `(l2ExpireTime, expireTime, expiration_hours)`.
pub fn expiry_v1(now_ms: u64) -> Result<(u64, u64, u64), SigningError> {
    expiry_v1_capped(now_ms, None)
}

/// [`expiry_v1`] with `expireTime` no later than `cap_ms` (the order's latest execution
/// moment); `l2ExpireTime` stays 10 days after `expireTime`, above the venue's 8-day minimum.
pub fn expiry_v1_capped(now_ms: u64, cap_ms: Option<u64>) -> Result<(u64, u64, u64), SigningError> {
    let l2 = now_ms
        .checked_add(14 * DAY_MS)
        .ok_or_else(|| SigningError::InvalidValue(format!("timestamp {now_ms} out of range")))?;
    let (l2, expire) = match cap_ms {
        Some(cap) if cap < l2 - 10 * DAY_MS => {
            check_cap(now_ms, cap)?;
            (cap + 10 * DAY_MS, cap)
        }
        _ => (l2, l2 - 10 * DAY_MS),
    };
    Ok((l2, expire, l2 / HOUR_MS))
}

/// Expiry fields of a V2 order: `(l2ExpireTime, expireTime, expirationTimestamp seconds)`.
pub fn expiry_v2(now_ms: u64) -> Result<(u64, u64, u64), SigningError> {
    expiry_v2_capped(now_ms, None)
}

/// [`expiry_v2`] with `expireTime` no later than `cap_ms`; `l2ExpireTime` stays 8 days
/// after it, as the SDK puts it.
pub fn expiry_v2_capped(now_ms: u64, cap_ms: Option<u64>) -> Result<(u64, u64, u64), SigningError> {
    let l2 = now_ms
        .checked_add(30 * DAY_MS)
        .ok_or_else(|| SigningError::InvalidValue(format!("timestamp {now_ms} out of range")))?;
    let expire = l2 - 8 * DAY_MS;
    let (l2, expire) = match cap_ms {
        Some(cap) if cap < expire => {
            check_cap(now_ms, cap)?;
            (cap + 8 * DAY_MS, cap)
        }
        _ => (l2, expire),
    };
    Ok((l2, expire, expire / 1000))
}

fn check_cap(now_ms: u64, cap_ms: u64) -> Result<(), SigningError> {
    if cap_ms <= now_ms {
        return Err(SigningError::InvalidValue(format!(
            "order expiry {cap_ms} ms is not after now ({now_ms} ms)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ex(d: Decimal) -> ExactDecimal {
        ExactDecimal::from_decimal(d, "x").unwrap()
    }

    #[test]
    fn capped_expiry_is_never_later_than_asked() {
        let now = 1_745_502_858_029;
        let cap = now + 90_000;
        let (l2, expire, hours) = expiry_v1_capped(now, Some(cap)).unwrap();
        assert_eq!(
            (l2, expire, hours),
            (cap + 10 * DAY_MS, cap, (cap + 10 * DAY_MS) / HOUR_MS)
        );
        let (l2, expire, secs) = expiry_v2_capped(now, Some(cap)).unwrap();
        assert_eq!((l2, expire, secs), (cap + 8 * DAY_MS, cap, cap / 1000));
        // a cap later than the default changes nothing
        assert_eq!(
            expiry_v1_capped(now, Some(now + 40 * DAY_MS)),
            expiry_v1(now)
        );
        assert_eq!(
            expiry_v2_capped(now, Some(now + 40 * DAY_MS)),
            expiry_v2(now)
        );
        // a moment already past is refused
        assert!(expiry_v1_capped(now, Some(now)).is_err());
        assert!(expiry_v2_capped(now, Some(now - 1)).is_err());
    }

    #[test]
    fn value_keeps_python_decimal_scale() {
        assert_eq!(
            ex(dec!(1113.39)).mul(&ex(dec!(2.22))).to_plain_string(),
            "2471.7258"
        );
        assert_eq!(
            ex(dec!(0.1065600000)).mul(&ex(dec!(250))).to_plain_string(),
            "26.6400000000"
        );
        assert_eq!(
            ex(dec!(0.001)).mul(&ex(dec!(0.5))).to_plain_string(),
            "0.0005"
        );
        assert_eq!(ex(dec!(3)).mul(&ex(dec!(250))).to_plain_string(), "750");
    }

    #[test]
    fn off_grid_is_an_error_not_a_rounding() {
        let res = BigUint::from(1_000_000u32);
        assert_eq!(
            ex(dec!(0.327)).scale_exact(&res, "size").unwrap(),
            BigUint::from(327_000u32)
        );
        assert!(ex(dec!(0.0000001)).scale_exact(&res, "size").is_err());
        assert!(ExactDecimal::from_decimal(dec!(-1), "size").is_err());
    }

    #[test]
    fn fee_is_a_ceiling() {
        let v = ex(dec!(2471.7258));
        assert_eq!(limit_fee(&v, dec!(0.00038)).unwrap(), BigUint::from(1u32));
        assert_eq!(
            limit_fee(&ex(dec!(10000)), dec!(0.0005)).unwrap(),
            BigUint::from(5u32)
        );
        assert_eq!(
            limit_fee(&ex(dec!(10000.01)), dec!(0.0005)).unwrap(),
            BigUint::from(6u32)
        );
    }

    #[test]
    fn nonce_and_expiry() {
        assert_eq!(client_order_nonce("hedge-b2221a58"), 1_097_137_088);
        assert_eq!(
            expiry_v1(1_745_502_858_029).unwrap(),
            (1_746_712_458_029, 1_745_848_458_029, 485_197)
        );
        assert_eq!(
            expiry_v2(1_739_270_533_497).unwrap(),
            (1_741_862_533_497, 1_741_171_333_497, 1_741_171_333)
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;
        use std::str::FromStr;

        fn dec_of(mantissa: u64, scale: u32) -> Decimal {
            Decimal::from_i128_with_scale(i128::from(mantissa), scale)
        }

        proptest! {
            #[test]
            fn value_text_is_the_exact_product(pm in 1u64..10_000_000_000, ps in 0u32..10, sm in 1u64..1_000_000_000, ss in 0u32..10) {
                let (price, size) = (dec_of(pm, ps), dec_of(sm, ss));
                let text = ex(price).mul(&ex(size)).to_plain_string();
                prop_assert_eq!(Decimal::from_str(&text).unwrap(), price * size);
                prop_assert_eq!(text.split('.').nth(1).map_or(0, str::len) as u32, ps + ss);
            }

            #[test]
            fn scaling_is_exact_or_refused(sm in 1u64..1_000_000_000, ss in 0u32..12, res_exp in 0u32..11) {
                let size = dec_of(sm, ss);
                let res = pow10(res_exp);
                match ex(size).scale_exact(&res, "size") {
                    Ok(units) => prop_assert_eq!(Decimal::from_str(&units.to_string()).unwrap(), size * Decimal::from(10u64.pow(res_exp))),
                    Err(_) => prop_assert!(!(size * Decimal::from(10u64.pow(res_exp))).fract().is_zero()),
                }
            }

            #[test]
            fn fee_is_the_smallest_whole_unit_covering_the_rate(vm in 1u64..100_000_000_000, vs in 0u32..8, rate_m in 0u64..10_000, ) {
                let value = dec_of(vm, vs);
                let rate = dec_of(rate_m, 6);
                let fee = Decimal::from_str(&limit_fee(&ex(value), rate).unwrap().to_string()).unwrap();
                let exact = value * rate;
                prop_assert!(fee >= exact && fee - exact < Decimal::ONE);
                prop_assert!(fee.fract().is_zero());
            }
        }
    }
}
