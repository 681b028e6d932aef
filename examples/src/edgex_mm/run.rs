//! The EdgeX maker's start-up, quoting loop and shutdown.
//!
//! Start-up: market facts (an unknown symbol stops here, EX-W2), leverage set only when the
//! account's differs (EX05), the capital gate (EX04), a sweep of every open order with our
//! tag (EX-W16), the volume total. Each cycle: the book (stale: quotes pulled), fills of our
//! orders, position and balance, the model's quote, the inventory bound, reconcile. Shutdown:
//! our quotes cancelled, then a sweep that checks `open_orders` shows none of ours.

use super::config::Config;
use super::files::{Snapshots, Volume};
use super::MakerError;
use crate::common::{Shutdown, StopReason};
use crate::mm::{
    BookRead, BookWatch, ClientIds, ManagerSettings, OrderManager, Target, Targets, EDGEX_MAKER_TAG,
};
use crate::quoting::{
    clip_size, microprice_offset, quote, side_sizes, sticky_clip, EwmaVolatility, GridQuote,
    MarketGrid, QuoteInputs,
};
use rust_decimal::Decimal;
use std::sync::Arc;
use venue_api::{Clock, MarketInfo, Side, TopOfBook, Venue};

/// How a run ended (errors aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A stop was asked (duration, SIGINT, SIGTERM).
    Stopped(StopReason),
    /// The volume cap was reached and the position closed.
    VolumeCapReached,
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Stopped(r) => r.exit_code(),
            Outcome::VolumeCapReached => 0,
        }
    }
}

/// Clip sizes move only past this fraction (see [`sticky_clip`]).
const CLIP_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 1);

struct Maker {
    cfg: Config,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    market: MarketInfo,
    grid: MarketGrid,
    manager: OrderManager,
    watch: BookWatch,
    vol: EwmaVolatility,
    volume: Option<Volume>,
    snapshots: Snapshots,
    clip: Option<Decimal>,
    /// Our position as our own fills say: the last read plus every fill seen since. A fill
    /// the venue's position read does not show yet still counts against the bound.
    expected: Decimal,
    /// When the last fill was seen (the venue has settle_grace to reflect it).
    last_fill_at: Option<chrono::DateTime<chrono::Utc>>,
    stale: bool,
    cap_reached: bool,
}

/// Runs the maker until `shutdown` (or the volume cap), then cancels its orders.
pub async fn run(
    cfg: Config,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
    mut shutdown: Shutdown,
) -> Result<Outcome, MakerError> {
    let mut maker = start(cfg, venue, clock).await?;
    let outcome = loop {
        if shutdown.is_stopping() {
            break Outcome::Stopped(shutdown.reason());
        }
        match maker.cycle().await {
            Ok(true) => break Outcome::VolumeCapReached,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cycle failed; next cycle in {} ms", maker.cfg.refresh_ms)
            }
        }
        if !shutdown.sleep(maker.cfg.refresh()).await {
            break Outcome::Stopped(shutdown.reason());
        }
    };
    maker.stop().await?;
    Ok(outcome)
}

fn venue_err(what: &str, e: impl std::fmt::Display) -> MakerError {
    MakerError::Venue(format!("{what}: {e}"))
}

