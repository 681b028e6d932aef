//! Tests of [`super`]: cooldown doubling, cap and reset; each budget tripping; the UTC day
//! roll; the operator's resume; validation; the state's JSON round trip.

use super::*;
use crate::rotation::economics::tests::t;
use rstest::rstest;
use rust_decimal_macros::dec;

fn budgets() -> Budgets {
    Budgets {
        cooldown_base_minutes: 10,
        cooldown_max_minutes: 60,
        daily_fee_budget_usd: Some(dec!(5)),
        max_failed_opens_per_hour: Some(3),
    }
}

#[rstest]
#[case(1, 10)]
#[case(2, 20)]
#[case(3, 40)]
#[case(4, 60)] // capped
#[case(40, 60)] // no overflow on long streaks
fn cooldown_doubles_and_caps(#[case] failures: u32, #[case] minutes: i64) {
    assert_eq!(budgets().cooldown_for(failures), Duration::minutes(minutes));
}

#[test]
fn cooldown_per_symbol_doubles_then_resets_after_a_successful_cycle() {
    let b = Budgets {
        max_failed_opens_per_hour: None,
        ..budgets()
    };
    let mut s = BudgetState::default();
    let until = s.record_failed_open(&b, "SOL", FailedOpenKind::Failed, t(0, 0));
    assert_eq!(until, t(0, 10));
    assert_eq!(s.cooling("SOL", t(0, 9)), Some(t(0, 10)));
    assert_eq!(s.cooling("SOL", t(0, 10)), None, "ends at `until`");
    assert_eq!(
        s.cooling("BTC", t(0, 5)),
        None,
        "other symbols are not affected"
    );
    let until = s.record_failed_open(&b, "SOL", FailedOpenKind::Unwound, t(0, 10));
    assert_eq!(until, t(0, 30));
    assert_eq!(s.cooldowns["SOL"].failures, 2);
    assert_eq!(s.cooldowns["SOL"].last_kind, FailedOpenKind::Unwound);
    s.record_successful_cycle("SOL");
    assert_eq!(s.cooling("SOL", t(0, 11)), None);
    // After the reset the next failure starts from the base again.
    let until = s.record_failed_open(&b, "SOL", FailedOpenKind::Failed, t(2, 0));
    assert_eq!(until, t(2, 10));
}

#[test]
fn failed_opens_per_hour_trips_and_slides_out() {
    let b = budgets();
    let mut s = BudgetState::default();
    s.record_failed_open(&b, "A", FailedOpenKind::Failed, t(0, 0));
    s.record_failed_open(&b, "B", FailedOpenKind::Unwound, t(0, 20));
    assert_eq!(s.tripped(&b, t(0, 21)), None);
    s.record_failed_open(&b, "C", FailedOpenKind::Failed, t(0, 40));
    assert_eq!(
        s.tripped(&b, t(0, 41)),
        Some(PauseReason::FailedOpensPerHour {
            count: 3,
            limit: 3,
            since: t(0, 0)
        })
    );
    // One hour after the first, only two remain in the window.
    assert_eq!(s.tripped(&b, t(1, 0)), None);
    // Old entries are pruned when recording.
    s.record_failed_open(&b, "D", FailedOpenKind::Failed, t(3, 0));
    assert_eq!(s.failed_opens.len(), 1);
}

#[test]
fn daily_fee_budget_trips_per_utc_day() {
    let b = budgets();
    let mut s = BudgetState::default();
    s.record_fees(dec!(2.5), t(1, 0));
    s.record_fees(dec!(2.4), t(12, 0));
    assert_eq!(s.tripped(&b, t(12, 0)), None);
    s.record_fees(dec!(0.1), t(13, 0));
    let reason = s.tripped(&b, t(13, 0)).unwrap();
    assert_eq!(
        reason,
        PauseReason::DailyFeeBudget {
            day: t(13, 0).date_naive(),
            spent_usd: dec!(5.0),
            budget_usd: dec!(5)
        }
    );
    assert_eq!(
        reason.to_string(),
        "daily fee budget reached: 5.0 USD of 5 USD on 2026-01-01"
    );
    // The next UTC day starts from zero, without any new record.
    assert_eq!(s.tripped(&b, t(24, 0)), None);
    s.record_fees(dec!(1), t(24, 30));
    assert_eq!(s.fees_today_usd, dec!(1));
    assert_eq!(s.fee_day, Some(t(24, 30).date_naive()));
}

