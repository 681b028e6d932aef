//! `venue-sim serve`: runs the simulator with a paper account until Ctrl-C / SIGTERM and prints the
//! URLs and PAPER credentials to point the binaries at it.
//!
//! ```text
//! cargo run -p venue-sim -- serve [--state PATH | --state-dir DIR | --no-state] [--reset]
//!     [--seed N] [--speed N] [--sim-fault SPEC] [--collateral USD]
//!     [--lighter-fill-delay MS] [--edgex-api v1|v2] [--ports E,EW,L,LW] [--rate-limit E,L]
//! ```

use std::io::Write;
use std::process::ExitCode;
use venue_sim::cli::{self, Command, USAGE};
use venue_sim::paper;

/// Waits for Ctrl-C or (on Unix) SIGTERM, so that `kill` and `docker stop` save the state.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
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
    let options = match cli::parse(&args, &|k| std::env::var(k).ok()) {
        Ok(Command::Help) => {
            let _ = writeln!(out, "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve(o)) => o,
        Err(e) => {
            let _ = writeln!(err, "error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let state = options.state_path.clone();
    let fill_delay = options.lighter_fill_delay;
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
    let _ = writeln!(
        out,
        "VENUE_SIM_STATE={}",
        state.map_or_else(|| "-".to_string(), |p| p.display().to_string())
    );
    let _ = writeln!(
        out,
        "{}={}",
        paper::ENV_LIGHTER_FILL_DELAY,
        fill_delay.as_millis()
    );
    let _ = writeln!(out, "VENUE_SIM_READY=1");
    let _ = out.flush();
    shutdown_signal().await;
    match session.save() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(1)
        }
    }
}
