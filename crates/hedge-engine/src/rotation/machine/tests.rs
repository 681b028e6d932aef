//! The loop on scripted in-memory venues with an injected clock: full cycles, keep / extend /
//! switch on scripted funding, no close on a single sign flip, the stop-loss in both modes,
//! the start-up cases of spec 4.8, budgets to PAUSED, cancellable waits, failed saves.

mod config_change;
mod repair;
mod venue;

use super::*;
use crate::protocol::ExecutionOptions;
use crate::rotation::state::file::BotStateFile;
use crate::rotation::state::{BotState, BotStatus};
use crate::rotation::stoploss::StopLossMode;
use crate::state::MemoryStore;
use crate::testing::Fault;
use chrono::TimeZone;
use rust_decimal_macros::dec;
use venue::{resting, ScriptVenue, StepClock};

const TIMEOUT: Duration = Duration::from_secs(20);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).single().unwrap()
}

struct Harness {
    clock: Arc<dyn Clock>,
    a: Arc<ScriptVenue>,
    b: Arc<ScriptVenue>,
    engine: Arc<HedgeEngine>,
    store: Arc<MemoryStore>,
    _dir: tempfile::TempDir,
    file: BotStateFile,
}

fn harness_with(symbols: &[&str], clock: Arc<dyn Clock>) -> Harness {
    let a = Arc::new(ScriptVenue::new("alpha", symbols, clock.clone()));
    let b = Arc::new(ScriptVenue::new("beta", symbols, clock.clone()));
    let store = Arc::new(MemoryStore::default());
    let options = ExecutionOptions {
        settle_grace: Some(Duration::ZERO),
        poll_interval: Duration::from_millis(10),
        settle_timeout: Duration::from_secs(1),
        ..ExecutionOptions::default()
    };
    let engine = Arc::new(HedgeEngine::new(clock.clone(), store.clone(), options));
    let dir = tempfile::tempdir().unwrap();
    let file = BotStateFile::new(dir.path().join("bot_state.json"));
    Harness {
        clock,
        a,
        b,
        engine,
        store,
        _dir: dir,
        file,
    }
}

fn harness(symbols: &[&str]) -> Harness {
    harness_with(symbols, Arc::new(StepClock::new(t0())))
}

fn cfg(symbols: &[&str]) -> MachineConfig {
    let mut c = MachineConfig {
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        notional_per_position: dec!(1000),
        wait_between_cycles: Duration::from_secs(300),
        check_interval: Duration::from_secs(3600),
        stop_loss_interval: Duration::from_secs(600),
        selection_backoff: Duration::from_secs(1800),
        max_cycles: Some(1),
        ..MachineConfig::default()
    };
    c.thresholds.hold_duration_hours = dec!(8);
    c.thresholds.max_hold_hours = dec!(8);
    c.thresholds.min_net_apr_threshold = dec!(5);
    c.thresholds.exit_net_apr_threshold = dec!(1);
    c.thresholds.settlement_guard_minutes = 0;
    c.thresholds.max_close_delay_minutes = 0;
    c.thresholds.settlement_buffer_seconds = 0;
    c.stop_loss.stop_loss_percent = dec!(25);
    c
}

impl Harness {
    fn machine(&self, cfg: MachineConfig, state: BotState) -> (Machine, watch::Sender<bool>) {
        let (tx, rx) = watch::channel(false);
        let m = Machine::new(
            self.clock.clone(),
            self.engine.clone(),
            BotVenues {
                a: self.a.clone(),
                b: self.b.clone(),
            },
            cfg,
            self.file.clone(),
            state,
            rx,
        )
        .with_control(ControlFiles::beside(self.file.path()));
        (m, tx)
    }

    /// Runs to the end (bounded).
    async fn run(&self, cfg: MachineConfig, state: BotState) -> (RunOutcome, BotState) {
        let (mut m, _tx) = self.machine(cfg, state);
        let out = tokio::time::timeout(TIMEOUT, m.run())
            .await
            .expect("the loop ends in time")
            .expect("no fatal error");
        (out, self.file.load().unwrap())
    }

