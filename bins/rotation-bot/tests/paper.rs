//! End-to-end: the real `rotation-bot` binary in paper mode (the in-process simulator at
//! `--speed 3600`), run in a temporary directory with a clean environment. The issue's "Done
//! when": `--paper --speed 3600 --cycles 2` completes two cycles and exits 0, and `--paper
//! status` then shows them without touching the venues. The test config has a low entry bar
//! and gross (not fee-aware) entry so that the simulator's everyday funding qualifies.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bot(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rotation-bot"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

/// Runs to the end, or kills the bot after `limit` (a HALTED bot watches forever).
#[allow(clippy::unwrap_used)]
fn run_bounded(mut c: Command, limit: Duration) -> Output {
    let child = c
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            let out = rx.recv().unwrap().unwrap();
            panic!("the bot did not finish within {limit:?}:\n{}", text(&out));
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const CONFIG: &str = r#"{
  "comment_": "short cycles for the end-to-end test",
  "symbols_to_monitor": ["BTC", "ETH", "SOL"],
  "notional_per_position": 200,
  "hold_duration_hours": 2,
  "max_hold_hours": 2,
  "wait_between_cycles_minutes": 5,
  "check_interval_seconds": 3600,
  "stop_loss_check_interval_seconds": 1800,
  "min_net_apr_threshold": 0.01,
  "exit_net_apr_threshold": -1000,
  "fee_aware_entry": false
}"#;

#[test]
fn two_paper_cycles_then_status_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.json"), CONFIG).unwrap();
    let t = Instant::now();
    let mut c = bot(dir.path());
    c.args([
        "--paper", "--speed", "3600", "--cycles", "2", "--config", "bot.json",
    ]);
    let out = run_bounded(c, Duration::from_secs(90));
    let run = text(&out);
    assert_eq!(out.status.code(), Some(0), "{run}");
    assert!(run.contains("2 cycle(s) completed in this run"), "{run}");
    assert!(run.contains("BOT SHUTTING DOWN"), "{run}");
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t.elapsed()
    );
    assert!(dir.path().join("logs/auto_rotation_bot.log").exists());

    let st = bot(dir.path())
        .args(["--paper", "status"])
        .output()
        .unwrap();
    let s = text(&st);
    assert_eq!(st.status.code(), Some(0), "{s}");
    assert!(s.contains("BOT STATUS"), "{s}");
    assert!(
        s.contains("Cycles: 2 completed (2 ok, 0 failed), 2 opened"),
        "{s}"
    );
    assert!(s.contains("capture ratio"), "{s}");

    let js = bot(dir.path())
        .args(["--paper", "status", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&js.stdout).unwrap();
    assert_eq!(v["completed_cycles"], 2);
    let cycles = v["bot"]["completed_cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 2);
    for c in cycles {
        assert!(
            c["open_operation"].is_u64() && c["close_operation"].is_u64(),
            "{c}"
        );
        assert!(c["ledger"].is_object(), "{c}");
    }

    // the HTML report of the same state: one settled-funding bar per cycle
    let rep = bot(dir.path())
        .args(["--paper", "report", "--report", "report.html"])
        .output()
        .unwrap();
    assert_eq!(rep.status.code(), Some(0), "{}", text(&rep));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("class=\"bar settled\"").count(), 2);
}

#[test]
fn bad_config_and_corrupt_state_refuse_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), r#"{"stop_loss_mode": "leg"}"#).unwrap();
    let out = bot(dir.path())
        .args(["--paper", "--config", "bad.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("stop_loss_mode"), "{}", text(&out));

    std::fs::create_dir_all(dir.path().join("paper")).unwrap();
    std::fs::write(
        dir.path().join("paper/bot_state.json"),
        "{\"version\": \"1.0\", ",
    )
    .unwrap();
    std::fs::write(dir.path().join("bot.json"), CONFIG).unwrap();
    let out = bot(dir.path())
        .args(["--paper", "--config", "bot.json", "--cycles", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--reset-state"), "{}", text(&out));
    let out = bot(dir.path())
        .args(["--paper", "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    // --reset-state moves it aside (kept) and starts.
    let out = bot(dir.path())
        .args([
            "--paper",
            "--config",
            "bot.json",
            "--cycles",
            "0",
            "--reset-state",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let kept = std::fs::read_dir(dir.path().join("paper"))
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("bot_state.json.corrupt-")
        });
    assert!(kept);
}

#[test]
fn help_explains_exit_codes_signals_and_subcommands() {
    let out = bot(Path::new(".")).arg("--help").output().unwrap();
    let h = text(&out);
    for needle in [
        "Exit codes",
        "--cycles",
        "--paper",
        "--reset-state",
        "status",
        "pause",
        "resume",
        "second one forces",
    ] {
        assert!(h.contains(needle), "{needle} missing from --help:\n{h}");
    }
}

/// Waits (bounded) until the paper bot state file says `state`.
fn wait_for_state(dir: &Path, state: &str, limit: Duration) -> bool {
    let t = Instant::now();
    let path = dir.join("paper/bot_state.json");
    while t.elapsed() < limit {
        if let Ok(text) = std::fs::read_to_string(&path) {
            if text.contains(&format!("\"state\": \"{state}\"")) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[cfg(unix)]
#[test]
fn first_sigint_stops_at_once_keeps_the_hedge_and_a_restart_adopts_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bot.json"), CONFIG).unwrap();
    let mut child = bot(dir.path())
        .args(["--paper", "--speed", "60", "--config", "bot.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let holding = wait_for_state(dir.path(), "HOLDING", Duration::from_secs(40));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let t = Instant::now();
    let mut status = None;
    while t.elapsed() < Duration::from_secs(20) {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if status.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    assert!(holding, "never reached HOLDING:\n{}", text(&out));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", text(&out));
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    assert!(text(&out).contains("BOT SHUTTING DOWN"), "{}", text(&out));
    // The hedge stays open and recorded; a restart verifies it and opens nothing new.
    let st = std::fs::read_to_string(dir.path().join("paper/bot_state.json")).unwrap();
    assert!(st.contains("\"state\": \"HOLDING\""), "{st}");
    let mut c = bot(dir.path());
    c.args(["--paper", "--config", "bot.json", "--cycles", "0"]);
    let again = run_bounded(c, Duration::from_secs(60));
    let a = text(&again);
    assert_eq!(again.status.code(), Some(0), "{a}");
    assert!(a.contains("is verified on both venues"), "{a}");
    assert!(
        a.contains("Cycles: 0 completed (0 ok, 0 failed), 1 opened"),
        "{a}"
    );
}
