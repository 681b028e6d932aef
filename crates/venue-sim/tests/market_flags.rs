//! Market flags as the venues publish them, honoured by both adapters before anything is
//! signed: an inactive market takes no order, a reduce-only market only reducing orders
//! (Lighter `orderBooks.status` / `market_config.force_reduce_only`; EdgeX `enableTrade` /
//! `enableOpenPosition`). The simulator refuses the same orders if they are sent anyway.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use venue_api::{MarketStatus, Side, TimeInForce, Venue};
use venue_sim::engine::{Trading, VenueKind};

#[tokio::test]
async fn inactive_and_reduce_only_markets_are_refused_before_signing() {
    let env = env().await;
    // set before the adapters first read the market lists
    env.session.server().with_exchange(|ex| {
        for kind in [VenueKind::Edgex, VenueKind::Lighter] {
            for (symbol, trading) in [("ETH", Trading::ReduceOnly), ("SOL", Trading::Inactive)] {
                let id = ex
                    .markets_of(kind)
                    .find(|m| m.symbol == symbol)
                    .unwrap()
                    .market_id
                    .clone();
                ex.set_trading(kind, &id, trading).unwrap();
            }
        }
    });
    let venues: [&dyn Venue; 2] = [&env.edgex, &env.lighter];
    for venue in venues {
        let name = venue.display_name();
        // (symbol, reduce-only order, status shown, refused with)
        let cases = [
            ("ETH", false, MarketStatus::ReduceOnly, Some("reduce")),
            ("ETH", true, MarketStatus::ReduceOnly, None),
            ("SOL", true, MarketStatus::Inactive, Some("")),
            ("BTC", false, MarketStatus::Active, None),
        ];
        for (i, (symbol, reduce_only, status, refused)) in cases.into_iter().enumerate() {
            assert_eq!(
                venue.market(symbol).await.unwrap().status,
                status,
                "{name} {symbol}"
            );
            let size = if symbol == "BTC" {
                dec!(0.001)
            } else {
                dec!(0.1)
            };
            let req = aggressive(
                venue,
                symbol,
                Side::Buy,
                size,
                2,
                TimeInForce::ImmediateOrCancel,
                reduce_only,
                500 + i as u64,
            )
            .await;
            match (venue.prepare_order(&req).await, refused) {
                (Ok(_), None) => {}
                (Err(e), Some(word)) => {
                    let text = e.to_string().to_ascii_lowercase();
                    assert!(text.contains(word), "{name} {symbol}: {e}");
                    assert!(text.contains(&symbol.to_ascii_lowercase()), "{name}: {e}");
                }
                (got, want) => panic!(
                    "{name} {symbol} reduce_only={reduce_only}: {got:?}, want refusal {want:?}"
                ),
            }
        }
    }
}

#[test]
fn the_simulator_refuses_what_the_flags_forbid() {
    use venue_sim::engine::{Account, Exchange, NewOrder, Tif};
    let mut ex = Exchange::with_defaults(3, 1_767_225_600_000);
    ex.insert_account(Account::new(VenueKind::Lighter, "9", dec!(10000)));
    let m = ex
        .markets_of(VenueKind::Lighter)
        .find(|m| m.symbol == "ETH")
        .cloned()
        .unwrap();
    let ask = ex.book(VenueKind::Lighter, &m.market_id).unwrap().asks[1].price;
    let order = |cid: &str, reduce_only: bool| NewOrder {
        market_id: m.market_id.clone(),
        client_id: cid.into(),
        side: Side::Buy,
        price: ask,
        size: dec!(0.1),
        tif: Tif::Ioc,
        reduce_only,
        nonce: 0,
    };
    // (flag, reduce-only, refused with)
    let cases = [
        (Trading::ReduceOnly, false, Some("reduce-only")),
        (Trading::ReduceOnly, true, None),
        (Trading::Inactive, true, Some("not open")),
        (Trading::Active, false, None),
    ];
    for (i, (trading, reduce_only, refused)) in cases.into_iter().enumerate() {
        ex.set_trading(VenueKind::Lighter, &m.market_id, trading)
            .unwrap();
        let r = ex.place_order(
            VenueKind::Lighter,
            "9",
            order(&i.to_string(), reduce_only),
            None,
        );
        match (r, refused) {
            (Ok(_), None) => {}
            (Err(e), Some(word)) => assert!(e.to_string().contains(word), "{trading:?}: {e}"),
            (got, want) => panic!("{trading:?} {reduce_only}: {got:?} vs {want:?}"),
        }
    }
}
