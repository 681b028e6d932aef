//! The money of one replayed position: fills (taker fee and slippage per leg), every
//! settlement of each leg on its own venue's schedule, and the legs' price PnL from the
//! marks. Shared by the replay and the baselines so both are charged the same way.
//!
//! Funding of a settlement is `economics::settlement_payment` (the bot's own formula) with
//! the settled rate, counted for settlements strictly after the open and at or before the
//! close. Both legs hold the same base size: notional / the long venue's mark at the open
//! (no mark: price PnL is 0, the price taken as constant).

use chrono::{DateTime, Utc};
use hedge_engine::rotation::economics::{settlement_payment, LegSide};
use rust_decimal::Decimal;

use crate::market::Market;
use crate::result::{CloseTag, CycleRow, EquityPoint, LegResult};

/// An open position in the replay.
#[derive(Debug, Clone)]
pub struct OpenPosition {
    /// Symbol.
    pub symbol: String,
    /// Slot of the long leg (0 = A).
    pub long_slot: usize,
    /// Open time.
    pub opened_at: DateTime<Utc>,
    /// Notional per leg, USD.
    pub notional_usd: Decimal,
    /// Funding expected at entry, USD.
    pub expected_funding_usd: Decimal,
    /// Marks at the open (long, short).
    pub entry_marks: [Option<Decimal>; 2],
    /// Base size of each leg (when a mark is known).
    pub size: Option<Decimal>,
    /// Taker fee of each leg's fill (long, short), USD.
    pub fill_fee_usd: [Decimal; 2],
    /// Slippage of the open (long, short), USD.
    pub open_slippage_usd: [Decimal; 2],
    /// Extensions so far.
    pub extensions: u32,
}

impl OpenPosition {
    /// Opens `symbol` long on `long_slot` at `t`; returns the position and the open's cost
    /// (fees + slippage), USD. `extra_bps`: the bot's `extra_slippage_bps`.
    pub fn open(
        market: &Market<'_>,
        symbol: &str,
        long_slot: usize,
        t: DateTime<Utc>,
        notional_usd: Decimal,
        expected_funding_usd: Decimal,
        extra_bps: Decimal,
    ) -> (OpenPosition, Decimal, Decimal) {
        let slots = [long_slot, 1 - long_slot];
        let fee =
            |slot: usize| market.data.taker_fee(slot, symbol).unwrap_or_default() * notional_usd;
        let slip = |slot: usize, buy: bool| {
            market
                .slippage
                .fill_cost(market.venue(slot), symbol, buy, notional_usd, extra_bps, t)
        };
        let entry_marks = slots.map(|s| market.mark(symbol, s, t));
        let size = entry_marks[0].map(|m| notional_usd / m);
        let p = OpenPosition {
            symbol: symbol.to_string(),
            long_slot,
            opened_at: t,
            notional_usd,
            expected_funding_usd,
            entry_marks,
            size,
            fill_fee_usd: [fee(slots[0]), fee(slots[1])],
            open_slippage_usd: [slip(slots[0], true), slip(slots[1], false)],
            extensions: 0,
        };
        let fees = p.fill_fee_usd[0] + p.fill_fee_usd[1];
        let slippage = p.open_slippage_usd[0] + p.open_slippage_usd[1];
        (p, fees, slippage)
    }

    fn slots(&self) -> [usize; 2] {
        [self.long_slot, 1 - self.long_slot]
    }

    /// Unrealised price PnL of (long, short) at `t` from the marks.
    pub fn price_pnl(&self, market: &Market<'_>, t: DateTime<Utc>) -> [Decimal; 2] {
        let Some(size) = self.size else {
            return [Decimal::ZERO; 2];
        };
        let slots = self.slots();
        let leg = |i: usize, sign: Decimal| match (
            self.entry_marks[i],
            market.mark(&self.symbol, slots[i], t),
        ) {
            (Some(entry), Some(now)) => sign * size * (now - entry),
            _ => Decimal::ZERO,
        };
        [leg(0, Decimal::ONE), leg(1, Decimal::NEGATIVE_ONE)]
    }

