//! Paper mode for the binaries: the simulator in-process, a paper account on each venue
//! (collateral configurable, 1000 USD by default), state kept in a file across runs, and the
//! REAL adapters' configs pointed at it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), venue_sim::SimError> {
//! let session = venue_sim::paper::start(venue_sim::paper::PaperOptions::default()).await?;
//! let edgex = session.edgex_config();    // venue_edgex::EdgexConfig (V1, paper keys)
//! let lighter = session.lighter_config(); // venue_lighter::LighterConfig
//! # let _ = (edgex, lighter); Ok(()) }
//! ```
//!
//! Contract: the state file holds no private key (paper keys are generated on every start
//! and their public halves re-registered on the saved accounts); it is written atomically
//! after every order/cancel/leverage request and when the session is dropped. Paper mode
//! never reads live credentials: everything it needs is generated here.

use crate::engine::{parse_moves, Exchange, PriceMove};
use crate::faults::Faults;
use crate::keys::{self, EdgexPaperKeys, EdgexV2PaperKeys, LighterPaperKeys};
use crate::persist;
use crate::server::{SimError, SimOptions, SimServer};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use venue_api::Secret;
use venue_api::{Clock, SystemClock};
use venue_edgex::{ApiVersion, EdgexConfig, EdgexCredentials, V1Credentials, V2Credentials};
use venue_lighter::LighterConfig;

/// Default state file.
pub const DEFAULT_STATE_PATH: &str = "./paper/sim_state.json";
/// Environment variable holding a fault spec (see [`crate::faults`]).
pub const ENV_FAULTS: &str = "VENUE_SIM_FAULTS";
/// Environment variable overriding [`PaperOptions::lighter_fill_delay`] (milliseconds of
/// clock time; `0` = Lighter txs execute at once). Read by [`PaperOptions::with_env`].
pub const ENV_LIGHTER_FILL_DELAY: &str = "VENUE_SIM_LIGHTER_FILL_DELAY_MS";
/// Environment variable switching the funding dislocation episodes (`on`/`off`; default on).
/// Read by [`PaperOptions::with_env`].
pub const ENV_FUNDING_EPISODES: &str = "VENUE_SIM_FUNDING_EPISODES";
/// Environment variable adding scripted price moves (`SYMBOL:PCT[@SECONDS]`, comma- or
/// space-separated; the grammar of `--sim-move`). Read by [`PaperOptions::with_env`].
pub const ENV_MOVES: &str = "VENUE_SIM_MOVES";
/// The realistic Lighter fill-visibility delay: the venue answers a tx, matches it, and shows
/// the fill in order status and positions 1-3 s later. The default of paper mode
/// ([`PaperOptions::default`]) and of `venue-sim serve`; [`ENV_LIGHTER_FILL_DELAY`] overrides
/// it (`0` where a test needs speed).
pub const REALISTIC_LIGHTER_FILL_DELAY: Duration = Duration::from_millis(1500);
/// API key index of the paper Lighter key.
pub const PAPER_API_KEY_INDEX: u8 = 2;

const META_EDGEX: &str = "paper.edgex_account";
const META_LIGHTER: &str = "paper.lighter_account";

