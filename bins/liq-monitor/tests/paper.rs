//! `liq-monitor --paper` end to end: the binary against the in-process simulator, in a paper
//! directory where the hedge is opened (and broken) through the same library `hedge-cli
//! --paper` uses. Alerts go to a local webhook listener. Every run is bounded.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{monitor, open_hedge, positions, receiver, stdout};
use rust_decimal::Decimal;
use std::time::Duration;

#[test]
fn fresh_paper_account_once_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let out = monitor(dir.path(), &["--once"], Duration::from_secs(20));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("no position"), "{text}");
    assert!(text.contains("status: HEALTHY"), "{text}");
    let log = std::fs::read_to_string(dir.path().join("lm.log")).unwrap();
    assert!(
        log.contains("liquidation check"),
        "each check logged: {log}"
    );
    assert!(
        log.lines()
            .all(|l| l.starts_with("PAPER ") && !l[6..].contains("PAPER ")),
        "every paper log line starts with PAPER, once: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_hedge_shows_both_legs_and_is_healthy() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), false, 50).await;
    let out = monitor(dir.path(), &["--once", "--json"], Duration::from_secs(20));
    let text = stdout(&out);
    let report: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let venues = report["venues"].as_array().unwrap();
    assert_eq!(venues.len(), 2);
    for v in venues {
        let p = &v["runway"]["positions"][0];
        assert_eq!(p["symbol"], "HYPE", "{v}");
    }
    assert_eq!(report["symbols"][0]["class"]["class"], "hedged", "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(report["health"], "healthy", "{text}");
    assert!(!positions(dir.path()).await.1.is_zero(), "nothing closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_naked_leg_is_closed_after_the_grace_not_before_and_alerted() {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), true, 100).await;
    let (lighter, edgex) = positions(dir.path()).await;
    assert!(lighter.is_zero() && !edgex.is_zero(), "{lighter} {edgex}");

    // One check within the grace: unhealthy, nothing done.
    let out = monitor(dir.path(), &["--once"], Duration::from_secs(20));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("grace"), "{text}");
    assert!(!text.contains("ACTION"), "{text}");
    assert_eq!(positions(dir.path()).await, (lighter, edgex));

    // Watching: closed once the grace (2 s) has passed, then exits (--exit-after-close).
    let (url, got) = receiver();
    let out = monitor(
        dir.path(),
        &[
            "--interval",
            "1",
            "--unhedged-grace",
            "2",
            "--exit-after-close",
            "--alert-webhook",
            &url,
        ],
        Duration::from_secs(30),
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let first_action = text.find("ACTION close_leg HYPE").expect(&text);
    assert!(
        text[..first_action].contains("grace"),
        "a check within the grace came first: {text}"
    );
    assert_eq!(positions(dir.path()).await, (Decimal::ZERO, Decimal::ZERO));
    let got = got.lock().unwrap().clone();
    let events: Vec<&str> = got.iter().filter_map(|m| m["event"].as_str()).collect();
    assert!(events.contains(&"naked_leg"), "{got:?}");
    assert!(
        got.iter().any(|m| m["message"]
            .as_str()
            .unwrap_or("")
            .contains("liq-monitor started")),
        "{got:?}"
    );
}

/// Drills (`--sim-move`): HYPE falls on both venues, the long venue (lighter, 100 USD) loses.
/// -32 %: runway about 9 % (REDUCE below 10 %): WARN on the first reading, REDUCE on the
/// second, both legs reduced by the same quantity. -38 %: runway under 1 %: FLATTEN, both
/// legs closed and verified flat. `--pnl-threshold -90` keeps the PnL rule out of the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_move_drills_reduce_both_legs_alike_then_flatten() {
    for (pct, action) in [("-32", "reduce_both"), ("-38", "close_both")] {
        let dir = tempfile::tempdir().unwrap();
        open_hedge(dir.path(), false, 250).await;
        let (long0, short0) = positions(dir.path()).await;
        let mv = format!("HYPE:{pct}");
        let out = monitor(
            dir.path(),
            &[
                "--sim-move",
                &mv,
                "--interval",
                "1",
                "--pnl-threshold",
                "-90",
                "--exit-after-close",
            ],
            Duration::from_secs(30),
        );
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{pct}: {text}");
        let at = text.find(&format!("ACTION {action} HYPE")).expect(&text);
        assert!(
            text[..at].contains("level Warn"),
            "{pct}: WARN first: {text}"
        );
        let (long, short) = positions(dir.path()).await;
        if action == "reduce_both" {
            assert!(
                long > Decimal::ZERO && long < long0,
                "{pct}: {long0} -> {long}"
            );
            assert_eq!(
                long0 - long,
                short - short0,
                "{pct}: same quantity on both legs"
            );
            assert_eq!(long, -short, "{pct}: still hedged");
        } else {
            assert_eq!(
                (long, short),
                (Decimal::ZERO, Decimal::ZERO),
                "{pct}: {text}"
            );
        }
    }
}

/// (environment, arguments, exit code, text of stdout or stderr).
type Case = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    Option<i32>,
    &'static str,
);

/// The config's layers: `HEDGE_CONFIG_<KEY>` then `--set KEY=VALUE` replace the built-in
/// paper config; a bad value or an unknown key refuses to start (exit 2), naming its layer.
#[test]
fn config_layers_apply_and_errors_name_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let mut c = std::process::Command::new(common::BIN);
        c.current_dir(dir.path())
            .args(["--paper", "--once", "--json", "--paper-dir"])
            .arg(dir.path().join("paper"))
            .arg("--log-file")
            .arg(dir.path().join("lm.log"))
            .args(args)
            .env_remove("VENUE_SIM_FAULTS");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let cases: [Case; 4] = [
        (
            &[("HEDGE_CONFIG_SYMBOL", "btc")],
            &["--set", "leverage=3"],
            Some(0),
            "\"healthy\"",
        ),
        (
            &[("HEDGE_CONFIG_LEVERAGE", "x")],
            &[],
            Some(2),
            "environment HEDGE_CONFIG_LEVERAGE: field \"leverage\" must be a number, got \"x\"",
        ),
        (
            &[("HEDGE_CONFIG_LEVRAGE", "3")],
            &[],
            Some(2),
            "environment HEDGE_CONFIG_LEVRAGE: no such setting",
        ),
        (
            &[("HEDGE_CONFIG_LEVERAGE", "4")],
            &["--set", "leverage=0"],
            Some(2),
            "--set leverage: field \"leverage\" must be > 0, got 0",
        ),
    ];
    for (env, args, code, text) in cases {
        let out = run(env, args);
        let all = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), code, "{env:?} {args:?}: {all}");
        assert!(all.contains(text), "{env:?} {args:?}: {text}: {all}");
    }
}
