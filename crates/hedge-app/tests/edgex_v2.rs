//! A paper open and close on EdgeX V2 through the real adapter: the simulator in V2 mode
//! (USDC-quoted contracts, HMAC + EIP-712), an IOC buy, the finished order found by client id,
//! the position, then a reduce-only IOC sell back to flat.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::doctor::DoctorVenues;
use std::sync::Arc;
use venue_api::{ClientOrderId, OrderRequest, OrderState, Side, SystemClock, TimeInForce, Venue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edgex_v2_paper_open_and_close() {
    let session = venue_sim::paper::start(venue_sim::paper::PaperOptions {
        state_path: None,
        edgex_api: venue_edgex::ApiVersion::V2,
        ..venue_sim::paper::PaperOptions::default()
    })
    .await
    .unwrap();
    let venues = DoctorVenues::paper(&session, Arc::new(SystemClock)).unwrap();
    let edgex = venues.edgex.clone();
    assert_eq!(edgex.api_version(), venue_edgex::ApiVersion::V2);
    edgex.resync().await.unwrap();
    let market = edgex.market("BTC").await.unwrap();
    assert_eq!(market.quote, "USDC");
    let size = market.min_size;
    let top = edgex.top_of_book("BTC").await.unwrap();
    let ticks = |n: i64| market.tick_size * rust_decimal::Decimal::from(n);
    let order = |id: u64, side: Side, price, reduce_only| OrderRequest {
        symbol: "BTC".into(),
        side,
        size,
        price,
        time_in_force: TimeInForce::ImmediateOrCancel,
        reduce_only,
        client_id: ClientOrderId::new(id).unwrap(),
        expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(60)),
    };
    let buy = order(
        7_001,
        Side::Buy,
        top.ask_price().unwrap() + ticks(10),
        false,
    );
    let ack = edgex
        .submit_order(edgex.prepare_order(&buy).await.unwrap())
        .await
        .unwrap();
    assert!(ack.venue_order_id.is_some());
    let mut status = None;
    for _ in 0..50 {
        status = edgex.order_status("BTC", buy.client_id).await.unwrap();
        if status
            .as_ref()
            .is_some_and(|s| s.state == OrderState::Filled)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = status.expect("the finished order is found on V2");
    assert_eq!(
        (status.state, status.filled_size),
        (OrderState::Filled, size)
    );
    let pos = edgex.position("BTC").await.unwrap().unwrap();
    assert_eq!(pos.size, size);

    let top = edgex.top_of_book("BTC").await.unwrap();
    let sell = order(
        7_002,
        Side::Sell,
        top.bid_price().unwrap() - ticks(10),
        true,
    );
    edgex
        .submit_order(edgex.prepare_order(&sell).await.unwrap())
        .await
        .unwrap();
    for _ in 0..50 {
        if edgex.position("BTC").await.unwrap().is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("still not flat after the reduce-only sell");
}
