//! `/metrics` and `/health` scraped over HTTP, and alert webhooks posted to a local listener:
//! one message per (subject, kind) while firing, one "recovered", a retried failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hedge_app::alerts::{AlertKind, AlertMessage, Alerter};
use hedge_app::metrics::{self, Metrics};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rust_decimal_macros::dec;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[tokio::test]
async fn metrics_and_health_are_served() {
    let m = Arc::new(Metrics::new());
    let (addr, task) = metrics::serve("127.0.0.1:0", m.clone()).await.unwrap();
    m.set_gauge(
        "rotation_bot_state",
        "1 for the current state",
        &[("state", "HOLDING")],
        dec!(1),
    );
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("rotation_bot_state{state=\"HOLDING\"} 1"),
        "{body}"
    );

    let (status, body) = get(addr, "/health").await;
    assert_eq!(status, 503, "no check yet: {body}");
    m.checked(Duration::from_secs(60));
    assert_eq!(get(addr, "/health").await, (200, "ok\n".to_string()));
    m.set_halted(Some("operation 7 interrupted".into()));
    let (status, body) = get(addr, "/health").await;
    assert_eq!(status, 503);
    assert!(body.contains("HALTED: operation 7 interrupted"), "{body}");
    assert_eq!(get(addr, "/nope").await.0, 404);
    task.abort();
}

#[tokio::test]
async fn a_taken_address_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = metrics::serve(&addr, Arc::new(Metrics::new()))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with(&format!("--metrics-addr {addr}:")), "{err}");
}

/// A webhook receiver that fails the first `fail_first` requests with 500.
async fn receiver(fail_first: u32) -> (String, Arc<Mutex<Vec<AlertMessage>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hooks/T000/SECRET-TOKEN",
        listener.local_addr().unwrap()
    );
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::new(AtomicU32::new(0));
    let sink = got.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let sink = sink.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let sink = sink.clone();
                    let seen = seen.clone();
                    async move {
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        let n = seen.fetch_add(1, Ordering::SeqCst);
                        let status = if n < fail_first {
                            500
                        } else {
                            sink.lock()
                                .unwrap()
                                .push(serde_json::from_slice(&body).unwrap());
                            200
                        };
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .status(status)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, got)
}

#[tokio::test]
async fn webhook_posts_once_per_subject_and_kind_then_recovered() {
    let (url, got) = receiver(1).await;
    let alerter = Alerter::new("rotation-bot", Some(&url)).unwrap();
    assert_eq!(alerter.host(), Some(url.split('/').nth(2).unwrap()));
    let details = serde_json::json!({"edgex": "0", "lighter": "-3.3"});
    assert!(alerter.raise("HYPE", AlertKind::NakedLeg, "lighter leg alone", details));
    assert!(!alerter.raise(
        "HYPE",
        AlertKind::NakedLeg,
        "lighter leg alone",
        serde_json::Value::Null
    ));
    assert!(alerter.raise(
        "bot",
        AlertKind::Paused,
        "daily fee budget",
        serde_json::Value::Null
    ));
    assert!(alerter.clear("HYPE", AlertKind::NakedLeg, "hedged again"));
    assert!(
        alerter.flush(Duration::from_secs(10)).await,
        "queue drained"
    );
    assert_eq!(alerter.delivery_counts(), (3, 0));

    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:?}");
    // The first message was answered 500 once and delivered on the retry.
    assert_eq!(got[0].event, "naked_leg");
    assert_eq!(got[0].status, "firing");
    assert_eq!(got[0].subject, "HYPE");
    assert_eq!(got[0].details["lighter"], "-3.3");
    assert!(got[0]
        .text
        .contains("ALERT naked_leg HYPE: lighter leg alone"));
    assert_eq!(got[1].event, "paused");
    assert_eq!(got[2].event, "naked_leg");
    assert_eq!(got[2].status, "recovered");
    assert_eq!(got[2].message, "hedged again");
}

#[tokio::test]
async fn an_unreachable_webhook_never_blocks_the_caller() {
    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let alerter = Alerter::new("liq-monitor", Some(&format!("http://127.0.0.1:{port}/x"))).unwrap();
    let started = std::time::Instant::now();
    alerter.raise(
        "bot",
        AlertKind::Halted,
        "legs unbalanced",
        serde_json::Value::Null,
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    assert!(
        !alerter.flush(Duration::from_millis(200)).await,
        "still retrying"
    );
}
