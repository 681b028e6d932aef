//! The BOT STATUS board (spec 4.11) rendered from the state alone, so that the loop, the
//! shutdown path and `rotation-bot status` (which never touches the venues) show the same
//! figures. Money with 2 decimals (4 for per-leg PnL), APRs with 2, times in UTC.

use super::{BotPosition, BotState, BotStatus};
use crate::state::Halt;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A money amount with 2 decimals, or `unknown`.
pub fn money(v: Option<Decimal>) -> String {
    v.map(|d| format!("{:.2}", d.round_dp(2)))
        .unwrap_or_else(|| "unknown".into())
}

fn money4(v: Option<Decimal>) -> String {
    v.map(|d| format!("{:.4}", d.round_dp(4)))
        .unwrap_or_else(|| "unknown".into())
}

fn pct(v: Option<Decimal>) -> String {
    v.map(|d| format!("{:.2}%", d.round_dp(2)))
        .unwrap_or_else(|| "unknown".into())
}

/// The board. `halt` is the engine's HALT (from its state file), shown loudly when present.
pub fn render(state: &BotState, halt: Option<&Halt>, now: DateTime<Utc>) -> String {
    let mut o = String::new();
    let line = "=".repeat(72);
    let _ = writeln!(o, "{line}\nBOT STATUS  ({})\n{line}", time(now));
    let _ = writeln!(o, "State: {}", state.state);
    if let Some(h) = halt {
        let _ = writeln!(
            o,
            "*** ENGINE HALTED since {}: {} ***\n*** Nothing new opens. Check both venues, then run `hedge-cli resume`. ***",
            time(h.since),
            h.reason
        );
    }
    if let Some(p) = &state.pause {
        let _ = writeln!(
            o,
            "*** PAUSED by {} since {}: {}{} ***\n*** Nothing new opens; positions are watched. `rotation-bot resume` ends it. ***",
            p.by,
            time(p.since),
            p.reason,
            p.until
                .map(|u| format!(" (until {})", time(u)))
                .unwrap_or_default()
        );
    }
    if state.state == BotStatus::Error {
        let s = &state.cumulative_stats;
        let _ = writeln!(
            o,
            "*** ERROR{}: {} ***",
            s.last_error_at
                .map(|t| format!(" at {}", time(t)))
                .unwrap_or_default(),
            s.last_error.as_deref().unwrap_or("unknown")
        );
    }
    if let Some(c) = &state.capital_status {
        let _ = writeln!(
            o,
            "Capital: A total {} / available {}; B total {} / available {}; total {} / available {}",
            money(c.edgex_total),
            money(c.edgex_available),
            money(c.lighter_total),
            money(c.lighter_available),
            money(c.total_capital),
            money(c.total_available)
        );
        let low = c
            .max_position_notional
            .is_some_and(|m| m <= Decimal::ONE_HUNDRED);
        let _ = writeln!(
            o,
            "Max new position: {} (limited by {}){}",
            money(c.max_position_notional),
            c.limiting_exchange.as_deref().unwrap_or("unknown"),
            if low { "  <-- LOW" } else { "" }
        );
    }
    match &state.current_position {
        Some(p) => position(&mut o, p, now),
        None => {
            let _ = writeln!(o, "Position: none");
        }
    }
    let s = &state.cumulative_stats;
    let _ = writeln!(
        o,
        "Cycles: {} completed ({} ok, {} failed), {} opened",
        s.total_cycles, s.successful_cycles, s.failed_cycles, state.current_cycle
    );
    if s.total_cycles > 0 {
        let rate = Decimal::from(s.successful_cycles) * Decimal::ONE_HUNDRED
            / Decimal::from(s.total_cycles);
        let _ = writeln!(
            o,
            "Success rate {}; total PnL {}; average {} per cycle; funding {}; fees {}",
            pct(Some(rate)),
            money(Some(s.total_realized_pnl)),
            money(Some(
                s.total_realized_pnl / Decimal::from(s.total_cycles.max(1))
            )),
            money(Some(s.total_funding_pnl)),
            money(Some(s.total_fees_paid))
        );
    }
    if let Some(c) = state.completed_cycles.last() {
        let capture = c.ledger.as_ref().and_then(|l| l.capture_ratio);
        let _ = writeln!(
            o,
            "Last cycle #{} {}: PnL {}, capture ratio {}, closed {} ({})",
            c.cycle_number,
            c.symbol,
            money(c.pnl_breakdown.total_realized_pnl),
            capture
                .map(|r| format!("{:.2}", r.round_dp(2)))
                .unwrap_or_else(|| "unknown".into()),
            time(c.closed_at),
            c.close_reason.as_deref().unwrap_or("scheduled")
        );
    }
    let _ = write!(o, "{line}");
    o
}

fn position(o: &mut String, p: &BotPosition, now: DateTime<Utc>) {
    let elapsed = hours_between(p.opened_at, now);
    let planned = p
        .expected_funding
        .expected_duration_hours
        .unwrap_or_else(|| hours_between(p.opened_at, p.target_close_at));
    let progress = if planned > Decimal::ZERO {
        Some(elapsed * Decimal::ONE_HUNDRED / planned)
    } else {
        None
    };
    let _ = writeln!(
        o,
        "Position: {} long {} / short {}, {} per leg (~{} {}){}",
        p.symbol,
        p.long_exchange,
        p.short_exchange,
        p.entry.size_base.normalize(),
        money(Some(p.position_sizing.actual_notional)),
        p.quote,
        if p.position_sizing.was_capital_limited {
            format!(
                ", limited from {} by {}",
                money(Some(p.position_sizing.configured_notional)),
                p.position_sizing
                    .limiting_exchange
                    .as_deref()
                    .unwrap_or("unknown")
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "Opened {}; target {}; elapsed {:.2} h ({}); remaining {:.2} h",
        time(p.opened_at),
        time(p.target_close_at),
        elapsed.round_dp(2),
        pct(progress),
        hours_between(now, p.target_close_at)
            .max(Decimal::ZERO)
            .round_dp(2)
    );
    let _ = writeln!(
        o,
        "Expected: net APR {}, funding {} over the hold, cost {}",
        pct(p.expected_funding.net_apr),
        money(p.expected_funding.expected_funding_usd),
        money(p.expected_funding.expected_cost_usd)
    );
    if let Some(pnl) = &p.current_pnl {
        let _ = writeln!(
            o,
            "uPnL: A {}, B {}, total {}",
            money4(pnl.edgex_unrealized_pnl),
            money4(pnl.lighter_unrealized_pnl),
            money(pnl.total_unrealized_pnl)
        );
    }
    if p.stop_loss_triggered == Some(true) {
        let _ = writeln!(
            o,
            "*** STOP-LOSS: {} ***",
            p.stop_loss_reason.as_deref().unwrap_or("")
        );
    }
}

/// Hours from `a` to `b` (negative when `b` is earlier), to the millisecond.
pub fn hours_between(a: DateTime<Utc>, b: DateTime<Utc>) -> Decimal {
    Decimal::from((b - a).num_milliseconds()) / Decimal::from(3_600_000)
}
