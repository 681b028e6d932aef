//! The WebSocket channels (EdgeX depth, Lighter order_book/user_stats) and the drop fault,
//! with a plain tokio-tungstenite client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_json(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(3), ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => return serde_json::from_str(t.as_str()).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

#[tokio::test]
async fn edgex_depth_snapshot_ping_and_drop() {
    let env = env().await;
    let url = format!("{}/api/v1/public/ws", env.session.server().edgex_ws_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": "depth.10000001.15"}),
    )
    .await;
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "subscribed");
    let snap = next_json(&mut ws).await.unwrap();
    assert_eq!(snap["content"]["dataType"], "Snapshot");
    assert!(!snap["content"]["data"][0]["bids"]
        .as_array()
        .unwrap()
        .is_empty());
    send(&mut ws, json!({"type": "ping", "time": "5"})).await;
    loop {
        let m = next_json(&mut ws).await.unwrap();
        if m["type"] == "pong" {
            assert_eq!(m["time"], "5");
            break;
        }
    }
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": "depth.999.15"}),
    )
    .await;
    env.session.faults().add_spec("edgex:ws:drop:1").unwrap();
    let mut closed = false;
    for _ in 0..50 {
        match next_json(&mut ws).await {
            None => {
                closed = true;
                break;
            }
            Some(m) if m["type"] == "error" => {
                assert_eq!(m["content"]["code"], "INVALID_CONTRACT_ID")
            }
            Some(_) => {}
        }
    }
    assert!(closed);
}

#[tokio::test]
async fn lighter_book_stats_updates_and_drop() {
    let env = env().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "connected");
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": "order_book/1"}),
    )
    .await;
    let snap = next_json(&mut ws).await.unwrap();
    assert_eq!(snap["type"], "subscribed/order_book");
    assert_eq!(snap["channel"], "order_book:1");
    assert_eq!(snap["order_book"]["asks"].as_array().unwrap().len(), 10);
    let acct = env.session.lighter_keys().account_index;
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": format!("user_stats/{acct}")}),
    )
    .await;
    let stats = next_json(&mut ws).await.unwrap();
    assert_eq!(stats["type"], "subscribed/user_stats");
    assert_eq!(stats["stats"]["portfolio_value"], "10000.000000");
    env.clock.advance(Duration::from_secs(600));
    let mut saw_update = false;
    for _ in 0..20 {
        let m = next_json(&mut ws).await.unwrap();
        if m["type"] == "update/order_book" {
            assert!(m["offset"].as_i64().unwrap() > snap["offset"].as_i64().unwrap());
            saw_update = true;
            break;
        }
    }
    assert!(saw_update);
    send(&mut ws, json!({"type": "ping"})).await;
    let mut saw_pong = false;
    for _ in 0..20 {
        if next_json(&mut ws).await.unwrap()["type"] == "pong" {
            saw_pong = true;
            break;
        }
    }
    assert!(saw_pong);
    env.session.faults().add_spec("lighter:ws:drop:1").unwrap();
    let mut closed = false;
    for _ in 0..50 {
        if next_json(&mut ws).await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed);
}
