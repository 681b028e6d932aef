//! Checks the crypto layer against the official signer's vectors in `shared/fixtures/`:
//! key derivation, tx digests rebuilt from raw fields, verification of official signatures,
//! our own signatures, tampering, auth tokens, and the Poseidon2 constants copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lighter_crypto::{hash_u64s, Fp5, PrivateKey, PublicKey, Signature};
use serde_json::Value;

fn shared(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("field {k}"))
}

fn digest_from_hex(h: &str) -> Fp5 {
    let bytes = lighter_crypto::hex::decode_fixed::<40>(h).unwrap();
    Fp5::from_canonical_bytes(&bytes).unwrap()
}

/// The hash elements of a vector's tx, per spec §7.
fn elements(tx: &Value) -> Vec<u64> {
    let i = &tx["inputs"];
    let head = |t: u64| {
        vec![
            u(i, "chain_id"),
            t,
            u(i, "nonce"),
            u(tx, "expired_at"),
            u(i, "account_index"),
            u(i, "api_key_index"),
        ]
    };
    match tx["kind"].as_str().unwrap() {
        "CreateOrder" => {
            let mut e = head(14);
            for k in [
                "market_index",
                "client_order_index",
                "base_amount",
                "price",
                "is_ask",
                "order_type",
                "time_in_force",
                "reduce_only",
                "trigger_price",
                "order_expiry",
            ] {
                e.push(u(i, k));
            }
            e
        }
        "CancelOrder" => {
            let mut e = head(15);
            e.extend([u(i, "market_index"), u(i, "order_index")]);
            e
        }
        "CancelAllOrders" => {
            let mut e = head(16);
            e.extend([u(i, "time_in_force"), u(i, "time")]);
            e
        }
        "UpdateLeverage" => {
            let mut e = head(20);
            e.extend([
                u(i, "market_index"),
                u(i, "initial_margin_fraction"),
                u(i, "margin_mode"),
            ]);
            e
        }
        other => panic!("unknown kind {other}"),
    }
}

fn digest(tx: &Value) -> Fp5 {
    let d = hash_u64s(&elements(tx));
    let i = &tx["inputs"];
    let mut attrs: Vec<(u64, u64)> = Vec::new();
    if i["skip_nonce"].as_u64() == Some(1) {
        attrs.push((4, 1));
    }
    if let Some(m) = i["cancel_all_market_index"].as_u64() {
        if m != 255 {
            attrs.push((5, m));
        }
    }
    if attrs.is_empty() {
        return d;
    }
    let mut flat = [0u64; 8];
    for (j, (t, v)) in attrs.iter().enumerate() {
        flat[2 * j] = *t;
        flat[2 * j + 1] = *v;
    }
    let a = hash_u64s(&flat);
    let mut both = d.to_u64s().to_vec();
    both.extend(a.to_u64s());
    hash_u64s(&both)
}

