//! One quoting cycle and what feeds it: feed events and SuperTrend points, the REST book
//! probe, account reads, fills, pulling quotes when quoting must stop, the balance log.

use super::{secs, Maker};
use crate::lighter_mm::logs;
use crate::lighter_mm::market::Unusable;
use crate::lighter_mm::pricing::{plan, PriceSource};
use crate::supertrend::{SuperTrendPoint, Trend};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tracing::{debug, info, warn};
use venue_api::{MarketEvent, Side};

impl Maker {
    pub(super) fn on_event(&mut self, ev: MarketEvent) {
        if let MarketEvent::Gap { reason } = &ev {
            info!("Market stream gap ({reason}): waiting for a fresh book");
        }
        let now = self.clock.now();
        for p in self.watch.on_event(ev, now) {
            self.on_point(p);
        }
    }

    pub(super) fn on_point(&mut self, p: SuperTrendPoint) {
        let name = |t: Trend| if t == Trend::Up { "UP" } else { "DOWN" };
        let bias = self.watch.trend().bias(self.cfg.bias_strength);
        match self.trend {
            None => info!(
                "SuperTrend ready: trend {} (close {}, line {}, ATR {}), bias {bias}",
                name(p.trend),
                p.candle.close,
                p.line.round_dp(8),
                p.atr.round_dp(8)
            ),
            Some(old) if p.flipped => {
                self.summary.flips += 1;
                info!(
                    "SuperTrend flip {} -> {} (close {}, line {}, ATR {}): bias now {bias}",
                    name(old),
                    name(p.trend),
                    p.candle.close,
                    p.line.round_dp(8),
                    p.atr.round_dp(8)
                );
            }
            Some(_) => debug!(
                "Candle O {} H {} L {} C {}: ATR {}, line {}, trend {}",
                p.candle.open,
                p.candle.high,
                p.candle.low,
                p.candle.close,
                p.atr.round_dp(8),
                p.line.round_dp(8),
                name(p.trend)
            ),
        }
        self.trend = Some(p.trend);
        self.summary.trend = Some(p.trend);
    }

    pub(super) async fn probe(&mut self) {
        let limit = Duration::from_secs(self.cfg.stale_after_secs).max(Duration::from_secs(1)) / 2;
        // A REST read of the book itself, not `top_of_book`: an adapter may answer that from
        // its own stream cache, which a stalled stream keeps for a while, so a probe through it
        // would make a stale book look fresh.
        let venue = self.venue.clone();
        let sym = self.cfg.symbol.clone();
        let read = async move {
            match venue.book(&sym, 1).await {
                Ok(b) => Ok(b.top()),
                Err(venue_api::VenueError::Unsupported(_)) => venue.top_of_book(&sym).await,
                Err(e) => Err(e),
            }
        };
        match tokio::time::timeout(limit, read).await {
            Ok(Ok(top)) => {
                let now = self.clock.now();
                for p in self.watch.on_top(top, now) {
                    self.on_point(p);
                }
            }
            Ok(Err(e)) => debug!("REST book read failed: {e}"),
            Err(_) => debug!("REST book read: no answer within {} ms", limit.as_millis()),
        }
    }

    pub(super) async fn read_account(&mut self) {
        let started = self.clock.now();
        let sym = self.cfg.symbol.clone();
        let (pos, bal) = tokio::join!(self.venue.position(&sym), self.venue.balance());
        match (pos, bal) {
            (Ok(pos), Ok(bal)) => {
                let size = pos.map(|p| p.size).unwrap_or_default();
                if Some(size) != self.account.position() {
                    info!(
                        "Position update for {sym}: {} -> {}",
                        self.account
                            .position()
                            .map_or("unknown".into(), |p| p.normalize().to_string()),
                        size.normalize()
                    );
                }
                self.summary.max_abs_position = self.summary.max_abs_position.max(size.abs());
                // a fill seen shortly before the read began may still be missing from it (the
                // venue's settle grace): it stays counted, which can only make a side smaller
                let grace = self.venue.capabilities().settle_grace;
                let keep_from = started - chrono::Duration::from_std(grace).unwrap_or_default();
                self.account.on_read(keep_from, self.clock.now(), size, bal);
            }
            (Err(e), _) | (_, Err(e)) => warn!("Account read failed: {e} (the last read is kept)"),
        }
    }

    pub(super) fn note_fills(&mut self, fills: &[crate::mm::Fill]) {
        let now = self.clock.now();
        for f in fills {
            self.summary.fills += 1;
            let side = if f.side == Side::Buy { "BUY" } else { "SELL" };
            info!(
                "Fill: {side} {} {} for {} USD (order {})",
                f.size.normalize(),
                self.cfg.symbol,
                f.value.round_dp(4),
                f.client_id
            );
            self.account.note_fill(now, f.side, f.size);
        }
    }

