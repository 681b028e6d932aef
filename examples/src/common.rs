//! What every example shares: its paper/live options, the venues, and a shutdown signal.
//!
//! Live mode reads the venues' credentials from the process environment over `.env` (the same
//! variables as `hedge-cli`); paper mode never reads them and runs the simulator in-process
//! with its state under `--paper-dir` (one directory per example by default, so an example
//! and the rotation bot can run paper side by side).

use anyhow::{bail, Context};
use clap::Args;
use hedge_app::wiring::{PaperSettings, StateSettings, Wiring};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use venue_api::{Clock, Venue};

/// Options common to every example (flattened into each binary's own).
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Run against the in-process simulator with a paper account (no credentials read,
    /// nothing sent to a real venue).
    #[arg(long)]
    pub paper: bool,

    /// Stop cleanly after this many seconds (default: run until SIGINT/SIGTERM).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,

    /// Live mode: the file holding the venues' credentials (the process environment wins
    /// over it). A missing file is fine when the variables are set otherwise.
    #[arg(long = "env-file", default_value = ".env", value_name = "FILE")]
    pub env_file: PathBuf,

    /// PAPER: where the simulator's state lives (default ./paper/<program>).
    #[arg(long = "paper-dir", value_name = "DIR")]
    pub paper_dir: Option<PathBuf>,

    /// PAPER: start from a fresh paper account.
    #[arg(long = "paper-reset")]
    pub paper_reset: bool,

    /// PAPER: collateral of a new paper account on each venue (USD).
    #[arg(long = "paper-collateral", default_value = "1000", value_name = "USD")]
    pub paper_collateral: Decimal,

    /// PAPER: simulator faults (as hedge-cli --sim-fault), e.g. lighter:ws:drop:1.
    #[arg(long = "sim-fault", value_name = "SPEC")]
    pub sim_fault: Option<String>,

    /// PAPER: move a symbol's fair price on both venues by PCT percent, at once or over
    /// SECONDS (repeatable; VENUE_SIM_MOVES adds more). E.g. BTC:+3@120 for a trend.
    #[arg(long = "sim-move", value_name = "SYMBOL:PCT[@SECONDS]")]
    pub sim_move: Vec<venue_sim::engine::PriceMove>,
}

/// The venues of one example process.
#[derive(Debug)]
pub struct Connected {
    /// Both venues and the clock (and, in paper mode, the in-process simulator: keep it
    /// alive for the whole run; it saves its state when dropped).
    pub wiring: Wiring,
}

impl Connected {
    /// One venue's client.
    pub fn venue(&self, kind: hedge_app::venues::VenueKind) -> Arc<dyn Venue> {
        self.wiring.venue(kind)
    }

    /// The clock everything waits on.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.wiring.clock.clone()
    }

    /// True in paper mode.
    pub fn paper(&self) -> bool {
        self.wiring.paper
    }
}

impl CommonArgs {
    /// The paper directory of `program`.
    pub fn paper_dir(&self, program: &str) -> PathBuf {
        self.paper_dir
            .clone()
            .unwrap_or_else(|| Path::new("paper").join(program))
    }

