//! The live data path end to end: `rotation-bot backtest` without `--paper` fetches both
//! venues' public funding history through the real adapters (paginated, within their
//! request budgets) from the simulator reached as a live venue, writes the data file, and
//! replays it. The simulator serves the same seeded history that `--paper --seed N` replays
//! without a network, so both give the same cycles and summary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{bot, workdir, Sim};

#[test]
fn fetched_history_replays_like_the_paper_history_of_the_same_seed() {
    let seed = 5;
    let sim = Sim::start(seed);
    let dir = workdir(&sim, bot_config::EXAMPLE);
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(3)).to_string();
    let to = today.to_string();
    let period = ["--from", from.as_str(), "--to", to.as_str()];
    let symbols = ["--symbols", "BTC,ETH,SOL,PUMP"];
    let mut fetch = bot(dir.path());
    fetch
        .args(["backtest", "--json", "--data", "fetched.json"])
        .args(period)
        .args(symbols);
    let out = fetch.output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("fetched.json")).unwrap())
            .unwrap();
    let btc_edgex = data["venues"][0]["markets"]["BTC"]["rates"]
        .as_array()
        .unwrap();
    assert_eq!(btc_edgex.len(), 3 * 6, "EdgeX BTC settles every 4 h");
    let btc_lighter = data["venues"][1]["markets"]["BTC"]["rates"]
        .as_array()
        .unwrap();
    assert_eq!(
        btc_lighter.len(),
        3 * 24,
        "Lighter settles hourly (paged by the adapter)"
    );

    let mut paper = bot(dir.path());
    paper
        .args(["--paper", "backtest", "--json", "--seed", &seed.to_string()])
        .args(period)
        .args(symbols);
    let out = paper.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offline: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(live["result"]["cycles"], offline["result"]["cycles"]);
    assert_eq!(live["result"]["summary"], offline["result"]["summary"]);
    assert_eq!(live["result"]["baselines"], offline["result"]["baselines"]);
}

mod bot_config {
    pub const EXAMPLE: &str = include_str!("../../../configs/rotation_bot_config.json");
}
