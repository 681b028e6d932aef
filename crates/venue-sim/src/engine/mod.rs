//! The exchange core, venue-agnostic: markets with a seeded random-walk mid on the tick grid,
//! synthetic books, funding schedules, accounts, margin, fills and order life cycles.
//!
//! Contract: the engine never reads a clock. Front-ends call [`Exchange::advance`] with the
//! injected clock's time before serving a request; it moves prices, settles funding at each
//! venue's interval boundaries, fills resting orders that now cross and expires GTT orders.
//! Money is `Decimal`; the random walk is integer arithmetic on a fine price grid.

pub mod account;
pub mod book;
pub mod funding;
pub mod margin;
pub mod market;
mod orders;
mod pending;
pub mod rng;
pub mod tape;

pub use account::{
    Account, CancelReason, EdgexAuth, FundingRecord, LighterAuth, LiquidationKind,
    LiquidationRecord, Order, OrderState, PositionState, RiskSnapshot, Tif,
};
pub use book::{Book, Level};
pub use margin::{parse_moves, ActiveMove, MoveSpecError, PriceMove};
pub use market::{default_symbols, MarketSpec, SymbolSpec, Trading, VenueKind};
pub use orders::{apply_trade, closing_qty, OrderRef};
pub use tape::{TapeTrade, Tapes};

use rng::{mix, word, Rng};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use venue_api::Side;

/// Why the engine refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// Example: contract id `999` on EdgeX.
    #[error("unknown market {0}")]
    UnknownMarket(String),
    /// Example: an account index that was never created.
    #[error("unknown account {0}")]
    UnknownAccount(String),
    /// Example: a size that is not a multiple of the step.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// Example: opening 10 BTC with 1000 USD of collateral.
    #[error("insufficient margin: {0}")]
    InsufficientMargin(String),
    /// Example: leverage 200 on a 50x market.
    #[error("invalid leverage: {0}")]
    InvalidLeverage(String),
    /// Example: cancelling an order id that does not exist or is final.
    #[error("order not found: {0}")]
    UnknownOrder(String),
    /// Example: a second order with client id `42`.
    #[error("duplicate client order id {0}")]
    DuplicateClientId(String),
}

/// A new order as the front-ends decode it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrder {
    /// Market id.
    pub market_id: String,
    /// Client id as sent.
    pub client_id: String,
    /// Side.
    pub side: Side,
    /// Limit price.
    pub price: Decimal,
    /// Size.
    pub size: Decimal,
    /// Time in force.
    pub tif: Tif,
    /// Reduce only.
    pub reduce_only: bool,
    /// Venue nonce carried by the order.
    pub nonce: i64,
}

/// Tunables of the market model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelParams {
    /// Levels per side.
    pub levels: usize,
    /// Notional of the first level (USD); level i holds (i+1) times that.
    pub level_notional: Decimal,
    /// Max walk step per second, in basis points of the mid (integer).
    pub step_bps: i64,
    /// Funding dislocation episodes (a state file without them gets the defaults).
    #[serde(default)]
    pub funding_episodes: funding::EpisodeParams,
    /// Prices walk this many times slower than the clock (0 and 1: at clock speed). Paper mode
    /// at `--speed N` sets N: funding then accrues N times faster while prices move at their
    /// real pace against the process's real latencies; otherwise 100 ms of a client's real
    /// time would be 6 minutes of price moves at `--speed 3600`, and a bounded IOC order would
    /// miss the book it was priced from (use `--sim-move` drills for large moves).
    #[serde(default)]
    pub price_time_divisor: u32,
}

impl Default for ModelParams {
    fn default() -> Self {
        Self {
            levels: 10,
            level_notional: Decimal::from(25_000),
            step_bps: 3,
            funding_episodes: funding::EpisodeParams::default(),
            price_time_divisor: 1,
        }
    }
}

/// The fair price of one symbol, shared by both venues' books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolState {
    /// Listing.
    pub spec: SymbolSpec,
    /// Unit of the walk (the finer of the two ticks).
    pub unit: Decimal,
    /// Fair price in units.
    pub fair_units: i64,
    /// Starting price in units (the walk reverts towards it).
    pub start_units: i64,
}

impl SymbolState {
    fn mid(&self) -> Decimal {
        Decimal::from(self.fair_units) * self.unit
    }
}

