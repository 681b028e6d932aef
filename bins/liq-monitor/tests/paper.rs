//! `liq-monitor --paper` end to end: the binary against the in-process simulator, in a paper
//! directory where the hedge is opened (and broken) through the same library `hedge-cli
//! --paper` uses. Alerts go to a local webhook listener. Every run is bounded.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::hedge_config::{self, HedgeOverrides};
use hedge_app::wiring::{PaperSettings, Wiring};
use hedge_engine::ids::LegRole;
use hedge_engine::pricing::PricingPolicy;
use hedge_engine::protocol::{CloseRequest, HedgeResult, LegMode, OpenRequest};
use hedge_engine::sizing::SizeRequest;
use rust_decimal::Decimal;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_liq-monitor");

fn monitor(dir: &Path, extra: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(["--paper", "--paper-dir"])
        .arg(dir.join("paper"))
        .arg("--log-file")
        .arg(dir.join("lm.log"))
        .args(extra)
        .env_remove("VENUE_SIM_FAULTS")
        .env_remove("HEDGE_STATE_FILE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "liq-monitor did not finish within {limit:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn wiring(dir: &Path) -> Wiring {
    let settings = PaperSettings {
        dir: dir.join("paper"),
        collateral: Decimal::from(100),
        command: "test",
        lighter_fill_delay: Duration::ZERO,
        ..PaperSettings::default()
    };
    Wiring::paper(&settings, None, None).await.unwrap()
}

/// Opens the built-in config's hedge (HYPE, long lighter, short edgex) on a 100 USD paper
/// account per venue as `hedge-cli --paper --paper-collateral 100 open --size-quote N` does; with `naked`, then closes the lighter leg alone (`close --leg
/// lighter`, which HALTS).
async fn open_hedge(dir: &Path, naked: bool, size_quote: u32) {
    let cfg = hedge_config::load(None, true, &HedgeOverrides::default())
        .unwrap()
        .config;
    let w = wiring(dir).await;
    let legs = w.legs(cfg.long_exchange, cfg.short_exchange);
    let r = w
        .engine
        .open(&OpenRequest {
            symbol: cfg.symbol.clone(),
            venues: legs.clone(),
            leverage: cfg.leverage,
            size: SizeRequest::Quote(Decimal::from(size_quote)),
            pricing: PricingPolicy::default(),
            leg_mode: LegMode::Concurrent,
            dry_run: false,
            add: false,
        })
        .await
        .unwrap();
    assert!(
        matches!(r.result, HedgeResult::Hedged { .. }),
        "{:?}",
        r.result
    );
    if naked {
        w.engine
            .close(&CloseRequest {
                symbol: cfg.symbol.clone(),
                venues: legs,
                pricing: PricingPolicy::default(),
                dry_run: false,
                only: Some(LegRole::Long),
            })
            .await
            .unwrap();
    }
}

async fn positions(dir: &Path) -> (Decimal, Decimal) {
    let w = wiring(dir).await;
    let size = |p: Option<venue_api::Position>| p.map(|p| p.size).unwrap_or_default();
    (
        size(w.lighter.position("HYPE").await.unwrap()),
        size(w.edgex.position("HYPE").await.unwrap()),
    )
}

/// A minimal webhook receiver (HTTP/1.1, keep-alive): every JSON body it gets.
fn receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let sink = sink.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let mut w = stream.try_clone().unwrap();
                let mut r = BufReader::new(stream);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        if let Some(v) = l
                            .to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().to_string())
                        {
                            len = v.parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    if let Ok(v) = serde_json::from_slice(&body) {
                        sink.lock().unwrap().push(v);
                    }
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                }
            });
        }
    });
    (url, got)
}