#[test]
fn keypairs_derive_the_official_public_keys() {
    let v = shared("lighter-vectors.json");
    let mut n = 0;
    let all = v["keypairs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["transactions"].as_array().unwrap())
        .chain(v["auth_tokens"].as_array().unwrap());
    for kp in all {
        let sk = PrivateKey::from_hex(kp["private_key_hex"].as_str().unwrap()).unwrap();
        let expected = kp["public_key_hex"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x");
        assert_eq!(sk.public_key().to_hex(), expected);
        n += 1;
    }
    assert!(n >= 4);
}

#[test]
fn tx_digests_signatures_and_tampering() {
    let v = shared("lighter-vectors.json");
    for tx in v["transactions"].as_array().unwrap() {
        let name = tx["name"].as_str().unwrap();
        let d = digest(tx);
        assert_eq!(
            lighter_crypto::hex::encode(&d.to_bytes()),
            tx["tx_hash_hex"].as_str().unwrap(),
            "{name}"
        );
        let pk = PublicKey::from_hex(tx["public_key_hex"].as_str().unwrap()).unwrap();
        let vk = pk.verifying_key().unwrap();
        let sig = Signature::from_hex(tx["sig_hex"].as_str().unwrap()).unwrap();
        assert!(
            vk.verify(&d, &sig),
            "{name}: official signature must verify"
        );

        // a changed field changes the digest and the signature no longer verifies
        let mut changed = tx.clone();
        let inputs = changed["inputs"].as_object_mut().unwrap();
        let nonce = inputs["nonce"].as_u64().unwrap();
        inputs.insert("nonce".into(), (nonce + 1).into());
        assert!(!vk.verify(&digest(&changed), &sig), "{name}: changed nonce");

        // a changed signature byte does not verify (or is not even canonical)
        for pos in [0usize, 39, 40, 79] {
            let mut bytes = sig.to_bytes();
            bytes[pos] ^= 0x01;
            if let Ok(bad) = Signature::from_bytes(&bytes) {
                assert!(!vk.verify(&d, &bad), "{name}: flipped byte {pos}");
            }
        }

        // our own signature over the same digest verifies, and a fresh one differs
        let sk = PrivateKey::from_hex(tx["private_key_hex"].as_str().unwrap()).unwrap();
        let ours = sk.sign(&d, &[name.len() as u8; 64]);
        assert!(vk.verify(&d, &ours), "{name}: our signature");
        assert_ne!(ours, sk.sign(&d, &[name.len() as u8 + 1; 64]));
        // the worked example's official signature must not verify under another key
        let other =
            PrivateKey::from_hex(v["keypairs"][0]["private_key_hex"].as_str().unwrap()).unwrap();
        assert!(!other.public_key().verify(&d, &sig));
    }
}

#[test]
fn auth_tokens_verify_over_the_packed_prefix() {
    let v = shared("lighter-vectors.json");
    for t in v["auth_tokens"].as_array().unwrap() {
        let msg = t["message"].as_str().unwrap();
        assert!(t["token"].as_str().unwrap().starts_with(&format!("{msg}:")));
        let mut bytes = msg.as_bytes().to_vec();
        while bytes.len() % 8 != 0 {
            bytes.push(0);
        }
        let elems: Vec<u64> = bytes
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let d = hash_u64s(&elems);
        let pk = PublicKey::from_hex(t["public_key_hex"].as_str().unwrap()).unwrap();
        let sig = Signature::from_hex(t["sig_hex"].as_str().unwrap()).unwrap();
        assert!(pk.verify(&d, &sig), "{msg}");
        assert!(!pk.verify(&hash_u64s(&elems[..elems.len() - 1]), &sig));
    }
    // spec §5 worked example
    let d = hash_u64s(&[3761121643892127537, 3618698591360136245, 224146897465]);
    assert_eq!(
        lighter_crypto::hex::encode(&d.to_bytes()),
        "6de2c4fe9e9c4b9449a535a0a785f5edf9abbb87545dccced95bec305017895c233611a2e553f07d"
    );
}

#[test]
fn resign_checks_have_equal_hashes_and_both_verify() {
    let v = shared("lighter-vectors.json");
    for r in v["resign_checks"].as_array().unwrap() {
        let (a, b) = (&r["a"], &r["b"]);
        assert_eq!(a["tx_hash_hex"], b["tx_hash_hex"]);
        assert_ne!(a["sig_hex"], b["sig_hex"]);
        let pk = PublicKey::from_hex(r["public_key_hex"].as_str().unwrap()).unwrap();
        let d = digest_from_hex(a["tx_hash_hex"].as_str().unwrap());
        for s in [a, b] {
            assert!(pk.verify(
                &d,
                &Signature::from_hex(s["sig_hex"].as_str().unwrap()).unwrap()
            ));
        }
    }
}

#[test]
fn spec_worked_examples() {
    let d = hash_u64s(&[4, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        lighter_crypto::hex::encode(&d.to_bytes()),
        "eb6957d39914ddf1beea0a71c0ce238982056b711a994bd1e84b5578f03e994445be7e845cb87dd7"
    );
    let d = hash_u64s(&[
        304,
        14,
        2732855,
        1795490775025,
        360807,
        136,
        53,
        872563,
        988755,
        3889111691,
        0,
        0,
        1,
        0,
        0,
        1796284018912,
    ]);
    assert_eq!(
        d.to_u64s(),
        [
            12719147896325361431,
            13740734188875687524,
            14663579742810962447,
            9448941541101385437,
            6117795478571359634
        ]
    );
}

#[test]
fn crate_constants_copy_matches_the_shared_file() {
    let ours: Value =
        serde_json::from_str(include_str!("../data/poseidon2-constants.json")).unwrap();
    assert_eq!(ours, shared("lighter-poseidon2-constants.json"));
}