    /// Wires both venues, live or paper. `program` names the paper directory and the
    /// holder of its lock.
    pub async fn connect(&self, program: &'static str, quote: &str) -> anyhow::Result<Connected> {
        if self.paper {
            let lookup = |k: &str| std::env::var(k).ok();
            let settings = PaperSettings {
                dir: self.paper_dir(program),
                reset: self.paper_reset,
                speed: 1,
                faults: self.sim_fault.clone(),
                collateral: self.paper_collateral,
                quote: quote.to_string(),
                command: program,
                lock_wait: Duration::from_secs(5),
                lighter_fill_delay: hedge_app::wiring::paper_fill_delay(&lookup)?,
                edgex_api: hedge_app::wiring::paper_edgex_api(None, &lookup)?,
                moves: self.sim_move.clone(),
            };
            let fault_env = std::env::var(hedge_app::wiring::SIM_FAULTS_ENV).ok();
            let wiring = Wiring::paper(&settings, fault_env, None).await?;
            return Ok(Connected { wiring });
        }
        if self.paper_dir.is_some()
            || self.paper_reset
            || self.sim_fault.is_some()
            || !self.sim_move.is_empty()
        {
            bail!("--paper-dir, --paper-reset, --sim-fault and --sim-move only apply with --paper");
        }
        let env = hedge_app::env::Env::load(&self.env_file, false)?;
        let venues = hedge_app::credentials::VenueSettings::from_env(&env)?;
        // The examples never run a hedge; the engine's state file is only a place holder.
        let state = StateSettings {
            path: std::env::temp_dir().join(format!("{program}-unused-state.json")),
            init_state: false,
            lock_wait: Duration::from_secs(5),
        };
        let wiring = Wiring::live(&venues, quote, &state)
            .with_context(|| format!("wiring the venues from {}", self.env_file.display()))?;
        Ok(Connected { wiring })
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Still running.
    Running,
    /// `--duration` elapsed.
    Duration,
    /// SIGINT.
    Interrupt,
    /// SIGTERM.
    Terminate,
}

/// A shutdown flag every task of an example watches: set by SIGINT, SIGTERM or the end of
/// `--duration` (wall time), whichever comes first.
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<StopReason>,
}

impl Shutdown {
    /// Installs the signal handlers and the duration timer (call inside the runtime).
    pub fn install(duration: Option<Duration>) -> anyhow::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        let (tx, rx) = watch::channel(StopReason::Running);
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        tokio::spawn(async move {
            let timer = async {
                match duration {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            let reason = tokio::select! {
                _ = int.recv() => StopReason::Interrupt,
                _ = term.recv() => StopReason::Terminate,
                _ = timer => StopReason::Duration,
            };
            let _ = tx.send(reason);
            // keep the sender (and the handlers) alive: a second signal changes nothing
            std::future::pending::<()>().await;
        });
        Ok(Self { rx })
    }

    /// A flag set by hand (tests, embedding): `stop` sets it.
    pub fn manual() -> (watch::Sender<StopReason>, Self) {
        let (tx, rx) = watch::channel(StopReason::Running);
        (tx, Self { rx })
    }

    /// Why it stopped; [`StopReason::Running`] while it runs.
    pub fn reason(&self) -> StopReason {
        *self.rx.borrow()
    }

    /// True once a stop was asked.
    pub fn is_stopping(&self) -> bool {
        self.reason() != StopReason::Running
    }

    /// Waits until a stop is asked.
    pub async fn wait(&mut self) -> StopReason {
        loop {
            let r = *self.rx.borrow_and_update();
            if r != StopReason::Running {
                return r;
            }
            if self.rx.changed().await.is_err() {
                // the sender is gone: nobody can ask any more; treat as a stop
                return StopReason::Terminate;
            }
        }
    }

    /// Sleeps `d`, or less when a stop is asked; true when it slept the whole time.
    pub async fn sleep(&mut self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.wait() => false,
        }
    }
}

impl StopReason {
    /// The exit code a clean stop for this reason reports (0, or 130/143 for signals as
    /// shells expect).
    pub fn exit_code(self) -> u8 {
        match self {
            StopReason::Running | StopReason::Duration => 0,
            StopReason::Interrupt => hedge_app::exit::INTERRUPTED,
            StopReason::Terminate => hedge_app::exit::TERMINATED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_shutdown_wakes_sleepers() {
        let (tx, sd) = Shutdown::manual();
        let mut s = sd.clone();
        let sleeper = tokio::spawn(async move { s.sleep(Duration::from_secs(30)).await });
        assert!(!sd.is_stopping());
        tx.send(StopReason::Terminate).ok();
        let slept_all = sleeper.await.ok();
        assert_eq!(slept_all, Some(false));
        assert_eq!(sd.reason().exit_code(), 143);
    }

    #[tokio::test]
    async fn duration_stops_with_exit_zero() {
        let mut sd = Shutdown::install(Some(Duration::from_millis(20))).ok();
        let r = match sd.as_mut() {
            Some(s) => s.wait().await,
            None => StopReason::Running,
        };
        assert_eq!(r, StopReason::Duration);
        assert_eq!(r.exit_code(), 0);
    }
}
