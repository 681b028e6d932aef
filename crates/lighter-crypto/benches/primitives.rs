//! Criterion benches of the building blocks (where signing time goes).

#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use lighter_crypto::{hash_u64s, mul_generator, permute, Fp, Fp5, Point, PrivateKey, Scalar};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let a = Fp5::from_u64s([1, 2, 3, 4, 5]);
    let b = Fp5::from_u64s([6, 7, 8, 9, 10]);
    c.bench_function("fp5_mul", |bn| bn.iter(|| black_box(&a).mul(black_box(&b))));
    c.bench_function("fp5_inverse", |bn| {
        bn.iter(|| black_box(&a).inverse_or_zero())
    });
    let mut state = [Fp::ZERO; 12];
    c.bench_function("poseidon2_permute", |bn| {
        bn.iter(|| permute(black_box(&mut state)))
    });
    let elems: Vec<u64> = (0..16).collect();
    c.bench_function("hash_16_elements", |bn| {
        bn.iter(|| hash_u64s(black_box(&elems)))
    });
    let k = Scalar::from_limbs_reduce([0x1234, 0x5678, 0x9abc, 0xdef0, 0x1111]);
    lighter_crypto::warm_up();
    c.bench_function("mul_generator", |bn| {
        bn.iter(|| mul_generator(black_box(&k)))
    });
    let g = Point::GENERATOR;
    c.bench_function("point_add", |bn| {
        bn.iter(|| black_box(&g).add(black_box(&g)))
    });
    let sk = PrivateKey::from_hex(
        "0x32477c60c268814483ef6cd00be2404b38e503ee2b516292c196541ce63eb26a2c2c5bce26222701",
    )
    .unwrap();
    let m = Fp5::from_u64s([1, 2, 3, 4, 5]);
    c.bench_function("schnorr_sign", |bn| {
        bn.iter(|| sk.sign(black_box(&m), &[7u8; 64]))
    });
}

criterion_group!(primitives, benches);
criterion_main!(primitives);
