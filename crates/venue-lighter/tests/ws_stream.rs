//! The WebSocket stream against a local tokio-tungstenite server on 127.0.0.1: greeting,
//! subscriptions (with auth for user_stats), snapshot + update merge, ping/pong, gap ->
//! resubscribe, reconnect after a close, and the venue's REST fallback while disconnected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rust_decimal_macros::dec;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use venue_api::{BookSource, Secret, SystemClock, Venue};
use venue_lighter::{LighterSigner, LighterStream, StreamCache, StreamConfig};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("frame in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = m {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text.to_string())).await.unwrap();
}

async fn wait_for<F: Fn() -> bool>(f: F) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_merges_books_answers_pings_resubscribes_and_reconnects() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/stream", listener.local_addr().unwrap());
    let (events, mut seen) = mpsc::unbounded_channel::<String>();
    let (go, mut go_rx) = mpsc::unbounded_channel::<()>();

    let server = tokio::spawn(async move {
        // first connection: the full script, then a close
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        send(&mut ws, r#"{"type":"connected","session_id":"abc"}"#).await;
        let mut subs = [next_json(&mut ws).await, next_json(&mut ws).await];
        subs.sort_by_key(|v| v["channel"].as_str().unwrap().to_string());
        assert_eq!(
            subs[0],
            serde_json::json!({"type":"subscribe","channel":"order_book/0"})
        );
        assert_eq!(subs[1]["channel"], "user_stats/123456");
        let auth = subs[1]["auth"].as_str().unwrap();
        assert!(auth.contains(":123456:3:"), "{auth}");
        send(&mut ws, &fixture("ws-order-book-snapshot.json")).await;
        send(&mut ws, &fixture("ws-order-book-update.json")).await;
        send(&mut ws, &fixture("ws-user-stats.json")).await;
        events.send("book".into()).unwrap();
        go_rx.recv().await.unwrap(); // the test has looked at the merged book
        send(&mut ws, r#"{"type":"ping"}"#).await;
        assert_eq!(next_json(&mut ws).await, serde_json::json!({"type":"pong"}));
        events.send("pong".into()).unwrap();
        // an update whose offset goes backwards: the client resubscribes
        send(
            &mut ws,
            &fixture("ws-order-book-update.json").replace("41232", "41000"),
        )
        .await;
        assert_eq!(next_json(&mut ws).await["type"], "unsubscribe");
        assert_eq!(
            next_json(&mut ws).await,
            serde_json::json!({"type":"subscribe","channel":"order_book/0"})
        );
        events.send("resubscribed".into()).unwrap();
        ws.close(None).await.unwrap();
        drop(ws);

        // second connection after the client's backoff
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        send(&mut ws, r#"{"type":"connected"}"#).await;
        let _ = (next_json(&mut ws).await, next_json(&mut ws).await);
        send(&mut ws, &fixture("ws-order-book-snapshot.json")).await;
        events.send("reconnected".into()).unwrap();
        // keep the connection open until the client stops
        while let Some(Ok(_)) = ws.next().await {}
    });

    let signer = LighterSigner::new(&Secret::new(SK), ACCOUNT, KEY_INDEX, 304).unwrap();
    let cache = Arc::new(StreamCache::new(Duration::from_secs(60)));
    let mut config = StreamConfig::new(url, vec![0], Some(ACCOUNT));
    config.reconnect_min = Duration::from_millis(20);
    config.reconnect_max = Duration::from_millis(100);
    let stream = LighterStream::spawn(config, cache.clone(), Arc::new(SystemClock), Some(signer));

    assert_eq!(seen.recv().await.unwrap(), "book");
    let c = cache.clone();
    wait_for(move || {
        c.balance(chrono::Utc::now()).is_some()
            && c.top(0, chrono::Utc::now())
                .is_some_and(|t| t.bid_price() == Some(dec!(3021.45)))
    })
    .await;
    let top = cache.top(0, chrono::Utc::now()).unwrap();
    // snapshot best ask 3021.50 was deleted by the update; bid 3021.45 was inserted
    assert_eq!(
        (top.bid_price(), top.ask_price()),
        (Some(dec!(3021.45)), Some(dec!(3021.60)))
    );
    assert_eq!(top.source, BookSource::Stream);
    let bal = cache.balance(chrono::Utc::now()).unwrap();
    assert_eq!(
        (bal.equity, bal.available, bal.margin_usage),
        // margin_usage arrives in percent (19.09 -> 0.1909), venue-api's unit is a fraction
        (dec!(1003.978), dec!(812.3456), Some(dec!(0.1909)))
    );

    go.send(()).unwrap();
    assert_eq!(seen.recv().await.unwrap(), "pong");
    assert_eq!(seen.recv().await.unwrap(), "resubscribed");
    assert_eq!(seen.recv().await.unwrap(), "reconnected");
    let c = cache.clone();
    wait_for(move || c.top(0, chrono::Utc::now()).is_some()).await;
    let top = cache.top(0, chrono::Utc::now()).unwrap();
    assert_eq!(
        (top.bid_price(), top.ask_price()),
        (Some(dec!(3021.40)), Some(dec!(3021.50)))
    );

    stream.shutdown().await;
    assert!(
        cache.top(0, chrono::Utc::now()).is_none(),
        "cleared after the stream stops"
    );
    server.abort();
}

#[tokio::test]
async fn venue_prefers_a_fresh_stream_and_falls_back_to_rest() {
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&server)
        .await;
    let cache = Arc::new(StreamCache::new(Duration::from_secs(5)));
    let v = venue(&server).with_stream_cache(cache.clone());
    // empty cache -> REST
    assert_eq!(v.top_of_book("ETH").await.unwrap().source, BookSource::Rest);
    // a fresh stream book -> stream
    let mut state = venue_lighter::ws::book::BookState::default();
    let snap: Value = serde_json::from_str(&fixture("ws-order-book-snapshot.json")).unwrap();
    let book: venue_lighter::ws::book::WireBook =
        serde_json::from_value(snap["order_book"].clone()).unwrap();
    state.snapshot(&book, Some(1)).unwrap();
    cache.store_book(0, state.clone(), now());
    let top = v.top_of_book("ETH").await.unwrap();
    assert_eq!(
        (top.source, top.ask_price()),
        (BookSource::Stream, Some(dec!(3021.50)))
    );
    // a stale one -> REST again
    cache.store_book(0, state, now() - chrono::Duration::seconds(30));
    assert_eq!(v.top_of_book("ETH").await.unwrap().source, BookSource::Rest);
}

#[tokio::test]
async fn reconnects_when_the_server_is_down_at_first() {
    // reserve a port, close it, start the server there only after a while
    let probe = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let cache = Arc::new(StreamCache::new(Duration::from_secs(60)));
    let mut config = StreamConfig::new(format!("ws://{addr}/stream"), vec![0], None);
    config.reconnect_min = Duration::from_millis(10);
    config.reconnect_max = Duration::from_millis(50);
    let stream = LighterStream::spawn(config, cache.clone(), Arc::new(SystemClock), None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let listener = TcpListener::bind(addr).await.unwrap();
    let (tcp, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    send(&mut ws, r#"{"type":"connected"}"#).await;
    assert_eq!(next_json(&mut ws).await["channel"], "order_book/0");
    send(&mut ws, &fixture("ws-order-book-snapshot.json")).await;
    let c = cache.clone();
    wait_for(move || c.top(0, chrono::Utc::now()).is_some()).await;
    stream.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_spawn_stream_subscribes_the_symbols_and_reads_from_it() {
    let rest = MockServer::start().await;
    mount_markets(&rest).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&rest)
        .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/stream", listener.local_addr().unwrap());
    let config = venue_lighter::LighterConfig::new(
        rest.uri(),
        ws_url,
        Some(Secret::new(SK)),
        Some(ACCOUNT),
        Some(KEY_INDEX),
    )
    .unwrap();
    let v =
        venue_lighter::LighterVenue::with_parts(config, settings(), Arc::new(SystemClock)).unwrap();
    let (v, stream) = v.spawn_stream(&["ETH".to_string()]).await.unwrap();
    let (tcp, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    send(&mut ws, r#"{"type":"connected"}"#).await;
    let mut channels = vec![
        next_json(&mut ws).await["channel"]
            .as_str()
            .unwrap()
            .to_string(),
        next_json(&mut ws).await["channel"]
            .as_str()
            .unwrap()
            .to_string(),
    ];
    channels.sort();
    assert_eq!(channels, ["order_book/0", "user_stats/123456"]);
    // stats first: frames are handled in order, so once the book shows, the balance is there
    send(&mut ws, &fixture("ws-user-stats.json")).await;
    send(&mut ws, &fixture("ws-order-book-snapshot.json")).await;
    for _ in 0..200 {
        if v.top_of_book("ETH").await.unwrap().source == BookSource::Stream {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        v.top_of_book("ETH").await.unwrap().source,
        BookSource::Stream
    );
    assert_eq!(
        v.balance().await.unwrap().available,
        dec!(812.3456),
        "balance from user_stats, no REST call"
    );
    assert!(rest
        .received_requests()
        .await
        .unwrap()
        .iter()
        .all(|r| r.url.path() != "/api/v1/account"));
    stream.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_uses_the_ring_provider_and_survives_a_bad_handshake() {
    // a TCP server that is not TLS: the client builds its rustls config, fails the
    // handshake, and keeps retrying without panicking
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepts = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = accepts.clone();
    let server = tokio::spawn(async move {
        loop {
            let (mut tcp, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            use tokio::io::AsyncWriteExt;
            let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let cache = Arc::new(StreamCache::new(Duration::from_secs(60)));
    let mut config = StreamConfig::new(format!("wss://{addr}/stream"), vec![0], None);
    config.reconnect_min = Duration::from_millis(10);
    config.reconnect_max = Duration::from_millis(20);
    let stream = LighterStream::spawn(config, cache.clone(), Arc::new(SystemClock), None);
    let c = accepts.clone();
    wait_for(move || c.load(std::sync::atomic::Ordering::SeqCst) >= 2).await;
    assert!(cache.top(0, chrono::Utc::now()).is_none());
    stream.shutdown().await;
    server.abort();
}

/// The adapter starts its own book stream on the first top-of-book read (`book_stream` on),
/// reads whole levels from it once the snapshot arrived, survives an error frame, and
/// resubscribes when `begin_nonce` does not continue the previous `nonce`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_venue_starts_its_stream_lazily_pings_and_resyncs_on_a_nonce_gap() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/stream", listener.local_addr().unwrap());
    let (events, mut seen) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        send(&mut ws, r#"{"type":"connected"}"#).await;
        let mut snapshots = 0;
        loop {
            let v = next_json(&mut ws).await;
            let kind = v["type"].as_str().unwrap_or("").to_string();
            events.send(kind.clone()).unwrap();
            if kind == "subscribe" && v["channel"] == "order_book/0" {
                snapshots += 1;
                send(
                    &mut ws,
                    r#"{"error":{"code":30003,"message":"Already Subscribed"}}"#,
                )
                .await;
                send(&mut ws, &format!(r#"{{"type":"subscribed/order_book","channel":"order_book:0","offset":{snapshots},"order_book":{{"nonce":100,"bids":[{{"price":"3000.00","size":"1.5"}}],"asks":[{{"price":"3001.00","size":"2"}}]}}}}"#)).await;
                if snapshots == 1 {
                    // continues from 100: applied
                    send(&mut ws, r#"{"type":"update/order_book","channel":"order_book:0","offset":10,"order_book":{"begin_nonce":100,"nonce":105,"bids":[{"price":"3000.00","size":"2.5"}],"asks":[]}}"#).await;
                    // begins at 110: a message was lost -> resubscribe
                    send(&mut ws, r#"{"type":"update/order_book","channel":"order_book:0","offset":11,"order_book":{"begin_nonce":110,"nonce":111,"bids":[],"asks":[]}}"#).await;
                }
            }
        }
    });
    let server = MockServer::start().await;
    mount_markets(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/orderBookOrders"))
        .respond_with(json("orderBookOrders.json"))
        .mount(&server)
        .await;
    let mut config = venue_lighter::LighterConfig::new(
        server.uri(),
        ws_url,
        Some(Secret::new(SK)),
        Some(ACCOUNT),
        Some(KEY_INDEX),
    )
    .unwrap();
    config.book_stream = true;
    let mut s = settings();
    s.read_retries = 0;
    let v = venue_lighter::LighterVenue::with_parts(config, s, Arc::new(SystemClock)).unwrap();
    // first read: REST while the stream is not ready
    assert_eq!(v.top_of_book("ETH").await.unwrap().source, BookSource::Rest);
    // the stream resubscribes after the nonce gap: two subscriptions
    let mut subs = 0;
    while subs < 2 {
        if tokio::time::timeout(Duration::from_secs(5), seen.recv())
            .await
            .unwrap()
            .unwrap()
            == "subscribe"
        {
            subs += 1;
        }
    }
    let mut top = v.top_of_book("ETH").await.unwrap();
    for _ in 0..200 {
        if top.source == BookSource::Stream {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        top = v.top_of_book("ETH").await.unwrap();
    }
    assert_eq!(top.source, BookSource::Stream);
    assert_eq!(
        top.bid.unwrap().size,
        dec!(1.5),
        "fresh snapshot after the resync"
    );
    assert_eq!(top.ask_price(), Some(dec!(3001.00)));
}
