//! `doctor --record DIR`: one response of every read endpoint the adapters use, redacted,
//! written as `DIR/edgex/<name>.json` and `DIR/lighter/<name>.json` (the layout of the
//! repository's `fixtures/`), so that an operator can hand over the venues' real shapes.
//! Only reads are sent. What is redacted: every field whose name says key, signature,
//! address, passphrase, secret, token or account/user id, and every value equal to the
//! configured account ids.

use super::DoctorVenues;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use venue_api::Venue;
use venue_edgex::ApiVersion;

/// One read to record: file name, endpoint, query, authenticated.
type Call = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    bool,
);

/// What replaces a redacted value.
pub const REDACTED: &str = "REDACTED";

fn sensitive(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "sig"
        || [
            "key",
            "signature",
            "address",
            "passphrase",
            "secret",
            "token",
            "accountid",
            "account_id",
            "account_index",
            "userid",
            "user_id",
            "l1_address",
        ]
        .iter()
        .any(|needle| k.contains(needle))
}

/// `value` with sensitive fields and the given identifiers replaced by [`REDACTED`].
pub fn redact(value: &Value, identifiers: &[String]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if sensitive(k) && !v.is_null() && !v.is_object() && !v.is_array() {
                        Value::String(REDACTED.into())
                    } else {
                        redact(v, identifiers)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact(v, identifiers)).collect()),
        Value::String(s) if identifiers.iter().any(|id| id == s) => Value::String(REDACTED.into()),
        Value::Number(n) if identifiers.iter().any(|id| *id == n.to_string()) => {
            Value::String(REDACTED.into())
        }
        other => other.clone(),
    }
}