async fn start(
    cfg: Config,
    venue: Arc<dyn Venue>,
    clock: Arc<dyn Clock>,
) -> Result<Maker, MakerError> {
    let symbol = cfg.symbol.clone();
    let market = venue
        .market(&symbol)
        .await
        .map_err(|e| venue_err(&format!("market {symbol}"), e))?;
    let grid = MarketGrid::of(&market).map_err(|e| venue_err("market grids", e))?;
    tracing::info!(
        symbol, market_id = %market.market_id, tick = %grid.tick, step = %grid.step,
        min_size = %grid.min_size, maker_fee = ?market.maker_fee, "market"
    );
    set_leverage(&cfg, venue.as_ref(), &market).await?;

    let balance = venue.balance().await.map_err(|e| venue_err("balance", e))?;
    let position = position_size(venue.as_ref(), &symbol).await?;
    let flat = position.abs() < grid.min_size.max(grid.step);
    if balance.available < cfg.min_capital_usd && flat {
        return Err(MakerError::Refused(format!(
            "available balance {} USD is below min_capital_usd {} and the position is flat",
            balance.available, cfg.min_capital_usd
        )));
    }
    if balance.available < cfg.warn_capital_usd {
        tracing::warn!(available = %balance.available, "available balance below warn_capital_usd {}", cfg.warn_capital_usd);
    }
    tracing::info!(equity = %balance.equity, available = %balance.available, position = %position, "account");

    let ids = ClientIds::new(EDGEX_MAKER_TAG, chrono::Utc::now().timestamp_millis())
        .map_err(|e| MakerError::Venue(e.to_string()))?;
    let mut settings = ManagerSettings::new(&symbol, cfg.requote_ticks);
    settings.order_ttl = cfg.order_ttl();
    let mut manager = OrderManager::new(venue.clone(), clock.clone(), grid, ids, settings);
    let swept = manager
        .sweep()
        .await
        .map_err(|e| venue_err("start-up sweep of our orders", e))?;
    tracing::info!(
        cancelled = swept,
        "start-up sweep: no order of ours is open"
    );

    let now = clock.now();
    let volume = match cfg.volume_cap_usd {
        Some(cap) => {
            let v = Volume::load(cfg.volume_file.clone(), &symbol, now)?;
            tracing::info!(total = %v.total(), cap = %cap, file = %cfg.volume_file.display(), "volume so far");
            Some(v)
        }
        None => None,
    };
    let cap_reached =
        matches!((&volume, cfg.volume_cap_usd), (Some(v), Some(cap)) if v.total() >= cap);
    let vol = match cfg.sigma {
        Some(s) => EwmaVolatility::with_prior(cfg.vol_half_life_secs, s),
        None => EwmaVolatility::new(cfg.vol_half_life_secs),
    }
    .map_err(|e| MakerError::Config(e.into()))?;
    let watch = BookWatch::start(venue.clone(), &symbol, cfg.stale_after(), now).await;
    tracing::info!(
        book = if watch.streaming() {
            "market feed"
        } else {
            "top_of_book polling"
        },
        "quoting {symbol} every {} ms",
        cfg.refresh_ms
    );
    let snapshots = Snapshots::new(cfg.balance_snapshot_file.clone(), cfg.balance_snapshot_secs);
    Ok(Maker {
        cfg,
        venue,
        clock,
        market,
        grid,
        manager,
        watch,
        vol,
        volume,
        snapshots,
        clip: None,
        expected: position,
        last_fill_at: None,
        stale: false,
        cap_reached,
    })
}

async fn set_leverage(
    cfg: &Config,
    venue: &dyn Venue,
    market: &MarketInfo,
) -> Result<(), MakerError> {
    if let Some(max) = market.max_leverage {
        if cfg.leverage > max {
            return Err(MakerError::Config(super::config::ConfigError::Value {
                key: "leverage",
                value: cfg.leverage.to_string(),
                expected: format!("at most the market's maximum {max}"),
            }));
        }
    }
    let want = u32::try_from(cfg.leverage.trunc().mantissa()).unwrap_or(u32::MAX);
    match venue.leverage(&cfg.symbol).await {
        Ok(s) if s.explicitly_set && s.leverage == cfg.leverage => {
            tracing::info!(leverage = %s.leverage, "leverage already set");
            return Ok(());
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "reading the leverage setting failed; setting it"),
    }
    match venue.set_leverage(&cfg.symbol, want).await {
        Ok(()) => tracing::info!(leverage = want, "leverage set"),
        // as the seed: a failed change only warns (sizing still uses the configured value)
        Err(e) => tracing::warn!(error = %e, leverage = want, "setting the leverage failed"),
    }
    Ok(())
}

async fn position_size(venue: &dyn Venue, symbol: &str) -> Result<Decimal, MakerError> {
    venue
        .position(symbol)
        .await
        .map(|p| p.map_or(Decimal::ZERO, |p| p.size))
        .map_err(|e| venue_err("position", e))
}

