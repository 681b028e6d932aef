//! The official EdgeX vectors (made by EdgeX's SDKs) are reproduced byte for byte, and the
//! checker notices a single altered field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;
use venue_edgex::vectors::check_vectors_json;

fn shared_vectors() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/edgex-vectors.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn every_shared_vector_passes() {
    let report = check_vectors_json(&shared_vectors()).unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.summary(), "14 passed, 0 failed");
}

fn altered(edit: impl FnOnce(&mut Value)) -> venue_edgex::vectors::CheckReport {
    let mut root: Value = serde_json::from_str(&shared_vectors()).unwrap();
    edit(&mut root);
    check_vectors_json(&root.to_string()).unwrap()
}

#[test]
fn an_altered_v1_intermediate_is_reported_by_case_and_field() {
    let report = altered(|root| {
        root["cases"][2]["order"]["intermediate"]["h2"] = Value::String("00".repeat(32));
    });
    assert_eq!(report.summary(), "13 passed, 1 failed");
    assert_eq!(report.failures.len(), 1, "{:#?}", report.failures);
    assert!(
        report.failures[0].starts_with("case2-PAXGUSD-BUY: order.intermediate.h2: expected 0000"),
        "{}",
        report.failures[0]
    );
}

#[test]
fn an_altered_v1_auth_signature_and_body_field_are_reported() {
    let report = altered(|root| {
        root["cases"][0]["auth"][1]["s"] = Value::String("01".repeat(32));
        root["cases"][0]["order"]["request"]["body"]["reduceOnly"] = Value::Bool(true);
    });
    assert_eq!(report.summary(), "13 passed, 1 failed");
    assert!(
        report
            .failures
            .iter()
            .any(|l| l.starts_with("case0-ETHUSD-SELL: auth[1].s:")),
        "{:#?}",
        report.failures
    );
    assert!(
        report
            .failures
            .iter()
            .any(|l| l.starts_with("case0-ETHUSD-SELL: order.request.body.reduceOnly:")),
        "{:#?}",
        report.failures
    );
}

#[test]
fn an_altered_v2_case_is_reported() {
    let report = altered(|root| {
        root["v2_cases"][3]["hmac"]["headers"]["X-edgeX-Signature"] =
            Value::String("ab".repeat(32));
        root["v2_cases"][5]["eip712"]["struct_hash"] = Value::String("cd".repeat(32));
    });
    assert_eq!(report.summary(), "12 passed, 2 failed");
    assert!(
        report
            .failures
            .iter()
            .any(|l| l.starts_with("v2_cases[3]: hmac.headers.X-edgeX-Signature:")),
        "{:#?}",
        report.failures
    );
    assert!(
        report
            .failures
            .iter()
            .any(|l| l.starts_with("v2_cases[5]: eip712.struct_hash:")),
        "{:#?}",
        report.failures
    );
}

#[test]
fn an_altered_input_changes_the_outputs() {
    let report = altered(|root| {
        root["v2_cases"][0]["inputs"]["price"] = Value::String("2737.57".to_string());
    });
    assert_eq!(report.summary(), "13 passed, 1 failed");
    assert!(
        report.failures.iter().any(|l| l.contains("signature")),
        "{:#?}",
        report.failures
    );
}

#[test]
fn a_file_that_is_not_a_vector_file_is_an_error() {
    assert!(check_vectors_json("{}").is_err());
    assert!(check_vectors_json("not json").is_err());
}