/// The whole simulated world of both venues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// State file format.
    pub version: u32,
    /// Seed of the walk and of the funding schedule.
    pub seed: u64,
    /// Model tunables.
    pub params: ModelParams,
    /// Symbols.
    pub symbols: Vec<SymbolState>,
    /// Markets per venue.
    pub markets: Vec<MarketSpec>,
    /// Accounts, keyed `venue/id`.
    pub accounts: BTreeMap<String, Account>,
    /// Last time the world was advanced to (ms).
    pub now_ms: i64,
    /// Last settled funding period per `venue/market`.
    pub settled_period: BTreeMap<String, i64>,
    /// Walk generator.
    pub rng: Rng,
    /// Next exchange order id.
    pub next_order_id: u64,
    /// Next funding record id.
    pub next_record_id: u64,
    /// Free-form labels (e.g. which accounts are the paper accounts).
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    /// Actions accepted but not yet executed (asynchronous venues).
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Time the price walk has reached (ms).
    #[serde(default)]
    pub walked_ms: i64,
    /// Scripted price moves in progress (`--sim-move`).
    #[serde(default)]
    pub moves: Vec<ActiveMove>,
    /// The public tape of every market.
    #[serde(default)]
    pub tape: Tapes,
}

/// An accepted action waiting for its execution time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// When it runs (ms).
    pub due_ms: i64,
    /// Venue.
    pub venue: VenueKind,
    /// Account.
    pub account_id: String,
    /// What runs.
    pub action: PendingAction,
    /// The latest moment it may still run (ms; Lighter `ExpiredAt`, EdgeX `expireTime`):
    /// due later than this, it never executes.
    #[serde(default)]
    pub expires_ms: Option<i64>,
    /// Lighter (API key index, nonce) of the tx: a tx that fails in the sequencer does not
    /// consume its nonce, and the later txs of that key sent after it fail with it.
    #[serde(default)]
    pub nonce: Option<(u8, i64)>,
    /// Mid of the order's market when the venue accepted it: the order executes against
    /// the book of that moment (the venue matched it then; only its visibility is late).
    #[serde(default)]
    pub mid: Option<Decimal>,
}

/// What a queued action does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PendingAction {
    /// Place an order (`fill_ratio` = partial-fill fault).
    Place {
        /// The order.
        order: NewOrder,
        /// Fill cap.
        fill_ratio: Option<Decimal>,
        /// Exchange order id already given in the answer (EdgeX); `None` = allocated when
        /// it runs.
        #[serde(default)]
        order_id: Option<u64>,
    },
    /// Cancel by exchange or client index.
    Cancel(u64),
    /// Cancel all, optionally in one market.
    CancelAll(Option<String>),
    /// Set leverage.
    Leverage {
        /// Market.
        market_id: String,
        /// Leverage.
        leverage: u32,
    },
}

fn key(venue: VenueKind, id: &str) -> String {
    format!("{}/{id}", venue.name())
}

fn floor_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b)
}

impl Exchange {
    /// A world with the given listing, seeded, starting at `now_ms`.
    pub fn new(seed: u64, symbols: Vec<SymbolSpec>, now_ms: i64) -> Self {
        let mut markets = Vec::new();
        let mut states = Vec::new();
        for (i, s) in symbols.into_iter().enumerate() {
            let (e, l) = market::markets_of(&s, i + 1);
            let unit = e.tick.min(l.tick);
            let fair_units = (s.start_mid / unit).trunc().to_i64().unwrap_or(1).max(1);
            markets.push(e);
            markets.push(l);
            states.push(SymbolState {
                spec: s,
                unit,
                fair_units,
                start_units: fair_units,
            });
        }
        let mut ex = Self {
            version: 1,
            seed,
            params: ModelParams::default(),
            symbols: states,
            markets,
            accounts: BTreeMap::new(),
            now_ms,
            settled_period: BTreeMap::new(),
            rng: Rng(seed),
            next_order_id: 1_000_001,
            next_record_id: 1,
            meta: BTreeMap::new(),
            pending: Vec::new(),
            walked_ms: now_ms,
            moves: Vec::new(),
            tape: Tapes {
                printed_to_ms: Some(now_ms),
                ..Tapes::default()
            },
        };
        for m in ex.markets.clone() {
            let period = floor_div(now_ms, i64::from(m.funding_interval_min) * 60_000);
            ex.settled_period
                .insert(key(m.venue, &m.market_id), period - 1);
        }
        ex
    }

    /// The default listing.
    pub fn with_defaults(seed: u64, now_ms: i64) -> Self {
        Self::new(seed, default_symbols(), now_ms)
    }

    // ---- markets ---------------------------------------------------------------------

    /// Markets of a venue, in listing order.
    pub fn markets_of(&self, venue: VenueKind) -> impl Iterator<Item = &MarketSpec> {
        self.markets.iter().filter(move |m| m.venue == venue)
    }

