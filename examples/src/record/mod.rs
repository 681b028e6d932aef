//! The market data recorder behind `record-market`: top of book, public trades and funding
//! of some symbols of one venue, into CSV files per symbol, kind and UTC day.
//!
//! It replaces the seed's two collectors (examples-spec C and D) with their weaknesses fixed:
//! a sorted book from the adapter (EX-W14, EX-W27), every new trade id kept (EX-W26), rows
//! flushed on stop (EX-W28), files rotated daily (EX-W29), flags instead of hard-coded
//! names (EX-W30), a quiet trade tape never taken for a dead link (EX-W25), and headers that
//! match the rows (EX-W23). Restarts are safe: see [`files`] (torn last line repaired, header
//! once) and [`symbol`] (trade ids continue from the files, the gap is fetched).
//!
//! [`run`] is the whole program minus argument parsing: check the symbols, lock the output
//! directory, repair the files, open one feed per symbol (or poll where the venue has no
//! feed), record until the shutdown flag, print a summary line per interval and at stop.

pub mod files;
pub mod lock;
pub mod rows;
pub mod summary;
pub mod symbol;

use crate::common::{Shutdown, StopReason};
use files::{FileError, Kind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use summary::{Previous, Stats};
use venue_api::{Clock, Venue, VenueError};

/// What to record and how often.
#[derive(Debug, Clone)]
pub struct RecordConfig {
    /// Symbols (base assets, upper case).
    pub symbols: Vec<String>,
    /// Output root; files go under `<out>/<venue id>/`.
    pub out: PathBuf,
    /// Per-symbol timings.
    pub timing: symbol::Timing,
    /// Summary line interval.
    pub summary_interval: Duration,
    /// A book silent longer than this is reported STALE.
    pub stale_after: Duration,
}

/// Why recording could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The venue does not list a symbol.
    /// Example: `--venue edgex --symbols FOO`.
    #[error("unknown symbol {symbol} on {venue}")]
    UnknownSymbol {
        /// The symbol asked for.
        symbol: String,
        /// The venue id.
        venue: &'static str,
    },
    /// The venue failed a start-up read.
    /// Example: the venue's REST API is unreachable.
    #[error("{venue} {symbol}: {what}: {source}")]
    Venue {
        /// The venue id.
        venue: &'static str,
        /// The symbol.
        symbol: String,
        /// What was read.
        what: &'static str,
        /// The venue's error.
        source: VenueError,
    },
    /// Another recorder holds the output directory.
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    /// A file could not be read, repaired or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A symbol's recorder task died (a bug: its files are flushed as far as they got).
    /// Example: a panic inside the task.
    #[error("a symbol recorder failed: {0}")]
    Task(String),
}

/// What a run recorded, per symbol.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The venue directory written (`<out>/<venue>`).
    pub dir: PathBuf,
    /// Final counters per symbol.
    pub symbols: Vec<(String, Stats)>,
}

/// Repairs every recorder file of `symbols` under `dir` (a `kill -9` can tear the last
/// line of any file that was open) and returns the last trade id written per symbol.
pub fn prepare_files(dir: &Path, symbols: &[String]) -> Result<Vec<Option<u64>>, FileError> {
    let mut last_ids = Vec::with_capacity(symbols.len());
    for sym in symbols {
        for kind in Kind::ALL {
            for (_, path) in files::files_of(dir, sym, kind)? {
                match files::repair(&path, kind)? {
                    files::Repair::Clean => {}
                    files::Repair::CutTornLine(n) => tracing::warn!(
                        "{}: cut a torn last line of {n} bytes (left by a killed run)",
                        path.display()
                    ),
                    files::Repair::EmptiedTornHeader(n) => tracing::warn!(
                        "{}: emptied a torn header of {n} bytes (left by a killed run)",
                        path.display()
                    ),
                }
            }
        }
        let mut last = None;
        // newest day first; the first file with a row has the last id
        for (_, path) in files::files_of(dir, sym, Kind::Trades)?.iter().rev() {
            if let Some(row) = files::last_row(path, Kind::Trades)? {
                last = rows::trade_id_of(&row);
                if last.is_none() {
                    tracing::warn!("{}: last row {row:?} has no trade id", path.display());
                }
                break;
            }
        }
        last_ids.push(last);
    }
    Ok(last_ids)
}

