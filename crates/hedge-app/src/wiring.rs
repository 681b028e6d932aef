//! Building what a command runs on: one client per venue for the whole process, the clock,
//! and the hedge engine with its state file.
//!
//! Live mode builds the real adapters from the environment. Paper mode builds the same real
//! adapters pointed at the in-process simulator; until the simulator exists it says so.

use crate::credentials::VenueSettings;
use crate::venues::VenueKind;
use crate::ConfigError;
use hedge_engine::lock::{lock_path_for, AccountLock, LockGuard};
use hedge_engine::protocol::{ExecutionOptions, HedgeEngine, LegVenues};
use hedge_engine::state::FileStore;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;
use venue_api::{Clock, ScaledClock, SystemClock, Venue};
use venue_sim::paper::{PaperOptions, PaperSession};

/// Request timeout of the adapters against the loopback simulator.
pub const PAPER_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The protocol's bounds in paper mode: the simulator shows fills at once, so the settle
/// grace and the order-status timeout are short; everything else is as live.
pub fn paper_execution_options() -> ExecutionOptions {
    ExecutionOptions {
        settle_grace: Some(std::time::Duration::from_millis(300)),
        settle_timeout: std::time::Duration::from_secs(4),
        poll_interval: std::time::Duration::from_millis(100),
        ..ExecutionOptions::default()
    }
}

/// The variable holding simulator faults for paper runs.
pub const SIM_FAULTS_ENV: &str = venue_sim::paper::ENV_FAULTS;

/// Default engine state file name in live mode: beside the config file (not the working
/// directory), so that every invocation with the same config finds the same HALT and journal.
pub const LIVE_STATE_FILE: &str = "hedge_state.json";

/// The environment variable naming the live engine state file, so that every process of one
/// account (CLI, bot, monitor; e.g. Docker services sharing a volume) uses the same journal,
/// HALT and lock. A `--state-file` flag wins; paper mode never reads it.
pub const STATE_FILE_ENV: &str = "HEDGE_STATE_FILE";

/// Longest wait for the account lock (another trader's operation) by default.
pub const DEFAULT_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The live state file: `--state-file`, else `hedge_state.json` beside the config file.
pub fn live_state_path(
    explicit: Option<PathBuf>,
    config_file: Option<&std::path::Path>,
) -> PathBuf {
    if let Some(p) = explicit {
        return p;
    }
    let dir = config_file
        .and_then(|c| c.parent())
        .filter(|d| !d.as_os_str().is_empty())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.join(LIVE_STATE_FILE)
}

/// Crash-test hook: the protocol step at which the engine pauses (see
/// `ExecutionOptions::pause_at`). Unset in normal use; never set it on a live account.
pub const PAUSE_AT_ENV: &str = "HEDGE_TEST_PAUSE_AT";

/// How long the crash-test pause lasts, in milliseconds (default 60 000).
pub const PAUSE_MS_ENV: &str = "HEDGE_TEST_PAUSE_MS";

/// Settle timeout override in milliseconds, for runs against a simulator reached as a live
/// venue (crash tests); unset in normal use.
pub const SETTLE_TIMEOUT_ENV: &str = "HEDGE_SETTLE_TIMEOUT_MS";

/// Settle grace override in milliseconds (as [`SETTLE_TIMEOUT_ENV`]).
pub const SETTLE_GRACE_ENV: &str = "HEDGE_SETTLE_GRACE_MS";

/// Applies the crash-test variables (inert when unset).
pub fn apply_test_env(options: &mut ExecutionOptions, lookup: &dyn Fn(&str) -> Option<String>) {
    options.pause_at = lookup(PAUSE_AT_ENV).filter(|s| !s.is_empty());
    let ms = |k: &str| {
        lookup(k)
            .and_then(|v| v.parse::<u64>().ok())
            .map(std::time::Duration::from_millis)
    };
    if let Some(d) = ms(PAUSE_MS_ENV) {
        options.pause_for = d;
    }
    if let Some(d) = ms(SETTLE_TIMEOUT_ENV) {
        options.settle_timeout = d;
    }
    if let Some(d) = ms(SETTLE_GRACE_ENV) {
        options.settle_grace = Some(d);
    }
}