    /// Sets a market's trading flag (tests; an operator scenario such as a delisting).
    pub fn set_trading(
        &mut self,
        venue: VenueKind,
        market_id: &str,
        trading: Trading,
    ) -> Result<(), EngineError> {
        let m = self
            .markets
            .iter_mut()
            .find(|m| m.venue == venue && m.market_id == market_id)
            .ok_or_else(|| EngineError::UnknownMarket(market_id.to_string()))?;
        m.trading = trading;
        Ok(())
    }

    /// A market by venue id.
    pub fn market(&self, venue: VenueKind, market_id: &str) -> Result<&MarketSpec, EngineError> {
        self.markets
            .iter()
            .find(|m| m.venue == venue && m.market_id == market_id)
            .ok_or_else(|| EngineError::UnknownMarket(market_id.to_string()))
    }

    fn symbol_state(&self, symbol: &str) -> Option<&SymbolState> {
        self.symbols.iter().find(|s| s.spec.symbol == symbol)
    }

    /// The mid (mark) price of a market.
    pub fn mark(&self, venue: VenueKind, market_id: &str) -> Result<Decimal, EngineError> {
        let m = self.market(venue, market_id)?;
        let s = self
            .symbol_state(&m.symbol)
            .ok_or_else(|| EngineError::UnknownMarket(m.symbol.clone()))?;
        Ok(book::round_to(s.mid(), m.tick))
    }

    /// The synthetic book of a market.
    pub fn book(&self, venue: VenueKind, market_id: &str) -> Result<Book, EngineError> {
        let m = self.market(venue, market_id)?;
        let mid = self.mark(venue, market_id)?;
        Ok(book::synthetic(m, mid, &self.params))
    }

    // ---- time ------------------------------------------------------------------------

    /// Moves the world to `now_ms` (never backwards).
    pub fn advance(&mut self, now_ms: i64) {
        if now_ms <= self.now_ms {
            return;
        }
        // Walk in whole seconds since the last walk, so that frequent sub-second requests
        // still move prices.
        let ms_per_walk_second = 1000 * i64::from(self.params.price_time_divisor.max(1));
        let elapsed_s = (now_ms - self.walked_ms) / ms_per_walk_second;
        let before: Vec<i64> = self.symbols.iter().map(|s| s.fair_units).collect();
        if elapsed_s > 0 {
            self.walk(elapsed_s);
            self.walked_ms += elapsed_s * ms_per_walk_second;
        }
        self.now_ms = now_ms;
        self.apply_moves();
        let moved: Vec<i64> = self
            .symbols
            .iter()
            .zip(&before)
            .map(|(s, b)| (s.fair_units - b).signum())
            .collect();
        self.print_synthetic(&moved);
        self.run_pending();
        self.settle_funding();
        self.match_resting();
        self.liquidate_unhealthy();
    }

    fn walk(&mut self, elapsed_s: i64) {
        let steps = elapsed_s.min(600);
        let scale = isqrt((elapsed_s / steps.max(1)).max(1));
        let step_bps = self.params.step_bps;
        for s in &mut self.symbols {
            let span = (s.fair_units * step_bps / 10_000).max(1) * scale;
            for _ in 0..steps {
                let revert = (s.start_units - s.fair_units) / 2_000;
                s.fair_units += self.rng.signed(span) + revert;
                s.fair_units = s
                    .fair_units
                    .clamp((s.start_units / 3).max(10), s.start_units.saturating_mul(3));
            }
        }
    }

    // ---- accounts --------------------------------------------------------------------

    /// Creates (or replaces) an account.
    pub fn insert_account(&mut self, account: Account) {
        self.accounts
            .insert(key(account.venue, &account.id), account);
    }

    /// An account.
    pub fn account(&self, venue: VenueKind, id: &str) -> Result<&Account, EngineError> {
        self.accounts
            .get(&key(venue, id))
            .ok_or_else(|| EngineError::UnknownAccount(id.to_string()))
    }

    /// An account, mutable.
    pub fn account_mut(&mut self, venue: VenueKind, id: &str) -> Result<&mut Account, EngineError> {
        self.accounts
            .get_mut(&key(venue, id))
            .ok_or_else(|| EngineError::UnknownAccount(id.to_string()))
    }

    /// Leverage in force for a market (set or default).
    pub fn leverage_of(&self, account: &Account, market: &MarketSpec) -> u32 {
        account
            .leverage
            .get(&market.market_id)
            .copied()
            .unwrap_or(market.default_leverage)
            .max(1)
    }