    /// A good spread on `symbol`: short alpha earns `rate` per hour.
    fn spread(&self, symbol: &str, rate: Decimal) {
        self.a
            .set_rate(symbol, t0() - chrono::Duration::days(1), rate);
        self.b
            .set_rate(symbol, t0() - chrono::Duration::days(1), Decimal::ZERO);
    }
}

fn kinds(s: &BotState) -> Vec<String> {
    s.decisions.iter().map(|d| d.kind.clone()).collect()
}

#[tokio::test]
async fn full_cycle_opens_holds_closes_records_and_waits() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let (out, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    assert_eq!(out, RunOutcome::CyclesDone(1));
    assert_eq!(s.state, BotStatus::Waiting, "{:?}", kinds(&s));
    assert!(s.current_position.is_none());
    assert_eq!(s.current_cycle, 1);
    assert_eq!(s.completed_cycles.len(), 1);
    let c = &s.completed_cycles[0];
    assert_eq!(c.symbol, "SOL");
    assert_eq!(c.entry.long_exchange, "beta");
    assert_eq!(c.entry.short_exchange, "alpha");
    assert_eq!(c.close_reason.as_deref(), Some("max_hold"));
    assert!(
        c.duration_hours >= dec!(8) && c.duration_hours < dec!(9.5),
        "{}",
        c.duration_hours
    );
    assert!(c.open_operation.is_some() && c.close_operation.is_some());
    let l = c.ledger.as_ref().unwrap();
    // Funding from the venue's own records: 10 SOL x 100 x 0.0005 per hour for ~8 hours.
    let funding = l.funding.known().unwrap();
    assert!(funding >= dec!(3.5) && funding <= dec!(4.5), "{funding}");
    let capture = l.capture_ratio.unwrap();
    assert!(capture >= dec!(0.85) && capture <= dec!(1.15), "{capture}");
    assert!(l.fees.known().unwrap() > Decimal::ZERO);
    assert_eq!(s.cumulative_stats.successful_cycles, 1);
    assert_eq!(h.a.position_now("SOL"), Decimal::ZERO);
    assert_eq!(h.b.position_now("SOL"), Decimal::ZERO);
    let k = kinds(&s);
    assert!(
        k.contains(&"open".to_string()) && k.contains(&"close".to_string()),
        "{k:?}"
    );
}

#[tokio::test]
async fn a_failed_funding_read_is_unknown_never_zero() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    h.b.fail_funding_reads(true);
    let (_, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    let l = s.completed_cycles[0].ledger.as_ref().unwrap();
    assert_eq!(l.funding, crate::rotation::ledger::Figure::Unknown);
    assert_eq!(l.capture_ratio, None);
    let board = crate::rotation::state::board::render(&s, None, t0());
    assert!(board.contains("capture ratio unknown"), "{board}");
}

#[tokio::test]
async fn constant_good_funding_extends_up_to_max_hold() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let mut c = cfg(&["SOL"]);
    c.thresholds.max_hold_hours = dec!(20);
    let (_, s) = h.run(c, BotState::default()).await;
    let cy = &s.completed_cycles[0];
    assert!(cy.duration_hours >= dec!(20), "{}", cy.duration_hours);
    assert_eq!(cy.close_reason.as_deref(), Some("max_hold"));
    assert!(kinds(&s).contains(&"extend".to_string()), "{:?}", kinds(&s));
}

#[tokio::test]
async fn planned_end_closes_when_funding_fell_below_the_entry_bar() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    // Still positive, but below the 5 % entry bar from hour 6 on: no early exit (above the
    // 1 % exit threshold), no extension at the planned end.
    h.a.set_rate("SOL", t0() + chrono::Duration::hours(6), dec!(0.000003));
    let mut c = cfg(&["SOL"]);
    c.thresholds.max_hold_hours = dec!(20);
    let (_, s) = h.run(c, BotState::default()).await;
    let cy = &s.completed_cycles[0];
    assert_eq!(
        cy.close_reason.as_deref(),
        Some("scheduled"),
        "{:?}",
        kinds(&s)
    );
    assert!(cy.duration_hours >= dec!(8) && cy.duration_hours < dec!(9.5));
}

