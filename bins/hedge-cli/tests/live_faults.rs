//! The live-fidelity faults of the simulator end in one clean hedge, never a duplicate:
//! `lighter:sendTx:dropped:1` (a tx answered HTTP 200 that never executes and does not consume
//! its nonce) and `edgex:createOrder:booked-5xx:1` (the order is booked, the answer is a 5xx).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{hedge_cli, text};

use serde_json::Value;
use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    hedge_cli(dir).arg("--paper").args(args).output().unwrap()
}

#[test]
fn dropped_and_booked_5xx_end_in_one_clean_hedge() {
    for fault in ["lighter:sendTx:dropped:1", "edgex:createOrder:booked-5xx:1"] {
        let dir = tempfile::tempdir().unwrap();
        let o = run(
            dir.path(),
            &["--sim-fault", fault, "open", "--size-base", "2", "--json"],
        );
        assert_eq!(o.status.code(), Some(0), "{fault}: {}", text(&o));
        let s = run(dir.path(), &["status", "--json"]);
        let v: Value = serde_json::from_slice(&s.stdout).unwrap();
        assert_eq!(v["hedged"], true, "{fault}: {v}");
        let sizes: Vec<(String, rust_decimal::Decimal)> = v["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["venue"].as_str().unwrap().to_string(),
                    p["size"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(sizes.len(), 2, "{fault}: {sizes:?}");
        for (venue, size) in sizes {
            assert_eq!(
                size.abs(),
                rust_decimal::Decimal::from(2),
                "{fault}: {venue} duplicated"
            );
        }
    }
}
