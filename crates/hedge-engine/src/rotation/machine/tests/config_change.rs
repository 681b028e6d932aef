//! Spec 4 item 7: a config changed while a position is held applies only after it is closed.
//! The held position keeps the settings it was opened with (here: a stop-loss of 25 % that a
//! new 5 % would trip), the bot says what changed, and the next cycle opens with the new
//! leverage.

use super::*;
use venue_api::Venue as _;

#[tokio::test]
async fn a_config_changed_while_holding_applies_from_the_next_cycle() {
    let h = harness(&["SOL"]);
    h.spread("SOL", dec!(0.0005));
    let mut old = cfg(&["SOL"]);
    old.max_cycles = Some(5);
    let (mut m, tx) = h.machine(old.clone(), BotState::default());
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
    let saved = h.file.load().unwrap();
    let stamp = saved.current_position.as_ref().unwrap().extra["opened_with"].clone();
    assert_eq!(stamp["leverage"], 3, "{stamp}");
    assert_eq!(
        h.a.leverage("SOL").await.unwrap().leverage,
        Decimal::from(3)
    );
    // A 10 % loss: under the old 25 % stop-loss the position is kept; the new 5 % would close.
    h.a.set_upnl("SOL", dec!(-100));
    let mut new = old.clone();
    new.leverage = 5;
    new.symbols = vec!["SOL".into(), "ETH".into()];
    new.stop_loss.stop_loss_percent = dec!(5);
    new.max_cycles = Some(2);
    let (out, s) = h.run(new, saved).await;
    assert_eq!(out, RunOutcome::CyclesDone(2));
    let change = s
        .decisions
        .iter()
        .find(|d| d.kind == "config_change")
        .expect("the bot says the config changed");
    for part in [
        "leverage 3 -> 5",
        "stop_loss_percent 25 -> 5",
        "symbols_to_monitor",
        "applies from the next cycle",
    ] {
        assert!(change.reason.contains(part), "{part}: {}", change.reason);
    }
    let applied = s
        .decisions
        .iter()
        .position(|d| d.kind == "config_applied")
        .expect("applied after the close");
    let closed = s.decisions.iter().position(|d| d.kind == "cycle").unwrap();
    assert!(closed < applied, "{:?}", kinds(&s));
    // The held cycle ran to its planned end under its own stop-loss; the next one opened
    // with the new leverage (and the new stop-loss closed it on the loss).
    assert_eq!(
        s.completed_cycles[0].close_reason.as_deref(),
        Some("max_hold")
    );
    assert!(!s.completed_cycles[0].stop_loss_triggered);
    assert_eq!(
        s.completed_cycles[1].close_reason.as_deref(),
        Some("stop_loss")
    );
    assert_eq!(
        h.a.leverage("SOL").await.unwrap().leverage,
        Decimal::from(5)
    );
}

#[test]
fn opened_with_lists_every_change_and_applies_back() {
    let a = cfg(&["SOL"]);
    let mut b = a.clone();
    assert!(OpenedWith::of(&a).changes(&OpenedWith::of(&b)).is_empty());
    b.leverage = 4;
    b.notional_per_position = dec!(250);
    b.thresholds.max_hold_hours = dec!(12);
    b.stop_loss.enable_stop_loss = false;
    let changes = OpenedWith::of(&a).changes(&OpenedWith::of(&b));
    assert_eq!(
        changes,
        vec![
            "leverage 3 -> 4".to_string(),
            "notional_per_position 1000 -> 250".to_string(),
            "max_hold_hours 8 -> 12".to_string(),
            "enable_stop_loss true -> false".to_string(),
        ]
    );
    let back = OpenedWith::of(&a).apply(&b);
    assert_eq!(OpenedWith::of(&back), OpenedWith::of(&a));
    assert_eq!(
        back.cross_ticks, b.cross_ticks,
        "other settings are the new ones"
    );
}
