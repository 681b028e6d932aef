//! Paper sessions: state survives a restart (same accounts, positions and balances, fresh
//! keys), `reset` starts over, the state file carries no private key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{Side, TimeInForce, Venue};
use venue_sim::paper::PaperOptions;

#[tokio::test]
async fn state_persists_across_sessions_and_reset_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paper").join("sim_state.json");
    let options = || PaperOptions {
        state_path: Some(path.clone()),
        lighter_fill_delay: std::time::Duration::ZERO,
        ..PaperOptions::default()
    };
    let (edgex_id, lighter_id, edgex_key) = {
        let env = env_with(options()).await;
        assert!(!env.session.resumed());
        let buy = aggressive(
            &env.edgex,
            "BTC",
            Side::Buy,
            dec!(0.01),
            5,
            TimeInForce::ImmediateOrCancel,
            false,
            1,
        )
        .await;
        place(&env.edgex, &buy).await.unwrap();
        let sell = aggressive(
            &env.lighter,
            "BTC",
            Side::Sell,
            dec!(0.01),
            5,
            TimeInForce::ImmediateOrCancel,
            false,
            2,
        )
        .await;
        place(&env.lighter, &sell).await.unwrap();
        (
            env.session.edgex_keys().account_id,
            env.session.lighter_keys().account_index,
            env.session
                .edgex_keys()
                .stark_private_key
                .expose()
                .to_string(),
        )
    };
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&edgex_key),
        "no private key in the state file"
    );

    let saved = venue_sim::paper::saved_time(&path).unwrap().unwrap();
    assert!(saved >= t0());
    let env = env_with(options()).await;
    assert!(env.session.resumed());
    assert_eq!(env.session.edgex_keys().account_id, edgex_id);
    assert_eq!(env.session.lighter_keys().account_index, lighter_id);
    assert_ne!(
        env.session.edgex_keys().stark_private_key.expose(),
        edgex_key,
        "fresh keys"
    );
    assert_eq!(
        env.edgex.position("BTC").await.unwrap().unwrap().size,
        dec!(0.01)
    );
    assert_eq!(
        env.lighter.position("BTC").await.unwrap().unwrap().size,
        dec!(-0.01)
    );
    // the Lighter nonce continues where the last session stopped
    let again = aggressive(
        &env.lighter,
        "BTC",
        Side::Buy,
        dec!(0.01),
        5,
        TimeInForce::ImmediateOrCancel,
        true,
        3,
    )
    .await;
    place(&env.lighter, &again).await.unwrap();
    assert!(env.lighter.position("BTC").await.unwrap().is_none());
    drop(env);

    let env = env_with(PaperOptions {
        reset: true,
        ..options()
    })
    .await;
    assert!(!env.session.resumed());
    assert!(env.edgex.positions().await.unwrap().is_empty());
    assert!(env
        .session
        .env_lines()
        .iter()
        .any(|l| l.starts_with("EDGEX_BASE_URL=http://127.0.0.1:")));
}

#[test]
fn the_lighter_fill_delay_is_realistic_by_default_and_set_through_the_environment() {
    use std::time::Duration;
    use venue_sim::paper::{ENV_LIGHTER_FILL_DELAY, REALISTIC_LIGHTER_FILL_DELAY};
    assert!(REALISTIC_LIGHTER_FILL_DELAY >= Duration::from_secs(1));
    assert_eq!(
        PaperOptions::default().lighter_fill_delay,
        REALISTIC_LIGHTER_FILL_DELAY
    );
    let env = |value: &'static str| {
        move |k: &str| (k == ENV_LIGHTER_FILL_DELAY).then(|| value.to_string())
    };
    let o = PaperOptions::default().with_env(&env("1500")).unwrap();
    assert_eq!(o.lighter_fill_delay, Duration::from_millis(1500));
    let o = PaperOptions::default().with_env(&env("0")).unwrap();
    assert_eq!(o.lighter_fill_delay, Duration::ZERO);
    for bad in ["-1", "1.5s", "abc", "99999999"] {
        let e = PaperOptions::default().with_env(&env(bad)).unwrap_err();
        assert!(e.to_string().contains(ENV_LIGHTER_FILL_DELAY), "{e}");
        assert!(e.to_string().contains(bad), "{e}");
    }
    let faults = |k: &str| {
        (k == venue_sim::paper::ENV_FAULTS).then(|| "lighter:sendTx:dropped:1".to_string())
    };
    let o = PaperOptions::default().with_env(&faults).unwrap();
    assert_eq!(o.faults.as_deref(), Some("lighter:sendTx:dropped:1"));
    assert_eq!(o.lighter_fill_delay, REALISTIC_LIGHTER_FILL_DELAY);
}