/// How to start a paper session.
#[derive(Debug, Clone)]
pub struct PaperOptions {
    /// State file (`None` = in memory only).
    pub state_path: Option<PathBuf>,
    /// Start fresh (deletes the state file).
    pub reset: bool,
    /// Collateral of a new EdgeX paper account (USD).
    pub edgex_collateral: Decimal,
    /// Collateral of a new Lighter paper account (USDC).
    pub lighter_collateral: Decimal,
    /// Shared clock (e.g. `ScaledClock` for `--speed N`); system time by default.
    pub clock: Option<Arc<dyn Clock>>,
    /// Fault spec (`--sim-fault`, or [`ENV_FAULTS`] via [`PaperOptions::with_env_faults`]).
    pub faults: Option<String>,
    /// Seed of a new world (random when `None`).
    pub seed: Option<u64>,
    /// Clock time before a Lighter order/cancel takes effect (the venue shows fills 1-3 s
    /// late); 0 = at once. Default [`REALISTIC_LIGHTER_FILL_DELAY`];
    /// [`ENV_LIGHTER_FILL_DELAY`] overrides it through [`PaperOptions::with_env`].
    pub lighter_fill_delay: Duration,
    /// EdgeX API generation of the paper credentials (both are served; V2 also serves its
    /// contracts under their live `…USDC` names on `/api/v2`).
    pub edgex_api: ApiVersion,
    /// Ports (0 = any free port): EdgeX REST, EdgeX WS, Lighter REST, Lighter WS.
    pub ports: [u16; 4],
    /// Request budgets per minute, [EdgeX, Lighter] (`None` = unlimited, the default).
    pub requests_per_minute: [Option<u32>; 2],
    /// Funding dislocation episodes on (the default) or off ([`ENV_FUNDING_EPISODES`],
    /// `serve --funding-episodes on|off`). Applied to a resumed state too: its settled
    /// payments stay as booked, its rates from now on (and its recomputed history) follow.
    pub funding_episodes: bool,
    /// Prices walk this many times slower than `clock` (paper `--speed N` sets N, so that
    /// funding runs fast while prices move at their real pace); 1 by default.
    pub price_time_divisor: u32,
    /// Price moves started when the session starts (`--sim-move`, [`ENV_MOVES`]): each
    /// moves a symbol's fair price on both venues, at once or over simulated seconds.
    pub moves: Vec<PriceMove>,
}

impl Default for PaperOptions {
    fn default() -> Self {
        Self {
            state_path: Some(PathBuf::from(DEFAULT_STATE_PATH)),
            reset: false,
            edgex_collateral: Decimal::from(1000),
            lighter_collateral: Decimal::from(1000),
            clock: None,
            faults: None,
            seed: None,
            lighter_fill_delay: REALISTIC_LIGHTER_FILL_DELAY,
            edgex_api: ApiVersion::V1,
            ports: [0; 4],
            requests_per_minute: [None, None],
            funding_episodes: true,
            price_time_divisor: 1,
            moves: Vec::new(),
        }
    }
}

/// A bad value of a paper-mode environment variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?}: {reason}")]
pub struct EnvError {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// A bad [`ENV_MOVES`] value: names the variable and the bad part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ENV_MOVES}: {source}")]
pub struct EnvMoveError {
    /// The parse error (names the part).
    pub source: crate::engine::MoveSpecError,
}

/// Parses a switch: `on`/`1`/`true` or `off`/`0`/`false` (any case).
pub fn parse_on_off(text: &str) -> Result<bool, &'static str> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" => Ok(true),
        "off" | "0" | "false" => Ok(false),
        _ => Err("expected on or off"),
    }
}

/// Parses a Lighter fill delay in milliseconds (at most one hour).
pub fn parse_fill_delay_ms(text: &str) -> Result<Duration, &'static str> {
    let ms: u64 = text
        .trim()
        .parse()
        .map_err(|_| "expected whole milliseconds, e.g. 1500 (0 = at once)")?;
    if ms > 3_600_000 {
        return Err("at most 3600000 ms (one hour)");
    }
    Ok(Duration::from_millis(ms))
}

impl PaperOptions {
    /// Applies the paper-mode environment read through `lookup`: [`ENV_FAULTS`] (added to
    /// `faults`), [`ENV_LIGHTER_FILL_DELAY`] (replaces `lighter_fill_delay`),
    /// [`ENV_FUNDING_EPISODES`] (replaces `funding_episodes`); [`ENV_MOVES`] is read by
    /// [`PaperOptions::with_env_moves`].
    pub fn with_env(mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        if let Some(v) = lookup(ENV_LIGHTER_FILL_DELAY).filter(|v| !v.trim().is_empty()) {
            self.lighter_fill_delay = parse_fill_delay_ms(&v).map_err(|reason| EnvError {
                name: ENV_LIGHTER_FILL_DELAY,
                value: v.clone(),
                reason,
            })?;
        }
        if let Some(v) = lookup(ENV_FUNDING_EPISODES).filter(|v| !v.trim().is_empty()) {
            self.funding_episodes = parse_on_off(&v).map_err(|reason| EnvError {
                name: ENV_FUNDING_EPISODES,
                value: v.clone(),
                reason,
            })?;
        }
        Ok(self.with_env_faults(lookup))
    }

