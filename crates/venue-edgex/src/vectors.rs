//! The vector checker: reproduces every case of an `edgex-vectors.json`-shaped file.
//!
//! Used by `examples/check_vectors.rs` and by the tests over the shared official vectors.
//! A case passes when every one of its checks matches byte for byte; each mismatch is one
//! line naming the case and the field (`case0-ETHUSD-SELL: order.intermediate.h1: expected
//! ..., got ...`).

use crate::signing::auth_v1::sign_request;
use crate::signing::canonical::{canonical_json, canonical_query};
use crate::signing::eip712::{Address, Eip712Domain, EthKey};
use crate::signing::hmac_v2::HmacAuth;
use crate::signing::order_v1::{sign_order_v1, V1ContractParams};
use crate::signing::order_v2::{sign_order_v2, V2ContractParams};
use crate::signing::stark::{felt_hex, StarkKey};
use crate::signing::{parse_hex_biguint, parse_hex_or_dec, to_hex, EdgexTimeInForce, OrderFields};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use starknet_crypto::{pedersen_hash, Felt};
use std::str::FromStr;
use venue_api::{Secret, Side};

/// Outcome of a vector file check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// Cases whose every check matched.
    pub passed: usize,
    /// Cases with at least one mismatch.
    pub failed: usize,
    /// One line per failing check.
    pub failures: Vec<String>,
}

impl CheckReport {
    /// The closing line, `N passed, M failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// Checks every case of both lists (`cases` for V1, `v2_cases` for V2) of a vector file's text.
/// Err only when the text is not a JSON object with those lists.
pub fn check_vectors_json(text: &str) -> Result<CheckReport, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let v1 = root
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("no `cases` list")?;
    let v2 = root
        .get("v2_cases")
        .and_then(Value::as_array)
        .ok_or("no `v2_cases` list")?;
    let mut report = CheckReport::default();
    for (i, case) in v1.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("cases[{i}]"), str::to_string);
        let mut c = Checker::new(name);
        check_v1_case(case, &mut c);
        c.finish(&mut report);
    }
    for (i, case) in v2.iter().enumerate() {
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("v2_cases[{i}]"), str::to_string);
        let mut c = Checker::new(name);
        check_v2_case(case, &mut c);
        c.finish(&mut report);
    }
    Ok(report)
}

/// Reads and checks a vector file.
pub fn check_vectors_file(path: &std::path::Path) -> Result<CheckReport, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    check_vectors_json(&text)
}

struct Checker {
    case: String,
    failures: Vec<String>,
}

impl Checker {
    fn new(case: String) -> Self {
        Self {
            case,
            failures: Vec::new(),
        }
    }

    fn fail(&mut self, field: &str, what: String) {
        self.failures
            .push(format!("{}: {field}: {what}", self.case));
    }

    /// Compares the vector's value at `field` with ours (strings raw, others as JSON text).
    fn eq(&mut self, field: &str, expected: Option<&Value>, actual: &str) {
        match expected {
            None => self.fail(field, "missing in the vector file".to_string()),
            Some(v) => {
                let exp = value_text(v);
                if exp != actual {
                    self.fail(field, format!("expected {exp}, got {actual}"));
                }
            }
        }
    }

