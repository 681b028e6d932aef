//! Loading and saving the bot's state file (W20).
//!
//! - A missing file is a fresh state. An empty, unparsable or wrong-version file is an error
//!   ([`BotStateError::Corrupt`]): the bot refuses to start until the operator passes
//!   `--reset-state`, which moves it aside (never deletes it).
//! - A save writes a sibling temporary file, fsyncs it, renames it over the file and fsyncs the
//!   directory; the previous content is kept as `<file>.prev` first. A failed save is an error
//!   the loop treats as "stop trading".

use super::{BotState, STATE_VERSION};
use crate::store::write_atomic;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// Why the bot's state could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BotStateError {
    /// The file exists but is not a state this build reads. Example: truncated JSON after a
    /// disk-full, or `"version": "2.0"`.
    #[error(
        "bot state file {path} is unreadable ({message}); nothing was traded. Fix it, or start \
         with --reset-state to move it aside (it is kept, never deleted)"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing failed. Example: permission denied, disk full.
    #[error("bot state file {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        message: String,
    },
}

/// The bot's state file.
#[derive(Debug, Clone)]
pub struct BotStateFile {
    path: PathBuf,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

impl BotStateFile {
    /// The file at `path` (created on the first save, with its directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous content is kept: `<file>.prev`.
    pub fn prev_path(&self) -> PathBuf {
        sibling(&self.path, ".prev")
    }

    fn io(&self, e: impl std::fmt::Display) -> BotStateError {
        BotStateError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn corrupt(&self, message: impl Into<String>) -> BotStateError {
        BotStateError::Corrupt {
            path: self.path.display().to_string(),
            message: message.into(),
        }
    }

    /// Reads the state; a missing file is a fresh state.
    pub fn load(&self) -> Result<BotState, BotStateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BotState::default()),
            Err(e) => return Err(self.io(e)),
        };
        parse(&text).map_err(|m| self.corrupt(m))
    }

    /// Replaces the state durably, keeping the previous file as `<file>.prev`; refreshes
    /// `last_updated` and the version.
    pub fn save(&self, state: &mut BotState, now: DateTime<Utc>) -> Result<(), BotStateError> {
        state.last_updated = Some(now);
        state.version = STATE_VERSION.into();
        let text = serde_json::to_string_pretty(state).map_err(|e| self.io(e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        match std::fs::read(&self.path) {
            Ok(previous) => write_atomic(&self.prev_path(), &previous).map_err(|e| self.io(e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.io(e)),
        }
        write_atomic(&self.path, text.as_bytes()).map_err(|e| self.io(e))
    }

    /// `--reset-state`: moves an existing file to `<file>.corrupt-<time>` and returns that
    /// path (`None` when there was no file). Never deletes anything.
    pub fn move_aside(&self, now: DateTime<Utc>) -> Result<Option<PathBuf>, BotStateError> {
        if !self.path.exists() {
            return Ok(None);
        }
        let target = sibling(
            &self.path,
            &format!(".corrupt-{}", now.format("%Y%m%dT%H%M%S")),
        );
        std::fs::rename(&self.path, &target).map_err(|e| self.io(e))?;
        Ok(Some(target))
    }
}

/// Parses the text of a state file, checking the version (major 1).
pub fn parse(text: &str) -> Result<BotState, String> {
    if text.trim().is_empty() {
        return Err("the file is empty".into());
    }
    let state: BotState = serde_json::from_str(text).map_err(|e| format!("invalid state: {e}"))?;
    let major = state.version.split('.').next().unwrap_or_default();
    if major != "1" {
        return Err(format!(
            "version {:?}: this build reads version 1.x",
            state.version
        ));
    }
    Ok(state)
}
