//! What the replayed bot sees at a moment: each venue's quote (current rate, interval, next
//! settlement, taker fee, book) built from the data file, and the slippage of a fill.
//!
//! # Slippage models
//! - [`SlippageModel::FlatBps`]: every fill costs `bps` of its notional. The decision sees a
//!   synthetic book around the mark (half spread = `bps` of the mid, unlimited size at the
//!   touch), so the bot's own cost estimate (`economics::crossing_slippage`) gives exactly the
//!   same figure.
//! - [`SlippageModel::Books`]: top-of-book depth recorded by `--record-books` (the CSV format
//!   of [`BookDepth::parse_csv`]); the last row at or before the moment is the book, and a
//!   fill costs what `economics::crossing_slippage` says for it (half spread, plus
//!   `extra_slippage_bps` beyond the touch size), the same function the live bot prices with.
//!   A moment with no recorded row falls back to the flat model's `fallback_bps`.

use chrono::{DateTime, Utc};
use hedge_engine::rotation::decide::{SkipReason, SkippedSymbol};
use hedge_engine::rotation::economics::{crossing_slippage, VenueQuote};
use hedge_engine::rotation::policy::{venue_quote, SymbolQuotes};
use rust_decimal::Decimal;
use std::collections::HashMap;
use venue_api::{BookLevel, BookSource, FundingRate, TopOfBook};

use crate::data::{FundingData, MarketHistory};

const BPS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);
/// Size at the touch of a synthetic book: far beyond any position.
const UNLIMITED: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// How fills are charged.
#[derive(Debug, Clone, PartialEq)]
pub enum SlippageModel {
    /// Every fill costs this many bps of its notional.
    FlatBps(Decimal),
    /// Recorded top-of-book depth; `fallback_bps` where none was recorded.
    Books {
        /// The recorded books.
        depth: BookDepth,
        /// Flat cost where no book is recorded.
        fallback_bps: Decimal,
    },
}

/// One recorded top of book.
#[derive(Debug, Clone, PartialEq)]
pub struct BookRow {
    /// When recorded.
    pub time: DateTime<Utc>,
    /// Best bid price and size.
    pub bid: BookLevel,
    /// Best ask price and size.
    pub ask: BookLevel,
}

/// Recorded books by (venue, symbol), each sorted by time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookDepth {
    rows: HashMap<(String, String), Vec<BookRow>>,
}

/// A book CSV line that cannot be read, naming the line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("book CSV line {line}: {field}: {detail}")]
pub struct BookCsvError {
    /// 1-based line number.
    pub line: usize,
    /// Column.
    pub field: &'static str,
    /// What is wrong.
    pub detail: String,
}

/// The header of the book CSV.
pub const BOOK_CSV_HEADER: &str = "time,venue,symbol,bid,bid_size,ask,ask_size";

