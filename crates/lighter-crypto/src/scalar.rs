//! Integers modulo the ECgFp5 group order n (~2^319), 5 little-endian u64 limbs.
//!
//! Multiplication is Montgomery (R = 2^320). Operations on secret values (keys, nonces) are
//! branch-free; comparisons used only on public data say so.

use crate::gfp5::Fp5;

/// The group order n, little-endian limbs.
pub const N: [u64; 5] = [
    0xE80F_D996_948B_FFE1,
    0xE888_5C39_D724_A09C,
    0x7FFF_FFE6_CFB8_0639,
    0x7FFF_FFF1_0000_0016,
    0x7FFF_FFFD_8000_0007,
];

/// -n^-1 mod 2^64.
const N0_INV: u64 = 0xd78b_ef72_057b_7bdf;

/// 2^640 mod n (R^2 for Montgomery conversion).
const R2: [u64; 5] = [
    0xa010_01dc_e33d_c739,
    0x6c32_28d3_3f62_accf,
    0xd1d7_96cc_91cf_8525,
    0xaadf_ff5d_1574_c1d8,
    0x4aca_13b2_8ca2_51f5,
];

/// A scalar in [0, n).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Scalar(pub(crate) [u64; 5]);

impl core::fmt::Debug for Scalar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // scalars may be secret (keys, nonces): never print them
        f.write_str("Scalar(..)")
    }
}

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(acc) + u128::from(a) * u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// a - b over 5 limbs; returns the difference and the final borrow (1 if a < b).
#[inline(always)]
fn sub_limbs(a: &[u64; 5], b: &[u64; 5]) -> ([u64; 5], u64) {
    let mut out = [0u64; 5];
    let mut borrow = 0u64;
    for i in 0..5 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow);
        out[i] = d2;
        borrow = (b1 | b2) as u64;
    }
    (out, borrow)
}

/// a + b over 5 limbs with final carry.
#[inline(always)]
fn add_limbs(a: &[u64; 5], b: &[u64; 5]) -> ([u64; 5], u64) {
    let mut out = [0u64; 5];
    let mut carry = 0u64;
    for i in 0..5 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry);
        out[i] = s2;
        carry = (c1 | c2) as u64;
    }
    (out, carry)
}

/// mask ? a : b, limb-wise (mask all ones or all zeros).
#[inline(always)]
fn select(mask: u64, a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
    core::array::from_fn(|i| (a[i] & mask) | (b[i] & !mask))
}

/// Subtracts n once if x >= n (x given with an extra high bit `hi`).
#[inline(always)]
fn cond_sub_n(x: &[u64; 5], hi: u64) -> [u64; 5] {
    let (d, borrow) = sub_limbs(x, &N);
    // keep x only if x < n, i.e. there was a borrow and no extra high bit
    let keep_x = 0u64.wrapping_sub(borrow & (hi ^ 1));
    select(keep_x, x, &d)
}

/// Montgomery product a * b / 2^320 mod n, for a, b < 2^320 with a * b < n * 2^320.
fn mont_mul(a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
    let mut t = [0u64; 7];
    for &bi in b.iter() {
        let mut c = 0u64;
        for j in 0..5 {
            let (lo, hi) = mac(t[j], a[j], bi, c);
            t[j] = lo;
            c = hi;
        }
        let (s, c2) = t[5].overflowing_add(c);
        t[5] = s;
        t[6] = c2 as u64;

        let m = t[0].wrapping_mul(N0_INV);
        let (_, mut c) = mac(t[0], m, N[0], 0);
        for j in 1..5 {
            let (lo, hi) = mac(t[j], m, N[j], c);
            t[j - 1] = lo;
            c = hi;
        }
        let (s, c2) = t[5].overflowing_add(c);
        t[4] = s;
        t[5] = t[6] + c2 as u64;
    }
    cond_sub_n(&[t[0], t[1], t[2], t[3], t[4]], t[5])
}

impl Scalar {
    /// 0.
    pub const ZERO: Scalar = Scalar([0; 5]);
    /// 1.
    pub const ONE: Scalar = Scalar([1, 0, 0, 0, 0]);

    /// Reduces a 320-bit little-endian integer mod n (2^320 < 3n, so two conditional
    /// subtractions suffice).
    pub fn from_limbs_reduce(limbs: [u64; 5]) -> Scalar {
        let once = cond_sub_n(&limbs, 0);
        Scalar(cond_sub_n(&once, 0))
    }

    /// The scalar if the limbs encode an integer < n.
    pub fn from_limbs_canonical(limbs: [u64; 5]) -> Option<Scalar> {
        let (_, borrow) = sub_limbs(&limbs, &N);
        (borrow == 1).then_some(Scalar(limbs))
    }

    /// Reads 40 bytes little-endian and reduces mod n.
    pub fn from_bytes_reduce(bytes: &[u8; 40]) -> Scalar {
        Scalar::from_limbs_reduce(bytes_to_limbs(bytes))
    }

    /// Reads 40 bytes little-endian; `None` if the value is >= n.
    pub fn from_bytes_canonical(bytes: &[u8; 40]) -> Option<Scalar> {
        Scalar::from_limbs_canonical(bytes_to_limbs(bytes))
    }

