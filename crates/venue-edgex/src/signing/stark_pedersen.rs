//! StarkWare's Pedersen hash with 8-bit fixed-base tables for its constant points.
//!
//! `H(a, b) = [S + a_low·P0 + a_high·P1 + b_low·P2 + b_high·P3].x`, where `a_low`/`b_low`
//! are the low 248 bits and `a_high`/`b_high` the top 4 bits of the inputs. The library
//! (`starknet_crypto::pedersen_hash`) walks 4-bit chunks (up to 126 additions per hash); here
//! the low parts use one table entry per byte (31 windows of 255 multiples of `P0` and `P2`)
//! and the high parts one 15-entry table each: at most 64 mixed additions and one inversion.
//! The tables (about 1 MiB, public constant data) are built once, lazily. Results are the same
//! field elements as the library's; the tests compare both on many inputs.

use super::stark_table::{build_fixed_base_table, DIGITS};
use starknet_crypto::Felt;
use starknet_types_core::curve::{AffinePoint, ProjectivePoint};
use std::sync::OnceLock;

/// Windows of 8 bits covering the low 248 bits of an input.
const LOW_WINDOWS: usize = 31;
/// Non-zero digits of the 4-bit high part: 1..=15.
const HIGH_DIGITS: usize = 15;

/// The shift point and `P0..P3` (x, y), as published by StarkWare (starknet-curve's
/// `SHIFT_POINT`, `PEDERSEN_P0..P3`).
const SHIFT_POINT: (&str, &str) = (
    "0x049ee3eba8c1600700ee1b87eb599f16716b0b1022947733551fde4050ca6804",
    "0x03ca0cfe4b3bc6ddf346d49d06ea0ed34e621062c0e056c1d0405d266e10268a",
);
const POINTS: [(&str, &str); 4] = [
    (
        "0x0234287dcbaffe7f969c748655fca9e58fa8120b6d56eb0c1080d17957ebe47b",
        "0x03b056f100f96fb21e889527d41f4e39940135dd7a6c94cc6ed0268ee89e5615",
    ),
    (
        "0x04fa56f376c83db33f9dab2656558f3399099ec1de5e3018b7a6932dba8aa378",
        "0x03fa0984c931c9e38113e0c0e47e4401562761f92a7a23b45168f4e80ff5b54d",
    ),
    (
        "0x04ba4cc166be8dec764910f75b45f74b40c690c74709e90f3aa372f0bd2d6997",
        "0x0040301cf5c1751f4b971e46c4ede85fcac5c59a5ce5ae7c48151f27b24b219c",
    ),
    (
        "0x054302dcb0e6cc1c6e44cca8f61a63bb2ca65048d53fb325d36ff12c49a58202",
        "0x01b77b3e37d13504b348046268d8ae25ce98ad783c25561a879dcc77e99c2426",
    ),
];

/// The shift point and the four tables (low of `a`, high of `a`, low of `b`, high of `b`).
struct PedersenTables {
    shift: AffinePoint,
    a_low: Vec<AffinePoint>,
    a_high: Vec<AffinePoint>,
    b_low: Vec<AffinePoint>,
    b_high: Vec<AffinePoint>,
}

static TABLES: OnceLock<PedersenTables> = OnceLock::new();

fn point((x, y): (&str, &str)) -> AffinePoint {
    // Constant, published on-curve points: the check can only fail if the text were edited.
    AffinePoint::new(Felt::from_hex_unchecked(x), Felt::from_hex_unchecked(y))
        .unwrap_or_else(|_| unreachable!("Pedersen constant point off the curve"))
}

fn tables() -> &'static PedersenTables {
    TABLES.get_or_init(build_tables)
}

fn build_tables() -> PedersenTables {
    PedersenTables {
        shift: point(SHIFT_POINT),
        a_low: build_fixed_base_table(&point(POINTS[0]), LOW_WINDOWS, 8),
        a_high: build_fixed_base_table(&point(POINTS[1]), 1, 4),
        b_low: build_fixed_base_table(&point(POINTS[2]), LOW_WINDOWS, 8),
        b_high: build_fixed_base_table(&point(POINTS[3]), 1, 4),
    }
}

