//! The running bot's observability, end to end: the real `rotation-bot` in live mode against
//! the in-process simulator, with `--alert-webhook` pointed at a listener on 127.0.0.1 and
//! `--metrics-addr 127.0.0.1:0` scraped while it runs.
//!
//! Scenario: one hedge opens (metrics: state, position, leg skew and naked-time histograms,
//! seconds since the last read per venue, `/health` 200); the engine is then HALTED as
//! another process would do it (one `halted` message, however many turns the HALT lasts;
//! `/health` 503 naming the HALT); the operator clears it (one `recovered` message; `/health`
//! 200 again); SIGINT stops the bot with exit 0.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
use common::*;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A webhook receiver: every POST body, parsed as JSON.
fn webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let sink = sink.clone();
            std::thread::spawn(move || {
                let _ = serve_one(stream, &sink);
            });
        }
    });
    (url, got)
}

fn serve_one(stream: TcpStream, sink: &Mutex<Vec<Value>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut len = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        if let Ok(v) = serde_json::from_slice::<Value>(&body) {
            sink.lock().unwrap().push(v);
        }
        let mut w = stream.try_clone()?;
        w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
    }
}

/// GET `path` on `addr`: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// The value of one series line (`name{labels} value`) in a scrape.
fn series(scrape: &str, prefix: &str) -> Option<String> {
    scrape
        .lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .map(str::to_string)
}

fn set_halt(dir: &Path, reason: Option<&str>) {
    use hedge_engine::state::{FileStore, Halt, StateStore};
    let store = FileStore::new(dir.join("hedge_state.json"));
    let mut s = store.load().unwrap();
    s.halted = reason.map(|r| Halt {
        since: chrono::Utc::now(),
        reason: r.to_string(),
        operation: None,
        residual: Vec::new(),
    });
    store.save(&s).unwrap();
}

fn events(got: &Mutex<Vec<Value>>, event: &str, status: &str) -> usize {
    got.lock()
        .unwrap()
        .iter()
        .filter(|v| v["event"] == event && v["status"] == status)
        .count()
}

#[test]
fn webhook_and_metrics_of_a_running_bot_through_a_halt_and_its_recovery() {
    let sim = Sim::start(11);
    // A long hold: no engine operation runs while the test writes the engine state.
    let config = short_config(&["BTC"]).replace(
        "\"hold_duration_hours\": 0.001,\n  \"max_hold_hours\": 0.001,",
        "\"hold_duration_hours\": 1,\n  \"max_hold_hours\": 1,",
    );
    assert!(config.contains("\"hold_duration_hours\": 1,"));
    let dir = workdir(&sim, &config);
    let d = dir.path();
    let (url, got) = webhook();
    let out = d.join("run.log");
    let mut c = bot(d);
    c.args(["--alert-webhook", &url, "--metrics-addr", "127.0.0.1:0"]);
    let mut child = spawn(c, &out);
    let holding = wait_until(Duration::from_secs(30), || state_name(d) == "HOLDING");
    assert!(holding, "never HOLDING:\n{}", read(&out));
    let log = read(&out);
    let addr = log
        .split("metrics on http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("the bound metrics address is logged")
        .to_string();
    // Give the per-second read-age updater a turn.
    std::thread::sleep(Duration::from_millis(1200));
    let (status, m) = get(&addr, "/metrics");
    assert_eq!(status, 200);
    for (prefix, want) in [
        ("rotation_bot_state{state=\"HOLDING\"}", Some("1")),
        ("rotation_bot_state{state=\"IDLE\"}", Some("0")),
        ("rotation_bot_position_size{symbol=\"BTC\"}", None),
        ("rotation_bot_unrealized_pnl_usd", None),
        ("rotation_bot_expected_funding_usd", None),
        ("rotation_bot_cycles_completed", Some("0")),
        ("rotation_bot_fees_paid_usd", None),
        ("rotation_bot_funding_settled_usd", None),
        ("rotation_bot_realized_pnl_usd", None),
        ("rotation_bot_margin_usage{slot=\"a\"}", None),
        (
            "rotation_bot_leg_skew_seconds_count{operation=\"open\"}",
            Some("1"),
        ),
        (
            "rotation_bot_naked_seconds_count{operation=\"open\"}",
            Some("1"),
        ),
        (
            "rotation_bot_naked_seconds_bucket{operation=\"open\",le=\"+Inf\"}",
            Some("1"),
        ),
        (
            "rotation_bot_operations_total{operation=\"open\",outcome=\"hedged\"}",
            Some("1"),
        ),
        (
            "rotation_bot_seconds_since_last_read{venue=\"edgex\"}",
            None,
        ),
        (
            "rotation_bot_seconds_since_last_read{venue=\"lighter\"}",
            None,
        ),
    ] {
        let v = series(&m, prefix).unwrap_or_else(|| panic!("{prefix} missing:\n{m}"));
        if let Some(w) = want {
            assert_eq!(v, w, "{prefix}");
        }
    }
    let age: f64 = series(
        &m,
        "rotation_bot_seconds_since_last_read{venue=\"lighter\"}",
    )
    .unwrap()
    .parse()
    .unwrap();
    assert!((0.0..5.0).contains(&age), "read age {age}");
    assert_eq!(get(&addr, "/health").0, 200);
    assert_eq!(get(&addr, "/nothing").0, 404);

    // Another process HALTs the engine: one `halted` message, however long it lasts.
    set_halt(d, Some("naked leg (test)"));
    assert!(
        wait_until(Duration::from_secs(10), || events(&got, "halted", "firing")
            == 1),
        "no halted message: {:?}",
        got.lock().unwrap()
    );
    assert!(wait_until(Duration::from_secs(5), || state_name(d) == "HALTED"));
    // The gauges follow the saved state on their own task: wait (bounded) for the change.
    assert!(wait_until(Duration::from_secs(5), || get(&addr, "/health")
        .0
        == 503));
    let (status, body) = get(&addr, "/health");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("HALTED"), "{body}");
    std::thread::sleep(Duration::from_secs(3)); // three HALTED turns
    assert_eq!(events(&got, "halted", "firing"), 1, "deduplicated");
    let (_, m) = get(&addr, "/metrics");
    assert_eq!(
        series(&m, "rotation_bot_state{state=\"HALTED\"}").as_deref(),
        Some("1")
    );
    assert!(
        series(&m, "rotation_bot_errors_total{kind=\"halted\"}").is_some(),
        "{m}"
    );

    // The operator clears it: one `recovered` message, healthy again, the hedge still held.
    set_halt(d, None);
    assert!(
        wait_until(Duration::from_secs(10), || events(
            &got,
            "halted",
            "recovered"
        ) == 1),
        "no recovered message: {:?}",
        got.lock().unwrap()
    );
    assert!(wait_until(Duration::from_secs(10), || state_name(d) == "HOLDING"));
    assert!(wait_until(Duration::from_secs(5), || get(&addr, "/health")
        .0
        == 200));
    let code = interrupt(&mut child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{}", read(&out));
    let all = got.lock().unwrap().clone();
    for v in &all {
        assert_eq!(v["source"], "rotation-bot", "{v}");
        assert!(v["text"].is_string() && v["time"].is_string(), "{v}");
    }
    assert_eq!(events(&got, "halted", "firing"), 1, "{all:?}");
    assert_eq!(events(&got, "halted", "recovered"), 1, "{all:?}");
    // The hedge is still open and recorded (a HALT only stops new opens).
    assert!(sim.truth().hedge().is_some(), "{:?}", sim.truth());
    println!("webhook messages: {}", all.len());
}
