//! The Goldilocks prime field GF(p), p = 2^64 - 2^32 + 1.
//!
//! Every [`Fp`] holds its canonical value (< p), so equality is plain integer equality and
//! serialization writes exactly what the official signer writes. Arithmetic is branch-free
//! apart from the compiler's conditional moves.

// Arithmetic is spelled as inherent methods (`a.mul(b)`) on purpose: every operation is
// visible in the formulas, which mirror the spec line by line, and no operator hides a
// reduction.
#![allow(clippy::should_implement_trait)]

/// The Goldilocks prime 2^64 - 2^32 + 1.
pub const P: u64 = 0xffff_ffff_0000_0001;

/// 2^64 mod p (= 2^32 - 1).
const EPSILON: u64 = 0xffff_ffff;

/// An element of GF(p), always canonical.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Fp(u64);

impl core::fmt::Debug for Fp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[inline(always)]
fn select(mask: u64, a: u64, b: u64) -> u64 {
    // mask is all ones (take a) or all zeros (take b)
    (a & mask) | (b & !mask)
}

/// Reduces a 128-bit value mod p (using 2^64 = 2^32 - 1 and 2^96 = -1 mod p).
#[inline(always)]
pub(crate) fn reduce128(x: u128) -> u64 {
    let lo = x as u64;
    let hi = (x >> 64) as u64;
    let hi_hi = hi >> 32;
    let hi_lo = hi & EPSILON;
    let (t0, borrow) = lo.overflowing_sub(hi_hi);
    // on borrow, t0 = lo - hi_hi + 2^64 >= 2^64 - 2^32, and subtracting EPSILON gives lo - hi_hi + p
    let t0 = t0.wrapping_sub(EPSILON & 0u64.wrapping_sub(borrow as u64));
    let t1 = hi_lo * EPSILON;
    let (t2, carry) = t0.overflowing_add(t1);
    // on carry the true value is t2 + 2^64 = t2 + EPSILON mod p; t2 is then small, no overflow
    let t2 = t2.wrapping_add(EPSILON & 0u64.wrapping_sub(carry as u64));
    canonicalize(t2)
}

/// Maps any u64 to its canonical residue.
#[inline(always)]
const fn canonicalize(x: u64) -> u64 {
    let (t, borrow) = x.overflowing_sub(P);
    if borrow {
        x
    } else {
        t
    }
}

impl Fp {
    /// 0.
    pub const ZERO: Fp = Fp(0);
    /// 1.
    pub const ONE: Fp = Fp(1);
    /// 2.
    pub const TWO: Fp = Fp(2);

    /// The residue of any u64 (values >= p are reduced).
    #[inline(always)]
    pub const fn new(x: u64) -> Fp {
        Fp(canonicalize(x))
    }

    /// For constant tables whose values are known to be canonical; reduces anyway.
    pub(crate) const fn from_raw(x: u64) -> Fp {
        Fp::new(x)
    }

    /// Wraps a value the caller knows is canonical (< p), e.g. a masked blend of two
    /// canonical values.
    #[inline(always)]
    pub(crate) const fn from_canonical_unchecked(x: u64) -> Fp {
        Fp(x)
    }

    /// The element if `x < p`, else `None` (for decoding canonical serializations).
    pub const fn from_canonical(x: u64) -> Option<Fp> {
        if x < P {
            Some(Fp(x))
        } else {
            None
        }
    }

    /// The canonical value.
    #[inline(always)]
    pub const fn to_u64(self) -> u64 {
        self.0
    }

    /// True for 0.
    #[inline(always)]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// a + b.
    #[inline(always)]
    pub fn add(self, rhs: Fp) -> Fp {
        let (s, over) = self.0.overflowing_add(rhs.0);
        // on overflow the true sum is s + 2^64 = s + EPSILON mod p, and that is < p already
        let s = s.wrapping_add(EPSILON & 0u64.wrapping_sub(over as u64));
        let (t, borrow) = s.overflowing_sub(P);
        Fp(select(0u64.wrapping_sub(borrow as u64), s, t))
    }

    /// a - b.
    #[inline(always)]
    pub fn sub(self, rhs: Fp) -> Fp {
        let (d, borrow) = self.0.overflowing_sub(rhs.0);
        // on borrow d = a - b + 2^64; a - b + p = d - EPSILON
        Fp(d.wrapping_sub(EPSILON & 0u64.wrapping_sub(borrow as u64)))
    }

    /// -a.
    #[inline(always)]
    pub fn neg(self) -> Fp {
        Fp::ZERO.sub(self)
    }

    /// 2a.
    #[inline(always)]
    pub fn double(self) -> Fp {
        self.add(self)
    }

