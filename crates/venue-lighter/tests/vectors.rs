//! The vector checker over the official shared vectors, and over a deliberately altered copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use venue_lighter::signing::vectors::{check_document, check_file};

fn shared_vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/lighter-vectors.json")
}

/// The example binary, built by `cargo test` next to the test executables.
fn checker_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    dir.join("examples")
        .join(format!("check_vectors{}", std::env::consts::EXE_SUFFIX))
}

#[test]
fn every_shared_vector_passes() {
    let report = check_file(&shared_vectors());
    assert_eq!(report.failures, Vec::<String>::new());
    assert!(report.passed > 100, "{}", report.summary());
}

#[test]
fn locally_generated_official_vectors_pass() {
    // fixtures/lighter/generated-vectors.json: more random keys/inputs from the official
    // signer, including a cancel-all restricted to one market (attribute 5)
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/lighter/generated-vectors.json");
    let report = check_file(&path);
    assert_eq!(report.failures, Vec::<String>::new());
    assert!(report.passed > 100, "{}", report.summary());
}

#[test]
fn an_altered_case_fails_with_one_line_per_check() {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(shared_vectors()).unwrap()).unwrap();
    // change the price signed in one order: hash and JSON no longer match, official sig fails
    doc["transactions"][1]["inputs"]["price"] = 1_778_530_890u64.into();
    // and one byte of another case's official signature
    let sig = doc["transactions"][6]["sig_hex"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    doc["transactions"][6]["sig_hex"] = flipped.into();
    let report = check_document(&doc);
    assert!(report.failed >= 4, "{:?}", report.failures);
    assert!(report
        .failures
        .iter()
        .any(|l| l.starts_with("transactions[1] limit_gtt_ask: tx_hash:")));
    assert!(report
        .failures
        .iter()
        .any(|l| l.starts_with("transactions[1] limit_gtt_ask: tx_info_json:")));
    assert!(report
        .failures
        .iter()
        .any(|l| l.starts_with("transactions[1] limit_gtt_ask: verify_official:")));
    assert!(report
        .failures
        .iter()
        .any(|l| l.starts_with("transactions[6] cancel_by_client_order_index: ")));
    assert_eq!(
        report.summary(),
        format!("{} passed, {} failed", report.passed, report.failed)
    );
}

#[test]
fn the_example_binary_reports_and_sets_the_exit_code() {
    let bin = checker_binary();
    assert!(
        bin.exists(),
        "{} not built (cargo test builds examples)",
        bin.display()
    );
    let ok = Command::new(&bin).arg(shared_vectors()).output().unwrap();
    let out = String::from_utf8(ok.stdout).unwrap();
    assert!(ok.status.success(), "{out}");
    let last = out.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{out}");
    assert_eq!(out.lines().count(), 1);

    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(shared_vectors()).unwrap()).unwrap();
    doc["transactions"][0]["tx_hash_hex"] = "00".repeat(40).into();
    let dir = tempfile::tempdir().unwrap();
    let altered = dir.path().join("altered.json");
    std::fs::write(&altered, serde_json::to_string(&doc).unwrap()).unwrap();
    let bad = Command::new(&bin).arg(&altered).output().unwrap();
    let out = String::from_utf8(bad.stdout).unwrap();
    assert!(!bad.status.success());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("FAIL transactions[0] limit_gtt_bid: tx_hash:"),
        "{out}"
    );
    assert!(lines[1].ends_with(" passed, 1 failed"), "{out}");

    let missing = Command::new(&bin)
        .arg(dir.path().join("nope.json"))
        .output()
        .unwrap();
    assert!(!missing.status.success());
}
