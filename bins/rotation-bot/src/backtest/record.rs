//! `--record-books FILE`: the top-of-book recorder that feeds `backtest --books`.

/// `--record-books FILE`: while the bot runs, every `every` of clock time the top of book
/// of each symbol on both venues is appended to FILE in the CSV that `backtest --books`
/// reads (the header is written to a new file). A failed read is skipped; a failed write
/// stops the recorder with a warning (the bot goes on).
pub fn spawn_book_recorder(
    path: &std::path::Path,
    venues: [std::sync::Arc<dyn venue_api::Venue>; 2],
    symbols: Vec<String>,
    clock: std::sync::Arc<dyn venue_api::Clock>,
    every: std::time::Duration,
) -> Result<tokio::task::JoinHandle<()>, String> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("--record-books {}: {e}", path.display()))?;
    let fresh = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    if fresh {
        writeln!(file, "{}", hedge_backtest::market::BOOK_CSV_HEADER)
            .map_err(|e| format!("--record-books {}: {e}", path.display()))?;
    }
    let shown = path.display().to_string();
    let every = every.max(std::time::Duration::from_secs(1));
    Ok(tokio::spawn(async move {
        loop {
            let refs: Vec<&dyn venue_api::Venue> = venues.iter().map(|v| v.as_ref()).collect();
            let (lines, failed) = hedge_backtest::market::record_books_once(&refs, &symbols).await;
            if failed > 0 {
                tracing::debug!("--record-books: {failed} book read(s) failed, skipped");
            }
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.flush()) {
                tracing::warn!("--record-books {shown}: {e}; book recording stopped");
                return;
            }
            clock.sleep(every).await;
        }
    }))
}