    /// Pulls our quotes and says why, once per reason.
    pub(super) async fn pause(&mut self, why: String) {
        let resting =
            self.orders.resting(Side::Buy).is_some() || self.orders.resting(Side::Sell).is_some();
        if resting {
            let rep = self.orders.pull_quotes().await;
            self.summary.pulls += 1;
            self.note_fills(&rep.fills);
            for e in &rep.errors {
                warn!("Pulling quotes: {e}");
            }
        }
        if self.paused.as_deref() != Some(why.as_str()) {
            self.summary.pauses += 1;
            warn!("Not quoting: {why}; our quotes are pulled until it clears");
            self.paused = Some(why);
        }
    }

    pub(super) async fn cycle(&mut self) {
        self.summary.cycles += 1;
        let now = self.clock.now();
        for p in self.watch.tick(now) {
            self.on_point(p);
        }
        if self.watch.needs_probe(now) {
            self.probe().await;
        }
        let rep = self.orders.refresh().await;
        self.note_fills(&rep.fills);
        for e in &rep.errors {
            warn!("Order status: {e}");
        }
        for (id, state, reason) in &rep.ended {
            debug!(
                "Order {id} ended {state:?} {}",
                reason.clone().unwrap_or_default()
            );
        }
        let every = Duration::from_secs(self.cfg.account_refresh_secs);
        if !rep.fills.is_empty() || self.account.due(now, every) {
            self.read_account().await;
        }
        let now = self.clock.now();
        // the balance log does not depend on quoting (written when flat, also while paused)
        self.balance_log(now);
        let top = match self.watch.usable(now) {
            Ok(t) => t.clone(),
            Err(u) => {
                let why = match u {
                    Unusable::Stale(age) => {
                        debug!("Book is {} s old", secs(age));
                        format!(
                            "stale book (no book from the stream or REST for over {} s)",
                            self.cfg.stale_after_secs
                        )
                    }
                    other => other.to_string(),
                };
                return self.pause(why).await;
            }
        };
        let account_limit = Duration::from_secs(self.cfg.stale_after_secs).max(every * 3);
        match (self.account.view(), self.account.age(now)) {
            (Some(_), Some(age)) if age <= account_limit => {}
            (_, age) => {
                debug!(
                    "Last account read: {} s ago",
                    age.map_or("never".into(), secs)
                );
                let why = format!("no account read within {} s", secs(account_limit));
                return self.pause(why).await;
            }
        }
        let Some(view) = self.account.view() else {
            return;
        };
        let params = match self.params.get(now) {
            Ok((p, path, reread)) => {
                if reread {
                    info!("Loaded spread parameters from {}", path.display());
                }
                self.params_note = None;
                Ok(p.clone())
            }
            Err(e) => {
                let why = e.to_string();
                if self.params_note.as_deref() != Some(why.as_str()) {
                    if self.cfg.require_params {
                        warn!("{why}: require_params is set, not quoting");
                    } else {
                        warn!(
                            "{why}: falling back to the static spread ({} of the mid)",
                            self.cfg.static_spread
                        );
                    }
                    self.params_note = Some(why.clone());
                }
                Err(why)
            }
        };
        let bias = self.watch.trend().bias(self.cfg.bias_strength);
        let plan = match plan(
            &self.cfg,
            &self.grid,
            &top,
            &view,
            bias,
            params.as_ref().map_err(Clone::clone),
        ) {
            Ok(p) => p,
            Err(e) => return self.pause(format!("quote maths: {e}")).await,
        };
        if let PriceSource::Withheld(why) = &plan.source {
            return self.pause(why.clone()).await;
        }
        if self.paused.take().is_some() {
            info!("Quoting again");
        }
        let t = plan.targets;
        info!(
            "{}",
            logs::quoting_line(
                plan.inventory,
                plan.mid,
                t.bid.map(|b| b.price),
                t.ask.map(|a| a.price)
            )
        );
        let rep = self.orders.reconcile(&t).await;
        self.summary.placed += rep.placed.len() as u64;
        if !rep.placed.is_empty() {
            self.last_placed = Some(self.clock.now());
        }
        self.summary.cancelled += rep.cancelled.len() as u64;
        if t.bid.is_some() || t.ask.is_some() {
            self.summary.quoted_cycles += 1;
        }
        for (id, side, price, size) in &rep.placed {
            debug!("Placed {side:?} {size} @ {price} (order {id})");
        }
        self.note_fills(&rep.fills);
        for e in &rep.errors {
            warn!("Quotes: {e}");
        }
    }

    pub(super) fn balance_log(&mut self, now: DateTime<Utc>) {
        if now < self.next_balance_log {
            return;
        }
        self.next_balance_log = now + chrono::Duration::seconds(self.cfg.balance_log_secs as i64);
        match (self.account.position(), self.account.balance()) {
            (Some(p), Some(b)) if p.is_zero() => {
                let line = logs::portfolio_line(chrono::Local::now().naive_local(), b.equity);
                match logs::append_line(&self.balance_log, &line) {
                    Ok(()) => info!("Balance logged: {line}"),
                    Err(e) => warn!("Writing {}: {e}", self.balance_log.display()),
                }
            }
            (p, _) => info!(
                "Skipping balance logging (position {})",
                p.map_or("unknown".into(), |p| p.normalize().to_string())
            ),
        }
    }
}
