//! The real `record-market` binary in `--paper` mode (in-process simulator, 127.0.0.1 only):
//! well-formed files, and restarts after `--duration`, SIGTERM and `kill -9` that leave no
//! duplicate or garbled line, a header exactly once per file, and a torn last line repaired.
//! Also `--help`, usage errors (2), an unknown symbol (1) and a second recorder on the same
//! directory (1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_record-market");

fn cmd_in(dir: &Path, paper_dir: &str, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["--paper", "--paper-dir", paper_dir])
        .args(args);
    c
}

fn cmd(dir: &Path, args: &[&str]) -> Command {
    cmd_in(dir, "paper", args)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cmd(dir, args).output().unwrap()
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    cmd(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn show(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "csv"));
    v.sort();
    v
}

fn rows_of(p: &Path) -> usize {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .count()
        .saturating_sub(1)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig}");
}

/// Every file: ends with a newline, one header (the kind's), every row with the kind's
/// column count and a parseable time; trade ids strictly increasing across the days of a
/// symbol; book files readable by the backtest. Returns (book rows, trade ids).
fn check_files(dir: &Path) -> (usize, Vec<u64>) {
    let headers = [
        ("_book_", "time,venue,symbol,bid,bid_size,ask,ask_size"),
        ("_trades_", "time,trade_id,price,size,taker_side"),
        ("_funding_", "time,rate,interval_minutes,next_funding_time"),
    ];
    let mut book_rows = 0;
    let mut ids = Vec::new();
    for f in files(dir) {
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.ends_with('\n'), "{name}: last line unterminated");
        let (kind, header) = headers.iter().find(|(k, _)| name.contains(k)).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(*header), "{name}");
        let cols = header.split(',').count();
        for l in lines {
            assert_ne!(l, *header, "{name}: header twice");
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), cols, "{name}: garbled line {l:?}");
            chrono::DateTime::parse_from_rfc3339(f[0]).unwrap();
            if *kind == "_trades_" {
                ids.push(f[1].parse::<u64>().unwrap());
            }
            if *kind == "_funding_" {
                f[1].parse::<rust_decimal::Decimal>().unwrap();
            }
        }
        if *kind == "_book_" {
            let depth = hedge_backtest::BookDepth::parse_csv(&text).unwrap();
            book_rows += depth.len();
        }
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "trade ids not strictly increasing: {ids:?}"
    );
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate trade id");
    (book_rows, ids)
}

#[test]
fn restarts_after_duration_sigterm_and_kill_9_keep_the_files_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = root.join("market_data/lighter");
    let base = [
        "--venue",
        "lighter",
        "--symbols",
        "BTC,ETH",
        "--book-interval",
        "200",
    ];
    let args = [&base[..], &["--flush-interval", "1"]].concat();

    // 1. --duration: exit 0, files with rows, a summary at stop
    let o = run(root, &[&args[..], &["--duration", "2"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("PAPER SUMMARY up"), "{}", show(&o));
    assert!(stdout.contains("| BTC ["), "{stdout}");
    let (books1, _) = check_files(&dir);
    assert!(books1 >= 2, "{books1} book rows");
    let names: Vec<_> = files(&dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_owned())
        .collect();
    for want in ["BTC_book_", "BTC_funding_", "ETH_book_", "ETH_funding_"] {
        assert!(
            names.iter().any(|n| n.to_str().unwrap().starts_with(want)),
            "{want} missing: {names:?}"
        );
    }

    // 2. SIGTERM with nothing flushed yet: exit 143 and the buffered rows written at stop
    let btc_book = files(&dir)
        .into_iter()
        .find(|p| p.to_str().unwrap().contains("BTC_book_"))
        .unwrap();
    let before = rows_of(&btc_book);
    let child = spawn(root, &[&base[..], &["--flush-interval", "3600"]].concat());
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        rows_of(&btc_book),
        before,
        "rows written before the first flush"
    );
    signal(&child, "-TERM");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", show(&o));
    assert!(
        rows_of(&btc_book) > before,
        "buffered rows lost at SIGTERM:\n{}",
        show(&o)
    );
    let (books2, _) = check_files(&dir);
    assert!(books2 > books1);

    // 3. kill -9 once rows were flushed, and a torn last line as a kill mid-write leaves it
    let child = spawn(root, &args);
    let kept = std::fs::read_to_string(&btc_book).unwrap();
    let flushed = rows_of(&btc_book);
    wait_for("a flush", || rows_of(&btc_book) > flushed);
    signal(&child, "-KILL");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), None, "killed by a signal");
    let torn = "2026-12-01T00:00:00.000Z,lighter,BTC,9";
    let mut text = std::fs::read_to_string(&btc_book).unwrap();
    text.push_str(torn);
    std::fs::write(&btc_book, &text).unwrap();

    // 4. restart: the torn line is cut (logged), recording continues in the same files
    let o = run(root, &[&args[..], &["--duration", "2"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cut a torn last line"),
        "{}",
        show(&o)
    );
    let after = std::fs::read_to_string(&btc_book).unwrap();
    assert!(!after.contains(torn), "torn line still there");
    assert!(after.starts_with(&kept), "rows of earlier runs changed");
    let (books4, _) = check_files(&dir);
    assert!(books4 > books2);
}

#[test]
fn help_usage_unknown_symbol_and_a_second_recorder() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let o = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for flag in [
        "--venue",
        "--symbols",
        "--out",
        "--book-interval",
        "--paper",
        "--duration",
        "143",
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
    for bad in [
        &["--symbols", "BTC"][..],
        &["--venue", "kraken"],
        &["--venue", "edgex", "--book-interval", "0"],
        &["--venue", "edgex", "--symbols", "BT-C"],
    ] {
        let o = run(root, bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", show(&o));
    }
    let o = run(
        root,
        &[
            "--venue",
            "edgex",
            "--symbols",
            "BTC,NOPE",
            "--duration",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown symbol NOPE on edgex"),
        "{}",
        show(&o)
    );
    // a second recorder on the same output directory (its own paper dir) is refused
    let child = spawn(
        root,
        &["--venue", "edgex", "--symbols", "ETH", "--duration", "20"],
    );
    let dir = root.join("market_data/edgex");
    wait_for("the first recorder's files", || !files(&dir).is_empty());
    let o = cmd_in(
        root,
        "paper2",
        &["--venue", "edgex", "--symbols", "BTC", "--duration", "5"],
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("held by another recorder"),
        "{}",
        show(&o)
    );
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", show(&o));
    let (books, _) = check_files(&dir);
    assert!(books >= 1, "edgex book rows: {books}");
}
