//! The payload string that request authentication signs, identical for V1 and V2.
//!
//! A JSON body becomes `key=value` pairs with keys sorted by bytes, joined by `&`; arrays join
//! their items with `&`; `null` is empty; booleans are `true`/`false`; strings are taken raw.
//! A GET's query becomes its `key=value` pairs sorted by key, values unencoded. The JSON that is
//! sent must carry exactly the values signed, so bodies are built from strings only.

use serde_json::Value;

/// Canonical text of a JSON value (spec §3.2).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                write_value(item, out);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push('&');
                }
                out.push_str(key);
                out.push('=');
                if let Some(v) = map.get(key) {
                    write_value(v, out);
                }
            }
        }
    }
}

/// Canonical text of query parameters: sorted by key (stable), `k=v` joined by `&`.
pub fn canonical_query<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// `timestamp + METHOD + path + payload`, no separators.
pub fn sign_content(timestamp_ms: u64, method: &str, path: &str, payload: &str) -> String {
    format!(
        "{timestamp_ms}{}{path}{payload}",
        method.to_ascii_uppercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        let cases: &[(Value, &str)] = &[
            (
                json!({"accountId": "A", "orderIdList": ["X"]}),
                "accountId=A&orderIdList=X",
            ),
            (json!({"b": "2", "a": "1"}), "a=1&b=2"),
            (
                json!({"l": [], "n": null, "t": true, "f": false}),
                "f=false&l=&n=&t=true",
            ),
            (json!({"l": ["1", "2"]}), "l=1&2"),
            (json!({"o": [{"y": "2", "x": "1"}]}), "o=x=1&y=2"),
            (json!({"num": 3}), "num=3"),
            (json!({}), ""),
        ];
        for (input, expected) in cases {
            assert_eq!(canonical_json(input), *expected, "{input}");
        }
    }

    #[test]
    fn query_sorted_by_key() {
        let q = canonical_query(&[
            ("size", "10"),
            ("accountId", "1"),
            ("filterTypeList", "SETTLE_FUNDING_FEE"),
        ]);
        assert_eq!(q, "accountId=1&filterTypeList=SETTLE_FUNDING_FEE&size=10");
        assert_eq!(canonical_query::<&str, &str>(&[]), "");
        assert_eq!(sign_content(5, "get", "/p", "a=1"), "5GET/pa=1");
    }
}
