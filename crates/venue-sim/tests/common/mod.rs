//! Shared setup: a simulator on a manual clock with paper accounts, and the REAL adapters
//! (venue-edgex, venue-lighter) pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use venue_api::{
    ClientOrderId, Clock, ManualClock, OrderAck, OrderRequest, Side, TimeInForce, Venue, VenueError,
};
use venue_edgex::{EdgexConfig, EdgexVenue};
use venue_lighter::{HttpSettings, LighterConfig, LighterVenue};
use venue_sim::paper::{self, PaperOptions, PaperSession};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

pub struct Env {
    pub session: PaperSession,
    pub clock: Arc<ManualClock>,
    pub edgex: EdgexVenue,
    pub lighter: LighterVenue,
}

pub fn edgex_venue(config: EdgexConfig, clock: Arc<dyn Clock>) -> EdgexVenue {
    let config = config
        .with_request_timeout(Duration::from_secs(3))
        .with_max_read_retries(0)
        .with_request_budget(1000, 1000);
    EdgexVenue::with_clock(config, clock).unwrap()
}

pub fn lighter_venue(mut config: LighterConfig, clock: Arc<dyn Clock>) -> LighterVenue {
    config.request_timeout = Duration::from_secs(3);
    let settings = HttpSettings {
        timeout: Duration::from_secs(3),
        read_retries: 0,
        retry_base_delay: Duration::from_millis(10),
        requests_per_minute: 60_000,
    };
    LighterVenue::with_parts(config, settings, clock).unwrap()
}

/// Lighter executes txs at once here (explicitly, whatever the paper default); tests of
/// the delay use [`env_with`].
pub async fn env() -> Env {
    env_with(PaperOptions {
        lighter_fill_delay: Duration::ZERO,
        ..PaperOptions::default()
    })
    .await
}

pub async fn env_with(mut options: PaperOptions) -> Env {
    let clock = Arc::new(ManualClock::new(t0()));
    options.clock = Some(clock.clone());
    if options.state_path.as_deref() == Some(std::path::Path::new(paper::DEFAULT_STATE_PATH)) {
        options.state_path = None;
    }
    options.seed = options.seed.or(Some(7));
    options.edgex_collateral = Decimal::from(10_000);
    options.lighter_collateral = Decimal::from(10_000);
    let session = paper::start(options).await.unwrap();
    let edgex = edgex_venue(session.edgex_config(), clock.clone());
    let lighter = lighter_venue(session.lighter_config().unwrap(), clock.clone());
    Env {
        session,
        clock,
        edgex,
        lighter,
    }
}

pub fn cid(n: u64) -> ClientOrderId {
    ClientOrderId::new(n).unwrap()
}

/// An aggressive limit: `ticks` ticks through the touch.
#[allow(clippy::too_many_arguments)]
pub async fn aggressive(
    venue: &dyn Venue,
    symbol: &str,
    side: Side,
    size: Decimal,
    ticks: i64,
    tif: TimeInForce,
    reduce_only: bool,
    client_id: u64,
) -> OrderRequest {
    let market = venue.market(symbol).await.unwrap();
    let top = venue.top_of_book(symbol).await.unwrap();
    let offset = market.tick_size * Decimal::from(ticks);
    let price = match side {
        Side::Buy => top.ask.unwrap().price + offset,
        Side::Sell => top.bid.unwrap().price - offset,
    };
    OrderRequest {
        symbol: symbol.to_string(),
        side,
        size,
        price,
        time_in_force: tif,
        reduce_only,
        client_id: cid(client_id),
        expires_at: None,
    }
}

pub async fn place(venue: &dyn Venue, request: &OrderRequest) -> Result<OrderAck, VenueError> {
    let prepared = venue.prepare_order(request).await?;
    venue.submit_order(prepared).await
}
