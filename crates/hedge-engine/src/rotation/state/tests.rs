//! State file: the seed's example loads as it is, unknown fields survive, saves are atomic
//! with the previous file kept, a corrupt file refuses to load and is moved aside on request.

use super::file::{parse, BotStateError, BotStateFile};
use super::*;
use chrono::TimeZone;
use rust_decimal_macros::dec;

/// The example of behavior-spec 4.9, byte for byte.
const SEED: &str = include_str!("testdata/seed_bot_state.json");

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 11, 2, 10, 0, 8)
        .single()
        .unwrap()
}

#[test]
fn seed_example_loads_with_exact_values() {
    let s = parse(SEED).unwrap();
    assert_eq!(s.version, "1.0");
    assert_eq!(s.state, BotStatus::Holding);
    assert_eq!(s.current_cycle, 4);
    let p = s.current_position.as_ref().unwrap();
    assert_eq!(p.symbol, "SOL");
    assert_eq!(p.long_exchange, "edgex");
    assert_eq!(p.leverage, dec!(3));
    assert_eq!(
        p.opened_at,
        Utc.with_ymd_and_hms(2025, 11, 2, 9, 0, 5).single().unwrap()
            + chrono::Duration::milliseconds(120)
    );
    assert_eq!(p.position_sizing.configured_notional, dec!(320));
    assert_eq!(
        p.position_sizing.limiting_exchange.as_deref(),
        Some("EdgeX")
    );
    assert_eq!(p.entry.edgex_contract_id, "10000003");
    assert_eq!(p.entry.edgex_entry_price, Some(dec!(190.05)));
    assert_eq!(p.entry.lighter_entry_price, Some(dec!(190.10)));
    assert_eq!(p.entry.lighter_size, dec!(-1.49));
    assert_eq!(p.expected_funding.edgex_rate_per_period, Some(dec!(-0.004)));
    assert_eq!(p.expected_funding.net_apr, Some(dec!(21.9)));
    assert_eq!(
        p.current_pnl.as_ref().unwrap().total_unrealized_pnl,
        Some(dec!(0.03))
    );
    assert_eq!(p.progress_percent, Some(dec!(12.5)));
    let c = s.capital_status.as_ref().unwrap();
    assert_eq!(c.max_position_notional, Some(dec!(165)));
    assert_eq!(s.completed_cycles.len(), 1);
    let cy = &s.completed_cycles[0];
    assert_eq!(cy.symbol, "ETH");
    assert_eq!(cy.duration_hours, dec!(8.0833));
    assert_eq!(cy.pnl_breakdown.realized_pnl_percent, Some(dec!(0.129)));
    assert_eq!(cy.stop_loss_reason, None);
    let st = &s.cumulative_stats;
    assert_eq!(st.total_cycles, 1);
    assert_eq!(st.by_symbol["ETH"].avg_pnl, dec!(0.4));
    assert_eq!(st.last_error, None);
    assert!(s.extra.is_empty(), "{:?}", s.extra);
}

#[test]
fn seed_example_round_trips_through_our_writer() {
    let s = parse(SEED).unwrap();
    let text = serde_json::to_string_pretty(&s).unwrap();
    let again = parse(&text).unwrap();
    assert_eq!(again, s);
    // Times are written as the seed did: UTC, microseconds, `Z`.
    assert!(text.contains("\"2025-11-02T09:00:05.120000Z\""), "{text}");
}

#[test]
fn unknown_fields_are_preserved_at_every_level() {
    let mut v: serde_json::Value = serde_json::from_str(SEED).unwrap();
    v["future_top"] = serde_json::json!({"a": 1});
    v["current_position"]["entry"]["venue_note"] = serde_json::json!("kept");
    v["cumulative_stats"]["new_total"] = serde_json::json!(7);
    v["completed_cycles"][0]["extra_cycle_field"] = serde_json::json!([1, 2]);
    let s = parse(&v.to_string()).unwrap();
    let back: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(back["future_top"], v["future_top"]);
    assert_eq!(back["current_position"]["entry"]["venue_note"], "kept");
    assert_eq!(back["cumulative_stats"]["new_total"], 7);
    assert_eq!(
        back["completed_cycles"][0]["extra_cycle_field"],
        serde_json::json!([1, 2])
    );
}

#[rstest::rstest]
#[case::empty("", "empty")]
#[case::truncated("{\"version\": \"1.0\", \"state\": ", "invalid state")]
#[case::not_object("[1,2]", "invalid state")]
#[case::bad_number(
    r#"{"version":"1.0","state":"IDLE","cumulative_stats":{"total_realized_pnl":"x"}}"#,
    "expected a number"
)]
#[case::bad_time(
    r#"{"version":"1.0","state":"IDLE","last_updated":"yesterday"}"#,
    "ISO-8601"
)]
#[case::future_version(r#"{"version":"2.0","state":"IDLE"}"#, "version \"2.0\"")]
fn corrupt_files_are_refused(#[case] text: &str, #[case] expected: &str) {
    let err = parse(text).unwrap_err();
    assert!(err.contains(expected), "{err:?} lacks {expected:?}");
}

