//! Logging: everything at DEBUG and above to `hedge_cli.log` in the working directory (the
//! seed's file log), only warnings and errors on the console. `RUST_LOG` overrides the file
//! filter. Raw venue bodies are logged at DEBUG only, secrets never.

use std::fs::OpenOptions;
use std::sync::Mutex;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// Target of the final outcome line: file only, since the console already shows it.
pub const OUTCOME_TARGET: &str = "hedge_cli::outcome";

/// Log file name, in the working directory.
pub const LOG_FILE: &str = "hedge_cli.log";

/// Installs the console and file loggers. A log file that cannot be opened only loses the
/// file log (with a warning), never the command.
pub fn init(paper: bool) {
    let console = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::env::var_os("NO_COLOR").is_none())
        .with_filter(EnvFilter::new(format!("warn,{OUTCOME_TARGET}=off")));
    let file = OpenOptions::new().create(true).append(true).open(LOG_FILE);
    let file_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("debug"));
    match file {
        Ok(f) => {
            let layer = fmt::layer()
                .with_writer(Mutex::new(f))
                .with_ansi(false)
                .with_filter(file_filter);
            let _ = tracing_subscriber::registry()
                .with(console)
                .with(layer)
                .try_init();
        }
        Err(e) => {
            let _ = tracing_subscriber::registry().with(console).try_init();
            tracing::warn!("cannot open {LOG_FILE}: {e}; logging to the console only");
        }
    }
    if paper {
        tracing::info!("PAPER mode: trading against the simulator");
    }
}
