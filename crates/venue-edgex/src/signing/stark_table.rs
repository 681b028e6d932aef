//! Fixed-base scalar multiplication by the Stark generator `G` with a precomputed table.
//!
//! ECDSA signing spends most of its time on `k·G`. `G` never changes, so the multiples
//! `j·256^i·G` (`i` = byte position 0..32, `j` = 1..=255) are computed once, lazily, and
//! stored in affine form (8160 points, about 0.5 MiB). A product `k·G` is then the sum of at
//! most 32 table entries, one per little-endian byte of `k` (no doubling at all), with
//! mixed projective+affine additions, instead of ~252 doublings and ~126 additions.
//!
//! The result is the same group element as plain double-and-add, so signatures are
//! byte-identical; the tests compare both paths on many scalars. Only exact field arithmetic
//! is used (lambdaworks, via `starknet-types-core`). The table is public data (multiples of
//! the generator); no secret is stored in it, and table lookups are indexed by the scalar's
//! bytes just as double-and-add branches on its bits (signing with an RFC 6979 `k` on a
//! machine we control: no cache-timing adversary in this threat model).

use starknet_crypto::Felt;
use starknet_types_core::curve::{AffinePoint, ProjectivePoint};
use std::sync::OnceLock;

/// Window width in bits (one byte of the scalar per window).
const WINDOW_BITS: usize = 8;
/// Non-zero digits per window: 1..=255.
pub(crate) const DIGITS: usize = (1 << WINDOW_BITS) - 1;
/// Windows covering a 256-bit scalar (a field element is below 2^252).
const WINDOWS: usize = 32;

/// `table[i * DIGITS + (j - 1)] = j·256^i·G`, affine.
static GENERATOR_TABLE: OnceLock<Vec<AffinePoint>> = OnceLock::new();

/// The generator table, built on first use (tens of milliseconds, once per process).
fn generator_table() -> &'static [AffinePoint] {
    GENERATOR_TABLE.get_or_init(build_generator_table)
}

/// Forces the table to be built now (e.g. at start-up, so the first order does not pay it).
pub fn warm_up() {
    let _ = generator_table();
}

/// Builds `j·256^i·G` for every window `i` and digit `j` (public so that the bench can time
/// the one-off build; signing uses the shared lazily built copy).
pub fn build_generator_table() -> Vec<AffinePoint> {
    build_fixed_base_table(&AffinePoint::generator(), WINDOWS, WINDOW_BITS)
}

/// `table[i * (2^bits - 1) + (j - 1)] = j·2^(bits·i)·base` for `i < windows`, `0 < j < 2^bits`,
/// affine. `base` must be a point of prime order N with `2^(bits·windows) < N·2^bits`, so that
/// no entry is the point at infinity (true for the Stark generator and the Pedersen points
/// with 8-bit windows over at most 256 bits, and 4-bit windows over 4 bits).
pub(crate) fn build_fixed_base_table(
    base: &AffinePoint,
    windows: usize,
    bits: usize,
) -> Vec<AffinePoint> {
    let digits = (1usize << bits) - 1;
    let mut window_base = ProjectivePoint::from_affine_unchecked(base.x(), base.y());
    let mut projective = Vec::with_capacity(windows * digits);
    for _ in 0..windows {
        let mut multiple = window_base.clone();
        for _ in 0..digits {
            projective.push(multiple.clone());
            multiple += &window_base;
        }
        // `multiple` is now 2^bits·window_base: the next window's base.
        window_base = multiple;
    }
    // j·2^(bits·i) is never a multiple of the prime order N here, so no entry is the point
    // at infinity (Z != 0) and every conversion succeeds.
    to_affine_batch(&projective)
}

/// Projective (X : Y : Z) to affine (X/Z, Y/Z) with one field inversion for the whole slice
/// (Montgomery's trick) instead of one per point; each result is checked to be on the curve.
fn to_affine_batch(points: &[ProjectivePoint]) -> Vec<AffinePoint> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut running = Felt::ONE;
    for point in points {
        prefix.push(running);
        running *= point.z();
    }
    let mut inverse = running
        .inverse()
        .unwrap_or_else(|| unreachable!("a table entry is never the point at infinity"));
    let mut affine = vec![AffinePoint::identity(); points.len()];
    for (i, point) in points.iter().enumerate().rev() {
        // inverse = 1 / (z_0 ... z_i); prefix[i] = z_0 ... z_(i-1).
        let z_inv = inverse * prefix[i];
        inverse *= point.z();
        affine[i] = AffinePoint::new(point.x() * z_inv, point.y() * z_inv)
            .unwrap_or_else(|_| unreachable!("a table entry is on the curve"));
    }
    affine
}

/// `k·G` through the fixed-base table: one mixed addition per non-zero byte of `k`.
pub fn mul_generator(k: &Felt) -> ProjectivePoint {
    let table = generator_table();
    let mut acc = ProjectivePoint::identity();
    for (window, byte) in k.to_bytes_le().iter().enumerate() {
        if *byte != 0 {
            acc += &table[window * DIGITS + usize::from(*byte) - 1];
        }
    }
    acc
}

/// `k·G` by plain double-and-add (the library's path); the reference for the tests.
pub fn mul_generator_plain(k: &Felt) -> ProjectivePoint {
    let generator = AffinePoint::generator();
    &ProjectivePoint::from_affine_unchecked(generator.x(), generator.y()) * *k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::stark::{curve_order, keccak256};
    use num_bigint::BigUint;

    fn affine(point: &ProjectivePoint) -> Option<(Felt, Felt)> {
        point.to_affine().ok().map(|p| (p.x(), p.y()))
    }

    /// Deterministic pseudo-random scalars (Keccak of a counter), reduced mod N.
    fn scalar(i: u32) -> Felt {
        let digest = keccak256(&i.to_be_bytes());
        Felt::from(BigUint::from_bytes_be(&digest) % curve_order())
    }

    #[test]
    fn table_matches_double_and_add_on_edge_scalars() {
        let n = curve_order();
        let edges: Vec<(&str, Felt)> = vec![
            ("1", Felt::ONE),
            ("2", Felt::TWO),
            ("255", Felt::from(255u32)),
            ("256", Felt::from(256u32)),
            ("2^64-1", Felt::from(u64::MAX)),
            ("N-1", Felt::from(&n - 1u32)),
            ("N-2", Felt::from(&n - 2u32)),
            ("N", Felt::from(n.clone())),
            ("N+1", Felt::from(&n + 1u32)),
            ("2^251", Felt::from(BigUint::from(1u32) << 251)),
            ("p-1", Felt::MAX),
            (
                "all bytes 0xff below 2^248",
                Felt::from((BigUint::from(1u32) << 248) - 1u32),
            ),
        ];
        for (name, k) in edges {
            assert_eq!(
                affine(&mul_generator(&k)),
                affine(&mul_generator_plain(&k)),
                "k = {name}"
            );
        }
        assert!(mul_generator(&Felt::ZERO).is_identity());
    }

    #[test]
    fn table_matches_double_and_add_on_random_scalars() {
        for i in 0..64 {
            let k = scalar(i);
            assert_eq!(
                affine(&mul_generator(&k)),
                affine(&mul_generator_plain(&k)),
                "scalar #{i}"
            );
        }
    }
}
