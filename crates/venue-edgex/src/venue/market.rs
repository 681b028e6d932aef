//! Public market data: top of book (depth, never the ticker), funding now and settled.

use super::EdgexVenue;
use crate::http::client::{decode_data, first_of_array};
use crate::http::models::{Depth, FundingRateItem, Page, Ticker};
use crate::http::parse;
use chrono::{DateTime, Utc};
use venue_api::{
    BookLevel, BookSnapshot, BookSource, FundingPoint, FundingRate, MarketFeed, TopOfBook,
    VenueError,
};

/// Largest page the venue serves.
const MAX_PAGE: usize = 100;
/// The shortest funding interval the page bound of [`EdgexVenue::settled_funding_between`]
/// assumes (minutes): contracts settle every 4 h or hourly, so a window holds at most one
/// point per hour even if a contract's interval changed during it.
const SHORTEST_INTERVAL_MIN: u32 = 60;

impl EdgexVenue {
    /// Best bid/ask: the WS feed when it is live and fresh, else REST `getDepth` (level 15).
    /// With `book_stream` on, the feed is started here on the first read and the contract is
    /// tracked from then on (whole price levels, version-gap resync, pings, staleness).
    pub(crate) async fn top_book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let lazy = if self.stream.is_none() && self.config.book_stream() {
            Some(self.lazy_stream.get_or_init(|| {
                crate::ws::EdgexStream::start(
                    crate::ws::EdgexStreamConfig::from_config(&self.config),
                    self.clock.clone(),
                )
            }))
        } else {
            None
        };
        if let Some(feed) = self.stream.as_ref().or(lazy) {
            if let Some(top) = feed.top_of_book(&cid) {
                return Ok(top);
            }
            feed.track(&cid);
        }
        self.rest_book(&cid).await
    }

    /// REST depth snapshot of a contract.
    pub async fn rest_book(&self, contract_id: &str) -> Result<TopOfBook, VenueError> {
        let data = self
            .http
            .get(
                "public/quote/getDepth",
                &[
                    ("contractId", contract_id.to_string()),
                    ("level", "15".to_string()),
                ],
                false,
            )
            .await?;
        let depth: Depth = first_of_array("getDepth", data)?
            .ok_or_else(|| crate::error::decode_error("getDepth: empty data", ""))?;
        Ok(parse::top_of_book(
            &depth,
            self.clock.now(),
            BookSource::Rest,
        ))
    }

    /// The best `depth` levels of each side from REST `getDepth` (level 15, or 200 when more
    /// than 15 are asked), best first; a crossed book is an error.
    pub(crate) async fn depth_snapshot(
        &self,
        symbol: &str,
        depth: usize,
    ) -> Result<BookSnapshot, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let level = if depth > 15 { 200 } else { 15 };
        let data = self
            .http
            .get(
                "public/quote/getDepth",
                &[("contractId", cid.clone()), ("level", level.to_string())],
                false,
            )
            .await?;
        let d: Depth = first_of_array("getDepth", data)?
            .ok_or_else(|| crate::error::decode_error("getDepth: empty data", ""))?;
        let side = |levels: &[crate::http::models::Level], bids: bool| {
            let mut out: Vec<BookLevel> = levels
                .iter()
                .filter(|l| l.size > rust_decimal::Decimal::ZERO)
                .map(|l| BookLevel {
                    price: l.price,
                    size: l.size,
                })
                .collect();
            out.sort_by(|a, b| {
                if bids {
                    b.price.cmp(&a.price)
                } else {
                    a.price.cmp(&b.price)
                }
            });
            out
        };
        let (bids, asks) = (side(&d.bids, true), side(&d.asks, false));
        if let (Some(b), Some(a)) = (bids.first(), asks.first()) {
            if b.price >= a.price {
                return Err(crate::error::decode_error(
                    format!(
                        "getDepth {symbol} (contract {cid}): crossed book, best bid {} >= best ask {}",
                        b.price, a.price
                    ),
                    "",
                ));
            }
        }
        Ok(crate::ws::feed::snapshot_of(
            bids.into_iter(),
            asks.into_iter(),
            depth,
            self.clock.now(),
            BookSource::Rest,
        ))
    }

    /// A live feed of a contract's book and trades on its own socket (see [`crate::ws::feed`]).
    pub(crate) async fn start_market_feed(
        &self,
        symbol: &str,
        depth: usize,
    ) -> Result<MarketFeed, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let cid = cat.entry(symbol)?.info.market_id.0.clone();
        let level = if depth > 15 { 200 } else { 15 };
        let stream = crate::ws::EdgexStreamConfig::from_config(&self.config);
        let transport = venue_transport::ws::WsConfig {
            url: stream.url.clone(),
            ping_interval: stream.ping_interval,
            idle_timeout: stream.idle_timeout,
            reconnect_min: stream.reconnect_min,
            reconnect_max: stream.reconnect_max,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(crate::ws::feed::FEED_CAPACITY);
        let handler = crate::ws::feed::FeedHandler {
            contract_id: cid,
            level,
            depth,
            book: crate::ws::book::LocalBook::default(),
            sink: crate::ws::feed::FeedSink::new(tx),
            clock: self.clock.clone(),
        };
        let task = venue_transport::ws::spawn(transport, handler);
        Ok(MarketFeed::new(rx, task))
    }

    /// The ticker of a contract (`data[0]`).
    pub(crate) async fn ticker(&self, contract_id: &str) -> Result<Ticker, VenueError> {
        let data = self
            .http
            .get(
                "public/quote/getTicker",
                &[("contractId", contract_id.to_string())],
                false,
            )
            .await?;
        first_of_array("getTicker", data)?
            .ok_or_else(|| crate::error::decode_error("getTicker: empty data", ""))
    }

    /// Current funding from the ticker; the interval from metadata.
    pub(crate) async fn current_funding(&self, symbol: &str) -> Result<FundingRate, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let entry = cat.entry(symbol)?;
        let interval = parse::funding_interval(entry)?;
        let ticker = self.ticker(&entry.info.market_id.0).await?;
        parse::funding_rate(&ticker, interval)
    }

    /// Settled funding rates, newest first, at most `limit`. The pages are read over a time
    /// window that ends now and holds about `limit` settlements (`filterBeginTimeInclusive`
    /// / `filterEndTimeExclusive`, SDK 2.0.1 `funding/client.py`), all of it (bounded), and
    /// sorted here: the venue's page order is not documented, so it is not assumed.
    pub(crate) async fn settled_funding(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        let cat = self.catalog_with(symbol).await?;
        let entry = cat.entry(symbol)?;
        let interval = parse::funding_interval(entry)?;
        let cid = entry.info.market_id.0.clone();
        let now_ms = self.http.now_ms();
        let span_ms = u64::from(interval)
            .saturating_mul(60_000)
            .saturating_mul(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1));
        let begin_ms = now_ms.saturating_sub(span_ms);
        let max_pages = limit.div_ceil(MAX_PAGE) + 1;
        // A cursor left after `max_pages` only means more than `limit` points: enough.
        let (mut out, _more) = self
            .funding_pages(&cid, interval, (begin_ms, now_ms + 1), max_pages)
            .await?;
        out.sort_by_key(|p| std::cmp::Reverse(p.time));
        out.dedup_by_key(|p| p.time);
        out.truncate(limit);
        Ok(out)
    }

    /// Settled funding rates with a settlement time in `[from, to)`, oldest first. One
    /// filtered window (`filterBeginTimeInclusive` / `filterEndTimeExclusive`, settled only)
    /// read page by page (`size` 100, the `offsetData` cursor), every page through the
    /// request budget. The pages are bounded by what the window can hold at one point per
    /// hour: a venue that still offers a cursor beyond that is an error, never a silent cut.
    pub(crate) async fn settled_funding_between(
        &self,
        symbol: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<FundingPoint>, VenueError> {
        let (from_ms, to_ms) = window_ms(from, to)?;
        let cat = self.catalog_with(symbol).await?;
        let entry = cat.entry(symbol)?;
        let interval = parse::funding_interval(entry)?;
        let cid = entry.info.market_id.0.clone();
        let per_point_ms = u64::from(interval.min(SHORTEST_INTERVAL_MIN)) * 60_000;
        let most_points = (to_ms - from_ms).div_ceil(per_point_ms) + 1;
        let max_pages = usize::try_from(most_points.div_ceil(MAX_PAGE as u64))
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let (out, more) = self
            .funding_pages(&cid, interval, (from_ms, to_ms), max_pages)
            .await?;
        if !more {
            return Ok(in_window(out, from, to));
        }
        Err(VenueError::Unavailable(format!(
            "getFundingRatePage for {symbol}: more than {max_pages} pages of 100 in \
             [{from}, {to}), more than one settlement per hour"
        )))
    }

    /// Settled funding points of contract `cid` in `[begin_ms, end_ms)`, read page by page
    /// (`size` 100, the `offsetData` cursor, every page through the request budget), at most
    /// `max_pages` pages. Returns the points in the venue's order and whether the venue still
    /// offered a cursor after the last page read. A cursor that repeats the one sent is an
    /// error (it would loop).
    async fn funding_pages(
        &self,
        cid: &str,
        interval: u32,
        (begin_ms, end_ms): (u64, u64),
        max_pages: usize,
    ) -> Result<(Vec<FundingPoint>, bool), VenueError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..max_pages {
            let mut query = vec![
                ("contractId", cid.to_string()),
                ("size", MAX_PAGE.to_string()),
                ("filterSettlementFundingRate", "true".to_string()),
                ("filterBeginTimeInclusive", begin_ms.to_string()),
                ("filterEndTimeExclusive", end_ms.to_string()),
            ];
            if let Some(c) = &cursor {
                query.push(("offsetData", c.clone()));
            }
            let data = self
                .http
                .get("public/funding/getFundingRatePage", &query, false)
                .await?;
            let page: Page<FundingRateItem> = decode_data("getFundingRatePage", data)?;
            let got = page.data_list.len();
            out.extend(parse::funding_points(&page.data_list, interval)?);
            let next = page.next_page_offset_data.filter(|c| !c.is_empty());
            if next.is_none() || got == 0 {
                return Ok((out, false));
            }
            if next == cursor {
                return Err(crate::error::decode_error(
                    "getFundingRatePage: nextPageOffsetData repeats the cursor sent",
                    "",
                ));
            }
            cursor = next;
        }
        Ok((out, true))
    }
}

/// The window in milliseconds; `from` must come before `to`, both after the epoch.
fn window_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(u64, u64), VenueError> {
    let ms = |name: &str, t: DateTime<Utc>| {
        u64::try_from(t.timestamp_millis()).map_err(|_| {
            VenueError::InvalidRequest(format!("funding history {name} {t} is before 1970"))
        })
    };
    let (f, t) = (ms("from", from)?, ms("to", to)?);
    if f >= t {
        return Err(VenueError::InvalidRequest(format!(
            "funding history window from {from} is not before to {to}"
        )));
    }
    Ok((f, t))
}

/// Points in `[from, to)`, oldest first, one per settlement time.
fn in_window(
    mut points: Vec<FundingPoint>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<FundingPoint> {
    points.retain(|p| p.time >= from && p.time < to);
    points.sort_by_key(|p| p.time);
    points.dedup_by_key(|p| p.time);
    points
}
