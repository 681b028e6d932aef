//! The recorder's CSV files: one file per venue, symbol, kind and UTC day, append-only.
//!
//! Layout: `<out>/<venue>/<SYMBOL>_<kind>_<YYYY-MM-DD>.csv`, e.g.
//! `market_data/lighter/BTC_book_2026-12-01.csv`. A row goes to the file of the UTC day of
//! its own `time` column, so files rotate at midnight UTC.
//!
//! Contract that makes restarts safe:
//! - a file starts with exactly one header line, written only when the file is new (or when
//!   a previous run was killed before its header was complete);
//! - rows are whole lines: a `kill -9` can leave at most one torn (unterminated) last line,
//!   which [`repair`] cuts off before anything is appended again;
//! - a file whose first line is not this kind's header is never appended to (an error
//!   naming the file): the recorder does not mix formats.

use chrono::{DateTime, NaiveDate, Utc};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Top of book, in the backtest's `--books` format.
    Book,
    /// Public trades.
    Trades,
    /// Funding rate polls.
    Funding,
}

impl Kind {
    /// Every kind, in file-name order.
    pub const ALL: [Kind; 3] = [Kind::Book, Kind::Trades, Kind::Funding];

    /// The kind's name in file names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Book => "book",
            Kind::Trades => "trades",
            Kind::Funding => "funding",
        }
    }

    /// The header line (without its newline).
    pub fn header(self) -> &'static str {
        match self {
            Kind::Book => hedge_backtest::market::BOOK_CSV_HEADER,
            Kind::Trades => "time,trade_id,price,size,taker_side",
            Kind::Funding => "time,rate,interval_minutes,next_funding_time",
        }
    }

    fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// A file operation that failed, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading, writing, creating or truncating failed.
    /// Example: the output directory is on a full disk.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The file exists with another first line; the recorder will not append to it.
    /// Example: a trades file renamed to `BTC_book_2026-12-01.csv` by hand.
    #[error("{path}: first line is {found:?}, expected the {kind} header {expected:?}; not appending to it (move it away)")]
    Header {
        /// The file.
        path: String,
        /// The kind expected from the name.
        kind: &'static str,
        /// What the file starts with.
        found: String,
        /// The header of that kind.
        expected: &'static str,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The file of `symbol`, `kind` and UTC `date` under `dir` (`<out>/<venue>`).
pub fn path_of(dir: &Path, symbol: &str, kind: Kind, date: NaiveDate) -> PathBuf {
    dir.join(format!(
        "{symbol}_{}_{}.csv",
        kind.name(),
        date.format("%Y-%m-%d")
    ))
}

/// Splits a recorder file name into symbol, kind and date (`None` for any other file).
pub fn parse_name(name: &str) -> Option<(String, Kind, NaiveDate)> {
    let stem = name.strip_suffix(".csv")?;
    let (rest, date) = stem.rsplit_once('_')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let (symbol, kind) = rest.rsplit_once('_')?;
    let kind = Kind::from_name(kind)?;
    (!symbol.is_empty()).then(|| (symbol.to_string(), kind, date))
}

/// The recorder files of `symbol` and `kind` under `dir`, oldest day first.
pub fn files_of(
    dir: &Path,
    symbol: &str,
    kind: Kind,
) -> Result<Vec<(NaiveDate, PathBuf)>, FileError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir)(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let name = entry.file_name();
        if let Some((s, k, d)) = name.to_str().and_then(parse_name) {
            if s == symbol && k == kind {
                out.push((d, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// What [`repair`] did to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Nothing to do: every line is whole (or the file is empty).
    Clean,
    /// A torn last line of this many bytes was cut off.
    CutTornLine(u64),
    /// The header itself was torn: the file was emptied (this many bytes removed).
    EmptiedTornHeader(u64),
}

/// Makes `path` safe to append to: cuts a torn (unterminated) last line, empties a file
/// holding only a torn header, and checks that the first line is `kind`'s header.
pub fn repair(path: &Path, kind: Kind) -> Result<Repair, FileError> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let len = f.metadata().map_err(io(path))?.len();
    if len == 0 {
        return Ok(Repair::Clean);
    }
    let header = kind.header();
    // The first line (at most the header and its newline, plus one byte to see a longer line).
    let mut head = Vec::new();
    (&mut f)
        .take(header.len() as u64 + 2)
        .read_to_end(&mut head)
        .map_err(io(path))?;
    let first = match head.iter().position(|b| *b == b'\n') {
        Some(n) => &head[..n],
        None if format!("{header}\n").as_bytes().starts_with(&head) => {
            // killed while writing the header: start the file again
            f.set_len(0).map_err(io(path))?;
            return Ok(Repair::EmptiedTornHeader(len));
        }
        None => &head[..],
    };
    if first != header.as_bytes() {
        return Err(FileError::Header {
            path: path.display().to_string(),
            kind: kind.name(),
            found: String::from_utf8_lossy(first).into_owned(),
            expected: header,
        });
    }
    let end = last_newline_end(&mut f, len).map_err(io(path))?;
    if end == len {
        return Ok(Repair::Clean);
    }
    f.set_len(end).map_err(io(path))?;
    Ok(Repair::CutTornLine(len - end))
}

/// The offset just after the last `\n` of a file of `len` bytes (0 when there is none).
fn last_newline_end(f: &mut File, len: u64) -> std::io::Result<u64> {
    const CHUNK: u64 = 4096;
    let mut end = len;
    let mut buf = vec![0u8; CHUNK as usize];
    while end > 0 {
        let start = end.saturating_sub(CHUNK);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The last line of a file that [`repair`] left whole (`None` for an empty file or a file
/// holding only its header).
pub fn last_row(path: &Path, kind: Kind) -> Result<Option<String>, FileError> {
    let mut f = File::open(path).map_err(io(path))?;
    let len = f.metadata().map_err(io(path))?.len();
    // rows are short: the last 4 KiB hold the last whole line
    let start = len.saturating_sub(4096);
    f.seek(SeekFrom::Start(start)).map_err(io(path))?;
    let mut raw = Vec::new();
    f.read_to_end(&mut raw).map_err(io(path))?;
    let tail = String::from_utf8_lossy(&raw);
    let last = tail
        .trim_end_matches('\n')
        .rsplit('\n')
        .next()
        .filter(|l| !l.is_empty() && *l != kind.header());
    Ok(last.map(str::to_string))
}

/// Appends the rows of one symbol and kind to the file of each row's UTC day, with a
/// buffer that [`DailyCsv::flush`] writes out.
#[derive(Debug)]
pub struct DailyCsv {
    dir: PathBuf,
    symbol: String,
    kind: Kind,
    open: Option<(NaiveDate, PathBuf, BufWriter<File>)>,
}

impl DailyCsv {
    /// Files of `symbol`/`kind` under `dir` (nothing is opened until the first row).
    pub fn new(dir: &Path, symbol: &str, kind: Kind) -> Self {
        Self {
            dir: dir.to_path_buf(),
            symbol: symbol.to_string(),
            kind,
            open: None,
        }
    }

    /// Appends one row (`line` without its newline) to the file of `time`'s UTC day.
    pub fn append(&mut self, time: DateTime<Utc>, line: &str) -> Result<(), FileError> {
        let date = time.date_naive();
        if self.open.as_ref().map(|o| o.0) != Some(date) {
            self.close()?;
            self.open = Some(self.open_day(date)?);
        }
        if let Some((_, path, w)) = self.open.as_mut() {
            // one write per whole line: the buffer only ever spills whole lines
            let mut row = String::with_capacity(line.len() + 1);
            row.push_str(line);
            row.push('\n');
            w.write_all(row.as_bytes()).map_err(io(path))?;
        }
        Ok(())
    }

    /// Writes buffered rows to the file.
    pub fn flush(&mut self) -> Result<(), FileError> {
        if let Some((_, path, w)) = self.open.as_mut() {
            w.flush().map_err(io(path))?;
        }
        Ok(())
    }

    /// Flushes and closes the current file.
    pub fn close(&mut self) -> Result<(), FileError> {
        self.flush()?;
        self.open = None;
        Ok(())
    }

    fn open_day(
        &self,
        date: NaiveDate,
    ) -> Result<(NaiveDate, PathBuf, BufWriter<File>), FileError> {
        std::fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        let path = path_of(&self.dir, &self.symbol, self.kind, date);
        if path.exists() {
            if let Repair::CutTornLine(n) | Repair::EmptiedTornHeader(n) = repair(&path, self.kind)?
            {
                tracing::warn!("{}: cut a torn last line of {n} bytes", path.display());
            }
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        if f.metadata().map_err(io(&path))?.len() == 0 {
            // the header goes out at once, alone, so that a file never starts with a row
            f.write_all(format!("{}\n", self.kind.header()).as_bytes())
                .map_err(io(&path))?;
        }
        let w = BufWriter::with_capacity(64 * 1024, f);
        Ok((date, path, w))
    }
}

impl Drop for DailyCsv {
    fn drop(&mut self) {
        if let Err(e) = self.close() {
            tracing::warn!("closing a recorder file: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn names_round_trip_and_other_files_are_not_ours() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let p = path_of(Path::new("x"), "BTC", Kind::Trades, d);
        assert_eq!(p, Path::new("x/BTC_trades_2026-12-01.csv"));
        assert_eq!(
            parse_name("BTC_trades_2026-12-01.csv"),
            Some(("BTC".into(), Kind::Trades, d))
        );
        for other in [
            "record-market.log",
            "BTC_trades_2026-13-01.csv",
            "BTC_quotes_2026-12-01.csv",
            "_book_2026-12-01.csv",
            "BTC_book_2026-12-01.txt",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn rows_rotate_at_midnight_utc_with_one_header_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DailyCsv::new(dir.path(), "BTC", Kind::Trades);
        f.append(at("2026-12-01T23:59:59.900Z"), "a,1").unwrap();
        f.append(at("2026-12-02T00:00:00.000Z"), "b,2").unwrap();
        f.append(at("2026-12-02T01:00:00+01:00"), "c,3").unwrap(); // 00:00 UTC
        drop(f);
        let h = Kind::Trades.header();
        let day1 = dir.path().join("BTC_trades_2026-12-01.csv");
        let day2 = dir.path().join("BTC_trades_2026-12-02.csv");
        assert_eq!(read(&day1), format!("{h}\na,1\n"));
        assert_eq!(read(&day2), format!("{h}\nb,2\nc,3\n"));
        // a second writer appends without a second header
        let mut f = DailyCsv::new(dir.path(), "BTC", Kind::Trades);
        f.append(at("2026-12-02T00:00:01Z"), "d,4").unwrap();
        f.close().unwrap();
        assert_eq!(read(&day2), format!("{h}\nb,2\nc,3\nd,4\n"));
        let files = files_of(dir.path(), "BTC", Kind::Trades).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            last_row(&day2, Kind::Trades).unwrap().as_deref(),
            Some("d,4")
        );
    }

    #[test]
    fn rows_stay_in_the_buffer_until_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = DailyCsv::new(dir.path(), "ETH", Kind::Funding);
        f.append(at("2026-12-01T10:00:00Z"), "r1").unwrap();
        let p = dir.path().join("ETH_funding_2026-12-01.csv");
        assert_eq!(read(&p), format!("{}\n", Kind::Funding.header()));
        f.flush().unwrap();
        assert_eq!(read(&p), format!("{}\nr1\n", Kind::Funding.header()));
    }

    #[test]
    fn repair_table() {
        let h = Kind::Trades.header();
        // (file content, expected repair, content after)
        let cases: Vec<(String, Result<Repair, ()>, String)> = vec![
            (String::new(), Ok(Repair::Clean), String::new()),
            (format!("{h}\n"), Ok(Repair::Clean), format!("{h}\n")),
            (
                format!("{h}\na,1\n"),
                Ok(Repair::Clean),
                format!("{h}\na,1\n"),
            ),
            (
                format!("{h}\na,1\nb,"),
                Ok(Repair::CutTornLine(2)),
                format!("{h}\na,1\n"),
            ),
            (
                format!("{h}\nb,2"),
                Ok(Repair::CutTornLine(3)),
                format!("{h}\n"),
            ),
            (
                h[..7].to_string(),
                Ok(Repair::EmptiedTornHeader(7)),
                String::new(),
            ),
            (
                h.to_string(),
                Ok(Repair::EmptiedTornHeader(h.len() as u64)),
                String::new(),
            ),
            (
                format!("{}\nx\n", Kind::Book.header()),
                Err(()),
                format!("{}\nx\n", Kind::Book.header()),
            ),
            ("garbage".into(), Err(()), "garbage".into()),
        ];
        let dir = tempfile::tempdir().unwrap();
        for (i, (content, expected, after)) in cases.into_iter().enumerate() {
            let p = dir.path().join(format!("case{i}.csv"));
            std::fs::write(&p, &content).unwrap();
            let got = repair(&p, Kind::Trades);
            match (&got, &expected) {
                (Ok(g), Ok(e)) => assert_eq!(g, e, "case {i}: {content:?}"),
                (Err(e), Err(())) => {
                    let m = e.to_string();
                    assert!(
                        m.contains("not appending") && m.contains(&format!("case{i}")),
                        "{m}"
                    );
                }
                _ => panic!("case {i}: {content:?}: got {got:?}, expected {expected:?}"),
            }
            assert_eq!(read(&p), after, "case {i}");
        }
    }

    #[test]
    fn a_torn_line_longer_than_a_read_chunk_is_cut_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("BTC_trades_2026-12-01.csv");
        let whole = format!("{}\n1,2\n", Kind::Trades.header());
        std::fs::write(&p, format!("{whole}{}", "x".repeat(10_000))).unwrap();
        assert_eq!(
            repair(&p, Kind::Trades).unwrap(),
            Repair::CutTornLine(10_000)
        );
        assert_eq!(read(&p), whole);
        // appending after a repair continues on a fresh line, header untouched
        let mut f = DailyCsv::new(dir.path(), "BTC", Kind::Trades);
        f.append(at("2026-12-01T00:00:00Z"), "3,4").unwrap();
        f.close().unwrap();
        assert_eq!(read(&p), format!("{whole}3,4\n"));
    }
}
