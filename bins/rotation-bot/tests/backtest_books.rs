//! `rotation-bot backtest --books DIR`: a directory of `record-market` book files reads the
//! same as one file holding all their rows, and changes the slippage from the flat model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn bot(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rotation-bot"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .output()
        .unwrap()
}

fn result(o: &Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "{:?}\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["result"].clone()
}

const HEADER: &str = "time,venue,symbol,bid,bid_size,ask,ask_size";

#[test]
fn a_directory_of_recorder_book_files_reads_like_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let mut all = vec![HEADER.to_string()];
    for venue in ["edgex", "lighter"] {
        for sym in hedge_app::bot_config::DEFAULT_SYMBOLS {
            // two days of a symbol in two files; a half spread of 4 bps (flat model: 2)
            let mut day = |date: &str, bid: &str, ask: &str| {
                let row = format!("{date}T00:00:00.000Z,{venue},{sym},{bid},1000000,{ask},1000000");
                let file = root
                    .join("market_data")
                    .join(venue)
                    .join(format!("{sym}_book_{date}.csv"));
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, format!("{HEADER}\n{row}\n")).unwrap();
                all.push(row);
            };
            day("2026-09-30", "99.96", "100.04");
            day("2026-10-05", "99.95", "100.05");
        }
        // the recorder's other files beside them are not book files
        let other = root
            .join("market_data")
            .join(venue)
            .join("BTC_trades_2026-09-30.csv");
        std::fs::write(other, "time,trade_id,price,size,taker_side\n").unwrap();
    }
    std::fs::write(root.join("books.csv"), all.join("\n") + "\n").unwrap();
    let run_with = |extra: &[&str]| {
        let mut args = vec![
            "--paper",
            "backtest",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-11",
            "--json",
        ];
        args.extend(extra);
        bot(root, &args)
    };
    let run = |extra: &[&str]| result(&run_with(extra));
    let o = run_with(&["--books", "market_data"]);
    let told = String::from_utf8_lossy(&o.stderr);
    assert!(
        told.contains("--books market_data: 60 snapshots from 60 file(s)"),
        "{told}"
    );
    let from_dir = result(&o);
    let from_file = run(&["--books", "books.csv"]);
    let flat = run(&[]);
    assert_eq!(from_dir["summary"], from_file["summary"]);
    assert_eq!(from_dir["cycles"], from_file["cycles"]);
    assert_ne!(
        from_dir["summary"], flat["summary"],
        "the recorded books were not used"
    );

    // a directory without book files is a usage error naming it
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let o = bot(
        root,
        &[
            "--paper",
            "backtest",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-11",
            "--books",
            "empty",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--books empty: no book file"), "{err}");
}