    fn finish(self, report: &mut CheckReport) {
        if self.failures.is_empty() {
            report.passed += 1;
        } else {
            report.failed += 1;
            report.failures.extend(self.failures);
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

fn decimal(v: &Value, path: &str) -> Option<Decimal> {
    text(v, path).and_then(|t| Decimal::from_str(t).ok())
}

fn side(v: &Value, path: &str) -> Option<Side> {
    match text(v, path)? {
        "BUY" => Some(Side::Buy),
        "SELL" => Some(Side::Sell),
        _ => None,
    }
}

fn order_fields(inputs: &Value) -> Option<OrderFields> {
    Some(OrderFields {
        account_id: text(inputs, "account_id")?.parse().ok()?,
        side: side(inputs, "side")?,
        size: decimal(inputs, "size")?,
        price: decimal(inputs, "price")?,
        client_order_id: text(inputs, "client_order_id")?.to_string(),
        time_in_force: EdgexTimeInForce::parse(text(inputs, "time_in_force")?)?,
        reduce_only: at(inputs, "reduce_only")?.as_bool()?,
        now_ms: at(inputs, "now_ms")?.as_u64()?,
        expire_at_ms: None,
    })
}

fn compare_body(
    c: &mut Checker,
    prefix: &str,
    expected: Option<&Value>,
    actual: &Map<String, Value>,
) {
    let Some(Value::Object(exp)) = expected else {
        c.fail(prefix, "missing in the vector file".to_string());
        return;
    };
    for (k, v) in exp {
        match actual.get(k) {
            Some(a) if a == v => {}
            Some(a) => c.fail(&format!("{prefix}.{k}"), format!("expected {v}, got {a}")),
            None => c.fail(&format!("{prefix}.{k}"), "not sent".to_string()),
        }
    }
    for k in actual.keys().filter(|k| !exp.contains_key(*k)) {
        c.fail(
            &format!("{prefix}.{k}"),
            "sent but absent from the vector".to_string(),
        );
    }
}

fn check_v1_case(case: &Value, c: &mut Checker) {
    let key =
        match text(case, "stark_key.private_key").map(|k| StarkKey::from_secret(&Secret::new(k))) {
            Some(Ok(key)) => key,
            _ => return c.fail("stark_key.private_key", "unusable".to_string()),
        };
    c.eq(
        "stark_key.public_key",
        at(case, "stark_key.public_key"),
        &felt_hex(&key.public_key()),
    );
    c.eq(
        "stark_key.public_key_y",
        at(case, "stark_key.public_key_y"),
        &felt_hex(&key.public_key_y()),
    );

    for (i, p) in case
        .get("pedersen")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = format!("pedersen[{i}].hash");
        match (
            text(p, "a").and_then(|a| Felt::from_hex(a).ok()),
            text(p, "b").and_then(|b| Felt::from_hex(b).ok()),
        ) {
            (Some(a), Some(b)) => c.eq(&field, p.get("hash"), &felt_hex(&pedersen_hash(&a, &b))),
            _ => c.fail(&field, "inputs unusable".to_string()),
        }
    }

    for (i, a) in case
        .get("auth")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let payload = match (a.get("query"), a.get("body")) {
            (Some(Value::Object(q)), _) => {
                let pairs: Vec<(String, String)> =
                    q.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();
                canonical_query(&pairs)
            }
            (_, Some(body @ Value::Object(_))) => canonical_json(body),
            _ => String::new(),
        };
        check_v1_auth(
            c,
            &format!("auth[{i}]"),
            a,
            &key,
            text(a, "method").unwrap_or(""),
            text(a, "path").unwrap_or(""),
            &payload,
        );
    }

    let Some(order) = case.get("order") else {
        return c.fail("order", "missing".to_string());
    };
    let Some(inputs) = order.get("inputs") else {
        return c.fail("order.inputs", "missing".to_string());
    };
    let contract = (|| {
        Some(V1ContractParams {
            contract_id: text(inputs, "contract.contractId")?.to_string(),
            synthetic_asset_id: parse_hex_biguint(text(
                inputs,
                "contract.starkExSyntheticAssetId",
            )?)?,
            synthetic_resolution: parse_hex_biguint(text(inputs, "contract.starkExResolution")?)?,
            collateral_asset_id: parse_hex_biguint(text(
                inputs,
                "collateral_coin.starkExAssetId",
            )?)?,
            collateral_resolution: parse_hex_biguint(text(
                inputs,
                "collateral_coin.starkExResolution",
            )?)?,
            taker_fee_rate: decimal(inputs, "contract.defaultTakerFeeRate")?,
        })
    })();
    let (Some(contract), Some(fields)) = (contract, order_fields(inputs)) else {
        return c.fail("order.inputs", "unusable".to_string());
    };
    let signed = match sign_order_v1(&key, &contract, &fields) {
        Ok(s) => s,
        Err(e) => return c.fail("order", format!("signing failed: {e}")),
    };
    let im = &signed.intermediate;
    let exp = |name: &str| at(order, &format!("intermediate.{name}"));
    let fields: [(&str, String); 24] = [
        ("value", im.value.clone()),
        ("limit_fee", im.limit_fee.to_string()),
        ("amount_synthetic", im.amount_synthetic.to_string()),
        ("amount_collateral", im.amount_collateral.to_string()),
        ("amount_fee", im.amount_fee.to_string()),
        ("nonce", im.nonce.to_string()),
        ("l2_expire_time_ms", im.l2_expire_time_ms.to_string()),
        ("expire_time_ms", im.expire_time_ms.to_string()),
        ("expiration_hours", im.expiration_hours.to_string()),
        ("position_id", im.position_id.to_string()),
        ("is_buying_synthetic", im.is_buying_synthetic.to_string()),
        ("asset_id_sell", felt_hex(&im.asset_id_sell)),
        ("asset_id_buy", felt_hex(&im.asset_id_buy)),
        ("asset_id_fee", felt_hex(&im.asset_id_fee)),
        ("amount_sell", im.amount_sell.to_string()),
        ("amount_buy", im.amount_buy.to_string()),
        ("packed_message0", felt_hex(&im.packed_message0)),
        ("packed_message1", felt_hex(&im.packed_message1)),
        ("h1", felt_hex(&im.h1)),
        ("h2", felt_hex(&im.h2)),
        ("h3", felt_hex(&im.h3)),
        ("msg_hash", felt_hex(&im.msg_hash)),
        ("signature.r", felt_hex(&signed.signature.r)),
        ("signature.s", felt_hex(&signed.signature.s)),
    ];
    for (name, actual) in fields {
        if let Some(sig_field) = name.strip_prefix("signature.") {
            c.eq(
                &format!("order.{name}"),
                at(order, &format!("signature.{sig_field}")),
                &actual,
            );
        } else {
            c.eq(&format!("order.intermediate.{name}"), exp(name), &actual);
        }
    }
    c.eq(
        "order.signature.l2Signature",
        at(order, "signature.l2Signature"),
        &signed.signature.to_hex(),
    );
    c.eq("order.request.method", at(order, "request.method"), "POST");
    let path = text(order, "request.path").unwrap_or("/api/v1/private/order/createOrder");
    c.eq(
        "order.request.path",
        at(order, "request.path"),
        "/api/v1/private/order/createOrder",
    );
    compare_body(
        c,
        "order.request.body",
        at(order, "request.body"),
        &signed.body,
    );
    match signed.request_auth(&key, path) {
        Ok(auth) => {
            let a = at(order, "request.auth");
            c.eq(
                "order.request.auth.timestamp_ms",
                a.and_then(|a| a.get("timestamp_ms")),
                &auth.timestamp,
            );
            c.eq(
                "order.request.auth.sign_content",
                a.and_then(|a| a.get("sign_content")),
                &auth.sign_content,
            );
            c.eq(
                "order.request.auth.keccak256",
                a.and_then(|a| a.get("keccak256")),
                &to_hex(&auth.keccak256),
            );
            c.eq(
                "order.request.auth.msg_hash",
                a.and_then(|a| a.get("msg_hash")),
                &felt_hex(&auth.msg_hash),
            );
            for (name, value) in auth.headers() {
                c.eq(
                    &format!("order.request.auth.headers.{name}"),
                    a.and_then(|a| a.get("headers")).and_then(|h| h.get(name)),
                    &value,
                );
            }
        }
        Err(e) => c.fail("order.request.auth", format!("signing failed: {e}")),
    }
}

fn check_v1_auth(
    c: &mut Checker,
    prefix: &str,
    a: &Value,
    key: &StarkKey,
    method: &str,
    path: &str,
    payload: &str,
) {
    let Some(ts) = a.get("timestamp_ms").and_then(Value::as_u64) else {
        return c.fail(&format!("{prefix}.timestamp_ms"), "missing".to_string());
    };
    match sign_request(key, ts, method, path, payload) {
        Ok(auth) => {
            c.eq(
                &format!("{prefix}.sign_content"),
                a.get("sign_content"),
                &auth.sign_content,
            );
            c.eq(
                &format!("{prefix}.keccak256"),
                a.get("keccak256"),
                &to_hex(&auth.keccak256),
            );
            c.eq(
                &format!("{prefix}.msg_hash"),
                a.get("msg_hash"),
                &felt_hex(&auth.msg_hash),
            );
            c.eq(
                &format!("{prefix}.r"),
                a.get("r"),
                &felt_hex(&auth.signature.r),
            );
            c.eq(
                &format!("{prefix}.s"),
                a.get("s"),
                &felt_hex(&auth.signature.s),
            );
            for (name, value) in auth.headers() {
                c.eq(
                    &format!("{prefix}.headers.{name}"),
                    a.get("headers").and_then(|h| h.get(name)),
                    &value,
                );
            }
        }
        Err(e) => c.fail(prefix, format!("signing failed: {e}")),
    }
}

/// Reconstructs `Name(type name,...)` from a typed-data `types` entry.
fn type_string(types: &Value, name: &str) -> Option<String> {
    let fields = types.get(name)?.as_array()?;
    let parts: Option<Vec<String>> = fields
        .iter()
        .map(|f| {
            Some(format!(
                "{} {}",
                f.get("type")?.as_str()?,
                f.get("name")?.as_str()?
            ))
        })
        .collect();
    Some(format!("{name}({})", parts?.join(",")))
}

fn v2_params(case: &Value) -> Option<V2ContractParams> {
    let meta = case.get("metadata")?;
    let contract = meta.get("contractList")?.as_array()?.first()?;
    let quote_coin_id = text(contract, "quoteCoinId")?;
    let coin = meta
        .get("coinList")?
        .as_array()?
        .iter()
        .find(|c| c.get("coinId").and_then(Value::as_str) == Some(quote_coin_id))?;
    let chain = text(meta, "global.nativeChainId").or_else(|| text(meta, "global.chainId"))?;
    Some(V2ContractParams {
        contract_id: text(contract, "contractId")?.parse().ok()?,
        collateral_coin_id: text(coin, "coinId")?.parse().ok()?,
        synthetic_resolution: parse_hex_or_dec(text(contract, "resolution")?)?,
        collateral_resolution: parse_hex_or_dec(text(coin, "resolution")?)?,
        taker_fee_rate: decimal(contract, "defaultTakerFeeRate"),
        maker_fee_rate: decimal(contract, "defaultMakerFeeRate"),
        domain: Eip712Domain {
            chain_id: parse_hex_or_dec(chain)?,
            verifying_contract: Address::parse(text(meta, "global.contractAddress")?)?,
        },
    })
}

fn check_v2_case(case: &Value, c: &mut Checker) {
    let key = match text(case, "credentials.trading_private_key")
        .map(|k| EthKey::from_secret(&Secret::new(k)))
    {
        Some(Ok(key)) => key,
        _ => return c.fail("credentials.trading_private_key", "unusable".to_string()),
    };
    c.eq(
        "credentials.trading_address",
        at(case, "credentials.trading_address"),
        &key.address().to_checksum(),
    );
    let (Some(params), Some(fields)) = (v2_params(case), case.get("inputs").and_then(order_fields))
    else {
        return c.fail("inputs/metadata", "unusable".to_string());
    };
    let signed = match sign_order_v2(&key, &params, &fields) {
        Ok(s) => s,
        Err(e) => return c.fail("order", format!("signing failed: {e}")),
    };

    let types = at(case, "typed_data.types").cloned().unwrap_or(Value::Null);
    for (name, ours) in [
        ("EIP712Domain", "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
        ("OrderBase", "OrderBase(uint256 nonce,address signer,uint64 accountId,uint256 expirationTimestamp)"),
        ("LimitOrderParams", "LimitOrderParams(OrderBase base,int256 amountSynthetic,int256 amountCollateral,uint256 amountFee,uint64 assetIdSynthetic,uint64 assetIdCollateral,bool isBuyingSynthetic,bytes32 parentOrderHash,uint256 subOrderIndex)"),
    ] {
        let theirs = type_string(&types, name).map(Value::String);
        c.eq(&format!("typed_data.types.{name}"), theirs.as_ref(), ours);
    }
    c.eq(
        "typed_data.primaryType",
        at(case, "typed_data.primaryType"),
        "LimitOrderParams",
    );
    c.eq(
        "typed_data.domain.name",
        at(case, "typed_data.domain.name"),
        "EdgeX",
    );
    c.eq(
        "typed_data.domain.version",
        at(case, "typed_data.domain.version"),
        "1",
    );
    c.eq(
        "typed_data.domain.chainId",
        at(case, "typed_data.domain.chainId"),
        &params.domain.chain_id.to_string(),
    );
    let vc = at(case, "typed_data.domain.verifyingContract")
        .map(|v| Value::String(value_text(v).to_ascii_lowercase()));
    c.eq(
        "typed_data.domain.verifyingContract",
        vc.as_ref(),
        &format!("0x{}", to_hex(&params.domain.verifying_contract.0)),
    );

    let m = &signed.message;
    let msg: [(&str, String); 12] = [
        ("base.nonce", m.nonce.to_string()),
        ("base.signer", m.signer.to_checksum()),
        ("base.accountId", m.account_id.to_string()),
        (
            "base.expirationTimestamp",
            m.expiration_timestamp.to_string(),
        ),
        ("amountSynthetic", m.amount_synthetic.to_string()),
        ("amountCollateral", m.amount_collateral.to_string()),
        ("amountFee", m.amount_fee.to_string()),
        ("assetIdSynthetic", m.asset_id_synthetic.to_string()),
        ("assetIdCollateral", m.asset_id_collateral.to_string()),
        ("isBuyingSynthetic", m.is_buying_synthetic.to_string()),
        (
            "parentOrderHash",
            format!("0x{}", to_hex(&m.parent_order_hash)),
        ),
        ("subOrderIndex", m.sub_order_index.to_string()),
    ];
    for (name, actual) in msg {
        c.eq(
            &format!("typed_data.message.{name}"),
            at(case, &format!("typed_data.message.{name}")),
            &actual,
        );
    }
    c.eq(
        "eip712.domain_separator",
        at(case, "eip712.domain_separator"),
        &to_hex(&signed.domain_separator),
    );
    c.eq(
        "eip712.struct_hash",
        at(case, "eip712.struct_hash"),
        &to_hex(&signed.struct_hash),
    );
    c.eq(
        "eip712.signing_hash",
        at(case, "eip712.signing_hash"),
        &to_hex(&signed.signing_hash),
    );
    c.eq("signature", case.get("signature"), &signed.l2_signature());
    compare_body(c, "request_body", case.get("request_body"), &signed.body);

    let (Some(api_key), Some(pass), Some(secret)) = (
        text(case, "credentials.api_key"),
        text(case, "credentials.api_passphrase"),
        text(case, "credentials.api_secret"),
    ) else {
        return c.fail("credentials", "API key triple missing".to_string());
    };
    let auth = HmacAuth::new(
        &Secret::new(api_key),
        &Secret::new(pass),
        &Secret::new(secret),
    );
    let path = "/api/v2/private/order/createOrder";
    let signed_auth = signed.request_auth(&auth, path);
    c.eq(
        "hmac.timestamp_ms",
        at(case, "hmac.timestamp_ms"),
        &signed_auth.timestamp,
    );
    c.eq("hmac.method", at(case, "hmac.method"), "POST");
    c.eq("hmac.path", at(case, "hmac.path"), path);
    c.eq(
        "hmac.body_string",
        at(case, "hmac.body_string"),
        &canonical_json(&Value::Object(signed.body.clone())),
    );
    for (name, value) in signed_auth.headers() {
        c.eq(
            &format!("hmac.headers.{name}"),
            at(case, "hmac.headers").and_then(|h| h.get(name)),
            &value,
        );
    }
}