    /// Each settlement of either leg in `(opened_at, to]`, in time order: (time, slot index
    /// 0 = long / 1 = short, payment USD).
    pub fn settlements(
        &self,
        market: &Market<'_>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, usize, Decimal)> {
        let Some(pair) = market.pair(&self.symbol) else {
            return Vec::new();
        };
        let slots = self.slots();
        let mut out = Vec::new();
        for (leg, side) in [(0usize, LegSide::Long), (1, LegSide::Short)] {
            for p in pair[slots[leg]].settled_between(self.opened_at, to) {
                out.push((
                    p.time,
                    leg,
                    settlement_payment(side, p.rate, self.notional_usd, Decimal::ONE),
                ));
            }
        }
        out.sort_by_key(|(t, leg, _)| (*t, *leg));
        out
    }

    /// Closes at `t`: the cycle row and the cash flows for the equity curve (settlements,
    /// then the close's costs and price PnL at `t`).
    pub fn close(
        &self,
        market: &Market<'_>,
        cycle: u32,
        t: DateTime<Utc>,
        reason: CloseTag,
        extra_bps: Decimal,
    ) -> (CycleRow, Vec<(DateTime<Utc>, Decimal)>) {
        let slots = self.slots();
        let settlements = self.settlements(market, t);
        let mut funding = [Decimal::ZERO; 2];
        let mut counts = [0u32; 2];
        let mut flows = Vec::with_capacity(settlements.len() + 1);
        for (at, leg, usd) in &settlements {
            funding[*leg] += *usd;
            counts[*leg] += 1;
            flows.push((*at, *usd));
        }
        let close_slip = [
            market.slippage.fill_cost(
                market.venue(slots[0]),
                &self.symbol,
                false,
                self.notional_usd,
                extra_bps,
                t,
            ),
            market.slippage.fill_cost(
                market.venue(slots[1]),
                &self.symbol,
                true,
                self.notional_usd,
                extra_bps,
                t,
            ),
        ];
        let pnl = self.price_pnl(market, t);
        let leg = |i: usize, side: LegSide| LegResult {
            venue: market.venue(slots[i]).to_string(),
            side,
            funding_usd: funding[i],
            settlements: counts[i],
            fees_usd: self.fill_fee_usd[i] * Decimal::TWO,
            slippage_usd: self.open_slippage_usd[i] + close_slip[i],
            price_pnl_usd: pnl[i],
        };
        let long = leg(0, LegSide::Long);
        let short = leg(1, LegSide::Short);
        let funding_usd = long.funding_usd + short.funding_usd;
        let fees_usd = long.fees_usd + short.fees_usd;
        let slippage_usd = long.slippage_usd + short.slippage_usd;
        let price_pnl_usd = long.price_pnl_usd + short.price_pnl_usd;
        let net_usd = funding_usd - fees_usd - slippage_usd + price_pnl_usd;
        let close_flow = price_pnl_usd
            - self.fill_fee_usd[0]
            - self.fill_fee_usd[1]
            - close_slip[0]
            - close_slip[1];
        flows.push((t, close_flow));
        let capture_ratio = (!self.expected_funding_usd.is_zero())
            .then(|| (funding_usd / self.expected_funding_usd).round_dp(4));
        let row = CycleRow {
            cycle,
            symbol: self.symbol.clone(),
            direction: format!("long {} / short {}", long.venue, short.venue),
            opened_at: self.opened_at,
            closed_at: t,
            hold_hours: hours(self.opened_at, t),
            notional_usd: self.notional_usd,
            long,
            short,
            funding_usd,
            expected_funding_usd: self.expected_funding_usd,
            fees_usd,
            slippage_usd,
            price_pnl_usd,
            net_usd,
            capture_ratio,
            close_reason: reason,
            extensions: self.extensions,
        };
        (row, flows)
    }
}

/// Hours from `a` to `b`, to 4 decimals.
pub fn hours(a: DateTime<Utc>, b: DateTime<Utc>) -> Decimal {
    (Decimal::from((b - a).num_seconds()) / Decimal::from(3600)).round_dp(4)
}

/// Appends cash flows to a cumulative curve.
pub fn extend_equity(
    curve: &mut Vec<EquityPoint>,
    flows: impl IntoIterator<Item = (DateTime<Utc>, Decimal)>,
) {
    let mut total = curve.last().map_or(Decimal::ZERO, |p| p.net_usd);
    for (time, usd) in flows {
        total += usd;
        curve.push(EquityPoint {
            time,
            net_usd: total,
        });
    }
}
