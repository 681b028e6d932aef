//! Poseidon2 over Goldilocks, width 12, and the `H5` sponge Lighter hashes with
//! (spec §6.2–6.3): x^7 S-box, 4 + 4 full rounds, 22 partial rounds; plonky2-style
//! "hash n to m, no pad" with overwrite absorption at rate 8.

use crate::field::{reduce128, Fp};
use crate::gfp5::Fp5;
use crate::poseidon2_constants::{
    EXTERNAL_ROUND_CONSTANTS, INTERNAL_DIAGONAL, INTERNAL_ROUND_CONSTANTS,
};

/// State width.
pub const WIDTH: usize = 12;
/// Absorption rate.
pub const RATE: usize = 8;

#[inline(always)]
fn sbox(x: Fp) -> Fp {
    let x2 = x.square();
    let x3 = x2.mul(x);
    let x4 = x2.square();
    x3.mul(x4)
}

/// Multiplies one 4-element block by M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]].
#[inline(always)]
fn m4(s: &mut [Fp]) {
    let (a, b, c, d) = (s[0], s[1], s[2], s[3]);
    let ab = a.add(b);
    let cd = c.add(d);
    let sum = ab.add(cd);
    // a' = 2a + 3b + c + d = sum + a + 2b, etc.
    s[0] = sum.add(a).add(b.double());
    s[1] = sum.add(b).add(c.double());
    s[2] = sum.add(c).add(d.double());
    s[3] = sum.add(d).add(a.double());
}

/// External linear layer: M4 per block, then add the column sums.
#[inline(always)]
fn external_layer(s: &mut [Fp; WIDTH]) {
    for block in s.chunks_exact_mut(4) {
        m4(block);
    }
    let mut col = [Fp::ZERO; 4];
    for (k, c) in col.iter_mut().enumerate() {
        *c = s[k].add(s[k + 4]).add(s[k + 8]);
    }
    for (i, x) in s.iter_mut().enumerate() {
        *x = x.add(col[i % 4]);
    }
}

/// Internal linear layer: s_i <- s_i * diag_i + sum(s).
#[inline(always)]
fn internal_layer(s: &mut [Fp; WIDTH]) {
    let mut sum = Fp::ZERO;
    for x in s.iter() {
        sum = sum.add(*x);
    }
    let sum = u128::from(sum.to_u64());
    for (x, d) in s.iter_mut().zip(INTERNAL_DIAGONAL.iter()) {
        // one reduction for the product and the sum (< 2^128 - 2^97 + 2^64 + 2^64)
        *x = Fp::from_canonical_unchecked(reduce128(
            u128::from(x.to_u64()) * u128::from(d.to_u64()) + sum,
        ));
    }
}

#[inline(always)]
fn full_round(s: &mut [Fp; WIDTH], rc: &[Fp; WIDTH]) {
    for (x, c) in s.iter_mut().zip(rc.iter()) {
        *x = sbox(x.add(*c));
    }
    external_layer(s);
}

/// The Poseidon2 permutation.
pub fn permute(state: &mut [Fp; WIDTH]) {
    external_layer(state);
    for rc in &EXTERNAL_ROUND_CONSTANTS[..4] {
        full_round(state, rc);
    }
    for rc in &INTERNAL_ROUND_CONSTANTS {
        state[0] = sbox(state[0].add(*rc));
        internal_layer(state);
    }
    for rc in &EXTERNAL_ROUND_CONSTANTS[4..] {
        full_round(state, rc);
    }
}

/// `H5`: hashes any number of field elements to one GF(p^5) element (overwrite absorption,
/// no padding; the empty input hashes to 0 without a permutation).
pub fn hash_to_quintic(inputs: &[Fp]) -> Fp5 {
    let mut state = [Fp::ZERO; WIDTH];
    for chunk in inputs.chunks(RATE) {
        state[..chunk.len()].copy_from_slice(chunk);
        permute(&mut state);
    }
    Fp5([state[0], state[1], state[2], state[3], state[4]])
}

/// `H5` over integers (each must be < p; larger values are reduced, which never happens
/// for valid transaction fields).
pub fn hash_u64s(inputs: &[u64]) -> Fp5 {
    let mut state = [Fp::ZERO; WIDTH];
    for chunk in inputs.chunks(RATE) {
        for (s, x) in state.iter_mut().zip(chunk) {
            *s = Fp::new(*x);
        }
        permute(&mut state);
    }
    Fp5([state[0], state[1], state[2], state[3], state[4]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_vector() {
        let mut s = core::array::from_fn(|i| Fp::new(i as u64));
        permute(&mut s);
        let expected: [u64; 12] = [
            8066226119727164551,
            12034567947558293796,
            14152291504239882087,
            17432044828564993022,
            18363463688991195121,
            10972075183901531833,
            459741503372679350,
            526680121051726053,
            647154133136364518,
            12211724450340700274,
            8061408057657658344,
            15479440560020210066,
        ];
        assert_eq!(s.map(Fp::to_u64), expected);
    }

    #[test]
    fn hash_vectors() {
        assert_eq!(hash_u64s(&[]), Fp5::ZERO);
        let h = hash_u64s(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(
            h.to_u64s(),
            [
                11021345796096752149,
                14367143748476486211,
                14953195743508369291,
                8411704593359980238,
                12094394019897241621
            ]
        );
        assert_eq!(
            hash_u64s(&[0; 8]).to_u64s(),
            [
                7182099517097165596,
                9311216678150108034,
                8831900494918587432,
                10774846510254277933,
                10601329242472021962
            ]
        );
        let elems: Vec<Fp> = (1..=10).map(Fp::new).collect();
        assert_eq!(hash_to_quintic(&elems), h);
    }
}
