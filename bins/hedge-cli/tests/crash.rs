//! Crash tests: the real `hedge-cli` binary, in LIVE mode, against the simulator reached as a
//! live venue (`.env` from the simulator's credentials). The simulator runs in this test
//! process, so it outlives the client: `kill -9` of `hedge-cli` at a named protocol step
//! (the documented `HEDGE_TEST_PAUSE_AT` hook) leaves the venues exactly as a real crash
//! would. Then `status`, `open` and `close` run again and every round checks: never a second
//! hedge, never a resent order (a client id twice), never "flat" while a position exists,
//! never a leg left unreported.
//!
//! The default run covers a few kill points (well under 30 s). `CRASH_ROUNDS=N` (and
//! `CRASH_SEED`) runs N randomised rounds (kill points and faults drawn from the seed) and
//! prints the figures; `just crash` runs 100.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod common;
use common::{hedge_cli, text};

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use venue_sim::paper::{self, PaperOptions, PaperSession};

struct Sim {
    rt: tokio::runtime::Runtime,
    session: PaperSession,
}

impl Sim {
    fn start() -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let session = rt
            .block_on(paper::start(PaperOptions {
                state_path: None,
                reset: true,
                seed: Some(7),
                // Lighter shows fills late, as the venue does.
                lighter_fill_delay: Duration::from_millis(800),
                ..PaperOptions::default()
            }))
            .expect("simulator");
        Sim { rt, session }
    }

    fn faults(&self, spec: Option<&str>) {
        let f = self.session.faults();
        f.clear();
        if let Some(s) = spec {
            f.add_spec(s).unwrap();
        }
    }

    /// (venue, signed size) of every non-flat position, and the number of client ids the
    /// venues received more than once.
    fn truth(&self) -> (Vec<(String, Decimal)>, usize) {
        let _rt = self.rt.enter();
        self.session.server().with_exchange(|ex| {
            let mut pos = Vec::new();
            let mut dup = 0;
            for (key, a) in &ex.accounts {
                for p in a.positions.values().filter(|p| !p.size.is_zero()) {
                    pos.push((key.clone(), p.size));
                }
                let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                for o in &a.orders {
                    *seen.entry(o.client_id.as_str()).or_default() += 1;
                }
                dup += seen.values().filter(|n| **n > 1).count();
            }
            (pos, dup)
        })
    }
}

fn workdir(sim: &Sim) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let env = sim.session.env_lines().join("\n") + "\n";
    std::fs::write(dir.path().join(".env"), env).unwrap();
    std::fs::write(
        dir.path().join("hedge_config.json"),
        r#"{"symbol":"HYPE","quote":"USD","long_exchange":"lighter","short_exchange":"edgex","leverage":3,"notional":100}"#,
    )
    .unwrap();
    dir
}

fn cli(dir: &Path, args: &[&str]) -> Command {
    let mut c = hedge_cli(dir);
    c.args(args)
        .env("HEDGE_SETTLE_TIMEOUT_MS", "2500")
        .env("HEDGE_SETTLE_GRACE_MS", "300")
        // The loopback simulator is not rate-limited: the live 60/min budget would only add
        // seconds of queueing to every round (`just crash` must finish in minutes).
        .env("LIGHTER_REQUESTS_PER_MINUTE", "6000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The longest any one command may take (its settle window, recovery and lock waits are far
/// shorter); a hung command fails the round instead of hanging the run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(45);

/// Runs `cmd` to completion, killing it (and failing) past `limit`.
fn output_within(mut cmd: Command, limit: Duration, args: &[&str]) -> Output {
    let mut child = cmd.spawn().expect("spawn hedge-cli");
    let pipe = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait hedge-cli") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hedge-cli {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let t = Instant::now();
    let o = output_within(cli(dir, args), COMMAND_TIMEOUT, args);
    if std::env::var_os("CRASH_VERBOSE").is_some() {
        println!(
            "  {:?}: exit {:?} in {:.1} s",
            args,
            o.status.code(),
            t.elapsed().as_secs_f64()
        );
    }
    o
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Runs a command paused at `step` and kills it there with SIGKILL. False when the command
/// finished without reaching the step.
fn kill_at(dir: &Path, args: &[&str], step: &str) -> bool {
    let mut child = cli(dir, args)
        .env("HEDGE_TEST_PAUSE_AT", step)
        .spawn()
        .expect("spawn hedge-cli");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("TEST PAUSE at step") {
                let _ = tx.send(true);
            }
        }
        let _ = tx.send(false);
    });
    let paused = rx.recv_timeout(Duration::from_secs(20)).unwrap_or(false);
    child.kill().unwrap(); // SIGKILL: nothing runs after this
    let _ = child.wait();
    paused
}