    /// a * b.
    #[inline(always)]
    pub fn mul(self, rhs: Fp) -> Fp {
        Fp(reduce128(u128::from(self.0) * u128::from(rhs.0)))
    }

    /// a^2.
    #[inline(always)]
    pub fn square(self) -> Fp {
        self.mul(self)
    }

    /// a * k for a small constant k (any u64 works).
    #[inline(always)]
    pub fn mul_small(self, k: u64) -> Fp {
        Fp(reduce128(u128::from(self.0) * u128::from(k)))
    }

    /// a^e for a 64-bit exponent (square and multiply; the exponent is public).
    pub fn pow(self, mut e: u64) -> Fp {
        let mut base = self;
        let mut acc = Fp::ONE;
        while e != 0 {
            if e & 1 == 1 {
                acc = acc.mul(base);
            }
            base = base.square();
            e >>= 1;
        }
        acc
    }

    /// a^(2^k).
    pub fn exp_power_of_2(self, k: u32) -> Fp {
        let mut a = self;
        for _ in 0..k {
            a = a.square();
        }
        a
    }

    /// 1/a, or 0 for a = 0 (a^(p-2); the exponent is fixed, so timing does not depend on a).
    pub fn inverse_or_zero(self) -> Fp {
        // p - 2 = 0xFFFFFFFE_FFFFFFFF: bits 0..31 set, bit 32 clear, bits 33..63 set.
        let a = self;
        // x_k = a^(2^k - 1)
        let x2 = a.square().mul(a);
        let x4 = x2.exp_power_of_2(2).mul(x2);
        let x8 = x4.exp_power_of_2(4).mul(x4);
        let x16 = x8.exp_power_of_2(8).mul(x8);
        let x32 = x16.exp_power_of_2(16).mul(x16);
        let x31 = x16.exp_power_of_2(15).mul(
            x8.exp_power_of_2(7)
                .mul(x4.exp_power_of_2(3).mul(x2.square().mul(a))),
        );
        // a^(2^64 - 2^32 - 1) = a^((2^31 - 1) * 2^33 + (2^32 - 1))
        x31.exp_power_of_2(33).mul(x32)
    }

    /// 1 if a is a non-zero square, p - 1 if a non-square, 0 for 0 (Euler's criterion).
    pub fn legendre(self) -> Fp {
        self.pow((P - 1) / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow_mul(a: u64, b: u64) -> u64 {
        ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
    }

    const EDGE: [u64; 10] = [
        0,
        1,
        2,
        EPSILON,
        EPSILON + 1,
        P - 1,
        P - 2,
        1 << 63,
        (1 << 63) + 12345,
        0xdead_beef_1234_5678 % P,
    ];

    #[test]
    fn arithmetic_matches_big_integer_reference() {
        for &a in &EDGE {
            for &b in &EDGE {
                let (fa, fb) = (Fp::new(a), Fp::new(b));
                assert_eq!(fa.mul(fb).to_u64(), slow_mul(a, b), "{a} * {b}");
                assert_eq!(
                    fa.add(fb).to_u64(),
                    ((u128::from(a) + u128::from(b)) % u128::from(P)) as u64
                );
                assert_eq!(
                    fa.sub(fb).to_u64(),
                    ((u128::from(a) + u128::from(P) - u128::from(b)) % u128::from(P)) as u64
                );
            }
        }
        // pseudo-random sweep
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = x % P;
            let b = x.rotate_left(29) % P;
            assert_eq!(Fp::new(a).mul(Fp::new(b)).to_u64(), slow_mul(a, b));
        }
    }

    #[test]
    fn reduction_of_extreme_products() {
        assert_eq!(reduce128(u128::MAX), (u128::MAX % u128::from(P)) as u64);
        let big = u128::from(P - 1) * u128::from(P - 1);
        assert_eq!(reduce128(big), (big % u128::from(P)) as u64);
        assert_eq!(Fp::new(u64::MAX).to_u64(), u64::MAX - P);
        assert_eq!(Fp::from_canonical(P), None);
    }

    #[test]
    fn inverse_and_legendre() {
        for &a in &EDGE[1..] {
            let fa = Fp::new(a);
            assert_eq!(fa.mul(fa.inverse_or_zero()), Fp::ONE, "{a}");
            assert_eq!(fa.inverse_or_zero(), fa.pow(P - 2));
        }
        assert_eq!(Fp::ZERO.inverse_or_zero(), Fp::ZERO);
        assert_eq!(Fp::new(7).legendre(), Fp::new(P - 1), "7 is a non-residue");
        assert_eq!(Fp::new(9).legendre(), Fp::ONE);
        assert_eq!(
            Fp::new(3).legendre(),
            Fp::ONE,
            "3 is a residue (so z is a square in GF(p^5))"
        );
    }
}
