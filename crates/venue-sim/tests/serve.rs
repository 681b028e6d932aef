//! `venue-sim serve` as an out-of-process venue for crash tests: it prints what a test needs
//! (`NAME=value` lines, then `VENUE_SIM_READY=1`), outlives its clients, keeps its state across
//! a kill -9 (saved after every order), saves and exits 0 on SIGTERM; `--help` exits 0 and a
//! bad `--speed` is a usage error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use venue_api::{OrderState, Secret, Side, SystemClock, TimeInForce, Venue};
use venue_edgex::{ApiVersion, EdgexConfig, EdgexCredentials, V1Credentials, V2Credentials};
use venue_lighter::LighterConfig;

const BIN: &str = env!("CARGO_BIN_EXE_venue-sim");

struct Served {
    child: Child,
    vars: BTreeMap<String, String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `venue-sim serve` and reads its output up to `VENUE_SIM_READY=1` (10 s at most).
fn serve(state_dir: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(BIN)
        .args(["serve", "--state-dir"])
        .arg(state_dir)
        .args(["--seed", "5", "--lighter-fill-delay", "0"])
        .args(extra)
        .env_remove("VENUE_SIM_FAULTS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut vars = BTreeMap::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .expect("serve printed VENUE_SIM_READY=1");
        if let Some((k, v)) = line.split_once('=') {
            if !k.contains(' ') && !k.starts_with('#') {
                vars.insert(k.to_string(), v.to_string());
            }
        }
        if line == "VENUE_SIM_READY=1" {
            break;
        }
    }
    Served { child, vars }
}

fn edgex_from(vars: &BTreeMap<String, String>) -> venue_edgex::EdgexVenue {
    let v1 = vars["EDGEX_API_VERSION"] == "v1";
    let config = EdgexConfig::new(
        if v1 { ApiVersion::V1 } else { ApiVersion::V2 },
        &vars["EDGEX_BASE_URL"],
        &vars["EDGEX_WS_URL"],
    )
    .with_account_id(vars["EDGEX_ACCOUNT_ID"].parse().unwrap());
    let (config, creds) = if v1 {
        let creds = EdgexCredentials::V1(V1Credentials {
            stark_private_key: Secret::new(vars["EDGEX_STARK_PRIVATE_KEY"].clone()),
        });
        (config, creds)
    } else {
        let creds = EdgexCredentials::V2(V2Credentials {
            api_key: Secret::new(vars["EDGEX_API_KEY"].clone()),
            api_passphrase: Secret::new(vars["EDGEX_API_PASSPHRASE"].clone()),
            api_secret: Secret::new(vars["EDGEX_API_SECRET"].clone()),
            trading_private_key: Secret::new(vars["EDGEX_TRADING_PRIVATE_KEY"].clone()),
        });
        // Live V2 names its contracts BTCUSDC, ETHUSDC, ...
        (config.with_quote("USDC"), creds)
    };
    edgex_venue(
        config.with_credentials(creds).unwrap(),
        Arc::new(SystemClock),
    )
}

fn lighter_from(vars: &BTreeMap<String, String>) -> venue_lighter::LighterVenue {
    let config = LighterConfig::new(
        &vars["LIGHTER_BASE_URL"],
        &vars["LIGHTER_WS_URL"],
        Some(Secret::new(vars["LIGHTER_PRIVATE_KEY"].clone())),
        Some(vars["LIGHTER_ACCOUNT_INDEX"].parse().unwrap()),
        Some(vars["LIGHTER_API_KEY_INDEX"].parse().unwrap()),
    )
    .unwrap()
    .with_chain_id(vars["LIGHTER_CHAIN_ID"].parse().unwrap());
    lighter_venue(config, Arc::new(SystemClock))
}

async fn buy(venue: &dyn Venue, client_id: u64) {
    let req = aggressive(
        venue,
        "ETH",
        Side::Buy,
        dec!(0.2),
        20,
        TimeInForce::ImmediateOrCancel,
        false,
        client_id,
    )
    .await;
    place(venue, &req).await.unwrap();
    let st = venue
        .order_status("ETH", cid(client_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st.state, OrderState::Filled, "{}", venue.id());
}

#[tokio::test]
async fn serve_outlives_clients_and_keeps_its_state_across_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = serve(dir.path(), &[]);
    for k in [
        "EDGEX_BASE_URL",
        "LIGHTER_BASE_URL",
        "VENUE_SIM_STATE",
        "VENUE_SIM_LIGHTER_FILL_DELAY_MS",
    ] {
        assert!(first.vars.contains_key(k), "{k} printed");
    }
    assert_eq!(first.vars["VENUE_SIM_LIGHTER_FILL_DELAY_MS"], "0");
    {
        // A client process comes and goes; the venue stays.
        let edgex = edgex_from(&first.vars);
        let lighter = lighter_from(&first.vars);
        buy(&edgex, 1).await;
        buy(&lighter, 2).await;
    }
    let edgex = edgex_from(&first.vars);
    assert_eq!(
        edgex.position("ETH").await.unwrap().unwrap().size,
        dec!(0.2)
    );
    // kill -9: no chance to save on exit; the state was saved after each order.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    drop(first);

    let mut second = serve(dir.path(), &[]);
    let edgex = edgex_from(&second.vars);
    let lighter = lighter_from(&second.vars);
    assert_eq!(
        edgex.position("ETH").await.unwrap().unwrap().size,
        dec!(0.2)
    );
    assert_eq!(
        lighter.position("ETH").await.unwrap().unwrap().size,
        dec!(0.2)
    );
    let st = lighter.order_status("ETH", cid(2)).await.unwrap().unwrap();
    assert_eq!(st.state, OrderState::Filled, "order history kept");
    // SIGTERM saves and exits 0.
    let pid = second.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = second.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "serve exits on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn serve_edgex_api_v2_trades_with_v2_credentials_and_usdc_names() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--edgex-api", "v2", "--no-state"]);
    assert_eq!(served.vars["EDGEX_API_VERSION"], "v2");
    assert!(!served.vars.contains_key("EDGEX_STARK_PRIVATE_KEY"));
    let edgex = edgex_from(&served.vars);
    assert_eq!(edgex.market("ETH").await.unwrap().symbol, "ETH");
    buy(&edgex, 7).await;
    assert_eq!(
        edgex.position("ETH").await.unwrap().unwrap().size,
        dec!(0.2)
    );
}

#[test]
fn help_exits_0_and_bad_speed_is_a_usage_error() {
    for args in [&["--help"][..], &["serve", "--help"]] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("usage: venue-sim serve"), "{text}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--no-state", "--speed", "1000000000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("--speed must be a whole number from 1 to"),
        "{text}"
    );
}