impl Maker {
    /// One quoting cycle; `Ok(true)` when the volume cap is reached and the position is flat.
    async fn cycle(&mut self) -> Result<bool, MakerError> {
        let now = self.clock.now();
        let (top, age, source) = match self.watch.read(now).await {
            BookRead::Fresh { top, age, source } => (top, age, source),
            BookRead::Hold { reason } => {
                tracing::info!(reason, "no usable book this cycle; quotes left as they are");
                return Ok(false);
            }
            BookRead::Stale { reason } => {
                if !self.stale {
                    tracing::warn!(
                        reason,
                        "book stale: pulling our quotes until a fresh book arrives"
                    );
                }
                self.stale = true;
                let r = self.manager.pull_quotes().await;
                self.record_fills(&r.fills)?;
                for e in &r.errors {
                    tracing::warn!(error = %e, "pulling quotes");
                }
                return Ok(false);
            }
        };
        if self.stale {
            tracing::info!(source, "fresh book again: quoting resumes");
            self.stale = false;
        }
        let refreshed = self.manager.refresh().await;
        self.record_fills(&refreshed.fills)?;
        for (id, state, reason) in &refreshed.ended {
            tracing::debug!(client_id = %id, ?state, reason = reason.as_deref().unwrap_or(""), "order ended");
        }
        for e in &refreshed.errors {
            tracing::warn!(error = %e, "order status");
        }
        let position = position_size(self.venue.as_ref(), &self.cfg.symbol).await?;
        let (low, high) = self.position_range(position, now);
        let balance = self
            .venue
            .balance()
            .await
            .map_err(|e| venue_err("balance", e))?;
        let mid = top.mid().ok_or_else(|| venue_err("book", "no mid"))?;
        self.vol
            .update(top.time, mid)
            .map_err(|e| venue_err("volatility", e))?;
        let sigma = self
            .vol
            .sigma_usd(mid)
            .map_err(|e| venue_err("volatility", e))?
            .unwrap_or(Decimal::ZERO);

        let targets = self.targets(&top, mid, sigma, (low, high), &balance)?;
        let flat = position.abs() < self.grid.min_size.max(self.grid.step);
        if self.cap_reached && flat {
            tracing::warn!("volume cap reached and the position is flat: stopping");
            return Ok(true);
        }
        let r = self.manager.reconcile(&targets).await;
        self.record_fills(&r.fills)?;
        for e in &r.errors {
            tracing::warn!(error = %e, "reconcile");
        }
        let show =
            |t: Option<Target>| t.map_or("-".to_string(), |t| format!("{} x {}", t.price, t.size));
        tracing::info!(
            "QUOTING | mid {mid} (book {source}, {} ms old) | position {position} | sigma {} USD/s^0.5 | bid {} | ask {} | placed {} cancelled {} kept {}",
            age.as_millis(),
            sigma.round_dp(6),
            show(targets.bid),
            show(targets.ask),
            r.placed.len(),
            r.cancelled.len(),
            r.kept.len()
        );
        if flat {
            let note = "No Position - Quoting";
            if let Err(e) = self.snapshots.maybe_write(now, balance.equity, note) {
                tracing::warn!(error = %e, "balance snapshot");
            }
        }
        Ok(false)
    }

