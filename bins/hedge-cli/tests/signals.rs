//! Signals, the account lock and the paper-directory lock, with the real binary in paper
//! mode. The engine's documented crash-test hook (`HEDGE_TEST_PAUSE_AT`,
//! `HEDGE_TEST_PAUSE_MS`) holds the process at a protocol step while the test signals it.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::zombie_processes)]

mod common;
use common::{hedge_cli, text};

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn cli(dir: &Path, args: &[&str]) -> Command {
    let mut c = hedge_cli(dir);
    c.arg("--paper")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    cli(dir, args).output().expect("run hedge-cli")
}

/// Starts `args` paused at `step` for `ms`; returns once the pause is reached, with the
/// stderr read so far.
fn paused(
    dir: &Path,
    args: &[&str],
    step: &str,
    ms: u64,
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut child = cli(dir, args)
        .env("HEDGE_TEST_PAUSE_AT", step)
        .env("HEDGE_TEST_PAUSE_MS", ms.to_string())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("reached the pause");
        if line.contains("TEST PAUSE at step") {
            return (child, rx);
        }
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn finish(mut child: Child, rx: std::sync::mpsc::Receiver<String>) -> (i32, String) {
    let status = child.wait().unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let err: Vec<String> = rx.try_iter().collect();
    (
        status.code().unwrap_or(-1),
        format!("{out}{}", err.join("\n")),
    )
}

fn status_json(dir: &Path) -> (i32, Value) {
    let o = run(dir, &["status", "--json"]);
    (
        o.status.code().unwrap_or(-1),
        serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn first_sigterm_lets_the_open_finish_with_its_normal_code() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rx) = paused(
        dir.path(),
        &["open", "--size-quote", "100"],
        "open:sent",
        1500,
    );
    signal(&child, "-TERM");
    let (code, out) = finish(child, rx);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("finishing the operation safely (signal again to abort)"),
        "{out}"
    );
    assert!(out.contains("HEDGE OPENED"), "{out}");
    let (c, v) = status_json(dir.path());
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["unfinished_operations"].as_array().unwrap().len(), 0);
}

#[test]
fn second_sigint_halts_with_operation_interrupted_and_recovery_resolves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rx) = paused(
        dir.path(),
        &["open", "--size-quote", "100"],
        "open:sent",
        20_000,
    );
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-INT");
    let (code, out) = finish(child, rx);
    assert_eq!(code, 130, "{out}");
    assert!(out.contains("finishing the operation safely"), "{out}");
    let (c, v) = status_json(dir.path());
    assert_eq!(c, 3, "{v}");
    assert!(
        v["halt"]["reason"]
            .as_str()
            .unwrap()
            .contains("interrupted"),
        "{v}"
    );
    assert_eq!(
        v["unfinished_operations"].as_array().unwrap().len(),
        1,
        "{v}"
    );
    // recover resolves the entry from the venues; the HALT stays until resume.
    let o = run(dir.path(), &["recover"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("hedged"), "{}", text(&o));
    let o = run(dir.path(), &["close"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(dir.path(), &["resume", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(status_json(dir.path()).0, 0);
}

#[test]
fn a_second_paper_command_waits_then_fails_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rx) = paused(
        dir.path(),
        &["open", "--size-quote", "100"],
        "open:sent",
        4000,
    );
    let o = run(
        dir.path(),
        &["--lock-wait", "1", "open", "--size-quote", "60"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains(&format!("pid {}", child.id())) && t.contains("command open"),
        "{t}"
    );
    let (code, out) = finish(child, rx);
    assert_eq!(code, 0, "{out}");
    // The first open is intact: one hedge, no lost position.
    let (c, v) = status_json(dir.path());
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["positions"].as_array().unwrap().len(), 2, "{v}");
}
