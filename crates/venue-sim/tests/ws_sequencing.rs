//! Order-book WebSocket sequencing as the venues send it, so that gap detection can be
//! tested: Lighter updates chain `begin_nonce` to the previous `nonce`, EdgeX changes chain
//! `startVersion` to the previous `endVersion`; the `gap` fault swallows one update.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

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

/// The next message satisfying `is_update`, moving the clock so that the book changes.
async fn next_update(env: &Env, ws: &mut Ws, is_update: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..40 {
        env.clock.advance(Duration::from_secs(20));
        // a swallowed update leaves the next push interval silent
        let Ok(m) = tokio::time::timeout(Duration::from_millis(800), next_json(ws)).await else {
            continue;
        };
        if is_update(&m) {
            return m;
        }
    }
    panic!("no book update");
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

#[tokio::test]
async fn lighter_book_updates_chain_nonces_and_the_gap_fault_breaks_the_chain() {
    let env = env().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "connected");
    let sub = json!({"type": "subscribe", "channel": "order_book/1"});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let snap = next_json(&mut ws).await;
    assert_eq!(snap["type"], "subscribed/order_book");
    let mut last = int(&snap["order_book"]["nonce"]);
    let is_book = |m: &Value| m["type"] == "update/order_book";
    for _ in 0..3 {
        let u = next_update(&env, &mut ws, is_book).await;
        assert_eq!(int(&u["order_book"]["begin_nonce"]), last, "{u}");
        let nonce = int(&u["order_book"]["nonce"]);
        assert!(nonce > last);
        last = nonce;
    }
    env.session.faults().add_spec("lighter:ws:gap:1").unwrap();
    let u = next_update(&env, &mut ws, is_book).await;
    assert!(int(&u["order_book"]["begin_nonce"]) > last, "a gap: {u}");
    last = int(&u["order_book"]["nonce"]);
    let u = next_update(&env, &mut ws, is_book).await;
    assert_eq!(int(&u["order_book"]["begin_nonce"]), last, "chained again");
}

#[tokio::test]
async fn edgex_depth_changes_chain_versions_and_the_gap_fault_breaks_the_chain() {
    let env = env().await;
    let url = format!("{}/api/v1/public/ws", env.session.server().edgex_ws_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let sub = json!({"type": "subscribe", "channel": "depth.10000001.15"});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "subscribed");
    let snap = next_json(&mut ws).await;
    let data = &snap["content"]["data"][0];
    assert_eq!(data["startVersion"], data["endVersion"]);
    let mut last = int(&data["endVersion"]);
    let is_change = |m: &Value| m["content"]["dataType"] == "Changed";
    for _ in 0..3 {
        let u = next_update(&env, &mut ws, is_change).await;
        let d = &u["content"]["data"][0];
        assert_eq!(int(&d["startVersion"]), last, "{u}");
        assert_eq!(d["depthType"], "CHANGED");
        last = int(&d["endVersion"]);
    }
    env.session.faults().add_spec("edgex:ws:gap:1").unwrap();
    let u = next_update(&env, &mut ws, is_change).await;
    let d = &u["content"]["data"][0];
    assert!(int(&d["startVersion"]) > last, "a gap: {u}");
    last = int(&d["endVersion"]);
    let u = next_update(&env, &mut ws, is_change).await;
    assert_eq!(
        int(&u["content"]["data"][0]["startVersion"]),
        last,
        "chained again"
    );
}
