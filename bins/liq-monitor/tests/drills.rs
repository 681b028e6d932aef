//! The monitor's drills in the simulator, measured: per drill the highest ladder level
//! reached, the action and the time from the move to the action (simulated seconds from the
//! first check, which follows the move at once, to the check that acted).
//!
//! By default one drill runs, asserted: a crash of 45 % in one second takes Lighter's long
//! leg past its maintenance before two readings can agree; the simulator liquidates it, and
//! the monitor reduces the EdgeX leg by the lost quantity at once. `LIQ_DRILLS=1` (`just
//! monitor-drills`) runs every drill of the README's table and prints the table.

// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use common::{monitor, open_hedge, positions, stdout, wiring};
use rust_decimal::Decimal;
use std::time::Duration;

/// One drill: the hedge (250 USD of HYPE on 100 USD per venue; `naked`: the Lighter leg then
/// closed alone), the monitor's extra arguments.
struct Drill {
    name: &'static str,
    naked: bool,
    args: &'static [&'static str],
}

/// What a drill did.
#[derive(Debug)]
struct Measured {
    level: String,
    shrink: Option<String>,
    action: Option<(String, bool)>,
    /// Milliseconds of simulated time from the first check to the acting one.
    millis: Option<i64>,
    checks: usize,
    code: Option<i32>,
}

fn level_rank(l: &str) -> u8 {
    match l {
        "WARN" => 1,
        "REDUCE" => 2,
        "FLATTEN" => 3,
        _ => 0,
    }
}

async fn run(d: &Drill) -> (Measured, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    open_hedge(dir.path(), d.naked, 250).await;
    if d.naked {
        wiring(dir.path()).await.engine.resume().unwrap();
    }
    let mut args = vec![
        "--interval",
        "1",
        "--json",
        "--exit-after-close",
        "--pnl-threshold",
        "-90",
    ];
    args.extend_from_slice(d.args);
    let out = monitor(dir.path(), &args, Duration::from_secs(90));
    let reports: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let time = |r: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(r["time"].as_str().unwrap()).unwrap()
    };
    let mut m = Measured {
        level: "OK".into(),
        shrink: None,
        action: None,
        millis: None,
        checks: reports.len(),
        code: out.status.code(),
    };
    let Some(first) = reports.first().map(time) else {
        return (m, dir);
    };
    for r in &reports {
        for v in r["venues"].as_array().unwrap() {
            let l = v["level"].as_str().unwrap_or("OK");
            if level_rank(l) > level_rank(&m.level) {
                m.level = l.to_string();
            }
        }
        for a in r["alerts"].as_array().unwrap() {
            if a["kind"] == "venue_shrink" && m.shrink.is_none() {
                m.shrink = a["message"].as_str().map(str::to_string);
            }
        }
        if let (Some(a), None) = (r["actions"].as_array().unwrap().first(), &m.action) {
            m.action = Some((
                format!(
                    "{} ({})",
                    a["action"].as_str().unwrap(),
                    a["result"].as_str().unwrap()
                ),
                a["ok"].as_bool().unwrap(),
            ));
            m.millis = Some((time(r) - first).num_milliseconds());
        }
    }
    (m, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_faster_than_two_readings_is_liquidated_by_the_venue_and_answered_at_once() {
    let (m, dir) = run(&Drill {
        name: "crash",
        naked: false,
        args: &["--sim-move", "HYPE:-45@1"],
    })
    .await;
    assert_eq!(m.code, Some(0), "{m:?}");
    let shrink = m.shrink.as_deref().expect("venue shrink seen");
    assert!(
        shrink.starts_with("lighter leg shrank from 8.3"),
        "{shrink}"
    );
    let (action, ok) = m.action.clone().expect("acted");
    assert!(action.starts_with("reduce_leg"), "{action}");
    assert!(ok, "{action}");
    assert!(m.millis.unwrap() < 3000, "answered at once: {m:?}");
    // The EdgeX leg was reduced by the lost quantity: both flat.
    assert_eq!(
        positions(dir.path()).await,
        (Decimal::ZERO, Decimal::ZERO),
        "{m:?}"
    );
}

/// Every drill of the README's table (`LIQ_DRILLS=1`, about two minutes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_drill_measured() {
    if std::env::var_os("LIQ_DRILLS").is_none() {
        return;
    }
    let drills = [
        Drill {
            name: "HYPE:-32 at once",
            naked: false,
            args: &["--sim-move", "HYPE:-32"],
        },
        Drill {
            name: "HYPE:-38 at once",
            naked: false,
            args: &["--sim-move", "HYPE:-38"],
        },
        Drill {
            name: "HYPE:-45 over 30 s",
            naked: false,
            args: &["--sim-move", "HYPE:-45@30"],
        },
        Drill {
            name: "HYPE:-45 over 10 s",
            naked: false,
            args: &["--sim-move", "HYPE:-45@10"],
        },
        Drill {
            name: "HYPE:-45 over 1 s",
            naked: false,
            args: &["--sim-move", "HYPE:-45@1"],
        },
        Drill {
            name: "naked leg, grace 30 s",
            naked: true,
            args: &["--unhedged-grace", "30"],
        },
        Drill {
            name: "naked leg, EdgeX orders refused",
            naked: true,
            args: &[
                "--unhedged-grace",
                "1",
                "--sim-fault",
                "edgex:createOrder:reject",
            ],
        },
        Drill {
            name: "Lighter unreadable, its leg known gone",
            naked: true,
            args: &[
                "--unhedged-grace",
                "600",
                "--max-read-failures",
                "1",
                "--sim-fault",
                "lighter:account@2:malformed",
            ],
        },
    ];
    println!("| drill | level reached | venue shrink | action | move -> action | exit |");
    println!("|---|---|---|---|---|---|");
    for d in &drills {
        let (m, _dir) = run(d).await;
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            d.name,
            m.level,
            m.shrink.as_deref().unwrap_or("-"),
            m.action
                .as_ref()
                .map(|(a, ok)| format!("{a}{}", if *ok { "" } else { " FAILED" }))
                .unwrap_or_else(|| "-".into()),
            m.millis
                .map(|ms| format!(
                    "{}.{:02} s ({} checks)",
                    ms / 1000,
                    ms % 1000 / 10,
                    m.checks
                ))
                .unwrap_or_else(|| "-".into()),
            m.code.map(|c| c.to_string()).unwrap_or_default(),
        );
        assert!(m.checks > 0, "{}: {m:?}", d.name);
    }
}
