//! `liq-monitor --paper` with one venue's reads failing (a simulator fault on Lighter's
//! account endpoint after the first check): never taken for flat; the alert at
//! `--max-read-failures`; past the longer bound (three times it) the readable leg is closed
//! only when the unreadable venue's last known state says its leg is gone, through the
//! engine's single-venue path; a leg last known open is held. Every run is bounded.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{monitor, open_hedge, positions, receiver, stdout, wiring, BIN};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Lighter's balance and positions (its `account` endpoint) answer a body that is not JSON
/// from the third request on: the first check reads, every later one fails.
const BLIND_LIGHTER: &str = "lighter:account@2:malformed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leg_known_gone_is_closed_on_the_readable_venue_after_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), true, 100).await;
    wiring(dir.path()).await.engine.resume().unwrap();
    let before = positions(dir.path()).await;
    assert!(before.0.is_zero() && !before.1.is_zero(), "{before:?}");
    let (url, got) = receiver();
    let out = monitor(
        dir.path(),
        &[
            "--interval",
            "1",
            "--unhedged-grace",
            "600",
            "--max-read-failures",
            "1",
            "--exit-after-close",
            "--alert-webhook",
            &url,
            "--sim-fault",
            BLIND_LIGHTER,
        ],
        Duration::from_secs(30),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // No action before the bound (3 failures), the alert at 1, the close at 3.
    let act = text
        .find("ACTION close_leg HYPE (lighter unreadable; acting on the other venue)")
        .expect(&text);
    assert!(text[..act].contains("READ FAILED (3 in a row)"), "{text}");
    assert!(!text[..act].contains("ACTION"), "{text}");
    assert!(text.contains("ALERT [read_failure] lighter"), "{text}");
    assert_eq!(positions(dir.path()).await.1, rust_decimal::Decimal::ZERO);
    assert!(wiring(dir.path()).await.engine.halted().unwrap().is_none());
    let got = got.lock().unwrap().clone();
    assert_eq!(
        got.iter()
            .filter(|m| m["event"] == "read_failure" && m["status"] == "firing")
            .count(),
        1,
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leg_last_known_open_is_held_while_its_venue_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), false, 100).await;
    let before = positions(dir.path()).await;
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--paper", "--paper-dir"])
        .arg(dir.path().join("paper"))
        .arg("--log-file")
        .arg(dir.path().join("lm.log"))
        .args([
            "--interval",
            "1",
            "--max-read-failures",
            "1",
            "--sim-fault",
            BLIND_LIGHTER,
        ])
        .env_remove("VENUE_SIM_FAULTS")
        .env_remove("HEDGE_STATE_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Past the act bound (3 failures) by a few checks, then stop it.
    std::thread::sleep(Duration::from_secs(7));
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("READ FAILED (5 in a row)"), "{text}");
    assert!(!text.contains("ACTION"), "{text}");
    // The first check read both venues; every later one is blind.
    let blind = text
        .split("=== liquidation check")
        .skip(2)
        .collect::<String>();
    assert!(
        !blind.is_empty() && !blind.contains("status: HEALTHY"),
        "never healthy while blind: {text}"
    );
    assert_eq!(positions(dir.path()).await, before);
}