    /// Adds the moves of [`ENV_MOVES`] (read through `lookup`) to `moves`; a bad one is an
    /// error naming the variable and the bad part.
    pub fn with_env_moves(
        mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, EnvMoveError> {
        if let Some(v) = lookup(ENV_MOVES).filter(|v| !v.trim().is_empty()) {
            self.moves
                .extend(parse_moves(&v).map_err(|source| EnvMoveError { source })?);
        }
        Ok(self)
    }

    /// Switches the funding episodes from [`ENV_FUNDING_EPISODES`] (read through
    /// `lookup`), when set.
    pub fn with_env_funding_episodes(
        mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, EnvError> {
        if let Some(v) = lookup(ENV_FUNDING_EPISODES).filter(|v| !v.trim().is_empty()) {
            self.funding_episodes = parse_on_off(&v).map_err(|reason| EnvError {
                name: ENV_FUNDING_EPISODES,
                value: v.clone(),
                reason,
            })?;
        }
        Ok(self)
    }

    /// Adds the rules of `VENUE_SIM_FAULTS` (read through `lookup`) to `faults`.
    pub fn with_env_faults(mut self, lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        if let Some(env) = lookup(ENV_FAULTS).filter(|v| !v.trim().is_empty()) {
            self.faults = Some(match self.faults.take() {
                Some(f) => format!("{f},{env}"),
                None => env,
            });
        }
        self
    }
}

/// The simulated time a state file was last advanced to, if the file exists. A binary that
/// runs with `--speed N` should start its `ScaledClock` from `max(now, saved)`, so that a
/// later run does not find the simulator's time ahead of its clock.
pub fn saved_time(
    path: &std::path::Path,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, SimError> {
    Ok(persist::load(path)?
        .and_then(|ex| chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ex.now_ms)))
}

/// A running paper session: the simulator and the paper credentials.
#[derive(Debug)]
pub struct PaperSession {
    server: SimServer,
    edgex: EdgexPaperKeys,
    edgex_v2: Option<EdgexV2PaperKeys>,
    lighter: LighterPaperKeys,
    state_path: Option<PathBuf>,
    resumed: bool,
}

fn meta_id(ex: &Exchange, key: &str) -> Option<u64> {
    ex.meta.get(key).and_then(|v| v.parse().ok())
}

/// Starts the simulator in-process with the paper accounts.
pub async fn start(options: PaperOptions) -> Result<PaperSession, SimError> {
    let clock: Arc<dyn Clock> = options
        .clock
        .clone()
        .unwrap_or_else(|| Arc::new(SystemClock));
    let faults = Arc::new(match &options.faults {
        Some(spec) => Faults::from_spec(spec)?,
        None => Faults::new(),
    });
    if options.reset {
        if let Some(p) = &options.state_path {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(SimError::State {
                        path: p.clone(),
                        reason: format!("cannot reset: {e}"),
                    })
                }
            }
        }
    }
    let loaded = match &options.state_path {
        Some(p) => persist::load(p)?,
        None => None,
    };
    let resumed = loaded.is_some();
    let now = clock.now().timestamp_millis();
    let mut ex = match loaded {
        Some(ex) => ex,
        None => Exchange::with_defaults(options.seed.map_or_else(keys::random_u64, Ok)?, now),
    };
    let edgex_id = match meta_id(&ex, META_EDGEX) {
        Some(id) => id,
        None => 600_000_000_000_000_000 + keys::random_u64()? % 100_000_000_000_000_000,
    };
    let lighter_id = match meta_id(&ex, META_LIGHTER) {
        Some(id) => id,
        None => 100_000 + keys::random_u64()? % 900_000,
    };
    let edgex = keys::edgex_keys(edgex_id)?;
    let lighter = keys::lighter_keys(
        i64::try_from(lighter_id).map_err(|_| SimError::Setup("lighter account id".into()))?,
        PAPER_API_KEY_INDEX,
    )?;
    ex.params.funding_episodes.enabled = options.funding_episodes;
    ex.params.price_time_divisor = options.price_time_divisor;
    if !options.moves.is_empty() {
        // moves start now: bring a resumed world to now first
        ex.advance(now);
        for m in &options.moves {
            ex.add_move(m.clone())
                .map_err(|e| SimError::Setup(format!("--sim-move {m}: {e}")))?;
        }
    }
    keys::register_edgex(&mut ex, &edgex, options.edgex_collateral);
    let edgex_v2 = match options.edgex_api {
        ApiVersion::V1 => None,
        ApiVersion::V2 => {
            let v2 = keys::edgex_v2_keys(edgex_id)?;
            keys::register_edgex_v2(&mut ex, &v2.registration, options.edgex_collateral);
            Some(v2)
        }
    };
    keys::register_lighter(&mut ex, &lighter, options.lighter_collateral);
    ex.meta.insert(META_EDGEX.into(), edgex_id.to_string());
    ex.meta.insert(META_LIGHTER.into(), lighter_id.to_string());
    let sim_options = SimOptions {
        clock,
        faults,
        // Paper runs may use a sped-up clock: allow a day of clock skew on EdgeX timestamps.
        auth_window: Duration::from_secs(if options.clock.is_some() { 86_400 } else { 300 }),
        state_path: options.state_path.clone(),
        lighter_fill_delay: options.lighter_fill_delay,
        ports: options.ports,
        requests_per_minute: options.requests_per_minute,
        ..SimOptions::default()
    };
    let server = SimServer::start(sim_options, ex).await?;
    let session = PaperSession {
        server,
        edgex,
        edgex_v2,
        lighter,
        state_path: options.state_path,
        resumed,
    };
    session.save()?;
    Ok(session)
}