    /// Reduces a 512-bit little-endian integer mod n (for uniform nonces from 64 random
    /// bytes: the bias is below 2^-190).
    pub fn from_wide_bytes(bytes: &[u8; 64]) -> Scalar {
        let mut limbs = [0u64; 8];
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            limbs[i] = u64::from_le_bytes(b);
        }
        let lo = Scalar::from_limbs_reduce([limbs[0], limbs[1], limbs[2], limbs[3], limbs[4]]);
        // hi * 2^320 mod n = mont_mul(hi, R2), hi < 2^192 < n
        let hi = Scalar(mont_mul(&[limbs[5], limbs[6], limbs[7], 0, 0], &R2));
        lo.add(&hi)
    }

    /// `scalar_from_gfp5`: the coefficients as a 320-bit integer, reduced mod n.
    pub fn from_gfp5(e: &Fp5) -> Scalar {
        Scalar::from_limbs_reduce(e.to_u64s())
    }

    /// 40-byte little-endian encoding.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        for (i, l) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
        }
        out
    }

    /// The limbs.
    pub fn to_limbs(&self) -> [u64; 5] {
        self.0
    }

    /// True for 0 (branch-free over the limbs).
    pub fn is_zero(&self) -> bool {
        self.0.iter().fold(0u64, |acc, l| acc | l) == 0
    }

    /// a + b mod n.
    pub fn add(&self, b: &Scalar) -> Scalar {
        let (s, carry) = add_limbs(&self.0, &b.0);
        Scalar(cond_sub_n(&s, carry))
    }

    /// a - b mod n.
    pub fn sub(&self, b: &Scalar) -> Scalar {
        let (d, borrow) = sub_limbs(&self.0, &b.0);
        let (fixed, _) = add_limbs(&d, &N);
        Scalar(select(0u64.wrapping_sub(borrow), &fixed, &d))
    }

    /// -a mod n.
    pub fn neg(&self) -> Scalar {
        Scalar::ZERO.sub(self)
    }

    /// a * b mod n.
    pub fn mul(&self, b: &Scalar) -> Scalar {
        Scalar(mont_mul(&mont_mul(&self.0, &b.0), &R2))
    }

    /// Bit `i` (0 = least significant).
    #[inline(always)]
    pub(crate) fn bit(&self, i: usize) -> u64 {
        (self.0[i / 64] >> (i % 64)) & 1
    }
}

fn bytes_to_limbs(bytes: &[u8; 40]) -> [u64; 5] {
    let mut limbs = [0u64; 5];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        limbs[i] = u64::from_le_bytes(b);
    }
    limbs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slow reference: schoolbook big-integer multiply then reduce by shift-and-subtract.
    fn slow_mul(a: &[u64; 5], b: &[u64; 5]) -> [u64; 5] {
        // compute (a * b) mod n by double-and-add over the bits of b
        let mut acc = Scalar::ZERO;
        let a = Scalar::from_limbs_reduce(*a);
        for i in (0..320).rev() {
            acc = acc.add(&acc);
            if (b[i / 64] >> (i % 64)) & 1 == 1 {
                acc = acc.add(&a);
            }
        }
        acc.0
    }

    fn sample(seed: u64) -> Scalar {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut c = [0u64; 5];
        for v in c.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *v = x;
        }
        Scalar::from_limbs_reduce(c)
    }

    #[test]
    fn montgomery_constants() {
        assert_eq!(
            N[0].wrapping_mul(N0_INV),
            u64::MAX,
            "n * n0inv = -1 mod 2^64"
        );
        // R2 == 2^640 mod n computed by repeated doubling
        let mut r = Scalar::ONE;
        for _ in 0..640 {
            r = r.add(&r);
        }
        assert_eq!(r.0, R2);
    }

    #[test]
    fn mul_matches_double_and_add() {
        let nm1 = Scalar::ZERO.sub(&Scalar::ONE);
        for (a, b) in [(nm1, nm1), (Scalar::ONE, nm1), (Scalar::ZERO, nm1)] {
            assert_eq!(a.mul(&b).0, slow_mul(&a.0, &b.0));
        }
        for s in 0..50 {
            let (a, b) = (sample(s), sample(s + 77));
            assert_eq!(a.mul(&b).0, slow_mul(&a.0, &b.0));
        }
        assert_eq!(nm1.mul(&nm1), Scalar::ONE, "(-1)^2 = 1");
    }

    #[test]
    fn reduction_edges() {
        assert_eq!(Scalar::from_limbs_reduce(N), Scalar::ZERO);
        assert_eq!(Scalar::from_limbs_canonical(N), None);
        let max = Scalar::from_limbs_reduce([u64::MAX; 5]);
        // 2^320 - 1 - 2n, since 2n < 2^320 - 1 < 3n
        let (two_n, _) = add_limbs(&N, &N);
        let (expect, borrow) = sub_limbs(&[u64::MAX; 5], &two_n);
        assert_eq!(borrow, 0);
        assert_eq!(max.0, expect);
        let (nm1, _) = sub_limbs(&N, &[1, 0, 0, 0, 0]);
        assert!(Scalar::from_limbs_canonical(nm1).is_some());
    }

    #[test]
    fn wide_reduction() {
        let mut bytes = [0u8; 64];
        bytes[40] = 1; // 2^320
        let expect = Scalar::from_limbs_reduce([u64::MAX; 5]).add(&Scalar::ONE);
        assert_eq!(Scalar::from_wide_bytes(&bytes), expect);
        bytes = [0xff; 64];
        // (2^512 - 1) mod n == (2^320 - 1) + (2^192 - 1) * 2^320 mod n
        let hi = {
            let mut h = Scalar::from_limbs_reduce([u64::MAX, u64::MAX, u64::MAX, 0, 0]);
            for _ in 0..320 {
                h = h.add(&h);
            }
            h
        };
        assert_eq!(
            Scalar::from_wide_bytes(&bytes),
            Scalar::from_limbs_reduce([u64::MAX; 5]).add(&hi)
        );
    }

    #[test]
    fn add_sub_neg() {
        for s in 0..20 {
            let (a, b) = (sample(s), sample(s + 5));
            assert_eq!(a.add(&b).sub(&b), a);
            assert_eq!(a.add(&a.neg()), Scalar::ZERO);
        }
    }
}
