//! What the live-mode end-to-end tests of the bot share: the simulator started in this test
//! process (so it outlives every `rotation-bot` process, as a real venue outlives a crash),
//! a working directory with its credentials as a `.env` and a short-cycle config, the real
//! binary started there with a clean environment, and the venues' truth read from the
//! simulator's books (positions and the order log).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use venue_sim::paper::{self, PaperOptions, PaperSession};

/// The simulator, served on loopback ports from its own runtime.
pub struct Sim {
    pub rt: tokio::runtime::Runtime,
    pub session: PaperSession,
}

/// What the venues hold: per symbol, the signed size per venue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Truth {
    /// symbol -> (venue -> signed size), non-flat positions only.
    pub positions: BTreeMap<String, BTreeMap<String, Decimal>>,
    /// Client ids a venue received more than once.
    pub duplicate_client_ids: Vec<String>,
    /// Orders in the log, all venues.
    pub orders: usize,
    /// Orders still resting.
    pub open_orders: usize,
}

impl Truth {
    /// True when nothing is held anywhere.
    pub fn flat(&self) -> bool {
        self.positions.is_empty()
    }

    /// The one hedge (symbol, size per leg) when exactly one symbol is held, on both venues,
    /// equal and opposite.
    pub fn hedge(&self) -> Option<(String, Decimal)> {
        if self.positions.len() != 1 {
            return None;
        }
        let (sym, legs) = self.positions.iter().next()?;
        let sizes: Vec<Decimal> = legs.values().copied().collect();
        if sizes.len() == 2 && sizes[0] == -sizes[1] {
            Some((sym.clone(), sizes[0].abs()))
        } else {
            None
        }
    }

    /// Hedged (one symbol, equal and opposite) or flat.
    pub fn hedged_or_flat(&self) -> bool {
        self.flat() || self.hedge().is_some()
    }

    /// The largest leg anywhere.
    pub fn largest_leg(&self) -> Decimal {
        self.positions
            .values()
            .flat_map(|l| l.values())
            .map(|s| s.abs())
            .max()
            .unwrap_or(Decimal::ZERO)
    }
}

impl Sim {
    pub fn start(seed: u64) -> Sim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let session = rt
            .block_on(paper::start(PaperOptions {
                state_path: None,
                reset: true,
                seed: Some(seed),
                // Lighter shows fills late, as the venue does (shorter than live: cycles are
                // short).
                lighter_fill_delay: Duration::from_millis(300),
                // Prices walk 50 times slower than real time: a bounded IOC that crosses 10
                // ticks does not miss because a loaded test machine was slow (misses are
                // what the faults inject, on purpose).
                price_time_divisor: 50,
                edgex_collateral: Decimal::from(100_000),
                lighter_collateral: Decimal::from(100_000),
                ..PaperOptions::default()
            }))
            .expect("simulator");
        Sim { rt, session }
    }

    /// Replaces the simulator's faults.
    pub fn faults(&self, spec: Option<&str>) {
        let f = self.session.faults();
        f.clear();
        if let Some(s) = spec {
            f.add_spec(s).unwrap();
        }
    }

    /// Positions and the order log, from the simulator's books.
    pub fn truth(&self) -> Truth {
        let _rt = self.rt.enter();
        self.session.server().with_exchange(|ex| {
            let mut symbol_of: BTreeMap<(String, String), String> = BTreeMap::new();
            for m in &ex.markets {
                symbol_of.insert(
                    (format!("{:?}", m.venue), m.market_id.clone()),
                    m.symbol.clone(),
                );
            }
            let mut t = Truth::default();
            for (key, a) in &ex.accounts {
                for (market, p) in a.positions.iter().filter(|(_, p)| !p.size.is_zero()) {
                    let sym = symbol_of
                        .get(&(format!("{:?}", a.venue), market.clone()))
                        .cloned()
                        .unwrap_or_else(|| market.clone());
                    t.positions
                        .entry(sym)
                        .or_default()
                        .insert(key.clone(), p.size);
                }
                let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
                for o in &a.orders {
                    *seen.entry(o.client_id.as_str()).or_default() += 1;
                }
                t.orders += a.orders.len();
                t.open_orders += a.orders.iter().filter(|o| !o.remaining().is_zero()).count();
                t.duplicate_client_ids.extend(
                    seen.into_iter()
                        .filter(|(_, n)| *n > 1)
                        .map(|(c, _)| format!("{key} {c}")),
                );
            }
            t
        })
    }
}

