//! WebSocket depth feed against a local tokio-tungstenite server on 127.0.0.1: subscription,
//! snapshot + changes, ping/pong, reconnect with resubscription, staleness, gap recovery, and
//! the venue's REST fallback while the stream is not ready.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio_tungstenite::tungstenite::Message;
use venue_api::{BookSource, Venue};
use venue_edgex::ws::{BookFeed, BookFeedConfig};
use venue_edgex::ApiVersion;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// One accepted client connection: frames to send (`None` closes), frames received.
struct Conn {
    to_client: UnboundedSender<Option<String>>,
    from_client: UnboundedReceiver<String>,
}

impl Conn {
    fn send(&self, text: impl Into<String>) {
        self.to_client.send(Some(text.into())).unwrap();
    }

    fn close(&self) {
        self.to_client.send(None).unwrap();
    }

    async fn next_text(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(5), self.from_client.recv())
            .await
            .expect("frame in time")
            .expect("open")
    }
}

async fn server() -> (String, UnboundedReceiver<Conn>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/api/v1/public/ws", listener.local_addr().unwrap());
    let (conns_tx, conns_rx) = unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else {
                continue;
            };
            let (out_tx, mut out_rx) = unbounded_channel::<Option<String>>();
            let (in_tx, in_rx) = unbounded_channel::<String>();
            if conns_tx
                .send(Conn {
                    to_client: out_tx,
                    from_client: in_rx,
                })
                .is_err()
            {
                return;
            }
            tokio::spawn(async move {
                let (mut sink, mut stream) = ws.split();
                loop {
                    tokio::select! {
                        m = stream.next() => match m {
                            Some(Ok(Message::Text(t))) => { let _ = in_tx.send(t.to_string()); }
                            Some(Ok(_)) => {}
                            _ => break,
                        },
                        o = out_rx.recv() => match o {
                            Some(Some(t)) => { if sink.send(Message::text(t)).await.is_err() { break } }
                            _ => { let _ = sink.close().await; break }
                        },
                    }
                }
            });
        }
    });
    (url, conns_rx)
}

fn feed_config(url: &str) -> BookFeedConfig {
    BookFeedConfig {
        url: url.to_string(),
        level: 15,
        stale_after: Duration::from_secs(5),
        ping_interval: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(30),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(50),
    }
}

fn depth(kind: &str, start: u64, end: u64, bids: &str, asks: &str) -> String {
    format!(
        r#"{{"type":"quote-event","channel":"depth.10000001.15","content":{{"dataType":"{kind}","channel":"depth.10000001.15","data":[{{"contractId":"10000001","level":15,"startVersion":"{start}","endVersion":"{end}","depthType":"{}","bids":{bids},"asks":{asks}}}]}}}}"#,
        kind.to_ascii_uppercase()
    )
}

const SUB: &str = r#"{"type":"subscribe","channel":"depth.10000001.15"}"#;

async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn accepted(conns: &mut UnboundedReceiver<Conn>) -> Conn {
    tokio::time::timeout(Duration::from_secs(5), conns.recv())
        .await
        .expect("connection in time")
        .unwrap()
}

