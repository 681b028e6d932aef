//! The `stall` fault on the "ws" endpoint: the WebSocket stays open and answers pings, but
//! pushes no book update until the stall (clock time) is over; then the book chain resumes
//! where it stopped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next JSON message, or `None` when nothing comes within `wait`.
async fn next_json(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match msg.expect("stream open").expect("no error") {
            Message::Text(t) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            _ => continue,
        }
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap()
}

/// While stalled (the clock moves, so the book does): no book message for ~1 s of real time,
/// and a ping is answered. Returns after the pong.
async fn assert_stalled(env: &Env, ws: &mut Ws, ping: Value, is_book: impl Fn(&Value) -> bool) {
    // let one push arm the rule at the current clock time, then move the market
    tokio::time::sleep(Duration::from_millis(400)).await;
    for _ in 0..4 {
        env.clock.advance(Duration::from_secs(20));
        while let Some(m) = next_json(ws, Duration::from_millis(300)).await {
            assert!(!is_book(&m), "a book push while stalled: {m}");
        }
    }
    ws.send(Message::text(ping.to_string())).await.unwrap();
    loop {
        let m = next_json(ws, Duration::from_secs(3)).await.expect("a pong");
        assert!(!is_book(&m), "a book push while stalled: {m}");
        if m["type"] == "pong" {
            break;
        }
    }
}

/// After the stall: the next book message comes and chains on the last one before it.
async fn next_book(env: &Env, ws: &mut Ws, is_book: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..20 {
        env.clock.advance(Duration::from_secs(20));
        while let Some(m) = next_json(ws, Duration::from_millis(400)).await {
            if is_book(&m) {
                return m;
            }
        }
    }
    panic!("no book update after the stall");
}

#[tokio::test]
async fn lighter_stall_keeps_the_socket_and_pings_but_no_book() {
    let env = env().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    let wait = Duration::from_secs(3);
    assert_eq!(next_json(&mut ws, wait).await.unwrap()["type"], "connected");
    let sub = json!({"type": "subscribe", "channel": "order_book/1"});
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let snap = next_json(&mut ws, wait).await.unwrap();
    assert_eq!(snap["type"], "subscribed/order_book");
    let last = int(&snap["order_book"]["nonce"]);
    env.session
        .faults()
        .add_spec("lighter:ws:stall=150000")
        .unwrap();
    let is_book = |m: &Value| m["type"] == "update/order_book";
    assert_stalled(&env, &mut ws, json!({"type": "ping"}), is_book).await;
    let u = next_book(&env, &mut ws, is_book).await;
    assert_eq!(int(&u["order_book"]["begin_nonce"]), last, "chained: {u}");
}

#[tokio::test]
async fn edgex_stall_for_good_keeps_the_socket_and_pings_but_no_depth() {
    let env = env().await;
    let url = format!("{}/api/v1/public/ws", env.session.server().edgex_ws_url());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let wait = Duration::from_secs(3);
    for ch in ["depth.10000001.15", "ticker.10000001"] {
        let sub = json!({"type": "subscribe", "channel": ch});
        ws.send(Message::text(sub.to_string())).await.unwrap();
    }
    let mut last = None;
    while last.is_none() {
        let m = next_json(&mut ws, wait).await.unwrap();
        if m["channel"] == "depth.10000001.15" && m["content"]["dataType"] == "Snapshot" {
            last = Some(int(&m["content"]["data"][0]["endVersion"]));
        }
    }
    env.session.faults().add_spec("edgex:ws:stall").unwrap();
    let is_market = |m: &Value| m["type"] == "quote-event";
    assert_stalled(
        &env,
        &mut ws,
        json!({"type": "ping", "time": "7"}),
        is_market,
    )
    .await;
    // for good: clearing the faults is what ends it
    env.session.faults().clear();
    let is_change = |m: &Value| m["content"]["dataType"] == "Changed";
    let u = next_book(&env, &mut ws, is_change).await;
    assert_eq!(
        int(&u["content"]["data"][0]["startVersion"]),
        last.unwrap(),
        "chained: {u}"
    );
}

/// A subscription made while stalled gets nothing, not even its snapshot, until the stall
/// ends: a client that reconnects cannot get a fresh book from a stalled venue.
#[tokio::test]
async fn a_subscription_during_a_stall_waits_for_its_end() {
    let env = env().await;
    // Lighter: a first socket arms the rule, a second one subscribes while stalled
    let (mut first, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    let wait = Duration::from_secs(3);
    assert_eq!(
        next_json(&mut first, wait).await.unwrap()["type"],
        "connected"
    );
    env.session.faults().add_spec("lighter:ws:stall").unwrap();
    let sub = json!({"type": "subscribe", "channel": "order_book/1"});
    first.send(Message::text(sub.to_string())).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(env.session.server().lighter_ws_url())
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws, wait).await.unwrap()["type"], "connected");
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let is_book =
        |m: &Value| m["type"] == "subscribed/order_book" || m["type"] == "update/order_book";
    for _ in 0..3 {
        env.clock.advance(Duration::from_secs(20));
        while let Some(m) = next_json(&mut ws, Duration::from_millis(300)).await {
            assert!(!is_book(&m), "a book while stalled: {m}");
        }
    }
    env.session.faults().clear();
    let snap = next_book(&env, &mut ws, is_book).await;
    assert_eq!(
        snap["type"], "subscribed/order_book",
        "the snapshot first: {snap}"
    );

    // EdgeX: the same for a depth channel
    env.session.faults().add_spec("edgex:ws:stall").unwrap();
    let url = format!("{}/api/v1/public/ws", env.session.server().edgex_ws_url());
    let (mut ex, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let sub = json!({"type": "subscribe", "channel": "depth.10000001.15"});
    ex.send(Message::text(sub.to_string())).await.unwrap();
    let is_market = |m: &Value| m["type"] == "quote-event";
    for _ in 0..3 {
        env.clock.advance(Duration::from_secs(20));
        while let Some(m) = next_json(&mut ex, Duration::from_millis(300)).await {
            assert!(!is_market(&m), "depth while stalled: {m}");
        }
    }
    env.session.faults().clear();
    let snap = next_book(&env, &mut ex, is_market).await;
    assert_eq!(
        snap["content"]["dataType"], "Snapshot",
        "the snapshot first: {snap}"
    );
}
