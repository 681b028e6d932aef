//! What the recorder has done, per symbol, and the summary line printed once per interval.
//!
//! Counters only grow; the summary shows the totals, what was added since the previous line,
//! and the age of the last book update and trade. A book silent for longer than the stale
//! limit gets its own `STALE` line (a quiet trade tape is normal and never called stale).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Where a symbol's book and trades come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The venue's live market feed (book and trades), with REST trade backfill.
    #[default]
    Feed,
    /// REST polling: top of book, and recent trades where the venue has them.
    Poll,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Feed => "feed",
            Source::Poll => "poll",
        }
    }
}

/// One symbol's counters.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Where data comes from now.
    pub source: Source,
    /// Book updates received (written or not).
    pub book_updates: u64,
    /// Book rows written.
    pub book_rows: u64,
    /// Books not written because the backtest would refuse them (one-sided, crossed).
    pub books_skipped: u64,
    /// Trade rows written.
    pub trades: u64,
    /// Trades received again (id at or below the last one written) and not written.
    pub duplicates: u64,
    /// Funding rows written.
    pub funding_rows: u64,
    /// Feed continuity losses (reconnects).
    pub gaps: u64,
    /// Feeds opened again by the recorder (silent book, or a feed that ended).
    pub resubscribes: u64,
    /// Failed venue reads.
    pub errors: u64,
    /// When the last book update arrived.
    pub last_book: Option<Instant>,
    /// When the last new trade arrived.
    pub last_trade: Option<Instant>,
    /// The last trade id written.
    pub last_trade_id: Option<u64>,
}

/// The previous line's totals, to print what each interval added.
#[derive(Debug, Default, Clone)]
pub struct Previous {
    books: Vec<u64>,
    trades: Vec<u64>,
}

fn age(now: Instant, t: Option<Instant>) -> String {
    match t {
        None => "never".into(),
        Some(t) => format!("{:.1}s ago", now.saturating_duration_since(t).as_secs_f32()),
    }
}

/// `1h02m03s`.
pub fn uptime(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

/// The summary line and the stale warnings (one per symbol whose book is silent longer
/// than `stale_after`; a symbol that never had a book counts from `started`).
pub fn render(
    symbols: &[(String, Stats)],
    started: Instant,
    now: Instant,
    stale_after: Duration,
    prev: &mut Previous,
) -> (String, Vec<String>) {
    let mut line = format!(
        "SUMMARY up {}",
        uptime(now.saturating_duration_since(started))
    );
    let mut stale = Vec::new();
    prev.books.resize(symbols.len(), 0);
    prev.trades.resize(symbols.len(), 0);
    for (i, (sym, s)) in symbols.iter().enumerate() {
        let _ = write!(
            line,
            " | {sym} [{}] book {} (+{}, last {}) trades {} (+{}, last {}) funding {}",
            s.source.name(),
            s.book_rows,
            s.book_rows - prev.books[i].min(s.book_rows),
            age(now, s.last_book),
            s.trades,
            s.trades - prev.trades[i].min(s.trades),
            age(now, s.last_trade),
            s.funding_rows,
        );
        for (n, what) in [
            (s.gaps, "gaps"),
            (s.resubscribes, "resubscribed"),
            (s.errors, "errors"),
            (s.books_skipped, "books skipped"),
        ] {
            if n > 0 {
                let _ = write!(line, " {what} {n}");
            }
        }
        prev.books[i] = s.book_rows;
        prev.trades[i] = s.trades;
        let silent = now.saturating_duration_since(s.last_book.unwrap_or(started));
        if silent > stale_after {
            stale.push(format!(
                "STALE {sym}: no book update for {}s",
                silent.as_secs()
            ));
        }
    }
    (line, stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_shows_totals_increments_ages_and_stale_books() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_secs(125);
        let live = Stats {
            book_rows: 60,
            trades: 7,
            funding_rows: 2,
            last_book: Some(now - Duration::from_millis(400)),
            last_trade: Some(now - Duration::from_secs(3)),
            ..Stats::default()
        };
        let silent = Stats {
            source: Source::Poll,
            book_rows: 5,
            gaps: 1,
            last_book: Some(now - Duration::from_secs(70)),
            ..Stats::default()
        };
        let symbols = vec![("BTC".to_string(), live), ("ETH".to_string(), silent)];
        let mut prev = Previous::default();
        let (line, stale) = render(&symbols, t0, now, Duration::from_secs(60), &mut prev);
        assert_eq!(
            line,
            "SUMMARY up 2m05s | BTC [feed] book 60 (+60, last 0.4s ago) trades 7 (+7, last 3.0s ago) funding 2 \
             | ETH [poll] book 5 (+5, last 70.0s ago) trades 0 (+0, last never) funding 0 gaps 1"
        );
        assert_eq!(stale, vec!["STALE ETH: no book update for 70s".to_string()]);
        let (line, _) = render(&symbols, t0, now, Duration::from_secs(60), &mut prev);
        assert!(line.contains("book 60 (+0,"), "{line}");
    }

    #[test]
    fn a_book_never_seen_is_stale_from_the_start() {
        let t0 = Instant::now();
        let symbols = vec![("BTC".to_string(), Stats::default())];
        let mut prev = Previous::default();
        let (_, stale) = render(
            &symbols,
            t0,
            t0 + Duration::from_secs(30),
            Duration::from_secs(60),
            &mut prev,
        );
        assert!(stale.is_empty());
        let (_, stale) = render(
            &symbols,
            t0,
            t0 + Duration::from_secs(61),
            Duration::from_secs(60),
            &mut prev,
        );
        assert_eq!(stale, vec!["STALE BTC: no book update for 61s".to_string()]);
        assert_eq!(uptime(Duration::from_secs(3723)), "1h02m03s");
    }
}