fn save(dir: &Path, name: &str, value: &Value, ids: &[String]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&redact(value, ids)).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Records one response per read endpoint into `dir`; returns the files written and one
/// line per endpoint that could not be read.
pub async fn record(
    venues: &DoctorVenues,
    symbol: &str,
    dir: &Path,
) -> (Vec<PathBuf>, Vec<String>) {
    let mut written = Vec::new();
    let mut failures = Vec::new();
    let mut keep = |name: &str, result: Result<PathBuf, String>| match result {
        Ok(p) => written.push(p),
        Err(e) => failures.push(format!("{name}: {e}")),
    };

    // ---- EdgeX: `data` of each answer, put back in its envelope
    let e = &venues.edgex;
    let edir = dir.join("edgex");
    let account = e.config().account_id().map(|a| a.to_string());
    let ids: Vec<String> = account.iter().cloned().collect();
    let contract = e.market(symbol).await.map(|m| m.market_id.0);
    let mut calls: Vec<Call> = vec![
        ("meta", "public/meta/getMetaData", vec![], false),
        ("server_time", "public/meta/getServerTime", vec![], false),
    ];
    if let Ok(cid) = &contract {
        calls.push((
            "ticker",
            "public/quote/getTicker",
            vec![("contractId", cid.clone())],
            false,
        ));
        calls.push((
            "depth",
            "public/quote/getDepth",
            vec![("contractId", cid.clone()), ("level", "15".into())],
            false,
        ));
        calls.push((
            "funding_page",
            "public/funding/getFundingRatePage",
            vec![
                ("contractId", cid.clone()),
                ("size", "3".into()),
                ("filterSettlementFundingRate", "true".into()),
            ],
            false,
        ));
    }
    if let (Some(acc), true) = (&account, e.config().credentials().is_some()) {
        let a = || ("accountId", acc.clone());
        calls.push((
            "account_asset",
            "private/account/getAccountAsset",
            vec![a()],
            true,
        ));
        calls.push((
            "active_orders",
            "private/order/getActiveOrderPage",
            vec![a(), ("size", "5".into())],
            true,
        ));
        calls.push((
            "position_transactions",
            "private/account/getPositionTransactionPage",
            vec![
                a(),
                ("filterTypeList", "SETTLE_FUNDING_FEE".into()),
                ("size", "5".into()),
            ],
            true,
        ));
        calls.push((
            "order_by_client_id",
            "private/order/getOrderByClientOrderId",
            vec![a(), ("clientOrderIdList", "1".into())],
            true,
        ));
        match e.api_version() {
            ApiVersion::V1 => calls.push((
                "history_order_by_client_id",
                "private/order/getHistoryOrderByClientOrderId",
                vec![a(), ("clientOrderIdList", "1".into())],
                true,
            )),
            ApiVersion::V2 => calls.push((
                "history_order_page",
                "private/order/getHistoryOrderPage",
                vec![a(), ("size", "5".into())],
                true,
            )),
        }
    }
    for (name, endpoint, query, private) in calls {
        let result = e
            .http()
            .get(endpoint, &query, private)
            .await
            .map_err(|err| err.to_string())
            .and_then(|data| save(&edir, name, &json!({"code": "SUCCESS", "data": data}), &ids));
        keep(name, result);
    }
    if let Err(err) = contract {
        keep("ticker/depth/funding_page", Err(err.to_string()));
    }

    // ---- Lighter: the raw JSON of each answer
    let l = &venues.lighter;
    let ldir = dir.join("lighter");
    let signer = l.signer().ok();
    let ids: Vec<String> = signer
        .iter()
        .map(|s| s.account_index().to_string())
        .collect();
    let market = l.market(symbol).await.map(|m| m.market_id.0);
    let now = chrono::Utc::now().timestamp_millis();
    let mut calls: Vec<Call> = vec![
        ("orderBooks", "/api/v1/orderBooks", vec![], false),
        (
            "orderBookDetails",
            "/api/v1/orderBookDetails",
            vec![],
            false,
        ),
        ("funding-rates", "/api/v1/funding-rates", vec![], false),
    ];
    if let Ok(m) = &market {
        calls.push((
            "orderBookOrders",
            "/api/v1/orderBookOrders",
            vec![("market_id", m.clone()), ("limit", "5".into())],
            false,
        ));
        calls.push((
            "fundings",
            "/api/v1/fundings",
            vec![
                ("market_id", m.clone()),
                ("resolution", "1h".into()),
                ("start_timestamp", (now - 3 * 3_600_000).to_string()),
                ("end_timestamp", now.to_string()),
                ("count_back", "3".into()),
            ],
            false,
        ));
    }
    if let Some(s) = signer {
        let (acc, key) = (s.account_index().to_string(), s.api_key_index().to_string());
        calls.push((
            "nextNonce",
            "/api/v1/nextNonce",
            vec![
                ("account_index", acc.clone()),
                ("api_key_index", key.clone()),
            ],
            false,
        ));
        calls.push((
            "account",
            "/api/v1/account",
            vec![("by", "index".into()), ("value", acc.clone())],
            false,
        ));
        calls.push((
            "apikeys",
            "/api/v1/apikeys",
            vec![("account_index", acc.clone()), ("api_key_index", key)],
            false,
        ));
        if let Ok(m) = &market {
            calls.push((
                "accountActiveOrders",
                "/api/v1/accountActiveOrders",
                vec![("account_index", acc.clone()), ("market_id", m.clone())],
                true,
            ));
            calls.push((
                "accountInactiveOrders",
                "/api/v1/accountInactiveOrders",
                vec![
                    ("account_index", acc.clone()),
                    ("market_id", m.clone()),
                    ("limit", "5".into()),
                ],
                true,
            ));
            calls.push((
                "positionFunding",
                "/api/v1/positionFunding",
                vec![
                    ("account_index", acc.clone()),
                    ("market_ids", m.clone()),
                    ("limit", "5".into()),
                ],
                true,
            ));
        }
        calls.push((
            "accountOrders",
            "/api/v1/accountOrders",
            vec![("account_index", acc), ("client_order_indexes", "1".into())],
            true,
        ));
    }
    let token = match l.signer() {
        Ok(_) => l.auth_token().await.ok(),
        Err(_) => None,
    };
    for (name, path, query, auth) in calls {
        let result = match (auth, &token) {
            (true, None) => Err("no auth token (credentials missing)".to_string()),
            (true, Some(t)) => l
                .http()
                .get::<Value>(path, &query, Some(t))
                .await
                .map_err(|e| e.to_string()),
            (false, _) => l
                .http()
                .get::<Value>(path, &query, None)
                .await
                .map_err(|e| e.to_string()),
        }
        .and_then(|v| save(&ldir, name, &v, &ids));
        keep(name, result);
    }
    if let Err(err) = market {
        keep("orderBookOrders/fundings/orders", Err(err.to_string()));
    }
    (written, failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_table() {
        let v = json!({
            "account": {"id": "670388375886375217", "l2Key": "0x07ce", "ethAddress": "0xabc", "userId": "1"},
            "orders": [{"l2Signature": "aa", "price": "1", "Sig": "x", "sign": 1}],
            "api_keys": [{"api_key_index": 3, "public_key": "e9e7"}],
            "accounts": [{"index": 123456, "collateral": "10"}],
            "code": "SUCCESS"
        });
        let r = redact(&v, &["670388375886375217".into(), "123456".into()]);
        let text = r.to_string();
        for secret in [
            "670388375886375217",
            "0x07ce",
            "0xabc",
            "\"aa\"",
            "e9e7",
            "123456",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(r["orders"][0]["price"], "1");
        assert_eq!(
            r["orders"][0]["sign"], 1,
            "position sign is not a signature"
        );
        assert_eq!(r["accounts"][0]["collateral"], "10");
        assert_eq!(r["code"], "SUCCESS");
    }
}
