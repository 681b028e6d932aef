//! Building what a command runs on: one client per venue for the whole process, the clock,
//! and the hedge engine with its state file.
//!
//! Live mode builds the real adapters from the environment. Paper mode builds the same real
//! adapters pointed at the in-process simulator; until the simulator exists it says so.

use crate::credentials::VenueSettings;
use crate::venues::VenueKind;
use crate::ConfigError;
use hedge_engine::protocol::{ExecutionOptions, HedgeEngine, LegVenues};
use hedge_engine::state::FileStore;
use std::path::PathBuf;
use std::sync::Arc;
use venue_api::{Clock, SystemClock, Venue};

/// Default engine state file in live mode.
pub const LIVE_STATE_FILE: &str = "hedge_state.json";
/// Default engine state file in paper mode.
pub const PAPER_STATE_FILE: &str = "paper/hedge_state.json";

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
        LegVenues { long: self.venue(long), short: self.venue(short) }
    }

    /// Live adapters from the environment's settings.
    pub fn live(settings: &VenueSettings, quote: &str, state_file: Option<PathBuf>) -> Result<Self, ConfigError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let edgex = venue_edgex::EdgexVenue::with_clock(settings.edgex.clone().with_quote(quote), clock.clone())
            .map_err(|e| ConfigError::new("environment", format!("EdgeX: {e}")))?;
        let lighter = venue_lighter::LighterVenue::new(settings.lighter.clone())
            .map_err(|e| ConfigError::new("environment", format!("Lighter: {e}")))?;
        let state_file = state_file.unwrap_or_else(|| PathBuf::from(LIVE_STATE_FILE));
        let engine = HedgeEngine::new(clock.clone(), Arc::new(FileStore::new(&state_file)), ExecutionOptions::default());
        Ok(Self { edgex: Arc::new(edgex), lighter: Arc::new(lighter), clock, engine, paper: false, state_file })
    }
}
