//! `hedge-cli doctor` against the paper simulator: every check passes (exit 0), `--json` is
//! one document, and `--record DIR` writes redacted responses in the fixtures/ layout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{hedge_cli, text};

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    // No funding episode: one starting within the hour makes the two Lighter funding
    // endpoints disagree for that hour, as a real jump would.
    hedge_cli(dir)
        .env("VENUE_SIM_FUNDING_EPISODES", "off")
        .arg("--paper")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn paper_doctor_passes_and_says_so_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["doctor"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    for line in [
        "edgex    credentials",
        "edgex    server time",
        "lighter  api key",
        "lighter  funding",
        "request budget",
        "every check passed",
    ] {
        assert!(t.contains(line), "{line} missing: {t}");
    }
    assert!(!t.contains("FAIL"), "{t}");
}

#[test]
fn paper_doctor_json_and_record() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let o = run(
        dir.path(),
        &["doctor", "--json", "--record", rec.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["passed"], true);
    assert!(v["checks"].as_array().unwrap().len() >= 10);
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["ok"] == true && c["venue"].is_string()));
    for f in [
        "edgex/meta.json",
        "edgex/account_asset.json",
        "lighter/apikeys.json",
        "lighter/account.json",
        "lighter/fundings.json",
    ] {
        assert!(rec.join(f).exists(), "{f}");
    }
    let asset = std::fs::read_to_string(rec.join("edgex/account_asset.json")).unwrap();
    let asset: Value = serde_json::from_str(&asset).unwrap();
    assert_eq!(asset["data"]["account"]["l2Key"], "REDACTED");
    let keys = std::fs::read_to_string(rec.join("lighter/apikeys.json")).unwrap();
    assert!(
        keys.contains("REDACTED") && !keys.contains("\"public_key\": \"0x"),
        "{keys}"
    );
}