#[derive(Debug, Default)]
struct Figures {
    rounds: u32,
    kill_points: BTreeMap<String, u32>,
    not_reached: u32,
    outcomes: BTreeMap<String, u32>,
    double_opens: u32,
    resent_orders: usize,
    unreported: u32,
}

/// One round: crash at `step` (of an open, or of a close after a clean open), then status,
/// open and close again, checking the invariants.
fn round(sim: &Sim, step: &str, fault: Option<&str>, sequential: bool, f: &mut Figures) {
    sim.faults(None);
    let dir = workdir(sim);
    let d = dir.path();
    // Every round starts flat (the previous round ends with a verified close).
    assert!(sim.truth().0.is_empty());
    let mut open_args = vec!["open", "--size-quote", "100", "--yes"];
    if sequential {
        open_args.extend(["--leg-mode", "sequential"]);
    }
    if step.starts_with("close:") {
        let o = run(d, &open_args);
        assert_eq!(code(&o), 0, "{}", text(&o));
    }
    let (before, _) = sim.truth();
    let one_hedge = before
        .iter()
        .map(|(_, s)| s.abs())
        .max()
        .unwrap_or(Decimal::ZERO);
    sim.faults(fault);
    let args: Vec<&str> = if step.starts_with("close:") {
        vec!["close", "--yes"]
    } else {
        open_args.clone()
    };
    let t = Instant::now();
    let reached = kill_at(d, &args, step);
    if std::env::var_os("CRASH_VERBOSE").is_some() {
        println!(
            "  killed at {step} ({fault:?}, reached {reached}) after {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    sim.faults(None);
    f.rounds += 1;
    *f.kill_points.entry(step.to_string()).or_default() += 1;
    if !reached {
        f.not_reached += 1;
    }
    // status right after the crash: an unfinished operation or a position is never "ok".
    let (pos, _) = sim.truth();
    let st = run(d, &["status", "--json"]);
    let v: Value = serde_json::from_slice(&st.stdout).unwrap_or(Value::Null);
    let unfinished = v["unfinished_operations"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    if reached && unfinished == 0 {
        f.unreported += 1;
    }
    if (!pos.is_empty() || unfinished > 0) && code(&st) == 0 {
        f.unreported += 1;
    }
    // The next open: recovery first; never a second hedge.
    let o = run(d, &open_args);
    if std::env::var_os("CRASH_VERBOSE").is_some() {
        println!("--- {step} after crash: {pos:?}\n{}", text(&o));
    }
    let (after_open, _) = sim.truth();
    let largest = after_open
        .iter()
        .map(|(_, s)| s.abs())
        .max()
        .unwrap_or(Decimal::ZERO);
    let size = if one_hedge.is_zero() {
        // an open round: one hedge is what the open plans (3.3 at ~30 USD)
        after_open
            .iter()
            .map(|(_, s)| s.abs())
            .min()
            .unwrap_or(Decimal::ZERO)
    } else {
        one_hedge
    };
    if largest > size * Decimal::new(15, 1) && !size.is_zero() {
        f.double_opens += 1;
        println!("DOUBLE OPEN at {step}: {after_open:?}\n{}", text(&o));
    }
    let state: Value = std::fs::read_to_string(d.join("hedge_state.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    for e in state["journal"].as_array().into_iter().flatten() {
        if !e["recovered_at"].is_null() {
            let o = e["outcome"]["status"].as_str().unwrap_or("legacy");
            *f.outcomes.entry(o.to_string()).or_default() += 1;
        }
    }
    // Close cleans up (it runs while HALTED), then positions are flat and status says so.
    let c = run(d, &["close", "--yes"]);
    let (after_close, dup) = sim.truth();
    assert!(
        after_close.is_empty(),
        "close left {after_close:?} at {step}: {}",
        text(&c)
    );
    f.resent_orders += dup;
    let _ = run(d, &["resume", "--yes"]);
    let st = run(d, &["status"]);
    assert_eq!(code(&st), 0, "flat and resumed: {}", text(&st));
}

const STEPS: [&str; 7] = [
    "open:journaled",
    "open:sent",
    "open:settled",
    "open:repair",
    "open:unwind",
    "close:journaled",
    "close:sent",
];

fn fault_for(step: &str, pick: u64) -> Option<&'static str> {
    match step {
        // a repair needs a leg that did not fill once
        "open:repair" => Some("edgex:createOrder:reject:1"),
        // an unwind needs a leg that never fills
        "open:unwind" => Some("edgex:createOrder:reject"),
        _ => [
            None,
            Some("lighter:sendTx@1:late=1500:1"),
            Some("edgex:createOrder:booked-5xx:1"),
            Some("edgex:createOrder:delay=1500:1"),
        ][(pick % 4) as usize],
    }
}

fn report(f: &Figures, secs: f64) {
    println!(
        "CRASH FIGURES: rounds {} in {secs:.0} s; kill points {:?} (not reached {}); \
         recovered outcomes {:?}; double opens {}; resent orders {}; unreported {}",
        f.rounds,
        f.kill_points,
        f.not_reached,
        f.outcomes,
        f.double_opens,
        f.resent_orders,
        f.unreported
    );
}

#[test]
fn kill_9_mid_open_and_close_never_opens_twice_nor_resends() {
    let sim = Sim::start();
    let start = Instant::now();
    let mut f = Figures::default();
    let rounds: u64 = std::env::var("CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if rounds == 0 {
        for step in ["open:sent", "close:sent"] {
            round(&sim, step, None, false, &mut f);
        }
    } else {
        let mut x: u64 = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20261201);
        for _ in 0..rounds {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let step = STEPS[((x >> 33) % STEPS.len() as u64) as usize];
            let sequential = step.starts_with("open:") && (x >> 20) % 5 == 0;
            let step = if sequential && step == "open:sent" {
                "open:pilot_sent"
            } else {
                step
            };
            round(&sim, step, fault_for(step, x >> 40), sequential, &mut f);
        }
    }
    report(&f, start.elapsed().as_secs_f64());
    assert_eq!(f.double_opens, 0);
    assert_eq!(f.resent_orders, 0);
    assert_eq!(f.unreported, 0);
}

#[test]
fn state_lives_beside_the_config_whatever_the_working_directory() {
    let sim = Sim::start();
    let home = workdir(&sim);
    let elsewhere = tempfile::tempdir().unwrap();
    let config = home.path().join("hedge_config.json");
    let env = home.path().join(".env");
    let args = |rest: &[&str]| -> Vec<String> {
        let mut v = vec![
            "--config".to_string(),
            config.display().to_string(),
            "--env-file".to_string(),
            env.display().to_string(),
        ];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let o = run(
        elsewhere.path(),
        &args(&["open", "--size-quote", "100", "--yes"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(home.path().join("hedge_state.json").exists());
    assert!(!elsewhere.path().join("hedge_state.json").exists());
    assert!(text(&o).contains("hedge_state.json"), "the path is printed");
    // The same config from its own directory finds the same state: a hedge exists.
    let o = run(home.path(), &["open", "--size-quote", "100", "--yes"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    // A copy of the config elsewhere has no state file: positions no journal explains refuse
    // (exit 3) unless --init-state.
    std::fs::copy(&config, elsewhere.path().join("hedge_config.json")).unwrap();
    std::fs::copy(&env, elsewhere.path().join(".env")).unwrap();
    let o = run(elsewhere.path(), &["open", "--size-quote", "100", "--yes"]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("--init-state"), "{}", text(&o));
    // HEDGE_STATE_FILE (here from .env, as Docker services sharing a volume set it) names the
    // one state file of the account: the copy finds the journal and the hedge.
    let mut env_text = std::fs::read_to_string(elsewhere.path().join(".env")).unwrap();
    env_text.push_str(&format!(
        "HEDGE_STATE_FILE={}\n",
        home.path().join("hedge_state.json").display()
    ));
    std::fs::write(elsewhere.path().join(".env"), env_text).unwrap();
    let o = run(elsewhere.path(), &["open", "--size-quote", "100", "--yes"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert!(!elsewhere.path().join("hedge_state.json").exists());
    let o = run(home.path(), &["close", "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(sim.truth().0.is_empty());
}

/// Process A is killed (SIGKILL) right after sending both legs of an open; process B, from
/// another working directory with the same state file (`--state-file`), sees A's unfinished
/// operation in `status`, resolves it with `recover` (adopting A's hedge, named by A's
/// operation id), and its `open` then refuses instead of opening a second hedge.
#[test]
fn another_process_adopts_the_outcome_of_a_killed_open() {
    let sim = Sim::start();
    let a = workdir(&sim);
    assert!(
        kill_at(
            a.path(),
            &["open", "--size-quote", "100", "--yes"],
            "open:sent"
        ),
        "process A reached the kill point"
    );
    let state_file = a.path().join("hedge_state.json");
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    let op_a = state["journal"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["outcome"].is_null())
        .expect("A's operation is journaled and unfinished")["operation"]
        .clone();
    // B: another directory, its own copies of the config and .env, A's state file.
    let b = tempfile::tempdir().unwrap();
    for f in ["hedge_config.json", ".env"] {
        std::fs::copy(a.path().join(f), b.path().join(f)).unwrap();
    }
    let state_arg = state_file.display().to_string();
    let with_state = |rest: &[&'static str]| -> Vec<String> {
        let mut v = vec!["--state-file".to_string(), state_arg.clone()];
        v.extend(rest.iter().map(|s| s.to_string()));
        v
    };
    let run_b = |rest: &[&'static str]| {
        let args = with_state(rest);
        run(
            b.path(),
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let st = run_b(&["status", "--json"]);
    assert_eq!(code(&st), 3, "an unfinished operation: {}", text(&st));
    let v: Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(v["unfinished_operations"][0]["operation"], op_a);
    let rec = run_b(&["recover", "--json"]);
    assert_eq!(code(&rec), 0, "{}", text(&rec));
    let v: Value = serde_json::from_slice(&rec.stdout).unwrap();
    let found = &v["recovery"]["operations"][0];
    assert_eq!(found["operation"], op_a, "the report names A's operation");
    assert_eq!(found["outcome"]["status"], "hedged", "{v}");
    let (hedge, _) = sim.truth();
    assert_eq!(hedge.len(), 2, "{hedge:?}");
    assert_eq!(hedge[0].1, -hedge[1].1, "A's hedge, equal and opposite");
    // B's open: A's hedge exists, so it refuses (exit 4) and nothing more is traded.
    let o = run_b(&["open", "--size-quote", "100", "--yes"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    let (after, dup) = sim.truth();
    assert_eq!(after, hedge, "no second hedge");
    assert_eq!(dup, 0, "no order resent");
    let st = run_b(&["status", "--json"]);
    assert_eq!(code(&st), 0, "{}", text(&st));
    let v: Value = serde_json::from_slice(&st.stdout).unwrap();
    assert!(v["unfinished_operations"].as_array().unwrap().is_empty());
    let c = run_b(&["close", "--yes"]);
    assert_eq!(code(&c), 0, "{}", text(&c));
    assert!(sim.truth().0.is_empty());
}