#[tokio::test]
async fn a_single_sign_flip_does_not_close() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    h.a.set_rate("SOL", t0() + chrono::Duration::minutes(150), dec!(-0.0005));
    h.a.set_rate("SOL", t0() + chrono::Duration::minutes(210), dec!(0.0005));
    let (_, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    let cy = &s.completed_cycles[0];
    assert_eq!(
        cy.close_reason.as_deref(),
        Some("max_hold"),
        "{:?}",
        kinds(&s)
    );
    assert!(cy.duration_hours >= dec!(8));
    // The flip was seen (one exit signal), then cleared.
    let saw_signal = s
        .decisions
        .iter()
        .any(|d| d.kind == "keep" && d.reason.contains("exit signals 1/3"));
    assert!(saw_signal, "{:#?}", s.decisions);
}

#[tokio::test]
async fn a_sustained_flip_closes_after_the_confirmations() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    h.a.set_rate("SOL", t0() + chrono::Duration::minutes(90), dec!(-0.0005));
    let (_, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    let cy = &s.completed_cycles[0];
    assert_eq!(cy.close_reason.as_deref(), Some("exit"), "{:?}", kinds(&s));
    assert!(cy.duration_hours < dec!(6), "{}", cy.duration_hours);
}

#[tokio::test]
async fn a_much_better_symbol_switches() {
    let h = harness(&["SOL", "ETH"]);
    h.spread("SOL", dec!(0.0005));
    h.spread("ETH", Decimal::ZERO);
    // At hour 2, SOL's spread is gone and ETH's is large.
    h.a.set_rate("SOL", t0() + chrono::Duration::hours(2), Decimal::ZERO);
    h.a.set_rate("ETH", t0() + chrono::Duration::hours(2), dec!(0.002));
    let mut c = cfg(&["SOL", "ETH"]);
    c.max_cycles = Some(2);
    let (_, s) = h.run(c, BotState::default()).await;
    assert_eq!(s.completed_cycles.len(), 2, "{:?}", kinds(&s));
    let first = &s.completed_cycles[0];
    assert_eq!(first.symbol, "SOL");
    assert_eq!(first.close_reason.as_deref(), Some("switch"));
    assert!(first.duration_hours < dec!(4));
    assert_eq!(s.completed_cycles[1].symbol, "ETH");
    assert!(kinds(&s).contains(&"switch".to_string()));
}

#[tokio::test]
async fn nothing_qualifies_waits_and_records_why() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.000001));
    let mut c = cfg(&["SOL"]);
    c.max_cycles = Some(1);
    let (mut m, tx) = h.machine(c, BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Waiting))
        .await
        .unwrap()
        .unwrap();
    tx.send_replace(true);
    let out = tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(out, RunOutcome::Shutdown);
    let s = h.file.load().unwrap();
    assert_eq!(h.a.all_submissions(), 0);
    let skip = s.decisions.iter().find(|d| d.kind == "skip").unwrap();
    assert!(
        skip.reason.contains("nothing qualifies; best SOL"),
        "{}",
        skip.reason
    );
}

#[rstest::rstest]
#[case::worst_leg_fires(StopLossMode::WorstLeg, dec!(-300), dec!(280), None, true)]
#[case::combined_ignores_one_losing_leg(StopLossMode::Combined, dec!(-300), dec!(280), None, false)]
#[case::combined_fires_on_total(StopLossMode::Combined, dec!(-200), dec!(-100), None, true)]
#[case::combined_fires_on_margin(StopLossMode::Combined, dec!(0), dec!(0), Some(dec!(0.9)), true)]
#[tokio::test]
async fn stop_loss_modes(
    #[case] mode: StopLossMode,
    #[case] upnl_a: Decimal,
    #[case] upnl_b: Decimal,
    #[case] margin: Option<Decimal>,
    #[case] fires: bool,
) {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    h.a.set_upnl("SOL", upnl_a);
    h.b.set_upnl("SOL", upnl_b);
    h.b.set_margin_usage(margin);
    let mut c = cfg(&["SOL"]);
    c.stop_loss.stop_loss_mode = mode;
    let (_, s) = h.run(c, BotState::default()).await;
    let cy = &s.completed_cycles[0];
    assert_eq!(cy.stop_loss_triggered, fires, "{:?}", kinds(&s));
    if fires {
        assert_eq!(cy.close_reason.as_deref(), Some("stop_loss"));
        // Checked on its own interval: well before the first hourly dashboard check.
        assert!(cy.duration_hours <= dec!(0.2), "{}", cy.duration_hours);
        assert!(cy.stop_loss_reason.is_some());
    } else {
        assert_eq!(cy.close_reason.as_deref(), Some("max_hold"));
    }
}

