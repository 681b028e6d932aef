//! The vector checker over the official shared vectors, and over a deliberately altered copy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use venue_lighter::signing::vectors::{check_document, check_file};

fn shared_vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/lighter-vectors.json")
}

/// The example binaries named `check_vectors`, built by `cargo test` next to the test
/// executables. Another workspace crate (venue-edgex) has an example of the same name, so the
/// unsuffixed copy may be either crate's: every candidate, including the hashed copies, is
/// returned and the test requires one of them to behave exactly like ours.
fn checker_candidates() -> Vec<PathBuf> {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    let stem = name
                        .strip_suffix(std::env::consts::EXE_SUFFIX)
                        .unwrap_or(name);
                    // Skips the `.d` and `.dwp` companions of each binary.
                    (stem == "check_vectors" || stem.starts_with("check_vectors-"))
                        && !stem.contains('.')
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
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

/// Runs the checker at `bin` the way an operator would; `Err` says what differed.
fn behaves_like_our_checker(bin: &std::path::Path) -> Result<(), String> {
    let ok = Command::new(bin)
        .arg(shared_vectors())
        .output()
        .map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&ok.stdout).to_string();
    if !ok.status.success()
        || out.lines().count() != 1
        || !out.trim_end().ends_with(" passed, 0 failed")
    {
        return Err(format!("shared vectors: {out}"));
    }
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(shared_vectors()).unwrap()).unwrap();
    doc["transactions"][0]["tx_hash_hex"] = "00".repeat(40).into();
    let dir = tempfile::tempdir().unwrap();
    let altered = dir.path().join("altered.json");
    std::fs::write(&altered, serde_json::to_string(&doc).unwrap()).unwrap();
    let bad = Command::new(bin)
        .arg(&altered)
        .output()
        .map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&bad.stdout).to_string();
    let lines: Vec<&str> = out.lines().collect();
    if bad.status.success()
        || lines.len() != 2
        || !lines[0].starts_with("FAIL transactions[0] limit_gtt_bid: tx_hash:")
        || !lines[1].ends_with(" passed, 1 failed")
    {
        return Err(format!("altered vectors: {out}"));
    }
    let missing = Command::new(bin)
        .arg(dir.path().join("nope.json"))
        .output()
        .map_err(|e| e.to_string())?;
    if missing.status.success() {
        return Err("a missing file exited 0".into());
    }
    Ok(())
}

#[test]
fn the_example_binary_reports_and_sets_the_exit_code() {
    let candidates = checker_candidates();
    assert!(
        !candidates.is_empty(),
        "check_vectors example not built (cargo test builds examples)"
    );
    let results: Vec<(PathBuf, Result<(), String>)> = candidates
        .into_iter()
        .map(|b| {
            let r = behaves_like_our_checker(&b);
            (b, r)
        })
        .collect();
    assert!(
        results.iter().any(|(_, r)| r.is_ok()),
        "no check_vectors binary behaved as specified: {results:?}"
    );
}
