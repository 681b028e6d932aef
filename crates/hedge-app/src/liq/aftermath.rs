//! After a failed action: when a close or reduce through both venues fails and the engine's
//! verified positions show a broken hedge (one leg flat and the other not, or sizes apart by
//! more than half the coarser step), the excess is taken off in the same check. The grace of
//! hedge integrity exists so that a two-leg operation in flight is not taken for a naked leg;
//! once our own operation has ended, the broken hedge is real and waiting only extends the
//! exposure. Example: the venue liquidates the long leg while REDUCE sends both legs' orders
//! (the long order is cancelled as reduce-only with no position): the short leg stays naked
//! and is closed at once instead of one grace later.
//!
//! Legs on the same side are left to hedge integrity (no single-leg excess to take off).

use super::LiqMonitor;
use hedge_engine::monitor::check::{Cause, Decision, Trade};
use hedge_engine::monitor::VenueSlot;
use hedge_engine::protocol::PairPositions;
use rust_decimal::Decimal;

impl LiqMonitor {
    /// The follow-up trade for a failed `d` whose positions after are `p` (A, B), if the
    /// hedge is broken and the steps are known.
    pub(super) fn aftermath(&self, d: &Decision, p: PairPositions) -> Option<Decision> {
        let symbol = d.trade.symbol().to_string();
        let step = |s: VenueSlot| self.steps.get(&(s, symbol.clone())).copied();
        let (step_a, step_b) = (step(VenueSlot::A)?, step(VenueSlot::B)?);
        let (a, b) = (p.long, p.short);
        let flat_a = a.abs() < step_a;
        let flat_b = b.abs() < step_b;
        let trade = match (flat_a, flat_b) {
            (true, true) => return None,
            (true, false) => Trade::CloseLeg {
                venue: VenueSlot::B,
                symbol,
            },
            (false, true) => Trade::CloseLeg {
                venue: VenueSlot::A,
                symbol,
            },
            (false, false) if (a > Decimal::ZERO) == (b > Decimal::ZERO) => return None,
            (false, false) => {
                let excess = a.abs() - b.abs();
                if excess.abs() <= step_a.max(step_b) / Decimal::TWO {
                    return None;
                }
                let (venue, step) = if excess > Decimal::ZERO {
                    (VenueSlot::A, step_a)
                } else {
                    (VenueSlot::B, step_b)
                };
                let quantity = hedge_engine::grid::floor_to_step(excess.abs(), step).ok()?;
                if quantity.is_zero() {
                    return None;
                }
                Trade::ReduceLeg {
                    venue,
                    symbol,
                    quantity,
                }
            }
        };
        if trade == d.trade {
            // The same trade just failed (e.g. its venue refuses orders): not again at once.
            return None;
        }
        let action = match &d.trade {
            Trade::CloseBoth { .. } => "close_both",
            Trade::ReduceBoth { .. } => "reduce_both",
            Trade::CloseLeg { .. } => "close_leg",
            Trade::ReduceLeg { .. } => "reduce_leg",
        };
        Some(Decision {
            trade,
            cause: Cause::Aftermath {
                action: action.into(),
            },
        })
    }
}