#[tokio::test]
async fn startup_flat_stays_idle_and_matching_hedge_is_adopted_with_venue_time() {
    let h = harness(&["SOL"]);
    let mut c = cfg(&["SOL"]);
    c.max_cycles = Some(0);
    let (out, s) = h.run(c.clone(), BotState::default()).await;
    assert_eq!(out, RunOutcome::CyclesDone(0));
    assert_eq!(s.state, BotStatus::Idle);
    assert!(s.last_recovery.unwrap().contains("flat on both venues"));

    let h = harness(&["SOL", "ETH"]);
    let opened = t0() - chrono::Duration::hours(3);
    h.a.preset_position("ETH", dec!(-2), Some(opened));
    h.b.preset_position("ETH", dec!(2), Some(opened));
    let (out, s) = h.run(c, BotState::default()).await;
    assert_eq!(out, RunOutcome::CyclesDone(0));
    assert_eq!(s.state, BotStatus::Holding);
    let p = s.current_position.unwrap();
    assert_eq!(
        p.symbol, "ETH",
        "a symbol outside the config is found too (W33)"
    );
    assert_eq!(p.recovered, Some(true));
    assert_eq!(p.opened_at, opened);
    assert_eq!(p.long_exchange, "beta");
    assert_eq!(p.target_close_at, opened + chrono::Duration::hours(8));
    assert_eq!(h.a.all_submissions() + h.b.all_submissions(), 0);
}

#[rstest::rstest]
#[case::one_leg(&[("alpha", "SOL", dec!(-2))], "only one venue holds it")]
#[case::mismatch(&[("alpha", "SOL", dec!(-2)), ("beta", "SOL", dec!(1.5))], "mismatched")]
#[case::same_sign(&[("alpha", "SOL", dec!(2)), ("beta", "SOL", dec!(2))], "mismatched")]
#[case::two_symbols(
    &[("alpha", "SOL", dec!(-2)), ("beta", "SOL", dec!(2)), ("alpha", "ETH", dec!(1)), ("beta", "ETH", dec!(-1))],
    "positions on 2 symbols"
)]
#[tokio::test]
async fn startup_refuses_unexplained_positions(
    #[case] positions: &[(&str, &str, Decimal)],
    #[case] expected: &str,
) {
    let h = harness(&["SOL", "ETH"]);
    for (v, s, size) in positions {
        let venue = if *v == "alpha" { &h.a } else { &h.b };
        venue.preset_position(s, *size, None);
    }
    let (out, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    let RunOutcome::Error(reason) = out else {
        panic!("expected ERROR, got {out:?}");
    };
    assert!(reason.contains(expected), "{reason}");
    assert_eq!(s.state, BotStatus::Error);
    assert_eq!(h.a.all_submissions() + h.b.all_submissions(), 0);
}

#[tokio::test]
async fn startup_refuses_unreadable_venues_and_unjournaled_open_orders() {
    let h = harness(&["SOL"]);
    h.b.fail_position_reads(10);
    let (out, _) = h.run(cfg(&["SOL"]), BotState::default()).await;
    assert!(
        matches!(&out, RunOutcome::Error(r) if r.contains("never taken as flat")),
        "{out:?}"
    );

    let h = harness(&["SOL"]);
    h.a.add_open_order("SOL", resting(123));
    let (out, _) = h.run(cfg(&["SOL"]), BotState::default()).await;
    assert!(
        matches!(&out, RunOutcome::Error(r) if r.contains("open orders")),
        "{out:?}"
    );
}

#[tokio::test]
async fn recorded_hedge_gone_while_stopped_is_closed_as_vanished() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    // Run one open, stop while holding.
    let mut c = cfg(&["SOL"]);
    c.max_cycles = Some(5);
    let (mut m, tx) = h.machine(c.clone(), BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Holding))
        .await
        .unwrap()
        .unwrap();
    tx.send_replace(true);
    assert_eq!(
        tokio::time::timeout(TIMEOUT, task)
            .await
            .unwrap()
            .unwrap()
            .unwrap(),
        RunOutcome::Shutdown
    );
    let saved = h.file.load().unwrap();
    assert_eq!(saved.state, BotStatus::Holding);
    // Someone closes both legs while the bot is stopped.
    h.a.preset_position("SOL", Decimal::ZERO, None);
    h.b.preset_position("SOL", Decimal::ZERO, None);
    c.max_cycles = Some(0);
    let (_, s) = h.run(c, saved).await;
    assert_eq!(s.state, BotStatus::Idle);
    assert!(s.current_position.is_none());
    assert_eq!(s.cumulative_stats.failed_cycles, 1);
    assert_eq!(
        s.completed_cycles[0].close_reason.as_deref(),
        Some("vanished")
    );
}

