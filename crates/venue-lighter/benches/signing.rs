//! Criterion benches: `sign_create_order` (validate + digest + Schnorr sign + JSON) and
//! `verify`. See BENCHMARKS.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use venue_api::Secret;
use venue_lighter::signing::{
    CreateOrder, LighterSigner, OrderTimeInForce, OrderType, TxBody, UnsignedTx,
};

const SK: &str =
    "0x32477c60c268814483ef6cd00be2404b38e503ee2b516292c196541ce63eb26a2c2c5bce26222701";

fn order_tx(signer: &LighterSigner, nonce: i64) -> UnsignedTx {
    UnsignedTx::new(
        signer.header(nonce, 1_795_490_175_005),
        TxBody::CreateOrder(CreateOrder {
            market_index: 53,
            client_order_index: 872_563,
            base_amount: 988_755,
            price: 3_889_111_691,
            is_ask: false,
            order_type: OrderType::Limit,
            time_in_force: OrderTimeInForce::GoodTillTime,
            reduce_only: false,
            trigger_price: 0,
            order_expiry: 1_796_284_018_912,
        }),
    )
}

fn benches(c: &mut Criterion) {
    let signer = LighterSigner::new(&Secret::new(SK), 14_596, 136, 304).unwrap();
    lighter_crypto::warm_up();
    let tx = order_tx(&signer, 2_638_832);
    c.bench_function("sign_create_order", |b| {
        b.iter(|| signer.sign(black_box(&tx)).unwrap())
    });
    // the same without the OS random source (shows what the getrandom call costs)
    c.bench_function("sign_create_order_fixed_entropy", |b| {
        b.iter(|| {
            signer
                .sign_with_entropy(black_box(&tx), &[5u8; 64])
                .unwrap()
        })
    });

    let digest = tx.digest(304);
    let sig = lighter_crypto::PrivateKey::from_hex(SK)
        .unwrap()
        .sign(&digest, &[9u8; 64]);
    let vk = signer.public_key().verifying_key().unwrap();
    c.bench_function("verify", |b| {
        b.iter(|| assert!(vk.verify(black_box(&digest), black_box(&sig))))
    });
    let pk = signer.public_key();
    c.bench_function("verify_with_key_decoding", |b| {
        b.iter(|| assert!(pk.verify(black_box(&digest), black_box(&sig))))
    });
}

criterion_group!(signing, benches);
criterion_main!(signing);