    /// The position range (low, high) between the venue's read and our fills' view; once the
    /// venue has had its settle grace since our last fill, its read is taken as the truth.
    fn position_range(
        &mut self,
        read: Decimal,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (Decimal, Decimal) {
        let grace = self.venue.capabilities().settle_grace;
        let settled = self
            .last_fill_at
            .is_none_or(|t| (now - t).to_std().unwrap_or_default() >= grace);
        if settled || read == self.expected {
            self.expected = read;
            return (read, read);
        }
        tracing::info!(read = %read, from_fills = %self.expected, "position read differs from our fills; bounding with both");
        (read.min(self.expected), read.max(self.expected))
    }

    fn targets(
        &mut self,
        top: &TopOfBook,
        mid: Decimal,
        sigma: Decimal,
        (low, high): (Decimal, Decimal),
        balance: &venue_api::Balance,
    ) -> Result<Targets, MakerError> {
        // the skew and the reducing side use the position as read unless our fills say more
        let position = if low == high {
            low
        } else if high.abs() >= low.abs() {
            high
        } else {
            low
        };
        let params = self
            .cfg
            .as_params(self.market.maker_fee.unwrap_or_default())?;
        // margin our own resting orders hold is ours to re-use: count it as available so
        // that the clip does not shrink (and replace the quotes) because they rest
        let resting_margin: Decimal = [Side::Buy, Side::Sell]
            .iter()
            .filter_map(|s| self.manager.resting(*s))
            .map(|r| r.remaining() * r.price / self.cfg.leverage)
            .sum();
        let usage = balance.margin_usage.unwrap_or_else(|| {
            if balance.equity > Decimal::ZERO {
                ((balance.equity - balance.available) / balance.equity).max(Decimal::ZERO)
            } else {
                Decimal::ONE
            }
        });
        let clip = clip_size(
            &self.cfg.sizing(),
            balance.available + resting_margin,
            usage,
            mid,
            &self.grid,
        )?;
        if let Some(why) = clip.none_reason {
            tracing::info!(why, usage = %usage, "no clip to quote");
        }
        let size = sticky_clip(self.clip, clip.size, CLIP_TOLERANCE);
        self.clip = (size > Decimal::ZERO).then_some(size);
        let q = if size > Decimal::ZERO {
            position / size
        } else {
            Decimal::ZERO
        };
        let raw = quote(
            &params,
            &QuoteInputs {
                mid,
                sigma,
                inventory: q,
                microprice_offset: microprice_offset(top),
                bias: Decimal::ZERO,
            },
        )?;
        if raw.recentred {
            tracing::warn!(bid = %raw.bid, ask = %raw.ask, "re-centering: the model's bid was at or above its ask");
        }
        let prices = GridQuote::place(&raw, self.grid.tick, top)?;
        let max_inventory = self.cfg.inventory_bound().base_at(mid);
        // each side bounded by the worse of the two views: the bid by the higher position,
        // the ask by the lower one
        let sides = crate::quoting::SideSizes {
            bid: side_sizes(size, high, max_inventory, &self.grid)?.bid,
            ask: side_sizes(size, low, max_inventory, &self.grid)?.ask,
        };
        let mut bid = prices.bid.zip(sides.bid).map(|(price, s)| Target {
            price,
            size: s.size,
            reduce_only: s.reduce_only,
        });
        let mut ask = prices.ask.zip(sides.ask).map(|(price, s)| Target {
            price,
            size: s.size,
            reduce_only: s.reduce_only,
        });
        if self.cap_reached {
            // only the side that reduces the position, reduce-only
            let keep = |t: Option<Target>, reduces: bool| {
                t.filter(|_| reduces).map(|t| Target {
                    size: t.size.min(position.abs()),
                    reduce_only: true,
                    ..t
                })
            };
            bid = keep(bid, position < Decimal::ZERO);
            ask = keep(ask, position > Decimal::ZERO);
        }
        Ok(Targets { bid, ask })
    }

    fn record_fills(&mut self, fills: &[crate::mm::Fill]) -> Result<(), MakerError> {
        if fills.is_empty() {
            return Ok(());
        }
        for f in fills {
            tracing::info!(client_id = %f.client_id, side = ?f.side, size = %f.size, value = %f.value, "FILL");
        }
        let value: Decimal = fills.iter().map(|f| f.value).sum();
        let now = self.clock.now();
        self.expected += fills
            .iter()
            .map(|f| f.side.sign() * f.size)
            .sum::<Decimal>();
        self.last_fill_at = Some(now);
        if let (Some(v), Some(cap)) = (self.volume.as_mut(), self.cfg.volume_cap_usd) {
            // the total counts in memory even when saving it fails (the cap still applies)
            let saved = v.add(value, fills.len() as u64, now);
            let total = v.total();
            tracing::info!(
                "Total traded volume: {total} USD ({}% of {cap} USD, {} remaining)",
                (total * Decimal::ONE_HUNDRED / cap).round_dp(2),
                (cap - total).max(Decimal::ZERO)
            );
            if total >= cap && !self.cap_reached {
                tracing::warn!("MAXIMUM VOLUME REACHED ({total} >= {cap} USD): closing the position, then stopping");
                self.cap_reached = true;
            }
            if let Err(e) = saved {
                // quoting goes on with the total in memory; a restart would read the last
                // saved one, so say it loudly
                tracing::error!(error = %e, total = %total, "saving the volume total failed");
            }
        }
        Ok(())
    }

    /// Cancels our quotes and checks none of ours is left open.
    async fn stop(&mut self) -> Result<(), MakerError> {
        tracing::info!("stopping: cancelling our orders");
        let r = self.manager.pull_quotes().await;
        for e in &r.errors {
            tracing::warn!(error = %e, "cancelling at shutdown");
        }
        let fills = r.fills.clone();
        if let Err(e) = self.record_fills(&fills) {
            tracing::warn!(error = %e, "volume file at shutdown");
        }
        self.manager
            .sweep()
            .await
            .map_err(|e| venue_err("shutdown sweep of our orders", e))?;
        tracing::info!(
            "market maker stopped: no order of ours is open (the position stays as it is)"
        );
        Ok(())
    }
}
