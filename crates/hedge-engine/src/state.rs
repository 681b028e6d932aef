//! The engine's persisted state: the HALTED flag and a journal of the orders each operation
//! sent, written before sending so that a restart can find them by client id.
//!
//! One JSON file, versioned, written atomically ([`crate::store`]). Unknown fields are kept
//! when the file is rewritten, so a newer version's data survives an older binary. A file
//! that cannot be parsed is an error (never silently replaced by a fresh state, W20).

use crate::ids::{LegRole, OperationId};
use crate::store;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use venue_api::{ClientOrderId, Side};

/// The schema version this build writes.
pub const STATE_VERSION: u32 = 1;

/// Journal entries kept (oldest dropped first).
pub const JOURNAL_LEN: usize = 50;

/// Why trading is stopped until an operator clears it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Halt {
    /// When the engine halted.
    pub since: DateTime<Utc>,
    /// What happened, for people.
    pub reason: String,
    /// The operation that failed.
    pub operation: Option<OperationId>,
    /// What was left where (signed base sizes; `None` when unknown).
    pub residual: Vec<Residual>,
}

/// A position left on a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Residual {
    /// Venue id.
    pub venue: String,
    /// Symbol.
    pub symbol: String,
    /// Signed base size, or `None` when it could not be read.
    pub size: Option<Decimal>,
}

/// An order as recorded before it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalOrder {
    /// Venue id.
    pub venue: String,
    /// Leg.
    pub leg: LegRole,
    /// Client id.
    pub client_id: ClientOrderId,
    /// Side.
    pub side: Side,
    /// Size.
    pub size: Decimal,
    /// Limit price.
    pub price: Decimal,
    /// Reduce-only.
    pub reduce_only: bool,
    /// The latest moment the venue may execute it (`None` in files written before orders
    /// carried an expiry: the venue default applies).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// What an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    /// Open (or add to) a hedge.
    Open,
    /// Close both legs (reduce-only).
    Close,
    /// Close one leg alone (reduce-only; operator or monitor facing a naked leg).
    CloseLeg,
    /// Reduce one or both legs by a quantity (reduce-only; the liquidation monitor).
    Reduce,
    /// A kind written by another version.
    #[serde(other)]
    Other,
}

impl std::fmt::Display for OperationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OperationKind::Open => "open",
            OperationKind::Close => "close",
            OperationKind::CloseLeg => "close_leg",
            OperationKind::Reduce => "reduce",
            OperationKind::Other => "other",
        })
    }
}

/// One leg as the operation intends it: where, which way, how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalLeg {
    /// Role.
    pub leg: LegRole,
    /// Venue id.
    pub venue: String,
    /// Direction of the intended orders (buy opens the long leg, sells close it).
    pub side: Side,
    /// Intended size (base units; for a close, the position to take off).
    pub size: Decimal,
    /// Signed position before the operation sent anything, when read.
    #[serde(default)]
    pub position_before: Option<Decimal>,
}

/// How an operation ended (typed: code never parses these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Outcome {
    /// Both legs verified equal and opposite; `size` is what this operation added.
    Hedged {
        /// Size per leg added.
        size: Decimal,
    },
    /// Nothing is left from this operation.
    NothingOpened {
        /// Why, for people.
        reason: String,
    },
    /// Both venues flat after a close.
    Flat,
    /// Positions remain after a close but still hedge each other.
    Remaining {
        /// Signed size on the long-role venue.
        long: Decimal,
        /// Signed size on the short-role venue.
        short: Decimal,
    },
    /// Stopped before any order was sent.
    Aborted {
        /// Why, for people.
        reason: String,
    },
    /// The engine HALTED on this operation.
    Halted {
        /// Why, for people.
        reason: String,
    },
    /// Dry run (never journaled today; kept for completeness).
    DryRun,
    /// An outcome written as free text by an older version (read only).
    #[serde(skip)]
    Legacy(String),
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Hedged { size } => write!(f, "hedged {size}"),
            Outcome::NothingOpened { reason } => write!(f, "nothing opened: {reason}"),
            Outcome::Flat => f.write_str("flat"),
            Outcome::Remaining { long, short } => write!(f, "positions remain: {long} / {short}"),
            Outcome::Aborted { reason } => write!(f, "aborted before sending: {reason}"),
            Outcome::Halted { reason } => write!(f, "HALTED: {reason}"),
            Outcome::DryRun => f.write_str("dry run"),
            Outcome::Legacy(t) => f.write_str(t),
        }
    }
}