impl BookDepth {
    /// Parses the `--record-books` CSV: a header line [`BOOK_CSV_HEADER`], then one line per
    /// snapshot: RFC 3339 time, venue id, symbol, best bid, its size (base units), best ask,
    /// its size. Lines may come in any order; `#` starts a comment line.
    pub fn parse_csv(text: &str) -> Result<BookDepth, BookCsvError> {
        let mut rows: HashMap<(String, String), Vec<BookRow>> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') || (line == 1 && raw == BOOK_CSV_HEADER) {
                continue;
            }
            let f: Vec<&str> = raw.split(',').map(str::trim).collect();
            let err = |field: &'static str, detail: String| BookCsvError {
                line,
                field,
                detail,
            };
            if f.len() != 7 {
                return Err(err("line", format!("expected 7 fields, got {}", f.len())));
            }
            let time = DateTime::parse_from_rfc3339(f[0])
                .map_err(|e| err("time", format!("{:?}: {e}", f[0])))?
                .with_timezone(&Utc);
            let num = |idx: usize, field: &'static str| -> Result<Decimal, BookCsvError> {
                let d: Decimal = f[idx]
                    .parse()
                    .map_err(|e| err(field, format!("{:?}: {e}", f[idx])))?;
                if d <= Decimal::ZERO {
                    return Err(err(field, format!("must be > 0, got {d}")));
                }
                Ok(d)
            };
            let bid = BookLevel {
                price: num(3, "bid")?,
                size: num(4, "bid_size")?,
            };
            let ask = BookLevel {
                price: num(5, "ask")?,
                size: num(6, "ask_size")?,
            };
            if ask.price <= bid.price {
                return Err(err(
                    "ask",
                    format!("{} not above bid {}", ask.price, bid.price),
                ));
            }
            rows.entry((f[1].to_string(), f[2].to_ascii_uppercase()))
                .or_default()
                .push(BookRow { time, bid, ask });
        }
        for list in rows.values_mut() {
            list.sort_by_key(|r| r.time);
        }
        Ok(BookDepth { rows })
    }

    /// The last book of `venue`/`symbol` at or before `t`.
    pub fn at(&self, venue: &str, symbol: &str, t: DateTime<Utc>) -> Option<&BookRow> {
        let list = self.rows.get(&(venue.to_string(), symbol.to_string()))?;
        let i = list.partition_point(|r| r.time <= t).checked_sub(1)?;
        list.get(i)
    }

    /// Adds `other`'s snapshots (e.g. the next file of a directory), keeping each list
    /// sorted by time.
    pub fn merge(&mut self, other: BookDepth) {
        for (key, mut list) in other.rows {
            let mine = self.rows.entry(key).or_default();
            mine.append(&mut list);
            mine.sort_by_key(|r| r.time);
        }
    }

    /// Snapshots recorded.
    pub fn len(&self) -> usize {
        self.rows.values().map(Vec::len).sum()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn synthetic_book(mid: Decimal, bps: Decimal, t: DateTime<Utc>) -> TopOfBook {
    // A zero cost still needs a valid (uncrossed) book: one unit of the 20th decimal place.
    let half = (mid * bps / BPS).max(Decimal::new(1, 20));
    TopOfBook {
        bid: Some(BookLevel {
            price: mid - half,
            size: UNLIMITED,
        }),
        ask: Some(BookLevel {
            price: mid + half,
            size: UNLIMITED,
        }),
        time: t,
        source: BookSource::Rest,
    }
}

impl SlippageModel {
    /// The book the bot sees for `symbol` on `venue` at `t` (`mark`: the data's last mark).
    pub fn book(
        &self,
        venue: &str,
        symbol: &str,
        mark: Option<Decimal>,
        t: DateTime<Utc>,
    ) -> TopOfBook {
        let mid = mark.unwrap_or(Decimal::ONE);
        match self {
            SlippageModel::FlatBps(bps) => synthetic_book(mid, *bps, t),
            SlippageModel::Books {
                depth,
                fallback_bps,
            } => match depth.at(venue, symbol, t) {
                Some(r) => TopOfBook {
                    bid: Some(r.bid),
                    ask: Some(r.ask),
                    time: r.time,
                    source: BookSource::Rest,
                },
                None => synthetic_book(mid, *fallback_bps, t),
            },
        }
    }

    /// Slippage of one fill of `notional_usd` (buy or sell) at `t`, USD.
    pub fn fill_cost(
        &self,
        venue: &str,
        symbol: &str,
        buy: bool,
        notional_usd: Decimal,
        extra_slippage_bps: Decimal,
        t: DateTime<Utc>,
    ) -> Decimal {
        let flat = |bps: Decimal| notional_usd * bps / BPS;
        match self {
            SlippageModel::FlatBps(bps) => flat(*bps),
            SlippageModel::Books {
                depth,
                fallback_bps,
            } => {
                let book = self.book(venue, symbol, None, t);
                match depth.at(venue, symbol, t) {
                    Some(_) => {
                        crossing_slippage(venue, &book, buy, notional_usd, extra_slippage_bps)
                            .unwrap_or_else(|_| flat(*fallback_bps))
                    }
                    None => flat(*fallback_bps),
                }
            }
        }
    }
}

/// The market data of one replay, indexed for fast lookups.
#[derive(Debug)]
pub struct Market<'a> {
    /// The data.
    pub data: &'a FundingData,
    /// The slippage model.
    pub slippage: &'a SlippageModel,
    /// Per symbol (in the bot's order): slot A's and slot B's history, when both list it.
    pub symbols: Vec<(String, Option<[&'a MarketHistory; 2]>)>,
}

impl<'a> Market<'a> {
    /// Indexes `symbols` of `data`.
    pub fn new(data: &'a FundingData, slippage: &'a SlippageModel, symbols: &[String]) -> Self {
        let symbols = symbols
            .iter()
            .map(|s| {
                let pair = match (data.venues[0].markets.get(s), data.venues[1].markets.get(s)) {
                    (Some(a), Some(b)) => Some([a, b]),
                    _ => None,
                };
                (s.clone(), pair)
            })
            .collect();
        Market {
            data,
            slippage,
            symbols,
        }
    }

    /// Venue id of slot `i`.
    pub fn venue(&self, i: usize) -> &str {
        &self.data.venues[i].venue
    }

    /// Slot index of venue `id`.
    pub fn slot(&self, id: &str) -> usize {
        usize::from(self.data.venues[0].venue != id)
    }

    /// The histories of `symbol` (slot A, slot B).
    pub fn pair(&self, symbol: &str) -> Option<[&'a MarketHistory; 2]> {
        self.symbols
            .iter()
            .find(|(s, _)| s == symbol)
            .and_then(|(_, p)| *p)
    }

    /// The mark of `symbol` on venue slot `i` at `t`.
    pub fn mark(&self, symbol: &str, i: usize, t: DateTime<Utc>) -> Option<Decimal> {
        self.pair(symbol).and_then(|p| p[i].mark_at(t))
    }

    fn quote(
        &self,
        i: usize,
        symbol: &str,
        m: &MarketHistory,
        t: DateTime<Utc>,
    ) -> Option<VenueQuote> {
        let point = m.rate_at(t)?;
        let funding = FundingRate {
            rate: point.rate,
            interval_minutes: m.interval_minutes,
            next_funding_time: m.next_after(t).map(|p| p.time),
            time: Some(point.time),
        };
        let venue = self.venue(i);
        let fee = self.data.taker_fee(i, symbol)?;
        let book = self.slippage.book(venue, symbol, m.mark_at(t), t);
        Some(venue_quote(venue, &funding, fee, book, t))
    }

    /// Every symbol's quotes at `t` as the live bot reads them (`Machine::market_quotes`): a
    /// symbol missing on a venue, or with no settled rate yet, is skipped with the reason.
    pub fn quotes_at(&self, t: DateTime<Utc>) -> (Vec<SymbolQuotes>, Vec<SkippedSymbol>) {
        let mut quotes = Vec::with_capacity(self.symbols.len());
        let mut skipped = Vec::new();
        for (s, pair) in &self.symbols {
            let skip = |detail: String| SkippedSymbol {
                symbol: s.clone(),
                reason: SkipReason::Unavailable { detail },
            };
            let Some([a, b]) = pair else {
                skipped.push(skip("not listed on both venues in the data".into()));
                continue;
            };
            match (self.quote(0, s, a, t), self.quote(1, s, b, t)) {
                (Some(qa), Some(qb)) => quotes.push((s.clone(), qa, qb)),
                _ => skipped.push(skip("no settled funding rate yet".into())),
            }
        }
        (quotes, skipped)
    }
}

/// One line of the book CSV for `venue`/`symbol` (`None` when a side of the book is empty:
/// such a snapshot cannot price a fill and is not recorded).
pub fn book_csv_line(venue: &str, symbol: &str, book: &TopOfBook) -> Option<String> {
    let (bid, ask) = (book.bid?, book.ask?);
    Some(format!(
        "{},{venue},{symbol},{},{},{},{}",
        book.time
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        bid.price.normalize(),
        bid.size.normalize(),
        ask.price.normalize(),
        ask.size.normalize()
    ))
}

/// Reads the top of book of every symbol on every venue once and returns the CSV lines
/// (the `--record-books` recorder's one pass; a failed read is skipped, counted in the
/// second value).
pub async fn record_books_once(
    venues: &[&dyn venue_api::Venue],
    symbols: &[String],
) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    let mut failed = 0;
    for v in venues {
        for s in symbols {
            match v.top_of_book(s).await {
                Ok(book) => lines.extend(book_csv_line(v.id(), s, &book)),
                Err(_) => failed += 1,
            }
        }
    }
    (lines, failed)
}
