//! Fixed-base multiplication by the generator with a precomputed table.
//!
//! The scalar is recoded into 64 signed 5-bit digits d_i in [-16, 16] (k = sum d_i 32^i);
//! the table holds j * 32^i * G for j = 1..=16 in affine form (64 x 16 points, 80 KB, built
//! once on first use). k * G is then 64 mixed additions and no doublings. Table lookups scan
//! every entry of a row with masks, and the sign is applied with a mask, so the memory access
//! pattern and the sequence of operations do not depend on the (secret) scalar.

use crate::curve::{AffinePoint, Point};
use crate::field::Fp;
use crate::gfp5::Fp5;
use crate::scalar::Scalar;
use std::sync::OnceLock;

const WINDOW: usize = 5;
const ROWS: usize = 64; // 64 * 5 = 320 bits
const ENTRIES: usize = 16; // |d| in 1..=16

type Table = [[AffinePoint; ENTRIES]; ROWS];

static TABLE: OnceLock<Box<Table>> = OnceLock::new();

fn build() -> Box<Table> {
    let mut table: Box<Table> = Box::new([[AffinePoint::NEUTRAL; ENTRIES]; ROWS]);
    let mut base = Point::GENERATOR;
    for row in table.iter_mut() {
        let mut acc = base;
        for entry in row.iter_mut() {
            *entry = acc.to_affine();
            acc = acc.add(&base);
        }
        for _ in 0..WINDOW {
            base = base.double();
        }
    }
    table
}

fn table() -> &'static Table {
    TABLE.get_or_init(build)
}

/// Builds the table now (otherwise the first signature pays ~2 ms for it).
pub fn warm_up() {
    let _ = table();
}

/// Signed digits of k (k < n < 2^319): d_i in [-16, 16], branch-free.
fn recode(k: &Scalar) -> [i8; ROWS] {
    let mut digits = [0i8; ROWS];
    let mut carry = 0u64;
    for (i, d) in digits.iter_mut().enumerate() {
        let mut v = 0u64;
        for b in 0..WINDOW {
            let bit = i * WINDOW + b;
            v |= k.bit(bit) << b;
        }
        v += carry;
        // v in 0..=32; digits above 16 become v - 32 with a carry into the next window
        carry = (v + 15) >> 5;
        *d = (v as i64 - ((carry as i64) << 5)) as i8;
    }
    digits
}

#[inline(always)]
fn ct_select_fp5(mask: u64, a: &Fp5, b: &Fp5) -> Fp5 {
    Fp5(core::array::from_fn(|i| {
        let (x, y) = (a.0[i].to_u64(), b.0[i].to_u64());
        // both canonical, so the blend is canonical
        Fp::from_canonical_unchecked((x & mask) | (y & !mask))
    }))
}

/// Entry |d| of a row (neutral for 0), negated when d < 0, without secret-dependent
/// branches or addresses.
#[inline(always)]
fn lookup(row: &[AffinePoint; ENTRIES], d: i8) -> AffinePoint {
    let d = i64::from(d);
    let sign_mask = (d >> 63) as u64; // all ones when negative
    let abs = ((d ^ (sign_mask as i64)) - (sign_mask as i64)) as u64;
    let mut out = AffinePoint::NEUTRAL;
    for (j, entry) in row.iter().enumerate() {
        let diff = abs ^ (j as u64 + 1);
        // all ones iff diff == 0
        let eq = ((diff | diff.wrapping_neg()) >> 63).wrapping_sub(1);
        out.x = ct_select_fp5(eq, &entry.x, &out.x);
        out.u = ct_select_fp5(eq, &entry.u, &out.u);
    }
    let neg_u = out.u.neg();
    out.u = ct_select_fp5(sign_mask, &neg_u, &out.u);
    out
}

/// k * G with the precomputed table (constant time in k).
pub fn mul_generator(k: &Scalar) -> Point {
    let table = table();
    let digits = recode(k);
    let mut acc = Point::NEUTRAL;
    for (row, &d) in table.iter().zip(digits.iter()) {
        acc = acc.add_affine(&lookup(row, d));
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recoding_reconstructs_the_scalar() {
        for limbs in [
            [0u64; 5],
            [
                u64::MAX,
                u64::MAX,
                u64::MAX,
                u64::MAX,
                0x7fff_ffff_ffff_ffff,
            ],
            [0x10, 0, 0, 0, 0],
        ] {
            let k = Scalar::from_limbs_reduce(limbs);
            let digits = recode(&k);
            assert!(digits.iter().all(|d| (-16..=16).contains(d)));
            // sum d_i 32^i computed in the scalar ring
            let mut acc = Scalar::ZERO;
            let thirty_two = Scalar::from_limbs_reduce([32, 0, 0, 0, 0]);
            for &d in digits.iter().rev() {
                acc = acc.mul(&thirty_two);
                let m = Scalar::from_limbs_reduce([u64::from(d.unsigned_abs()), 0, 0, 0, 0]);
                acc = if d < 0 { acc.sub(&m) } else { acc.add(&m) };
            }
            assert_eq!(acc, k);
        }
    }

    #[test]
    fn matches_generic_multiplication() {
        let mut k = Scalar::from_limbs_reduce([3, 1, 4, 1, 5]);
        for _ in 0..5 {
            assert_eq!(mul_generator(&k), Point::GENERATOR.mul_vartime(&k));
            k = k
                .mul(&k)
                .add(&Scalar::from_limbs_reduce([0xdead_beef, 0, 0, 0, 1 << 62]));
        }
        assert!(mul_generator(&Scalar::ZERO).is_neutral());
        assert_eq!(mul_generator(&Scalar::ONE), Point::GENERATOR);
        let n_minus_1 = Scalar::ZERO.sub(&Scalar::ONE);
        assert_eq!(mul_generator(&n_minus_1), Point::GENERATOR.neg());
    }
}
