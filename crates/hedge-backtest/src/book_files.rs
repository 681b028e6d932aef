//! `--books PATH`: recorded top-of-book depth from one CSV file, or from every book file
//! under a directory (what `record-market` writes: `<out>/<venue>/<SYMBOL>_book_<day>.csv`).
//!
//! In a directory, a file is a book file when its name ends in `.csv` and contains `book`;
//! every such file must parse ([`BookDepth::parse_csv`]), other files are ignored. A
//! recorder may be appending to the newest file while the backtest reads it, so a last line
//! without its newline is a write in progress and is left out (in a directory only: a single
//! file given by name is read strictly).

use crate::market::{BookCsvError, BookDepth};
use std::path::{Path, PathBuf};

/// Why `--books` could not be read, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum BookLoadError {
    /// A file or directory could not be read.
    /// Example: `--books` names a path that does not exist.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A book file has a line that does not parse.
    /// Example: a crossed book written by hand into a recorder file.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The line and field.
        source: BookCsvError,
    },
    /// A directory holds no book file.
    /// Example: `--books market_data` before the recorder wrote anything.
    #[error("{path}: no book file (*book*.csv) in this directory or below")]
    NoBookFiles {
        /// The directory.
        path: String,
    },
}

/// What [`load`] read.
#[derive(Debug, Clone)]
pub struct LoadedBooks {
    /// The snapshots.
    pub depth: BookDepth,
    /// Files read.
    pub files: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BookLoadError + '_ {
    move |source| BookLoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn book_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BookLoadError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(io(&path))?;
        if ty.is_dir() {
            book_files(&path, out)?;
        } else if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.ends_with(".csv") && n.contains("book"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads `path`: one book CSV file, or every book file under a directory.
pub fn load(path: &Path) -> Result<LoadedBooks, BookLoadError> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let parse = |file: &Path, text: &str| {
        BookDepth::parse_csv(text).map_err(|source| BookLoadError::Csv {
            path: file.display().to_string(),
            source,
        })
    };
    if !meta.is_dir() {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        return Ok(LoadedBooks {
            depth: parse(path, &text)?,
            files: 1,
        });
    }
    let mut files = Vec::new();
    book_files(path, &mut files)?;
    if files.is_empty() {
        return Err(BookLoadError::NoBookFiles {
            path: path.display().to_string(),
        });
    }
    files.sort();
    let mut depth = BookDepth::default();
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(io(f))?;
        // a line still being written (no newline yet) is not read
        let whole = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        depth.merge(parse(f, whole)?);
    }
    Ok(LoadedBooks {
        depth,
        files: files.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::BOOK_CSV_HEADER;
    use chrono::{DateTime, Utc};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn write(p: &Path, rows: &[&str], tail: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let mut text = format!("{BOOK_CSV_HEADER}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        text.push_str(tail);
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn a_directory_of_recorder_files_reads_as_one_book_history() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        write(
            &root.join("lighter/BTC_book_2026-12-02.csv"),
            &["2026-12-02T00:00:01.000Z,lighter,BTC,100,1,101,1"],
            // being written by a running recorder
            "2026-12-02T00:00:02.000Z,lighter,BTC,1",
        );
        write(
            &root.join("lighter/BTC_book_2026-12-01.csv"),
            &["2026-12-01T23:59:59.000Z,lighter,BTC,99,1,100,1"],
            "",
        );
        write(
            &root.join("edgex/ETH_book_2026-12-01.csv"),
            &["2026-12-01T12:00:00.000Z,edgex,ETH,3500,2,3501,2"],
            "",
        );
        // not book files: ignored whatever they hold
        std::fs::write(root.join("lighter/BTC_trades_2026-12-01.csv"), "x,y\n1,2\n").unwrap();
        std::fs::write(root.join("lighter/record-market.log"), "log").unwrap();
        let loaded = load(root).unwrap();
        assert_eq!((loaded.files, loaded.depth.len()), (3, 3));
        let at = |v: &str, s: &str, when: &str| {
            loaded
                .depth
                .at(v, s, t(when))
                .map(|r| r.bid.price.to_string())
        };
        assert_eq!(
            at("lighter", "BTC", "2026-12-02T00:00:00Z").as_deref(),
            Some("99")
        );
        assert_eq!(
            at("lighter", "BTC", "2026-12-03T00:00:00Z").as_deref(),
            Some("100")
        );
        assert_eq!(
            at("edgex", "ETH", "2026-12-01T13:00:00Z").as_deref(),
            Some("3500")
        );
        // one file by name: read strictly, the unfinished line is an error naming it
        let err = load(&root.join("lighter/BTC_book_2026-12-02.csv")).unwrap_err();
        assert!(
            matches!(&err, BookLoadError::Csv { path, source } if path.ends_with("BTC_book_2026-12-02.csv") && source.line == 3),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_path() {
        let d = tempfile::tempdir().unwrap();
        let err = load(d.path()).unwrap_err().to_string();
        assert!(err.contains("no book file"), "{err}");
        let err = load(&d.path().join("missing")).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
        let bad = d.path().join("x/BTC_book_2026-12-01.csv");
        write(&bad, &["2026-12-01T00:00:00Z,a,BTC,100,1,99,1"], "");
        let err = load(d.path()).unwrap_err().to_string();
        assert!(
            err.contains("BTC_book_2026-12-01.csv") && err.contains("line 2"),
            "{err}"
        );
    }
}