impl PaperSession {
    /// The EdgeX adapter's config: the simulator's URLs, the paper account and its keys (V1
    /// by default; V2 with quote `USDC` when the session was started with V2).
    pub fn edgex_config(&self) -> EdgexConfig {
        let version = self.edgex_api();
        let config = EdgexConfig::new(
            version,
            self.server.edgex_base_url(),
            self.server.edgex_ws_url(),
        )
        .with_account_id(self.edgex.account_id);
        let (config, creds) = match &self.edgex_v2 {
            Some(v2) => (
                config.with_quote("USDC"),
                EdgexCredentials::V2(V2Credentials {
                    api_key: Secret::new(v2.registration.api_key.clone()),
                    api_passphrase: v2.registration.api_passphrase.clone(),
                    api_secret: v2.registration.api_secret.clone(),
                    trading_private_key: v2.trading_private_key.clone(),
                }),
            ),
            None => (
                config,
                EdgexCredentials::V1(V1Credentials {
                    stark_private_key: self.edgex.stark_private_key.clone(),
                }),
            ),
        };
        // The generation matches by construction; fall back to the keyless config otherwise.
        config.clone().with_credentials(creds).unwrap_or(config)
    }

    /// The Lighter adapter's config: the simulator's URLs and the paper API key.
    pub fn lighter_config(&self) -> Result<LighterConfig, SimError> {
        LighterConfig::new(
            self.server.lighter_base_url(),
            self.server.lighter_ws_url(),
            Some(self.lighter.private_key.clone()),
            Some(self.lighter.account_index),
            Some(self.lighter.api_key_index),
        )
        .map(|c| c.with_chain_id(self.server.core().options.lighter_chain_id))
        .map_err(|e| SimError::Setup(e.to_string()))
    }