    /// Sets cross leverage of a market.
    pub fn set_leverage(
        &mut self,
        venue: VenueKind,
        account_id: &str,
        market_id: &str,
        leverage: u32,
    ) -> Result<(), EngineError> {
        let max = self.market(venue, market_id)?.max_leverage;
        if leverage == 0 || leverage > max {
            return Err(EngineError::InvalidLeverage(format!(
                "{leverage} not in 1..={max}"
            )));
        }
        self.account_mut(venue, account_id)?
            .leverage
            .insert(market_id.to_string(), leverage);
        Ok(())
    }

    /// Valuation of an account at current marks.
    pub fn valuation(&self, venue: VenueKind, account_id: &str) -> Result<Valuation, EngineError> {
        let account = self.account(venue, account_id)?;
        let mut upnl = Decimal::ZERO;
        let mut im = Decimal::ZERO;
        let mut open_value = Decimal::ZERO;
        let mut position_value_abs = Decimal::ZERO;
        let mut maintenance = Decimal::ZERO;
        let mut closeout = Decimal::ZERO;
        let mut positions = Vec::new();
        for (mid, p) in &account.positions {
            let market = self.market(venue, mid)?;
            let mark = self.mark(venue, mid)?;
            let lev = Decimal::from(self.leverage_of(account, market));
            let value = p.size * mark;
            let pnl = value - p.open_value;
            upnl += pnl;
            open_value += p.open_value;
            position_value_abs += value.abs();
            let margin = value.abs() / lev;
            im += margin;
            let fraction = market.maintenance_fraction();
            maintenance += value.abs() * fraction;
            closeout += value.abs() * market.closeout_fraction().unwrap_or(fraction);
            positions.push(PositionView {
                market_id: mid.clone(),
                symbol: market.symbol.clone(),
                size: p.size,
                open_value: p.open_value,
                entry_price: p.entry_price(),
                mark,
                value,
                unrealized_pnl: pnl.round_dp(8),
                initial_margin: margin.round_dp(8),
                leverage: lev,
                funding_fee: p.funding_fee,
                open_fee: p.open_fee,
                realized: p.realized,
                maintenance_fraction: fraction,
                maintenance_margin: value.abs() * fraction,
                liquidation_price: None,
            });
        }
        let mut order_margin = Decimal::ZERO;
        for o in account
            .orders
            .iter()
            .filter(|o| o.state == OrderState::Open)
        {
            if o.reduce_only {
                continue;
            }
            let market = self.market(venue, &o.market_id)?;
            let lev = Decimal::from(self.leverage_of(account, market));
            order_margin += o.remaining() * o.price / lev;
        }
        let equity = account.collateral + upnl;
        for p in positions.iter_mut().filter(|p| !p.size.is_zero()) {
            p.liquidation_price = margin::liquidation_price(
                p.size,
                p.mark,
                p.maintenance_fraction,
                equity,
                maintenance,
            )
            .map(|l| {
                book::round_to(
                    l,
                    self.market(venue, &p.market_id)
                        .map_or(Decimal::ONE, |m| m.tick),
                )
            });
        }
        let available = (equity - im - order_margin).max(Decimal::ZERO);
        Ok(Valuation {
            collateral: account.collateral,
            raw_collateral: account.collateral - open_value,
            equity: equity.round_dp(8),
            available: available.round_dp(8),
            initial_margin: im.round_dp(8),
            order_margin: order_margin.round_dp(8),
            position_value_abs: position_value_abs.round_dp(8),
            maintenance_margin: maintenance,
            closeout_margin: closeout,
            positions,
        })
    }

    // ---- funding ---------------------------------------------------------------------

    /// The rate of a funding period (positive = longs pay), per interval.
    pub fn funding_rate(&self, market: &MarketSpec, period: i64) -> Decimal {
        funding::period_rate(self.seed, &self.params.funding_episodes, market, period)
    }

    /// Current period: (rate, period start ms, next settlement ms).
    pub fn current_funding(
        &self,
        venue: VenueKind,
        market_id: &str,
    ) -> Result<(Decimal, i64, i64), EngineError> {
        let m = self.market(venue, market_id)?;
        let len = i64::from(m.funding_interval_min) * 60_000;
        let p = floor_div(self.now_ms, len);
        Ok((self.funding_rate(m, p), p * len, (p + 1) * len))
    }

