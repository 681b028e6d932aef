//! Funding through the real adapters on a manual clock: current and settled rates with each
//! venue's interval, and payments booked at each interval boundary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::time::Duration;
use venue_api::{Side, TimeInForce, Venue};

#[tokio::test]
async fn rates_and_history_per_venue_interval() {
    let env = env().await;
    env.clock.advance(Duration::from_secs(3 * 3600 + 60));
    let e = env.edgex.funding("BTC").await.unwrap();
    assert_eq!(e.interval_minutes, 240);
    assert!(e.next_funding_time.unwrap() > t0());
    let l = env.lighter.funding("BTC").await.unwrap();
    assert_eq!(l.interval_minutes, 60);
    let hist = env.lighter.funding_history("BTC", 3).await.unwrap();
    assert_eq!(hist.len(), 3);
    assert!(hist[0].time > hist[1].time, "newest first");
    let bulk = env
        .lighter
        .funding_rates(&["BTC".to_string(), "ETH".to_string(), "NOPE".to_string()])
        .await
        .unwrap();
    assert!(bulk[0].1.is_ok() && bulk[1].1.is_ok() && bulk[2].1.is_err());
    env.clock.advance(Duration::from_secs(9 * 3600));
    let settled = env.edgex.funding_history("ETH", 2).await.unwrap();
    assert_eq!(settled.len(), 2);
    assert_eq!((settled[0].time - settled[1].time).num_minutes(), 240);
    // the interval is per contract on EdgeX
    assert_eq!(
        env.edgex.funding("PUMP").await.unwrap().interval_minutes,
        60
    );
}

#[tokio::test]
async fn payments_accrue_at_each_interval() {
    let env = env().await;
    let buy = aggressive(
        &env.edgex,
        "SOL",
        Side::Buy,
        dec!(10),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        51,
    )
    .await;
    place(&env.edgex, &buy).await.unwrap();
    let sell = aggressive(
        &env.lighter,
        "SOL",
        Side::Sell,
        dec!(10),
        5,
        TimeInForce::ImmediateOrCancel,
        false,
        52,
    )
    .await;
    place(&env.lighter, &sell).await.unwrap();
    env.clock.advance(Duration::from_secs(8 * 3600 + 5));
    let e_pay = env.edgex.funding_payments("SOL", None).await.unwrap();
    let l_pay = env.lighter.funding_payments("SOL", None).await.unwrap();
    assert_eq!(e_pay.len(), 2, "two 4-hour settlements");
    assert_eq!(l_pay.len(), 8, "eight hourly settlements");
    assert!(e_pay.iter().all(|p| !p.amount.is_zero()));
    assert!(e_pay[0].time > e_pay[1].time);
    let since = e_pay[0].time;
    assert_eq!(
        env.edgex
            .funding_payments("SOL", Some(since))
            .await
            .unwrap()
            .len(),
        1
    );
    // the simulator booked exactly these payments on the account
    let account = env.session.edgex_keys().account_id.to_string();
    let booked: Decimal = env.session.server().with_exchange(|ex| {
        ex.account(venue_sim::engine::VenueKind::Edgex, &account)
            .unwrap()
            .funding
            .iter()
            .map(|r| r.amount)
            .sum()
    });
    let total: Decimal = e_pay.iter().map(|p| p.amount).sum();
    assert_eq!(booked, total);
}

/// The live `fundings` window semantics (the default): end excluded, `count_back` rows
/// counted from the start, 100 per call.
#[tokio::test]
async fn lighter_fundings_live_window_semantics() {
    use std::sync::Arc;
    use venue_sim::engine::Exchange;
    use venue_sim::{SimOptions, SimServer};
    let clock = Arc::new(venue_api::ManualClock::new(t0()));
    let t = t0().timestamp_millis();
    let options = SimOptions {
        clock: clock.clone(),
        ..SimOptions::default()
    };
    let sim = SimServer::start(options, Exchange::with_defaults(4, t))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(300 * 3600 + 60));
    let config = venue_lighter::LighterConfig::new(
        sim.lighter_base_url(),
        sim.lighter_ws_url(),
        None,
        None,
        None,
    )
    .unwrap();
    let v = lighter_venue(config, clock.clone());
    let hour = 3_600_000;
    let now = t + 300 * hour;
    // 3-day window, count_back 1: the OLDEST row of the window, not the newest
    let r = v.http().fundings(1, now - 72 * hour, now, 1).await.unwrap();
    assert_eq!(r.fundings.len(), 1);
    assert_eq!(r.fundings[0].timestamp, (now - 72 * hour) / 1000);
    // end excluded: [now-3h, now) holds the settlements at now-3h, now-2h, now-1h
    let r = v.http().fundings(1, now - 3 * hour, now, 10).await.unwrap();
    let times: Vec<i64> = r.fundings.iter().map(|f| f.timestamp).collect();
    assert_eq!(
        times,
        vec![
            (now - 3 * hour) / 1000,
            (now - 2 * hour) / 1000,
            (now - hour) / 1000
        ]
    );
    // at most 100 rows per call
    let r = v
        .http()
        .fundings(1, now - 250 * hour, now, 500)
        .await
        .unwrap();
    assert_eq!(r.fundings.len(), 100);
    assert_eq!(r.fundings[0].timestamp, (now - 250 * hour) / 1000);
}

