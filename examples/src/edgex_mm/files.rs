//! The maker's two small files: balance snapshots (appended, the seed's line format, EX15)
//! and the running total of our filled volume (for the optional volume cap).
//!
//! The volume total is kept from our own fills as the order manager sees them, in a JSON file
//! rewritten atomically (temp file + rename) after each fill, so a restart continues the total
//! instead of re-downloading the account's whole fill history (EX-W8). A file that exists but
//! cannot be read is an error at start, never "0 USD".

use chrono::{DateTime, Local, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct FileError {
    /// The file.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

fn ferr(path: &Path, reason: impl ToString) -> FileError {
    FileError {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// One snapshot line: `[YYYY-MM-DD HH:MM:SS] Total: 279.6828 USD (<note>)`, local time,
/// 4 decimals (the seed's `balance_snapshots.txt`).
pub fn snapshot_line(at: DateTime<Utc>, total: Decimal, note: &str) -> String {
    format!(
        "[{}] Total: {:.4} USD ({note})",
        at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S"),
        total
    )
}

/// Appends balance snapshots at most once per `every`.
#[derive(Debug)]
pub struct Snapshots {
    path: PathBuf,
    every: chrono::Duration,
    last: Option<DateTime<Utc>>,
}

impl Snapshots {
    /// Snapshots to `path`, spaced at least `every_secs`.
    pub fn new(path: PathBuf, every_secs: u64) -> Self {
        Self {
            path,
            every: chrono::Duration::seconds(i64::try_from(every_secs).unwrap_or(i64::MAX / 1000)),
            last: None,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a line if the last one is at least `every` old; true when written.
    pub fn maybe_write(
        &mut self,
        now: DateTime<Utc>,
        total: Decimal,
        note: &str,
    ) -> Result<bool, FileError> {
        if self.last.is_some_and(|t| now - t < self.every) {
            return Ok(false);
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ferr(dir, e))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| ferr(&self.path, e))?;
        writeln!(f, "{}", snapshot_line(now, total, note)).map_err(|e| ferr(&self.path, e))?;
        self.last = Some(now);
        Ok(true)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct VolumeFile {
    symbol: String,
    volume_usd: Decimal,
    fills: u64,
    updated: DateTime<Utc>,
}

/// The running total of our filled volume on one symbol.
#[derive(Debug)]
pub struct Volume {
    path: PathBuf,
    state: VolumeFile,
}

impl Volume {
    /// Loads the total for `symbol` from `path` (absent: 0 and a new file on the first fill).
    /// A file for another symbol, or one that does not parse, is an error.
    pub fn load(path: PathBuf, symbol: &str, now: DateTime<Utc>) -> Result<Self, FileError> {
        let state = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let s: VolumeFile = serde_json::from_str(&text).map_err(|e| ferr(&path, e))?;
                if s.symbol != symbol {
                    return Err(ferr(
                        &path,
                        format!("holds the volume of {}, not {symbol}", s.symbol),
                    ));
                }
                s
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => VolumeFile {
                symbol: symbol.to_string(),
                volume_usd: Decimal::ZERO,
                fills: 0,
                updated: now,
            },
            Err(e) => return Err(ferr(&path, e)),
        };
        Ok(Self { path, state })
    }

    /// The total so far, USD.
    pub fn total(&self) -> Decimal {
        self.state.volume_usd
    }

    /// Fills counted so far.
    pub fn fills(&self) -> u64 {
        self.state.fills
    }

    /// Adds fills worth `value` USD and saves; the total grows even when the save fails.
    pub fn add(&mut self, value: Decimal, fills: u64, now: DateTime<Utc>) -> Result<(), FileError> {
        self.state.volume_usd += value;
        self.state.fills += fills;
        self.state.updated = now;
        let text = serde_json::to_string_pretty(&self.state).map_err(|e| ferr(&self.path, e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ferr(dir, e))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(|e| ferr(&tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| ferr(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn snapshot_line_has_the_seed_format() {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let line = snapshot_line(at, dec!(279.68281), "No Position - Quoting");
        let local = at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S");
        assert_eq!(
            line,
            format!("[{local}] Total: 279.6828 USD (No Position - Quoting)")
        );
    }

    #[test]
    fn snapshots_are_appended_and_spaced() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("snap/balance_snapshots.txt");
        let mut s = Snapshots::new(path.clone(), 300);
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(s.maybe_write(t0, dec!(1), "a"), Ok(true));
        assert_eq!(
            s.maybe_write(t0 + chrono::Duration::seconds(299), dec!(2), "b"),
            Ok(false)
        );
        assert_eq!(
            s.maybe_write(t0 + chrono::Duration::seconds(300), dec!(3), "c"),
            Ok(true)
        );
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text.lines().count(), 2);
        assert!(text
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("Total: 3.0000 USD (c)")));
    }

    #[test]
    fn volume_survives_a_restart_and_a_bad_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("vol.json");
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let mut v = Volume::load(path.clone(), "PAXG", t0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.total(), dec!(0));
        v.add(dec!(265.5), 1, t0).unwrap_or_else(|e| panic!("{e}"));
        v.add(dec!(10.25), 2, t0).unwrap_or_else(|e| panic!("{e}"));
        let again = Volume::load(path.clone(), "PAXG", t0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((again.total(), again.fills()), (dec!(275.75), 3));
        assert!(Volume::load(path.clone(), "BTC", t0).is_err());
        std::fs::write(&path, "{not json").unwrap_or_default();
        let e = Volume::load(path, "PAXG", t0).err();
        assert!(e.is_some_and(|e| e.path.ends_with("vol.json")));
    }
}
