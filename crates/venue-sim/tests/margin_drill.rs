//! Margin figures and liquidation drills through the REAL adapters: the figures both
//! adapters read from the simulator agree with its own model, and a 30 % move against the
//! Lighter leg of a hedge makes the venue cut that leg partially, with a record on
//! `/api/v1/liquidations` and no order of ours behind the size change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::time::Duration;
use venue_api::{Side, TimeInForce, Venue};
use venue_sim::engine::{PriceMove, VenueKind};

/// A 14 ETH hedge (~5x of the 10 000 collateral): long on Lighter, short on EdgeX, in two
/// IOC orders a side (the synthetic book's first level holds about 7 ETH).
async fn hedge(env: &Env) {
    for (n, (venue, side)) in [
        (&env.lighter as &dyn Venue, Side::Buy),
        (&env.lighter, Side::Buy),
        (&env.edgex, Side::Sell),
        (&env.edgex, Side::Sell),
    ]
    .into_iter()
    .enumerate()
    {
        let id = 41 + n as u64;
        let order = aggressive(
            venue,
            "ETH",
            side,
            dec!(7),
            5,
            TimeInForce::ImmediateOrCancel,
            false,
            id,
        )
        .await;
        place(venue, &order).await.unwrap();
        assert_eq!(
            venue
                .order_status("ETH", cid(id))
                .await
                .unwrap()
                .unwrap()
                .filled_size,
            dec!(7)
        );
    }
}

#[tokio::test]
async fn figures_read_through_both_adapters_agree_with_the_simulator() {
    let env = env().await;
    hedge(&env).await;
    let core = env.session.server().core();
    let (lv, ev, lm, em) = core.with(|ex| {
        let lm = ex
            .markets_of(VenueKind::Lighter)
            .find(|m| m.symbol == "ETH")
            .cloned()
            .unwrap();
        let em = ex
            .markets_of(VenueKind::Edgex)
            .find(|m| m.symbol == "ETH")
            .cloned()
            .unwrap();
        let la = ex.meta["paper.lighter_account"].clone();
        let ea = ex.meta["paper.edgex_account"].clone();
        (
            ex.valuation(VenueKind::Lighter, &la).unwrap(),
            ex.valuation(VenueKind::Edgex, &ea).unwrap(),
            lm,
            em,
        )
    });
    // Lighter: the adapter's sum |size| x mark x fraction equals the model's requirement
    let b = env.lighter.balance().await.unwrap();
    assert_eq!(b.equity, lv.equity.round_dp(6));
    assert_eq!(b.maintenance_margin, Some(lv.maintenance_margin));
    let p = env.lighter.position("ETH").await.unwrap().unwrap();
    let view = &lv.positions[0];
    assert_eq!(p.size, dec!(14));
    assert_eq!(p.mark_price, Some(view.mark));
    assert_eq!(
        p.maintenance_margin_fraction,
        Some(lm.maintenance_fraction())
    );
    assert_eq!(p.maintenance_margin_fraction, Some(dec!(0.012)));
    assert_eq!(p.liquidation_price, view.liquidation_price);
    assert!(p.liquidation_price.unwrap() < view.mark);
    let m = env.lighter.market("ETH").await.unwrap();
    assert_eq!(
        m.maintenance_margin_fraction,
        Some(lm.maintenance_fraction())
    );
    // EdgeX: the venue's own figures as published
    let b = env.edgex.balance().await.unwrap();
    assert_eq!(b.equity, ev.equity.round_dp(6));
    assert_eq!(b.maintenance_margin, Some(ev.maintenance_margin));
    assert_eq!(b.initial_margin, Some(ev.initial_margin.round_dp(6)));
    let p = env.edgex.position("ETH").await.unwrap().unwrap();
    let view = &ev.positions[0];
    assert_eq!(p.size, dec!(-14));
    assert_eq!(p.mark_price, Some(view.mark));
    assert_eq!(
        p.maintenance_margin_fraction,
        Some(em.maintenance_fraction())
    );
    assert_eq!(p.liquidation_price, view.liquidation_price);
    assert!(p.liquidation_price.unwrap() > view.mark);
    let m = env.edgex.market("ETH").await.unwrap();
    assert_eq!(
        m.maintenance_margin_fraction,
        Some(em.maintenance_fraction())
    );
}

#[tokio::test]
async fn a_30_percent_move_cuts_the_lighter_leg_partially_with_a_record() {
    let env = env().await;
    hedge(&env).await;
    let core = env.session.server().core();
    core.with(|ex| ex.add_move("ETH:-30@300".parse::<PriceMove>().unwrap()))
        .unwrap();
    let mut seen = None;
    for _ in 0..300 {
        env.clock.advance(Duration::from_secs(1));
        let p = env.lighter.position("ETH").await.unwrap();
        let size = p.map_or(Decimal::ZERO, |p| p.size);
        if size < dec!(14) {
            seen = Some(size);
            break;
        }
    }
    // the first cut is partial: the leg is smaller, still long
    let size = seen.expect("no liquidation within the move");
    assert!(size > Decimal::ZERO && size < dec!(14), "{size}");
    // nothing of ours explains it: our only orders are the two opening ones, filled, and
    // the venue lists no open order of ours
    for id in [41, 42] {
        let ours = env
            .lighter
            .order_status("ETH", cid(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ours.filled_size, dec!(7));
    }
    assert!(env.lighter.open_orders("ETH").await.unwrap().is_empty());
    // the venue's record
    let token = env.lighter.auth_token().await.unwrap();
    let http = venue_lighter::LighterHttpClient::new(
        env.session.server().lighter_base_url(),
        venue_lighter::HttpSettings::from_config(&env.session.lighter_config().unwrap()),
    )
    .unwrap();
    let account = env.session.lighter_keys().account_index;
    let r: serde_json::Value = http
        .get(
            "/api/v1/liquidations",
            &[
                ("account_index", account.to_string()),
                ("limit", "10".into()),
            ],
            Some(&token),
        )
        .await
        .unwrap();
    let first = &r["liquidations"][0];
    assert_eq!(first["type"], "partial", "{r}");
    assert_eq!(
        first["trade"]["size"],
        (dec!(14) - size).normalize().to_string()
    );
    let before = &first["info"]["risk_info_before"]["cross_risk_parameters"];
    let value = |v: &serde_json::Value| v.as_str().unwrap().parse::<Decimal>().unwrap();
    assert!(value(&before["total_account_value"]) < value(&before["maintenance_margin_req"]));
    // the EdgeX short gained and is untouched
    assert_eq!(
        env.edgex.position("ETH").await.unwrap().unwrap().size,
        dec!(-14)
    );
}

#[tokio::test]
async fn paper_sessions_start_their_moves_and_refuse_an_unknown_symbol() {
    let plain = env().await;
    let moved = env_with(venue_sim::paper::PaperOptions {
        lighter_fill_delay: Duration::ZERO,
        moves: vec!["ETH:+10".parse().unwrap()],
        ..Default::default()
    })
    .await;
    let mid = |b: venue_api::TopOfBook| b.mid().unwrap();
    let before = mid(plain.lighter.top_of_book("ETH").await.unwrap());
    let after = mid(moved.lighter.top_of_book("ETH").await.unwrap());
    assert!(
        (after / before - dec!(1.1)).abs() < dec!(0.001),
        "{before} -> {after}"
    );
    let err = venue_sim::paper::start(venue_sim::paper::PaperOptions {
        state_path: None,
        moves: vec!["NOPE:5".parse().unwrap()],
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("--sim-move NOPE:5"), "{err}");
}
