//! End-to-end tests of the `hedge-cli` binary: configuration handling and exit codes.
//! Each test runs the real binary in its own temporary directory.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
use common::{hedge_cli, text};

use std::path::Path;
use std::process::Output;

fn run(dir: &Path, args: &[&str]) -> Output {
    hedge_cli(dir).args(args).output().expect("run hedge-cli")
}

const EXAMPLE: &str = include_str!("../../../configs/hedge_config.json");

#[test]
fn paper_config_works_without_any_file_or_credential() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--paper", "config"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("PAPER: no hedge_config.json found"), "{t}");
    assert!(
        t.contains("HYPE/USD") && t.contains("not read (paper mode)"),
        "{t}"
    );
}

#[test]
fn json_output_is_machine_readable_with_decimal_strings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hedge_config.json"), EXAMPLE).unwrap();
    let o = run(dir.path(), &["config", "--json", "--notional", "125.50"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "live");
    assert_eq!(v["config"]["notional"], "125.50");
    assert_eq!(v["config"]["long_exchange"], "lighter");
}

#[test]
fn config_flag_is_accepted_before_and_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.json"), EXAMPLE).unwrap();
    for args in [
        ["--config", "mine.json", "config"],
        ["config", "--config", "mine.json"],
    ] {
        let o = run(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("mine.json"));
    }
}

#[test]
fn live_command_without_config_names_the_path_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["funding"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("hedge_config.json: config file not found"),
        "{}",
        text(&o)
    );
}

#[test]
fn invalid_configs_exit_2_naming_field_and_value() {
    let cases = [
        (
            r#"{"symbol":"HYPE","long_exchange":"kraken","short_exchange":"edgex","leverage":5}"#,
            "unknown venue \"kraken\"",
        ),
        (
            r#"{"symbol":"HYPE","long_exchange":"edgex","short_exchange":"edgex","leverage":5}"#,
            "both \"edgex\"",
        ),
        (
            r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":0}"#,
            "\"leverage\" must be > 0, got 0",
        ),
        (
            r#"{"symbol":"HYPE","long_exchange":"lighter","short_exchange":"edgex","leverage":5,"notional":-1}"#,
            "\"notional\" must be > 0, got -1",
        ),
    ];
    for (body, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hedge_config.json"), body).unwrap();
        let o = run(dir.path(), &["config"]);
        assert_eq!(o.status.code(), Some(2), "{body}");
        let t = text(&o);
        assert!(
            t.contains(expected) && t.contains("hedge_config.json"),
            "{t}"
        );
    }
}

#[test]
fn trading_without_credentials_names_the_variables_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hedge_config.json"), EXAMPLE).unwrap();
    let o = run(dir.path(), &["open", "--size-quote", "50"]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("EDGEX_STARK_PRIVATE_KEY") && t.contains("LIGHTER_PRIVATE_KEY"),
        "{t}"
    );
}

#[test]
fn secrets_from_env_file_never_reach_output_or_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hedge_config.json"), EXAMPLE).unwrap();
    let secret = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
    std::fs::write(
        dir.path().join(".env"),
        format!("EDGEX_STARK_PRIVATE_KEY={secret}\nEDGEX_ACCOUNT_ID=7\n"),
    )
    .unwrap();
    let o = run(dir.path(), &["config"]);
    let log = std::fs::read_to_string(dir.path().join("hedge_cli.log")).unwrap_or_default();
    assert!(
        !text(&o).contains(&secret[2..]) && !log.contains(&secret[2..]),
        "{}",
        text(&o)
    );
}

#[test]
fn paper_only_flags_are_refused_in_live_mode() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hedge_config.json"), EXAMPLE).unwrap();
    for args in [
        ["--speed", "10", "funding"],
        ["--sim-fault", "edgex:createOrder:reject", "funding"],
    ] {
        let o = run(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("only apply with --paper"), "{}", text(&o));
    }
}

#[test]
fn paper_mode_never_takes_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--paper", "--state-file", "hedge_state.json", "status"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--paper-dir"), "{}", text(&o));
    assert!(!dir.path().join("hedge_state.json").exists());
}

#[test]
fn size_flags_are_mutually_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--paper", "open", "--size-base", "1", "--size-quote", "5"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_documents_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o).contains("Exit codes:") && text(&o).contains("funding_all"),
        "{}",
        text(&o)
    );
}
