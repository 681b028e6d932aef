//! Checker for signing vectors in the official format (`shared/fixtures/lighter-vectors.json`).
//!
//! For every case it rebuilds the tx from its raw inputs with this crate's builder and
//! checks: the derived public key, the digest (`tx_hash_hex`), the exact `tx_info` JSON (with
//! the official `Sig` substituted), that the official signature verifies, that our own
//! signature verifies, and that a changed field or a flipped signature byte does not. Auth
//! tokens: prefix and signature. Re-sign checks: equal hashes, different signatures.
//! Used by `examples/check_vectors.rs` and the tests.

use super::signer::{auth_digest, signature_from_base64};
use super::tx::{
    CancelAllMode, CancelAllOrders, CancelOrder, CreateOrder, MarginModeCode, OrderTimeInForce,
    OrderType, TxAttributes, TxBody, TxHeader, UnsignedTx, ATTR_CANCEL_ALL_MARKET, ATTR_SKIP_NONCE,
};
use lighter_crypto::{hex, PrivateKey, PublicKey, Signature};
use serde_json::Value;

/// Outcome of a run: one line per failed check, and the counts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// `"<case>: <check>: <detail>"` for each failed check.
    pub failures: Vec<String>,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed.
    pub failed: usize,
}

impl Report {
    fn record(&mut self, case: &str, check: &str, result: Result<(), String>) {
        match result {
            Ok(()) => self.passed += 1,
            Err(detail) => {
                self.failed += 1;
                self.failures.push(format!("{case}: {check}: {detail}"));
            }
        }
    }

    /// The closing line, `"N passed, M failed"`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

fn field(v: &Value, k: &str) -> Result<u64, String> {
    v.get(k)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing or non-integer field {k}"))
}

fn text<'a>(v: &'a Value, k: &str) -> Result<&'a str, String> {
    v.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string field {k}"))
}

fn int<T: TryFrom<u64>>(v: &Value, k: &str) -> Result<T, String> {
    let x = field(v, k)?;
    T::try_from(x).map_err(|_| format!("field {k} = {x} out of range"))
}

/// Rebuilds the unsigned tx of a vector from `inputs`, `expired_at` and `kind`.
pub fn rebuild_tx(kind: &str, inputs: &Value, expired_at: u64) -> Result<UnsignedTx, String> {
    let header = TxHeader {
        account_index: int(inputs, "account_index")?,
        api_key_index: int(inputs, "api_key_index")?,
        nonce: int(inputs, "nonce")?,
        expired_at: i64::try_from(expired_at).map_err(|_| "expired_at out of range".to_string())?,
    };
    let body = match kind {
        "CreateOrder" => TxBody::CreateOrder(CreateOrder {
            market_index: int(inputs, "market_index")?,
            client_order_index: field(inputs, "client_order_index")?,
            base_amount: field(inputs, "base_amount")?,
            price: int(inputs, "price")?,
            is_ask: field(inputs, "is_ask")? == 1,
            order_type: OrderType::from_code(field(inputs, "order_type")?)
                .ok_or("unknown order_type")?,
            time_in_force: OrderTimeInForce::from_code(field(inputs, "time_in_force")?)
                .ok_or("unknown time_in_force")?,
            reduce_only: field(inputs, "reduce_only")? == 1,
            trigger_price: int(inputs, "trigger_price")?,
            order_expiry: int(inputs, "order_expiry")?,
        }),
        "CancelOrder" => TxBody::CancelOrder(CancelOrder {
            market_index: int(inputs, "market_index")?,
            index: field(inputs, "order_index")?,
        }),
        "CancelAllOrders" => TxBody::CancelAllOrders(CancelAllOrders {
            mode: CancelAllMode::from_code(field(inputs, "time_in_force")?)
                .ok_or("unknown time_in_force")?,
            time: int(inputs, "time")?,
        }),
        "UpdateLeverage" => TxBody::UpdateLeverage(UpdateLeverageInput::read(inputs)?),
        other => return Err(format!("unknown kind {other}")),
    };
    let mut attributes = TxAttributes::none();
    if field(inputs, "skip_nonce").unwrap_or(0) == 1 {
        attributes = attributes.with(ATTR_SKIP_NONCE, 1);
    }
    if let Ok(m) = field(inputs, "cancel_all_market_index") {
        attributes = attributes.with(ATTR_CANCEL_ALL_MARKET, m);
    }
    Ok(UnsignedTx {
        header,
        body,
        attributes,
    })
}