/// Reads a typed outcome, or the free-text outcome of files written before it was typed.
mod outcome_serde {
    use super::Outcome;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Typed(Outcome),
        Legacy(String),
    }

    pub fn serialize<S: Serializer>(v: &Option<Outcome>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(Outcome::Legacy(t)) => t.serialize(s),
            other => other.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Outcome>, D::Error> {
        Ok(match Option::<Repr>::deserialize(d)? {
            None => None,
            Some(Repr::Typed(o)) => Some(o),
            Some(Repr::Legacy(t)) => Some(Outcome::Legacy(t)),
        })
    }
}

/// One operation's record. `outcome == None` means unfinished: the process stopped before
/// recording how it ended, and [`crate::protocol::HedgeEngine::recover`] must resolve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Operation id.
    pub operation: OperationId,
    /// What it is.
    pub kind: OperationKind,
    /// Symbol.
    pub symbol: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// The legs as intended (empty in files written before legs were journaled).
    #[serde(default)]
    pub legs: Vec<JournalLeg>,
    /// Every order sent (recorded before sending).
    pub orders: Vec<JournalOrder>,
    /// How it ended, once known.
    #[serde(default, with = "outcome_serde")]
    pub outcome: Option<Outcome>,
    /// Set when the outcome was established by recovery after an interruption.
    #[serde(default)]
    pub recovered_at: Option<DateTime<Utc>>,
    /// Process id and command that ran the operation.
    #[serde(default)]
    pub owner: Option<String>,
}

impl JournalEntry {
    /// True while the outcome is not recorded.
    pub fn unfinished(&self) -> bool {
        self.outcome.is_none()
    }

    /// The venue of a role: from the journaled legs, else from the orders.
    pub fn venue_of(&self, role: LegRole) -> Option<&str> {
        self.legs
            .iter()
            .find(|l| l.leg == role)
            .map(|l| l.venue.as_str())
            .or_else(|| {
                self.orders
                    .iter()
                    .find(|o| o.leg == role)
                    .map(|o| o.venue.as_str())
            })
    }
}

/// The whole state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineState {
    /// Schema version.
    pub version: u32,
    /// Set when a naked leg could not be repaired.
    pub halted: Option<Halt>,
    /// The last operation id used.
    pub last_operation: Option<OperationId>,
    /// Recent operations, oldest first.
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
    /// Fields written by other versions, kept as they are.
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

impl Default for EngineState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            halted: None,
            last_operation: None,
            journal: Vec::new(),
            unknown: Default::default(),
        }
    }
}

impl EngineState {
    /// Records an entry, keeping the journal bounded: only finished entries are ever
    /// dropped (oldest first); an unfinished one stays until recovery resolves it.
    pub fn record(&mut self, entry: JournalEntry) {
        self.journal.retain(|e| e.operation != entry.operation);
        self.journal.push(entry);
        while self.journal.len() > JOURNAL_LEN {
            match self.journal.iter().position(|e| !e.unfinished()) {
                Some(i) => {
                    self.journal.remove(i);
                }
                None => break,
            }
        }
    }

    /// The journal entry of an operation.
    pub fn entry_mut(&mut self, op: OperationId) -> Option<&mut JournalEntry> {
        self.journal.iter_mut().find(|e| e.operation == op)
    }

    /// Operations whose outcome was never recorded, oldest first.
    pub fn unfinished(&self) -> Vec<&JournalEntry> {
        self.journal.iter().filter(|e| e.unfinished()).collect()
    }
}

/// Why the state could not be read or written. Trading stops on either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Unreadable file. Example: disk error, permission denied.
    #[error("state file {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        message: String,
    },
    /// The file is not valid state. Example: truncated JSON.
    #[error("state file {path} is corrupt ({message}); fix or move it away, nothing was traded")]
    Corrupt {
        /// The file.
        path: String,
        /// The parse error.
        message: String,
    },
    /// Written by a newer version.
    #[error("state file {path} has version {found}, this build reads up to {supported}")]
    Version {
        /// The file.
        path: String,
        /// Its version.
        found: u32,
        /// Ours.
        supported: u32,
    },
}

