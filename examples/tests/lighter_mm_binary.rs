//! The real `lighter-market-maker` binary: `--help`, a config error (exit 2), and SIGTERM
//! in paper mode (exit 143, then the paper state, opened again, holds no order of ours).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::wiring::{PaperSettings, Wiring};
use hedge_examples::mm::LIGHTER_MAKER_TAG;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_lighter-market-maker");

/// The binary with none of the seed's variables or simulator settings from the caller's
/// environment.
fn command() -> Command {
    let mut c = Command::new(BIN);
    for v in [
        "MARKET_SYMBOL",
        "LEVERAGE",
        "MARGIN_MODE",
        "PARAMS_DIR",
        "REQUIRE_PARAMS",
        "LOG_DIR",
        "FLIP",
        "VENUE_SIM_FAULTS",
        "VENUE_SIM_MOVES",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    c
}

#[test]
fn help_lists_the_options_and_exit_codes() {
    let out = command().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "--config",
        "--symbol",
        "--paper",
        "--duration",
        "--env-file",
        "--sim-move",
        "--sim-fault",
        "SuperTrend",
        "Exit codes",
        "143",
    ] {
        assert!(text.contains(want), "--help lacks {want}:\n{text}");
    }
}

#[test]
fn bad_settings_exit_2_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 2] = [
        (&["--leverage", "2.5"], "2.5"),
        (
            &["--symbol", "PAXG", "--margin-mode", "isolated"],
            "isolated",
        ),
    ];
    for (args, shows) in cases {
        let out = command()
            .args(args)
            .args(["--paper", "--paper-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(shows), "{args:?}: {err}");
    }
    let cfg = dir.path().join("c.json");
    std::fs::write(&cfg, r#"{"max_inventroy": 1}"#).unwrap();
    let out = command().arg("--config").arg(&cfg).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_inventroy"));
}

/// Lines of the child's stdout, as they come.
fn lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_line(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    want: &str,
    n: usize,
    limit: Duration,
) {
    let end = Instant::now() + limit;
    while seen.iter().filter(|l| l.contains(want)).count() < n {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(_) => panic!("no {n} x {want:?} within {limit:?}:\n{}", seen.join("\n")),
        }
    }
}

fn paper_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("paper")
}

#[test]
fn sigterm_cancels_every_order_of_ours_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.json");
    std::fs::write(
        &cfg,
        r#"{"refresh_ms": 300, "max_inventory": "1", "stale_after_secs": 5, "account_refresh_secs": 1}"#,
    )
    .unwrap();
    let mut child = command()
        .arg("--config")
        .arg(&cfg)
        .args(["--paper", "--paper-reset", "--duration", "60", "--log-dir"])
        .arg(dir.path().join("logs"))
        .arg("--paper-dir")
        .arg(paper_dir(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    let mut seen = Vec::new();
    wait_line(&rx, &mut seen, "QUOTING", 4, Duration::from_secs(20));
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "no exit within 20 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    seen.extend(rx.try_iter());
    let text = seen.join("\n");
    assert_eq!(status.code(), Some(143), "{text}");
    assert!(
        text.contains("none left open") && text.contains("finished gracefully"),
        "{text}"
    );
    // the debug file holds the orders placed (so there was something to cancel)
    let debug = std::fs::read_to_string(dir.path().join("logs/market_maker_debug.txt")).unwrap();
    assert!(
        debug.contains("Placed Buy") && debug.contains("Placed Sell"),
        "{debug}"
    );

    // the paper state, opened again, has no open order of ours
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let open = rt.block_on(async {
        let settings = PaperSettings {
            dir: paper_dir(dir.path()),
            reset: false,
            command: "lighter-mm-test",
            lock_wait: Duration::from_secs(5),
            ..PaperSettings::default()
        };
        let w = Wiring::paper(&settings, None, None).await.unwrap();
        // let anything the simulator still had pending execute first
        tokio::time::sleep(Duration::from_secs(4)).await;
        w.lighter.open_orders("PAXG").await.unwrap()
    });
    let ours: Vec<_> = open
        .iter()
        .filter(|o| o.client_id.get() >> 32 == u64::from(LIGHTER_MAKER_TAG))
        .collect();
    assert!(
        ours.is_empty(),
        "orders of ours left after SIGTERM: {ours:?}"
    );
}
