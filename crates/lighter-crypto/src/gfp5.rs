//! GF(p^5) = GF(p)[z] / (z^5 - 3), the field ECgFp5 is defined over.
//!
//! An element is `c0 + c1 z + c2 z^2 + c3 z^3 + c4 z^4`, serialized as the five canonical
//! coefficients, 8 bytes little-endian each (40 bytes).

use crate::field::{reduce128, Fp, P};

/// An element of GF(p^5).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug)]
pub struct Fp5(pub [Fp; 5]);

/// 3^((p-1)/5): z^p = z * FROB, so the Frobenius map scales coefficient i by FROB^i.
const FROB: Fp = Fp::from_raw(1_041_288_259_238_279_555);

/// Tonelli–Shanks data: p^5 - 1 = 2^32 * M with M odd.
const TS_TWO_ADICITY: u32 = 32;
/// (M + 1) / 2 as little-endian u64 limbs.
const TS_M_PLUS_1_HALF: [u64; 5] = [
    0x7_7fff_fffe,
    0x8000_0016_7fff_fff1,
    0x16_7fff_ffe6,
    0x8000_0007_7fff_fff1,
    0x7fff_fffd,
];
/// 7^M: a primitive 2^32-th root of unity (7 is a non-square; it lies in GF(p)).
const TS_ROOT: Fp = Fp::from_raw(16_334_397_945_464_290_598);

#[inline(always)]
fn w(a: Fp) -> u128 {
    u128::from(a.to_u64())
}

/// `sum(direct) + 3 * sum(folded)` mod p for at most 5 products in total.
#[inline(always)]
fn fold(direct: &[u128], folded: &[u128]) -> Fp {
    let mut lo: u128 = 0;
    let mut hi: u128 = 0;
    for &x in direct {
        lo += x & u128::from(u64::MAX);
        hi += x >> 64;
    }
    let mut flo: u128 = 0;
    let mut fhi: u128 = 0;
    for &x in folded {
        flo += x & u128::from(u64::MAX);
        fhi += x >> 64;
    }
    // < 15 * 2^64 each, so hi * (2^32 - 1) < 2^100 and the total fits easily
    let lo = lo + 3 * flo;
    let hi = hi + 3 * fhi;
    Fp::from_canonical_unchecked(reduce128(lo + hi * u128::from(EPSILON_U32)))
}

/// 2^64 mod p.
const EPSILON_U32: u64 = 0xffff_ffff;

impl Fp5 {
    /// 0.
    pub const ZERO: Fp5 = Fp5([Fp::ZERO; 5]);
    /// 1.
    pub const ONE: Fp5 = Fp5([Fp::ONE, Fp::ZERO, Fp::ZERO, Fp::ZERO, Fp::ZERO]);

    /// The element with the given coefficients (each reduced mod p).
    pub const fn from_u64s(c: [u64; 5]) -> Fp5 {
        Fp5([
            Fp::new(c[0]),
            Fp::new(c[1]),
            Fp::new(c[2]),
            Fp::new(c[3]),
            Fp::new(c[4]),
        ])
    }

    /// A base-field element embedded as c0.
    pub const fn from_base(a: Fp) -> Fp5 {
        Fp5([a, Fp::ZERO, Fp::ZERO, Fp::ZERO, Fp::ZERO])
    }

