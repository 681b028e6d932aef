//! Signing costs: `sign_order_v1` (4 Pedersen hashes + RFC 6979 + Stark ECDSA),
//! `sign_order_v2` (EIP-712 hashing + secp256k1), `auth_headers` (V1 Stark request auth and
//! V2 HMAC). Inputs are those of the official vectors (case 0 of each list).
//! `stark_sign/*` and `stark_k_times_g/*` put the fixed-base table path beside the library's
//! double-and-add path in the same run; `generator_table_build` is the one-off table cost.
//! Run: `cargo bench -p venue-edgex` (see BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use num_bigint::BigUint;
use rust_decimal_macros::dec;
use starknet_crypto::Felt;
use std::hint::black_box;
use venue_api::{Secret, Side};
use venue_edgex::signing::auth_v1::sign_request;
use venue_edgex::signing::eip712::{Address, Eip712Domain, EthKey};
use venue_edgex::signing::hmac_v2::HmacAuth;
use venue_edgex::signing::order_v1::{sign_order_v1, V1ContractParams};
use venue_edgex::signing::order_v2::{sign_order_v2, V2ContractParams};
use venue_edgex::signing::stark::StarkKey;
use venue_edgex::signing::stark_pedersen::pedersen_hash;
use venue_edgex::signing::stark_table::{
    build_generator_table, mul_generator, mul_generator_plain,
};
use venue_edgex::signing::{EdgexTimeInForce, OrderFields};

fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap()
}

fn fields() -> OrderFields {
    OrderFields {
        account_id: 670_388_375_886_375_217,
        side: Side::Sell,
        size: dec!(2.22),
        price: dec!(1113.39),
        client_order_id: "hedge-b2221a58".into(),
        time_in_force: EdgexTimeInForce::GoodTilCancel,
        reduce_only: false,
        now_ms: 1_745_502_858_029,
        expire_at_ms: None,
    }
}

fn stark_key() -> StarkKey {
    StarkKey::from_secret(&Secret::new(
        "07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4",
    ))
    .unwrap()
}

fn bench_sign_order_v1(c: &mut Criterion) {
    let key = stark_key();
    let params = V1ContractParams {
        contract_id: "10000002".into(),
        synthetic_asset_id: hex("4554482d3900000000000000000000"),
        synthetic_resolution: hex("3b9aca00"),
        collateral_asset_id: hex("2ce625e94458d39dd0bf3b45a843544dd4a14b8169045a3a3d15aa564b936c5"),
        collateral_resolution: hex("f4240"),
        taker_fee_rate: dec!(0.00038),
    };
    let order = fields();
    c.bench_function("sign_order_v1", |b| {
        b.iter(|| sign_order_v1(black_box(&key), &params, black_box(&order)).unwrap())
    });
}

fn bench_sign_order_v2(c: &mut Criterion) {
    let key = EthKey::from_secret(&Secret::new(
        "0x4ef6aa7ec69806eaf81f5c80239dc599f98ddc84f59dc887156eab79e9b161f5",
    ))
    .unwrap();
    let params = V2ContractParams {
        contract_id: 10000002,
        collateral_coin_id: 1000,
        synthetic_resolution: hex("3b9aca00"),
        collateral_resolution: hex("f4240"),
        taker_fee_rate: Some(dec!(0.00038)),
        maker_fee_rate: Some(dec!(0.00015)),
        domain: Eip712Domain {
            chain_id: BigUint::from(56u32),
            verifying_contract: Address::parse("0x3db18a28ec9f6fbfd9d9320e71ef5e7a14fe7ebc")
                .unwrap(),
        },
    };
    let order = fields();
    c.bench_function("sign_order_v2", |b| {
        b.iter(|| sign_order_v2(black_box(&key), &params, black_box(&order)).unwrap())
    });
}

fn bench_auth_headers(c: &mut Criterion) {
    let key = stark_key();
    let path = "/api/v1/private/account/getPositionTransactionPage";
    let payload = "accountId=670388375886375217&filterTypeList=SETTLE_FUNDING_FEE&size=10";
    c.bench_function("auth_headers/v1_stark", |b| {
        b.iter(|| {
            sign_request(
                black_box(&key),
                1_745_502_857_779,
                "GET",
                path,
                black_box(payload),
            )
            .unwrap()
        })
    });
    let hmac = HmacAuth::new(
        &Secret::new("key-a8e33c94"),
        &Secret::new("pass-afc6ee6f"),
        &Secret::new("secret-f78047cfd788c7cc"),
    );
    c.bench_function("auth_headers/v2_hmac", |b| {
        b.iter(|| {
            hmac.sign_request(
                1_745_502_857_779,
                "GET",
                black_box(path),
                black_box(payload),
            )
        })
    });
}

fn bench_stark(c: &mut Criterion) {
    let key = stark_key();
    let private = Felt::from_hex_unchecked(
        "0x07ce42c818072e8c35bf992dc9e9c616612e7696a6cecc1b78e510617311d8a4",
    );
    let message = Felt::from_hex_unchecked(
        "0x015777e74b4d9dcd5cd4276ea445a68b5a6874af12eff243b3bc4120f04bda39",
    );
    let k = starknet_crypto::rfc6979_generate_k(&message, &private, None);
    c.bench_function("stark_sign/table", |b| {
        b.iter(|| key.sign(black_box(&message)).unwrap())
    });
    // The path before the table: the library's RFC 6979 `k` and `sign` (double-and-add k·G).
    c.bench_function("stark_sign/library", |b| {
        b.iter(|| {
            let k = starknet_crypto::rfc6979_generate_k(black_box(&message), &private, None);
            starknet_crypto::sign(&private, &message, &k).unwrap()
        })
    });
    c.bench_function("stark_k_times_g/table", |b| {
        b.iter(|| mul_generator(black_box(&k)))
    });
    c.bench_function("stark_k_times_g/plain", |b| {
        b.iter(|| mul_generator_plain(black_box(&k)))
    });
    c.bench_function("pedersen_hash/table", |b| {
        b.iter(|| pedersen_hash(black_box(&private), black_box(&message)))
    });
    c.bench_function("pedersen_hash/library", |b| {
        b.iter(|| starknet_crypto::pedersen_hash(black_box(&private), black_box(&message)))
    });
    let mut group = c.benchmark_group("generator_table_build");
    group.sample_size(10);
    group.bench_function("once", |b| b.iter(build_generator_table));
    group.finish();
}

criterion_group!(
    benches,
    bench_stark,
    bench_sign_order_v1,
    bench_sign_order_v2,
    bench_auth_headers
);
criterion_main!(benches);
