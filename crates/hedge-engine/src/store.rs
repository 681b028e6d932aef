//! Durable file writes: nothing is ever half-written.
//!
//! [`write_atomic`] writes a sibling temporary file, fsyncs it, renames it over the target and
//! fsyncs the directory, so that after a crash the file holds either the old or the new
//! content, never a mix. [`write_atomic_with_backup`] first keeps the previous content as
//! `<name>.bak`. Used for the state file and for config rewrites.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// The backup path used by [`write_atomic_with_backup`]: `<file>.bak`.
pub fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

/// Replaces `path` with `contents` atomically and durably.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, &format!(".tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Like [`write_atomic`], keeping the previous content (if any) as `<file>.bak` first.
pub fn write_atomic_with_backup(path: &Path, contents: &[u8]) -> io::Result<Option<PathBuf>> {
    let backup = if path.exists() {
        let bak = backup_path(path);
        write_atomic(&bak, &fs::read(path)?)?;
        Some(bak)
    } else {
        None
    };
    write_atomic(path, contents)?;
    Ok(backup)
}

fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Directories can be opened read-only and fsynced on Unix; elsewhere this is best effort.
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        write_atomic(&p, b"{\"v\":1}").unwrap();
        write_atomic(&p, b"{\"v\":2}").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\"v\":2}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn backup_keeps_previous_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hedge_config.json");
        assert_eq!(write_atomic_with_backup(&p, b"old").unwrap(), None);
        let bak = write_atomic_with_backup(&p, b"new").unwrap().unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(fs::read_to_string(bak).unwrap(), "old");
    }

    #[test]
    fn failure_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("f.json");
        assert!(write_atomic(&missing, b"x").is_err());
        assert!(!missing.exists());
    }
}
