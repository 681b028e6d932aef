//! End-to-end: the real `rotation-bot backtest` in a temporary directory with a clean
//! environment (a fresh clone has no config, no data, no network): `--paper` replays the
//! simulator's seeded history through the bot's decisions, tables and `--json`; a sweep
//! ranks its combinations and prints a winner's config the bot accepts; a data file is
//! written and read back offline.

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

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

const PERIOD: [&str; 4] = ["--from", "2026-10-01", "--to", "2026-10-11"];

#[test]
fn paper_backtest_prints_cycles_summary_and_baselines() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--paper", "backtest"];
    args.extend(PERIOD);
    let out = bot(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "BACKTEST 2026-10-01",
        "net PnL (USD)",
        "never_trade",
        "hold_best_first_day",
        "capture",
    ] {
        assert!(stdout.contains(needle), "{needle} missing:\n{stdout}");
    }
    args.push("--json");
    let v = json(&bot(dir.path(), &args));
    let r = &v["result"];
    let cycles = r["cycles"].as_array().unwrap();
    assert!(
        !cycles.is_empty(),
        "the seeded model rotates within ten days: {v}"
    );
    assert_eq!(r["baselines"].as_array().unwrap().len(), 2);
    assert_eq!(r["venues"], serde_json::json!(["edgex", "lighter"]));
    // exact decimals as strings; the summary adds up over the cycles
    let net: rust_decimal::Decimal = r["summary"]["net_pnl_usd"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let sum: rust_decimal::Decimal = cycles
        .iter()
        .map(|c| {
            c["net_usd"]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap()
        })
        .sum();
    assert_eq!(net, sum);
    // deterministic: the same seed and period give the same document
    assert_eq!(v, json(&bot(dir.path(), &args)));
}

#[test]
fn a_sweep_ranks_and_its_winner_config_is_accepted_by_the_bot() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--paper", "backtest", "--json", "--threads", "2"];
    args.extend(PERIOD);
    args.extend([
        "--sweep",
        "min_net_apr_threshold=5,40",
        "--sweep",
        "hold_duration_hours=8,12",
    ]);
    let v = json(&bot(dir.path(), &args));
    let rows = v["sweep"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let nets: Vec<rust_decimal::Decimal> = rows
        .iter()
        .map(|r| {
            r["summary"]["net_pnl_usd"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(nets.windows(2).all(|w| w[0] >= w[1]), "{nets:?}");
    let winner = &v["winner_config"];
    let best = &rows[0]["params"];
    assert_eq!(
        winner["min_net_apr_threshold"],
        serde_json::from_str::<serde_json::Value>(best[0][1].as_str().unwrap()).unwrap()
    );
    // The winner's file runs as a config: a backtest with it gives the winner's net.
    std::fs::write(dir.path().join("winner.json"), winner.to_string()).unwrap();
    let mut again = vec!["--paper", "--config", "winner.json", "backtest", "--json"];
    again.extend(PERIOD);
    let w = json(&bot(dir.path(), &again));
    assert_eq!(
        w["result"]["summary"]["net_pnl_usd"],
        rows[0]["summary"]["net_pnl_usd"]
    );
}

#[test]
fn a_data_file_is_written_then_replayed_offline() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "--paper",
        "backtest",
        "--json",
        "--data",
        "funding.json",
        "--symbols",
        "BTC,ETH,SOL",
    ];
    args.extend(PERIOD);
    let first = json(&bot(dir.path(), &args));
    assert!(dir.path().join("funding.json").exists());
    // Offline (no --paper: a live run would need the network): the file is read back.
    std::fs::write(
        dir.path().join("cfg.json"),
        include_str!("../../../configs/rotation_bot_config.json"),
    )
    .unwrap();
    let offline = json(&bot(
        dir.path(),
        &[
            "--config",
            "cfg.json",
            "backtest",
            "--json",
            "--data",
            "funding.json",
        ],
    ));
    assert_eq!(
        offline["result"]["symbols"],
        serde_json::json!(["BTC", "ETH", "SOL"])
    );
    assert_eq!(offline["result"]["cycles"], first["result"]["cycles"]);
}

#[test]
fn bad_arguments_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--paper",
                "backtest",
                "--from",
                "2026-10-11",
                "--to",
                "2026-10-01",
            ],
            "--from",
        ),
        (
            &["--paper", "backtest", "--days", "2", "--sweep", "nope=1,2"],
            "nope",
        ),
        (
            &[
                "--paper",
                "backtest",
                "--days",
                "2",
                "--data",
                "missing-dir/x.json",
                "--to",
                "yesterday",
            ],
            "--to",
        ),
    ];
    for (args, needle) in cases {
        let out = bot(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(needle),
            "{needle}: {}",
            text(&out)
        );
    }
}

#[test]
fn the_report_is_one_self_contained_xhtml_file_with_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--paper", "backtest", "--report", "report.html"];
    args.extend(PERIOD);
    args.extend(["--sweep", "min_net_apr_threshold=5,40"]);
    let out = bot(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    for needle in [
        "Cumulative net PnL",
        "Funding per cycle",
        "Time in market per symbol",
        "never trade",
        "hold the best pair of day 1",
        "min_net_apr_threshold",
    ] {
        assert!(html.contains(needle), "{needle} missing from the report");
    }
    assert!(
        html.matches("<svg").count() >= 4,
        "charts drawn as inline SVG"
    );
    assert!(!html.contains("<script"), "no script in the report");
    // no network: the only addresses are the XML namespaces
    for (i, _) in html.match_indices("http") {
        assert!(
            html[i..].starts_with("http://www.w3.org/"),
            "{}",
            &html[i..i + 60]
        );
    }
}