#[test]
fn unknown_state_name_reads_as_unknown() {
    let s = parse(r#"{"version":"1.0","state":"SOMETHING_NEW"}"#).unwrap();
    assert_eq!(s.state, BotStatus::Unknown);
    let s = parse(r#"{"version":"1.0","state":"PAUSED"}"#).unwrap();
    assert_eq!(s.state, BotStatus::Paused);
}

#[test]
fn save_is_atomic_keeps_prev_and_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let f = BotStateFile::new(dir.path().join("sub").join("bot_state.json"));
    assert_eq!(f.load().unwrap(), BotState::default());
    let mut s = parse(SEED).unwrap();
    f.save(&mut s, now()).unwrap();
    assert!(!f.prev_path().exists());
    let loaded = f.load().unwrap();
    assert_eq!(loaded.version, STATE_VERSION);
    assert_eq!(loaded.last_updated, Some(now()));
    assert_eq!(loaded.current_position, s.current_position);
    s.state = BotStatus::Waiting;
    s.current_position = None;
    f.save(&mut s, now()).unwrap();
    assert_eq!(f.load().unwrap().state, BotStatus::Waiting);
    let prev = parse(&std::fs::read_to_string(f.prev_path()).unwrap()).unwrap();
    assert_eq!(prev.state, BotStatus::Holding);
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("sub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn corrupt_file_refuses_and_reset_moves_it_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bot_state.json");
    std::fs::write(&path, "{\"version\": \"1.0\", \"sta").unwrap();
    let f = BotStateFile::new(&path);
    let err = f.load().unwrap_err();
    assert!(matches!(err, BotStateError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("--reset-state"), "{err}");
    let aside = f.move_aside(now()).unwrap().unwrap();
    assert!(!path.exists());
    assert_eq!(
        std::fs::read_to_string(&aside).unwrap(),
        "{\"version\": \"1.0\", \"sta"
    );
    assert_eq!(f.load().unwrap(), BotState::default());
    assert_eq!(f.move_aside(now()).unwrap(), None);
}

#[test]
fn failed_save_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: the rename cannot replace it.
    let path = dir.path().join("bot_state.json");
    std::fs::create_dir_all(path.join("x")).unwrap();
    let f = BotStateFile::new(&path);
    let err = f.save(&mut BotState::default(), now()).unwrap_err();
    assert!(matches!(err, BotStateError::Io { .. }), "{err:?}");
}

#[test]
fn board_shows_position_stats_and_loud_states() {
    let mut s = parse(SEED).unwrap();
    let b = board::render(&s, None, now());
    assert!(b.contains("State: HOLDING"), "{b}");
    assert!(b.contains("SOL long edgex / short lighter"), "{b}");
    assert!(b.contains("limited from 320.00 by EdgeX"), "{b}");
    assert!(b.contains("Max new position: 165.00"), "{b}");
    assert!(b.contains("Success rate 100.00%"), "{b}");
    s.pause = Some(Pause {
        by: "budget".into(),
        reason: "daily fee budget".into(),
        since: now(),
        until: None,
    });
    let halt = crate::state::Halt {
        since: now(),
        reason: "naked leg".into(),
        operation: None,
        residual: Vec::new(),
    };
    let b = board::render(&s, Some(&halt), now());
    assert!(b.contains("*** ENGINE HALTED"), "{b}");
    assert!(b.contains("*** PAUSED by budget"), "{b}");
}

#[test]
fn cumulative_stats_add_up_per_cycle() {
    let s = parse(SEED).unwrap();
    let mut st = CumulativeStats::default();
    let mut c = s.completed_cycles[0].clone();
    c.pnl_breakdown.total_realized_pnl = Some(dec!(1.5));
    st.add_cycle(&c, dec!(273));
    c.pnl_breakdown.total_realized_pnl = Some(dec!(-0.5));
    st.add_cycle(&c, dec!(273));
    assert_eq!(st.total_cycles, 2);
    assert_eq!(st.total_realized_pnl, dec!(1.0));
    assert_eq!(st.best_cycle_pnl, Some(dec!(1.5)));
    assert_eq!(st.worst_cycle_pnl, Some(dec!(-0.5)));
    assert_eq!(st.by_symbol["ETH"].avg_pnl, dec!(0.5));
    assert_eq!(st.total_volume_quote, dec!(1092));
}
