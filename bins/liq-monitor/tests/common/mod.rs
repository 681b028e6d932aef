//! Helpers of the monitor's end-to-end tests: the binary in a paper directory, a hedge
//! opened (or broken) through the library `hedge-cli --paper` uses, a webhook receiver.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

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

pub const BIN: &str = env!("CARGO_BIN_EXE_liq-monitor");

pub fn monitor(dir: &Path, extra: &[&str], limit: Duration) -> Output {
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
    // Drain both pipes while the child runs (a full pipe would block it).
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "liq-monitor did not finish within {limit:?}: {}{}",
                String::from_utf8_lossy(&out.join().unwrap_or_default()),
                String::from_utf8_lossy(&err.join().unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub async fn wiring(dir: &Path) -> Wiring {
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
pub async fn open_hedge(dir: &Path, naked: bool, size_quote: u32) {
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

pub async fn positions(dir: &Path) -> (Decimal, Decimal) {
    let w = wiring(dir).await;
    let size = |p: Option<venue_api::Position>| p.map(|p| p.size).unwrap_or_default();
    (
        size(w.lighter.position("HYPE").await.unwrap()),
        size(w.edgex.position("HYPE").await.unwrap()),
    )
}

/// A minimal webhook receiver (HTTP/1.1, keep-alive): every JSON body it gets.
pub fn receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
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