#[test]
fn disabled_budgets_never_trip() {
    let b = Budgets {
        daily_fee_budget_usd: None,
        max_failed_opens_per_hour: None,
        ..budgets()
    };
    let mut s = BudgetState::default();
    s.record_fees(dec!(1000), t(0, 0));
    for i in 0..10 {
        s.record_failed_open(&b, "A", FailedOpenKind::Failed, t(0, i));
    }
    assert_eq!(s.tripped(&b, t(0, 10)), None);
}

#[test]
fn resume_rearms_the_budgets_but_keeps_cooldowns_and_the_day_total() {
    let b = budgets();
    let mut s = BudgetState::default();
    s.record_fees(dec!(6), t(1, 0));
    for i in 0..3 {
        s.record_failed_open(&b, "A", FailedOpenKind::Failed, t(1, i));
    }
    assert!(s.tripped(&b, t(1, 5)).is_some());
    s.resume(t(1, 5));
    assert_eq!(s.tripped(&b, t(1, 5)), None);
    assert_eq!(s.fees_day_total_usd, dec!(6));
    assert!(s.cooling("A", t(1, 6)).is_some());
}

#[rstest]
#[case::zero_base(|b: &mut Budgets| b.cooldown_base_minutes = 0,
    "invalid cooldown_base_minutes = 0: must be > 0")]
#[case::max_below_base(|b: &mut Budgets| b.cooldown_max_minutes = 5,
    "invalid cooldown_max_minutes = 5: must be >= cooldown_base_minutes (10)")]
#[case::zero_fee_budget(|b: &mut Budgets| b.daily_fee_budget_usd = Some(dec!(0)),
    "invalid daily_fee_budget_usd = 0: must be > 0 (or null to disable)")]
#[case::zero_failed_opens(|b: &mut Budgets| b.max_failed_opens_per_hour = Some(0),
    "invalid max_failed_opens_per_hour = 0: must be >= 1 (or null to disable)")]
fn budgets_are_checked_at_start_up(#[case] change: fn(&mut Budgets), #[case] text: &str) {
    assert_eq!(budgets().validate(), Ok(()));
    assert_eq!(Budgets::default().validate(), Ok(()));
    let mut bad = budgets();
    change(&mut bad);
    assert_eq!(bad.validate().unwrap_err().to_string(), text);
}

#[test]
fn state_round_trips_and_loads_from_an_empty_object() {
    let b = budgets();
    let mut s = BudgetState::default();
    s.record_failed_open(&b, "SOL", FailedOpenKind::Unwound, t(0, 0));
    s.record_fees(dec!(0.42), t(0, 1));
    let json = serde_json::to_string(&s).unwrap();
    let back: BudgetState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    let empty: BudgetState = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, BudgetState::default());
    let reason = PauseReason::FailedOpensPerHour {
        count: 3,
        limit: 3,
        since: t(0, 0),
    };
    let json = serde_json::to_string(&reason).unwrap();
    assert!(
        json.contains("\"kind\":\"failed_opens_per_hour\""),
        "{json}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn cooldown_grows_monotonically_and_stays_capped(
            base in 1u32..600,
            extra in 0u32..10_000,
            failures in 1u32..200,
        ) {
            let b = Budgets {
                cooldown_base_minutes: base,
                cooldown_max_minutes: base + extra,
                ..Budgets::default()
            };
            let now = b.cooldown_for(failures);
            let next = b.cooldown_for(failures + 1);
            prop_assert!(now >= Duration::minutes(i64::from(base)));
            prop_assert!(next >= now);
            prop_assert!(next <= Duration::minutes(i64::from(base + extra)));
        }
    }
}
