//! The simulator's state file: the whole exchange as JSON, written atomically
//! (temp file in the same directory, fsync, rename). No private key is ever stored: the
//! file holds public keys only, and paper keys are generated afresh on every start.

use crate::engine::Exchange;
use crate::server::SimError;
use std::io::Write;
use std::path::Path;

fn state_err(path: &Path, reason: impl ToString) -> SimError {
    SimError::State {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Writes `exchange` to `path` atomically.
/// Serialises saves within the process: concurrent saves (one per order) must neither share a
/// temporary file nor let an older snapshot overwrite a newer one.
static SAVE_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
static TMP_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Takes the snapshot and writes it under the save lock, so the file always ends up holding
/// the newest state.
pub fn save_latest(path: &Path, snapshot: impl FnOnce() -> Exchange) -> Result<(), SimError> {
    let _guard = SAVE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    save(path, &snapshot())
}

pub fn save(path: &Path, exchange: &Exchange) -> Result<(), SimError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| state_err(path, e))?;
    let text = serde_json::to_string_pretty(exchange).map_err(|e| state_err(path, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sim_state.json".into());
    let seq = TMP_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{seq}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(state_err(path, e));
    }
    Ok(())
}

/// Reads a state file; `Ok(None)` when it does not exist.
pub fn load(path: &Path) -> Result<Option<Exchange>, SimError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(state_err(path, e)),
    };
    let ex: Exchange = serde_json::from_str(&text)
        .map_err(|e| state_err(path, format!("not a venue-sim state file: {e}")))?;
    if ex.version != 1 {
        return Err(state_err(
            path,
            format!("unsupported version {}", ex.version),
        ));
    }
    Ok(Some(ex))
}