/// Paper mode's Lighter fill-visibility delay: `VENUE_SIM_LIGHTER_FILL_DELAY_MS` (read
/// through `lookup`) when set, else the realistic default (the venue shows fills 1-3 s late).
pub fn paper_fill_delay(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<std::time::Duration, ConfigError> {
    let name = venue_sim::paper::ENV_LIGHTER_FILL_DELAY;
    match lookup(name).filter(|v| !v.trim().is_empty()) {
        Some(v) => venue_sim::paper::parse_fill_delay_ms(&v)
            .map_err(|reason| ConfigError::new("environment", format!("{name}={v:?}: {reason}"))),
        None => Ok(venue_sim::paper::REALISTIC_LIGHTER_FILL_DELAY),
    }
}

/// How the engine's state and lock behave for one process.
#[derive(Debug, Clone)]
pub struct StateSettings {
    /// The state file (see [`live_state_path`]).
    pub path: PathBuf,
    /// `--init-state`: trade even though the state file is missing and positions exist.
    pub init_state: bool,
    /// Longest wait for another trader's lock.
    pub lock_wait: std::time::Duration,
}

/// The venues and engine of one process.
#[derive(Debug)]
pub struct Wiring {
    /// EdgeX client.
    pub edgex: Arc<dyn Venue>,
    /// Lighter client.
    pub lighter: Arc<dyn Venue>,
    /// The clock everything waits on.
    pub clock: Arc<dyn Clock>,
    /// The engine.
    pub engine: HedgeEngine,
    /// True in paper mode.
    pub paper: bool,
    /// The engine's state file.
    pub state_file: PathBuf,
    /// The in-process simulator of a paper run (saved when dropped).
    pub paper_session: Option<PaperSession>,
    /// Paper mode: the paper directory's lock, held for the whole command (the simulator
    /// lives in this process; two commands at once would lose a position).
    pub paper_lock: Option<LockGuard>,
}

/// How to run paper mode.
#[derive(Debug, Clone)]
pub struct PaperSettings {
    /// Where the simulator's state and the paper engine state live (default `./paper`).
    pub dir: PathBuf,
    /// Start from a fresh paper account.
    pub reset: bool,
    /// Clock speed factor (`--speed N`): hours pass in seconds.
    pub speed: u32,
    /// Fault spec (`--sim-fault`), added to `VENUE_SIM_FAULTS`.
    pub faults: Option<String>,
    /// Collateral of a new paper account on each venue (USD).
    pub collateral: Decimal,
    /// Quote currency of the markets (the config's `quote`).
    pub quote: String,
    /// The command, named to a second paper command waiting for the directory.
    pub command: &'static str,
    /// Longest wait for another paper command holding the directory.
    pub lock_wait: std::time::Duration,
    /// How late Lighter fills become visible (the venue shows them 1-3 s late); realistic
    /// by default, `VENUE_SIM_LIGHTER_FILL_DELAY_MS` overrides it in `hedge-cli --paper`.
    pub lighter_fill_delay: std::time::Duration,
    /// EdgeX API generation of the paper account (V2: API key + EIP-712, `…USDC` contracts).
    pub edgex_api: venue_edgex::ApiVersion,
    /// Scripted price moves (`--sim-move SYMBOL:PCT[@SECONDS]`), started with the session;
    /// `VENUE_SIM_MOVES` (same grammar, comma-separated) adds to them.
    pub moves: Vec<venue_sim::engine::PriceMove>,
}

/// The program name of this process (the file name of argv[0]): `rotation-bot`,
/// `liq-monitor`, `hedge-cli` pick their share of the account's request budget
/// ([`venue_transport::default_share`]); any other program gets the whole budget.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

/// The variable that names the EdgeX API generation (`v1` or `v2`); in paper mode it picks
/// the paper account's generation when `--edgex-api` is not given.
pub const EDGEX_API_ENV: &str = "EDGEX_API_VERSION";

/// Paper mode's EdgeX API generation: the `--edgex-api` value when given, else
/// [`EDGEX_API_ENV`] (read through `lookup`), else V1.
pub fn paper_edgex_api(
    flag: Option<&str>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<venue_edgex::ApiVersion, ConfigError> {
    let (source, shown, raw) = match flag {
        Some(v) => ("command line", format!("--edgex-api {v}"), v.to_string()),
        None => match lookup(EDGEX_API_ENV).filter(|v| !v.trim().is_empty()) {
            Some(v) => ("environment", format!("{EDGEX_API_ENV}={v}"), v),
            None => return Ok(venue_edgex::ApiVersion::V1),
        },
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "v1" | "1" => Ok(venue_edgex::ApiVersion::V1),
        "v2" | "2" => Ok(venue_edgex::ApiVersion::V2),
        _ => Err(ConfigError::new(
            source,
            format!("{shown:?}: the EdgeX API generation must be v1 or v2"),
        )),
    }
}

impl Default for PaperSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("paper"),
            reset: false,
            speed: 1,
            faults: None,
            collateral: Decimal::from(1000),
            quote: "USD".into(),
            command: "paper",
            lock_wait: DEFAULT_LOCK_WAIT,
            lighter_fill_delay: venue_sim::paper::REALISTIC_LIGHTER_FILL_DELAY,
            edgex_api: venue_edgex::ApiVersion::V1,
            moves: Vec::new(),
        }
    }
}