/// A short-cycle config: a hold of a few seconds, a wait of about one, checks every second,
/// an entry bar every spread passes (the test is about crashes, not about picking).
pub fn short_config(symbols: &[&str]) -> String {
    let list = symbols
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"{{
  "comment_": "short cycles against the simulator reached as a live venue",
  "symbols_to_monitor": [{list}],
  "notional_per_position": 100,
  "leverage": 3,
  "hold_duration_hours": 0.001,
  "max_hold_hours": 0.001,
  "wait_between_cycles_minutes": 0.02,
  "check_interval_seconds": 1,
  "stop_loss_check_interval_seconds": 1,
  "min_net_apr_threshold": -1000000,
  "exit_net_apr_threshold": -2000000,
  "fee_aware_entry": false,
  "settlement_guard_minutes": 0,
  "cooldown_base_minutes": 0.01,
  "cooldown_max_minutes": 0.01,
  "daily_fee_budget_usd": 1000000,
  "max_failed_opens_per_hour": 1000000,
  "stop_loss_percent": 50
}}"#
    )
}

/// A working directory: `.env` with the simulator's credentials and `bot.json`.
pub fn workdir(sim: &Sim, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let env = sim.session.env_lines().join("\n") + "\n";
    std::fs::write(dir.path().join(".env"), env).unwrap();
    std::fs::write(dir.path().join("bot.json"), config).unwrap();
    dir
}

/// The real binary in `dir`, LIVE mode against the simulator, with nothing from the
/// environment but `PATH` and the short test timings. `ROTATION_BOT_TEST_BIN` names another
/// copy of the binary (long soaks run a copy, so that a rebuild meanwhile cannot swap it).
pub fn bot(dir: &Path) -> Command {
    let exe = std::env::var_os("ROTATION_BOT_TEST_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_rotation-bot").into());
    let mut c = Command::new(exe);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HEDGE_SETTLE_TIMEOUT_MS", "2500")
        .env("HEDGE_SETTLE_GRACE_MS", "300")
        // One second, not the seed's 300 s, after a selection whose opens all failed.
        .env("HEDGE_TEST_SELECTION_BACKOFF_MS", "1000")
        // The loopback simulator is not rate-limited.
        .env("LIGHTER_REQUESTS_PER_MINUTE", "6000")
        .args([
            "--config",
            "bot.json",
            "--env-file",
            ".env",
            "--state-file",
            "bot_state.json",
            "--engine-state-file",
            "hedge_state.json",
            "--log-file",
            "logs/bot.log",
        ])
        .stdin(Stdio::null());
    c
}

/// Starts the bot with its output appended to `out` (a file, so a killed bot never blocks
/// on a pipe).
pub fn spawn(mut c: Command, out: &Path) -> Child {
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .unwrap();
    c.stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .expect("spawn rotation-bot")
}

/// The bot state file as JSON (`Null` while absent or mid-write).
pub fn bot_state(dir: &Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join("bot_state.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The bot's state name ("" when unreadable).
pub fn state_name(dir: &Path) -> String {
    bot_state(dir)["state"].as_str().unwrap_or("").to_string()
}

/// True when this run's output shows the bot HALTED (its board, written at every HALTED
/// turn). The state file alone cannot tell: it still says HALTED from the run before until
/// the new process has reconciled.
pub fn shows_halted(out: &PathBuf) -> bool {
    read(out).contains("*** ENGINE HALTED since")
}

/// Successful cycles recorded by the bot.
pub fn cycles_ok(dir: &Path) -> u64 {
    bot_state(dir)["cumulative_stats"]["successful_cycles"]
        .as_u64()
        .unwrap_or(0)
}

/// Polls `f` every 20 ms until it is true or `limit` passed.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// SIGKILL (nothing runs after it) and reap.
pub fn kill9(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// SIGINT, then wait (bounded) for the exit code; SIGKILL past the limit.
pub fn interrupt(child: &mut Child, limit: Duration) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let t = Instant::now();
    while t.elapsed() < limit {
        if let Ok(Some(s)) = child.try_wait() {
            return s.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    kill9(child);
    None
}

/// The text of a file ("" when absent).
pub fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// A seeded generator (64-bit LCG, high bits) for the kill points and faults of the crash
/// and chaos runs: the same seed replays the same run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}