/// Where the engine's state lives.
pub trait StateStore: Send + Sync + std::fmt::Debug {
    /// Reads the state (a missing file is the default state).
    fn load(&self) -> Result<EngineState, StateError>;
    /// Replaces the state durably.
    fn save(&self, state: &EngineState) -> Result<(), StateError>;
    /// True when no state has ever been saved here (a missing file): in live mode that is not
    /// "not halted", see [`crate::protocol::HedgeEngine::check_state_present`].
    fn missing(&self) -> bool {
        false
    }
    /// Where the state lives, for people.
    fn describe(&self) -> String {
        "memory".into()
    }
}

/// The HALT tombstone beside a state file: `<file>.HALTED`. Written before a HALT is saved and
/// removed only after a resume is saved, so that deleting or replacing the state file while
/// HALTED does not un-halt.
pub fn tombstone_path(state: &Path) -> PathBuf {
    let mut name = state
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".HALTED");
    state.with_file_name(name)
}

/// A JSON file written atomically.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path` (created on first save; the parent directory is created too).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl std::fmt::Display) -> StateError {
        StateError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }
}

impl StateStore for FileStore {
    fn load(&self) -> Result<EngineState, StateError> {
        let mut state = self.load_file()?;
        if state.halted.is_none() {
            let tomb = tombstone_path(&self.path);
            match std::fs::read_to_string(&tomb) {
                Ok(text) => {
                    let halt = serde_json::from_str::<Halt>(&text).unwrap_or_else(|_| Halt {
                        since: DateTime::<Utc>::UNIX_EPOCH,
                        reason: String::new(),
                        operation: None,
                        residual: Vec::new(),
                    });
                    state.halted = Some(Halt {
                        reason: format!(
                            "the state file {} was deleted or replaced while HALTED (tombstone {} remains); \
                             original reason: {}",
                            self.path.display(),
                            tomb.display(),
                            if halt.reason.is_empty() { "unknown" } else { &halt.reason }
                        ),
                        ..halt
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(state)
    }

    fn save(&self, state: &EngineState) -> Result<(), StateError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        }
        let tomb = tombstone_path(&self.path);
        if let Some(h) = &state.halted {
            let text = serde_json::to_string_pretty(h).map_err(|e| self.err(e))?;
            store::write_atomic(&tomb, text.as_bytes()).map_err(|e| self.err(e))?;
        }
        let mut text = serde_json::to_string_pretty(state).map_err(|e| self.err(e))?;
        text.push('\n');
        store::write_atomic(&self.path, text.as_bytes()).map_err(|e| self.err(e))?;
        if state.halted.is_none() {
            match std::fs::remove_file(&tomb) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(self.err(e)),
            }
        }
        Ok(())
    }

    fn missing(&self) -> bool {
        !self.path.exists()
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

impl FileStore {
    fn load_file(&self) -> Result<EngineState, StateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(EngineState::default()),
            Err(e) => return Err(self.err(e)),
        };
        let state: EngineState = serde_json::from_str(&text).map_err(|e| StateError::Corrupt {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        if state.version > STATE_VERSION {
            return Err(StateError::Version {
                path: self.path.display().to_string(),
                found: state.version,
                supported: STATE_VERSION,
            });
        }
        Ok(state)
    }
}

/// An in-memory store (tests, embedding).
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<EngineState>,
    fail_saves: Mutex<bool>,
}

impl MemoryStore {
    /// Makes every later save fail (to test that trading stops when state cannot be saved).
    pub fn fail_saves(&self, fail: bool) {
        *self.fail_saves.lock().unwrap_or_else(|p| p.into_inner()) = fail;
    }
}

impl StateStore for MemoryStore {
    fn load(&self) -> Result<EngineState, StateError> {
        Ok(self.state.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn save(&self, state: &EngineState) -> Result<(), StateError> {
        if *self.fail_saves.lock().unwrap_or_else(|p| p.into_inner()) {
            return Err(StateError::Io {
                path: "memory".into(),
                message: "save refused (test)".into(),
            });
        }
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = state.clone();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_default_and_round_trip_keeps_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub").join("hedge_state.json");
        let store = FileStore::new(&p);
        assert_eq!(store.load().unwrap(), EngineState::default());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            &p,
            r#"{"version":1,"halted":null,"last_operation":7,"journal":[],"future_field":{"x":1}}"#,
        )
        .unwrap();
        let mut s = store.load().unwrap();
        assert_eq!(s.last_operation, OperationId::new(7));
        s.last_operation = OperationId::new(8);
        store.save(&s).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.contains("future_field") && text.contains("\"last_operation\": 8"),
            "{text}"
        );
    }

    #[test]
    fn deleting_a_halted_state_file_is_noticed_and_resume_clears_the_tombstone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hedge_state.json");
        let store = FileStore::new(&p);
        let s = EngineState {
            halted: Some(Halt {
                since: DateTime::<Utc>::UNIX_EPOCH,
                reason: "legs unbalanced".into(),
                operation: None,
                residual: vec![],
            }),
            ..EngineState::default()
        };
        store.save(&s).unwrap();
        assert!(tombstone_path(&p).exists());
        std::fs::remove_file(&p).unwrap();
        assert!(store.missing());
        let h = store.load().unwrap().halted.expect("still halted");
        assert!(
            h.reason.contains("deleted or replaced while HALTED"),
            "{}",
            h.reason
        );
        assert!(h.reason.contains("legs unbalanced"), "{}", h.reason);
        let mut s = store.load().unwrap();
        s.halted = None;
        store.save(&s).unwrap();
        assert!(!tombstone_path(&p).exists());
        assert_eq!(store.load().unwrap().halted, None);
    }

    #[test]
    fn corrupt_and_newer_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "{\"version\":1,").unwrap();
        assert!(matches!(
            FileStore::new(&p).load(),
            Err(StateError::Corrupt { .. })
        ));
        std::fs::write(&p, r#"{"version":99,"halted":null,"last_operation":null}"#).unwrap();
        assert!(matches!(
            FileStore::new(&p).load(),
            Err(StateError::Version { found: 99, .. })
        ));
    }

    #[test]
    fn journal_is_bounded() {
        let mut s = EngineState::default();
        for i in 1..=(JOURNAL_LEN as u64 + 5) {
            s.record(entry(i, Some(Outcome::Flat)));
        }
        assert_eq!(s.journal.len(), JOURNAL_LEN);
        assert_eq!(s.journal[0].operation.get(), 6);
    }

    fn entry(op: u64, outcome: Option<Outcome>) -> JournalEntry {
        JournalEntry {
            operation: OperationId::new(op).unwrap(),
            kind: OperationKind::Open,
            symbol: "BTC".into(),
            started_at: DateTime::<Utc>::UNIX_EPOCH,
            legs: vec![],
            orders: vec![],
            outcome,
            recovered_at: None,
            owner: None,
        }
    }

    #[test]
    fn unfinished_entries_are_never_evicted() {
        let mut s = EngineState::default();
        s.record(entry(1, None));
        for i in 2..=(JOURNAL_LEN as u64 * 2) {
            s.record(entry(i, Some(Outcome::Flat)));
        }
        assert_eq!(s.journal.len(), JOURNAL_LEN);
        assert_eq!(s.journal[0].operation.get(), 1);
        assert_eq!(s.unfinished().len(), 1);
    }

    #[test]
    fn old_files_with_free_text_outcomes_still_load_and_round_trip() {
        let old = r#"{"version":1,"halted":null,"last_operation":9,"journal":[
            {"operation":8,"kind":"open","symbol":"HYPE","started_at":"2026-12-01T00:00:00Z",
             "orders":[{"venue":"edgex","leg":"short","client_id":822,"side":"sell","size":"3.3","price":"29.9","reduce_only":false}],
             "outcome":"hedged 3.3"},
            {"operation":9,"kind":"close","symbol":"HYPE","started_at":"2026-12-01T00:00:00Z",
             "orders":[],"outcome":null}]}"#;
        let s: EngineState = serde_json::from_str(old).unwrap();
        assert_eq!(s.journal[0].kind, OperationKind::Open);
        assert_eq!(
            s.journal[0].outcome,
            Some(Outcome::Legacy("hedged 3.3".into()))
        );
        assert_eq!(s.journal[0].orders[0].expires_at, None);
        assert_eq!(s.journal[0].venue_of(LegRole::Short), Some("edgex"));
        assert_eq!(s.unfinished().len(), 1);
        let text = serde_json::to_string(&s).unwrap();
        let back: EngineState = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        let mut typed = s.clone();
        typed.journal[1].outcome = Some(Outcome::Remaining {
            long: "1.0".parse().unwrap(),
            short: "-1.0".parse().unwrap(),
        });
        let text = serde_json::to_string(&typed).unwrap();
        assert!(text.contains(r#""status":"remaining""#), "{text}");
        assert_eq!(serde_json::from_str::<EngineState>(&text).unwrap(), typed);
    }
}
