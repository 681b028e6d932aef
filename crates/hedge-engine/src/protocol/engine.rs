//! The engine: injected clock and state store, options, shared helpers.

use super::report::PairPositions;
use crate::capacity::{CapacityError, CapacityParams};
use crate::ids::{LegRole, OperationId};
use crate::lock::{AccountLock, LockError, LockGuard};
use crate::pricing::PricingError;
use crate::sizing::SizingError;
use crate::state::{
    EngineState, Halt, JournalEntry, JournalLeg, JournalOrder, OperationKind, Outcome, Residual,
    StateError, StateStore,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{Clock, MarketStatus, OrderRequest, Venue, VenueError};

/// Bounds and timings of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionOptions {
    /// Rounds of "send the missing part" before unwinding.
    pub max_repair_attempts: u8,
    /// Rounds of reduce-only unwinding before halting.
    pub max_unwind_attempts: u8,
    /// Rounds of closing orders before reporting what remains.
    pub max_close_rounds: u8,
    /// Pause between order-status polls.
    pub poll_interval: Duration,
    /// Longest wait for an order to reach a final state (and for positions to agree).
    pub settle_timeout: Duration,
    /// Attempts at reading positions before giving up.
    pub position_read_attempts: u8,
    /// Collateral haircuts used to bound the size.
    pub capacity: CapacityParams,
    /// Replaces the venues' own settle grace (e.g. against a simulator that shows fills at
    /// once); `None` uses the longer of the two venues' graces.
    pub settle_grace: Option<Duration>,
    /// Longest wait for the account lock held by another trader.
    pub lock_wait: Duration,
    /// How long after it is built an order may still execute (its `expires_at`); `None` is
    /// the settle timeout, so that an order declared "not placed" at the end of its settle
    /// window can no longer fill. Paper mode at `--speed N` stretches it by N (the clock
    /// runs N times faster than journaling and signing).
    pub order_validity: Option<Duration>,
    /// Crash-test hook: pause (for `pause_for`) when the protocol reaches this named step, so
    /// that a test can `kill -9` the process exactly there. `None` (always, outside crash
    /// tests) makes it inert. Steps: `open:journaled`, `open:sent`, `open:pilot_sent`,
    /// `open:settled`, `open:repair`, `open:unwind`, `close:journaled`, `close:sent`.
    pub pause_at: Option<String>,
    /// How long the crash-test hook pauses.
    pub pause_for: Duration,
    /// Refuse to trade when the state file does not exist yet and positions exist that no
    /// journal explains (live mode; `--init-state` turns it off for one run).
    pub require_state_file: bool,
}

impl Default for ExecutionOptions {
    fn default() -> Self {
        Self {
            max_repair_attempts: 2,
            max_unwind_attempts: 3,
            max_close_rounds: 3,
            poll_interval: Duration::from_millis(250),
            settle_timeout: Duration::from_secs(15),
            position_read_attempts: 3,
            capacity: CapacityParams::default(),
            settle_grace: None,
            lock_wait: Duration::from_secs(30),
            require_state_file: false,
            order_validity: None,
            pause_at: None,
            pause_for: Duration::from_secs(60),
        }
    }
}

/// The two venues of a hedge, by role.
#[derive(Debug, Clone)]
pub struct LegVenues {
    /// The venue that holds the long leg.
    pub long: Arc<dyn Venue>,
    /// The venue that holds the short leg.
    pub short: Arc<dyn Venue>,
}

impl LegVenues {
    /// The venue of a role.
    pub fn get(&self, role: LegRole) -> &Arc<dyn Venue> {
        match role {
            LegRole::Long => &self.long,
            LegRole::Short => &self.short,
        }
    }
}