    /// Decodes 40 bytes (5 LE limbs); `None` if a limb is not canonical (>= p).
    pub fn from_canonical_bytes(bytes: &[u8; 40]) -> Option<Fp5> {
        let mut c = [Fp::ZERO; 5];
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut limb = [0u8; 8];
            limb.copy_from_slice(chunk);
            c[i] = Fp::from_canonical(u64::from_le_bytes(limb))?;
        }
        Some(Fp5(c))
    }

    /// 40-byte little-endian encoding of the canonical coefficients.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (i, c) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&c.to_u64().to_le_bytes());
        }
        out
    }

    /// The coefficients as integers.
    pub fn to_u64s(&self) -> [u64; 5] {
        self.0.map(Fp::to_u64)
    }

    /// True for 0.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|c| c.is_zero())
    }

    /// a + b.
    #[inline(always)]
    pub fn add(&self, b: &Fp5) -> Fp5 {
        let a = &self.0;
        Fp5([
            a[0].add(b.0[0]),
            a[1].add(b.0[1]),
            a[2].add(b.0[2]),
            a[3].add(b.0[3]),
            a[4].add(b.0[4]),
        ])
    }

    /// a - b.
    #[inline(always)]
    pub fn sub(&self, b: &Fp5) -> Fp5 {
        let a = &self.0;
        Fp5([
            a[0].sub(b.0[0]),
            a[1].sub(b.0[1]),
            a[2].sub(b.0[2]),
            a[3].sub(b.0[3]),
            a[4].sub(b.0[4]),
        ])
    }

    /// -a.
    #[inline(always)]
    pub fn neg(&self) -> Fp5 {
        Fp5(self.0.map(Fp::neg))
    }

    /// 2a.
    #[inline(always)]
    pub fn double(&self) -> Fp5 {
        self.add(self)
    }

    /// a * k for a base-field k.
    #[inline(always)]
    pub fn mul_base(&self, k: Fp) -> Fp5 {
        Fp5(self.0.map(|c| c.mul(k)))
    }

    /// a * k for a small integer k.
    #[inline(always)]
    pub fn mul_small(&self, k: u64) -> Fp5 {
        Fp5(self.0.map(|c| c.mul_small(k)))
    }

    /// a * k * z for a small integer k (used for the curve constant b = 263 z).
    #[inline(always)]
    pub fn mul_small_z(&self, k: u64) -> Fp5 {
        let a = &self.0;
        Fp5([
            a[4].mul_small(3 * k),
            a[0].mul_small(k),
            a[1].mul_small(k),
            a[2].mul_small(k),
            a[3].mul_small(k),
        ])
    }

    /// a * b: schoolbook product folded with z^5 = 3.
    ///
    /// Each 128-bit product is split into its 64-bit halves; the halves of one output
    /// coefficient are summed separately in u128 (no overflow: at most 5 terms, times 3 for
    /// folded ones), then `lo + hi * 2^64` with 2^64 = 2^32 - 1 mod p is reduced once.
    #[inline]
    pub fn mul(&self, b: &Fp5) -> Fp5 {
        let [a0, a1, a2, a3, a4] = self.0.map(w);
        let [b0, b1, b2, b3, b4] = b.0.map(w);
        let r0 = fold(&[a0 * b0], &[a1 * b4, a2 * b3, a3 * b2, a4 * b1]);
        let r1 = fold(&[a0 * b1, a1 * b0], &[a2 * b4, a3 * b3, a4 * b2]);
        let r2 = fold(&[a0 * b2, a1 * b1, a2 * b0], &[a3 * b4, a4 * b3]);
        let r3 = fold(&[a0 * b3, a1 * b2, a2 * b1, a3 * b0], &[a4 * b4]);
        let r4 = fold(&[a0 * b4, a1 * b3, a2 * b2, a3 * b1, a4 * b0], &[]);
        Fp5([r0, r1, r2, r3, r4])
    }

    /// a^2 (15 products instead of 25).
    #[inline]
    pub fn square(&self) -> Fp5 {
        let [a0, a1, a2, a3, a4] = self.0.map(w);
        // cross products appear twice: double one factor (2 (p - 1) < 2^65 would overflow a
        // u64 factor, so double the product's halves instead, via repeating the term)
        let (a0a1, a0a2, a0a3, a0a4) = (a0 * a1, a0 * a2, a0 * a3, a0 * a4);
        let (a1a2, a1a3, a1a4) = (a1 * a2, a1 * a3, a1 * a4);
        let (a2a3, a2a4, a3a4) = (a2 * a3, a2 * a4, a3 * a4);
        let r0 = fold(&[a0 * a0], &[a1a4, a1a4, a2a3, a2a3]);
        let r1 = fold(&[a0a1, a0a1], &[a2a4, a2a4, a3 * a3]);
        let r2 = fold(&[a0a2, a0a2, a1 * a1], &[a3a4, a3a4]);
        let r3 = fold(&[a0a3, a0a3, a1a2, a1a2], &[a4 * a4]);
        let r4 = fold(&[a0a4, a0a4, a1a3, a1a3, a2 * a2], &[]);
        Fp5([r0, r1, r2, r3, r4])
    }

    /// a^(2^k).
    pub fn exp_power_of_2(&self, k: u32) -> Fp5 {
        let mut a = *self;
        for _ in 0..k {
            a = a.square();
        }
        a
    }

    /// a^e for an exponent given as little-endian limbs (public exponents only).
    pub fn pow_limbs(&self, e: &[u64]) -> Fp5 {
        let mut acc = Fp5::ONE;
        for limb in e.iter().rev() {
            for bit in (0..64).rev() {
                acc = acc.square();
                if (limb >> bit) & 1 == 1 {
                    acc = acc.mul(self);
                }
            }
        }
        acc
    }

    /// The Frobenius map a -> a^(p^k): coefficient i is scaled by FROB^(k i mod 5).
    pub fn frobenius(&self, k: u32) -> Fp5 {
        let mut out = self.0;
        let step = FROB.pow(u64::from(k % 5));
        let mut f = Fp::ONE;
        for c in out.iter_mut() {
            *c = c.mul(f);
            f = f.mul(step);
        }
        Fp5(out)
    }

    /// a^(p + p^2 + p^3 + p^4), the factor that turns `a` into its norm.
    fn norm_cofactor(&self) -> Fp5 {
        let t0 = self.frobenius(1).mul(&self.frobenius(2)); // a^(p + p^2)
        t0.mul(&t0.frobenius(2)) // * a^(p^3 + p^4)
    }

    /// The norm a^(1 + p + ... + p^4), an element of GF(p).
    pub fn norm(&self) -> Fp {
        let c = self.norm_cofactor();
        // only coefficient 0 of a * c is non-zero
        let a = &self.0;
        let m = &c.0;
        let folded = a[1]
            .mul(m[4])
            .add(a[2].mul(m[3]))
            .add(a[3].mul(m[2]))
            .add(a[4].mul(m[1]));
        a[0].mul(m[0]).add(folded.mul_small(3))
    }

    /// 1/a, or 0 for a = 0.
    pub fn inverse_or_zero(&self) -> Fp5 {
        let c = self.norm_cofactor();
        let a = &self.0;
        let m = &c.0;
        let folded = a[1]
            .mul(m[4])
            .add(a[2].mul(m[3]))
            .add(a[3].mul(m[2]))
            .add(a[4].mul(m[1]));
        let norm = a[0].mul(m[0]).add(folded.mul_small(3));
        c.mul_base(norm.inverse_or_zero())
    }

    /// True when a is a square in GF(p^5) (0 counts as a square). In an odd-degree
    /// extension an element is a square iff its norm is a square in GF(p).
    pub fn is_square(&self) -> bool {
        self.norm().legendre() != Fp::new(P - 1)
    }

    /// A square root, or `None` if a is not a square (Tonelli–Shanks; public inputs only).
    pub fn sqrt(&self) -> Option<Fp5> {
        if self.is_zero() {
            return Some(Fp5::ZERO);
        }
        if !self.is_square() {
            return None;
        }
        // x = a^((M+1)/2), b = a^M = x^2 / a, c = root of unity of order 2^32
        let mut x = self.pow_limbs(&TS_M_PLUS_1_HALF);
        let mut b = x.square().mul(&self.inverse_or_zero());
        let mut c = TS_ROOT;
        let mut m = TS_TWO_ADICITY;
        while b != Fp5::ONE {
            // least i with b^(2^i) = 1
            let mut i = 0u32;
            let mut t = b;
            while t != Fp5::ONE {
                t = t.square();
                i += 1;
                if i >= m {
                    return None;
                }
            }
            let f = c.exp_power_of_2(m - i - 1);
            x = x.mul_base(f);
            c = f.square();
            b = b.mul_base(c);
            m = i;
        }
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u64) -> Fp5 {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut c = [0u64; 5];
        for v in c.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *v = x;
        }
        Fp5::from_u64s(c)
    }

    /// Reference multiplication straight from the definition, one base-field op at a time.
    fn slow_mul(a: &Fp5, b: &Fp5) -> Fp5 {
        let mut r = [Fp::ZERO; 5];
        for i in 0..5 {
            for j in 0..5 {
                let prod = a.0[i].mul(b.0[j]);
                if i + j < 5 {
                    r[i + j] = r[i + j].add(prod);
                } else {
                    r[i + j - 5] = r[i + j - 5].add(prod.mul_small(3));
                }
            }
        }
        Fp5(r)
    }

    #[test]
    fn mul_and_square_match_the_definition() {
        let max = Fp5::from_u64s([P - 1; 5]);
        assert_eq!(max.mul(&max), slow_mul(&max, &max));
        assert_eq!(max.square(), slow_mul(&max, &max));
        for s in 0..200 {
            let (a, b) = (sample(s), sample(s + 1000));
            assert_eq!(a.mul(&b), slow_mul(&a, &b));
            assert_eq!(a.square(), slow_mul(&a, &a));
        }
    }

    #[test]
    fn frobenius_is_the_p_th_power() {
        let a = sample(7);
        assert_eq!(a.frobenius(1), a.pow_limbs(&[P]));
        assert_eq!(a.frobenius(5), a);
        assert_eq!(FROB.pow(5), Fp::ONE);
        assert_eq!(Fp::new(3).pow((P - 1) / 5), FROB);
    }

    #[test]
    fn inverse() {
        for s in 0..50 {
            let a = sample(s);
            assert_eq!(a.mul(&a.inverse_or_zero()), Fp5::ONE);
        }
        assert_eq!(Fp5::ZERO.inverse_or_zero(), Fp5::ZERO);
    }

    #[test]
    fn squares_and_roots() {
        let mut non_squares = 0;
        for s in 0..40 {
            let a = sample(s);
            let sq = a.square();
            assert!(sq.is_square());
            let r = sq.sqrt().unwrap();
            assert_eq!(r.square(), sq);
            if !a.is_square() {
                non_squares += 1;
                assert_eq!(a.sqrt(), None);
            }
        }
        assert!(
            non_squares > 5,
            "about half of random elements are non-squares"
        );
        assert!(!Fp5::from_base(Fp::new(7)).is_square());
        let z = Fp5::from_u64s([0, 1, 0, 0, 0]);
        assert!(z.is_square(), "z has norm 3, a square mod p");
        assert_eq!(z.sqrt().unwrap().square(), z);
    }

    #[test]
    fn ts_constants_are_consistent() {
        // TS_ROOT has order exactly 2^32
        let r = Fp5::from_base(TS_ROOT);
        assert_eq!(r.exp_power_of_2(32), Fp5::ONE);
        assert_ne!(r.exp_power_of_2(31), Fp5::ONE);
    }

    #[test]
    fn bytes_round_trip_and_reject_non_canonical() {
        let a = sample(3);
        assert_eq!(Fp5::from_canonical_bytes(&a.to_bytes()), Some(a));
        let mut bad = a.to_bytes();
        bad[32..40].copy_from_slice(&P.to_le_bytes());
        assert_eq!(Fp5::from_canonical_bytes(&bad), None);
    }
}