    /// The real EdgeX adapter on this session's clock, pointed at the simulator.
    pub fn edgex_venue(&self) -> Result<venue_edgex::EdgexVenue, SimError> {
        venue_edgex::EdgexVenue::with_clock(self.edgex_config(), self.clock())
            .map_err(|e| SimError::Setup(format!("EdgeX adapter: {e}")))
    }

    /// The real Lighter adapter on this session's clock, pointed at the simulator.
    pub fn lighter_venue(&self) -> Result<venue_lighter::LighterVenue, SimError> {
        let config = self.lighter_config()?;
        let settings = venue_lighter::HttpSettings::from_config(&config);
        venue_lighter::LighterVenue::with_parts(config, settings, self.clock())
            .map_err(|e| SimError::Setup(format!("Lighter adapter: {e}")))
    }

    /// The EdgeX API generation of this session's credentials.
    pub fn edgex_api(&self) -> ApiVersion {
        if self.edgex_v2.is_some() {
            ApiVersion::V2
        } else {
            ApiVersion::V1
        }
    }

    /// The running simulator.
    pub fn server(&self) -> &SimServer {
        &self.server
    }

    /// The clock shared with the simulator.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.server.core().clock.clone()
    }

    /// The live fault set.
    pub fn faults(&self) -> &Arc<Faults> {
        self.server.faults()
    }

    /// True when the state came from an existing file.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// EdgeX paper credentials.
    pub fn edgex_keys(&self) -> &EdgexPaperKeys {
        &self.edgex
    }

    /// Lighter paper credentials.
    pub fn lighter_keys(&self) -> &LighterPaperKeys {
        &self.lighter
    }

    /// `NAME=value` lines pointing the binaries at this simulator with the paper keys
    /// (PAPER keys: worthless on the real venues).
    pub fn env_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("EDGEX_BASE_URL={}", self.server.edgex_base_url()),
            format!("EDGEX_WS_URL={}", self.server.edgex_ws_url()),
        ];
        match &self.edgex_v2 {
            None => lines.extend([
                "EDGEX_API_VERSION=v1".to_string(),
                format!("EDGEX_ACCOUNT_ID={}", self.edgex.account_id),
                format!(
                    "EDGEX_STARK_PRIVATE_KEY={}",
                    self.edgex.stark_private_key.expose()
                ),
            ]),
            Some(v2) => lines.extend([
                "EDGEX_API_VERSION=v2".to_string(),
                format!("EDGEX_ACCOUNT_ID={}", self.edgex.account_id),
                format!("EDGEX_API_KEY={}", v2.registration.api_key),
                format!(
                    "EDGEX_API_PASSPHRASE={}",
                    v2.registration.api_passphrase.expose()
                ),
                format!("EDGEX_API_SECRET={}", v2.registration.api_secret.expose()),
                format!(
                    "EDGEX_TRADING_PRIVATE_KEY={}",
                    v2.trading_private_key.expose()
                ),
            ]),
        }
        lines.extend([
            format!("LIGHTER_BASE_URL={}", self.server.lighter_base_url()),
            format!("LIGHTER_WS_URL={}", self.server.lighter_ws_url()),
            format!(
                "LIGHTER_CHAIN_ID={}",
                self.server.core().options.lighter_chain_id
            ),
            format!("LIGHTER_ACCOUNT_INDEX={}", self.lighter.account_index),
            format!("LIGHTER_API_KEY_INDEX={}", self.lighter.api_key_index),
            format!("LIGHTER_PRIVATE_KEY={}", self.lighter.private_key.expose()),
        ]);
        lines
    }

    /// Writes the state file now.
    pub fn save(&self) -> Result<(), SimError> {
        match &self.state_path {
            Some(p) => persist::save_latest(p, || self.server.core().snapshot()),
            None => Ok(()),
        }
    }
}

impl Drop for PaperSession {
    fn drop(&mut self) {
        if let Err(e) = self.save() {
            tracing::warn!(error = %e, "PAPER: could not save simulator state");
        }
    }
}
