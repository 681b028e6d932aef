//! The public tape: every trade printed in a market, numbered per market.
//!
//! Two sources: the fills of accounts' orders (an order taking liquidity is the taker; a
//! resting order filled when the walk crosses it is the maker, the other side the taker), and
//! synthetic trades of other participants, printed while prices walk so that a recorder sees
//! a live tape: in each 15-second slot of price time (clock time, or clock time divided by
//! the paper `--speed` the walk uses) a market prints one trade with probability 3/4 (about
//! three a minute at the pace prices move), seeded by (seed, market, slot) so a seed replays
//! the same tape, at the touch (the taker buys at the best ask when the walk went up since
//! the last advance, sells at the best bid when it went down, either when flat), with a size
//! of 1 to 8 minimum sizes on the step grid.
//!
//! Trade ids grow by one per market and are kept in the state file; the recent trades
//! themselves (the last [`KEEP`] per market) live in memory only.

use super::rng::{mix, word};
use super::{key, Exchange, VenueKind};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use venue_api::Side;

/// Trades kept per market (what `recentTrades` and a new subscription can serve).
pub const KEEP: usize = 200;
/// Synthetic-trade slot length (ms of price time).
pub const SLOT_MS: i64 = 15_000;
/// Most slots printed by one advance (a clock jump of hours does not print thousands).
const MAX_SLOTS: i64 = 20;

/// One printed trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeTrade {
    /// Id, increasing per market.
    pub id: u64,
    /// Clock time (ms).
    pub time_ms: i64,
    /// Price.
    pub price: Decimal,
    /// Size (base units).
    pub size: Decimal,
    /// The aggressor's side.
    pub taker_side: Side,
    /// Maker order id (0 = a synthetic participant's).
    pub maker_order_id: u64,
    /// Taker order id (0 = a synthetic participant's).
    pub taker_order_id: u64,
    /// Maker account ("" = a synthetic participant).
    pub maker_account: String,
    /// Taker account ("" = a synthetic participant).
    pub taker_account: String,
}

/// The tapes of all markets. Equality compares what is persisted (ids and slot).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tapes {
    /// Next trade id per `venue/market`.
    #[serde(default)]
    pub next_id: BTreeMap<String, u64>,
    /// Clock time (ms) up to which synthetic trades were printed.
    #[serde(default)]
    pub printed_to_ms: Option<i64>,
    /// Recent trades per `venue/market`, oldest first (not persisted).
    #[serde(skip)]
    pub recent: BTreeMap<String, VecDeque<TapeTrade>>,
}

impl PartialEq for Tapes {
    fn eq(&self, other: &Self) -> bool {
        self.next_id == other.next_id && self.printed_to_ms == other.printed_to_ms
    }
}

impl Eq for Tapes {}

impl Tapes {
    /// Prints a trade (the id is assigned here; its time never goes below the previous
    /// trade's of the market).
    pub fn print(&mut self, venue: VenueKind, market_id: &str, mut trade: TapeTrade) -> u64 {
        let k = key(venue, market_id);
        let next = self.next_id.entry(k.clone()).or_insert(1);
        trade.id = *next;
        *next += 1;
        let q = self.recent.entry(k).or_default();
        if let Some(prev) = q.back() {
            trade.time_ms = trade.time_ms.max(prev.time_ms);
        }
        q.push_back(trade.clone());
        while q.len() > KEEP {
            q.pop_front();
        }
        trade.id
    }

    /// Trades of a market with id above `after`, oldest first.
    pub fn since(&self, venue: VenueKind, market_id: &str, after: u64) -> Vec<TapeTrade> {
        self.recent
            .get(&key(venue, market_id))
            .map(|q| q.iter().filter(|t| t.id > after).cloned().collect())
            .unwrap_or_default()
    }

    /// The last `n` trades of a market, oldest first.
    pub fn last(&self, venue: VenueKind, market_id: &str, n: usize) -> Vec<TapeTrade> {
        self.recent
            .get(&key(venue, market_id))
            .map(|q| q.iter().skip(q.len().saturating_sub(n)).cloned().collect())
            .unwrap_or_default()
    }

    /// Id of the last trade printed in a market (0 = none yet).
    pub fn last_id(&self, venue: VenueKind, market_id: &str) -> u64 {
        self.next_id
            .get(&key(venue, market_id))
            .map_or(0, |n| n.saturating_sub(1))
    }
}

