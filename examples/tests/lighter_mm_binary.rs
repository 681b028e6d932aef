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
    let (open, _) = reopen(&paper_dir(dir.path()));
    assert!(
        open.is_empty(),
        "orders of ours left after SIGTERM: {open:?}"
    );
}

/// Opens a paper directory again: our open orders and the PAXG position.
fn reopen(dir: &Path) -> (Vec<venue_api::OrderStatus>, rust_decimal::Decimal) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let settings = PaperSettings {
            dir: dir.to_path_buf(),
            reset: false,
            command: "lighter-mm-test",
            lock_wait: Duration::from_secs(5),
            ..PaperSettings::default()
        };
        let w = Wiring::paper(&settings, None, None).await.unwrap();
        // let anything the simulator still had pending execute first
        tokio::time::sleep(Duration::from_secs(4)).await;
        let open = w.lighter.open_orders("PAXG").await.unwrap();
        let ours = open
            .into_iter()
            .filter(|o| o.client_id.get() >> 32 == u64::from(LIGHTER_MAKER_TAG))
            .collect();
        let pos = w.lighter.position("PAXG").await.unwrap();
        (ours, pos.map(|p| p.size).unwrap_or_default())
    })
}

/// The number written after `label` in the binary's summary line (`max |position| 0.01`).
fn summary_figure(text: &str, label: &str) -> rust_decimal::Decimal {
    let line = text
        .lines()
        .find(|l| l.contains("Summary:"))
        .unwrap_or_else(|| panic!("no summary line:\n{text}"));
    let at = line
        .find(label)
        .unwrap_or_else(|| panic!("{label} not in {line}"));
    let rest = line[at + label.len()..].trim_start();
    let figure: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    figure
        .parse()
        .unwrap_or_else(|_| panic!("{label}: {rest:?}"))
}

/// Counted before its label (`3 fills`).
fn summary_count(text: &str, label: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.contains("Summary:"))
        .unwrap_or_default();
    let at = line
        .find(label)
        .unwrap_or_else(|| panic!("{label} not in {line}"));
    let before = line[..at].trim_end();
    let digits: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits
        .chars()
        .rev()
        .collect::<String>()
        .parse()
        .unwrap_or_default()
}

#[test]
fn a_sim_move_trend_keeps_the_bound_and_duration_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.json");
    std::fs::write(
        &cfg,
        r#"{"refresh_ms": 300, "max_inventory": "0.01", "account_refresh_secs": 1,
            "candle_secs": 1, "supertrend_period": 3, "supertrend_multiplier": "1"}"#,
    )
    .unwrap();
    let mut child = command()
        .arg("--config")
        .arg(&cfg)
        .args([
            "--paper",
            "--paper-reset",
            "--duration",
            "10",
            "--sim-move",
            "PAXG:+4@8",
        ])
        .arg("--log-dir")
        .arg(dir.path().join("logs"))
        .arg("--paper-dir")
        .arg(paper_dir(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rx = lines(&mut child);
    let end = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "no exit within 40 s");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(100));
    let text = rx.try_iter().collect::<Vec<_>>().join("\n");
    assert_eq!(status.code(), Some(0), "{text}");
    // PAXG rises 4 %: the maker's asks are lifted, it goes short up to the bound, not past it
    let worst = summary_figure(&text, "max |position|");
    assert!(
        worst <= rust_decimal::Decimal::new(1, 2),
        "max |position| {worst}:\n{text}"
    );
    assert!(
        summary_count(&text, "fills") >= 1,
        "the trend filled nothing:\n{text}"
    );
    assert!(text.contains("SuperTrend"), "{text}");
    let (open, position) = reopen(&paper_dir(dir.path()));
    assert!(open.is_empty(), "{open:?}");
    assert!(
        position.abs() <= rust_decimal::Decimal::new(1, 2),
        "final position {position}"
    );
}
