//! The per-check display, like the seed's: time, per venue figures, level with each reason,
//! the hedge per symbol, actions and alerts, next check.

use super::{CheckReport, Health};
use chrono::{DateTime, Utc};
use hedge_engine::monitor::integrity::IntegrityStatus;
use hedge_engine::monitor::ladder::LevelReason;
use hedge_engine::monitor::runway::Runway;
use rust_decimal::Decimal;
use std::fmt::Write;

/// One reason in words.
pub fn reason_text(r: &LevelReason) -> String {
    match r {
        LevelReason::Runway {
            level,
            symbol,
            move_pct,
            bound_pct,
        } => format!(
            "{level:?}: {symbol} runway {}% < {}%",
            move_pct.round_dp(2),
            bound_pct.normalize()
        ),
        LevelReason::MarginUsage {
            level,
            usage,
            bound,
        } => format!(
            "{level:?}: margin usage {}% >= {}%",
            (usage * Decimal::ONE_HUNDRED).round_dp(2),
            (bound * Decimal::ONE_HUNDRED).round_dp(2)
        ),
        LevelReason::LegPnl {
            symbol,
            pnl_pct,
            bound_pct,
        } => format!(
            "Flatten: {symbol} PnL {}% < {}%",
            pnl_pct.round_dp(2),
            bound_pct.normalize()
        ),
        LevelReason::EquityExhausted { equity } => {
            format!("Flatten: equity {} <= 0", equity.round_dp(2))
        }
    }
}

fn opt(d: Option<Decimal>, dp: u32) -> String {
    d.map(|d| d.round_dp(dp).normalize().to_string())
        .unwrap_or_else(|| "n/a".into())
}

/// The check as text; `next` is the time of the next check (none with `--once`).
pub fn render_text(r: &CheckReport, tag: &str, next: Option<DateTime<Utc>>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{tag}=== liquidation check {} ===",
        r.time.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for v in &r.venues {
        if let Some(e) = &v.read_error {
            let _ = writeln!(
                o,
                "{}: READ FAILED ({} in a row): {e}",
                v.venue, v.read_failures
            );
            continue;
        }
        let Some(rw) = &v.runway else { continue };
        let _ = writeln!(
            o,
            "{}: equity {}  maintenance {}  margin usage {}  level {:?}",
            v.venue,
            rw.equity.round_dp(2),
            opt(rw.maintenance.as_ref().map(|m| m.amount), 2),
            rw.margin_usage
                .as_ref()
                .map(|u| format!("{}%", (u.fraction * Decimal::ONE_HUNDRED).round_dp(2)))
                .unwrap_or_else(|| "n/a".into()),
            v.level
        );
        for p in &rw.positions {
            let runway = match &p.runway {
                Runway::Unknown { .. } => "unknown".to_string(),
                Runway::Known {
                    price, venue_check, ..
                } => format!(
                    "{} (maintenance at {}; venue liquidation {})",
                    p.effective_move_pct()
                        .map(|x| format!("{}%", x.round_dp(2)))
                        .unwrap_or_else(|| "unknown".into()),
                    opt(*price, 4),
                    venue_check
                        .venue_move_pct()
                        .map(|x| format!("{}% away", x.round_dp(2)))
                        .unwrap_or_else(|| "not given".into())
                ),
            };
            let _ = writeln!(
                o,
                "  {} {:?} {}  mark {} ({})  uPnL {} ({}%)  runway {runway}",
                p.symbol,
                p.side,
                p.size.abs().normalize(),
                opt(p.mark, 4),
                v.mark_source
                    .get(&p.symbol)
                    .map(String::as_str)
                    .unwrap_or("none"),
                opt(p.unrealized_pnl, 2),
                opt(p.pnl_pct, 2),
            );
        }
        if rw.positions.is_empty() {
            let _ = writeln!(o, "  no position");
        } else {
            let _ = writeln!(
                o,
                "  unsettled funding {}",
                v.unsettled_funding
                    .map(|f| f.round_dp(4).normalize().to_string())
                    .unwrap_or_else(|| "unknown (not given by the venue)".into())
            );
        }
        for reason in &v.reasons {
            let _ = writeln!(o, "  reason: {}", reason_text(reason));
        }
    }
    for s in &r.symbols {
        let status = match &s.status {
            IntegrityStatus::Sound => "sound".to_string(),
            IntegrityStatus::Suppressed => "operation in progress".into(),
            IntegrityStatus::InGrace { remaining_secs, .. } => {
                format!("broken, grace {remaining_secs}s left")
            }
            IntegrityStatus::Broken { since } => {
                format!("BROKEN since {}", since.format("%H:%M:%S"))
            }
        };
        let _ = writeln!(
            o,
            "hedge {}: {:?} ({status}), net delta {}",
            s.symbol,
            s.class,
            r.net_delta
                .get(&s.symbol)
                .map(|d| d.normalize().to_string())
                .unwrap_or_default()
        );
    }
    if r.in_progress {
        let _ = writeln!(o, "a two-leg operation is in progress: nothing is done");
    }
    for a in &r.actions {
        let _ = writeln!(
            o,
            "ACTION {} {} ({}): {}",
            a.action, a.symbol, a.why, a.result
        );
    }
    for s in &r.skipped {
        let _ = writeln!(o, "not traded: {} ({})", s.symbol, s.reason);
    }
    for a in &r.alerts {
        let _ = writeln!(o, "ALERT [{}] {}: {}", a.kind, a.subject, a.message);
    }
    if let Some(h) = &r.halted {
        let _ = writeln!(o, "HALTED: {h}");
    }
    let health = match r.health {
        Health::Healthy => "HEALTHY",
        Health::Unhealthy => "UNHEALTHY",
        Health::Unknown => "UNKNOWN",
    };
    let _ = write!(o, "status: {health}");
    if let Some(n) = next {
        let _ = write!(o, "; next check {}", n.format("%H:%M:%S UTC"));
    }
    o.push('\n');
    o
}