/// What the adapters read as current is what the venue then settles, and a dislocation
/// episode shows through both adapters (and not with episodes switched off).
#[tokio::test]
async fn adapters_read_the_rate_that_settles_and_see_episodes() {
    use venue_sim::engine::funding::{hourly_e8, EpisodeParams, HOURS_PER_YEAR};
    use venue_sim::engine::VenueKind;
    use venue_sim::paper::PaperOptions;
    let symbols = ["BTC", "ETH", "SOL", "DOGE", "XRP", "LINK"];
    // the hour of the next 3 days with the widest episode spread for seed 7
    let p = EpisodeParams::default();
    let h0 = t0().timestamp() / 3600;
    let spread = |p: &EpisodeParams, s: &str, h: i64| {
        (hourly_e8(7, p, VenueKind::Edgex, s, h) - hourly_e8(7, p, VenueKind::Lighter, s, h)).abs()
            * HOURS_PER_YEAR
            / 1_000_000
    };
    let (apr, symbol, hour) = (h0 + 1..h0 + 72)
        .flat_map(|h| symbols.iter().map(move |s| (h, *s)))
        .map(|(h, s)| (spread(&p, s, h), s, h))
        .max()
        .unwrap();
    assert!(apr >= 50, "an episode within 3 days: {apr} % APR");
    assert!(spread(&EpisodeParams::off(), symbol, hour) < 50);
    for episodes in [true, false] {
        let env = env_with(PaperOptions {
            lighter_fill_delay: Duration::ZERO,
            funding_episodes: episodes,
            ..PaperOptions::default()
        })
        .await;
        // at the start of the episode's EdgeX period, so both venues' current rates apply
        let start = (hour - h0) / 4 * 4 * 3600;
        env.clock.advance(Duration::from_secs(start as u64 + 60));
        let e = env.edgex.funding(symbol).await.unwrap();
        let l = env.lighter.funding(symbol).await.unwrap();
        let hourly_e = e.rate / Decimal::from(e.interval_minutes / 60);
        let seen = ((hourly_e - l.rate).abs() * Decimal::from(HOURS_PER_YEAR * 100)).round();
        if episodes {
            assert!(seen >= Decimal::from(25), "{symbol}: {seen} % APR seen");
        } else {
            assert!(
                seen < Decimal::from(50),
                "{symbol}: {seen} % APR without episodes"
            );
        }
        // the rate shown as current is the rate the next settlement carries
        env.clock.advance(Duration::from_secs(4 * 3600));
        let settled_e = env.edgex.funding_history(symbol, 1).await.unwrap();
        assert_eq!(Some(settled_e[0].time), e.next_funding_time);
        assert_eq!(settled_e[0].rate, e.rate);
        let settled_l = env.lighter.funding_history(symbol, 4).await.unwrap();
        let at = settled_l
            .iter()
            .find(|f| Some(f.time) == l.next_funding_time)
            .unwrap();
        assert_eq!(at.rate, l.rate);
    }
}

/// Taker fees are charged per fill and reported in `OrderStatus.fee` on both venues, equal
/// to what the venue booked on the account.
#[tokio::test]
async fn taker_fees_are_reported_in_order_status() {
    use venue_sim::engine::VenueKind;
    let env = env().await;
    let venues: [(&dyn Venue, VenueKind, String); 2] = [
        (
            &env.edgex,
            VenueKind::Edgex,
            env.session.edgex_keys().account_id.to_string(),
        ),
        (
            &env.lighter,
            VenueKind::Lighter,
            env.session.lighter_keys().account_index.to_string(),
        ),
    ];
    for (i, (venue, kind, account)) in venues.into_iter().enumerate() {
        let market = venue.market("ETH").await.unwrap();
        let req = aggressive(
            venue,
            "ETH",
            Side::Buy,
            dec!(0.5),
            3,
            TimeInForce::ImmediateOrCancel,
            false,
            70 + i as u64,
        )
        .await;
        place(venue, &req).await.unwrap();
        let st = venue
            .order_status("ETH", req.client_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(st.filled_size, dec!(0.5));
        let notional = st.filled_size * st.avg_fill_price.unwrap();
        let want = notional * market.taker_fee.unwrap();
        let fee = st.fee.expect("fee reported");
        assert!(
            (fee - want).abs() < dec!(0.000001),
            "{kind:?}: {fee} vs {want}"
        );
        let booked: Decimal = env.session.server().with_exchange(|ex| {
            ex.account(kind, &account)
                .unwrap()
                .order_by_client_id(&req.client_id.get().to_string())
                .unwrap()
                .fee
        });
        assert!(
            (fee - booked).abs() < dec!(0.000001),
            "{kind:?}: booked {booked}"
        );
    }
}
