//! The public tape on the wire: Lighter `trade/{market}` and EdgeX `trades.{cid}` push the
//! walk's synthetic trades and our own fills, ids increasing per market.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use venue_api::{Side, TimeInForce};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(3), ws.next())
            .await
            .expect("a message within 3 s")
            .expect("stream open")
            .expect("no error");
        if let Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// Trades of the next tape message, moving the clock a minute at a time until one comes.
async fn next_trades(
    env: &Env,
    ws: &mut Ws,
    is_tape: impl Fn(&Value) -> Option<Vec<Value>>,
) -> Vec<Value> {
    for _ in 0..10 {
        env.clock.advance(Duration::from_secs(60));
        let deadline = tokio::time::Instant::now() + Duration::from_millis(800);
        while let Ok(m) = tokio::time::timeout_at(deadline, next_json(ws)).await {
            if let Some(t) = is_tape(&m) {
                return t;
            }
        }
    }
    panic!("no trade pushed");
}

fn int(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

#[tokio::test]
async fn lighter_trade_channel_pushes_the_tape_and_our_fill() {
    let env = env().await;
    // some history first
    env.clock.advance(Duration::from_secs(1));
    env.session.server().with_exchange(|_| ());
    env.clock.advance(Duration::from_secs(120));
    let (mut ws, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connected");
    let sub = json!({"type": "subscribe", "channel": "trade/1"});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let first = next_json(&mut ws).await;
    assert_eq!(first["type"], "subscribed/trade");
    assert_eq!(first["channel"], "trade:1");
    let mut last = first["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| int(&t["trade_id"]))
        .max()
        .unwrap_or(0);
    let is_tape =
        |m: &Value| (m["type"] == "update/trade").then(|| m["trades"].as_array().unwrap().clone());
    let trades = next_trades(&env, &mut ws, is_tape).await;
    for t in &trades {
        assert_eq!(int(&t["trade_id"]), last + 1, "{t}");
        last += 1;
        assert_eq!(t["market_id"], 1);
        assert_eq!(t["type"], "trade");
        assert!(t["timestamp"].as_i64().unwrap() > 1_700_000_000_000, "ms");
    }
    // our IOC buy prints at once, the taker bought: is_maker_ask
    let buy = aggressive(
        &env.lighter,
        "BTC",
        Side::Buy,
        dec!(0.001),
        3,
        TimeInForce::ImmediateOrCancel,
        false,
        77,
    )
    .await;
    place(&env.lighter, &buy).await.unwrap();
    let acct = env.session.lighter_keys().account_index;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let m = tokio::time::timeout_at(deadline, next_json(&mut ws))
            .await
            .expect("our fill on the tape");
        let Some(trades) = is_tape(&m) else { continue };
        let t = &trades[0];
        assert_eq!(int(&t["trade_id"]), last + 1);
        assert_eq!(t["is_maker_ask"], true);
        assert_eq!(t["bid_account_id"], acct);
        assert_eq!(t["size"], "0.00100");
        break;
    }
}

#[tokio::test]
async fn edgex_trades_channel_pushes_the_tape() {
    let env = env().await;
    env.session.server().with_exchange(|_| ());
    env.clock.advance(Duration::from_secs(120));
    let url = format!("{}/api/v1/public/ws", env.session.server().edgex_ws_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let sub = json!({"type": "subscribe", "channel": "trades.10000001"});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "subscribed");
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["content"]["dataType"], "Snapshot");
    let old = snap["content"]["data"].as_array().unwrap().clone();
    assert!(!old.is_empty(), "two minutes of history");
    let mut last = old.iter().map(|t| int(&t["ticketId"])).max().unwrap();
    let is_tape = |m: &Value| {
        (m["channel"] == "trades.10000001" && m["content"]["dataType"] == "Changed")
            .then(|| m["content"]["data"].as_array().unwrap().clone())
    };
    let trades = next_trades(&env, &mut ws, is_tape).await;
    for t in &trades {
        assert_eq!(int(&t["ticketId"]), last + 1, "{t}");
        last += 1;
        assert_eq!(t["contractId"], "10000001");
        assert!(t["isBuyerMaker"].is_boolean());
        assert!(int(&t["time"]) > 1_700_000_000_000);
    }
}