impl Exchange {
    /// Prints a fill of an account's order: `maker` = the resting order's side of it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn print_fill(
        &mut self,
        venue: VenueKind,
        market_id: &str,
        account_id: &str,
        order_id: u64,
        order_side: Side,
        order_is_maker: bool,
        price: Decimal,
        size: Decimal,
    ) {
        let (taker_side, maker, taker) = if order_is_maker {
            (opposite(order_side), (order_id, account_id), (0, ""))
        } else {
            (order_side, (0, ""), (order_id, account_id))
        };
        let trade = TapeTrade {
            id: 0,
            time_ms: self.now_ms,
            price,
            size,
            taker_side,
            maker_order_id: maker.0,
            taker_order_id: taker.0,
            maker_account: maker.1.to_string(),
            taker_account: taker.1.to_string(),
        };
        self.tape.print(venue, market_id, trade);
    }

    /// Prints the synthetic trades of the slots between the last advance and now;
    /// `moved[i]` = how the fair price of symbol i moved in this advance (sign).
    pub(super) fn print_synthetic(&mut self, moved: &[i64]) {
        // slots run at the pace of the walk (paper `--speed N` slows prices N times)
        let slot_ms = SLOT_MS * i64::from(self.params.price_time_divisor.max(1));
        let Some(printed) = self.tape.printed_to_ms else {
            self.tape.printed_to_ms = Some(self.now_ms);
            return;
        };
        let last = printed.div_euclid(slot_ms);
        let now_slot = self.now_ms.div_euclid(slot_ms);
        self.tape.printed_to_ms = Some(self.now_ms.max(printed));
        if now_slot <= last {
            return;
        }
        let first = (last + 1).max(now_slot - MAX_SLOTS + 1);
        for market in self.markets.clone() {
            let Some(i) = self
                .symbols
                .iter()
                .position(|s| s.spec.symbol == market.symbol)
            else {
                continue;
            };
            let Ok(book) = self.book(market.venue, &market.market_id) else {
                continue;
            };
            let mk = word(&key(market.venue, &market.market_id));
            for slot in first..=now_slot {
                let h = mix(&[self.seed, mk, slot as u64, 0x7a9e]);
                if h % 4 == 3 {
                    continue;
                }
                let side = match moved.get(i).copied().unwrap_or(0) {
                    m if m > 0 => Side::Buy,
                    m if m < 0 => Side::Sell,
                    _ if (h >> 8) % 2 == 0 => Side::Buy,
                    _ => Side::Sell,
                };
                let touch = match side {
                    Side::Buy => book.asks.first(),
                    Side::Sell => book.bids.first(),
                };
                let Some(touch) = touch else {
                    continue;
                };
                let size = market.min_size.max(market.step) * Decimal::from(1 + (h >> 16) % 8);
                let offset = (h >> 24) % u64::try_from(slot_ms).unwrap_or(1).max(1);
                let time_ms = slot * slot_ms + i64::try_from(offset).unwrap_or(0);
                let trade = TapeTrade {
                    id: 0,
                    time_ms: time_ms.min(self.now_ms),
                    price: touch.price,
                    size,
                    taker_side: side,
                    maker_order_id: 0,
                    taker_order_id: 0,
                    maker_account: String::new(),
                    taker_account: String::new(),
                };
                self.tape.print(market.venue, &market.market_id, trade);
            }
        }
    }
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Account, MarketSpec, NewOrder, OrderState, Tif};
    use rust_decimal_macros::dec;

    const T0: i64 = 1_767_225_600_000;

    fn world() -> Exchange {
        let mut ex = Exchange::with_defaults(42, T0);
        ex.insert_account(Account::new(VenueKind::Lighter, "9", dec!(100000)));
        ex
    }

    fn btc(ex: &Exchange) -> MarketSpec {
        ex.markets_of(VenueKind::Lighter)
            .find(|m| m.symbol == "BTC")
            .cloned()
            .unwrap()
    }

    fn order(market: &str, cid: &str, side: Side, price: Decimal, size: Decimal) -> NewOrder {
        NewOrder {
            market_id: market.into(),
            client_id: cid.into(),
            side,
            price,
            size,
            tif: Tif::Gtc,
            reduce_only: false,
            nonce: 0,
        }
    }

    #[test]
    fn the_walk_prints_a_few_seeded_trades_a_minute_at_the_touch() {
        let mut a = world();
        let mut b = world();
        let m = btc(&a);
        // the first advance only starts the slot count
        a.advance(T0 + 1);
        b.advance(T0 + 1);
        let mut total = 0;
        for minute in 1..=5 {
            a.advance(T0 + minute * 60_000);
            b.advance(T0 + minute * 60_000);
            let book = a.book(VenueKind::Lighter, &m.market_id).unwrap();
            let new = a.tape.since(VenueKind::Lighter, &m.market_id, total as u64);
            assert!(new.len() <= 4, "minute {minute}: {new:?}");
            for t in &new {
                let touch = match t.taker_side {
                    Side::Buy => book.asks[0].price,
                    Side::Sell => book.bids[0].price,
                };
                assert_eq!(t.price, touch);
                assert!(t.size >= m.min_size && MarketSpec::on_grid(t.size, m.step));
                assert!(
                    t.time_ms > T0 + (minute - 1) * 60_000 && t.time_ms <= T0 + minute * 60_000
                );
                assert_eq!(t.maker_order_id, 0);
            }
            total += new.len();
        }
        assert!((8..=20).contains(&total), "about 3 a minute: {total}");
        let ids: Vec<u64> = a
            .tape
            .last(VenueKind::Lighter, &m.market_id, 100)
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, (1..=total as u64).collect::<Vec<_>>());
        assert_eq!(
            a.tape.last(VenueKind::Lighter, &m.market_id, 100),
            b.tape.last(VenueKind::Lighter, &m.market_id, 100),
            "seeded"
        );
        // a jump of a day prints a bounded number of trades
        a.advance(T0 + 86_400_000);
        assert!(a.tape.last_id(VenueKind::Lighter, &m.market_id) <= total as u64 + 20);
        // at paper --speed 60 the tape runs at the pace of prices: an hour of clock time is
        // one minute of price time, four slots
        let mut fast = world();
        fast.params.price_time_divisor = 60;
        for minute in 1..=60 {
            fast.advance(T0 + minute * 60_000);
        }
        assert!(fast.tape.last_id(VenueKind::Lighter, &m.market_id) <= 4);
    }

    #[test]
    fn fills_print_takers_and_resting_makers_at_their_price() {
        let mut ex = world();
        let m = btc(&ex);
        let book = ex.book(VenueKind::Lighter, &m.market_id).unwrap();
        let ask = book.asks[0];
        let taken = ex
            .place_order(
                VenueKind::Lighter,
                "9",
                order(&m.market_id, "1", Side::Buy, ask.price, ask.size),
                None,
            )
            .unwrap();
        assert_eq!(taken.state, OrderState::Filled);
        let t = ex.tape.last(VenueKind::Lighter, &m.market_id, 1).remove(0);
        assert_eq!(
            (t.id, t.taker_side, t.price, t.size),
            (1, Side::Buy, ask.price, ask.size)
        );
        assert_eq!(
            (t.taker_order_id, t.taker_account.as_str()),
            (taken.order_id, "9")
        );
        // a bid far below rests; a scripted fall through it fills it at its own price
        let bid = book.bids[0].price - dec!(1000);
        let rest = ex
            .place_order(
                VenueKind::Lighter,
                "9",
                order(&m.market_id, "2", Side::Buy, bid, dec!(0.001)),
                None,
            )
            .unwrap();
        assert_eq!(rest.state, OrderState::Open);
        let s = ex
            .symbols
            .iter_mut()
            .find(|s| s.spec.symbol == "BTC")
            .unwrap();
        s.fair_units -= (dec!(1500) / s.unit).try_into().unwrap_or(0i64);
        ex.match_resting();
        let o = ex.account(VenueKind::Lighter, "9").unwrap().orders[1].clone();
        assert_eq!(o.state, OrderState::Filled);
        assert_eq!(o.filled_value, bid * dec!(0.001), "filled at its limit");
        assert_eq!(o.fee, Decimal::ZERO, "maker fee (0 on Lighter)");
        let t = ex.tape.last(VenueKind::Lighter, &m.market_id, 1).remove(0);
        assert_eq!((t.id, t.taker_side, t.price), (2, Side::Sell, bid));
        assert_eq!(
            (t.maker_order_id, t.maker_account.as_str()),
            (o.order_id, "9")
        );
    }
}
