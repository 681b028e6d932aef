//! `venue-sim serve`: runs the simulator with a paper account until Ctrl-C and prints the
//! URLs and PAPER credentials to point the binaries at it.
//!
//! ```text
//! cargo run -p venue-sim -- serve [--state PATH | --no-state] [--reset] [--seed N]
//!     [--speed N] [--sim-fault SPEC] [--collateral USD]
//! ```

use rust_decimal::Decimal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use venue_api::ScaledClock;
use venue_sim::paper::{self, PaperOptions};

const USAGE: &str = "usage: venue-sim serve [--state PATH | --no-state] [--reset] [--seed N] [--speed N] [--sim-fault SPEC] [--collateral USD]

Runs a loopback EdgeX + Lighter simulator (PAPER: no real venue, no real money) until Ctrl-C.
  --state PATH       state file (default ./paper/sim_state.json); --no-state keeps it in memory
  --reset            start from a fresh state
  --seed N           seed of prices and funding for a fresh state
  --speed N          run the simulator's clock N times faster than real time
  --sim-fault SPEC   inject faults, e.g. lighter:sendTx:reject:1 (also VENUE_SIM_FAULTS)
  --collateral USD   collateral of new paper accounts on each venue (default 1000)";

fn parse(args: &[String]) -> Result<PaperOptions, String> {
    let mut o = PaperOptions::default();
    let mut i = 0;
    let value = |i: usize| {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("{} needs a value", args[i]))
    };
    while i < args.len() {
        match args[i].as_str() {
            "--state" => {
                o.state_path = Some(PathBuf::from(value(i)?));
                i += 1;
            }
            "--no-state" => o.state_path = None,
            "--reset" => o.reset = true,
            "--seed" => {
                o.seed = Some(value(i)?.parse().map_err(|_| "--seed needs an integer")?);
                i += 1;
            }
            "--speed" => {
                let n: u32 = value(i)?.parse().map_err(|_| "--speed needs an integer")?;
                o.clock = Some(Arc::new(ScaledClock::new(chrono::Utc::now(), n)));
                i += 1;
            }
            "--sim-fault" => {
                let spec = value(i)?;
                o.faults = Some(match o.faults.take() {
                    Some(f) => format!("{f},{spec}"),
                    None => spec,
                });
                i += 1;
            }
            "--collateral" => {
                let c: Decimal = value(i)?
                    .parse()
                    .map_err(|_| "--collateral needs a decimal")?;
                o.edgex_collateral = c;
                o.lighter_collateral = c;
                i += 1;
            }
            other => return Err(format!("unknown option {other}")),
        }
        i += 1;
    }
    Ok(o.with_env_faults(&|k| std::env::var(k).ok()))
}

#[tokio::main]
async fn main() -> ExitCode {
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_ansi(color)
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    if args.first().map(String::as_str) != Some("serve") {
        let _ = writeln!(err, "{USAGE}");
        return ExitCode::from(2);
    }
    let options = match parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            let _ = writeln!(err, "error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let session = match paper::start(options).await {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return ExitCode::from(1);
        }
    };
    let server = session.server();
    let _ = writeln!(
        out,
        "PAPER venue-sim serving on 127.0.0.1 (simulated venues, no real money){}",
        if session.resumed() {
            " - resumed saved state"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "EdgeX   REST {}   WS {}",
        server.edgex_base_url(),
        server.edgex_ws_url()
    );
    let _ = writeln!(
        out,
        "Lighter REST {}   WS {}",
        server.lighter_base_url(),
        server.lighter_ws_url()
    );
    let _ = writeln!(
        out,
        "# PAPER credentials for this run only (generated keys, worthless on the real venues):"
    );
    for line in session.env_lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    match session.save() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(1)
        }
    }
}
