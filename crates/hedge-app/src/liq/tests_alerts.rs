//! The monitor's alerts on a local webhook listener: a ladder level under its own kind,
//! posted on the crossing only (deduplicated while it persists), posted again at the level's
//! reminder cadence (escalation), replaced by the next level, and one "recovered" when the
//! venue is back to OK; a naked leg fires once and recovers; the gauges of each check.

use super::tests_ladder::{equity_for_runway, world};
use super::*;
use crate::alerts::Alerter;
use crate::metrics::Metrics;
use rust_decimal_macros::dec;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Mutex;
use venue_api::Clock;

/// A minimal webhook receiver (HTTP/1.1, keep-alive): every JSON body it gets.
fn receiver() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let sink = sink.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                let Ok(mut w) = stream.try_clone() else {
                    return;
                };
                let mut r = BufReader::new(stream);
                loop {
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let l = line.trim_end().to_ascii_lowercase();
                        if l.is_empty() {
                            break;
                        }
                        if let Some(v) = l.strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    if r.read_exact(&mut body).is_err() {
                        return;
                    }
                    if let Ok(v) = serde_json::from_slice(&body) {
                        if let Ok(mut s) = sink.lock() {
                            s.push(v);
                        }
                    }
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
                }
            });
        }
    });
    (url, got)
}

/// An expected post: (event, status, text the message contains).
type Post = (&'static str, &'static str, &'static str);

/// (event, status, message) of every post since the last call.
async fn posts(
    alerter: &Alerter,
    got: &Mutex<Vec<serde_json::Value>>,
) -> Vec<(String, String, String)> {
    assert!(alerter.flush(Duration::from_secs(10)).await, "delivered");
    let mut g = got.lock().expect("lock");
    g.drain(..)
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            (s("event"), s("status"), s("message"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ladder_levels_alert_under_their_own_kinds_with_dedup_escalation_and_recovery() {
    let mut w = world(equity_for_runway(dec!(12)));
    w.monitor.settings.auto_close = false;
    let (url, got) = receiver();
    let alerter = Alerter::new("liq-monitor", Some(&url)).expect("alerter");
    let metrics = Metrics::new();
    let set_runway = |w: &super::tests_ladder::World, pct| {
        *w.ma.equity.lock().expect("lock") = equity_for_runway(pct);
    };
    // (advance seconds, runway %, expected posts as (event, status, message contains))
    let steps: [(u64, Decimal, &[Post]); 7] = [
        (0, dec!(12), &[("warn", "firing", "Ok -> Warn")]),
        (60, dec!(12), &[]),
        (3600, dec!(12), &[("warn", "firing", "still Warn")]),
        (60, dec!(8), &[]),
        (60, dec!(8), &[("reduce", "firing", "Warn -> Reduce")]),
        (1200, dec!(8), &[("reduce", "firing", "still Reduce")]),
        (60, dec!(100), &[("reduce", "recovered", "back to OK")]),
    ];
    for (i, (advance, runway, want)) in steps.into_iter().enumerate() {
        w.clock.sleep(Duration::from_secs(advance)).await;
        set_runway(&w, runway);
        let r = w.monitor.check(&w.engine).await;
        publish::alerts(&r, &alerter);
        publish::metrics(&r, &metrics, Duration::from_secs(600));
        let got = posts(&alerter, &got).await;
        assert_eq!(got.len(), want.len(), "step {i}: {got:?}");
        for ((e, s, m), (we, ws, wm)) in got.iter().zip(want) {
            assert_eq!((e.as_str(), s.as_str()), (*we, *ws), "step {i}: {got:?}");
            assert!(m.contains(wm), "step {i}: {m}");
        }
        let text = metrics.render();
        let level = r.venues[0].level as u8;
        assert!(
            text.contains(&format!("liq_level{{venue=\"lighter\"}} {level}")),
            "step {i}: {text}"
        );
    }
    assert!(alerter.firing().is_empty(), "{:?}", alerter.firing());
    assert_eq!(
        (w.a.position_now(), w.b.position_now()),
        (dec!(10), dec!(-10))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_naked_leg_fires_once_then_recovers_and_the_gauges_are_set() {
    let mut w = world(dec!(10000));
    w.monitor.settings.auto_close = false;
    let (url, got) = receiver();
    let alerter = Alerter::new("liq-monitor", Some(&url)).expect("alerter");
    let metrics = Metrics::new();
    w.b.set_position(dec!(0));
    let mut naked = Vec::new();
    for _ in 0..4 {
        let r = w.monitor.check(&w.engine).await;
        publish::alerts(&r, &alerter);
        naked.extend(posts(&alerter, &got).await);
        w.clock.sleep(Duration::from_secs(40)).await;
    }
    assert_eq!(
        naked.len(),
        1,
        "once past the grace, then deduplicated: {naked:?}"
    );
    assert_eq!(
        (naked[0].0.as_str(), naked[0].1.as_str()),
        ("naked_leg", "firing")
    );
    w.b.set_position(dec!(-10));
    let r = w.monitor.check(&w.engine).await;
    publish::alerts(&r, &alerter);
    publish::metrics(&r, &metrics, Duration::from_secs(600));
    let back = posts(&alerter, &got).await;
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(
        (back[0].0.as_str(), back[0].1.as_str()),
        ("naked_leg", "recovered")
    );
    let text = metrics.render();
    for g in [
        "liq_equity{venue=\"lighter\"} 10000",
        "liq_maintenance_requirement{venue=\"lighter\"} 4",
        "liq_margin_usage{venue=\"lighter\"}",
        "liq_runway_pct{venue=\"lighter\"}",
        "liq_level{venue=\"edgex\"} 0",
        "liq_read_failures{venue=\"edgex\"} 0",
        "liq_read_failures_total{venue=\"edgex\"} 0",
        "liq_read_latency_ms{venue=\"lighter\"}",
        "liq_seconds_since_good_read{venue=\"lighter\"} 0",
        "liq_net_delta{symbol=\"HYPE\"} 0",
    ] {
        assert!(text.contains(g), "{g}: {text}");
    }
    assert!(metrics.health().is_ok());
}

#[tokio::test]
async fn the_start_up_summary_names_each_venue_s_level_and_each_hedge() {
    let mut w = world(equity_for_runway(dec!(12)));
    w.monitor.settings.auto_close = false;
    let r = w.monitor.check(&w.engine).await;
    let (message, details) = publish::startup_summary(&r);
    for part in [
        "liq-monitor started: Unhealthy, 2 venue(s) read, 1 symbol(s)",
        "lighter Warn (1 position(s))",
        "edgex Ok (1 position(s))",
        "HYPE hedged",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert_eq!(details["venues"][0]["level"], "WARN", "{details}");
    assert_eq!(details["venues"][1]["positions"], 1, "{details}");
}