#[tokio::test]
async fn snapshot_and_changes_give_a_live_top_of_book() {
    let (url, mut conns) = server().await;
    let feed = BookFeed::start(feed_config(&url), system_clock());
    feed.track("10000001");
    let mut c = accepted(&mut conns).await;
    assert_eq!(c.next_text().await, SUB);
    assert!(feed.top_of_book("10000001").is_none(), "no snapshot yet");
    c.send(depth(
        "Snapshot",
        1,
        10,
        r#"[{"price":"95911.6","size":"0.433"}]"#,
        r#"[["95912.0","0.812"],["95913.0","1"]]"#,
    ));
    eventually("snapshot", || feed.top_of_book("10000001").is_some()).await;
    let top = feed.top_of_book("10000001").unwrap();
    assert_eq!(
        (top.bid_price(), top.ask_price(), top.source),
        (Some(dec!(95911.6)), Some(dec!(95912.0)), BookSource::Stream)
    );
    c.send(depth("Changed", 11, 11, "[]", r#"[["95912.0","0"]]"#));
    eventually("change", || {
        feed.top_of_book("10000001").and_then(|t| t.ask_price()) == Some(dec!(95913.0))
    })
    .await;
}

#[tokio::test]
async fn server_pings_are_answered_with_the_same_time() {
    let (url, mut conns) = server().await;
    let feed = BookFeed::start(feed_config(&url), system_clock());
    feed.track("10000001");
    let mut c = accepted(&mut conns).await;
    assert_eq!(c.next_text().await, SUB);
    c.send(r#"{"type":"ping","time":"1745502857779"}"#);
    assert_eq!(
        c.next_text().await,
        r#"{"type":"pong","time":"1745502857779"}"#
    );
}

#[tokio::test]
async fn the_client_pings_on_its_interval() {
    let (url, mut conns) = server().await;
    let mut cfg = feed_config(&url);
    cfg.ping_interval = Duration::from_millis(50);
    let _feed = BookFeed::start(cfg, manual_clock());
    let mut c = accepted(&mut conns).await;
    assert_eq!(
        c.next_text().await,
        format!(r#"{{"type":"ping","time":"{NOW_MS}"}}"#)
    );
}

#[tokio::test]
async fn a_lost_connection_is_reestablished_and_resubscribed() {
    let (url, mut conns) = server().await;
    let feed = BookFeed::start(feed_config(&url), system_clock());
    feed.track("10000001");
    let mut first = accepted(&mut conns).await;
    assert_eq!(first.next_text().await, SUB);
    first.send(depth(
        "Snapshot",
        1,
        10,
        r#"[["100","1"]]"#,
        r#"[["101","1"]]"#,
    ));
    eventually("first snapshot", || feed.top_of_book("10000001").is_some()).await;
    first.close();
    eventually("disconnect noticed", || !feed.is_connected()).await;
    assert!(
        feed.top_of_book("10000001").is_none(),
        "no book while disconnected"
    );
    let mut second = accepted(&mut conns).await;
    assert_eq!(
        second.next_text().await,
        SUB,
        "resubscribed after reconnect"
    );
    eventually("reconnected", || feed.is_connected()).await;
    assert!(
        feed.top_of_book("10000001").is_none(),
        "old book discarded until a new snapshot"
    );
    second.send(depth(
        "Snapshot",
        50,
        60,
        r#"[["200","1"]]"#,
        r#"[["201","1"]]"#,
    ));
    eventually("second snapshot", || {
        feed.top_of_book("10000001").and_then(|t| t.bid_price()) == Some(dec!(200))
    })
    .await;
    assert_eq!(feed.connections(), 2);
}

#[tokio::test]
async fn a_quiet_book_goes_stale() {
    let (url, mut conns) = server().await;
    let mut cfg = feed_config(&url);
    cfg.stale_after = Duration::from_millis(150);
    let feed = BookFeed::start(cfg, system_clock());
    feed.track("10000001");
    let mut c = accepted(&mut conns).await;
    assert_eq!(c.next_text().await, SUB);
    c.send(depth(
        "Snapshot",
        1,
        10,
        r#"[["100","1"]]"#,
        r#"[["101","1"]]"#,
    ));
    eventually("snapshot", || feed.top_of_book("10000001").is_some()).await;
    eventually("staleness", || feed.top_of_book("10000001").is_none()).await;
}

#[tokio::test]
async fn a_version_gap_triggers_a_fresh_subscription() {
    let (url, mut conns) = server().await;
    let feed = BookFeed::start(feed_config(&url), system_clock());
    feed.track("10000001");
    let mut c = accepted(&mut conns).await;
    assert_eq!(c.next_text().await, SUB);
    c.send(depth(
        "Snapshot",
        1,
        10,
        r#"[["100","1"]]"#,
        r#"[["101","1"]]"#,
    ));
    eventually("snapshot", || feed.top_of_book("10000001").is_some()).await;
    c.send(depth("Changed", 20, 21, r#"[["100.5","1"]]"#, "[]"));
    assert_eq!(
        c.next_text().await,
        r#"{"type":"unsubscribe","channel":"depth.10000001.15"}"#
    );
    assert_eq!(c.next_text().await, SUB);
    assert!(feed.top_of_book("10000001").is_none());
}

#[tokio::test]
async fn the_venue_falls_back_to_rest_until_the_stream_is_ready() {
    let (url, mut conns) = server().await;
    let rest = MockServer::start().await;
    mount_meta(&rest, ApiVersion::V1).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/public/quote/getDepth"))
        .respond_with(json("depth.json"))
        .mount(&rest)
        .await;
    let feed = BookFeed::start(feed_config(&url), system_clock());
    let v = public_venue(&rest, ApiVersion::V1).with_book_feed(Arc::clone(&feed));

    let first = v.top_of_book("BTC").await.unwrap();
    assert_eq!(first.source, BookSource::Rest);
    let mut c = accepted(&mut conns).await;
    assert_eq!(
        c.next_text().await,
        SUB,
        "the venue asked the feed to track BTC"
    );
    c.send(depth(
        "Snapshot",
        1,
        10,
        r#"[["95920.0","1"]]"#,
        r#"[["95921.0","2"]]"#,
    ));
    eventually("stream ready", || feed.top_of_book("10000001").is_some()).await;
    let live = v.top_of_book("BTC").await.unwrap();
    assert_eq!(
        (live.source, live.bid_price()),
        (BookSource::Stream, Some(dec!(95920.0)))
    );
    assert_eq!(
        received(&rest, "/api/v1/public/quote/getDepth").await.len(),
        1
    );
}
