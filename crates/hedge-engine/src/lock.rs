//! One trader per account: an exclusive advisory lock (`flock`) on a file beside the state
//! file, held for each trading operation and each read-modify-write of the state.
//!
//! The holder writes its pid, command and start time into the file, so that a second trader
//! that gives up after the bounded wait can name who holds it. The lock is released when the
//! guard is dropped or the process dies (the kernel releases `flock` locks with the file
//! descriptor), so a `kill -9` never leaves a stale lock. Read-only commands take no lock.

use fs4::{FileExt, TryLockError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Pause between attempts while another process holds the lock.
const RETRY: Duration = Duration::from_millis(50);

/// Why the lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    /// Another process held it for the whole wait.
    #[error(
        "another trader holds the account lock {path} ({holder}); waited {waited_s} s. \
         Nothing was done: retry when it has finished"
    )]
    Busy {
        /// The lock file.
        path: String,
        /// What the holder wrote: pid, command, since.
        holder: String,
        /// Seconds waited.
        waited_s: u64,
    },
    /// The lock file could not be opened or locked.
    #[error("account lock {path}: {message}")]
    Io {
        /// The lock file.
        path: String,
        /// The error.
        message: String,
    },
}

/// The lock file of an account (or of a paper directory).
#[derive(Debug, Clone)]
pub struct AccountLock {
    path: PathBuf,
    wait: Duration,
}

/// Held while the lock is held; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Leave the holder line for post-mortems but mark it released; the kernel releases
        // the lock when the descriptor closes right after.
        let _ = self.file.set_len(0);
    }
}

/// `<state file>.lock`.
pub fn lock_path_for(state_file: &Path) -> PathBuf {
    let mut name = state_file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    state_file.with_file_name(name)
}

impl AccountLock {
    /// A lock at `path`, waiting at most `wait` for another holder.
    pub fn new(path: impl Into<PathBuf>, wait: Duration) -> Self {
        Self {
            path: path.into(),
            wait,
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, e: impl std::fmt::Display) -> LockError {
        LockError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        }
    }

    fn open(&self) -> Result<File, LockError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(|e| self.io(e))
    }

    fn try_take(&self, file: &File) -> Result<bool, LockError> {
        // Fully qualified: std's inherent `File::try_lock` is newer than the MSRV.
        match FileExt::try_lock(file) {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(self.io(e)),
        }
    }

    fn claim(&self, mut file: File, command: &str) -> Result<LockGuard, LockError> {
        let line = format!(
            "pid {} command {command} since {}\n",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        file.set_len(0).map_err(|e| self.io(e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| self.io(e))?;
        file.write_all(line.as_bytes()).map_err(|e| self.io(e))?;
        let _ = file.sync_data();
        tracing::debug!(path = %self.path.display(), command, "account lock taken");
        Ok(LockGuard {
            file,
            path: self.path.clone(),
        })
    }

    fn busy(&self, waited: Duration) -> LockError {
        let mut holder = String::new();
        if let Ok(mut f) = File::open(&self.path) {
            let _ = f.read_to_string(&mut holder);
        }
        let holder = holder.trim();
        LockError::Busy {
            path: self.path.display().to_string(),
            holder: if holder.is_empty() {
                "holder unknown".into()
            } else {
                holder.to_string()
            },
            waited_s: waited.as_secs(),
        }
    }

    /// Takes the lock, waiting (asynchronously) up to the configured bound.
    pub async fn acquire(&self, command: &str) -> Result<LockGuard, LockError> {
        let file = self.open()?;
        let start = Instant::now();
        let mut told = false;
        loop {
            if self.try_take(&file)? {
                return self.claim(file, command);
            }
            if start.elapsed() >= self.wait {
                return Err(self.busy(start.elapsed()));
            }
            if !told {
                told = true;
                tracing::warn!(
                    "waiting for the account lock: {}",
                    self.busy(Duration::ZERO)
                );
            }
            tokio::time::sleep(RETRY).await;
        }
    }

    /// Takes the lock from synchronous code, waiting up to the configured bound.
    pub fn acquire_blocking(&self, command: &str) -> Result<LockGuard, LockError> {
        let file = self.open()?;
        let start = Instant::now();
        loop {
            if self.try_take(&file)? {
                return self.claim(file, command);
            }
            if start.elapsed() >= self.wait {
                return Err(self.busy(start.elapsed()));
            }
            std::thread::sleep(RETRY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_holder_waits_then_fails_naming_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let p = lock_path_for(&dir.path().join("hedge_state.json"));
        assert!(p.ends_with("hedge_state.json.lock"));
        let a = AccountLock::new(&p, Duration::from_millis(200));
        let g = a.acquire("open").await.unwrap();
        let started = Instant::now();
        let err = a.acquire("close").await.unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(200));
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())) && text.contains("command open"),
            "{text}"
        );
        drop(g);
        let g2 = a.acquire_blocking("close").unwrap();
        assert_eq!(g2.path(), p.as_path());
    }
}
