//! One recorder per output directory: an exclusive `flock` on `<out>/<venue>/record-market.lock`.
//!
//! Two writers appending to the same files would interleave rows and duplicate trades, so a
//! second recorder on the same directory stops at once with the holder's pid. The kernel
//! releases the lock when the process dies, so a `kill -9` never leaves a stale lock.

use fs4::{FileExt, TryLockError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the venue's output directory.
pub const LOCK_FILE: &str = "record-market.lock";

/// Why the output directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another recorder writes there.
    /// Example: a second `record-market --venue lighter` with the same `--out`.
    #[error("{path} is held by another recorder ({holder}): one recorder per output directory")]
    Busy {
        /// The lock file.
        path: String,
        /// What the holder wrote (pid, since).
        holder: String,
    },
    /// The lock file could not be created or locked.
    /// Example: the output directory is read-only.
    #[error("{path}: {source}")]
    Io {
        /// The lock file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Held while recording; dropping it (or dying) releases the directory.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
    path: PathBuf,
}

impl OutputLock {
    /// Locks `dir` (created if missing) for this process, without waiting.
    pub fn take(dir: &Path) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // Fully qualified: std's inherent `File::try_lock` is newer than the MSRV.
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Busy {
                    path: path.display().to_string(),
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        holder.to_string()
                    },
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let line = format!(
            "pid {} since {}\n",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        file.set_len(0).map_err(io)?;
        file.write_all(line.as_bytes()).map_err(io)?;
        Ok(Self { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::take(dir.path()).unwrap();
        let err = OutputLock::take(dir.path()).unwrap_err().to_string();
        assert!(err.contains("held by another recorder"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(OutputLock::take(dir.path()).is_ok());
    }
}