struct UpdateLeverageInput;

impl UpdateLeverageInput {
    fn read(inputs: &Value) -> Result<super::tx::UpdateLeverage, String> {
        Ok(super::tx::UpdateLeverage {
            market_index: int(inputs, "market_index")?,
            initial_margin_fraction: int(inputs, "initial_margin_fraction")?,
            margin_mode: MarginModeCode::from_code(field(inputs, "margin_mode")?)
                .ok_or("unknown margin_mode")?,
        })
    }
}

fn expect_eq(ours: &str, theirs: &str) -> Result<(), String> {
    if ours == theirs {
        Ok(())
    } else {
        Err(format!("expected {theirs}, got {ours}"))
    }
}

fn check_public_key(report: &mut Report, case: &str, v: &Value) -> Option<PrivateKey> {
    let result = (|| {
        let sk = PrivateKey::from_hex(text(v, "private_key_hex")?).map_err(|e| e.to_string())?;
        let expected = text(v, "public_key_hex")?
            .trim_start_matches("0x")
            .to_lowercase();
        expect_eq(&sk.public_key().to_hex(), &expected)?;
        Ok(sk)
    })();
    match result {
        Ok(sk) => {
            report.record(case, "public_key", Ok(()));
            Some(sk)
        }
        Err(e) => {
            report.record(case, "public_key", Err(e));
            None
        }
    }
}

fn check_tx(report: &mut Report, case: &str, tx: &Value, parent: &Value, key: Option<&PrivateKey>) {
    let inputs = parent.get("inputs").unwrap_or(&Value::Null);
    let built = (|| {
        let kind = text(tx, "kind").or_else(|_| kind_from_type(field(tx, "tx_type")?))?;
        rebuild_tx(kind, inputs, field(tx, "expired_at")?)
    })();
    let utx = match built {
        Ok(u) => u,
        Err(e) => {
            report.record(case, "build", Err(e));
            return;
        }
    };
    let chain_id =
        match field(inputs, "chain_id").and_then(|c| u32::try_from(c).map_err(|e| e.to_string())) {
            Ok(c) => c,
            Err(e) => {
                report.record(case, "build", Err(e));
                return;
            }
        };
    report.record(case, "validate", utx.validate().map_err(|e| e.to_string()));
    let digest = utx.digest(chain_id);
    let digest_hex = hex::encode(&digest.to_bytes());
    report.record(
        case,
        "tx_hash",
        text(tx, "tx_hash_hex").and_then(|h| expect_eq(&digest_hex, h)),
    );

    let official_b64 = text(tx, "sig_base64").unwrap_or_default();
    report.record(
        case,
        "tx_info_json",
        text(tx, "tx_info_json").and_then(|j| expect_eq(&utx.tx_info_json(official_b64), j)),
    );
    report.record(
        case,
        "tx_type",
        field(tx, "tx_type")
            .and_then(|t| expect_eq(&t.to_string(), &utx.tx_type().code().to_string())),
    );

    let pk = text(tx, "public_key_hex")
        .or_else(|_| text(parent, "public_key_hex"))
        .map_err(|e| e.to_string())
        .and_then(|h| PublicKey::from_hex(h).map_err(|e| e.to_string()));
    let vk = pk.and_then(|p| p.verifying_key().map_err(|e| e.to_string()));
    let sig = text(tx, "sig_hex").and_then(|h| Signature::from_hex(h).map_err(|e| e.to_string()));
    let (vk, sig) = match (vk, sig) {
        (Ok(vk), Ok(sig)) => (vk, sig),
        (Err(e), _) | (_, Err(e)) => {
            report.record(case, "verify_official", Err(e));
            return;
        }
    };
    report.record(
        case,
        "sig_base64_matches_hex",
        match signature_from_base64(official_b64) {
            Some(s) if s == sig => Ok(()),
            _ => Err("sig_base64 does not decode to sig_hex".into()),
        },
    );
    report.record(
        case,
        "verify_official",
        if vk.verify(&digest, &sig) {
            Ok(())
        } else {
            Err("official signature does not verify".into())
        },
    );

    let mut changed = utx.clone();
    changed.header.nonce += 1;
    report.record(
        case,
        "reject_changed_field",
        if vk.verify(&changed.digest(chain_id), &sig) {
            Err("signature verified over a changed nonce".into())
        } else {
            Ok(())
        },
    );
    let mut flipped = sig.to_bytes();
    flipped[17] ^= 0x40;
    let bad = Signature::from_bytes(&flipped)
        .map(|s| vk.verify(&digest, &s))
        .unwrap_or(false);
    report.record(
        case,
        "reject_changed_byte",
        if bad {
            Err("signature with a flipped byte verified".into())
        } else {
            Ok(())
        },
    );

    if let Some(sk) = key {
        let own = super::signer::os_entropy().map(|e| sk.sign(&digest, &e));
        report.record(
            case,
            "sign_own",
            match own {
                Ok(s) if vk.verify(&digest, &s) && s != sig => Ok(()),
                Ok(_) => Err("our signature does not verify".into()),
                Err(e) => Err(e.to_string()),
            },
        );
    }
}

