//! Deterministic pseudo-randomness for the simulator: SplitMix64 and a keyed mixer.
//!
//! Not cryptographic. Used for the price walk and the funding schedule, so that a given seed
//! replays the same market. Integers only (no floating point anywhere near money).

/// One SplitMix64 step.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes several words into one (order matters).
pub fn mix(words: &[u64]) -> u64 {
    words
        .iter()
        .fold(0x243F_6A88_85A3_08D3u64, |acc, w| splitmix(acc ^ w))
}

/// A string as a word (FNV-1a).
pub fn word(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A value in `[-span, span]` from a hash.
pub fn signed_in(hash: u64, span: i64) -> i64 {
    if span <= 0 {
        return 0;
    }
    let width = (span as u64) * 2 + 1;
    (hash % width) as i64 - span
}

/// A small seeded generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rng(pub u64);

impl Rng {
    /// Next word.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }

    /// Uniform in `[-span, span]`.
    pub fn signed(&mut self, span: i64) -> i64 {
        let h = self.next_u64();
        signed_in(h, span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_bounded() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        for _ in 0..100 {
            let x = a.signed(3);
            assert_eq!(x, b.signed(3));
            assert!((-3..=3).contains(&x));
        }
        assert_ne!(mix(&[1, 2]), mix(&[2, 1]));
        assert_eq!(signed_in(5, 0), 0);
    }
}
