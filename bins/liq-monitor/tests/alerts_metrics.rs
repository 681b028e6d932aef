//! `liq-monitor --paper` end to end, telling the outside: the close itself failing (a
//! simulator fault refuses every EdgeX order) HALTS as the CLI's close does and alerts on the
//! local webhook with the start-up summary first; `/metrics` scraped from the running
//! monitor. Every run is bounded.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{monitor, open_hedge, positions, receiver, stdout, wiring, BIN};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_close_halts_as_the_cli_does_and_alerts() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), true, 100).await;
    // `close --leg` HALTed the engine on purpose; the monitor's HALT must be its own.
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
            "1",
            "--exit-after-close",
            "--alert-webhook",
            &url,
            "--sim-fault",
            "edgex:createOrder:reject",
        ],
        Duration::from_secs(40),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "a failed close: {text}");
    assert!(text.contains("ACTION close_leg HYPE"), "{text}");
    assert!(text.contains("HALTED: "), "{text}");
    assert_eq!(positions(dir.path()).await, before, "nothing closed");
    // HALTED is in the engine's state file, as `hedge-cli close` leaves it.
    let halt = wiring(dir.path()).await.engine.halted().unwrap().unwrap();
    assert!(
        halt.reason.contains("unhedged") && halt.residual.len() == 2,
        "{halt:?}"
    );
    let got = got.lock().unwrap().clone();
    let first = got.first().expect("alerts posted");
    assert!(
        first["message"]
            .as_str()
            .unwrap_or("")
            .contains("liq-monitor started"),
        "the start-up summary comes first: {got:?}"
    );
    let fired = |event: &str| {
        got.iter()
            .filter(|m| m["event"] == event && m["status"] == "firing")
            .count()
    };
    assert_eq!(fired("halted"), 1, "{got:?}");
    assert_eq!(fired("naked_leg"), 1, "{got:?}");
}

/// One HTTP GET on 127.0.0.1: (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = String::new();
    let _ = s.read_to_string(&mut all);
    let (head, body) = all.split_once("\r\n\r\n").unwrap_or((&all, ""));
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_scraped_from_the_running_monitor() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), false, 100).await;
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--paper", "--paper-dir"])
        .arg(dir.path().join("paper"))
        .arg("--log-file")
        .arg(dir.path().join("lm.log"))
        .args(["--interval", "1", "--metrics-addr", "127.0.0.1:0"])
        .env_remove("VENUE_SIM_FAULTS")
        .env_remove("HEDGE_STATE_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("metrics on http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches("/metrics").to_string());
            }
        }
    });
    let result = std::panic::catch_unwind(|| {
        let addr = rx.recv_timeout(Duration::from_secs(20)).expect("address");
        let start = Instant::now();
        let body = loop {
            let (status, body) = get(&addr, "/metrics");
            assert!(status.contains("200"), "{status}");
            if body.contains("liq_equity") {
                break body;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "{body}");
            std::thread::sleep(Duration::from_millis(200));
        };
        for venue in ["lighter", "edgex"] {
            for g in [
                "liq_equity",
                "liq_maintenance_requirement",
                "liq_margin_usage",
                "liq_runway_pct",
                "liq_level",
                "liq_read_failures",
                "liq_read_failures_total",
                "liq_read_latency_ms",
                "liq_seconds_since_good_read",
            ] {
                let series = format!("{g}{{venue=\"{venue}\"}} ");
                assert!(body.contains(&series), "{series}: {body}");
            }
        }
        // The venue's own liquidation price: EdgeX gives one for the short leg; Lighter's
        // for a long this far from liquidation is 0, read as "not given" (no series).
        assert!(
            body.contains("liq_liquidation_distance_pct{venue=\"edgex\"} "),
            "{body}"
        );
        assert!(body.contains("liq_net_delta{symbol=\"HYPE\"} 0"), "{body}");
        assert!(body.contains("liq_level{venue=\"lighter\"} 0"), "{body}");
        let (status, _) = get(&addr, "/health");
        assert!(status.contains("200"), "{status}");
    });
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
