//! The ECgFp5 group (Pornin): y^2 = x (x^2 + 2x + 263z) over GF(p^5), prime order n.
//!
//! Points are kept in projective (x, u) coordinates (X : Z : U : T), x = X/Z, u = x/y = U/T,
//! with the complete formulas of spec §6.6 (no special cases, so branch-free). The group's
//! neutral is the curve point N = (0, 0), here (0 : 1 : 0 : 1).

use crate::gfp5::Fp5;
use crate::scalar::Scalar;

/// The curve constant b = 263 z; multiplying by it is a coefficient shift.
const B_SMALL: u64 = 263;
/// The curve constant a = 2.
const A: Fp5 = Fp5::from_u64s([2, 0, 0, 0, 0]);

/// A group element in projective (x, u) coordinates.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub(crate) x: Fp5,
    pub(crate) z: Fp5,
    pub(crate) u: Fp5,
    pub(crate) t: Fp5,
}

/// A group element with Z = T = 1 (for precomputed tables; cheaper to add).
#[derive(Clone, Copy, Debug, Default)]
pub struct AffinePoint {
    pub(crate) x: Fp5,
    pub(crate) u: Fp5,
}

#[inline(always)]
fn mul_b(a: &Fp5) -> Fp5 {
    a.mul_small_z(B_SMALL)
}

impl AffinePoint {
    /// The neutral (x = 0, u = 0).
    pub const NEUTRAL: AffinePoint = AffinePoint {
        x: Fp5::ZERO,
        u: Fp5::ZERO,
    };

    /// -P = (x, -u).
    pub fn neg(&self) -> AffinePoint {
        AffinePoint {
            x: self.x,
            u: self.u.neg(),
        }
    }
}

impl PartialEq for Point {
    /// Equality of group elements (not of representations): x1 Z2 = x2 Z1 and U1 T2 = U2 T1.
    fn eq(&self, other: &Point) -> bool {
        self.x.mul(&other.z) == other.x.mul(&self.z) && self.u.mul(&other.t) == other.u.mul(&self.t)
    }
}

impl Eq for Point {}

impl Point {
    /// The neutral element.
    pub const NEUTRAL: Point = Point {
        x: Fp5::ZERO,
        z: Fp5::ONE,
        u: Fp5::ZERO,
        t: Fp5::ONE,
    };

    /// The conventional generator (encodes to w = 4).
    pub const GENERATOR: Point = Point {
        x: Fp5::from_u64s([
            12_883_135_586_176_881_569,
            4_356_519_642_755_055_268,
            5_248_930_565_894_896_907,
            2_165_973_894_480_315_022,
            2_448_410_071_095_648_785,
        ]),
        z: Fp5::ONE,
        u: Fp5::ONE,
        t: Fp5::from_u64s([4, 0, 0, 0, 0]),
    };

    /// True for the neutral element (u = 0).
    pub fn is_neutral(&self) -> bool {
        self.u.is_zero()
    }

    /// P + Q (complete; 10 multiplications).
    pub fn add(&self, q: &Point) -> Point {
        let t1 = self.x.mul(&q.x);
        let t2 = self.z.mul(&q.z);
        let t3 = self.u.mul(&q.u);
        let t4 = self.t.mul(&q.t);
        let t5 = self.x.add(&self.z).mul(&q.x.add(&q.z)).sub(&t1).sub(&t2);
        let t6 = self.u.add(&self.t).mul(&q.u.add(&q.t)).sub(&t3).sub(&t4);
        let bt2 = mul_b(&t2);
        let t7 = t1.add(&bt2);
        let t8 = t4.mul(&t7);
        let t9 = t3.mul(&mul_b(&t5).add(&t7).double());
        let t10 = t4.add(&t3.double()).mul(&t5.add(&t7));
        Point {
            x: mul_b(&t10.sub(&t8)),
            z: t8.sub(&t9),
            u: t6.mul(&bt2.sub(&t1)),
            t: t8.add(&t9),
        }
    }

    /// P + Q for an affine Q (Z2 = T2 = 1; 8 multiplications).
    #[inline]
    pub fn add_affine(&self, q: &AffinePoint) -> Point {
        let t1 = self.x.mul(&q.x);
        let t2 = self.z;
        let t3 = self.u.mul(&q.u);
        let t4 = self.t;
        let t5 = self.x.add(&self.z.mul(&q.x));
        let t6 = self.u.add(&self.t.mul(&q.u));
        let bt2 = mul_b(&t2);
        let t7 = t1.add(&bt2);
        let t8 = t4.mul(&t7);
        let t9 = t3.mul(&mul_b(&t5).add(&t7).double());
        let t10 = t4.add(&t3.double()).mul(&t5.add(&t7));
        Point {
            x: mul_b(&t10.sub(&t8)),
            z: t8.sub(&t9),
            u: t6.mul(&bt2.sub(&t1)),
            t: t8.add(&t9),
        }
    }

    /// 2P.
    pub fn double(&self) -> Point {
        let t1 = self.z.mul(&self.t);
        let t2 = t1.mul(&self.t);
        let x1 = t2.square();
        let z1 = t1.mul(&self.u);
        let t3 = self.u.square();
        let w1 = t2.sub(&self.x.add(&self.z).double().mul(&t3));
        let t4 = z1.square();
        let z = w1.square();
        Point {
            x: mul_b(&t4).mul_small(4),
            z,
            u: w1.add(&z1).square().sub(&t4).sub(&z),
            t: x1.double().sub(&t4.mul_small(4)).sub(&z),
        }
    }

