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
}

/// One operation's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Operation id.
    pub operation: OperationId,
    /// "open", "close".
    pub kind: String,
    /// Symbol.
    pub symbol: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// Every order sent (recorded before sending).
    pub orders: Vec<JournalOrder>,
    /// How it ended, once known.
    pub outcome: Option<String>,
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
    /// Records an entry, keeping the journal bounded.
    pub fn record(&mut self, entry: JournalEntry) {
        self.journal.retain(|e| e.operation != entry.operation);
        self.journal.push(entry);
        let excess = self.journal.len().saturating_sub(JOURNAL_LEN);
        self.journal.drain(..excess);
    }

    /// The journal entry of an operation.
    pub fn entry_mut(&mut self, op: OperationId) -> Option<&mut JournalEntry> {
        self.journal.iter_mut().find(|e| e.operation == op)
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

    fn save(&self, state: &EngineState) -> Result<(), StateError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.err(e))?;
        }
        let mut text = serde_json::to_string_pretty(state).map_err(|e| self.err(e))?;
        text.push('\n');
        store::write_atomic(&self.path, text.as_bytes()).map_err(|e| self.err(e))
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
            s.record(JournalEntry {
                operation: OperationId::new(i).unwrap(),
                kind: "open".into(),
                symbol: "BTC".into(),
                started_at: DateTime::<Utc>::UNIX_EPOCH,
                orders: vec![],
                outcome: None,
            });
        }
        assert_eq!(s.journal.len(), JOURNAL_LEN);
        assert_eq!(s.journal[0].operation.get(), 6);
    }
}
