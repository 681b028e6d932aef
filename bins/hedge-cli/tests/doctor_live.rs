//! `hedge-cli doctor` in LIVE mode against the simulator reached over the network as a real
//! venue (`--env-file` with the simulator's URLs and paper keys): every check passes; with a
//! wrong Lighter private key the API-key check fails, the exit code is non-zero, and nothing
//! was sent to the venue (doctor only reads).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{hedge_cli, text};

use std::path::Path;
use std::process::Output;
use venue_sim::paper::{self, PaperOptions};

/// A valid Lighter key that is not the simulator's (keypairs[0] of the shared vectors).
const OTHER_KEY: &str =
    "0x6b25cafbe1afb31676d4913d7aeaf49cf565c5db6c8935fa914828bbd871d79d88fe152d1977af07";

fn doctor(dir: &Path, env_file: &Path) -> Output {
    hedge_cli(dir)
        .args(["--env-file", env_file.to_str().unwrap(), "doctor"])
        .output()
        .unwrap()
}

#[test]
fn live_doctor_against_the_simulator_passes_and_a_wrong_lighter_key_fails_with_nothing_sent() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let session = rt
        .block_on(paper::start(PaperOptions {
            state_path: None,
            ..PaperOptions::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hedge_config.json"),
        r#"{"symbol":"BTC","quote":"USD","long_exchange":"lighter","short_exchange":"edgex","leverage":3}"#,
    )
    .unwrap();
    let lines = session.env_lines();
    let good = dir.path().join("good.env");
    std::fs::write(&good, lines.join("\n") + "\n").unwrap();
    let o = doctor(dir.path(), &good);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("every check passed"), "{}", text(&o));

    let wrong: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.starts_with("LIGHTER_PRIVATE_KEY=") || l.starts_with("API_KEY_PRIVATE_KEY=") {
                format!("LIGHTER_PRIVATE_KEY={OTHER_KEY}")
            } else {
                l.clone()
            }
        })
        .collect();
    assert!(wrong.iter().any(|l| l.contains(OTHER_KEY)), "{lines:?}");
    let bad = dir.path().join("bad.env");
    std::fs::write(&bad, wrong.join("\n") + "\n").unwrap();
    let o = doctor(dir.path(), &bad);
    let t = text(&o);
    assert_ne!(o.status.code(), Some(0), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("FAIL") && l.contains("lighter") && l.contains("api key")),
        "{t}"
    );
    // nothing was sent: no account of the simulator holds an order or a position
    let _rt = rt.enter();
    let (orders, positions) = session.server().with_exchange(|ex| {
        ex.accounts.values().fold((0, 0), |(o, p), a| {
            (
                o + a.orders.len(),
                p + a.positions.values().filter(|x| !x.size.is_zero()).count(),
            )
        })
    });
    assert_eq!((orders, positions), (0, 0));
}