    /// Settled periods ending in `[from_ms, to_ms)`, oldest first: (settlement ms, rate); the
    /// newest `max` of them. Served through [`crate::history::settled_points`], the pure
    /// function backtests call, so both give the same points.
    pub fn funding_history(
        &self,
        venue: VenueKind,
        market_id: &str,
        from_ms: i64,
        to_ms: i64,
        max: usize,
    ) -> Result<Vec<(i64, Decimal)>, EngineError> {
        let m = self.market(venue, market_id)?;
        let len = i64::from(m.funding_interval_min.max(1)) * 60_000;
        // the last settlement so far is at the start of the current period
        let to = to_ms.min(floor_div(self.now_ms, len) * len + 1);
        let span = i64::try_from(max).unwrap_or(i64::MAX).saturating_mul(len);
        let from = from_ms.max(to.saturating_sub(span));
        Ok(crate::history::settled_points(
            self.seed,
            &self.params.funding_episodes,
            m,
            from,
            to,
        ))
    }

    fn settle_funding(&mut self) {
        for m in self.markets.clone() {
            let len = i64::from(m.funding_interval_min) * 60_000;
            let current = floor_div(self.now_ms, len);
            let k = key(m.venue, &m.market_id);
            let mut settled = self.settled_period.get(&k).copied().unwrap_or(current - 1);
            if current - settled > 5_000 {
                settled = current - 5_000;
            }
            let Ok(mark) = self.mark(m.venue, &m.market_id) else {
                continue;
            };
            while settled + 1 < current {
                let p = settled + 1;
                let rate = self.funding_rate(&m, p);
                let time_ms = (p + 1) * len;
                let mut next_id = self.next_record_id;
                for a in self.accounts.values_mut().filter(|a| a.venue == m.venue) {
                    let Some(pos) = a.positions.get_mut(&m.market_id) else {
                        continue;
                    };
                    if pos.size.is_zero() {
                        continue;
                    }
                    let amount = (-(pos.size * mark * rate)).round_dp(6);
                    pos.funding_fee += amount;
                    a.collateral += amount;
                    a.funding.push(FundingRecord {
                        id: next_id,
                        market_id: m.market_id.clone(),
                        time_ms,
                        rate,
                        size: pos.size,
                        mark,
                        amount,
                    });
                    next_id += 1;
                }
                self.next_record_id = next_id;
                settled = p;
            }
            self.settled_period.insert(k, settled);
        }
    }

    /// A symbol-level seed word (front-ends use it for stable synthetic ids).
    pub fn symbol_word(&self, symbol: &str) -> u64 {
        mix(&[self.seed, word(symbol)])
    }
}

/// An account valued at current marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valuation {
    /// Cash.
    pub collateral: Decimal,
    /// EdgeX-style raw collateral (cash minus entry notional; negative with longs).
    pub raw_collateral: Decimal,
    /// Cash + unrealised PnL.
    pub equity: Decimal,
    /// Equity minus margin in use (never below 0).
    pub available: Decimal,
    /// Initial margin of positions.
    pub initial_margin: Decimal,
    /// Margin held by open orders.
    pub order_margin: Decimal,
    /// Sum of |position value|.
    pub position_value_abs: Decimal,
    /// Maintenance requirement: Σ |value| x the market's maintenance fraction (exact; below
    /// it the venue liquidates).
    pub maintenance_margin: Decimal,
    /// Close-out requirement (Lighter's close-out fractions; EdgeX has no such stage and
    /// uses its maintenance fractions here).
    pub closeout_margin: Decimal,
    /// Positions.
    pub positions: Vec<PositionView>,
}

/// A position valued at the mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionView {
    /// Market id.
    pub market_id: String,
    /// Symbol.
    pub symbol: String,
    /// Signed size.
    pub size: Decimal,
    /// Signed entry notional.
    pub open_value: Decimal,
    /// Average entry price.
    pub entry_price: Decimal,
    /// Mark.
    pub mark: Decimal,
    /// Signed value at mark.
    pub value: Decimal,
    /// Unrealised PnL.
    pub unrealized_pnl: Decimal,
    /// Initial margin.
    pub initial_margin: Decimal,
    /// Leverage in force.
    pub leverage: Decimal,
    /// Funding booked.
    pub funding_fee: Decimal,
    /// Fees booked (negative).
    pub open_fee: Decimal,
    /// Realised PnL.
    pub realized: Decimal,
    /// The market's maintenance fraction.
    pub maintenance_fraction: Decimal,
    /// |value| x maintenance fraction.
    pub maintenance_margin: Decimal,
    /// Mark at which the account meets its maintenance requirement, the other positions
    /// held (on the tick; `None` when no positive price does).
    pub liquidation_price: Option<Decimal>,
}

fn isqrt(n: i64) -> i64 {
    if n <= 1 {
        return n.max(0);
    }
    let mut x = n;
    let mut y = (x + 1) / 2;
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

#[cfg(test)]
mod tests;