fn note_end(
    done: Result<Result<(), FileError>, tokio::task::JoinError>,
    first_err: &mut Option<RecordError>,
) {
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!("recording stopped: {e}");
            first_err.get_or_insert(RecordError::File(e));
        }
        Err(e) => {
            tracing::error!("a symbol recorder panicked: {e}");
            first_err.get_or_insert(RecordError::Task(e.to_string()));
        }
    }
}

fn lock_stats(s: &Mutex<Stats>) -> Stats {
    s.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// Records until `shutdown`; `report` receives each summary line and stale warning.
pub async fn run(
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    config: &RecordConfig,
    shutdown: Shutdown,
    report: &mut (dyn FnMut(&str) + Send),
) -> Result<Recorded, RecordError> {
    let vid = venue.id();
    for sym in &config.symbols {
        match venue.market(sym).await {
            Ok(_) => {}
            Err(VenueError::UnknownMarket(_)) => {
                return Err(RecordError::UnknownSymbol {
                    symbol: sym.clone(),
                    venue: vid,
                })
            }
            Err(source) => {
                return Err(RecordError::Venue {
                    venue: vid,
                    symbol: sym.clone(),
                    what: "market",
                    source,
                })
            }
        }
    }
    let dir = config.out.join(vid);
    let lock = lock::OutputLock::take(&dir)?;
    tracing::debug!("holding {}", lock.path().display());
    let last_ids = prepare_files(&dir, &config.symbols)?;
    // The symbol tasks stop on the caller's flag, or when one of them fails (a file that
    // cannot be written stops the whole recorder: exit 1, not a silent hole).
    let (stop_tx, inner) = Shutdown::manual();
    let stop_tx = Arc::new(stop_tx);
    let forward = {
        let (mut outer, tx) = (shutdown.clone(), stop_tx.clone());
        tokio::spawn(async move {
            let reason = outer.wait().await;
            let _ = tx.send(reason);
        })
    };
    let mut tasks = tokio::task::JoinSet::new();
    let mut all_stats = Vec::new();
    for (sym, last_id) in config.symbols.iter().zip(last_ids) {
        let feed = match venue.market_feed(sym, 1).await {
            Ok(f) => Some(f),
            Err(VenueError::Unsupported(m)) => {
                tracing::info!("{vid} {sym}: no market feed ({m}); polling the top of book");
                None
            }
            Err(source) => {
                return Err(RecordError::Venue {
                    venue: vid,
                    symbol: sym.clone(),
                    what: "market feed",
                    source,
                })
            }
        };
        let stats = Arc::new(Mutex::new(Stats {
            last_trade_id: last_id,
            ..Stats::default()
        }));
        let rec = symbol::SymbolRecorder::new(
            &dir,
            sym,
            venue.clone(),
            clock.clone(),
            config.timing.clone(),
            last_id,
            stats.clone(),
        );
        tracing::info!(
            "{vid} {sym}: recording into {} (last trade id {})",
            dir.display(),
            last_id.map_or("none".into(), |i| i.to_string())
        );
        tasks.spawn(rec.run(feed, inner.clone()));
        all_stats.push((sym.clone(), stats));
    }
    let started = std::time::Instant::now();
    let mut prev = Previous::default();
    let emit = |prev: &mut Previous, report: &mut (dyn FnMut(&str) + Send)| {
        let snapshot: Vec<(String, Stats)> = all_stats
            .iter()
            .map(|(s, st)| (s.clone(), lock_stats(st)))
            .collect();
        let (line, stale) = summary::render(
            &snapshot,
            started,
            std::time::Instant::now(),
            config.stale_after,
            prev,
        );
        report(&line);
        for s in &stale {
            report(s);
        }
        snapshot
    };
    let mut waiter = inner.clone();
    let mut first_err = None;
    loop {
        tokio::select! {
            slept = waiter.sleep(config.summary_interval) => {
                if !slept {
                    break;
                }
                emit(&mut prev, report);
            }
            Some(done) = tasks.join_next() => {
                // before the stop flag, a task only ends on an error
                note_end(done, &mut first_err);
                let _ = stop_tx.send(StopReason::Terminate);
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        note_end(done, &mut first_err);
    }
    forward.abort();
    let symbols = emit(&mut prev, report);
    drop(lock);
    match first_err {
        Some(e) => Err(e),
        None => Ok(Recorded { dir, symbols }),
    }
}