impl Wiring {
    /// The client of a venue.
    pub fn venue(&self, kind: VenueKind) -> Arc<dyn Venue> {
        match kind {
            VenueKind::Edgex => self.edgex.clone(),
            VenueKind::Lighter => self.lighter.clone(),
        }
    }

    /// The venues by role, for a long/short assignment.
    pub fn legs(&self, long: VenueKind, short: VenueKind) -> LegVenues {
        LegVenues {
            long: self.venue(long),
            short: self.venue(short),
        }
    }

    /// Live adapters from the environment's settings.
    pub fn live(
        settings: &VenueSettings,
        quote: &str,
        state: &StateSettings,
    ) -> Result<Self, ConfigError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // this binary's share of each account's request budget (an explicit
        // *_REQUEST_SHARE setting wins)
        let share = venue_transport::default_share(&program_name());
        let edgex = venue_edgex::EdgexVenue::with_clock(
            settings
                .edgex
                .clone()
                .with_quote(quote)
                .with_default_request_share(share),
            clock.clone(),
        )
        .map_err(|e| ConfigError::new("environment", format!("EdgeX: {e}")))?;
        let lighter = venue_lighter::LighterVenue::new(
            settings.lighter.clone().with_default_request_share(share),
        )
        .map_err(|e| ConfigError::new("environment", format!("Lighter: {e}")))?;
        let state_file = state.path.clone();
        let mut options = ExecutionOptions {
            require_state_file: !state.init_state,
            lock_wait: state.lock_wait,
            ..ExecutionOptions::default()
        };
        apply_test_env(&mut options, &|k| std::env::var(k).ok());
        let engine = HedgeEngine::new(
            clock.clone(),
            Arc::new(FileStore::new(&state_file)),
            options,
        )
        .with_account_lock(AccountLock::new(
            lock_path_for(&state_file),
            state.lock_wait,
        ));
        Ok(Self {
            edgex: Arc::new(edgex),
            lighter: Arc::new(lighter),
            clock,
            engine,
            paper: false,
            state_file,
            paper_session: None,
            paper_lock: None,
        })
    }

    /// The real adapters pointed at an in-process simulator with a paper account. Never reads
    /// live credentials; the variables read are `VENUE_SIM_FAULTS` (passed in),
    /// `VENUE_SIM_MOVES` and `VENUE_SIM_FUNDING_EPISODES`.
    pub async fn paper(
        settings: &PaperSettings,
        fault_env: Option<String>,
        state_file: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let sim_state = settings.dir.join("sim_state.json");
        let err = |e: &dyn std::fmt::Display| ConfigError::new("paper", e.to_string());
        // The simulator lives in this process: hold the paper directory for the whole command.
        let paper_lock = AccountLock::new(settings.dir.join("paper.lock"), settings.lock_wait)
            .acquire(settings.command)
            .await
            .map_err(|e| err(&e))?;
        // Continue from the simulator's saved time when it is ahead (after a --speed run).
        let saved = if settings.reset {
            None
        } else {
            venue_sim::paper::saved_time(&sim_state).map_err(|e| err(&e))?
        };
        let now = chrono::Utc::now();
        let start = saved.filter(|t| *t > now).unwrap_or(now);
        let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(start, settings.speed));
        let options = PaperOptions {
            state_path: Some(sim_state),
            reset: settings.reset,
            edgex_collateral: settings.collateral,
            lighter_collateral: settings.collateral,
            clock: Some(clock.clone()),
            faults: settings.faults.clone(),
            lighter_fill_delay: settings.lighter_fill_delay,
            edgex_api: settings.edgex_api,
            // Funding N times faster, prices at their real pace against real latencies.
            price_time_divisor: settings.speed,
            moves: settings.moves.clone(),
            ..PaperOptions::default()
        }
        .with_env_faults(&|k| {
            if k == venue_sim::paper::ENV_FAULTS {
                fault_env.clone()
            } else {
                None
            }
        })
        .with_env_moves(&|k| std::env::var(k).ok())
        .map_err(|e| ConfigError::new("environment", e.to_string()))?
        .with_env_funding_episodes(&|k| std::env::var(k).ok())
        .map_err(|e| ConfigError::new("environment", e.to_string()))?;
        let session = venue_sim::paper::start(options)
            .await
            .map_err(|e| err(&e))?;
        // The real adapters, with timeouts and budgets sized for a loopback simulator.
        let edgex = venue_edgex::EdgexVenue::with_clock(
            session
                .edgex_config()
                .with_quote(&settings.quote)
                .with_request_timeout(PAPER_REQUEST_TIMEOUT)
                .with_request_budget(1000, 1000)
                // a real round trip is `speed` times longer on the paper clock
                .with_max_clock_skew(venue_edgex::MAX_CLOCK_SKEW * settings.speed.max(1)),
            clock.clone(),
        )
        .map_err(|e| err(&e))?;
        let mut lighter_config = session.lighter_config().map_err(|e| err(&e))?;
        lighter_config.request_timeout = PAPER_REQUEST_TIMEOUT;
        lighter_config.requests_per_minute = 60_000;
        // At --speed N a signed tx and an auth token must stay valid for the same real time
        // as live (10 simulated minutes are 0.17 real seconds at --speed 3600).
        lighter_config.tx_ttl *= settings.speed.max(1);
        // (tokens: at most the venue's 8 hours)
        lighter_config.auth_token_ttl = (lighter_config.auth_token_ttl * settings.speed.max(1))
            .min(std::time::Duration::from_secs(7 * 3600));
        let http = venue_lighter::HttpSettings::from_config(&lighter_config);
        let lighter = venue_lighter::LighterVenue::with_parts(lighter_config, http, clock.clone())
            .map_err(|e| err(&e))?;
        let state_file = state_file.unwrap_or_else(|| settings.dir.join("hedge_state.json"));
        if settings.reset {
            match std::fs::remove_file(&state_file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(&format!("cannot reset {}: {e}", state_file.display()))),
            }
        }
        // The paper directory lock already excludes every other paper command.
        let mut options = paper_execution_options();
        apply_test_env(&mut options, &|k| std::env::var(k).ok());
        options.order_validity = Some(options.settle_timeout * settings.speed.max(1));
        let engine = HedgeEngine::new(
            clock.clone(),
            Arc::new(FileStore::new(&state_file)),
            options,
        );
        Ok(Self {
            edgex: Arc::new(edgex),
            lighter: Arc::new(lighter),
            clock,
            engine,
            paper: true,
            state_file,
            paper_session: Some(session),
            paper_lock: Some(paper_lock),
        })
    }
}