#[tokio::test]
async fn a_restart_while_holding_resumes_the_same_hedge_without_a_second_open() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let mut c = cfg(&["SOL"]);
    c.max_cycles = Some(5);
    let (mut m, tx) = h.machine(c.clone(), BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Holding))
        .await
        .unwrap()
        .unwrap();
    tx.send_replace(true);
    tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let opens = h.a.submissions("SOL").len();
    let saved = h.file.load().unwrap();
    c.max_cycles = Some(1);
    let (out, s) = h.run(c, saved.clone()).await;
    assert_eq!(out, RunOutcome::CyclesDone(1));
    assert_eq!(
        s.completed_cycles[0].opened_at,
        saved.current_position.unwrap().opened_at
    );
    // One open and one close order on alpha: no second open after the restart.
    assert_eq!(h.a.submissions("SOL").len(), opens + 1);
    assert_eq!(s.current_cycle, 1);
}

#[tokio::test]
async fn a_transient_read_failure_in_idle_retries_then_trades() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    // Start-up's all-symbol read passes; IDLE's check before opening fails once.
    h.b.fail_position_reads_after(1, 1);
    let (out, s) = h.run(cfg(&["SOL"]), BotState::default()).await;
    assert_eq!(out, RunOutcome::CyclesDone(1));
    assert_eq!(s.cumulative_stats.failed_cycles, 0);
    assert_eq!(s.cumulative_stats.last_error, None);
}

#[tokio::test]
async fn a_saved_error_needs_the_operator() {
    let h = harness(&["SOL"]);
    let mut st = BotState {
        state: BotStatus::Error,
        ..BotState::default()
    };
    st.cumulative_stats.last_error = Some("mismatch".into());
    let (out, _) = h.run(cfg(&["SOL"]), st.clone()).await;
    assert_eq!(out, RunOutcome::Error("mismatch".into()));
    ControlFiles::beside(h.file.path())
        .request_resume(t0())
        .unwrap();
    let mut c = cfg(&["SOL"]);
    c.max_cycles = Some(0);
    let (out, s) = h.run(c, st).await;
    assert_eq!(out, RunOutcome::CyclesDone(0));
    assert_eq!(s.state, BotStatus::Idle);
    assert_eq!(s.cumulative_stats.last_error, None);
}