    /// -P.
    pub fn neg(&self) -> Point {
        Point {
            x: self.x,
            z: self.z,
            u: self.u.neg(),
            t: self.t,
        }
    }

    /// The affine form (one inversion each for x and u).
    pub fn to_affine(&self) -> AffinePoint {
        AffinePoint {
            x: self.x.mul(&self.z.inverse_or_zero()),
            u: self.u.mul(&self.t.inverse_or_zero()),
        }
    }

    /// The encoding w = T / U (the neutral encodes to 0).
    pub fn encode(&self) -> Fp5 {
        self.t.mul(&self.u.inverse_or_zero())
    }

    /// Decodes w (spec §6.6). `None` when w encodes no group element; w = 0 is the neutral.
    pub fn decode(w: &Fp5) -> Option<Point> {
        if w.is_zero() {
            return Some(Point::NEUTRAL);
        }
        let e = w.square().sub(&A);
        let delta = e.square().sub(&mul_b(&Fp5::ONE).mul_small(4));
        let r = delta.sqrt()?;
        let half = Fp5::from_u64s([2, 0, 0, 0, 0]).inverse_or_zero();
        let x1 = e.add(&r).mul(&half);
        let x2 = e.sub(&r).mul(&half);
        // exactly one root is a non-square; that one is the x of a group element
        let x = if x1.is_square() { x2 } else { x1 };
        Some(Point {
            x,
            z: Fp5::ONE,
            u: Fp5::ONE,
            t: *w,
        })
    }

    /// k * P by 4-bit windows from the top (variable time: public scalars only, i.e. in
    /// verification).
    pub fn mul_vartime(&self, k: &Scalar) -> Point {
        let mut table = [Point::NEUTRAL; 16];
        for i in 1..16 {
            table[i] = table[i - 1].add(self);
        }
        let limbs = k.to_limbs();
        let mut acc = Point::NEUTRAL;
        for i in (0..80).rev() {
            for _ in 0..4 {
                acc = acc.double();
            }
            let nibble = ((limbs[i / 16] >> (4 * (i % 16))) & 0xf) as usize;
            if nibble != 0 {
                acc = acc.add(&table[nibble]);
            }
        }
        acc
    }

    /// k * P by double-and-add over all 320 bits (slow reference for tests).
    pub fn mul_reference(&self, k: &Scalar) -> Point {
        let mut acc = Point::NEUTRAL;
        for i in (0..320).rev() {
            acc = acc.double();
            if k.bit(i) == 1 {
                acc = acc.add(self);
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_encodes_to_four_and_decodes_back() {
        assert_eq!(Point::GENERATOR.encode(), Fp5::from_u64s([4, 0, 0, 0, 0]));
        let g = Point::decode(&Fp5::from_u64s([4, 0, 0, 0, 0])).unwrap();
        assert_eq!(g, Point::GENERATOR);
        assert_eq!(Point::NEUTRAL.encode(), Fp5::ZERO);
        assert!(Point::decode(&Fp5::ZERO).unwrap().is_neutral());
    }

    #[test]
    fn group_law_consistency() {
        let g = Point::GENERATOR;
        let g2 = g.double();
        assert_eq!(g.add(&g), g2);
        assert_eq!(g2.add(&g), g.add(&g2));
        assert_eq!(g.add(&Point::NEUTRAL), g);
        assert!(g.add(&g.neg()).is_neutral());
        let a = g2.to_affine();
        assert_eq!(g.add_affine(&a), g.add(&g2));
        assert_eq!(g.add_affine(&AffinePoint::NEUTRAL), g);
        assert_eq!(Point::NEUTRAL.add_affine(&a), g2);
    }

    #[test]
    fn order_is_n() {
        let n_minus_1 = Scalar::ZERO.sub(&Scalar::ONE);
        let p = Point::GENERATOR.mul_vartime(&n_minus_1);
        assert_eq!(p, Point::GENERATOR.neg());
        assert!(p.add(&Point::GENERATOR).is_neutral());
    }

    #[test]
    fn windowed_matches_reference_and_round_trips_encoding() {
        let mut k =
            Scalar::from_limbs_reduce([0x1234_5678_9abc_def0, 7, 0xffff_0000_ffff, 1 << 62, 3]);
        for _ in 0..4 {
            let p = Point::GENERATOR.mul_vartime(&k);
            assert_eq!(p, Point::GENERATOR.mul_reference(&k));
            let w = p.encode();
            let q = Point::decode(&w).unwrap();
            assert_eq!(q, p);
            k = k.mul(&k).add(&Scalar::ONE);
        }
    }

    #[test]
    fn most_random_encodings_are_invalid_or_valid_consistently() {
        // w values that decode must re-encode to themselves
        let mut invalid = 0;
        for i in 1..30u64 {
            let w = Fp5::from_u64s([i, i * 3, 0, 5, i]);
            match Point::decode(&w) {
                Some(p) => assert_eq!(p.encode(), w),
                None => invalid += 1,
            }
        }
        assert!(invalid > 0);
    }
}
