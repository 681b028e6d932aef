//! Public market data beyond the top of book: depth from REST `orderBookOrders`, recent
//! trades from REST `recentTrades`, and a live feed of both ([`crate::ws::feed`]).

use super::LighterVenue;
use crate::http::parse;
use crate::ws::feed::{self, FeedHandler, FeedSink, FEED_CAPACITY};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use venue_api::{BookLevel, BookSnapshot, BookSource, MarketFeed, PublicTrade, VenueError};
use venue_transport::ws::WsConfig;

/// Most orders per side `orderBookOrders` serves.
const MAX_BOOK_ORDERS: usize = 250;
/// Most trades `recentTrades` serves per call.
const MAX_RECENT_TRADES: usize = 100;

impl LighterVenue {
    /// The best `depth` price levels of each side, from the resting orders nearest the touch
    /// (summed per price), best first; a crossed book is an error.
    pub(crate) async fn depth_snapshot(
        &self,
        symbol: &str,
        depth: usize,
    ) -> Result<BookSnapshot, VenueError> {
        let spec = self.market_spec(symbol).await?;
        // several orders may share a price: ask for more orders than levels
        let limit = depth.max(1).saturating_mul(4).clamp(20, MAX_BOOK_ORDERS);
        let book = self
            .http
            .order_book_orders(u32::from(spec.market_index), limit as u32)
            .await?;
        let levels = |orders: &[crate::http::models::BookOrder],
                      bids: bool|
         -> Result<Vec<BookLevel>, VenueError> {
            let mut by_price: BTreeMap<Decimal, Decimal> = BTreeMap::new();
            for o in orders {
                let price = parse::dec("orderBookOrders.price", &o.price)?;
                let size = parse::dec(
                    "orderBookOrders.remaining_base_amount",
                    &o.remaining_base_amount,
                )?;
                if size > Decimal::ZERO {
                    *by_price.entry(price).or_default() += size;
                }
            }
            let all = by_price
                .into_iter()
                .map(|(price, size)| BookLevel { price, size });
            Ok(if bids {
                all.rev().collect()
            } else {
                all.collect()
            })
        };
        let (bids, asks) = (levels(&book.bids, true)?, levels(&book.asks, false)?);
        if let (Some(b), Some(a)) = (bids.first(), asks.first()) {
            if b.price >= a.price {
                return Err(VenueError::Decode {
                    reason: format!(
                        "orderBookOrders {symbol} (market {}): crossed book, best bid {} >= best ask {}",
                        spec.market_index, b.price, a.price
                    ),
                    raw_body: String::new(),
                });
            }
        }
        Ok(feed::snapshot_of(
            bids.into_iter(),
            asks.into_iter(),
            depth,
            self.clock.now(),
            BookSource::Rest,
        ))
    }

    /// The last `limit` public trades (at most 100, the venue's page), oldest first.
    pub(crate) async fn public_trades(
        &self,
        symbol: &str,
        limit: usize,
    ) -> Result<Vec<PublicTrade>, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let want = limit.clamp(1, MAX_RECENT_TRADES);
        let r = self
            .http
            .recent_trades(u32::from(spec.market_index), want as u32)
            .await?;
        let mut trades = r
            .trades
            .iter()
            .map(feed::parse_trade)
            .collect::<Result<Vec<_>, _>>()?;
        trades.sort_by_key(|t| t.trade_id);
        trades.dedup_by_key(|t| t.trade_id);
        let skip = trades.len().saturating_sub(limit);
        Ok(trades.split_off(skip))
    }

    /// A live feed of a market's book and trades on its own socket.
    pub(crate) async fn start_market_feed(
        &self,
        symbol: &str,
        depth: usize,
    ) -> Result<MarketFeed, VenueError> {
        let spec = self.market_spec(symbol).await?;
        let defaults =
            crate::ws::LighterStreamConfig::new(self.config.ws_url.clone(), Vec::new(), None);
        let transport = WsConfig {
            url: defaults.url,
            ping_interval: defaults.ping_interval,
            idle_timeout: defaults.idle_timeout,
            reconnect_min: defaults.reconnect_min,
            reconnect_max: defaults.reconnect_max,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(FEED_CAPACITY);
        let handler = FeedHandler {
            market: spec.market_index,
            depth,
            book: Default::default(),
            sink: FeedSink::new(tx),
            clock: self.clock.clone(),
            subscribed: false,
        };
        Ok(MarketFeed::new(
            rx,
            venue_transport::ws::spawn(transport, handler),
        ))
    }
}