#[tokio::test]
async fn failed_opens_trip_the_hourly_budget_into_paused() {
    let h = harness(&["SOL", "ETH"]);
    h.spread("SOL", dec!(0.0005));
    h.spread("ETH", dec!(0.0004));
    // Every order on beta is refused: alpha's leg fills and is unwound each time.
    h.b.fault("SOL", Some(Fault::InsufficientMargin));
    h.b.fault("ETH", Some(Fault::InsufficientMargin));
    let mut c = cfg(&["SOL", "ETH"]);
    c.budgets.max_failed_opens_per_hour = Some(2);
    c.budgets.daily_fee_budget_usd = None;
    let (mut m, tx) = h.machine(c, BotState::default());
    let mut rx = m.subscribe_state();
    let mut events = m.subscribe_events();
    let task = tokio::spawn(async move { m.run().await });
    // The snapshot at the moment it paused (the clock runs on afterwards).
    let s = tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Paused))
        .await
        .unwrap()
        .unwrap()
        .as_ref()
        .clone();
    tx.send_replace(true);
    tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let p = s.pause.as_ref().unwrap();
    assert_eq!(p.by, "budget");
    assert!(p.reason.contains("failed"), "{}", p.reason);
    assert_eq!(s.budget.cooldowns.len(), 2, "both symbols cool down");
    assert!(s.current_position.is_none());
    assert_eq!(h.a.position_now("SOL"), Decimal::ZERO);
    assert_eq!(h.a.position_now("ETH"), Decimal::ZERO);
    let mut kinds_seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        kinds_seen.push(e.kind);
    }
    assert!(
        kinds_seen.contains(&EventKind::BudgetTripped),
        "{kinds_seen:?}"
    );
}

#[tokio::test]
async fn daily_fee_budget_pauses_after_the_cycle_and_operator_resume_clears_it() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let mut c = cfg(&["SOL"]);
    c.budgets.daily_fee_budget_usd = Some(dec!(0.5));
    c.max_cycles = Some(3);
    let (mut m, tx) = h.machine(c, BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    let paused = tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Paused))
        .await
        .unwrap()
        .unwrap()
        .clone();
    // The held position was closed on schedule first; nothing new opened.
    assert_eq!(paused.completed_cycles.len(), 1);
    assert!(paused.current_position.is_none());
    ControlFiles::beside(h.file.path())
        .request_resume(h.clock.now())
        .unwrap();
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state != BotStatus::Paused))
        .await
        .unwrap()
        .unwrap();
    tx.send_replace(true);
    tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(kinds(&h.file.load().unwrap()).contains(&"resume".to_string()));
}

#[tokio::test]
async fn shutdown_interrupts_a_long_wait_at_once() {
    let clock = Arc::new(venue_api::ManualClock::new(t0()));
    let h = harness_with(&["SOL"], clock.clone());
    let mut st = BotState {
        state: BotStatus::Waiting,
        ..BotState::default()
    };
    st.extra.insert(
        "wait_until".into(),
        serde_json::json!((t0() + chrono::Duration::hours(5)).to_rfc3339()),
    );
    let (mut m, tx) = h.machine(cfg(&["SOL"]), st);
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Waiting))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let t = std::time::Instant::now();
    tx.send_replace(true);
    let out = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("stopped within 2 s of real time")
        .unwrap()
        .unwrap();
    assert_eq!(out, RunOutcome::Shutdown);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(h.file.load().unwrap().state, BotStatus::Waiting);
}

#[tokio::test]
async fn engine_halt_shows_halted_and_opens_nothing() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let es = crate::state::EngineState {
        halted: Some(crate::state::Halt {
            since: t0(),
            reason: "naked leg (test)".into(),
            operation: None,
            residual: Vec::new(),
        }),
        ..crate::state::EngineState::default()
    };
    crate::state::StateStore::save(h.store.as_ref(), &es).unwrap();
    let (mut m, tx) = h.machine(cfg(&["SOL"]), BotState::default());
    let mut rx = m.subscribe_state();
    let task = tokio::spawn(async move { m.run().await });
    tokio::time::timeout(TIMEOUT, rx.wait_for(|s| s.state == BotStatus::Halted))
        .await
        .unwrap()
        .unwrap();
    tx.send_replace(true);
    tokio::time::timeout(TIMEOUT, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(h.a.all_submissions() + h.b.all_submissions(), 0);
}

#[tokio::test]
async fn a_state_that_cannot_be_saved_stops_trading() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    // A directory where the state file should be.
    std::fs::create_dir_all(h.file.path().join("blocker")).unwrap();
    let (mut m, _tx) = h.machine(cfg(&["SOL"]), BotState::default());
    let r = tokio::time::timeout(TIMEOUT, m.run()).await.unwrap();
    assert!(matches!(r, Err(MachineError::Save(_))), "{r:?}");
    assert_eq!(h.a.all_submissions(), 0);
}