#[test]
fn fresh_paper_account_once_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let out = monitor(dir.path(), &["--once"], Duration::from_secs(20));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("no position"), "{text}");
    assert!(text.contains("status: HEALTHY"), "{text}");
    let log = std::fs::read_to_string(dir.path().join("lm.log")).unwrap();
    assert!(
        log.contains("liquidation check"),
        "each check logged: {log}"
    );
    assert!(
        log.lines()
            .all(|l| l.starts_with("PAPER ") && !l[6..].contains("PAPER ")),
        "every paper log line starts with PAPER, once: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_hedge_shows_both_legs_and_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), false, 50).await;
    let out = monitor(dir.path(), &["--once", "--json"], Duration::from_secs(20));
    let text = stdout(&out);
    let report: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let venues = report["venues"].as_array().unwrap();
    assert_eq!(venues.len(), 2);
    for v in venues {
        let p = &v["runway"]["positions"][0];
        assert_eq!(p["symbol"], "HYPE", "{v}");
    }
    assert_eq!(report["symbols"][0]["class"]["class"], "hedged", "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(report["health"], "healthy", "{text}");
    assert!(!positions(dir.path()).await.1.is_zero(), "nothing closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_naked_leg_is_closed_after_the_grace_not_before_and_alerted() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), true, 100).await;
    let (lighter, edgex) = positions(dir.path()).await;
    assert!(lighter.is_zero() && !edgex.is_zero(), "{lighter} {edgex}");

    // One check within the grace: unhealthy, nothing done.
    let out = monitor(dir.path(), &["--once"], Duration::from_secs(20));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("grace"), "{text}");
    assert!(!text.contains("ACTION"), "{text}");
    assert_eq!(positions(dir.path()).await, (lighter, edgex));

    // Watching: closed once the grace (2 s) has passed, then exits (--exit-after-close).
    let (url, got) = receiver();
    let out = monitor(
        dir.path(),
        &[
            "--interval",
            "1",
            "--unhedged-grace",
            "2",
            "--exit-after-close",
            "--alert-webhook",
            &url,
        ],
        Duration::from_secs(30),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let first_action = text.find("ACTION close_leg HYPE").expect(&text);
    assert!(
        text[..first_action].contains("grace"),
        "a check within the grace came first: {text}"
    );
    assert_eq!(positions(dir.path()).await, (Decimal::ZERO, Decimal::ZERO));
    let got = got.lock().unwrap().clone();
    let events: Vec<&str> = got.iter().filter_map(|m| m["event"].as_str()).collect();
    assert!(events.contains(&"naked_leg"), "{got:?}");
    assert!(
        got.iter().any(|m| m["message"]
            .as_str()
            .unwrap_or("")
            .contains("liq-monitor started")),
        "{got:?}"
    );
}

/// Drills (`--sim-move`): HYPE falls on both venues, the long venue (lighter, 100 USD) loses.
/// -32 %: runway about 9 % (REDUCE below 10 %): WARN on the first reading, REDUCE on the
/// second, both legs reduced by the same quantity. -38 %: runway under 1 %: FLATTEN, both
/// legs closed and verified flat. `--pnl-threshold -90` keeps the PnL rule out of the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_move_drills_reduce_both_legs_alike_then_flatten() {
    for (pct, action) in [("-32", "reduce_both"), ("-38", "close_both")] {
        let dir = tempfile::tempdir().unwrap();
        open_hedge(dir.path(), false, 250).await;
        let (long0, short0) = positions(dir.path()).await;
        let mv = format!("HYPE:{pct}");
        let out = monitor(
            dir.path(),
            &[
                "--sim-move",
                &mv,
                "--interval",
                "1",
                "--pnl-threshold",
                "-90",
                "--exit-after-close",
            ],
            Duration::from_secs(30),
        );
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{pct}: {text}");
        let at = text.find(&format!("ACTION {action} HYPE")).expect(&text);
        assert!(
            text[..at].contains("level Warn"),
            "{pct}: WARN first: {text}"
        );
        let (long, short) = positions(dir.path()).await;
        if action == "reduce_both" {
            assert!(
                long > Decimal::ZERO && long < long0,
                "{pct}: {long0} -> {long}"
            );
            assert_eq!(
                long0 - long,
                short - short0,
                "{pct}: same quantity on both legs"
            );
            assert_eq!(long, -short, "{pct}: still hedged");
        } else {
            assert_eq!(
                (long, short),
                (Decimal::ZERO, Decimal::ZERO),
                "{pct}: {text}"
            );
        }
    }
}
