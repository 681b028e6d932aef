//! End-to-end tests of the real `hedge-cli` binary in `--paper` mode: every command runs the
//! real EdgeX and Lighter adapters (HTTP, signing) against the in-process simulator on
//! 127.0.0.1. Each test has its own working directory, hence its own paper account.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
use common::{hedge_cli, text};

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn run_with(dir: &Path, args: &[&str], stdin: &str) -> Output {
    run_env(dir, args, stdin, &[])
}

fn run_env(dir: &Path, args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Output {
    let mut child = hedge_cli(dir)
        .arg("--paper")
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hedge-cli");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("wait for hedge-cli")
}

/// The engine's settle-window override (`hedge_app::wiring::SETTLE_TIMEOUT_ENV`).
const SETTLE_TIMEOUT_ENV: &str = "HEDGE_SETTLE_TIMEOUT_MS";
/// A settle window shorter than paper's 4 s, still above Lighter's 1.5 s paper fill delay.
const SHORT_SETTLE_MS: &str = "2500";

fn run(dir: &Path, args: &[&str]) -> Output {
    run_with(dir, args, "")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Signed sizes per venue from `status --json` (the documented interface).
fn positions(dir: &Path) -> (Value, Vec<(String, rust_decimal::Decimal)>) {
    let o = run(dir, &["status", "--json"]);
    let v = json(&o);
    let list = v["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["venue"].as_str().unwrap().to_string(),
                p["size"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    (v, list)
}

#[test]
fn funding_prints_both_venues_on_a_fresh_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["funding"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("PAPER EDGEX FUNDING HYPE") && t.contains("PAPER LIGHTER FUNDING HYPE"),
        "{t}"
    );
    assert!(
        t.contains("every 240 min") && t.contains("every 60 min"),
        "{t}"
    );
    assert!(t.contains("FUNDING ANALYSIS"), "{t}");
}

#[test]
fn read_commands_succeed_with_names_and_aliases() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["capacity"],
        vec!["funding_all"],
        vec!["funding-all", "--sort", "--symbols", "BTC", "ETH", "NOPE"],
        vec!["check_leverage"],
        vec!["check-leverage", "--symbols", "BTC"],
        vec!["status"],
        vec!["test_leverage"],
        vec!["test-leverage"],
        vec!["resume"],
        vec!["config"],
    ] {
        let o = run(dir.path(), &args);
        assert_eq!(code(&o), 0, "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("PAPER"),
            "{args:?} must say PAPER: {}",
            text(&o)
        );
    }
    let o = run(
        dir.path(),
        &["funding-all", "--json", "--symbols", "BTC", "NOPE"],
    );
    let v = json(&o);
    assert_eq!(v["rows"][0]["symbol"], "BTC");
    assert!(v["rows"][0]["net_apr_percent"].is_string());
    assert!(v["rows"][1]["note"].as_str().unwrap().contains("Not on"));
    let all = json(&run(dir.path(), &["funding_all", "--json"]));
    assert_eq!(
        all["rows"].as_array().unwrap().len(),
        15,
        "the seed's default list"
    );
    let log = std::fs::read_to_string(dir.path().join("hedge_cli.log")).unwrap();
    assert!(
        !log.is_empty() && log.lines().all(|l| l.starts_with("PAPER ")),
        "every paper log line says PAPER"
    );
    let cap = json(&run(dir.path(), &["capacity", "--json"]));
    assert!(
        cap["max_size"]
            .as_str()
            .unwrap()
            .parse::<rust_decimal::Decimal>()
            .unwrap()
            > rust_decimal::Decimal::ZERO
    );
}

#[test]
fn open_status_close_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["open", "--size-quote", "100"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("HEDGE OPENED") && text(&o).contains("Leg skew"),
        "{}",
        text(&o)
    );
    let (v, pos) = positions(dir.path());
    assert_eq!(v["halted"], false);
    assert_eq!(pos.len(), 2, "{v}");
    assert_eq!(pos[0].1, -pos[1].1, "equal and opposite: {pos:?}");
    let lighter = pos.iter().find(|(venue, _)| venue == "lighter").unwrap();
    assert!(
        lighter.1 > rust_decimal::Decimal::ZERO,
        "the config puts the long leg on Lighter"
    );
    // D12: a venue whose order status carries no fee shows "n/a" in the table, said once
    // below it; a venue that reports fees (the simulator does for both) shows them.
    let said = text(&o).matches("Fee n/a:").count();
    let na_cells = text(&o).matches("┆ n/a ").count();
    assert!(
        (na_cells == 0 && said == 0) || (na_cells > 0 && said == 1),
        "{}",
        text(&o)
    );
    // D12: a dry run on top of the hedge says the real open would be refused.
    let o = run(dir.path(), &["open", "--size-quote", "100", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("WARNING: the real open would be refused") && text(&o).contains("--add"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &["status"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    // D7: neither paper venue reports the open time: the journal's, marked, said once.
    assert!(
        text(&o).contains("opened (journal)")
            && text(&o)
                .matches("does not report when a position opened")
                .count()
                + text(&o)
                    .matches("do not report when a position opened")
                    .count()
                == 1,
        "{}",
        text(&o)
    );
    // D10: a venue's funding that cannot be read makes the totals unknown, never 0.
    let o = run(
        dir.path(),
        &[
            "--sim-fault",
            "lighter:positionFunding:5xx",
            "status",
            "--json",
        ],
    );
    assert!(json(&o)["funding_total"].is_null(), "{}", text(&o));
    let o = run(
        dir.path(),
        &["--sim-fault", "lighter:positionFunding:5xx", "status"],
    );
    assert!(
        text(&o).contains("unknown (a venue's funding could not be read)"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &["close"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("CLOSED: flat on both venues"),
        "{}",
        text(&o)
    );
    let (_, pos) = positions(dir.path());
    assert!(pos.is_empty(), "{pos:?}");
    let o = run(dir.path(), &["close"]);
    assert_eq!(
        code(&o),
        0,
        "already flat is a successful close: {}",
        text(&o)
    );
    assert!(text(&o).contains("Already flat"), "{}", text(&o));
}

#[test]
fn edgex_v2_paper_open_and_close_by_flag_or_environment() {
    let dir = tempfile::tempdir().unwrap();
    let v2 = ["--edgex-api", "v2"];
    let o = run(
        dir.path(),
        &[&v2[..], &["open", "--size-quote", "100", "--dry-run"]].concat(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("/api/v2/private/order/createOrder"),
        "the EdgeX leg is signed for V2: {}",
        text(&o)
    );
    let o = run(
        dir.path(),
        &[&v2[..], &["open", "--size-quote", "100"]].concat(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("HEDGE OPENED"), "{}", text(&o));
    // The environment variable picks the same generation when the flag is absent.
    let o = run_env(dir.path(), &["close"], "", &[("EDGEX_API_VERSION", "v2")]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("CLOSED: flat on both venues"),
        "{}",
        text(&o)
    );
    let (_, pos) = positions(dir.path());
    assert!(pos.is_empty(), "{pos:?}");
    let o = run(dir.path(), &["--edgex-api", "v3", "status"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("--edgex-api v3"), "{}", text(&o));
}

#[test]
fn open_by_base_size_sequential_and_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "open",
            "--size-base",
            "2",
            "--dry-run",
            "--cross-ticks",
            "1000",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("DRY RUN"), "{t}");
    // cli-qa 4.7: a crossing beyond the slippage cap is said, not silently clamped.
    assert!(t.contains("--cross-ticks 1000 is beyond the 50 bps"), "{t}");
    assert!(
        t.contains("EdgeX POST /api/v1/private/order/createOrder") && t.contains("l2Signature"),
        "signed EdgeX body: {t}"
    );
    assert!(
        t.contains("Lighter POST /api/v1/sendTx tx_type=14") && t.contains("\"Sig\""),
        "signed Lighter tx: {t}"
    );
    assert!(
        positions(dir.path()).1.is_empty(),
        "a dry run sends nothing"
    );
    let o = run(
        dir.path(),
        &[
            "open",
            "--size-base",
            "2",
            "--leg-mode",
            "sequential",
            "--cross-ticks",
            "10",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let (_, pos) = positions(dir.path());
    assert_eq!(pos.len(), 2);
    assert!(
        pos.iter()
            .all(|(_, s)| s.abs() == rust_decimal::Decimal::from(2)),
        "{pos:?}"
    );
    // Never open twice: a second open on the existing hedge refuses (exit 4, balanced).
    let o = run(dir.path(), &["open"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert!(text(&o).contains("--add"), "{}", text(&o));
    // Config notional when no size is given; --add says what it added and the total.
    let o = run(dir.path(), &["open", "--add"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("using the config's notional"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("added"), "{}", text(&o));
}

#[test]
fn too_small_a_size_is_refused_with_the_minimums_and_a_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["open", "--size-quote", "1"]);
    assert_eq!(code(&o), 4, "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("the minimum is") && t.contains("try at least"),
        "{t}"
    );
    assert!(positions(dir.path()).1.is_empty());
}

#[test]
fn rejected_leg_is_unwound_and_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:reject",
            "open",
            "--size-quote",
            "100",
        ],
    );
    assert_eq!(code(&o), 4, "{}", text(&o));
    let t = text(&o);
    // D12: each refused order's reason is printed under the order table.
    assert!(t.contains("edgex Open (client id "), "{t}");
    assert!(
        t.contains("NOTHING OPENED") && t.contains("unwound reduce-only"),
        "{t}"
    );
    assert!(positions(dir.path()).1.is_empty(), "no naked leg");
}

#[test]
fn persistent_partial_fill_ends_balanced_and_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:partial",
            "open",
            "--size-base",
            "4",
            "--json",
        ],
    );
    assert_eq!(code(&o), 5, "{}", text(&o));
    let (v, pos) = positions(dir.path());
    assert_eq!(v["halted"], false);
    assert_eq!(pos.len(), 2, "{pos:?}");
    assert_eq!(pos[0].1, -pos[1].1, "no naked leg: {pos:?}");
    assert!(pos[0].1.abs() < rust_decimal::Decimal::from(4));
}

#[test]
fn one_off_partial_fill_is_topped_up() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:partial:1",
            "open",
            "--size-base",
            "4",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let r = &json(&o)["report"];
    let purposes: Vec<&str> = r["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["purpose"].as_str().unwrap())
        .collect();
    assert!(purposes.contains(&"repair"), "{purposes:?}");
}

#[test]
fn lost_answer_is_found_by_client_id_and_not_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:lost:1",
            "open",
            "--size-base",
            "2",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let orders = json(&o)["report"]["orders"].as_array().unwrap().clone();
    let edgex: Vec<&Value> = orders.iter().filter(|o| o["venue"] == "edgex").collect();
    assert_eq!(edgex.len(), 1, "sent once: {edgex:?}");
    assert_eq!(edgex[0]["resolved_by_lookup"], true);
    assert_eq!(edgex[0]["outcome"], "FILLED");
}

#[test]
fn timed_out_request_is_looked_up_then_retried_under_a_new_id() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_env(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:timeout:1",
            "open",
            "--size-base",
            "2",
            "--json",
        ],
        "",
        &[(SETTLE_TIMEOUT_ENV, SHORT_SETTLE_MS)],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let orders = json(&o)["report"]["orders"].as_array().unwrap().clone();
    let edgex: Vec<&Value> = orders.iter().filter(|o| o["venue"] == "edgex").collect();
    assert_eq!(edgex.len(), 2, "{edgex:?}");
    assert_eq!(edgex[0]["outcome"], "REJECTED");
    assert_eq!(edgex[0]["resolved_by_lookup"], true);
    assert_ne!(
        edgex[0]["request"]["client_id"],
        edgex[1]["request"]["client_id"]
    );
    assert_eq!(positions(dir.path()).1.len(), 2);
}

#[test]
fn persistent_timeout_on_one_leg_unwinds_the_other_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    // Three timed-out sends, each looked up for a settle window: a shorter window (still above
    // Lighter's 1.5 s paper fill delay) keeps the test fast, the path is the same.
    let o = run_env(
        dir.path(),
        &[
            "--sim-fault",
            "edgex:createOrder:timeout",
            "open",
            "--size-base",
            "2",
        ],
        "",
        &[(SETTLE_TIMEOUT_ENV, SHORT_SETTLE_MS)],
    );
    assert_eq!(code(&o), 4, "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("NOTHING OPENED") && t.contains("unwound reduce-only"),
        "{t}"
    );
    assert!(positions(dir.path()).1.is_empty(), "no naked leg");
}

#[test]
fn failed_unwind_halts_until_resume() {
    let dir = tempfile::tempdir().unwrap();
    // EdgeX refuses every order; Lighter takes the leverage change and the opening order,
    // then refuses everything (so the unwind fails).
    let faults = "edgex:createOrder:reject,lighter:sendTx@2:reject";
    let o = run(
        dir.path(),
        &["--sim-fault", faults, "open", "--size-base", "2"],
    );
    assert_eq!(code(&o), 3, "{}", text(&o));
    assert!(text(&o).contains("HALTED"), "{}", text(&o));
    let (v, pos) = positions(dir.path());
    assert_eq!(v["halted"], true);
    assert_eq!(pos.len(), 1, "the naked leg is reported: {pos:?}");
    let o = run(dir.path(), &["status"]);
    assert_eq!(code(&o), 3, "{}", text(&o));
    let o = run(dir.path(), &["open", "--size-base", "1"]);
    assert_eq!(code(&o), 3, "refuses while HALTED: {}", text(&o));
    assert!(text(&o).contains("HALTED"), "{}", text(&o));
    // resume shows the positions and asks (no terminal here: refused without --yes).
    let o = run(dir.path(), &["resume"]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("Positions now"), "{}", text(&o));
    let o = run(dir.path(), &["resume", "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("HALT cleared"), "{}", text(&o));
    let o = run(dir.path(), &["close"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(positions(dir.path()).1.is_empty());
}

#[test]
fn test_auto_round_trip_with_fast_clock() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--speed", "240", "test_auto", "--notional", "50"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("round trip complete"), "{}", text(&o));
    assert!(positions(dir.path()).1.is_empty());
}

#[test]
fn interactive_test_enforces_the_minimum_hold() {
    let dir = tempfile::tempdir().unwrap();
    // close too early is refused; five 30 s waits (fast clock) pass the 120 s minimum.
    let o = run_with(
        dir.path(),
        &["--speed", "600", "test", "--notional", "50"],
        "\nclose\nwait\nwait\nwait\nwait\nwait\nclose\n",
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("to go before close is allowed"), "{t}");
    assert!(t.contains("round trip complete"), "{t}");
    let dir = tempfile::tempdir().unwrap();
    let o = run_with(dir.path(), &["test"], "q\n");
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(positions(dir.path()).1.is_empty());
}

#[test]
fn funding_apply_rewrites_the_config_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let rec = json(&run(dir.path(), &["funding", "--json"]));
    let (long, short) = (
        rec["analysis"]["long"].as_str().unwrap(),
        rec["analysis"]["short"].as_str().unwrap(),
    );
    // Write the opposite of the recommendation.
    let cfg = format!(
        r#"{{"symbol":"HYPE","long_exchange":"{short}","short_exchange":"{long}","leverage":5,"notional":200}}"#
    );
    std::fs::write(dir.path().join("hedge_config.json"), &cfg).unwrap();
    let o = run(dir.path(), &["funding", "--apply", "--yes"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let new: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("hedge_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(new["long_exchange"], long);
    assert_eq!(new["short_exchange"], short);
    assert_eq!(new["notional"], 200, "other keys kept");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hedge_config.json.bak")).unwrap(),
        cfg
    );
}