/// Why an operation stopped before sending any order (nothing was traded), or could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// A previous operation left a leg it could not repair.
    #[error("trading is HALTED since {}: {reason}. Check both venues (`close` still runs), then run `resume`", since.format("%Y-%m-%d %H:%M:%S UTC"))]
    Halted {
        /// When.
        since: DateTime<Utc>,
        /// What happened.
        reason: String,
    },
    /// A venue call failed before trading.
    #[error("{venue} {action} failed: {source}")]
    Venue {
        /// Venue id.
        venue: String,
        /// What was being done ("market lookup", "top of book", ...).
        action: &'static str,
        /// The error.
        source: VenueError,
    },
    /// The market does not accept new positions.
    #[error("{venue}: market {symbol} is {status:?}, not trading")]
    MarketNotActive {
        /// Venue id.
        venue: String,
        /// Symbol.
        symbol: String,
        /// Its status.
        status: MarketStatus,
    },
    /// Leverage above what a venue allows.
    #[error("leverage {requested}x is above {venue}'s maximum of {max}x for {symbol}")]
    LeverageTooHigh {
        /// Venue id.
        venue: String,
        /// Symbol.
        symbol: String,
        /// Asked.
        requested: u32,
        /// Allowed.
        max: Decimal,
    },
    /// Leverage did not read back as set.
    #[error("{venue}: leverage for {symbol} reads back {actual}x after setting {requested}x")]
    LeverageNotApplied {
        /// Venue id.
        venue: String,
        /// Symbol.
        symbol: String,
        /// Asked.
        requested: u32,
        /// Read back.
        actual: Decimal,
    },
    /// The size cannot be traded.
    #[error(transparent)]
    Sizing(#[from] SizingError),
    /// The collateral computation failed.
    #[error(transparent)]
    Capacity(#[from] CapacityError),
    /// No safe price on a venue.
    #[error("{venue}: {source}")]
    Pricing {
        /// Venue id.
        venue: String,
        /// Why.
        source: PricingError,
    },
    /// Positions exist that this open must not trade on top of (nothing was sent).
    /// `balanced` is true when every venue pair found still hedges itself.
    #[error("{detail}; nothing was sent")]
    PositionsExist {
        /// True when the legs found balance each other (exit 4), false otherwise (exit 3).
        balanced: bool,
        /// What exists where.
        detail: String,
    },
    /// No state file in live mode while positions exist that no journal explains.
    #[error("{0}")]
    StateMissing(String),
    /// Another trader holds the account.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// The state could not be read or saved: nothing is traded without a journal.
    #[error(transparent)]
    State(#[from] StateError),
    /// An internal limit was hit (e.g. attempts per operation).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The hedge engine: the two-leg protocol over injected venues, clock and state store.
#[derive(Debug)]
pub struct HedgeEngine {
    pub(super) clock: Arc<dyn Clock>,
    store: Arc<dyn StateStore>,
    pub(super) options: ExecutionOptions,
    state_lock: std::sync::Mutex<()>,
    account_lock: Option<AccountLock>,
    in_flight: std::sync::Mutex<Option<OperationId>>,
}

impl HedgeEngine {
    /// An engine over a clock and a state store.
    pub fn new(
        clock: Arc<dyn Clock>,
        store: Arc<dyn StateStore>,
        options: ExecutionOptions,
    ) -> Self {
        Self {
            clock,
            store,
            options,
            state_lock: std::sync::Mutex::new(()),
            account_lock: None,
            in_flight: std::sync::Mutex::new(None),
        }
    }

    /// The operation journaled and not yet finished by this engine, if any.
    pub fn in_flight(&self) -> Option<OperationId> {
        *self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes HALTED ("operation N interrupted") for the operation in flight (a second
    /// signal aborts it). Its journal entry stays unfinished for recovery. `None` when no
    /// operation was journaled (nothing was sent).
    pub fn halt_interrupted(&self) -> Result<Option<OperationId>, StateError> {
        let Some(op) = self.in_flight() else {
            return Ok(None);
        };
        let now = self.clock.now();
        self.update(|s| {
            if s.halted.is_none() {
                s.halted = Some(Halt {
                    since: now,
                    reason: format!("operation {op} interrupted"),
                    operation: Some(op),
                    residual: Vec::new(),
                });
            }
        })?;
        Ok(Some(op))
    }

    /// Takes `lock` (waiting at most `options.lock_wait`) for each trading operation and each
    /// read-modify-write of the state outside one.
    pub fn with_account_lock(mut self, lock: AccountLock) -> Self {
        self.account_lock = Some(lock);
        self
    }

    /// The account lock, if any.
    pub fn account_lock(&self) -> Option<&AccountLock> {
        self.account_lock.as_ref()
    }

    /// Where the state lives (a path, or "memory").
    pub fn state_location(&self) -> String {
        self.store.describe()
    }

    /// True when no state file exists yet.
    pub fn state_missing(&self) -> bool {
        self.store.missing()
    }

    /// Takes the account lock for one operation (`None` without a configured lock).
    pub async fn lock_operation(&self, command: &str) -> Result<Option<LockGuard>, EngineError> {
        match &self.account_lock {
            Some(l) => Ok(Some(l.acquire(command).await?)),
            None => Ok(None),
        }
    }

    /// The engine clock's current time (the venues' time in paper mode at `--speed N`).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The options in force.
    pub fn options(&self) -> &ExecutionOptions {
        &self.options
    }

    /// The current state (HALTED flag and journal).
    pub fn state(&self) -> Result<EngineState, StateError> {
        self.store.load()
    }

    /// The halt, if trading is halted.
    pub fn halted(&self) -> Result<Option<Halt>, StateError> {
        Ok(self.store.load()?.halted)
    }

    /// Clears HALTED (operator command), under the account lock. Returns the halt that was
    /// cleared.
    pub fn resume(&self) -> Result<Option<Halt>, EngineError> {
        let _guard = match &self.account_lock {
            Some(l) => Some(l.acquire_blocking("resume")?),
            None => None,
        };
        Ok(self.update(|s| s.halted.take())?)
    }

    pub(super) fn ensure_not_halted(&self) -> Result<(), EngineError> {
        match self.store.load()?.halted {
            Some(h) => Err(EngineError::Halted {
                since: h.since,
                reason: h.reason,
            }),
            None => Ok(()),
        }
    }

    pub(super) fn update<T>(&self, f: impl FnOnce(&mut EngineState) -> T) -> Result<T, StateError> {
        let _guard = self.state_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = self.store.load()?;
        let out = f(&mut state);
        self.store.save(&state)?;
        Ok(out)
    }

    /// The id the next operation would get, without recording it (dry runs).
    pub(super) fn next_operation_id(&self) -> Result<OperationId, EngineError> {
        let now_ms = u64::try_from(self.clock.now().timestamp_millis()).unwrap_or(0);
        OperationId::next(self.store.load()?.last_operation, now_ms)
            .ok_or_else(|| EngineError::Internal("operation ids exhausted".into()))
    }

    /// Allocates an operation id and records the operation (kind, symbol, intended legs)
    /// before anything is sent.
    pub(super) fn begin(
        &self,
        kind: OperationKind,
        symbol: &str,
        legs: Vec<JournalLeg>,
    ) -> Result<OperationId, EngineError> {
        let now = self.clock.now();
        let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        self.update(|s| {
            let op = OperationId::next(s.last_operation, now_ms)
                .ok_or_else(|| EngineError::Internal("operation ids exhausted".into()))?;
            s.last_operation = Some(op);
            s.record(JournalEntry {
                operation: op,
                kind,
                symbol: symbol.to_string(),
                started_at: now,
                legs,
                orders: Vec::new(),
                outcome: None,
                recovered_at: None,
                owner: Some(format!("pid {} {kind}", std::process::id())),
            });
            *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = Some(op);
            Ok(op)
        })?
    }

    /// Journals orders before they are sent. If this fails (including a missing entry), they
    /// must not be sent.
    pub(super) fn journal_orders(
        &self,
        op: OperationId,
        orders: &[(&str, LegRole, &OrderRequest)],
    ) -> Result<(), EngineError> {
        self.update(|s| match s.entry_mut(op) {
            Some(e) => {
                for (venue, leg, r) in orders {
                    e.orders.push(JournalOrder {
                        venue: venue.to_string(),
                        leg: *leg,
                        client_id: r.client_id,
                        side: r.side,
                        size: r.size,
                        price: r.price,
                        reduce_only: r.reduce_only,
                        expires_at: r.expires_at,
                    });
                }
                Ok(())
            }
            None => Err(EngineError::Internal(format!(
                "journal entry of operation {op} is missing from the state file; not sending"
            ))),
        })?
    }

    /// Records how an operation ended; sets HALTED when `halt` is given. A failure to save
    /// is returned (the caller reports it loudly: the venues hold the truth either way).
    pub(super) fn finish(
        &self,
        op: OperationId,
        outcome: Outcome,
        halt: Option<(String, Vec<Residual>)>,
    ) -> Result<(), StateError> {
        let now = self.clock.now();
        *self.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.update(|s| {
            if let Some(e) = s.entry_mut(op) {
                e.outcome = Some(outcome);
            }
            if let Some((reason, residual)) = halt {
                s.halted = Some(Halt {
                    since: now,
                    reason,
                    operation: Some(op),
                    residual,
                });
            }
        })
    }

    /// Signed positions of both venues in `symbol` (0 when flat). Retries reads; a read that
    /// keeps failing is an error, never "flat".
    pub(super) async fn read_positions(
        &self,
        venues: &LegVenues,
        symbol: &str,
    ) -> Result<PairPositions, EngineError> {
        let (long, short) = tokio::join!(
            self.read_position(venues.long.as_ref(), symbol),
            self.read_position(venues.short.as_ref(), symbol)
        );
        Ok(PairPositions {
            long: long?,
            short: short?,
        })
    }

    pub(super) async fn read_position(
        &self,
        venue: &dyn Venue,
        symbol: &str,
    ) -> Result<Decimal, EngineError> {
        let mut last = None;
        for attempt in 0..self.options.position_read_attempts.max(1) {
            if attempt > 0 {
                self.clock.sleep(self.options.poll_interval).await;
            }
            match venue.position(symbol).await {
                Ok(p) => return Ok(p.map(|p| p.size).unwrap_or(Decimal::ZERO)),
                Err(e) => last = Some(e),
            }
        }
        Err(EngineError::Venue {
            venue: venue.id().to_string(),
            action: "position read",
            source: last.unwrap_or_else(|| VenueError::Transport("no attempt made".into())),
        })
    }

    /// The latest moment an order built now may execute: the end of its settle window. An
    /// order the engine later declares "not placed" can then no longer fill.
    pub(super) fn order_expiry(&self) -> DateTime<Utc> {
        self.clock.now()
            + chrono::Duration::from_std(
                self.options
                    .order_validity
                    .unwrap_or(self.options.settle_timeout),
            )
            .unwrap_or(chrono::Duration::MAX)
    }

    /// The crash-test hook (see [`ExecutionOptions::pause_at`]); inert unless configured.
    pub(super) async fn pause_point(&self, step: &str) {
        if self.options.pause_at.as_deref() == Some(step) {
            tracing::warn!("TEST PAUSE at step {step} (pid {})", std::process::id());
            tokio::time::sleep(self.options.pause_for).await;
        }
    }

    /// `Venue::resync` on both venues before anything is sent; an error sends nothing.
    pub(super) async fn resync_both(&self, venues: &LegVenues) -> Result<(), EngineError> {
        let (a, b) = tokio::join!(venues.long.resync(), venues.short.resync());
        a.map_err(venue_err(venues.long.as_ref(), "resync"))?;
        b.map_err(venue_err(venues.short.as_ref(), "resync"))?;
        Ok(())
    }

    /// A missing state file is not "not halted": with `require_state_file`, positions on any
    /// symbol of either venue refuse trading (no journal explains them).
    pub async fn check_state_present(&self, venues: &LegVenues) -> Result<(), EngineError> {
        if !self.options.require_state_file || !self.store.missing() {
            return Ok(());
        }
        let mut found = Vec::new();
        for v in [&venues.long, &venues.short] {
            let ps = v
                .positions()
                .await
                .map_err(venue_err(v.as_ref(), "positions read (all symbols)"))?;
            for p in ps.into_iter().filter(|p| !p.size.is_zero()) {
                found.push(format!("{} {} {}", v.id(), p.symbol, p.size.normalize()));
            }
        }
        if found.is_empty() {
            return Ok(());
        }
        Err(EngineError::StateMissing(format!(
            "no state file at {} (HALT and journal unknown), and positions exist that no journal \
             explains: {}. Run from the right config directory or pass --state-file; if these \
             positions are known and the state was lost, pass --init-state",
            self.store.describe(),
            found.join(", ")
        )))
    }

    /// The configured settle grace, else the longer of both venues' graces.
    pub(super) fn settle_grace(&self, venues: &LegVenues) -> Duration {
        self.options.settle_grace.unwrap_or_else(|| {
            venues
                .long
                .capabilities()
                .settle_grace
                .max(venues.short.capabilities().settle_grace)
        })
    }
}

/// Wraps a venue error with the venue and action.
pub(super) fn venue_err<'a>(
    venue: &'a dyn Venue,
    action: &'static str,
) -> impl FnOnce(VenueError) -> EngineError + 'a {
    move |source| EngineError::Venue {
        venue: venue.id().to_string(),
        action,
        source,
    }
}