/// Forces the tables to be built now (e.g. at start-up, so the first order does not pay it).
pub fn warm_up() {
    let _ = tables();
}

/// Adds the table entries of one input: its 31 low bytes and its top 4 bits.
fn accumulate(acc: &mut ProjectivePoint, value: &Felt, low: &[AffinePoint], high: &[AffinePoint]) {
    let bytes = value.to_bytes_le();
    for (window, byte) in bytes[..LOW_WINDOWS].iter().enumerate() {
        if *byte != 0 {
            *acc += &low[window * DIGITS + usize::from(*byte) - 1];
        }
    }
    // A field element is below 2^252: its top byte holds only the 4 high bits.
    let top = usize::from(bytes[LOW_WINDOWS] & 0x0f);
    if top != 0 {
        *acc += &high[(top - 1).min(HIGH_DIGITS - 1)];
    }
}

/// The Pedersen hash of two field elements; equal to `starknet_crypto::pedersen_hash`.
pub fn pedersen_hash(a: &Felt, b: &Felt) -> Felt {
    let t = tables();
    let mut acc = ProjectivePoint::from_affine_unchecked(t.shift.x(), t.shift.y());
    accumulate(&mut acc, a, &t.a_low, &t.a_high);
    accumulate(&mut acc, b, &t.b_low, &t.b_high);
    match acc.to_affine() {
        Ok(point) => point.x(),
        // The point at infinity would need a discrete-log relation between the constants;
        // should it ever happen, answer exactly what the library answers.
        Err(_) => starknet_crypto::pedersen_hash(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::stark::keccak256;
    use num_bigint::BigUint;

    /// Deterministic pseudo-random field element (Keccak of a tag and counter, 252 bits).
    fn pseudo_random(tag: u8, i: u32) -> Felt {
        let mut input = vec![tag];
        input.extend_from_slice(&i.to_be_bytes());
        let value = BigUint::from_bytes_be(&keccak256(&input)) >> 4u32;
        Felt::from(value % Felt::MAX.to_biguint())
    }

    #[test]
    fn matches_the_library_on_edge_inputs() {
        let edges: Vec<(&str, Felt)> = vec![
            ("0", Felt::ZERO),
            ("1", Felt::ONE),
            ("255", Felt::from(255u32)),
            ("2^248-1", Felt::from((BigUint::from(1u32) << 248) - 1u32)),
            ("2^248", Felt::from(BigUint::from(1u32) << 248)),
            ("2^251", Felt::from(BigUint::from(1u32) << 251)),
            ("p-1", Felt::MAX),
        ];
        for (name_a, a) in &edges {
            for (name_b, b) in &edges {
                assert_eq!(
                    pedersen_hash(a, b),
                    starknet_crypto::pedersen_hash(a, b),
                    "a = {name_a}, b = {name_b}"
                );
            }
        }
    }

    #[test]
    fn matches_the_library_on_random_inputs() {
        for i in 0..64 {
            let (a, b) = (pseudo_random(1, i), pseudo_random(2, i));
            assert_eq!(
                pedersen_hash(&a, &b),
                starknet_crypto::pedersen_hash(&a, &b),
                "case #{i}"
            );
        }
    }

    #[test]
    fn starkware_reference_vector() {
        // StarkWare's crypto-cpp test vector (also starknet-crypto's).
        let a = Felt::from_hex_unchecked(
            "0x03d937c035c878245caf64531a5756109c53068da139362728feb561405371cb",
        );
        let b = Felt::from_hex_unchecked(
            "0x0208a0a10250e382e1e4bbe2880906c2791bf6275695e02fbbc6aeff9cd8b31a",
        );
        assert_eq!(
            pedersen_hash(&a, &b),
            Felt::from_hex_unchecked(
                "0x030e480bed5fe53fa909cc0f8c4d99b8f9f2c016be4c41e13a4848797979c662"
            )
        );
    }
}
