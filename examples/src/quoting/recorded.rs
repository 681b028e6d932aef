//! A volatility prior from recorded books: `record-market`'s book files (CSV, header
//! `time,venue,symbol,bid,bid_size,ask,ask_size`, one best bid/ask per row), the mids of one
//! venue and symbol fed in time order through [`EwmaVolatility`].
//!
//! The parsing is pure ([`mids_from_book_csv`]); [`volatility_from_dir`] reads every `*.csv`
//! file under a directory whose first line is that header. A file being recorded may end in
//! an unfinished line: the last line of a file without a final newline is skipped when it does
//! not parse; any other bad line is an error naming file, line and field. Note that mids
//! sampled many times a second carry bid-ask bounce, which the estimate includes.

use super::{EwmaVolatility, QuoteError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The header of a book file.
pub const BOOK_HEADER: &str = "time,venue,symbol,bid,bid_size,ask,ask_size";

/// Why recorded books could not give a volatility.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordedError {
    /// A line that does not parse.
    /// Example: `books/edgex/PAXG_book_2026-12-01.csv line 17: bid "abc" is not a number`.
    #[error("{path} line {line}: {reason}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The directory or a file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// No row of this venue and symbol was found.
    #[error("no book row of {venue} {symbol} under {dir}")]
    Empty {
        /// The directory.
        dir: String,
        /// The venue id.
        venue: String,
        /// The symbol.
        symbol: String,
    },
    /// The estimator refused a value.
    #[error("volatility: {0}")]
    Quote(#[from] QuoteError),
}

/// One recorded mid.
pub type MidSample = (DateTime<Utc>, Decimal);

/// The (time, mid) samples of `venue` and `symbol` in one book file's text, in file order.
/// `Err((line, reason))` for a bad line (an unfinished last line is skipped, see the module).
pub fn mids_from_book_csv(
    text: &str,
    venue: &str,
    symbol: &str,
) -> Result<Vec<MidSample>, (usize, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let unfinished_last = !text.ends_with('\n');
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') || (line == 1 && raw == BOOK_HEADER) {
            continue;
        }
        match parse_row(raw) {
            Ok((t, v, s, mid)) => {
                if v == venue && s.eq_ignore_ascii_case(symbol) {
                    out.push((t, mid));
                }
            }
            Err(_) if unfinished_last && line == lines.len() => {}
            Err(reason) => return Err((line, reason)),
        }
    }
    Ok(out)
}

fn parse_row(raw: &str) -> Result<(DateTime<Utc>, &str, &str, Decimal), String> {
    let f: Vec<&str> = raw.split(',').map(str::trim).collect();
    if f.len() != 7 {
        return Err(format!("{} fields, expected 7 ({BOOK_HEADER})", f.len()));
    }
    let time = DateTime::parse_from_rfc3339(f[0])
        .map_err(|e| format!("time {:?} is not RFC 3339: {e}", f[0]))?
        .with_timezone(&Utc);
    let num = |name: &str, v: &str| {
        Decimal::from_str(v).map_err(|_| format!("{name} {v:?} is not a number"))
    };
    let bid = num("bid", f[3])?;
    let ask = num("ask", f[5])?;
    if bid <= Decimal::ZERO || ask < bid {
        return Err(format!("bid {bid} / ask {ask} is not a book"));
    }
    Ok((time, f[1], f[2], (bid + ask) / Decimal::TWO))
}

fn csv_files(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) -> Result<(), RecordedError> {
    let io = |e: std::io::Error| RecordedError::Io {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() && depth > 0 {
            csv_files(&path, depth - 1, out)?;
        } else if path.extension().is_some_and(|e| e == "csv") {
            out.push(path);
        }
    }
    Ok(())
}

/// An estimator fed with every recorded mid of `venue`/`symbol` under `dir` (three levels
/// deep at most), oldest first; also the number of samples and files used.
pub fn volatility_from_dir(
    dir: &Path,
    venue: &str,
    symbol: &str,
    half_life_secs: Decimal,
) -> Result<(EwmaVolatility, usize, usize), RecordedError> {
    let mut files = Vec::new();
    csv_files(dir, 3, &mut files)?;
    files.sort();
    let mut samples = Vec::new();
    let mut used = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| RecordedError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if text.lines().next().map(str::trim) != Some(BOOK_HEADER) {
            continue;
        }
        let mids = mids_from_book_csv(&text, venue, symbol).map_err(|(line, reason)| {
            RecordedError::Line {
                path: path.display().to_string(),
                line,
                reason,
            }
        })?;
        if !mids.is_empty() {
            used += 1;
            samples.extend(mids);
        }
    }
    if samples.is_empty() {
        return Err(RecordedError::Empty {
            dir: dir.display().to_string(),
            venue: venue.to_string(),
            symbol: symbol.to_string(),
        });
    }
    samples.sort_by_key(|(t, _)| *t);
    let mut est = EwmaVolatility::new(half_life_secs)?;
    for (t, mid) in &samples {
        est.update(*t, *mid)?;
    }
    Ok((est, samples.len(), used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const FILE: &str = "time,venue,symbol,bid,bid_size,ask,ask_size\n\
        2026-12-01T00:00:00.000Z,edgex,PAXG,99,1,101,1\n\
        # a comment\n\
        2026-12-01T00:00:00.500Z,lighter,PAXG,50,1,51,1\n\
        2026-12-01T00:00:01.000Z,edgex,PAXG,100,1,102,1\n\
        2026-12-01T00:00:02.000Z,edgex,PAXG,99,1,101,1\n";

    #[test]
    fn mids_of_one_venue_and_symbol() {
        let m = mids_from_book_csv(FILE, "edgex", "PAXG").unwrap_or_default();
        assert_eq!(
            m.iter().map(|(_, mid)| *mid).collect::<Vec<_>>(),
            vec![dec!(100), dec!(101), dec!(100)]
        );
        // an unfinished last line is skipped; a bad line elsewhere names line and field
        let torn = format!("{FILE}2026-12-01T00:00:03.000Z,edgex,PA");
        assert_eq!(
            mids_from_book_csv(&torn, "edgex", "PAXG").map(|m| m.len()),
            Ok(3)
        );
        let bad = FILE.replace("100,1,102", "abc,1,102");
        let e = mids_from_book_csv(&bad, "edgex", "PAXG").err();
        assert!(
            e.as_ref()
                .is_some_and(|(line, r)| *line == 5 && r.contains("bid \"abc\"")),
            "{e:?}"
        );
    }

    #[test]
    fn a_directory_of_recordings_gives_the_estimate() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sub = dir.path().join("edgex");
        std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(sub.join("PAXG_book_2026-12-01.csv"), FILE)
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            sub.join("PAXG_trades_2026-12-01.csv"),
            "time,trade_id\n1,2\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (est, n, files) = volatility_from_dir(dir.path(), "edgex", "PAXG", dec!(60))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((n, files, est.samples()), (3, 1, 2));
        // two 1 s returns of |ln(101/100)| and |ln(100/101)|: the same size, so sigma is it
        let s = est.sigma_rel().ok().flatten().unwrap_or_default();
        assert!(
            (s - dec!(0.00995033085316808)).abs() < dec!(0.000000000001),
            "{s}"
        );
        assert!(matches!(
            volatility_from_dir(dir.path(), "edgex", "BTC", dec!(60)),
            Err(RecordedError::Empty { .. })
        ));
    }
}