fn kind_from_type(t: u64) -> Result<&'static str, String> {
    match t {
        14 => Ok("CreateOrder"),
        15 => Ok("CancelOrder"),
        16 => Ok("CancelAllOrders"),
        20 => Ok("UpdateLeverage"),
        other => Err(format!("unsupported tx_type {other}")),
    }
}

fn items<'a>(doc: &'a Value, key: &str) -> &'a [Value] {
    doc.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Runs every check over a parsed vector document.
pub fn check_document(doc: &Value) -> Report {
    let mut report = Report::default();
    for (i, kp) in items(doc, "keypairs").iter().enumerate() {
        check_public_key(&mut report, &format!("keypairs[{i}]"), kp);
    }
    for (i, tx) in items(doc, "transactions").iter().enumerate() {
        let case = format!(
            "transactions[{i}] {}",
            tx.get("name").and_then(Value::as_str).unwrap_or("?")
        );
        let key = check_public_key(&mut report, &case, tx);
        check_tx(&mut report, &case, tx, tx, key.as_ref());
    }
    for (i, t) in items(doc, "auth_tokens").iter().enumerate() {
        let case = format!("auth_tokens[{i}]");
        check_public_key(&mut report, &case, t);
        let inputs = t.get("inputs").unwrap_or(&Value::Null);
        let prefix = (|| {
            Ok::<_, String>(format!(
                "{}:{}:{}",
                field(inputs, "deadline_unix_s")?,
                field(inputs, "account_index")?,
                field(inputs, "api_key_index")?
            ))
        })();
        report.record(
            &case,
            "prefix",
            prefix.clone().and_then(|p| {
                expect_eq(&p, text(t, "message")?)?;
                let token = text(t, "token")?;
                let sig = text(t, "sig_hex")?;
                expect_eq(&format!("{p}:{sig}"), token)
            }),
        );
        let verified = (|| {
            let pk = PublicKey::from_hex(text(t, "public_key_hex")?).map_err(|e| e.to_string())?;
            let sig = Signature::from_hex(text(t, "sig_hex")?).map_err(|e| e.to_string())?;
            if pk.verify(&auth_digest(&prefix?), &sig) {
                Ok(())
            } else {
                Err("auth token signature does not verify".to_string())
            }
        })();
        report.record(&case, "verify_official", verified);
    }
    for (i, r) in items(doc, "resign_checks").iter().enumerate() {
        let case = format!("resign_checks[{i}]");
        let key = check_public_key(&mut report, &case, r);
        for side in ["a", "b"] {
            let tx = r.get(side).unwrap_or(&Value::Null);
            check_tx(&mut report, &format!("{case}.{side}"), tx, r, key.as_ref());
        }
        let (a, b) = (
            r.get("a").unwrap_or(&Value::Null),
            r.get("b").unwrap_or(&Value::Null),
        );
        report.record(
            &case,
            "hash_equal",
            text(a, "tx_hash_hex").and_then(|h| expect_eq(h, text(b, "tx_hash_hex")?)),
        );
        report.record(
            &case,
            "sig_differ",
            match (text(a, "sig_hex"), text(b, "sig_hex")) {
                (Ok(x), Ok(y)) if x != y => Ok(()),
                _ => Err("re-signing produced the same signature".into()),
            },
        );
    }
    if report.passed + report.failed == 0 {
        report.record("document", "non_empty", Err("no vectors found".into()));
    }
    report
}

/// Reads and checks a vector file.
pub fn check_file(path: &std::path::Path) -> Report {
    let parsed = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| format!("invalid JSON: {e}")));
    match parsed {
        Ok(doc) => check_document(&doc),
        Err(e) => {
            let mut r = Report::default();
            r.record("file", "read", Err(e));
            r
        }
    }
}
