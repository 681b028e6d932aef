//! Public market data: top of book (depth, never the ticker), funding now and settled.

use super::EdgexVenue;
use crate::http::client::{decode_data, first_of_array};
use crate::http::models::{Depth, FundingRateItem, Page, Ticker};
use crate::http::parse;
use venue_api::{BookSource, FundingPoint, FundingRate, TopOfBook, VenueError};

/// Largest page the venue serves.
const MAX_PAGE: usize = 100;

impl EdgexVenue {
    /// Best bid/ask: the WS feed when it is live and fresh, else REST `getDepth` (level 15).
    /// With `book_stream` on, the feed is started here on the first read and the contract is
    /// tracked from then on (whole price levels, version-gap resync, pings, staleness).
    pub(crate) async fn book(&self, symbol: &str) -> Result<TopOfBook, VenueError> {
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
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..max_pages {
            let mut query = vec![
                ("contractId", cid.clone()),
                ("size", MAX_PAGE.to_string()),
                ("filterSettlementFundingRate", "true".to_string()),
                ("filterBeginTimeInclusive", begin_ms.to_string()),
                ("filterEndTimeExclusive", (now_ms + 1).to_string()),
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
            cursor = page.next_page_offset_data.filter(|c| !c.is_empty());
            if cursor.is_none() || got == 0 {
                break;
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.time));
        out.dedup_by_key(|p| p.time);
        out.truncate(limit);
        Ok(out)
    }
}
