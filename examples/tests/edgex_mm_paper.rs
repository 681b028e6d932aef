//! `edgex-market-maker` as a user runs it: the real binary in `--paper` mode against the
//! in-process simulator, stopped by `--duration` or a real SIGTERM, with the simulator's saved
//! state read afterwards (open orders of ours, position).
//!
//! Each paper run lasts 10-20 s; the runs are independent (own paper directory each).

use hedge_examples::mm::EDGEX_MAKER_TAG;
use rust_decimal::Decimal;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use venue_sim::engine::{OrderState, VenueKind};

const BIN: &str = env!("CARGO_BIN_EXE_edgex-market-maker");

/// A maker process whose stderr lines are collected.
struct Run {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Run {
    fn start(dir: &Path, config: &str, extra: &[&str]) -> Run {
        Self::start_with(dir, config, extra, true)
    }

    fn start_with(dir: &Path, config: &str, extra: &[&str], reset: bool) -> Run {
        let cfg = dir.join("mm.json");
        std::fs::write(&cfg, config).unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(BIN);
        if reset {
            cmd.arg("--paper-reset");
        }
        cmd.current_dir(dir)
            .arg("--paper")
            .arg("--paper-dir")
            .arg(dir.join("paper"))
            .arg("--config")
            .arg(&cfg)
            .args(extra)
            .env_remove("VENUE_SIM_FAULTS")
            .env_remove("VENUE_SIM_MOVES")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {BIN}: {e}"));
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stderr = child.stderr.take().unwrap_or_else(|| unreachable!());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            }
        });
        Run { child, lines }
    }

    fn log(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .join("\n")
    }

    /// Waits until a log line satisfies `pred` (or panics after `within`).
    fn wait_for(&self, within: Duration, what: &str, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while start.elapsed() < within {
            if self
                .lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|l| pred(l))
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no log line {what} within {within:?}:\n{}", self.log());
    }

    fn wait_exit(&mut self, within: Duration) -> i32 {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().unwrap_or(-1);
            }
            if start.elapsed() > within {
                let _ = self.child.kill();
                panic!("the maker did not exit within {within:?}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(status.success());
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the simulator's saved state says about our orders and the PAXG position on EdgeX.
struct Paper {
    open_ours: Vec<(venue_api::Side, Decimal)>,
    /// Every order of ours, oldest first: (side, reduce-only).
    all_ours: Vec<(venue_api::Side, bool)>,
    placed_ours: usize,
    position: Decimal,
}

fn paper_state(dir: &Path) -> Paper {
    let path: PathBuf = dir.join("paper").join("sim_state.json");
    let ex = venue_sim::persist::load(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no state at {}", path.display()));
    let market = ex
        .markets_of(VenueKind::Edgex)
        .find(|m| m.symbol == "PAXG")
        .map(|m| m.market_id.clone())
        .unwrap_or_default();
    let ours = |id: &str| {
        id.parse::<u64>()
            .is_ok_and(|v| v >> 32 == u64::from(EDGEX_MAKER_TAG))
    };
    let mut open_ours = Vec::new();
    let mut placed_ours = 0;
    let mut all_ours = Vec::new();
    let mut position = Decimal::ZERO;
    for a in ex.accounts.values().filter(|a| a.venue == VenueKind::Edgex) {
        for o in a.orders.iter().filter(|o| ours(&o.client_id)) {
            placed_ours += 1;
            all_ours.push((o.side, o.reduce_only));
            if o.state == OrderState::Open {
                open_ours.push((o.side, o.price));
            }
        }
        position += a.positions.get(&market).map_or(Decimal::ZERO, |p| p.size);
    }
    Paper {
        open_ours,
        all_ours,
        placed_ours,
        position,
    }
}

/// Polls the saved state until `pred` holds (the simulator saves after each change).
fn wait_state(dir: &Path, within: Duration, pred: impl Fn(&Paper) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if dir.join("paper").join("sim_state.json").exists() && pred(&paper_state(dir)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn help_lists_the_options_and_bad_configs_exit_2_naming_key_and_value() {
    let out = Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--config",
        "--symbol",
        "--paper",
        "--duration",
        "--sim-move",
        "--env-file",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }

    let dir = tmp();
    let cases = [
        (r#"{"gama": 0.1}"#, "gama"),
        (r#"{"capital_usage": 1.5}"#, "capital_usage = 1.5"),
        (r#"{"leverage": 2.5}"#, "leverage = 2.5"),
        (r#"{"gamma": "abc"}"#, "abc"),
        (
            r#"{"max_inventory": 1, "max_inventory_usd": 10}"#,
            "max_inventory_usd = 10",
        ),
    ];
    for (text, needle) in cases {
        let cfg = dir.path().join("bad.json");
        std::fs::write(&cfg, text).unwrap_or_else(|e| panic!("{e}"));
        let out = Command::new(BIN)
            .current_dir(dir.path())
            .arg("--paper")
            .arg("--config")
            .arg(&cfg)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(
            err.contains(needle),
            "{text}: stderr lacks {needle:?}: {err}"
        );
    }
    // a missing config file, and a bad --symbol override
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--paper", "--config", "/nonexistent/mm.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--paper", "--symbol", "BT-C"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbol = BT-C"));
    // live without EdgeX credentials: refused before anything is sent (EX01)
    let out = Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .args(["--env-file", "no-such.env", "--duration", "1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("EDGEX_ACCOUNT_ID"), "{err}");
    // recorded books that do not exist, or hold no row of the symbol
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--paper", "--volatility-from", "/nonexistent/books"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/books"));
}

#[test]
fn paper_quotes_both_sides_and_sigterm_leaves_no_order_of_ours() {
    let dir = tmp();
    let mut run = Run::start(
        dir.path(),
        r#"{"refresh_ms": 500, "requote_ticks": 1000, "capital_usage": 0.05}"#,
        &["--duration", "60"],
    );
    let both = wait_state(dir.path(), Duration::from_secs(20), |p| {
        p.open_ours.iter().any(|(s, _)| *s == venue_api::Side::Buy)
            && p.open_ours.iter().any(|(s, _)| *s == venue_api::Side::Sell)
    });
    assert!(both, "no bid and ask of ours rested:\n{}", run.log());
    run.wait_for(Duration::from_secs(15), "QUOTING with both sides", |l| {
        l.contains("QUOTING | mid")
            && l.contains("(book ")
            && !l.contains("| bid -")
            && !l.contains("| ask -")
    });
    run.signal("TERM");
    let code = run.wait_exit(Duration::from_secs(20));
    assert_eq!(code, 143, "{}", run.log());
    let p = paper_state(dir.path());
    assert!(
        p.open_ours.is_empty(),
        "orders of ours left open: {:?}",
        p.open_ours
    );
    assert!(p.placed_ours >= 2);
    assert!(run.log().contains("no order of ours is open"));
}

#[test]
fn paper_inventory_stays_within_its_bound_through_a_trend() {
    // PAXG falls 2 % over 30 s (about 1.8 USD a second, against quotes about 0.9 USD from
    // the mid): our bids keep getting hit. The bound is 0.05 PAXG with clips of 0.037
    // (1000 x 0.05 x 2 / 2650): the bid is cut to the room left, then withheld. (A much
    // faster fall mostly gets our post-only bids refused for crossing: no fills to bound.)
    let dir = tmp();
    let mut run = Run::start(
        dir.path(),
        r#"{"refresh_ms": 300, "requote_ticks": 2, "capital_usage": 0.05, "max_inventory": 0.05,
            "gamma": 0.01}"#,
        &["--duration", "12", "--sim-move", "PAXG:-2@30"],
    );
    let code = run.wait_exit(Duration::from_secs(40));
    assert_eq!(code, 0, "{}", run.log());
    let p = paper_state(dir.path());
    assert!(
        run.log().contains("FILL"),
        "no fill through the trend:\n{}",
        run.log()
    );
    assert!(
        p.position > Decimal::ZERO,
        "a falling market should leave us long: {}",
        p.position
    );
    assert!(
        p.position <= Decimal::new(5, 2),
        "position {} past the 0.05 bound:\n{}",
        p.position,
        run.log()
    );
    assert!(p.open_ours.is_empty());
}

#[test]
fn paper_stale_book_pulls_our_quotes_until_fresh() {
    // the depth endpoint answers 8 times, then never again (and the feed stalls): the maker
    // quotes, then sees no book for stale_after_secs and cancels what rests.
    let dir = tmp();
    let mut run = Run::start(
        dir.path(),
        r#"{"refresh_ms": 400, "requote_ticks": 1000, "capital_usage": 0.05,
            "stale_after_secs": 2}"#,
        &[
            "--duration",
            "30",
            "--sim-fault",
            "edgex:ws:stall,edgex:getDepth@8:timeout",
        ],
    );
    run.wait_for(Duration::from_secs(20), "placing quotes", |l| {
        l.contains("QUOTING") && l.contains("placed 2")
    });
    run.wait_for(Duration::from_secs(20), "book stale", |l| {
        l.contains("book stale")
    });
    let pulled = wait_state(dir.path(), Duration::from_secs(5), |p| {
        p.open_ours.is_empty() && p.placed_ours >= 2
    });
    assert!(pulled, "quotes still rest on a stale book:\n{}", run.log());
    // and none is placed again while the book stays stale
    std::thread::sleep(Duration::from_secs(3));
    let p = paper_state(dir.path());
    assert!(p.open_ours.is_empty(), "{:?}", p.open_ours);
    run.signal("INT");
    assert_eq!(run.wait_exit(Duration::from_secs(20)), 130, "{}", run.log());
}

#[test]
fn paper_volume_cap_stops_adding_inventory_and_survives_a_restart() {
    // a 50 USD cap: the first fill (a 0.037 PAXG clip, about 98 USD) reaches it. From then on
    // only the side that reduces the position is quoted, reduce-only; a restart reads the
    // total back from the volume file and stays capped.
    let dir = tmp();
    let config = r#"{"refresh_ms": 300, "requote_ticks": 2, "capital_usage": 0.05,
        "volume_cap_usd": 50, "volume_file": "vol.json"}"#;
    let mut run = Run::start(
        dir.path(),
        config,
        &["--duration", "10", "--sim-move", "PAXG:-2@30"],
    );
    assert_eq!(run.wait_exit(Duration::from_secs(40)), 0, "{}", run.log());
    assert!(
        run.log().contains("MAXIMUM VOLUME REACHED"),
        "{}",
        run.log()
    );
    let first = paper_state(dir.path());
    // one clip bought, nothing more: after the cap no bid is placed
    assert_eq!(first.position, Decimal::new(37, 3), "{}", run.log());
    let vol: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("paper").join("vol.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    let total: Decimal = vol["volume_usd"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or_default();
    assert!(total >= Decimal::from(50), "volume file: {vol}");
    let before = first.all_ours.len();

    let mut again = Run::start_with(dir.path(), config, &["--duration", "6"], false);
    let code = again.wait_exit(Duration::from_secs(30));
    assert_eq!(code, 0, "{}", again.log());
    let log = again.log();
    assert!(log.contains("volume so far"), "{log}");
    let second = paper_state(dir.path());
    let new_orders = &second.all_ours[before..];
    assert!(
        new_orders
            .iter()
            .all(|(side, ro)| *side == venue_api::Side::Sell && *ro),
        "after the cap only reduce-only sells: {new_orders:?}"
    );
    assert!(second.position >= Decimal::ZERO && second.position <= first.position);
    assert!(second.open_ours.is_empty());
}

#[test]
fn paper_start_up_sweep_cancels_what_a_killed_run_left() {
    // kill -9 leaves our quotes resting (the in-process simulator saved them); the next
    // start cancels them before quoting, by their client-id tag.
    let dir = tmp();
    let config = r#"{"refresh_ms": 500, "requote_ticks": 1000, "capital_usage": 0.05}"#;
    let mut run = Run::start(dir.path(), config, &["--duration", "60"]);
    let rested = wait_state(dir.path(), Duration::from_secs(20), |p| {
        p.open_ours.len() == 2
    });
    assert!(rested, "{}", run.log());
    run.signal("KILL");
    run.wait_exit(Duration::from_secs(10));
    assert_eq!(paper_state(dir.path()).open_ours.len(), 2);

    let mut again = Run::start_with(dir.path(), config, &["--duration", "3"], false);
    assert_eq!(
        again.wait_exit(Duration::from_secs(30)),
        0,
        "{}",
        again.log()
    );
    let log = again.log();
    assert!(
        log.contains("start-up sweep: no order of ours is open cancelled=2"),
        "{log}"
    );
    assert!(paper_state(dir.path()).open_ours.is_empty());
}
